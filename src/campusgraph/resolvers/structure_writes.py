"""Writing the institution's own details and its structure and calendar: departments, specialities, programs,
curricula with items, disciplines, groups, subgroups with members, rooms, positions, the
bell schedule, days off, day transfers, periods and academic years.

Every write validates inside its own write session (so a check and the write see the same
rows), names the input field at fault, writes an audit event and commits. A delete is
refused while anything still refers to the row. The permission is declared by the
mutation (``schema/structure_mutations.py``), never checked here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiodataloader import DataLoader
from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from campusgraph.context import Context
from campusgraph.db import models as m
from campusgraph.db.enums import DisciplineKind, PeriodKind
from campusgraph.i18n import message
from campusgraph.resolvers import reads
from campusgraph.resolvers.audit import record, snapshot
from campusgraph.validators import is_valid_email, is_valid_phone, is_valid_website


class Invalid(Exception):
    """Validation problems as (input field, message); nothing has been written."""

    def __init__(self, problems: Sequence[tuple[str | None, str]]) -> None:
        super().__init__("; ".join(text for _, text in problems))
        self.problems = list(problems)


#: How many periods of each kind a year has: the upper bound of a curriculum term.
TERMS_PER_YEAR: dict[PeriodKind, int] = {
    PeriodKind.QUARTER: 4,
    PeriodKind.HALF_YEAR: 2,
    PeriodKind.SEMESTER: 2,
    PeriodKind.YEAR: 1,
}


@dataclass
class Checker:
    """Collects problems; the helpers look rows up in the write session."""

    session: AsyncSession
    language: str
    institution_id: int
    problems: list[tuple[str | None, str]] = field(default_factory=list)

    def add(self, where: str | None, text: str) -> None:
        """A problem at ``where``, said in the checker's language (``message(...)``)."""
        self.problems.append((where, text))

    def required(self, where: str, value: str | None) -> None:
        if value is None or not value.strip():
            self.add(where, message("structure_field_required", self.language))

    def in_range(self, where: str, value: int | None, low: int, high: int) -> None:
        if value is not None and not low <= value <= high:
            self.add(
                where, message("structure_allowed_low_high", self.language, low=low, high=high)
            )

    async def row(self, model: Any, pk: int | None, where: str) -> Any:
        """The row (of the viewer's institution), or a problem when it does not exist."""
        if pk is None:
            return None
        found = (await self.session.execute(select(model).where(model.id == pk))).scalar()
        if found is None:
            self.add(where, message("structure_not_found", self.language))
        return found

    async def unique(
        self, model: Any, where: str, pk: int | None, *conditions: Any, text: str
    ) -> None:
        stmt = select(model.id).where(*conditions)
        if pk is not None:
            stmt = stmt.where(model.id != pk)
        if (await self.session.execute(stmt.limit(1))).first() is not None:
            self.add(where, text)

    async def unique_text(
        self, model: Any, field: str, v: Values, row: Any, *also: Any, text: str
    ) -> None:
        """No other row of ``model`` (among those ``also`` selects) has this ``field``,
        compared trimmed, as it is stored."""
        await self.unique(
            model,
            f"input.{field}",
            row.id if row else None,
            getattr(model, field) == (v[field] or "").strip(),
            *also,
            text=text,
        )

    def done(self) -> None:
        if self.problems:
            raise Invalid(self.problems)


@dataclass(frozen=True, slots=True)
class Ref:
    """A column that refers to a row, named for the refusal message."""

    column: Any
    #: The catalog key naming what refers (``structure_ref_…``).
    key: str
    #: The referred value, when it is not the row's id (bell slots are referred by number).
    by: str = "id"


Values = dict[str, Any]
Check = Callable[[Checker, Values, Any], Awaitable[None]]
Children = Callable[[AsyncSession, Any], Awaitable[dict[str, Any] | None]]


@dataclass(frozen=True, slots=True)
class Kind:
    """One writable table: its audit name, validation and what may refer to its rows."""

    name: str
    model: Any
    check: Check
    refs: tuple[Ref, ...] = ()
    #: Refuse update and delete while this says why (a closed period, say).
    frozen: Callable[[Any, str], str | None] | None = None


