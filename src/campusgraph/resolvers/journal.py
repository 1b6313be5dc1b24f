"""The journal of one group × discipline × period, in columnar shape.

Five selects whatever the size: header (with the permission as a column), students with
their final marks, lessons with their works, marks, attendance — on PostgreSQL two
statements, the last four selects run as one (``_one_statement``). Cells are aligned lists
(one entry per column), so a 30 × 40 grid is 30 rows of flat lists, not 1,200 objects.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from statistics import fmean
from typing import Any, NamedTuple

import orjson
from aiodataloader import DataLoader
from sqlalchemy import Text, and_, bindparam, case, cast, func, or_, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import aliased

from campusgraph.context import Context
from campusgraph.db import models as m
from campusgraph.db.enums import (
    AbsenceReason,
    AttendanceStatus,
    FinalMarkKind,
    LessonType,
    WorkKind,
)
from campusgraph.db.tenancy import confined, confined_rows
from campusgraph.ids import global_id_sql, to_global_id
from campusgraph.policies.engine import Authorizer, Forbidden
from campusgraph.policies.scopes import SqlAnchors

NUMERIC = {"2", "3", "4", "5"}


class JournalNotFound(LookupError):
    pass


@dataclass(slots=True)
class JournalWork:
    id: str
    kind: WorkKind
    number: int | None
    title: str | None


@dataclass(slots=True)
class JournalLesson:
    id: str
    date: dt.date
    slot: int
    topic: str | None
    lesson_type: LessonType
    homework: str | None
    version: int
    works: list[JournalWork] = field(default_factory=list)


@dataclass(slots=True)
class JournalColumn:
    work_id: str
    lesson_id: str
    lesson_index: int
    date: dt.date
    kind: WorkKind
    number: int | None


@dataclass(slots=True)
class JournalFinalMark:
    id: str
    kind: FinalMarkKind
    value: str
    version: int


@dataclass(slots=True)
class JournalRow:
    student_id: str
    surname: str
    name: str
    patronymic: str | None
    marks: list[str | None]
    mark_ids: list[str | None]
    mark_versions: list[int | None]
    attendance: list[AttendanceStatus | None]
    absence_reasons: list[AbsenceReason | None]
    attendance_versions: list[int | None]
    final_marks: list[JournalFinalMark]
    average: float | None
    in_group_from: dt.date
    in_group_until: dt.date | None

    @property
    def full_name(self) -> str:
        return " ".join(x for x in (self.surname, self.name, self.patronymic) if x)


@dataclass(slots=True)
class JournalData:
    group: Any
    discipline: Any
    period: Any
    lessons: list[JournalLesson]
    columns: list[JournalColumn]
    rows: list[JournalRow]


#: The header's group, discipline and period, selected as columns and made into instances
#: (:func:`_header_entities`): the ORM's loading of three entities cost more than the
#: header's whole Core select.
_HEADER_MODELS: tuple[Any, ...] = (m.StudyGroup, m.Discipline, m.Period)
_HEADER_KEYS = tuple(
    tuple(attr.key for attr in sa_inspect(model).column_attrs) for model in _HEADER_MODELS
)
_HEADER_COLUMNS = tuple(
    getattr(model, key)
    for model, keys in zip(_HEADER_MODELS, _HEADER_KEYS, strict=True)
    for key in keys
)


def _header_entities(row: Sequence[Any]) -> tuple[Any, Any, Any, Any]:
    """(group, discipline, period, allowed) of a header row: the entities as plain, unsaved
    instances of their models (attributes only; nothing loads through them)."""
    found: list[Any] = []
    at = 0
    for model, keys in zip(_HEADER_MODELS, _HEADER_KEYS, strict=True):
        found.append(model(**dict(zip(keys, row[at : at + len(keys)], strict=True))))
        at += len(keys)
    group, discipline, period = found
    return group, discipline, period, row[at]


class JournalStatements(NamedTuple):
    """The journal's five selects for one viewer, values as bound parameters."""

    header: Any
    students: Any
    lessons: Any
    marks: Any
    attendance: Any


