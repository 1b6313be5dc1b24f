"""Armavir разд. 6 through the endpoint: hand-built journals at each boundary of the rule
(the average ranges 4,75 / 4,74, the share of graded works at exactly 50 % and just under,
the quality shares of «5» and «3», the «2» rule, no graded works), the marks given by the
teacher with ``setMark``; then the suggestion, its conditions and its reasoning."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select

from campusgraph.db import models as m
from campusgraph.db.enums import DisciplineKind, FinalMarkKind, WorkKind
from campusgraph.db.tenancy import unscoped
from campusgraph.ids import to_global_id
from tests.support import DEMO_TODAY
from tests.support.journal import group_and_discipline, institution_id, period_id

ARMAVIR = "armavir-technikum-2025"
LESSON_DAY = DEMO_TODAY - dt.timedelta(days=3)

SET_MARK = """
mutation ($input: SetMarkInput!) {
  setMark(input: $input) { mark { value } errors { code message field } }
}
"""
SUGGEST = """
query ($student: ID!, $discipline: ID!, $period: ID!) {
  suggestedFinalMark(student: $student, discipline: $discipline, period: $period) {
    value average gradedDone gradedPlanned disputed clause rule reasoning
    conditions { value averageHolds countedMarks works share minShare shareHolds holds rule }
  }
}
"""


@dataclass(frozen=True)
class Case:
    """A student's marks in a fresh discipline: ``graded`` one per graded (control) work,
    None for a work not done; ``oral`` on oral answers (in the average, not in a share)."""

    name: str
    graded: list[str | None]
    oral: list[str]
    value: str | None
    average: float | None
    range_of: str | None  # the mark whose average range holds the average
    share: float | None = None  # that mark's share reached


CASES = [
    # 5,5 + oral 5,4 = 4,75; works at «4»/«5»: 2 of 4 = exactly 50 %: «5».
    Case("4,75 and exactly half at 4/5", ["5", "5", None, None], ["5", "4"], "5", 4.75, "5", 0.5),
    # 14×5 + 5×4 = 90 / 19 = 4,7368… → 4,74: «4», not «5».
    Case("4,74", ["5"] * 10 + ["4"] * 5, ["5"] * 4, "4", 4.74, "4", 1.0),
    # «4» needs half of the works done with any mark: 2 of 4 holds …
    Case("half done", ["4", "4", None, None], ["4"], "4", 4.0, "4", 0.5),
    # … 2 of 5 (40 %) does not: a disputed case.
    Case("under half done", ["4", "4", None, None, None], ["4"], None, 4.0, "4", 0.4),
    # 4,75 by oral answers, but only 1 of 4 works at «4»/«5» (25 %): «5»'s quality fails.
    Case("5 without quality", ["5", "3", None, None], ["5"] * 6, None, 4.75, "5", 0.25),
    # (3+3+2+2+4+4) / 6 = 3,00; works at «3» or better: 2 of 4 = 50 %: «3».
    Case("3 with quality", ["3", "3", "2", "2"], ["4", "4"], "3", 3.0, "3", 0.5),
    # (3+2+2+2+5+5+4) / 7 = 3,29; works at «3» or better: 1 of 4 (25 %): disputed.
    Case("3 without quality", ["3", "2", "2", "2"], ["5", "5", "4"], None, 3.29, "3", 0.25),
    # 2,50; works at «2»: 2 of 4 = 50 %: «2».
    Case("2 by the rule", ["2", "2", "3", "3"], [], "2", 2.5, "2", 0.5),
    # (2+3+3+3+2+2+2) / 7 = 2,43; works at «2»: 1 of 4 (25 %): no bullet applies.
    Case("2 without half at 2", ["2", "3", "3", "3"], ["2", "2", "2"], None, 2.43, "2", 0.25),
    # No graded works at all: no share can hold.
    Case("no graded works", [], ["5", "5"], None, 5.0, "5", None),
]


@dataclass(frozen=True)
class Place:
    teacher: int
    group: int
    student: int
    year: int
    period: str


async def _place(db: Any) -> Place:
    """The Armavir demo teacher, his first group, its first student, the semester."""
    inst = await institution_id(db, ARMAVIR)
    async with unscoped(db.factory) as s:
        teacher = (
            await s.execute(
                select(m.Employee.id)
                .join(m.UserAccount, m.UserAccount.person_id == m.Employee.person_id)
                .where(m.UserAccount.institution_id == inst, m.UserAccount.login == "teacher")
            )
        ).scalar_one()
        ta = (
            await s.execute(
                select(m.TeachingAssignment.group_id, m.TeachingAssignment.academic_year_id)
                .where(m.TeachingAssignment.teacher_id == teacher)
                .order_by(m.TeachingAssignment.id)
                .limit(1)
            )
        ).one()
        gm = m.GroupMembership
        student = (
            await s.execute(
                select(gm.student_id)
                .where(gm.group_id == ta[0], gm.starts_on <= LESSON_DAY, gm.ends_on.is_(None))
                .order_by(gm.student_id)
                .limit(1)
            )
        ).scalar_one()
    period = to_global_id("Period", await period_id(db, ARMAVIR, DEMO_TODAY, "semester"))
    return Place(teacher, ta[0], student, ta[1], period)


async def _journal(db: Any, place: Place, name: str, kinds: list[str]) -> tuple[int, list[int]]:
    """A fresh discipline the teacher teaches the group, one lesson, one work per kind."""
    inst = await institution_id(db, ARMAVIR)
    async with unscoped(db.factory) as s:
        discipline = m.Discipline(
            institution_id=inst, name=f"Разд. 6: {name}", kind=DisciplineKind.SUBJECT
        )
        s.add(discipline)
        await s.flush()
        s.add(
            m.TeachingAssignment(
                institution_id=inst,
                teacher_id=place.teacher,
                discipline_id=discipline.id,
                group_id=place.group,
                academic_year_id=place.year,
            )
        )
        lesson = m.Lesson(
            institution_id=inst,
            group_id=place.group,
            discipline_id=discipline.id,
            teacher_id=place.teacher,
            date=LESSON_DAY,
            slot=1,
            topic="Итоговое повторение",
        )
        s.add(lesson)
        await s.flush()
        works = []
        for kind in kinds:
            work = m.Work(
                institution_id=inst,
                lesson_id=lesson.id,
                group_id=place.group,
                discipline_id=discipline.id,
                date=LESSON_DAY,
                kind=WorkKind(kind),
            )
            s.add(work)
            works.append(work)
        await s.flush()
        ids = [w.id for w in works]
        await s.commit()
    return discipline.id, ids


async def _suggest(
    client: Any, place: Place, discipline: int, language: str = "ru"
) -> dict[str, Any]:
    variables = {
        "student": to_global_id("Student", place.student),
        "discipline": to_global_id("Discipline", discipline),
        "period": place.period,
    }
    response = await client.post(SUGGEST, variables, headers={"Accept-Language": language})
    payload = response.json()
    assert not payload.get("errors"), payload
    found: dict[str, Any] = payload["data"]["suggestedFinalMark"]
    return found


async def test_armavir_rule_at_each_boundary(db: Any, sign_in: Any) -> None:
    # Given a journal per case, each mark given by the teacher through setMark
    place = await _place(db)
    built = []
    for case in CASES:
        kinds = ["control"] * len(case.graded) + ["oral"] * len(case.oral)
        built.append((case, *await _journal(db, place, case.name, kinds)))
    teacher = await sign_in(ARMAVIR, "teacher")
    student = to_global_id("Student", place.student)
    for case, _, works in built:
        for work, value in zip(works, [*case.graded, *case.oral], strict=True):
            if value is None:
                continue
            given = {"work": to_global_id("Work", work), "student": student, "value": value}
            answer = (await teacher.data(SET_MARK, {"input": given}))["setMark"]
            assert answer["errors"] == [], (case.name, answer)

    # When the teacher asks for the suggestion, then it is the rule's, explained
    for case, discipline, _ in built:
        s = await _suggest(teacher, place, discipline)
        label = f"{case.name}: {s['reasoning']}"
        assert s["value"] == case.value, label
        assert s["average"] == case.average, label
        assert s["disputed"] is (case.value is None), label
        assert s["clause"] == "разд. 6"
        assert "разд. 6" in s["reasoning"], label
        assert s["gradedPlanned"] == len(case.graded), label
        assert s["gradedDone"] == sum(1 for v in case.graded if v is not None), label
        by_value = {c["value"]: c for c in s["conditions"]}
        assert list(by_value) == ["5", "4", "3", "2"]
        assert [v for v, c in by_value.items() if c["averageHolds"]] == [case.range_of], label
        assert by_value["5"]["countedMarks"] == ["5", "4"]
        assert by_value["4"]["countedMarks"] is None
        assert by_value["3"]["countedMarks"] == ["5", "4", "3"]
        assert by_value["2"]["countedMarks"] == ["2"]
        assert case.range_of is not None
        held = by_value[case.range_of]
        assert held["share"] == case.share, label
        assert held["minShare"] == 0.5
        assert held["shareHolds"] is (case.value is not None), label
        assert held["holds"] is (case.value is not None), label
        if case.value is not None:
            assert s["reasoning"].startswith(f"Предлагается «{case.value}»"), label
            assert s["rule"] == f"rules.final_mark.marks[{5 - int(case.value)}]"
        elif case.graded:
            assert f"условие «{case.range_of}» не выполнено" in s["reasoning"], label
            assert "определяет преподаватель" in s["reasoning"], label
        else:
            assert "не было оценочных работ" in s["reasoning"], label

    # And in English on request
    s = await _suggest(teacher, place, built[4][1], "en")
    assert s["reasoning"].startswith("No suggestion: average 4.75"), s["reasoning"]
    assert "the condition of «5» fails" in s["reasoning"]
    assert "1 of 4 graded works done at «5»/«4» (25 %" in s["reasoning"]


async def test_armavir_share_just_under_half_is_not_half(db: Any, sign_in: Any) -> None:
    # Given 1000 graded works, 499 with a «4» (49,9 %) in one journal, 500 (50 %) in another
    place = await _place(db)
    inst = await institution_id(db, ARMAVIR)
    answers = {}
    for done in (499, 500):
        discipline, works = await _journal(db, place, f"{done} из 1000", ["test"] * 1000)
        async with unscoped(db.factory) as s:
            lesson = (
                await s.execute(select(m.Work.lesson_id).where(m.Work.id == works[0]))
            ).scalar_one()
            await s.execute(
                insert(m.Mark),
                [
                    {
                        "institution_id": inst,
                        "work_id": w,
                        "lesson_id": lesson,
                        "student_id": place.student,
                        "group_id": place.group,
                        "discipline_id": discipline,
                        "date": LESSON_DAY,
                        "value": "4",
                        "version": 1,
                    }
                    for w in works[:done]
                ],
            )
            await s.commit()
        answers[done] = discipline
    # When the teacher asks for both suggestions
    teacher = await sign_in(ARMAVIR, "teacher")
    under = await _suggest(teacher, place, answers[499])
    half = await _suggest(teacher, place, answers[500])
    # Then 49,9 % is not «50 % и более», 50 % is
    assert (under["value"], under["disputed"]) == (None, True), under["reasoning"]
    assert "499 из 1000" in under["reasoning"]
    assert "(49 %" in under["reasoning"]
    assert (half["value"], half["disputed"]) == ("4", False), half["reasoning"]
    assert "500 из 1000" in half["reasoning"]


# -- approveFinalMark (разд. 6: a mark against the rule is agreed by the deputy) -------------

SET_FINAL = """
mutation ($input: SetFinalMarkInput!) {
  setFinalMark(input: $input) {
    finalMark { id value version needsApproval approvedAt }
    errors { code message field }
  }
}
"""
APPROVE = """
mutation ($input: ApproveFinalMarkInput!) {
  approveFinalMark(input: $input) {
    finalMark { id value version needsApproval approvedAt history { action login } }
    clientMutationId
    errors { code message field rule clause }
  }
}
"""


async def _suggested_student(db: Any, teacher: Any) -> tuple[str, str, str, str]:
    """A ПК-11 student whose Математика semester mark the rule suggests below «5»."""
    group, discipline = await group_and_discipline(db, ARMAVIR, "ПК-11", "Математика")
    period = to_global_id("Period", await period_id(db, ARMAVIR, DEMO_TODAY, "semester"))
    gm = m.GroupMembership
    async with unscoped(db.factory) as s:
        students = (
            (await s.execute(select(gm.student_id).where(gm.group_id == group).order_by(gm.id)))
            .scalars()
            .all()
        )
    ids = {"discipline": to_global_id("Discipline", discipline), "period": period}
    for pk in students:
        student = to_global_id("Student", pk)
        found = (await teacher.data(SUGGEST, {"student": student, **ids}))["suggestedFinalMark"]
        if found["value"] in ("3", "4"):
            return student, ids["discipline"], period, found["value"]
    raise AssertionError("no ПК-11 student with a suggestion of «3» or «4»")


async def test_the_deputy_agrees_a_mark_against_the_rule_a_teacher_cannot(
    db: Any, sign_in: Any
) -> None:
    teacher = await sign_in(ARMAVIR, "teacher")
    deputy = await sign_in(ARMAVIR, "deputy_studies")
    student, discipline, period, suggested = await _suggested_student(db, teacher)
    # The deputy sees the rule's suggestion the teacher sees (he reads the graded works)
    ids = {"student": student, "discipline": discipline, "period": period}
    seen = (await deputy.data(SUGGEST, ids))["suggestedFinalMark"]
    assert seen["value"] == suggested, seen["reasoning"]

    def final(value: str, version: int | None = None) -> dict[str, Any]:
        given = {"student": student, "discipline": discipline, "period": period}
        return {"input": {**given, "kind": "SEMESTER", "value": value, "expectedVersion": version}}

    # Given a mark above the rule's, and one below it: each waits (approval_when = differs)
    above = (await teacher.data(SET_FINAL, final("5")))["setFinalMark"]
    assert above["errors"] == []
    assert above["finalMark"]["needsApproval"] is True
    lower = str(int(suggested) - 1)
    below = (await teacher.data(SET_FINAL, final(lower, 1)))["setFinalMark"]
    assert below["finalMark"]["needsApproval"] is True, "a mark below the rule waits too"
    mark = below["finalMark"]["id"]

    # When the teacher tries to agree it: FORBIDDEN, nothing changes
    refused = (await teacher.data(APPROVE, {"input": {"id": mark}}))["approveFinalMark"]
    assert [e["code"] for e in refused["errors"]] == ["FORBIDDEN"], refused
    assert refused["finalMark"] is None

    # When the deputy for studies agrees it (with a key, sent twice)
    given = {"input": {"id": mark, "expectedVersion": 2, "clientMutationId": "agree-1"}}
    agreed = (await deputy.data(APPROVE, given))["approveFinalMark"]
    again = (await deputy.data(APPROVE, given))["approveFinalMark"]
    # Then the mark stays, the wait ends, the agreement is kept and audited once
    assert agreed["errors"] == [], agreed
    fm = agreed["finalMark"]
    assert (fm["value"], fm["version"], fm["needsApproval"]) == (lower, 3, False)
    assert fm["approvedAt"] is not None
    assert [h["action"] for h in fm["history"]][-1] == "approve"
    assert fm["history"][-1]["login"] == "deputy_studies"
    assert again == agreed
    # Agreeing it anew (no key) answers it unchanged
    repeat = (await deputy.data(APPROVE, {"input": {"id": mark}}))["approveFinalMark"]
    assert repeat["errors"] == []
    assert repeat["finalMark"]["version"] == 3

    # A new value ends the agreement; the rule's own value waits for nothing
    by_rule = (await teacher.data(SET_FINAL, final(suggested, 3)))["setFinalMark"]
    assert by_rule["finalMark"]["needsApproval"] is False
    assert by_rule["finalMark"]["approvedAt"] is None
    nothing = (await deputy.data(APPROVE, {"input": {"id": mark}}))["approveFinalMark"]
    assert [(e["code"], e["field"]) for e in nothing["errors"]] == [("VALIDATION", "input.id")]
    assert "не ждёт согласования" in nothing["errors"][0]["message"]


async def test_approval_is_refused_where_the_ruleset_has_no_approve_line(
    db: Any, sign_in: Any
) -> None:
    # Given a final mark of Altai, whose ruleset has no final_mark approve line
    inst = await institution_id(db, "altai-college-2016")
    period = await period_id(db, "altai-college-2016", DEMO_TODAY, "semester")
    async with unscoped(db.factory) as s:
        mk = (
            await s.execute(
                select(m.Mark).where(m.Mark.institution_id == inst).order_by(m.Mark.id).limit(1)
            )
        ).scalar_one()
        row = m.FinalMark(
            institution_id=inst,
            student_id=mk.student_id,
            discipline_id=mk.discipline_id,
            group_id=mk.group_id,
            period_id=period,
            date=DEMO_TODAY,
            kind=FinalMarkKind.SEMESTER,
            value="5",
            needs_approval=True,
            version=1,
        )
        s.add(row)
        await s.flush()
        pk = row.id
        await s.commit()
    # When its deputy director (who reads every final mark) tries to agree it
    deputy = await sign_in("altai-college-2016", "deputy_director")
    answer = (await deputy.data(APPROVE, {"input": {"id": to_global_id("FinalMark", pk)}}))[
        "approveFinalMark"
    ]
    # Then FORBIDDEN: deny by default
    assert [e["code"] for e in answer["errors"]] == ["FORBIDDEN"], answer
