"""``viewer.can``: the policy decision on a real row (or the row a new one would join),
so a screen can show or hide an action, and say why."""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from campusgraph import ids
from campusgraph.context import Context
from campusgraph.db import models as m
from campusgraph.policies.engine import Decision
from campusgraph.policies.facts import Target, membership_current
from campusgraph.policies.targets import target_of
from campusgraph.policies.vocabulary import Action, granted_role, object_spec

#: GraphQL type name → the policy object whose anchors a row of that type carries.
TYPE_OBJECTS = {
    "Institution": "institution",
    "Group": "group",
    "Subgroup": "subgroup",
    "Student": "student",
    "Parent": "parent",
    "Employee": "employee",
    "Discipline": "discipline",
    "Period": "period",
    "AcademicYear": "academic_year",
    "TeachingAssignment": "teaching_assignment",
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
    target = auth.target(obj, institution_id=viewer.institution_id)
    named_itself = False
    async with ctx.session() as session:
        for gid in gids:
            type_name, pk = ids.from_global_id(gid)
            source = TYPE_OBJECTS.get(type_name)
            if source is None:
                raise UnknownName(f"type {type_name!r}")
            found = await target_of(session, source, pk)
            if found is None:
                return None
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
