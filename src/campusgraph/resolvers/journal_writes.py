"""The electronic journal's write side: lessons, works, marks, attendance, absence reasons,
final marks, closing and reopening periods, substitutions — and the history of a cell.

Every write runs in ONE write transaction (``ctx.session(write=True)``: SQLite takes the
write lock at BEGIN, PostgreSQL runs READ COMMITTED) and, inside it, validates against the
rows it is about to change, writes, and records the audit event (naming the mutation and the client mutation id;
retries are answered by the idempotency key, ``schema/idempotency.py``). Permissions are
not decided here: each mutation declares its object and action (``schema/
journal_mutations.py``) and the ``*_target`` functions below give the row's anchors.

Journal cells (lesson, mark, attendance, final mark) carry ``version``. A write names the
version it saw (``expected_version``; None = "I saw no row"): a change is
``UPDATE … WHERE id = :id AND version = :expected`` with the row count checked, a new
cell is an INSERT the cell's unique key guards, so a concurrent writer can never be
silently overwritten, even under READ COMMITTED.

Closed periods are refused by database triggers (migration 0002) whatever the path; the
policy's ``period_open`` condition refuses them earlier with the rule and clause.

Errors raised:

- :class:`Invalid` — (dotted input path, message) problems; nothing was written;
- :class:`VersionConflict` — the stored version differs, or the cell appeared or vanished
  meanwhile; nothing was written;
- :class:`PeriodClosed` — the database refused the row: its date lies in a closed period.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from aiodataloader import DataLoader
from sqlalchemy import and_, bindparam, delete, false, func, insert, or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from campusgraph.context import Context
from campusgraph.db import models as m
from campusgraph.db.base import utcnow
from campusgraph.db.enums import (
    AbsenceReason,
    AttendanceStatus,
    AttestationForm,
    FinalMarkKind,
    LessonType,
    PeriodKind,
    WorkKind,
)
from campusgraph.i18n import message
from campusgraph.policies.facts import Target
from campusgraph.policies.targets import target_of
from campusgraph.resolvers import audit, journal_rules
from campusgraph.resolvers.audit import plain, record

T = TypeVar("T")
Problem = tuple[str, str]

NUMERIC_MARKS = ("2", "3", "4", "5")
CREDIT_MARKS = ("pass", "fail")
MAX_SLOT = 12
TOPIC_LIMIT = 500
COMMENT_LIMIT = 500
TITLE_LIMIT = 255

#: Final-mark kinds whose value the ruleset's final-mark rule may suggest (Armavir разд. 6):
#: one above the suggestion needs approval.
SUGGESTED_KINDS = frozenset({FinalMarkKind.PERIOD, FinalMarkKind.SEMESTER, FinalMarkKind.YEAR})
#: What may be given for a period of kind ``year``.
YEAR_PERIOD_KINDS = frozenset(
    {FinalMarkKind.YEAR, FinalMarkKind.EXAM, FinalMarkKind.ATTESTATION, FinalMarkKind.FINAL}
)


# =====================================================================================
# Errors
# =====================================================================================


class Invalid(Exception):
    """Validation problems as (input field, message); nothing has been written."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("; ".join(text for _, text in problems))
        self.problems = list(problems)


class VersionConflict(Exception):
    """The cell is not at the version the writer saw; nothing has been written."""

    def __init__(self, text: str, field: str = "input.expectedVersion") -> None:
        super().__init__(text)
        self.text = text
        self.field = field


class PeriodClosed(Exception):
    """The database refused the write: the row's date lies in a closed period."""


def _error_text(exc: DBAPIError) -> str:
    return str(exc.orig) if exc.orig is not None else str(exc)


def is_period_closed(exc: BaseException) -> bool:
    """Whether a database error is the closed-period trigger's refusal."""
    return isinstance(exc, DBAPIError) and "period_closed" in _error_text(exc)


def _is_unique_violation(exc: DBAPIError) -> bool:
    text = _error_text(exc).lower()
    return isinstance(exc, IntegrityError) and ("unique" in text or "duplicate key" in text)


def _is_lock_failure(exc: DBAPIError) -> bool:
    """PostgreSQL gave up on a lock (deadlock with a concurrent close, say): the writer may
    simply try again, like after any conflict."""
    code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    return code in ("40P01", "40001", "55P03")


#: Test seam, None in production (one attribute test per versioned write): awaited with
#: the write's session, the table ("mark") and the row's id after the stored version was
#: read and found as expected and before the conditional UPDATE or DELETE. The
#: concurrency tests hold every writer there (a barrier) or change the row under the
#: writer, so the statement's own ``version = :expected`` is what must refuse the stale
#: writers.
between_read_and_write: Callable[[AsyncSession, str, int], Awaitable[None]] | None = None


async def _between(session: AsyncSession, model: Any, pk: int) -> None:
    if between_read_and_write is not None:
        await between_read_and_write(session, model.__tablename__, pk)


async def _write(
    ctx: Context,
    client_mutation_id: str | None,
    body: Callable[[AsyncSession], Awaitable[T]],
) -> T:
    """Run ``body`` in one write transaction and commit; translate what the database
    refused."""
    language = ctx.language
    try:
        async with ctx.session(write=True) as session:
            result = await body(session)
            await session.commit()
            return result
    except DBAPIError as exc:
        if is_period_closed(exc):
            raise PeriodClosed(message("journal_period_closed", language)) from None
        if _is_unique_violation(exc):
            raise VersionConflict(message("journal_cell_taken", language)) from None
        if _is_lock_failure(exc):
            raise VersionConflict(message("journal_retry", language), "input") from None
        raise


async def _audit(
    session: AsyncSession,
    ctx: Context,
    *,
    mutation: str,
    action: str,
    object_type: str,
    object_id: int | None,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    client_mutation_id: str | None,
) -> None:
    viewer = ctx.viewer
    assert viewer is not None
    await record(
        session,
        viewer=viewer,
        action=action,
        object_type=object_type,
        object_id=object_id,
        institution_id=viewer.institution_id,
        before=before,
        after=after,
        client_mutation_id=client_mutation_id,
        mutation=mutation,
    )


def _snap(row: Any, names: Iterable[str]) -> dict[str, Any]:
    """JSON-safe values of ``names`` from an ORM row or a Row mapping."""
    get = row.__getitem__ if isinstance(row, dict) else lambda n: getattr(row, n)
    return {name: plain(get(name)) for name in names}


def _d(day: dt.date) -> str:
    return day.strftime("%d.%m.%Y")


def _conflict(ctx: Context, actual: int | None, expected: int | None) -> VersionConflict:
    lang = ctx.language
    if actual is None:
        return VersionConflict(message("journal_cell_gone", lang))
    if expected is None:
        return VersionConflict(message("journal_cell_exists", lang, actual=actual))
    return VersionConflict(
        message("journal_version_conflict", lang, actual=actual, expected=expected)
    )


# =====================================================================================
# Shared lookups and checks (all in the write session, so a check sees what is written)
# =====================================================================================


# The statements of the hot write paths (a mark, a cell's permission) are built once per
# process with bound parameters: building them per request cost about as much as running
# them. The tenant criteria are still added per execution by the session (tenancy).


@functools.cache
def _work_place_statement() -> Any:
    return (
        select(m.Work, m.Lesson, m.StudyGroup)
        .join(m.Lesson, m.Lesson.id == m.Work.lesson_id)
        .join(m.StudyGroup, m.StudyGroup.id == m.Lesson.group_id)
        .where(m.Work.id == bindparam("work_id"))
    )


async def _work_place(
    session: AsyncSession, work_id: int
) -> tuple[m.Work, m.Lesson, m.StudyGroup] | None:
    """A work with its lesson and the lesson's group, in one statement."""
    found = (await session.execute(_work_place_statement(), {"work_id": work_id})).first()
    return None if found is None else (found[0], found[1], found[2])


async def _one(session: AsyncSession, model: Any, pk: int | None) -> Any:
    if pk is None:
        return None
    return (await session.execute(select(model).where(model.id == pk))).scalar_one_or_none()