def _institution(ctx: Context) -> int:
    viewer = ctx.viewer
    assert viewer is not None and viewer.institution_id is not None
    return viewer.institution_id


async def create(
    ctx: Context,
    kind: Kind,
    values: Values,
    client_mutation_id: str | None,
    children: Children | None = None,
) -> Any:
    inst = _institution(ctx)
    values = clean(values)
    async with ctx.session(write=True) as session:
        checker = Checker(session, ctx.language, inst)
        await kind.check(checker, values, None)
        checker.done()
        row = kind.model(institution_id=inst, **values)
        session.add(row)
        await session.flush()
        after = snapshot(row)
        if children is not None:
            extra = await children(session, row)
            after.update(extra or {})
        await record(
            session,
            viewer=ctx.viewer,
            action="create",
            object_type=kind.name,
            object_id=row.id,
            institution_id=inst,
            after=after,
            client_mutation_id=client_mutation_id,
        )
        await session.commit()
    return row


async def _existing(session: AsyncSession, kind: Kind, pk: int, language: str) -> Any:
    row = (
        await session.execute(select(kind.model).where(kind.model.id == pk).with_for_update())
    ).scalar()
    if row is None:
        raise Invalid([("input.id", message("structure_not_found", language))])
    if kind.frozen is not None:
        why = kind.frozen(row, language)
        if why:
            raise Invalid([("input.id", why)])
    return row


async def update_row(
    ctx: Context,
    kind: Kind,
    pk: int,
    changes: Values,
    client_mutation_id: str | None,
    children: Children | None = None,
) -> Any:
    inst = _institution(ctx)
    async with ctx.session(write=True) as session:
        row = await _existing(session, kind, pk, ctx.language)
        before = snapshot(row)
        changes = clean(changes)
        merged = {
            c.key: getattr(row, c.key)
            for c in row.__table__.columns
            if c.key not in ("id", "institution_id")
        }
        merged.update(changes)
        checker = Checker(session, ctx.language, inst)
        await kind.check(checker, merged, row)
        checker.done()
        for key, value in changes.items():
            setattr(row, key, value)
        await session.flush()
        after = snapshot(row)
        if children is not None:
            extra = await children(session, row)
            after.update(extra or {})
        await record(
            session,
            viewer=ctx.viewer,
            action="update",
            object_type=kind.name,
            object_id=row.id,
            institution_id=inst,
            before=before,
            after=after,
            client_mutation_id=client_mutation_id,
        )
        await session.commit()
    return row


async def delete_row(
    ctx: Context,
    kind: Kind,
    pk: int,
    client_mutation_id: str | None,
    cascade: Sequence[Any] = (),
) -> None:
    """Delete a row nothing refers to; ``cascade`` are child tables' foreign-key columns
    whose rows are part of the row itself (curriculum items, subgroup members)."""
    inst = _institution(ctx)
    language = ctx.language
    async with ctx.session(write=True) as session:
        row = await _existing(session, kind, pk, language)
        used: list[str] = []
        for ref in kind.refs:
            value = getattr(row, ref.by)
            n = (
                await session.execute(select(func.count()).where(ref.column == value))
            ).scalar_one()
            if n:
                used.append(f"{message(ref.key, language)} ({n})")
        if used:
            raise Invalid(
                [
                    (
                        "input.id",
                        message("structure_delete_referred", language, used=", ".join(used)),
                    )
                ]
            )
        before = snapshot(row)
        for column in cascade:
            await session.execute(delete(column.class_).where(column == pk))
        await session.delete(row)
        await record(
            session,
            viewer=ctx.viewer,
            action="delete",
            object_type=kind.name,
            object_id=pk,
            institution_id=inst,
            before=before,
            client_mutation_id=client_mutation_id,
        )
        await session.commit()


# =====================================================================================
# Validation of each table
# =====================================================================================


async def _department(c: Checker, v: Values, row: Any) -> None:
    c.required("input.name", v["name"])
    await c.row(m.Employee, v.get("head_employee_id"), "input.head")
    await c.unique_text(
        m.Department,
        "name",
        v,
        row,
        text=message("structure_department_with_this_name_exists", c.language),
    )


