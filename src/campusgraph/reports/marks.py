"""The marks reports: group results, achievement and quality, a student's average, the
summary sheet of marks, exam and credit sheets.

Every report reads a fixed handful of statements whatever its size: the header (the
institution, the group, the discipline), the level's students, the marks aggregated per
group × student × discipline in SQL (count, count of numeric marks, their sum — so every
average above that is exact, whatever the backend's float arithmetic), and the final
marks. Python only combines those rows.

Figures, said once for every report:

- *numeric marks* are «2»..«5»; «pass»/«fail» (зачтено / не зачтено) are marks but have no
  number, so they count in ``marks`` and never in an average;
- an *average* is the mean of the numeric marks, rounded half-up to hundredths (4.745 →
  4.75), as the journal's final-mark rule reads it (:func:`~campusgraph.resolvers.
  journal_rules.average_of`); an overall average is the mean of all numeric marks, not a
  mean of the disciplines' averages;
- the *period mark* of a student in a discipline is his final mark of kind ``year``, else
  ``semester``, else ``period`` given for the period asked (or, asked by dates, for a
  period ending within them); exam and attestation marks belong to the exam and credit
  sheets;
- a student's *result* in a discipline (achievement and quality) is his period mark, else
  his average rounded half-up to a whole mark (3.5 → «4», 3.49 → «3»), else he has none
  there (no numeric mark and no period mark: not counted in that discipline).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import Integer, case, cast, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from campusgraph.context import Context
from campusgraph.db import models as m
from campusgraph.db.enums import FinalMarkKind
from campusgraph.i18n import message
from campusgraph.policies.vocabulary import ReportLevel
from campusgraph.reports.access import ReportAccess, level_students
from campusgraph.reports.registry import REPORTS, ReportName, ReportSpec, report
from campusgraph.reports.table import Cell, CellKind, Column, InstitutionDetails, ReportTable

NUMERIC_MARKS = ("2", "3", "4", "5")
#: A result that fails (успеваемость counts students with none of these).
FAILING = frozenset({"2", "fail"})
#: Results that keep a student in «качество знаний» (only «4» and «5»; a credit passed
#: neither spoils nor makes quality on its own, see :func:`_quality`).
GOOD = frozenset({"4", "5"})
#: Which final mark is "the period's", best first.
PERIOD_MARK_KINDS = (FinalMarkKind.YEAR, FinalMarkKind.SEMESTER, FinalMarkKind.PERIOD)
#: The final mark each sheet lists: an exam's, and the other forms of промежуточная
#: аттестация (зачёт, дифференцированный зачёт), which the journal stores as ``attestation``.
SHEET_KINDS = {
    ReportName.EXAM_SHEET: FinalMarkKind.EXAM,
    ReportName.CREDIT_SHEET: FinalMarkKind.ATTESTATION,
}

_CENT = Decimal("0.01")
_TENTH = Decimal("0.1")


# =====================================================================================
# What every report shares
# =====================================================================================


@dataclasses.dataclass(frozen=True, slots=True)
class Named:
    id: int
    name: str


@dataclasses.dataclass(slots=True)
class MarkStat:
    """Marks of one cell: how many, how many numeric, their sum."""

    marks: int = 0
    numeric: int = 0
    total: int = 0

    def add(self, other: MarkStat) -> None:
        self.marks += other.marks
        self.numeric += other.numeric
        self.total += other.total

    @property
    def average(self) -> Decimal | None:
        if not self.numeric:
            return None
        return (Decimal(self.total) / Decimal(self.numeric)).quantize(_CENT, ROUND_HALF_UP)

    @property
    def rounded(self) -> str | None:
        """The average as a whole mark, half up (3.5 → «4»)."""
        if not self.numeric:
            return None
        return str(int(Fraction(self.total, self.numeric) + Fraction(1, 2)))


@dataclasses.dataclass(frozen=True, slots=True)
class Header:
    institution: InstitutionDetails
    group: Named | None
    discipline: Named | None
    period_name: str | None
    date_from: dt.date | None
    date_to: dt.date | None

    def lines(self, lang: str, *more: str) -> list[str]:
        out: list[str] = []
        if self.group is not None:
            out.append(f"{message('report_group', lang)}: {self.group.name}")
        if self.discipline is not None:
            out.append(f"{message('report_discipline', lang)}: {self.discipline.name}")
        if self.period_name is not None:
            out.append(f"{message('report_period', lang)}: {self.period_name}")
        if self.date_from or self.date_to:
            start = self.date_from.strftime("%d.%m.%Y") if self.date_from else "…"
            end = self.date_to.strftime("%d.%m.%Y") if self.date_to else "…"
            out.append(f"{message('report_dates', lang)}: {start} – {end}")
        out.extend(more)
        return out


async def _header(session: AsyncSession, access: ReportAccess) -> Header:
    inst = await session.get(m.Institution, access.institution_id)
    assert inst is not None
    of = access.of
    group = discipline = None
    if of.group_id is not None:
        row = await session.get(m.StudyGroup, of.group_id)
        group = None if row is None else Named(row.id, row.name)
    if of.discipline_id is not None:
        d = await session.get(m.Discipline, of.discipline_id)
        discipline = None if d is None else Named(d.id, d.name)
    return Header(
        institution=InstitutionDetails(
            name=inst.name,
            short_name=inst.short_name,
            address=inst.address,
            phone=inst.phone,
            email=inst.email,
            website=inst.website,
        ),
        group=group,
        discipline=discipline,
        period_name=None if access.period is None else access.period.name,
        date_from=access.date_from,
        date_to=access.date_to,
    )


def _full_name(surname: str, name: str, patronymic: str | None) -> str:
    return " ".join(part for part in (surname, name, patronymic) if part)


async def _students(session: AsyncSession, access: ReportAccess) -> list[Named]:
    """The level's students by name (personal reports: every one of them readable)."""
    s, p = m.Student, m.Person
    stmt = (
        select(s.id, p.surname, p.name, p.patronymic)
        .join(p, p.id == s.person_id)
        .where(s.id.in_(level_students(access)))
        .order_by(p.surname, p.name, p.patronymic, s.id)
    )
    return [Named(r[0], _full_name(r[1], r[2], r[3])) for r in await session.execute(stmt)]


