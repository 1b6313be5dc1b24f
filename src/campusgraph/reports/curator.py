"""The curators', parents' and teachers' reports (Altai п. 4.3, 4.6, 6.3; Armavir п. 4.3,
4.6; Barnaul п. 3.10, 7.3; Tomsk п. 4.4.9, 4.8.4).

Each report reads its rows in a few statements whatever the size of the group: marks and
absences come back already counted per student × discipline × value (or × bell slot), so a
group of thirty with a semester of lessons is still a handful of small result sets.

Rules the figures follow (the same in every report here):

- **Academic hours of a lesson**: its bell slot's length over 45 minutes, rounded, at
  least one — a college «пара» of 90 minutes is 2 hours, a school lesson of 40–45 minutes
  is 1 (the thematic plans count topics the same way: 2 hours a college topic, 1 a
  school's). A lesson in a slot the institution's bells do not list counts 1 hour.
- **A student's lessons**: the lessons of his group in the dates on days he was a member
  (a lesson of a subgroup only if he is in it). Lateness is counted apart, never as an
  absence.
- **A student's results in a discipline**: his final marks dated in the dates if he has
  any, else his current marks in them. He *achieves* (успеваемость) when he has results in
  every discipline asked and none is «2» or «незачёт»; he shows *quality* (качество
  знаний) when every result is «4», «5» or «зачёт». Percentages are of all the students.
- **At risk** (the preliminary report): an average below 3, any failing mark, or absent
  from at least a quarter of the discipline's lessons.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from campusgraph.context import Context
from campusgraph.db import models as m
from campusgraph.db.enums import AbsenceReason, AttendanceStatus, FinalMarkKind, TimetableKind
from campusgraph.i18n import message
from campusgraph.ids import to_global_id
from campusgraph.policies.vocabulary import ReportLevel
from campusgraph.reports.access import ReportAccess, level_students
from campusgraph.reports.registry import ReportName, ReportSpec, report
from campusgraph.reports.table import (
    Cell,
    CellKind,
    Column,
    InstitutionDetails,
    ReportTable,
)
from campusgraph.resolvers.timetable import held_on, load_calendar, study_terms

#: Minutes of one academic hour.
ACADEMIC_HOUR_MINUTES = 45
#: The preliminary report's thresholds.
RISK_AVERAGE_BELOW = 3.0
RISK_ABSENCE_SHARE = 0.25

FAILING = frozenset({"2", "fail"})
GOOD = frozenset({"4", "5", "pass"})
NUMERIC = {"2": 2, "3": 3, "4": 4, "5": 5}
#: The order reasons are listed in; None: no reason given (yet).
REASONS: tuple[AbsenceReason | None, ...] = (
    AbsenceReason.EXCUSED,
    AbsenceReason.UNEXCUSED,
    AbsenceReason.ILLNESS,
    None,
)
REASON_KEYS = {
    AbsenceReason.EXCUSED: "report_absence_reason_excused",
    AbsenceReason.UNEXCUSED: "report_absence_reason_unexcused",
    AbsenceReason.ILLNESS: "report_absence_reason_illness",
    None: "report_absence_reason_none",
}
MARK_KEYS = {"pass": "report_final_mark_pass", "fail": "report_final_mark_fail"}
KIND_KEYS = {
    FinalMarkKind.PERIOD: "report_final_mark_kind_period",
    FinalMarkKind.SEMESTER: "report_final_mark_kind_semester",
    FinalMarkKind.YEAR: "report_final_mark_kind_year",
    FinalMarkKind.EXAM: "report_final_mark_kind_exam",
    FinalMarkKind.ATTESTATION: "report_final_mark_kind_attestation",
    FinalMarkKind.FINAL: "report_final_mark_kind_final",
}


def _mark_text(value: str, lang: str) -> str:
    return message(MARK_KEYS[value], lang) if value in MARK_KEYS else value


def _date_text(day: dt.date, lang: str) -> str:
    return day.isoformat() if lang == "en" else day.strftime("%d.%m.%Y")


def _dates_line(first: dt.date, last: dt.date, lang: str) -> str:
    return message(
        "report_from_to", lang, first=_date_text(first, lang), last=_date_text(last, lang)
    )


def _percent(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(100.0 * part / whole, 1)


def _average(counts: dict[str, int]) -> float | None:
    """The average of the numeric marks among ``value → count``; None without any."""
    n = sum(c for v, c in counts.items() if v in NUMERIC)
    if n == 0:
        return None
    return round(sum(NUMERIC[v] * c for v, c in counts.items() if v in NUMERIC) / n, 2)


def _fio(surname: str, name: str, patronymic: str | None) -> str:
    return " ".join(p for p in (surname, name, patronymic) if p)


def slot_hours(starts_at: dt.time, ends_at: dt.time) -> int:
    """Academic hours of a bell slot (see the module docstring)."""
    minutes = (ends_at.hour * 60 + ends_at.minute) - (starts_at.hour * 60 + starts_at.minute)
    return max(1, round(minutes / ACADEMIC_HOUR_MINUTES))


# =====================================================================================
# Typed data (the GraphQL types in schema/reports_curator.py have these fields)
# =====================================================================================


@dataclasses.dataclass(frozen=True, slots=True)
class InstitutionInfo:
    name: str
    short_name: str | None
    address: str | None
    phone: str | None
    email: str | None
    website: str | None
    license: str | None
    accreditation: str | None

    def details(self) -> InstitutionDetails:
        return InstitutionDetails(
            name=self.name,
            short_name=self.short_name,
            address=self.address,
            phone=self.phone,
            email=self.email,
            website=self.website,
        )


@dataclasses.dataclass(frozen=True, slots=True)
class AbsencesByReason:
    reason: AbsenceReason | None
    absences: int
    hours_missed: int


@dataclasses.dataclass(frozen=True, slots=True)
class AttendanceSummaryRow:
    student_id: str
    student_name: str
    lessons: int
    hours: int
    absences: int
    hours_missed: int
    late: int
    by_reason: list[AbsencesByReason]


@dataclasses.dataclass(frozen=True, slots=True)
class AttendanceSummarySheet:
    group_id: str
    group_name: str
    date_from: dt.date
    date_to: dt.date
    rows: list[AttendanceSummaryRow]
    totals: AttendanceSummaryRow


class RiskReason(enum.StrEnum):
    LOW_AVERAGE = "low_average"
    FAILING_MARKS = "failing_marks"
    ABSENCES = "absences"


RISK_KEYS = {
    RiskReason.LOW_AVERAGE: "report_risk_low_average",
    RiskReason.FAILING_MARKS: "report_risk_failing_marks",
    RiskReason.ABSENCES: "report_risk_absences",
}


@dataclasses.dataclass(frozen=True, slots=True)
class StudentAtRisk:
    student_id: str
    student_name: str
    discipline_id: str
    discipline_name: str
    marks: int
    average: float | None
    failing_marks: int
    lessons: int
    absences: int
    reasons: list[RiskReason]


@dataclasses.dataclass(frozen=True, slots=True)
class CuratorPreliminary:
    group_id: str
    group_name: str
    date_from: dt.date
    date_to: dt.date
    students: int
    students_at_risk: int
    average_below: float
    absence_share: float
    at_risk: list[StudentAtRisk]


@dataclasses.dataclass(frozen=True, slots=True)
class DisciplineResult:
    discipline_id: str
    discipline_name: str
    final_marks: list[str]
    marks: int
    average: float | None
    absences: int


@dataclasses.dataclass(frozen=True, slots=True)
class CuratorStudentRow:
    student_id: str
    student_name: str
    results: list[DisciplineResult]
    average: float | None
    absences: int
    hours_missed: int
    unexcused_absences: int
    attested: bool
    achieving: bool
    quality: bool


@dataclasses.dataclass(frozen=True, slots=True)
class CuratorGroupTotals:
    students: int
    achieving: int
    quality: int
    not_attested: int
    achievement_percent: float | None
    quality_percent: float | None
    average: float | None
    absences: int
    hours_missed: int


@dataclasses.dataclass(frozen=True, slots=True)
class CuratorPeriod:
    group_id: str
    group_name: str
    period_name: str | None
    date_from: dt.date
    date_to: dt.date
    students: list[CuratorStudentRow]
    totals: CuratorGroupTotals


@dataclasses.dataclass(frozen=True, slots=True)
class LetterMark:
    date: dt.date
    value: str


@dataclasses.dataclass(frozen=True, slots=True)
class LetterDiscipline:
    discipline_id: str
    discipline_name: str
    marks: list[LetterMark]
    average: float | None
    absences: int


@dataclasses.dataclass(frozen=True, slots=True)
class ParentLetter:
    institution: InstitutionInfo
    student_id: str
    student_name: str
    group_name: str | None
    curator_name: str | None
    date_from: dt.date
    date_to: dt.date
    disciplines: list[LetterDiscipline]
    average: float | None
    absences: int
    hours_missed: int
    late: int
    by_reason: list[AbsencesByReason]


@dataclasses.dataclass(frozen=True, slots=True)
class TeacherReportRow:
    group_id: str
    group_name: str
    discipline_id: str
    discipline_name: str
    lessons_planned: int
    lessons_given: int
    hours_given: int
    plan_hours: int | None
    students: int
    marks: int | None
    average: float | None
    achieving: int | None
    quality: int | None
    achievement_percent: float | None
    quality_percent: float | None


@dataclasses.dataclass(frozen=True, slots=True)
class TeacherReport:
    teacher_id: str | None
    teacher_name: str | None
    date_from: dt.date
    date_to: dt.date
    rows: list[TeacherReportRow]
    suppressed_below: int | None


@dataclasses.dataclass(frozen=True, slots=True)
class CertificateMark:
    discipline_id: str
    discipline_name: str
    period_name: str
    kind: FinalMarkKind
    value: str
    date: dt.date


@dataclasses.dataclass(frozen=True, slots=True)
class StudyCertificate:
    institution: InstitutionInfo
    student_id: str
    full_name: str
    birth_date: dt.date | None
    group_name: str | None
    speciality: str | None
    program: str | None
    enrolment_order_number: str | None
    enrolment_date: dt.date | None
    studies_from: dt.date | None
    studies_to: dt.date | None
    issued_on: dt.date
    final_marks: list[CertificateMark]


# =====================================================================================
# Reading: each helper one statement
# =====================================================================================


async def _dates(
    ctx: Context, session: AsyncSession, access: ReportAccess
) -> tuple[dt.date, dt.date]:
    """The dates asked; without any, the current academic year up to today."""
    assert ctx.viewer is not None
    today = ctx.viewer.today
    last = access.date_to or today
    if access.date_from is not None:
        return access.date_from, last
    ay = m.AcademicYear
    first = (
        await session.execute(
            select(ay.starts_on)
            .where(ay.institution_id == access.institution_id, ay.starts_on <= last)
            .order_by(ay.starts_on.desc())
            .limit(1)
        )
    ).scalar_one_or_none()
    return (first or last), last


async def _institution(session: AsyncSession, institution_id: int) -> InstitutionInfo:
    row = await session.get(m.Institution, institution_id)
    assert row is not None
    return InstitutionInfo(
        name=row.name,
        short_name=row.short_name,
        address=row.address,
        phone=row.phone,
        email=row.email,
        website=row.website,
        license=row.license,
        accreditation=row.accreditation,
    )


async def _slot_hours(session: AsyncSession, institution_id: int) -> dict[int, int]:
    b = m.BellSlot
    rows = await session.execute(
        select(b.number, b.starts_at, b.ends_at).where(b.institution_id == institution_id)
    )
    return {number: slot_hours(a, z) for number, a, z in rows.all()}


async def _students(session: AsyncSession, access: ReportAccess) -> list[tuple[int, str]]:
    """The level's students (the population :mod:`.access` checked), by name."""
    p, s = m.Person, m.Student
    rows = await session.execute(
        select(s.id, p.surname, p.name, p.patronymic)
        .join(p, p.id == s.person_id)
        .where(s.id.in_(level_students(access)))
        .order_by(p.surname, p.name, p.patronymic, s.id)
    )
    return [(sid, _fio(a, b, c)) for sid, a, b, c in rows.all()]


