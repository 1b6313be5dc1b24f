"""The journal screen: a teacher opens the grid of a group and discipline he teaches."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select, update

from campusgraph.db import models as m
from campusgraph.db.tenancy import unscoped
from campusgraph.ids import from_global_id
from tests.support import DEMO_TODAY

VIEWER = """
query {
  viewer {
    employee { teachingAssignments { group { id name } discipline { id name } } }
    institution { academicYears { isCurrent periods { id kind startsOn endsOn } } }
  }
}
"""

JOURNAL = """
query ($group: ID!, $discipline: ID!, $period: ID!) {
  journal(group: $group, discipline: $discipline, period: $period) {
    group { id name }
    discipline { id name }
    period { id name }
    lessons { id date topic works { id kind } }
    columns { workId lessonIndex date kind }
    rows {
      studentId fullName marks markVersions attendance absenceReasons
      attendanceVersions finalMarks { kind value } average
    }
  }
}
"""


async def _teacher_journal_ids(teacher: Any) -> dict[str, str]:
    """Given the demo teacher, the ids of a group and discipline he teaches and the current
    semester (the period containing the demo's today)."""
    viewer = (await teacher.data(VIEWER))["viewer"]
    assignment = viewer["employee"]["teachingAssignments"][0]
    year = next(y for y in viewer["institution"]["academicYears"] if y["isCurrent"])
    period = next(
        p
        for p in year["periods"]
        if p["kind"] != "YEAR" and p["startsOn"] <= DEMO_TODAY.isoformat() <= p["endsOn"]
    )
    return {
        "group": assignment["group"]["id"],
        "discipline": assignment["discipline"]["id"],
        "period": period["id"],
    }


async def test_teacher_sees_the_grid_with_marks_and_attendance(sign_in: Any) -> None:
    teacher = await sign_in("altai-college-2016", "teacher")
    ids = await _teacher_journal_ids(teacher)

    journal = (await teacher.data(JOURNAL, ids))["journal"]

    assert journal["group"]["id"] == ids["group"]
    assert len(journal["lessons"]) >= 8, "at least eight weeks of lessons"
    assert journal["rows"], "the group has students"
    n_cols, n_lessons = len(journal["columns"]), len(journal["lessons"])
    marks = [v for row in journal["rows"] for v in row["marks"] if v is not None]
    absences = [v for row in journal["rows"] for v in row["attendance"] if v is not None]
    assert marks, "the demo has marks"
    assert absences, "the demo has absences"
    for row in journal["rows"]:
        assert len(row["marks"]) == len(row["markVersions"]) == n_cols
        assert len(row["attendance"]) == len(row["absenceReasons"]) == n_lessons
        numeric = [int(v) for v in row["marks"] if v in {"2", "3", "4", "5"}]
        if numeric:
            assert abs(row["average"] - sum(numeric) / len(numeric)) < 0.01
    assert {r for row in journal["rows"] for r in row["absenceReasons"]} >= {None}


async def test_journal_matches_the_database(db: Any, sign_in: Any) -> None:
    teacher = await sign_in("altai-college-2016", "teacher")
    ids = await _teacher_journal_ids(teacher)
    journal = (await teacher.data(JOURNAL, ids))["journal"]
    shown = sum(1 for row in journal["rows"] for v in row["marks"] if v is not None)

    first = dt.date.fromisoformat(journal["lessons"][0]["date"])
    last = dt.date.fromisoformat(journal["lessons"][-1]["date"])
    group_name, discipline_name = journal["group"]["name"], journal["discipline"]["name"]
    async with unscoped(db.factory) as session:
        stored = (
            await session.execute(
                select(func.count(m.Mark.id))
                .join(m.StudyGroup, m.StudyGroup.id == m.Mark.group_id)
                .join(m.Discipline, m.Discipline.id == m.Mark.discipline_id)
                .join(m.Institution, m.Institution.id == m.Mark.institution_id)
                .where(
                    m.Institution.slug == "altai-college-2016",
                    m.StudyGroup.name == group_name,
                    m.Discipline.name == discipline_name,
                    m.Mark.date >= first,
                    m.Mark.date <= last,
                )
            )
        ).scalar_one()
    assert shown == stored


async def _resize_group(db: Any, group_name: str, size: int) -> None:
    """Make the group hold exactly ``size`` current students (moving others in or out)."""
    async with unscoped(db.factory, write=True) as session:
        inst = (
            await session.execute(
                select(m.Institution.id).where(m.Institution.slug == "altai-college-2016")
            )
        ).scalar_one()
        group = (
            await session.execute(
                select(m.StudyGroup.id).where(
                    m.StudyGroup.institution_id == inst, m.StudyGroup.name == group_name
                )
            )
        ).scalar_one()
        gm = m.GroupMembership
        await session.execute(update(gm).where(gm.group_id == group).values(ends_on=None))
        members = (
            (await session.execute(select(gm.id).where(gm.group_id == group).order_by(gm.id)))
            .scalars()
            .all()
        )
        if len(members) > size:
            await session.execute(
                update(gm).where(gm.id.in_(members[size:])).values(ends_on=gm.starts_on)
            )
        elif len(members) < size:
            others = (
                await session.execute(
                    select(gm.student_id, gm.starts_on)
                    .where(gm.institution_id == inst, gm.group_id != group)
                    .limit(size - len(members))
                )
            ).all()
            top = (await session.execute(select(func.max(gm.id)))).scalar_one()
            for i, (student, starts) in enumerate(others, start=1):
                session.add(
                    gm(
                        id=top + i,
                        institution_id=inst,
                        student_id=student,
                        group_id=group,
                        starts_on=starts,
                    )
                )
        await session.commit()


async def test_journal_statement_count_does_not_grow_with_students(
    db: Any, sign_in: Any, sql_counter: Any
) -> None:
    teacher = await sign_in("altai-college-2016", "teacher")
    ids = await _teacher_journal_ids(teacher)
    name = (await teacher.data(JOURNAL, ids))["journal"]["group"]["name"]
    counts: dict[int, int] = {}
    calls: dict[int, int] = {}
    for size in (5, 30):
        await _resize_group(db, name, size)
        with sql_counter() as sql:
            payload = await teacher.query(JOURNAL, ids)
        assert "errors" not in payload, payload.get("errors")
        assert len(payload["data"]["journal"]["rows"]) == size
        counts[size] = sql.count
        calls[size] = payload["extensions"]["campusgraph"]["enforcerCalls"]

    assert counts[5] == counts[30], counts
    assert counts[30] <= 6, counts
    assert calls[5] == calls[30], calls


DISCIPLINES = "query { institution { disciplines { id } } }"


def _summary(count: int) -> str:
    """One aliased journal per discipline (the deputy's summary sheet), whole rows."""
    body = JOURNAL.split("{", 1)[1].split("\n", 1)[1].rsplit("}", 1)[0]
    fields = body.split("{", 1)[1].rsplit("}", 1)[0]
    params = ", ".join(f"$d{i}: ID!" for i in range(count))
    parts = [
        f"d{i}: journal(group: $group, discipline: $d{i}, period: $period) {{{fields}}}"
        for i in range(count)
    ]
    return f"query ($group: ID!, $period: ID!, {params}) {{\n" + "\n".join(parts) + "\n}"


async def _give_final_marks(db: Any, place: dict[str, str], marks: list[tuple[str, str]]) -> None:
    """A semester mark «4» for each (student, discipline) in the group × period."""
    group, period = from_global_id(place["group"])[1], from_global_id(place["period"])[1]
    async with unscoped(db.factory, write=True) as session:
        found = await session.get(m.Period, period)
        assert found is not None
        for student, discipline in marks:
            session.add(
                m.FinalMark(
                    institution_id=found.institution_id,
                    student_id=from_global_id(student)[1],
                    discipline_id=from_global_id(discipline)[1],
                    group_id=group,
                    period_id=period,
                    date=found.ends_on,
                    kind="semester",
                    value="4",
                    version=1,
                    updated_at=dt.datetime.now(dt.UTC),
                    needs_approval=False,
                )
            )
        await session.commit()


async def test_journals_asked_together_load_together_and_answer_as_alone(
    db: Any, sign_in: Any, sql_counter: Any
) -> None:
    # given a group's disciplines and its current semester, and the director, who reads
    # every journal of the college
    teacher = await sign_in("altai-college-2016", "teacher")
    ids = await _teacher_journal_ids(teacher)
    director = await sign_in("altai-college-2016", "director")
    disciplines = [
        d["id"] for d in (await director.data(DISCIPLINES))["institution"]["disciplines"]
    ]
    taught = ids["discipline"]
    chosen = [taught, *[d for d in disciplines if d != taught][:4]]
    place = {"group": ids["group"], "period": ids["period"]}

    # with final marks in two of the journals: the first student's in both, the second's
    # in one (the journals share their students' statement)
    rows = (await director.data(JOURNAL, {**place, "discipline": chosen[0]}))["journal"]["rows"]
    await _give_final_marks(
        db, place, [(rows[0]["studentId"], chosen[0]), (rows[0]["studentId"], chosen[1]),
                    (rows[1]["studentId"], chosen[1])],
    )  # fmt: skip

    # when two, then five journals are asked for in one operation
    counts = {}
    answers: dict[str, Any] = {}
    for count in (2, 5):
        variables = {**place, **{f"d{i}": d for i, d in enumerate(chosen[:count])}}
        with sql_counter() as sql:
            answers = await director.data(_summary(count), variables)
        counts[count] = sql.count

    # then the statements do not grow with the journals
    assert counts[2] == counts[5] <= 6, counts
    # and each journal is the one asked for alone
    assert answers["d0"]["rows"]
    assert answers["d0"]["lessons"]
    assert [len(r["finalMarks"]) for r in answers["d1"]["rows"][:2]] == [1, 1]
    assert [len(r["finalMarks"]) for r in answers["d0"]["rows"][:2]] == [1, 0]
    for i, discipline in enumerate(chosen):
        alone = await director.data(JOURNAL, {**place, "discipline": discipline})
        assert answers[f"d{i}"] == alone["journal"], discipline


async def test_a_refused_journal_among_others_is_refused_alone(sign_in: Any) -> None:
    teacher = await sign_in("altai-college-2016", "teacher")
    ids = await _teacher_journal_ids(teacher)
    director = await sign_in("altai-college-2016", "director")
    disciplines = [
        d["id"] for d in (await director.data(DISCIPLINES))["institution"]["disciplines"]
    ]
    taught = {
        a["discipline"]["id"]
        for a in (await teacher.data(VIEWER))["viewer"]["employee"]["teachingAssignments"]
        if a["group"]["id"] == ids["group"]
    }
    other = next(d for d in disciplines if d not in taught)
    variables = {
        "group": ids["group"],
        "period": ids["period"],
        "d0": ids["discipline"],
        "d1": other,
    }

    # when the teacher asks for the journal he teaches and one he does not, in either order
    forward = await teacher.query(_summary(2), variables)
    swapped = {**variables, "d0": other, "d1": ids["discipline"]}
    backward = await teacher.query(_summary(2), swapped)

    # then only the one he does not teach is refused, alone: the other is answered
    for payload, refused, answered in ((forward, "d1", "d0"), (backward, "d0", "d1")):
        [error] = payload["errors"]
        assert error["path"] == [refused]
        assert error["extensions"]["code"] == "FORBIDDEN"
        assert payload["data"][refused] is None
        assert payload["data"][answered]["rows"]