def _within_level(access: ReportAccess, model: Any, stmt: Any) -> Any:
    """Rows of a mark-like table (group, discipline, student columns) of the level."""
    of = access.of
    stmt = stmt.where(model.institution_id == access.institution_id)
    level = access.level
    if level is ReportLevel.STUDENT:
        return stmt.where(model.student_id == of.student_id)
    if level in (ReportLevel.GROUP, ReportLevel.SUBJECT):
        stmt = stmt.where(model.group_id == of.group_id)
        stmt = stmt.where(model.student_id.in_(level_students(access)))
        if level is ReportLevel.SUBJECT:
            stmt = stmt.where(model.discipline_id == of.discipline_id)
        return stmt
    if level is ReportLevel.DEPARTMENT:
        return stmt.where(model.group_id.in_(access.group_ids or (-1,)))
    if level is ReportLevel.TEACHER:
        ta = m.TeachingAssignment
        pairs = select(ta.group_id, ta.discipline_id).where(ta.teacher_id == of.teacher_id)
        return stmt.where(tuple_(model.group_id, model.discipline_id).in_(pairs))
    return stmt


Key = tuple[int, int, int]  # group, student, discipline


async def _mark_stats(session: AsyncSession, access: ReportAccess) -> dict[Key, MarkStat]:
    """Marks of the level within the dates, aggregated per group × student × discipline
    in one statement."""
    mk = m.Mark
    number = case((mk.value.in_(NUMERIC_MARKS), cast(mk.value, Integer)))
    stmt = select(
        mk.group_id,
        mk.student_id,
        mk.discipline_id,
        func.count(mk.id),
        func.count(number),
        func.coalesce(func.sum(number), 0),
    ).group_by(mk.group_id, mk.student_id, mk.discipline_id)
    stmt = _within_level(access, mk, stmt)
    if access.date_from is not None:
        stmt = stmt.where(mk.date >= access.date_from)
    if access.date_to is not None:
        stmt = stmt.where(mk.date <= access.date_to)
    rows = await session.execute(stmt)
    return {(g, s, d): MarkStat(int(n), int(k), int(t)) for g, s, d, n, k, t in rows}


