"""The report constructor (barnaul п. 7.4 «Конструктор отчётов»): measures by dimensions.

One SQL statement answers a request, whatever its measures: each *family* of facts a
measure needs becomes one SELECT of the same columns, the families are joined by
UNION ALL, grouped first per (cell, student) and then per cell, and the names of the
cell's entities are looked up by scalar subqueries of that same statement.

- **marks** (AVERAGE_MARK, MARK_COUNT, ACHIEVEMENT_PERCENT, QUALITY_PERCENT): the numeric
  current marks «2»..«5». «pass»/«fail» credits are no point on the scale and count
  nowhere here. The average is the mean of the marks; achievement (успеваемость) and
  quality (качество знаний) are decided per student on his result in each discipline (his
  average mark there rounded half up, as ``achievementQuality`` takes it where no period
  mark is set) — achieving: every result at least «3»; quality: every result «4» or
  «5» — then given as the percentage of the cell's students with numeric marks.
- **works** (WORKS_DONE_SHARE): every work (a column of the journal) with every student in
  its group on the work's day (of its subgroup, for a subgroup's lesson) is one cell of
  the journal that should be filled; the share is the percentage of those that hold a
  mark (any mark, a credit too: the work was done). It is ``marks given / (works ×
  students)`` where each work counts the students it had. Such a pair is a mark cell,
  given or not, so it is governed by ``mark`` like a mark.
- **attendance** (ABSENCES, HOURS_MISSED): absences (status ``absent``; a late arrival is
  no absence); hours missed are each absence's lesson length in academic hours of 45
  minutes, from the lesson's bell slot (a 90-minute pair counts 2; a lesson whose slot
  has no bell counts 1). ABSENCE_REASON splits these, and only these.

Who sees what is the ruleset's, through the policy engine's SQL filters: a fact row counts
only where ``aggregate`` on its object (``mark``, ``attendance``) allows it; a viewer
with no ``aggregate`` line for a family he asks for is FORBIDDEN. A cell over fewer than
``settings.small_cell_minimum`` distinct students is suppressed (values null) unless the
viewer may ``read`` every row behind it — decided in the same statement
(``MIN(CASE WHEN <read filter> THEN 1 ELSE 0 END)`` per cell). A suppressed cell keeps its
keys except a STUDENT key, whose id and name are withheld.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import (
    Float,
    Integer,
    String,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)

from campusgraph.context import Context
from campusgraph.db import models as m
from campusgraph.i18n import message
from campusgraph.policies.engine import Forbidden
from campusgraph.policies.scopes import SqlAnchors
from campusgraph.reports import downloads
from campusgraph.reports.table import Cell, CellKind, Column, ReportTable

#: Minutes of an academic hour (a 90-minute pair is two).
ACADEMIC_HOUR_MINUTES = 45.0


class Measure(enum.StrEnum):
    AVERAGE_MARK = "average_mark"
    MARK_COUNT = "mark_count"
    ABSENCES = "absences"
    HOURS_MISSED = "hours_missed"
    ACHIEVEMENT_PERCENT = "achievement_percent"
    QUALITY_PERCENT = "quality_percent"
    WORKS_DONE_SHARE = "works_done_share"


class Dimension(enum.StrEnum):
    INSTITUTION = "institution"
    DEPARTMENT = "department"
    GROUP = "group"
    DISCIPLINE = "discipline"
    TEACHER = "teacher"
    PERIOD = "period"
    MONTH = "month"
    WEEK = "week"
    STUDENT = "student"
    FUNDING_SOURCE = "funding_source"
    ABSENCE_REASON = "absence_reason"


class Family(enum.StrEnum):
    MARKS = "marks"
    WORKS = "works"
    ATTENDANCE = "attendance"


FAMILY_OF: dict[Measure, Family] = {
    Measure.AVERAGE_MARK: Family.MARKS,
    Measure.MARK_COUNT: Family.MARKS,
    Measure.ACHIEVEMENT_PERCENT: Family.MARKS,
    Measure.QUALITY_PERCENT: Family.MARKS,
    Measure.WORKS_DONE_SHARE: Family.WORKS,
    Measure.ABSENCES: Family.ATTENDANCE,
    Measure.HOURS_MISSED: Family.ATTENDANCE,
}

#: The object whose ``aggregate`` (and, for small cells, ``read``) governs a family.
FAMILY_OBJECT: dict[Family, str] = {
    Family.MARKS: "mark",
    Family.WORKS: "mark",
    Family.ATTENDANCE: "attendance",
}

#: The global-id type of an entity dimension's key.
ENTITY_TYPES: dict[Dimension, str] = {
    Dimension.INSTITUTION: "Institution",
    Dimension.DEPARTMENT: "Department",
    Dimension.GROUP: "Group",
    Dimension.DISCIPLINE: "Discipline",
    Dimension.TEACHER: "Employee",
    Dimension.PERIOD: "Period",
    Dimension.STUDENT: "Student",
}

MEASURE_KEYS: dict[Measure, str] = {
    Measure.AVERAGE_MARK: "analytics_measure_average_mark",
    Measure.MARK_COUNT: "analytics_measure_mark_count",
    Measure.ABSENCES: "analytics_measure_absences",
    Measure.HOURS_MISSED: "analytics_measure_hours_missed",
    Measure.ACHIEVEMENT_PERCENT: "analytics_measure_achievement_percent",
    Measure.QUALITY_PERCENT: "analytics_measure_quality_percent",
    Measure.WORKS_DONE_SHARE: "analytics_measure_works_done_share",
}

MEASURE_KINDS: dict[Measure, CellKind] = {
    Measure.AVERAGE_MARK: CellKind.DECIMAL,
    Measure.MARK_COUNT: CellKind.INTEGER,
    Measure.ABSENCES: CellKind.INTEGER,
    Measure.HOURS_MISSED: CellKind.DECIMAL,
    Measure.ACHIEVEMENT_PERCENT: CellKind.PERCENT,
    Measure.QUALITY_PERCENT: CellKind.PERCENT,
    Measure.WORKS_DONE_SHARE: CellKind.PERCENT,
}

DIMENSION_KEYS: dict[Dimension, str] = {
    Dimension.INSTITUTION: "analytics_dimension_institution",
    Dimension.DEPARTMENT: "analytics_dimension_department",
    Dimension.GROUP: "analytics_dimension_group",
    Dimension.DISCIPLINE: "analytics_dimension_discipline",
    Dimension.TEACHER: "analytics_dimension_teacher",
    Dimension.PERIOD: "analytics_dimension_period",
    Dimension.MONTH: "analytics_dimension_month",
    Dimension.WEEK: "analytics_dimension_week",
    Dimension.STUDENT: "analytics_dimension_student",
    Dimension.FUNDING_SOURCE: "analytics_dimension_funding_source",
    Dimension.ABSENCE_REASON: "analytics_dimension_absence_reason",
}

VALUE_KEYS: dict[str, str] = {
    "budget": "analytics_value_budget",
    "contract": "analytics_value_contract",
    "excused": "analytics_value_excused",
    "unexcused": "analytics_value_unexcused",
    "illness": "analytics_value_illness",
    "": "analytics_value_none",
}


class AnalyticsInvalid(ValueError):
    """A request the constructor does not answer (VALIDATION); ``key`` names the message."""

    def __init__(self, key: str, **kwargs: object) -> None:
        super().__init__(key)
        self.key = key
        self.kwargs = kwargs


@dataclasses.dataclass(frozen=True, slots=True)
class AnalyticsFilter:
    """Database ids (decoded from global ids); every field narrows, empty ones do not."""

    institutions: tuple[int, ...] = ()
    departments: tuple[int, ...] = ()
    groups: tuple[int, ...] = ()
    disciplines: tuple[int, ...] = ()
    teachers: tuple[int, ...] = ()  # Employee ids
    students: tuple[int, ...] = ()
    period_id: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    funding_source: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class AnalyticsRequest:
    measures: tuple[Measure, ...]
    by: tuple[Dimension, ...]
    filter: AnalyticsFilter = AnalyticsFilter()

    def families(self) -> list[Family]:
        return [f for f in Family if any(FAMILY_OF[ms] is f for ms in self.measures)]

    def check(self) -> None:
        if not self.measures:
            raise AnalyticsInvalid("analytics_no_measures")
        if len(set(self.measures)) != len(self.measures) or len(set(self.by)) != len(self.by):
            raise AnalyticsInvalid("analytics_repeated")
        if Dimension.ABSENCE_REASON in self.by and self.families() != [Family.ATTENDANCE]:
            raise AnalyticsInvalid("analytics_reason_needs_absences")
        f = self.filter
        if f.period_id is not None and (f.date_from or f.date_to):
            raise AnalyticsInvalid("report_period_or_dates")
        if f.date_from and f.date_to and f.date_from > f.date_to:
            raise AnalyticsInvalid("report_dates_reversed")


@dataclasses.dataclass(frozen=True, slots=True)
class Key:
    dimension: Dimension
    #: The database id of an entity dimension; the value itself for the others
    #: ("2026-09", "2026-09-07", "budget", "illness"; "" for an absence with no reason).
    value: int | str | None
    label: str | None


@dataclasses.dataclass(frozen=True, slots=True)
class Row:
    keys: tuple[Key, ...]
    values: tuple[float | None, ...]
    students: int
    suppressed: bool


@dataclasses.dataclass(frozen=True, slots=True)
class AnalyticsResult:
    request: AnalyticsRequest
    rows: tuple[Row, ...]
    suppressed_cells: int


# -- payloads (file downloads) ------------------------------------------------------------


def analytics_payload(request: AnalyticsRequest) -> dict[str, Any]:
    """The request as JSON, for a download link (ids are database ids)."""
    f = request.filter
    return {
        "measures": [ms.value for ms in request.measures],
        "by": [d.value for d in request.by],
        "filter": {
            "institutions": list(f.institutions),
            "departments": list(f.departments),
            "groups": list(f.groups),
            "disciplines": list(f.disciplines),
            "teachers": list(f.teachers),
            "students": list(f.students),
            "period_id": f.period_id,
            "date_from": None if f.date_from is None else f.date_from.isoformat(),
            "date_to": None if f.date_to is None else f.date_to.isoformat(),
            "funding_source": f.funding_source,
        },
    }


def from_payload(payload: Mapping[str, Any]) -> AnalyticsRequest:
    raw = payload.get("filter") or {}

    def ids(name: str) -> tuple[int, ...]:
        return tuple(int(v) for v in raw.get(name) or ())

    def day(name: str) -> dt.date | None:
        value = raw.get(name)
        return None if value is None else dt.date.fromisoformat(value)

    period = raw.get("period_id")
    return AnalyticsRequest(
        measures=tuple(Measure(v) for v in payload["measures"]),
        by=tuple(Dimension(v) for v in payload["by"]),
        filter=AnalyticsFilter(
            institutions=ids("institutions"),
            departments=ids("departments"),
            groups=ids("groups"),
            disciplines=ids("disciplines"),
            teachers=ids("teachers"),
            students=ids("students"),
            period_id=None if period is None else int(period),
            date_from=day("date_from"),
            date_to=day("date_to"),
            funding_source=raw.get("funding_source"),
        ),
    )


# -- the statement -------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class _Fact:
    """The columns of one family's fact rows every dimension and filter is built on."""

    institution: Any
    group: Any
    discipline: Any
    teacher: Any
    date: Any
    student: Any
    reason: Any
    anchors: SqlAnchors


