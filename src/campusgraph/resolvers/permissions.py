"""``viewer.can``: the policy decision on a real row (or the row a new one would join),
so a screen can show or hide an action, and say why."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from campusgraph import ids, portfolios
from campusgraph.context import Context
from campusgraph.db import models as m
from campusgraph.policies.engine import Decision
from campusgraph.policies.facts import Target, membership_current
from campusgraph.policies.targets import target_of
from campusgraph.policies.vocabulary import OBJECTS, Action, granted_role, object_spec
from campusgraph.resolvers import announcements, correspondence

#: GraphQL type name → the policy object whose anchors a row of that type carries, its
#: rows being in that object's own table (``OBJECT_MODELS``): what the golden cases and the
#: fuzzer pick rows by. A type here may still be decided as another object the row says
#: (:data:`ROW_OBJECTS` comes first: an announcement carries every audience's anchors).
#: Every type handed out in global ids is here, in :data:`TYPE_MODELS` or in
#: :data:`ROW_OBJECTS` (tests/policies/test_can_types.py holds the schema to it).
TYPE_OBJECTS = {
    "Institution": "institution",
    "Department": "department",
    "Speciality": "speciality",
    "EducationalProgram": "program",
    "Curriculum": "curriculum",
    "Position": "position",
    "Group": "group",
    "Subgroup": "subgroup",
    "Student": "student",
    "Parent": "parent",
    "Employee": "employee",
    "UserAccount": "account",
    "Applicant": "applicant",
    "MovementOrder": "movement_order",
    "Discipline": "discipline",
    "Period": "period",
    "AcademicYear": "academic_year",
    "DayOff": "calendar",
    "TeachingAssignment": "teaching_assignment",
    "Substitution": "substitution",
    "TimetableEntry": "timetable",
    "Lesson": "lesson",
    "Work": "work",
    "Mark": "mark",
    "Attendance": "attendance",
    "FinalMark": "final_mark",
    "ThematicPlan": "thematic_plan",
    "Room": "room",
    "Announcement": "announcement",
    "Message": "message",
}

#: Types whose rows are rows of an object kept in a table other than the object's own:
#: (the object, the table). A bell slot or a day transfer is a ``calendar`` row as a day
#: off is.
TYPE_MODELS: dict[str, tuple[str, Any]] = {
    "DayTransfer": ("calendar", m.DayTransfer),
    "BellSlot": ("calendar", m.BellSlot),
}

RowOf = Callable[[Context, AsyncSession, int], Awaitable[tuple[str, Target] | None]]


async def _announcement(ctx: Context, session: AsyncSession, pk: int) -> tuple[str, Target] | None:
    """An announcement is a row of its audience's object (a department's is an
    ``announcement.department`` row): what publishing, changing and withdrawing it decide
    on."""
    a = m.Announcement
    found = (
        await session.execute(
            select(a.group_id, a.department_id, a.audience_role).where(a.id == pk)
        )
    ).first()
    if found is None:
        return None
    obj = announcements.OBJECT_OF[announcements.audience_of(dict(found._mapping))]
    target = await target_of(session, obj, pk)
    return None if target is None else (obj, target)


async def _portfolio_entry(
    ctx: Context, session: AsyncSession, pk: int
) -> tuple[str, Target] | None:
    """A student's entry is a ``portfolio`` row, an employee's a ``portfolio.teacher`` one."""
    return await portfolios.entry_target_in(session, pk)


async def _portfolio_file(
    ctx: Context, session: AsyncSession, pk: int
) -> tuple[str, Target] | None:
    """A file is decided on as its entry (adding or removing one is ``update`` of it)."""
    entry = await portfolios.entry_of_file_in(session, pk)
    return None if entry is None else await portfolios.entry_target_in(session, entry)


async def _thread(ctx: Context, session: AsyncSession, pk: int) -> tuple[str, Target] | None:
    """A thread is, for a participant, the messages he writes and reads in it: a
    ``message`` of his own, what ``reply`` and ``markThreadRead`` decide on. For anyone
    else it does not exist (those mutations answer NOT_FOUND)."""
    thread = await correspondence.my_thread(session, ctx, pk)
    if thread is None:
        return None
    v = ctx.viewer
    assert v is not None
    target = ctx.authorizer.target(
        "message",
        institution_id=thread.institution_id,
        author_id=v.user_id,
        person_id=v.person_id,
    )
    return "message", target


async def _thematic_plan_topic(
    ctx: Context, session: AsyncSession, pk: int
) -> tuple[str, Target] | None:
    """A topic is a line of its plan: the plan's ``thematic_plan`` row."""
    plan = await session.scalar(
        select(m.ThematicPlanTopic.plan_id).where(m.ThematicPlanTopic.id == pk)
    )
    if plan is None:
        return None
    target = await target_of(session, "thematic_plan", plan)
    return None if target is None else ("thematic_plan", target)