@dataclasses.dataclass(frozen=True, slots=True)
class Final:
    kind: FinalMarkKind
    value: str
    on: dt.date
    teacher: str | None


async def _finals(
    session: AsyncSession, access: ReportAccess, kinds: Iterable[FinalMarkKind]
) -> dict[Key, list[Final]]:
    """Final marks of those kinds of the level: given for the period asked, or for a period
    ending within the dates; with who set each (a person's name)."""
    fm, ua, p = m.FinalMark, m.UserAccount, m.Person
    stmt = (
        select(
            fm.group_id,
            fm.student_id,
            fm.discipline_id,
            fm.kind,
            fm.value,
            func.coalesce(fm.set_on, fm.date),
            p.surname,
            p.name,
            p.patronymic,
        )
        .outerjoin(ua, ua.id == fm.author_user_id)
        .outerjoin(p, p.id == ua.person_id)
        .where(fm.kind.in_(list(kinds)))
    )
    stmt = _within_level(access, fm, stmt)
    if access.period is not None:
        stmt = stmt.where(fm.period_id == access.period.id)
    else:
        if access.date_from is not None:
            stmt = stmt.where(fm.date >= access.date_from)
        if access.date_to is not None:
            stmt = stmt.where(fm.date <= access.date_to)
    out: dict[Key, list[Final]] = defaultdict(list)
    for g, s, d, kind, value, on, surname, name, patronymic in await session.execute(stmt):
        teacher = None if surname is None else _full_name(surname, name, patronymic)
        out[(g, s, d)].append(Final(FinalMarkKind(kind), str(value), on, teacher))
    return out


def _period_mark(finals: Sequence[Final]) -> str | None:
    by_kind = {f.kind: f.value for f in finals}
    for kind in PERIOD_MARK_KINDS:
        if kind in by_kind:
            return by_kind[kind]
    return None


async def _named(session: AsyncSession, model: Any, ids: Iterable[int]) -> list[Named]:
    """Disciplines or groups by id, in the order of their names."""
    wanted = sorted(set(ids))
    if not wanted:
        return []
    order = (model.code, model.name) if model is m.Discipline else (model.name,)
    stmt = select(model.id, model.name).where(model.id.in_(wanted)).order_by(*order, model.id)
    return [Named(r[0], r[1]) for r in await session.execute(stmt)]


def _number(value: Decimal | None, lang: str) -> str:
    if value is None:
        return ""
    text = f"{value:.2f}"
    return text if lang == "en" else text.replace(".", ",")


def _mark_text(value: str | None, lang: str) -> str | None:
    if value is None:
        return None
    WORD_KEYS = {"pass": "report_credit_mark_pass", "fail": "report_credit_mark_fail"}
    return message(WORD_KEYS[value], lang) if value in WORD_KEYS else value


def _percent(part: int, whole: int) -> Decimal | None:
    if whole <= 0:
        return None
    return (Decimal(100 * part) / Decimal(whole)).quantize(_TENTH, ROUND_HALF_UP)


# =====================================================================================
# Итоги успеваемости группы за период
# =====================================================================================


@dataclasses.dataclass(frozen=True, slots=True)
class ResultCell:
    marks: int
    average: Decimal | None
    final_mark: str | None