def _int(expr: Any) -> Any:
    return case((expr, 1), else_=0)


def _month(date: Any, sqlite: bool) -> Any:
    if sqlite:
        return func.strftime("%Y-%m", date)
    return func.to_char(date, "YYYY-MM")


def _week(date: Any, sqlite: bool) -> Any:
    """The Monday the date's week starts on, as YYYY-MM-DD."""
    if sqlite:
        return func.date(date, "weekday 0", "-6 days")
    return func.to_char(func.date_trunc("week", date), "YYYY-MM-DD")


def _minutes(starts: Any, ends: Any, sqlite: bool) -> Any:
    if sqlite:
        return (func.julianday(ends) - func.julianday(starts)) * 1440.0
    return func.extract("epoch", ends - starts) / 60.0


def _period_of(fact: _Fact) -> Any:
    """The narrowest period of the institution holding the date (periods nest: a
    quarter in a half-year in a year): the latest start, then the earliest end."""
    p = m.Period
    return (
        select(p.id)
        .where(
            p.institution_id == fact.institution,
            p.starts_on <= fact.date,
            p.ends_on >= fact.date,
        )
        .order_by(p.starts_on.desc(), p.ends_on.asc(), p.id)
        .limit(1)
        .scalar_subquery()
    )


def _dimension(dim: Dimension, fact: _Fact, sqlite: bool) -> Any:
    if dim is Dimension.INSTITUTION:
        return fact.institution
    if dim is Dimension.DEPARTMENT:
        sg = m.StudyGroup
        return select(sg.department_id).where(sg.id == fact.group).scalar_subquery()
    if dim is Dimension.GROUP:
        return fact.group
    if dim is Dimension.DISCIPLINE:
        return fact.discipline
    if dim is Dimension.TEACHER:
        return fact.teacher
    if dim is Dimension.PERIOD:
        return _period_of(fact)
    if dim is Dimension.MONTH:
        return _month(fact.date, sqlite)
    if dim is Dimension.WEEK:
        return _week(fact.date, sqlite)
    if dim is Dimension.STUDENT:
        return fact.student
    if dim is Dimension.FUNDING_SOURCE:
        st = m.Student
        return select(st.funding_source).where(st.id == fact.student).scalar_subquery()
    assert dim is Dimension.ABSENCE_REASON
    return func.coalesce(cast(fact.reason, String(16)), literal(""))


