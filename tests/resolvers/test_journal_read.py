"""The journal screen: a teacher opens the grid of a group and discipline he teaches."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select, update

from campusgraph.db import models as m
from campusgraph.db.tenancy import unscoped
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