def _attends(lesson: Any, student: Any) -> Any:
    """The student was in the lesson's group that day (and in its subgroup, if any)."""
    gm = m.GroupMembership
    sm = m.SubgroupMember
    return exists(
        select(gm.id).where(
            gm.student_id == student,
            gm.group_id == lesson.group_id,
            gm.starts_on <= lesson.date,
            or_(gm.ends_on.is_(None), gm.ends_on > lesson.date),
        )
    ) & or_(
        lesson.subgroup_id.is_(None),
        exists(select(sm.id).where(sm.subgroup_id == lesson.subgroup_id, sm.student_id == student)),
    )


async def _lesson_counts(
    session: AsyncSession,
    student_ids: Sequence[int],
    first: dt.date,
    last: dt.date,
    group_id: int | None,
) -> dict[tuple[int, int, int], int]:
    """(student, discipline, slot) → lessons he had (the module docstring's rule)."""
    if not student_ids:
        return {}
    le, s = m.Lesson, m.Student
    stmt = (
        select(s.id, le.discipline_id, le.slot, func.count(le.id))
        .join(le, _attends(le, s.id))
        .where(s.id.in_(student_ids), le.date >= first, le.date <= last)
        .group_by(s.id, le.discipline_id, le.slot)
    )
    if group_id is not None:
        stmt = stmt.where(le.group_id == group_id)
    rows = await session.execute(stmt)
    return {(a, b, c): n for a, b, c, n in rows.all()}


