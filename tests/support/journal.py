"""Finding journal cells of the demo data for the write-path tests: a lesson of a group ×
discipline, one of its works, and students who have no mark for it and no attendance
entry at it yet (so a test that gives one knows what was there before)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, exists, or_, select

from campusgraph.db import models as m
from campusgraph.db.tenancy import unscoped
from campusgraph.ids import to_global_id
from tests.support import DEMO_TODAY


@dataclass(frozen=True)
class Cell:
    """A (work, student) pair with no mark and no attendance entry, as global ids and pks."""

    lesson: str
    work: str
    student: str
    lesson_pk: int
    work_pk: int
    student_pk: int
    group_pk: int
    discipline_pk: int
    date: dt.date


async def institution_id(db: Any, slug: str) -> int:
    async with unscoped(db.factory) as s:
        return int(
            (
                await s.execute(select(m.Institution.id).where(m.Institution.slug == slug))
            ).scalar_one()
        )


async def group_and_discipline(db: Any, slug: str, group: str, discipline: str) -> tuple[int, int]:
    inst = await institution_id(db, slug)
    async with unscoped(db.factory) as s:
        g = (
            await s.execute(
                select(m.StudyGroup.id).where(
                    m.StudyGroup.institution_id == inst, m.StudyGroup.name == group
                )
            )
        ).scalar_one()
        # Names repeat across programs: prefer the one the group has lessons of.
        taught = exists(
            select(m.Lesson.id).where(
                m.Lesson.group_id == g, m.Lesson.discipline_id == m.Discipline.id
            )
        )
        d = (
            await s.execute(
                select(m.Discipline.id)
                .where(m.Discipline.institution_id == inst, m.Discipline.name == discipline)
                .order_by(taught.desc(), m.Discipline.id)
                .limit(1)
            )
        ).scalar_one()
    return int(g), int(d)


async def free_cells(
    db: Any,
    slug: str,
    group: str,
    discipline: str,
    *,
    count: int = 1,
    on_or_before: dt.date = DEMO_TODAY,
    not_before: dt.date | None = None,
    student: int | None = None,
    not_student: int | None = None,
) -> list[Cell]:
    """``count`` distinct free cells, newest lessons first."""
    group_pk, discipline_pk = await group_and_discipline(db, slug, group, discipline)
    le, wo, gm, mk, at, sm = (
        m.Lesson,
        m.Work,
        m.GroupMembership,
        m.Mark,
        m.Attendance,
        m.SubgroupMember,
    )
    stmt = (
        select(le.id, wo.id, gm.student_id, le.date)
        .join(wo, wo.lesson_id == le.id)
        .join(
            gm,
            and_(
                gm.group_id == le.group_id,
                gm.starts_on <= le.date,
                or_(gm.ends_on.is_(None), gm.ends_on > le.date),
            ),
        )
        .where(
            le.group_id == group_pk,
            le.discipline_id == discipline_pk,
            le.date <= on_or_before,
            or_(
                le.subgroup_id.is_(None),
                exists(
                    select(sm.id).where(
                        sm.subgroup_id == le.subgroup_id, sm.student_id == gm.student_id
                    )
                ),
            ),
            ~exists(select(mk.id).where(mk.work_id == wo.id, mk.student_id == gm.student_id)),
            ~exists(select(at.id).where(at.lesson_id == le.id, at.student_id == gm.student_id)),
        )
        .order_by(le.date.desc(), wo.id, gm.student_id)
        .limit(count)
    )
    if not_before is not None:
        stmt = stmt.where(le.date >= not_before)
    if student is not None:
        stmt = stmt.where(gm.student_id == student)
    if not_student is not None:
        stmt = stmt.where(gm.student_id != not_student)
    async with unscoped(db.factory) as s:
        rows = (await s.execute(stmt)).all()
    assert len(rows) == count, f"only {len(rows)} free cells in {group} × {discipline}"
    return [
        Cell(
            lesson=to_global_id("Lesson", lesson),
            work=to_global_id("Work", work),
            student=to_global_id("Student", student),
            lesson_pk=lesson,
            work_pk=work,
            student_pk=student,
            group_pk=group_pk,
            discipline_pk=discipline_pk,
            date=date,
        )
        for lesson, work, student, date in rows
    ]


async def free_cell(db: Any, slug: str, group: str, discipline: str, **kw: Any) -> Cell:
    return (await free_cells(db, slug, group, discipline, **kw))[0]


async def period_id(db: Any, slug: str, on: dt.date, kind: str) -> int:
    """The period of ``kind`` containing ``on``."""
    inst = await institution_id(db, slug)
    async with unscoped(db.factory) as s:
        return int(
            (
                await s.execute(
                    select(m.Period.id).where(
                        m.Period.institution_id == inst,
                        m.Period.kind == kind,
                        m.Period.starts_on <= on,
                        m.Period.ends_on >= on,
                    )
                )
            ).scalar_one()
        )


async def student_of_other_group(db: Any, slug: str, group: str, on: dt.date) -> int:
    """A student who is in ``group`` on ``on`` (to use against a lesson of another group)."""
    inst = await institution_id(db, slug)
    gm = m.GroupMembership
    async with unscoped(db.factory) as s:
        return int(
            (
                await s.execute(
                    select(gm.student_id)
                    .join(m.StudyGroup, m.StudyGroup.id == gm.group_id)
                    .where(
                        m.StudyGroup.institution_id == inst,
                        m.StudyGroup.name == group,
                        gm.starts_on <= on,
                        or_(gm.ends_on.is_(None), gm.ends_on > on),
                    )
                    .order_by(gm.student_id)
                    .limit(1)
                )
            ).scalar_one()
        )


async def student_pk(db: Any, slug: str, login: str = "student") -> int:
    """The student card of a demo account."""
    inst = await institution_id(db, slug)
    async with unscoped(db.factory) as s:
        return int(
            (
                await s.execute(
                    select(m.Student.id)
                    .join(m.UserAccount, m.UserAccount.person_id == m.Student.person_id)
                    .where(m.UserAccount.institution_id == inst, m.UserAccount.login == login)
                )
            ).scalar_one()
        )