async def _speciality(c: Checker, v: Values, row: Any) -> None:
    c.required("input.code", v["code"])
    c.required("input.name", v["name"])
    await c.unique_text(
        m.Speciality,
        "code",
        v,
        row,
        text=message("structure_speciality_with_this_code_exists", c.language),
    )


async def _program(c: Checker, v: Values, row: Any) -> None:
    c.required("input.name", v["name"])
    c.required("input.level", v["level"])
    c.in_range("input.durationYears", v["duration_years"], 1, 11)
    await c.row(m.Speciality, v.get("speciality_id"), "input.speciality")


async def _curriculum(c: Checker, v: Values, row: Any) -> None:
    c.required("input.name", v["name"])
    c.in_range("input.admissionYear", v["admission_year"], 1990, 2100)
    await c.row(m.EducationalProgram, v.get("program_id"), "input.program")


@dataclass(frozen=True, slots=True)
class CurriculumItemValues:
    discipline_id: int
    study_year: int
    term: int
    hours: int
    attestation_form: Any


async def check_curriculum_items(
    c: Checker, items: Sequence[CurriculumItemValues], period_kind: PeriodKind
) -> None:
    terms = TERMS_PER_YEAR[period_kind]
    seen: set[tuple[int, int, int]] = set()
    known = set(
        (
            await c.session.execute(
                select(m.Discipline.id).where(m.Discipline.id.in_({i.discipline_id for i in items}))
            )
        ).scalars()
    )
    for n, item in enumerate(items):
        at = f"input.items[{n}]"
        if item.discipline_id not in known:
            c.add(f"{at}.discipline", message("structure_discipline_not_found", c.language))
        c.in_range(f"{at}.studyYear", item.study_year, 1, 11)
        c.in_range(f"{at}.term", item.term, 1, terms)
        c.in_range(f"{at}.hours", item.hours, 1, 2000)
        key = (item.discipline_id, item.study_year, item.term)
        if key in seen:
            c.add(
                f"{at}.discipline",
                message("structure_discipline_already_plan_for_this", c.language),
            )
        seen.add(key)


async def replace_curriculum_items(
    session: AsyncSession, institution_id: int, curriculum_id: int, items: Sequence[Any]
) -> dict[str, Any]:
    await session.execute(
        delete(m.CurriculumItem).where(m.CurriculumItem.curriculum_id == curriculum_id)
    )
    if items:
        await session.execute(
            insert(m.CurriculumItem),
            [
                {
                    "institution_id": institution_id,
                    "curriculum_id": curriculum_id,
                    "discipline_id": i.discipline_id,
                    "study_year": i.study_year,
                    "term": i.term,
                    "hours": i.hours,
                    "attestation_form": i.attestation_form,
                }
                for i in items
            ],
        )
    return {"items": len(items)}


async def save_curriculum(
    ctx: Context,
    pk: int | None,
    values: Values,
    items: Sequence[CurriculumItemValues] | None,
    client_mutation_id: str | None,
) -> Any:
    inst = _institution(ctx)

    async def check(c: Checker, v: Values, row: Any) -> None:
        await _curriculum(c, v, row)
        if items is not None:
            await check_curriculum_items(c, items, v["period_kind"])
        elif row is not None and v["period_kind"] != row.period_kind:
            highest = (
                await c.session.execute(
                    select(func.max(m.CurriculumItem.term)).where(
                        m.CurriculumItem.curriculum_id == row.id
                    )
                )
            ).scalar()
            if highest and highest > TERMS_PER_YEAR[v["period_kind"]]:
                c.add(
                    "input.periodKind",
                    message("structure_plan_has_terms_beyond_this", c.language),
                )

    kind = Kind("curriculum", m.Curriculum, check, CURRICULUM.refs)

    async def children(session: AsyncSession, row: Any) -> dict[str, Any] | None:
        if items is None:
            return None
        return await replace_curriculum_items(session, inst, row.id, items)

    if pk is None:
        return await create(ctx, kind, values, client_mutation_id, children)
    return await update_row(ctx, kind, pk, values, client_mutation_id, children)


