"""Configuration from the environment (prefix ``CAMPUSGRAPH_``)."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every setting is an environment variable ``CAMPUSGRAPH_<NAME>``; its description is
    the operator's documentation: docs/CONFIGURATION.md is rendered from these fields
    (``campusgraph config reference -o docs/CONFIGURATION.md``), and a test keeps it so."""

    model_config = SettingsConfigDict(env_prefix="CAMPUSGRAPH_", extra="ignore")

    database_url: str = Field(
        default="sqlite+aiosqlite:///./campusgraph.db",
        description="The database: `sqlite+aiosqlite:///./campusgraph.db` (embedded, one file) or "
        "`postgresql+asyncpg://user:password@host/database`.",
    )
    mode: Literal["production", "dev", "demo"] = Field(
        default="production",
        description="`dev` and `demo` serve GraphiQL and allow introspection; `production` does "
        "not.",
    )
    rulesets_path: str = Field(
        default="",
        description="Extra ruleset folders (separated by `:`, on Windows `;`), searched before the "
        "shipped ones.",
    )
    session_ttl_hours: int = Field(
        default=12,
        ge=1,
        le=24 * 30,
        description="How long a bearer token stays valid.",
    )
    idempotency_ttl_hours: int = Field(
        default=24,
        ge=1,
        le=24 * 30,
        description="How long a `clientMutationId` stays bound to its first input and answer.",
    )
    idempotency_wait_seconds: float = Field(
        default=10.0,
        gt=0,
        le=600,
        description="How long a request waits for another one running with the same key, counted "
        "from when that one began (then: `CONFLICT`, the outcome unknown).",
    )
    argon2_time_cost: int = Field(
        default=3,
        ge=1,
        description="Argon2 time cost (passes) of password hashes. Lowered only by the test suite; "
        "never in production.",
    )
    argon2_memory_kib: int = Field(
        default=65536,
        ge=8,
        description="Argon2 memory cost (KiB) of password hashes. Lowered only by the test suite; "
        "never in production.",
    )
    argon2_concurrency: int | None = Field(
        default=None,
        ge=1,
        description="Password checks running at once in one worker (argon2 is CPU and memory "
        "bound). Unset: one per CPU core but one (left to the event loop; at least "
        "one). With several workers on a host, set it so that workers × it stays near "
        "the cores.",
    )
    argon2_queue: int = Field(
        default=32,
        ge=0,
        description="Password checks that may wait beyond `CAMPUSGRAPH_ARGON2_CONCURRENCY`; a "
        'sign-in beyond them is refused at once ("try again in a few seconds").',
    )
    argon2_failure_rest: float = Field(
        default=1.0,
        ge=0,
        description="After a check that failed, its place in line rests this many times as long as "
        "the check took: guesses spread over logins and addresses (which no per-key "
        "throttle slows) then take at most 1 / (1 + rest) of a core per place.",
    )
    sign_in_throttle: bool = Field(
        default=True,
        description="Throttle failed sign-ins per login (institution + login) and per client "
        "address. The counts live in the database, so every worker sees them; they are "
        "forgotten after `CAMPUSGRAPH_SIGN_IN_WINDOW_SECONDS` without attempts, and a "
        "successful sign-in clears its login's count.",
    )
    sign_in_login_free: int = Field(
        default=3,
        ge=0,
        description="Failed sign-ins of one login that cost no wait.",
    )
    sign_in_login_lockout: int = Field(
        default=10,
        ge=1,
        description="Failed sign-ins that lock a login for `CAMPUSGRAPH_SIGN_IN_LOCKOUT_SECONDS`.",
    )
    sign_in_address_free: int = Field(
        default=20,
        ge=0,
        description="Failed sign-ins from one client address (across logins) that cost no wait.",
    )
    sign_in_address_lockout: int = Field(
        default=50,
        ge=1,
        description="Failed sign-ins that lock a client address for "
        "`CAMPUSGRAPH_SIGN_IN_LOCKOUT_SECONDS`.",
    )
    sign_in_delay_seconds: float = Field(
        default=1.0,
        gt=0,
        description="The wait before the next check after the free failures; it doubles with each "
        "further failure.",
    )
    sign_in_lockout_seconds: float = Field(
        default=900.0,
        gt=0,
        description="A lockout's length (the right password is refused too; the answer says when to "
        "try again).",
    )
    sign_in_window_seconds: float = Field(
        default=3600.0,
        gt=0,
        description="A failure count is forgotten after this long without attempts.",
    )
    trusted_proxies: str = Field(
        default="",
        description="Proxies (IP addresses or networks, comma-separated) whose `X-Forwarded-For` "
        "names the client; from anyone else the header is ignored and the TCP peer is "
        "the client.",
    )
    max_query_depth: int = Field(
        default=12,
        ge=2,
        description="The deepest nesting of fields a request may have.",
    )
    max_aliases: int = Field(
        default=30,
        ge=1,
        description="Aliases a request may use.",
    )
    max_tokens: int = Field(
        default=4000,
        ge=100,
        description="Tokens a request's document may have.",
    )
    max_page_size: int = Field(
        default=200,
        ge=1,
        description="The largest `first` of a list or connection, and the size the cost estimate "
        "assumes where none is given.",
    )
    max_query_cost: int = Field(
        default=25_000,
        ge=1,
        description="The static cost estimate a request may reach: objects its answer could hold, "
        "lists sized by `first`, their declared bounds or the page cap, multiplied "
        "through nesting, fragments expanded; over it the request answers "
        "`QUERY_TOO_COSTLY` before execution.",
    )
    max_anonymous_document_bytes: int = Field(
        default=2048,
        ge=256,
        description="Where introspection is off, an anonymous document longer than this is refused "
        "(`UNAUTHENTICATED`) before it is parsed: an anonymous caller may only sign in, "
        "which takes a few hundred bytes.",
    )
    refusals_free: int = Field(
        default=10,
        ge=0,
        description="Refusals before execution (cost, structure, anonymous) a caller — his session, "
        "else his address — may collect in a minute; past them each of his requests "
        "first waits 0.05 s, doubling up to `CAMPUSGRAPH_REFUSAL_PAUSE_MAX_SECONDS` "
        "(per worker, in memory: load shedding, not a security boundary).",
    )
    refusal_pause_max_seconds: float = Field(
        default=2.0,
        ge=0,
        description="The longest wait `CAMPUSGRAPH_REFUSALS_FREE` leads to.",
    )
    request_timeout_seconds: float = Field(
        default=15.0,
        gt=0,
        description="A request running longer is stopped (SQLite statements interrupted, PostgreSQL "
        "ones cancelled) and answers `TIMEOUT`.",
    )
    freeze_start_up: bool = Field(
        default=True,
        description="Take what start-up built (the schema, compiled rulesets, SQLAlchemy's "
        "mappers: ~260,000 objects) out of the garbage collector's walks for the server's "
        "life, after one full collection: a full collection then takes milliseconds, not "
        "~160 ms. Right for a server; a process that starts many apps one after another (a "
        "test suite) would pay that collection at every start, and turns it off.",
    )
    subscriptions_per_connection: int = Field(
        default=20,
        ge=1,
        description="Subscriptions (GraphQL over WebSocket, graphql-transport-ws) one connection "
        "may hold open at once; one more is answered with an error message.",
    )
    subscription_init_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        description="A WebSocket that sends no `connection_init` (with its token) within this "
        "time is closed with 4408.",
    )
    subscription_queue_size: int = Field(
        default=100,
        ge=1,
        description="Events a subscription may fall behind by; one more ends the subscription "
        "(the client re-subscribes and re-reads) instead of queueing without limit.",
    )
    subscription_reads_at_once: int = Field(
        default=4,
        ge=1,
        description="PostgreSQL: re-reads of published rows (each subscription reads each event "
        "of its institution through its own policy filter) one worker runs at once, so a burst "
        "of events for many subscriptions waits its turn instead of taking every database "
        "connection from the requests. (SQLite's reads run on the event loop one by one anyway.)",
    )
    trusted_documents: Path | None = Field(
        default=None,
        description="A file (JSON manifest: sha256 → document, see `campusgraph documents "
        "manifest`) or a folder of `*.graphql` documents; when set, only those run, "
        "sent as text or as `extensions.persistedQuery.sha256Hash`.",
    )
    introspection: bool = Field(
        default=False,
        description="Allow introspection in production; `dev` and `demo` always allow it.",
    )
    language: Literal["ru", "en"] = Field(
        default="ru",
        description="The language of answers when a request's `Accept-Language` names neither.",
    )
    small_cell_minimum: int = Field(
        default=5,
        ge=1,
        description="Small-cell protection: an aggregate of a report or of `analytics` over fewer "
        "students than this is null for a viewer who may not read those students' rows "
        "(an education authority), so no one infers an individual.",
    )
    analytics_max_rows: int = Field(
        default=1000,
        ge=1,
        description="The rows an `analytics` table may have; a request that would answer more is "
        "`VALIDATION` (narrow the filter or drop a dimension), never a truncated table.",
    )
    file_link_secret: SecretStr | None = Field(
        default=None,
        description="The key file links (`/files/<token>`) are signed with. Unset: a random key per "
        "process — links then die with a restart and, with several workers, work only "
        "on the worker that issued them; set it (any long random string, the same in "
        "every worker) for those deployments.",
    )
    file_link_ttl_seconds: float = Field(
        default=300.0,
        ge=0,
        le=3600,
        description="How long a file link works after it was issued (each download decides access "
        "again).",
    )
    portfolio_storage: Literal["database", "disk"] = Field(
        default="database",
        description="Where portfolio files are kept: `database` (a blob table: one backup holds "
        "everything) or `disk` (files under `portfolio_storage_path`, named by their storage "
        "key; the database keeps their name, type, size and SHA-256).",
    )
    portfolio_storage_path: Path = Field(
        default=Path("./portfolio-files"),
        description="The folder of portfolio files when `portfolio_storage` is `disk` (created "
        "when missing; keep it on a backed-up volume).",
    )
    portfolio_file_max_bytes: int = Field(
        default=10 * 1024 * 1024,
        ge=1,
        le=1024 * 1024 * 1024,
        description="The largest portfolio file accepted, in bytes; a larger one is refused "
        "naming this limit, and nothing of it is stored. A multipart request larger than "
        "this plus 1 MiB is refused before it is read (413).",
    )
    portfolio_file_types: str = Field(
        default="application/pdf,image/jpeg,image/png",
        description="The content types a portfolio file may have, separated by commas, as "
        "detected from the file's bytes (never from its name or the client's word): "
        "`application/pdf`, `image/jpeg`, `image/png`; also known: `image/gif`, `image/webp`, "
        "`application/vnd.openxmlformats-officedocument.wordprocessingml.document` (DOCX), "
        "`application/vnd.oasis.opendocument.text` (ODT).",
    )
    cors_origins: str = Field(
        default="",
        description="Browser origins allowed to call the API from another site (comma-separated, "
        "e.g. `https://journal.example.ru`). Empty: no CORS headers at all, preflights "
        "refused.",
    )
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
    today: dt.date | None = Field(
        default=None,
        description="Pin today's date, `YYYY-MM-DD` (the demo and the test suite use a fixed date). "
        "Unset: the real date.",
    )

    def current_date(self) -> dt.date:
        return self.today or dt.date.today()

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def allow_introspection(self) -> bool:
        return self.introspection or self.mode != "production"

    def portfolio_file_type_list(self) -> frozenset[str]:
        return frozenset(t.strip() for t in self.portfolio_file_types.split(",") if t.strip())

    def cors_origin_list(self) -> list[str]:
        return [o.strip().rstrip("/") for o in self.cors_origins.split(",") if o.strip()]

    def ruleset_dirs(self) -> list[Path]:
        import os

        return [Path(p) for p in self.rulesets_path.split(os.pathsep) if p]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
