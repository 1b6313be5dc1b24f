"""The curators', parents' and teachers' reports as typed queries.

Every query goes through :func:`~campusgraph.schema.reports.run_report`: the level's report
object decides who may ask, the report's students decide the rest (see
:mod:`campusgraph.reports.access`). The builders in :mod:`campusgraph.reports.curator`
return plain dataclasses whose attributes are these types' fields (Strawberry reads them by
attribute), so the typed data is declared once for the query and once for the files.
"""

from __future__ import annotations

import datetime as dt

import strawberry

from campusgraph.db.enums import AbsenceReason, FinalMarkKind
from campusgraph.reports.curator import RiskReason
from campusgraph.reports.registry import ReportName as Name
from campusgraph.schema import enums  # noqa: F401  (registers the enums)
from campusgraph.schema.enums import described
from campusgraph.schema.reports import report_query

described(
    strawberry.enum(
        RiskReason,
        description="Why a student is at risk: an average below 3, a failing mark, or absent "
        "from at least a quarter of the discipline's lessons.",
    ),
    {
        "LOW_AVERAGE": "His average mark is below 3.",
        "FAILING_MARKS": "He has failing marks («2»).",
        "ABSENCES": "He missed at least a quarter of the discipline's lessons.",
    },
)

_HOURS = (
    "Academic hours: a lesson counts its bell slot's length over 45 minutes, rounded, at "
    "least 1 (a college pair of 90 minutes is 2 hours, a school lesson 1)."
)
_RESULTS = (
    "A student's results in a discipline are his final marks dated in the dates, else his "
    "current marks there; he achieves (успеваемость) with results in every discipline and "
    "none «2»/fail, shows quality (качество знаний) when all are «4», «5» or pass."
)
_CURATORS = (
    "altai-college-2016 п. 4.3, 6.3; armavir-technikum-2025 п. 4.3; "
    "barnaul-school6-2016 п. 7.3; tomsk-technikum-2023 п. 4.8.4"
)


@strawberry.type(description="The institution's details for the header of a printed form.")
class InstitutionHeader:
    name: str = strawberry.field(description="Full name.")
    short_name: str | None = strawberry.field(description="Short name.")
    address: str | None = strawberry.field(description="Postal address.")
    phone: str | None = strawberry.field(description="Phone.")
    email: str | None = strawberry.field(description="E-mail.")
    website: str | None = strawberry.field(description="Web site.")
    license: str | None = strawberry.field(description="Licence for educational activity.")
    accreditation: str | None = strawberry.field(description="State accreditation.")


@strawberry.type(description="Absences of one reason.")
class AbsenceReasonCount:
    reason: AbsenceReason | None = strawberry.field(
        description="The reason; null: no reason given (yet)."
    )
    absences: int = strawberry.field(description="Lessons missed for this reason.")
    hours_missed: int = strawberry.field(description="Academic hours missed for this reason.")


@strawberry.type(description="One student's line of the attendance summary sheet.")
class AttendanceSummaryRow:
    student_id: strawberry.ID = strawberry.field(
        description="The Student (empty on the totals line)."
    )
    student_name: str = strawberry.field(description="Full name (empty on the totals line).")
    lessons: int = strawberry.field(
        description="Lessons of his group (subgroup) in the dates while he was in it."
    )
    hours: int = strawberry.field(description="Academic hours of those lessons.")
    absences: int = strawberry.field(description="Lessons missed, every reason; not lateness.")
    hours_missed: int = strawberry.field(description="Academic hours missed.")
    late: int = strawberry.field(description="Lessons he came late to.")
    by_reason: list[AbsenceReasonCount] = strawberry.field(
        description="Absences by reason: excused, unexcused, illness, none given — in that order."
    )


@strawberry.type(description="Сводная ведомость учёта посещаемости of a group. " + _HOURS)
class AttendanceSummarySheet:
    group_id: strawberry.ID = strawberry.field(description="The Group.")
    group_name: str = strawberry.field(description="The group's name.")
    date_from: dt.date = strawberry.field(description="First day counted.")
    date_to: dt.date = strawberry.field(description="Last day counted.")
    rows: list[AttendanceSummaryRow] = strawberry.field(description="One per student, by name.")
    totals: AttendanceSummaryRow = strawberry.field(description="The group's totals.")


