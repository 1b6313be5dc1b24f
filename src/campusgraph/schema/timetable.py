"""The academic calendar (years, periods, bells, days off, day transfers), the timetable
with clash detection, its weekly grid, and lessons generated from it.

Policy objects: ``academic_year``, ``period``, ``calendar`` (bells, days off, transfers),
``timetable`` (entries; the grid is filtered by its ``read``) and ``lesson`` (``create``,
for ``generateLessons``). A timetable clash is a CONFLICT error naming, in Russian, what
clashes (аудитория / преподаватель / группа), with which entry, on which weekday and slot.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import strawberry
from sqlalchemy import select

from campusgraph.context import Context
from campusgraph.db import models as m
from campusgraph.db.enums import PeriodKind, TimetableKind
from campusgraph.i18n import message
from campusgraph.policies.facts import Target
from campusgraph.resolvers import structure_writes as sw
from campusgraph.resolvers import timetable as tt
from campusgraph.schema.base import GraphQLInfo, Node, signed_in, to_global_id
from campusgraph.schema.errors import ApiError, ErrorCode, MutationError
from campusgraph.schema.mutations import ValidationFailed, guarded, institution_target
from campusgraph.schema.structure import AcademicYear, Period, Room, Subgroup
from campusgraph.schema.structure_mutations import (
    DeleteInput,
    DeletePayload,
    given,
    opt_pk,
    pk_of,
    row_target,
    run_delete,
    validation,
)
from campusgraph.schema.teaching import TimetableEntry

# =====================================================================================
# Calendar types
# =====================================================================================


@strawberry.type(description="One slot of the bell schedule (звонки): a numbered lesson time.")
class BellSlot(Node):
    number: int = strawberry.field(description="The lesson's number in the day (1, 2, …).")
    starts_at: dt.time = strawberry.field(description="When it starts.")
    ends_at: dt.time = strawberry.field(description="When it ends.")

    @classmethod
    def of(cls, row: m.BellSlot) -> BellSlot:
        return cls(
            id=to_global_id("BellSlot", row.id),
            number=row.number,
            starts_at=row.starts_at,
            ends_at=row.ends_at,
        )


@strawberry.type(description="A day off (holiday) with its reason.")
class DayOff(Node):
    date: dt.date = strawberry.field(description="The day.")
    reason: str = strawberry.field(description="Why: a holiday's name, a closure …")

    @classmethod
    def of(cls, row: m.DayOff) -> DayOff:
        return cls(id=to_global_id("DayOff", row.id), date=row.date, reason=row.reason)


@strawberry.type(
    description="A day transfer: the lessons of `fromDate` are held on `toDate`; "
    "`fromDate` itself has none."
)
class DayTransfer(Node):
    from_date: dt.date = strawberry.field(
        description="The day whose lessons move (it has none itself)."
    )
    to_date: dt.date = strawberry.field(description="The day they are held on.")
    reason: str | None = strawberry.field(description="Why, if said.")

    @classmethod
    def of(cls, row: m.DayTransfer) -> DayTransfer:
        return cls(
            id=to_global_id("DayTransfer", row.id),
            from_date=row.from_date,
            to_date=row.to_date,
            reason=row.reason,
        )


# =====================================================================================
# The weekly grid
# =====================================================================================


@strawberry.type(description="One entry held in one slot of one day of the grid.")
class TimetableCell:
    slot: int = strawberry.field(description="Bell number.")
    starts_at: dt.time | None = strawberry.field(description="From the bell schedule.")
    ends_at: dt.time | None = strawberry.field(description="From the bell schedule.")
    entry: TimetableEntry = strawberry.field(description="The timetable entry held.")
    _subgroup_id: strawberry.Private[int | None]

    @strawberry.field(description="The subgroup the entry is for; null for the whole group.")
    async def subgroup(self, info: GraphQLInfo) -> Subgroup | None:
        if self._subgroup_id is None:
            return None
        row = await info.context.loaders.entity_by_id("subgroup", m.Subgroup).load(
            self._subgroup_id
        )
        return Subgroup.of(row[0]) if row else None


@strawberry.type(description="A day of the weekly grid with the entries held that day.")
class TimetableDay:
    date: dt.date = strawberry.field(description="The day.")
    weekday: int = strawberry.field(description="ISO weekday: 1 = Monday.")
    day_off: str | None = strawberry.field(description="The reason, when the day is a day off.")
    lessons_of: dt.date | None = strawberry.field(
        description="A transfer: the date whose lessons are held on this day."
    )
    moved_to: dt.date | None = strawberry.field(
        description="A transfer: this day's lessons are held on that date instead."
    )
    cells: list[TimetableCell] = strawberry.field(description="Its entries, by slot.")


@strawberry.type(description="The timetable of one group, teacher or room for one week.")
class TimetableWeek:
    week_start: dt.date = strawberry.field(description="Monday.")
    week_end: dt.date = strawberry.field(description="Sunday.")
    days: list[TimetableDay] = strawberry.field(description="Monday to Sunday.")

    @classmethod
    def of(cls, grid: tt.Grid) -> TimetableWeek:
        def cell(e: m.TimetableEntry) -> TimetableCell:
            bell = grid.bells.get(e.slot)
            return TimetableCell(
                slot=e.slot,
                starts_at=bell[0] if bell else None,
                ends_at=bell[1] if bell else None,
                entry=TimetableEntry.of(e),
                _subgroup_id=e.subgroup_id,
            )

        return cls(
            week_start=grid.monday,
            week_end=grid.monday + dt.timedelta(days=6),
            days=[
                TimetableDay(
                    date=d.date,
                    weekday=d.date.isoweekday(),
                    day_off=d.day_off,
                    lessons_of=d.lessons_of,
                    moved_to=d.moved_to,
                    cells=[cell(e) for e in d.held],
                )
                for d in grid.days
            ],
        )


@strawberry.type(
    description="A bell slot where the group (or subgroup) and the teacher asked about are "
    "both free, with the rooms free in it."
)
class FreeSlot:
    slot: int = strawberry.field(description="Bell number: `slot` of `createTimetableEntry`.")
    starts_at: dt.time = strawberry.field(description="From the bell schedule.")
    ends_at: dt.time = strawberry.field(description="From the bell schedule.")
    rooms: list[Room] = strawberry.field(
        description="Rooms no entry takes in this slot over the dates asked about: any of "
        "them (or none) may be given as `room`."
    )


@strawberry.type(
    description="Where an entry of a group with a teacher fits on a weekday: the free slots "
    "of `date`'s weekday over `date`..`until`, by the very rule `createTimetableEntry` refuses "
    "with CONFLICT (weekday, slot and overlapping validity; room, teacher, group — two "
    "subgroups of one group may share a slot)."
)
class FreeSlots:
    date: dt.date = strawberry.field(description="The first date an entry would be valid.")
    until: dt.date = strawberry.field(description="The last date (`validTo`).")
    weekday: int = strawberry.field(description="ISO weekday of `date` (the entry's `weekday`).")
    day_off: str | None = strawberry.field(
        description="The reason, when `date` is a day off: weekly entries may still be placed "
        "(the calendar holds no lessons that day), an exam may not."
    )
    lessons_of: dt.date | None = strawberry.field(
        description="A transfer: the date whose lessons are held on `date`."
    )
    moved_to: dt.date | None = strawberry.field(
        description="A transfer: `date`'s lessons are held on that date instead."
    )
    slots: list[FreeSlot] = strawberry.field(
        description="The free slots in bell order; a slot where the group or the teacher is "
        "taken is left out."
    )

    @classmethod
    def of(cls, day: tt.FreeDay) -> FreeSlots:
        return cls(
            date=day.date,
            until=day.until,
            weekday=day.date.isoweekday(),
            day_off=day.day_off,
            lessons_of=day.lessons_of,
            moved_to=day.moved_to,
            slots=[
                FreeSlot(
                    slot=f.number,
                    starts_at=f.starts_at,
                    ends_at=f.ends_at,
                    rooms=[Room.of(r) for r in f.rooms],
                )
                for f in day.slots
            ],
        )


def _query_pk(gid: str, type_name: str, name: str, language: str) -> int:
    """A global id argument of a query as a primary key, else a VALIDATION error on it."""
    try:
        return pk_of(gid, type_name, name, language)
    except ValidationFailed as exc:
        raise ApiError(ErrorCode.VALIDATION, str(exc), field=name) from None


@strawberry.type(description="The timetable.")
class TimetableQueries:
    @strawberry.field(
        permission_classes=signed_in,
        description="The weekly grid (Monday–Sunday around `on`, default today) of exactly one "
        "of: a group, a teacher, a room. Days off and day transfers are applied; only "
        "entries you may read are shown.",
    )
    async def timetable(
        self,
        info: GraphQLInfo,
        group: Annotated[
            strawberry.ID | None, strawberry.argument(description="A group's week (its global id).")
        ] = None,
        teacher: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="A teacher's week (an Employee's global id)."),
        ] = None,
        room: Annotated[
            strawberry.ID | None, strawberry.argument(description="A room's week (its global id).")
        ] = None,
        on: Annotated[
            dt.date | None,
            strawberry.argument(description="A day of the week shown; omitted: today."),
        ] = None,
    ) -> TimetableWeek:
        ctx = info.context
        lang = ctx.language
        chosen = [(n, v) for n, v in (("group", group), ("teacher", teacher), ("room", room)) if v]
        if len(chosen) != 1:
            raise ApiError(
                ErrorCode.VALIDATION,
                message("timetable_one_of", lang),
                field="group",
            )
        name, gid = chosen[0]
        te = m.TimetableEntry
        type_name, column = {
            "group": ("Group", te.group_id),
            "teacher": ("Employee", te.teacher_id),
            "room": ("Room", te.room_id),
        }[name]
        try:
            pk = pk_of(gid, type_name, name, lang)
        except ValidationFailed as exc:
            raise ApiError(ErrorCode.VALIDATION, str(exc), field=name) from None
        assert ctx.viewer is not None
        grid = await tt.week_grid(ctx, column, pk, on or ctx.viewer.today)
        return TimetableWeek.of(grid)

    @strawberry.field(
        permission_classes=signed_in,
        description="For a timetable builder: the bell slots of `date`'s weekday where an "
        "entry of `group` (or its `subgroup`) with `teacher`, valid from `date` to `until` "
        "(default: `date` alone, as an exam), clashes with nothing, each with its free rooms "
        "— exactly the places `createTimetableEntry` accepts without CONFLICT. `moving`: an "
        "entry being moved, whose own place does not count (as on `updateTimetableEntry`). "
        "Computed from the entries, bells and rooms you may read. Null with a VALIDATION "
        "error naming the argument where `createTimetableEntry` would refuse any slot: an "
        "unknown group, teacher or subgroup, a dismissed teacher, dates outside the group's "
        "academic year.",
    )
    async def free_slots(
        self,
        info: GraphQLInfo,
        date: Annotated[dt.date, strawberry.argument(description="The day (the first day).")],
        group: Annotated[strawberry.ID, strawberry.argument(description="The group to place.")],
        teacher: Annotated[
            strawberry.ID, strawberry.argument(description="The teacher who would teach it.")
        ],
        subgroup: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Only this subgroup of the group is placed."),
        ] = None,
        until: Annotated[
            dt.date | None,
            strawberry.argument(
                description="The entry's last day (`validTo`): free on every such weekday "
                "from `date` to it. Default: `date` alone."
            ),
        ] = None,
        moving: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="An entry being moved: its own place does not count as taken."
            ),
        ] = None,
    ) -> FreeSlots | None:
        ctx = info.context
        lang = ctx.language
        query = tt.FreeQuery(
            group_id=_query_pk(group, "Group", "group", lang),
            subgroup_id=None
            if subgroup is None
            else _query_pk(subgroup, "Subgroup", "subgroup", lang),
            teacher_id=_query_pk(teacher, "Employee", "teacher", lang),
            first=date,
            last=until or date,
            moving=None if moving is None else _query_pk(moving, "TimetableEntry", "moving", lang),
        )
        try:
            day = await tt.free_slots(ctx, query)
        except sw.Invalid as exc:
            raise ApiError(
                ErrorCode.VALIDATION,
                " ".join(text for _, text in exc.problems),
                field=exc.problems[0][0],
            ) from None
        return FreeSlots.of(day)


# =====================================================================================
# Calendar mutations
# =====================================================================================


@strawberry.input(description="A new academic year.")
class CreateAcademicYearInput:
    name: str = strawberry.field(description="«2027/2028».")
    starts_on: dt.date = strawberry.field(description="The year's first day.")
    ends_on: dt.date = strawberry.field(description="The year's last day.")
    is_current: bool = strawberry.field(
        default=False, description="Make it the current year (the others stop being current)."
    )
    client_mutation_id: str | None = None


@strawberry.input(description="Change an academic year; only the fields given change.")
class UpdateAcademicYearInput:
    id: strawberry.ID = strawberry.field(description="The one to change (global id).")
    name: str | None = strawberry.field(
        default=None, description="«2025/2026»; omitted: unchanged."
    )
    starts_on: dt.date | None = strawberry.field(
        default=None, description="The year's first day; omitted: unchanged."
    )
    ends_on: dt.date | None = strawberry.field(
        default=None, description="The year's last day; omitted: unchanged."
    )
    is_current: bool | None = strawberry.field(
        default=None,
        description="The year the institution works in now, as its administrator set it (`updateAcademicYear`, `openAcademicYear`): one year at a time, kept while the next year's periods are prepared; omitted: unchanged.",
    )
    client_mutation_id: str | None = None


@strawberry.type(description="The result of creating or changing an academic year.")
class AcademicYearPayload:
    academic_year: AcademicYear | None = strawberry.field(
        default=None,
        description="As the change left it; null when it did not happen (see `errors`).",
    )
    client_mutation_id: str | None = None
    errors: list[MutationError] = strawberry.field(default_factory=list)


@strawberry.input(
    description="A new period: its bounds lie inside its year, periods of one kind do not overlap."
)
class CreatePeriodInput:
    academic_year: strawberry.ID = strawberry.field(
        description="The academic year it belongs to (global id)."
    )
    kind: PeriodKind = strawberry.field(description="Quarter, half-year, semester or year.")
    number: int = strawberry.field(description="Its number within the year.")
    name: str = strawberry.field(description="«1 четверть», «1 семестр».")
    starts_on: dt.date = strawberry.field(description="The period's first day.")
    ends_on: dt.date = strawberry.field(description="The period's last day.")
    client_mutation_id: str | None = None


@strawberry.input(description="Change an open period; only the fields given change.")
class UpdatePeriodInput:
    id: strawberry.ID = strawberry.field(description="The one to change (global id).")
    number: int | None = strawberry.field(
        default=None, description="Its number within the year; omitted: unchanged."
    )
    name: str | None = strawberry.field(
        default=None, description="«1 четверть», «1 семестр»; omitted: unchanged."
    )
    starts_on: dt.date | None = strawberry.field(
        default=None, description="The period's first day; omitted: unchanged."
    )
    ends_on: dt.date | None = strawberry.field(
        default=None, description="The period's last day; omitted: unchanged."
    )
    client_mutation_id: str | None = None


@strawberry.type(description="The result of creating or changing a period.")
class PeriodPayload:
    period: Period | None = strawberry.field(
        default=None,
        description="As the change left it; null when it did not happen (see `errors`).",
    )
    client_mutation_id: str | None = None
    errors: list[MutationError] = strawberry.field(default_factory=list)


@strawberry.input(description="A new slot of the bell schedule; slots do not overlap.")
class CreateBellSlotInput:
    number: int = strawberry.field(description="The lesson's number in the day (1, 2, …).")
    starts_at: dt.time = strawberry.field(description="When it starts.")
    ends_at: dt.time = strawberry.field(description="When it ends.")
    client_mutation_id: str | None = None


@strawberry.input(description="Change a bell slot; only the fields given change.")
class UpdateBellSlotInput:
    id: strawberry.ID = strawberry.field(description="The one to change (global id).")
    number: int | None = strawberry.field(
        default=None, description="The lesson's number in the day (1, 2, …); omitted: unchanged."
    )
    starts_at: dt.time | None = strawberry.field(
        default=None, description="When it starts; omitted: unchanged."
    )
    ends_at: dt.time | None = strawberry.field(
        default=None, description="When it ends; omitted: unchanged."
    )
    client_mutation_id: str | None = None


@strawberry.type(description="The result of creating or changing a bell slot.")
class BellSlotPayload:
    bell_slot: BellSlot | None = strawberry.field(
        default=None,
        description="As the change left it; null when it did not happen (see `errors`).",
    )
    client_mutation_id: str | None = None
    errors: list[MutationError] = strawberry.field(default_factory=list)


@strawberry.input(description="A new day off with its reason.")
class CreateDayOffInput:
    date: dt.date = strawberry.field(description="The day.")
    reason: str = strawberry.field(description="Why: a holiday's name, a closure …")
    client_mutation_id: str | None = None


@strawberry.input(description="Change a day off.")
class UpdateDayOffInput:
    id: strawberry.ID = strawberry.field(description="The one to change (global id).")
    date: dt.date | None = strawberry.field(
        default=None, description="The day; omitted: unchanged."
    )
    reason: str | None = strawberry.field(
        default=None, description="Why: a holiday's name, a closure …; omitted: unchanged."
    )
    client_mutation_id: str | None = None


@strawberry.type(description="The result of creating or changing a day off.")
class DayOffPayload:
    day_off: DayOff | None = strawberry.field(
        default=None,
        description="As the change left it; null when it did not happen (see `errors`).",
    )
    client_mutation_id: str | None = None
    errors: list[MutationError] = strawberry.field(default_factory=list)


@strawberry.input(description="Move a working day: the lessons of `fromDate` are held on `toDate`.")
class CreateDayTransferInput:
    from_date: dt.date = strawberry.field(
        description="The day whose lessons move (it has none itself)."
    )
    to_date: dt.date = strawberry.field(description="The day they are held on.")
    reason: str | None = strawberry.field(default=None, description="Why, if said.")
    client_mutation_id: str | None = None


@strawberry.type(description="The result of creating a day transfer.")
class DayTransferPayload:
    day_transfer: DayTransfer | None = strawberry.field(
        default=None,
        description="As the change left it; null when it did not happen (see `errors`).",
    )
    client_mutation_id: str | None = None
    errors: list[MutationError] = strawberry.field(default_factory=list)


def _put(out: dict[str, Any], key: str, value: Any) -> None:
    if value is not None and given(value):
        out[key] = value


@strawberry.type(description="The academic calendar: years, periods, bells, days off, transfers.")
class CalendarMutations:
    # -- academic years ------------------------------------------------------------------
    @strawberry.mutation(permission_classes=signed_in, description="Create an academic year.")
    @guarded("academic_year", "create", AcademicYearPayload, institution_target("academic_year"))
    async def create_academic_year(
        self, info: GraphQLInfo, input: CreateAcademicYearInput
    ) -> AcademicYearPayload:
        values = {
            "name": input.name,
            "starts_on": input.starts_on,
            "ends_on": input.ends_on,
            "is_current": input.is_current,
        }
        with validation():
            row = await sw.save_academic_year(info.context, None, values, input.client_mutation_id)
        return AcademicYearPayload(
            academic_year=AcademicYear.of(row), client_mutation_id=input.client_mutation_id
        )

    @strawberry.mutation(permission_classes=signed_in, description="Change an academic year.")
    @guarded(
        "academic_year",
        "update",
        AcademicYearPayload,
        row_target("academic_year", m.AcademicYear, "AcademicYear"),
    )
    async def update_academic_year(
        self, info: GraphQLInfo, input: UpdateAcademicYearInput
    ) -> AcademicYearPayload:
        ctx = info.context
        changes: dict[str, Any] = {}
        for key in ("name", "starts_on", "ends_on", "is_current"):
            _put(changes, key, getattr(input, key))
        pk = pk_of(input.id, "AcademicYear", "input.id", ctx.language)
        with validation():
            row = await sw.save_academic_year(ctx, pk, changes, input.client_mutation_id)
        return AcademicYearPayload(
            academic_year=AcademicYear.of(row), client_mutation_id=input.client_mutation_id
        )

    @strawberry.mutation(
        permission_classes=signed_in,
        description="Delete an academic year with no periods, groups or plans.",
    )
    @guarded(
        "academic_year",
        "delete",
        DeletePayload,
        row_target("academic_year", m.AcademicYear, "AcademicYear"),
    )
    async def delete_academic_year(self, info: GraphQLInfo, input: DeleteInput) -> DeletePayload:
        return await run_delete(info, input, sw.ACADEMIC_YEAR, "AcademicYear")

    # -- periods -------------------------------------------------------------------------
    @strawberry.mutation(permission_classes=signed_in, description="Create a period.")
    @guarded("period", "create", PeriodPayload, institution_target("period"))
    async def create_period(self, info: GraphQLInfo, input: CreatePeriodInput) -> PeriodPayload:
        ctx = info.context
        values = {
            "academic_year_id": pk_of(
                input.academic_year, "AcademicYear", "input.academicYear", ctx.language
            ),
            "kind": input.kind,
            "number": input.number,
            "name": input.name,
            "starts_on": input.starts_on,
            "ends_on": input.ends_on,
        }
        with validation():
            row = await sw.create(ctx, sw.PERIOD, values, input.client_mutation_id)
        return PeriodPayload(period=Period.of(row), client_mutation_id=input.client_mutation_id)

    @strawberry.mutation(permission_classes=signed_in, description="Change an open period.")
    @guarded("period", "update", PeriodPayload, row_target("period", m.Period, "Period"))
    async def update_period(self, info: GraphQLInfo, input: UpdatePeriodInput) -> PeriodPayload:
        ctx = info.context
        changes: dict[str, Any] = {}
        for key in ("number", "name", "starts_on", "ends_on"):
            _put(changes, key, getattr(input, key))
        pk = pk_of(input.id, "Period", "input.id", ctx.language)
        with validation():
            row = await sw.update_row(ctx, sw.PERIOD, pk, changes, input.client_mutation_id)
        return PeriodPayload(period=Period.of(row), client_mutation_id=input.client_mutation_id)

    @strawberry.mutation(
        permission_classes=signed_in, description="Delete an open period with no final marks."
    )
    @guarded("period", "delete", DeletePayload, row_target("period", m.Period, "Period"))
    async def delete_period(self, info: GraphQLInfo, input: DeleteInput) -> DeletePayload:
        return await run_delete(info, input, sw.PERIOD, "Period")

    # -- bells ---------------------------------------------------------------------------
    @strawberry.mutation(permission_classes=signed_in, description="Add a bell slot.")
    @guarded("calendar", "create", BellSlotPayload, institution_target("calendar"))
    async def create_bell_slot(
        self, info: GraphQLInfo, input: CreateBellSlotInput
    ) -> BellSlotPayload:
        values = {"number": input.number, "starts_at": input.starts_at, "ends_at": input.ends_at}
        with validation():
            row = await sw.create(info.context, sw.BELL_SLOT, values, input.client_mutation_id)
        return BellSlotPayload(
            bell_slot=BellSlot.of(row), client_mutation_id=input.client_mutation_id
        )

    @strawberry.mutation(permission_classes=signed_in, description="Change a bell slot.")
    @guarded("calendar", "update", BellSlotPayload, row_target("calendar", m.BellSlot, "BellSlot"))
    async def update_bell_slot(
        self, info: GraphQLInfo, input: UpdateBellSlotInput
    ) -> BellSlotPayload:
        ctx = info.context
        changes: dict[str, Any] = {}
        for key in ("number", "starts_at", "ends_at"):
            _put(changes, key, getattr(input, key))
        pk = pk_of(input.id, "BellSlot", "input.id", ctx.language)
        with validation():
            row = await sw.update_row(ctx, sw.BELL_SLOT, pk, changes, input.client_mutation_id)
        return BellSlotPayload(
            bell_slot=BellSlot.of(row), client_mutation_id=input.client_mutation_id
        )

    @strawberry.mutation(
        permission_classes=signed_in, description="Delete a bell slot no timetable or lesson uses."
    )
    @guarded("calendar", "delete", DeletePayload, row_target("calendar", m.BellSlot, "BellSlot"))
    async def delete_bell_slot(self, info: GraphQLInfo, input: DeleteInput) -> DeletePayload:
        return await run_delete(info, input, sw.BELL_SLOT, "BellSlot")

    # -- days off ------------------------------------------------------------------------
    @strawberry.mutation(permission_classes=signed_in, description="Declare a day off.")
    @guarded("calendar", "create", DayOffPayload, institution_target("calendar"))
    async def create_day_off(self, info: GraphQLInfo, input: CreateDayOffInput) -> DayOffPayload:
        values = {"date": input.date, "reason": input.reason}
        with validation():
            row = await sw.create(info.context, sw.DAY_OFF, values, input.client_mutation_id)
        return DayOffPayload(day_off=DayOff.of(row), client_mutation_id=input.client_mutation_id)

    @strawberry.mutation(permission_classes=signed_in, description="Change a day off.")
    @guarded("calendar", "update", DayOffPayload, row_target("calendar", m.DayOff, "DayOff"))
    async def update_day_off(self, info: GraphQLInfo, input: UpdateDayOffInput) -> DayOffPayload:
        ctx = info.context
        changes: dict[str, Any] = {}
        for key in ("date", "reason"):
            _put(changes, key, getattr(input, key))
        pk = pk_of(input.id, "DayOff", "input.id", ctx.language)
        with validation():
            row = await sw.update_row(ctx, sw.DAY_OFF, pk, changes, input.client_mutation_id)
        return DayOffPayload(day_off=DayOff.of(row), client_mutation_id=input.client_mutation_id)

    @strawberry.mutation(permission_classes=signed_in, description="Cancel a day off.")
    @guarded("calendar", "delete", DeletePayload, row_target("calendar", m.DayOff, "DayOff"))
    async def delete_day_off(self, info: GraphQLInfo, input: DeleteInput) -> DeletePayload:
        return await run_delete(info, input, sw.DAY_OFF, "DayOff")

    # -- day transfers -------------------------------------------------------------------
    @strawberry.mutation(
        permission_classes=signed_in,
        description="Transfer a working day: its lessons are held on `toDate`.",
    )
    @guarded("calendar", "create", DayTransferPayload, institution_target("calendar"))
    async def create_day_transfer(
        self, info: GraphQLInfo, input: CreateDayTransferInput
    ) -> DayTransferPayload:
        values = {"from_date": input.from_date, "to_date": input.to_date, "reason": input.reason}
        with validation():
            row = await sw.create(info.context, sw.DAY_TRANSFER, values, input.client_mutation_id)
        return DayTransferPayload(
            day_transfer=DayTransfer.of(row), client_mutation_id=input.client_mutation_id
        )

    @strawberry.mutation(permission_classes=signed_in, description="Cancel a day transfer.")
    @guarded(
        "calendar", "delete", DeletePayload, row_target("calendar", m.DayTransfer, "DayTransfer")
    )
    async def delete_day_transfer(self, info: GraphQLInfo, input: DeleteInput) -> DeletePayload:
        return await run_delete(info, input, sw.DAY_TRANSFER, "DayTransfer")


# =====================================================================================
# Timetable entries and lessons
# =====================================================================================


@strawberry.input(
    description="A timetable entry. Weekly lessons (kind LESSON) need `weekday`; an exam or "
    "state exam sits on one date (`validFrom` = `validTo`, weekday taken from it)."
)
class CreateTimetableEntryInput:
    group: strawberry.ID = strawberry.field(description="The group (global id).")
    discipline: strawberry.ID = strawberry.field(description="The discipline (global id).")
    teacher: strawberry.ID = strawberry.field(description="Employee id.")
    slot: int = strawberry.field(description="Number of an existing bell slot.")
    valid_from: dt.date = strawberry.field(description="The first day it applies.")
    valid_to: dt.date = strawberry.field(description="The last day it applies.")
    weekday: int | None = strawberry.field(default=None, description="ISO: 1 = Monday … 7.")
    subgroup: strawberry.ID | None = strawberry.field(
        default=None, description="The subgroup, where the group is split (global id)."
    )
    room: strawberry.ID | None = strawberry.field(
        default=None, description="The room, if set (global id)."
    )
    kind: TimetableKind = strawberry.field(
        default=TimetableKind.LESSON, description="Lesson, exam or state exam."
    )
    note: str | None = strawberry.field(default=None, description="A note, if any.")
    client_mutation_id: str | None = None


@strawberry.input(description="Change a timetable entry; only the fields given change.")
class UpdateTimetableEntryInput:
    id: strawberry.ID = strawberry.field(description="The one to change (global id).")
    group: strawberry.ID | None = strawberry.field(
        default=None, description="The group (global id); omitted: unchanged."
    )
    discipline: strawberry.ID | None = strawberry.field(
        default=None, description="The discipline (global id); omitted: unchanged."
    )
    teacher: strawberry.ID | None = strawberry.field(
        default=None, description="The teacher (global id); omitted: unchanged."
    )
    slot: int | None = strawberry.field(
        default=None, description="Bell number; omitted: unchanged."
    )
    valid_from: dt.date | None = strawberry.field(
        default=None, description="The first day it applies; omitted: unchanged."
    )
    valid_to: dt.date | None = strawberry.field(
        default=None, description="The last day it applies; omitted: unchanged."
    )
    weekday: int | None = strawberry.field(
        default=None, description="ISO weekday: 1 = Monday; omitted: unchanged."
    )
    subgroup: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="The subgroup (global id); omitted: unchanged."
    )
    room: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="The room, if set (global id); omitted: unchanged."
    )
    kind: TimetableKind | None = strawberry.field(
        default=None, description="Lesson, exam or state exam; omitted: unchanged."
    )
    note: str | None = strawberry.field(
        default=strawberry.UNSET, description="A note; omitted: unchanged."
    )
    client_mutation_id: str | None = None


@strawberry.type(
    description="The result of writing a timetable entry. A clash is a CONFLICT error per "
    "clash, with the field (input.room / input.teacher / input.group) and the other entry."
)
class TimetableEntryPayload:
    entry: TimetableEntry | None = strawberry.field(
        default=None,
        description="As the change left it; null when it did not happen (see `errors`).",
    )
    client_mutation_id: str | None = None
    errors: list[MutationError] = strawberry.field(default_factory=list)


@strawberry.input(description="Create lessons from the timetable for a range of dates.")
class GenerateLessonsInput:
    from_: dt.date = strawberry.field(description="The first day, included.", name="from")
    to: dt.date = strawberry.field(description="The last day, included.")
    group: strawberry.ID | None = strawberry.field(
        default=None, description="One group; default: every group of the year you may."
    )
    client_mutation_id: str | None = None


@strawberry.type(description="The result of `generateLessons`.")
class GenerateLessonsPayload:
    created: int = strawberry.field(default=0, description="Lessons created.")
    dates: list[dt.date] = strawberry.field(
        default_factory=list, description="The dates that got at least one new lesson."
    )
    already_there: int = strawberry.field(
        default=0, description="Lessons the timetable holds that existed already (skipped)."
    )
    not_permitted: int = strawberry.field(
        default=0, description="Lessons held by entries you may not create lessons for."
    )
    client_mutation_id: str | None = None
    errors: list[MutationError] = strawberry.field(default_factory=list)


def _entry_values(ctx: Context, input: CreateTimetableEntryInput) -> tt.EntryValues:
    lang = ctx.language
    return tt.EntryValues(
        kind=input.kind,
        group_id=pk_of(input.group, "Group", "input.group", lang),
        subgroup_id=opt_pk(input.subgroup, "Subgroup", "input.subgroup", lang),
        discipline_id=pk_of(input.discipline, "Discipline", "input.discipline", lang),
        teacher_id=pk_of(input.teacher, "Employee", "input.teacher", lang),
        room_id=opt_pk(input.room, "Room", "input.room", lang),
        weekday=input.weekday,
        slot=input.slot,
        valid_from=input.valid_from,
        valid_to=input.valid_to,
        note=input.note,
    )


async def _entry_row(ctx: Context, gid: str) -> m.TimetableEntry | None:
    pk = pk_of(gid, "TimetableEntry", "input.id", ctx.language)
    async with ctx.session() as session:
        found: m.TimetableEntry | None = (
            await session.execute(select(m.TimetableEntry).where(m.TimetableEntry.id == pk))
        ).scalar()
    return found


async def _updated_values(ctx: Context, input: UpdateTimetableEntryInput) -> tt.EntryValues | None:
    row = await _entry_row(ctx, input.id)
    if row is None:
        return None
    lang = ctx.language
    v = tt.EntryValues.of(row)
    if input.group is not None:
        v.group_id = pk_of(input.group, "Group", "input.group", lang)
    if input.discipline is not None:
        v.discipline_id = pk_of(input.discipline, "Discipline", "input.discipline", lang)
    if input.teacher is not None:
        v.teacher_id = pk_of(input.teacher, "Employee", "input.teacher", lang)
    if given(input.subgroup):
        v.subgroup_id = opt_pk(input.subgroup, "Subgroup", "input.subgroup", lang)
    if given(input.room):
        v.room_id = opt_pk(input.room, "Room", "input.room", lang)
    if given(input.note):
        v.note = input.note
    for key in ("slot", "valid_from", "valid_to", "weekday", "kind"):
        value = getattr(input, key)
        if value is not None:
            setattr(v, key, value)
    return v


def _timetable_target(ctx: Context, v: tt.EntryValues) -> Target:
    assert ctx.viewer is not None
    return ctx.authorizer.target(
        "timetable",
        institution_id=ctx.viewer.institution_id,
        group_id=v.group_id,
        discipline_id=v.discipline_id,
    )


async def _create_entry_target(ctx: Context, input: CreateTimetableEntryInput) -> Target:
    return _timetable_target(ctx, _entry_values(ctx, input))


async def _update_entry_target(
    ctx: Context, input: UpdateTimetableEntryInput
) -> list[Target] | None:
    """The entry as it is and as it will be: both must be the viewer's to change."""
    row = await _entry_row(ctx, input.id)
    new = await _updated_values(ctx, input)
    if row is None or new is None:
        return None
    return [_timetable_target(ctx, tt.EntryValues.of(row)), _timetable_target(ctx, new)]


