"""The electronic diary: a parent sees his child's and only his child's; it agrees with the
journal; a student sees his own; nobody opens another child's diary."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from campusgraph.db import models as m
from campusgraph.db.tenancy import unscoped
from campusgraph.ids import from_global_id
from tests.support import DEMO_TODAY

DIARY = """
query ($from: Date!, $to: Date!, $child: ID) {
  viewer {
    diary(from: $from, to: $to, child: $child) {
      student { id fullName }
      from
      to
      days {
        date
        lessons {
          id date slot disciplineId disciplineName teacherName topic lessonType
          homework individualHomework attendance absenceReason
          works { id kind number title mark }
        }
      }
      finalMarks { id disciplineName periodName kind value date }
    }
  }
}
"""

CHILDREN = "{ viewer { children { id fullName group { id name } } } }"

PERIODS = "{ viewer { institution { periods(kind: SEMESTER) { id startsOn endsOn } } } }"

JOURNAL = """
query ($group: ID!, $discipline: ID!, $period: ID!) {
  journal(group: $group, discipline: $discipline, period: $period) {
    lessons { id date topic homework }
    columns { workId lessonId }
    rows { studentId marks attendance absenceReasons }
  }
}
"""

TERM = {"from": "2026-09-01", "to": DEMO_TODAY.isoformat()}


def _lessons(diary: dict[str, Any]) -> list[dict[str, Any]]:
    return [lesson for day in diary["days"] for lesson in day["lessons"]]


async def _current_semester(client: Any) -> str:
    periods = (await client.data(PERIODS))["viewer"]["institution"]["periods"]
    return str(
        next(p["id"] for p in periods if p["startsOn"] <= DEMO_TODAY.isoformat() <= p["endsOn"])
    )


async def test_parent_sees_only_his_child_and_the_diary_matches_the_journal(
    shared_sign_in: Any,
) -> None:
    parent = await shared_sign_in("altai-college-2016", "parent")
    children = (await parent.data(CHILDREN))["viewer"]["children"]
    assert len(children) == 1
    child = children[0]

    diary = (await parent.data(DIARY, TERM))["viewer"]["diary"]
    assert diary["student"]["id"] == child["id"], "the only child by default"
    assert (diary["from"], diary["to"]) == (TERM["from"], TERM["to"])
    named = (await parent.data(DIARY, {**TERM, "child": child["id"]}))["viewer"]["diary"]
    assert named == diary

    lessons = _lessons(diary)
    assert len(lessons) > 100, "a term of lessons"
    dates = [day["date"] for day in diary["days"]]
    assert dates == sorted(dates)
    assert len(set(dates)) == len(dates)
    assert all(lesson["teacherName"] and lesson["disciplineName"] for lesson in lessons)
    marks = [w["mark"] for lesson in lessons for w in lesson["works"] if w["mark"]]
    assert marks, "the child has marks"
    assert any(lesson["attendance"] for lesson in lessons), "the child missed a lesson"

    # The same marks on the same works and the same absences as the curator's journal.
    curator = await shared_sign_in("altai-college-2016", "curator")
    period = await _current_semester(curator)
    by_discipline: dict[str, list[dict[str, Any]]] = {}
    for lesson in lessons:
        by_discipline.setdefault(lesson["disciplineId"], []).append(lesson)
    assert len(by_discipline) >= 5
    compared_marks = 0
    for discipline, shown in by_discipline.items():
        journal = (
            await curator.data(
                JOURNAL,
                {"group": child["group"]["id"], "discipline": discipline, "period": period},
            )
        )["journal"]
        row = next(r for r in journal["rows"] if r["studentId"] == child["id"])
        assert [x["id"] for x in journal["lessons"]] == [x["id"] for x in shown]
        journal_marks = {
            c["workId"]: v for c, v in zip(journal["columns"], row["marks"], strict=True) if v
        }
        diary_marks = {w["id"]: w["mark"] for x in shown for w in x["works"] if w["mark"]}
        assert diary_marks == journal_marks, discipline
        compared_marks += len(diary_marks)
        for jl, status, reason, dl in zip(
            journal["lessons"], row["attendance"], row["absenceReasons"], shown, strict=True
        ):
            assert (dl["date"], dl["topic"], dl["homework"]) == (
                jl["date"],
                jl["topic"],
                jl["homework"],
            )
            assert (dl["attendance"], dl["absenceReason"]) == (status, reason)
    assert compared_marks == len(marks)


async def test_a_parent_never_opens_another_childs_diary(shared_sign_in: Any) -> None:
    parent = await shared_sign_in("altai-college-2016", "parent")
    child = (await parent.data(CHILDREN))["viewer"]["children"][0]
    curator = await shared_sign_in("altai-college-2016", "curator")
    classmates = (
        await curator.data(
            "query ($g: ID!) { node(id: $g) { ... on Group { students { id } } } }",
            {"g": child["group"]["id"]},
        )
    )["node"]["students"]
    other = next(s["id"] for s in classmates if s["id"] != child["id"])

    payload = await parent.query(DIARY, {**TERM, "child": other})
    assert payload["data"]["viewer"]["diary"] is None
    error = payload["errors"][0]
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert error["extensions"]["object"] == "student"
    assert other not in str(payload["data"])

    student = await shared_sign_in("altai-college-2016", "student")
    payload = await student.query(DIARY, {**TERM, "child": other})
    assert payload["data"]["viewer"]["diary"] is None
    assert payload["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_student_sees_his_own_diary(db: Any, sign_in: Any) -> None:
    student = await sign_in("barnaul-school6-2016", "student")
    own = (await student.data("{ viewer { student { id fullName } } }"))["viewer"]["student"]
    diary = (await student.data(DIARY, TERM))["viewer"]["diary"]
    assert diary["student"] == own
    lessons = _lessons(diary)
    assert lessons

    # Individual homework and a final mark show up, for him only.
    first = lessons[0]
    lesson_pk = from_global_id(first["id"])[1]
    student_pk = from_global_id(own["id"])[1]
    async with unscoped(db.factory, write=True) as session:
        lesson = (
            await session.execute(select(m.Lesson).where(m.Lesson.id == lesson_pk))
        ).scalar_one()
        period = (
            await session.execute(
                select(m.Period).where(
                    m.Period.institution_id == lesson.institution_id,
                    m.Period.starts_on <= lesson.date,
                    m.Period.ends_on >= lesson.date,
                    m.Period.number == 1,
                    m.Period.kind == "quarter",
                )
            )
        ).scalar_one()
        session.add(
            m.IndividualHomework(
                institution_id=lesson.institution_id,
                lesson_id=lesson.id,
                student_id=student_pk,
                text="Выполнить индивидуальную карточку № 7",
            )
        )
        session.add(
            m.FinalMark(
                institution_id=lesson.institution_id,
                student_id=student_pk,
                discipline_id=lesson.discipline_id,
                group_id=lesson.group_id,
                period_id=period.id,
                date=period.ends_on,
                kind="period",
                value="4",
            )
        )
        await session.commit()
    diary = (await student.data(DIARY, TERM))["viewer"]["diary"]
    shown = next(x for x in _lessons(diary) if x["id"] == first["id"])
    assert shown["individualHomework"] == "Выполнить индивидуальную карточку № 7"
    assert [(f["periodName"], f["kind"], f["value"]) for f in diary["finalMarks"]] == [
        ("1 четверть", "PERIOD", "4")
    ]
    assert diary["finalMarks"][0]["disciplineName"] == first["disciplineName"]

    # Opened for a classmate (by the class teacher), the same lesson has neither.
    teacher = await sign_in("barnaul-school6-2016", "class_teacher")
    classmates = (
        await teacher.data("{ viewer { employee { curatedGroups { students { id } } } } }")
    )["viewer"]["employee"]["curatedGroups"][0]["students"]
    other = next(s["id"] for s in classmates if s["id"] != own["id"])
    theirs = (await teacher.data(DIARY, {**TERM, "child": other}))["viewer"]["diary"]
    same = next(x for x in _lessons(theirs) if x["id"] == first["id"])
    assert same["individualHomework"] is None
    assert theirs["finalMarks"] == []


async def test_staff_without_a_child_get_no_diary_and_bad_ranges_are_refused(
    shared_sign_in: Any,
) -> None:
    teacher = await shared_sign_in("altai-college-2016", "teacher")
    assert (await teacher.data(DIARY, TERM))["viewer"]["diary"] is None
    student = await shared_sign_in("altai-college-2016", "student")
    payload = await student.query(DIARY, {"from": "2026-11-27", "to": "2026-09-01"})
    assert payload["errors"][0]["extensions"]["code"] == "VALIDATION"
    payload = await student.query(DIARY, {"from": "2024-01-01", "to": "2026-11-27"})
    assert payload["errors"][0]["extensions"]["code"] == "VALIDATION"


async def test_the_diary_costs_the_same_few_statements_for_a_week_or_a_term(
    shared_sign_in: Any, sql_counter: Any
) -> None:
    parent = await shared_sign_in("altai-college-2016", "parent")
    counts: dict[str, int] = {}
    sizes: dict[str, int] = {}
    for name, start in (("week", "2026-11-23"), ("term", "2026-09-01")):
        with sql_counter() as sql:
            payload = await parent.query(DIARY, {"from": start, "to": TERM["to"]})
        assert "errors" not in payload, payload.get("errors")
        counts[name] = sql.count
        sizes[name] = len(_lessons(payload["data"]["viewer"]["diary"]))
    assert sizes["term"] > 5 * sizes["week"] > 0, sizes
    assert counts["week"] == counts["term"], counts
    # sign-in check of the token, the child, the lessons with everything, the final marks
    assert counts["term"] <= 4, (counts, str(sql))


async def test_dates_outside_the_childs_group_membership_are_empty(shared_sign_in: Any) -> None:
    parent = await shared_sign_in("altai-college-2016", "parent")
    before = (dt.date(2026, 9, 1) - dt.timedelta(days=60)).isoformat()
    diary = (await parent.data(DIARY, {"from": before, "to": "2026-08-31"}))["viewer"]["diary"]
    assert diary["days"] == []