def _filters(f: AnalyticsFilter, fact: _Fact) -> list[Any]:
    out: list[Any] = []
    if f.institutions:
        out.append(fact.institution.in_(f.institutions))
    if f.groups:
        out.append(fact.group.in_(f.groups))
    if f.departments:
        sg = m.StudyGroup
        out.append(fact.group.in_(select(sg.id).where(sg.department_id.in_(f.departments))))
    if f.disciplines:
        out.append(fact.discipline.in_(f.disciplines))
    if f.teachers:
        out.append(fact.teacher.in_(f.teachers))
    if f.students:
        out.append(fact.student.in_(f.students))
    if f.funding_source is not None:
        st = m.Student
        out.append(fact.student.in_(select(st.id).where(st.funding_source == f.funding_source)))
    if f.period_id is not None:
        p = m.Period
        chosen = select(p.starts_on, p.ends_on, p.institution_id).where(p.id == f.period_id)
        out.append(fact.institution == chosen.with_only_columns(p.institution_id).scalar_subquery())
        out.append(fact.date >= chosen.with_only_columns(p.starts_on).scalar_subquery())
        out.append(fact.date <= chosen.with_only_columns(p.ends_on).scalar_subquery())
    if f.date_from is not None:
        out.append(fact.date >= f.date_from)
    if f.date_to is not None:
        out.append(fact.date <= f.date_to)
    return out


