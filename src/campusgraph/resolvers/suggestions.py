"""The final mark the ruleset's rule suggests for one student × discipline × period.

Loads the facts :func:`~campusgraph.resolvers.journal_rules.suggest_final_mark` needs —
the student's marks with the kind of work each was for, and how many graded works his
group had — through the viewer's filters (``mark`` and ``work`` read), after checking the
viewer may read that student's final mark in that discipline (``final_mark`` read on the
real row's anchors). Two or three statements.

The final-mark mutation may call :func:`suggest_for` too, then
:func:`~campusgraph.resolvers.journal_rules.needs_approval` to set ``needs_approval``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, or_, select

from campusgraph.context import Context
from campusgraph.db import models as m
from campusgraph.db.enums import GRADED_WORK_KINDS, WorkKind
from campusgraph.resolvers.journal_rules import Suggestion, final_mark_rule, suggest_final_mark


class SuggestionNotFound(LookupError):
    """The student, discipline or period does not exist here (or the student was not in
    any group during the period)."""


@dataclass(frozen=True, slots=True)
class SuggestionResult:
    """The suggestion (None: the ruleset has no average-based final-mark rule)."""

    suggestion: Suggestion | None
    ruleset: str
    group_id: int
    period_end: dt.date


async def suggest_for(
    ctx: Context,
    *,
    student_id: int,
    discipline_id: int,
    period_id: int,
    check_access: bool = True,
) -> SuggestionResult:
    """Raises :class:`SuggestionNotFound`, or ``Forbidden`` when the viewer may not read
    the student's final mark (``check_access=False`` skips that, for a caller that has
    already decided, e.g. a mutation that was allowed to write the mark)."""
    auth = ctx.authorizer
    compiled = ctx.registry.get(ctx.ruleset_slug or "")
    ruleset = compiled.ruleset
    gm, p = m.GroupMembership, m.Period
    async with ctx.session() as session:
        header = (
            await session.execute(
                select(p.starts_on, p.ends_on, gm.group_id, m.Discipline.id)
                .select_from(p)
                .join(m.Discipline, m.Discipline.id == discipline_id)
                .join(
                    gm,
                    (gm.student_id == student_id)
                    & (gm.starts_on <= p.ends_on)
                    & or_(gm.ends_on.is_(None), gm.ends_on > p.starts_on),
                )
                .where(p.id == period_id)
                .order_by(gm.starts_on.desc(), gm.id.desc())
                .limit(1)
            )
        ).first()
        if header is None:
            raise SuggestionNotFound
        starts, ends, group_id, _ = header
        if check_access:
            target = auth.target(
                "final_mark",
                institution_id=ctx.viewer.institution_id if ctx.viewer else None,
                group_id=group_id,
                discipline_id=discipline_id,
                student_ids=frozenset({student_id}),
                date=ends,
            )
            await auth.require("final_mark", "read", target)
        rule = final_mark_rule(ruleset)
        if rule is None:
            return SuggestionResult(None, ruleset.slug, group_id, ends)

        kinds = [str(k) for k in rule.get("graded_work_kinds", sorted(GRADED_WORK_KINDS))]
        known = [WorkKind(k) for k in kinds if k in WorkKind.__members__.values()]
        mk, wo, le, sm = m.Mark, m.Work, m.Lesson, m.SubgroupMember
        marks = (
            await session.execute(
                select(mk.value, wo.kind)
                .join(wo, wo.id == mk.work_id)
                .where(
                    mk.student_id == student_id,
                    mk.discipline_id == discipline_id,
                    mk.date >= starts,
                    mk.date <= ends,
                    auth.where("mark", "read"),
                )
            )
        ).all()
        # The graded works of the student's group(s) while he was in them, in the period
        # (a subgroup's works only if he is in that subgroup).
        planned = (
            await session.execute(
                select(func.count(wo.id.distinct()))
                .join(le, le.id == wo.lesson_id)
                .join(
                    gm,
                    (gm.group_id == wo.group_id)
                    & (gm.student_id == student_id)
                    & (gm.starts_on <= wo.date)
                    & or_(gm.ends_on.is_(None), gm.ends_on > wo.date),
                )
                .where(
                    wo.discipline_id == discipline_id,
                    wo.date >= starts,
                    wo.date <= ends,
                    wo.kind.in_(known),
                    or_(
                        le.subgroup_id.is_(None),
                        le.subgroup_id.in_(
                            select(sm.subgroup_id).where(sm.student_id == student_id)
                        ),
                    ),
                    auth.where("work", "read"),
                )
            )
        ).scalar_one()
    suggestion = suggest_final_mark(
        ruleset,
        [(str(v), WorkKind(k)) for v, k in marks],
        int(planned),
        language=ctx.language,
    )
    return SuggestionResult(suggestion, ruleset.slug, group_id, ends)