async def _delete_entry_target(ctx: Context, input: DeleteInput) -> Target | None:
    row = await _entry_row(ctx, input.id)
    return None if row is None else _timetable_target(ctx, tt.EntryValues.of(row))


PLAN_KEY = "generate_lessons_plan"


async def _lessons_targets(ctx: Context, input: GenerateLessonsInput) -> list[Target]:
    """One target per group × discipline the range holds lessons of (at its first and last
    date), for the lessons the viewer may create; where he may create none of them, the
    targets of all (so the refusal names the rule); with no lessons at all, the group."""
    group = opt_pk(input.group, "Group", "input.group", ctx.language)
    try:
        plan = await tt.plan_lessons(ctx, group, input.from_, input.to)
    except sw.Invalid as exc:
        raise ValidationFailed(*exc.problems) from None
    ctx.extras[PLAN_KEY] = plan
    held = plan.allowed or plan.everything
    assert ctx.viewer is not None
    inst = ctx.viewer.institution_id
    if not held:
        return [
            ctx.authorizer.target("lesson", institution_id=inst, group_id=group, date=plan.first)
        ]
    span: dict[tuple[int, int], list[dt.date]] = {}
    for h in held:
        days = span.setdefault((h.entry.group_id, h.entry.discipline_id), [h.date, h.date])
        days[0], days[1] = min(days[0], h.date), max(days[1], h.date)
    return [
        ctx.authorizer.target("lesson", institution_id=inst, group_id=g, discipline_id=d, date=day)
        for (g, d), (first, last) in span.items()
        for day in sorted({first, last})
    ]


