"""The compliance report: the regulation's journal deadlines checked up to "today", per
check, group and teacher, for the roles the ruleset lets read reports."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete, func, select, update

from campusgraph.db import models as m
from campusgraph.db.enums import AttendanceStatus
from campusgraph.db.tenancy import unscoped
from campusgraph.ids import from_global_id
from campusgraph.resolvers.journal_rules import working_days_after
from tests.support import DEMO_TODAY

REPORT = """
query ($period: ID!, $group: ID, $discipline: ID) {
  institution {
    compliance(period: $period, group: $group, discipline: $discipline) {
      period { id name }
      today ruleset total
      checks {
        kind title rule days fromRuleset overdueThrough count
        examples { kind date deadline groupId groupName disciplineName teacherName
                   studentName lessonId text }
      }
      byGroup { id name counts { lessonTopic lessonEmpty absenceReason finalMark total }
                examples { kind date lessonId } }
      byTeacher { id name counts { lessonTopic lessonEmpty absenceReason finalMark total }
                  examples { kind date lessonId } }
    }
  }
}
"""

PERIODS = "{ viewer { institution { periods { id name kind startsOn endsOn } } } }"


async def _period(client: Any, name: str) -> dict[str, Any]:
    periods = (await client.data(PERIODS))["viewer"]["institution"]["periods"]
    return dict(next(p for p in periods if p["name"] == name))


def _check(report: dict[str, Any], kind: str) -> dict[str, Any]:
    return dict(next(c for c in report["checks"] if c["kind"] == kind))


async def _institution(session: Any, slug: str) -> int:
    return int(
        (
            await session.execute(select(m.Institution.id).where(m.Institution.slug == slug))
        ).scalar_one()
    )


async def _calendar(session: Any, inst: int) -> tuple[set[dt.date], dict[dt.date, dt.date]]:
    days_off = set(
        (await session.execute(select(m.DayOff.date).where(m.DayOff.institution_id == inst)))
        .scalars()
        .all()
    )
    rows = await session.execute(
        select(m.DayTransfer.from_date, m.DayTransfer.to_date).where(
            m.DayTransfer.institution_id == inst
        )
    )
    transfers: dict[dt.date, dt.date] = dict(rows.all())
    return days_off, transfers


async def test_curator_sees_the_overdue_absence_reasons_of_his_group(
    shared_db: Any, shared_sign_in: Any
) -> None:
    curator = await shared_sign_in("altai-college-2016", "curator")
    me = (await curator.data("{ viewer { employee { shortName curatedGroups { id name } } } }"))[
        "viewer"
    ]["employee"]
    group = me["curatedGroups"][0]["name"]
    semester = await _period(curator, "1 семестр")
    # his group's level: the whole college's is not his to see (test_compliance_levels)
    asked = {"period": semester["id"], "group": me["curatedGroups"][0]["id"]}
    report = (await curator.data(REPORT, asked))["institution"]["compliance"]

    assert report["today"] == DEMO_TODAY.isoformat()
    assert report["ruleset"] == "altai-college-2016"
    absences = _check(report, "ABSENCE_REASON")
    # Altai names no term: base's 5 working days; Friday Nov 27 minus 5 → Thursday Nov 19.
    assert (absences["days"], absences["fromRuleset"]) == (5, True)
    assert absences["rule"] == "rules.deadlines.absence_reason_days"
    assert absences["overdueThrough"] == "2026-11-19"

    async with unscoped(shared_db.factory) as session:
        inst = await _institution(session, "altai-college-2016")
        days_off, transfers = await _calendar(session, inst)
        at, g = m.Attendance, m.StudyGroup
        stored = (
            await session.execute(
                select(func.count(at.id))
                .join(g, g.id == at.group_id)
                .where(
                    at.institution_id == inst,
                    g.name == group,
                    at.status == AttendanceStatus.ABSENT,
                    at.reason.is_(None),
                    at.date >= dt.date.fromisoformat(semester["startsOn"]),
                    at.date <= dt.date(2026, 11, 19),
                )
            )
        ).scalar_one()
    assert stored > 0, "the demo has absences without reasons past the deadline"
    assert absences["count"] == stored
    assert report["total"] == sum(c["count"] for c in report["checks"])

    examples = absences["examples"]
    assert 0 < len(examples) <= 5
    assert [e["date"] for e in examples] == sorted(e["date"] for e in examples)
    for e in examples:
        day = dt.date.fromisoformat(e["date"])
        assert (
            e["deadline"]
            == working_days_after(day, 5, days_off=days_off, transfers=transfers).isoformat()
        )
        assert e["groupName"] == group
        assert e["studentName"]
        assert e["teacherName"] == me["shortName"], "absence reasons are the curator's duty"
        assert e["studentName"] in e["text"]
        assert "пропуск без причины" in e["text"]

    assert [row["name"] for row in report["byGroup"]] == [group]
    assert report["byGroup"][0]["counts"]["absenceReason"] == stored
    assert [row["name"] for row in report["byTeacher"]] == [me["shortName"]]
    # The demo's topics are all filled in; its first semester is not over.
    assert _check(report, "LESSON_TOPIC")["count"] == 0
    final = _check(report, "FINAL_MARK")
    assert (final["overdueThrough"], final["count"]) == (None, 0)


async def test_barnaul_quarter_marks_are_missing_after_the_quarter(
    shared_db: Any, shared_sign_in: Any
) -> None:
    head = await shared_sign_in("barnaul-school6-2016", "head_teacher")
    quarter = await _period(head, "1 четверть")
    report = (await head.data(REPORT, {"period": quarter["id"]}))["institution"]["compliance"]
    end = dt.date.fromisoformat(quarter["endsOn"])
    final = _check(report, "FINAL_MARK")
    assert (final["days"], final["fromRuleset"]) == (0, True), "п. 2.1: on the period's last day"
    assert final["overdueThrough"] == quarter["endsOn"]
    absences = _check(report, "ABSENCE_REASON")
    assert (absences["days"], absences["fromRuleset"]) == (2, True), "п. 2.1: 2 working days"

    # Every student in a class at the quarter's end, for every discipline his class had
    # lessons in during the quarter: the demo sets no final marks.
    async with unscoped(shared_db.factory) as session:
        inst = await _institution(session, "barnaul-school6-2016")
        le, gm = m.Lesson, m.GroupMembership
        pairs = (
            select(le.group_id, le.discipline_id)
            .where(
                le.institution_id == inst,
                le.date >= dt.date.fromisoformat(quarter["startsOn"]),
                le.date <= end,
            )
            .distinct()
            .subquery()
        )
        expected = (
            await session.execute(
                select(func.count())
                .select_from(pairs)
                .join(gm, gm.group_id == pairs.c.group_id)
                .where(gm.starts_on <= end, (gm.ends_on.is_(None)) | (gm.ends_on > end))
            )
        ).scalar_one()
    assert expected > 100
    assert final["count"] == expected
    assert sum(row["counts"]["finalMark"] for row in report["byGroup"]) == expected
    assert sum(row["counts"]["finalMark"] for row in report["byTeacher"]) == expected
    example = final["examples"][0]
    assert example["date"] == example["deadline"] == quarter["endsOn"]
    assert example["studentName"]
    assert example["teacherName"]
    assert "нет итоговой отметки" in example["text"]
    totals = [row["counts"]["total"] for row in report["byGroup"]]
    assert totals == sorted(totals, reverse=True), "most overdue first"


async def test_a_teacher_sees_only_his_groups_and_disciplines(shared_sign_in: Any) -> None:
    teacher = await shared_sign_in("altai-college-2016", "teacher")
    taught = (
        await teacher.data(
            "{ viewer { employee { teachingAssignments { group { id name } "
            "discipline { id name } } } } }"
        )
    )["viewer"]["employee"]["teachingAssignments"]
    semester = await _period(teacher, "1 семестр")
    seen: set[str] = set()
    for a in taught:  # each group × discipline he teaches, at its own level
        asked = {"period": semester["id"], "group": a["group"]["id"]}
        asked["discipline"] = a["discipline"]["id"]
        report = (await teacher.data(REPORT, asked))["institution"]["compliance"]
        assert {row["name"] for row in report["byGroup"]} <= {a["group"]["name"]}
        for check in report["checks"]:
            for e in check["examples"]:
                assert (e["groupName"], e["disciplineName"]) == (
                    a["group"]["name"],
                    a["discipline"]["name"],
                )
                seen.add(check["kind"])
    assert "ABSENCE_REASON" in seen, "his groups have overdue absence reasons"


async def test_students_parents_and_staff_without_report_read_are_refused(
    shared_sign_in: Any,
) -> None:
    curator = await shared_sign_in("altai-college-2016", "curator")
    semester = await _period(curator, "1 семестр")
    # Students, parents (п. 1.8, 4.5: they see the college's card) and the HR specialist
    # see the institution, but the ruleset grants none of them its report.
    for login in ("student", "parent", "hr_specialist"):
        viewer = await shared_sign_in("altai-college-2016", login)
        payload = await viewer.query(REPORT, {"period": semester["id"]})
        # The report alone is refused (nullable): the institution's card stays.
        assert payload["data"]["institution"] == {"compliance": None}, login
        assert payload["errors"][0]["path"] == ["institution", "compliance"]
        error = payload["errors"][0]["extensions"]
        assert (error["code"], error["object"], error["action"]) == (
            "FORBIDDEN",
            "report.institution",
            "read",
        ), login


async def test_topics_attendance_and_final_marks_follow_the_journal(
    db: Any, sign_in: Any, sql_counter: Any
) -> None:
    deputy = await sign_in("altai-college-2016", "deputy_director")
    semester = await _period(deputy, "1 семестр")
    with sql_counter() as sql:
        before = (await deputy.data(REPORT, {"period": semester["id"]}))["institution"][
            "compliance"
        ]
    assert sql.count <= 20, str(sql)
    assert _check(before, "LESSON_TOPIC")["count"] == 0
    assert _check(before, "LESSON_EMPTY")["count"] == 0

    async with unscoped(db.factory, write=True) as session:
        inst = await _institution(session, "altai-college-2016")
        le = m.Lesson
        lessons = (
            (
                await session.execute(
                    select(le)
                    .where(le.institution_id == inst, le.date < DEMO_TODAY)
                    .order_by(le.date.desc(), le.id)
                    .limit(3)
                )
            )
            .scalars()
            .all()
        )
        untitled, emptied = lessons[:2], lessons[2]
        await session.execute(
            update(le).where(le.id.in_([x.id for x in untitled])).values(topic=None)
        )
        await session.execute(delete(m.Mark).where(m.Mark.lesson_id == emptied.id))
        await session.execute(delete(m.Attendance).where(m.Attendance.lesson_id == emptied.id))
        teacher = (
            await session.execute(
                select(m.Person.surname)
                .join(m.Employee)
                .where(m.Employee.id == untitled[0].teacher_id)
            )
        ).scalar_one()
        await session.commit()

    after = (await deputy.data(REPORT, {"period": semester["id"]}))["institution"]["compliance"]
    topics = _check(after, "LESSON_TOPIC")
    assert topics["count"] == 2
    assert {from_global_id(e["lessonId"])[1] for e in topics["examples"]} == {
        x.id for x in untitled
    }
    assert all("не указана тема" in e["text"] for e in topics["examples"])
    empty = _check(after, "LESSON_EMPTY")
    assert empty["count"] == 1
    assert from_global_id(empty["examples"][0]["lessonId"])[1] == emptied.id
    row = next(r for r in after["byTeacher"] if r["name"].startswith(teacher))
    assert row["counts"]["lessonTopic"] >= 1
    assert after["total"] == before["total"] + 3
