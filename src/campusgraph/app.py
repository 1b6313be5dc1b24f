"""The Starlette application: GraphQL on /graphql; /livez, /readyz (and /healthz, its old
name) for probes; /metrics for Prometheus.

The lifespan owns the engine, the session factory and the policy registry; each request
gets a fresh :class:`~campusgraph.context.Context` built from its bearer token.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import gc
import logging
import signal
import time
from collections.abc import AsyncIterator, Mapping
from typing import Any, cast

import orjson
from cross_web import HTTPException
from graphql import GraphQLError
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter, GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult
from strawberry.types.unset import UNSET, UnsetType

from campusgraph import ide, penalties, trusted_documents
from campusgraph.context import Context
from campusgraph.db.engine import (
    create_engine,
    create_reader_engine,
    refresh_statistics,
    session_factory,
)
from campusgraph.db.outage import RETRY_AFTER_SECONDS, is_unavailable
from campusgraph.deadline import DEADLINE
from campusgraph.i18n import message, negotiate
from campusgraph.live import create_bus
from campusgraph.live.events import BUS_KEY
from campusgraph.live.events import install as install_live_hooks
from campusgraph.middleware import DatabaseOutage, SecurityHeaders
from campusgraph.observability import metrics, request_id, tracing
from campusgraph.observability.operation import OPERATION, Observed, ObserveOperation
from campusgraph.policies.engine import PolicyRegistry, RulesetError
from campusgraph.policies.ruleset import search_dirs
from campusgraph.resolvers.auth import authenticate
from campusgraph.resolvers.throttle import client_address
from campusgraph.schema.base import unauthenticated
from campusgraph.schema.root import build_schema
from campusgraph.settings import Settings, get_settings
from campusgraph.upload_limit import UploadLimit

log = logging.getLogger("campusgraph")


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


class TextFrames(ASGIWebSocketAdapter):
    """graphql-transport-ws messages are text frames (the protocol says so, and gql and
    graphql-ws clients refuse binary ones); Strawberry sends bytes when ``encode_json``
    answers bytes, as ours does for HTTP."""

    async def send_json(self, message: Mapping[str, object]) -> None:
        try:
            await self.ws.send_text(orjson.dumps(message).decode())
        except WebSocketDisconnect as exc:
            raise WebSocketDisconnected from exc


class GraphQLEndpoint(GraphQL[Context, None]):
    """Strawberry's ASGI view with our context, orjson, and the IDE only outside production;
    each operation admitted against the trusted documents (when configured) and run under
    the request's time limit."""

    websocket_adapter_class = TextFrames

    def __init__(self, app_state: Any, settings: Settings) -> None:
        schema = build_schema(settings)
        # Which operation ran, for the request metrics; with tracing, a span per stage.
        stages = (tracing.StageSpans,) if settings.tracing else ()
        schema.extensions = (*schema.extensions, ObserveOperation, *stages)
        super().__init__(
            schema,
            graphql_ide="graphiql" if settings.mode != "production" else None,
            allow_queries_via_get=False,
            # Portfolio files (addPortfolioFile): the GraphQL multipart request spec, each
            # such request forced through a CORS preflight (parse_multipart) and held to
            # a size before it is parsed (upload_limit.UploadLimit).
            multipart_uploads_enabled=True,
            # Live updates (campusgraph.live); the legacy graphql-ws protocol is not offered.
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            connection_init_wait_timeout=dt.timedelta(
                seconds=settings.subscription_init_timeout_seconds
            ),
            max_subscriptions_per_connection=settings.subscriptions_per_connection,
        )
        self.state = app_state
        self.settings = settings
        self.penalties = penalties.Penalties(
            settings.refusals_free, settings.refusal_pause_max_seconds
        )
        self.trusted: dict[str, str] | None = (
            trusted_documents.load(settings.trusted_documents)
            if settings.trusted_documents is not None
            else None
        )

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        """Our GraphiQL page, whose every file is served by this app (campusgraph.ide),
        instead of Strawberry's, which loads them from a CDN."""
        language = negotiate(request.headers.get("accept-language"), self.settings.language)
        return HTMLResponse(ide.page(language, request.scope.get("root_path", "")))

    async def run(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        """The request's uploaded files (spooled to temporary files by the multipart
        parser) closed when its answer is made, whatever the mutations did with them."""
        try:
            return await super().run(request, *args, **kwargs)
        finally:
            if isinstance(request, Request):
                await request.close()

    async def parse_multipart(self, request: Any) -> dict[str, str]:
        """A multipart request only with a header no HTML form can send
        (``GraphQL-Require-Preflight``), so a browser makes a CORS preflight first: a
        cross-site page cannot post a form at the API (the CSRF protection Apollo's and
        Strawberry's docs prescribe for uploads). The bearer token is not sent by a
        browser on its own either; this holds should a cookie ever carry a session."""
        if not request.headers.get("graphql-require-preflight") and not request.headers.get(
            "apollo-require-preflight"
        ):
            language = negotiate(request.headers.get("accept-language"), self.settings.language)
            raise HTTPException(400, message("upload_needs_preflight", language))
        parsed: dict[str, str] = await super().parse_multipart(request)
        return parsed

    async def get_context(self, request: Any, response: Any) -> Context:
        token = _bearer(request)
        if isinstance(request, WebSocket):
            # Authenticated at connection_init (on_ws_connect), where the token may be.
            return Context(
                settings=self.settings,
                factory=self.state.factory,
                reader=getattr(self.state, "reader", None),
                registry=self.state.registry,
                viewer=None,
                ruleset_slug=None,
                request=request,
                token=token,
                live=getattr(self.state, "live", None),
            )
        signed = await authenticate(self.state.factory, token, today=self.settings.today)
        return Context(
            settings=self.settings,
            factory=self.state.factory,
            reader=getattr(self.state, "reader", None),
            registry=self.state.registry,
            viewer=signed.viewer,
            ruleset_slug=signed.ruleset,
            auth_problem=signed.problem,
            request=request,
            token=token,
            live=getattr(self.state, "live", None),
        )

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """The token of a WebSocket, checked once at ``connection_init``: from its payload
        (``{"Authorization": "Bearer …"}``, as browsers cannot set headers on a WebSocket)
        or else the upgrade request's header. Refused: closed with 4403 and the reason in
        the close frame (the subscription never starts)."""
        params = context.connection_params or {}
        sent = params.get("Authorization", params.get("authorization"))
        if isinstance(sent, str):
            scheme, _, token = sent.partition(" ")
            context.token = token.strip() if scheme.lower() == "bearer" else None
        signed = await authenticate(self.state.factory, context.token, today=self.settings.today)
        if signed.viewer is None:
            code = signed.problem.code if signed.problem is not None else "UNAUTHENTICATED"
            log.info("WebSocket refused at connection_init: %s", code)
            raise ConnectionRejectionError({"code": code})
        context.viewer = signed.viewer
        context.ruleset_slug = signed.ruleset
        return cast("UnsetType", UNSET)

    async def execute_single(
        self,
        request: Any,
        request_adapter: Any,
        sub_response: Any,
        context: Context,
        root_value: Any,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        caller = self._caller(request, context)
        await self.penalties.wait(caller)
        observed = Observed()
        token = OPERATION.set(observed)
        started = time.perf_counter()
        codes = ["INTERNAL"]  # unless a result says otherwise
        try:
            result = await self._execute(
                request, request_adapter, sub_response, context, root_value, request_data
            )
            codes = [str((e.extensions or {}).get("code")) for e in result.errors or ()]
        finally:
            OPERATION.reset(token)
            kind = observed.type
            metrics.REQUEST_SECONDS.labels(kind).observe(time.perf_counter() - started)
            metrics.REQUESTS.labels(kind, metrics.outcome(codes)).inc()
        if any(code in penalties.REFUSALS for code in codes):
            self.penalties.refused(caller)
        return result

    def _caller(self, request: Any, context: Context) -> str:
        """Whom refusals are counted for: the session, else the client's address."""
        if context.viewer is not None:
            return f"session:{context.viewer.session_id}"
        return f"address:{client_address(request, self.settings)}"

    async def _execute(
        self,
        request: Any,
        request_adapter: Any,
        sub_response: Any,
        context: Context,
        root_value: Any,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        if context.viewer is None and self._too_long_to_be_a_sign_in(request_data):
            return ExecutionResult(data=None, errors=[unauthenticated(context)])
        if self.trusted is not None:
            admitted = self._trusted(request_data, context.language)
            if isinstance(admitted, GraphQLError):
                return ExecutionResult(data=None, errors=[admitted])
            request_data = admitted
        seconds = self.settings.request_timeout_seconds
        deadline = time.monotonic() + seconds
        token = DEADLINE.set(deadline)
        try:
            async with asyncio.timeout(seconds):
                result = await super().execute_single(
                    request, request_adapter, sub_response, context, root_value, request_data
                )
        except TimeoutError:
            return self._timed_out(context.language)
        finally:
            DEADLINE.reset(token)
        if result.errors and time.monotonic() > deadline:
            # On SQLite the statement running at the deadline was interrupted in place
            # (campusgraph.deadline): its error is the time limit's.
            return self._timed_out(context.language)
        return result

    def _too_long_to_be_a_sign_in(self, request_data: GraphQLRequestData) -> bool:
        """An anonymous caller may only sign in (schema/gate.py refuses anything else after
        parsing); where introspection is off, a document too long to be a sign-in is
        refused before the parser spends the event loop's time on it."""
        settings = self.settings
        query = request_data.query or ""
        return not settings.allow_introspection and (
            len(query.encode()) > settings.max_anonymous_document_bytes
        )

    def _timed_out(self, language: str) -> ExecutionResult:
        seconds = f"{self.settings.request_timeout_seconds:g}"
        log.warning("request stopped at its time limit (%s s)", seconds)
        text = message("request_timeout", language, seconds=seconds)
        return ExecutionResult(
            data=None, errors=[GraphQLError(text, extensions={"code": "TIMEOUT"})]
        )

    def _trusted(
        self, request_data: GraphQLRequestData, language: str
    ) -> GraphQLRequestData | GraphQLError:
        """The request with its registered text, or why it may not run."""
        assert self.trusted is not None
        digest = trusted_documents.sent_hash(request_data.extensions)
        query = request_data.query
        if query is not None:
            actual = trusted_documents.document_hash(query)
            if digest is not None and digest != actual:
                text = message("document_hash_mismatch", language)
                return GraphQLError(text, extensions={"code": "DOCUMENT_HASH_MISMATCH"})
            digest = actual
        registered = self.trusted.get(digest) if digest is not None else None
        if registered is None:
            text = message("document_not_trusted", language, hash=digest or "—")
            return GraphQLError(text, extensions={"code": "DOCUMENT_NOT_TRUSTED"})
        return dataclasses.replace(request_data, query=registered)

    async def process_result(self, request: Any, result: ExecutionResult) -> GraphQLHTTPResponse:
        """Every error names the request (``extensions.requestId``), and the client's
        errors are logged at INFO with their code: a refusal is not a server failure.
        (Unexpected errors, outages and ruleset refusals were logged where they were
        classified: schema/errors.py.)"""
        answer = await super().process_result(request, result)
        errors = cast("list[dict[str, Any]] | None", answer.get("errors"))
        if errors:
            rid = request_id.current()
            for error in errors:
                extensions = error.setdefault("extensions", {})
                if rid is not None:
                    extensions["requestId"] = rid
                code = extensions.get("code")
                if code not in _LOGGED_WHERE_CLASSIFIED:
                    path = error.get("path")
                    log.info(
                        "refused %s%s: %s",
                        code,
                        f" at {'.'.join(map(str, path))}" if path else "",
                        error.get("message"),
                        extra={"code": code, "reason": extensions.get("reason")},
                    )
        return answer

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)


#: Error codes logged where they were decided (schema/errors.py, _timed_out).
_LOGGED_WHERE_CLASSIFIED = frozenset({"INTERNAL", "UNAVAILABLE", "FORBIDDEN", "TIMEOUT"})


def reload_rulesets(registry: PolicyRegistry) -> dict[str, str]:
    """The operator's ``kill -HUP``: every loaded ruleset built aside, linted and tested,
    then swapped in — or refused, keeping the one before. Each outcome is logged
    (PolicyRegistry.reload_some); with several workers each worker reloads its own."""
    log.info("SIGHUP: reloading the rulesets")
    report = registry.reload_all()
    refused = sorted(slug for slug, status in report.items() if status != "ok")
    if refused:
        log.error("SIGHUP: %d of %d rulesets refused: %s", len(refused), len(report), refused)
    else:
        log.info("SIGHUP: %d rulesets reloaded", len(report))
    return report


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or get_settings()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        engine = create_engine(settings.database_url)
        backend = "sqlite" if settings.is_sqlite else "postgresql"
        metrics.count_statements(engine, backend)
        await refresh_statistics(engine)
        app.state.engine = engine
        app.state.factory = session_factory(engine)
        # Live updates: every session of this factory carries the bus its commits
        # publish to (campusgraph.live.events).
        live = create_bus(
            settings.database_url,
            is_sqlite=settings.is_sqlite,
            queue_size=settings.subscription_queue_size,
            reads_at_once=settings.subscription_reads_at_once,
        )
        await live.start()
        install_live_hooks()
        app.state.live = live
        app.state.factory.configure(info={BUS_KEY: live})
        # Reports read off the loop on SQLite (Context.report_session); None: the factory.
        reader = create_reader_engine(settings.database_url)
        if reader is not None:
            metrics.count_statements(reader, backend)
        app.state.reader = session_factory(reader) if reader is not None else None
        registry = PolicyRegistry(search_dirs(settings.ruleset_dirs()))
        failed: list[str] = []
        for slug in registry.available():
            try:
                registry.get(slug)
            except RulesetError as exc:
                failed.append(slug)
                log.error("ruleset %s not loaded: %s", slug, exc, extra={"ruleset": slug})
        log.info("%d rulesets loaded", len(registry.available()) - len(failed))
        app.state.registry = registry
        loop = asyncio.get_running_loop()
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            # `kill -HUP <pid>` reloads rulesets (each built aside, linted and tested first).
            loop.add_signal_handler(signal.SIGHUP, reload_rulesets, registry)
        if HUP_DURING_START_UP:
            # Sent while this worker started (remember_hup): its rulesets may have been
            # read before the change the operator announced.
            HUP_DURING_START_UP.clear()
            reload_rulesets(registry)
        # What start-up built (modules, the schema, compiled rulesets, SQLAlchemy's
        # mappers: ~280,000 objects) lives as long as the process; a full collection
        # walked them all, every few hundred requests. Frozen, the collector skips them;
        # what is garbage already is collected first. Unfrozen at shutdown, so that a
        # process starting several apps (the tests) can still collect an old one. The
        # collection costs ~0.5 s in a large process: a test suite starting an app per
        # test turns it off (Settings.freeze_start_up).
        frozen = settings.freeze_start_up
        if frozen:
            gc.collect()
            gc.freeze()
        try:
            yield
        finally:
            if frozen:
                gc.unfreeze()
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.remove_signal_handler(signal.SIGHUP)
            await live.stop()
            if reader is not None:
                await reader.dispose()
            await engine.dispose()

    async def livez(request: Request) -> Response:
        """The process answers: no database, nothing that a restart would not fix."""
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> Response:
        """Ready for traffic: the database answers a real read, and rulesets are loaded
        (a ruleset that failed to load is named; its institution is refused, the others
        are served)."""
        from sqlalchemy import text

        try:
            # A real read: ``SELECT 1`` alone never touches an SQLite file, so it would
            # answer "ok" while another process holds the database.
            async with request.app.state.engine.connect() as conn:
                await conn.execute(text("SELECT version_num FROM alembic_version"))
        except Exception as error:  # the probe answers, whatever the failure
            if is_unavailable(error):
                log.warning("health check: database unavailable: %s", error)
            else:
                log.exception("health check failed")
            return JSONResponse(
                {"status": "unavailable"},
                status_code=503,
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
        registry: PolicyRegistry = request.app.state.registry
        # Asked each time: a ruleset that failed at start loads on a later request once
        # fixed on disk.
        loaded = len(registry.loaded())
        failed = sorted(set(registry.available()) - set(registry.loaded()))
        body: dict[str, Any] = {"status": "ok" if loaded else "unavailable", "rulesets": loaded}
        if failed:
            body["rulesetsFailed"] = failed
        return JSONResponse(body, status_code=200 if loaded else 503)

    async def metrics_page(request: Request) -> Response:
        if not metrics.allowed(settings, request.headers.get("authorization")):
            return Response(status_code=404)
        body, content_type = metrics.exposition()
        return Response(body, media_type=content_type)

    async def files(request: Request) -> Response:
        from campusgraph.files_endpoint import serve_file

        return await serve_file(request, settings)

    app = Starlette(
        routes=[
            Route("/livez", livez),
            Route("/readyz", readyz),
            Route("/healthz", readyz),  # its name before /livez and /readyz
            Route("/metrics", metrics_page, methods=["GET"]),
            Route("/files/{token}", files, methods=["GET"]),
        ],
        lifespan=lifespan,
        middleware=_middleware(settings),
    )
    endpoint = GraphQLEndpoint(app.state, settings)
    # First in the table: every GraphQL request would otherwise be matched against each
    # probe's and file's pattern before its own.
    app.router.routes.insert(0, Route("/graphql", endpoint, methods=["GET", "POST"]))
    app.router.routes.append(WebSocketRoute("/graphql", endpoint))  # subscriptions
    if settings.mode in ("demo", "dev"):
        # Example screens on the public API (campusgraph/screens); never in production.
        from campusgraph.screens import screens_app

        app.mount("/screens", screens_app(), name="screens")
    if endpoint.graphql_ide:
        app.add_route(f"{ide.PREFIX}/{{digest}}/{{name:path}}", ide.serve_asset, methods=["GET"])
    return app


#: A SIGHUP that reached this process before its app could handle it (see remember_hup).
HUP_DURING_START_UP: list[int] = []


def remember_hup(signum: int, _frame: Any) -> None:
    HUP_DURING_START_UP.append(signum)


def worker_app() -> Starlette:
    """The app of one worker of ``campusgraph serve --workers N`` (uvicorn's factory):
    settings from the environment, tracing set up in this process.

    The parent passes ``kill -HUP`` on to every worker at any time (workers.py); one still
    starting had no handler yet, and SIGHUP's default ended it (CI's two-worker test saw
    a worker die so). Until the lifespan installs the reload, a SIGHUP is remembered, and
    the rulesets are reloaded once the worker has started."""
    signal.signal(signal.SIGHUP, remember_hup)
    settings = get_settings()
    tracing.configure(settings)
    return create_app(settings)


def _middleware(settings: Settings) -> list[Middleware]:
    """Outermost first: the request id (every answer and log line names it), its span
    when tracing, security headers on every answer (a 503 and a preflight too), CORS only
    for configured origins (so an outage answer still reaches a cross-origin page), then
    the outage mapping next to the endpoint."""
    stack = [Middleware(request_id.RequestIdMiddleware)]
    if settings.tracing:
        stack.append(Middleware(tracing.RequestSpan))
    stack.append(Middleware(SecurityHeaders))
    origins = settings.cors_origin_list()
    if origins:
        stack.append(
            Middleware(
                CORSMiddleware,
                allow_origins=origins,
                allow_methods=["GET", "POST"],
                allow_headers=[
                    "authorization",
                    "content-type",
                    "accept-language",
                    "x-request-id",
                    "graphql-require-preflight",
                    "apollo-require-preflight",
                ],
                expose_headers=["retry-after", "x-request-id"],
                max_age=600,
            )
        )
    stack.append(Middleware(DatabaseOutage, language=settings.language))
    stack.append(Middleware(UploadLimit, settings=settings))
    return stack