def _journal_statements(auth: Authorizer, many: bool = False) -> JournalStatements:
    """Built once per viewer (see :meth:`Authorizer.memo`): their policy filters depend on
    the viewer only, the group, discipline and period are bound at execution. Building
    them cost as much as running them (a third of the journal's time in the resolver).

    Each row set reads the period's dates by its id (a subquery PostgreSQL runs once), so
    none waits for the header (and on PostgreSQL all five run as one statement,
    :func:`_whole_statement`). Measured on the 50 × 1,000 region, PostgreSQL's generic plan
    of the whole statement: 2.34 ms, against 2.74 ms joining the period into each row set
    (a scan of the periods per mark) and more with the header's period columns correlated.

    ``many``: the journals of several disciplines of one group × period at once (bound as
    ``discipline_ids``), each row but the header's ending with its discipline."""
    group_id: Any = bindparam("group_id")
    discipline_id: Any = bindparam("discipline_id")
    discipline_ids: Any = bindparam("discipline_ids", expanding=True)

    def of_discipline(column: Any) -> Any:
        return column.in_(discipline_ids) if many else column == discipline_id

    def tagged(*columns: Any, discipline: Any) -> tuple[Any, ...]:
        return (*columns, discipline) if many else columns

    period_id: Any = bindparam("period_id")
    g, d, p = m.StudyGroup, m.Discipline, m.Period
    dates = aliased(m.Period, name="journal_period")
    starts = select(dates.starts_on).where(dates.id == period_id).scalar_subquery()
    ends = select(dates.ends_on).where(dates.id == period_id).scalar_subquery()

    def within(column: Any) -> Any:
        return and_(column >= starts, column <= ends)

    journal_filter = auth.where(
        "journal",
        "read",
        SqlAnchors(institution=g.institution_id, group=g.id, discipline=d.id),
    )
    header = (
        select(*_HEADER_COLUMNS, case((journal_filter, 1), else_=0))
        .select_from(g)
        .join(d, of_discipline(d.id))
        .join(p, p.id == period_id)
        .where(g.id == group_id)
    )
    gm, st, pe, fm = m.GroupMembership, m.Student, m.Person, m.FinalMark
    students = (
        select(
            *tagged(
                st.id,
                pe.surname,
                pe.name,
                pe.patronymic,
                gm.starts_on,
                gm.ends_on,
                fm.id,
                fm.kind,
                fm.value,
                fm.version,
                discipline=fm.discipline_id,
            )
        )
        .select_from(gm)
        .join(st, st.id == gm.student_id)
        .join(pe, pe.id == st.person_id)
        .outerjoin(
            fm,
            and_(
                fm.student_id == st.id,
                of_discipline(fm.discipline_id),
                fm.period_id == period_id,
                auth.where("final_mark", "read"),
            ),
        )
        .where(
            gm.group_id == group_id,
            gm.starts_on <= ends,
            or_(gm.ends_on.is_(None), gm.ends_on > starts),
            auth.where("student", "read"),
        )
        .order_by(pe.surname, pe.name, pe.patronymic, st.id, fm.kind)
    )
    le, wo = m.Lesson, m.Work
    lessons = (
        select(
            *tagged(
                le.id,
                le.date,
                le.slot,
                le.topic,
                le.lesson_type,
                le.homework,
                le.version,
                wo.id,
                wo.kind,
                wo.number,
                wo.title,
                discipline=le.discipline_id,
            )
        )
        .select_from(le)
        # By work's lesson_id index (migration 0003).
        .outerjoin(wo, and_(wo.lesson_id == le.id, auth.where("work", "read")))
        .where(
            le.group_id == group_id,
            of_discipline(le.discipline_id),
            within(le.date),
            auth.where("lesson", "read"),
        )
        .order_by(le.date, le.slot, le.id, wo.id)
    )

    def cells(model: Any, obj: str, *columns: Any) -> Any:
        """Marks or attendance: the group × discipline's rows dated within the period."""
        return (
            select(*tagged(*columns, discipline=model.discipline_id))
            .select_from(model)
            .where(
                model.group_id == group_id,
                of_discipline(model.discipline_id),
                within(model.date),
                auth.where(obj, "read"),
            )
        )

    mk, at = m.Mark, m.Attendance
    marks = cells(mk, "mark", mk.work_id, mk.student_id, mk.id, mk.value, mk.version)
    attendance = cells(
        at, "attendance", at.lesson_id, at.student_id, at.status, at.reason, at.version
    )
    scope = auth.viewer.institution_ids
    return JournalStatements(
        *(confined(stmt, scope) for stmt in (header, students, lessons, marks, attendance))
    )


