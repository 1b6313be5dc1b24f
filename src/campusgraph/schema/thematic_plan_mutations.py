"""Thematic plans (КТП) on the API: create, change and delete a plan with its topics.

Declared like a curriculum with its items: one input names the plan's place (group ×
discipline × academic year), ``topics`` replace its topics in the order given (a topic
sent with its ``id`` is kept, so lessons written from it stay linked). Guarded by
``thematic_plan`` create / update / delete on the plan's group and discipline: each
ruleset's lines decide — a teacher's ``taught`` scope gives him the plans of the groups
and disciplines he teaches and no one else's (Barnaul п. 2.1, 3.9; Tomsk п. 3.1.7;
NSHDS-12 разд. 4 «Учителя-предметники»); a ruleset without such lines refuses.
"""

from __future__ import annotations

from typing import Any

import strawberry

from campusgraph.context import Context
from campusgraph.db.enums import LessonType
from campusgraph.policies.facts import Target
from campusgraph.resolvers import thematic_plans as tp
from campusgraph.schema.base import GraphQLInfo
from campusgraph.schema.crud import Action, ModelMutations, model_mutations
from campusgraph.schema.errors import MutationError
from campusgraph.schema.journal_rules import ThematicPlan, resolve_thematic_plan
from campusgraph.schema.structure_mutations import (
    DeleteInput,
    DeletePayload,
    anchored_target,
    opt_pk,
    pk_of,
    validation,
)


@strawberry.input(description="One topic of a thematic plan; the plan's order is the list's.")
class ThematicPlanTopicInput:
    id: strawberry.ID | None = strawberry.field(
        default=None, description="A topic of this plan to keep (`ThematicPlanTopic`); null: new."
    )
    title: str = strawberry.field(description="The topic as lessons will be given it.")
    hours: int = strawberry.field(default=2, description="Academic hours of the topic.")
    lesson_type: LessonType = strawberry.field(
        default=LessonType.LESSON, description="The kind of lesson the topic is taught in."
    )


@strawberry.input(description="A new thematic plan (КТП) of a discipline for a group and year.")
class CreateThematicPlanInput:
    group: strawberry.ID = strawberry.field(description="The group the plan is taught to.")
    discipline: strawberry.ID = strawberry.field(description="The discipline it plans.")
    academic_year: strawberry.ID = strawberry.field(description="The year it is for.")
    topics: list[ThematicPlanTopicInput] = strawberry.field(
        default_factory=list, description="Its topics, in the order they are taught."
    )
    client_mutation_id: str | None = None


@strawberry.input(description="Change a thematic plan: `topics`, when given, replace its topics.")
class UpdateThematicPlanInput:
    id: strawberry.ID = strawberry.field(description="The plan (`ThematicPlan.id`).")
    topics: list[ThematicPlanTopicInput] | None = strawberry.field(
        default=None,
        description="All its topics, in order: a topic sent with its id is kept (lessons "
        "written from it stay linked); one left out is removed. Null: unchanged.",
    )
    client_mutation_id: str | None = None


@strawberry.type(description="The result of creating or changing a thematic plan.")
class ThematicPlanPayload:
    thematic_plan: ThematicPlan | None = strawberry.field(
        default=None, description="The plan as it now stands; null when deleted or refused."
    )
    client_mutation_id: str | None = None
    errors: list[MutationError] = strawberry.field(default_factory=list)


def _topics(items: list[ThematicPlanTopicInput], language: str) -> list[tp.TopicValues]:
    return [
        tp.TopicValues(
            id=opt_pk(t.id, "ThematicPlanTopic", f"input.topics[{n}].id", language),
            title=t.title,
            hours=t.hours,
            lesson_type=t.lesson_type,
        )
        for n, t in enumerate(items)
    ]


async def _create_target(ctx: Context, input: CreateThematicPlanInput) -> Target | None:
    """A new plan's anchors: its group and discipline (a teacher's ``taught``)."""
    lang = ctx.language
    v = ctx.viewer
    assert v is not None
    return ctx.authorizer.target(
        "thematic_plan",
        institution_id=v.institution_id,
        group_id=pk_of(input.group, "Group", "input.group", lang),
        discipline_id=pk_of(input.discipline, "Discipline", "input.discipline", lang),
    )


async def _payload(info: GraphQLInfo, row: Any, client_mutation_id: str | None) -> Any:
    plan = await resolve_thematic_plan(info, row.group_id, row.discipline_id, row.academic_year_id)
    return ThematicPlanPayload(thematic_plan=plan, client_mutation_id=client_mutation_id)


PLAN_TARGET = anchored_target("thematic_plan", "ThematicPlan")


async def _create(info: GraphQLInfo, input: CreateThematicPlanInput) -> ThematicPlanPayload:
    ctx = info.context
    lang = ctx.language
    values = {
        "group_id": pk_of(input.group, "Group", "input.group", lang),
        "discipline_id": pk_of(input.discipline, "Discipline", "input.discipline", lang),
        "academic_year_id": pk_of(input.academic_year, "AcademicYear", "input.academicYear", lang),
        "author_id": ctx.viewer.employee_id if ctx.viewer else None,
    }
    topics = _topics(input.topics, lang)
    with validation():
        row = await tp.save_thematic_plan(ctx, None, values, topics, input.client_mutation_id)
    result: ThematicPlanPayload = await _payload(info, row, input.client_mutation_id)
    return result


async def _update(info: GraphQLInfo, input: UpdateThematicPlanInput) -> ThematicPlanPayload:
    ctx = info.context
    lang = ctx.language
    pk = pk_of(input.id, "ThematicPlan", "input.id", lang)
    topics = None if input.topics is None else _topics(input.topics, lang)
    with validation():
        row = await tp.save_thematic_plan(ctx, pk, {}, topics, input.client_mutation_id)
    result: ThematicPlanPayload = await _payload(info, row, input.client_mutation_id)
    return result


async def _delete(info: GraphQLInfo, input: DeleteInput) -> DeletePayload:
    ctx = info.context
    pk = pk_of(input.id, "ThematicPlan", "input.id", ctx.language)
    with validation():
        await tp.delete_thematic_plan(ctx, pk, input.client_mutation_id)
    return DeletePayload(deleted_id=input.id, client_mutation_id=input.client_mutation_id)


#: The thematic plan, declared once: object ``thematic_plan``, anchored on its group and
#: discipline for every action.
PLANS = model_mutations(
    ModelMutations(
        name="ThematicPlan",
        obj="thematic_plan",
        create=Action(
            CreateThematicPlanInput,
            ThematicPlanPayload,
            _create_target,
            _create,
            "Create a thematic plan with its topics (`thematic_plan` create on its group and "
            "discipline).",
        ),
        update=Action(
            UpdateThematicPlanInput,
            ThematicPlanPayload,
            PLAN_TARGET,
            _update,
            "Replace a thematic plan's topics (`thematic_plan` update on its group and "
            "discipline); topics sent with their `id` are kept, lessons stay linked to them.",
        ),
        delete=Action(
            DeleteInput,
            DeletePayload,
            PLAN_TARGET,
            _delete,
            "Delete a thematic plan with its topics (`thematic_plan` delete), refused while a "
            "lesson was written from one of its topics.",
        ),
    )
)


@strawberry.type(description="Thematic plans (КТП) and their topics.")
class ThematicPlanMutations:
    create_thematic_plan = PLANS.create
    update_thematic_plan = PLANS.update
    delete_thematic_plan = PLANS.delete


__all__ = ["ThematicPlanMutations"]