def _found(row: T | None, where: str, language: str) -> T:
    if row is None:
        raise Invalid([(where, message("journal_not_found", language))])
    return row


@functools.cache
def _membership_statement() -> Any:
    gm = m.GroupMembership
    on: Any = bindparam("on")
    return select(gm.id).where(
        gm.student_id == bindparam("student_id"),
        gm.group_id == bindparam("group_id"),
        gm.starts_on <= on,
        or_(gm.ends_on.is_(None), gm.ends_on > on),
    )


async def membership_problem(
    session: AsyncSession,
    language: str,
    *,
    student_id: int,
    group: m.StudyGroup,
    subgroup_id: int | None,
    on: dt.date,
    where: str,
) -> Problem | None:
    """Whether the student was in ``group`` (and ``subgroup``) on ``on``, by the
    effective-dated memberships; the problem if not."""
    member = (
        await session.execute(
            _membership_statement(), {"student_id": student_id, "group_id": group.id, "on": on}
        )
    ).first()
    if member is None:
        return (where, message("journal_not_in_group", language, group=group.name, date=_d(on)))
    if subgroup_id is not None:
        sm = m.SubgroupMember
        inside = (
            await session.execute(
                select(sm.id).where(sm.subgroup_id == subgroup_id, sm.student_id == student_id)
            )
        ).first()
        if inside is None:
            sub = await _one(session, m.Subgroup, subgroup_id)
            name = sub.name if sub is not None else str(subgroup_id)
            return (where, message("journal_not_in_subgroup", language, subgroup=name))
    return None


async def day_off_reason(session: AsyncSession, day: dt.date, language: str) -> str | None:
    """Why no lessons are held on ``day`` (None: a study day). A day transfer's
    ``to_date`` is a study day whatever else holds; its ``from_date`` is not; neither are
    the institution's days off and weekends."""
    tr = m.DayTransfer
    moved_here = (await session.execute(select(tr.id).where(tr.to_date == day))).first()
    if moved_here is not None:
        return None
    moved_away = (await session.execute(select(tr.to_date).where(tr.from_date == day))).first()
    if moved_away is not None:
        return message("journal_moved_away", language, date=_d(moved_away[0]))
    off = (await session.execute(select(m.DayOff.reason).where(m.DayOff.date == day))).first()
    if off is not None:
        return str(off[0])
    if day.isoweekday() >= 6:
        return message("journal_weekend", language)
    return None


async def _study_year_of(session: AsyncSession, group: m.StudyGroup) -> tuple[Any, int] | None:
    """The group's curriculum and which of its years of study the group is in (a school
    curriculum counts years from the level's first grade: its ``admission_year`` is the
    year the cohort entered it)."""
    if group.curriculum_id is None:
        return None
    curriculum = await _one(session, m.Curriculum, group.curriculum_id)
    year = await _one(session, m.AcademicYear, group.academic_year_id)
    if curriculum is None or year is None:
        return None
    return curriculum, _study_year(year.starts_on, curriculum.admission_year)


def _study_year(year_starts_on: dt.date, admission_year: int) -> int:
    """Which year of study an academic year starting on ``year_starts_on`` is for a cohort
    admitted in ``admission_year`` (the first year is 1)."""
    return year_starts_on.year - admission_year + 1


@functools.cache
def _credit_statement() -> Any:
    cu, ay, ci = m.Curriculum, m.AcademicYear, m.CurriculumItem
    return (
        select(cu.admission_year, ay.starts_on, ci.study_year, ci.attestation_form)
        .select_from(cu)
        .join(ay, ay.id == bindparam("academic_year_id"))
        .outerjoin(
            ci, and_(ci.curriculum_id == cu.id, ci.discipline_id == bindparam("discipline_id"))
        )
        .where(cu.id == bindparam("curriculum_id"))
    )


async def _credit_discipline(
    session: AsyncSession, group: m.StudyGroup, discipline_id: int
) -> bool:
    """Whether the discipline is assessed pass/fail (a credit) in the group's curriculum in
    its current year of study (:func:`_study_year`, as :func:`_study_year_of` counts it), read in one
    statement: the curriculum, the group's academic year, and the discipline's items."""
    if group.curriculum_id is None:
        return False
    values = {
        "academic_year_id": group.academic_year_id,
        "curriculum_id": group.curriculum_id,
        "discipline_id": discipline_id,
    }
    rows = (await session.execute(_credit_statement(), values)).all()
    return any(
        form == AttestationForm.CREDIT and study_year == _study_year(starts_on, admission_year)
        for admission_year, starts_on, study_year, form in rows
    )


def _scale_problem(value: str, credit: bool, language: str) -> Problem | None:
    allowed = NUMERIC_MARKS + CREDIT_MARKS if credit else NUMERIC_MARKS
    if value in allowed:
        return None
    shown = ", ".join(f"«{v}»" for v in allowed)
    return ("input.value", message("journal_mark_scale", language, value=value, allowed=shown))


def _length_problem(value: str | None, limit: int, where: str, language: str) -> Problem | None:
    if value is not None and len(value) > limit:
        return (where, message("journal_too_long", language, limit=limit))
    return None


def _clean(text: str | None) -> str | None:
    if text is None:
        return None
    stripped = text.strip()
    return stripped or None


# =====================================================================================
# Targets: the anchors a mutation's permission is decided on
# =====================================================================================


def _target(ctx: Context, obj: str, **anchors: Any) -> Target:
    assert ctx.viewer is not None
    return ctx.authorizer.target(obj, institution_id=ctx.viewer.institution_id, **anchors)


async def existing_target(ctx: Context, obj: str, pk: int) -> Target | None:
    """The anchors of an existing row of ``obj``."""
    async with ctx.session() as session:
        return await target_of(session, obj, pk)


@functools.cache
def _cell_statement(mark: bool) -> Any:
    """The lesson (of the work, for a mark), and the stored cell's author when there is a
    cell: one statement."""
    le = m.Lesson
    table: Any = m.Mark if mark else m.Attendance
    student: Any = bindparam("student_id")
    columns = (le.id, le.group_id, le.discipline_id, le.date, table.id, table.author_user_id)
    if mark:
        return (
            select(*columns)
            .join(m.Work, m.Work.lesson_id == le.id)
            .outerjoin(table, and_(table.work_id == m.Work.id, table.student_id == student))
            .where(m.Work.id == bindparam("work_id"))
        )
    return (
        select(*columns)
        .outerjoin(table, and_(table.lesson_id == le.id, table.student_id == student))
        .where(le.id == bindparam("lesson_id"))
    )


async def lesson_cell_target(
    ctx: Context, obj: str, lesson_id: int, student_id: int, *, work_id: int | None = None
) -> Target | None:
    """A mark, attendance or absence reason of ``student`` at a lesson (the lesson of
    ``work_id`` when given): the stored cell's anchors, or the anchors it would have."""
    values = {"student_id": student_id, "work_id": work_id, "lesson_id": lesson_id}
    async with ctx.session() as session:
        lesson = (await session.execute(_cell_statement(obj == "mark"), values)).first()
    if lesson is None:
        return None
    assert ctx.viewer is not None
    return _target(
        ctx,
        obj,
        group_id=lesson[1],
        discipline_id=lesson[2],
        student_ids=frozenset({student_id}),
        lesson_id=lesson[0],
        date=lesson[3],
        # A new cell would be the viewer's; a stored one keeps its author (even none).
        author_id=lesson[5] if lesson[4] is not None else ctx.viewer.user_id,
    )


@dataclass(frozen=True, slots=True)
class FinalMarkPlace:
    """Where a final mark belongs: the student's group in the period, its last day."""

    group_id: int
    date: dt.date


async def _final_mark_place(
    session: AsyncSession, student_id: int, period: m.Period
) -> FinalMarkPlace | None:
    gm = m.GroupMembership
    row = (
        await session.execute(
            select(gm.group_id)
            .where(
                gm.student_id == student_id,
                gm.starts_on <= period.ends_on,
                or_(gm.ends_on.is_(None), gm.ends_on > period.starts_on),
            )
            .order_by(gm.starts_on.desc(), gm.id.desc())
            .limit(1)
        )
    ).first()
    return None if row is None else FinalMarkPlace(row[0], period.ends_on)