#: The order of each row set, as positions of its columns (the selects' ORDER BY).
_STUDENTS_ORDER = (1, 2, 3, 0, 7)  # surname, name, patronymic, student, final mark's kind
_LESSONS_ORDER = (1, 2, 0, 7)  # date, slot, lesson, work


def _rows_as_json(stmt: Any, order: tuple[int, ...]) -> Any:
    """One row set of the journal as a JSON array of arrays, built by PostgreSQL."""
    rows = stmt.order_by(None).subquery()
    columns = list(rows.c)
    row = func.json_build_array(*columns)
    ordered = aggregate_order_by(row, *(columns[i] for i in order)) if order else row
    return select(cast(func.json_agg(ordered), Text)).scalar_subquery()


def _columns_as_json(stmt: Any, ids: dict[int, str] | None = None) -> Any:
    """An unordered row set (marks, attendance: hundreds of rows) as one JSON array per
    column: a value per row instead of an array per row, for PostgreSQL to build and
    orjson to read. ``ids``: columns sent as global ids of that type (a journal's 597
    mark ids encoded by the database, on its own core)."""
    columns: list[Any] = list(stmt.subquery().c)
    for position, type_name in (ids or {}).items():
        columns[position] = global_id_sql(type_name, columns[position])
    arrays = func.json_build_array(*(func.json_agg(column) for column in columns))
    return select(cast(arrays, Text)).scalar_subquery()


def _row_sets_as_json(stmts: JournalStatements) -> tuple[Any, ...]:
    return (
        _rows_as_json(stmts.students, _STUDENTS_ORDER).label("students"),
        _rows_as_json(stmts.lessons, _LESSONS_ORDER).label("lessons"),
        _columns_as_json(stmts.marks, {2: "Mark"}).label("marks"),
        _columns_as_json(stmts.attendance).label("attendance"),
    )


def _one_statement(stmts: JournalStatements, scope: tuple[int, ...]) -> Any:
    """PostgreSQL: students, lessons, marks and attendance in one statement — one round
    trip instead of four, and the rows built into JSON by the database (on its own core)
    and parsed by orjson, instead of row by row by SQLAlchemy. Each row set is the kept
    select itself, its policy filter inside; the tenant criteria are applied to the whole."""
    return confined(select(*_row_sets_as_json(stmts)), scope)


def _whole_statement(auth: Authorizer) -> Any:
    """PostgreSQL, one journal: the header's row with the four row sets as columns of it
    (:func:`_one_statement`'s) — the journal in one statement. A refused journal's row
    sets are read too, each through its own policy filter, and dropped."""
    stmts: JournalStatements = auth.memo("journal", lambda: _journal_statements(auth))
    return stmts.header.add_columns(*_row_sets_as_json(stmts))


