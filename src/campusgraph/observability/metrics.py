"""Prometheus metrics, served at ``GET /metrics`` (see :func:`allowed` for who may read it).

With several workers (``campusgraph serve --workers N``) each worker is its own process
with its own counters: the CLI then points ``PROMETHEUS_MULTIPROC_DIR`` at a fresh folder
before any worker starts, prometheus_client keeps each worker's values in files there, and
a scrape — whichever worker answers it — adds them up (:func:`exposition`).
"""

from __future__ import annotations

import hmac
import os
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from campusgraph.db import driver
from campusgraph.settings import Settings

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"

REQUESTS = Counter(
    "campusgraph_requests",
    "GraphQL requests answered, by operation type (query, mutation, unknown: refused "
    "before it was parsed) and outcome (ok: no errors; refused: the client's errors only; "
    "error: INTERNAL, UNAVAILABLE or TIMEOUT).",
    ["operation_type", "outcome"],
)
REQUEST_SECONDS = Histogram(
    "campusgraph_request_seconds",
    "Time to answer a GraphQL request, from its context to its result, by operation type.",
    ["operation_type"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
SQL_STATEMENTS = Counter(
    "campusgraph_sql_statements",
    "SQL statements sent to the database by the service's engines, by backend.",
    ["backend"],
)
POLICY_DENIALS = Counter(
    "campusgraph_policy_denials",
    "FORBIDDEN answers (query errors and mutation payload errors), by the ruleset, object "
    "and action refused.",
    ["ruleset", "object", "action"],
)
SUBSCRIPTIONS = Gauge(
    "campusgraph_subscriptions_open",
    "GraphQL subscriptions open on this worker (live updates over WebSocket).",
    multiprocess_mode="livesum",
)
SIGN_IN_FAILURES = Counter(
    "campusgraph_sign_in_failures",
    "Sign-ins refused, by reason (BAD_CREDENTIALS, ACCOUNT_DISABLED, the throttle's codes).",
    ["reason"],
)

#: Codes of the server's failures; any other error code is the client's (a refusal).
SERVER_FAILURES = frozenset({"INTERNAL", "UNAVAILABLE", "TIMEOUT"})


def outcome(codes: list[str]) -> str:
    if not codes:
        return "ok"
    return "error" if any(code in SERVER_FAILURES for code in codes) else "refused"


def count_statements(engine: AsyncEngine, backend: str) -> None:
    """Count every statement this engine sends (its listeners go with the engine): those
    SQLAlchemy runs, and the session lookup run on the driver itself (``db/driver.py``)."""
    counter = SQL_STATEMENTS.labels(backend)

    def before_cursor_execute(*_args: Any) -> None:
        counter.inc()

    event.listen(engine.sync_engine, "before_cursor_execute", before_cursor_execute)
    driver.observe(before_cursor_execute, engine)


def allowed(settings: Settings, authorization: str | None) -> bool:
    """Who may read ``/metrics``: nobody when ``metrics_enabled`` is off; with
    ``metrics_token`` set, only a request bearing it; without a token, anyone in dev and
    demo but nobody in production — the counters name rulesets, objects and how often
    sign-ins fail, which is no one's business outside the operators."""
    if not settings.metrics_enabled:
        return False
    token = settings.metrics_token
    if token is None:
        return settings.mode != "production"
    scheme, _, sent = (authorization or "").partition(" ")
    expected = token.get_secret_value().encode()
    return scheme.lower() == "bearer" and hmac.compare_digest(sent.strip().encode(), expected)


def exposition() -> tuple[bytes, str]:
    """The text a scrape reads: this process's counters, or every worker's added up."""
    if os.environ.get(MULTIPROCESS_ENV):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