async def final_mark_target(
    ctx: Context, student_id: int, discipline_id: int, period_id: int, kind: FinalMarkKind
) -> Target | None:
    """A final mark: the stored one's anchors, or those it would have (the student's group
    during the period, the period's last day). None when the period or student is unknown."""
    async with ctx.session() as session:
        period = await _one(session, m.Period, period_id)
        if period is None:
            return None
        place = await _final_mark_place(session, student_id, period)
        if place is None:
            raise Invalid(
                [
                    (
                        "input.student",
                        message("journal_no_group_in_period", ctx.language, period=period.name),
                    )
                ]
            )
        fm = m.FinalMark
        author = (
            await session.execute(
                select(fm.author_user_id).where(
                    fm.student_id == student_id,
                    fm.discipline_id == discipline_id,
                    fm.period_id == period_id,
                    fm.kind == kind,
                )
            )
        ).first()
    assert ctx.viewer is not None
    return _target(
        ctx,
        "final_mark",
        group_id=place.group_id,
        discipline_id=discipline_id,
        student_ids=frozenset({student_id}),
        date=place.date,
        author_id=author[0] if author is not None else ctx.viewer.user_id,
    )


async def lesson_anchor_target(ctx: Context, obj: str, lesson_id: int) -> Target | None:
    """A row hanging off a lesson (a work, a substitution): the lesson's anchors."""
    le = m.Lesson
    async with ctx.session() as session:
        lesson = (
            await session.execute(
                select(le.group_id, le.discipline_id, le.date).where(le.id == lesson_id)
            )
        ).first()
    if lesson is None:
        return None
    return _target(
        ctx, obj, group_id=lesson[0], discipline_id=lesson[1], lesson_id=lesson_id, date=lesson[2]
    )


# =====================================================================================
# Lessons
# =====================================================================================

LESSON_FIELDS = (
    "group_id",
    "subgroup_id",
    "discipline_id",
    "teacher_id",
    "date",
    "slot",
    "room_id",
    "topic",
    "plan_topic_id",
    "lesson_type",
    "homework",
    "version",
)


@dataclass(slots=True)
class LessonValues:
    """A lesson as it will be written. ``individual_homework`` is (student, text) pairs;
    on update, None leaves them as they are."""

    group_id: int
    subgroup_id: int | None
    discipline_id: int
    teacher_id: int | None
    date: dt.date
    slot: int
    room_id: int | None
    topic: str | None
    plan_topic_id: int | None
    lesson_type: LessonType | None
    homework: str | None
    individual_homework: list[tuple[int, str]] | None = None


def lesson_values_of(row: m.Lesson) -> LessonValues:
    return LessonValues(
        group_id=row.group_id,
        subgroup_id=row.subgroup_id,
        discipline_id=row.discipline_id,
        teacher_id=row.teacher_id,
        date=row.date,
        slot=row.slot,
        room_id=row.room_id,
        topic=row.topic,
        plan_topic_id=row.plan_topic_id,
        lesson_type=row.lesson_type,
        homework=row.homework,
    )


async def _plan_topics(
    session: AsyncSession, group: m.StudyGroup, discipline_id: int
) -> list[tuple[int, str]]:
    tp, tt = m.ThematicPlan, m.ThematicPlanTopic
    rows = await session.execute(
        select(tt.id, tt.title)
        .join(tp, tp.id == tt.plan_id)
        .where(
            tp.group_id == group.id,
            tp.discipline_id == discipline_id,
            tp.academic_year_id == group.academic_year_id,
        )
        .order_by(tt.position)
    )
    return [(pk, title) for pk, title in rows.all()]


async def _lesson_works(session: AsyncSession, lesson_id: int) -> list[tuple[WorkKind, int | None]]:
    rows = await session.execute(
        select(m.Work.kind, m.Work.number).where(m.Work.lesson_id == lesson_id).order_by(m.Work.id)
    )
    return [(kind, number) for kind, number in rows.all()]


def topic_problems(
    ctx: Context,
    *,
    topic: str | None,
    plan_topics: list[str],
    lesson_type: LessonType | None,
    works: list[tuple[WorkKind, int | None]],
) -> list[Problem]:
    """The ruleset's lesson-topic rule (``[rules.lesson_topic]``), as implemented by
    :func:`campusgraph.resolvers.journal_rules.validate_lesson`; fields are relative to
    the lesson (``topic``, ``lessonType``, ``works.<i>.number``)."""
    ruleset = ctx.authorizer.compiled.ruleset
    return journal_rules.validate_lesson(
        ruleset,
        topic=topic,
        plan_topics=plan_topics,
        lesson_type=lesson_type,
        works=works,
        language=ctx.language,
    )


async def _check_lesson(
    session: AsyncSession,
    ctx: Context,
    v: LessonValues,
    *,
    before: LessonValues | None,
    works: list[tuple[WorkKind, int | None]],
) -> tuple[m.StudyGroup, list[Problem]]:
    """Problems of the lesson ``v`` (fields as input paths). On update only the problems
    the change brings are reported: a lesson written before a rule was adopted can still
    get its homework."""
    lang = ctx.language
    problems: list[Problem] = []
    group = _found(await _one(session, m.StudyGroup, v.group_id), "input.group", lang)
    if await _one(session, m.Discipline, v.discipline_id) is None:
        problems.append(("input.discipline", message("journal_not_found", lang)))
    if v.subgroup_id is not None:
        sub = await _one(session, m.Subgroup, v.subgroup_id)
        if sub is None:
            problems.append(("input.subgroup", message("journal_not_found", lang)))
        elif sub.group_id != group.id:
            problems.append(("input.subgroup", message("journal_subgroup_other_group", lang)))
    if v.room_id is not None and await _one(session, m.Room, v.room_id) is None:
        problems.append(("input.room", message("journal_not_found", lang)))
    if v.teacher_id is None:
        problems.append(("input.teacher", message("journal_teacher_required", lang)))
    elif await _one(session, m.Employee, v.teacher_id) is None:
        problems.append(("input.teacher", message("journal_not_employee", lang)))
    if not 1 <= v.slot <= MAX_SLOT:
        problems.append(("input.slot", message("journal_slot", lang, max=MAX_SLOT)))
    for where, text, limit in (
        ("input.topic", v.topic, TOPIC_LIMIT),
        ("input.homework", v.homework, 10_000),
    ):
        problem = _length_problem(text, limit, where, lang)
        if problem:
            problems.append(problem)

    if before is None or v.date != before.date or v.group_id != before.group_id:
        year = await _one(session, m.AcademicYear, group.academic_year_id)
        if year is not None and not year.starts_on <= v.date <= year.ends_on:
            problems.append(
                (
                    "input.date",
                    message(
                        "journal_outside_year",
                        lang,
                        date=_d(v.date),
                        year=year.name,
                        start=_d(year.starts_on),
                        end=_d(year.ends_on),
                    ),
                )
            )
        else:
            reason = await day_off_reason(session, v.date, lang)
            if reason is not None:
                problems.append(
                    ("input.date", message("journal_day_off", lang, date=_d(v.date), reason=reason))
                )

    plan = await _plan_topics(session, group, v.discipline_id)
    if v.plan_topic_id is not None and v.plan_topic_id not in {pk for pk, _ in plan}:
        problems.append(("input.planTopic", message("journal_plan_topic_other", lang)))

    if v.individual_homework is not None:
        seen: set[int] = set()
        for index, (student_id, text) in enumerate(v.individual_homework):
            where = f"input.individualHomework.{index}.student"
            if student_id in seen:
                problems.append((where, message("journal_duplicate_student", lang)))
                continue
            seen.add(student_id)
            problem = await membership_problem(
                session,
                lang,
                student_id=student_id,
                group=group,
                subgroup_id=v.subgroup_id,
                on=v.date,
                where=where,
            )
            if problem:
                problems.append(problem)
            if not text.strip():
                problems.append(
                    (f"input.individualHomework.{index}.text", message("journal_required", lang))
                )

    titles = [title for _, title in plan]
    new = topic_problems(
        ctx, topic=v.topic, plan_topics=titles, lesson_type=v.lesson_type, works=works
    )
    if before is not None:
        old = set(
            topic_problems(
                ctx,
                topic=before.topic,
                plan_topics=titles,
                lesson_type=before.lesson_type,
                works=works,
            )
        )
        new = [p for p in new if p not in old]
    problems += [(_lesson_field(field), text) for field, text in new]
    return group, problems


