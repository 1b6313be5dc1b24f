"""The ids a screen reads go straight into the mutations it runs: a journal cell's mark id
into ``deleteMark``, an attendance entry's lesson into ``setAbsenceReason`` — read from the
journal, from the diary and from ``Attendance`` itself, never from the database."""

from __future__ import annotations

from typing import Any

from tests.support.journal import free_cell, period_id

ALTAI = "altai-college-2016"
ARMAVIR = "armavir-technikum-2025"
ERRORS = "errors { code field message }"

JOURNAL = """
query ($group: ID!, $discipline: ID!, $period: ID!) {
  journal(group: $group, discipline: $discipline, period: $period) {
    lessons { id }
    columns { workId }
    rows { studentId marks markIds markVersions attendance attendanceVersions }
  }
}
"""
SET_MARK = f"""
mutation ($input: SetMarkInput!) {{ setMark(input: $input) {{ mark {{ id version }} {ERRORS} }} }}
"""
DELETE_MARK = f"""
mutation ($input: DeleteMarkInput!) {{ deleteMark(input: $input) {{ deletedId {ERRORS} }} }}
"""
SET_ATTENDANCE = f"""
mutation ($input: SetAttendanceInput!) {{
  setAttendance(input: $input) {{ attendance {{ id version }} {ERRORS} }}
}}
"""
SET_REASON = f"""
mutation ($input: SetAbsenceReasonInput!) {{
  setAbsenceReason(input: $input) {{ attendance {{ id reason version }} {ERRORS} }}
}}
"""
ATTENDANCE_OF = """
query ($student: ID!, $day: Date!) {
  node(id: $student) {
    ... on Student {
      attendance(dateFrom: $day, dateTo: $day) {
        nodes { id status reason version lesson { id date } student { id } }
      }
    }
  }
}
"""
SET_FINAL = f"""
mutation ($input: SetFinalMarkInput!) {{ setFinalMark(input: $input) {{ {ERRORS} }} }}
"""
FINAL_MARKS_OF = """
query ($student: ID!) {
  node(id: $student) {
    ... on Student {
      finalMarks { id kind value student { id } discipline { id } period { id } }
    }
  }
}
"""


async def _journal(client: Any, cell: Any, period: str) -> dict[str, Any]:
    variables = {
        "group": _gid("Group", cell.group_pk),
        "discipline": _gid("Discipline", cell.discipline_pk),
        "period": period,
    }
    journal: dict[str, Any] = (await client.data(JOURNAL, variables))["journal"]
    return journal


def _gid(type_name: str, pk: int) -> str:
    from campusgraph.ids import to_global_id

    return to_global_id(type_name, pk)


def _row(journal: dict[str, Any], student: str) -> dict[str, Any]:
    return next(r for r in journal["rows"] if r["studentId"] == student)


async def test_a_journal_cell_mark_id_deletes_that_mark(
    db: Any, sign_in: Any, sql_counter: Any
) -> None:
    # Given a mark the teacher gave in a cell of his journal
    teacher = await sign_in(ARMAVIR, "teacher")
    cell = await free_cell(db, ARMAVIR, "ПК-11", "Математика")
    period = _gid("Period", await period_id(db, ARMAVIR, cell.date, "semester"))
    given = (
        await teacher.data(
            SET_MARK, {"input": {"work": cell.work, "student": cell.student, "value": "4"}}
        )
    )["setMark"]
    assert given["errors"] == []

    # When the journal is read, the cell shows the mark's id and version, aligned to columns
    # (in the journal's own statements: the session lookup and five, as before the ids)
    with sql_counter() as sql:
        journal = await _journal(teacher, cell, period)
    assert sql.count <= 6, str(sql)
    column = [c["workId"] for c in journal["columns"]].index(cell.work)
    row = _row(journal, cell.student)
    for each in journal["rows"]:
        assert len(each["markIds"]) == len(journal["columns"])
        assert [i is None for i in each["markIds"]] == [v is None for v in each["marks"]]
    assert row["markIds"][column] == given["mark"]["id"]
    assert row["markVersions"][column] == given["mark"]["version"]

    # Then deleteMark takes exactly what the cell shows, and the cell is empty afterwards
    deleted = (
        await teacher.data(
            DELETE_MARK,
            {
                "input": {
                    "id": row["markIds"][column],
                    "expectedVersion": row["markVersions"][column],
                }
            },
        )
    )["deleteMark"]
    assert deleted == {"deletedId": given["mark"]["id"], "errors": []}
    again = _row(await _journal(teacher, cell, period), cell.student)
    assert (again["marks"][column], again["markIds"][column]) == (None, None)


