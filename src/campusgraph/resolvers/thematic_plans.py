"""Writing thematic plans (календарно-тематическое планирование, КТП) with their topics.

A plan is one table row (group × discipline × academic year) with its topics as children,
written like a curriculum with its items: the topics given replace the plan's, in the
order given (that order is the plan's). A topic given with its ``id`` is kept — lessons
that took their topic from it (``Lesson.plan_topic_id``) keep pointing at it; a topic
left out is removed, refused while a lesson refers to it. The permission
(``thematic_plan`` create / update / delete on the plan's group and discipline: a
teacher's ``taught``) is declared by the mutation, never checked here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from campusgraph.context import Context
from campusgraph.db import models as m
from campusgraph.db.enums import LessonType
from campusgraph.i18n import message
from campusgraph.resolvers.audit import record, snapshot
from campusgraph.resolvers.journal_rules import normalise_topic
from campusgraph.resolvers.structure_writes import (
    Checker,
    Invalid,
    Kind,
    Values,
    create,
    update_row,
)

MAX_TOPICS = 500  # a year of daily lessons, with room to spare


@dataclass(frozen=True, slots=True)
class TopicValues:
    """One topic as given: ``id`` of a topic of this plan to keep, else a new one."""

    id: int | None
    title: str
    hours: int
    lesson_type: LessonType


async def _plan_check(c: Checker, v: Values, row: Any) -> None:
    group = await c.row(m.StudyGroup, v.get("group_id"), "input.group")
    await c.row(m.Discipline, v.get("discipline_id"), "input.discipline")
    await c.row(m.AcademicYear, v.get("academic_year_id"), "input.academicYear")
    if group is not None:
        tp = m.ThematicPlan
        await c.unique(
            tp,
            "input.discipline",
            row.id if row else None,
            tp.group_id == v["group_id"],
            tp.discipline_id == v["discipline_id"],
            tp.academic_year_id == v["academic_year_id"],
            text=message("thematic_group_already_has_thematic_plan", c.language),
        )


THEMATIC_PLAN = Kind("thematic_plan", m.ThematicPlan, _plan_check)


def _topic_problems(topics: Sequence[TopicValues], language: str) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    if len(topics) > MAX_TOPICS:
        problems.append(
            (
                "input.topics",
                message("thematic_at_most_max_topics_topics", language, max_topics=MAX_TOPICS),
            )
        )
    kept = [t.id for t in topics if t.id is not None]
    if len(set(kept)) != len(kept):
        problems.append(("input.topics", message("thematic_topic_listed_twice", language)))
    for n, t in enumerate(topics):
        if not normalise_topic(t.title):
            problems.append((f"input.topics[{n}].title", message("thematic_required", language)))
        elif len(normalise_topic(t.title)) > 500:
            problems.append(
                (
                    f"input.topics[{n}].title",
                    message("thematic_at_most_500_characters", language),
                )
            )
        if not 1 <= t.hours <= 1000:
            problems.append(
                (
                    f"input.topics[{n}].hours",
                    message("thematic_allowed_1_1000", language),
                )
            )
    return problems


async def _replace_topics(
    session: AsyncSession, inst: int, plan_id: int, topics: Sequence[TopicValues], language: str
) -> dict[str, Any]:
    t = m.ThematicPlanTopic
    existing = set((await session.execute(select(t.id).where(t.plan_id == plan_id))).scalars())
    problems = [
        (f"input.topics[{n}].id", message("thematic_topic_another_plan", language))
        for n, topic in enumerate(topics)
        if topic.id is not None and topic.id not in existing
    ]
    gone = existing - {topic.id for topic in topics if topic.id is not None}
    if gone:
        used = (
            await session.execute(select(func.count()).where(m.Lesson.plan_topic_id.in_(gone)))
        ).scalar_one()
        if used:
            problems.append(
                (
                    "input.topics",
                    message("thematic_cannot_remove_topics_lessons_were", language, used=used),
                )
            )
    if problems:
        raise Invalid(problems)
    if gone:
        await session.execute(delete(t).where(t.id.in_(gone)))
    # Kept topics move out of the way first: (plan, position) is unique.
    for topic in topics:
        if topic.id is not None:
            await session.execute(update(t).where(t.id == topic.id).values(position=-topic.id))
    for position, topic in enumerate(topics, start=1):
        values = {
            "position": position,
            "title": normalise_topic(topic.title),
            "hours": topic.hours,
            "lesson_type": topic.lesson_type,
        }
        if topic.id is not None:
            await session.execute(update(t).where(t.id == topic.id).values(**values))
        else:
            session.add(t(institution_id=inst, plan_id=plan_id, **values))
    await session.flush()
    return {"topics": [normalise_topic(x.title) for x in topics]}


async def save_thematic_plan(
    ctx: Context,
    pk: int | None,
    values: Values,
    topics: Sequence[TopicValues] | None,
    client_mutation_id: str | None,
) -> Any:
    """Create (``pk`` None) or change a plan; ``topics``, when given, replace its topics."""
    viewer = ctx.viewer
    assert viewer is not None and viewer.institution_id is not None
    inst = viewer.institution_id
    language = ctx.language
    if topics is not None:
        problems = _topic_problems(topics, language)
        if problems:
            raise Invalid(problems)

    async def children(session: AsyncSession, row: Any) -> dict[str, Any] | None:
        if topics is None:
            return None
        return await _replace_topics(session, inst, row.id, topics, language)

    if pk is None:
        return await create(ctx, THEMATIC_PLAN, values, client_mutation_id, children)
    return await update_row(ctx, THEMATIC_PLAN, pk, values, client_mutation_id, children)


async def delete_thematic_plan(ctx: Context, pk: int, client_mutation_id: str | None) -> None:
    """Delete a plan with its topics; refused while a lesson was written from one of its
    topics (the lesson would point nowhere)."""
    viewer = ctx.viewer
    assert viewer is not None and viewer.institution_id is not None
    language = ctx.language
    t = m.ThematicPlanTopic
    async with ctx.session(write=True) as session:
        row = (
            await session.execute(
                select(m.ThematicPlan).where(m.ThematicPlan.id == pk).with_for_update()
            )
        ).scalar()
        if row is None:
            raise Invalid([("input.id", message("thematic_not_found", language))])
        used = (
            await session.execute(
                select(func.count()).where(
                    m.Lesson.plan_topic_id.in_(select(t.id).where(t.plan_id == pk))
                )
            )
        ).scalar_one()
        if used:
            raise Invalid(
                [
                    (
                        "input.id",
                        message("thematic_cannot_delete_lessons_were_written", language, used=used),
                    )
                ]
            )
        before = snapshot(row)
        await session.execute(delete(t).where(t.plan_id == pk))
        await session.delete(row)
        await record(
            session,
            viewer=viewer,
            action="delete",
            object_type="thematic_plan",
            object_id=pk,
            institution_id=viewer.institution_id,
            before=before,
            client_mutation_id=client_mutation_id,
        )
        await session.commit()


__all__ = ["THEMATIC_PLAN", "TopicValues", "delete_thematic_plan", "save_thematic_plan"]