async def load_journal(
    ctx: Context, group_id: int, discipline_id: int, period_id: int
) -> JournalData:
    auth = ctx.authorizer
    ids = {"group_id": group_id, "discipline_id": discipline_id, "period_id": period_id}
    async with ctx.session() as session:
        whole = session.get_bind().dialect.name in ONE_STATEMENT_BACKENDS
        if whole:
            stmt = auth.memo("journal:whole", lambda: _whole_statement(auth))
        else:
            stmts: JournalStatements = auth.memo("journal", lambda: _journal_statements(auth))
            stmt = stmts.header
        header = await confined_rows(session, stmt, ids)
        if not header:
            raise JournalNotFound
        group, discipline, period, allowed = _header_entities(header[0])
        if not allowed:
            target = auth.target(
                "journal",
                institution_id=group.institution_id,
                group_id=group.id,
                discipline_id=discipline.id,
            )
            raise Forbidden(await auth.check("journal", "read", target))
        row_sets: RowSets
        if whole:
            row_sets = _from_json(*header[0][len(_HEADER_COLUMNS) + 1 :])
        else:
            row_sets = await _row_sets(ctx, session, stmts, ids, "journal:one")

    return _assemble(group, discipline, period, *row_sets)


RowSets = tuple[Sequence[Any], Sequence[Any], Sequence[Any], Sequence[Any]]
#: Where the four row sets run as one statement (tests compare both paths on PostgreSQL).
ONE_STATEMENT_BACKENDS = frozenset({"postgresql"})


async def _row_sets(
    ctx: Context, session: Any, stmts: JournalStatements, values: dict[str, Any], name: str
) -> RowSets:
    """Students, lessons, marks and attendance: on PostgreSQL in one statement
    (:func:`_one_statement`, kept per viewer as ``name``), elsewhere one select each (on
    SQLite a statement costs no round trip, and building JSON would take the same thread)."""
    if session.get_bind().dialect.name in ONE_STATEMENT_BACKENDS:
        auth = ctx.authorizer
        scope = auth.viewer.institution_ids
        one = auth.memo(name, lambda: _one_statement(stmts, scope))
        found: Any = (await confined_rows(session, one, values))[0]
        return _from_json(*found)
    return (
        await confined_rows(session, stmts.students, values),
        await confined_rows(session, stmts.lessons, values),
        await confined_rows(session, stmts.marks, values),
        await confined_rows(session, stmts.attendance, values),
    )


JournalKey = tuple[int, int, int]  # group, discipline, period


class JournalsByKeyLoader(DataLoader):  # type: ignore[type-arg]
    """The journals one operation asks for, loaded together: a deputy's summary sheet
    aliases one journal per discipline of a group × period, which cost five statements
    each; the journals of one group × period now share five. A journal asked for alone
    takes the one-journal path unchanged."""

    def __init__(self, ctx: Context) -> None:
        super().__init__()
        self.ctx = ctx

    async def batch_load_fn(self, keys: list[JournalKey]) -> list[JournalData | Exception]:
        places: dict[tuple[int, int], list[int]] = defaultdict(list)
        for group, discipline, period in keys:
            places[(group, period)].append(discipline)
        found: dict[JournalKey, JournalData | Exception] = {}
        for (group, period), disciplines in places.items():
            if len(disciplines) == 1:
                try:
                    found[(group, disciplines[0], period)] = await load_journal(
                        self.ctx, group, disciplines[0], period
                    )
                except (JournalNotFound, Forbidden) as refused:
                    found[(group, disciplines[0], period)] = refused
                continue
            journals = await load_journals(self.ctx, group, disciplines, period)
            for discipline, journal in journals.items():
                found[(group, discipline, period)] = journal
        return [found[key] for key in keys]


