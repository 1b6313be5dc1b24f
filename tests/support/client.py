"""Drive the real ASGI app in-process: its lifespan, and GraphQL over HTTP as a user."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping
from typing import Any

import httpx
from starlette.types import ASGIApp, Receive, Scope, Send

GRAPHQL_PATH = "/graphql"

LOGIN = """
mutation Login($input: LoginInput!) {
  login(input: $input) { token errors { code message } }
}
"""


class LoginFailed(AssertionError):
    """The login mutation returned no token."""


class GraphQLError(AssertionError):
    """A response that was expected to have no errors had some."""


class _WithLifespanState:
    """What an ASGI server does with the state a lifespan yields: give each request a
    shallow copy of it as ``scope["state"]`` (httpx's ASGITransport does not)."""

    def __init__(self, app: ASGIApp, state: Mapping[str, Any]) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            scope = {**scope, "state": {**scope.get("state", {}), **self.state}}
        await self.app(scope, receive, send)


@contextlib.asynccontextmanager
async def serving(app: Any) -> AsyncIterator[ASGIApp]:
    """Run the app's lifespan (startup on enter, shutdown on exit, also on failure) and
    yield an ASGI callable that sees the lifespan's state, as under uvicorn."""
    async with app.router.lifespan_context(app) as state:
        yield _WithLifespanState(app, state or {})


@contextlib.asynccontextmanager
async def http_client(asgi: ASGIApp) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=asgi)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


class GraphQLClient:
    """GraphQL over HTTP against the in-process app, optionally as a signed-in user.

    ``query`` returns the parsed response (``{"data": …, "errors": …}``) whatever it
    holds; ``data`` returns ``data`` and fails the test if there are errors.
    """

    def __init__(self, http: httpx.AsyncClient, token: str | None = None) -> None:
        self.http = http
        self.token = token
        self.user: tuple[str, str] | None = None

    def __repr__(self) -> str:
        who = "/".join(self.user) if self.user else "anonymous"
        return f"<GraphQLClient {who}>"

    async def post(
        self,
        document: str,
        variables: Mapping[str, Any] | None = None,
        *,
        token: str | None = None,
        operation_name: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """The raw HTTP response, for tests about status codes and headers."""
        body: dict[str, Any] = {"query": document}
        if variables is not None:
            body["variables"] = dict(variables)
        if operation_name is not None:
            body["operationName"] = operation_name
        bearer = token if token is not None else self.token
        sent = {"Authorization": f"Bearer {bearer}"} if bearer else {}
        sent.update(headers or {})
        return await self.http.post(GRAPHQL_PATH, json=body, headers=sent)

    async def query(
        self,
        document: str,
        variables: Mapping[str, Any] | None = None,
        *,
        token: str | None = None,
        operation_name: str | None = None,
    ) -> dict[str, Any]:
        response = await self.post(document, variables, token=token, operation_name=operation_name)
        try:
            payload = response.json()
        except ValueError:
            raise AssertionError(
                f"POST {GRAPHQL_PATH} answered {response.status_code} with no JSON body: "
                f"{response.text[:2000]}"
            ) from None
        if not isinstance(payload, dict):
            raise AssertionError(f"GraphQL response is not an object: {payload!r}")
        return payload

    async def data(
        self,
        document: str,
        variables: Mapping[str, Any] | None = None,
        *,
        token: str | None = None,
    ) -> dict[str, Any]:
        """``data`` of a response that must have no errors."""
        payload = await self.query(document, variables, token=token)
        if payload.get("errors"):
            raise GraphQLError(f"{self!r} got errors: {payload['errors']}")
        data = payload.get("data")
        if not isinstance(data, dict):
            raise GraphQLError(f"{self!r} got no data: {payload}")
        return data

    async def login(self, institution: str, login: str, password: str = "demo") -> str:
        """Sign in and keep the bearer token for later queries; return the token."""
        variables = {"input": {"institution": institution, "login": login, "password": password}}
        payload = await self.query(LOGIN, variables, token="")
        result = (payload.get("data") or {}).get("login") or {}
        token = result.get("token")
        if payload.get("errors") or result.get("errors") or not token:
            raise LoginFailed(
                f"login {institution}/{login} failed: "
                f"{payload.get('errors') or result.get('errors') or payload}"
            )
        self.token = token
        self.user = (institution, login)
        return str(token)

    async def as_(self, institution: str, login: str, password: str = "demo") -> GraphQLClient:
        """A new client, sharing this one's connection, signed in as that user."""
        other = GraphQLClient(self.http)
        await other.login(institution, login, password)
        return other
