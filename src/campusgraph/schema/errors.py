"""Errors clients see: one shape for query errors (``extensions``) and mutation payloads."""

from __future__ import annotations

import datetime as dt
import enum
import logging
import re
from collections.abc import Iterator
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.extensions import SchemaExtension
from strawberry.schema.types.base_scalars import DateDefinition
from strawberry.types.scalar import ScalarDefinition

from campusgraph import ids
from campusgraph.arguments import InvalidArgument
from campusgraph.db.enums import FinalMarkKind
from campusgraph.db.outage import is_unavailable
from campusgraph.i18n import message
from campusgraph.middleware import report_unavailable
from campusgraph.observability import request_id
from campusgraph.observability.metrics import POLICY_DENIALS
from campusgraph.policies.engine import Decision, Forbidden, Refusal
from campusgraph.policies.reasons import (
    clause_text,
    forbidden_text,
    period_closed_reason,
    reason_text,
)
from campusgraph.policies.ruleset import PolicyLine
from campusgraph.schema import enums  # noqa: F401  (registers the enums)
from campusgraph.validators import DateProblem, parse_date

__all__ = [
    "ApiError",
    "ErrorCode",
    "ErrorReason",
    "MutationError",
    "RefusalDetails",
    "Schema",
    "clause_text",
    "forbidden_text",
    "period_closed_reason",
    "reason_text",
]

log = logging.getLogger("campusgraph.errors")


@strawberry.enum(description="Machine-readable error codes.")
class ErrorCode(enum.Enum):
    UNAUTHENTICATED = strawberry.enum_value(
        "UNAUTHENTICATED",
        description="No valid session: sign in (`login`) and send the token as "
        "`Authorization: Bearer …`.",
    )
    FORBIDDEN = strawberry.enum_value(
        "FORBIDDEN",
        description="Your ruleset does not allow it; `reason`, `ruleset` and `clause` say why.",
    )
    NOT_FOUND = strawberry.enum_value(
        "NOT_FOUND", description="No such object, or none you may see."
    )
    VALIDATION = strawberry.enum_value(
        "VALIDATION", description="The input is wrong; `field` names the part at fault."
    )
    CONFLICT = strawberry.enum_value(
        "CONFLICT",
        description="It contradicts what is stored (a duplicate, a changed version): "
        "re-read and try again.",
    )
    INTERNAL = strawberry.enum_value(
        "INTERNAL", description="A fault of the service; the message hides its details."
    )
    UNAVAILABLE = strawberry.enum_value(
        "UNAVAILABLE",
        description="The database cannot be reached; the answer is HTTP 503 with `Retry-After`.",
    )
    #: Refused unchecked: too many attempts (sign-in throttling) or a full queue; the
    #: payload says when to try again.
    RATE_LIMITED = strawberry.enum_value(
        "RATE_LIMITED",
        description="Refused unchecked: too many attempts, or a full queue; the answer "
        "says when to try again (a sign-in's `retryAfter`).",
    )


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


@strawberry.enum(
    description="Why an error happened, more precisely than its code: what a screen "
    "needs to say or do next without parsing the message."
)
class ErrorReason(enum.Enum):
    PERIOD_CLOSED = strawberry.enum_value(
        "PERIOD_CLOSED",
        description="FORBIDDEN: the row's date lies in a closed period (the ruleset's "
        "condition period_open, or the database's closed-period guard). `details` names "
        "the period, when it was closed and by whom.",
    )
    FINAL_MARK_SET = strawberry.enum_value(
        "FINAL_MARK_SET",
        description="FORBIDDEN: the student's final mark for the period is set "
        "(condition final_not_set). `details` names the mark's kind and period.",
    )
    ATTESTATION_MARK_SET = strawberry.enum_value(
        "ATTESTATION_MARK_SET",
        description="FORBIDDEN: the student's attestation or exam mark is set (condition "
        "attestation_not_set). `details` names the mark's kind and period.",
    )
    OUT_OF_SCOPE = strawberry.enum_value(
        "OUT_OF_SCOPE",
        description="FORBIDDEN: the ruleset lets the viewer's roles do this, but not to "
        "this row: not his group, discipline, child… `details.scopes` lists the scopes "
        "asked for, none of which held.",
    )
    NO_LINE = strawberry.enum_value(
        "NO_LINE",
        description="FORBIDDEN: no line of the ruleset grants the viewer's roles this "
        "action on this kind of object at all.",
    )
    DENIED_BY_LINE = strawberry.enum_value(
        "DENIED_BY_LINE",
        description="FORBIDDEN: a deny line of the ruleset applied (`rule`, `clause`).",
    )
    APPLIED_ANSWER_LOST = strawberry.enum_value(
        "APPLIED_ANSWER_LOST",
        description="CONFLICT: the operation with this clientMutationId was applied but its "
        "answer was lost: read the data again, do not repeat it.",
    )
    ANSWER_NOT_KEPT = strawberry.enum_value(
        "ANSWER_NOT_KEPT",
        description="CONFLICT: the operation with this clientMutationId was done; its answer "
        "held a secret shown once and is not kept.",
    )
    RETRY_TOOK_OVER = strawberry.enum_value(
        "RETRY_TOOK_OVER",
        description="CONFLICT: a retry with the same clientMutationId runs the operation; "
        "this attempt wrote nothing.",
    )
    STILL_RUNNING = strawberry.enum_value(
        "STILL_RUNNING",
        description="CONFLICT: the operation with this clientMutationId is still running "
        "elsewhere: ask again later.",
    )


