"""The electronic journal's mutations: lessons, works, marks, attendance, absence reasons,
final marks, closing periods, substitutions.

Each mutation takes one ``input`` and answers a payload with the object and ``errors``.
Its permission is declared with :func:`~campusgraph.schema.mutations.guarded` — the
policy object and action, and a target function deriving the row's anchors (group,
discipline, student, lesson, date, author) from the input for a new row, or from the
stored row (:func:`~campusgraph.policies.targets.target_of`) for an existing one.

Conventions of the whole family:

- ``expectedVersion`` is the version of the cell the client saw, null when it saw none.
  A different stored version, or a cell that appeared or vanished meanwhile, answers
  CONFLICT and writes nothing. For ``setMark``, ``setAttendance`` and ``setFinalMark`` it
  also decides the action the ruleset is asked about: null → ``create``, else
  ``update`` (and ``setAttendance`` with ``status: null`` → ``delete``).
- ``clientMutationId``: an idempotency key, as for every mutation that takes one
  (:mod:`campusgraph.schema.idempotency`): a retry with the same input answers the first
  result and writes nothing again; the key reused with other input is refused.
- A write into a closed period is FORBIDDEN: by the ruleset (condition ``period_open``)
  or, whatever slipped past, by the database's triggers.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import strawberry

from campusgraph.context import Context
from campusgraph.db import models as m
from campusgraph.db.enums import (
    AbsenceReason,
    AttendanceStatus,
    FinalMarkKind,
    LessonType,
    WorkKind,
)
from campusgraph.i18n import message
from campusgraph.ids import from_global_id
from campusgraph.policies.engine import Reason, Refusal
from campusgraph.policies.facts import Target
from campusgraph.policies.vocabulary import Condition
from campusgraph.resolvers import journal_writes as jw
from campusgraph.schema.base import GraphQLInfo, Node, signed_in, to_global_id
from campusgraph.schema.errors import (
    ErrorCode,
    ErrorReason,
    MutationError,
    period_closed_reason,
    refusal_details,
)
from campusgraph.schema.mutations import CHECKED_DATES, Conflict, ValidationFailed, guarded
from campusgraph.schema.structure import Period
from campusgraph.schema.teaching import Attendance, FinalMark, Lesson, Mark, Work

if TYPE_CHECKING:
    from campusgraph.schema.people import Employee

PeopleModule = "campusgraph.schema.people"
P = TypeVar("P")


# =====================================================================================
# Ids and domain errors
# =====================================================================================


def pk(gid: str, type_name: str, where: str, language: str) -> int:
    """A global id of ``type_name`` as a primary key, else VALIDATION on ``where``."""
    try:
        kind, value = from_global_id(gid)
    except (ValueError, UnicodeDecodeError):
        raise ValidationFailed((where, message("bad_id", language, value=gid))) from None
    if kind != type_name:
        raise ValidationFailed((where, message("wrong_type", language)))
    return value


def opt_pk(gid: str | None, type_name: str, where: str, language: str) -> int | None:
    return None if gid is None else pk(gid, type_name, where, language)


def given(value: Any) -> bool:
    return value is not strawberry.UNSET


@contextmanager
def domain() -> Iterator[None]:
    """The write side's errors as the payload's: VALIDATION and CONFLICT."""
    try:
        yield
    except jw.Invalid as exc:
        raise ValidationFailed(*exc.problems) from None
    except jw.VersionConflict as exc:
        raise Conflict(exc.text, exc.field) from None


async def period_closed_error(ctx: Context) -> MutationError:
    """The database's closed-period guard refused the write (a ruleset without
    ``period_open`` on that line): FORBIDDEN with the same named reason as the policy's
    own refusal — the period, the day it was closed and who closed it."""
    lang = ctx.language
    period = None
    for on in ctx.extras.get(CHECKED_DATES, []):
        if on is not None:
            period = await ctx.facts.closed_period_on(
                on, ctx.viewer.institution_id if ctx.viewer else None
            )
            if period is not None:
                break
    clause = message("journal_period_closed_clause", lang)
    return MutationError(
        code=ErrorCode.FORBIDDEN,
        message=message(
            "forbidden",
            lang,
            ruleset=ctx.ruleset_slug,
            reason=period_closed_reason(period, lang),
            clause=clause,
        ),
        ruleset=ctx.ruleset_slug,
        rule=message("journal_period_closed_rule", lang),
        clause=clause,
        reason=ErrorReason.PERIOD_CLOSED,
        details=refusal_details(
            Refusal(Reason.PERIOD_CLOSED, condition=Condition.PERIOD_OPEN, period=period)
        ),
    )


def journal_mutation(
    payload: Callable[..., P],
) -> Callable[[Callable[..., Awaitable[P]]], Callable[..., Awaitable[P]]]:
    """Outermost wrapper of a journal mutation: a refusal by the closed-period triggers
    becomes FORBIDDEN. (Retries with a client mutation id are answered before this, by
    the idempotency key.)"""

    def wrap(resolver: Callable[..., Awaitable[P]]) -> Callable[..., Awaitable[P]]:
        @functools.wraps(resolver)
        async def run(self: Any, info: GraphQLInfo, input: Any) -> P:
            try:
                return await resolver(self, info, input)
            except jw.PeriodClosed:
                return payload(
                    client_mutation_id=input.client_mutation_id,
                    errors=[await period_closed_error(info.context)],
                )

        return run

    return wrap


async def _row(info: GraphQLInfo, obj: str, model: Any, pk_: int | None) -> Any:
    """A row through the viewer's read filter (None when gone or not his to see)."""
    if pk_ is None:
        return None
    found = await info.context.loaders.entity_by_id(obj, model).load(pk_)
    return found[0] if found else None