#: The objects a row of each type of :data:`ROW_OBJECTS` may be, where it may be several
#: and only one is ever right: ``viewer.can`` asked with one of them answers on the one the
#: row is (an entry's owner never changes: asked as the other kind, the question can only
#: be a mistake, and answering it would contradict the mutation). Not announcements: one
#: may be re-addressed (``updateAnnouncement`` decides the new audience's object on the
#: row), and its row carries every audience's anchors, so asked as another audience's
#: object it is decided as that object on what the row is.
ROW_FAMILIES: dict[str, frozenset[str]] = {
    "PortfolioEntry": frozenset({portfolios.STUDENT_OBJECT, portfolios.TEACHER_OBJECT}),
    "PortfolioFile": frozenset({portfolios.STUDENT_OBJECT, portfolios.TEACHER_OBJECT}),
}

#: Types whose object, or whose anchors, the row (or the viewer) decides.
ROW_OBJECTS: dict[str, RowOf] = {
    "Announcement": _announcement,
    "PortfolioEntry": _portfolio_entry,
    "PortfolioFile": _portfolio_file,
    "Thread": _thread,
    "ThematicPlanTopic": _thematic_plan_topic,
}


def nameable_types() -> frozenset[str]:
    """The type names ``viewer.can`` takes in ``id`` and ``on``."""
    return frozenset(TYPE_OBJECTS) | frozenset(TYPE_MODELS) | frozenset(ROW_OBJECTS)


async def named_row(
    ctx: Context, session: AsyncSession, type_name: str, pk: int
) -> tuple[str, Target] | None:
    """The object a row named by its global id is a row of, with its anchors; None when
    there is no such row for the viewer. :class:`UnknownName` for a type no object has."""
    row_of = ROW_OBJECTS.get(type_name)
    if row_of is not None:
        return await row_of(ctx, session, pk)
    source, model = TYPE_MODELS.get(type_name) or (TYPE_OBJECTS.get(type_name), None)
    if source is None:
        raise UnknownName(f"type {type_name!r}")
    found = await target_of(session, source, pk, model)
    return None if found is None else (source, found)


class UnknownName(ValueError):
    pass


def _merge(base: Target, extra: Target) -> Target:
    """Anchors of ``extra`` fill what ``base`` lacks (a mark to be created in a work, for a
    student)."""
    values = {}
    for f in dataclasses.fields(Target):
        if f.name in ("object_anchors", "declared"):
            continue
        mine, theirs = getattr(base, f.name), getattr(extra, f.name)
        values[f.name] = mine if mine not in (None, frozenset()) else theirs
    return dataclasses.replace(base, **values)


async def _students_in_group(session: AsyncSession, target: Target, today: dt.date) -> bool:
    """Whether the rows named together agree: the students were in the group (of the
    work, lesson, …) on the row's date — the place a row combining them would have. The
    anchors alone cannot say it (a student's row carries no group)."""
    if target.group_id is None or not target.student_ids:
        return True
    gm = m.GroupMembership
    members = await session.execute(
        select(gm.student_id).where(
            gm.group_id == target.group_id,
            gm.student_id.in_(target.student_ids),
            membership_current(target.date or today),
        )
    )
    return set(members.scalars()) == set(target.student_ids)


async def decide(ctx: Context, obj: str, act: str, gids: list[str]) -> Decision | None:
    """None when a named row does not exist or is not in the viewer's institutions."""
    spec = object_spec(obj)
    if spec is None:
        raise UnknownName(f"object {obj!r}")
    role = granted_role(obj)
    if role is not None and role not in ctx.authorizer.compiled.ruleset.roles:
        raise UnknownName(f"role {role!r}")
    if act not in Action.__members__.values():
        raise UnknownName(f"action {act!r}")
    auth = ctx.authorizer
    viewer = ctx.viewer
    assert viewer is not None
    async with ctx.session() as session:
        rows: list[tuple[str, Target]] = []
        for gid in gids:
            type_name, pk = ids.from_global_id(gid)
            named = await named_row(ctx, session, type_name, pk)
            if named is None:
                return None
            if named[0] != obj and obj in ROW_FAMILIES.get(type_name, ()):
                # Asked as another object of its type's: the row is a row of its own
                # object, the one its mutations decide on (an employee's entry asked as a
                # ``portfolio`` is confirmed as a ``portfolio.teacher``).
                obj = named[0]
                spec = OBJECTS[obj]
            rows.append(named)
        target = auth.target(obj, institution_id=viewer.institution_id)
        named_itself = False
        for source, found in rows:
            named_itself = named_itself or source == obj
            target = _merge(found, target) if source == obj else _merge(target, found)
        if len(gids) > 1 and not await _students_in_group(session, target, viewer.today):
            return None  # e.g. a work and a student of another group: no such cell
    if act == Action.CREATE and not named_itself:
        # The row to be created would be the viewer's, whatever wrote the rows it joins
        # (the write paths give a new mark or message the same author), and made today
        # when none of them dates it (a lesson or final mark named by its assignment).
        target = dataclasses.replace(
            target, author_id=viewer.user_id, date=target.date or viewer.today
        )
    target = dataclasses.replace(target, object_anchors=spec.anchors)
    if role is not None and act == Action.GRANT:
        # Granting a role hands over the roles it inherits: the engine decides them all.
        return await auth.check_grant(role, target)
    return await auth.check(obj, act, target)