@dataclasses.dataclass(frozen=True, slots=True)
class ResultRow:
    student: Named
    cells: list[ResultCell]  # aligned with GroupResults.disciplines
    marks: int
    average: Decimal | None


@dataclasses.dataclass(frozen=True, slots=True)
class ResultTotal:
    marks: int
    average: Decimal | None
    final_marks: int
    failing: int


@dataclasses.dataclass(frozen=True, slots=True)
class GroupResults:
    header: Header
    disciplines: list[Named]
    rows: list[ResultRow]
    discipline_totals: list[ResultTotal]  # aligned with disciplines
    total: ResultTotal


def _total(stat: MarkStat, finals: Sequence[str | None]) -> ResultTotal:
    given = [v for v in finals if v is not None]
    return ResultTotal(
        marks=stat.marks,
        average=stat.average,
        final_marks=len(given),
        failing=sum(1 for v in given if v in FAILING),
    )


async def build_group_results(ctx: Context, access: ReportAccess) -> GroupResults:
    async with ctx.report_session() as session:
        header = await _header(session, access)
        students = await _students(session, access)
        stats = await _mark_stats(session, access)
        finals = await _finals(session, access, PERIOD_MARK_KINDS)
        disciplines = await _named(
            session, m.Discipline, [k[2] for k in stats] + [k[2] for k in finals]
        )
    by_cell: dict[tuple[int, int], MarkStat] = defaultdict(MarkStat)
    marks_of: dict[tuple[int, int], list[Final]] = defaultdict(list)
    for (_, s, d), stat in stats.items():
        by_cell[(s, d)].add(stat)
    for (_, s, d), given in finals.items():
        marks_of[(s, d)].extend(given)
    rows: list[ResultRow] = []
    column_stats = [MarkStat() for _ in disciplines]
    column_finals: list[list[str | None]] = [[] for _ in disciplines]
    everything = MarkStat()
    for student in students:
        overall = MarkStat()
        cells = []
        for i, column in enumerate(disciplines):
            stat = by_cell.get((student.id, column.id), MarkStat())
            final = _period_mark(marks_of.get((student.id, column.id), ()))
            cells.append(ResultCell(stat.marks, stat.average, final))
            overall.add(stat)
            column_stats[i].add(stat)
            column_finals[i].append(final)
        everything.add(overall)
        rows.append(ResultRow(student, cells, overall.marks, overall.average))
    totals = [_total(s, f) for s, f in zip(column_stats, column_finals, strict=True)]
    return GroupResults(
        header=header,
        disciplines=disciplines,
        rows=rows,
        discipline_totals=totals,
        total=_total(everything, [v for column in column_finals for v in column]),
    )


def group_results_table(data: GroupResults, access: ReportAccess, lang: str) -> ReportTable:
    columns = [
        Column("no", message("report_column_no", lang), CellKind.INTEGER),
        Column("student", message("report_column_student", lang)),
    ]
    for d in data.disciplines:
        columns += [
            Column(
                f"{d.id}.marks",
                f"{d.name}: {message('report_column_discipline_marks', lang)}",
                CellKind.INTEGER,
            ),
            Column(
                f"{d.id}.average",
                f"{d.name}: {message('report_column_discipline_average', lang)}",
                CellKind.DECIMAL,
            ),
            Column(f"{d.id}.final", f"{d.name}: {message('report_final', lang)}"),
        ]
    columns += [
        Column("marks", message("report_marks_all", lang), CellKind.INTEGER),
        Column("average", message("report_average", lang), CellKind.DECIMAL),
    ]
    rows: list[list[Cell]] = []
    for n, row in enumerate(data.rows, 1):
        cells: list[Cell] = [n, row.student.name]
        for c in row.cells:
            cells += [c.marks, c.average, _mark_text(c.final_mark, lang)]
        rows.append([*cells, row.marks, row.average])
    totals: list[Cell] = [None, message("report_group_total", lang)]
    for t in data.discipline_totals:
        totals += [t.marks, t.average, f"{t.final_marks} / {t.failing}"]
    totals += [data.total.marks, data.total.average]
    return ReportTable(
        title=REPORTS[ReportName.GROUP_RESULTS].title(lang),
        institution=data.header.institution,
        subtitle=data.header.lines(lang),
        columns=columns,
        rows=rows,
        totals=totals,
        footer=[message("report_final_period_mark_total_row", lang)],
        landscape=True,
    )