def _viewer_target(ctx: Context, obj: str, **anchors: Any) -> Target:
    assert ctx.viewer is not None
    return ctx.authorizer.target(obj, institution_id=ctx.viewer.institution_id, **anchors)


def _domain_target(
    fn: Callable[[Context, Any], Awaitable[Any]],
) -> Callable[[Context, Any], Awaitable[Any]]:
    """A target function whose lookups may find the input invalid."""

    async def target(ctx: Context, input: Any) -> Any:
        try:
            return await fn(ctx, input)
        except jw.Invalid as exc:
            raise ValidationFailed(*exc.problems) from None

    return target


# =====================================================================================
# Lessons
# =====================================================================================


@strawberry.input(description="Homework for one student of the lesson.")
class IndividualHomeworkInput:
    student: strawberry.ID = strawberry.field(description="The student (global id).")
    text: str = strawberry.field(description="His homework.")


@strawberry.input(
    description="A new lesson. The teacher is you unless you name another (then you need "
    "the right to assign teachers: `teaching_assignment` create)."
)
class CreateLessonInput:
    group: strawberry.ID = strawberry.field(description="Its group (global id).")
    discipline: strawberry.ID = strawberry.field(description="Its discipline (global id).")
    date: dt.date = strawberry.field(description="Its date.")
    slot: int = strawberry.field(description="Bell number, from 1.")
    subgroup: strawberry.ID | None = strawberry.field(
        default=None, description="The subgroup taught, where the group is split (global id)."
    )
    room: strawberry.ID | None = strawberry.field(
        default=None, description="The room, if set (global id)."
    )
    topic: str | None = strawberry.field(default=None, description="Its topic, once written.")
    plan_topic: strawberry.ID | None = strawberry.field(
        default=None,
        description="A topic of the thematic plan (`ThematicPlanTopic`); its title becomes "
        "the topic unless `topic` is given.",
    )
    lesson_type: LessonType | None = strawberry.field(
        default=None, description="The kind of lesson."
    )
    homework: str | None = strawberry.field(default=None, description="The homework set, if any.")
    individual_homework: list[IndividualHomeworkInput] | None = strawberry.field(
        default=None, description="Homework for particular students, beside the group's."
    )
    teacher: strawberry.ID | None = strawberry.field(
        default=None, description="An `Employee`; default: you."
    )
    client_mutation_id: str | None = None


@strawberry.input(
    description="Change a lesson: only the fields given; an explicit null clears a nullable "
    "one. Moving it to another date moves its works, marks and attendance along."
)
class UpdateLessonInput:
    id: strawberry.ID = strawberry.field(description="The one to change (global id).")
    expected_version: int | None = strawberry.field(
        default=None, description="The lesson's version you saw; a different one: CONFLICT."
    )
    date: dt.date | None = strawberry.field(
        default=strawberry.UNSET, description="Its date; omitted: unchanged."
    )
    slot: int | None = strawberry.field(
        default=strawberry.UNSET,
        description="Its bell slot (lesson number in the day); omitted: unchanged.",
    )
    subgroup: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="The subgroup taught (global id); omitted: unchanged."
    )
    room: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="The room (global id); omitted: unchanged."
    )
    topic: str | None = strawberry.field(
        default=strawberry.UNSET, description="Its topic, once written; omitted: unchanged."
    )
    plan_topic: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="A topic of the thematic plan taken as the lesson's topic (global id); omitted: unchanged.",
    )
    lesson_type: LessonType | None = strawberry.field(
        default=strawberry.UNSET, description="The kind of lesson; omitted: unchanged."
    )
    homework: str | None = strawberry.field(
        default=strawberry.UNSET, description="The homework set, if any; omitted: unchanged."
    )
    individual_homework: list[IndividualHomeworkInput] | None = strawberry.field(
        default=strawberry.UNSET, description="Replaces all individual homework of the lesson."
    )
    teacher: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="Who teaches it (global id); omitted: unchanged."
    )
    client_mutation_id: str | None = None