async def _attendance_counts(
    session: AsyncSession,
    student_ids: Sequence[int],
    first: dt.date,
    last: dt.date,
    group_id: int | None,
) -> list[tuple[int, int, int, AttendanceStatus, AbsenceReason | None, int]]:
    """(student, discipline, slot, status, reason, count) of absences and lateness."""
    if not student_ids:
        return []
    a, le = m.Attendance, m.Lesson
    stmt = (
        select(a.student_id, a.discipline_id, le.slot, a.status, a.reason, func.count(a.id))
        .join(le, le.id == a.lesson_id)
        .where(a.student_id.in_(student_ids), a.date >= first, a.date <= last)
        .group_by(a.student_id, a.discipline_id, le.slot, a.status, a.reason)
    )
    if group_id is not None:
        stmt = stmt.where(a.group_id == group_id)
    rows = await session.execute(stmt)
    return [(r[0], r[1], r[2], r[3], r[4], r[5]) for r in rows.all()]


async def _mark_counts(
    session: AsyncSession,
    student_ids: Sequence[int],
    first: dt.date,
    last: dt.date,
    group_id: int | None,
    teacher_id: int | None = None,
) -> dict[tuple[int, int], dict[str, int]]:
    """(student, discipline) → value → count of current marks."""
    if not student_ids:
        return {}
    mk = m.Mark
    stmt = (
        select(mk.student_id, mk.discipline_id, mk.value, func.count(mk.id))
        .where(mk.student_id.in_(student_ids), mk.date >= first, mk.date <= last)
        .group_by(mk.student_id, mk.discipline_id, mk.value)
    )
    if group_id is not None:
        stmt = stmt.where(mk.group_id == group_id)
    if teacher_id is not None:
        le = m.Lesson
        stmt = stmt.join(le, le.id == mk.lesson_id).where(le.teacher_id == teacher_id)
    out: dict[tuple[int, int], dict[str, int]] = defaultdict(dict)
    for sid, did, value, n in (await session.execute(stmt)).all():
        out[(sid, did)][value] = n
    return out


async def _final_marks(
    session: AsyncSession,
    student_ids: Sequence[int],
    first: dt.date | None,
    last: dt.date | None,
) -> dict[tuple[int, int], list[str]]:
    """(student, discipline) → final marks dated in the dates, by date."""
    if not student_ids:
        return {}
    f = m.FinalMark
    stmt = select(f.student_id, f.discipline_id, f.value).where(f.student_id.in_(student_ids))
    if first is not None:
        stmt = stmt.where(f.date >= first)
    if last is not None:
        stmt = stmt.where(f.date <= last)
    out: dict[tuple[int, int], list[str]] = defaultdict(list)
    for sid, did, value in (await session.execute(stmt.order_by(f.date, f.id))).all():
        out[(sid, did)].append(value)
    return out


async def _names(session: AsyncSession, model: Any, ids: Iterable[int]) -> dict[int, str]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = await session.execute(select(model.id, model.name).where(model.id.in_(wanted)))
    return dict(rows.all())


async def _person_name(session: AsyncSession, employee_id: int) -> str | None:
    p, e = m.Person, m.Employee
    row = (
        await session.execute(
            select(p.surname, p.name, p.patronymic)
            .join(e, e.person_id == p.id)
            .where(e.id == employee_id)
        )
    ).first()
    return None if row is None else _fio(row[0], row[1], row[2])


def _results(finals: list[str], counts: dict[str, int]) -> list[str]:
    """A student's results in one discipline (the module docstring's rule)."""
    if finals:
        return finals
    return [v for v, n in counts.items() for _ in range(n)]


@dataclasses.dataclass(slots=True)
class _Standing:
    attested: bool = True
    failing: bool = False
    quality: bool = True

    def add(self, results: list[str]) -> None:
        if not results:
            self.attested = False
            self.quality = False
            return
        if any(r in FAILING for r in results):
            self.failing = True
        if not all(r in GOOD for r in results):
            self.quality = False

    @property
    def achieving(self) -> bool:
        return self.attested and not self.failing


def _by_reason(
    rows: Iterable[tuple[AbsenceReason | None, int, int]],
) -> list[AbsencesByReason]:
    counts: dict[AbsenceReason | None, list[int]] = {r: [0, 0] for r in REASONS}
    for reason, n, hours in rows:
        counts[reason][0] += n
        counts[reason][1] += hours
    return [AbsencesByReason(r, counts[r][0], counts[r][1]) for r in REASONS]


# =====================================================================================
# Сводная ведомость посещаемости
# =====================================================================================


async def build_attendance_summary(ctx: Context, access: ReportAccess) -> AttendanceSummarySheet:
    group_id = access.of.group_id
    assert group_id is not None
    async with ctx.report_session() as session:
        first, last = await _dates(ctx, session, access)
        group = await session.get(m.StudyGroup, group_id)
        assert group is not None
        hours = await _slot_hours(session, access.institution_id)
        students = await _students(session, access)
        ids = [sid for sid, _ in students]
        lessons = await _lesson_counts(session, ids, first, last, group_id)
        absences = await _attendance_counts(session, ids, first, last, group_id)
    per_lessons: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for (sid, _, slot), n in lessons.items():
        per_lessons[sid][0] += n
        per_lessons[sid][1] += n * hours.get(slot, 1)
    late: dict[int, int] = defaultdict(int)
    missed: dict[int, list[tuple[AbsenceReason | None, int, int]]] = defaultdict(list)
    for sid, _, slot, status, reason, n in absences:
        if status is AttendanceStatus.LATE:
            late[sid] += n
        else:
            missed[sid].append((reason, n, n * hours.get(slot, 1)))
    rows = []
    for sid, name in students:
        by_reason = _by_reason(missed[sid])
        rows.append(
            AttendanceSummaryRow(
                student_id=to_global_id("Student", sid),
                student_name=name,
                lessons=per_lessons[sid][0],
                hours=per_lessons[sid][1],
                absences=sum(r.absences for r in by_reason),
                hours_missed=sum(r.hours_missed for r in by_reason),
                late=late[sid],
                by_reason=by_reason,
            )
        )
    totals = AttendanceSummaryRow(
        student_id="",
        student_name="",
        lessons=sum(r.lessons for r in rows),
        hours=sum(r.hours for r in rows),
        absences=sum(r.absences for r in rows),
        hours_missed=sum(r.hours_missed for r in rows),
        late=sum(r.late for r in rows),
        by_reason=_by_reason(
            (b.reason, b.absences, b.hours_missed) for r in rows for b in r.by_reason
        ),
    )
    return AttendanceSummarySheet(
        group_id=to_global_id("Group", group_id),
        group_name=group.name,
        date_from=first,
        date_to=last,
        rows=rows,
        totals=totals,
    )