async def _discipline(c: Checker, v: Values, row: Any) -> None:
    c.required("input.name", v["name"])
    kind: DisciplineKind = v["kind"]
    parent_id = v.get("parent_id")
    if kind is DisciplineKind.MDK and parent_id is None:
        c.add(
            "input.parent",
            message("structure_needs_its_professional_module", c.language),
        )
    if parent_id is not None:
        if kind not in (DisciplineKind.MDK, DisciplineKind.PRACTICE):
            c.add(
                "input.parent",
                message("structure_only_or_practice_belongs_module", c.language),
            )
        parent = await c.row(m.Discipline, parent_id, "input.parent")
        if parent is not None and parent.kind is not DisciplineKind.PM:
            c.add(
                "input.parent",
                message("structure_parent_must_professional_module", c.language),
            )
    if row is not None and row.kind is DisciplineKind.PM and kind is not DisciplineKind.PM:
        children = (
            await c.session.execute(select(func.count()).where(m.Discipline.parent_id == row.id))
        ).scalar_one()
        if children:
            c.add(
                "input.kind",
                message(
                    "structure_module_has_and_practices_children", c.language, children=children
                ),
            )
    code = (v.get("code") or "").strip()
    if code:
        await c.unique(
            m.Discipline,
            "input.code",
            row.id if row else None,
            m.Discipline.code == code,
            text=message("structure_discipline_with_this_code_exists", c.language),
        )


async def _group(c: Checker, v: Values, row: Any) -> None:
    c.required("input.name", v["name"])
    c.in_range("input.studyYear", v["study_year"], 1, 11)
    year = await c.row(m.AcademicYear, v["academic_year_id"], "input.academicYear")
    await c.row(m.Department, v.get("department_id"), "input.department")
    await c.row(m.Speciality, v.get("speciality_id"), "input.speciality")
    await c.row(m.Curriculum, v.get("curriculum_id"), "input.curriculum")
    if v.get("admission_year") is not None:
        c.in_range("input.admissionYear", v["admission_year"], 1990, 2100)
    if year is not None:
        await c.unique_text(
            m.StudyGroup,
            "name",
            v,
            row,
            m.StudyGroup.academic_year_id == year.id,
            text=message("structure_group_with_this_name_exists", c.language),
        )


#: The institution's details a user edits, with their column sizes (camelCase input names).
INSTITUTION_TEXT: dict[str, tuple[str, int]] = {
    "name": ("name", 500),
    "shortName": ("short_name", 255),
    "address": ("address", 500),
    "license": ("license", 255),
    "accreditation": ("accreditation", 255),
    "phone": ("phone", 32),
    "email": ("email", 255),
    "website": ("website", 255),
}
#: Contacts checked by their spelling: input name → (column, check, message key).
INSTITUTION_CONTACTS: dict[str, tuple[str, Callable[[str], bool], str]] = {
    "phone": ("phone", is_valid_phone, "card_phone"),
    "email": ("email", is_valid_email, "card_email"),
    "website": ("website", is_valid_website, "card_website"),
}


async def _institution_details(c: Checker, v: Values, row: Any) -> None:
    """The card of the institution: a name and a short name always; contacts, when given,
    spelled so that a mail client, a phone and a browser can use them."""
    c.required("input.name", v["name"])
    c.required("input.shortName", v["short_name"])
    for field_name, (column, limit) in INSTITUTION_TEXT.items():
        value = v.get(column)
        if isinstance(value, str) and len(value) > limit:
            c.problems.append(
                (f"input.{field_name}", message("card_too_long", c.language, limit=limit))
            )
    for field_name, (column, valid, key) in INSTITUTION_CONTACTS.items():
        value = v.get(column)
        if isinstance(value, str) and value and not valid(value):
            c.problems.append((f"input.{field_name}", message(key, c.language)))


async def _room(c: Checker, v: Values, row: Any) -> None:
    c.required("input.name", v["name"])
    if v.get("capacity") is not None:
        c.in_range("input.capacity", v["capacity"], 1, 10000)
    await c.unique_text(
        m.Room,
        "name",
        v,
        row,
        text=message("structure_room_with_this_name_exists", c.language),
    )


async def _position(c: Checker, v: Values, row: Any) -> None:
    c.required("input.name", v["name"])
    await c.unique_text(
        m.Position,
        "name",
        v,
        row,
        text=message("structure_this_position_exists", c.language),
    )