@strawberry.input(description="Delete a lesson that has no marks and no absences.")
class DeleteLessonInput:
    id: strawberry.ID = strawberry.field(description="The one to delete (global id).")
    expected_version: int | None = strawberry.field(
        default=None,
        description="The `version` you read: refused with CONFLICT if the row changed since; omitted: not checked.",
    )
    client_mutation_id: str | None = None


@strawberry.type(description="The result of creating or changing a lesson.")
class LessonPayload:
    lesson: Lesson | None = strawberry.field(
        default=None,
        description="As the change left it; null when it did not happen (see `errors`).",
    )
    client_mutation_id: str | None = None
    errors: list[MutationError] = strawberry.field(default_factory=list)


@strawberry.type(description="The result of a journal delete: the id deleted, or why not.")
class JournalDeletePayload:
    deleted_id: strawberry.ID | None = strawberry.field(
        default=None, description="The global id of what was deleted; null when nothing was."
    )
    client_mutation_id: str | None = None
    errors: list[MutationError] = strawberry.field(default_factory=list)


def _homework(
    items: list[IndividualHomeworkInput] | None, language: str
) -> list[tuple[int, str]] | None:
    if items is None:
        return None
    return [
        (pk(i.student, "Student", f"input.individualHomework.{n}.student", language), i.text)
        for n, i in enumerate(items)
    ]


def _create_lesson_values(ctx: Context, input: CreateLessonInput) -> jw.LessonValues:
    lang = ctx.language
    assert ctx.viewer is not None
    teacher = opt_pk(input.teacher, "Employee", "input.teacher", lang)
    return jw.LessonValues(
        group_id=pk(input.group, "Group", "input.group", lang),
        subgroup_id=opt_pk(input.subgroup, "Subgroup", "input.subgroup", lang),
        discipline_id=pk(input.discipline, "Discipline", "input.discipline", lang),
        teacher_id=teacher if teacher is not None else ctx.viewer.employee_id,
        date=input.date,
        slot=input.slot,
        room_id=opt_pk(input.room, "Room", "input.room", lang),
        topic=input.topic,
        plan_topic_id=opt_pk(input.plan_topic, "ThematicPlanTopic", "input.planTopic", lang),
        lesson_type=input.lesson_type,
        homework=input.homework,
        individual_homework=_homework(input.individual_homework, lang) or [],
    )


def _other_teacher(ctx: Context, teacher_id: int | None) -> bool:
    assert ctx.viewer is not None
    return teacher_id is not None and teacher_id != ctx.viewer.employee_id


async def _create_lesson_target(ctx: Context, input: CreateLessonInput) -> list[tuple[str, Target]]:
    v = _create_lesson_values(ctx, input)
    anchors = {"group_id": v.group_id, "discipline_id": v.discipline_id}
    targets = [("lesson", _viewer_target(ctx, "lesson", date=v.date, **anchors))]
    if _other_teacher(ctx, v.teacher_id):
        targets.append(
            ("teaching_assignment", _viewer_target(ctx, "teaching_assignment", **anchors))
        )
    return targets


def _lesson_changes(ctx: Context, input: UpdateLessonInput) -> dict[str, Any]:
    lang = ctx.language
    changes: dict[str, Any] = {}
    for key in ("date", "slot", "lesson_type"):
        value = getattr(input, key)
        if given(value) and value is not None:
            changes[key] = value
    for key in ("topic", "homework"):
        value = getattr(input, key)
        if given(value):
            changes[key] = value
    refs = (
        ("subgroup", "subgroup_id", "Subgroup", "input.subgroup"),
        ("room", "room_id", "Room", "input.room"),
        ("plan_topic", "plan_topic_id", "ThematicPlanTopic", "input.planTopic"),
        ("teacher", "teacher_id", "Employee", "input.teacher"),
    )
    for attr, key, type_name, where in refs:
        value = getattr(input, attr)
        if given(value):
            changes[key] = opt_pk(value, type_name, where, lang)
    if given(input.individual_homework):
        changes["individual_homework"] = _homework(input.individual_homework, lang) or []
    if changes.get("teacher_id", 0) is None:
        del changes["teacher_id"]  # a lesson always has a teacher
    return changes


async def _update_lesson_target(
    ctx: Context, input: UpdateLessonInput
) -> list[tuple[str, Target]] | None:
    """The lesson as it is and, when it moves to another date, as it will be: both must be
    the viewer's to change; naming another teacher needs the right to assign teachers."""
    lesson_id = pk(input.id, "Lesson", "input.id", ctx.language)
    now = await jw.existing_target(ctx, "lesson", lesson_id)
    if now is None:
        return None
    changes = _lesson_changes(ctx, input)
    targets = [("lesson", now)]
    if "date" in changes and changes["date"] != now.date:
        targets.append(("lesson", dataclasses.replace(now, date=changes["date"])))
    if _other_teacher(ctx, changes.get("teacher_id")):
        targets.append(("teaching_assignment", ctx.authorizer.retarget(now, "teaching_assignment")))
    return targets


