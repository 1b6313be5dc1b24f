"""The timetable: entries with clash detection, the weekly grid, and lessons generated
from it over the academic calendar.

Which timetable applies on a date (one rule for the grid and for ``generateLessons``):

- a day off (``DayOff``) has no lessons;
- a transfer ``from_date → to_date`` moves the lessons of ``from_date`` (its weekday's
  entries valid on ``from_date``) to ``to_date``; ``from_date`` itself has none;
- any other day follows its own weekday: Saturday and Sunday hold lessons only where the
  timetable has entries on those weekdays (a six-day week), so a five-day week skips them;
- weekly lessons run only inside the group's study periods (the curriculum's period kind,
  else the finest kind the year has), so holidays between quarters hold none;
- exam and state-exam entries (kind EXAM / STATE_EXAM) sit on one concrete date
  (``validFrom = validTo``) and are held on that date unless it is a day off.

A clash is CONFLICT, not VALIDATION: the input is well-formed, it collides with an entry
already stored. One error per clash, with the field (``input.room`` / ``input.teacher`` /
``input.group``) and a message naming the other entry.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Integer, and_, cast, insert, literal, null, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from campusgraph.context import Context
from campusgraph.db import models as m
from campusgraph.db.enums import LessonType, PeriodKind, TimetableKind
from campusgraph.i18n import message
from campusgraph.policies.scopes import SqlAnchors
from campusgraph.resolvers import reads
from campusgraph.resolvers.audit import record, snapshot
from campusgraph.resolvers.structure_writes import Invalid

#: Finer kinds first: a group without a curriculum studies in the finest kind of its year.
KIND_ORDER = (PeriodKind.QUARTER, PeriodKind.HALF_YEAR, PeriodKind.SEMESTER, PeriodKind.YEAR)

#: The longest range ``generateLessons`` takes at once.
MAX_RANGE_DAYS = 366


class Clashes(Exception):
    """The entry collides with stored ones: (input field, message) per clash."""

    def __init__(self, clashes: Sequence[tuple[str, str]]) -> None:
        super().__init__("; ".join(text for _, text in clashes))
        self.clashes = list(clashes)


def _d(day: dt.date, language: str) -> str:
    return day.isoformat() if language == "en" else day.strftime("%d.%m.%Y")


def weekday_name(weekday: int, language: str) -> str:
    """The ISO weekday's name (1 = Monday), from the catalogs: ``weekday_<n>``."""
    return message(f"weekday_{weekday}", language)


def short_name(person: m.Person) -> str:
    """Surname and initials, as ``Employee.shortName`` shows them."""
    initials = "".join(f"{part[0]}." for part in (person.name, person.patronymic) if part)
    return f"{person.surname} {initials}".strip()


# =====================================================================================
# The calendar of a date range
# =====================================================================================


@dataclass
class StudyCalendar:
    days_off: dict[dt.date, str]
    #: from_date → to_date and back
    moved_to: dict[dt.date, dt.date]
    moved_from: dict[dt.date, dt.date]

    def source(self, day: dt.date) -> dt.date | None:
        """The date whose weekly timetable is held on ``day``; None when there are no
        weekly lessons that day."""
        if day in self.days_off or day in self.moved_to:
            return None
        return self.moved_from.get(day, day)


async def load_calendar(
    session: AsyncSession, first: dt.date, last: dt.date, ctx: Context | None = None
) -> StudyCalendar:
    """Days off in the range and every transfer touching it. With ``ctx`` the rows are
    filtered by the viewer's ``calendar`` read (the grid); without, all (generation)."""
    off = select(m.DayOff.date, m.DayOff.reason).where(
        m.DayOff.date >= first, m.DayOff.date <= last
    )
    moves = select(m.DayTransfer.from_date, m.DayTransfer.to_date).where(
        or_(
            m.DayTransfer.from_date.between(first, last),
            m.DayTransfer.to_date.between(first, last),
        )
    )
    if ctx is not None:
        off = reads.filtered(
            ctx, "calendar", off, anchors=SqlAnchors(institution=m.DayOff.institution_id)
        )
        moves = reads.filtered(
            ctx, "calendar", moves, anchors=SqlAnchors(institution=m.DayTransfer.institution_id)
        )
    days_off = dict((await session.execute(off)).all())
    pairs = (await session.execute(moves)).all()
    return StudyCalendar(days_off, dict(pairs), {b: a for a, b in pairs})


