"""The policy decision as data: what the viewer may do to a row, and which clause says so."""

from __future__ import annotations

import strawberry

from campusgraph.i18n import message
from campusgraph.resolvers.permissions import UnknownName, decide
from campusgraph.schema.base import GraphQLInfo
from campusgraph.schema.errors import (
    ApiError,
    ErrorCode,
    ErrorReason,
    RefusalDetails,
    clause_text,
    forbidden_reason,
    reason_text,
    refusal_details,
)


@strawberry.type(description="A policy decision with the line and clause that made it.")
class Permission:
    allowed: bool = strawberry.field(description="Whether you may.")
    ruleset: str = strawberry.field(description="The ruleset that decided (its slug).")
    rule: str = strawberry.field(description="The policy line, or 'default deny'.")
    clause: str = strawberry.field(
        description="The regulation clause the decision rests on (for a denial with no "
        "deciding line, that of `details.line`; with no line at all, that said in the "
        "reader's language)."
    )
    reason: ErrorReason | None = strawberry.field(
        default=None,
        description="Why it is denied, as a FORBIDDEN error would say; null when allowed.",
    )
    explanation: str | None = strawberry.field(
        default=None,
        description="The reason of a denial in the reader's language (the closed period "
        "with its date and who closed it, the mark already set, the scopes that did not "
        "hold); null when allowed.",
    )
    details: RefusalDetails | None = strawberry.field(
        default=None, description="The facts behind `reason`; null when allowed."
    )


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
    language = info.context.language
    denied = not decision.allowed
    return Permission(
        allowed=decision.allowed,
        ruleset=decision.ruleset,
        rule=decision.rule,
        clause=clause_text(decision, language),
        reason=forbidden_reason(decision) if denied else None,
        explanation=reason_text(decision, language) if denied else None,
        details=refusal_details(decision.refusal) if denied else None,
    )