def _lesson_field(field: str) -> str:
    if field.startswith("works."):
        return "input.topic"  # a work needs the lesson's topic: the topic is what to fix
    return f"input.{field}"


async def _write_individual_homework(
    session: AsyncSession, institution_id: int, lesson_id: int, items: list[tuple[int, str]]
) -> None:
    await session.execute(
        delete(m.IndividualHomework).where(m.IndividualHomework.lesson_id == lesson_id)
    )
    if items:
        await session.execute(
            insert(m.IndividualHomework),
            [
                {
                    "institution_id": institution_id,
                    "lesson_id": lesson_id,
                    "student_id": student,
                    "text": text.strip(),
                }
                for student, text in items
            ],
        )


def _lesson_snapshot(row: Any, homework: list[tuple[int, str]] | None = None) -> dict[str, Any]:
    out = _snap(row, LESSON_FIELDS)
    if homework is not None:
        out["individual_homework"] = [{"student": s, "text": t} for s, t in homework]
    return out


async def create_lesson(ctx: Context, v: LessonValues, client_mutation_id: str | None) -> m.Lesson:
    viewer = ctx.viewer
    assert viewer is not None and viewer.institution_id is not None
    inst = viewer.institution_id
    v.topic, v.homework = _clean(v.topic), _clean(v.homework)

    async def body(session: AsyncSession) -> m.Lesson:
        if v.plan_topic_id is not None and v.topic is None:
            topic = await _one(session, m.ThematicPlanTopic, v.plan_topic_id)
            v.topic = topic.title if topic is not None else None
        _, problems = await _check_lesson(session, ctx, v, before=None, works=[])
        if problems:
            raise Invalid(problems)
        now = utcnow()
        row = m.Lesson(
            institution_id=inst,
            group_id=v.group_id,
            subgroup_id=v.subgroup_id,
            discipline_id=v.discipline_id,
            teacher_id=v.teacher_id,
            date=v.date,
            slot=v.slot,
            room_id=v.room_id,
            topic=v.topic,
            plan_topic_id=v.plan_topic_id,
            lesson_type=v.lesson_type or LessonType.LESSON,
            homework=v.homework,
            version=1,
            updated_at=now,
        )
        session.add(row)
        await session.flush()
        if v.individual_homework:
            await _write_individual_homework(session, inst, row.id, v.individual_homework)
        await _audit(
            session,
            ctx,
            mutation="createLesson",
            action="create",
            object_type="lesson",
            object_id=row.id,
            before=None,
            after=_lesson_snapshot(row, v.individual_homework),
            client_mutation_id=client_mutation_id,
        )
        return row

    return await _write(ctx, client_mutation_id, body)


async def update_lesson(
    ctx: Context,
    pk: int,
    changes: dict[str, Any],
    expected_version: int | None,
    client_mutation_id: str | None,
) -> m.Lesson:
    """Change the fields in ``changes`` (LessonValues names). Marks, works and attendance
    move with the lesson's date."""
    viewer = ctx.viewer
    assert viewer is not None and viewer.institution_id is not None
    inst = viewer.institution_id
    lang = ctx.language

    async def body(session: AsyncSession) -> m.Lesson:
        row = _found(await _one(session, m.Lesson, pk), "input.id", lang)
        if expected_version is not None and row.version != expected_version:
            raise _conflict(ctx, row.version, expected_version)
        before = lesson_values_of(row)
        v = lesson_values_of(row)
        for key, value in changes.items():
            if key in ("topic", "homework"):
                value = _clean(value)
            setattr(v, key, value)
        if "plan_topic_id" in changes and v.plan_topic_id is not None and "topic" not in changes:
            topic = await _one(session, m.ThematicPlanTopic, v.plan_topic_id)
            v.topic = topic.title if topic is not None else v.topic
        works = await _lesson_works(session, pk)
        group, problems = await _check_lesson(session, ctx, v, before=before, works=works)
        if v.date != before.date or v.subgroup_id != before.subgroup_id:
            problems += await _entries_stay_in_group(session, ctx, pk, group, v)
        if problems:
            raise Invalid(problems)
        old_snapshot = _lesson_snapshot(row)
        values = {
            key: getattr(v, key)
            for key in (
                "subgroup_id",
                "teacher_id",
                "date",
                "slot",
                "room_id",
                "topic",
                "plan_topic_id",
                "homework",
            )
        }
        values["lesson_type"] = v.lesson_type or LessonType.LESSON
        le = m.Lesson
        await _between(session, le, pk)
        updated = await _changed(
            session,
            update(le)
            .where(le.id == pk, le.version == row.version)
            .values(**values, version=le.version + 1, updated_at=utcnow())
            .execution_options(synchronize_session=False),
        )
        if updated != 1:
            raise await _lost(session, ctx, le, pk, row.version)
        if v.date != before.date:
            for table in (m.Work, m.Mark, m.Attendance):
                await session.execute(
                    update(table)
                    .where(table.lesson_id == pk)
                    .values(date=v.date)
                    .execution_options(synchronize_session=False)
                )
        if v.individual_homework is not None:
            await _write_individual_homework(session, inst, pk, v.individual_homework)
        fresh: m.Lesson = (
            await session.execute(
                select(le).where(le.id == pk).execution_options(populate_existing=True)
            )
        ).scalar_one()
        await _audit(
            session,
            ctx,
            mutation="updateLesson",
            action="update",
            object_type="lesson",
            object_id=pk,
            before=old_snapshot,
            after=_lesson_snapshot(fresh, v.individual_homework),
            client_mutation_id=client_mutation_id,
        )
        return fresh

    return await _write(ctx, client_mutation_id, body)


async def _entries_stay_in_group(
    session: AsyncSession, ctx: Context, lesson_id: int, group: m.StudyGroup, v: LessonValues
) -> list[Problem]:
    """Moving a lesson (date or subgroup) must keep every student with a mark or an
    absence at it in the lesson's group (and subgroup) on the new date."""
    students = set(
        (
            await session.execute(select(m.Mark.student_id).where(m.Mark.lesson_id == lesson_id))
        ).scalars()
    ) | set(
        (
            await session.execute(
                select(m.Attendance.student_id).where(m.Attendance.lesson_id == lesson_id)
            )
        ).scalars()
    )
    problems: list[Problem] = []
    for student in sorted(students):
        problem = await membership_problem(
            session,
            ctx.language,
            student_id=student,
            group=group,
            subgroup_id=v.subgroup_id,
            on=v.date,
            where="input.date",
        )
        if problem:
            problems.append(problem)
            break
    return problems


async def delete_lesson(
    ctx: Context, pk: int, expected_version: int | None, client_mutation_id: str | None
) -> None:
    """Delete a lesson with no marks and no absences (its works go with it): deleting the
    marks is a decision of its own, under its own rule."""
    lang = ctx.language

    async def body(session: AsyncSession) -> None:
        row = _found(await _one(session, m.Lesson, pk), "input.id", lang)
        if expected_version is not None and row.version != expected_version:
            raise _conflict(ctx, row.version, expected_version)
        entries = (
            await session.execute(select(func.count(m.Mark.id)).where(m.Mark.lesson_id == pk))
        ).scalar_one() + (
            await session.execute(
                select(func.count(m.Attendance.id)).where(m.Attendance.lesson_id == pk)
            )
        ).scalar_one()
        if entries:
            raise Invalid(
                [("input.id", message("journal_lesson_has_entries", lang, count=entries))]
            )
        snapshot = _lesson_snapshot(row)
        works = (
            await session.execute(
                select(m.Work.id, m.Work.kind, m.Work.number).where(m.Work.lesson_id == pk)
            )
        ).all()
        if works:
            snapshot["works"] = [{"id": w, "kind": plain(k), "number": n} for w, k, n in works]
        for table in (m.IndividualHomework, m.Substitution, m.Work):
            await session.execute(
                delete(table)
                .where(table.lesson_id == pk)
                .execution_options(synchronize_session=False)
            )
        le = m.Lesson
        await _between(session, le, pk)
        deleted = await _changed(
            session,
            delete(le)
            .where(le.id == pk, le.version == row.version)
            .execution_options(synchronize_session=False),
        )
        if deleted != 1:
            raise await _lost(session, ctx, le, pk, row.version)
        await _audit(
            session,
            ctx,
            mutation="deleteLesson",
            action="delete",
            object_type="lesson",
            object_id=pk,
            before=snapshot,
            after=None,
            client_mutation_id=client_mutation_id,
        )

    await _write(ctx, client_mutation_id, body)