# =====================================================================================
# Успеваемость и качество знаний
# =====================================================================================


@dataclasses.dataclass(frozen=True, slots=True)
class QualityRow:
    group: Named | None
    discipline: Named | None
    #: Students with a result (see the module's docstring).
    students: int
    #: Null where suppressed.
    achieving: int | None
    good: int | None
    achievement: Decimal | None
    quality: Decimal | None
    suppressed: bool


@dataclasses.dataclass(frozen=True, slots=True)
class AchievementQuality:
    header: Header
    groups: list[QualityRow]
    disciplines: list[QualityRow]
    total: QualityRow


def _quality(results: Iterable[str]) -> tuple[bool, bool]:
    """(achieving, good) of one student over his results: achieving with no «2» and no
    «fail»; good when achieving with every numeric result «4» or «5» and at least one
    numeric result (a student with only credits passed is achieving, not good)."""
    values = list(results)
    achieving = not any(v in FAILING for v in values)
    numeric = [v for v in values if v in NUMERIC_MARKS]
    return achieving, achieving and bool(numeric) and all(v in GOOD for v in numeric)


def _quality_row(
    access: ReportAccess,
    group: Named | None,
    discipline: Named | None,
    per_student: dict[int, list[str]],
) -> QualityRow:
    n = len(per_student)
    flags = [_quality(v) for v in per_student.values()]
    achieving = sum(1 for a, _ in flags if a)
    good = sum(1 for _, g in flags if g)
    if access.suppressed(n):
        return QualityRow(group, discipline, n, None, None, None, None, True)
    return QualityRow(
        group, discipline, n, achieving, good, _percent(achieving, n), _percent(good, n), False
    )