async def load_journals(
    ctx: Context, group_id: int, discipline_ids: list[int], period_id: int
) -> dict[int, JournalData | Exception]:
    """The journals of several disciplines of one group × period — the headers, then the
    row sets (one statement on PostgreSQL, four selects on SQLite) — each discipline's
    journal as :func:`load_journal` gives it, or why it is refused."""
    auth = ctx.authorizer
    stmts: JournalStatements = auth.memo("journals", lambda: _journal_statements(auth, True))
    out: dict[int, JournalData | Exception] = {d: JournalNotFound() for d in discipline_ids}
    ids = {"group_id": group_id, "discipline_ids": discipline_ids, "period_id": period_id}
    headers: dict[int, tuple[Any, Any, Any]] = {}
    async with ctx.session() as session:
        for found in await confined_rows(session, stmts.header, ids):
            group, discipline, period, allowed = _header_entities(found)
            if allowed:
                headers[discipline.id] = (group, discipline, period)
                continue
            target = auth.target(
                "journal",
                institution_id=group.institution_id,
                group_id=group.id,
                discipline_id=discipline.id,
            )
            out[discipline.id] = Forbidden(await auth.check("journal", "read", target))
        if not headers:
            return out
        values = {**ids, "discipline_ids": list(headers)}
        student_rows, lesson_rows, mark_rows, attendance_rows = await _row_sets(
            ctx, session, stmts, values, "journals:one"
        )

    students: dict[int, tuple[Any, ...]] = {}  # each student's columns before the final mark
    finals: dict[int, dict[int, list[tuple[Any, ...]]]] = defaultdict(lambda: defaultdict(list))
    for found_row in student_rows:
        row: tuple[Any, ...] = tuple(found_row[:-1])
        discipline = found_row[-1]
        students.setdefault(row[0], row[:6])
        if discipline is not None:
            finals[discipline][row[0]].append(row[6:])
    no_final = (None, None, None, None)
    lessons, marks, attendance = (
        _by_discipline(rows) for rows in (lesson_rows, mark_rows, attendance_rows)
    )
    for discipline, (group, found, period) in headers.items():
        own = finals.get(discipline, {})
        rows = [
            (*student, *final)
            for sid, student in students.items()
            for final in (own.get(sid) or [no_final])
        ]
        out[discipline] = _assemble(
            group,
            found,
            period,
            rows,
            lessons.get(discipline, []),
            marks.get(discipline, []),
            attendance.get(discipline, []),
        )
    return out


def _from_json(
    students: str | None, lessons: str | None, marks: str | None, attendance: str | None
) -> tuple[list[Any], list[Any], list[Any], list[Any]]:
    """The four row sets of :func:`_one_statement` as the selects would give them: dates
    and enums from their JSON text."""
    date = dt.date.fromisoformat
    student_rows = orjson.loads(students) if students else []
    for row in student_rows:
        row[4] = date(row[4])
        if row[5] is not None:
            row[5] = date(row[5])
        if row[7] is not None:
            row[7] = _FINAL_KIND[row[7]]
    lesson_rows = orjson.loads(lessons) if lessons else []
    for row in lesson_rows:
        row[1] = date(row[1])
        row[4] = _LESSON_TYPE[row[4]]
        if row[8] is not None:
            row[8] = _WORK_KIND[row[8]]
    mark_columns = _columns(marks)
    attendance_columns = _columns(attendance)
    if attendance_columns:
        attendance_columns[2] = [_STATUS[v] for v in attendance_columns[2]]
        attendance_columns[3] = [None if v is None else _REASON[v] for v in attendance_columns[3]]
    marks_rows = list(zip(*mark_columns, strict=True))
    return student_rows, lesson_rows, marks_rows, list(zip(*attendance_columns, strict=True))


#: Each enum's members by stored value (a lookup, not an ``Enum(value)`` call per row).
_STATUS = {status.value: status for status in AttendanceStatus}
_REASON = {reason.value: reason for reason in AbsenceReason}
_FINAL_KIND = {kind.value: kind for kind in FinalMarkKind}
_LESSON_TYPE = {kind.value: kind for kind in LessonType}
_WORK_KIND = {kind.value: kind for kind in WorkKind}


