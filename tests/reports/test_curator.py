"""The curators', parents' and teachers' reports through the endpoint, on both backends.

Figures: a small group of our own in Altai's college (three students, two disciplines,
four lessons from Mon 16 to Fri 20 Nov 2026, marks, absences and semester marks inserted
below), every figure computed by hand in the comments — never by the code under test.
College bells are 90 minutes, so a lesson is 2 academic hours.

Access: each report asked by a role that may (data) and one that may not (FORBIDDEN, data
null) in rulesets that differ, Barnaul's levels among them; a parent's letter only for his
own child; a curator of another group refused; a teacher's own report, not a colleague's.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import aliased

from campusgraph.db import models as m
from campusgraph.db.enums import (
    AbsenceReason,
    AttendanceStatus,
    DisciplineKind,
    FinalMarkKind,
    PeriodKind,
    WorkKind,
)
from campusgraph.db.tenancy import unscoped
from campusgraph.ids import to_global_id
from campusgraph.policies.vocabulary import ReportLevel
from campusgraph.reports import curator as rc
from campusgraph.reports.access import ReportAccess
from campusgraph.reports.of import ReportOf
from campusgraph.reports.registry import REPORTS, ReportName
from tests.support import DEMO_TODAY
from tests.support.journal import institution_id

ALTAI = "altai-college-2016"
BARNAUL = "barnaul-school6-2016"
TOMSK = "tomsk-technikum-2023"

ATTENDANCE = """
query ($of: ReportOfInput!) {
  attendanceSummarySheet(of: $of) {
    groupName dateFrom dateTo
    rows { studentName lessons hours absences hoursMissed late byReason { reason absences hoursMissed } }
    totals { lessons hours absences hoursMissed late byReason { reason absences hoursMissed } }
  }
}
"""
PRELIMINARY = """
query ($of: ReportOfInput!) {
  curatorPreliminary(of: $of) {
    groupName students studentsAtRisk averageBelow absenceShare
    atRisk { studentName disciplineName marks average failingMarks lessons absences reasons }
  }
}
"""
PERIOD = """
query ($of: ReportOfInput!) {
  curatorPeriod(of: $of) {
    groupName periodName dateFrom dateTo
    students {
      studentName average absences hoursMissed unexcusedAbsences attested achieving quality
      results { disciplineName finalMarks marks average absences }
    }
    totals {
      students achieving quality notAttested achievementPercent qualityPercent average
      absences hoursMissed
    }
  }
}
"""
LETTER = """
query ($of: ReportOfInput!) {
  parentLetter(of: $of) {
    institution { name }
    studentName groupName curatorName dateFrom dateTo
    disciplines { disciplineName marks { date value } average absences }
    average absences hoursMissed late byReason { reason absences hoursMissed }
  }
}
"""
TEACHER = """
query ($of: ReportOfInput!) {
  teacherReport(of: $of) {
    teacherName dateFrom dateTo suppressedBelow
    rows {
      groupName disciplineName lessonsPlanned lessonsGiven hoursGiven planHours students
      marks average achieving quality achievementPercent qualityPercent
    }
  }
}
"""
CERTIFICATE = """
query ($of: ReportOfInput!) {
  studyCertificate(of: $of) {
    institution { name }
    fullName birthDate groupName speciality program enrolmentOrderNumber enrolmentDate
    studiesFrom studiesTo issuedOn
    finalMarks { disciplineName periodName kind value date }
  }
}
"""
FIELDS = {
    ATTENDANCE: "attendanceSummarySheet",
    PRELIMINARY: "curatorPreliminary",
    PERIOD: "curatorPeriod",
    LETTER: "parentLetter",
    TEACHER: "teacherReport",
    CERTIFICATE: "studyCertificate",
}

MON, TUE, WED, THU, FRI = (dt.date(2026, 11, d) for d in (16, 17, 18, 19, 20))
WEEK = {"dateFrom": MON.isoformat(), "dateTo": FRI.isoformat()}
SEMESTER_END = dt.date(2026, 12, 28)

# The two disciplines sort by name: «Аналитическая …» before «Биология …».
D1_NAME = "Аналитическая химия (отчёты)"
D2_NAME = "Биология (отчёты)"
GROUP_NAME = "ОТЧ-11"
STUDENTS = (
    ("Аникин", "Антон", "Андреевич"),
    ("Борисова", "Бэлла", "Борисовна"),
    ("Васильев", "Виктор", "Викторович"),
)
A, B, C = (" ".join(s) for s in STUDENTS)


@dataclasses.dataclass
class Fixture:
    institution: int
    group: int
    d1: int
    d2: int
    teacher: int  # the demo teacher: teaches D1
    teacher2: int  # a teacher of our own, no account: teaches D2
    curator: int
    students: list[int]
    semester: int
    lessons: dict[str, int]

    def of(self, **ids: Any) -> dict[str, Any]:
        return ids


async def _employee_of(s: Any, inst: int, login: str) -> int:
    return int(
        (
            await s.execute(
                select(m.Employee.id)
                .join(m.UserAccount, m.UserAccount.person_id == m.Employee.person_id)
                .where(m.UserAccount.institution_id == inst, m.UserAccount.login == login)
            )
        ).scalar_one()
    )


async def _add(s: Any, row: Any) -> int:
    s.add(row)
    await s.flush()
    return int(row.id)


async def build_fixture(db: Any) -> Fixture:
    """The group ОТЧ-11 of Altai's college, curated by the demo curator.

    Timetable (valid all the first semester): D1 by the demo teacher Mon slot 1 and Wed
    slot 2; D2 by our teacher Tue slot 1 and Thu slot 1 → in 16–20 Nov D1 is planned 2
    times, D2 2 times. Lessons given: L1 D1 Mon 16 slot 1, L2 D2 Tue 17 slot 1, L3 D1 Wed
    18 slot 2, L4 D1 Fri 20 slot 3 (not in the timetable); D2's Thursday was not given.

    Marks: L1 A «5», B «3», C «2»; L2 A «5», C «3»; L3 A «4», B «2».
    Attendance: L2 B absent unexcused, A late; L3 C absent (illness); L4 B absent with no
    reason given, C absent excused.
    Semester marks (1 семестр, dated 28 Dec): A D1 «5», D2 «5»; B D1 «2» (none in D2);
    C D1 «3», D2 «4».
    """
    inst = await institution_id(db, ALTAI)
    async with unscoped(db.factory) as s:
        curator = await _employee_of(s, inst, "curator")
        teacher = await _employee_of(s, inst, "teacher")
        demo_group = (
            await s.execute(
                select(m.StudyGroup)
                .join(m.Curatorship, m.Curatorship.group_id == m.StudyGroup.id)
                .where(m.Curatorship.curator_id == curator)
            )
        ).scalar_one()
        year = demo_group.academic_year_id
        semester = (
            await s.execute(
                select(m.Period.id).where(
                    m.Period.academic_year_id == year,
                    m.Period.kind == PeriodKind.SEMESTER,
                    m.Period.number == 1,
                )
            )
        ).scalar_one()
        person2 = await _add(
            s, m.Person(institution_id=inst, surname="Тестов", name="Тимофей", patronymic="Ильич")
        )
        teacher2 = await _add(s, m.Employee(institution_id=inst, person_id=person2))
        d1 = await _add(s, m.Discipline(institution_id=inst, name=D1_NAME, kind=DisciplineKind.UD))
        d2 = await _add(s, m.Discipline(institution_id=inst, name=D2_NAME, kind=DisciplineKind.UD))
        group = await _add(
            s,
            m.StudyGroup(
                institution_id=inst,
                name=GROUP_NAME,
                study_year=1,
                academic_year_id=year,
                department_id=demo_group.department_id,
                speciality_id=demo_group.speciality_id,
                curriculum_id=demo_group.curriculum_id,
                admission_year=2026,
            ),
        )
        students = []
        for n, (surname, name, patronymic) in enumerate(STUDENTS):
            person = await _add(
                s,
                m.Person(
                    institution_id=inst,
                    surname=surname,
                    name=name,
                    patronymic=patronymic,
                    birth_date=dt.date(2010, 3, 1 + n),
                ),
            )
            student = await _add(
                s,
                m.Student(
                    institution_id=inst,
                    person_id=person,
                    enrolment_order_number="17-к",
                    enrolment_date=dt.date(2026, 8, 25),
                ),
            )
            s.add(
                m.GroupMembership(
                    institution_id=inst,
                    student_id=student,
                    group_id=group,
                    starts_on=dt.date(2026, 9, 1),
                )
            )
            students.append(student)
        s.add(
            m.Curatorship(
                institution_id=inst,
                group_id=group,
                curator_id=curator,
                starts_on=dt.date(2026, 9, 1),
            )
        )
        for who, discipline in ((teacher, d1), (teacher2, d2)):
            s.add(
                m.TeachingAssignment(
                    institution_id=inst,
                    teacher_id=who,
                    discipline_id=discipline,
                    group_id=group,
                    academic_year_id=year,
                )
            )
        for who, discipline, weekday, slot in (
            (teacher, d1, 1, 1),
            (teacher, d1, 3, 2),
            (teacher2, d2, 2, 1),
            (teacher2, d2, 4, 1),
        ):
            s.add(
                m.TimetableEntry(
                    institution_id=inst,
                    group_id=group,
                    discipline_id=discipline,
                    teacher_id=who,
                    weekday=weekday,
                    slot=slot,
                    valid_from=dt.date(2026, 9, 1),
                    valid_to=SEMESTER_END,
                )
            )
        lessons: dict[str, int] = {}
        works: dict[str, int] = {}
        for key, who, discipline, day, slot in (
            ("L1", teacher, d1, MON, 1),
            ("L2", teacher2, d2, TUE, 1),
            ("L3", teacher, d1, WED, 2),
            ("L4", teacher, d1, FRI, 3),
        ):
            lessons[key] = await _add(
                s,
                m.Lesson(
                    institution_id=inst,
                    group_id=group,
                    discipline_id=discipline,
                    teacher_id=who,
                    date=day,
                    slot=slot,
                    topic="Тема",
                ),
            )
            works[key] = await _add(
                s,
                m.Work(
                    institution_id=inst,
                    lesson_id=lessons[key],
                    group_id=group,
                    discipline_id=discipline,
                    date=day,
                    kind=WorkKind.CLASSWORK,
                ),
            )
        at = {"L1": (d1, MON), "L2": (d2, TUE), "L3": (d1, WED), "L4": (d1, FRI)}
        a, b, c = students
        for key, student, value in (
            ("L1", a, "5"),
            ("L1", b, "3"),
            ("L1", c, "2"),
            ("L2", a, "5"),
            ("L2", c, "3"),
            ("L3", a, "4"),
            ("L3", b, "2"),
        ):
            discipline, day = at[key]
            s.add(
                m.Mark(
                    institution_id=inst,
                    work_id=works[key],
                    lesson_id=lessons[key],
                    student_id=student,
                    group_id=group,
                    discipline_id=discipline,
                    date=day,
                    value=value,
                )
            )
        for key, student, status, reason in (
            ("L2", b, AttendanceStatus.ABSENT, AbsenceReason.UNEXCUSED),
            ("L2", a, AttendanceStatus.LATE, None),
            ("L3", c, AttendanceStatus.ABSENT, AbsenceReason.ILLNESS),
            ("L4", b, AttendanceStatus.ABSENT, None),
            ("L4", c, AttendanceStatus.ABSENT, AbsenceReason.EXCUSED),
        ):
            discipline, day = at[key]
            s.add(
                m.Attendance(
                    institution_id=inst,
                    lesson_id=lessons[key],
                    student_id=student,
                    group_id=group,
                    discipline_id=discipline,
                    date=day,
                    status=status,
                    reason=reason,
                )
            )
        for student, discipline, value in (
            (a, d1, "5"),
            (a, d2, "5"),
            (b, d1, "2"),
            (c, d1, "3"),
            (c, d2, "4"),
        ):
            s.add(
                m.FinalMark(
                    institution_id=inst,
                    student_id=student,
                    discipline_id=discipline,
                    group_id=group,
                    period_id=semester,
                    date=SEMESTER_END,
                    kind=FinalMarkKind.SEMESTER,
                    value=value,
                )
            )
        await s.commit()
    return Fixture(
        institution=inst,
        group=group,
        d1=d1,
        d2=d2,
        teacher=teacher,
        teacher2=teacher2,
        curator=curator,
        students=students,
        semester=semester,
        lessons=lessons,
    )


def gid(kind: str, pk: int) -> str:
    return to_global_id(kind, pk)


async def report(client: Any, document: str, of: dict[str, Any]) -> Any:
    data = await client.data(document, {"of": of})
    return data[FIELDS[document]]


def reasons(by_reason: list[dict[str, Any]]) -> list[tuple[str | None, int, int]]:
    return [(r["reason"], r["absences"], r["hoursMissed"]) for r in by_reason]


# =====================================================================================
# Figures
# =====================================================================================


async def test_attendance_summary_sheet_counts_absences_by_reason_and_hours(
    db: Any, sign_in: Any
) -> None:
    # given our group, and its curator
    f = await build_fixture(db)
    curator = await sign_in(ALTAI, "curator")
    # when he asks for the attendance summary sheet of 16–20 Nov
    sheet = await report(curator, ATTENDANCE, {"group": gid("Group", f.group), **WEEK})
    # then each student had the 4 lessons L1–L4, 4 × 2 h = 8 h:
    #   A: no absence, late once (L2);
    #   B: L2 unexcused + L4 no reason = 2 absences, 2 × 2 h = 4 h;
    #   C: L3 illness + L4 excused = 2 absences, 4 h.
    assert sheet["groupName"] == GROUP_NAME
    assert (sheet["dateFrom"], sheet["dateTo"]) == (MON.isoformat(), FRI.isoformat())
    rows = {r["studentName"]: r for r in sheet["rows"]}
    assert [r["studentName"] for r in sheet["rows"]] == [A, B, C]
    order = ["EXCUSED", "UNEXCUSED", "ILLNESS", None]
    assert [
        (r["lessons"], r["hours"], r["absences"], r["hoursMissed"], r["late"])
        for r in rows.values()
    ] == [(4, 8, 0, 0, 1), (4, 8, 2, 4, 0), (4, 8, 2, 4, 0)]
    assert reasons(rows[A]["byReason"]) == [(x, 0, 0) for x in order]
    assert reasons(rows[B]["byReason"]) == [
        ("EXCUSED", 0, 0),
        ("UNEXCUSED", 1, 2),
        ("ILLNESS", 0, 0),
        (None, 1, 2),
    ]
    assert reasons(rows[C]["byReason"]) == [
        ("EXCUSED", 1, 2),
        ("UNEXCUSED", 0, 0),
        ("ILLNESS", 1, 2),
        (None, 0, 0),
    ]
    # and the totals: 3 × 4 = 12 lessons, 24 h; 0 + 2 + 2 = 4 absences, 8 h; one late;
    # one of each reason
    t = sheet["totals"]
    assert (t["lessons"], t["hours"], t["absences"], t["hoursMissed"], t["late"]) == (
        12,
        24,
        4,
        8,
        1,
    )
    assert reasons(t["byReason"]) == [(x, 1, 2) for x in order]
    # when he asks without dates
    whole = await report(curator, ATTENDANCE, {"group": gid("Group", f.group)})
    # then the sheet runs from the academic year's first day to today, and holds the same
    # lessons (the group has none outside that week)
    assert (whole["dateFrom"], whole["dateTo"]) == ("2026-09-01", DEMO_TODAY.isoformat())
    assert whole["totals"] == t


async def test_curator_preliminary_lists_students_at_risk_per_discipline(
    db: Any, sign_in: Any
) -> None:
    # given our group, and its curator
    f = await build_fixture(db)
    curator = await sign_in(ALTAI, "curator")
    # when he asks for the preliminary report of 16–20 Nov
    got = await report(curator, PRELIMINARY, {"group": gid("Group", f.group), **WEEK})
    # then (lessons each: D1 3 — L1, L3, L4; D2 1 — L2; at risk: average < 3, a «2», or
    # absent from ≥ 1/4 of the lessons):
    #   A: D1 «5» «4» = 4.5, no absence; D2 «5», late only → not at risk;
    #   B: D1 «3» «2» = 2.5, one «2», absent 1 of 3 (≥ 0.75) → all three reasons;
    #      D2 no marks, absent 1 of 1 → absences;
    #   C: D1 «2» = 2.0, one «2», absent 2 of 3 → all three; D2 «3» = 3.0 → not at risk.
    assert (got["students"], got["studentsAtRisk"]) == (3, 2)
    assert (got["averageBelow"], got["absenceShare"]) == (3.0, 0.25)
    rows = [
        (
            r["studentName"],
            r["disciplineName"],
            r["marks"],
            r["average"],
            r["failingMarks"],
            r["lessons"],
            r["absences"],
            r["reasons"],
        )
        for r in got["atRisk"]
    ]
    every = ["LOW_AVERAGE", "FAILING_MARKS", "ABSENCES"]
    assert rows == [
        (B, D1_NAME, 2, 2.5, 1, 3, 1, every),
        (B, D2_NAME, 0, None, 0, 1, 1, ["ABSENCES"]),
        (C, D1_NAME, 1, 2.0, 1, 3, 2, every),
    ]


async def test_curator_period_report_gives_results_and_group_achievement(
    db: Any, sign_in: Any
) -> None:
    # given our group with semester marks, and its curator
    f = await build_fixture(db)
    curator = await sign_in(ALTAI, "curator")
    # when he asks for the report of the first semester
    got = await report(
        curator, PERIOD, {"group": gid("Group", f.group), "period": gid("Period", f.semester)}
    )
    assert got["periodName"] == "1 семестр"
    assert got["dateTo"] == SEMESTER_END.isoformat()
    students = {r["studentName"]: r for r in got["students"]}
    # then per student (results = semester marks where set, else current marks):
    #   A: D1 [5] (current 5, 4 → 4.5), D2 [5] (current 5); all (5 + 4 + 5) / 3 = 4.67;
    #      achieves, quality;
    #   B: D1 [2] (3, 2 → 2.5), D2 nothing at all → not attested, not achieving;
    #      absences L2 unexcused + L4 none = 2 (4 h), both without a valid reason;
    #   C: D1 [3] (2 → 2.0), D2 [4] (3 → 3.0); all (2 + 3) / 2 = 2.5; achieves, no
    #      quality; absences L3 illness + L4 excused = 2 (4 h), none unexcused.
    summary = {
        name: (
            r["average"],
            r["absences"],
            r["hoursMissed"],
            r["unexcusedAbsences"],
            r["attested"],
            r["achieving"],
            r["quality"],
        )
        for name, r in students.items()
    }
    assert summary == {
        A: (4.67, 0, 0, 0, True, True, True),
        B: (2.5, 2, 4, 2, False, False, False),
        C: (2.5, 2, 4, 0, True, True, False),
    }
    results = {
        name: [
            (x["disciplineName"], x["finalMarks"], x["marks"], x["average"], x["absences"])
            for x in r["results"]
        ]
        for name, r in students.items()
    }
    assert results[A] == [(D1_NAME, ["5"], 2, 4.5, 0), (D2_NAME, ["5"], 1, 5.0, 0)]
    assert results[B] == [(D1_NAME, ["2"], 2, 2.5, 1), (D2_NAME, [], 0, None, 1)]
    assert results[C] == [(D1_NAME, ["3"], 1, 2.0, 2), (D2_NAME, ["4"], 1, 3.0, 0)]
    # and the group: 3 students, achieving 2 (A, C) = 66.7 %, quality 1 (A) = 33.3 %,
    # not attested 1 (B); all marks 5+3+2+5+3+4+2 = 24 / 7 = 3.43; 4 absences, 8 h
    t = got["totals"]
    assert t == {
        "students": 3,
        "achieving": 2,
        "quality": 1,
        "notAttested": 1,
        "achievementPercent": 66.7,
        "qualityPercent": 33.3,
        "average": 3.43,
        "absences": 4,
        "hoursMissed": 8,
    }


async def test_parent_letter_gives_one_students_marks_absences_and_curator(
    db: Any, sign_in: Any
) -> None:
    # given our group, and its curator who writes to C's parents
    f = await build_fixture(db)
    curator = await sign_in(ALTAI, "curator")
    async with unscoped(db.factory) as s:
        institution = (await s.get(m.Institution, f.institution)).name  # type: ignore[union-attr]
        person = (
            await s.execute(
                select(m.Person)
                .join(m.Employee, m.Employee.person_id == m.Person.id)
                .where(m.Employee.id == f.curator)
            )
        ).scalar_one()
    # when he asks for the letter of C over 16–20 Nov
    got = await report(curator, LETTER, {"student": gid("Student", f.students[2]), **WEEK})
    # then C's marks: D1 «2» on 16.11 (average 2.0, absent L3 and L4 = 2);
    # D2 «3» on 17.11 (3.0, no absence); all (2 + 3) / 2 = 2.5; absences 2 = 4 h:
    # excused 1 (2 h), illness 1 (2 h); never late
    assert got["institution"]["name"] == institution
    assert (got["studentName"], got["groupName"]) == (C, GROUP_NAME)
    assert got["curatorName"] == f"{person.surname} {person.name} {person.patronymic}".strip()
    assert [
        (d["disciplineName"], d["marks"], d["average"], d["absences"]) for d in got["disciplines"]
    ] == [
        (D1_NAME, [{"date": MON.isoformat(), "value": "2"}], 2.0, 2),
        (D2_NAME, [{"date": TUE.isoformat(), "value": "3"}], 3.0, 0),
    ]
    assert (got["average"], got["absences"], got["hoursMissed"], got["late"]) == (2.5, 2, 4, 0)
    assert reasons(got["byReason"]) == [
        ("EXCUSED", 1, 2),
        ("UNEXCUSED", 0, 0),
        ("ILLNESS", 1, 2),
        (None, 0, 0),
    ]


async def test_teacher_report_counts_lessons_planned_and_given_and_achievement(
    db: Any, sign_in: Any
) -> None:
    # given our group: the demo teacher teaches D1, our own teacher D2
    f = await build_fixture(db)
    teacher = await sign_in(ALTAI, "teacher")
    deputy = await sign_in(ALTAI, "deputy_director")
    # when the demo teacher asks for his group × discipline D1 over 16–20 Nov
    got = await report(
        teacher,
        TEACHER,
        {"group": gid("Group", f.group), "discipline": gid("Discipline", f.d1), **WEEK},
    )
    # then D1: planned Mon 16 + Wed 18 = 2; given L1, L3, L4 = 3 lessons, 3 × 2 = 6 h; no
    # thematic plan; marks 5, 3, 2, 4, 2 = 5 marks, 16 / 5 = 3.2; results (no semester
    # mark dated in the week): A 5, 4 achieves with quality; B 3, 2 and C 2 fail →
    # achieving 1 of 3 = 33.3 %, quality 1 of 3 = 33.3 %
    assert got["teacherName"] is None
    assert got["suppressedBelow"] is None
    assert got["rows"] == [
        {
            "groupName": GROUP_NAME,
            "disciplineName": D1_NAME,
            "lessonsPlanned": 2,
            "lessonsGiven": 3,
            "hoursGiven": 6,
            "planHours": None,
            "students": 3,
            "marks": 5,
            "average": 3.2,
            "achieving": 1,
            "quality": 1,
            "achievementPercent": 33.3,
            "qualityPercent": 33.3,
        }
    ]
    # when the deputy asks for our own teacher's report over two weeks, 16–27 Nov
    two_weeks = {"dateFrom": MON.isoformat(), "dateTo": dt.date(2026, 11, 27).isoformat()}
    got = await report(deputy, TEACHER, {"teacher": gid("Employee", f.teacher2), **two_weeks})
    # then one row, D2: planned Tue 17, Thu 19, Tue 24, Thu 26 = 4; given L2 only = 1, 2 h;
    # marks A «5», C «3» = 2, average 4.0; A achieves with quality, C achieves, B has no
    # result → achieving 2 of 3 = 66.7 %, quality 1 of 3 = 33.3 %
    assert got["teacherName"] == "Тестов Тимофей Ильич"
    assert [(r["groupName"], r["disciplineName"]) for r in got["rows"]] == [(GROUP_NAME, D2_NAME)]
    row = got["rows"][0]
    assert (row["lessonsPlanned"], row["lessonsGiven"], row["hoursGiven"]) == (4, 1, 2)
    assert (row["students"], row["marks"], row["average"]) == (3, 2, 4.0)
    assert (row["achieving"], row["quality"]) == (2, 1)
    assert (row["achievementPercent"], row["qualityPercent"]) == (66.7, 33.3)


async def test_teacher_report_counts_only_the_marks_of_his_own_lessons(
    db: Any, sign_in: Any
) -> None:
    # given our group, where the demo teacher also gave one D2 lesson (L5, Thu 19 slot 2,
    # standing in for our teacher) and marked A «2» there
    f = await build_fixture(db)
    async with unscoped(db.factory) as s:
        lesson = await _add(
            s,
            m.Lesson(
                institution_id=f.institution,
                group_id=f.group,
                discipline_id=f.d2,
                teacher_id=f.teacher,
                date=THU,
                slot=2,
            ),
        )
        work = await _add(
            s,
            m.Work(
                institution_id=f.institution,
                lesson_id=lesson,
                group_id=f.group,
                discipline_id=f.d2,
                date=THU,
                kind=WorkKind.CLASSWORK,
            ),
        )
        s.add(
            m.Mark(
                institution_id=f.institution,
                work_id=work,
                lesson_id=lesson,
                student_id=f.students[0],
                group_id=f.group,
                discipline_id=f.d2,
                date=THU,
                value="2",
            )
        )
        await s.commit()
    deputy = await sign_in(ALTAI, "deputy_director")
    # when the deputy asks for our teacher's report of the week
    mine = await report(deputy, TEACHER, {"teacher": gid("Employee", f.teacher2), **WEEK})
    # then his D2 row holds his lesson L2 and its marks only: «5», «3» → 2 marks, 4.0
    [row] = mine["rows"]
    assert (row["lessonsGiven"], row["marks"], row["average"]) == (1, 2, 4.0)
    # and the demo teacher's report has a D2 row of L5 alone: not planned for him, given
    # once, A's «2» → 1 mark, 2.0
    his = await report(deputy, TEACHER, {"teacher": gid("Employee", f.teacher), **WEEK})
    ours = [r for r in his["rows"] if r["groupName"] == GROUP_NAME]
    assert [
        (r["disciplineName"], r["lessonsPlanned"], r["lessonsGiven"], r["marks"], r["average"])
        for r in ours
    ] == [(D1_NAME, 2, 3, 5, 3.2), (D2_NAME, 0, 1, 1, 2.0)]


async def test_study_certificate_gives_the_card_the_group_and_final_marks(
    db: Any, sign_in: Any
) -> None:
    # given our group with semester marks, and its curator
    f = await build_fixture(db)
    curator = await sign_in(ALTAI, "curator")
    async with unscoped(db.factory) as s:
        group = await s.get(m.StudyGroup, f.group)
        assert group is not None
        assert group.speciality_id is not None
        speciality = await s.get(m.Speciality, group.speciality_id)
        assert speciality is not None
    # when he asks for A's certificate
    got = await report(curator, CERTIFICATE, {"student": gid("Student", f.students[0])})
    # then the card as inserted, studying since the membership began, and A's two
    # semester marks
    assert (got["fullName"], got["birthDate"], got["groupName"]) == (A, "2010-03-01", GROUP_NAME)
    assert got["speciality"] == f"{speciality.code} {speciality.name}"
    assert (got["enrolmentOrderNumber"], got["enrolmentDate"]) == ("17-к", "2026-08-25")
    assert (got["studiesFrom"], got["studiesTo"]) == ("2026-09-01", None)
    assert got["issuedOn"] == DEMO_TODAY.isoformat()
    assert [
        (x["disciplineName"], x["periodName"], x["kind"], x["value"], x["date"])
        for x in got["finalMarks"]
    ] == [
        (D1_NAME, "1 семестр", "SEMESTER", "5", SEMESTER_END.isoformat()),
        (D2_NAME, "1 семестр", "SEMESTER", "5", SEMESTER_END.isoformat()),
    ]


async def test_reports_read_in_as_many_statements_for_a_bigger_group(
    db: Any, sign_in: Any, sql_counter: Any
) -> None:
    # given our group, the curator and the deputy signed in
    f = await build_fixture(db)
    curator = await sign_in(ALTAI, "curator")
    deputy = await sign_in(ALTAI, "deputy_director")
    asks = [
        (curator, ATTENDANCE, {"group": gid("Group", f.group), **WEEK}),
        (curator, PRELIMINARY, {"group": gid("Group", f.group), **WEEK}),
        (curator, PERIOD, {"group": gid("Group", f.group), "period": gid("Period", f.semester)}),
        (curator, LETTER, {"student": gid("Student", f.students[0]), **WEEK}),
        (deputy, TEACHER, {"teacher": gid("Employee", f.teacher), **WEEK}),
        (curator, CERTIFICATE, {"student": gid("Student", f.students[0])}),
    ]

    async def counts() -> list[int]:
        out = []
        for client, document, of in asks:
            with sql_counter() as sql:
                await report(client, document, of)
            out.append(sql.count)
        return out

    before = await counts()
    # when the group gets ten more students, each with a mark, an absence and a semester
    # mark in D1
    async with unscoped(db.factory) as s:
        for n in range(10):
            person = await _add(
                s, m.Person(institution_id=f.institution, surname=f"Яковлев{n}", name="Ян")
            )
            student = await _add(s, m.Student(institution_id=f.institution, person_id=person))
            s.add(
                m.GroupMembership(
                    institution_id=f.institution,
                    student_id=student,
                    group_id=f.group,
                    starts_on=dt.date(2026, 9, 1),
                )
            )
            work = (
                await s.execute(select(m.Work.id).where(m.Work.lesson_id == f.lessons["L1"]))
            ).scalar_one()
            common = {
                "institution_id": f.institution,
                "student_id": student,
                "group_id": f.group,
                "discipline_id": f.d1,
            }
            s.add(m.Mark(**common, work_id=work, lesson_id=f.lessons["L1"], date=MON, value="4"))
            s.add(
                m.Attendance(
                    **common,
                    lesson_id=f.lessons["L3"],
                    date=WED,
                    status=AttendanceStatus.ABSENT,
                    reason=AbsenceReason.ILLNESS,
                )
            )
            s.add(
                m.FinalMark(
                    **common,
                    period_id=f.semester,
                    date=SEMESTER_END,
                    kind=FinalMarkKind.SEMESTER,
                    value="4",
                )
            )
        await s.commit()
    after = await counts()
    # then every report takes as many statements as before, and few
    assert after == before
    assert max(after) <= 25, after


# =====================================================================================
# Access
# =====================================================================================


@dataclasses.dataclass(frozen=True)
class Demo:
    """Ids of one demo institution, found once per module and backend."""

    group: int  # the demo curator's group
    other_group: int  # a group he does not curate
    student: int  # the demo student (the demo parent's child), in the demo group
    other_student: int  # another student of the demo group
    teacher: int  # the demo teacher (Employee)
    other_teacher: int  # a teacher who is not him
    discipline: int  # a discipline the demo teacher teaches the demo group
    #: a group × discipline of a group the demo teacher does not teach (None: he teaches all)
    other_subject: tuple[int, int] | None


async def _demo(db: Any, slug: str) -> Demo:
    inst = await institution_id(db, slug)
    async with unscoped(db.factory) as s:
        curating = {BARNAUL: "class_teacher"}.get(slug, "curator")
        curator = await _employee_of(s, inst, curating)
        teacher = await _employee_of(s, inst, "teacher")
        group = (
            await s.execute(
                select(m.Curatorship.group_id).where(m.Curatorship.curator_id == curator)
            )
        ).scalar_one()
        other_group = (
            await s.execute(
                select(m.StudyGroup.id)
                .where(m.StudyGroup.institution_id == inst, m.StudyGroup.id != group)
                .order_by(m.StudyGroup.id)
                .limit(1)
            )
        ).scalar_one()
        child = (
            await s.execute(
                select(m.Student.id)
                .join(m.UserAccount, m.UserAccount.person_id == m.Student.person_id)
                .where(m.UserAccount.institution_id == inst, m.UserAccount.login == "student")
            )
        ).scalar_one()
        other_student = (
            await s.execute(
                select(m.GroupMembership.student_id)
                .where(m.GroupMembership.group_id == group, m.GroupMembership.student_id != child)
                .order_by(m.GroupMembership.student_id)
                .limit(1)
            )
        ).scalar_one()
        ta = m.TeachingAssignment
        other_teacher = (
            await s.execute(
                select(ta.teacher_id)
                .where(ta.institution_id == inst, ta.teacher_id != teacher)
                .order_by(ta.id)
                .limit(1)
            )
        ).scalar_one()
        discipline = (
            await s.execute(
                select(ta.discipline_id).where(ta.teacher_id == teacher).order_by(ta.id).limit(1)
            )
        ).scalar_one()
        mine = aliased(m.TeachingAssignment)
        other_subject = (
            await s.execute(
                select(ta.group_id, ta.discipline_id)
                .where(
                    ta.institution_id == inst,
                    ~select(mine.id)
                    .where(mine.teacher_id == teacher, mine.group_id == ta.group_id)
                    .exists(),
                )
                .order_by(ta.id)
                .limit(1)
            )
        ).first()
    return Demo(
        group=group,
        other_group=other_group,
        student=child,
        other_student=other_student,
        teacher=teacher,
        other_teacher=other_teacher,
        discipline=discipline,
        other_subject=None if other_subject is None else (other_subject[0], other_subject[1]),
    )


def _of(demo: Demo, target: str) -> dict[str, Any]:
    subject = {
        "group": gid("Group", demo.group),
        "discipline": gid("Discipline", demo.discipline),
    }
    ids: dict[str, dict[str, Any]] = {
        "group": {"group": gid("Group", demo.group)},
        "other_group": {"group": gid("Group", demo.other_group)},
        "student": {"student": gid("Student", demo.student)},
        "other_student": {"student": gid("Student", demo.other_student)},
        "teacher": {"teacher": gid("Employee", demo.teacher)},
        "other_teacher": {"teacher": gid("Employee", demo.other_teacher)},
        "subject": subject,
    }
    if demo.other_subject is not None:
        ids["other_subject"] = {
            "group": gid("Group", demo.other_subject[0]),
            "discipline": gid("Discipline", demo.other_subject[1]),
        }
    return {**ids[target], **WEEK}


OK, NO = True, False
#: (ruleset, login, document, asked of, may he). Altai: the curator reads his group's
#: reports and its students' (base lines, altai п. 4.3), the teacher his own report
#: (п. 4.6), the deputy every teacher's (п. 4.7); its parents and students read no
#: report. Barnaul: the class teacher his class (п. 7.3), the parent and the student their
#: own (п. 7.1), the teacher his own (п. 3.10) and the Завуч every teacher's. Tomsk: the
#: head of studies issues certificates (п. 4.4.9).
ACCESS = [
    (ALTAI, "curator", ATTENDANCE, "group", OK),
    (ALTAI, "student", ATTENDANCE, "group", NO),
    (BARNAUL, "class_teacher", ATTENDANCE, "group", OK),
    (BARNAUL, "parent", ATTENDANCE, "group", NO),
    (ALTAI, "curator", PRELIMINARY, "group", OK),
    (ALTAI, "curator", PRELIMINARY, "other_group", NO),
    (BARNAUL, "class_teacher", PRELIMINARY, "group", OK),
    (BARNAUL, "student", PRELIMINARY, "group", NO),
    (ALTAI, "curator", PERIOD, "group", OK),
    (ALTAI, "parent", PERIOD, "group", NO),
    (BARNAUL, "class_teacher", PERIOD, "group", OK),
    (BARNAUL, "class_teacher", PERIOD, "other_group", NO),
    (ALTAI, "curator", LETTER, "student", OK),
    (ALTAI, "parent", LETTER, "student", NO),
    (BARNAUL, "parent", LETTER, "student", OK),
    (BARNAUL, "parent", LETTER, "other_student", NO),
    (ALTAI, "teacher", TEACHER, "teacher", OK),
    (ALTAI, "teacher", TEACHER, "other_teacher", NO),
    (ALTAI, "deputy_director", TEACHER, "other_teacher", OK),
    (ALTAI, "curator", TEACHER, "teacher", NO),
    (ALTAI, "teacher", TEACHER, "subject", OK),
    (ALTAI, "teacher", TEACHER, "other_subject", NO),
    (BARNAUL, "teacher", TEACHER, "teacher", OK),
    (BARNAUL, "teacher", TEACHER, "other_teacher", NO),
    (BARNAUL, "head_teacher", TEACHER, "other_teacher", OK),
    (BARNAUL, "class_teacher", TEACHER, "teacher", NO),
    (TOMSK, "head_of_studies", CERTIFICATE, "student", OK),
    (TOMSK, "teacher", CERTIFICATE, "student", NO),
    (BARNAUL, "parent", CERTIFICATE, "student", OK),
    (BARNAUL, "parent", CERTIFICATE, "other_student", NO),
]

_DEMOS: dict[tuple[str, str], Demo] = {}


@pytest.mark.parametrize(
    ("slug", "login", "document", "target", "may"),
    ACCESS,
    ids=[f"{s.split('-')[0]}-{login}-{FIELDS[d]}-{t}" for s, login, d, t, _ in ACCESS],
)
async def test_report_access_follows_the_ruleset(
    shared_db: Any,
    shared_sign_in: Any,
    slug: str,
    login: str,
    document: str,
    target: str,
    may: bool,
) -> None:
    # given the demo institution's ids and a demo user of the role
    key = (shared_db.name, slug)
    if key not in _DEMOS:
        _DEMOS[key] = await _demo(shared_db, slug)
    demo = _DEMOS[key]
    client = await shared_sign_in(slug, login)
    # when he asks for the report
    payload = await client.query(document, {"of": _of(demo, target)})
    field = FIELDS[document]
    # then he gets it, or FORBIDDEN with nothing
    if may:
        assert not payload.get("errors"), payload
        assert payload["data"][field] is not None
    else:
        assert payload["data"] == {field: None}, payload
        assert [e["extensions"]["code"] for e in payload["errors"]] == ["FORBIDDEN"], payload


# =====================================================================================
# Printed tables (what the XLSX, CSV and PDF writers take)
# =====================================================================================


def _access() -> ReportAccess:
    return ReportAccess(
        of=ReportOf(group_id=1),
        level=ReportLevel.GROUP,
        institution_id=1,
        group_ids=(),
        person_id=None,
        period=None,
        date_from=MON,
        date_to=FRI,
        suppress_below=None,
    )


def _by_reason(*counts: tuple[int, int]) -> list[rc.AbsencesByReason]:
    return [rc.AbsencesByReason(r, n, h) for r, (n, h) in zip(rc.REASONS, counts, strict=True)]


INSTITUTION = rc.InstitutionInfo("Колледж", "К", "Барнаул", None, None, None, None, None)
ROW = rc.AttendanceSummaryRow("S1", B, 4, 8, 2, 4, 0, _by_reason((0, 0), (1, 2), (0, 0), (1, 2)))
SAMPLES: dict[ReportName, Any] = {
    ReportName.ATTENDANCE_SUMMARY_SHEET: rc.AttendanceSummarySheet(
        "G", GROUP_NAME, MON, FRI, [ROW], dataclasses.replace(ROW, student_id="", student_name="")
    ),
    ReportName.CURATOR_PRELIMINARY: rc.CuratorPreliminary(
        "G",
        GROUP_NAME,
        MON,
        FRI,
        3,
        1,
        3.0,
        0.25,
        [rc.StudentAtRisk("S1", B, "D1", D1_NAME, 2, 2.5, 1, 3, 1, [rc.RiskReason.LOW_AVERAGE])],
    ),
    ReportName.CURATOR_PERIOD: rc.CuratorPeriod(
        "G",
        GROUP_NAME,
        "1 семестр",
        MON,
        FRI,
        [
            rc.CuratorStudentRow(
                "S1",
                A,
                [rc.DisciplineResult("D1", D1_NAME, ["5"], 2, 4.5, 0)],
                4.5,
                0,
                0,
                0,
                True,
                True,
                True,
            )
        ],
        rc.CuratorGroupTotals(1, 1, 1, 0, 100.0, 100.0, 4.5, 0, 0),
    ),
    ReportName.PARENT_LETTER: rc.ParentLetter(
        INSTITUTION,
        "S1",
        C,
        GROUP_NAME,
        "Куратов К. К.",
        MON,
        FRI,
        [rc.LetterDiscipline("D1", D1_NAME, [rc.LetterMark(MON, "2")], 2.0, 2)],
        2.0,
        2,
        4,
        0,
        _by_reason((1, 2), (0, 0), (1, 2), (0, 0)),
    ),
    ReportName.TEACHER_REPORT: rc.TeacherReport(
        None,
        None,
        MON,
        FRI,
        [
            rc.TeacherReportRow(
                "G", GROUP_NAME, "D1", D1_NAME, 2, 3, 6, None, 3, 5, 3.2, 1, 1, 33.3, 33.3
            )
        ],
        5,
    ),
    ReportName.STUDY_CERTIFICATE: rc.StudyCertificate(
        INSTITUTION,
        "S1",
        A,
        dt.date(2010, 3, 1),
        GROUP_NAME,
        "09.02.07 Информационные системы",
        None,
        "17-к",
        dt.date(2026, 8, 25),
        dt.date(2026, 9, 1),
        None,
        DEMO_TODAY,
        [
            rc.CertificateMark(
                "D1", D1_NAME, "1 семестр", FinalMarkKind.SEMESTER, "pass", SEMESTER_END
            )
        ],
    ),
}


@pytest.mark.parametrize("name", list(SAMPLES), ids=str)
@pytest.mark.parametrize("lang", ["ru", "en"])
def test_every_curator_report_prints_as_a_table_in_the_language_asked(
    name: ReportName, lang: str
) -> None:
    # given a report's typed data
    spec = REPORTS[name]
    # when it is laid out as the printed table
    table = spec.table(SAMPLES[name], _access(), lang)
    # then it carries the report's title and headers in the language asked, and every row
    # (and the totals) has one cell per column
    assert table.title == spec.title(lang)
    titles = " ".join(c.title for c in table.columns)
    cyrillic = any("а" <= ch.lower() <= "я" for ch in titles.replace(D1_NAME, ""))
    assert cyrillic is (lang == "ru"), titles
    assert table.rows, table
    for row in [*table.rows, *([table.totals] if table.totals is not None else [])]:
        assert len(row) == len(table.columns), (row, table.columns)


def test_the_attendance_sheet_prints_each_reason_and_the_totals() -> None:
    # given the sheet of B alone: 4 lessons (8 h), unexcused 1 and no reason 1 (2 h each)
    data = SAMPLES[ReportName.ATTENDANCE_SUMMARY_SHEET]
    # when printed in Russian
    table = rc.table_attendance_summary(data, _access(), "ru")
    # then one column per reason in the enum's order, then the totals, hours and lateness
    assert [c.title for c in table.columns] == [
        "№",
        "Обучающийся",
        "Занятий",
        "Часов",
        "Пропуски: уважительная",
        "Пропуски: неуважительная",
        "Пропуски: по болезни",
        "Пропуски: причина не указана",
        "Всего пропусков",
        "Пропущено часов",
        "Опозданий",
    ]
    assert [list(r) for r in table.rows] == [[1, B, 4, 8, 0, 1, 0, 1, 2, 4, 0]]
    assert table.totals is not None
    assert list(table.totals) == [None, "Итого", 4, 8, 0, 1, 0, 1, 2, 4, 0]
    assert table.subtitle[0] == f"Группа: {GROUP_NAME}"
    assert table.landscape


def test_the_certificate_and_the_letter_carry_the_institutions_details() -> None:
    # given the letter and the certificate
    for name in (ReportName.PARENT_LETTER, ReportName.STUDY_CERTIFICATE):
        # when printed
        table = REPORTS[name].table(SAMPLES[name], _access(), "ru")
        # then the institution heads the page
        assert table.institution is not None
        assert table.institution.name == "Колледж"
    # and the certificate prints a pass as «зачёт» and the kind in words
    cert = rc.table_study_certificate(SAMPLES[ReportName.STUDY_CERTIFICATE], _access(), "ru")
    assert list(cert.rows[0]) == [1, D1_NAME, "1 семестр", "семестровая", "зачёт", SEMESTER_END]


@pytest.mark.parametrize("document", [ATTENDANCE, PRELIMINARY, PERIOD])
async def test_the_region_authority_gets_no_personal_rows(
    shared_db: Any, shared_sign_in: Any, document: str
) -> None:
    # given the region's authority, whose `report` read reaches every group of the region
    # (base: aggregates only), and a group of Altai's college
    key = (shared_db.name, ALTAI)
    if key not in _DEMOS:
        _DEMOS[key] = await _demo(shared_db, ALTAI)
    authority = await shared_sign_in("demo-region", "authority")
    # when he asks for a report listing the group's students by name
    payload = await authority.query(document, {"of": _of(_DEMOS[key], "group")})
    # then it is refused: he may read none of them (personal reports need every row)
    field = FIELDS[document]
    assert payload["data"] == {field: None}, payload
    assert [e["extensions"]["code"] for e in payload["errors"]] == ["FORBIDDEN"], payload