@strawberry.type(
    description="The facts behind a FORBIDDEN error's `reason`: the ruleset's line it "
    "concerns and, for a failed condition, which one and what made it fail."
)
class RefusalDetails:
    line: str | None = strawberry.field(
        default=None,
        description="The policy line the refusal concerns, as `rule` writes a line: the "
        "allow line whose scope held but whose condition failed, the deny line that "
        "applied, or (OUT_OF_SCOPE) the viewer's first allow line. Null for NO_LINE.",
    )
    condition: str | None = strawberry.field(
        default=None,
        description="The failed condition of `line` as the ruleset writes it: period_open, "
        "final_not_set or attestation_not_set (the first, when several failed).",
    )
    scopes: list[str] = strawberry.field(
        default_factory=list,
        description="OUT_OF_SCOPE: the scopes the viewer's allow lines ask for (taught, "
        "curated_group, own_child…), none of which held; otherwise the scope of `line`.",
    )
    period: strawberry.ID | None = strawberry.field(
        default=None,
        description="PERIOD_CLOSED: the closed period; FINAL_MARK_SET, "
        "ATTESTATION_MARK_SET: the period of the mark already set.",
    )
    period_name: str | None = strawberry.field(
        default=None, description="The name of `period`, e.g. «1 семестр»."
    )
    closed_at: dt.datetime | None = strawberry.field(
        default=None, description="PERIOD_CLOSED: when the period was closed."
    )
    closed_by: str | None = strawberry.field(
        default=None,
        description="PERIOD_CLOSED: the full name of the person who closed the period.",
    )
    final_mark_kind: FinalMarkKind | None = strawberry.field(
        default=None,
        description="FINAL_MARK_SET, ATTESTATION_MARK_SET: the kind of the mark already set.",
    )


def _line_text(line: PolicyLine | None) -> str | None:
    return None if line is None else f"{line.source}: {line.key()}, {line.effect}"


def refusal_details(refusal: Refusal | None) -> RefusalDetails | None:
    if refusal is None:
        return None
    details = RefusalDetails(
        line=_line_text(refusal.line),
        condition=None if refusal.condition is None else refusal.condition.value,
        scopes=[s.value for s in refusal.scopes]
        or ([refusal.line.scope] if refusal.line is not None else []),
    )
    if refusal.period is not None:
        details.period = strawberry.ID(ids.to_global_id("Period", refusal.period.id))
        details.period_name = refusal.period.name
        details.closed_at = refusal.period.closed_at
        details.closed_by = refusal.period.closed_by
    if refusal.final is not None:
        details.period = strawberry.ID(ids.to_global_id("Period", refusal.final.period_id))
        details.period_name = refusal.final.period_name
        details.final_mark_kind = FinalMarkKind(refusal.final.kind)
    return details


def details_json(details: RefusalDetails | None) -> dict[str, Any] | None:
    """``RefusalDetails`` as a top-level error's ``extensions.details`` (the same names)."""
    if details is None:
        return None
    kind = details.final_mark_kind
    return {
        "line": details.line,
        "condition": details.condition,
        "scopes": list(details.scopes),
        "period": details.period,
        "periodName": details.period_name,
        "closedAt": None if details.closed_at is None else details.closed_at.isoformat(),
        "closedBy": details.closed_by,
        "finalMarkKind": None if kind is None else kind.name,
    }


def denied(decision: Decision) -> None:
    """A refusal by a ruleset, as the client is told of it: counted by ruleset, object and
    action, and logged at INFO — a refusal is the service working, not failing."""
    POLICY_DENIALS.labels(decision.ruleset, decision.object, decision.action).inc()
    reason = forbidden_reason(decision).value
    log.info(
        "refused FORBIDDEN: %s %s:%s, %s (%s)",
        decision.ruleset,
        decision.object,
        decision.action,
        reason,
        decision.rule,
        extra={
            "code": ErrorCode.FORBIDDEN.value,
            "ruleset": decision.ruleset,
            "object": decision.object,
            "action": decision.action,
            "reason": reason,
            "rule": decision.rule,
        },
    )


def forbidden_reason(decision: Decision) -> ErrorReason:
    if decision.refusal is not None:
        return ErrorReason[decision.refusal.reason.value]
    return ErrorReason.DENIED_BY_LINE if decision.line is not None else ErrorReason.NO_LINE