def _family_select(ctx: Context, family: Family, request: AnalyticsRequest, export: bool) -> Any:
    """One family's fact rows, filtered by ``aggregate`` (and, for a file, by the ``report``
    ``export`` filter of each row's group), with the uniform columns of the union."""
    auth = ctx.authorizer
    sqlite = ctx.settings.is_sqlite
    lesson = m.Lesson
    # The lesson is joined only where a figure or key needs it (its teacher, its bell).
    by_teacher = Dimension.TEACHER in request.by or bool(request.filter.teachers)
    teacher = lesson.teacher_id if by_teacher else None
    none_int = cast(null(), Integer)
    none_float = cast(null(), Float)
    columns: dict[str, Any]
    where: list[Any]
    if family is Family.MARKS:
        mk = m.Mark
        fact = _Fact(
            mk.institution_id,
            mk.group_id,
            mk.discipline_id,
            teacher,
            mk.date,
            mk.student_id,
            None,
            SqlAnchors(
                institution=mk.institution_id,
                group=mk.group_id,
                discipline=mk.discipline_id,
                student=mk.student_id,
                lesson=mk.lesson_id,
                date=mk.date,
                author=mk.author_user_id,
            ),
        )
        base = select().select_from(mk)
        if by_teacher:
            base = base.join(lesson, lesson.id == mk.lesson_id)
        where = [
            mk.value.in_(["2", "3", "4", "5"]),
            auth.where("mark", "aggregate"),
        ]
        readable = auth.where("mark", "read")
        columns = {
            "mark": cast(mk.value, Integer),
            "expected": none_int,
            "done": none_int,
            "absent": none_int,
            "hours": none_float,
        }
    elif family is Family.WORKS:
        w, gm, mk = m.Work, m.GroupMembership, m.Mark
        sm = m.SubgroupMember
        fact = _Fact(
            w.institution_id,
            w.group_id,
            w.discipline_id,
            teacher,
            w.date,
            gm.student_id,
            None,
            SqlAnchors(
                institution=w.institution_id,
                group=w.group_id,
                discipline=w.discipline_id,
                student=gm.student_id,
                lesson=w.lesson_id,
                date=w.date,
            ),
        )
        base = (
            select()
            .select_from(w)
            .join(lesson, lesson.id == w.lesson_id)
            .join(
                gm,
                and_(
                    gm.group_id == w.group_id,
                    gm.starts_on <= w.date,
                    or_(gm.ends_on.is_(None), gm.ends_on > w.date),
                ),
            )
        )
        in_subgroup = exists(
            select(sm.id).where(
                sm.subgroup_id == lesson.subgroup_id, sm.student_id == gm.student_id
            )
        )
        given = exists(select(mk.id).where(mk.work_id == w.id, mk.student_id == gm.student_id))
        where = [
            or_(lesson.subgroup_id.is_(None), in_subgroup),
            # A (work, student) pair is a mark cell, given or not: governed like a mark.
            auth.where("mark", "aggregate", fact.anchors),
        ]
        readable = auth.where("mark", "read", fact.anchors)
        columns = {
            "mark": none_int,
            "expected": literal(1),
            "done": _int(given),
            "absent": none_int,
            "hours": none_float,
        }
    else:
        at, bell = m.Attendance, m.BellSlot
        fact = _Fact(
            at.institution_id,
            at.group_id,
            at.discipline_id,
            teacher,
            at.date,
            at.student_id,
            at.reason,
            SqlAnchors(
                institution=at.institution_id,
                group=at.group_id,
                discipline=at.discipline_id,
                student=at.student_id,
                lesson=at.lesson_id,
                date=at.date,
                author=at.author_user_id,
            ),
        )
        base = select().select_from(at)
        hours: Any = none_float
        if by_teacher or Measure.HOURS_MISSED in request.measures:
            base = base.join(lesson, lesson.id == at.lesson_id)
        if Measure.HOURS_MISSED in request.measures:
            base = base.outerjoin(
                bell,
                and_(bell.institution_id == lesson.institution_id, bell.number == lesson.slot),
            )
            minutes = _minutes(bell.starts_at, bell.ends_at, sqlite)
            hours = func.coalesce(minutes / ACADEMIC_HOUR_MINUTES, 1.0)
        where = [at.status == "absent", auth.where("attendance", "aggregate")]
        readable = auth.where("attendance", "read")
        columns = {
            "mark": none_int,
            "expected": none_int,
            "done": none_int,
            "absent": literal(1),
            "hours": hours,
        }
    if export:
        where.append(
            auth.where(
                "report",
                "export",
                SqlAnchors(institution=fact.institution, group=fact.group),
            )
        )
    dims = {f"d{i}": _dimension(d, fact, sqlite) for i, d in enumerate(request.by)}
    picked = [expr.label(name) for name, expr in dims.items()]
    picked += [fact.student.label("student"), fact.discipline.label("discipline")]
    picked += [cast(v, Float if k == "hours" else Integer).label(k) for k, v in columns.items()]
    picked += [_int(readable).label("readable")]
    return base.add_columns(*picked).where(*where, *_filters(request.filter, fact))


