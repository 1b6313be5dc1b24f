"""Errors clients see: one shape for query errors (``extensions``) and mutation payloads."""

from __future__ import annotations

import enum
import logging
import re
from collections.abc import Iterator
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from campusgraph.db.outage import is_unavailable
from campusgraph.i18n import message
from campusgraph.middleware import report_unavailable
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
    UNAVAILABLE = "UNAVAILABLE"
    #: Refused unchecked: too many attempts (sign-in throttling) or a full queue; the
    #: payload says when to try again.
    RATE_LIMITED = "RATE_LIMITED"


#: A filesystem path: absolute (POSIX, two parts at least, not inside a URL or a word
#: like "и/или"), relative from ``./`` or ``../``, or on a Windows drive.
_PATH = re.compile(
    r"(?<![\w.:/\\-])(?:/[^\s/'\"\],;)]+){2,}/?"
    r"|(?<![\w.])\.\.?/[^\s'\"\],;)]+"
    r"|\b[A-Za-z]:\\[^\s'\"]*"
)


def _last_part(match: re.Match[str]) -> str:
    parts = [p for p in re.split(r"[/\\]", match.group()) if p]
    return parts[-1] if parts else ""


def public_text(text: str) -> str:
    """A text as a client may see it: every filesystem path cut to its last name. The one exit of every message an answer carries — payload errors
    (:class:`MutationError`), query errors (:class:`ErrorPolicy`) and ruleset statuses —
    so a message built from an ``OSError`` or a lint report cannot show where the
    service is installed. (Lint messages name a ruleset's file by ``<slug>/policy.csv``,
    which is the ruleset's own vocabulary, not a server path.)"""
    if "/" not in text and "\\" not in text:
        return text
    return _PATH.sub(_last_part, text)


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

    def __post_init__(self) -> None:
        self.message = public_text(self.message)

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
                public_text(src.message),
                nodes=error.nodes,
                path=error.path,
                extensions=src.extensions,
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
        if is_unavailable(original):
            # Not our bug and not the client's: the answer becomes HTTP 503 with
            # Retry-After (the middleware reads the mark), and whatever this field was
            # doing — a mutation's commit included — is not acknowledged.
            log.warning("database unavailable at %s: %s", error.path, original)
            ctx = self.execution_context.context
            report_unavailable(getattr(getattr(ctx, "request", None), "scope", None))
            return GraphQLError(
                message("unavailable", language),
                nodes=error.nodes,
                path=error.path,
                extensions={"code": ErrorCode.UNAVAILABLE.value},
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