# =====================================================================================
# Works
# =====================================================================================

WORK_FIELDS = ("lesson_id", "group_id", "discipline_id", "date", "kind", "number", "title")


async def add_work(
    ctx: Context,
    lesson_id: int,
    kind: WorkKind,
    number: int | None,
    title: str | None,
    client_mutation_id: str | None,
) -> m.Work:
    viewer = ctx.viewer
    assert viewer is not None and viewer.institution_id is not None
    inst = viewer.institution_id
    lang = ctx.language
    title = _clean(title)

    async def body(session: AsyncSession) -> m.Work:
        lesson = _found(await _one(session, m.Lesson, lesson_id), "input.lesson", lang)
        problems: list[Problem] = []
        if number is not None and number < 1:
            problems.append(("input.number", message("journal_positive", lang)))
        problem = _length_problem(title, TITLE_LIMIT, "input.title", lang)
        if problem:
            problems.append(problem)
        works = await _lesson_works(session, lesson_id)
        group = _found(await _one(session, m.StudyGroup, lesson.group_id), "input.lesson", lang)
        titles = [t for _, t in await _plan_topics(session, group, lesson.discipline_id)]
        common = {
            "topic": lesson.topic,
            "plan_topics": titles,
            "lesson_type": lesson.lesson_type,
        }
        old = set(topic_problems(ctx, works=works, **common))
        index = len(works)
        for field, text in topic_problems(ctx, works=[*works, (kind, number)], **common):
            if (field, text) in old:
                continue
            if field == f"works.{index}.number":
                problems.append(("input.number", text))
            elif not field.startswith("works."):
                problems.append(("input.lesson", text))
        if problems:
            raise Invalid(problems)
        row = m.Work(
            institution_id=inst,
            lesson_id=lesson.id,
            group_id=lesson.group_id,
            discipline_id=lesson.discipline_id,
            date=lesson.date,
            kind=kind,
            number=number,
            title=title,
        )
        session.add(row)
        await session.flush()
        await _audit(
            session,
            ctx,
            mutation="addWork",
            action="create",
            object_type="work",
            object_id=row.id,
            before=None,
            after=_snap(row, WORK_FIELDS),
            client_mutation_id=client_mutation_id,
        )
        return row

    return await _write(ctx, client_mutation_id, body)


async def remove_work(ctx: Context, pk: int, client_mutation_id: str | None) -> None:
    lang = ctx.language

    async def body(session: AsyncSession) -> None:
        row = _found(await _one(session, m.Work, pk), "input.id", lang)
        marks = (
            await session.execute(select(func.count(m.Mark.id)).where(m.Mark.work_id == pk))
        ).scalar_one()
        if marks:
            raise Invalid([("input.id", message("journal_work_has_marks", lang, count=marks))])
        snapshot = _snap(row, WORK_FIELDS)
        await session.execute(
            delete(m.Work).where(m.Work.id == pk).execution_options(synchronize_session=False)
        )
        await _audit(
            session,
            ctx,
            mutation="removeWork",
            action="delete",
            object_type="work",
            object_id=pk,
            before=snapshot,
            after=None,
            client_mutation_id=client_mutation_id,
        )

    await _write(ctx, client_mutation_id, body)


# =====================================================================================
# Marks
# =====================================================================================

MARK_FIELDS = ("work_id", "student_id", "date", "value", "comment", "version", "author_user_id")
#: What a deleted cell's audit snapshot adds: the anchors a live subscriber's read filter
#: is evaluated on once the row is gone (campusgraph.live: the event carries them).
CELL_ANCHORS = ("lesson_id", "group_id", "discipline_id")


@functools.cache
def _mark_cell_statement() -> Any:
    mk = m.Mark
    return select(*(getattr(mk, f) for f in ("id", *MARK_FIELDS))).where(
        mk.work_id == bindparam("work_id"), mk.student_id == bindparam("student_id")
    )


@functools.cache
def _mark_update_statement() -> Any:
    mk = m.Mark
    return (
        update(mk)
        .where(mk.id == bindparam("mark_id"), mk.version == bindparam("expected_version"))
        .values(
            value=bindparam("new_value"),
            comment=bindparam("new_comment"),
            version=mk.version + 1,
            updated_at=bindparam("now"),
            author_user_id=bindparam("author"),
        )
        .returning(mk)
        .execution_options(synchronize_session=False, populate_existing=True)
    )


async def set_mark(
    ctx: Context,
    *,
    work_id: int,
    student_id: int,
    value: str,
    comment: str | None,
    expected_version: int | None,
    client_mutation_id: str | None,
) -> m.Mark:
    """Give or change the mark of ``student`` for ``work``. ``expected_version`` is the
    version the writer saw (None: he saw no mark)."""
    viewer = ctx.viewer
    assert viewer is not None and viewer.institution_id is not None
    inst = viewer.institution_id
    lang = ctx.language
    value = value.strip().lower()
    comment = _clean(comment)

    async def body(session: AsyncSession) -> m.Mark:
        work, lesson, group = _found(await _work_place(session, work_id), "input.work", lang)
        problems: list[Problem] = []
        credit = await _credit_discipline(session, group, lesson.discipline_id)
        for problem in (
            _scale_problem(value, credit, lang),
            _length_problem(comment, COMMENT_LIMIT, "input.comment", lang),
            await membership_problem(
                session,
                lang,
                student_id=student_id,
                group=group,
                subgroup_id=lesson.subgroup_id,
                on=lesson.date,
                where="input.student",
            ),
        ):
            if problem:
                problems.append(problem)
        if problems:
            raise Invalid(problems)

        mk = m.Mark
        cell = {"work_id": work_id, "student_id": student_id}
        existing = (await session.execute(_mark_cell_statement(), cell)).mappings().first()
        now = utcnow()
        if existing is None:
            if expected_version is not None:
                raise _conflict(ctx, None, expected_version)
            row = m.Mark(
                institution_id=inst,
                work_id=work.id,
                lesson_id=lesson.id,
                student_id=student_id,
                group_id=lesson.group_id,
                discipline_id=lesson.discipline_id,
                date=lesson.date,
                value=value,
                comment=comment,
                author_user_id=viewer.user_id,
                version=1,
                updated_at=now,
            )
            session.add(row)
            await session.flush()
            before = None
        else:
            if expected_version != existing["version"]:
                raise _conflict(ctx, existing["version"], expected_version)
            if existing["value"] == value and existing["comment"] == comment:
                unchanged: m.Mark = await _fresh(session, mk, existing["id"])
                return unchanged
            await _between(session, mk, existing["id"])
            change = {
                "mark_id": existing["id"],
                "expected_version": expected_version,
                "new_value": value,
                "new_comment": comment,
                "now": now,
                "author": viewer.user_id,
            }
            updated = (await session.execute(_mark_update_statement(), change)).scalar_one_or_none()
            if updated is None:
                raise await _lost(session, ctx, mk, existing["id"], expected_version)
            row = updated
            before = _snap(dict(existing), MARK_FIELDS)
        await _audit(
            session,
            ctx,
            mutation="setMark",
            action="create" if before is None else "update",
            object_type="mark",
            object_id=row.id,
            before=before,
            after=_snap(row, MARK_FIELDS),
            client_mutation_id=client_mutation_id,
        )
        return row

    return await _write(ctx, client_mutation_id, body)