def _attendance_cells(r: AttendanceSummaryRow) -> list[Cell]:
    return [
        r.lessons,
        r.hours,
        *(b.absences for b in r.by_reason),
        r.absences,
        r.hours_missed,
        r.late,
    ]


def table_attendance_summary(
    data: AttendanceSummarySheet, access: ReportAccess, lang: str
) -> ReportTable:
    spec = REPORT_SPECS[ReportName.ATTENDANCE_SUMMARY_SHEET]
    columns = [
        Column("n", message("report_column_no", lang), CellKind.INTEGER),
        Column("student", message("report_column_student", lang)),
        Column("lessons", message("report_lessons", lang), CellKind.INTEGER),
        Column("hours", message("report_hours", lang), CellKind.INTEGER),
        *(
            Column(
                f"absent_{r or 'none'}",
                (message("report_absent", lang)) + message(REASON_KEYS[r], lang),
                CellKind.INTEGER,
            )
            for r in REASONS
        ),
        Column("absences", message("report_absences", lang), CellKind.INTEGER),
        Column("hours_missed", message("report_hours_missed", lang), CellKind.INTEGER),
        Column("late", message("report_late", lang), CellKind.INTEGER),
    ]
    rows = [[n, r.student_name, *_attendance_cells(r)] for n, r in enumerate(data.rows, 1)]
    return ReportTable(
        title=spec.title(lang),
        institution=None,
        subtitle=[
            (message("report_line_group", lang)) + data.group_name,
            _dates_line(data.date_from, data.date_to, lang),
        ],
        columns=columns,
        rows=rows,
        totals=[None, message("report_total", lang), *_attendance_cells(data.totals)],
        footer=[message("report_hours_note", lang)],
        landscape=True,
    )


# =====================================================================================
# Curator's preliminary and period reports
# =====================================================================================


@dataclasses.dataclass(slots=True)
class _GroupFigures:
    group: m.StudyGroup
    first: dt.date
    last: dt.date
    students: list[tuple[int, str]]
    hours: dict[int, int]
    lessons: dict[tuple[int, int, int], int]
    absences: list[tuple[int, int, int, AttendanceStatus, AbsenceReason | None, int]]
    marks: dict[tuple[int, int], dict[str, int]]
    finals: dict[tuple[int, int], list[str]]
    disciplines: dict[int, str]


async def _group_figures(ctx: Context, access: ReportAccess, *, finals: bool) -> _GroupFigures:
    group_id = access.of.group_id
    assert group_id is not None
    async with ctx.report_session() as session:
        first, last = await _dates(ctx, session, access)
        group = await session.get(m.StudyGroup, group_id)
        assert group is not None
        hours = await _slot_hours(session, access.institution_id)
        students = await _students(session, access)
        ids = [sid for sid, _ in students]
        lessons = await _lesson_counts(session, ids, first, last, group_id)
        absences = await _attendance_counts(session, ids, first, last, group_id)
        marks = await _mark_counts(session, ids, first, last, group_id)
        final = await _final_marks(session, ids, first, last) if finals else {}
        discipline_ids = {d for _, d, _ in lessons} | {d for _, d in marks} | {d for _, d in final}
        disciplines = await _names(session, m.Discipline, discipline_ids)
    return _GroupFigures(
        group, first, last, students, hours, lessons, absences, marks, final, disciplines
    )


def _discipline_order(names: dict[int, str]) -> list[int]:
    return sorted(names, key=lambda d: (names[d], d))


async def build_curator_preliminary(ctx: Context, access: ReportAccess) -> CuratorPreliminary:
    f = await _group_figures(ctx, access, finals=False)
    lessons: dict[tuple[int, int], int] = defaultdict(int)
    for (sid, did, _), n in f.lessons.items():
        lessons[(sid, did)] += n
    absent: dict[tuple[int, int], int] = defaultdict(int)
    for sid, did, _, status, _, n in f.absences:
        if status is AttendanceStatus.ABSENT:
            absent[(sid, did)] += n
    at_risk: list[StudentAtRisk] = []
    for sid, name in f.students:
        for did in _discipline_order(f.disciplines):
            counts = f.marks.get((sid, did), {})
            average = _average(counts)
            failing = sum(n for v, n in counts.items() if v in FAILING)
            had, missed = lessons[(sid, did)], absent[(sid, did)]
            reasons = []
            if average is not None and average < RISK_AVERAGE_BELOW:
                reasons.append(RiskReason.LOW_AVERAGE)
            if failing:
                reasons.append(RiskReason.FAILING_MARKS)
            if had and missed >= RISK_ABSENCE_SHARE * had:
                reasons.append(RiskReason.ABSENCES)
            if reasons:
                at_risk.append(
                    StudentAtRisk(
                        student_id=to_global_id("Student", sid),
                        student_name=name,
                        discipline_id=to_global_id("Discipline", did),
                        discipline_name=f.disciplines[did],
                        marks=sum(counts.values()),
                        average=average,
                        failing_marks=failing,
                        lessons=had,
                        absences=missed,
                        reasons=reasons,
                    )
                )
    return CuratorPreliminary(
        group_id=to_global_id("Group", f.group.id),
        group_name=f.group.name,
        date_from=f.first,
        date_to=f.last,
        students=len(f.students),
        students_at_risk=len({r.student_id for r in at_risk}),
        average_below=RISK_AVERAGE_BELOW,
        absence_share=RISK_ABSENCE_SHARE,
        at_risk=at_risk,
    )


