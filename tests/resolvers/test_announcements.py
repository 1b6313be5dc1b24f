"""Announcements and events: each reader sees those addressed to the whole institution,
to his (his child's) group and its department and to his role — never another group's,
department's or role's; a publisher writes only within his line's scope. The lists are
the policy engine's SQL filters (resolvers/announcements.py ``readable``)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from campusgraph.db import demo
from campusgraph.db import models as m
from campusgraph.db.tenancy import unscoped

ALTAI = "altai-college-2016"
#: Days no demo announcement falls on: the lists below hold only what the tests publish.
FROM, TO = "2031-03-01", "2031-03-31"

PUBLISH = """
mutation ($input: CreateAnnouncementInput!) {
  createAnnouncement(input: $input) {
    announcement { id title kind audience role startsOn endsOn startsAt }
    errors { code message field rule clause }
  }
}
"""
UPDATE = """
mutation ($input: UpdateAnnouncementInput!) {
  updateAnnouncement(input: $input) {
    announcement { id title audience }
    errors { code message field rule clause }
  }
}
"""
DELETE = """
mutation ($input: DeleteInput!) {
  deleteAnnouncement(input: $input) { deletedId errors { code message field rule } }
}
"""
LIST = """
query ($from: Date, $to: Date, $kind: AnnouncementKind) {
  announcements(from: $from, to: $to, kind: $kind) {
    totalCount
    nodes { id title kind audience role group { name } department { name } }
  }
}
"""
STRUCTURE = """
{
  institution {
    departments { id name }
    groups(first: 50) { nodes { id name department { id } } }
  }
}
"""
EVERY = "{ announcements(first: 200) { nodes { id audience } } }"
#: The policy object of each audience (resolvers/announcements.py OBJECT_OF).
OBJECTS = {
    "INSTITUTION": "announcement",
    "GROUP": "announcement",
    "DEPARTMENT": "announcement.department",
    "ROLE": "announcement.role",
}
PARENT_GROUP = "{ viewer { children { group { id } } } }"
STUDENT_GROUP = "{ viewer { student { group { id } } } }"
CURATED = "{ viewer { employee { curatedGroups { id } } } }"


async def _group_of(reader: Any, role: str) -> str:
    if role == "parent":
        viewer = (await reader.data(PARENT_GROUP))["viewer"]
        return str(viewer["children"][0]["group"]["id"])
    viewer = (await reader.data(STUDENT_GROUP))["viewer"]
    return str(viewer["student"]["group"]["id"])


async def _publish(client: Any, title: str, audience: dict[str, Any] | None, **more: Any) -> Any:
    payload = {"title": title, "body": f"{title}: текст", "startsOn": "2031-03-10", **more}
    if audience is not None:
        payload["audience"] = audience
    return (await client.data(PUBLISH, {"input": payload}))["createAnnouncement"]


async def _titles(client: Any, **variables: Any) -> set[str]:
    found = (await client.data(LIST, {"from": FROM, "to": TO, **variables}))["announcements"]
    assert found["totalCount"] == len(found["nodes"])
    return {node["title"] for node in found["nodes"]}


async def _publish_every_audience(sign_in: Any, own_group: str) -> dict[str, str]:
    """As the deputy director (п. 4.7): one announcement for each audience, its title
    saying whose it is; ``own_group`` is the reader's (his child's) group."""
    deputy = await sign_in(ALTAI, "deputy_director")
    structure = (await deputy.data(STRUCTURE))["institution"]
    groups = structure["groups"]["nodes"]
    own = next(g for g in groups if g["id"] == own_group)
    other = next(g for g in groups if g["id"] != own_group)
    own_department = own["department"]["id"]
    other_department = next(d["id"] for d in structure["departments"] if d["id"] != own_department)
    audiences = {
        "institution": None,
        "own group": {"group": own["id"]},
        "other group": {"group": other["id"]},
        "own department": {"department": own_department},
        "other department": {"department": other_department},
        "role parent": {"role": "parent"},
        "role student": {"role": "student"},
        "role teacher": {"role": "teacher"},
    }
    for title, audience in audiences.items():
        result = await _publish(deputy, title, audience, kind="CLASS_MEETING")
        assert result["errors"] == [], (title, result)
    return {"own": own["id"], "other": other["id"]}


@pytest.mark.parametrize("role", ["parent", "student"])
async def test_a_parent_and_a_student_read_the_colleges_and_their_groups_events(
    sign_in: Any, role: str
) -> None:
    # Given events of the college, of the reader's (child's) group and its department, of
    # another group and department, and for three roles (altai п. 4.5)
    reader = await sign_in(ALTAI, role)
    await _publish_every_audience(sign_in, await _group_of(reader, role))

    # When the parent (the student) lists the events of those days
    seen = await _titles(reader)

    # Then he sees the college's, his (child's) group's and department's and his role's
    assert seen == {"institution", "own group", "own department", f"role {role}"}


async def test_staff_read_every_audience_and_filters_narrow_the_list(sign_in: Any) -> None:
    # Given one event per audience
    parent = await sign_in(ALTAI, "parent")
    await _publish_every_audience(sign_in, await _group_of(parent, "parent"))
    teacher = await sign_in(ALTAI, "teacher")

    # When a teacher (staff_member: the institution's) lists them, then all of them
    assert len(await _titles(teacher)) == 8
    # and none on other days or of another kind
    assert await _titles(teacher, **{"from": "2031-04-01", "to": "2031-04-30"}) == set()
    assert await _titles(teacher, kind="HOLIDAY") == set()


async def test_a_curator_publishes_for_his_group_only(sign_in: Any) -> None:
    # Given the curator of a group (altai п. 3.4, 4.5: events of his own group)
    curator = await sign_in(ALTAI, "curator")
    own = (await curator.data(CURATED))["viewer"]["employee"]["curatedGroups"][0]["id"]
    deputy = await sign_in(ALTAI, "deputy_director")
    groups = (await deputy.data(STRUCTURE))["institution"]["groups"]["nodes"]
    other = next(g["id"] for g in groups if g["id"] != own)
    department = next(g["department"]["id"] for g in groups if g["id"] == own)

    # When he publishes for his group, it is published
    mine = await _publish(curator, "собрание группы", {"group": own}, kind="CLASS_MEETING")
    assert mine["errors"] == []
    assert mine["announcement"]["audience"] == "GROUP"

    # but for another group, the whole college or his department: FORBIDDEN, with the rule
    for audience in ({"group": other}, None, {"department": department}, {"role": "parent"}):
        refused = await _publish(curator, "чужое", audience)
        assert refused["announcement"] is None
        assert [e["code"] for e in refused["errors"]] == ["FORBIDDEN"], audience
        assert refused["errors"][0]["rule"], audience
    # nor may he move his own to another group
    moved = (
        await curator.data(
            UPDATE, {"input": {"id": mine["announcement"]["id"], "audience": {"group": other}}}
        )
    )["updateAnnouncement"]
    assert [e["code"] for e in moved["errors"]] == ["FORBIDDEN"]

    # and a teacher (no line: п. 4.6) publishes nothing
    teacher = await sign_in(ALTAI, "teacher")
    none = await _publish(teacher, "от преподавателя", {"group": own})
    assert [e["code"] for e in none["errors"]] == ["FORBIDDEN"]
    assert await _titles(deputy) == {"собрание группы"}


async def test_publish_change_withdraw_audited_and_idempotent(db: Any, sign_in: Any) -> None:
    # Given the deputy director publishing a day transfer with a key
    deputy = await sign_in(ALTAI, "deputy_director")
    variables = {
        "input": {
            "title": "Перенос учебного дня",
            "body": "Занятия субботы переносятся на пятницу.",
            "kind": "DAY_TRANSFER",
            "startsOn": "2031-03-14",
            "startsAt": "08:30:00",
            "clientMutationId": "transfer-1",
        }
    }
    # When he sends it twice
    first = (await deputy.data(PUBLISH, variables))["createAnnouncement"]
    again = (await deputy.data(PUBLISH, variables))["createAnnouncement"]

    # Then it is published once, answered the same, and audited
    assert first["errors"] == []
    assert again == first
    assert first["announcement"]["kind"] == "DAY_TRANSFER"
    assert first["announcement"]["audience"] == "INSTITUTION"
    gid = first["announcement"]["id"]
    changed = (await deputy.data(UPDATE, {"input": {"id": gid, "title": "Перенос дня (изменён)"}}))[
        "updateAnnouncement"
    ]
    assert changed["errors"] == []
    assert changed["announcement"]["title"] == "Перенос дня (изменён)"
    deleted = (await deputy.data(DELETE, {"input": {"id": gid}}))["deleteAnnouncement"]
    assert deleted == {"deletedId": gid, "errors": []}
    async with unscoped(db.factory) as s:
        rows = (await s.execute(select(func.count(m.Announcement.id)))).scalar_one()
        audited = (
            await s.execute(
                select(m.AuditEvent.action)
                .where(m.AuditEvent.object_type == "announcement")
                .order_by(m.AuditEvent.id)
            )
        ).scalars()
        assert list(audited) == ["create", "update", "delete"]
    assert await _titles(deputy) == set()
    assert rows > 0  # the demo's remain


@pytest.mark.parametrize(
    ("language", "text"),
    [("ru", "Укажите не более одного адресата"), ("en", "Name at most one audience")],
)
async def test_invalid_input_is_named_in_the_readers_language(
    sign_in: Any, language: str, text: str
) -> None:
    deputy = await sign_in(ALTAI, "deputy_director")
    groups = (await deputy.data(STRUCTURE))["institution"]
    audience = {"group": groups["groups"]["nodes"][0]["id"], "role": "parent"}
    payload = {"title": "x", "body": "y", "startsOn": "2031-03-10", "audience": audience}
    response = await deputy.post(PUBLISH, {"input": payload}, headers={"Accept-Language": language})
    errors = response.json()["data"]["createAnnouncement"]["errors"]
    assert [(e["code"], e["field"]) for e in errors] == [("VALIDATION", "input.audience")]
    assert errors[0]["message"].startswith(text)
    late = {"title": "x", "body": "y", "startsOn": "2031-03-10", "endsOn": "2031-03-01"}
    response = await deputy.post(PUBLISH, {"input": late}, headers={"Accept-Language": language})
    errors = response.json()["data"]["createAnnouncement"]["errors"]
    assert [(e["code"], e["field"]) for e in errors] == [("VALIDATION", "input.endsOn")]


async def test_the_list_costs_the_same_statements_for_any_number_of_rows(
    sign_in: Any, sql_counter: Any
) -> None:
    # Given a parent and a few events of his child's group
    parent = await sign_in(ALTAI, "parent")
    group = await _group_of(parent, "parent")
    deputy = await sign_in(ALTAI, "deputy_director")

    async def statements() -> int:
        with sql_counter() as sql:
            await _titles(parent)
        return int(sql.count)

    await _publish(deputy, "first", {"group": group})
    await _titles(parent)  # warm: the viewer's facts and filters
    few = await statements()
    # When there are many more, each with its group
    for n in range(10):
        await _publish(deputy, f"more {n}", {"group": group})
    # Then the list (with every row's group) runs as many statements as before
    assert len(await _titles(parent)) == 11
    assert await statements() == few


@pytest.mark.parametrize("slug", ["altai-college-2016", "barnaul-school6-2016"])
async def test_the_list_is_what_the_row_check_allows(shared_sign_in: Any, slug: str) -> None:
    # Given every announcement of the demo institution (its staff read them all: base)
    spec = next(s for s in demo.INSTITUTIONS if s.slug == slug)
    staff = await shared_sign_in(slug, "administrator")
    every = (await staff.data(EVERY))["announcements"]["nodes"]
    assert {n["audience"] for n in every} >= {"INSTITUTION", "GROUP", "ROLE"}
    asks = " ".join(
        f'a{i}: can(object: "{OBJECTS[n["audience"]]}", action: "read", id: "{n["id"]}") '
        "{ allowed }"
        for i, n in enumerate(every)
    )
    for role in spec.roles:
        # When each account lists them, and asks the row check of each row's own object
        reader = await shared_sign_in(slug, role)
        listed = {n["id"] for n in (await reader.data(EVERY))["announcements"]["nodes"]}
        answers = (await reader.data(f"{{ viewer {{ {asks} }} }}"))["viewer"]
        allowed = {n["id"] for i, n in enumerate(every) if answers[f"a{i}"]["allowed"]}
        # Then the list is exactly the rows the row check allows
        assert listed == allowed, role
