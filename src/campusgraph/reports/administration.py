"""The administration's reports: rooms, the movement of students, hours, user activity,
journal filling and the staff list.

Every figure comes from a few aggregate statements whatever the number of rows (each
builder says which); rows are confined to the institution the access decided, and names
of persons appear only where the viewer's ruleset lets him read those rows — a teacher's
name through the ``employee`` read filter, an employee's contacts through
``employee.personal`` — so the ruleset, not this module, decides what is shown.

Conventions shared by the builders:

- Dates are inclusive. Without a period or dates a report covers the current academic
  year up to today; with only a last day, its academic year up to it (``_span``).
- Academic hours: a lesson lasts as many academic hours as its bell slot holds 45-minute
  hours (a 90-minute pair of a college is 2, a school lesson of 40–45 minutes is 1); a slot
  with no bell row counts 1.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, case, func, not_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from campusgraph.context import Context
from campusgraph.db import models as m
from campusgraph.db.enums import MovementKind
from campusgraph.i18n import message
from campusgraph.policies.vocabulary import ReportLevel
from campusgraph.reports.access import ReportAccess
from campusgraph.reports.of import BadReportOf
from campusgraph.reports.registry import ReportName, ReportSpec, report
from campusgraph.reports.table import CellKind, Column, InstitutionDetails, ReportTable
from campusgraph.resolvers.journal_rules import is_working_day

#: Audit actions that change nothing (reads of personal data, signing in and out).
NOT_CHANGES = ("read", "login", "logout", "lockout")
ACADEMIC_HOUR_MINUTES = 45
#: The longest span a report covers: three years. Occupancy walks the calendar day by day
#: and public holidays are computed per year, so an arbitrary span is refused, not run.
MAX_SPAN_DAYS = 3 * 366


# -- shared ----------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class Span:
    """What every administration report is headed by: whose, and which dates."""

    institution: InstitutionDetails
    date_from: dt.date
    date_to: dt.date


async def _span(ctx: Context, session: AsyncSession, access: ReportAccess) -> Span:
    """The institution's details and the report's dates (one statement). Without a last
    day: today (or the first day, if that is later); without a first day: the start of the
    academic year holding the last day, else the 1st of January of its year."""
    i, ay = m.Institution, m.AcademicYear
    today = ctx.settings.current_date()
    date_to = access.date_to or (
        max(today, access.date_from) if access.date_from is not None else today
    )
    year_start = (
        select(func.min(ay.starts_on))
        .where(
            ay.institution_id == access.institution_id,
            ay.starts_on <= date_to,
            ay.ends_on >= date_to,
        )
        .scalar_subquery()
    )
    row = (
        await session.execute(
            select(i.name, i.short_name, i.address, i.phone, i.email, i.website, year_start).where(
                i.id == access.institution_id
            )
        )
    ).one()
    date_from = access.date_from or row[6] or date_to.replace(month=1, day=1)
    if (date_to - date_from).days >= MAX_SPAN_DAYS:
        raise BadReportOf("report_span_too_long", days=MAX_SPAN_DAYS)
    details = InstitutionDetails(
        name=row[0], short_name=row[1], address=row[2], phone=row[3], email=row[4], website=row[5]
    )
    return Span(institution=details, date_from=date_from, date_to=date_to)


def _short(surname: str | None, name: str | None, patronymic: str | None) -> str | None:
    if surname is None:
        return None
    initials = "".join(f"{x[0]}." for x in (name, patronymic) if x)
    return f"{surname} {initials}".strip()


def _full(surname: str | None, name: str | None, patronymic: str | None) -> str | None:
    if surname is None:
        return None
    return " ".join(x for x in (surname, name, patronymic) if x)


def _percent(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(100.0 * part / whole, 1)


def _dates_line(span: Span, lang: str) -> str:
    a, b = span.date_from.strftime("%d.%m.%Y"), span.date_to.strftime("%d.%m.%Y")
    return message("report_dates_b", lang, a=a, b=b)


def _scope_groups(access: ReportAccess, column: Any) -> Any:
    """The level's groups as a condition on ``column`` (a group id column); True-ish for
    the institution and the teacher levels."""
    if access.level in (ReportLevel.GROUP, ReportLevel.SUBJECT):
        return column == access.of.group_id
    if access.level is ReportLevel.DEPARTMENT:
        return column.in_(access.group_ids or (-1,))
    return column.is_not(None)


def _named_teacher(ctx: Context) -> Any:
    """True where the viewer may read the teacher's employee card: his name is shown only
    there (a region viewer reads no employee, so he sees figures without names)."""
    return ctx.authorizer.where("employee", "read")


async def _slot_hours(session: AsyncSession, institution_id: int) -> dict[int, int]:
    """Academic hours per bell slot number (see the module's conventions)."""
    b = m.BellSlot
    rows = await session.execute(
        select(b.number, b.starts_at, b.ends_at).where(b.institution_id == institution_id)
    )
    hours: dict[int, int] = {}
    for number, starts, ends in rows:
        minutes = (ends.hour * 60 + ends.minute) - (starts.hour * 60 + starts.minute)
        hours[number] = max(1, round(minutes / ACADEMIC_HOUR_MINUTES))
    return hours


# -- class occupancy -------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class RoomOccupancy:
    room_id: int
    room: str
    capacity: int | None
    available_slots: int
    used_slots: int
    share: float | None


@dataclasses.dataclass(frozen=True, slots=True)
class ClassOccupancyData:
    span: Span
    working_days: int
    slots_per_day: int
    rows: list[RoomOccupancy]


async def build_class_occupancy(ctx: Context, access: ReportAccess) -> ClassOccupancyData:
    """Five statements: span, bells, the calendar's days off and transfers, rooms with
    their used slots. Used: distinct (date, bell) pairs holding a lesson in the room;
    available: bell slots × working days (weekends, Russian public holidays, the
    institution's days off and transfers, as the journal's deadlines count them)."""
    inst = access.institution_id
    async with ctx.report_session() as session:
        span = await _span(ctx, session, access)
        b = m.BellSlot
        slots = (
            await session.execute(select(func.count()).where(b.institution_id == inst))
        ).scalar_one()
        off, tr = m.DayOff, m.DayTransfer
        days_off = set(
            (await session.execute(select(off.date).where(off.institution_id == inst))).scalars()
        )
        transfers: dict[dt.date, dt.date] = dict(
            (
                await session.execute(
                    select(tr.from_date, tr.to_date).where(tr.institution_id == inst)
                )
            ).all()
        )
        lesson = m.Lesson
        held = (
            select(lesson.room_id, lesson.date, lesson.slot)
            .where(
                lesson.institution_id == inst,
                lesson.room_id.is_not(None),
                lesson.date >= span.date_from,
                lesson.date <= span.date_to,
            )
            .distinct()
            .subquery()
        )
        used = (
            select(held.c.room_id, func.count().label("used")).group_by(held.c.room_id).subquery()
        )
        r = m.Room
        stmt = (
            select(r.id, r.name, r.capacity, func.coalesce(used.c.used, 0))
            .outerjoin(used, used.c.room_id == r.id)
            .where(r.institution_id == inst, ctx.authorizer.where("room", "read"))
            .order_by(r.name, r.id)
        )
        rooms = (await session.execute(stmt)).all()
    days = 0
    day = span.date_from
    while day <= span.date_to:
        days += is_working_day(day, days_off=days_off, transfers=transfers)
        day += dt.timedelta(days=1)
    available = days * int(slots)
    return ClassOccupancyData(
        span=span,
        working_days=days,
        slots_per_day=int(slots),
        rows=[
            RoomOccupancy(
                room_id=pk,
                room=name,
                capacity=capacity,
                available_slots=available,
                used_slots=int(n),
                share=_percent(int(n), available),
            )
            for pk, name, capacity, n in rooms
        ],
    )


def class_occupancy_table(data: ClassOccupancyData, access: ReportAccess, lang: str) -> ReportTable:
    return ReportTable(
        title=message("report_title_class_occupancy", lang),
        institution=data.span.institution,
        subtitle=[
            _dates_line(data.span, lang),
            message(
                "report_working_days_working_days_bell",
                lang,
                working_days=data.working_days,
                slots_per_day=data.slots_per_day,
            ),
        ],
        columns=[
            Column("room", message("report_room", lang)),
            Column("capacity", message("report_seats", lang), CellKind.INTEGER),
            Column("available", message("report_slots_available", lang), CellKind.INTEGER),
            Column("used", message("report_slots_used", lang), CellKind.INTEGER),
            Column("share", message("report_occupancy", lang), CellKind.PERCENT),
        ],
        rows=[[r.room, r.capacity, r.available_slots, r.used_slots, r.share] for r in data.rows],
    )


# -- student movement ------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class MovementFigures:
    """Counts of students; None where suppressed (fewer than the small-cell minimum, for a
    viewer who may not read those students). ``at_end`` = ``at_start`` + the ins − the outs."""

    at_start: int | None
    enrolled: int | None
    transferred_in: int | None
    returned: int | None
    transferred_out: int | None
    academic_leave: int | None
    expelled: int | None
    graduated: int | None
    at_end: int | None


@dataclasses.dataclass(frozen=True, slots=True)
class GroupMovement:
    group_id: int
    group: str
    figures: MovementFigures


@dataclasses.dataclass(frozen=True, slots=True)
class StudentMovementData:
    span: Span
    rows: list[GroupMovement]
    totals: MovementFigures
    suppressed: bool


MOVEMENT_KEYS = (
    "at_start",
    "enrolled",
    "transferred_in",
    "returned",
    "transferred_out",
    "academic_leave",
    "expelled",
    "graduated",
    "at_end",
)
#: Which count an order item adds to: into its ``to_group`` / out of its ``from_group``.
_INTO = {
    MovementKind.ENROLMENT: "enrolled",
    MovementKind.TRANSFER: "transferred_in",
    MovementKind.RETURN: "returned",
}
_OUT_OF = {
    MovementKind.TRANSFER: "transferred_out",
    MovementKind.ACADEMIC_LEAVE: "academic_leave",
    MovementKind.EXPULSION: "expelled",
    MovementKind.GRADUATION: "graduated",
}


async def build_student_movement(ctx: Context, access: ReportAccess) -> StudentMovementData:
    """Four statements: span, the memberships at the start and at the end (one pass), the
    order items in the dates by group and kind, the groups' names. At the start: before the orders of the
    first day take effect (a membership holding the day before); at the end: after the
    orders of the last day — so the orders in the dates explain the whole difference."""
    inst = access.institution_id
    async with ctx.report_session() as session:
        span = await _span(ctx, session, access)
        first, last = span.date_from, span.date_to
        gm, sg = m.GroupMembership, m.StudyGroup
        at_start = and_(gm.starts_on < first, or_(gm.ends_on.is_(None), gm.ends_on >= first))
        at_end = and_(gm.starts_on <= last, or_(gm.ends_on.is_(None), gm.ends_on > last))
        counts = (
            select(
                gm.group_id,
                func.sum(case((at_start, 1), else_=0)),
                func.sum(case((at_end, 1), else_=0)),
            )
            .where(gm.institution_id == inst, _scope_groups(access, gm.group_id))
            .where(or_(at_start, at_end))
            .group_by(gm.group_id)
        )
        counted = {g: (int(s), int(e)) for g, s, e in await session.execute(counts)}
        mo, item = m.MovementOrder, m.MovementOrderItem
        items = (
            select(mo.kind, item.from_group_id, item.to_group_id, func.count())
            .join(mo, mo.id == item.order_id)
            .where(
                item.institution_id == inst,
                mo.effective_on >= first,
                mo.effective_on <= last,
                or_(
                    _scope_groups(access, item.from_group_id),
                    _scope_groups(access, item.to_group_id),
                ),
            )
            .group_by(mo.kind, item.from_group_id, item.to_group_id)
        )
        figures: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(MOVEMENT_KEYS, 0))
        for g, (s, e) in counted.items():
            figures[g]["at_start"], figures[g]["at_end"] = s, e
        in_scope = {access.of.group_id} if access.of.group_id is not None else None
        if access.level is ReportLevel.DEPARTMENT:
            in_scope = set(access.group_ids)
        for kind, from_group, to_group, n in await session.execute(items):
            into, out_of = _INTO.get(kind), _OUT_OF.get(kind)
            if into and to_group is not None and (in_scope is None or to_group in in_scope):
                figures[to_group][into] += int(n)
            if out_of and from_group is not None and (in_scope is None or from_group in in_scope):
                figures[from_group][out_of] += int(n)
        names = dict(
            (
                await session.execute(
                    select(sg.id, sg.name).where(sg.id.in_(list(figures) or [-1]))
                )
            ).all()
        )
    totals = dict.fromkeys(MOVEMENT_KEYS, 0)
    for values in figures.values():
        for key in MOVEMENT_KEYS:
            totals[key] += values[key]

    kept = {g: v for g, v in figures.items() if any(v.values())}
    shown_rows, shown_totals = suppress_movement(kept, totals, access)
    rows = sorted(
        (
            GroupMovement(
                group_id=g, group=names.get(g, "?"), figures=MovementFigures(**shown_rows[g])
            )
            for g in kept
        ),
        key=_group_key,
    )
    return StudentMovementData(
        span=span,
        rows=rows,
        totals=MovementFigures(**shown_totals),
        suppressed=access.suppress_below is not None,
    )


