"""Ruleset administration over GraphQL: what governs this institution, reload, switch."""

from __future__ import annotations

import strawberry
from sqlalchemy import select, update

from campusgraph.db import models as m
from campusgraph.policies.engine import RulesetError
from campusgraph.resolvers.audit import record
from campusgraph.schema.base import GraphQLInfo, signed_in
from campusgraph.schema.errors import MutationError
from campusgraph.schema.mutations import ValidationFailed, guarded, institution_target


@strawberry.type(description="A loaded ruleset: the regulation that governs access.")
class RulesetInfo:
    slug: str
    title: str
    source: str | None
    extends: list[str] = strawberry.field(description="Parent rulesets, nearest last.")
    lines: int = strawberry.field(description="Number of policy lines, inherited included.")
    roles: list[str]


def _info(info: GraphQLInfo, slug: str) -> RulesetInfo:
    rs = info.context.registry.get(slug).ruleset
    return RulesetInfo(
        slug=rs.slug,
        title=rs.title,
        source=rs.meta.get("source"),
        extends=rs.chain,
        lines=len(rs.lines),
        roles=sorted(rs.roles),
    )


@strawberry.input(description="Reload rulesets from disk (all loaded ones).")
class ReloadRulesetsInput:
    client_mutation_id: str | None = None


@strawberry.type(description="Per ruleset: `ok`, or why the old version was kept.")
class RulesetReloadResult:
    slug: str
    status: str


@strawberry.type(description="The result of `reloadRulesets`.")
class ReloadRulesetsPayload:
    results: list[RulesetReloadResult] | None = None
    errors: list[MutationError] = strawberry.field(default_factory=list)


@strawberry.input(description="Switch the institution to another ruleset.")
class SwitchRulesetInput:
    ruleset: str = strawberry.field(description="Slug of a loaded or loadable ruleset.")
    client_mutation_id: str | None = None


@strawberry.type(description="The result of `switchRuleset`.")
class SwitchRulesetPayload:
    ruleset: RulesetInfo | None = None
    errors: list[MutationError] = strawberry.field(default_factory=list)


@strawberry.type(description="Ruleset queries.")
class RulesetQueries:
    @strawberry.field(
        permission_classes=signed_in, description="The ruleset that governs your access here."
    )
    def ruleset(self, info: GraphQLInfo) -> RulesetInfo | None:
        slug = info.context.ruleset_slug
        return _info(info, slug) if slug else None


@strawberry.type(description="Ruleset administration.")
class RulesetMutations:
    @strawberry.mutation(
        permission_classes=signed_in,
        description="Rebuild every loaded ruleset aside, lint it, run its golden cases, and only "
        "then swap it in; a broken ruleset never replaces a working one.",
    )
    @guarded("ruleset", "reload", ReloadRulesetsPayload, institution_target("ruleset"))
    async def reload_rulesets(
        self, info: GraphQLInfo, input: ReloadRulesetsInput
    ) -> ReloadRulesetsPayload:
        report = info.context.registry.reload_all()
        return ReloadRulesetsPayload(
            results=[RulesetReloadResult(slug=k, status=v) for k, v in sorted(report.items())]
        )

    @strawberry.mutation(
        permission_classes=signed_in,
        description="Switch this institution to another ruleset (checked and compiled first).",
    )
    @guarded("ruleset", "switch", SwitchRulesetPayload, institution_target("ruleset"))
    async def switch_ruleset(
        self, info: GraphQLInfo, input: SwitchRulesetInput
    ) -> SwitchRulesetPayload:
        ctx = info.context
        viewer = ctx.viewer
        assert viewer is not None and viewer.institution_id is not None
        try:
            compiled = ctx.registry.get(input.ruleset)
        except RulesetError as exc:
            raise ValidationFailed(("ruleset", str(exc))) from exc
        if not viewer.roles & set(compiled.ruleset.roles):
            raise ValidationFailed(
                ("ruleset", "В новом регламенте нет ни одной из ваших ролей: вы потеряете доступ.")
            )
        async with ctx.session(write=True) as session:
            inst = m.Institution
            before = (
                await session.execute(select(inst.ruleset).where(inst.id == viewer.institution_id))
            ).scalar_one()
            await session.execute(
                update(inst).where(inst.id == viewer.institution_id).values(ruleset=input.ruleset)
            )
            await record(
                session,
                viewer=viewer,
                action="update",
                object_type="ruleset",
                object_id=viewer.institution_id,
                institution_id=viewer.institution_id,
                before={"ruleset": before},
                after={"ruleset": input.ruleset},
                client_mutation_id=input.client_mutation_id,
            )
            await session.commit()
        return SwitchRulesetPayload(ruleset=_info(info, input.ruleset))