def _existing(obj: str, type_name: str) -> Callable[[Context, Any], Awaitable[Target | None]]:
    async def target(ctx: Context, input: Any) -> Target | None:
        return await jw.existing_target(ctx, obj, pk(input.id, type_name, "input.id", ctx.language))

    return target


# =====================================================================================
# Works
# =====================================================================================


@strawberry.input(description="A graded work in a lesson: one journal column.")
class AddWorkInput:
    lesson: strawberry.ID = strawberry.field(description="The lesson it is given at (global id).")
    kind: WorkKind = strawberry.field(description="The kind of work.")
    number: int | None = strawberry.field(
        default=None, description="Number of the work (контрольная работа № 3)."
    )
    title: str | None = strawberry.field(default=None, description="Its title, if any.")
    client_mutation_id: str | None = None


@strawberry.input(description="Remove a work that has no marks.")
class RemoveWorkInput:
    id: strawberry.ID = strawberry.field(description="The work to remove (global id).")
    client_mutation_id: str | None = None


@strawberry.type(description="The result of adding a work.")
class WorkPayload:
    work: Work | None = strawberry.field(
        default=None,
        description="As the change left it; null when it did not happen (see `errors`).",
    )
    client_mutation_id: str | None = None
    errors: list[MutationError] = strawberry.field(default_factory=list)


async def _add_work_target(ctx: Context, input: AddWorkInput) -> Target | None:
    lesson = pk(input.lesson, "Lesson", "input.lesson", ctx.language)
    return await jw.lesson_anchor_target(ctx, "work", lesson)


# =====================================================================================
# Marks
# =====================================================================================


@strawberry.input(
    description="Give or change a student's mark for a work. `value`: «2»…«5», or «pass» / "
    "«fail» where the discipline is assessed by a credit (зачёт)."
)
class SetMarkInput:
    work: strawberry.ID = strawberry.field(description="The work marked (global id).")
    student: strawberry.ID = strawberry.field(description="The student (global id).")
    value: str = strawberry.field(
        description="«2»..«5», or pass / fail where the work is a credit."
    )
    comment: str | None = strawberry.field(default=None, description="A comment, if any.")
    expected_version: int | None = strawberry.field(
        default=None,
        description="The mark's version you saw; null when you saw no mark (then a mark "
        "someone gave meanwhile answers CONFLICT).",
    )
    client_mutation_id: str | None = None


@strawberry.input(description="Delete a mark.")
class DeleteMarkInput:
    id: strawberry.ID = strawberry.field(description="The one to delete (global id).")
    expected_version: int | None = strawberry.field(
        default=None,
        description="The `version` you read: refused with CONFLICT if the row changed since; omitted: not checked.",
    )
    client_mutation_id: str | None = None


@strawberry.type(description="The result of giving or changing a mark.")
class MarkPayload:
    mark: Mark | None = strawberry.field(
        default=None,
        description="As the change left it; null when it did not happen (see `errors`).",
    )
    client_mutation_id: str | None = None
    errors: list[MutationError] = strawberry.field(default_factory=list)


def _create_or_update(input: Any) -> str:
    return "create" if input.expected_version is None else "update"


async def _mark_target(ctx: Context, input: SetMarkInput) -> Target | None:
    lang = ctx.language
    work = pk(input.work, "Work", "input.work", lang)
    student = pk(input.student, "Student", "input.student", lang)
    return await jw.lesson_cell_target(ctx, "mark", 0, student, work_id=work)


# =====================================================================================
# Attendance and absence reasons
# =====================================================================================


@strawberry.input(
    description="Mark a student absent or late at a lesson; `status: null` marks him present "
    "(the default) again."
)
class SetAttendanceInput:
    lesson: strawberry.ID = strawberry.field(description="The lesson (global id).")
    student: strawberry.ID = strawberry.field(description="The student (global id).")
    status: AttendanceStatus | None = strawberry.field(
        description="Absent or late; null: present (clears the entry)."
    )
    expected_version: int | None = strawberry.field(
        default=None, description="The entry's version you saw; null when you saw none."
    )
    client_mutation_id: str | None = None


@strawberry.input(description="Why a student was absent; null: the reason is not known.")
class SetAbsenceReasonInput:
    lesson: strawberry.ID = strawberry.field(description="The lesson (global id).")
    student: strawberry.ID = strawberry.field(description="The student (global id).")
    reason: AbsenceReason | None = strawberry.field(description="The reason; null clears it.")
    expected_version: int | None = strawberry.field(
        default=None,
        description="The `version` you read: refused with CONFLICT if the row changed since; omitted: not checked.",
    )
    client_mutation_id: str | None = None


