"""The Starlette application: GraphQL on /graphql, health on /healthz.

The lifespan owns the engine, the session factory and the policy registry; each request
gets a fresh :class:`~campusgraph.context.Context` built from its bearer token.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from strawberry.asgi import GraphQL

from campusgraph.context import Context
from campusgraph.db.engine import create_engine, refresh_statistics, session_factory
from campusgraph.db.outage import RETRY_AFTER_SECONDS, is_unavailable
from campusgraph.middleware import DatabaseOutage, SecurityHeaders
from campusgraph.policies.engine import PolicyRegistry, RulesetError
from campusgraph.policies.ruleset import search_dirs
from campusgraph.resolvers.auth import authenticate
from campusgraph.schema.root import build_schema
from campusgraph.settings import Settings, get_settings

log = logging.getLogger("campusgraph")


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


class GraphQLEndpoint(GraphQL[Context, None]):
    """Strawberry's ASGI view with our context, orjson, and the IDE only outside production."""

    def __init__(self, app_state: Any, settings: Settings) -> None:
        super().__init__(
            build_schema(settings),
            graphql_ide="graphiql" if settings.mode != "production" else None,
            allow_queries_via_get=False,
        )
        self.state = app_state
        self.settings = settings

    async def get_context(self, request: Any, response: Any) -> Context:
        token = _bearer(request)
        signed = await authenticate(self.state.factory, token, today=self.settings.current_date())
        return Context(
            settings=self.settings,
            factory=self.state.factory,
            registry=self.state.registry,
            viewer=signed.viewer,
            ruleset_slug=signed.ruleset,
            auth_problem=signed.problem,
            request=request,
            token=token,
        )

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or get_settings()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        engine = create_engine(settings.database_url)
        await refresh_statistics(engine)
        app.state.engine = engine
        app.state.factory = session_factory(engine)
        registry = PolicyRegistry(search_dirs(settings.ruleset_dirs()))
        for slug in registry.available():
            try:
                registry.get(slug)
            except RulesetError as exc:
                log.error("ruleset %s not loaded: %s", slug, exc)
        app.state.registry = registry
        loop = asyncio.get_running_loop()
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            # `kill -HUP <pid>` reloads rulesets (each built aside, linted and tested first).
            loop.add_signal_handler(
                signal.SIGHUP, lambda: log.info("reload: %s", registry.reload_all())
            )
        try:
            yield
        finally:
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.remove_signal_handler(signal.SIGHUP)
            await engine.dispose()

    async def healthz(request: Request) -> Response:
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
        return JSONResponse({"status": "ok"})

    app = Starlette(
        routes=[Route("/healthz", healthz)], lifespan=lifespan, middleware=_middleware(settings)
    )
    endpoint = GraphQLEndpoint(app.state, settings)
    app.add_route("/graphql", endpoint, methods=["GET", "POST"])  # type: ignore[arg-type]
    return app


def _middleware(settings: Settings) -> list[Middleware]:
    """Outermost first: security headers on every answer (a 503 and a preflight too), CORS
    only for configured origins (so an outage answer still reaches a cross-origin page),
    then the outage mapping next to the endpoint."""
    stack = [Middleware(SecurityHeaders)]
    origins = settings.cors_origin_list()
    if origins:
        stack.append(
            Middleware(
                CORSMiddleware,
                allow_origins=origins,
                allow_methods=["GET", "POST"],
                allow_headers=["authorization", "content-type", "accept-language"],
                expose_headers=["retry-after"],
                max_age=600,
            )
        )
    stack.append(Middleware(DatabaseOutage, language=settings.language))
    return stack