def table_curator_preliminary(
    data: CuratorPreliminary, access: ReportAccess, lang: str
) -> ReportTable:
    columns = [
        Column("student", message("report_column_student", lang)),
        Column("discipline", message("report_discipline", lang)),
        Column("marks", message("report_marks", lang), CellKind.INTEGER),
        Column("average", message("report_average", lang), CellKind.DECIMAL),
        Column("failing", message("report_failing_marks", lang), CellKind.INTEGER),
        Column("lessons", message("report_lessons", lang), CellKind.INTEGER),
        Column("absences", message("report_column_absences_count", lang), CellKind.INTEGER),
        Column("reasons", message("report_at_risk_because", lang)),
    ]
    rows: list[list[Cell]] = [
        [
            r.student_name,
            r.discipline_name,
            r.marks,
            r.average,
            r.failing_marks,
            r.lessons,
            r.absences,
            "; ".join(message(RISK_KEYS[x], lang) for x in r.reasons),
        ]
        for r in data.at_risk
    ]
    return ReportTable(
        title=REPORT_SPECS[ReportName.CURATOR_PRELIMINARY].title(lang),
        institution=None,
        subtitle=[
            (message("report_line_group", lang)) + data.group_name,
            _dates_line(data.date_from, data.date_to, lang),
            (
                message(
                    "report_students_students_at_risk_students",
                    lang,
                    students=data.students,
                    students_at_risk=data.students_at_risk,
                )
            ),
        ],
        columns=columns,
        rows=rows,
        landscape=True,
    )


async def build_curator_period(ctx: Context, access: ReportAccess) -> CuratorPeriod:
    f = await _group_figures(ctx, access, finals=True)
    order = _discipline_order(f.disciplines)
    absent: dict[int, list[tuple[AbsenceReason | None, int, int]]] = defaultdict(list)
    absent_in: dict[tuple[int, int], int] = defaultdict(int)
    for sid, did, slot, status, reason, n in f.absences:
        if status is AttendanceStatus.ABSENT:
            absent[sid].append((reason, n, n * f.hours.get(slot, 1)))
            absent_in[(sid, did)] += n
    rows: list[CuratorStudentRow] = []
    all_counts: dict[str, int] = defaultdict(int)
    for sid, name in f.students:
        standing = _Standing()
        results = []
        mine: dict[str, int] = defaultdict(int)
        for did in order:
            counts = f.marks.get((sid, did), {})
            finals = f.finals.get((sid, did), [])
            standing.add(_results(finals, counts))
            for v, n in counts.items():
                mine[v] += n
                all_counts[v] += n
            results.append(
                DisciplineResult(
                    discipline_id=to_global_id("Discipline", did),
                    discipline_name=f.disciplines[did],
                    final_marks=finals,
                    marks=sum(counts.values()),
                    average=_average(counts),
                    absences=absent_in[(sid, did)],
                )
            )
        by_reason = _by_reason(absent[sid])
        rows.append(
            CuratorStudentRow(
                student_id=to_global_id("Student", sid),
                student_name=name,
                results=results,
                average=_average(mine),
                absences=sum(b.absences for b in by_reason),
                hours_missed=sum(b.hours_missed for b in by_reason),
                unexcused_absences=sum(
                    b.absences for b in by_reason if b.reason in (AbsenceReason.UNEXCUSED, None)
                ),
                attested=bool(order) and standing.attested,
                achieving=bool(order) and standing.achieving,
                quality=bool(order) and standing.quality,
            )
        )
    n = len(rows)
    achieving = sum(r.achieving for r in rows)
    quality = sum(r.quality for r in rows)
    totals = CuratorGroupTotals(
        students=n,
        achieving=achieving,
        quality=quality,
        not_attested=sum(not r.attested for r in rows),
        achievement_percent=_percent(achieving, n),
        quality_percent=_percent(quality, n),
        average=_average(all_counts),
        absences=sum(r.absences for r in rows),
        hours_missed=sum(r.hours_missed for r in rows),
    )
    return CuratorPeriod(
        group_id=to_global_id("Group", f.group.id),
        group_name=f.group.name,
        period_name=None if access.period is None else access.period.name,
        date_from=f.first,
        date_to=f.last,
        students=rows,
        totals=totals,
    )


def table_curator_period(data: CuratorPeriod, access: ReportAccess, lang: str) -> ReportTable:
    disciplines = data.students[0].results if data.students else []
    yes, no = message("report_yes", lang), message("report_no_answer", lang)
    columns = [
        Column("student", message("report_column_student", lang)),
        *(Column(f"d{n}", r.discipline_name, CellKind.TEXT) for n, r in enumerate(disciplines, 1)),
        Column("average", message("report_average", lang), CellKind.DECIMAL),
        Column("absences", message("report_column_absences_count", lang), CellKind.INTEGER),
        Column("hours_missed", message("report_hours_missed", lang), CellKind.INTEGER),
        Column("unexcused", message("report_unexcused", lang), CellKind.INTEGER),
        Column("achieving", message("report_achieving", lang)),
        Column("quality", message("report_only_4_and_5_2", lang)),
    ]

    def result(r: DisciplineResult) -> str:
        if r.final_marks:
            return ", ".join(_mark_text(v, lang) for v in r.final_marks)
        return "" if r.average is None else f"({r.average:.2f})"

    rows: list[list[Cell]] = [
        [
            s.student_name,
            *(result(r) for r in s.results),
            s.average,
            s.absences,
            s.hours_missed,
            s.unexcused_absences,
            yes if s.achieving else no,
            yes if s.quality else no,
        ]
        for s in data.students
    ]
    t = data.totals
    footer = [
        (
            message(
                "report_students_students_achieving_achieving_achievement",
                lang,
                students=t.students,
                achieving=t.achieving,
                achievement_percent=t.achievement_percent,
                quality=t.quality,
                quality_percent=t.quality_percent,
                not_attested=t.not_attested,
            )
        ),
        (message("report_brackets_average_current_marks_where", lang)),
    ]
    subtitle = [(message("report_line_group", lang)) + data.group_name]
    if data.period_name:
        subtitle.append((message("report_line_period", lang)) + data.period_name)
    subtitle.append(_dates_line(data.date_from, data.date_to, lang))
    return ReportTable(
        title=REPORT_SPECS[ReportName.CURATOR_PERIOD].title(lang),
        institution=None,
        subtitle=subtitle,
        columns=columns,
        rows=rows,
        totals=[
            message("report_total", lang),
            *("" for _ in disciplines),
            t.average,
            t.absences,
            t.hours_missed,
            sum(s.unexcused_absences for s in data.students),
            t.achieving,
            t.quality,
        ],
        footer=footer,
        landscape=True,
    )


# =====================================================================================
# Информационное письмо родителям
# =====================================================================================