@strawberry.type(description="The result of an attendance change (null attendance: present).")
class AttendancePayload:
    attendance: Attendance | None = strawberry.field(
        default=None,
        description="As the change left it; null when it did not happen (see `errors`).",
    )
    client_mutation_id: str | None = None
    errors: list[MutationError] = strawberry.field(default_factory=list)


def _attendance_action(input: SetAttendanceInput) -> str:
    if input.status is None:
        return "delete"
    return _create_or_update(input)


def _attendance_target(obj: str) -> Callable[[Context, Any], Awaitable[Target | None]]:
    async def target(ctx: Context, input: Any) -> Target | None:
        lang = ctx.language
        lesson = pk(input.lesson, "Lesson", "input.lesson", lang)
        student = pk(input.student, "Student", "input.student", lang)
        return await jw.lesson_cell_target(ctx, obj, lesson, student)

    return target


# =====================================================================================
# Final marks
# =====================================================================================


@strawberry.input(
    description="Give or change a final mark: period (quarter, half-year), semester, year, "
    "exam, attestation or final. The discipline must be in the group's curriculum for the "
    "period."
)
class SetFinalMarkInput:
    student: strawberry.ID = strawberry.field(description="The student (global id).")
    discipline: strawberry.ID = strawberry.field(description="The discipline (global id).")
    period: strawberry.ID = strawberry.field(description="The period (global id).")
    kind: FinalMarkKind = strawberry.field(description="Which final mark.")
    value: str = strawberry.field(description="The mark: «2»..«5», or pass / fail for a credit.")
    expected_version: int | None = strawberry.field(
        default=None, description="The final mark's version you saw; null when you saw none."
    )
    client_mutation_id: str | None = None


@strawberry.input(description="Delete a final mark given in error.")
class DeleteFinalMarkInput:
    id: strawberry.ID = strawberry.field(description="The one to delete (global id).")
    expected_version: int | None = strawberry.field(
        default=None,
        description="The `version` you read: refused with CONFLICT if the row changed since; omitted: not checked.",
    )
    client_mutation_id: str | None = None


@strawberry.input(
    description="Agree a final mark given other than the ruleset's final-mark rule suggests "
    "(it waits: `needsApproval`). Armavir разд. 6: agreed by the deputy director for studies."
)
class ApproveFinalMarkInput:
    id: strawberry.ID = strawberry.field(description="The `FinalMark`.")
    expected_version: int | None = strawberry.field(
        default=None, description="The final mark's version you saw: agree only that value."
    )
    client_mutation_id: str | None = None


@strawberry.type(description="The result of giving or changing a final mark.")
class FinalMarkPayload:
    final_mark: FinalMark | None = strawberry.field(
        default=None,
        description="As the change left it; null when it did not happen (see `errors`).",
    )
    client_mutation_id: str | None = None
    errors: list[MutationError] = strawberry.field(default_factory=list)


async def _final_mark_target(ctx: Context, input: SetFinalMarkInput) -> Target | None:
    lang = ctx.language
    return await jw.final_mark_target(
        ctx,
        pk(input.student, "Student", "input.student", lang),
        pk(input.discipline, "Discipline", "input.discipline", lang),
        pk(input.period, "Period", "input.period", lang),
        input.kind,
    )


# =====================================================================================
# Periods
# =====================================================================================


@strawberry.input(description="Close a period: nobody changes its journal entries any more.")
class ClosePeriodInput:
    period: strawberry.ID = strawberry.field(description="The period to close (global id).")
    client_mutation_id: str | None = None


@strawberry.input(description="Reopen a closed period for changes.")
class ReopenPeriodInput:
    period: strawberry.ID = strawberry.field(description="The period to reopen (global id).")
    client_mutation_id: str | None = None


@strawberry.type(description="The result of closing or reopening a period.")
class ClosePeriodPayload:
    period: Period | None = strawberry.field(
        default=None,
        description="As the change left it; null when it did not happen (see `errors`).",
    )
    client_mutation_id: str | None = None
    errors: list[MutationError] = strawberry.field(default_factory=list)


async def _period_target(ctx: Context, input: Any) -> Target | None:
    return await jw.existing_target(
        ctx, "period", pk(input.period, "Period", "input.period", ctx.language)
    )


# =====================================================================================
# Substitutions
# =====================================================================================


