"""Movement orders (книга движения обучающихся), the group membership derived from them,
and the year rollover (closing a year, opening the next, promoting its groups).

Membership is never written by hand: every ``group_membership`` row is opened and ended by
an order, in the transaction that writes the order (``start_order_id`` / ``end_order_id``).
``ends_on`` is exclusive and NULL while the row is open.

Academic leave ENDS the membership (``on_leave`` stays false). Every reader of memberships —
``group.students(on:)``, ``student.group(on:)``, the journal, the curator's and teacher's
scopes — asks which row contains a date, so a student on leave is in no group without any
reader having to know about leave. RETURN puts him back, by default into the group the leave
order took him out of (the membership whose ``end_order_id`` is that order).

Closed years are frozen: an order must take effect after the end of every closed academic
year, and the group it moves a student into must belong to an open year containing that date.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from aiodataloader import DataLoader
from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from campusgraph.context import Context
from campusgraph.db import models as m
from campusgraph.db.base import utcnow
from campusgraph.db.enums import InstitutionKind, MovementKind, PeriodKind, StudentStatus
from campusgraph.i18n import message
from campusgraph.policies.facts import Viewer
from campusgraph.resolvers.accounts import disable_accounts_of
from campusgraph.resolvers.audit import plain, record
from campusgraph.resolvers.loaders import KEYS, kept_statement

Problem = tuple[str, str]

K = MovementKind

#: The student's status once the order takes effect.
STATUS_AFTER: dict[MovementKind, StudentStatus] = {
    K.ENROLMENT: StudentStatus.STUDYING,
    K.TRANSFER: StudentStatus.STUDYING,
    K.ACADEMIC_LEAVE: StudentStatus.ACADEMIC_LEAVE,
    K.RETURN: StudentStatus.STUDYING,
    K.EXPULSION: StudentStatus.EXPELLED,
    K.GRADUATION: StudentStatus.GRADUATED,
}
#: Orders that put the student into a group (``toGroup`` required or defaulted).
INTO_GROUP = frozenset({K.ENROLMENT, K.TRANSFER, K.RETURN})
#: Orders after which the student may no longer sign in.
LEAVING = frozenset({K.EXPULSION, K.GRADUATION})
#: How far ahead of its signing an order may take effect.
MAX_LEAD = dt.timedelta(days=366)
NUMBER_LENGTH = 32
#: The last grade of school programs by level (НОО 1–4, ООО 5–9, СОО 10–11).
SCHOOL_LAST_GRADE = {"НОО": 4, "ООО": 9, "СОО": 11}
DEFAULT_COLLEGE_YEARS = 4


def _d(day: dt.date) -> str:
    return day.strftime("%d.%m.%Y")


class Invalid(Exception):
    """Validation failed: the problems name the input field; nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(text for _, text in problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class ItemInput:
    student_id: int
    from_group_id: int | None = None
    to_group_id: int | None = None


@dataclass(frozen=True, slots=True)
class OrderInput:
    kind: MovementKind
    number: str
    signed_on: dt.date
    effective_on: dt.date
    note: str | None
    items: Sequence[ItemInput]


@dataclass(slots=True)
class _Plan:
    """What an order writes, collected while validating so nothing is written on error."""

    items: list[tuple[int, int | None, int | None]] = field(default_factory=list)
    end: list[int] = field(default_factory=list)  # membership ids ended at the effective date
    open: list[tuple[int, int]] = field(default_factory=list)  # (student, group)
    leaving_people: list[int] = field(default_factory=list)


@dataclass(slots=True)
class _Facts:
    """The rows an order's validation consults, loaded in a fixed number of selects."""

    students: dict[int, m.Student]
    memberships: dict[int, list[m.GroupMembership]]
    groups: dict[int, tuple[m.StudyGroup, m.AcademicYear]]
    leave_orders: set[int]


# -- reads shared by the checks ----------------------------------------------------------------


async def closed_until(session: AsyncSession) -> dt.date | None:
    """The last day of the latest closed academic year (nothing on or before it changes).

    The years are read FOR SHARE (PostgreSQL; SQLite has one writer at a time): closing a
    year updates its row, so an order and a close serialise, and an order that waited for
    a close sees it committed."""
    y = m.AcademicYear
    rows = (await session.execute(select(y.ends_on, y.closed_at).with_for_update(read=True))).all()
    return max((ends for ends, closed in rows if closed is not None), default=None)


async def _load_facts(session: AsyncSession, items: Sequence[ItemInput]) -> _Facts:
    student_ids = {it.student_id for it in items}
    students = {
        s.id: s
        for s in (
            await session.execute(
                select(m.Student)
                .where(m.Student.id.in_(student_ids))
                .order_by(m.Student.id)
                .with_for_update()  # two orders about one student serialise (PostgreSQL)
                .execution_options(populate_existing=True)
            )
        )
        .scalars()
        .all()
    }
    gm = m.GroupMembership
    memberships: dict[int, list[m.GroupMembership]] = defaultdict(list)
    rows = (
        (
            await session.execute(
                select(gm)
                .where(gm.student_id.in_(student_ids))
                .order_by(gm.starts_on, gm.id)
                .execution_options(populate_existing=True)
            )
        )
        .scalars()
        .all()
    )
    for row in rows:
        memberships[row.student_id].append(row)
    group_ids = {g for it in items for g in (it.from_group_id, it.to_group_id) if g is not None}
    group_ids |= {row.group_id for row in rows}
    groups = {
        g.id: (g, y)
        for g, y in (
            await session.execute(
                select(m.StudyGroup, m.AcademicYear)
                .join(m.AcademicYear, m.AcademicYear.id == m.StudyGroup.academic_year_id)
                .where(m.StudyGroup.id.in_(group_ids))
            )
        ).all()
    }
    ended_by = {row.end_order_id for row in rows if row.end_order_id is not None}
    leave_orders = set(
        (
            await session.execute(
                select(m.MovementOrder.id).where(
                    m.MovementOrder.id.in_(ended_by),
                    m.MovementOrder.kind == MovementKind.ACADEMIC_LEAVE,
                )
            )
        )
        .scalars()
        .all()
    )
    return _Facts(students, memberships, groups, leave_orders)


# -- one order ---------------------------------------------------------------------------------


class _Checker:
    """Plans one order item by item, collecting problems with their field paths."""

    def __init__(self, order: OrderInput, facts: _Facts, path: str, language: str) -> None:
        self.order = order
        self.facts = facts
        self.path = path
        self.lang = language
        self.day = order.effective_on
        self.problems: list[Problem] = []
        self.plan = _Plan()

    def say(self, where: str, key: str, **kwargs: object) -> None:
        self.problems.append((where, message(key, self.lang, **kwargs)))

    def group_name(self, group_id: int) -> str:
        found = self.facts.groups.get(group_id)
        return found[0].name if found else str(group_id)

    def target_ok(self, where: str, group_id: int) -> bool:
        """A student may be put only into an existing, not graduated group of an open year
        that contains the effective date."""
        found = self.facts.groups.get(group_id)
        if found is None:
            self.say(where, "not_found")
            return False
        group, year = found
        if group.graduated_on is not None:
            self.say(where, "movement_group_graduated", group=group.name)
        elif year.closed_at is not None:
            self.say(where, "movement_group_year_closed", group=group.name, year=year.name)
        elif not year.starts_on <= self.day <= year.ends_on:
            self.say(where, "movement_group_other_year", group=group.name, year=year.name)
        else:
            return True
        return False

    def left_for_leave(self, student_id: int) -> m.GroupMembership | None:
        """The membership the student's latest academic leave ended."""
        left = [
            ms
            for ms in self.facts.memberships.get(student_id, [])
            if ms.end_order_id in self.facts.leave_orders
        ]
        return max(left, key=lambda ms: (ms.ends_on or dt.date.max, ms.id)) if left else None

    def check(self, index: int, item: ItemInput) -> None:
        at = f"{self.path}.items.{index}"
        kind, day = self.order.kind, self.day
        student = self.facts.students.get(item.student_id)
        if student is None:
            self.say(f"{at}.student", "not_found")
            return
        history = self.facts.memberships.get(student.id, [])
        current = next(
            (
                ms
                for ms in history
                if ms.starts_on <= day and (ms.ends_on is None or ms.ends_on > day)
            ),
            None,
        )
        later = [ms for ms in history if ms.starts_on > day]
        if later or (current is not None and current.ends_on is not None):
            first_later = min(
                [ms.starts_on for ms in later]
                + ([current.ends_on] if current and current.ends_on else [])
            )
            self.say(f"{at}.student", "movement_later_exists", date=_d(first_later))
            return
        if kind not in INTO_GROUP and item.to_group_id is not None:
            self.say(f"{at}.toGroup", "movement_no_target_expected")
            return
        if kind in (K.ENROLMENT, K.RETURN) and item.from_group_id is not None:
            self.say(f"{at}.fromGroup", "movement_no_source_expected")
            return
        leaving = kind in LEAVING
        if kind is K.ENROLMENT:
            self.enrol(at, student, current, item)
        elif kind is K.RETURN:
            self.come_back(at, student, current, item)
        elif (
            current is None
            and kind is K.EXPULSION
            and student.status is StudentStatus.ACADEMIC_LEAVE
        ):
            left = self.left_for_leave(student.id)
            source = left.group_id if left else None
            if item.from_group_id is not None and item.from_group_id != source:
                self.say(
                    f"{at}.fromGroup",
                    "movement_not_in_group",
                    date=_d(day),
                    group=self.group_name(item.from_group_id),
                )
                return
            self.plan.items.append((student.id, source, None))
        else:
            self.move_out(at, student, current, item)
        if leaving:
            self.plan.leaving_people.append(student.person_id)

    def enrol(
        self, at: str, student: m.Student, current: m.GroupMembership | None, item: ItemInput
    ) -> None:
        if current is not None:
            self.say(
                f"{at}.student",
                "movement_already_enrolled",
                group=self.group_name(current.group_id),
                date=_d(current.starts_on),
            )
            return
        if student.status is StudentStatus.ACADEMIC_LEAVE:
            self.say(f"{at}.student", "movement_on_leave_use_return")
            return
        if item.to_group_id is None:
            self.say(f"{at}.toGroup", "movement_target_required")
            return
        if self.target_ok(f"{at}.toGroup", item.to_group_id):
            self.plan.items.append((student.id, None, item.to_group_id))
            self.plan.open.append((student.id, item.to_group_id))

    def come_back(
        self, at: str, student: m.Student, current: m.GroupMembership | None, item: ItemInput
    ) -> None:
        left = self.left_for_leave(student.id)
        if student.status is not StudentStatus.ACADEMIC_LEAVE or current is not None:
            self.say(f"{at}.student", "movement_not_on_leave", date=_d(self.day))
            return
        target = item.to_group_id or (left.group_id if left else None)
        if target is None:
            self.say(f"{at}.toGroup", "movement_target_required")
            return
        if self.target_ok(f"{at}.toGroup", target):
            self.plan.items.append((student.id, None, target))
            self.plan.open.append((student.id, target))

    def move_out(
        self, at: str, student: m.Student, current: m.GroupMembership | None, item: ItemInput
    ) -> None:
        kind, day = self.order.kind, self.day
        if current is None or (
            item.from_group_id is not None and item.from_group_id != current.group_id
        ):
            where = f"{at}.fromGroup" if item.from_group_id is not None else f"{at}.student"
            if item.from_group_id is not None:
                self.say(
                    where,
                    "movement_not_in_group",
                    date=_d(day),
                    group=self.group_name(item.from_group_id),
                )
            else:
                self.say(where, "movement_in_no_group", date=_d(day))
            return
        if current.starts_on == day:
            self.say(f"{self.path}.effectiveOn", "movement_same_day", date=_d(day))
            return
        target = None
        if kind is K.TRANSFER:
            target = item.to_group_id
            if target is None:
                self.say(f"{at}.toGroup", "movement_target_required")
                return
            if target == current.group_id:
                self.say(f"{at}.toGroup", "movement_same_group")
                return
            if not self.target_ok(f"{at}.toGroup", target):
                return
            self.plan.open.append((student.id, target))
        self.plan.items.append((student.id, current.group_id, target))
        self.plan.end.append(current.id)


def _order_problems(order: OrderInput, today: dt.date, path: str, lang: str) -> list[Problem]:
    problems: list[Problem] = []
    number = order.number.strip()
    if not number:
        problems.append((f"{path}.number", message("movement_number_required", lang)))
    elif len(number) > NUMBER_LENGTH:
        problems.append(
            (f"{path}.number", message("movement_number_long", lang, limit=NUMBER_LENGTH))
        )
    if order.signed_on > today:
        problems.append((f"{path}.signedOn", message("movement_signed_future", lang)))
    if order.effective_on < order.signed_on:
        problems.append((f"{path}.effectiveOn", message("movement_effective_before_signed", lang)))
    elif order.effective_on - order.signed_on > MAX_LEAD:
        problems.append((f"{path}.effectiveOn", message("movement_effective_too_far", lang)))
    if not order.items:
        problems.append((f"{path}.items", message("movement_no_items", lang)))
    seen: set[int] = set()
    for i, item in enumerate(order.items):
        if item.student_id in seen:
            problems.append((f"{path}.items.{i}.student", message("movement_student_twice", lang)))
        seen.add(item.student_id)
    return problems


async def apply_order(
    session: AsyncSession,
    *,
    institution_id: int,
    viewer: Viewer,
    order: OrderInput,
    today: dt.date,
    language: str,
    path: str = "input",
    client_mutation_id: str | None = None,
) -> m.MovementOrder:
    """Validate an order against the membership history and write it with the membership
    it derives, in the caller's transaction. Raises :class:`Invalid` before writing anything."""
    problems = _order_problems(order, today, path, language)
    if problems:
        raise Invalid(problems)
    number = order.number.strip()
    frozen = await closed_until(session)
    if frozen is not None and order.effective_on <= frozen:
        problems.append(
            (
                f"{path}.effectiveOn",
                message("movement_in_closed_year", language, date=_d(frozen)),
            )
        )
    mo = m.MovementOrder
    taken = (
        await session.execute(
            select(mo.id).where(mo.number == number, mo.signed_on == order.signed_on)
        )
    ).first()
    if taken is not None:
        problems.append((f"{path}.number", message("movement_number_taken", language)))
    facts = await _load_facts(session, order.items)
    checker = _Checker(order, facts, path, language)
    for i, item in enumerate(order.items):
        checker.check(i, item)
    problems += checker.problems
    if problems:
        raise Invalid(problems)
    plan = checker.plan

    row = m.MovementOrder(
        institution_id=institution_id,
        kind=order.kind,
        number=number,
        signed_on=order.signed_on,
        effective_on=order.effective_on,
        note=(order.note or "").strip() or None,
        created_by_user_id=viewer.user_id,
        created_on=today,
    )
    session.add(row)
    try:
        await session.flush()
    except IntegrityError:
        raise Invalid([(f"{path}.number", message("movement_number_taken", language))]) from None
    await _write_plan(session, institution_id, row, plan, order)
    await record(
        session,
        viewer=viewer,
        action="create",
        object_type="movement_order",
        object_id=row.id,
        institution_id=institution_id,
        after={
            "kind": order.kind.value,
            "number": number,
            "signed_on": order.signed_on.isoformat(),
            "effective_on": order.effective_on.isoformat(),
            "items": [{"student": s, "from_group": f, "to_group": t} for s, f, t in plan.items],
        },
        client_mutation_id=client_mutation_id,
    )
    return row


async def _write_plan(
    session: AsyncSession, inst: int, row: m.MovementOrder, plan: _Plan, order: OrderInput
) -> None:
    day = order.effective_on
    await session.execute(
        insert(m.MovementOrderItem),
        [
            {
                "institution_id": inst,
                "order_id": row.id,
                "student_id": s,
                "from_group_id": f,
                "to_group_id": t,
            }
            for s, f, t in plan.items
        ],
    )
    gm = m.GroupMembership
    if plan.end:
        await session.execute(
            update(gm)
            .where(gm.id.in_(plan.end))
            .values(ends_on=day, end_order_id=row.id)
            .execution_options(synchronize_session=False)
        )
    if plan.open:
        await session.execute(
            insert(gm),
            [
                {
                    "institution_id": inst,
                    "student_id": s,
                    "group_id": g,
                    "starts_on": day,
                    "ends_on": None,
                    "on_leave": False,
                    "start_order_id": row.id,
                    "end_order_id": None,
                }
                for s, g in plan.open
            ],
        )
    st = m.Student
    students = [s for s, _, _ in plan.items]
    await session.execute(
        update(st)
        .where(st.id.in_(students))
        .values(status=STATUS_AFTER[order.kind])
        .execution_options(synchronize_session=False)
    )
    if order.kind is K.ENROLMENT:
        await session.execute(
            update(st)
            .where(st.id.in_(students), st.enrolment_date.is_(None))
            .values(enrolment_date=day, enrolment_order_number=row.number)
            .execution_options(synchronize_session=False)
        )
    if plan.leaving_people:
        # Only people who have an account: one select instead of two statements per graduate.
        ua = m.UserAccount
        holders = (
            await session.execute(
                select(ua.person_id).where(ua.person_id.in_(plan.leaving_people)).distinct()
            )
        ).scalars()
        for person_id in sorted(p for p in holders if p is not None):
            await disable_accounts_of(session, person_id, day)


async def issue_order(ctx: Context, order: OrderInput, client_mutation_id: str | None) -> int:
    viewer = ctx.viewer
    assert viewer is not None and viewer.institution_id is not None
    async with ctx.session(write=True) as session:
        row = await apply_order(
            session,
            institution_id=viewer.institution_id,
            viewer=viewer,
            order=order,
            today=ctx.settings.current_date(),
            language=ctx.language,
            client_mutation_id=client_mutation_id,
        )
        await session.commit()
        return row.id


# -- closing and opening years -----------------------------------------------------------------


def ruleset_speaks_of(ctx: Context, obj: str, act: str) -> bool:
    """Whether the viewer's ruleset has any line, for any role, on ``obj:act``."""
    return bool(ctx.authorizer.compiled.index.get((obj, act)))


async def close_year(ctx: Context, year_id: int, client_mutation_id: str | None) -> m.AcademicYear:
    """Close every period of the year (those still open) and the year itself."""
    viewer = ctx.viewer
    assert viewer is not None
    async with ctx.session(write=True) as session:
        year = (
            await session.execute(select(m.AcademicYear).where(m.AcademicYear.id == year_id))
        ).scalar_one_or_none()
        if year is None:
            raise Invalid([("input.year", message("not_found", ctx.language))])
        if year.closed_at is not None:
            raise Invalid([("input.year", message("year_already_closed", ctx.language))])
        now = utcnow()
        p = m.Period
        periods = (
            (
                await session.execute(
                    select(p.id).where(p.academic_year_id == year.id, p.closed_at.is_(None))
                )
            )
            .scalars()
            .all()
        )
        await session.execute(
            update(p)
            .where(p.id.in_(periods))
            .values(closed_at=now, closed_by_user_id=viewer.user_id)
            .execution_options(synchronize_session=False)
        )
        year.closed_at = now
        year.closed_by_user_id = viewer.user_id
        await record(
            session,
            viewer=viewer,
            action="close",
            object_type="academic_year",
            object_id=year.id,
            institution_id=year.institution_id,
            before={"closed_at": None},
            after={"closed_at": plain(now), "periods_closed": list(periods)},
            client_mutation_id=client_mutation_id,
        )
        await session.commit()
        return year


@dataclass(frozen=True, slots=True)
class PeriodSpec:
    kind: PeriodKind
    number: int
    name: str
    starts_on: dt.date
    ends_on: dt.date


@dataclass(frozen=True, slots=True)
class YearSpec:
    name: str
    starts_on: dt.date
    ends_on: dt.date
    periods: Sequence[PeriodSpec]


@dataclass(frozen=True, slots=True)
class PromotionSpec:
    transfer_number: str | None = None
    graduation_number: str | None = None


@dataclass(slots=True)
class PromotedGroup:
    group: m.StudyGroup
    successor: m.StudyGroup | None
    students: int


@dataclass(slots=True)
class Promotion:
    groups: list[PromotedGroup] = field(default_factory=list)
    transfer_order_id: int | None = None
    graduation_order_id: int | None = None


def _year_problems(spec: YearSpec, lang: str) -> list[Problem]:
    problems: list[Problem] = []
    if not spec.name.strip():
        problems.append(("input.name", message("movement_field_required", lang)))
    if spec.ends_on <= spec.starts_on:
        problems.append(("input.endsOn", message("year_ends_before_start", lang)))
    elif spec.ends_on - spec.starts_on > dt.timedelta(days=400):
        problems.append(("input.endsOn", message("year_too_long", lang)))
    seen: set[tuple[PeriodKind, int]] = set()
    for i, p in enumerate(spec.periods):
        at = f"input.periods.{i}"
        if not p.name.strip():
            problems.append((f"{at}.name", message("movement_field_required", lang)))
        if (p.kind, p.number) in seen:
            problems.append((f"{at}.number", message("period_twice", lang)))
        seen.add((p.kind, p.number))
        if p.ends_on < p.starts_on:
            problems.append((f"{at}.endsOn", message("year_ends_before_start", lang)))
        elif p.starts_on < spec.starts_on or p.ends_on > spec.ends_on:
            problems.append((f"{at}.startsOn", message("period_outside_year", lang)))
    return problems


async def open_year(
    ctx: Context,
    spec: YearSpec,
    promotion: PromotionSpec | None,
    client_mutation_id: str | None,
) -> tuple[m.AcademicYear, Promotion | None]:
    """Create the year with its periods; with ``promotion``, promote the groups of the
    previous (closed) year into it, in the same transaction."""
    viewer = ctx.viewer
    assert viewer is not None and viewer.institution_id is not None
    inst, lang = viewer.institution_id, ctx.language
    problems = _year_problems(spec, lang)
    if problems:
        raise Invalid(problems)
    y = m.AcademicYear
    async with ctx.session(write=True) as session:
        years = (await session.execute(select(y).order_by(y.starts_on))).scalars().all()
        for other in years:
            if other.name == spec.name.strip():
                problems.append(("input.name", message("year_name_taken", lang)))
            if other.starts_on <= spec.ends_on and spec.starts_on <= other.ends_on:
                problems.append(("input.startsOn", message("year_overlaps", lang, year=other.name)))
        previous = max(
            (other for other in years if other.ends_on < spec.starts_on),
            key=lambda other: other.ends_on,
            default=None,
        )
        if promotion is not None:
            if previous is None:
                problems.append(("input.promote", message("promote_no_previous", lang)))
            elif previous.closed_at is None:
                problems.append(
                    ("input.promote", message("promote_previous_open", lang, year=previous.name))
                )
        if problems:
            raise Invalid(problems)
        open_current = [o for o in years if o.is_current and o.closed_at is None]
        year = y(
            institution_id=inst,
            name=spec.name.strip(),
            starts_on=spec.starts_on,
            ends_on=spec.ends_on,
            is_current=not open_current,
        )
        if year.is_current:
            await session.execute(
                update(y)
                .where(y.is_current.is_(True))
                .values(is_current=False)
                .execution_options(synchronize_session=False)
            )
        session.add(year)
        await session.flush()
        if spec.periods:
            await session.execute(
                insert(m.Period),
                [
                    {
                        "institution_id": inst,
                        "academic_year_id": year.id,
                        "kind": p.kind,
                        "number": p.number,
                        "name": p.name.strip(),
                        "starts_on": p.starts_on,
                        "ends_on": p.ends_on,
                    }
                    for p in spec.periods
                ],
            )
        await record(
            session,
            viewer=viewer,
            action="create",
            object_type="academic_year",
            object_id=year.id,
            institution_id=inst,
            after={
                "name": year.name,
                "starts_on": year.starts_on.isoformat(),
                "ends_on": year.ends_on.isoformat(),
                "periods": [
                    [p.kind.value, p.number, p.starts_on.isoformat(), p.ends_on.isoformat()]
                    for p in spec.periods
                ],
                "promote": promotion is not None,
            },
            client_mutation_id=client_mutation_id,
        )
        result = None
        if promotion is not None:
            assert previous is not None
            result = await promote(
                session, ctx, previous, year, promotion, "input.promote", client_mutation_id
            )
        await session.commit()
        return year, result


async def promote_years(
    ctx: Context,
    from_year_id: int,
    to_year_id: int,
    spec: PromotionSpec,
    client_mutation_id: str | None,
) -> Promotion:
    """Promote the groups of a closed year into an open later one (``promoteGroups``)."""
    lang = ctx.language
    async with ctx.session(write=True) as session:
        found = {
            row.id: row
            for row in (
                await session.execute(
                    select(m.AcademicYear).where(m.AcademicYear.id.in_([from_year_id, to_year_id]))
                )
            )
            .scalars()
            .all()
        }
        old, new = found.get(from_year_id), found.get(to_year_id)
        problems: list[Problem] = []
        if old is None:
            problems.append(("input.fromYear", message("not_found", lang)))
        elif old.closed_at is None:
            problems.append(
                ("input.fromYear", message("promote_previous_open", lang, year=old.name))
            )
        if new is None:
            problems.append(("input.toYear", message("not_found", lang)))
        elif new.closed_at is not None:
            problems.append(("input.toYear", message("year_already_closed", lang)))
        elif old is not None and new.starts_on <= old.ends_on:
            problems.append(("input.toYear", message("promote_not_later", lang)))
        if problems:
            raise Invalid(problems)
        assert old is not None and new is not None
        result = await promote(session, ctx, old, new, spec, "input.fromYear", client_mutation_id)
        await session.commit()
        return result


_DIGITS = re.compile(r"\d+")


def next_name(name: str, study_year: int) -> str:
    """The group's name one course (grade) up: «ИС-11» → «ИС-21», «5А» → «6А», «10Б» → «11Б».
    The first run of digits that begins with the course number has it incremented; a name
    without one gets the new course appended."""
    course = str(study_year)
    for found in _DIGITS.finditer(name):
        if found.group().startswith(course):
            start = found.start()
            return f"{name[:start]}{study_year + 1}{name[start + len(course) :]}"
    return f"{name} ({study_year + 1})"


async def _final_years(
    session: AsyncSession, institution_id: int, groups: Sequence[m.StudyGroup]
) -> dict[int, int]:
    """The last course (grade) of each group's program: a college group graduates when its
    course reaches the program's duration; a school class when its grade reaches the last
    grade the school teaches (9 where ООО is its highest program, 4 for a primary school)."""
    kind = (
        await session.execute(select(m.Institution.kind).where(m.Institution.id == institution_id))
    ).scalar_one()
    ep, cu = m.EducationalProgram, m.Curriculum
    if kind is InstitutionKind.SCHOOL:
        levels = (await session.execute(select(ep.level))).scalars().all()
        last = max((SCHOOL_LAST_GRADE[lv] for lv in levels if lv in SCHOOL_LAST_GRADE), default=11)
        return {g.id: last for g in groups}
    durations = dict(
        (
            await session.execute(
                select(cu.id, ep.duration_years)
                .join(ep, ep.id == cu.program_id)
                .where(cu.id.in_({g.curriculum_id for g in groups if g.curriculum_id}))
            )
        ).all()
    )
    by_speciality = dict(
        (
            await session.execute(
                select(ep.speciality_id, func.max(ep.duration_years))
                .where(ep.speciality_id.is_not(None))
                .group_by(ep.speciality_id)
            )
        ).all()
    )
    out: dict[int, int] = {}
    for g in groups:
        years = durations.get(g.curriculum_id) if g.curriculum_id else None
        if years is None and g.speciality_id is not None:
            years = by_speciality.get(g.speciality_id)
        out[g.id] = int(years or DEFAULT_COLLEGE_YEARS)
    return out


async def promote(
    session: AsyncSession,
    ctx: Context,
    old: m.AcademicYear,
    new: m.AcademicYear,
    spec: PromotionSpec,
    path: str,
    client_mutation_id: str | None,
) -> Promotion:
    """Every group of ``old`` with students on the day ``new`` starts moves up a course by a
    TRANSFER order effective on that day (a new group row in ``new``: same department,
    speciality, curriculum and admission year); groups in their program's last course
    graduate by a GRADUATION order effective the day after ``old`` ends. Groups with nobody
    left in them are skipped, so a second run changes nothing."""
    viewer = ctx.viewer
    assert viewer is not None and viewer.institution_id is not None
    inst, lang, today = viewer.institution_id, ctx.language, ctx.settings.current_date()
    g, gm = m.StudyGroup, m.GroupMembership
    groups = (
        (
            await session.execute(
                select(g)
                .where(g.academic_year_id == old.id, g.graduated_on.is_(None))
                .order_by(g.study_year, g.name, g.id)
            )
        )
        .scalars()
        .all()
    )
    moved_on = new.starts_on
    graduate_on = min(old.ends_on + dt.timedelta(days=1), moved_on)
    members: dict[int, list[int]] = defaultdict(list)
    for student_id, group_id in (
        await session.execute(
            select(gm.student_id, gm.group_id)
            .where(
                gm.group_id.in_([x.id for x in groups]),
                gm.starts_on <= graduate_on,
                gm.ends_on.is_(None),
            )
            .order_by(gm.student_id)
        )
    ).all():
        members[group_id].append(student_id)
    final = await _final_years(session, inst, groups)
    result = Promotion()
    transfers: list[ItemInput] = []
    graduates: list[ItemInput] = []
    graduating: list[m.StudyGroup] = []
    for group in groups:
        students = members.get(group.id, [])
        if not students:
            continue
        if group.study_year >= final[group.id]:
            graduating.append(group)
            graduates += [ItemInput(s, group.id, None) for s in students]
            result.groups.append(PromotedGroup(group, None, len(students)))
            continue
        successor = m.StudyGroup(
            institution_id=inst,
            name=next_name(group.name, group.study_year),
            study_year=group.study_year + 1,
            academic_year_id=new.id,
            department_id=group.department_id,
            speciality_id=group.speciality_id,
            curriculum_id=group.curriculum_id,
            admission_year=group.admission_year,
        )
        session.add(successor)
        await session.flush()
        transfers += [ItemInput(s, group.id, successor.id) for s in students]
        result.groups.append(PromotedGroup(group, successor, len(students)))
    if not transfers and not graduates:
        raise Invalid([(path, message("promote_nothing", lang, year=old.name))])
    orders = [
        (K.TRANSFER, transfers, moved_on, spec.transfer_number, "promote_transfer"),
        (K.GRADUATION, graduates, graduate_on, spec.graduation_number, "promote_graduation"),
    ]
    for kind, items, day, number, texts in orders:
        if not items:
            continue
        order = OrderInput(
            kind=kind,
            number=number or message(f"{texts}_number", "ru", year=new.name),
            signed_on=min(today, day),
            effective_on=day,
            note=message(f"{texts}_note", "ru", old=old.name, new=new.name),
            items=items,
        )
        try:
            row = await apply_order(
                session,
                institution_id=inst,
                viewer=viewer,
                order=order,
                today=today,
                language=lang,
                path=path,
                client_mutation_id=client_mutation_id,
            )
        except Invalid as exc:
            raise Invalid([(path, text) for _, text in exc.problems]) from None
        if kind is K.TRANSFER:
            result.transfer_order_id = row.id
        else:
            result.graduation_order_id = row.id
    if graduating:
        await session.execute(
            update(g)
            .where(g.id.in_([x.id for x in graduating]))
            .values(graduated_on=graduate_on)
            .execution_options(synchronize_session=False)
        )
        for x in graduating:
            x.graduated_on = graduate_on
    return result


# -- reads -------------------------------------------------------------------------------------


Rows = list[Any]


class _ByKey(DataLoader[int, Rows]):
    """One filtered select per batch, rows grouped by a key column."""

    def __init__(self, ctx: Context, name: str, obj: str, stmt_for: Any, key: Any) -> None:
        super().__init__()
        self.ctx, self.name, self.obj, self.stmt_for, self.key = ctx, name, obj, stmt_for, key

    async def batch_load_fn(self, keys: list[int]) -> list[list[Any]]:
        stmt = kept_statement(self.ctx, self.name, self.obj, self.stmt_for)
        async with self.ctx.session() as session:
            rows = (await session.execute(stmt, {KEYS: list(set(keys))})).all()
        grouped: dict[int, list[Any]] = defaultdict(list)
        for row in rows:
            grouped[self.key(row)].append(row)
        return [grouped.get(k, []) for k in keys]


def items_by_order(ctx: Context) -> DataLoader[int, Rows]:
    """Items of orders the viewer may read (``movement_order`` read), in entry order."""
    loader = ctx.extras.get("movement:items")
    if loader is None:
        it, mo = m.MovementOrderItem, m.MovementOrder
        loader = _ByKey(
            ctx,
            "movement:items",
            "movement_order",
            lambda ids: (
                select(it)
                .join(mo, mo.id == it.order_id)
                .where(it.order_id.in_(ids))
                .order_by(it.id)
            ),
            lambda row: row[0].order_id,
        )
        ctx.extras["movement:items"] = loader
    return loader


def memberships_by_student(ctx: Context) -> DataLoader[int, Rows]:
    """A student's group history with the numbers of the orders that opened and ended each
    stretch; visible wherever the student card is (``student`` read)."""
    loader = ctx.extras.get("movement:memberships")
    if loader is None:
        gm, st = m.GroupMembership, m.Student
        start, end = aliased(m.MovementOrder), aliased(m.MovementOrder)
        loader = _ByKey(
            ctx,
            "movement:memberships",
            "student",
            lambda ids: (
                select(gm, start.number, end.number)
                .join(st, st.id == gm.student_id)
                .outerjoin(start, start.id == gm.start_order_id)
                .outerjoin(end, end.id == gm.end_order_id)
                .where(gm.student_id.in_(ids))
                .order_by(gm.starts_on, gm.id)
            ),
            lambda row: row[0].student_id,
        )
        ctx.extras["movement:memberships"] = loader
    return loader