Cells = dict[str, int | None]


def suppress_movement(
    rows: dict[int, dict[str, int]], totals: dict[str, int], access: ReportAccess
) -> tuple[dict[int, Cells], Cells]:
    """Small cells null, and whatever would give them back. A row balances (at the end =
    at the start + the ins − the outs), so one hidden count of a row is its others'
    arithmetic: a row with a hidden count hides every count but its zeros. A total minus
    the shown counts of its column is the sum of the hidden ones: the total is hidden when
    one count of the column is hidden, or their sum is itself small. The totals balance
    too, so one hidden total hides every total but the zeros. Without suppression for the
    viewer everything is shown."""
    if access.suppress_below is None:
        return {g: dict(v) for g, v in rows.items()}, dict(totals)

    def balanced(values: dict[str, int]) -> Cells:
        if not any(access.suppressed(v) for v in values.values()):
            return dict(values)
        return {k: v if v == 0 else None for k, v in values.items()}

    shown = {g: balanced(v) for g, v in rows.items()}
    out_totals: Cells = dict(totals)
    for key, total in totals.items():
        hidden = [rows[g][key] for g in rows if shown[g][key] is None]
        if access.suppressed(total) or len(hidden) == 1 or access.suppressed(sum(hidden)):
            out_totals[key] = None
    if any(v is None for v in out_totals.values()):
        out_totals = {k: 0 if totals[k] == 0 else None for k in totals}
    return shown, out_totals


