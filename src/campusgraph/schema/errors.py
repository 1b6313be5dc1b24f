"""Errors clients see: one shape for query errors (``extensions``) and mutation payloads."""

from __future__ import annotations

import enum
import logging
from collections.abc import Iterator
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from campusgraph.arguments import InvalidArgument
from campusgraph.i18n import message
from campusgraph.policies.engine import Decision, Forbidden

log = logging.getLogger("campusgraph.errors")


@strawberry.enum(description="Machine-readable error codes.")
class ErrorCode(enum.Enum):
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    VALIDATION = "VALIDATION"
    CONFLICT = "CONFLICT"
    INTERNAL = "INTERNAL"


class ApiError(GraphQLError):
    """An error meant for the client: shown as is, never masked."""

    def __init__(self, code: ErrorCode, text: str, **extensions: Any) -> None:
        super().__init__(text, extensions={"code": code.value, **extensions})
        self.code = code


def forbidden_extensions(decision: Decision) -> dict[str, Any]:
    return {
        "code": ErrorCode.FORBIDDEN.value,
        "ruleset": decision.ruleset,
        "object": decision.object,
        "action": decision.action,
        "rule": decision.rule,
        "clause": decision.clause,
    }


def forbidden_error(decision: Decision, language: str = "ru") -> ApiError:
    ext = forbidden_extensions(decision)
    ext.pop("code")
    return ApiError(
        ErrorCode.FORBIDDEN,
        message("forbidden", language, ruleset=decision.ruleset, clause=decision.clause),
        **ext,
    )


@strawberry.type(description="Why a mutation did not happen. Policy denials name the rule.")
class MutationError:
    code: ErrorCode
    message: str
    field: str | None = strawberry.field(
        default=None, description="The input field at fault, as a dotted path."
    )
    ruleset: str | None = strawberry.field(default=None, description="Ruleset that denied.")
    rule: str | None = strawberry.field(default=None, description="Policy line that decided.")
    clause: str | None = strawberry.field(
        default=None, description="The regulation clause that line encodes."
    )

    @classmethod
    def forbidden(cls, decision: Decision, language: str = "ru") -> MutationError:
        return cls(
            code=ErrorCode.FORBIDDEN,
            message=message(
                "forbidden", language, ruleset=decision.ruleset, clause=decision.clause
            ),
            ruleset=decision.ruleset,
            rule=decision.rule,
            clause=decision.clause,
        )


def _language(extension: SchemaExtension) -> str:
    ctx = extension.execution_context.context
    return getattr(ctx, "language", "ru") if ctx is not None else "ru"


class ErrorPolicy(SchemaExtension):
    """Client errors pass; policy denials become FORBIDDEN with the rule and clause;
    syntax and validation errors pass (they describe the query, not the server); anything
    else is logged and masked as INTERNAL."""

    def on_operation(self) -> Iterator[None]:
        try:
            yield
        except GraphQLError as error:
            # A syntax error escapes the operation before any result exists (the parser
            # cache raises while parsing starts); it still describes the query.
            if error.original_error is None:
                error.extensions = {**(error.extensions or {}), "code": "GRAPHQL_PARSE_FAILED"}
            raise
        result = self.execution_context.result
        errors = getattr(result, "errors", None)
        if result is None or not errors:
            return
        language = _language(self)
        result.errors = [self._convert(e, language) for e in errors]

    def _convert(self, error: GraphQLError, language: str) -> GraphQLError:
        original = error.original_error
        if isinstance(error, ApiError) or isinstance(original, ApiError):
            src = original if isinstance(original, ApiError) else error
            return GraphQLError(
                src.message,
                nodes=error.nodes,
                path=error.path,
                extensions=src.extensions,
            )
        if isinstance(original, InvalidArgument):
            # A malformed id, cursor or page size from any layer: the client's mistake.
            return GraphQLError(
                original.text(language),
                nodes=error.nodes,
                path=error.path,
                extensions={"code": ErrorCode.VALIDATION.value},
            )
        if isinstance(original, Forbidden):
            d = original.decision
            return GraphQLError(
                message("forbidden", language, ruleset=d.ruleset, clause=d.clause),
                nodes=error.nodes,
                path=error.path,
                extensions=forbidden_extensions(d),
            )
        if original is None or (error.path is None and isinstance(original, GraphQLError)):
            # Syntax, validation, and variables that do not fit their types (graphql-core
            # wraps those in a second GraphQLError): they describe the request.
            ext = dict(error.extensions or {})
            ext.setdefault("code", "GRAPHQL_VALIDATION" if original is None else "BAD_USER_INPUT")
            return GraphQLError(
                error.message,
                nodes=error.nodes,
                source=error.source,
                positions=error.positions,
                path=error.path,
                extensions=ext,
            )
        log.error("unexpected error at %s", error.path, exc_info=original)
        return GraphQLError(
            message("internal", language),
            nodes=error.nodes,
            path=error.path,
            extensions={"code": ErrorCode.INTERNAL.value},
        )


class RequestStats(SchemaExtension):
    """Outside production: how many policy decisions and fact queries a request needed,
    in ``extensions.campusgraph`` (frontend developers see what a screen costs)."""

    def get_results(self) -> dict[str, Any]:
        ctx = self.execution_context.context
        if ctx is None or ctx.settings.mode == "production":
            return {}
        auth = ctx.__dict__.get("authorizer")
        facts = ctx.__dict__.get("facts")
        return {
            "campusgraph": {
                "enforcerCalls": auth.enforcer_calls if auth is not None else 0,
                "factQueries": facts.queries if facts is not None else 0,
            }
        }