def _clock(t: dt.time) -> str:
    return t.strftime("%H:%M")


async def _bell(c: Checker, v: Values, row: Any) -> None:
    c.in_range("input.number", v["number"], 1, 20)
    starts, ends = v["starts_at"], v["ends_at"]
    if starts >= ends:
        c.add(
            "input.endsAt",
            message("structure_slot_must_end_after_it", c.language),
        )
    await c.unique(
        m.BellSlot,
        "input.number",
        row.id if row else None,
        m.BellSlot.number == v["number"],
        text=message("structure_slot_number_already_exists", c.language, number=v["number"]),
    )
    stmt = select(m.BellSlot).where(m.BellSlot.starts_at < ends, m.BellSlot.ends_at > starts)
    if row is not None:
        stmt = stmt.where(m.BellSlot.id != row.id)
    for other in (await c.session.execute(stmt)).scalars():
        c.add(
            "input.startsAt",
            message(
                "structure_overlaps_slot_number_starts_at",
                c.language,
                number=other.number,
                starts_at=_clock(other.starts_at),
                ends_at=_clock(other.ends_at),
            ),
        )
    if row is not None and v["number"] != row.number:
        used = (
            await c.session.execute(select(func.count()).where(m.TimetableEntry.slot == row.number))
        ).scalar_one()
        lessons = (
            await c.session.execute(select(func.count()).where(m.Lesson.slot == row.number))
        ).scalar_one()
        if used or lessons:
            c.add(
                "input.number",
                message(
                    "structure_slot_number_used_by_timetable",
                    c.language,
                    used=used,
                    lessons=lessons,
                ),
            )


async def _year_of(c: Checker, day: dt.date) -> Any:
    return (
        await c.session.execute(
            select(m.AcademicYear).where(
                m.AcademicYear.starts_on <= day, m.AcademicYear.ends_on >= day
            )
        )
    ).scalar()


def _d(day: dt.date, language: str) -> str:
    return day.isoformat() if language == "en" else day.strftime("%d.%m.%Y")


async def _day_off(c: Checker, v: Values, row: Any) -> None:
    c.required("input.reason", v["reason"])
    day: dt.date = v["date"]
    if await _year_of(c, day) is None:
        c.add("input.date", message("structure_date_outside_any_academic_year", c.language))
    await c.unique(
        m.DayOff,
        "input.date",
        row.id if row else None,
        m.DayOff.date == day,
        text=message("structure_day_already_day_off", c.language, day=_d(day, c.language)),
    )
    await c.unique(
        m.DayTransfer,
        "input.date",
        None,
        or_(m.DayTransfer.from_date == day, m.DayTransfer.to_date == day),
        text=message("structure_day_takes_part_day_transfer", c.language, day=_d(day, c.language)),
    )


async def _transfer(c: Checker, v: Values, row: Any) -> None:
    src: dt.date = v["from_date"]
    dst: dt.date = v["to_date"]
    if src == dst:
        c.add("input.toDate", message("structure_transfer_same_day", c.language))
    year_src, year_dst = await _year_of(c, src), await _year_of(c, dst)
    if year_src is None:
        c.add("input.fromDate", message("structure_date_outside_any_academic_year", c.language))
    if year_dst is None:
        c.add("input.toDate", message("structure_date_outside_any_academic_year", c.language))
    elif year_src is not None and year_src.id != year_dst.id:
        c.add(
            "input.toDate",
            message("structure_transfer_stays_within_one_academic", c.language),
        )
    if src.isoweekday() > 5:
        c.add(
            "input.fromDate",
            message("structure_only_working_day_monday_friday", c.language),
        )
    for day, at in ((src, "input.fromDate"), (dst, "input.toDate")):
        await c.unique(
            m.DayOff,
            at,
            None,
            m.DayOff.date == day,
            text=message("structure_day_day_off", c.language, day=_d(day, c.language)),
        )
        await c.unique(
            m.DayTransfer,
            at,
            row.id if row else None,
            or_(m.DayTransfer.from_date == day, m.DayTransfer.to_date == day),
            text=message(
                "structure_day_already_takes_part_another", c.language, day=_d(day, c.language)
            ),
        )