async def _lost(
    session: AsyncSession, ctx: Context, model: Any, pk: int, expected: int | None
) -> VersionConflict:
    """A conditional write matched no row: someone changed or deleted it since it was read
    (a new statement sees what they committed, even under READ COMMITTED)."""
    now = (await session.execute(select(model.version).where(model.id == pk))).first()
    return _conflict(ctx, now[0] if now is not None else None, expected)


async def _changed(session: AsyncSession, stmt: Any) -> int:
    """How many rows an UPDATE or DELETE changed."""
    result = await session.execute(stmt)
    return int(cast("CursorResult[Any]", result).rowcount)


async def _fresh(session: AsyncSession, model: Any, pk: int) -> Any:
    return (
        await session.execute(
            select(model).where(model.id == pk).execution_options(populate_existing=True)
        )
    ).scalar_one()


async def _delete_versioned(
    session: AsyncSession,
    ctx: Context,
    model: Any,
    pk: int,
    expected_version: int | None,
    fields: tuple[str, ...],
) -> dict[str, Any]:
    """Delete one versioned row (at ``expected_version`` when given); its snapshot."""
    row = _found(await _one(session, model, pk), "input.id", ctx.language)
    if expected_version is not None and row.version != expected_version:
        raise _conflict(ctx, row.version, expected_version)
    snapshot = _snap(row, fields)
    await _between(session, model, pk)
    deleted = await _changed(
        session,
        delete(model)
        .where(model.id == pk, model.version == row.version)
        .execution_options(synchronize_session=False),
    )
    if deleted != 1:
        raise await _lost(session, ctx, model, pk, row.version)
    return snapshot


async def delete_mark(
    ctx: Context, pk: int, expected_version: int | None, client_mutation_id: str | None
) -> None:
    async def body(session: AsyncSession) -> None:
        before = await _delete_versioned(
            session, ctx, m.Mark, pk, expected_version, (*MARK_FIELDS, *CELL_ANCHORS)
        )
        await _audit(
            session,
            ctx,
            mutation="deleteMark",
            action="delete",
            object_type="mark",
            object_id=pk,
            before=before,
            after=None,
            client_mutation_id=client_mutation_id,
        )

    await _write(ctx, client_mutation_id, body)


# =====================================================================================
# Attendance and absence reasons
# =====================================================================================

ATTENDANCE_FIELDS = (
    "lesson_id",
    "student_id",
    "date",
    "status",
    "reason",
    "version",
    "author_user_id",
    "reason_set_by_user_id",
)


#: An attendance row as a write loads it: its snapshot's fields and, for its deletion,
#: its anchors.
_ATTENDANCE_ROW = tuple(dict.fromkeys(("id", *ATTENDANCE_FIELDS, *CELL_ANCHORS)))


async def _lesson_and_member(
    session: AsyncSession, ctx: Context, lesson_id: int, student_id: int
) -> m.Lesson:
    lang = ctx.language
    lesson: m.Lesson = _found(await _one(session, m.Lesson, lesson_id), "input.lesson", lang)
    group = _found(await _one(session, m.StudyGroup, lesson.group_id), "input.lesson", lang)
    problem = await membership_problem(
        session,
        lang,
        student_id=student_id,
        group=group,
        subgroup_id=lesson.subgroup_id,
        on=lesson.date,
        where="input.student",
    )
    if problem:
        raise Invalid([problem])
    return lesson


async def _attendance_row(
    session: AsyncSession, lesson_id: int, student_id: int
) -> dict[str, Any] | None:
    at = m.Attendance
    row = (
        (
            await session.execute(
                select(*(getattr(at, f) for f in _ATTENDANCE_ROW)).where(
                    at.lesson_id == lesson_id, at.student_id == student_id
                )
            )
        )
        .mappings()
        .first()
    )
    return dict(row) if row is not None else None


async def set_attendance(
    ctx: Context,
    *,
    lesson_id: int,
    student_id: int,
    status: AttendanceStatus | None,
    expected_version: int | None,
    client_mutation_id: str | None,
) -> m.Attendance | None:
    """Mark the student absent or late, or (``status`` None) present again — which deletes
    the row: presence is the default. A change to LATE drops the absence reason."""
    viewer = ctx.viewer
    assert viewer is not None and viewer.institution_id is not None
    inst = viewer.institution_id

    async def body(session: AsyncSession) -> m.Attendance | None:
        lesson = await _lesson_and_member(session, ctx, lesson_id, student_id)
        existing = await _attendance_row(session, lesson_id, student_id)
        at = m.Attendance
        now = utcnow()
        current = existing["version"] if existing is not None else None
        if expected_version != current:
            raise _conflict(ctx, current, expected_version)
        if existing is None:
            if status is None:
                return None  # present, and already so
            row = m.Attendance(
                institution_id=inst,
                lesson_id=lesson.id,
                student_id=student_id,
                group_id=lesson.group_id,
                discipline_id=lesson.discipline_id,
                date=lesson.date,
                status=status,
                author_user_id=viewer.user_id,
                version=1,
                updated_at=now,
            )
            session.add(row)
            await session.flush()
            action, before, after, result = "create", None, _snap(row, ATTENDANCE_FIELDS), row
        elif status is None:
            await _between(session, at, existing["id"])
            deleted = await _changed(
                session,
                delete(at)
                .where(at.id == existing["id"], at.version == current)
                .execution_options(synchronize_session=False),
            )
            if deleted != 1:
                raise await _lost(session, ctx, at, existing["id"], current)
            action, before, after, result = (
                "delete",
                _snap(existing, dict.fromkeys((*ATTENDANCE_FIELDS, *CELL_ANCHORS))),
                None,
                None,
            )
        else:
            if existing["status"] == status:
                same: m.Attendance = await _fresh(session, at, existing["id"])
                return same
            reason = existing["reason"] if status is AttendanceStatus.ABSENT else None
            await _between(session, at, existing["id"])
            changed = await _changed(
                session,
                update(at)
                .where(at.id == existing["id"], at.version == current)
                .values(
                    status=status,
                    reason=reason,
                    version=at.version + 1,
                    updated_at=now,
                    author_user_id=viewer.user_id,
                )
                .execution_options(synchronize_session=False),
            )
            if changed != 1:
                raise await _lost(session, ctx, at, existing["id"], current)
            result = await _fresh(session, at, existing["id"])
            action, before, after = (
                "update",
                _snap(existing, ATTENDANCE_FIELDS),
                _snap(result, ATTENDANCE_FIELDS),
            )
        await _audit(
            session,
            ctx,
            mutation="setAttendance",
            action=action,
            object_type="attendance",
            object_id=existing["id"] if existing is not None else result.id if result else None,
            before=before,
            after=after,
            client_mutation_id=client_mutation_id,
        )
        return result

    return await _write(ctx, client_mutation_id, body)


async def set_absence_reason(
    ctx: Context,
    *,
    lesson_id: int,
    student_id: int,
    reason: AbsenceReason | None,
    expected_version: int | None,
    client_mutation_id: str | None,
) -> m.Attendance:
    """Say why the student was absent (or, with None, that the reason is not known)."""
    viewer = ctx.viewer
    assert viewer is not None

    async def body(session: AsyncSession) -> m.Attendance:
        await _lesson_and_member(session, ctx, lesson_id, student_id)
        existing = await _attendance_row(session, lesson_id, student_id)
        if existing is None or existing["status"] != AttendanceStatus.ABSENT:
            raise Invalid([("input.student", message("journal_not_absent", ctx.language))])
        current = existing["version"]
        if expected_version is not None and expected_version != current:
            raise _conflict(ctx, current, expected_version)
        at = m.Attendance
        if existing["reason"] == reason:
            same: m.Attendance = await _fresh(session, at, existing["id"])
            return same
        await _between(session, at, existing["id"])
        changed = await _changed(
            session,
            update(at)
            .where(at.id == existing["id"], at.version == current)
            .values(
                reason=reason,
                reason_set_by_user_id=viewer.user_id,
                version=at.version + 1,
                updated_at=utcnow(),
            )
            .execution_options(synchronize_session=False),
        )
        if changed != 1:
            raise await _lost(session, ctx, at, existing["id"], current)
        row: m.Attendance = await _fresh(session, at, existing["id"])
        await _audit(
            session,
            ctx,
            mutation="setAbsenceReason",
            action="update",
            object_type="attendance",
            object_id=row.id,
            before=_snap(existing, ATTENDANCE_FIELDS),
            after=_snap(row, ATTENDANCE_FIELDS),
            client_mutation_id=client_mutation_id,
        )
        return row

    return await _write(ctx, client_mutation_id, body)


