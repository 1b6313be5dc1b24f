"""The movement book (приказы о движении обучающихся), group history, and the year rollover:
closing an academic year, opening the next and promoting its groups."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import strawberry
from sqlalchemy import select

from campusgraph.context import Context
from campusgraph.db import models as m
from campusgraph.db.enums import MovementKind, PeriodKind
from campusgraph.i18n import message
from campusgraph.ids import from_global_id
from campusgraph.policies.facts import Target
from campusgraph.policies.targets import target_of
from campusgraph.resolvers import movement as mv
from campusgraph.resolvers import reads
from campusgraph.schema import enums  # noqa: F401  (registers the enums)
from campusgraph.schema.base import (
    After,
    Connection,
    First,
    GraphQLInfo,
    Node,
    signed_in,
    to_global_id,
    within_dates,
)
from campusgraph.schema.errors import MutationError
from campusgraph.schema.mutations import ValidationFailed, guarded, institution_target
from campusgraph.schema.people import Student
from campusgraph.schema.structure import AcademicYear, Group


async def _group(info: GraphQLInfo, pk: int | None) -> Group | None:
    if pk is None:
        return None
    row = await info.context.loaders.entity_by_id("group", m.StudyGroup).load(pk)
    return Group.of(row[0]) if row else None


async def _order(info: GraphQLInfo, pk: int | None) -> MovementOrder | None:
    if pk is None:
        return None
    row = await info.context.loaders.entity_by_id("movement_order", m.MovementOrder).load(pk)
    return MovementOrder.of(row[0]) if row else None


@strawberry.type(
    description="A student named in a movement order, with the groups he leaves and enters."
)
class MovementOrderItem:
    _student_id: strawberry.Private[int]
    _from_group_id: strawberry.Private[int | None]
    _to_group_id: strawberry.Private[int | None]

    @strawberry.field(description="The student; null when your role may not see him.")
    async def student(self, info: GraphQLInfo) -> Student | None:
        row = await info.context.loaders.student_by_id.load(self._student_id)
        return Student.of(row[0], row[1]) if row else None

    @strawberry.field(description="The group he leaves (transfer, leave, expulsion, graduation).")
    async def from_group(self, info: GraphQLInfo) -> Group | None:
        return await _group(info, self._from_group_id)

    @strawberry.field(description="The group he enters (enrolment, transfer, return).")
    async def to_group(self, info: GraphQLInfo) -> Group | None:
        return await _group(info, self._to_group_id)


@strawberry.type(
    description="A movement order (приказ о движении обучающихся): enrolment, transfer, "
    "academic leave, return, expulsion or graduation. Group membership is derived from these."
)
class MovementOrder(Node):
    kind: MovementKind = strawberry.field(description="What it orders.")
    number: str = strawberry.field(description="The order's number in the book of orders.")
    signed_on: dt.date = strawberry.field(description="The day it was signed.")
    effective_on: dt.date = strawberry.field(
        description="The day the movement takes effect: the first day in the new group, "
        "or the first day out of the old one."
    )
    note: str | None = strawberry.field(description="A note, if any.")
    _pk: strawberry.Private[int]

    @classmethod
    def of(cls, row: m.MovementOrder) -> MovementOrder:
        return cls(
            id=to_global_id("MovementOrder", row.id),
            kind=row.kind,
            number=row.number,
            signed_on=row.signed_on,
            effective_on=row.effective_on,
            note=row.note,
            _pk=row.id,
        )

    @strawberry.field(description="The students the order moves, in the order entered.")
    async def items(self, info: GraphQLInfo) -> list[MovementOrderItem]:
        rows = await mv.items_by_order(info.context).load(self._pk)
        return [
            MovementOrderItem(
                _student_id=r[0].student_id,
                _from_group_id=r[0].from_group_id,
                _to_group_id=r[0].to_group_id,
            )
            for r in rows
        ]


@strawberry.type(
    description="A stretch of a student's group history, from the order that put him in the "
    "group to the order that took him out (academic leave ends a stretch; a return opens one)."
)
class GroupMembership:
    from_: dt.date = strawberry.field(name="from", description="The first day in the group.")
    until: dt.date | None = strawberry.field(
        description="The first day no longer in the group (exclusive); null while he still is."
    )
    order_number: str | None = strawberry.field(
        description="Number of the order that put him in the group."
    )
    end_order_number: str | None = strawberry.field(
        description="Number of the order that took him out; null while he is in the group."
    )
    _group_id: strawberry.Private[int]
    _start_order_id: strawberry.Private[int | None]
    _end_order_id: strawberry.Private[int | None]

    @strawberry.field(
        description="Whether he is in the group today, in the institution's time zone (`from` "
        "inclusive, `until` exclusive)."
    )
    def is_current(self, info: GraphQLInfo) -> bool:
        return within_dates(info, self.from_, self.until, last_exclusive=True)

    @strawberry.field(description="The group; null when your role may not see it.")
    async def group(self, info: GraphQLInfo) -> Group | None:
        return await _group(info, self._group_id)

    @strawberry.field(description="The order that put him in; null when not yours to read.")
    async def start_order(self, info: GraphQLInfo) -> MovementOrder | None:
        return await _order(info, self._start_order_id)

    @strawberry.field(description="The order that took him out; null while open or not yours.")
    async def end_order(self, info: GraphQLInfo) -> MovementOrder | None:
        return await _order(info, self._end_order_id)


async def memberships_of(info: GraphQLInfo, student_pk: int) -> list[GroupMembership]:
    rows = await mv.memberships_by_student(info.context).load(student_pk)
    return [
        GroupMembership(
            from_=r[0].starts_on,
            until=r[0].ends_on,
            order_number=r[1],
            end_order_number=r[2],
            _group_id=r[0].group_id,
            _start_order_id=r[0].start_order_id,
            _end_order_id=r[0].end_order_id,
        )
        for r in rows
    ]


@strawberry.type(description="The movement book.")
class MovementQueries:
    @strawberry.field(
        permission_classes=signed_in,
        description="Movement orders the viewer may read, newest effective date first.",
    )
    async def movement_orders(
        self,
        info: GraphQLInfo,
        first: First = None,
        after: After = None,
        kind: Annotated[
            MovementKind | None,
            strawberry.argument(description="Only orders of this kind; omitted: all."),
        ] = None,
        from_: Annotated[
            dt.date | None,
            strawberry.argument(name="from", description="Effective on or after this day."),
        ] = None,
        to: Annotated[
            dt.date | None, strawberry.argument(description="Effective on or before this day.")
        ] = None,
    ) -> Connection[MovementOrder]:
        mo = m.MovementOrder
        stmt = select(mo).order_by(mo.effective_on.desc(), mo.id.desc())
        if kind is not None:
            stmt = stmt.where(mo.kind == kind)
        if from_ is not None:
            stmt = stmt.where(mo.effective_on >= from_)
        if to is not None:
            stmt = stmt.where(mo.effective_on <= to)
        page = await reads.page(info.context, "movement_order", stmt, first=first, after=after)
        return Connection.from_page(page, lambda r: MovementOrder.of(r[0]))


# -- inputs and payloads -------------------------------------------------------------------------


@strawberry.input(description="One student of a movement order.")
class MovementOrderItemInput:
    student: strawberry.ID = strawberry.field(description="The student moved (global id).")
    from_group: strawberry.ID | None = strawberry.field(
        default=None,
        description="Transfer, leave, expulsion, graduation: the group he is in on the "
        "effective date (checked); default: that group.",
    )
    to_group: strawberry.ID | None = strawberry.field(
        default=None,
        description="Enrolment and transfer: the group he enters. Return: default the group "
        "he left for the leave.",
    )


@strawberry.input(description="A movement order to enter in the movement book.")
class IssueMovementOrderInput:
    kind: MovementKind = strawberry.field(description="What it orders.")
    number: str = strawberry.field(description="The order's number.")
    signed_on: dt.date = strawberry.field(description="The day it was signed.")
    effective_on: dt.date = strawberry.field(
        description="Not before `signedOn`, within a year of it, after every closed year."
    )
    note: str | None = strawberry.field(default=None, description="A note, if any.")
    items: list[MovementOrderItemInput] = strawberry.field(
        description="One item per student moved."
    )
    client_mutation_id: str | None = None


@strawberry.type(description="The result of `issueMovementOrder`.")
class IssueMovementOrderPayload:
    order: MovementOrder | None = strawberry.field(
        default=None,
        description="As the change left it; null when it did not happen (see `errors`).",
    )
    errors: list[MutationError] = strawberry.field(default_factory=list)


@strawberry.input(description="Close an academic year and all its periods for edits.")
class CloseAcademicYearInput:
    year: strawberry.ID = strawberry.field(description="The academic year to close (global id).")
    client_mutation_id: str | None = None


@strawberry.type(description="The result of `closeAcademicYear`.")
class CloseAcademicYearPayload:
    academic_year: AcademicYear | None = strawberry.field(
        default=None,
        description="As the change left it; null when it did not happen (see `errors`).",
    )
    closed_at: dt.datetime | None = strawberry.field(
        default=None, description="When the year (and its open periods) were closed."
    )
    errors: list[MutationError] = strawberry.field(default_factory=list)


@strawberry.input(description="A period of a new academic year.")
class AcademicPeriodInput:
    kind: PeriodKind = strawberry.field(description="Quarter, half-year, semester or year.")
    number: int = strawberry.field(description="Its number within the year.")
    name: str = strawberry.field(description="«1 четверть», «1 семестр».")
    starts_on: dt.date = strawberry.field(description="The period's first day.")
    ends_on: dt.date = strawberry.field(description="The period's last day.")


@strawberry.input(description="A new academic year with its periods.")
class OpenAcademicYearInput:
    name: str = strawberry.field(description="«2027/2028».")
    starts_on: dt.date = strawberry.field(description="The year's first day.")
    ends_on: dt.date = strawberry.field(description="The year's last day.")
    periods: list[AcademicPeriodInput] = strawberry.field(
        description="Its periods, in order.", default_factory=list
    )
    promote: bool = strawberry.field(
        default=False,
        description="Promote the groups of the previous (closed) year into this one: needs "
        "`group` create and update and `movement_order` create as well.",
    )
    transfer_order_number: str | None = strawberry.field(
        default=None,
        description="Number of the promotion's transfer order (default «Перевод YEAR»).",
    )
    graduation_order_number: str | None = strawberry.field(
        default=None, description="Number of the graduation order (default «Выпуск YEAR»)."
    )
    client_mutation_id: str | None = None


@strawberry.input(description="Promote the groups of a closed year into an open later one.")
class PromoteGroupsInput:
    from_year: strawberry.ID = strawberry.field(
        description="The academic year the groups leave (global id)."
    )
    to_year: strawberry.ID = strawberry.field(
        description="The academic year they move into (global id)."
    )
    transfer_order_number: str | None = strawberry.field(
        default=None, description="The number of the order moving groups up, if any."
    )
    graduation_order_number: str | None = strawberry.field(
        default=None, description="The number of the graduation order, if any."
    )
    client_mutation_id: str | None = None


@strawberry.type(description="A group of the old year and what became of it.")
class PromotedGroup:
    group: Group = strawberry.field(description="The group of the old year.")
    successor: Group | None = strawberry.field(
        description="Its group one course (grade) up in the new year; null when it graduated."
    )
    students: int = strawberry.field(description="Students moved up or graduated.")
    graduated: bool = strawberry.field(description="True: the group graduated (no successor).")


@strawberry.type(description="What a promotion did: groups moved up or graduated, by two orders.")
class Promotion:
    groups: list[PromotedGroup] = strawberry.field(description="Each group of the old year.")
    _transfer_order_id: strawberry.Private[int | None]
    _graduation_order_id: strawberry.Private[int | None]

    @classmethod
    def of(cls, result: mv.Promotion) -> Promotion:
        return cls(
            groups=[
                PromotedGroup(
                    group=Group.of(p.group),
                    successor=Group.of(p.successor) if p.successor else None,
                    students=p.students,
                    graduated=p.successor is None,
                )
                for p in result.groups
            ],
            _transfer_order_id=result.transfer_order_id,
            _graduation_order_id=result.graduation_order_id,
        )

    @strawberry.field(
        description="The transfer order moving the students up (effective on the new year's start)."
    )
    async def transfer_order(self, info: GraphQLInfo) -> MovementOrder | None:
        return await _order(info, self._transfer_order_id)

    @strawberry.field(
        description="The graduation order (effective the day after the old year ends)."
    )
    async def graduation_order(self, info: GraphQLInfo) -> MovementOrder | None:
        return await _order(info, self._graduation_order_id)


@strawberry.type(description="The result of `openAcademicYear`.")
class OpenAcademicYearPayload:
    academic_year: AcademicYear | None = strawberry.field(
        default=None,
        description="As the change left it; null when it did not happen (see `errors`).",
    )
    promotion: Promotion | None = strawberry.field(
        default=None,
        description="As the change left it; null when it did not happen (see `errors`).",
    )
    errors: list[MutationError] = strawberry.field(default_factory=list)


@strawberry.type(description="The result of `promoteGroups`.")
class PromoteGroupsPayload:
    promotion: Promotion | None = strawberry.field(
        default=None,
        description="As the change left it; null when it did not happen (see `errors`).",
    )
    errors: list[MutationError] = strawberry.field(default_factory=list)


# -- targets -------------------------------------------------------------------------------------


def _pk(gid: str, type_name: str, field: str, problems: list[tuple[str, str]], lang: str) -> int:
    """The primary key of a global id of ``type_name``; a problem at ``field`` otherwise."""
    try:
        kind, pk = from_global_id(gid)
    except (ValueError, UnicodeDecodeError):
        problems.append((field, message("bad_id", lang, value=gid)))
        return 0
    if kind != type_name:
        problems.append((field, message("wrong_type", lang)))
    return pk


def _order_input(input: IssueMovementOrderInput, lang: str) -> mv.OrderInput:
    problems: list[tuple[str, str]] = []
    items = []
    for i, item in enumerate(input.items):
        at = f"input.items.{i}"
        student = _pk(item.student, "Student", f"{at}.student", problems, lang)
        source = target = None
        if item.from_group is not None:
            source = _pk(item.from_group, "Group", f"{at}.fromGroup", problems, lang)
        if item.to_group is not None:
            target = _pk(item.to_group, "Group", f"{at}.toGroup", problems, lang)
        items.append(mv.ItemInput(student, source, target))
    if problems:
        raise ValidationFailed(*problems)
    return mv.OrderInput(
        kind=input.kind,
        number=input.number,
        signed_on=input.signed_on,
        effective_on=input.effective_on,
        note=input.note,
        items=items,
    )


async def _close_targets(
    ctx: Context, input: CloseAcademicYearInput
) -> list[tuple[str, Target]] | None:
    """Closing a year closes its periods, so `period close` is always needed; where the
    ruleset speaks of closing years at all, `academic_year close` too."""
    problems: list[tuple[str, str]] = []
    pk = _pk(input.year, "AcademicYear", "input.year", problems, ctx.language)
    if problems:
        raise ValidationFailed(*problems)
    async with ctx.session() as session:
        year = await target_of(session, "academic_year", pk)
    if year is None:
        return None
    pairs = [("period", ctx.authorizer.retarget(year, "period"))]
    if mv.ruleset_speaks_of(ctx, "academic_year", "close"):
        pairs.insert(0, ("academic_year", year))
    return pairs


async def _open_targets(ctx: Context, input: OpenAcademicYearInput) -> list[tuple[str, Target]]:
    viewer = ctx.viewer
    assert viewer is not None
    objects = ["academic_year", *(["movement_order", "group"] if input.promote else [])]
    return [(o, ctx.authorizer.target(o, institution_id=viewer.institution_id)) for o in objects]


def _promote_also(input: Any) -> list[tuple[str, str]]:
    return [("group", "update")] if input.promote else []


def _promotion(spec_input: Any) -> mv.PromotionSpec:
    return mv.PromotionSpec(
        transfer_number=spec_input.transfer_order_number,
        graduation_number=spec_input.graduation_order_number,
    )


@strawberry.type(description="Movement orders and the academic year rollover.")
class MovementMutations:
    @strawberry.mutation(
        permission_classes=signed_in,
        description="Enter a movement order; the students' group membership and status follow "
        "from it in the same transaction (expulsion and graduation also disable their accounts).",
    )
    @guarded(
        "movement_order",
        "create",
        IssueMovementOrderPayload,
        institution_target("movement_order"),
    )
    async def issue_movement_order(
        self, info: GraphQLInfo, input: IssueMovementOrderInput
    ) -> IssueMovementOrderPayload:
        order = _order_input(input, info.context.language)
        try:
            pk = await mv.issue_order(info.context, order, input.client_mutation_id)
        except mv.Invalid as exc:
            raise ValidationFailed(*exc.problems) from None
        row = await info.context.loaders.entity_by_id("movement_order", m.MovementOrder).load(pk)
        return IssueMovementOrderPayload(order=MovementOrder.of(row[0]) if row else None)

    @strawberry.mutation(
        permission_classes=signed_in,
        description="Close an academic year and every period of it: nothing dated in it can "
        "change afterwards. Needs `period` close and, where the ruleset has `academic_year` "
        "close lines, `academic_year` close.",
    )
    @guarded("academic_year", "close", CloseAcademicYearPayload, _close_targets)
    async def close_academic_year(
        self, info: GraphQLInfo, input: CloseAcademicYearInput
    ) -> CloseAcademicYearPayload:
        _, pk = from_global_id(input.year)
        try:
            year = await mv.close_year(info.context, pk, input.client_mutation_id)
        except mv.Invalid as exc:
            raise ValidationFailed(*exc.problems) from None
        return CloseAcademicYearPayload(
            academic_year=AcademicYear.of(year), closed_at=year.closed_at
        )

    @strawberry.mutation(
        permission_classes=signed_in,
        description="Open an academic year with its periods (`academic_year` create); with "
        "`promote`, also move the previous closed year's groups up a course by orders.",
    )
    @guarded(
        "academic_year",
        "create",
        OpenAcademicYearPayload,
        _open_targets,
        also=_promote_also,
    )
    async def open_academic_year(
        self, info: GraphQLInfo, input: OpenAcademicYearInput
    ) -> OpenAcademicYearPayload:
        spec = mv.YearSpec(
            name=input.name,
            starts_on=input.starts_on,
            ends_on=input.ends_on,
            periods=[
                mv.PeriodSpec(p.kind, p.number, p.name, p.starts_on, p.ends_on)
                for p in input.periods
            ],
        )
        try:
            year, result = await mv.open_year(
                info.context,
                spec,
                _promotion(input) if input.promote else None,
                input.client_mutation_id,
            )
        except mv.Invalid as exc:
            raise ValidationFailed(*exc.problems) from None
        return OpenAcademicYearPayload(
            academic_year=AcademicYear.of(year),
            promotion=Promotion.of(result) if result else None,
        )

    @strawberry.mutation(
        permission_classes=signed_in,
        description="Move the groups of a closed year up a course into a later open year "
        "(new group rows, a transfer order; last-course groups graduate by a graduation "
        "order). Needs `group` update and create and `movement_order` create.",
    )
    @guarded(
        "group",
        "update",
        PromoteGroupsPayload,
        institution_target("group"),
        also=lambda _input: [("group", "create"), ("movement_order", "create")],
    )
    async def promote_groups(
        self, info: GraphQLInfo, input: PromoteGroupsInput
    ) -> PromoteGroupsPayload:
        problems: list[tuple[str, str]] = []
        lang = info.context.language
        old = _pk(input.from_year, "AcademicYear", "input.fromYear", problems, lang)
        new = _pk(input.to_year, "AcademicYear", "input.toYear", problems, lang)
        if problems:
            raise ValidationFailed(*problems)
        try:
            result = await mv.promote_years(
                info.context, old, new, _promotion(input), input.client_mutation_id
            )
        except mv.Invalid as exc:
            raise ValidationFailed(*exc.problems) from None
        return PromoteGroupsPayload(promotion=Promotion.of(result))