def _label(ctx: Context, dim: Dimension, value: Any) -> Any:
    """The name of an entity key, as a scalar subquery of the final statement. A person's
    name only where the viewer may read his card (the ``employee`` / ``student`` read
    filter): the region authority gets a teacher's figures under his id, not his name."""
    if dim is Dimension.INSTITUTION:
        return select(m.Institution.name).where(m.Institution.id == value).scalar_subquery()
    if dim is Dimension.DEPARTMENT:
        return select(m.Department.name).where(m.Department.id == value).scalar_subquery()
    if dim is Dimension.GROUP:
        return select(m.StudyGroup.name).where(m.StudyGroup.id == value).scalar_subquery()
    if dim is Dimension.DISCIPLINE:
        return select(m.Discipline.name).where(m.Discipline.id == value).scalar_subquery()
    if dim is Dimension.PERIOD:
        return select(m.Period.name).where(m.Period.id == value).scalar_subquery()
    p = m.Person
    full = p.surname + " " + p.name + func.coalesce(" " + p.patronymic, "")
    if dim is Dimension.TEACHER:
        e = m.Employee
        readable_card = ctx.authorizer.where("employee", "read")
        return (
            select(full)
            .join(e, e.person_id == p.id)
            .where(e.id == value, readable_card)
            .scalar_subquery()
        )
    if dim is Dimension.STUDENT:
        s = m.Student
        readable_student = ctx.authorizer.where("student", "read")
        return (
            select(full)
            .join(s, s.person_id == p.id)
            .where(s.id == value, readable_student)
            .scalar_subquery()
        )
    return null()


