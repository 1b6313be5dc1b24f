"""The policy decision as data: what the viewer may do to a row, and which clause says so."""

from __future__ import annotations

import strawberry

from campusgraph.i18n import message
from campusgraph.resolvers.permissions import UnknownName, decide
from campusgraph.schema.base import GraphQLInfo
from campusgraph.schema.errors import ApiError, ErrorCode


@strawberry.type(description="A policy decision with the line and clause that made it.")
class Permission:
    allowed: bool
    ruleset: str
    rule: str = strawberry.field(description="The policy line, or 'default deny'.")
    clause: str = strawberry.field(description="The regulation clause that line cites.")


async def resolve_can(
    info: GraphQLInfo, object: str, action: str, id: strawberry.ID | None, on: strawberry.ID | None
) -> Permission | None:
    try:
        decision = await decide(info.context, object, action, [g for g in (id, on) if g])
    except (UnknownName, ValueError) as exc:
        raise ApiError(
            ErrorCode.VALIDATION, message("bad_id", info.context.language, value=str(exc))
        ) from exc
    if decision is None:
        return None
    return Permission(
        allowed=decision.allowed,
        ruleset=decision.ruleset,
        rule=decision.rule,
        clause=decision.clause,
    )
