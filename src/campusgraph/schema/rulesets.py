"""Ruleset administration over GraphQL: what governs this institution, reload, switch."""

from __future__ import annotations

import strawberry
from sqlalchemy import select, update

from campusgraph.context import Context
from campusgraph.db import models as m
from campusgraph.i18n import message
from campusgraph.policies.engine import RulesetError
from campusgraph.policies.facts import Target
from campusgraph.resolvers.audit import record
from campusgraph.schema.base import GraphQLInfo, signed_in
from campusgraph.schema.errors import MutationError, public_text
from campusgraph.schema.mutations import ValidationFailed, guarded, institution_target


@strawberry.type(description="A loaded ruleset: the regulation that governs access.")
class RulesetInfo:
    slug: str = strawberry.field(description="The ruleset's id.")
    title: str = strawberry.field(description="Its title.")
    source: str | None = strawberry.field(
        description="The regulation it encodes, as its metadata names it."
    )
    extends: list[str] = strawberry.field(description="Parent rulesets, nearest last.")
    lines: int = strawberry.field(description="Number of policy lines, inherited included.")
    roles: list[str] = strawberry.field(description="The roles it defines.")


def _info(info: GraphQLInfo, slug: str) -> RulesetInfo:
    rs = info.context.registry.get(slug).ruleset
    return RulesetInfo(
        slug=rs.slug,
        title=rs.title,
        source=public_text(str(rs.meta["source"])) if rs.meta.get("source") else None,
        extends=rs.chain,
        lines=len(rs.lines),
        roles=sorted(rs.roles),
    )


@strawberry.input(
    description="Reload from disk the rulesets that govern your institution (or your region's "
    "institutions)."
)
class ReloadRulesetsInput:
    client_mutation_id: str | None = None


@strawberry.type(description="Per ruleset: `ok`, or why the old version was kept.")
class RulesetReloadResult:
    slug: str = strawberry.field(description="The ruleset.")
    status: str = strawberry.field(description="`ok`, or why the old version was kept.")


@strawberry.type(description="The result of `reloadRulesets`.")
class ReloadRulesetsPayload:
    results: list[RulesetReloadResult] | None = strawberry.field(
        default=None,
        description="As the change left it; null when it did not happen (see `errors`).",
    )
    errors: list[MutationError] = strawberry.field(default_factory=list)


@strawberry.input(description="Switch the institution to another ruleset.")
class SwitchRulesetInput:
    ruleset: str = strawberry.field(description="Slug of a loaded or loadable ruleset.")
    client_mutation_id: str | None = None


@strawberry.type(description="The result of `switchRuleset`.")
class SwitchRulesetPayload:
    ruleset: RulesetInfo | None = strawberry.field(
        default=None,
        description="As the change left it; null when it did not happen (see `errors`).",
    )
    errors: list[MutationError] = strawberry.field(default_factory=list)


async def own_institutions(ctx: Context, _input: object) -> list[Target]:
    """What ``reloadRulesets`` acts on: the caller's institution — or, for a region's
    authority, each institution of the region (a ``region``-scoped line must allow every
    one of them)."""
    viewer = ctx.viewer
    assert viewer is not None
    ids = (viewer.institution_id,) if viewer.institution_id is not None else viewer.institution_ids
    return [ctx.authorizer.target("ruleset", institution_id=i) for i in ids]


async def _governing(ctx: Context) -> set[str]:
    """The rulesets that govern the caller: his own, and those of the institutions his
    queries are confined to (one, or a region's)."""
    viewer = ctx.viewer
    assert viewer is not None
    async with ctx.session() as session:
        rows = await session.execute(
            select(m.Institution.ruleset).where(m.Institution.id.in_(viewer.institution_ids))
        )
        slugs = {str(slug) for slug in rows.scalars()}
    if ctx.ruleset_slug:
        slugs.add(ctx.ruleset_slug)
    return slugs


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
        description="Rebuild the rulesets that govern your institution (a region's authority: "
        "the region's) aside, lint them, run their golden cases, and only then swap them in; "
        "a broken ruleset never replaces a working one. Other institutions' rulesets are "
        "neither reloaded nor reported (the operator reloads all with SIGHUP).",
    )
    @guarded("ruleset", "reload", ReloadRulesetsPayload, own_institutions)
    async def reload_rulesets(
        self, info: GraphQLInfo, input: ReloadRulesetsInput
    ) -> ReloadRulesetsPayload:
        report = info.context.registry.reload_some(await _governing(info.context))
        return ReloadRulesetsPayload(
            results=[
                RulesetReloadResult(slug=k, status=public_text(v))
                for k, v in sorted(report.items())
            ]
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
            problems = "; ".join(exc.problems[:10])
            raise ValidationFailed(
                ("ruleset", message("ruleset_broken", ctx.language, problems=problems))
            ) from exc
        if not viewer.roles & set(compiled.ruleset.roles):
            raise ValidationFailed(("ruleset", message("ruleset_no_roles", ctx.language)))
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