async def _student_group(
    session: AsyncSession, student_id: int, last: dt.date
) -> tuple[int, str] | None:
    """The group the student was in on ``last`` (else his latest)."""
    gm, g = m.GroupMembership, m.StudyGroup
    row = (
        await session.execute(
            select(g.id, g.name)
            .join(gm, gm.group_id == g.id)
            .where(gm.student_id == student_id, gm.starts_on <= last)
            .order_by(gm.starts_on.desc(), gm.id.desc())
            .limit(1)
        )
    ).first()
    return None if row is None else (row[0], row[1])


async def _curator_name(session: AsyncSession, group_id: int, on: dt.date) -> str | None:
    cu, e, p = m.Curatorship, m.Employee, m.Person
    row = (
        await session.execute(
            select(p.surname, p.name, p.patronymic)
            .join(e, e.person_id == p.id)
            .join(cu, cu.curator_id == e.id)
            .where(
                cu.group_id == group_id,
                cu.starts_on <= on,
                or_(cu.ends_on.is_(None), cu.ends_on > on),
            )
            .order_by(cu.starts_on.desc(), cu.id.desc())
            .limit(1)
        )
    ).first()
    return None if row is None else _fio(row[0], row[1], row[2])


async def build_parent_letter(ctx: Context, access: ReportAccess) -> ParentLetter:
    student_id = access.of.student_id
    assert student_id is not None and ctx.viewer is not None
    mk = m.Mark
    async with ctx.report_session() as session:
        first, last = await _dates(ctx, session, access)
        institution = await _institution(session, access.institution_id)
        students = await _students(session, access)
        group = await _student_group(session, student_id, last)
        curator = (
            await _curator_name(session, group[0], min(last, ctx.viewer.today)) if group else None
        )
        hours = await _slot_hours(session, access.institution_id)
        marks = (
            await session.execute(
                select(mk.discipline_id, mk.date, mk.value)
                .where(mk.student_id == student_id, mk.date >= first, mk.date <= last)
                .order_by(mk.date, mk.id)
            )
        ).all()
        absences = await _attendance_counts(session, [student_id], first, last, None)
        names = await _names(
            session, m.Discipline, {d for d, _, _ in marks} | {a[1] for a in absences}
        )
    per: dict[int, list[LetterMark]] = defaultdict(list)
    for did, day, value in marks:
        per[did].append(LetterMark(day, value))
    absent_in: dict[int, int] = defaultdict(int)
    missed: list[tuple[AbsenceReason | None, int, int]] = []
    late = 0
    for _, did, slot, status, reason, n in absences:
        if status is AttendanceStatus.LATE:
            late += n
        else:
            absent_in[did] += n
            missed.append((reason, n, n * hours.get(slot, 1)))

    def counts(items: Iterable[LetterMark]) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        for x in items:
            out[x.value] += 1
        return out

    disciplines = [
        LetterDiscipline(
            discipline_id=to_global_id("Discipline", did),
            discipline_name=names[did],
            marks=per[did],
            average=_average(counts(per[did])),
            absences=absent_in[did],
        )
        for did in _discipline_order(names)
    ]
    by_reason = _by_reason(missed)
    return ParentLetter(
        institution=institution,
        student_id=to_global_id("Student", student_id),
        student_name=students[0][1] if students else "",
        group_name=None if group is None else group[1],
        curator_name=curator,
        date_from=first,
        date_to=last,
        disciplines=disciplines,
        average=_average(counts(x for d in disciplines for x in d.marks)),
        absences=sum(b.absences for b in by_reason),
        hours_missed=sum(b.hours_missed for b in by_reason),
        late=late,
        by_reason=by_reason,
    )


def table_parent_letter(data: ParentLetter, access: ReportAccess, lang: str) -> ReportTable:
    en = lang == "en"
    columns = [
        Column("discipline", message("report_discipline", lang)),
        Column("marks", message("report_column_marks_list", lang)),
        Column("average", message("report_average", lang), CellKind.DECIMAL),
        Column("absences", message("report_column_absences_list", lang), CellKind.INTEGER),
    ]
    rows: list[list[Cell]] = [
        [
            d.discipline_name,
            " ".join(
                f"{_mark_text(x.value, lang)} ({x.date:%d.%m})"
                if not en
                else f"{_mark_text(x.value, lang)} ({x.date:%m-%d})"
                for x in d.marks
            ),
            d.average,
            d.absences,
        ]
        for d in data.disciplines
    ]
    reasons = ", ".join(
        f"{message(REASON_KEYS[b.reason], lang)}: {b.absences}"
        for b in data.by_reason
        if b.absences
    )
    greeting = message("letter_greeting", lang, student=data.student_name)
    if data.group_name:
        greeting += message("letter_greeting_group", lang, group=data.group_name)
    subtitle = [
        greeting,
        message("letter_intro", lang),
        _dates_line(data.date_from, data.date_to, lang),
    ]
    footer = [
        message(
            "letter_absences",
            lang,
            absences=data.absences,
            hours=data.hours_missed,
            reasons=message("letter_reasons", lang, reasons=reasons) if reasons else "",
            late=data.late,
        ),
        message("letter_curator", lang, curator=data.curator_name or "—"),
    ]
    return ReportTable(
        title=REPORT_SPECS[ReportName.PARENT_LETTER].title(lang),
        institution=data.institution.details(),
        subtitle=subtitle,
        columns=columns,
        rows=rows,
        totals=[message("report_total", lang), "", data.average, data.absences],
        footer=footer,
    )


# =====================================================================================
# Отчёт преподавателя
# =====================================================================================