@strawberry.type(description="Building the timetable and the lessons that follow from it.")
class TimetableMutations:
    @strawberry.mutation(
        permission_classes=signed_in,
        description="Add a timetable entry (a weekly lesson, or an exam on a date); refused "
        "with CONFLICT when its room, teacher or group is taken in that weekday and slot.",
    )
    @guarded("timetable", "create", TimetableEntryPayload, _create_entry_target)
    async def create_timetable_entry(
        self, info: GraphQLInfo, input: CreateTimetableEntryInput
    ) -> TimetableEntryPayload:
        ctx = info.context
        return await _save(ctx, None, _entry_values(ctx, input), input.client_mutation_id)

    @strawberry.mutation(
        permission_classes=signed_in,
        description="Change a timetable entry; clashes are refused as on create.",
    )
    @guarded("timetable", "update", TimetableEntryPayload, _update_entry_target)
    async def update_timetable_entry(
        self, info: GraphQLInfo, input: UpdateTimetableEntryInput
    ) -> TimetableEntryPayload:
        ctx = info.context
        values = await _updated_values(ctx, input)
        assert values is not None  # the guard found the entry
        pk = pk_of(input.id, "TimetableEntry", "input.id", ctx.language)
        return await _save(ctx, pk, values, input.client_mutation_id)

    @strawberry.mutation(permission_classes=signed_in, description="Delete a timetable entry.")
    @guarded("timetable", "delete", DeletePayload, _delete_entry_target)
    async def delete_timetable_entry(self, info: GraphQLInfo, input: DeleteInput) -> DeletePayload:
        ctx = info.context
        pk = pk_of(input.id, "TimetableEntry", "input.id", ctx.language)
        with validation():
            await tt.delete_entry(ctx, pk, input.client_mutation_id)
        return DeletePayload(deleted_id=input.id, client_mutation_id=input.client_mutation_id)

    @strawberry.mutation(
        permission_classes=signed_in,
        description="Create lessons from the timetable for every study day in the range: "
        "weekends and days off skipped, day transfers honoured, existing lessons kept "
        "(idempotent); refused for dates outside the academic year or in a closed period. "
        "Creates the lessons you may create (`lesson` create); the rest are counted in "
        "`notPermitted`.",
    )
    @guarded("lesson", "create", GenerateLessonsPayload, _lessons_targets)
    async def generate_lessons(
        self, info: GraphQLInfo, input: GenerateLessonsInput
    ) -> GenerateLessonsPayload:
        ctx = info.context
        plan: tt.Plan = ctx.extras.pop(PLAN_KEY)
        done = await tt.generate_lessons(ctx, plan, input.client_mutation_id)
        return GenerateLessonsPayload(
            created=done.created,
            dates=done.dates,
            already_there=done.already_there,
            not_permitted=done.not_permitted,
            client_mutation_id=input.client_mutation_id,
        )


async def _save(
    ctx: Context, pk: int | None, values: tt.EntryValues, client_mutation_id: str | None
) -> TimetableEntryPayload:
    try:
        with validation():
            row = await tt.save_entry(ctx, pk, values, client_mutation_id)
    except tt.Clashes as exc:
        return TimetableEntryPayload(
            client_mutation_id=client_mutation_id,
            errors=[
                MutationError(code=ErrorCode.CONFLICT, message=text, field=where)
                for where, text in exc.clashes
            ],
        )
    return TimetableEntryPayload(
        entry=TimetableEntry.of(row), client_mutation_id=client_mutation_id
    )