def _group_key(row: GroupMovement) -> tuple[str, int]:
    return (row.group, row.group_id)


def student_movement_table(
    data: StudentMovementData, access: ReportAccess, lang: str
) -> ReportTable:
    TITLE_KEYS = {
        "at_start": "report_movement_at_start",
        "enrolled": "report_movement_enrolled",
        "transferred_in": "report_movement_transferred_in",
        "returned": "report_movement_returned",
        "transferred_out": "report_movement_transferred_out",
        "academic_leave": "report_movement_academic_leave",
        "expelled": "report_movement_expelled",
        "graduated": "report_movement_graduated",
        "at_end": "report_movement_at_end",
    }
    footer: list[str] = []
    if data.suppressed:
        footer.append(
            message(
                "report_values_below_suppress_below_suppressed",
                lang,
                suppress_below=access.suppress_below,
            )
        )
    return ReportTable(
        title=message("report_title_student_movement", lang),
        institution=data.span.institution,
        subtitle=[_dates_line(data.span, lang)],
        columns=[Column("group", message("report_group", lang))]
        + [Column(k, message(TITLE_KEYS[k], lang), CellKind.INTEGER) for k in MOVEMENT_KEYS],
        rows=[[r.group, *(getattr(r.figures, k) for k in MOVEMENT_KEYS)] for r in data.rows],
        totals=[message("report_total", lang), *(getattr(data.totals, k) for k in MOVEMENT_KEYS)],
        footer=footer,
        landscape=True,
    )