async def _academic_year(c: Checker, v: Values, row: Any) -> None:
    c.required("input.name", v["name"])
    starts, ends = v["starts_on"], v["ends_on"]
    if starts >= ends:
        c.add("input.endsOn", message("structure_ends_before_it_starts", c.language))
    elif (ends - starts).days > 400:
        c.add("input.endsOn", message("structure_longer_than_13_months", c.language))
    await c.unique_text(
        m.AcademicYear,
        "name",
        v,
        row,
        text=message("structure_academic_year_with_this_name", c.language),
    )
    await c.unique(
        m.AcademicYear,
        "input.startsOn",
        row.id if row else None,
        m.AcademicYear.starts_on <= ends,
        m.AcademicYear.ends_on >= starts,
        text=message("structure_overlaps_another_academic_year", c.language),
    )
    if row is not None:
        outside = (
            await c.session.execute(
                select(func.count()).where(
                    m.Period.academic_year_id == row.id,
                    or_(m.Period.starts_on < starts, m.Period.ends_on > ends),
                )
            )
        ).scalar_one()
        if outside:
            c.add(
                "input.startsOn",
                message("structure_outside_year_s_periods_would", c.language, outside=outside),
            )


async def _period(c: Checker, v: Values, row: Any) -> None:
    c.required("input.name", v["name"])
    starts, ends = v["starts_on"], v["ends_on"]
    kind: PeriodKind = v["kind"]
    c.in_range("input.number", v["number"], 1, TERMS_PER_YEAR[kind])
    if starts > ends:
        c.add("input.endsOn", message("structure_ends_before_it_starts", c.language))
    year = await c.row(m.AcademicYear, v["academic_year_id"], "input.academicYear")
    if year is None:
        return
    if starts < year.starts_on or ends > year.ends_on:
        c.add(
            "input.startsOn" if starts < year.starts_on else "input.endsOn",
            message(
                "structure_period_must_lie_within_academic",
                c.language,
                name=year.name,
                starts_on=_d(year.starts_on, c.language),
                ends_on=_d(year.ends_on, c.language),
            ),
        )
    mine = row.id if row else None
    same_kind = (m.Period.academic_year_id == year.id, m.Period.kind == kind)
    stmt = select(m.Period).where(
        *same_kind, m.Period.starts_on <= ends, m.Period.ends_on >= starts
    )
    if mine is not None:
        stmt = stmt.where(m.Period.id != mine)
    for other in (await c.session.execute(stmt)).scalars():
        c.add(
            "input.startsOn",
            message(
                "structure_overlaps_period_name_starts_on",
                c.language,
                name=other.name,
                starts_on=_d(other.starts_on, c.language),
                ends_on=_d(other.ends_on, c.language),
            ),
        )
    await c.unique(
        m.Period,
        "input.number",
        mine,
        *same_kind,
        m.Period.number == v["number"],
        text=message("structure_period_this_kind_numbered_number", c.language, number=v["number"]),
    )


def _closed_period(row: Any, language: str) -> str | None:
    if row.closed_at is None:
        return None
    return message("structure_period_name_closed_for_edits", language, name=row.name)


def _closed_year(row: Any, language: str) -> str | None:
    if row.closed_at is None:
        return None
    return message("structure_academic_year_name_closed", language, name=row.name)


# =====================================================================================
# The tables, with what refers to them
# =====================================================================================

