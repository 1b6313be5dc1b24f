"""The peer scenario's equality check (``bench/scenarios/peer.py``, scenario 12): the
normaliser of campusgraph's columnar journal and the normaliser of PostGraphile's nested
connections must turn the same rows into the same tuples, and a single changed mark must
be named as the first difference. campusgraph's side is a real answer of the app (the
demo teacher's journal); PostGraphile's side is built in PostGraphile's shape from the
same tables by plain SQL, since node is not part of the test suite. Nothing is timed."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from bench.scenarios.peer import (
    first_difference,
    journal_rows_campusgraph,
    journal_rows_postgraphile,
)
from sqlalchemy import text

from campusgraph.db.tenancy import unscoped
from campusgraph.ids import from_global_id

JOURNAL = (Path(__file__).parents[2] / "examples/queries/03-teacher-journal.graphql").read_text()

TEACHING = """
query {
  viewer {
    employee { teachingAssignments { group { id } discipline { id } } }
    institution { academicYears { isCurrent periods { id kind number } } }
  }
}
"""


async def _rows(db: Any, sql: str, **params: Any) -> list[Any]:
    async with unscoped(db.factory) as session:
        return list((await session.execute(text(sql), params)).all())


async def _postgraphile_shaped(db: Any, group: int, discipline: int, period: int) -> dict[str, Any]:
    """The data PostGraphile's PGL_JOURNAL document returns, read from the tables: ids as
    BigInt strings, enums as stored (lower case), one connection per relation."""
    [(group_name,)] = await _rows(db, "SELECT name FROM study_group WHERE id = :g", g=group)
    [(discipline_name,)] = await _rows(
        db, "SELECT name FROM discipline WHERE id = :d", d=discipline
    )
    [(period_name, start, end)] = await _rows(
        db, "SELECT name, starts_on, ends_on FROM period WHERE id = :p", p=period
    )
    members = await _rows(
        db,
        "SELECT s.id, p.surname, p.name, p.patronymic FROM group_membership gm "
        "JOIN student s ON s.id = gm.student_id JOIN person p ON p.id = s.person_id "
        "WHERE gm.group_id = :g AND gm.starts_on <= :end "
        "AND (gm.ends_on IS NULL OR gm.ends_on > :start)",
        g=group,
        start=start,
        end=end,
    )
    students = {int(m[0]) for m in members}
    lessons = await _rows(
        db,
        "SELECT id, date, slot FROM lesson WHERE group_id = :g AND discipline_id = :d "
        "AND date >= :start AND date <= :end",
        g=group,
        d=discipline,
        start=start,
        end=end,
    )
    nodes = []
    for lesson_id, date, slot in lessons:
        works = await _rows(
            db, "SELECT id, kind, number FROM work WHERE lesson_id = :l", l=lesson_id
        )
        marks = await _rows(
            db, "SELECT student_id, work_id, value FROM mark WHERE lesson_id = :l", l=lesson_id
        )
        absences = await _rows(
            db,
            "SELECT student_id, status, reason FROM attendance WHERE lesson_id = :l",
            l=lesson_id,
        )
        nodes.append(
            {
                "rowId": str(lesson_id),
                "date": str(date),
                "slot": slot,
                "worksByLessonId": {
                    "nodes": [{"rowId": str(w), "kind": k, "number": n} for w, k, n in works]
                },
                "marksByLessonId": {
                    "nodes": [
                        {"studentId": str(s), "workId": str(w), "value": v}
                        for s, w, v in marks
                        if int(s) in students
                    ]
                },
                "attendancesByLessonId": {
                    "nodes": [
                        {"studentId": str(s), "status": st, "reason": r}
                        for s, st, r in absences
                        if int(s) in students
                    ]
                },
            }
        )
    finals = await _rows(
        db,
        "SELECT student_id, kind, value FROM final_mark WHERE group_id = :g "
        "AND discipline_id = :d AND period_id = :p",
        g=group,
        d=discipline,
        p=period,
    )
    return {
        "studyGroupByRowId": {
            "rowId": str(group),
            "name": group_name,
            "groupMembershipsByGroupId": {
                "nodes": [
                    {
                        "studentByStudentId": {
                            "rowId": str(sid),
                            "personByPersonId": {"surname": sn, "name": n, "patronymic": pn},
                        }
                    }
                    for sid, sn, n, pn in members
                ]
            },
        },
        "disciplineByRowId": {"rowId": str(discipline), "name": discipline_name},
        "periodByRowId": {"rowId": str(period), "name": period_name},
        "allLessons": {"nodes": nodes},
        "allFinalMarks": {
            "nodes": [{"studentId": str(s), "kind": k, "value": v} for s, k, v in finals]
        },
    }


async def test_both_shapes_of_one_journal_normalise_equal_and_a_changed_mark_is_named(
    db: Any, sign_in: Any
) -> None:
    # given the demo teacher's first journal, answered by the app
    teacher = await sign_in("altai-college-2016", "teacher")
    viewer = (await teacher.data(TEACHING))["viewer"]
    first = viewer["employee"]["teachingAssignments"][0]
    year = next(y for y in viewer["institution"]["academicYears"] if y["isCurrent"])
    period = next(p for p in year["periods"] if p["number"] == 1)
    variables = {
        "group": first["group"]["id"],
        "discipline": first["discipline"]["id"],
        "period": period["id"],
    }
    ours = journal_rows_campusgraph(await teacher.data(JOURNAL, variables))
    # and the same journal's rows in PostGraphile's shape
    pks = {k: from_global_id(v)[1] for k, v in variables.items()}
    theirs_data = await _postgraphile_shaped(db, pks["group"], pks["discipline"], pks["period"])

    # when both are normalised, then they are the same tuples, and there is something in them
    assert first_difference(ours, journal_rows_postgraphile(theirs_data)) is None
    assert ours.marks, "the demo journal has marks"
    assert ours.students
    assert ours.lessons

    # when one mark differs, then it is the first difference, both tuples named
    changed = copy.deepcopy(theirs_data)
    mark = next(
        m for lesson in changed["allLessons"]["nodes"] for m in lesson["marksByLessonId"]["nodes"]
    )
    mark["value"] = "2" if mark["value"] != "2" else "5"
    difference = first_difference(ours, journal_rows_postgraphile(changed))
    assert difference is not None
    assert difference.startswith("marks: ")
    assert f"({mark['studentId']}, {mark['workId']}, '{mark['value']}')" in difference


def test_the_peer_scenario_asks_campusgraph_valid_documents_and_is_selected_by_name() -> None:
    """campusgraph's side of scenario 12 stays valid as the schema changes (a document the
    schema rejects would fail the equality check, not measure), and ``--scenarios peer``
    picks it."""
    from bench.__main__ import parse as parse_args
    from bench.scenarios import peer
    from graphql import build_schema, parse, validate

    from campusgraph.schema.root import sdl

    schema = build_schema(sdl())
    for document in (peer.CG_INSTITUTION, peer.CG_LOGIN, JOURNAL):
        assert validate(schema, parse(document)) == [], document[:80]
    assert parse_args(["--pg", "--scenarios", "peer"]).selected == [12]
