"""What must hold between the regulations, asked through ``viewer.can`` on real rows.

Reads use the shared golden database; the closed-period test changes state, so it runs on
its own ``db`` copy (close the period, ask, reopen, ask, insert a final mark, ask).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select, update

from campusgraph.db import models as m
from campusgraph.db.tenancy import unscoped
from campusgraph.ids import from_global_id, to_global_id
from tests.policies.golden.asking import Golden
from tests.policies.golden.cases import ALLOW, CAN, Answer, Case, cites
from tests.policies.golden.pickers import (
    FINAL_KIND,
    SHORT,
    SLUGS,
    TEACHER,
    Need,
    Picker,
    Rows,
    any_row,
    load_demo,
    row_elsewhere,
    row_in_curated_group,
    row_not_taught,
    row_of_other_child,
    row_of_own_child,
    row_taught,
    self_row,
)
from tests.policies.golden.test_nshds12 import STUDENT_NEVER

ALTAI, ARMAVIR, NSHDS12 = "altai-college-2016", "armavir-technikum-2025", "nshds12-2021"


async def ask(golden: Golden, slug: str, login: str, obj: str, act: str, pick: Picker) -> Answer:
    return await golden.ask(Case(login, obj, act, pick, ALLOW, slug=slug))


async def test_absence_reasons_armavir_curator_may_set_them_altai_curator_may_not(
    golden: Golden,
) -> None:
    altai = await ask(golden, ALTAI, "curator", "attendance.reason", "update", row_in_curated_group)
    armavir = await ask(
        golden, ARMAVIR, "curator", "attendance.reason", "update", row_in_curated_group
    )
    assert altai.allowed is False, altai
    assert altai.rule == "default deny", altai
    assert armavir.allowed is True, armavir
    assert cites(armavir.clause or "", "п. 4.3"), armavir


async def test_marks_armavir_director_may_edit_them_altai_director_may_not(
    golden: Golden,
) -> None:
    armavir = await ask(golden, ARMAVIR, "director", "mark", "update", row_taught)
    altai = await ask(golden, ALTAI, "director", "mark", "update", row_taught)
    assert armavir.allowed is True, armavir
    assert cites(armavir.clause or "", "п. 4.11"), armavir
    assert altai.allowed is False, altai
    assert altai.rule == "default deny", altai


@pytest.mark.parametrize("slug", SLUGS, ids=SHORT.get)
async def test_a_parent_reads_only_his_own_child(golden: Golden, slug: str) -> None:
    for obj in ("student", "mark", "attendance", "final_mark"):
        own = await ask(golden, slug, "parent", obj, "read", row_of_own_child)
        other = await ask(golden, slug, "parent", obj, "read", row_of_other_child)
        foreign = await ask(golden, slug, "parent", obj, "read", row_elsewhere)
        assert own.allowed is True, (obj, own)
        assert other.allowed is False, (obj, other)
        assert foreign.allowed is None, (obj, foreign)


async def test_an_nshds12_student_changes_nothing_in_the_journal(golden: Golden) -> None:
    for obj, act in STUDENT_NEVER:
        answer = await ask(golden, NSHDS12, "student", obj, act, self_row)
        assert answer.allowed is False, (obj, act, answer)


async def test_an_nshds12_student_is_refused_by_the_deny_line(golden: Golden) -> None:
    for obj, act in STUDENT_NEVER:
        answer = await ask(golden, NSHDS12, "student", obj, act, self_row)
        assert (answer.rule or "").startswith(f"{NSHDS12}/policy.csv:"), (obj, act, answer)
        assert cites(answer.clause or "", "разд. 6"), (obj, act, answer)


@pytest.mark.parametrize("slug", SLUGS, ids=SHORT.get)
async def test_a_teacher_neither_reads_nor_writes_a_journal_he_does_not_teach(
    golden: Golden, slug: str
) -> None:
    teacher = TEACHER[slug]
    for obj, act in [
        ("journal", "read"),
        ("lesson", "read"),
        ("lesson", "update"),
        ("mark", "read"),
        ("mark", "create"),
        ("mark", "update"),
        ("attendance", "create"),
        ("final_mark", "read"),
    ]:
        answer = await ask(golden, slug, teacher, obj, act, row_not_taught)
        assert answer.allowed is False, (obj, act, answer)
        mine = await ask(golden, slug, teacher, obj, act, row_taught)
        assert mine.allowed is True, (obj, act, mine)


async def test_student_cards_altai_hr_specialist_may_create_them_armavir_may_not(
    golden: Golden,
) -> None:
    for slug in (ALTAI, ARMAVIR):  # the target: the Group the new card would join
        async with unscoped(golden.db.factory) as session:
            case = Case("hr_specialist", "student", "create", any_row, ALLOW, slug=slug)
            target, _ = await golden.pick(session, case)
        assert target is not None
        assert from_global_id(target)[0] == "Group"
    altai = await ask(golden, ALTAI, "hr_specialist", "student", "create", any_row)
    armavir = await ask(golden, ARMAVIR, "hr_specialist", "student", "create", any_row)
    assert altai.allowed is True, altai
    assert cites(altai.clause or "", "п. 4.2"), altai
    assert armavir.allowed is False, armavir
    assert armavir.rule == "default deny", armavir


async def _assignment_and_student(rows: Rows, need: Need) -> tuple[str | None, str | None]:
    spot = rows.demo.spots["taught"]
    assignment = await rows.teaching_assignment(spot)
    return to_global_id("TeachingAssignment", assignment), to_global_id("Student", spot.student)


#: A new row named by what it belongs to: the teaching assignment (and the student).
row_assignment = Picker("assignment", _assignment_and_student)


@pytest.mark.parametrize("obj", ["lesson", "final_mark"])
async def test_a_teacher_may_add_a_lesson_or_final_mark_to_a_journal_he_teaches(
    golden: Golden, obj: str
) -> None:
    # Named by its teaching assignment, the new row has no date of its own: can() takes
    # today's, so the period_open condition of the teacher's line can hold.
    answer = await ask(golden, ALTAI, TEACHER[ALTAI], obj, "create", row_assignment)
    assert answer.allowed is True, answer


async def _work_and_stranger(rows: Rows, need: Need) -> tuple[str | None, str | None]:
    work, _ = await rows.new_row_context("mark", rows.demo.spots["taught"], need.viewer)
    return work, to_global_id("Student", rows.demo.spots["not_taught"].student)


#: A work of a group the teacher teaches, and a student of another group.
row_work_and_stranger = Picker("work-and-stranger", _work_and_stranger)


async def test_no_mark_for_a_student_outside_the_works_group(golden: Golden) -> None:
    # A work the teacher teaches and a student of another group name no cell: can()
    # checks that the rows named together agree (membership on the work's date).
    answer = await ask(golden, ALTAI, TEACHER[ALTAI], "mark", "create", row_work_and_stranger)
    assert answer.allowed is not True, answer


# -- closing a period ----------------------------------------------------------------------


async def _set_closed(db: Any, institution: int, on: dt.date, closed: bool) -> None:
    """Close (or reopen) the semester / quarter containing ``on``."""
    async with unscoped(db.factory, write=True) as session:
        await session.execute(
            update(m.Period)
            .where(
                m.Period.institution_id == institution,
                m.Period.kind.in_(("semester", "quarter")),
                m.Period.starts_on <= on,
                m.Period.ends_on >= on,
            )
            .values(closed_at=dt.datetime(2026, 11, 27, 12, tzinfo=dt.UTC) if closed else None)
        )
        await session.commit()


async def test_a_closed_period_stops_mark_edits_until_it_is_reopened(db: Any, sign_in: Any) -> None:
    # Who may edit a mark of a group the teacher teaches while the period is open.
    editors = {slug: [TEACHER[slug]] for slug in SLUGS}
    editors[ARMAVIR].append("director")
    marks: dict[str, tuple[str, int, dt.date, int, int, int]] = {}
    async with unscoped(db.factory) as session:
        for slug in SLUGS:
            demo = await load_demo(session, slug)
            target, _ = await row_taught.fn(
                Rows(session, demo), Need("mark", "update", demo.teacher)
            )
            assert target is not None
            mark = await session.get(m.Mark, from_global_id(target)[1])
            assert mark is not None
            marks[slug] = (
                target,
                demo.institution_id,
                mark.date,
                mark.student_id,
                mark.discipline_id,
                mark.group_id,
            )
    clients = {
        (slug, login): await sign_in(slug, login) for slug in SLUGS for login in editors[slug]
    }

    async def may_update(slug: str, login: str) -> dict[str, Any]:
        data = await clients[slug, login].data(
            CAN, {"object": "mark", "action": "update", "id": marks[slug][0]}
        )
        return data["viewer"]["can"]

    for slug in SLUGS:
        for login in editors[slug]:
            assert (await may_update(slug, login))["allowed"], (slug, login, "open")
    for slug in SLUGS:
        await _set_closed(db, marks[slug][1], marks[slug][2], closed=True)
    for slug in SLUGS:
        for login in editors[slug]:
            closed = await may_update(slug, login)
            assert not closed["allowed"], (slug, login, "closed", closed)
            assert closed["rule"] == "default deny", (slug, login, closed)
    altai_director = await sign_in(ALTAI, "director")
    for slug in SLUGS:
        await _set_closed(db, marks[slug][1], marks[slug][2], closed=False)
    for slug in SLUGS:
        for login in editors[slug]:
            assert (await may_update(slug, login))["allowed"], (slug, login, "reopened")
    never = await altai_director.data(
        CAN, {"object": "mark", "action": "update", "id": marks[ALTAI][0]}
    )
    assert not never["viewer"]["can"]["allowed"]

    # Altai (п. 4.6): no edits once the student's final mark for the period is set.
    _, institution, on, student, discipline, group = marks[ALTAI]
    async with unscoped(db.factory, write=True) as session:
        period = (
            await session.execute(
                select(m.Period).where(
                    m.Period.institution_id == institution,
                    m.Period.kind == "semester",
                    m.Period.starts_on <= on,
                    m.Period.ends_on >= on,
                )
            )
        ).scalar_one()
        session.add(
            m.FinalMark(
                institution_id=institution,
                student_id=student,
                discipline_id=discipline,
                group_id=group,
                period_id=period.id,
                date=period.ends_on,
                kind=FINAL_KIND[ALTAI],
                value="5",
            )
        )
        await session.commit()
    blocked = await may_update(ALTAI, TEACHER[ALTAI])
    assert not blocked["allowed"], blocked
    assert blocked["rule"] == "default deny", blocked