INSTITUTION = Kind("institution", m.Institution, _institution_details)
DEPARTMENT = Kind(
    "department", m.Department, _department, (Ref(m.StudyGroup.department_id, "structure_groups"),)
)
SPECIALITY = Kind(
    "speciality",
    m.Speciality,
    _speciality,
    (
        Ref(m.EducationalProgram.speciality_id, "structure_programs"),
        Ref(m.StudyGroup.speciality_id, "structure_groups"),
        Ref(m.Applicant.speciality_id, "structure_applicants"),
    ),
)
PROGRAM = Kind(
    "program",
    m.EducationalProgram,
    _program,
    (Ref(m.Curriculum.program_id, "structure_curricula"),),
)
CURRICULUM = Kind(
    "curriculum", m.Curriculum, _curriculum, (Ref(m.StudyGroup.curriculum_id, "structure_groups"),)
)
DISCIPLINE = Kind(
    "discipline",
    m.Discipline,
    _discipline,
    (
        Ref(m.Discipline.parent_id, "structure_module_s_and_practices"),
        Ref(m.CurriculumItem.discipline_id, "structure_curriculum_items"),
        Ref(m.Subgroup.discipline_id, "structure_subgroups"),
        Ref(m.TeachingAssignment.discipline_id, "structure_teaching_assignments"),
        Ref(m.ThematicPlan.discipline_id, "structure_thematic_plans"),
        Ref(m.TimetableEntry.discipline_id, "structure_timetable_entries"),
        Ref(m.Lesson.discipline_id, "structure_lessons"),
        Ref(m.FinalMark.discipline_id, "structure_final_marks"),
    ),
)
GROUP = Kind(
    "group",
    m.StudyGroup,
    _group,
    (
        Ref(m.GroupMembership.group_id, "structure_membership_records"),
        Ref(m.Subgroup.group_id, "structure_subgroups"),
        Ref(m.TeachingAssignment.group_id, "structure_teaching_assignments"),
        Ref(m.Curatorship.group_id, "structure_curatorships"),
        Ref(m.ThematicPlan.group_id, "structure_thematic_plans"),
        Ref(m.TimetableEntry.group_id, "structure_timetable_entries"),
        Ref(m.Lesson.group_id, "structure_lessons"),
        Ref(m.FinalMark.group_id, "structure_final_marks"),
        Ref(m.Announcement.group_id, "structure_announcements"),
        Ref(m.MovementOrderItem.from_group_id, "structure_movement_orders"),
        Ref(m.MovementOrderItem.to_group_id, "structure_movement_orders"),
    ),
)
ROOM = Kind(
    "room",
    m.Room,
    _room,
    (
        Ref(m.TimetableEntry.room_id, "structure_timetable_entries"),
        Ref(m.Lesson.room_id, "structure_lessons"),
    ),
)
POSITION = Kind(
    "position",
    m.Position,
    _position,
    (Ref(m.EmployeePosition.position_id, "structure_employees"),),
)
BELL_SLOT = Kind(
    "bell_slot",
    m.BellSlot,
    _bell,
    (
        Ref(m.TimetableEntry.slot, "structure_timetable_entries", by="number"),
        Ref(m.Lesson.slot, "structure_lessons", by="number"),
    ),
)
DAY_OFF = Kind("day_off", m.DayOff, _day_off)
DAY_TRANSFER = Kind("day_transfer", m.DayTransfer, _transfer)
PERIOD = Kind(
    "period",
    m.Period,
    _period,
    (Ref(m.FinalMark.period_id, "structure_final_marks"),),
    frozen=_closed_period,
)
ACADEMIC_YEAR = Kind(
    "academic_year",
    m.AcademicYear,
    _academic_year,
    (
        Ref(m.Period.academic_year_id, "structure_periods"),
        Ref(m.StudyGroup.academic_year_id, "structure_groups"),
        Ref(m.TeachingAssignment.academic_year_id, "structure_assignments"),
        Ref(m.ThematicPlan.academic_year_id, "structure_thematic_plans"),
    ),
    frozen=_closed_year,
)


async def save_academic_year(
    ctx: Context, pk: int | None, values: Values, client_mutation_id: str | None
) -> Any:
    """A year marked current makes every other year not current."""

    async def children(session: AsyncSession, row: Any) -> dict[str, Any] | None:
        if row.is_current:
            await session.execute(
                update(m.AcademicYear)
                .where(m.AcademicYear.id != row.id, m.AcademicYear.is_current.is_(True))
                .values(is_current=False)
            )
        return None

    if pk is None:
        return await create(ctx, ACADEMIC_YEAR, values, client_mutation_id, children)
    return await update_row(ctx, ACADEMIC_YEAR, pk, values, client_mutation_id, children)


# =====================================================================================
# Subgroups and their members
# =====================================================================================