def _columns(text: str | None) -> list[list[Any]]:
    """The columns of :func:`_columns_as_json` (none for no rows: each aggregate is null)."""
    columns: list[list[Any] | None] = orjson.loads(text) if text else []
    if not columns or columns[0] is None:
        return []
    return [column or [] for column in columns]


def _by_discipline(rows: Any) -> dict[int, list[tuple[Any, ...]]]:
    """Rows ending with their discipline, split by it (the discipline column dropped)."""
    out: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for found_row in rows:
        out[found_row[-1]].append(tuple(found_row[:-1]))
    return out


def _assemble(
    group: Any,
    discipline: Any,
    period: Any,
    student_rows: Any,
    lesson_rows: Any,
    mark_rows: Any,
    attendance_rows: Any,
) -> JournalData:
    lessons: list[JournalLesson] = []
    columns: list[JournalColumn] = []
    lesson_index: dict[int, int] = {}
    column_index: dict[int, int] = {}
    for lid, date, slot, topic, ltype, homework, version, wid, wkind, wnum, wtitle in lesson_rows:
        if lid not in lesson_index:
            lesson_index[lid] = len(lessons)
            lessons.append(
                JournalLesson(
                    to_global_id("Lesson", lid), date, slot, topic, ltype, homework, version
                )
            )
        if wid is not None:
            lesson = lessons[lesson_index[lid]]
            work = JournalWork(to_global_id("Work", wid), wkind, wnum, wtitle)
            lesson.works.append(work)
            column_index[wid] = len(columns)
            columns.append(
                JournalColumn(work.id, lesson.id, lesson_index[lid], date, work.kind, wnum)
            )

    n_cols, n_lessons = len(columns), len(lessons)
    rows: list[JournalRow] = []
    row_of: dict[int, JournalRow] = {}
    seen_final: set[int] = set()
    for sid, surname, name, patronymic, since, until, fid, fkind, fvalue, fversion in student_rows:
        row = row_of.get(sid)
        if row is None:
            row = JournalRow(
                to_global_id("Student", sid),
                surname,
                name,
                patronymic,
                [None] * n_cols,
                [None] * n_cols,
                [None] * n_cols,
                [None] * n_lessons,
                [None] * n_lessons,
                [None] * n_lessons,
                [],
                None,
                since,
                until,
            )
            row_of[sid] = row
            rows.append(row)
        if fid is not None and fid not in seen_final:
            seen_final.add(fid)
            row.final_marks.append(
                JournalFinalMark(to_global_id("FinalMark", fid), fkind, fvalue, fversion)
            )

    # Hundreds of marks: each row's three aligned lists looked up once, not per mark.
    cells = {sid: (row.marks, row.mark_ids, row.mark_versions) for sid, row in row_of.items()}
    # On PostgreSQL's one statement the ids come encoded (_columns_as_json).
    encoded = bool(mark_rows) and isinstance(mark_rows[0][2], str)
    for wid, sid, mid, value, version in mark_rows:
        found = cells.get(sid)
        col = column_index.get(wid)
        if found is not None and col is not None:
            values, mark_ids, versions = found
            values[col] = value
            mark_ids[col] = mid if encoded else to_global_id("Mark", mid)
            versions[col] = version
    days = {
        sid: (row.attendance, row.absence_reasons, row.attendance_versions)
        for sid, row in row_of.items()
    }
    for lid, sid, status, reason, version in attendance_rows:
        day = days.get(sid)
        idx = lesson_index.get(lid)
        if day is not None and idx is not None:
            statuses, reasons, day_versions = day
            statuses[idx] = status
            reasons[idx] = reason
            day_versions[idx] = version
    for row in rows:
        numeric = [int(v) for v in row.marks if v in NUMERIC]
        row.average = round(fmean(numeric), 2) if numeric else None
    return JournalData(group, discipline, period, lessons, columns, rows)