async def build_teacher_report(ctx: Context, access: ReportAccess) -> TeacherReport:
    of = access.of
    teacher_id = of.teacher_id
    le, te = m.Lesson, m.TimetableEntry
    async with ctx.report_session() as session:
        first, last = await _dates(ctx, session, access)
        hours = await _slot_hours(session, access.institution_id)
        given_stmt = select(le.group_id, le.discipline_id, le.slot, func.count(le.id)).where(
            le.date >= first, le.date <= last
        )
        entry_stmt = select(te).where(
            te.valid_from <= last, te.valid_to >= first, te.kind == TimetableKind.LESSON
        )
        if teacher_id is not None:
            given_stmt = given_stmt.where(le.teacher_id == teacher_id)
            entry_stmt = entry_stmt.where(te.teacher_id == teacher_id)
        else:
            given_stmt = given_stmt.where(
                le.group_id == of.group_id, le.discipline_id == of.discipline_id
            )
            entry_stmt = entry_stmt.where(
                te.group_id == of.group_id, te.discipline_id == of.discipline_id
            )
        given_rows = (
            await session.execute(given_stmt.group_by(le.group_id, le.discipline_id, le.slot))
        ).all()
        entries = list((await session.execute(entry_stmt)).scalars().all())
        calendar = await load_calendar(session, first, last)
        terms = await study_terms(session, {e.group_id for e in entries})
        # Only the days some entry is valid on: the dates asked may span centuries.
        span_from, span_to = first, first - dt.timedelta(days=1)
        if entries:
            span_from = max(first, min(e.valid_from for e in entries))
            span_to = min(last, max(e.valid_to for e in entries))
        days = [span_from + dt.timedelta(days=n) for n in range((span_to - span_from).days + 1)]
        planned: dict[tuple[int, int], int] = defaultdict(int)
        for held in held_on(days, entries, calendar, terms):
            planned[(held.entry.group_id, held.entry.discipline_id)] += 1
        given: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
        for gid, did, slot, n in given_rows:
            given[(gid, did)][0] += n
            given[(gid, did)][1] += n * hours.get(slot, 1)
        pairs = sorted(set(planned) | set(given))
        if of.group_id is not None and of.discipline_id is not None and not pairs:
            pairs = [(of.group_id, of.discipline_id)]
        group_ids = {g for g, _ in pairs}
        group_names = await _names(session, m.StudyGroup, group_ids)
        discipline_names = await _names(session, m.Discipline, {d for _, d in pairs})
        students_of = await _students_of_groups(session, access, group_ids, first, last)
        all_students = sorted({s for ss in students_of.values() for s in ss})
        marks = await _mark_counts(session, all_students, first, last, None, teacher_id)
        finals = await _final_marks(session, all_students, first, last)
        plan_hours = await _plan_hours(session, pairs)
        teacher_name = None if teacher_id is None else await _person_name(session, teacher_id)
    rows = []
    for gid, did in sorted(pairs, key=lambda p: (group_names[p[0]], discipline_names[p[1]])):
        students = students_of.get(gid, [])
        values: dict[str, int] = defaultdict(int)
        achieving = quality = 0
        for sid in students:
            counts = marks.get((sid, did), {})
            for v, n in counts.items():
                values[v] += n
            standing = _Standing()
            standing.add(_results(finals.get((sid, did), []), counts))
            achieving += standing.achieving
            quality += standing.quality
        hide = access.suppressed(len(students))
        rows.append(
            TeacherReportRow(
                group_id=to_global_id("Group", gid),
                group_name=group_names[gid],
                discipline_id=to_global_id("Discipline", did),
                discipline_name=discipline_names[did],
                lessons_planned=planned[(gid, did)],
                lessons_given=given[(gid, did)][0],
                hours_given=given[(gid, did)][1],
                plan_hours=plan_hours.get((gid, did)),
                students=len(students),
                marks=None if hide else sum(values.values()),
                average=None if hide else _average(values),
                achieving=None if hide else achieving,
                quality=None if hide else quality,
                achievement_percent=None if hide else _percent(achieving, len(students)),
                quality_percent=None if hide else _percent(quality, len(students)),
            )
        )
    return TeacherReport(
        teacher_id=None if teacher_id is None else to_global_id("Employee", teacher_id),
        teacher_name=teacher_name,
        date_from=first,
        date_to=last,
        rows=rows,
        suppressed_below=access.suppress_below,
    )


async def _students_of_groups(
    session: AsyncSession,
    access: ReportAccess,
    group_ids: set[int],
    first: dt.date,
    last: dt.date,
) -> dict[int, list[int]]:
    """Per group: its students in the dates (within the level's population)."""
    if not group_ids:
        return {}
    gm = m.GroupMembership
    rows = await session.execute(
        select(gm.group_id, gm.student_id)
        .where(
            gm.group_id.in_(sorted(group_ids)),
            gm.starts_on <= last,
            or_(gm.ends_on.is_(None), gm.ends_on > first),
            gm.student_id.in_(level_students(access)),
        )
        .distinct()
    )
    out: dict[int, list[int]] = defaultdict(list)
    for gid, sid in rows.all():
        out[gid].append(sid)
    return out


async def _plan_hours(
    session: AsyncSession, pairs: Sequence[tuple[int, int]]
) -> dict[tuple[int, int], int]:
    """Hours of the thematic plan (КТП) of each group × discipline, for its academic year."""
    if not pairs:
        return {}
    tp, tt, g = m.ThematicPlan, m.ThematicPlanTopic, m.StudyGroup
    rows = await session.execute(
        select(tp.group_id, tp.discipline_id, func.sum(tt.hours))
        .join(tt, tt.plan_id == tp.id)
        .join(g, and_(g.id == tp.group_id, g.academic_year_id == tp.academic_year_id))
        .where(or_(*(and_(tp.group_id == a, tp.discipline_id == b) for a, b in pairs)))
        .group_by(tp.group_id, tp.discipline_id)
    )
    return {(a, b): int(h) for a, b, h in rows.all()}


def table_teacher_report(data: TeacherReport, access: ReportAccess, lang: str) -> ReportTable:
    columns = [
        Column("group", message("report_group", lang)),
        Column("discipline", message("report_discipline", lang)),
        Column("planned", message("report_lessons_planned", lang), CellKind.INTEGER),
        Column("given", message("report_lessons_given", lang), CellKind.INTEGER),
        Column("hours", message("report_hours_given", lang), CellKind.INTEGER),
        Column("plan_hours", message("report_thematic_plan_hours", lang), CellKind.INTEGER),
        Column("students", message("report_students", lang), CellKind.INTEGER),
        Column("marks", message("report_marks", lang), CellKind.INTEGER),
        Column("average", message("report_average", lang), CellKind.DECIMAL),
        Column("achievement", message("report_achievement", lang), CellKind.PERCENT),
        Column("quality", message("report_quality", lang), CellKind.PERCENT),
    ]
    rows: list[list[Cell]] = [
        [
            r.group_name,
            r.discipline_name,
            r.lessons_planned,
            r.lessons_given,
            r.hours_given,
            r.plan_hours,
            r.students,
            r.marks,
            r.average,
            r.achievement_percent,
            r.quality_percent,
        ]
        for r in data.rows
    ]
    subtitle = []
    if data.teacher_name:
        subtitle.append((message("report_line_teacher", lang)) + data.teacher_name)
    subtitle.append(_dates_line(data.date_from, data.date_to, lang))
    footer = []
    if data.suppressed_below is not None:
        footer.append(
            message(
                "report_figures_over_fewer_than_suppressed",
                lang,
                suppressed_below=data.suppressed_below,
            )
        )
    return ReportTable(
        title=REPORT_SPECS[ReportName.TEACHER_REPORT].title(lang),
        institution=None,
        subtitle=subtitle,
        columns=columns,
        rows=rows,
        footer=footer,
        landscape=True,
    )


