"""Declared permissions for mutations.

A mutation resolver is wrapped by :func:`guarded`, which names the object and action and
how to find the target's anchors from the input. The wrapper asks the policy engine and,
on a denial, returns the payload with a FORBIDDEN error naming the rule and clause; the
resolver body holds only the domain logic and never checks permissions by hand.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar

from campusgraph.context import Context
from campusgraph.i18n import message
from campusgraph.policies.engine import Decision
from campusgraph.policies.facts import Target
from campusgraph.schema.base import GraphQLInfo
from campusgraph.schema.errors import (
    ApiError,
    ErrorCode,
    MutationError,
    clause_text,
    public_text,
    reason_text,
)


class Payload(Protocol):
    errors: list[MutationError]


P = TypeVar("P")
#: A target function returns the row's anchors, several rows' (all must be allowed), or
#: (object, anchors) pairs where the rows are of different objects (students and parents).
Targets = Target | list[Target] | list[tuple[str, Target]]
TargetFor = Callable[[Context, Any], Awaitable[Targets | None]]
#: The roles a mutation would give, each with the person receiving it: (role, anchors of
#: his card or account). Called with the input and the targets the guard already found.
GrantsFor = Callable[[Context, Any, list[Any]], Awaitable[list[tuple[str, Target]]]]


class ValidationFailed(Exception):
    """Raised inside a resolver: becomes VALIDATION errors in the payload, nothing written."""

    def __init__(self, *errors: tuple[str | None, str]) -> None:
        super().__init__("; ".join(text for _, text in errors))
        self.errors = [
            MutationError(code=ErrorCode.VALIDATION, message=text, field=field)
            for field, text in errors
        ]


class Conflict(Exception):
    def __init__(self, text: str, field: str | None = None) -> None:
        super().__init__(text)
        self.error = MutationError(code=ErrorCode.CONFLICT, message=text, field=field)


def institution_target(obj: str) -> TargetFor:
    async def target(ctx: Context, _input: Any) -> Target | None:
        v = ctx.viewer
        assert v is not None
        return ctx.authorizer.target(obj, institution_id=v.institution_id)

    return target


#: ``ctx.extras`` key: the dates of the rows the last guarded mutation was checked on.
CHECKED_DATES = "checked_dates"


def guarded(
    obj: str,
    act: str | Callable[[Any], str],
    payload: Callable[..., P],
    target: TargetFor,
    *,
    also: Callable[[Any], list[tuple[str, str]]] | None = None,
    grants: GrantsFor | None = None,
) -> Callable[[Callable[..., Awaitable[P]]], Callable[..., Awaitable[P]]]:
    """``also(input)`` names further (object, action) pairs the same target needs, e.g. the
    personal part of a card when the input carries personal data. ``act`` may be a
    function of the input, for a mutation whose action the input decides (``setMark``
    creates a mark when the client saw none — ``expectedVersion: null`` — and updates it
    otherwise). ``grants`` names the roles the mutation would hand over (a role given, an
    account whose password is reset): each needs the ruleset's ``role.<name>, grant``."""

    def wrap(resolver: Callable[..., Awaitable[P]]) -> Callable[..., Awaitable[P]]:
        @functools.wraps(resolver)
        async def run(self: Any, info: GraphQLInfo, input: Any) -> P:
            ctx = info.context
            try:
                found = await target(ctx, input)
            except ValidationFailed as exc:
                return payload(errors=exc.errors)
            if found is None or found == []:
                return payload(
                    errors=[
                        MutationError(
                            code=ErrorCode.NOT_FOUND, message=message("not_found", ctx.language)
                        )
                    ]
                )
            targets = found if isinstance(found, list) else [found]
            # The rows' dates, for a refusal by the database's closed-period guard to name
            # the period (journal_mutations.period_closed_error).
            ctx.extras[CHECKED_DATES] = [
                (item[1] if isinstance(item, tuple) else item).date for item in targets
            ]
            for item in targets:
                own_obj, one = item if isinstance(item, tuple) else (obj, item)
                action = act(input) if callable(act) else act
                for need_obj, need_act in [(own_obj, action), *(also(input) if also else [])]:
                    spec_target = ctx.authorizer.retarget(one, need_obj)
                    decision = await ctx.authorizer.check(need_obj, need_act, spec_target)
                    if not decision.allowed:
                        return payload(errors=[MutationError.forbidden(decision, ctx.language)])
            if grants is not None:
                try:
                    given = await grants(ctx, input, targets)
                except ValidationFailed as exc:
                    return payload(errors=exc.errors)
                for role, recipient in given:
                    decision = await ctx.authorizer.check_grant(role, recipient)
                    if not decision.allowed:
                        return payload(errors=[grant_refused(role, decision, ctx.language)])
            try:
                return await resolver(self, info, input)
            except ValidationFailed as exc:
                return payload(errors=exc.errors)
            except Conflict as exc:
                return payload(errors=[exc.error])
            except ApiError as exc:
                return payload(errors=[MutationError(code=exc.code, message=exc.message)])

        return run

    return wrap


def grant_refused(role: str, decision: Decision, language: str) -> MutationError:
    """FORBIDDEN naming the role that may not be given, why, the line and its clause."""
    refused = MutationError.forbidden(decision, language)
    refused.message = public_text(
        message(
            "grant_forbidden",
            language,
            role=role,
            granted=decision.object.removeprefix("role."),
            ruleset=decision.ruleset,
            reason=reason_text(decision, language),
            clause=clause_text(decision, language),
        )
    )
    refused.field = "input.role"
    return refused