#: Measures decided per student first (then the share of students).
PER_STUDENT = frozenset({Measure.ACHIEVEMENT_PERCENT, Measure.QUALITY_PERCENT})


def _figures(
    *, n_marks: Any, sum_marks: Any, done: Any, expected: Any, absent: Any, hours: Any
) -> dict[Measure, Any]:
    """The figures that are sums over the cell's rows (or its students' subtotals)."""
    return {
        Measure.AVERAGE_MARK: cast(sum_marks, Float) / func.nullif(n_marks, 0),
        Measure.MARK_COUNT: n_marks,
        Measure.WORKS_DONE_SHARE: 100.0 * cast(done, Float) / func.nullif(expected, 0),
        Measure.ABSENCES: absent,
        Measure.HOURS_MISSED: hours,
    }


def _per_student(facts: Any, dims: list[Any]) -> tuple[list[Any], dict[Measure, Any], Any, Any]:
    """Group per (cell, student, discipline), then per (cell, student): achievement and
    quality are a student's, decided on his result in each discipline — his average mark
    there rounded half up, as ``achievementQuality`` takes it where no period mark is set
    (a single «3» among many «5» does not take a student out of the quality share)."""
    f = facts.c
    per_discipline = (
        select(
            *dims,
            f.student,
            func.count(f.mark).label("n_marks"),
            func.sum(f.mark).label("sum_marks"),
            (cast(func.sum(f.mark), Float) / func.nullif(func.count(f.mark), 0)).label("average"),
            func.sum(f.expected).label("expected"),
            func.sum(f.done).label("done"),
            func.sum(f.absent).label("absent"),
            func.sum(f.hours).label("hours"),
            func.min(f.readable).label("readable"),
        )
        .group_by(*dims, f.student, f.discipline)
        .subquery("per_discipline")
    )
    pd = per_discipline.c
    cells = [pd[f"d{i}"] for i in range(len(dims))]
    per_student = (
        select(
            *cells,
            pd.student,
            func.sum(pd.n_marks).label("n_marks"),
            func.sum(pd.sum_marks).label("sum_marks"),
            # The lowest result: rounded half up, a result is ≥ 3 from 2.5, ≥ 4 from 3.5.
            func.min(pd.average).label("lowest"),
            func.sum(pd.expected).label("expected"),
            func.sum(pd.done).label("done"),
            func.sum(pd.absent).label("absent"),
            func.sum(pd.hours).label("hours"),
            func.min(pd.readable).label("readable"),
        )
        .group_by(*cells, pd.student)
        .subquery("per_student")
    )
    ps = per_student.c
    cell = [ps[f"d{i}"] for i in range(len(dims))]
    with_marks = func.nullif(func.sum(_int(ps.n_marks > 0)), 0)
    figures = _figures(
        n_marks=func.sum(ps.n_marks),
        sum_marks=func.sum(ps.sum_marks),
        done=func.sum(ps.done),
        expected=func.sum(ps.expected),
        absent=func.sum(ps.absent),
        hours=func.sum(ps.hours),
    )
    figures[Measure.ACHIEVEMENT_PERCENT] = (
        100.0 * func.sum(_int(and_(ps.n_marks > 0, ps.lowest >= 2.5))) / with_marks
    )
    figures[Measure.QUALITY_PERCENT] = (
        100.0 * func.sum(_int(and_(ps.n_marks > 0, ps.lowest >= 3.5))) / with_marks
    )
    return cell, figures, func.count(), func.min(ps.readable)