# -- teacher hours ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class TeacherHoursRow:
    teacher_id: int
    #: None where the viewer may not read the teacher's card (a region viewer).
    teacher: str | None
    group_id: int
    group: str
    discipline_id: int
    discipline: str
    planned: int | None
    given: int
    difference: int | None


@dataclasses.dataclass(frozen=True, slots=True)
class TeacherHoursData:
    span: Span
    rows: list[TeacherHoursRow]
    planned: int
    given: int


async def build_teacher_hours(ctx: Context, access: ReportAccess) -> TeacherHoursData:
    """Seven statements: span, bells, the assignments of the academic years the dates touch
    with their planned hours (the assignment's, else the group's curriculum for its year
    of study), the lessons held in the dates by teacher, group, discipline and bell, and
    the names (three). Planned hours are the year's; difference = planned − given."""
    inst = access.institution_id
    ta, ay, sg, ci = m.TeachingAssignment, m.AcademicYear, m.StudyGroup, m.CurriculumItem
    lesson = m.Lesson
    async with ctx.report_session() as session:
        span = await _span(ctx, session, access)
        slot_hours = await _slot_hours(session, inst)
        curriculum = (
            select(func.sum(ci.hours))
            .where(
                ci.curriculum_id == sg.curriculum_id,
                ci.discipline_id == ta.discipline_id,
                ci.study_year == sg.study_year,
            )
            .scalar_subquery()
        )
        assigned = (
            select(
                ta.teacher_id,
                ta.group_id,
                ta.discipline_id,
                func.sum(func.coalesce(ta.hours, curriculum)),
            )
            .join(ay, ay.id == ta.academic_year_id)
            .join(sg, sg.id == ta.group_id)
            .where(
                ta.institution_id == inst,
                ay.starts_on <= span.date_to,
                ay.ends_on >= span.date_from,
                _scope_groups(access, ta.group_id),
            )
            .group_by(ta.teacher_id, ta.group_id, ta.discipline_id)
        )
        if access.level is ReportLevel.TEACHER:
            assigned = assigned.where(ta.teacher_id == access.of.teacher_id)
        planned: dict[tuple[int, int, int], int | None] = {
            (t, g, d): None if h is None else int(h)
            for t, g, d, h in await session.execute(assigned)
        }
        held = (
            select(
                lesson.teacher_id, lesson.group_id, lesson.discipline_id, lesson.slot, func.count()
            )
            .where(
                lesson.institution_id == inst,
                lesson.date >= span.date_from,
                lesson.date <= span.date_to,
                _scope_groups(access, lesson.group_id),
            )
            .group_by(lesson.teacher_id, lesson.group_id, lesson.discipline_id, lesson.slot)
        )
        if access.level is ReportLevel.TEACHER:
            held = held.where(lesson.teacher_id == access.of.teacher_id)
        given: dict[tuple[int, int, int], int] = defaultdict(int)
        for t, g, d, slot, n in await session.execute(held):
            given[(t, g, d)] += int(n) * slot_hours.get(slot, 1)
        keys = sorted(set(planned) | set(given))
        names = await _names(ctx, session, keys)
    rows = [
        TeacherHoursRow(
            teacher_id=t,
            teacher=names.teachers.get(t),
            group_id=g,
            group=names.groups.get(g, "?"),
            discipline_id=d,
            discipline=names.disciplines.get(d, "?"),
            planned=planned.get((t, g, d)),
            given=given.get((t, g, d), 0),
            difference=None
            if planned.get((t, g, d)) is None
            else int(planned[(t, g, d)] or 0) - given.get((t, g, d), 0),
        )
        for t, g, d in keys
    ]
    rows.sort(key=lambda r: (r.teacher or "", r.teacher_id, r.group, r.discipline))
    return TeacherHoursData(
        span=span,
        rows=rows,
        planned=sum(r.planned or 0 for r in rows),
        given=sum(r.given for r in rows),
    )