# =====================================================================================
# Final marks
# =====================================================================================

FINAL_FIELDS = (
    "student_id",
    "discipline_id",
    "group_id",
    "period_id",
    "date",
    "kind",
    "value",
    "needs_approval",
    "version",
    "author_user_id",
    "approved_by_user_id",
)


async def _curriculum_problems(
    session: AsyncSession,
    ctx: Context,
    *,
    group: m.StudyGroup,
    discipline: m.Discipline,
    period: m.Period,
    kind: FinalMarkKind,
    value: str,
) -> list[Problem]:
    """The discipline must be in the group's curriculum for the period (any term of the
    study year for a year mark); the value on the scale of its attestation form."""
    lang = ctx.language
    problems: list[Problem] = []
    if kind is FinalMarkKind.YEAR and period.kind is not PeriodKind.YEAR:
        problems.append(
            ("input.kind", message("journal_year_mark_period", lang, period=period.name))
        )
    if period.kind is PeriodKind.YEAR and kind not in YEAR_PERIOD_KINDS:
        problems.append(("input.kind", message("journal_year_period_kind", lang)))
    found = await _study_year_of(session, group)
    forms: set[AttestationForm] = set()
    if found is not None:
        curriculum, study_year = found
        ci = m.CurriculumItem
        stmt = select(ci.attestation_form).where(
            ci.curriculum_id == curriculum.id,
            ci.discipline_id == discipline.id,
            ci.study_year == study_year,
        )
        if period.kind is not PeriodKind.YEAR:
            stmt = stmt.where(ci.term == period.number)
            if curriculum.period_kind is not period.kind:
                stmt = stmt.where(false())
        forms = set((await session.execute(stmt)).scalars())
    if not forms:
        problems.append(
            (
                "input.discipline",
                message(
                    "journal_not_in_curriculum",
                    lang,
                    discipline=discipline.name,
                    group=group.name,
                    period=period.name,
                ),
            )
        )
        return problems
    credit = AttestationForm.CREDIT in forms or await _credit_discipline(
        session, group, discipline.id
    )
    problem = _scale_problem(value, credit, lang)
    if problem:
        problems.append(problem)
    return problems


async def _needs_approval(
    ctx: Context,
    student_id: int,
    discipline_id: int,
    period_id: int,
    kind: FinalMarkKind,
    value: str,
) -> bool:
    """Departs from what the ruleset's final-mark rule suggests as ``approval_when`` says
    (Armavir разд. 6): waits for ``approval_by``'s agreement (``approveFinalMark``)."""
    if kind not in SUGGESTED_KINDS:
        return False
    rule = journal_rules.final_mark_rule(ctx.authorizer.compiled.ruleset)
    if rule is None:
        return False
    from campusgraph.resolvers.suggestions import SuggestionNotFound, suggest_for

    try:
        found = await suggest_for(
            ctx,
            student_id=student_id,
            discipline_id=discipline_id,
            period_id=period_id,
            check_access=False,
        )
    except SuggestionNotFound:
        return False
    suggested = found.suggestion.value if found.suggestion is not None else None
    return journal_rules.needs_approval(rule, suggested, value)


async def set_final_mark(
    ctx: Context,
    *,
    student_id: int,
    discipline_id: int,
    period_id: int,
    kind: FinalMarkKind,
    value: str,
    expected_version: int | None,
    client_mutation_id: str | None,
) -> m.FinalMark:
    viewer = ctx.viewer
    assert viewer is not None and viewer.institution_id is not None
    inst = viewer.institution_id
    lang = ctx.language
    value = value.strip().lower()
    approval = await _needs_approval(ctx, student_id, discipline_id, period_id, kind, value)

    async def body(session: AsyncSession) -> m.FinalMark:
        period = _found(await _one(session, m.Period, period_id), "input.period", lang)
        discipline = _found(
            await _one(session, m.Discipline, discipline_id), "input.discipline", lang
        )
        _found(await _one(session, m.Student, student_id), "input.student", lang)
        place = await _final_mark_place(session, student_id, period)
        if place is None:
            raise Invalid(
                [("input.student", message("journal_no_group_in_period", lang, period=period.name))]
            )
        group = _found(await _one(session, m.StudyGroup, place.group_id), "input.student", lang)
        problems = await _curriculum_problems(
            session, ctx, group=group, discipline=discipline, period=period, kind=kind, value=value
        )
        if problems:
            raise Invalid(problems)
        fm = m.FinalMark
        existing = (
            (
                await session.execute(
                    select(*(getattr(fm, f) for f in ("id", *FINAL_FIELDS))).where(
                        fm.student_id == student_id,
                        fm.discipline_id == discipline_id,
                        fm.period_id == period_id,
                        fm.kind == kind,
                    )
                )
            )
            .mappings()
            .first()
        )
        now = utcnow()
        current = existing["version"] if existing is not None else None
        if expected_version != current:
            raise _conflict(ctx, current, expected_version)
        if existing is None:
            row = m.FinalMark(
                institution_id=inst,
                student_id=student_id,
                discipline_id=discipline_id,
                group_id=place.group_id,
                period_id=period_id,
                date=place.date,
                kind=kind,
                value=value,
                needs_approval=approval,
                author_user_id=viewer.user_id,
                version=1,
                updated_at=now,
                set_on=ctx.settings.current_date(),
            )
            session.add(row)
            await session.flush()
            before = None
        else:
            if existing["value"] == value:
                same: m.FinalMark = await _fresh(session, fm, existing["id"])
                return same
            await _between(session, fm, existing["id"])
            changed = await _changed(
                session,
                update(fm)
                .where(fm.id == existing["id"], fm.version == current)
                .values(
                    value=value,
                    needs_approval=approval,
                    approved_by_user_id=None,
                    approved_at=None,
                    version=fm.version + 1,
                    updated_at=now,
                    author_user_id=viewer.user_id,
                )
                .execution_options(synchronize_session=False),
            )
            if changed != 1:
                raise await _lost(session, ctx, fm, existing["id"], current)
            row = await _fresh(session, fm, existing["id"])
            before = _snap(dict(existing), FINAL_FIELDS)
        await _audit(
            session,
            ctx,
            mutation="setFinalMark",
            action="create" if before is None else "update",
            object_type="final_mark",
            object_id=row.id,
            before=before,
            after=_snap(row, FINAL_FIELDS),
            client_mutation_id=client_mutation_id,
        )
        return row

    return await _write(ctx, client_mutation_id, body)


async def approve_final_mark(
    ctx: Context, pk: int, expected_version: int | None, client_mutation_id: str | None
) -> m.FinalMark:
    """Agree a final mark that waits for it (``needs_approval``: given other than the
    ruleset's final-mark rule suggests, Armavir разд. 6). The mark is kept as it is; the
    wait ends and who agreed, and when, are stored. Agreeing one already agreed answers it
    unchanged (a retry, a second deputy); one that never waited is refused — there is
    nothing to agree, the rule or the teacher decided it."""
    viewer = ctx.viewer
    assert viewer is not None
    lang = ctx.language

    async def body(session: AsyncSession) -> m.FinalMark:
        fm = m.FinalMark
        row: m.FinalMark = _found(await _one(session, fm, pk), "input.id", lang)
        if expected_version is not None and row.version != expected_version:
            raise _conflict(ctx, row.version, expected_version)
        if not row.needs_approval:
            if row.approved_by_user_id is not None:
                return row
            raise Invalid([("input.id", message("final_mark_nothing_to_approve", lang))])
        before = _snap(row, FINAL_FIELDS)
        await _between(session, fm, pk)
        changed = await _changed(
            session,
            update(fm)
            .where(fm.id == pk, fm.version == row.version, fm.needs_approval.is_(True))
            .values(
                needs_approval=False,
                approved_by_user_id=viewer.user_id,
                approved_at=utcnow(),
                version=fm.version + 1,
                updated_at=utcnow(),
            )
            .execution_options(synchronize_session=False),
        )
        if changed != 1:
            raise await _lost(session, ctx, fm, pk, row.version)
        fresh: m.FinalMark = await _fresh(session, fm, pk)
        await _audit(
            session,
            ctx,
            mutation="approveFinalMark",
            action="approve",
            object_type="final_mark",
            object_id=pk,
            before=before,
            after=_snap(fresh, FINAL_FIELDS),
            client_mutation_id=client_mutation_id,
        )
        return fresh

    return await _write(ctx, client_mutation_id, body)


