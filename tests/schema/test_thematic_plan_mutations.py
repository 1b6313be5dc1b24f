"""Thematic plans (КТП) written through the endpoint, governed by each ruleset's lines: a
teacher edits the plans of what he teaches (Barnaul п. 2.1, 3.9; Tomsk п. 3.1.7; NSHDS-12
разд. 4), not another teacher's; Altai and Armavir grant no one to write them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select

from campusgraph.db import models as m
from campusgraph.db.tenancy import unscoped
from campusgraph.ids import to_global_id
from tests.support.journal import institution_id

MINE = """
query {
  viewer { employee { teachingAssignments {
    group { id } discipline { id }
    thematicPlan { id academicYearId topics { id title hours } }
  } } }
}
"""
CREATE = """
mutation ($input: CreateThematicPlanInput!) {
  createThematicPlan(input: $input) {
    thematicPlan { id topics { id position title hours } }
    errors { code message field }
  }
}
"""
UPDATE = """
mutation ($input: UpdateThematicPlanInput!) {
  updateThematicPlan(input: $input) {
    thematicPlan { id hours topics { id position title hours } }
    errors { code message field }
  }
}
"""
DELETE = """
mutation ($input: DeleteInput!) {
  deleteThematicPlan(input: $input) { deletedId errors { code message field } }
}
"""

#: ruleset → (the teacher's login, may he create/update, may he delete)
RULESETS = {
    "barnaul-school6-2016": ("teacher", True, True),
    "tomsk-technikum-2023": ("teacher", True, False),
    "nshds12-2021": ("subject_teacher", True, False),
    "altai-college-2016": ("teacher", False, False),
    "armavir-technikum-2025": ("teacher", False, False),
}


def _codes(payload: dict[str, Any]) -> list[str]:
    return [e["code"] for e in payload["errors"]]


async def _not_taught(db: Any, slug: str, teacher_login: str) -> tuple[int, int, int | None]:
    """A group × discipline the teacher does not teach, and its plan if there is one."""
    inst = await institution_id(db, slug)
    ta, tp = m.TeachingAssignment, m.ThematicPlan
    async with unscoped(db.factory) as s:
        teacher = (
            await s.execute(
                select(m.Employee.id)
                .join(m.UserAccount, m.UserAccount.person_id == m.Employee.person_id)
                .where(m.UserAccount.institution_id == inst, m.UserAccount.login == teacher_login)
            )
        ).scalar_one()
        other = (
            await s.execute(
                select(m.TeachingAssignment.group_id, m.TeachingAssignment.discipline_id)
                .where(
                    m.TeachingAssignment.institution_id == inst,
                    m.TeachingAssignment.teacher_id != teacher,
                )
                .order_by(m.TeachingAssignment.id)
            )
        ).all()
        for group, discipline in other:
            taught = (
                await s.execute(
                    select(ta.id).where(
                        ta.teacher_id == teacher,
                        ta.group_id == group,
                        ta.discipline_id == discipline,
                    )
                )
            ).first()
            if taught is not None:
                continue
            plan = (
                await s.execute(
                    select(tp.id).where(tp.group_id == group, tp.discipline_id == discipline)
                )
            ).scalar()
            return group, discipline, plan
    raise AssertionError(f"every assignment of {slug} is the teacher's")


async def _next_year(db: Any, slug: str) -> str:
    """A next academic year of the institution (no plan has it yet)."""
    inst = await institution_id(db, slug)
    async with unscoped(db.factory) as s:
        year = m.AcademicYear(
            institution_id=inst,
            name="2027/2028",
            starts_on=dt.date(2027, 9, 1),
            ends_on=dt.date(2028, 6, 30),
            is_current=False,
        )
        s.add(year)
        await s.flush()
        pk = year.id
        await s.commit()
    return to_global_id("AcademicYear", pk)


@pytest.mark.parametrize("slug", list(RULESETS))
async def test_the_teacher_writes_his_plans_not_anothers(db: Any, sign_in: Any, slug: str) -> None:
    login, may_write, may_delete = RULESETS[slug]
    next_year = await _next_year(db, slug)
    teacher = await sign_in(slug, login)
    data = await teacher.data(MINE)
    assignment = data["viewer"]["employee"]["teachingAssignments"][0]
    plan = assignment["thematicPlan"]
    assert plan is not None, "the demo has a plan for every assignment"
    topics = [
        {"title": "Введение в дисциплину", "hours": 2},
        {"title": "Контрольная работа", "hours": 1},
    ]

    # When the teacher changes the plan of what he teaches: keeps its topics, adds one
    kept = [{"id": t["id"], "title": t["title"], "hours": t["hours"]} for t in plan["topics"]]
    given = {"id": plan["id"], "topics": [*kept, topics[1]]}
    changed = (await teacher.data(UPDATE, {"input": given}))["updateThematicPlan"]
    # And creates one for the next year
    new = {
        "group": assignment["group"]["id"],
        "discipline": assignment["discipline"]["id"],
        "academicYear": next_year,
        "topics": topics,
    }
    keyed = {**new, "clientMutationId": f"plan-{slug}"}
    created = (await teacher.data(CREATE, {"input": keyed}))["createThematicPlan"]

    # Then the ruleset decides
    if not may_write:
        for answer in (changed, created):
            assert _codes(answer) == ["FORBIDDEN"], answer
            assert answer["thematicPlan"] is None
    else:
        assert changed["errors"] == [], changed
        written = changed["thematicPlan"]
        assert written["topics"][-1]["title"] == "Контрольная работа"
        assert [t["position"] for t in written["topics"]] == list(
            range(1, len(written["topics"]) + 1)
        )
        assert [t["id"] for t in written["topics"][:-1]] == [t["id"] for t in plan["topics"]]
        again = (await teacher.data(MINE))["viewer"]["employee"]["teachingAssignments"][0]
        assert again["thematicPlan"]["id"] == written["id"]
        assert created["errors"] == [], created
        assert [t["title"] for t in created["thematicPlan"]["topics"]] == [
            t["title"] for t in topics
        ]
        # a retry under the same key answers the first result, writes nothing
        retried = (await teacher.data(CREATE, {"input": keyed}))["createThematicPlan"]
        assert retried == created
        # the same place and year twice (a new request) is refused
        twice = (await teacher.data(CREATE, {"input": new}))["createThematicPlan"]
        assert [(e["code"], e["field"]) for e in twice["errors"]] == [
            ("VALIDATION", "input.discipline")
        ]
        # his new plan's delete, as the ruleset says
        gone = (await teacher.data(DELETE, {"input": {"id": created["thematicPlan"]["id"]}}))[
            "deleteThematicPlan"
        ]
        assert _codes(gone) == ([] if may_delete else ["FORBIDDEN"]), gone

    # And another teacher's group × discipline is never his to write
    group, discipline, other_plan = await _not_taught(db, slug, login)
    other = {**new, "group": to_global_id("Group", group)}
    other["discipline"] = to_global_id("Discipline", discipline)
    refused = (await teacher.data(CREATE, {"input": other}))["createThematicPlan"]
    assert _codes(refused) == ["FORBIDDEN"], refused
    assert other_plan is not None
    gid = to_global_id("ThematicPlan", other_plan)
    refused = (await teacher.data(UPDATE, {"input": {"id": gid, "topics": topics}}))[
        "updateThematicPlan"
    ]
    assert _codes(refused) == ["FORBIDDEN"], refused
    refused = (await teacher.data(DELETE, {"input": {"id": gid}}))["deleteThematicPlan"]
    assert _codes(refused) == ["FORBIDDEN"], refused