def forbidden_extensions(decision: Decision, language: str = "ru") -> dict[str, Any]:
    return {
        "code": ErrorCode.FORBIDDEN.value,
        "reason": forbidden_reason(decision).value,
        "ruleset": decision.ruleset,
        "object": decision.object,
        "action": decision.action,
        "rule": decision.rule,
        "clause": clause_text(decision, language),
        "details": details_json(refusal_details(decision.refusal)),
    }


@strawberry.type(description="Why a mutation did not happen. Policy denials name the rule.")
class MutationError:
    code: ErrorCode = strawberry.field(description="What kind of failure.")
    message: str = strawberry.field(description="What went wrong, in the reader's language.")
    field: str | None = strawberry.field(
        default=None, description="The input field at fault, as a dotted path."
    )
    ruleset: str | None = strawberry.field(default=None, description="Ruleset that denied.")
    rule: str | None = strawberry.field(
        default=None,
        description="Policy line that decided ('default deny' when no line applied: then "
        "`details.line` names the line that almost did).",
    )
    clause: str | None = strawberry.field(
        default=None,
        description="The regulation clause the refusal rests on, quoted as the regulation "
        "words it: the deciding line's, else that of `details.line`.",
    )
    reason: ErrorReason | None = strawberry.field(
        default=None,
        description="Why, more precisely than `code`: every FORBIDDEN has one, and the "
        "CONFLICTs of a retried clientMutationId.",
    )
    details: RefusalDetails | None = strawberry.field(
        default=None,
        description="FORBIDDEN: the line, the failed condition or scopes, and the facts "
        "behind them (the closed period, the mark already set).",
    )

    def __post_init__(self) -> None:
        self.message = public_text(self.message)

    @classmethod
    def forbidden(cls, decision: Decision, language: str = "ru") -> MutationError:
        denied(decision)
        return cls(
            code=ErrorCode.FORBIDDEN,
            message=forbidden_text(decision, language),
            ruleset=decision.ruleset,
            rule=decision.rule,
            clause=clause_text(decision, language),
            reason=forbidden_reason(decision),
            details=refusal_details(decision.refusal),
        )


class DateNotRead(StrawberryInputCoercionError):
    """A ``Date`` argument that is not a date; ``original_error`` (a DateProblem) says why
    in the caller's language, which the parser does not know: :class:`ErrorPolicy` asks."""


def parse_date_argument(value: object) -> dt.date:
    """The ``Date`` scalar's parser: ISO ``YYYY-MM-DD``, an impossible day («2010-02-31»)
    told apart from a malformed one (graphql-core's own text is English and says neither)."""
    try:
        return parse_date(str(value), ("YYYY-MM-DD",))
    except DateProblem as problem:
        raise DateNotRead(problem.text("en"), original_error=problem) from None


#: The ``Date`` scalar as Strawberry's, with :func:`parse_date_argument` reading it.
DATE_SCALAR = ScalarDefinition(
    name=DateDefinition.name,
    description=DateDefinition.description,
    specified_by_url=None,
    serialize=DateDefinition.serialize,
    parse_value=parse_date_argument,
    parse_literal=None,
    origin=dt.date,
)


def _date_problem(error: BaseException | None) -> DateProblem | None:
    """The DateProblem behind an error, however deep graphql-core wrapped it."""
    for _ in range(4):
        if error is None or isinstance(error, DateProblem):
            return error
        error = error.original_error if isinstance(error, GraphQLError) else None
    return None


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
            denied(d)
            return GraphQLError(
                forbidden_text(d, language),
                nodes=error.nodes,
                path=error.path,
                extensions=forbidden_extensions(d, language),
            )
        problem = _date_problem(error)
        if problem is not None:
            # A Date argument, written in the query (a validation error, the same object)
            # or sent as a variable (graphql-core wraps it, keeping the problem).
            code = "GRAPHQL_VALIDATION" if isinstance(error, DateNotRead) else "BAD_USER_INPUT"
            return GraphQLError(
                problem.text(language),
                nodes=error.nodes,
                source=error.source,
                positions=error.positions,
                path=error.path,
                extensions={**(error.extensions or {}), "code": code},
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
        rid = request_id.current()
        return GraphQLError(
            message("internal", language)
            if rid is None
            else message("internal_request", language, request_id=rid),
            nodes=error.nodes,
            path=error.path,
            extensions={"code": ErrorCode.INTERNAL.value},
        )


class Schema(strawberry.Schema):
    """Strawberry's schema without its error log. Strawberry logs every error of a result
    at ERROR with its traceback — a FORBIDDEN or a mistyped field too, and before
    :class:`ErrorPolicy` has told them apart. Here ErrorPolicy logs an unexpected error at
    ERROR with its traceback, an outage at WARNING, a ruleset's refusal at INFO
    (:func:`denied`), and the endpoint every other refusal at INFO (app.py)."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: Any | None = None
    ) -> None:
        return None


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