@strawberry.type(description="A student at risk in one discipline.")
class StudentAtRisk:
    student_id: strawberry.ID = strawberry.field(description="The Student.")
    student_name: str = strawberry.field(description="Full name.")
    discipline_id: strawberry.ID = strawberry.field(description="The Discipline.")
    discipline_name: str = strawberry.field(description="The discipline's name.")
    marks: int = strawberry.field(description="Current marks in the dates.")
    average: float | None = strawberry.field(description="Average of the numeric marks.")
    failing_marks: int = strawberry.field(description="Marks «2» and «незачёт».")
    lessons: int = strawberry.field(description="Lessons of the discipline he had.")
    absences: int = strawberry.field(description="Of them, missed.")
    reasons: list[RiskReason] = strawberry.field(description="Why he is at risk.")


@strawberry.type(description="Предварительный отчёт куратора: students at risk mid-period.")
class CuratorPreliminary:
    group_id: strawberry.ID = strawberry.field(description="The Group.")
    group_name: str = strawberry.field(description="The group's name.")
    date_from: dt.date = strawberry.field(description="First day counted.")
    date_to: dt.date = strawberry.field(description="Last day counted.")
    students: int = strawberry.field(description="Students of the group in the dates.")
    students_at_risk: int = strawberry.field(description="Of them, at risk in any discipline.")
    average_below: float = strawberry.field(description="The average below which one is at risk.")
    absence_share: float = strawberry.field(
        description="The share of a discipline's lessons missed from which one is at risk."
    )
    at_risk: list[StudentAtRisk] = strawberry.field(
        description="Student × discipline at risk, by student then discipline."
    )


@strawberry.type(description="A student's result in one discipline.")
class CuratorDisciplineResult:
    discipline_id: strawberry.ID = strawberry.field(description="The Discipline.")
    discipline_name: str = strawberry.field(description="The discipline's name.")
    final_marks: list[str] = strawberry.field(
        description="Final marks dated in the dates («2»–«5», pass, fail), by date."
    )
    marks: int = strawberry.field(description="Current marks in the dates.")
    average: float | None = strawberry.field(description="Average of the numeric current marks.")
    absences: int = strawberry.field(description="Lessons missed.")


@strawberry.type(description="One student's line of the curator's period report.")
class CuratorStudentRow:
    student_id: strawberry.ID = strawberry.field(description="The Student.")
    student_name: str = strawberry.field(description="Full name.")
    results: list[CuratorDisciplineResult] = strawberry.field(
        description="One per discipline of the group in the dates, by name."
    )
    average: float | None = strawberry.field(description="Average of all his numeric marks.")
    absences: int = strawberry.field(description="Lessons missed.")
    hours_missed: int = strawberry.field(description="Academic hours missed.")
    unexcused_absences: int = strawberry.field(
        description="Lessons missed without a valid reason (unexcused or none given)."
    )
    attested: bool = strawberry.field(description="He has results in every discipline.")
    achieving: bool = strawberry.field(description="Attested and no failing result.")
    quality: bool = strawberry.field(description="Every result «4», «5» or pass.")


@strawberry.type(description="The group's totals of the curator's period report.")
class CuratorGroupTotals:
    students: int = strawberry.field(description="Students of the group in the dates.")
    achieving: int = strawberry.field(description="Students achieving (успевающие).")
    quality: int = strawberry.field(description="Students with only «4» and «5».")
    not_attested: int = strawberry.field(description="Students without a result somewhere.")
    achievement_percent: float | None = strawberry.field(
        description="Achieving of all students, %."
    )
    quality_percent: float | None = strawberry.field(description="Quality of all students, %.")
    average: float | None = strawberry.field(description="Average of all numeric marks.")
    absences: int = strawberry.field(description="Lessons missed by all.")
    hours_missed: int = strawberry.field(description="Academic hours missed by all.")