@strawberry.type(description="A teacher let fill the journal of one lesson he covers.")
class Substitution(Node):
    id: strawberry.ID = strawberry.field(description="The substitution's global id.")
    granted_at: dt.datetime = strawberry.field(description="When it was granted.")
    _lesson_id: strawberry.Private[int]
    _teacher_id: strawberry.Private[int]

    @classmethod
    def of(cls, r: m.Substitution) -> Substitution:
        return cls(
            id=to_global_id("Substitution", r.id),
            granted_at=r.granted_at,
            _lesson_id=r.lesson_id,
            _teacher_id=r.teacher_id,
        )

    @strawberry.field(description="The lesson covered.")
    async def lesson(self, info: GraphQLInfo) -> Lesson | None:
        row = await _row(info, "lesson", m.Lesson, self._lesson_id)
        return Lesson.of(row) if row else None

    @strawberry.field(description="The substitute teacher.")
    async def teacher(
        self, info: GraphQLInfo
    ) -> Annotated[Employee, strawberry.lazy(PeopleModule)] | None:
        from campusgraph.schema.people import Employee

        row = await info.context.loaders.employee_by_id.load(self._teacher_id)
        return Employee.of(row[0], row[1]) if row else None


@strawberry.input(description="Let a teacher fill the journal of a lesson he covers.")
class GrantSubstitutionInput:
    lesson: strawberry.ID = strawberry.field(description="The lesson covered (global id).")
    teacher: strawberry.ID = strawberry.field(description="The substitute (`Employee`).")
    client_mutation_id: str | None = None


@strawberry.type(description="The result of granting a substitution.")
class SubstitutionPayload:
    substitution: Substitution | None = strawberry.field(
        default=None,
        description="As the change left it; null when it did not happen (see `errors`).",
    )
    client_mutation_id: str | None = None
    errors: list[MutationError] = strawberry.field(default_factory=list)


async def _substitution_target(ctx: Context, input: GrantSubstitutionInput) -> Target | None:
    lesson = pk(input.lesson, "Lesson", "input.lesson", ctx.language)
    return await jw.lesson_anchor_target(ctx, "substitution", lesson)


# =====================================================================================
# The mutations
# =====================================================================================