# =====================================================================================
# Справка об обучении
# =====================================================================================


async def build_study_certificate(ctx: Context, access: ReportAccess) -> StudyCertificate:
    student_id = access.of.student_id
    assert student_id is not None and ctx.viewer is not None
    s, p, gm, g = m.Student, m.Person, m.GroupMembership, m.StudyGroup
    f, pe, d = m.FinalMark, m.Period, m.Discipline
    async with ctx.report_session() as session:
        institution = await _institution(session, access.institution_id)
        student, person = (
            await session.execute(
                select(s, p).join(p, p.id == s.person_id).where(s.id == student_id)
            )
        ).one()
        stays = (
            await session.execute(
                select(
                    gm.starts_on,
                    gm.ends_on,
                    g.name,
                    m.Speciality.code,
                    m.Speciality.name,
                    m.EducationalProgram.name,
                )
                .join(g, g.id == gm.group_id)
                .outerjoin(m.Speciality, m.Speciality.id == g.speciality_id)
                .outerjoin(m.Curriculum, m.Curriculum.id == g.curriculum_id)
                .outerjoin(m.EducationalProgram, m.EducationalProgram.id == m.Curriculum.program_id)
                .where(gm.student_id == student_id)
                .order_by(gm.starts_on, gm.id)
            )
        ).all()
        stmt = (
            select(f.discipline_id, d.name, pe.name, f.kind, f.value, f.date)
            .join(d, d.id == f.discipline_id)
            .join(pe, pe.id == f.period_id)
            .where(f.student_id == student_id)
            .order_by(f.date, d.name, f.kind, f.id)
        )
        if access.date_from is not None:
            stmt = stmt.where(f.date >= access.date_from)
        if access.date_to is not None:
            stmt = stmt.where(f.date <= access.date_to)
        finals = (await session.execute(stmt)).all()
    latest = stays[-1] if stays else None
    ends = [z for _, z, *_ in stays]
    return StudyCertificate(
        institution=institution,
        student_id=to_global_id("Student", student_id),
        full_name=_fio(person.surname, person.name, person.patronymic),
        birth_date=person.birth_date,
        group_name=None if latest is None else latest[2],
        speciality=None if latest is None or latest[3] is None else f"{latest[3]} {latest[4]}",
        program=None if latest is None else latest[5],
        enrolment_order_number=student.enrolment_order_number,
        enrolment_date=student.enrolment_date,
        studies_from=stays[0][0] if stays else student.enrolment_date,
        studies_to=None
        if not ends or any(z is None for z in ends)
        else max(z for z in ends if z is not None),
        issued_on=ctx.viewer.today,
        final_marks=[
            CertificateMark(
                discipline_id=to_global_id("Discipline", did),
                discipline_name=dname,
                period_name=pname,
                kind=kind,
                value=value,
                date=day,
            )
            for did, dname, pname, kind, value, day in finals
        ],
    )


def table_study_certificate(data: StudyCertificate, access: ReportAccess, lang: str) -> ReportTable:
    columns = [
        Column("n", message("report_column_no", lang), CellKind.INTEGER),
        Column("discipline", message("report_discipline", lang)),
        Column("period", message("report_period", lang)),
        Column("kind", message("report_kind", lang)),
        Column("value", message("report_column_final_mark", lang)),
        Column("date", message("report_date", lang), CellKind.DATE),
    ]
    rows: list[list[Cell]] = [
        [
            n,
            x.discipline_name,
            x.period_name,
            message(KIND_KEYS[x.kind], lang),
            _mark_text(x.value, lang),
            x.date,
        ]
        for n, x in enumerate(data.final_marks, 1)
    ]
    since = "—" if data.studies_from is None else _date_text(data.studies_from, lang)
    until = (
        message("certificate_until_now", lang)
        if data.studies_to is None
        else message("certificate_until", lang, date=_date_text(data.studies_to, lang))
    )
    order = data.enrolment_order_number or "—"
    order_date = "—" if data.enrolment_date is None else _date_text(data.enrolment_date, lang)
    born = (
        message("certificate_born", lang, date=_date_text(data.birth_date, lang))
        if data.birth_date
        else ""
    )
    subtitle = [
        message(
            "certificate_who",
            lang,
            name=data.full_name,
            born=born,
            institution=data.institution.name,
        ),
        message(
            "certificate_study",
            lang,
            group=data.group_name or "—",
            speciality=data.speciality or "—",
            program=data.program or "—",
        ),
        message(
            "certificate_order",
            lang,
            order=order,
            order_date=order_date,
            since=since,
            until=until,
        ),
    ]
    footer = [
        message("certificate_issued", lang, date=_date_text(data.issued_on, lang)),
        message("certificate_signature", lang),
    ]
    return ReportTable(
        title=REPORT_SPECS[ReportName.STUDY_CERTIFICATE].title(lang),
        institution=data.institution.details(),
        subtitle=subtitle,
        columns=columns,
        rows=rows,
        footer=footer,
    )


# =====================================================================================
# Declarations
# =====================================================================================

REPORT_SPECS: dict[ReportName, ReportSpec] = {
    spec.name: report(spec)
    for spec in (
        ReportSpec(
            name=ReportName.ATTENDANCE_SUMMARY_SHEET,
            levels=frozenset({ReportLevel.GROUP}),
            personal="student",
            build=build_attendance_summary,
            table=table_attendance_summary,
            printable=True,
        ),
        ReportSpec(
            name=ReportName.CURATOR_PRELIMINARY,
            levels=frozenset({ReportLevel.GROUP}),
            personal="student",
            build=build_curator_preliminary,
            table=table_curator_preliminary,
        ),
        ReportSpec(
            name=ReportName.CURATOR_PERIOD,
            levels=frozenset({ReportLevel.GROUP}),
            personal="student",
            build=build_curator_period,
            table=table_curator_period,
        ),
        ReportSpec(
            name=ReportName.PARENT_LETTER,
            levels=frozenset({ReportLevel.STUDENT}),
            personal="student",
            build=build_parent_letter,
            table=table_parent_letter,
            printable=True,
        ),
        ReportSpec(
            name=ReportName.TEACHER_REPORT,
            levels=frozenset({ReportLevel.TEACHER, ReportLevel.SUBJECT}),
            personal=None,
            build=build_teacher_report,
            table=table_teacher_report,
        ),
        ReportSpec(
            name=ReportName.STUDY_CERTIFICATE,
            levels=frozenset({ReportLevel.STUDENT}),
            personal="student",
            build=build_study_certificate,
            table=table_study_certificate,
            printable=True,
        ),
    )
}