async def save_subgroup(
    ctx: Context,
    pk: int | None,
    values: Values,
    members: Sequence[int] | None,
    client_mutation_id: str | None,
) -> Any:
    """Members must be students of the subgroup's group (now or from a future date)."""
    inst = _institution(ctx)
    today = ctx.viewer.today if ctx.viewer else dt.date.today()

    async def check(c: Checker, v: Values, row: Any) -> None:
        c.required("input.name", v["name"])
        group = await c.row(m.StudyGroup, v["group_id"], "input.group")
        await c.row(m.Discipline, v.get("discipline_id"), "input.discipline")
        if group is not None:
            await c.unique(
                m.Subgroup,
                "input.name",
                row.id if row else None,
                m.Subgroup.group_id == group.id,
                m.Subgroup.discipline_id.is_(None)
                if v.get("discipline_id") is None
                else m.Subgroup.discipline_id == v["discipline_id"],
                m.Subgroup.name == (v["name"] or "").strip(),
                text=message("structure_subgroup_with_this_name_exists", c.language),
            )
        if members is None or group is None:
            return
        if len(set(members)) != len(members):
            c.add("input.members", message("structure_student_listed_twice", c.language))
        gm = m.GroupMembership
        in_group = set(
            (
                await c.session.execute(
                    select(gm.student_id).where(
                        gm.group_id == group.id,
                        gm.student_id.in_(set(members)),
                        or_(gm.ends_on.is_(None), gm.ends_on > today),
                    )
                )
            ).scalars()
        )
        for n, student in enumerate(members):
            if student not in in_group:
                c.add(
                    f"input.members[{n}]",
                    message("structure_student_not_group_name", c.language, name=group.name),
                )

    kind = Kind("subgroup", m.Subgroup, check, SUBGROUP_REFS)

    async def children(session: AsyncSession, row: Any) -> dict[str, Any] | None:
        if members is None:
            return None
        await session.execute(
            delete(m.SubgroupMember).where(m.SubgroupMember.subgroup_id == row.id)
        )
        if members:
            await session.execute(
                insert(m.SubgroupMember),
                [{"institution_id": inst, "subgroup_id": row.id, "student_id": s} for s in members],
            )
        return {"members": sorted(members)}

    if pk is None:
        return await create(ctx, kind, values, client_mutation_id, children)
    return await update_row(ctx, kind, pk, values, client_mutation_id, children)


SUBGROUP_REFS = (
    Ref(m.TimetableEntry.subgroup_id, "structure_timetable_entries"),
    Ref(m.Lesson.subgroup_id, "structure_lessons"),
    Ref(m.TeachingAssignment.subgroup_id, "structure_teaching_assignments"),
)


async def _no_check(c: Checker, v: Values, row: Any) -> None:
    return None


SUBGROUP = Kind("subgroup", m.Subgroup, _no_check, SUBGROUP_REFS)


def clean(values: Values) -> Values:
    """Text values stripped."""
    return {k: v.strip() if type(v) is str else v for k, v in values.items()}


class _MembersLoader(DataLoader):  # type: ignore[type-arg]
    """Students of subgroups, batched: one select (filtered by ``student`` read) per request."""

    def __init__(self, ctx: Context) -> None:
        super().__init__()
        self.ctx = ctx

    async def batch_load_fn(self, keys: list[int]) -> list[list[Any]]:
        sm = m.SubgroupMember
        stmt = (
            select(m.Student, m.Person, sm.subgroup_id)
            .join(sm, sm.student_id == m.Student.id)
            .join(m.Person, m.Person.id == m.Student.person_id)
            .where(sm.subgroup_id.in_(set(keys)))
            .order_by(m.Person.surname, m.Person.name, m.Student.id)
        )
        grouped: dict[int, list[Any]] = {k: [] for k in keys}
        for row in await reads.all_rows(self.ctx, "student", stmt):
            student, person, subgroup = tuple(row)
            grouped[subgroup].append((student, person))
        return [grouped[k] for k in keys]


def subgroup_members(ctx: Context) -> _MembersLoader:
    loader = ctx.extras.get("subgroup_members")
    if loader is None:
        loader = ctx.extras["subgroup_members"] = _MembersLoader(ctx)
    assert isinstance(loader, _MembersLoader)
    return loader
