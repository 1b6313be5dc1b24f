"""Configuration from the environment (prefix ``CAMPUSGRAPH_``)."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CAMPUSGRAPH_", extra="ignore")

    #: ``sqlite+aiosqlite:///./campusgraph.db`` (embedded) or ``postgresql+asyncpg://…``.
    database_url: str = "sqlite+aiosqlite:///./campusgraph.db"
    #: ``demo`` and ``dev`` serve GraphiQL and allow introspection; ``production`` does not.
    mode: Literal["production", "dev", "demo"] = "production"
    #: Extra ruleset folders, searched before the shipped ones (``os.pathsep``-separated).
    rulesets_path: str = ""
    session_ttl_hours: int = Field(default=12, ge=1, le=24 * 30)
    #: How long a ``clientMutationId`` stays bound to its first input and answer.
    idempotency_ttl_hours: int = Field(default=24, ge=1, le=24 * 30)
    #: How long a request waits for another one running with the same key, counted from
    #: when that one began (then: CONFLICT, the outcome unknown).
    idempotency_wait_seconds: float = Field(default=10.0, gt=0, le=600)
    #: Argon2 cost. Lowered only by the test suite; never in production.
    argon2_time_cost: int = Field(default=3, ge=1)
    argon2_memory_kib: int = Field(default=65536, ge=8)
    #: Password checks running at once in one worker (argon2 is CPU and memory bound);
    #: None means one per CPU core but one (left to the event loop; at least one). With
    #: several workers on a host, set it so that workers × it stays near the cores.
    #: Checks beyond it wait, at most ``argon2_queue`` of them;
    #: a sign-in beyond that is refused at once ("try again in a few seconds").
    argon2_concurrency: int | None = Field(default=None, ge=1)
    argon2_queue: int = Field(default=32, ge=0)
    #: After a check that failed, its place in line rests this many times as long as the
    #: check took: guesses spread over logins and addresses (which no per-key throttle
    #: slows) then take at most 1 / (1 + rest) of a core per place, not all of it.
    argon2_failure_rest: float = Field(default=1.0, ge=0)
    #: Sign-in throttling (see resolvers/throttle.py). Per login (realm + login) and per
    #: client address: the first ``*_free`` failures cost nothing, each further one doubles
    #: the wait before the next check (from ``sign_in_delay_seconds``), and at ``*_lockout``
    #: failures the key is locked for ``sign_in_lockout_seconds`` (the right password is
    #: refused too). Counts are forgotten after ``sign_in_window_seconds`` without attempts;
    #: a successful sign-in clears its login's count.
    sign_in_throttle: bool = True
    sign_in_login_free: int = Field(default=3, ge=0)
    sign_in_login_lockout: int = Field(default=10, ge=1)
    sign_in_address_free: int = Field(default=20, ge=0)
    sign_in_address_lockout: int = Field(default=50, ge=1)
    sign_in_delay_seconds: float = Field(default=1.0, gt=0)
    sign_in_lockout_seconds: float = Field(default=900.0, gt=0)
    sign_in_window_seconds: float = Field(default=3600.0, gt=0)
    #: Proxies (IP addresses or networks, comma-separated) whose ``X-Forwarded-For`` names
    #: the client; from anyone else the header is ignored and the peer address counts.
    trusted_proxies: str = ""
    max_query_depth: int = Field(default=12, ge=2)
    max_aliases: int = Field(default=30, ge=1)
    max_tokens: int = Field(default=4000, ge=100)
    max_page_size: int = Field(default=200, ge=1)
    #: The static cost estimate a request may reach (schema/gate.py): objects a response
    #: could hold, list sizes from `first`, declared bounds or the page cap, multiplied
    #: through nesting, fragments expanded.
    max_query_cost: int = Field(default=25_000, ge=1)
    #: Where introspection is off, an anonymous document longer than this is refused
    #: before it is parsed: an anonymous caller may only sign in, which takes a few hundred
    #: bytes, and parsing 16 KB costs the event loop ~25 ms.
    max_anonymous_document_bytes: int = Field(default=2048, ge=256)
    #: Refusals before execution (cost, structure, anonymous) a caller may collect in a
    #: minute before each further request of his waits (0.05 s, doubling, up to the
    #: maximum): a flood of refused documents then slows itself down (penalties.py).
    refusals_free: int = Field(default=10, ge=0)
    refusal_pause_max_seconds: float = Field(default=2.0, ge=0)
    #: A request running longer is stopped (SQLite statements interrupted, PostgreSQL ones
    #: cancelled) and answers TIMEOUT.
    request_timeout_seconds: float = Field(default=15.0, gt=0)
    #: A file (JSON manifest: sha256 → document) or folder (*.graphql) of registered
    #: documents; when set, only those run (see `campusgraph documents manifest`).
    trusted_documents: Path | None = None
    #: Introspection in production; dev and demo always allow it.
    introspection: bool = False
    language: Literal["ru", "en"] = "ru"
    #: Small-cell protection: an aggregate of a report or of ``analytics`` over fewer
    #: students than this is suppressed (null) for a viewer who may not read those
    #: students' rows (an education authority), so no one infers an individual.
    small_cell_minimum: int = Field(default=5, ge=1)
    #: The rows an ``analytics`` table may have; a request that would answer more is
    #: VALIDATION (narrow the filter or drop a dimension), never a truncated table. The
    #: gate's static cost bound of ``AnalyticsTable.rows`` (schema/gate.py) is the default.
    analytics_max_rows: int = Field(default=1000, ge=1)
    #: The key file links (``/files/<token>``, reports/downloads.py) are signed with. Unset:
    #: a random key per process — links then die with a restart and, with several
    #: workers, work only on the worker that issued them; set it (any long random string,
    #: the same in every worker) for those deployments.
    file_link_secret: SecretStr | None = None
    #: How long a file link works after it was issued (each download re-decides access).
    file_link_ttl_seconds: float = Field(default=300.0, ge=0, le=3600)
    #: Browser origins allowed to call the API from another site (comma-separated, e.g.
    #: ``https://journal.example.ru``). Empty: no CORS headers at all, preflights refused.
    cors_origins: str = ""
    #: Pin "today" (the demo and the test suite use a fixed date); None means the real date.
    today: dt.date | None = None
    #: How log lines look: ``json`` (one JSON object a line: time, level, logger,
    #: request_id, message and the record's fields), ``text`` (one readable line), or
    #: ``auto``: JSON in production, text in dev and demo.
    log_format: Literal["auto", "json", "text"] = Field(
        default="auto",
        description="Log lines as JSON objects (json), readable text (text), or JSON in "
        "production and text in dev and demo (auto).",
    )
    #: The least severe level written, for the service's loggers and uvicorn's alike.
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO",
        description="The least severe log level written (the service's and uvicorn's "
        "loggers alike).",
    )
    #: Serve Prometheus metrics at ``/metrics``. Who may read them: see ``metrics_token``.
    metrics_enabled: bool = Field(
        default=True,
        description="Serve Prometheus metrics at /metrics (open in dev and demo; in "
        "production only with metrics_token).",
    )
    #: A bearer token a scrape must send (``Authorization: Bearer …``). Unset: /metrics is
    #: open in dev and demo and answers 404 in production.
    metrics_token: SecretStr | None = Field(
        default=None,
        description="The bearer token Prometheus sends to read /metrics; required for "
        "/metrics in production (without it /metrics answers 404 there).",
    )
    #: OpenTelemetry spans of each request and of its operation's stages (parse, validate,
    #: execute); needs the ``tracing`` extra. Where they go: the ``OTEL_EXPORTER_OTLP_*``
    #: variables (OTLP over HTTP).
    tracing: bool = Field(
        default=False,
        description="OpenTelemetry spans per request and per operation stage (parse, "
        "validate, execute), exported over OTLP as the OTEL_EXPORTER_OTLP_* variables "
        "say; needs `pip install campusgraph[tracing]`.",
    )

    def current_date(self) -> dt.date:
        return self.today or dt.date.today()

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def allow_introspection(self) -> bool:
        return self.introspection or self.mode != "production"

    def cors_origin_list(self) -> list[str]:
        return [o.strip().rstrip("/") for o in self.cors_origins.split(",") if o.strip()]

    def ruleset_dirs(self) -> list[Path]:
        import os

        return [Path(p) for p in self.rulesets_path.split(os.pathsep) if p]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