@dataclasses.dataclass(frozen=True, slots=True)
class _Names:
    teachers: dict[int, str | None]
    groups: dict[int, str]
    disciplines: dict[int, str]


async def _names(
    ctx: Context, session: AsyncSession, keys: Sequence[tuple[int, int, int]]
) -> _Names:
    """Names of the (teacher, group, discipline) keys in three statements whatever their
    number; a teacher's name only where his card is readable."""
    e, p, sg, d = m.Employee, m.Person, m.StudyGroup, m.Discipline
    teacher_ids = sorted({k[0] for k in keys}) or [-1]
    group_ids = sorted({k[1] for k in keys}) or [-1]
    discipline_ids = sorted({k[2] for k in keys}) or [-1]
    readable = _named_teacher(ctx)
    teachers = (
        await session.execute(
            select(
                e.id,
                case((readable, p.surname), else_=None),
                case((readable, p.name), else_=None),
                case((readable, p.patronymic), else_=None),
            )
            .join(p, p.id == e.person_id)
            .where(e.id.in_(teacher_ids))
        )
    ).all()
    groups = (await session.execute(select(sg.id, sg.name).where(sg.id.in_(group_ids)))).all()
    disciplines = (
        await session.execute(
            select(d.id, func.coalesce(d.short_name, d.name)).where(d.id.in_(discipline_ids))
        )
    ).all()
    return _Names(
        teachers={t: _short(s, n, pa) for t, s, n, pa in teachers},
        groups={g: str(name) for g, name in groups},
        disciplines={x: str(name) for x, name in disciplines},
    )


def teacher_hours_table(data: TeacherHoursData, access: ReportAccess, lang: str) -> ReportTable:
    return ReportTable(
        title=message("report_title_teacher_hours", lang),
        institution=data.span.institution,
        subtitle=[_dates_line(data.span, lang)],
        columns=[
            Column("teacher", message("report_teacher", lang)),
            Column("group", message("report_group", lang)),
            Column("discipline", message("report_discipline", lang)),
            Column("planned", message("report_planned_h", lang), CellKind.INTEGER),
            Column("given", message("report_given_h", lang), CellKind.INTEGER),
            Column("difference", message("report_difference_h", lang), CellKind.INTEGER),
        ],
        rows=[
            [r.teacher, r.group, r.discipline, r.planned, r.given, r.difference] for r in data.rows
        ],
        totals=[
            message("report_total", lang),
            None,
            None,
            data.planned,
            data.given,
            data.planned - data.given,
        ],
    )


# -- user activity ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class AccountActivity:
    account_id: int
    login: str
    person: str | None
    roles: list[str]
    sign_ins: int
    changes: int
    last_sign_in: dt.datetime | None


@dataclasses.dataclass(frozen=True, slots=True)
class UserActivityData:
    span: Span
    rows: list[AccountActivity]
    sign_ins: int
    changes: int


