"""The one place a report's access is decided: its level, then the rows it would show.

1. The level's object (:data:`~campusgraph.policies.vocabulary.REPORT_OBJECTS`) must allow
   the action (``read`` for the query, ``export`` for a file) on the row asked: the
   institution, each group of a department, the group, the group × discipline, the
   teacher, the student. Refused: FORBIDDEN with the ruleset's reason, never narrowed.
2. The people the report is about (its *population*: the level's students, or the
   institution's employees for the HR list) decide the rest. A report listing persons
   (``ReportSpec.personal``) needs ``read`` on every one of them, else FORBIDDEN; an
   aggregate seen by a viewer who may not read them all (the region authority) has its
   cells over fewer than ``settings.small_cell_minimum`` students suppressed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from sqlalchemy import not_, or_, select

from campusgraph.context import Context
from campusgraph.db import models as m
from campusgraph.policies.targets import target_of
from campusgraph.policies.vocabulary import REPORT_OBJECTS, ReportLevel
from campusgraph.reports.of import ReportOf

#: The pairs :func:`authorize` asks about with a computed object (``policy lint``, see
#: :mod:`campusgraph.policies.operations`): each level's object under ``read`` (the query)
#: and ``export`` (the file), and the population's rows under ``read``. Written out: the
#: scan reads literals (a test holds them equal to ``REPORT_OBJECTS``).
EXERCISES = (
    ("report", "read"),
    ("report", "export"),
    ("report.institution", "read"),
    ("report.institution", "export"),
    ("report.subject", "read"),
    ("report.subject", "export"),
    ("report.teacher", "read"),
    ("report.teacher", "export"),
    ("report.student", "read"),
    ("report.student", "export"),
    ("student", "read"),
    ("employee", "read"),
)


class ReportNotFound(LookupError):
    """A row the report was asked of does not exist for the viewer (NOT_FOUND)."""


@dataclasses.dataclass(frozen=True, slots=True)
class ReportAccess:
    """What a builder needs, decided: the level, its rows, its dates."""

    of: ReportOf
    level: ReportLevel
    #: The institution the report is computed for (the viewer's own, or the one a region
    #: viewer named).
    institution_id: int
    #: The groups of a department level (each allowed); else empty.
    group_ids: tuple[int, ...]
    #: The teacher's person for a teacher level; the student's for a student level.
    person_id: int | None
    period: m.Period | None
    #: Inclusive; None where neither a period nor dates were given (the builder's default).
    date_from: dt.date | None
    date_to: dt.date | None
    #: None: every figure shown; else cells over fewer students than this are null.
    suppress_below: int | None
    #: The viewer's today: without dates, the level's students are those of today.
    today: dt.date | None = None

    def suppressed(self, students: int) -> bool:
        return self.suppress_below is not None and 0 < students < self.suppress_below


def level_students(access: ReportAccess) -> Any:
    """SELECT of the ids of the students the level is about (in a group of the level at
    some day of its dates, or today without dates)."""
    gm = m.GroupMembership
    start = access.date_from or access.date_to or access.today
    end = access.date_to or access.date_from or access.today
    stmt = select(gm.student_id).where(gm.institution_id == access.institution_id)
    if start is not None and end is not None:
        # Without dates, today: a student who left long ago is not the group's now (and
        # his curator may no longer read him, which refused a personal report outright).
        stmt = stmt.where(gm.starts_on <= end, or_(gm.ends_on.is_(None), gm.ends_on > start))
    of = access.of
    if access.level is ReportLevel.STUDENT:
        return select(m.Student.id).where(m.Student.id == of.student_id)
    if access.level in (ReportLevel.GROUP, ReportLevel.SUBJECT):
        return stmt.where(gm.group_id == of.group_id)
    if access.level is ReportLevel.DEPARTMENT:
        return stmt.where(gm.group_id.in_(access.group_ids or (-1,)))
    if access.level is ReportLevel.TEACHER:
        ta = m.TeachingAssignment
        taught = select(ta.group_id).where(ta.teacher_id == of.teacher_id)
        return stmt.where(gm.group_id.in_(taught))
    return stmt


def _population(access: ReportAccess, personal: str) -> Any:
    if personal == "student":
        return level_students(access)
    if personal == "employee":
        e = m.Employee
        return select(e.id).where(e.institution_id == access.institution_id)
    if personal == "account":
        ua = m.UserAccount
        return select(ua.id).where(ua.institution_id == access.institution_id)
    raise ValueError(f"no population for report rows of {personal!r}")


async def authorize(
    ctx: Context, of: ReportOf, *, action: str = "read", personal: str | None = None
) -> ReportAccess:
    """Decide, or raise :class:`~campusgraph.policies.engine.Forbidden` /
    :class:`ReportNotFound` / :class:`~campusgraph.reports.of.BadReportOf`."""
    of.check()
    auth = ctx.authorizer
    viewer = ctx.viewer
    assert viewer is not None
    level = of.level
    obj = REPORT_OBJECTS[level]
    group_ids: tuple[int, ...] = ()
    person_id: int | None = None
    async with ctx.report_session() as session:
        institution_id: int
        if level is ReportLevel.INSTITUTION:
            named = of.institution_id or viewer.institution_id
            if named is None or named not in viewer.institution_ids:
                raise ReportNotFound
            institution_id = named
            target = auth.target(obj, institution_id=institution_id)
            await auth.require(obj, action, target)
        elif level is ReportLevel.DEPARTMENT:
            dep = await session.get(m.Department, of.department_id)
            if dep is None:
                raise ReportNotFound
            institution_id = dep.institution_id
            sg = m.StudyGroup
            found = await session.execute(
                select(sg.id).where(sg.department_id == dep.id).order_by(sg.id)
            )
            group_ids = tuple(found.scalars().all())
            if not group_ids:
                # No group to check row by row: only the whole institution's line opens
                # it (else anyone, a student too, got an empty department "allowed").
                target = auth.target(obj, institution_id=institution_id)
                await auth.require(obj, action, target)
            for group_id in group_ids:
                group = await target_of(session, obj, group_id)
                assert group is not None
                await auth.require(obj, action, group)
        else:
            pk = {
                ReportLevel.GROUP: of.group_id,
                ReportLevel.SUBJECT: of.group_id,
                ReportLevel.TEACHER: of.teacher_id,
                ReportLevel.STUDENT: of.student_id,
            }[level]
            assert pk is not None
            looked = "report" if level is ReportLevel.SUBJECT else obj
            found_target = await target_of(session, looked, pk)
            if found_target is None or found_target.institution_id is None:
                raise ReportNotFound
            target = found_target
            institution_id = found_target.institution_id
            person_id = target.person_id
            if level is ReportLevel.SUBJECT:
                exists_discipline = await session.get(m.Discipline, of.discipline_id)
                if exists_discipline is None:
                    raise ReportNotFound
                target = dataclasses.replace(
                    auth.retarget(target, obj), discipline_id=of.discipline_id
                )
            if level is ReportLevel.STUDENT:
                student = await session.get(m.Student, of.student_id)
                person_id = None if student is None else student.person_id
            await auth.require(obj, action, target)
        if of.institution_id is not None and of.institution_id != institution_id:
            # The row asked is not of the institution named: never its figures under
            # another institution's name.
            raise ReportNotFound
        period: m.Period | None = None
        date_from, date_to = of.date_from, of.date_to
        if of.period_id is not None:
            period = await session.get(m.Period, of.period_id)
            if period is None or period.institution_id != institution_id:
                raise ReportNotFound
            date_from, date_to = period.starts_on, period.ends_on
        access = ReportAccess(
            of=of,
            level=level,
            institution_id=institution_id,
            group_ids=group_ids,
            person_id=person_id,
            period=period,
            date_from=date_from,
            date_to=date_to,
            suppress_below=None,
            today=viewer.today,
        )
        population = personal or "student"
        unreadable = await _first_unreadable(ctx, session, access, population)
        if unreadable is None:
            return access
        if personal is not None:
            row = await target_of(session, population, unreadable)
            assert row is not None
            await auth.require(population, "read", row)
            # The row check allowed what the SQL filter did not: trust the refusal side.
            raise AssertionError("row check and SQL filter disagree on " + population)
        return dataclasses.replace(access, suppress_below=ctx.settings.small_cell_minimum)


async def _first_unreadable(
    ctx: Context, session: Any, access: ReportAccess, obj: str
) -> int | None:
    """The first row of the population the viewer may not read, by the same SQL filter
    every list uses; None when he may read them all."""
    model: Any = {"student": m.Student, "employee": m.Employee, "account": m.UserAccount}[obj]
    readable = ctx.authorizer.where(obj, "read")
    stmt = (
        select(model.id)
        .where(model.id.in_(_population(access, obj)), not_(readable))
        .order_by(model.id)
        .limit(1)
    )
    found = (await session.execute(stmt)).scalar_one_or_none()
    return None if found is None else int(found)