@strawberry.type(description="Отчёт куратора за учебный период. " + _RESULTS)
class CuratorPeriod:
    group_id: strawberry.ID = strawberry.field(description="The Group.")
    group_name: str = strawberry.field(description="The group's name.")
    period_name: str | None = strawberry.field(description="The period asked, if one was.")
    date_from: dt.date = strawberry.field(description="First day counted.")
    date_to: dt.date = strawberry.field(description="Last day counted.")
    students: list[CuratorStudentRow] = strawberry.field(description="One per student, by name.")
    totals: CuratorGroupTotals = strawberry.field(description="The group's totals.")


@strawberry.type(description="A mark in the parents' letter.")
class LetterMark:
    date: dt.date = strawberry.field(description="The lesson's date.")
    value: str = strawberry.field(description="«2»–«5», pass or fail.")


@strawberry.type(description="One discipline in the parents' letter.")
class LetterDiscipline:
    discipline_id: strawberry.ID = strawberry.field(description="The Discipline.")
    discipline_name: str = strawberry.field(description="The discipline's name.")
    marks: list[LetterMark] = strawberry.field(description="Current marks in the dates, by date.")
    average: float | None = strawberry.field(description="Average of the numeric marks.")
    absences: int = strawberry.field(description="Lessons missed.")


@strawberry.type(
    description="Информационное письмо для родителей: one student's marks and absences."
)
class ParentLetter:
    institution: InstitutionHeader = strawberry.field(description="The institution's details.")
    student_id: strawberry.ID = strawberry.field(description="The Student.")
    student_name: str = strawberry.field(description="Full name.")
    group_name: str | None = strawberry.field(description="His group on the last day.")
    curator_name: str | None = strawberry.field(description="His group's curator, full name.")
    date_from: dt.date = strawberry.field(description="First day counted.")
    date_to: dt.date = strawberry.field(description="Last day counted.")
    disciplines: list[LetterDiscipline] = strawberry.field(
        description="Disciplines with a mark or an absence in the dates, by name."
    )
    average: float | None = strawberry.field(description="Average of all his numeric marks.")
    absences: int = strawberry.field(description="Lessons missed.")
    hours_missed: int = strawberry.field(description="Academic hours missed. " + _HOURS)
    late: int = strawberry.field(description="Lessons he came late to.")
    by_reason: list[AbsenceReasonCount] = strawberry.field(description="Absences by reason.")


@strawberry.type(description="One group × discipline of a teacher's report.")
class TeacherReportRow:
    group_id: strawberry.ID = strawberry.field(description="The Group.")
    group_name: str = strawberry.field(description="The group's name.")
    discipline_id: strawberry.ID = strawberry.field(description="The Discipline.")
    discipline_name: str = strawberry.field(description="The discipline's name.")
    lessons_planned: int = strawberry.field(
        description="Lessons the timetable holds in the dates (days off and transfers applied)."
    )
    lessons_given: int = strawberry.field(description="Lessons recorded in the journal.")
    hours_given: int = strawberry.field(description="Academic hours of those lessons.")
    plan_hours: int | None = strawberry.field(
        description="Hours of the thematic plan (КТП) for the year; null without one."
    )
    students: int = strawberry.field(description="Students of the group in the dates.")
    marks: int | None = strawberry.field(description="Marks given; null when suppressed.")
    average: float | None = strawberry.field(description="Average mark; null when suppressed.")
    achieving: int | None = strawberry.field(description="Students achieving; null suppressed.")
    quality: int | None = strawberry.field(description="Students with only «4»/«5».")
    achievement_percent: float | None = strawberry.field(description="Achievement, %.")
    quality_percent: float | None = strawberry.field(description="Quality of knowledge, %.")


@strawberry.type(description="Отчёт преподавателя по дисциплине за период. " + _RESULTS)
class TeacherReport:
    teacher_id: strawberry.ID | None = strawberry.field(
        description="The Employee at the teacher level; null for a group × discipline."
    )
    teacher_name: str | None = strawberry.field(description="His full name.")
    date_from: dt.date = strawberry.field(description="First day counted.")
    date_to: dt.date = strawberry.field(description="Last day counted.")
    rows: list[TeacherReportRow] = strawberry.field(
        description="Group × discipline with lessons planned or given in the dates."
    )
    suppressed_below: int | None = strawberry.field(
        description="Figures over fewer students than this are null (small-cell protection); "
        "null when all are shown."
    )