async def delete_final_mark(
    ctx: Context, pk: int, expected_version: int | None, client_mutation_id: str | None
) -> None:
    async def body(session: AsyncSession) -> None:
        before = await _delete_versioned(
            session, ctx, m.FinalMark, pk, expected_version, FINAL_FIELDS
        )
        await _audit(
            session,
            ctx,
            mutation="deleteFinalMark",
            action="delete",
            object_type="final_mark",
            object_id=pk,
            before=before,
            after=None,
            client_mutation_id=client_mutation_id,
        )

    await _write(ctx, client_mutation_id, body)


# =====================================================================================
# Closing and reopening periods
# =====================================================================================


async def set_period_closed(
    ctx: Context, pk: int, closed: bool, client_mutation_id: str | None
) -> m.Period:
    """Close a period for changes, or reopen it.

    The period row is taken FOR UPDATE first: on PostgreSQL that waits until every journal
    write that has already checked this period (its trigger holds FOR SHARE) has
    committed, and makes every later one wait for this transaction and then see the period
    closed. ``closed_at`` is read off the clock only after the lock is held, so every write
    that got in has its ``updated_at`` and audit time before ``closed_at``."""
    viewer = ctx.viewer
    assert viewer is not None
    lang = ctx.language

    async def body(session: AsyncSession) -> m.Period:
        p = m.Period
        row: m.Period = _found(
            (
                await session.execute(select(p).where(p.id == pk).with_for_update())
            ).scalar_one_or_none(),
            "input.id",
            lang,
        )
        if closed and row.closed_at is not None:
            raise Invalid(
                [("input.id", message("journal_period_already_closed", lang, period=row.name))]
            )
        if not closed:
            if row.closed_at is None:
                raise Invalid(
                    [("input.id", message("journal_period_not_closed", lang, period=row.name))]
                )
            year = await _one(session, m.AcademicYear, row.academic_year_id)
            if year is not None and year.closed_at is not None:
                raise Invalid([("input.id", message("journal_year_closed", lang, year=year.name))])
        before = {"closed_at": plain(row.closed_at), "closed_by_user_id": row.closed_by_user_id}
        now = utcnow() if closed else None
        by = viewer.user_id if closed else None
        await session.execute(
            update(p)
            .where(p.id == pk)
            .values(closed_at=now, closed_by_user_id=by)
            .execution_options(synchronize_session=False)
        )
        fresh: m.Period = await _fresh(session, p, pk)
        await _audit(
            session,
            ctx,
            mutation="closePeriod" if closed else "reopenPeriod",
            action="close" if closed else "reopen",
            object_type="period",
            object_id=pk,
            before=before,
            after={"closed_at": plain(fresh.closed_at), "closed_by_user_id": by},
            client_mutation_id=client_mutation_id,
        )
        return fresh

    return await _write(ctx, client_mutation_id, body)


# =====================================================================================
# Substitutions
# =====================================================================================


async def grant_substitution(
    ctx: Context, lesson_id: int, teacher_id: int, client_mutation_id: str | None
) -> m.Substitution:
    """Let ``teacher`` fill the journal of one lesson he covers (Tomsk п. 4.8.1)."""
    viewer = ctx.viewer
    assert viewer is not None and viewer.institution_id is not None
    inst = viewer.institution_id
    lang = ctx.language

    async def body(session: AsyncSession) -> m.Substitution:
        lesson = _found(await _one(session, m.Lesson, lesson_id), "input.lesson", lang)
        if await _one(session, m.Employee, teacher_id) is None:
            raise Invalid([("input.teacher", message("journal_not_employee", lang))])
        if lesson.teacher_id == teacher_id:
            raise Invalid([("input.teacher", message("journal_substitution_own", lang))])
        sub = m.Substitution
        there = (
            await session.execute(
                select(sub.id).where(sub.lesson_id == lesson_id, sub.teacher_id == teacher_id)
            )
        ).first()
        if there is not None:
            raise Invalid([("input.teacher", message("journal_substitution_exists", lang))])
        row = m.Substitution(
            institution_id=inst,
            lesson_id=lesson_id,
            teacher_id=teacher_id,
            granted_by_user_id=viewer.user_id,
            granted_at=utcnow(),
        )
        session.add(row)
        await session.flush()
        await _audit(
            session,
            ctx,
            mutation="grantSubstitution",
            action="grant",
            object_type="substitution",
            object_id=row.id,
            before=None,
            after={"lesson_id": lesson_id, "teacher_id": teacher_id},
            client_mutation_id=client_mutation_id,
        )
        return row

    return await _write(ctx, client_mutation_id, body)


# =====================================================================================
# History of a journal cell
# =====================================================================================


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    at: dt.datetime
    action: str
    login: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class HistoryLoader(DataLoader):  # type: ignore[type-arg]
    """Audit events of rows, keyed by (object type, id), oldest first. Only called for a
    row the viewer could load (the row's own read filter decided), so the history is
    visible exactly to whoever may read the row."""

    def __init__(self, ctx: Context) -> None:
        super().__init__()
        self.ctx = ctx

    async def batch_load_fn(self, keys: list[tuple[str, int]]) -> list[list[HistoryEntry]]:
        viewer = self.ctx.viewer
        assert viewer is not None
        by_type: dict[str, set[int]] = defaultdict(set)
        for object_type, pk in keys:
            by_type[object_type].add(pk)
        ae, ua = m.AuditEvent, m.UserAccount
        stmt = (
            select(ae.object_type, ae.object_id, ae.at, ae.action, ua.login, ae.before, ae.after)
            .outerjoin(ua, ua.id == ae.user_id)
            .where(
                ae.institution_id.in_(viewer.institution_ids),
                or_(
                    *(
                        and_(ae.object_type == t, ae.object_id.in_(sorted(ids)))
                        for t, ids in by_type.items()
                    )
                ),
            )
            .order_by(ae.at, ae.id)
        )
        async with self.ctx.session() as session:
            rows = (await session.execute(stmt)).all()
            # The users the rows name (authors …), by login: one statement, when any.
            users = set().union(*(audit.user_ids(r[0], r[5], r[6]) for r in rows))
            logins: dict[int, str] = {}
            if users:
                found = await session.execute(select(ua.id, ua.login).where(ua.id.in_(users)))
                logins = {int(row[0]): str(row[1]) for row in found}
        grouped: dict[tuple[str, int], list[HistoryEntry]] = defaultdict(list)
        for object_type, object_id, at, action, login, before, after in rows:
            entries = grouped[(object_type, object_id)]
            if action == "delete":
                # SQLite reuses the id of a deleted last row: what came before the
                # delete was another row's history.
                entries.clear()
                continue
            entries.append(
                HistoryEntry(
                    at,
                    action,
                    login,
                    audit.readable(object_type, before, logins),
                    audit.readable(object_type, after, logins),
                )
            )
        return [grouped.get(key, []) for key in keys]


def history_loader(ctx: Context) -> HistoryLoader:
    loader = ctx.extras.get("journal_history")
    if loader is None:
        loader = ctx.extras["journal_history"] = HistoryLoader(ctx)
    assert isinstance(loader, HistoryLoader)
    return loader
