"""The compliance report's student-card, expulsion-order and attestation-mark checks: a
card or an expulsion order entered later than ``rules.deadlines.student_card_days`` /
``expulsion_order_days`` working days after the enrolment / expulsion (Altai п. 4.2: 1 and
1), an exam of the timetable whose attestation mark is missing or set later than
``attestation_mark_days`` after it (Armavir п. 4.6: the next working day) — at the exact
boundary, across a weekend and the 4 November holiday, in Russian and English."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from campusgraph.db import models as m
from campusgraph.db.tenancy import unscoped
from campusgraph.ids import to_global_id
from campusgraph.resolvers.diary import short_name
from tests.support.journal import group_and_discipline, period_id

ALTAI = "altai-college-2016"
ARMAVIR = "armavir-technikum-2025"

REPORT = """
query ($period: ID!) {
  institution {
    compliance(period: $period) {
      total
      checks {
        kind rule days fromRuleset clause count
        examples { kind date deadline doneOn groupName disciplineName teacherName
                   studentName text }
      }
      byGroup { name counts { studentCard expulsionOrder attestationMark total } }
    }
  }
}
"""
CREATE_CARD = """
mutation ($input: CreateStudentCardInput!) {
  createStudentCard(input: $input) { student { id } errors { code message } }
}
"""
ISSUE = """
mutation ($input: IssueMovementOrderInput!) {
  issueMovementOrder(input: $input) { order { id } errors { code message field } }
}
"""
CREATE_ENTRY = """
mutation ($input: CreateTimetableEntryInput!) {
  createTimetableEntry(input: $input) { entry { id kind } errors { code message field } }
}
"""
SET_FINAL = """
mutation ($input: SetFinalMarkInput!) {
  setFinalMark(input: $input) { finalMark { id } errors { code message field } }
}
"""
ME = "{ viewer { employee { id shortName } } }"


def _check(report: dict[str, Any], kind: str) -> dict[str, Any]:
    return dict(next(c for c in report["checks"] if c["kind"] == kind))


async def _report(client: Any, period: str, language: str = "ru") -> dict[str, Any]:
    response = await client.post(REPORT, {"period": period}, headers={"Accept-Language": language})
    payload = response.json()
    assert "errors" not in payload, payload
    return dict(payload["data"]["institution"]["compliance"])


# =====================================================================================
# Student cards (Altai п. 4.2: 1 working day)
# =====================================================================================


async def _enrol(hr: Any, surname: str, enrolled: dt.date, group: str) -> None:
    """A card entered today (the client's today), enrolled into ``group`` on ``enrolled``."""
    card = {
        "surname": surname,
        "name": "Анна",
        "patronymic": "Петровна",
        "birthDate": "2009-05-01",
        "sex": "FEMALE",
        "enrolmentOrderNumber": f"{surname[:3]}-к",
        "enrolmentDate": enrolled.isoformat(),
    }
    created = (await hr.data(CREATE_CARD, {"input": card}))["createStudentCard"]
    assert created["errors"] == []
    order = {
        "kind": "ENROLMENT",
        "number": f"{surname[:3]}-к",
        "signedOn": enrolled.isoformat(),
        "effectiveOn": enrolled.isoformat(),
        "items": [{"student": created["student"]["id"], "toGroup": group}],
    }
    issued = (await hr.data(ISSUE, {"input": order}))["issueMovementOrder"]
    assert issued["errors"] == []


async def _expel(hr: Any, student: int, expelled: dt.date) -> None:
    """An expulsion order entered today (the client's today), effective on ``expelled``."""
    order = {
        "kind": "EXPULSION",
        "number": f"{student}-о",
        "signedOn": expelled.isoformat(),
        "effectiveOn": expelled.isoformat(),
        "items": [{"student": to_global_id("Student", student)}],
    }
    issued = (await hr.data(ISSUE, {"input": order}))["issueMovementOrder"]
    assert issued["errors"] == [], issued


async def test_a_card_or_an_expulsion_order_entered_after_its_working_day_is_flagged(
    db: Any, make_client: Any
) -> None:
    group_pk, _ = await group_and_discipline(db, ALTAI, "ИС-11", "Математика")
    group = to_global_id("Group", group_pk)
    semester = to_global_id("Period", await period_id(db, ALTAI, dt.date(2026, 11, 2), "semester"))
    members = await _members(db, group_pk, dt.date(2026, 11, 2))

    # Given cards entered on Thursday 5 November, after the 4 November holiday: one
    # enrolled on Tuesday the 3rd (its one working day is the 5th: on time), one on
    # Monday the 2nd (due the 3rd: late)
    async with make_client(today=dt.date(2026, 11, 5)) as client:
        hr = await client.as_(ALTAI, "hr_specialist")
        author = (await hr.data(ME))["viewer"]["employee"]["shortName"]
        await _enrol(hr, "Вовремянова", dt.date(2026, 11, 3), group)
        await _enrol(hr, "Запоздалова", dt.date(2026, 11, 2), group)
        # and expulsion orders entered that day: effective the 2nd (late), the 3rd (on time)
        await _expel(hr, members[0][1], dt.date(2026, 11, 2))
        await _expel(hr, members[1][1], dt.date(2026, 11, 3))
    # and cards entered on Monday 30 November: enrolled on Friday the 27th (due Monday,
    # across the weekend: on time), on Thursday the 26th (due Friday: late)
    async with make_client(today=dt.date(2026, 11, 30)) as client:
        hr = await client.as_(ALTAI, "hr_specialist")
        await _enrol(hr, "Пятничная", dt.date(2026, 11, 27), group)
        await _enrol(hr, "Четвергова", dt.date(2026, 11, 26), group)
        await _expel(hr, members[2][1], dt.date(2026, 11, 26))
        await _expel(hr, members[3][1], dt.date(2026, 11, 27))

        # When the deputy director reads the report that Monday
        deputy = await client.as_(ALTAI, "deputy_director")
        report = await _report(deputy, semester)
        english = await _report(deputy, semester, "en")

    # Then the two late cards are flagged, with who entered them, when, and the clause
    cards = _check(report, "STUDENT_CARD")
    assert (cards["rule"], cards["days"], cards["fromRuleset"]) == (
        "rules.deadlines.student_card_days",
        1,
        True,
    )
    assert cards["clause"].startswith("п. 4.2: «не позднее 1 рабочего дня с даты зачисления")
    assert cards["count"] == 2
    seen = [
        (e["studentName"], e["date"], e["deadline"], e["doneOn"], e["groupName"])
        for e in cards["examples"]
    ]
    assert seen == [
        ("Запоздалова А.П.", "2026-11-02", "2026-11-03", "2026-11-05", "ИС-11"),
        ("Четвергова А.П.", "2026-11-26", "2026-11-27", "2026-11-30", "ИС-11"),
    ]
    assert all(e["teacherName"] == author for e in cards["examples"])
    assert cards["examples"][0]["text"] == (
        "ИС-11: карточка обучающегося Запоздалова А.П. (зачислен 02.11.2026) заведена "
        f"05.11.2026, срок — 03.11.2026; внёс {author} — {cards['clause']}"
    )
    row = next(r for r in report["byGroup"] if r["name"] == "ИС-11")
    assert row["counts"]["studentCard"] == 2
    # and so are the two late expulsion orders, under the group the students left
    orders = _check(report, "EXPULSION_ORDER")
    assert (orders["rule"], orders["days"]) == ("rules.deadlines.expulsion_order_days", 1)
    assert orders["clause"].startswith("п. 4.2: «не позднее 1 рабочего дня с даты отчисления")
    assert orders["count"] == row["counts"]["expulsionOrder"] == 2
    assert [
        (e["studentName"], e["date"], e["deadline"], e["doneOn"], e["teacherName"])
        for e in orders["examples"]
    ] == [
        (members[0][0], "2026-11-02", "2026-11-03", "2026-11-05", author),
        (members[2][0], "2026-11-26", "2026-11-27", "2026-11-30", author),
    ]
    assert orders["examples"][0]["text"].startswith(
        f"ИС-11: приказ об отчислении {members[0][0]} (отчислен 02.11.2026) внесён 05.11.2026"
    )
    assert _check(english, "EXPULSION_ORDER")["examples"][0]["text"].startswith(
        f"ИС-11: the expulsion order of {members[0][0]} (expelled 02.11.2026) was entered"
    )
    # in English too, the clause cited as the ruleset words it
    in_english = _check(english, "STUDENT_CARD")
    assert in_english["examples"][0]["text"].startswith(
        "ИС-11: the student card of Запоздалова А.П. (enrolled 02.11.2026) was entered "
        "05.11.2026, due 03.11.2026"
    )
    assert english["total"] == report["total"]


async def test_no_card_check_where_the_regulation_names_no_term_and_clauses_are_cited(
    shared_sign_in: Any,
) -> None:
    head = await shared_sign_in("barnaul-school6-2016", "head_teacher")
    periods = (await head.data("{ viewer { institution { periods { id } } } }"))["viewer"][
        "institution"
    ]["periods"]
    report = await _report(head, periods[0]["id"])
    assert {c["kind"] for c in report["checks"]}.isdisjoint(
        {"STUDENT_CARD", "EXPULSION_ORDER", "ATTESTATION_MARK"}
    )
    # the checks it has cite its clause, in the examples' words too
    final = _check(report, "FINAL_MARK")
    assert final["clause"].startswith("п. 2.1: «Выставление четвертных и полугодовых")
    assert all(e["text"].endswith(final["clause"]) for e in final["examples"])


# =====================================================================================
# Attestation marks (Armavir п. 4.6: the next working day after the exam)
# =====================================================================================


async def _members(db: Any, group: int, on: dt.date) -> list[tuple[str, int]]:
    """(short name, student pk) of the group on a day, by name."""
    gm, st, pe = m.GroupMembership, m.Student, m.Person
    async with unscoped(db.factory) as s:
        rows = (
            await s.execute(
                select(pe.surname, pe.name, pe.patronymic, st.id)
                .join(st, st.person_id == pe.id)
                .join(gm, gm.student_id == st.id)
                .where(
                    gm.group_id == group,
                    gm.starts_on <= on,
                    (gm.ends_on.is_(None)) | (gm.ends_on > on),
                )
            )
        ).all()
    return sorted((short_name(a, b, c), pk) for a, b, c, pk in rows)


async def _set_attestation_mark(
    make_client: Any, today: dt.date, student: int, discipline: int, period: str
) -> None:
    async with make_client(today=today) as client:
        teacher = await client.as_(ARMAVIR, "teacher")
        mark = {
            "student": to_global_id("Student", student),
            "discipline": to_global_id("Discipline", discipline),
            "period": period,
            "kind": "ATTESTATION",
            "value": "5",
        }
        result = (await teacher.data(SET_FINAL, {"input": mark}))["setFinalMark"]
        assert result["errors"] == [], result


async def test_attestation_marks_not_set_by_the_next_working_day_are_flagged(
    db: Any, sign_in: Any, make_client: Any, sql_counter: Any
) -> None:
    teacher = await sign_in(ARMAVIR, "teacher")
    me = (await teacher.data(ME))["viewer"]["employee"]
    secretary = await sign_in(ARMAVIR, "secretary_of_studies")
    semester = to_global_id(
        "Period", await period_id(db, ARMAVIR, dt.date(2026, 11, 2), "semester")
    )
    exams = {
        # Tuesday 3 November: the next working day is Thursday the 5th (the 4th is a holiday)
        dt.date(2026, 11, 3): await group_and_discipline(db, ARMAVIR, "ПК-11", "Математика"),
        # Friday 20 November: the next working day is Monday the 23rd
        dt.date(2026, 11, 20): await group_and_discipline(db, ARMAVIR, "ТГ-11", "Информатика"),
    }
    # Given the two exams in the session timetable
    for day, (group, discipline) in exams.items():
        entry = {
            "kind": "EXAM",
            "group": to_global_id("Group", group),
            "discipline": to_global_id("Discipline", discipline),
            "teacher": me["id"],
            "weekday": day.isoweekday(),
            "slot": 6,
            "validFrom": day.isoformat(),
            "validTo": day.isoformat(),
        }
        created = (await secretary.data(CREATE_ENTRY, {"input": entry}))["createTimetableEntry"]
        assert created["errors"] == [], created
    # and, of each exam's group, the first student by name got his mark a day late and the
    # second on the last day allowed; the others have none
    expected = 0
    late: dict[dt.date, str] = {}
    for day, (group, discipline) in exams.items():
        members = await _members(db, group, day)
        assert len(members) > 2
        (late_name, late_pk), (_, on_time_pk) = members[0], members[1]
        deadline = {dt.date(2026, 11, 3): dt.date(2026, 11, 5)}.get(day, dt.date(2026, 11, 23))
        await _set_attestation_mark(make_client, deadline, on_time_pk, discipline, semester)
        await _set_attestation_mark(
            make_client, deadline + dt.timedelta(days=1), late_pk, discipline, semester
        )
        late[day] = late_name
        expected += len(members) - 1

    # When the deputy for studies reads the report on Friday 27 November
    deputy = await sign_in(ARMAVIR, "deputy_studies")
    with sql_counter() as sql:
        report = await _report(deputy, semester)
    assert sql.count <= 22, str(sql)  # bounded, whatever the number of exams and students
    english = await _report(deputy, semester, "en")

    # Then every student of an exam without his mark by the deadline is flagged — the
    # late ones with the day it came — and the ones on time are not
    check = _check(report, "ATTESTATION_MARK")
    assert (check["rule"], check["days"], check["fromRuleset"]) == (
        "rules.deadlines.attestation_mark_days",
        1,
        True,
    )
    assert check["clause"].startswith("п. 4.6: «выставляет оценки по итогам промежуточной")
    assert check["count"] == expected
    first = check["examples"][0]
    assert (first["studentName"], first["date"], first["deadline"], first["doneOn"]) == (
        late[dt.date(2026, 11, 3)],
        "2026-11-03",
        "2026-11-05",
        "2026-11-06",
    )
    assert (first["groupName"], first["teacherName"]) == ("ПК-11", me["shortName"])
    assert first["text"].startswith(
        f"03.11.2026, ПК-11, {first['disciplineName']}: {first['studentName']} — оценка "
        "промежуточной аттестации выставлена 06.11.2026, срок — 05.11.2026"
    )
    assert first["text"].endswith(check["clause"])
    missing = check["examples"][-1]
    assert missing["doneOn"] is None
    assert "нет оценки промежуточной аттестации" in missing["text"]
    rows = {r["name"]: r["counts"]["attestationMark"] for r in report["byGroup"]}
    assert rows["ПК-11"] + rows["ТГ-11"] == expected
    in_english = _check(english, "ATTESTATION_MARK")["examples"][0]["text"]
    assert "attestation mark was set 06.11.2026, due 05.11.2026" in in_english