@strawberry.type(description="A final mark in the certificate of study.")
class CertificateMark:
    discipline_id: strawberry.ID = strawberry.field(description="The Discipline.")
    discipline_name: str = strawberry.field(description="The discipline's name.")
    period_name: str = strawberry.field(description="The period of the mark.")
    kind: FinalMarkKind = strawberry.field(description="Which final mark.")
    value: str = strawberry.field(description="«2»–«5», pass or fail.")
    date: dt.date = strawberry.field(description="The mark's date (the period's last day).")


@strawberry.type(description="Справка об обучении (tomsk-technikum-2023 п. 4.4.9).")
class StudyCertificate:
    institution: InstitutionHeader = strawberry.field(description="The institution's details.")
    student_id: strawberry.ID = strawberry.field(description="The Student.")
    full_name: str = strawberry.field(description="Surname, name, patronymic.")
    birth_date: dt.date | None = strawberry.field(description="Date of birth.")
    group_name: str | None = strawberry.field(description="His latest group.")
    speciality: str | None = strawberry.field(description="Code and name of the speciality.")
    program: str | None = strawberry.field(description="The educational programme.")
    enrolment_order_number: str | None = strawberry.field(description="Enrolment order No.")
    enrolment_date: dt.date | None = strawberry.field(description="Enrolment order date.")
    studies_from: dt.date | None = strawberry.field(description="First day in a group.")
    studies_to: dt.date | None = strawberry.field(description="Last day; null: still studies.")
    issued_on: dt.date = strawberry.field(description="Today, the day of issue.")
    final_marks: list[CertificateMark] = strawberry.field(
        description="His final marks (within the dates, if given), by date."
    )


def _of(kind: str) -> str:
    return f" Asked of {kind}; FORBIDDEN where the ruleset does not give that level."


@strawberry.type(description="The curators', parents' and teachers' reports.")
class CuratorReportQueries:
    attendance_summary_sheet = report_query(
        Name.ATTENDANCE_SUMMARY_SHEET,
        AttendanceSummarySheet,
        "Сводная ведомость учёта посещаемости: per student of a group over the "
        f"dates ({_CURATORS}). " + _HOURS + _of("a `group`"),
    )

    curator_preliminary = report_query(
        Name.CURATOR_PRELIMINARY,
        CuratorPreliminary,
        "Предварительный отчёт куратора за учебный период: students at risk per "
        f"discipline mid-period ({_CURATORS})." + _of("a `group`"),
    )

    curator_period = report_query(
        Name.CURATOR_PERIOD,
        CuratorPeriod,
        "Отчёт куратора за учебный период: per student the results and absences, "
        f"the group's achievement and quality ({_CURATORS})." + _of("a `group`"),
    )

    parent_letter = report_query(
        Name.PARENT_LETTER,
        ParentLetter,
        "Информационное письмо для родителей (barnaul-school6-2016 п. 7.3; "
        "altai-college-2016 п. 4.3; tomsk-technikum-2023 п. 4.8.4): one student's marks and "
        "absences; a parent gets only his own child's." + _of("a `student`"),
    )

    teacher_report = report_query(
        Name.TEACHER_REPORT,
        TeacherReport,
        "Отчёт преподавателя по дисциплине за период (altai-college-2016 п. 4.6; "
        "armavir-technikum-2025 п. 4.6; barnaul-school6-2016 п. 3.10): lessons planned and "
        "given, marks, achievement and quality per group × discipline."
        + _of("a `teacher` (all he taught) or a `group` with a `discipline`"),
    )

    study_certificate = report_query(
        Name.STUDY_CERTIFICATE,
        StudyCertificate,
        "Справка об обучении (tomsk-technikum-2023 п. 4.4.9): the student's "
        "group, speciality, dates of study and final marks." + _of("a `student`"),
    )