@strawberry.type(description="The electronic journal: lessons, works, marks, attendance, finals.")
class JournalMutations:
    # -- lessons -----------------------------------------------------------------------
    @strawberry.mutation(
        permission_classes=signed_in,
        description="Create a lesson (`lesson` create): on a study day of the group's "
        "academic year, in an open period; the ruleset's lesson-topic rule applies.",
    )
    @journal_mutation(LessonPayload)
    @guarded("lesson", "create", LessonPayload, _create_lesson_target)
    async def create_lesson(self, info: GraphQLInfo, input: CreateLessonInput) -> LessonPayload:
        ctx = info.context
        with domain():
            row = await jw.create_lesson(
                ctx, _create_lesson_values(ctx, input), input.client_mutation_id
            )
        return LessonPayload(lesson=Lesson.of(row), client_mutation_id=input.client_mutation_id)

    @strawberry.mutation(
        permission_classes=signed_in,
        description="Change a lesson (`lesson` update, on its old and its new date).",
    )
    @journal_mutation(LessonPayload)
    @guarded("lesson", "update", LessonPayload, _update_lesson_target)
    async def update_lesson(self, info: GraphQLInfo, input: UpdateLessonInput) -> LessonPayload:
        ctx = info.context
        lesson_id = pk(input.id, "Lesson", "input.id", ctx.language)
        with domain():
            row = await jw.update_lesson(
                ctx,
                lesson_id,
                _lesson_changes(ctx, input),
                input.expected_version,
                input.client_mutation_id,
            )
        return LessonPayload(lesson=Lesson.of(row), client_mutation_id=input.client_mutation_id)

    @strawberry.mutation(
        permission_classes=signed_in,
        description="Delete a lesson with no marks and no absences (`lesson` delete); its "
        "works go with it.",
    )
    @journal_mutation(JournalDeletePayload)
    @guarded("lesson", "delete", JournalDeletePayload, _existing("lesson", "Lesson"))
    async def delete_lesson(
        self, info: GraphQLInfo, input: DeleteLessonInput
    ) -> JournalDeletePayload:
        ctx = info.context
        lesson_id = pk(input.id, "Lesson", "input.id", ctx.language)
        with domain():
            await jw.delete_lesson(ctx, lesson_id, input.expected_version, input.client_mutation_id)
        return JournalDeletePayload(
            deleted_id=input.id, client_mutation_id=input.client_mutation_id
        )

    # -- works -------------------------------------------------------------------------
    @strawberry.mutation(
        permission_classes=signed_in,
        description="Add a graded work to a lesson (`work` create).",
    )
    @journal_mutation(WorkPayload)
    @guarded("work", "create", WorkPayload, _add_work_target)
    async def add_work(self, info: GraphQLInfo, input: AddWorkInput) -> WorkPayload:
        ctx = info.context
        lesson_id = pk(input.lesson, "Lesson", "input.lesson", ctx.language)
        with domain():
            row = await jw.add_work(
                ctx, lesson_id, input.kind, input.number, input.title, input.client_mutation_id
            )
        return WorkPayload(work=Work.of(row), client_mutation_id=input.client_mutation_id)

    @strawberry.mutation(
        permission_classes=signed_in,
        description="Remove a work that has no marks (`work` delete).",
    )
    @journal_mutation(JournalDeletePayload)
    @guarded("work", "delete", JournalDeletePayload, _existing("work", "Work"))
    async def remove_work(self, info: GraphQLInfo, input: RemoveWorkInput) -> JournalDeletePayload:
        ctx = info.context
        work_id = pk(input.id, "Work", "input.id", ctx.language)
        with domain():
            await jw.remove_work(ctx, work_id, input.client_mutation_id)
        return JournalDeletePayload(
            deleted_id=input.id, client_mutation_id=input.client_mutation_id
        )

    # -- marks -------------------------------------------------------------------------
    @strawberry.mutation(
        permission_classes=signed_in,
        description="Give a mark (`mark` create, when `expectedVersion` is null) or change "
        "one (`mark` update).",
    )
    @journal_mutation(MarkPayload)
    @guarded("mark", _create_or_update, MarkPayload, _mark_target)
    async def set_mark(self, info: GraphQLInfo, input: SetMarkInput) -> MarkPayload:
        ctx = info.context
        lang = ctx.language
        with domain():
            row = await jw.set_mark(
                ctx,
                work_id=pk(input.work, "Work", "input.work", lang),
                student_id=pk(input.student, "Student", "input.student", lang),
                value=input.value,
                comment=input.comment,
                expected_version=input.expected_version,
                client_mutation_id=input.client_mutation_id,
            )
        return MarkPayload(mark=Mark.of(row), client_mutation_id=input.client_mutation_id)

    @strawberry.mutation(permission_classes=signed_in, description="Delete a mark (`mark` delete).")
    @journal_mutation(JournalDeletePayload)
    @guarded("mark", "delete", JournalDeletePayload, _existing("mark", "Mark"))
    async def delete_mark(self, info: GraphQLInfo, input: DeleteMarkInput) -> JournalDeletePayload:
        ctx = info.context
        mark_id = pk(input.id, "Mark", "input.id", ctx.language)
        with domain():
            await jw.delete_mark(ctx, mark_id, input.expected_version, input.client_mutation_id)
        return JournalDeletePayload(
            deleted_id=input.id, client_mutation_id=input.client_mutation_id
        )

    # -- attendance --------------------------------------------------------------------
    @strawberry.mutation(
        permission_classes=signed_in,
        description="Mark a student absent or late (`attendance` create / update), or "
        "present again with `status: null` (`attendance` delete).",
    )
    @journal_mutation(AttendancePayload)
    @guarded("attendance", _attendance_action, AttendancePayload, _attendance_target("attendance"))
    async def set_attendance(
        self, info: GraphQLInfo, input: SetAttendanceInput
    ) -> AttendancePayload:
        ctx = info.context
        lang = ctx.language
        with domain():
            row = await jw.set_attendance(
                ctx,
                lesson_id=pk(input.lesson, "Lesson", "input.lesson", lang),
                student_id=pk(input.student, "Student", "input.student", lang),
                status=input.status,
                expected_version=input.expected_version,
                client_mutation_id=input.client_mutation_id,
            )
        return AttendancePayload(
            attendance=Attendance.of(row) if row else None,
            client_mutation_id=input.client_mutation_id,
        )

    @strawberry.mutation(
        permission_classes=signed_in,
        description="Say why a student was absent (`attendance.reason` update).",
    )
    @journal_mutation(AttendancePayload)
    @guarded(
        "attendance.reason",
        "update",
        AttendancePayload,
        _attendance_target("attendance.reason"),
    )
    async def set_absence_reason(
        self, info: GraphQLInfo, input: SetAbsenceReasonInput
    ) -> AttendancePayload:
        ctx = info.context
        lang = ctx.language
        with domain():
            row = await jw.set_absence_reason(
                ctx,
                lesson_id=pk(input.lesson, "Lesson", "input.lesson", lang),
                student_id=pk(input.student, "Student", "input.student", lang),
                reason=input.reason,
                expected_version=input.expected_version,
                client_mutation_id=input.client_mutation_id,
            )
        return AttendancePayload(
            attendance=Attendance.of(row), client_mutation_id=input.client_mutation_id
        )

    # -- final marks -------------------------------------------------------------------
    @strawberry.mutation(
        permission_classes=signed_in,
        description="Give a final mark (`final_mark` create, when `expectedVersion` is null) "
        "or change one (`final_mark` update). Where the ruleset has a final-mark rule, a "
        "mark other than it suggests (as its `approval_when` says) is saved with "
        "`needsApproval` until `approveFinalMark`.",
    )
    @journal_mutation(FinalMarkPayload)
    @guarded("final_mark", _create_or_update, FinalMarkPayload, _domain_target(_final_mark_target))
    async def set_final_mark(self, info: GraphQLInfo, input: SetFinalMarkInput) -> FinalMarkPayload:
        ctx = info.context
        lang = ctx.language
        with domain():
            row = await jw.set_final_mark(
                ctx,
                student_id=pk(input.student, "Student", "input.student", lang),
                discipline_id=pk(input.discipline, "Discipline", "input.discipline", lang),
                period_id=pk(input.period, "Period", "input.period", lang),
                kind=input.kind,
                value=input.value,
                expected_version=input.expected_version,
                client_mutation_id=input.client_mutation_id,
            )
        return FinalMarkPayload(
            final_mark=FinalMark.of(row), client_mutation_id=input.client_mutation_id
        )

    @strawberry.mutation(
        permission_classes=signed_in,
        description="Agree a final mark that waits for it (`final_mark` approve): the mark "
        "stays, `needsApproval` ends, `approvedAt` is kept and the history names who agreed. "
        "Agreeing one already agreed answers it unchanged; one that never waited is a "
        "VALIDATION error.",
    )
    @journal_mutation(FinalMarkPayload)
    @guarded("final_mark", "approve", FinalMarkPayload, _existing("final_mark", "FinalMark"))
    async def approve_final_mark(
        self, info: GraphQLInfo, input: ApproveFinalMarkInput
    ) -> FinalMarkPayload:
        ctx = info.context
        mark_id = pk(input.id, "FinalMark", "input.id", ctx.language)
        with domain():
            row = await jw.approve_final_mark(
                ctx, mark_id, input.expected_version, input.client_mutation_id
            )
        return FinalMarkPayload(
            final_mark=FinalMark.of(row), client_mutation_id=input.client_mutation_id
        )

    @strawberry.mutation(
        permission_classes=signed_in,
        description="Delete a final mark given in error (`final_mark` delete).",
    )
    @journal_mutation(JournalDeletePayload)
    @guarded("final_mark", "delete", JournalDeletePayload, _existing("final_mark", "FinalMark"))
    async def delete_final_mark(
        self, info: GraphQLInfo, input: DeleteFinalMarkInput
    ) -> JournalDeletePayload:
        ctx = info.context
        mark_id = pk(input.id, "FinalMark", "input.id", ctx.language)
        with domain():
            await jw.delete_final_mark(
                ctx, mark_id, input.expected_version, input.client_mutation_id
            )
        return JournalDeletePayload(
            deleted_id=input.id, client_mutation_id=input.client_mutation_id
        )

    # -- periods -----------------------------------------------------------------------
    @strawberry.mutation(
        permission_classes=signed_in,
        description="Close a period (`period` close): from then on nobody writes lessons, "
        "works, marks, attendance or final marks dated in it — enforced by the database too.",
    )
    @journal_mutation(ClosePeriodPayload)
    @guarded("period", "close", ClosePeriodPayload, _period_target)
    async def close_period(self, info: GraphQLInfo, input: ClosePeriodInput) -> ClosePeriodPayload:
        ctx = info.context
        period_id = pk(input.period, "Period", "input.period", ctx.language)
        with domain():
            row = await jw.set_period_closed(ctx, period_id, True, input.client_mutation_id)
        return ClosePeriodPayload(
            period=Period.of(row), client_mutation_id=input.client_mutation_id
        )

    @strawberry.mutation(
        permission_classes=signed_in,
        description="Reopen a closed period (`period` reopen).",
    )
    @journal_mutation(ClosePeriodPayload)
    @guarded("period", "reopen", ClosePeriodPayload, _period_target)
    async def reopen_period(
        self, info: GraphQLInfo, input: ReopenPeriodInput
    ) -> ClosePeriodPayload:
        ctx = info.context
        period_id = pk(input.period, "Period", "input.period", ctx.language)
        with domain():
            row = await jw.set_period_closed(ctx, period_id, False, input.client_mutation_id)
        return ClosePeriodPayload(
            period=Period.of(row), client_mutation_id=input.client_mutation_id
        )

    # -- substitutions -----------------------------------------------------------------
    @strawberry.mutation(
        permission_classes=signed_in,
        description="Let a teacher fill the journal of a lesson he covers (`substitution` grant).",
    )
    @journal_mutation(SubstitutionPayload)
    @guarded("substitution", "grant", SubstitutionPayload, _substitution_target)
    async def grant_substitution(
        self, info: GraphQLInfo, input: GrantSubstitutionInput
    ) -> SubstitutionPayload:
        ctx = info.context
        lang = ctx.language
        with domain():
            row = await jw.grant_substitution(
                ctx,
                pk(input.lesson, "Lesson", "input.lesson", lang),
                pk(input.teacher, "Employee", "input.teacher", lang),
                input.client_mutation_id,
            )
        return SubstitutionPayload(
            substitution=Substitution.of(row), client_mutation_id=input.client_mutation_id
        )