def statement(ctx: Context, request: AnalyticsRequest, *, export: bool = False) -> Any:
    """The one statement of a request (the families joined by UNION ALL)."""
    families = request.families()
    parts: list[Any] = [_family_select(ctx, fam, request, export) for fam in families]
    joined: Any = parts[0] if len(parts) == 1 else union_all(*parts)
    facts: Any = joined.subquery("facts")
    dims = [facts.c[f"d{i}"] for i in range(len(request.by))]
    if PER_STUDENT & set(request.measures):
        cell, figures, students, readable = _per_student(facts, dims)
    else:
        # No figure decided per student: one grouping, students counted distinct.
        f = facts.c
        cell = dims
        figures = _figures(
            n_marks=func.count(f.mark),
            sum_marks=func.sum(f.mark),
            done=func.sum(f.done),
            expected=func.sum(f.expected),
            absent=func.sum(f.absent),
            hours=func.sum(f.hours),
        )
        students, readable = func.count(func.distinct(f.student)), func.min(f.readable)
    grouped = (
        select(
            *[c.label(f"d{i}") for i, c in enumerate(cell)],
            students.label("students"),
            readable.label("readable"),
            *[figures[ms].label(f"v{j}") for j, ms in enumerate(request.measures)],
        )
        .group_by(*cell)
        .subquery("cells")
    )
    g = grouped.c
    labels = [_label(ctx, d, g[f"d{i}"]).label(f"l{i}") for i, d in enumerate(request.by)]
    order: list[Any] = []
    for i, label in enumerate(labels):
        order += [label.nulls_last(), g[f"d{i}"].nulls_last()]
    return select(*g, *labels).order_by(*order).limit(ctx.settings.analytics_max_rows + 1)


def _missing_line(ctx: Context, obj: str, act: str) -> bool:
    allow, _ = ctx.authorizer.lines(obj, act)
    return not allow


async def _require_some_line(ctx: Context, obj: str, act: str) -> None:
    """FORBIDDEN, with the engine's reason and clause, when no line of the viewer's roles
    grants ``act`` on ``obj`` at all (the SQL filter alone would answer an empty table,
    which says "nothing happened" where the truth is "not yours to ask")."""
    if not _missing_line(ctx, obj, act):
        return
    auth = ctx.authorizer
    viewer = ctx.viewer
    assert viewer is not None
    target = auth.target(obj, institution_id=viewer.institution_id)
    decision = await auth.check(obj, act, target)
    raise Forbidden(decision)