async def study_terms(
    session: AsyncSession, group_ids: Iterable[int]
) -> dict[int, list[tuple[dt.date, dt.date]]]:
    """Per group: the bounds of the periods its weekly lessons run in."""
    ids = list(set(group_ids))
    if not ids:
        return {}
    groups = (
        await session.execute(
            select(m.StudyGroup.id, m.StudyGroup.academic_year_id, m.Curriculum.period_kind)
            .outerjoin(m.Curriculum, m.Curriculum.id == m.StudyGroup.curriculum_id)
            .where(m.StudyGroup.id.in_(ids))
        )
    ).all()
    years = {year for _, year, _ in groups}
    periods = (
        await session.execute(
            select(m.Period.academic_year_id, m.Period.kind, m.Period.starts_on, m.Period.ends_on)
            .where(m.Period.academic_year_id.in_(years))
            .order_by(m.Period.starts_on)
        )
    ).all()
    by_year: dict[int, dict[PeriodKind, list[tuple[dt.date, dt.date]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for year, kind, a, b in periods:
        by_year[year][kind].append((a, b))
    out: dict[int, list[tuple[dt.date, dt.date]]] = {}
    for gid, year, kind in groups:
        kinds = by_year.get(year, {})
        chosen = kind if kind in kinds else None
        if chosen is None and kinds:
            chosen = max(kinds, key=lambda k: (len(kinds[k]), -KIND_ORDER.index(k)))
        out[gid] = list(kinds.get(chosen, [])) if chosen is not None else []
    return out


def _in_terms(day: dt.date, terms: list[tuple[dt.date, dt.date]]) -> bool:
    return any(a <= day <= b for a, b in terms)


@dataclass(frozen=True, slots=True)
class Held:
    """An entry held on a date."""

    date: dt.date
    entry: m.TimetableEntry


def held_on(
    days: Iterable[dt.date],
    entries: Sequence[m.TimetableEntry],
    calendar: StudyCalendar,
    terms: dict[int, list[tuple[dt.date, dt.date]]],
) -> list[Held]:
    """Which entries are held on which of ``days`` (the rules in the module docstring)."""
    weekly: dict[int, list[m.TimetableEntry]] = defaultdict(list)
    dated: dict[dt.date, list[m.TimetableEntry]] = defaultdict(list)
    for e in entries:
        if e.kind is TimetableKind.LESSON:
            weekly[e.weekday].append(e)
        else:
            dated[e.valid_from].append(e)
    out: list[Held] = []
    for day in days:
        src = calendar.source(day)
        if src is not None:
            for e in weekly.get(src.isoweekday(), ()):
                if e.valid_from <= src <= e.valid_to and _in_terms(day, terms.get(e.group_id, [])):
                    out.append(Held(day, e))
        if day not in calendar.days_off:
            out.extend(Held(day, e) for e in dated.get(day, ()))
    out.sort(key=lambda h: (h.date, h.entry.slot, h.entry.group_id, h.entry.id))
    return out


def _days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


def _entry_span(first: dt.date, last: dt.date, calendar: StudyCalendar) -> tuple[dt.date, dt.date]:
    """The dates whose entries matter for [first, last]: transfers may bring a source date
    from outside it."""
    sources = [calendar.moved_from[d] for d in calendar.moved_from if first <= d <= last]
    return min([first, *sources]), max([last, *sources])


# =====================================================================================
# Entries: validation, clashes, writes
# =====================================================================================


@dataclass(slots=True)
class EntryValues:
    kind: TimetableKind
    group_id: int
    subgroup_id: int | None
    discipline_id: int
    teacher_id: int
    room_id: int | None
    weekday: int | None
    slot: int
    valid_from: dt.date
    valid_to: dt.date
    note: str | None = None

    def columns(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "group_id": self.group_id,
            "subgroup_id": self.subgroup_id,
            "discipline_id": self.discipline_id,
            "teacher_id": self.teacher_id,
            "room_id": self.room_id,
            "weekday": self.weekday,
            "slot": self.slot,
            "valid_from": self.valid_from,
            "valid_to": self.valid_to,
            "note": self.note,
        }

    def cell(self) -> Cell:
        assert self.weekday is not None  # validate_entry refuses an entry without one
        return Cell(
            weekday=self.weekday,
            slot=self.slot,
            valid_from=self.valid_from,
            valid_to=self.valid_to,
            group_id=self.group_id,
            subgroup_id=self.subgroup_id,
            teacher_id=self.teacher_id,
            room_id=self.room_id,
        )

    @classmethod
    def of(cls, row: m.TimetableEntry) -> EntryValues:
        return cls(
            kind=row.kind,
            group_id=row.group_id,
            subgroup_id=row.subgroup_id,
            discipline_id=row.discipline_id,
            teacher_id=row.teacher_id,
            room_id=row.room_id,
            weekday=row.weekday,
            slot=row.slot,
            valid_from=row.valid_from,
            valid_to=row.valid_to,
            note=row.note,
        )


async def _get(session: AsyncSession, model: Any, pk: int | None) -> Any:
    if pk is None:
        return None
    return (await session.execute(select(model).where(model.id == pk))).scalar()


async def validate_entry(session: AsyncSession, v: EntryValues, language: str) -> None:
    problems: list[tuple[str | None, str]] = []

    def add(where: str, text: str) -> None:
        problems.append((where, text))

    if v.kind is not TimetableKind.LESSON:
        if v.weekday is None:
            v.weekday = v.valid_from.isoweekday()
        if v.valid_to != v.valid_from:
            add(
                "input.validTo",
                message("timetable_exam_sits_on_one_date", language),
            )
        if v.weekday != v.valid_from.isoweekday():
            add(
                "input.weekday",
                message(
                    "timetable_valid_from_weekday_name",
                    language,
                    valid_from=_d(v.valid_from, language),
                    weekday_name=weekday_name(v.valid_from.isoweekday(), language),
                ),
            )
        off = await session.execute(select(m.DayOff.reason).where(m.DayOff.date == v.valid_from))
        reason = off.scalar()
        if reason is not None:
            add(
                "input.validFrom",
                message(
                    "timetable_valid_from_day_off_reason",
                    language,
                    valid_from=_d(v.valid_from, language),
                    reason=reason,
                ),
            )
    if v.weekday is None:
        add("input.weekday", message("timetable_field_required", language))
    elif not 1 <= v.weekday <= 7:
        add("input.weekday", message("timetable_weekday_1_monday_7", language))
    bell = await session.execute(select(m.BellSlot.id).where(m.BellSlot.number == v.slot))
    if bell.first() is None:
        add(
            "input.slot",
            message("timetable_there_no_slot_slot_bell", language, slot=v.slot),
        )
    if v.valid_from > v.valid_to:
        add("input.validTo", message("timetable_validto_before_validfrom", language))
    group = await _get(session, m.StudyGroup, v.group_id)
    if group is None:
        add("input.group", message("timetable_group_not_found", language))
    else:
        year = await _get(session, m.AcademicYear, group.academic_year_id)
        if year is not None and (v.valid_from < year.starts_on or v.valid_to > year.ends_on):
            add(
                "input.validFrom" if v.valid_from < year.starts_on else "input.validTo",
                message(
                    "timetable_dates_outside_group_s_academic",
                    language,
                    name=year.name,
                    starts_on=_d(year.starts_on, language),
                    ends_on=_d(year.ends_on, language),
                ),
            )
    if v.subgroup_id is not None:
        sub = await _get(session, m.Subgroup, v.subgroup_id)
        if sub is None or (group is not None and sub.group_id != group.id):
            add(
                "input.subgroup",
                message("timetable_no_such_subgroup_this_group", language),
            )
        elif sub.discipline_id is not None and sub.discipline_id != v.discipline_id:
            add(
                "input.subgroup",
                message("timetable_subgroup_for_another_discipline", language),
            )
    if await _get(session, m.Discipline, v.discipline_id) is None:
        add("input.discipline", message("timetable_discipline_not_found", language))
    teacher = await _get(session, m.Employee, v.teacher_id)
    if teacher is None:
        add("input.teacher", message("timetable_teacher_not_found", language))
    elif teacher.dismissed_on is not None and teacher.dismissed_on <= v.valid_from:
        add("input.teacher", message("timetable_employee_has_been_dismissed", language))
    if v.room_id is not None and await _get(session, m.Room, v.room_id) is None:
        add("input.room", message("timetable_room_not_found", language))
    if problems:
        raise Invalid(problems)


@dataclass(frozen=True, slots=True)
class Cell:
    """What the CONFLICT check compares between an entry to be written and a stored one:
    when it sits (weekday, slot, validity) and what it takes (group or subgroup, teacher,
    room)."""

    weekday: int
    slot: int
    valid_from: dt.date
    valid_to: dt.date
    group_id: int
    subgroup_id: int | None
    teacher_id: int
    room_id: int | None


def clash_kinds(cell: Cell, o: m.TimetableEntry) -> list[tuple[str, str]]:
    """What of ``cell`` the stored entry ``o`` takes, as (input field, message key) per
    clash: the one rule of the CONFLICT check and of ``freeSlots``. They clash in the same
    weekday and slot with overlapping validity, on the room, the teacher, or the group —
    two different subgroups of one group may share a slot. Days off and day transfers do
    not enter: an entry is weekly, the calendar moves its lessons, not the entry."""
    if (
        o.weekday != cell.weekday
        or o.slot != cell.slot
        or o.valid_from > cell.valid_to
        or o.valid_to < cell.valid_from
    ):
        return []
    found: list[tuple[str, str]] = []
    if cell.room_id is not None and o.room_id == cell.room_id:
        found.append(("input.room", "clash_room"))
    if o.teacher_id == cell.teacher_id:
        found.append(("input.teacher", "clash_teacher"))
    split = cell.subgroup_id is not None and o.subgroup_id is not None
    if o.group_id == cell.group_id and not (split and o.subgroup_id != cell.subgroup_id):
        found.append(("input.group", "clash_group"))
    return found


def clash_candidates(cell: Cell, *, any_slot: bool = False, any_room: bool = False) -> list[Any]:
    """SQL conditions keeping the stored entries that may clash with ``cell`` (a superset:
    :func:`clash_kinds` decides). ``any_slot``: in any slot of the weekday; ``any_room``:
    in whatever room (every entry with one), for the free rooms of a slot."""
    te = m.TimetableEntry
    where: list[Any] = [
        te.weekday == cell.weekday,
        te.valid_from <= cell.valid_to,
        te.valid_to >= cell.valid_from,
    ]
    if not any_slot:
        where.append(te.slot == cell.slot)
    who = [te.teacher_id == cell.teacher_id, te.group_id == cell.group_id]
    if any_room:
        who.append(te.room_id.is_not(None))
    elif cell.room_id is not None:
        who.append(te.room_id == cell.room_id)
    where.append(or_(*who))
    return where


async def find_clashes(
    session: AsyncSession, v: EntryValues, pk: int | None, language: str
) -> list[tuple[str, str]]:
    te = m.TimetableEntry
    cell = v.cell()
    stmt = select(te).where(*clash_candidates(cell))
    if pk is not None:
        stmt = stmt.where(te.id != pk)
    others = list((await session.execute(stmt.order_by(te.valid_from, te.id))).scalars())
    found = [(where, key, o) for o in others for where, key in clash_kinds(cell, o)]
    if not found:
        return []
    names = await _names(session, [o for _, _, o in found])
    bell = (
        await session.execute(
            select(m.BellSlot.starts_at, m.BellSlot.ends_at).where(m.BellSlot.number == v.slot)
        )
    ).first()
    time = f" ({bell[0]:%H:%M}–{bell[1]:%H:%M})" if bell else ""
    out: list[tuple[str, str]] = []
    for where, key, o in found:
        n = names[o.id]
        head = message(key, language, room=n["room"], teacher=n["teacher"], group=n["group"])
        tail = message(
            "clash_with",
            language,
            weekday=weekday_name(o.weekday, language),
            slot=o.slot,
            time=time,
            discipline=n["discipline"],
            group=n["group"],
            subgroup=f" ({n['subgroup']})" if n["subgroup"] else "",
            teacher=n["teacher"],
            room=n["room"] or "—",
            start=_d(o.valid_from, language),
            end=_d(o.valid_to, language),
        )
        out.append((where, f"{head} {tail}"))
    return out


async def _names(
    session: AsyncSession, entries: Sequence[m.TimetableEntry]
) -> dict[int, dict[str, str]]:
    async def named(model: Any, ids: set[int | None], col: Any) -> dict[int, str]:
        wanted = {i for i in ids if i is not None}
        if not wanted:
            return {}
        rows = await session.execute(select(model.id, col).where(model.id.in_(wanted)))
        return dict(rows.all())

    disciplines = await named(m.Discipline, {e.discipline_id for e in entries}, m.Discipline.name)
    groups = await named(m.StudyGroup, {e.group_id for e in entries}, m.StudyGroup.name)
    rooms = await named(m.Room, {e.room_id for e in entries}, m.Room.name)
    subgroups = await named(m.Subgroup, {e.subgroup_id for e in entries}, m.Subgroup.name)
    people = await session.execute(
        select(m.Employee.id, m.Person)
        .join(m.Person, m.Person.id == m.Employee.person_id)
        .where(m.Employee.id.in_({e.teacher_id for e in entries}))
    )
    teachers = {pk: short_name(person) for pk, person in people.all()}
    return {
        e.id: {
            "discipline": disciplines.get(e.discipline_id, "?"),
            "group": groups.get(e.group_id, "?"),
            "room": rooms.get(e.room_id, "") if e.room_id is not None else "",
            "subgroup": subgroups.get(e.subgroup_id, "") if e.subgroup_id is not None else "",
            "teacher": teachers.get(e.teacher_id, "?"),
        }
        for e in entries
    }


async def save_entry(
    ctx: Context, pk: int | None, v: EntryValues, client_mutation_id: str | None
) -> m.TimetableEntry:
    viewer = ctx.viewer
    assert viewer is not None and viewer.institution_id is not None
    inst = viewer.institution_id
    language = ctx.language
    async with ctx.session(write=True) as session:
        # Writers into one slot queue on its bell row, so two concurrent writes never both
        # pass the clash check (SQLite already serialises writers at BEGIN).
        await session.execute(
            select(m.BellSlot.id).where(m.BellSlot.number == v.slot).with_for_update()
        )
        row: m.TimetableEntry | None = None
        before = None
        if pk is not None:
            row = (
                await session.execute(
                    select(m.TimetableEntry).where(m.TimetableEntry.id == pk).with_for_update()
                )
            ).scalar()
            if row is None:
                raise Invalid([("input.id", message("timetable_not_found", language))])
            before = snapshot(row)
        await validate_entry(session, v, language)
        clashes = await find_clashes(session, v, pk, language)
        if clashes:
            raise Clashes(clashes)
        if row is None:
            row = m.TimetableEntry(institution_id=inst, **v.columns())
            session.add(row)
        else:
            for key, value in v.columns().items():
                setattr(row, key, value)
        await session.flush()
        await record(
            session,
            viewer=viewer,
            action="create" if pk is None else "update",
            object_type="timetable",
            object_id=row.id,
            institution_id=inst,
            before=before,
            after=snapshot(row),
            client_mutation_id=client_mutation_id,
        )
        await session.commit()
    return row


async def delete_entry(ctx: Context, pk: int, client_mutation_id: str | None) -> None:
    viewer = ctx.viewer
    assert viewer is not None
    async with ctx.session(write=True) as session:
        row = await _get(session, m.TimetableEntry, pk)
        if row is None:
            raise Invalid([("input.id", message("timetable_not_found", ctx.language))])
        before = snapshot(row)
        await session.delete(row)
        await record(
            session,
            viewer=viewer,
            action="delete",
            object_type="timetable",
            object_id=pk,
            institution_id=viewer.institution_id,
            before=before,
            client_mutation_id=client_mutation_id,
        )
        await session.commit()


# =====================================================================================
# The weekly grid
# =====================================================================================


@dataclass(slots=True)
class GridDay:
    date: dt.date
    day_off: str | None
    lessons_of: dt.date | None
    moved_to: dt.date | None
    held: list[m.TimetableEntry] = field(default_factory=list)


@dataclass(slots=True)
class Grid:
    monday: dt.date
    days: list[GridDay]
    bells: dict[int, tuple[dt.time, dt.time]]


async def week_grid(ctx: Context, column: Any, pk: int, on: dt.date) -> Grid:
    """The week (Monday to Sunday) containing ``on`` for one group, teacher or room; only
    entries the viewer may read (``timetable`` read)."""
    monday = on - dt.timedelta(days=on.isoweekday() - 1)
    sunday = monday + dt.timedelta(days=6)
    te = m.TimetableEntry
    async with ctx.session() as session:
        calendar = await load_calendar(session, monday, sunday, ctx)
        first, last = _entry_span(monday, sunday, calendar)
        stmt = (
            select(te)
            .where(column == pk, te.valid_from <= last, te.valid_to >= first)
            .order_by(te.slot, te.id)
        )
        entries = list((await session.execute(reads.filtered(ctx, "timetable", stmt))).scalars())
        terms = await study_terms(session, {e.group_id for e in entries})
        bells_stmt = reads.filtered(
            ctx,
            "calendar",
            select(m.BellSlot.number, m.BellSlot.starts_at, m.BellSlot.ends_at),
            anchors=SqlAnchors(institution=m.BellSlot.institution_id),
        )
        bells = {n: (a, b) for n, a, b in (await session.execute(bells_stmt)).all()}
    days = [
        GridDay(
            date=d,
            day_off=calendar.days_off.get(d),
            lessons_of=calendar.moved_from.get(d),
            moved_to=calendar.moved_to.get(d),
        )
        for d in _days(monday, sunday)
    ]
    by_date = {d.date: d for d in days}
    for h in held_on(by_date, entries, calendar, terms):
        by_date[h.date].held.append(h.entry)
    return Grid(monday, days, bells)


# =====================================================================================
# Free slots for a timetable builder
# =====================================================================================


@dataclass(slots=True)
class FreeSlot:
    number: int
    starts_at: dt.time
    ends_at: dt.time
    rooms: list[m.Room]


@dataclass(slots=True)
class FreeDay:
    date: dt.date
    until: dt.date
    day_off: str | None
    lessons_of: dt.date | None
    moved_to: dt.date | None
    slots: list[FreeSlot]


@dataclass(frozen=True, slots=True)
class FreeQuery:
    group_id: int
    subgroup_id: int | None
    teacher_id: int
    first: dt.date
    last: dt.date
    #: An entry being moved: its own place does not count (as on ``updateTimetableEntry``).
    moving: int | None = None


async def free_slots(ctx: Context, q: FreeQuery) -> FreeDay:
    """The bell slots of ``q.first``'s weekday where an entry of the group (or subgroup)
    with the teacher, valid ``first``..``last``, would clash with nothing, each with the
    rooms it could take: :func:`clash_kinds` applied to every slot and room, so exactly
    what ``createTimetableEntry`` accepts without CONFLICT. Entries, bells and rooms are
    the viewer's to read (``timetable``, ``calendar``, ``room`` read, as on the grid).
    Six statements whatever the number of slots and rooms."""
    language = ctx.language
    if q.last < q.first:
        raise Invalid([("until", message("timetable_ends_before_it_starts", language))])
    if (q.last - q.first).days >= MAX_RANGE_DAYS:
        raise Invalid(
            [
                (
                    "until",
                    message(
                        "timetable_at_most_max_range_days", language, max_range_days=MAX_RANGE_DAYS
                    ),
                )
            ]
        )
    te, sg, emp = m.TimetableEntry, m.Subgroup, m.Employee
    cell = Cell(
        weekday=q.first.isoweekday(),
        slot=0,
        valid_from=q.first,
        valid_to=q.last,
        group_id=q.group_id,
        subgroup_id=q.subgroup_id,
        teacher_id=q.teacher_id,
        room_id=None,
    )
    entries_stmt = select(te).where(*clash_candidates(cell, any_slot=True, any_room=True))
    if q.moving is not None:
        entries_stmt = entries_stmt.where(te.id != q.moving)
    year = m.AcademicYear
    async with ctx.session() as session:
        found = (
            await session.execute(
                select(
                    m.StudyGroup.id,
                    emp.id,
                    sg.id,
                    emp.dismissed_on,
                    year.name,
                    year.starts_on,
                    year.ends_on,
                )
                .select_from(m.StudyGroup)
                .join(year, year.id == m.StudyGroup.academic_year_id)
                .outerjoin(emp, emp.id == q.teacher_id)
                .outerjoin(sg, and_(sg.id == q.subgroup_id, sg.group_id == m.StudyGroup.id))
                .where(m.StudyGroup.id == q.group_id)
            )
        ).first()
        # What createTimetableEntry would refuse as VALIDATION whatever the slot and room
        # (its validate_entry), so that every place answered is one it accepts.
        problems: list[tuple[str | None, str]] = []
        if found is None:
            problems.append(("group", message("timetable_group_not_found", language)))
        else:
            _, teacher, subgroup, dismissed, year_name, starts_on, ends_on = found
            if teacher is None:
                problems.append(("teacher", message("timetable_teacher_not_found", language)))
            elif dismissed is not None and dismissed <= q.first:
                problems.append(
                    (
                        "teacher",
                        message("timetable_employee_has_been_dismissed", language),
                    )
                )
            if q.subgroup_id is not None and subgroup is None:
                problems.append(
                    (
                        "subgroup",
                        message("timetable_no_such_subgroup_this_group", language),
                    )
                )
            if q.first < starts_on or q.last > ends_on:
                problems.append(
                    (
                        "date" if q.first < starts_on or q.first > ends_on else "until",
                        message(
                            "timetable_dates_outside_group_year_on_generate",
                            language,
                            year_name=year_name,
                            starts_on=_d(starts_on, language),
                            ends_on=_d(ends_on, language),
                        ),
                    )
                )
        if problems:
            raise Invalid(problems)
        calendar = await load_calendar(session, q.first, q.first, ctx)
        bells = (
            await session.execute(
                reads.filtered(
                    ctx,
                    "calendar",
                    select(m.BellSlot.number, m.BellSlot.starts_at, m.BellSlot.ends_at).order_by(
                        m.BellSlot.number
                    ),
                    anchors=SqlAnchors(institution=m.BellSlot.institution_id),
                )
            )
        ).all()
        rooms = list(
            (
                await session.execute(
                    reads.filtered(ctx, "room", select(m.Room).order_by(m.Room.name, m.Room.id))
                )
            ).scalars()
        )
        entries = list(
            (await session.execute(reads.filtered(ctx, "timetable", entries_stmt))).scalars()
        )
    at_slot: dict[int, list[m.TimetableEntry]] = defaultdict(list)
    for e in entries:
        at_slot[e.slot].append(e)
    slots: list[FreeSlot] = []
    for number, starts_at, ends_at in bells:
        here = dataclasses.replace(cell, slot=number)
        others = at_slot.get(number, [])
        if any(clash_kinds(here, o) for o in others):
            continue  # the group (subgroup) or the teacher is taken
        # The slot is free for both: only an entry in the same room can clash any more.
        in_room: dict[int, list[m.TimetableEntry]] = defaultdict(list)
        for o in others:
            if o.room_id is not None:
                in_room[o.room_id].append(o)
        free = [
            r
            for r in rooms
            if not any(
                clash_kinds(dataclasses.replace(here, room_id=r.id), o)
                for o in in_room.get(r.id, ())
            )
        ]
        slots.append(FreeSlot(number, starts_at, ends_at, free))
    return FreeDay(
        date=q.first,
        until=q.last,
        day_off=calendar.days_off.get(q.first),
        lessons_of=calendar.moved_from.get(q.first),
        moved_to=calendar.moved_to.get(q.first),
        slots=slots,
    )


# =====================================================================================
# Lessons from the timetable
# =====================================================================================


@dataclass(slots=True)
class Plan:
    first: dt.date
    last: dt.date
    group_ids: list[int]
    #: Held entries the viewer may create lessons for, and all held entries.
    allowed: list[Held]
    everything: list[Held]


async def plan_lessons(ctx: Context, group_id: int | None, first: dt.date, last: dt.date) -> Plan:
    """Validate the range and work out which lessons the timetable holds in it."""
    language = ctx.language
    if first > last:
        raise Invalid([("input.to", message("timetable_ends_before_it_starts", language))])
    if (last - first).days >= MAX_RANGE_DAYS:
        raise Invalid(
            [
                (
                    "input.to",
                    message(
                        "timetable_range_too_long_at_once",
                        language,
                        max_range_days=MAX_RANGE_DAYS,
                    ),
                )
            ]
        )
    te = m.TimetableEntry
    async with ctx.session() as session:
        if group_id is not None:
            group = await _get(session, m.StudyGroup, group_id)
            if group is None:
                raise Invalid([("input.group", message("timetable_group_not_found", language))])
            year = await _get(session, m.AcademicYear, group.academic_year_id)
        else:
            year = (
                await session.execute(
                    select(m.AcademicYear).where(
                        m.AcademicYear.starts_on <= first, m.AcademicYear.ends_on >= first
                    )
                )
            ).scalar()
        if year is None:
            raise Invalid([("input.from", message("timetable_outside_any_year", language))])
        problems: list[tuple[str | None, str]] = []
        for day, where in ((first, "input.from"), (last, "input.to")):
            if not year.starts_on <= day <= year.ends_on:
                problems.append(
                    (
                        where,
                        message(
                            "timetable_date_outside_academic_year_name",
                            language,
                            name=year.name,
                            starts_on=_d(year.starts_on, language),
                            ends_on=_d(year.ends_on, language),
                        ),
                    )
                )
        closed = (
            await session.execute(
                select(m.Period)
                .where(
                    m.Period.closed_at.is_not(None),
                    m.Period.starts_on <= last,
                    m.Period.ends_on >= first,
                )
                .order_by(m.Period.starts_on)
            )
        ).scalars()
        for p in closed:
            problems.append(
                (
                    "input.from",
                    message(
                        "timetable_period_name_starts_on_ends",
                        language,
                        name=p.name,
                        starts_on=_d(p.starts_on, language),
                        ends_on=_d(p.ends_on, language),
                    ),
                )
            )
        if problems:
            raise Invalid(problems)
        if group_id is not None:
            group_ids = [group_id]
        else:
            group_ids = list(
                (
                    await session.execute(
                        select(m.StudyGroup.id)
                        .where(m.StudyGroup.academic_year_id == year.id)
                        .order_by(m.StudyGroup.id)
                    )
                ).scalars()
            )
        calendar = await load_calendar(session, first, last)
        span_first, span_last = _entry_span(first, last, calendar)
        stmt = select(te).where(
            te.group_id.in_(group_ids), te.valid_from <= span_last, te.valid_to >= span_first
        )
        entries = list((await session.execute(stmt.order_by(te.id))).scalars())
        may = ctx.authorizer.where(
            "lesson",
            "create",
            SqlAnchors(
                institution=te.institution_id,
                group=te.group_id,
                discipline=te.discipline_id,
                lesson=cast(null(), Integer),
                date=literal(first),
            ),
        )
        allowed_ids = set(
            (
                await session.execute(select(te.id).where(te.id.in_([e.id for e in entries]), may))
            ).scalars()
        )
        terms = await study_terms(session, group_ids)
    everything = held_on(_days(first, last), entries, calendar, terms)
    allowed = [h for h in everything if h.entry.id in allowed_ids]
    return Plan(first, last, group_ids, allowed, everything)


@dataclass(frozen=True, slots=True)
class Generated:
    created: int
    dates: list[dt.date]
    already_there: int
    not_permitted: int


async def generate_lessons(ctx: Context, plan: Plan, client_mutation_id: str | None) -> Generated:
    """Create the planned lessons that do not exist yet. A lesson exists for a group ×
    date × slot when a lesson of the whole group, or of the same subgroup, is there; the
    groups are locked while this runs, so two runs never double a lesson."""
    viewer = ctx.viewer
    assert viewer is not None and viewer.institution_id is not None
    inst = viewer.institution_id
    groups = sorted({h.entry.group_id for h in plan.allowed})
    le = m.Lesson
    async with ctx.session(write=True) as session:
        if groups:
            await session.execute(
                select(m.StudyGroup.id).where(m.StudyGroup.id.in_(groups)).with_for_update()
            )
        taken: dict[tuple[int, dt.date, int], set[int | None]] = defaultdict(set)
        if groups:
            rows = await session.execute(
                select(le.group_id, le.date, le.slot, le.subgroup_id).where(
                    le.group_id.in_(groups), le.date >= plan.first, le.date <= plan.last
                )
            )
            for g, d, s, sub in rows.all():
                taken[(g, d, s)].add(sub)
        new: list[dict[str, Any]] = []
        skipped = 0
        for h in plan.allowed:
            e = h.entry
            there = taken[(e.group_id, h.date, e.slot)]
            if None in there or e.subgroup_id in there or (e.subgroup_id is None and there):
                skipped += 1
                continue
            there.add(e.subgroup_id)
            new.append(
                {
                    "institution_id": inst,
                    "group_id": e.group_id,
                    "subgroup_id": e.subgroup_id,
                    "discipline_id": e.discipline_id,
                    "teacher_id": e.teacher_id,
                    "date": h.date,
                    "slot": e.slot,
                    "room_id": e.room_id,
                    "lesson_type": LessonType.LESSON
                    if e.kind is TimetableKind.LESSON
                    else LessonType.EXAM,
                }
            )
        if new:
            await session.execute(insert(le), new)
        dates = sorted({row["date"] for row in new})
        await record(
            session,
            viewer=viewer,
            action="generate",
            object_type="lesson",
            object_id=None,
            institution_id=inst,
            after={
                "from": plan.first.isoformat(),
                "to": plan.last.isoformat(),
                "groups": groups,
                "created": len(new),
                "dates": [d.isoformat() for d in dates],
            },
            client_mutation_id=client_mutation_id,
        )
        await session.commit()
    return Generated(len(new), dates, skipped, len(plan.everything) - len(plan.allowed))