async def test_an_attendance_entry_lesson_goes_into_set_absence_reason(
    db: Any, sign_in: Any
) -> None:
    # Given an absence the teacher marked (Armavir: the curator gives reasons, п. 4.3)
    teacher = await sign_in(ARMAVIR, "teacher")
    curator = await sign_in(ARMAVIR, "curator")
    cell = await free_cell(db, ARMAVIR, "ПК-11", "Математика")
    absent = (
        await teacher.data(
            SET_ATTENDANCE,
            {"input": {"lesson": cell.lesson, "student": cell.student, "status": "ABSENT"}},
        )
    )["setAttendance"]
    assert absent["errors"] == []

    # When the curator reads the entry as an Attendance object
    found = await curator.data(ATTENDANCE_OF, {"student": cell.student, "day": str(cell.date)})
    entries = [
        e for e in found["node"]["attendance"]["nodes"] if e["id"] == absent["attendance"]["id"]
    ]
    assert len(entries) == 1
    entry = entries[0]
    assert entry["lesson"]["date"] == str(cell.date)

    # Then its lesson, student and version are what setAbsenceReason takes
    reason = {
        "lesson": entry["lesson"]["id"],
        "student": entry["student"]["id"],
        "reason": "ILLNESS",
        "expectedVersion": entry["version"],
    }
    given = (await curator.data(SET_REASON, {"input": reason}))["setAbsenceReason"]
    assert given["errors"] == []
    assert (given["attendance"]["id"], given["attendance"]["reason"]) == (entry["id"], "ILLNESS")

    # And the journal's cell gives the same: the lesson of `lessons`, the row's student
    # and the aligned version
    period = _gid("Period", await period_id(db, ARMAVIR, cell.date, "semester"))
    journal = await _journal(curator, cell, period)
    index = [lesson["id"] for lesson in journal["lessons"]].index(entry["lesson"]["id"])
    row = _row(journal, cell.student)
    assert row["attendanceVersions"][index] == given["attendance"]["version"]
    unexcused = {
        "lesson": journal["lessons"][index]["id"],
        "student": row["studentId"],
        "reason": "UNEXCUSED",
        "expectedVersion": row["attendanceVersions"][index],
    }
    changed = (await curator.data(SET_REASON, {"input": unexcused}))["setAbsenceReason"]
    assert changed["errors"] == []
    assert changed["attendance"]["reason"] == "UNEXCUSED"


async def test_a_final_mark_names_what_set_final_mark_takes(db: Any, sign_in: Any) -> None:
    # Given a semester mark the teacher set
    teacher = await sign_in(ALTAI, "teacher")
    cell = await free_cell(db, ALTAI, "ИС-11", "Математика")
    semester = _gid("Period", await period_id(db, ALTAI, cell.date, "semester"))
    final = {
        "student": cell.student,
        "discipline": _gid("Discipline", cell.discipline_pk),
        "period": semester,
        "kind": "SEMESTER",
        "value": "4",
    }
    assert (await teacher.data(SET_FINAL, {"input": final}))["setFinalMark"]["errors"] == []

    # When the student's final marks are read
    marks = (await teacher.data(FINAL_MARKS_OF, {"student": cell.student}))["node"]["finalMarks"]

    # Then the mark shows the student, discipline, period and kind setFinalMark takes
    shown = [
        {
            "student": mark["student"]["id"],
            "discipline": mark["discipline"]["id"],
            "period": mark["period"]["id"],
            "kind": mark["kind"],
            "value": mark["value"],
        }
        for mark in marks
    ]
    assert shown == [final]
