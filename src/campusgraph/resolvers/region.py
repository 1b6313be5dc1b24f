"""Aggregates across the institutions a viewer may summarise (education authorities)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Integer, case, cast, func, select

from campusgraph.context import Context
from campusgraph.db import models as m
from campusgraph.resolvers.reads import filtered


@dataclass(frozen=True, slots=True)
class InstitutionSummary:
    institution_id: int
    slug: str
    name: str
    groups: int
    students: int
    average_mark: float | None
    absences: int


async def region_summary(ctx: Context) -> list[InstitutionSummary]:
    """Counts and averages only: no row of a person, mark or absence leaves the database.
    Which institutions are summarised is the ruleset's ``region_report:read`` filter."""
    inst = m.Institution
    today = ctx.settings.current_date()
    gm = m.GroupMembership
    students = (
        select(func.count(func.distinct(gm.student_id)))
        .where(gm.institution_id == inst.id, gm.starts_on <= today)
        .where((gm.ends_on.is_(None)) | (gm.ends_on > today))
        .correlate(inst)
        .scalar_subquery()
    )
    # Each figure correlated to the institution row only, said explicitly.
    groups = (
        select(func.count(m.StudyGroup.id))
        .where(m.StudyGroup.institution_id == inst.id)
        .correlate(inst)
    )
    numeric = case((m.Mark.value.in_(["2", "3", "4", "5"]), cast(m.Mark.value, Integer)))
    average = select(func.avg(numeric)).where(m.Mark.institution_id == inst.id).correlate(inst)
    absences = (
        select(func.count(m.Attendance.id))
        .where(m.Attendance.institution_id == inst.id, m.Attendance.status == "absent")
        .correlate(inst)
    )
    stmt = filtered(
        ctx,
        "region_report",
        select(
            inst.id,
            inst.slug,
            inst.name,
            groups.scalar_subquery(),
            students,
            average.scalar_subquery(),
            absences.scalar_subquery(),
        ).order_by(inst.name),
    )
    async with ctx.report_session() as session:
        rows = (await session.execute(stmt)).all()
    return [
        InstitutionSummary(
            r[0],
            r[1],
            r[2],
            int(r[3]),
            int(r[4]),
            round(float(r[5]), 2) if r[5] else None,
            int(r[6]),
        )
        for r in rows
    ]