async def run(ctx: Context, request: AnalyticsRequest, *, export: bool = False) -> AnalyticsResult:
    """Answer ``request``, or raise :class:`AnalyticsInvalid` / ``Forbidden``."""
    request.check()
    for family in request.families():
        await _require_some_line(ctx, FAMILY_OBJECT[family], "aggregate")
    if export:
        await _require_some_line(ctx, "report", "export")
    limit = ctx.settings.analytics_max_rows
    async with ctx.report_session() as session:
        found = (await session.execute(statement(ctx, request, export=export))).all()
    if len(found) > limit:
        raise AnalyticsInvalid("analytics_too_many_rows", limit=limit)
    minimum = ctx.settings.small_cell_minimum
    rows: list[Row] = []
    suppressed_cells = 0
    for found_row in found:
        r = found_row._mapping
        students = int(r["students"])
        suppressed = students < minimum and not r["readable"]
        suppressed_cells += suppressed
        keys = []
        for i, dim in enumerate(request.by):
            value = r[f"d{i}"]
            label = r[f"l{i}"]
            if dim is Dimension.STUDENT and suppressed:
                value, label = None, None
            keys.append(Key(dim, value, label))
        values: tuple[float | None, ...] = tuple(
            None if suppressed or r[f"v{j}"] is None else float(r[f"v{j}"])
            for j in range(len(request.measures))
        )
        rows.append(Row(tuple(keys), values, students, suppressed))
    return AnalyticsResult(request, tuple(rows), suppressed_cells)


def key_label(key: Key, lang: str) -> str | None:
    """A key as read: an entity's name, else its value said in the language asked."""
    if key.label is not None:
        return key.label
    if key.dimension in ENTITY_TYPES or key.value is None:
        return None
    value = str(key.value)
    label = VALUE_KEYS.get(value)
    if label is not None and key.dimension in (
        Dimension.FUNDING_SOURCE,
        Dimension.ABSENCE_REASON,
    ):
        return message(label, lang)
    return value


# -- the file ---------------------------------------------------------------------------------


def table(result: AnalyticsResult, lang: str) -> ReportTable:
    """The analytics table as printed: a column per dimension, per measure, and students."""
    request = result.request
    columns: list[Column] = [
        Column(d.value, message(DIMENSION_KEYS[d], lang), CellKind.TEXT) for d in request.by
    ]
    columns += [
        Column(ms.value, message(MEASURE_KEYS[ms], lang), MEASURE_KINDS[ms])
        for ms in request.measures
    ]
    columns.append(Column("students", message("report_students", lang), CellKind.INTEGER))
    rows: list[Sequence[Cell]] = []
    for row in result.rows:
        cells: list[Cell] = [key_label(k, lang) for k in row.keys]
        for ms, value in zip(request.measures, row.values, strict=True):
            if value is None:
                cells.append(None)
            elif MEASURE_KINDS[ms] is CellKind.INTEGER:
                cells.append(int(value))
            else:
                cells.append(round(value, 2))
        cells.append(row.students)
        rows.append(cells)
    footer: list[str] = []
    if result.suppressed_cells:
        footer.append(
            message(
                "report_suppressed_cells_over_minimum_suppressed",
                lang,
                suppressed_cells=result.suppressed_cells,
            )
        )
    return ReportTable(
        title=message("analytics_title", lang),
        institution=None,
        subtitle=[],
        columns=columns,
        rows=rows,
        footer=footer,
        landscape=len(columns) > 6,
    )


async def build_file(ctx: Context, payload: Mapping[str, Any], lang: str) -> ReportTable:
    """A download of an analytics table. Its access is decided again, as for the query,
    and more: the facts are those the viewer may ``aggregate`` AND whose group's reports
    he may ``export`` (the ``report`` object's export filter, by each row's group), and a
    viewer with no ``report export`` line at all is FORBIDDEN. So a teacher exports the
    figures of his groups, an administrator his institution's, and the region authority
    (which exports ``region_report``, not reports) none."""
    return table(await run(ctx, from_payload(payload), export=True), lang)


async def check_file(ctx: Context, payload: Mapping[str, Any]) -> None:
    """At the link's issue: the request valid and the lines it needs present, so a
    refusal is said then (FORBIDDEN, VALIDATION), not by a dead link."""
    request = from_payload(payload)
    request.check()
    for family in request.families():
        await _require_some_line(ctx, FAMILY_OBJECT[family], "aggregate")
    await _require_some_line(ctx, "report", "export")


downloads.register_kind("analytics", build_file, check=check_file)

__all__ = [
    "AnalyticsFilter",
    "AnalyticsInvalid",
    "AnalyticsRequest",
    "AnalyticsResult",
    "Dimension",
    "Measure",
    "analytics_payload",
    "build_file",
    "from_payload",
    "run",
    "statement",
]
