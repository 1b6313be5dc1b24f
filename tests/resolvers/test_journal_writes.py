"""The journal's write side through the GraphQL endpoint, as the demo accounts: marks,
attendance, absence reasons, final marks, lessons, works, closed periods, versions,
retries, history, substitutions."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, update

from campusgraph.db import models as m
from campusgraph.db.tenancy import unscoped
from campusgraph.ids import to_global_id
from campusgraph.policies.ruleset import SHIPPED
from tests.support.journal import (
    Cell,
    free_cell,
    group_and_discipline,
    institution_id,
    period_id,
    student_of_other_group,
    student_pk,
)

ERRORS = "errors { code message field ruleset rule clause }"

SET_MARK = f"""
mutation ($input: SetMarkInput!) {{
  setMark(input: $input) {{ mark {{ id value comment version }} clientMutationId {ERRORS} }}
}}
"""
DELETE_MARK = f"""
mutation ($input: DeleteMarkInput!) {{
  deleteMark(input: $input) {{ deletedId clientMutationId {ERRORS} }}
}}
"""
SET_ATTENDANCE = f"""
mutation ($input: SetAttendanceInput!) {{
  setAttendance(input: $input) {{ attendance {{ id status reason version }} {ERRORS} }}
}}
"""
SET_REASON = f"""
mutation ($input: SetAbsenceReasonInput!) {{
  setAbsenceReason(input: $input) {{ attendance {{ id status reason version }} {ERRORS} }}
}}
"""
SET_FINAL = f"""
mutation ($input: SetFinalMarkInput!) {{
  setFinalMark(input: $input) {{ finalMark {{ id kind value version }} {ERRORS} }}
}}
"""
DELETE_FINAL = f"""
mutation ($input: DeleteFinalMarkInput!) {{
  deleteFinalMark(input: $input) {{ deletedId {ERRORS} }}
}}
"""
CLOSE = f"""
mutation ($input: ClosePeriodInput!) {{
  closePeriod(input: $input) {{ period {{ id isClosed closedAt }} {ERRORS} }}
}}
"""
REOPEN = f"""
mutation ($input: ReopenPeriodInput!) {{
  reopenPeriod(input: $input) {{ period {{ id isClosed closedAt }} {ERRORS} }}
}}
"""
CREATE_LESSON = f"""
mutation ($input: CreateLessonInput!) {{
  createLesson(input: $input) {{
    lesson {{ id date slot topic lessonType homework version teacher {{ id }} }} {ERRORS}
  }}
}}
"""
UPDATE_LESSON = f"""
mutation ($input: UpdateLessonInput!) {{
  updateLesson(input: $input) {{ lesson {{ id date topic homework version }} {ERRORS} }}
}}
"""
DELETE_LESSON = f"""
mutation ($input: DeleteLessonInput!) {{
  deleteLesson(input: $input) {{ deletedId {ERRORS} }}
}}
"""
ADD_WORK = f"""
mutation ($input: AddWorkInput!) {{
  addWork(input: $input) {{ work {{ id kind number title date }} {ERRORS} }}
}}
"""
REMOVE_WORK = f"""
mutation ($input: RemoveWorkInput!) {{
  removeWork(input: $input) {{ deletedId {ERRORS} }}
}}
"""
GRANT = f"""
mutation ($input: GrantSubstitutionInput!) {{
  grantSubstitution(input: $input) {{
    substitution {{ id lesson {{ id }} teacher {{ id }} }} {ERRORS}
  }}
}}
"""
MARK_HISTORY = """
query ($id: ID!) {
  node(id: $id) {
    ... on Mark {
      value version
      history { action login before after changes { field before after } }
    }
  }
}
"""
ATTENDANCE_HISTORY = """
query ($id: ID!) {
  node(id: $id) {
    ... on Attendance { status reason history { action login changes { field before after } } }
  }
}
"""
EMPLOYEE = "query { viewer { employee { id } } }"

ALTAI = "altai-college-2016"
ARMAVIR = "armavir-technikum-2025"
TOMSK = "tomsk-technikum-2023"


def _mark(cell: Cell, value: str, **extra: Any) -> dict[str, Any]:
    return {"input": {"work": cell.work, "student": cell.student, "value": value, **extra}}


def _attendance(cell: Cell, status: str | None, **extra: Any) -> dict[str, Any]:
    return {"input": {"lesson": cell.lesson, "student": cell.student, "status": status, **extra}}


async def _stored_mark(db: Any, cell: Cell) -> tuple[str, int] | None:
    async with unscoped(db.factory) as s:
        row = (
            await s.execute(
                select(m.Mark.value, m.Mark.version).where(
                    m.Mark.work_id == cell.work_pk, m.Mark.student_id == cell.student_pk
                )
            )
        ).first()
    return None if row is None else (row[0], row[1])


async def _count(db: Any, stmt: Any) -> int:
    async with unscoped(db.factory) as s:
        return int((await s.execute(stmt)).scalar_one())


def _codes(payload: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(e["code"], e["field"]) for e in payload["errors"]]


# =====================================================================================
# Marks: permission by the ruleset
# =====================================================================================


async def test_teacher_sets_changes_and_deletes_a_mark_in_a_group_he_teaches(
    db: Any, sign_in: Any
) -> None:
    # Given the Altai teacher and an empty cell of ИС-11 × Математика
    teacher = await sign_in(ALTAI, "teacher")
    cell = await free_cell(db, ALTAI, "ИС-11", "Математика")

    # When he gives a 4
    given = (await teacher.data(SET_MARK, _mark(cell, "4", comment="устно")))["setMark"]
    # Then it is stored at version 1
    assert given["errors"] == []
    assert (given["mark"]["value"], given["mark"]["comment"], given["mark"]["version"]) == (
        "4",
        "устно",
        1,
    )
    assert await _stored_mark(db, cell) == ("4", 1)

    # When he changes it to 5, naming the version he saw
    changed = (await teacher.data(SET_MARK, _mark(cell, "5", expectedVersion=1)))["setMark"]
    assert changed["errors"] == []
    assert (changed["mark"]["id"], changed["mark"]["value"], changed["mark"]["version"]) == (
        given["mark"]["id"],
        "5",
        2,
    )
    assert await _stored_mark(db, cell) == ("5", 2)

    # When he deletes it
    deleted = (
        await teacher.data(
            DELETE_MARK, {"input": {"id": given["mark"]["id"], "expectedVersion": 2}}
        )
    )["deleteMark"]
    assert deleted == {"deletedId": given["mark"]["id"], "clientMutationId": None, "errors": []}
    assert await _stored_mark(db, cell) is None


async def test_a_group_he_does_not_teach_is_forbidden_with_the_rule_and_clause(
    db: Any, sign_in: Any
) -> None:
    # Given the Altai teacher (ИС-11, ТМ-11) and a cell of ИС-21, which he does not teach
    teacher = await sign_in(ALTAI, "teacher")
    cell = await free_cell(db, ALTAI, "ИС-21", "Физическая культура")

    result = (await teacher.data(SET_MARK, _mark(cell, "5")))["setMark"]

    assert result["mark"] is None
    [error] = result["errors"]
    assert error["code"] == "FORBIDDEN"
    assert error["ruleset"] == ALTAI
    assert error["rule"] == "default deny"
    assert error["clause"].startswith("altai-college-2016 п. 4.6")  # the line out of scope
    assert error["message"].startswith("Доступ запрещён регламентом «altai-college-2016»")
    assert await _stored_mark(db, cell) is None


async def test_a_student_may_not_give_himself_a_mark(db: Any, sign_in: Any) -> None:
    student = await sign_in(ALTAI, "student")
    cell = await free_cell(db, ALTAI, "ИС-11", "Математика")
    result = (await student.data(SET_MARK, _mark(cell, "5")))["setMark"]
    assert _codes(result) == [("FORBIDDEN", None)]
    assert await _stored_mark(db, cell) is None


# =====================================================================================
# Closed periods
# =====================================================================================


async def test_nobody_writes_into_a_closed_period_director_included_until_reopened(
    db: Any, sign_in: Any
) -> None:
    # Given Armavir, whose director may edit marks and attendance (п. 4.11), and a cell
    # of the first semester
    admin = await sign_in(ARMAVIR, "administrator")
    director = await sign_in(ARMAVIR, "director")
    teacher = await sign_in(ARMAVIR, "teacher")
    cell = await free_cell(db, ARMAVIR, "ПК-11", "Математика")
    semester = to_global_id("Period", await period_id(db, ARMAVIR, cell.date, "semester"))
    assert (await director.data(SET_MARK, _mark(cell, "3")))["setMark"]["errors"] == []

    # When the administrator closes the semester
    closed = (await admin.data(CLOSE, {"input": {"period": semester}}))["closePeriod"]
    assert closed["errors"] == []
    assert closed["period"]["isClosed"] is True

    # Then neither the director nor the teacher changes its marks or attendance
    by_director = (await director.data(SET_MARK, _mark(cell, "4", expectedVersion=1)))["setMark"]
    assert _codes(by_director) == [("FORBIDDEN", None)]
    assert by_director["errors"][0]["ruleset"] == ARMAVIR
    by_teacher = (await teacher.data(SET_ATTENDANCE, _attendance(cell, "ABSENT")))["setAttendance"]
    assert _codes(by_teacher) == [("FORBIDDEN", None)]
    assert await _stored_mark(db, cell) == ("3", 1)
    absences = select(func.count(m.Attendance.id)).where(m.Attendance.lesson_id == cell.lesson_pk)
    assert await _count(db, absences.where(m.Attendance.student_id == cell.student_pk)) == 0
    # and closing it again is refused
    again = (await admin.data(CLOSE, {"input": {"period": semester}}))["closePeriod"]
    assert _codes(again) == [("VALIDATION", "input.id")]

    # When the administrator reopens it, the director's change goes through
    reopened = (await admin.data(REOPEN, {"input": {"period": semester}}))["reopenPeriod"]
    assert reopened["errors"] == []
    assert (reopened["period"]["isClosed"], reopened["period"]["closedAt"]) == (False, None)
    after = (await director.data(SET_MARK, _mark(cell, "4", expectedVersion=1)))["setMark"]
    assert after["errors"] == []
    assert await _stored_mark(db, cell) == ("4", 2)


async def test_only_the_administrator_closes_a_period_in_altai(db: Any, sign_in: Any) -> None:
    # Given the Altai semester and its teacher's cell
    cell = await free_cell(db, ALTAI, "ИС-11", "Информатика")
    semester = to_global_id("Period", await period_id(db, ALTAI, cell.date, "semester"))
    teacher = await sign_in(ALTAI, "teacher")
    director = await sign_in(ALTAI, "director")

    # The director may not close it (п. 4.1 names the administrator)
    refused = (await director.data(CLOSE, {"input": {"period": semester}}))["closePeriod"]
    assert _codes(refused) == [("FORBIDDEN", None)]

    # The administrator may; then the teacher's mark is refused
    admin = await sign_in(ALTAI, "administrator")
    assert (await admin.data(CLOSE, {"input": {"period": semester}}))["closePeriod"]["errors"] == []
    result = (await teacher.data(SET_MARK, _mark(cell, "5")))["setMark"]
    assert _codes(result) == [("FORBIDDEN", None)]
    assert await _stored_mark(db, cell) is None


async def test_a_ruleset_that_forgets_period_open_is_still_stopped_by_the_database(
    db: Any, make_client: Any, tmp_path: Path
) -> None:
    # Given a copy of the Altai ruleset whose teacher mark lines lack period_open (a
    # college's mistake in its own ruleset), shadowing the shipped one
    copy = tmp_path / ALTAI
    shutil.copytree(SHIPPED / ALTAI, copy)
    (copy / "golden.toml").unlink()
    policy = (copy / "policy.csv").read_text(encoding="utf-8")
    (copy / "policy.csv").write_text(
        policy.replace("period_open&final_not_set", "final_not_set"), encoding="utf-8"
    )
    cell = await free_cell(db, ALTAI, "ИС-11", "Математика")
    async with unscoped(db.factory, write=True) as s:
        semester = await period_id(db, ALTAI, cell.date, "semester")
        await s.execute(
            update(m.Period)
            .where(m.Period.id == semester)
            .values(closed_at=dt.datetime(2026, 11, 27, tzinfo=dt.UTC))
        )
        await s.commit()

    async with make_client(rulesets_path=str(tmp_path)) as client:
        teacher = await client.as_(ALTAI, "teacher")
        result = (await teacher.data(SET_MARK, _mark(cell, "5")))["setMark"]

    # Then the database refuses it, and the API says so plainly
    assert _codes(result) == [("FORBIDDEN", None)]
    assert "Период закрыт для изменений: «" in result["errors"][0]["message"]
    assert result["errors"][0]["ruleset"] == ALTAI
    assert await _stored_mark(db, cell) is None


# =====================================================================================
# Altai: no editing marks once the final mark is set
# =====================================================================================


async def test_altai_teacher_cannot_change_a_mark_once_the_final_mark_is_set(
    db: Any, sign_in: Any
) -> None:
    # Given a mark of the teacher's in ИС-11 × Математика
    teacher = await sign_in(ALTAI, "teacher")
    cell = await free_cell(db, ALTAI, "ИС-11", "Математика")
    assert (await teacher.data(SET_MARK, _mark(cell, "3")))["setMark"]["errors"] == []
    semester = to_global_id("Period", await period_id(db, ALTAI, cell.date, "semester"))
    discipline = to_global_id("Discipline", cell.discipline_pk)

    # When he sets the semester mark of that student
    final = (
        await teacher.data(
            SET_FINAL,
            {
                "input": {
                    "student": cell.student,
                    "discipline": discipline,
                    "period": semester,
                    "kind": "SEMESTER",
                    "value": "4",
                }
            },
        )
    )["setFinalMark"]
    assert final["errors"] == []
    assert (final["finalMark"]["kind"], final["finalMark"]["value"]) == ("SEMESTER", "4")

    # Then he may no longer change, nor delete, the student's marks of that semester
    change = (await teacher.data(SET_MARK, _mark(cell, "5", expectedVersion=1)))["setMark"]
    assert _codes(change) == [("FORBIDDEN", None)]
    assert change["errors"][0]["ruleset"] == ALTAI
    assert await _stored_mark(db, cell) == ("3", 1)

    # When the final mark is withdrawn, he may again
    withdrawn = (await teacher.data(DELETE_FINAL, {"input": {"id": final["finalMark"]["id"]}}))[
        "deleteFinalMark"
    ]
    assert withdrawn["errors"] == []
    again = (await teacher.data(SET_MARK, _mark(cell, "5", expectedVersion=1)))["setMark"]
    assert again["errors"] == []
    assert await _stored_mark(db, cell) == ("5", 2)


# =====================================================================================
# Versions and retries
# =====================================================================================


async def test_a_stale_expected_version_conflicts_and_keeps_the_stored_value(
    db: Any, sign_in: Any
) -> None:
    teacher = await sign_in(ALTAI, "teacher")
    cell = await free_cell(db, ALTAI, "ИС-11", "Математика")
    assert (await teacher.data(SET_MARK, _mark(cell, "3")))["setMark"]["errors"] == []
    assert (await teacher.data(SET_MARK, _mark(cell, "4", expectedVersion=1)))["setMark"][
        "errors"
    ] == []

    # When a second tab, which saw version 1, writes a 2
    stale = (await teacher.data(SET_MARK, _mark(cell, "2", expectedVersion=1)))["setMark"]

    # Then it is told CONFLICT, and the 4 stays
    assert _codes(stale) == [("CONFLICT", "input.expectedVersion")]
    assert "версия 2" in stale["errors"][0]["message"]
    assert await _stored_mark(db, cell) == ("4", 2)


async def test_creating_a_cell_someone_already_filled_conflicts(db: Any, sign_in: Any) -> None:
    teacher = await sign_in(ALTAI, "teacher")
    cell = await free_cell(db, ALTAI, "ИС-11", "Информатика")
    assert (await teacher.data(SET_MARK, _mark(cell, "5")))["setMark"]["errors"] == []

    # A second writer who saw the cell empty (expectedVersion null) does not overwrite it
    second = (await teacher.data(SET_MARK, _mark(cell, "2")))["setMark"]
    assert _codes(second) == [("CONFLICT", "input.expectedVersion")]
    assert await _stored_mark(db, cell) == ("5", 1)

    # Attendance alike
    first = (await teacher.data(SET_ATTENDANCE, _attendance(cell, "ABSENT")))["setAttendance"]
    assert first["errors"] == []
    late = (await teacher.data(SET_ATTENDANCE, _attendance(cell, "LATE")))["setAttendance"]
    assert _codes(late) == [("CONFLICT", "input.expectedVersion")]


async def test_a_retry_with_the_same_client_mutation_id_writes_nothing_again(
    db: Any, sign_in: Any
) -> None:
    teacher = await sign_in(ALTAI, "teacher")
    cell = await free_cell(db, ALTAI, "ИС-11", "Математика")
    variables = _mark(cell, "4", clientMutationId="tab-1/42")

    first = (await teacher.data(SET_MARK, variables))["setMark"]
    retry = (await teacher.data(SET_MARK, variables))["setMark"]

    assert first["errors"] == []
    assert retry == first
    assert retry["clientMutationId"] == "tab-1/42"
    assert await _stored_mark(db, cell) == ("4", 1)
    receipts = select(func.count(m.AuditEvent.id)).where(
        m.AuditEvent.client_mutation_id == "tab-1/42"
    )
    assert await _count(db, receipts) == 1

    # A retried delete answers its first result, not NOT_FOUND
    delete = {"input": {"id": first["mark"]["id"], "clientMutationId": "tab-1/43"}}
    gone = (await teacher.data(DELETE_MARK, delete))["deleteMark"]
    gone_again = (await teacher.data(DELETE_MARK, delete))["deleteMark"]
    assert (
        gone
        == gone_again
        == {
            "deletedId": first["mark"]["id"],
            "clientMutationId": "tab-1/43",
            "errors": [],
        }
    )

    # The key is the mutation's: the same id on another mutation is another key
    other_mutation = (
        await teacher.data(SET_ATTENDANCE, _attendance(cell, "ABSENT", clientMutationId="tab-1/42"))
    )["setAttendance"]
    assert other_mutation["errors"] == []
    assert other_mutation["attendance"]["status"] == "ABSENT"

    # Another user's identical id is his own
    other = await sign_in(ARMAVIR, "teacher")
    theirs = await free_cell(db, ARMAVIR, "ПК-11", "Математика")
    mine = (await other.data(SET_MARK, _mark(theirs, "3", clientMutationId="tab-1/42")))["setMark"]
    assert mine["errors"] == []
    assert (mine["mark"]["value"], mine["clientMutationId"]) == ("3", "tab-1/42")
    assert await _stored_mark(db, theirs) == ("3", 1)


# =====================================================================================
# Validation
# =====================================================================================


async def test_marks_off_the_scale_are_refused(db: Any, sign_in: Any) -> None:
    teacher = await sign_in(ALTAI, "teacher")
    cell = await free_cell(db, ALTAI, "ИС-11", "Математика")
    for value in ("6", "1", "pass", "отл"):
        result = (await teacher.data(SET_MARK, _mark(cell, value)))["setMark"]
        assert _codes(result) == [("VALIDATION", "input.value")], value
        assert "«2», «3», «4», «5»" in result["errors"][0]["message"]
    assert await _stored_mark(db, cell) is None


async def test_pass_and_fail_where_the_discipline_is_a_credit(db: Any, sign_in: Any) -> None:
    # Given the teacher also teaches ИС-11 × Физическая культура, a credit (зачёт)
    cell = await free_cell(db, ALTAI, "ИС-11", "Физическая культура")
    await _assign(db, ALTAI, "ИС-11", "Физическая культура")
    teacher = await sign_in(ALTAI, "teacher")

    result = (await teacher.data(SET_MARK, _mark(cell, "PASS")))["setMark"]

    assert result["errors"] == []
    assert result["mark"]["value"] == "pass"
    refused = (await teacher.data(SET_MARK, _mark(cell, "zachet", expectedVersion=1)))["setMark"]
    assert _codes(refused) == [("VALIDATION", "input.value")]
    assert "«pass», «fail»" in refused["errors"][0]["message"]


async def _assign(db: Any, slug: str, group: str, discipline: str) -> None:
    """Make the demo ``teacher`` of ``slug`` teach ``group`` × ``discipline`` too."""
    inst = await institution_id(db, slug)
    group_pk, discipline_pk = await group_and_discipline(db, slug, group, discipline)
    async with unscoped(db.factory, write=True) as s:
        teacher = (
            await s.execute(
                select(m.Employee.id)
                .join(m.UserAccount, m.UserAccount.person_id == m.Employee.person_id)
                .where(m.UserAccount.institution_id == inst, m.UserAccount.login == "teacher")
            )
        ).scalar_one()
        year = (
            await s.execute(
                select(m.StudyGroup.academic_year_id).where(m.StudyGroup.id == group_pk)
            )
        ).scalar_one()
        await s.execute(
            insert(m.TeachingAssignment).values(
                institution_id=inst,
                teacher_id=teacher,
                discipline_id=discipline_pk,
                group_id=group_pk,
                academic_year_id=year,
            )
        )
        await s.commit()


async def test_a_student_not_in_the_lesson_group_on_its_date_is_refused(
    db: Any, sign_in: Any
) -> None:
    teacher = await sign_in(ALTAI, "teacher")
    cell = await free_cell(db, ALTAI, "ИС-11", "Математика")

    # A student of ТМ-11 (also taught by him) on a work of ИС-11
    stranger = to_global_id("Student", await student_of_other_group(db, ALTAI, "ТМ-11", cell.date))
    result = (
        await teacher.data(
            SET_MARK, {"input": {"work": cell.work, "student": stranger, "value": "5"}}
        )
    )["setMark"]
    assert _codes(result) == [("VALIDATION", "input.student")]
    assert "не состоял в группе «ИС-11»" in result["errors"][0]["message"]
    absent = (
        await teacher.data(
            SET_ATTENDANCE,
            {"input": {"lesson": cell.lesson, "student": stranger, "status": "ABSENT"}},
        )
    )["setAttendance"]
    assert _codes(absent) == [("VALIDATION", "input.student")]

    # A student of ИС-11 whose membership ended before the lesson (a transfer order)
    async with unscoped(db.factory, write=True) as s:
        await s.execute(
            update(m.GroupMembership)
            .where(
                m.GroupMembership.student_id == cell.student_pk,
                m.GroupMembership.group_id == cell.group_pk,
            )
            .values(ends_on=cell.date)
        )
        await s.commit()
    left = (await teacher.data(SET_MARK, _mark(cell, "5")))["setMark"]
    assert _codes(left) == [("VALIDATION", "input.student")]
    assert await _stored_mark(db, cell) is None


def _lesson(group: int, discipline: int, day: str, **extra: Any) -> dict[str, Any]:
    return {
        "input": {
            "group": to_global_id("Group", group),
            "discipline": to_global_id("Discipline", discipline),
            "date": day,
            "slot": 7,
            **extra,
        }
    }


async def test_lessons_only_on_study_days_of_the_academic_year(db: Any, sign_in: Any) -> None:
    teacher = await sign_in(ALTAI, "teacher")
    group, discipline = await group_and_discipline(db, ALTAI, "ИС-11", "Математика")
    lessons = select(func.count(m.Lesson.id)).where(m.Lesson.group_id == group)
    before = await _count(db, lessons)
    refused = {
        "2026-11-28": "суббота или воскресенье",  # a Saturday
        "2026-11-04": "День народного единства",  # a day off
        "2026-10-05": "перенесены на 03.10.2026",  # its lessons moved to Saturday 3 October
        "2027-07-05": "вне учебного года",  # a Monday after the year
    }
    for day, reason in refused.items():
        result = (await teacher.data(CREATE_LESSON, _lesson(group, discipline, day)))[
            "createLesson"
        ]
        assert _codes(result) == [("VALIDATION", "input.date")], day
        assert reason in result["errors"][0]["message"], result["errors"][0]["message"]
    assert await _count(db, lessons) == before

    # Saturday 3 October took Monday 5 October's lessons: a study day
    moved = (await teacher.data(CREATE_LESSON, _lesson(group, discipline, "2026-10-03")))[
        "createLesson"
    ]
    assert moved["errors"] == []
    assert await _count(db, lessons) == before + 1


async def test_a_reason_only_for_an_absence(db: Any, sign_in: Any) -> None:
    # Given Armavir, where the curator of ПК-11 keeps the absence reasons (п. 4.3)
    teacher = await sign_in(ARMAVIR, "teacher")
    curator = await sign_in(ARMAVIR, "curator")
    cell = await free_cell(db, ARMAVIR, "ПК-11", "Математика")
    reason = {"input": {"lesson": cell.lesson, "student": cell.student, "reason": "ILLNESS"}}

    # No reason for a student who was present, nor for one who was late
    present = (await curator.data(SET_REASON, reason))["setAbsenceReason"]
    assert _codes(present) == [("VALIDATION", "input.student")]
    assert present["errors"][0]["message"].startswith("Причину указывают только для пропуска")
    late = (await teacher.data(SET_ATTENDANCE, _attendance(cell, "LATE")))["setAttendance"]
    assert late["errors"] == []
    assert _codes((await curator.data(SET_REASON, reason))["setAbsenceReason"]) == [
        ("VALIDATION", "input.student")
    ]

    # When the teacher marks him absent, the curator gives the reason
    absent = (await teacher.data(SET_ATTENDANCE, _attendance(cell, "ABSENT", expectedVersion=1)))[
        "setAttendance"
    ]
    assert absent["errors"] == []
    given = (await curator.data(SET_REASON, reason))["setAbsenceReason"]
    assert given["errors"] == []
    assert given["attendance"] == {
        "id": absent["attendance"]["id"],
        "status": "ABSENT",
        "reason": "ILLNESS",
        "version": 3,
    }
    # the teacher may not (п. 4.3 gives it to the curator)
    assert _codes((await teacher.data(SET_REASON, reason))["setAbsenceReason"]) == [
        ("FORBIDDEN", None)
    ]
    # Marking him late drops the reason; present deletes the entry
    late_again = (await teacher.data(SET_ATTENDANCE, _attendance(cell, "LATE", expectedVersion=3)))[
        "setAttendance"
    ]
    assert (late_again["attendance"]["status"], late_again["attendance"]["reason"]) == (
        "LATE",
        None,
    )
    history = (await teacher.data(ATTENDANCE_HISTORY, {"id": absent["attendance"]["id"]}))["node"]
    assert [h["action"] for h in history["history"]] == ["create", "update", "update", "update"]
    assert history["history"][2]["login"] == "curator"
    assert history["history"][2]["changes"] == [
        {"field": "reason", "before": None, "after": "illness"}
    ]
    present_again = (
        await teacher.data(SET_ATTENDANCE, _attendance(cell, None, expectedVersion=4))
    )["setAttendance"]
    assert present_again == {"attendance": None, "errors": []}
    stored = select(func.count(m.Attendance.id)).where(
        m.Attendance.lesson_id == cell.lesson_pk, m.Attendance.student_id == cell.student_pk
    )
    assert await _count(db, stored) == 0


async def test_a_final_mark_only_for_a_discipline_of_the_curriculum(db: Any, sign_in: Any) -> None:
    # Given the teacher teaches ИС-11 a discipline that its plan has only in year 2
    await _assign(db, ALTAI, "ИС-11", "Основы финансовой грамотности")
    teacher = await sign_in(ALTAI, "teacher")
    cell = await free_cell(db, ALTAI, "ИС-11", "Математика")
    semester = to_global_id("Period", await period_id(db, ALTAI, cell.date, "semester"))
    _, finance = await group_and_discipline(db, ALTAI, "ИС-11", "Основы финансовой грамотности")

    def final(discipline: int, kind: str, value: str, period: str = semester) -> dict[str, Any]:
        return {
            "input": {
                "student": cell.student,
                "discipline": to_global_id("Discipline", discipline),
                "period": period,
                "kind": kind,
                "value": value,
            }
        }

    not_planned = (await teacher.data(SET_FINAL, final(finance, "SEMESTER", "5")))["setFinalMark"]
    assert _codes(not_planned) == [("VALIDATION", "input.discipline")]
    assert "нет в учебном плане группы «ИС-11»" in not_planned["errors"][0]["message"]

    year_on_semester = (await teacher.data(SET_FINAL, final(cell.discipline_pk, "YEAR", "5")))[
        "setFinalMark"
    ]
    assert _codes(year_on_semester) == [("VALIDATION", "input.kind")]
    off_scale = (await teacher.data(SET_FINAL, final(cell.discipline_pk, "SEMESTER", "pass")))[
        "setFinalMark"
    ]
    assert _codes(off_scale) == [("VALIDATION", "input.value")]
    finals = select(func.count(m.FinalMark.id)).where(m.FinalMark.student_id == cell.student_pk)
    assert await _count(db, finals) == 0


async def test_english_messages_with_accept_language(db: Any, sign_in: Any) -> None:
    teacher = await sign_in(ALTAI, "teacher")
    cell = await free_cell(db, ALTAI, "ИС-11", "Математика")
    response = await teacher.post(
        SET_MARK, _mark(cell, "7"), headers={"Accept-Language": "en-GB,en;q=0.9"}
    )
    [error] = response.json()["data"]["setMark"]["errors"]
    assert error == {
        "code": "VALIDATION",
        "message": "Mark «7» is off the scale: allowed are «2», «3», «4», «5».",
        "field": "input.value",
        "ruleset": None,
        "rule": None,
        "clause": None,
    }


# =====================================================================================
# History
# =====================================================================================


async def test_the_history_of_a_mark_shows_who_changed_what(db: Any, sign_in: Any) -> None:
    teacher = await sign_in(ALTAI, "teacher")
    cell = await free_cell(db, ALTAI, "ИС-11", "Информатика")
    mark = (await teacher.data(SET_MARK, _mark(cell, "3")))["setMark"]["mark"]
    await teacher.data(SET_MARK, _mark(cell, "4", comment="исправлено", expectedVersion=1))

    node = (await teacher.data(MARK_HISTORY, {"id": mark["id"]}))["node"]

    assert (node["value"], node["version"]) == ("4", 2)
    create, change = node["history"]
    assert (create["action"], create["login"], create["before"]) == ("create", "teacher", None)
    assert create["after"]["value"] == "3"
    assert (change["action"], change["login"]) == ("update", "teacher")
    assert change["changes"] == [
        {"field": "value", "before": "3", "after": "4"},
        {"field": "comment", "before": None, "after": "исправлено"},
    ]
    # Whoever may read the mark reads its history: the curator of ИС-11 does; the Armavir
    # teacher cannot even see the mark
    curator = await sign_in(ALTAI, "curator")
    seen = (await curator.data(MARK_HISTORY, {"id": mark["id"]}))["node"]
    assert [h["action"] for h in seen["history"]] == ["create", "update"]
    armavir = await sign_in(ARMAVIR, "teacher")
    assert (await armavir.data(MARK_HISTORY, {"id": mark["id"]}))["node"] is None

    # A mark given again after a delete starts a new history (SQLite may reuse the id)
    await teacher.data(DELETE_MARK, {"input": {"id": mark["id"]}})
    anew = (await teacher.data(SET_MARK, _mark(cell, "5")))["setMark"]["mark"]
    fresh = (await teacher.data(MARK_HISTORY, {"id": anew["id"]}))["node"]
    assert [(h["action"], h["after"]["value"]) for h in fresh["history"]] == [("create", "5")]


async def test_a_student_reads_the_history_of_his_own_marks_only(db: Any, sign_in: Any) -> None:
    teacher = await sign_in(ALTAI, "teacher")
    student = await sign_in(ALTAI, "student")
    own = await free_cell(db, ALTAI, "ИС-11", "Математика", student=await student_pk(db, ALTAI))
    other = await free_cell(db, ALTAI, "ИС-11", "Математика", not_student=own.student_pk)
    mine = (await teacher.data(SET_MARK, _mark(own, "5")))["setMark"]["mark"]
    theirs = (await teacher.data(SET_MARK, _mark(other, "2")))["setMark"]["mark"]

    seen = (await student.data(MARK_HISTORY, {"id": mine["id"]}))["node"]
    assert [(h["action"], h["login"]) for h in seen["history"]] == [("create", "teacher")]
    assert (await student.data(MARK_HISTORY, {"id": theirs["id"]}))["node"] is None


# =====================================================================================
# Lessons and works
# =====================================================================================


async def test_a_lesson_from_creation_to_deletion(db: Any, sign_in: Any) -> None:
    teacher = await sign_in(ALTAI, "teacher")
    me = (await teacher.data(EMPLOYEE))["viewer"]["employee"]["id"]
    group, discipline = await group_and_discipline(db, ALTAI, "ИС-11", "Информатика")
    cell = await free_cell(db, ALTAI, "ИС-11", "Информатика")

    created = (
        await teacher.data(
            CREATE_LESSON,
            _lesson(
                group,
                discipline,
                "2026-11-26",
                topic="  Алгоритмы ветвления ",
                lessonType="PRACTICAL",
                homework="№ 12–14",
                individualHomework=[{"student": cell.student, "text": "Доклад"}],
            ),
        )
    )["createLesson"]
    assert created["errors"] == []
    lesson = created["lesson"]
    assert (lesson["topic"], lesson["lessonType"], lesson["version"], lesson["teacher"]["id"]) == (
        "Алгоритмы ветвления",
        "PRACTICAL",
        1,
        me,
    )

    # a work, a stale update, an update, a refused delete, then the delete
    work = (
        await teacher.data(
            ADD_WORK,
            {"input": {"lesson": lesson["id"], "kind": "CONTROL", "number": 2, "title": "КР"}},
        )
    )["addWork"]
    assert work["errors"] == []
    assert work["work"]["date"] == "2026-11-26"
    stale = (
        await teacher.data(
            UPDATE_LESSON, {"input": {"id": lesson["id"], "expectedVersion": 7, "topic": "X"}}
        )
    )["updateLesson"]
    assert _codes(stale) == [("CONFLICT", "input.expectedVersion")]
    moved = (
        await teacher.data(
            UPDATE_LESSON,
            {
                "input": {
                    "id": lesson["id"],
                    "expectedVersion": 1,
                    "date": "2026-11-25",
                    "homework": None,
                }
            },
        )
    )["updateLesson"]
    assert moved["errors"] == []
    assert (moved["lesson"]["date"], moved["lesson"]["homework"], moved["lesson"]["version"]) == (
        "2026-11-25",
        None,
        2,
    )
    async with unscoped(db.factory) as s:
        work_date = (
            await s.execute(select(m.Work.date).where(m.Work.lesson_id == int(_pk(lesson["id"]))))
        ).scalar_one()
    assert work_date == dt.date(2026, 11, 25)

    mark = (
        await teacher.data(
            SET_MARK,
            {"input": {"work": work["work"]["id"], "student": cell.student, "value": "5"}},
        )
    )["setMark"]
    assert mark["errors"] == []
    refused = (await teacher.data(DELETE_LESSON, {"input": {"id": lesson["id"]}}))["deleteLesson"]
    assert _codes(refused) == [("VALIDATION", "input.id")]
    keep_work = (await teacher.data(REMOVE_WORK, {"input": {"id": work["work"]["id"]}}))[
        "removeWork"
    ]
    assert _codes(keep_work) == [("VALIDATION", "input.id")]
    await teacher.data(DELETE_MARK, {"input": {"id": mark["mark"]["id"]}})
    deleted = (await teacher.data(DELETE_LESSON, {"input": {"id": lesson["id"]}}))["deleteLesson"]
    assert deleted == {"deletedId": lesson["id"], "errors": []}
    lessons = select(func.count(m.Lesson.id)).where(m.Lesson.id == int(_pk(lesson["id"])))
    assert await _count(db, lessons) == 0


def _pk(gid: str) -> int:
    from campusgraph.ids import from_global_id

    return from_global_id(gid)[1]


async def test_a_lesson_of_a_group_he_does_not_teach_is_forbidden(db: Any, sign_in: Any) -> None:
    teacher = await sign_in(ALTAI, "teacher")
    group, discipline = await group_and_discipline(db, ALTAI, "ИС-21", "Физическая культура")
    result = (await teacher.data(CREATE_LESSON, _lesson(group, discipline, "2026-11-26")))[
        "createLesson"
    ]
    assert _codes(result) == [("FORBIDDEN", None)]


# =====================================================================================
# Substitutions (Tomsk п. 4.8.1)
# =====================================================================================


async def test_a_substitute_fills_the_lesson_he_was_granted(db: Any, sign_in: Any) -> None:
    # Given the Tomsk teacher (foreign languages) and a Математика lesson of ИСП-11
    teacher = await sign_in(TOMSK, "teacher")
    admin = await sign_in(TOMSK, "administrator")
    me = (await teacher.data(EMPLOYEE))["viewer"]["employee"]["id"]
    cell = await free_cell(db, TOMSK, "ИСП-11", "Математика")
    before = (await teacher.data(SET_MARK, _mark(cell, "4")))["setMark"]
    assert _codes(before) == [("FORBIDDEN", None)]

    # When the administrator grants him the lesson
    granted = (await admin.data(GRANT, {"input": {"lesson": cell.lesson, "teacher": me}}))[
        "grantSubstitution"
    ]
    assert granted["errors"] == []
    assert granted["substitution"]["lesson"]["id"] == cell.lesson
    # (the teacher may not grant himself one)
    self_granted = (await teacher.data(GRANT, {"input": {"lesson": cell.lesson, "teacher": me}}))[
        "grantSubstitution"
    ]
    assert _codes(self_granted) == [("FORBIDDEN", None)]

    # Then he gives marks at that lesson
    after = (await teacher.data(SET_MARK, _mark(cell, "4")))["setMark"]
    assert after["errors"] == []
    assert await _stored_mark(db, cell) == ("4", 1)


# =====================================================================================
# The ruleset's lesson-topic rule (resolvers/journal_rules.validate_lesson)
# =====================================================================================


async def _plan_topic(db: Any, slug: str, group: int, discipline: int) -> tuple[str, str]:
    async with unscoped(db.factory) as s:
        pk, title = (
            await s.execute(
                select(m.ThematicPlanTopic.id, m.ThematicPlanTopic.title)
                .join(m.ThematicPlan, m.ThematicPlan.id == m.ThematicPlanTopic.plan_id)
                .where(m.ThematicPlan.group_id == group, m.ThematicPlan.discipline_id == discipline)
                .order_by(m.ThematicPlanTopic.position)
                .limit(1)
            )
        ).one()
    return to_global_id("ThematicPlanTopic", pk), title


async def test_tomsk_lesson_topics_come_from_the_plan_and_works_carry_numbers(
    db: Any, sign_in: Any
) -> None:
    # Given the Tomsk teacher's group and discipline with a thematic plan (п. 3.1.8)
    teacher = await sign_in(TOMSK, "teacher")
    group, discipline = await group_and_discipline(db, TOMSK, "ИСП-11", "Иностранный язык")
    plan_topic, title = await _plan_topic(db, TOMSK, group, discipline)

    # A bare «Повторение», not in the plan, is refused
    bare = (
        await teacher.data(
            CREATE_LESSON, _lesson(group, discipline, "2026-11-26", topic="Повторение")
        )
    )["createLesson"]
    assert [f for _, f in _codes(bare)] == ["input.topic", "input.topic"]
    assert "без уточнения не допускается" in bare["errors"][0]["message"]

    # A topic of the plan is taken
    lesson = (
        await teacher.data(
            CREATE_LESSON, _lesson(group, discipline, "2026-11-26", planTopic=plan_topic)
        )
    )["createLesson"]
    assert lesson["errors"] == []
    assert lesson["lesson"]["topic"] == title

    # A control work without its number is refused; with it, added
    lesson_id = lesson["lesson"]["id"]
    unnumbered = (
        await teacher.data(ADD_WORK, {"input": {"lesson": lesson_id, "kind": "CONTROL"}})
    )["addWork"]
    assert _codes(unnumbered) == [("VALIDATION", "input.number")]
    numbered = (
        await teacher.data(
            ADD_WORK, {"input": {"lesson": lesson_id, "kind": "CONTROL", "number": 1}}
        )
    )["addWork"]
    assert numbered["errors"] == []
    assert (numbered["work"]["kind"], numbered["work"]["number"]) == ("CONTROL", 1)


async def test_barnaul_requires_a_topic_on_every_lesson(db: Any, sign_in: Any) -> None:
    teacher = await sign_in("barnaul-school6-2016", "teacher")
    group, discipline = await group_and_discipline(db, "barnaul-school6-2016", "6А", "Русский язык")
    without = (await teacher.data(CREATE_LESSON, _lesson(group, discipline, "2026-11-26")))[
        "createLesson"
    ]
    assert _codes(without) == [("VALIDATION", "input.topic")]
    assert without["errors"][0]["message"].startswith("Укажите тему занятия")


# =====================================================================================
# Armavir разд. 6: a final mark above the rule's suggestion awaits approval
# =====================================================================================

SUGGESTION = """
query ($student: ID!, $discipline: ID!, $period: ID!) {
  suggestedFinalMark(student: $student, discipline: $discipline, period: $period) { value }
}
"""
SET_FINAL_APPROVAL = f"""
mutation ($input: SetFinalMarkInput!) {{
  setFinalMark(input: $input) {{ finalMark {{ value version needsApproval }} {ERRORS} }}
}}
"""


async def test_armavir_a_final_mark_above_the_rule_needs_approval(db: Any, sign_in: Any) -> None:
    teacher = await sign_in(ARMAVIR, "teacher")
    group, discipline = await group_and_discipline(db, ARMAVIR, "ПК-11", "Математика")
    semester = to_global_id(
        "Period", await period_id(db, ARMAVIR, dt.date(2026, 11, 2), "semester")
    )
    async with unscoped(db.factory) as s:
        students = (
            (
                await s.execute(
                    select(m.GroupMembership.student_id)
                    .where(m.GroupMembership.group_id == group)
                    .order_by(m.GroupMembership.student_id)
                )
            )
            .scalars()
            .all()
        )
    ids = {"discipline": to_global_id("Discipline", discipline), "period": semester}
    for pk in students:
        student = to_global_id("Student", pk)
        suggested = (await teacher.data(SUGGESTION, {"student": student, **ids}))[
            "suggestedFinalMark"
        ]["value"]
        if suggested in ("2", "3", "4"):
            break
    else:
        raise AssertionError("no ПК-11 student with a suggestion below 5")

    def final(value: str, version: int | None = None) -> dict[str, Any]:
        return {
            "input": {
                "student": student,
                "kind": "SEMESTER",
                "value": value,
                "expectedVersion": version,
                **ids,
            }
        }

    above = (await teacher.data(SET_FINAL_APPROVAL, final("5")))["setFinalMark"]
    assert above["errors"] == []
    assert above["finalMark"] == {"value": "5", "version": 1, "needsApproval": True}
    by_rule = (await teacher.data(SET_FINAL_APPROVAL, final(suggested, 1)))["setFinalMark"]
    assert by_rule["finalMark"] == {"value": suggested, "version": 2, "needsApproval": False}