async def build_user_activity(ctx: Context, access: ReportAccess) -> UserActivityData:
    """Five statements: span, the accounts (through the ``account`` read filter), their
    roles, the sessions created in the dates, the audit events that changed something in
    the dates. Sessions and events are counted from the first instant of the first day
    to the last instant of the last (UTC, as they are stored)."""
    inst = access.institution_id
    ua, p, ra = m.UserAccount, m.Person, m.RoleAssignment
    s, ev = m.AuthSession, m.AuditEvent
    async with ctx.report_session() as session:
        span = await _span(ctx, session, access)
        start = dt.datetime.combine(span.date_from, dt.time(), tzinfo=dt.UTC)
        end = dt.datetime.combine(span.date_to + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
        accounts = (
            await session.execute(
                select(ua.id, ua.login, p.surname, p.name, p.patronymic, ua.last_login_at)
                .outerjoin(p, p.id == ua.person_id)
                .where(ua.institution_id == inst, ctx.authorizer.where("account", "read"))
                .order_by(ua.login, ua.id)
            )
        ).all()
        roles: dict[int, list[str]] = defaultdict(list)
        for user, role in await session.execute(
            select(ra.user_id, ra.role)
            .join(ua, ua.id == ra.user_id)
            .where(ua.institution_id == inst, ra.institution_id == inst)
            .order_by(ra.user_id, ra.role)
        ):
            roles[user].append(role)
        sign_ins = dict(
            (
                await session.execute(
                    select(s.user_id, func.count())
                    .where(s.institution_id == inst, s.created_at >= start, s.created_at < end)
                    .group_by(s.user_id)
                )
            ).all()
        )
        changes = dict(
            (
                await session.execute(
                    select(ev.user_id, func.count())
                    .where(
                        ev.institution_id == inst,
                        ev.at >= start,
                        ev.at < end,
                        ev.user_id.is_not(None),
                        not_(ev.action.in_(NOT_CHANGES)),
                    )
                    .group_by(ev.user_id)
                )
            ).all()
        )
    rows = [
        AccountActivity(
            account_id=pk,
            login=login,
            person=_full(surname, name, patronymic),
            roles=roles.get(pk, []),
            sign_ins=int(sign_ins.get(pk, 0)),
            changes=int(changes.get(pk, 0)),
            last_sign_in=last,
        )
        for pk, login, surname, name, patronymic, last in accounts
    ]
    return UserActivityData(
        span=span,
        rows=rows,
        sign_ins=sum(r.sign_ins for r in rows),
        changes=sum(r.changes for r in rows),
    )


def user_activity_table(data: UserActivityData, access: ReportAccess, lang: str) -> ReportTable:
    return ReportTable(
        title=message("report_title_user_activity", lang),
        institution=data.span.institution,
        subtitle=[_dates_line(data.span, lang)],
        columns=[
            Column("login", message("report_login", lang)),
            Column("person", message("report_name", lang)),
            Column("roles", message("report_roles", lang)),
            Column("sign_ins", message("report_sign_ins", lang), CellKind.INTEGER),
            Column("changes", message("report_changes", lang), CellKind.INTEGER),
            Column("last_sign_in", message("report_last_sign", lang), CellKind.DATE),
        ],
        rows=[
            [
                r.login,
                r.person,
                ", ".join(r.roles),
                r.sign_ins,
                r.changes,
                None if r.last_sign_in is None else r.last_sign_in.date(),
            ]
            for r in data.rows
        ],
        totals=[message("report_total", lang), None, None, data.sign_ins, data.changes, None],
    )


# -- journal filling -------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class JournalFillingRow:
    group_id: int
    group: str
    discipline_id: int
    discipline: str
    teacher_id: int
    #: None where the viewer may not read the teacher's card (a region viewer).
    teacher: str | None
    lessons: int
    without_topic: int
    without_homework: int
    #: None where suppressed (as ``students``): marks are counted over those students.
    marks: int | None
    #: None where suppressed (a group of fewer students than the minimum, for a viewer who
    #: may not read them).
    students: int | None
    marks_per_student: float | None
    last_entry: dt.date | None
    days_since_last_entry: int | None


@dataclasses.dataclass(frozen=True, slots=True)
class JournalFillingData:
    span: Span
    rows: list[JournalFillingRow]


def _blank(column: Any) -> Any:
    return or_(column.is_(None), func.trim(column) == "")


async def build_journal_filling(ctx: Context, access: ReportAccess) -> JournalFillingData:
    """Seven statements: span, lessons in the dates by group × discipline × teacher, marks
    of those lessons, the students of those groups in the dates, the names (three). The last
    entry is the latest lesson in the dates with its topic filled in; days since it run
    to the report's last day."""
    inst = access.institution_id
    lesson, mark, gm = m.Lesson, m.Mark, m.GroupMembership
    async with ctx.report_session() as session:
        span = await _span(ctx, session, access)
        first, last = span.date_from, span.date_to

        def scoped(stmt: Any, group: Any, discipline: Any, teacher: Any) -> Any:
            stmt = stmt.where(_scope_groups(access, group))
            if access.level is ReportLevel.SUBJECT:
                stmt = stmt.where(discipline == access.of.discipline_id)
            if access.level is ReportLevel.TEACHER:
                stmt = stmt.where(teacher == access.of.teacher_id)
            return stmt

        key = (lesson.group_id, lesson.discipline_id, lesson.teacher_id)
        lessons_stmt = scoped(
            select(
                *key,
                func.count(),
                func.sum(case((_blank(lesson.topic), 1), else_=0)),
                func.sum(case((_blank(lesson.homework), 1), else_=0)),
                func.max(case((not_(_blank(lesson.topic)), lesson.date), else_=None)),
            )
            .where(lesson.institution_id == inst, lesson.date >= first, lesson.date <= last)
            .group_by(*key),
            *key,
        )
        lessons = {
            (g, d, t): (int(n), int(nt), int(nh), when)
            for g, d, t, n, nt, nh, when in await session.execute(lessons_stmt)
        }
        marks_stmt = scoped(
            select(*key, func.count())
            .select_from(mark)
            .join(lesson, lesson.id == mark.lesson_id)
            .where(mark.institution_id == inst, mark.date >= first, mark.date <= last)
            .group_by(*key),
            *key,
        )
        marks = {(g, d, t): int(n) for g, d, t, n in await session.execute(marks_stmt)}
        group_ids = sorted({k[0] for k in lessons}) or [-1]
        students = dict(
            (
                await session.execute(
                    select(gm.group_id, func.count(func.distinct(gm.student_id)))
                    .where(
                        gm.institution_id == inst,
                        gm.group_id.in_(group_ids),
                        gm.starts_on <= last,
                        or_(gm.ends_on.is_(None), gm.ends_on > first),
                    )
                    .group_by(gm.group_id)
                )
            ).all()
        )
        names = await _names(ctx, session, [(t, g, d) for g, d, t in lessons])
    rows: list[JournalFillingRow] = []
    for (g, d, t), (n, no_topic, no_homework, when) in lessons.items():
        count = int(students.get(g, 0))
        hidden = access.suppressed(count)
        given = marks.get((g, d, t), 0)
        if isinstance(when, str):  # SQLite answers MAX over a CASE as text
            when = dt.date.fromisoformat(when)
        rows.append(
            JournalFillingRow(
                group_id=g,
                group=names.groups.get(g, "?"),
                discipline_id=d,
                discipline=names.disciplines.get(d, "?"),
                teacher_id=t,
                teacher=names.teachers.get(t),
                lessons=n,
                without_topic=no_topic,
                without_homework=no_homework,
                marks=None if hidden else given,
                students=None if hidden else count,
                marks_per_student=None if hidden or count == 0 else round(given / count, 2),
                last_entry=when,
                days_since_last_entry=None if when is None else (last - when).days,
            )
        )
    rows.sort(key=lambda r: (r.group, r.discipline, r.teacher or "", r.teacher_id))
    return JournalFillingData(span=span, rows=rows)


def journal_filling_table(data: JournalFillingData, access: ReportAccess, lang: str) -> ReportTable:
    return ReportTable(
        title=message("report_title_journal_filling", lang),
        institution=data.span.institution,
        subtitle=[_dates_line(data.span, lang)],
        columns=[
            Column("group", message("report_group", lang)),
            Column("discipline", message("report_discipline", lang)),
            Column("teacher", message("report_teacher", lang)),
            Column("lessons", message("report_lessons", lang), CellKind.INTEGER),
            Column("without_topic", message("report_without_topic", lang), CellKind.INTEGER),
            Column("without_homework", message("report_without_homework", lang), CellKind.INTEGER),
            Column("marks", message("report_marks", lang), CellKind.INTEGER),
            Column("students", message("report_students", lang), CellKind.INTEGER),
            Column(
                "marks_per_student",
                message("report_marks_per_student", lang),
                CellKind.DECIMAL,
            ),
            Column("last_entry", message("report_last_entry", lang), CellKind.DATE),
            Column(
                "days_since",
                message("report_days_since_last_entry", lang),
                CellKind.INTEGER,
            ),
        ],
        rows=[
            [
                r.group,
                r.discipline,
                r.teacher,
                r.lessons,
                r.without_topic,
                r.without_homework,
                r.marks,
                r.students,
                r.marks_per_student,
                r.last_entry,
                r.days_since_last_entry,
            ]
            for r in data.rows
        ],
        landscape=True,
    )


# -- HR list ---------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class HrPosition:
    name: str
    is_main: bool
    rate: float


@dataclasses.dataclass(frozen=True, slots=True)
class HrRow:
    employee_id: int
    full_name: str
    positions: list[HrPosition]
    category: str | None
    hired_on: dt.date | None
    #: Only where the ruleset grants ``employee.personal`` read on this employee.
    email: str | None
    phone: str | None


@dataclasses.dataclass(frozen=True, slots=True)
class HrListData:
    span: Span
    rows: list[HrRow]
    contacts_shown: bool


async def build_hr_list(ctx: Context, access: ReportAccess) -> HrListData:
    """Three statements: span, the employees working on the last day (hired by then or
    with no hiring date, not dismissed before it) with their contacts where
    ``employee.personal`` is readable, and their positions."""
    inst = access.institution_id
    e, p, ep, pos = m.Employee, m.Person, m.EmployeePosition, m.Position
    async with ctx.report_session() as session:
        span = await _span(ctx, session, access)
        day = span.date_to
        personal = ctx.authorizer.where("employee.personal", "read")
        people = (
            await session.execute(
                select(
                    e.id,
                    p.surname,
                    p.name,
                    p.patronymic,
                    e.category,
                    e.hired_on,
                    case((personal, p.email), else_=None),
                    case((personal, p.phone), else_=None),
                    personal,
                )
                .join(p, p.id == e.person_id)
                .where(
                    e.institution_id == inst,
                    ctx.authorizer.where("employee", "read"),
                    or_(e.hired_on.is_(None), e.hired_on <= day),
                    or_(e.dismissed_on.is_(None), e.dismissed_on > day),
                )
                .order_by(p.surname, p.name, p.patronymic, e.id)
            )
        ).all()
        positions: dict[int, list[HrPosition]] = defaultdict(list)
        for employee, name, is_main, rate in await session.execute(
            select(ep.employee_id, pos.name, ep.is_main, ep.rate)
            .join(pos, pos.id == ep.position_id)
            .where(ep.institution_id == inst)
            .order_by(ep.employee_id, ep.is_main.desc(), pos.name)
        ):
            positions[employee].append(HrPosition(name=name, is_main=is_main, rate=float(rate)))
    rows = [
        HrRow(
            employee_id=pk,
            full_name=_full(surname, name, patronymic) or "",
            positions=positions.get(pk, []),
            category=category,
            hired_on=hired,
            email=email,
            phone=phone,
        )
        for pk, surname, name, patronymic, category, hired, email, phone, _ in people
    ]
    return HrListData(span=span, rows=rows, contacts_shown=any(bool(r[8]) for r in people))


def hr_list_table(data: HrListData, access: ReportAccess, lang: str) -> ReportTable:
    columns = [
        Column("full_name", message("report_name", lang)),
        Column("positions", message("report_position", lang)),
        Column("category", message("report_category", lang)),
        Column("hired_on", message("report_hired_on", lang), CellKind.DATE),
    ]
    if data.contacts_shown:
        columns += [
            Column("email", message("report_email", lang)),
            Column("phone", message("report_phone", lang)),
        ]

    def cells(r: HrRow) -> list[Any]:
        out: list[Any] = [
            r.full_name,
            "; ".join(x.name for x in r.positions),
            r.category,
            r.hired_on,
        ]
        return out + ([r.email, r.phone] if data.contacts_shown else [])

    return ReportTable(
        title=message("report_title_hr_list", lang),
        institution=data.span.institution,
        subtitle=[
            message("report_as_strftime", lang, strftime=data.span.date_to.strftime("%d.%m.%Y"))
        ],
        columns=columns,
        rows=[cells(r) for r in data.rows],
    )


# -- declarations ----------------------------------------------------------------------------

L = ReportLevel

report(
    ReportSpec(
        name=ReportName.CLASS_OCCUPANCY,
        levels=frozenset({L.INSTITUTION}),
        personal=None,
        build=build_class_occupancy,
        table=class_occupancy_table,
    )
)
report(
    ReportSpec(
        name=ReportName.STUDENT_MOVEMENT,
        levels=frozenset({L.INSTITUTION, L.DEPARTMENT, L.GROUP}),
        personal=None,
        build=build_student_movement,
        table=student_movement_table,
    )
)
report(
    ReportSpec(
        name=ReportName.TEACHER_HOURS,
        levels=frozenset({L.INSTITUTION, L.DEPARTMENT, L.TEACHER}),
        personal=None,
        build=build_teacher_hours,
        table=teacher_hours_table,
    )
)
report(
    ReportSpec(
        name=ReportName.USER_ACTIVITY,
        levels=frozenset({L.INSTITUTION}),
        personal="account",
        build=build_user_activity,
        table=user_activity_table,
    )
)
report(
    ReportSpec(
        name=ReportName.JOURNAL_FILLING,
        levels=frozenset({L.INSTITUTION, L.DEPARTMENT, L.GROUP, L.SUBJECT, L.TEACHER}),
        personal=None,
        build=build_journal_filling,
        table=journal_filling_table,
    )
)
report(
    ReportSpec(
        name=ReportName.HR_LIST,
        levels=frozenset({L.INSTITUTION}),
        personal="employee",
        build=build_hr_list,
        table=hr_list_table,
    )
)
