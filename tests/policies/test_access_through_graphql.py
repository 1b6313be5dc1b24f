"""Access as the demo accounts see it through the endpoint: reads filtered by the ruleset,
denials that say why, roles combined, and the region's authority seeing aggregates only."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from campusgraph.db import models as m
from campusgraph.db.tenancy import unscoped
from campusgraph.ids import to_global_id

VIEWER = """
query {
  viewer {
    employee { teachingAssignments { group { id } discipline { id } } curatedGroups { id name } }
    student { id }
    children { id fullName }
    institution { academicYears { isCurrent periods { id startsOn endsOn } } }
  }
}
"""
JOURNAL = """
query ($group: ID!, $discipline: ID!, $period: ID!) {
  journal(group: $group, discipline: $discipline, period: $period) { rows { studentId } }
}
"""
STUDENT = """
query ($id: ID!) { node(id: $id) { ... on Student { id fullName personal { snils } } } }
"""
GROUPS = "query { institution { groups(first: 50) { nodes { id name } } } }"
REGION = "query { regionReport { slug groups students averageMark absences } }"


async def _ids(db: Any, slug: str, model: Any) -> list[int]:
    async with unscoped(db.factory) as s:
        inst = (
            await s.execute(select(m.Institution.id).where(m.Institution.slug == slug))
        ).scalar_one()
        return list(
            (
                await s.execute(
                    select(model.id).where(model.institution_id == inst).order_by(model.id)
                )
            ).scalars()
        )


async def test_teacher_is_refused_the_journal_of_a_group_he_does_not_teach(
    db: Any, sign_in: Any
) -> None:
    teacher = await sign_in("altai-college-2016", "teacher")
    viewer = (await teacher.data(VIEWER))["viewer"]
    taught = {a["group"]["id"] for a in viewer["employee"]["teachingAssignments"]}
    discipline = viewer["employee"]["teachingAssignments"][0]["discipline"]["id"]
    period = next(y for y in viewer["institution"]["academicYears"] if y["isCurrent"])["periods"][
        0
    ]["id"]
    groups = [
        to_global_id("Group", pk) for pk in await _ids(db, "altai-college-2016", m.StudyGroup)
    ]
    other = next(g for g in groups if g not in taught)

    payload = await teacher.query(
        JOURNAL, {"group": other, "discipline": discipline, "period": period}
    )

    assert payload["data"] == {"journal": None}
    error = payload["errors"][0]
    assert error["path"] == ["journal"]
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert error["extensions"]["ruleset"] == "altai-college-2016"
    assert error["extensions"]["object"] == "journal"
    assert error["extensions"]["clause"]
    assert "altai-college-2016" in error["message"]


async def test_teacher_lists_only_groups_he_teaches(sign_in: Any) -> None:
    teacher = await sign_in("altai-college-2016", "teacher")
    viewer = (await teacher.data(VIEWER))["viewer"]
    taught = {a["group"]["id"] for a in viewer["employee"]["teachingAssignments"]}
    listed = {g["id"] for g in (await teacher.data(GROUPS))["institution"]["groups"]["nodes"]}
    director = await sign_in("altai-college-2016", "director")
    everything = {g["id"] for g in (await director.data(GROUPS))["institution"]["groups"]["nodes"]}
    assert listed <= everything
    assert taught <= everything
    assert len(everything) >= 6


async def test_parent_reads_only_his_own_child(db: Any, sign_in: Any) -> None:
    parent = await sign_in("altai-college-2016", "parent")
    children = (await parent.data(VIEWER))["viewer"]["children"]
    assert len(children) == 1
    own = children[0]["id"]
    assert (await parent.data(STUDENT, {"id": own}))["node"]["id"] == own

    others = [to_global_id("Student", pk) for pk in await _ids(db, "altai-college-2016", m.Student)]
    for other in [s for s in others if s != own][:10]:
        assert (await parent.data(STUDENT, {"id": other}))["node"] is None


async def test_personal_data_only_where_granted_and_roles_combine(db: Any, client: Any) -> None:
    curator = await client.as_("altai-college-2016", "curator")
    director = await client.as_("altai-college-2016", "director")
    curated = (await curator.data(VIEWER))["viewer"]["employee"]["curatedGroups"][0]["id"]
    students = (
        await curator.data(
            "query ($id: ID!) { node(id: $id) { ... on Group { students { id } } } }",
            {"id": curated},
        )
    )["node"]["students"]
    sid = students[0]["id"]

    assert (await curator.data(STUDENT, {"id": sid}))["node"]["personal"]["snils"]
    assert (await director.data(STUDENT, {"id": sid}))["node"]["personal"] is None

    # the director is also appointed HR specialist: his roles combine on next sign-in
    async with unscoped(db.factory, write=True) as s:
        account = (
            await s.execute(
                select(m.UserAccount)
                .join(m.Institution, m.Institution.id == m.UserAccount.institution_id)
                .where(
                    m.Institution.slug == "altai-college-2016", m.UserAccount.login == "director"
                )
            )
        ).scalar_one()
        s.add(
            m.RoleAssignment(
                user_id=account.id, institution_id=account.institution_id, role="hr_specialist"
            )
        )
        await s.commit()
    both = await client.as_("altai-college-2016", "director")
    roles = (await both.data("query { viewer { roles { name } } }"))["viewer"]["roles"]
    assert [r["name"] for r in roles] == ["director", "hr_specialist"]
    assert (await both.data(STUDENT, {"id": sid}))["node"]["personal"]["snils"]


async def test_authority_sees_region_aggregates_but_no_person(db: Any, sign_in: Any) -> None:
    authority = await sign_in("demo-region", "authority")
    report = (await authority.data(REGION))["regionReport"]
    assert {r["slug"] for r in report} == {
        "altai-college-2016",
        "armavir-technikum-2025",
        "barnaul-school6-2016",
        "tomsk-technikum-2023",
        "nshds12-2021",
    }
    assert all(r["students"] >= 120 and r["groups"] >= 6 for r in report)
    assert all(2 <= r["averageMark"] <= 5 for r in report)

    sid = to_global_id("Student", (await _ids(db, "altai-college-2016", m.Student))[0])
    assert (await authority.data(STUDENT, {"id": sid}))["node"] is None

    director = await sign_in("altai-college-2016", "director")
    assert (await director.data(REGION))["regionReport"] == []