async def build_achievement_quality(ctx: Context, access: ReportAccess) -> AchievementQuality:
    async with ctx.report_session() as session:
        header = await _header(session, access)
        stats = await _mark_stats(session, access)
        finals = await _finals(session, access, PERIOD_MARK_KINDS)
        keys = set(stats) | set(finals)
        groups = await _named(session, m.StudyGroup, [k[0] for k in keys])
        disciplines = await _named(session, m.Discipline, [k[2] for k in keys])
    results: dict[Key, str] = {}
    for key in keys:
        value = _period_mark(finals.get(key, ())) or stats.get(key, MarkStat()).rounded
        if value is not None:
            results[key] = value
    group_of = {g.id: g for g in groups}
    discipline_rank = {d.id: i for i, d in enumerate(disciplines)}
    discipline_of = {d.id: d for d in disciplines}
    by_group: dict[int, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
    by_pair: dict[tuple[int, int], dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
    everyone: dict[int, list[str]] = defaultdict(list)
    for (g, s, d), value in results.items():
        by_group[g][s].append(value)
        by_pair[(g, d)][s].append(value)
        everyone[s].append(value)
    group_rows = [
        _quality_row(access, group, None, by_group[group.id])
        for group in groups
        if group.id in by_group
    ]
    pair_rows = []
    if access.level in (ReportLevel.GROUP, ReportLevel.SUBJECT, ReportLevel.TEACHER):
        pairs = sorted(by_pair, key=lambda p: (group_of[p[0]].name, discipline_rank[p[1]]))
        pair_rows = [
            _quality_row(access, group_of[g], discipline_of[d], by_pair[(g, d)]) for g, d in pairs
        ]
    return AchievementQuality(
        header=header,
        groups=group_rows,
        disciplines=pair_rows,
        total=_quality_row(access, None, None, everyone),
    )


def achievement_quality_table(
    data: AchievementQuality, access: ReportAccess, lang: str
) -> ReportTable:
    columns = [
        Column("group", message("report_group", lang)),
        Column("discipline", message("report_discipline", lang)),
        Column("students", message("report_students", lang), CellKind.INTEGER),
        Column("achieving", message("report_column_no_failing", lang), CellKind.INTEGER),
        Column("good", message("report_only_4_and_5", lang), CellKind.INTEGER),
        Column("achievement", message("report_achievement", lang), CellKind.PERCENT),
        Column("quality", message("report_quality", lang), CellKind.PERCENT),
    ]
    every = message("report_all", lang)

    def cells(row: QualityRow) -> list[Cell]:
        return [
            row.group.name if row.group else every,
            row.discipline.name if row.discipline else every,
            row.students,
            row.achieving,
            row.good,
            row.achievement,
            row.quality,
        ]

    footer = [message("report_student_s_result_discipline_his", lang)]
    if access.suppress_below is not None:
        footer.append(
            message(
                "report_figures_over_fewer_than_suppress",
                lang,
                suppress_below=access.suppress_below,
            )
        )
    return ReportTable(
        title=REPORTS[ReportName.ACHIEVEMENT_QUALITY].title(lang),
        institution=data.header.institution,
        subtitle=data.header.lines(lang),
        columns=columns,
        rows=[cells(r) for r in [*data.groups, *data.disciplines]],
        totals=cells(data.total),
        footer=footer,
    )


# =====================================================================================
# Средний балл обучающегося
# =====================================================================================


@dataclasses.dataclass(frozen=True, slots=True)
class DisciplineAverage:
    discipline: Named
    marks: int
    average: Decimal | None


@dataclasses.dataclass(frozen=True, slots=True)
class StudentAverageRow:
    student: Named
    disciplines: list[DisciplineAverage]  # only those he has marks in
    marks: int
    average: Decimal | None


@dataclasses.dataclass(frozen=True, slots=True)
class StudentAverage:
    header: Header
    students: list[StudentAverageRow]


async def build_student_average(ctx: Context, access: ReportAccess) -> StudentAverage:
    async with ctx.report_session() as session:
        header = await _header(session, access)
        students = await _students(session, access)
        stats = await _mark_stats(session, access)
        disciplines = await _named(session, m.Discipline, [k[2] for k in stats])
    per: dict[tuple[int, int], MarkStat] = defaultdict(MarkStat)
    for (_, s, d), stat in stats.items():
        per[(s, d)].add(stat)
    rows = []
    for student in students:
        overall = MarkStat()
        cells = []
        for column in disciplines:
            found = per.get((student.id, column.id))
            if found is not None:
                cells.append(DisciplineAverage(column, found.marks, found.average))
                overall.add(found)
        rows.append(StudentAverageRow(student, cells, overall.marks, overall.average))
    return StudentAverage(header, rows)


def student_average_table(data: StudentAverage, access: ReportAccess, lang: str) -> ReportTable:
    columns = [
        Column("student", message("report_column_student", lang)),
        Column("discipline", message("report_discipline", lang)),
        Column("marks", message("report_marks", lang), CellKind.INTEGER),
        Column("average", message("report_average", lang), CellKind.DECIMAL),
    ]
    rows: list[list[Cell]] = []
    for row in data.students:
        for cell in row.disciplines:
            rows.append([row.student.name, cell.discipline.name, cell.marks, cell.average])
        rows.append(
            [
                row.student.name,
                message("report_all_disciplines", lang),
                row.marks,
                row.average,
            ]
        )
    return ReportTable(
        title=REPORTS[ReportName.STUDENT_AVERAGE].title(lang),
        institution=data.header.institution,
        subtitle=data.header.lines(lang),
        columns=columns,
        rows=rows,
    )


# =====================================================================================
# Сводная ведомость отметок
# =====================================================================================


@dataclasses.dataclass(frozen=True, slots=True)
class SummaryCell:
    final_mark: str | None
    average: Decimal | None
    #: No period mark: the average stands in its place.
    is_average: bool


@dataclasses.dataclass(frozen=True, slots=True)
class SummaryRow:
    student: Named
    cells: list[SummaryCell]  # aligned with MarkSummarySheet.disciplines


@dataclasses.dataclass(frozen=True, slots=True)
class MarkSummarySheet:
    header: Header
    disciplines: list[Named]
    rows: list[SummaryRow]


async def build_mark_summary_sheet(ctx: Context, access: ReportAccess) -> MarkSummarySheet:
    results = await build_group_results(ctx, access)
    rows = [
        SummaryRow(
            r.student,
            [
                SummaryCell(c.final_mark, c.average, c.final_mark is None and c.average is not None)
                for c in r.cells
            ],
        )
        for r in results.rows
    ]
    return MarkSummarySheet(results.header, results.disciplines, rows)


def mark_summary_sheet_table(
    data: MarkSummarySheet, access: ReportAccess, lang: str
) -> ReportTable:
    columns = [
        Column("no", message("report_column_no", lang), CellKind.INTEGER),
        Column("student", message("report_column_student", lang)),
    ]
    columns += [Column(str(d.id), d.name) for d in data.disciplines]
    rows: list[list[Cell]] = []
    for n, row in enumerate(data.rows, 1):
        cells: list[Cell] = [n, row.student.name]
        for c in row.cells:
            if c.is_average:
                cells.append(f"{message('report_avg', lang)} {_number(c.average, lang)}")
            else:
                cells.append(_mark_text(c.final_mark, lang))
        rows.append(cells)
    return ReportTable(
        title=REPORTS[ReportName.MARK_SUMMARY_SHEET].title(lang),
        institution=data.header.institution,
        subtitle=data.header.lines(lang),
        columns=columns,
        rows=rows,
        footer=[message("report_cell_holds_period_mark_avg", lang)],
        landscape=True,
    )


# =====================================================================================
# Экзаменационная и зачётная ведомости
# =====================================================================================


@dataclasses.dataclass(frozen=True, slots=True)
class SheetRow:
    student: Named
    value: str | None
    on: dt.date | None
    teacher: str | None


@dataclasses.dataclass(frozen=True, slots=True)
class MarkCount:
    value: str
    count: int


@dataclasses.dataclass(frozen=True, slots=True)
class AttestationSheet:
    header: Header
    kind: FinalMarkKind
    teachers: list[str]
    rows: list[SheetRow]
    totals: list[MarkCount]
    not_set: int
    average: Decimal | None


def _sheet_builder(name: ReportName) -> Any:
    kind = SHEET_KINDS[name]

    async def build(ctx: Context, access: ReportAccess) -> AttestationSheet:
        ta, e, p = m.TeachingAssignment, m.Employee, m.Person
        async with ctx.report_session() as session:
            header = await _header(session, access)
            students = await _students(session, access)
            finals = await _finals(session, access, (kind,))
            teachers = await session.execute(
                select(p.surname, p.name, p.patronymic)
                .select_from(ta)
                .join(e, e.id == ta.teacher_id)
                .join(p, p.id == e.person_id)
                .where(
                    ta.institution_id == access.institution_id,
                    ta.group_id == access.of.group_id,
                    ta.discipline_id == access.of.discipline_id,
                )
                .distinct()
                .order_by(p.surname, p.name, p.patronymic)
            )
            names = [_full_name(*t) for t in teachers]
        given: dict[int, Final] = {}
        for (_, s, _), found in finals.items():
            given[s] = found[0]
        rows = []
        counts: dict[str, int] = defaultdict(int)
        stat = MarkStat()
        for student in students:
            final = given.get(student.id)
            if final is None:
                rows.append(SheetRow(student, None, None, None))
                continue
            rows.append(SheetRow(student, final.value, final.on, final.teacher))
            counts[final.value] += 1
            if final.value in NUMERIC_MARKS:
                stat.add(MarkStat(1, 1, int(final.value)))
        scale = ["5", "4", "3", "2", "pass", "fail"]
        totals = [MarkCount(v, counts[v]) for v in scale if v in counts or v in NUMERIC_MARKS]
        not_set = sum(1 for r in rows if r.value is None)
        return AttestationSheet(header, kind, names, rows, totals, not_set, stat.average)

    return build


def _sheet_table(name: ReportName) -> Any:
    def table(data: AttestationSheet, access: ReportAccess, lang: str) -> ReportTable:
        columns = [
            Column("no", message("report_column_no", lang), CellKind.INTEGER),
            Column("student", message("report_column_student", lang)),
            Column("mark", message("report_mark", lang)),
            Column("date", message("report_date", lang), CellKind.DATE),
            Column("teacher", message("report_teacher", lang)),
        ]
        rows: list[list[Cell]] = [
            [n, r.student.name, _mark_text(r.value, lang), r.on, r.teacher]
            for n, r in enumerate(data.rows, 1)
        ]
        counted = ", ".join(f"«{_mark_text(c.value, lang)}» — {c.count}" for c in data.totals)
        teachers = ", ".join(data.teachers) or "—"
        footer = [
            f"{message('report_in_all', lang)}: {counted}; "
            f"{message('report_not_given', lang)} — {data.not_set}",
            f"{message('report_average', lang)}: {_number(data.average, lang) or '—'}",
            f"{message('report_teacher', lang)}: {teachers} ____________",
        ]
        return ReportTable(
            title=REPORTS[name].title(lang),
            institution=data.header.institution,
            subtitle=data.header.lines(lang),
            columns=columns,
            rows=rows,
            footer=footer,
        )

    return table


# =====================================================================================
# Declarations
# =====================================================================================

L = ReportLevel


def _spec(name: ReportName, **kwargs: Any) -> ReportSpec:
    return report(ReportSpec(name=name, **kwargs))


GROUP_RESULTS = _spec(
    ReportName.GROUP_RESULTS,
    levels=frozenset({L.GROUP, L.SUBJECT}),
    personal="student",
    build=build_group_results,
    table=group_results_table,
)
ACHIEVEMENT_QUALITY = _spec(
    ReportName.ACHIEVEMENT_QUALITY,
    levels=frozenset({L.INSTITUTION, L.DEPARTMENT, L.GROUP, L.SUBJECT, L.TEACHER}),
    personal=None,
    build=build_achievement_quality,
    table=achievement_quality_table,
)
STUDENT_AVERAGE = _spec(
    ReportName.STUDENT_AVERAGE,
    levels=frozenset({L.STUDENT, L.GROUP}),
    personal="student",
    build=build_student_average,
    table=student_average_table,
)
MARK_SUMMARY_SHEET = _spec(
    ReportName.MARK_SUMMARY_SHEET,
    levels=frozenset({L.GROUP}),
    personal="student",
    build=build_mark_summary_sheet,
    table=mark_summary_sheet_table,
    printable=True,
)
EXAM_SHEET = _spec(
    ReportName.EXAM_SHEET,
    levels=frozenset({L.SUBJECT}),
    personal="student",
    build=_sheet_builder(ReportName.EXAM_SHEET),
    table=_sheet_table(ReportName.EXAM_SHEET),
    printable=True,
)
CREDIT_SHEET = _spec(
    ReportName.CREDIT_SHEET,
    levels=frozenset({L.SUBJECT}),
    personal="student",
    build=_sheet_builder(ReportName.CREDIT_SHEET),
    table=_sheet_table(ReportName.CREDIT_SHEET),
    printable=True,
)
