"""GraphQL over HTTP for the scenarios, latency sampling, and SQL statement counts.

Latency is the wall time of one POST on a kept-alive connection, response body read
(not parsed): what a browser waits for. Statement counts come from the same app run
in-process on the same database, with the test suite's counter.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import httpx
import orjson

from bench.common import BENCH_TODAY, PASSWORD, RULESETS

LOGIN = """
mutation Login($input: LoginInput!) {
  login(input: $input) { token errors { code message } }
}
"""


class GraphQLFailed(RuntimeError):
    pass


def body(document: str, variables: Mapping[str, Any] | None = None) -> bytes:
    payload: dict[str, Any] = {"query": document}
    if variables is not None:
        payload["variables"] = dict(variables)
    return orjson.dumps(payload)


def headers(token: str | None) -> dict[str, str]:
    out = {"content-type": "application/json"}
    if token:
        out["authorization"] = f"Bearer {token}"
    return out


class Api:
    """One kept-alive connection to a server."""

    def __init__(self, base_url: str) -> None:
        self.http = httpx.AsyncClient(
            base_url=base_url,
            timeout=120.0,
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
        )

    async def close(self) -> None:
        await self.http.aclose()

    async def query(
        self, document: str, variables: Mapping[str, Any] | None = None, token: str | None = None
    ) -> tuple[int, dict[str, Any]]:
        response = await self.http.post(
            "/graphql", content=body(document, variables), headers=headers(token)
        )
        return response.status_code, orjson.loads(response.content)

    async def data(
        self, document: str, variables: Mapping[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        status, payload = await self.query(document, variables, token)
        if status != 200 or payload.get("errors") or not isinstance(payload.get("data"), dict):
            raise GraphQLFailed(f"HTTP {status}: {str(payload)[:2000]}")
        data: dict[str, Any] = payload["data"]
        return data

    async def login(self, institution: str, login: str, password: str = PASSWORD) -> str:
        variables = {"input": {"institution": institution, "login": login, "password": password}}
        result = (await self.data(LOGIN, variables))["login"]
        if result.get("errors") or not result.get("token"):
            raise GraphQLFailed(f"login {institution}/{login}: {result}")
        return str(result["token"])

    async def sample(
        self, payload: bytes, token: str | None, count: int, warmup: int
    ) -> list[float]:
        """Milliseconds of ``count`` sequential POSTs, after ``warmup`` unmeasured ones."""
        sent = headers(token)
        out: list[float] = []
        for i in range(warmup + count):
            began = time.perf_counter()
            response = await self.http.post("/graphql", content=payload, headers=sent)
            elapsed = time.perf_counter() - began
            if response.status_code != 200:
                raise GraphQLFailed(f"HTTP {response.status_code}: {response.text[:500]}")
            if i >= warmup:
                out.append(elapsed * 1000)
        return out


async def count_statements(
    database_url: str, institution: str, login: str, documents: list[tuple[str, dict[str, Any]]]
) -> list[int]:
    """SQL statements each document costs as one request of ``login`` (second run, so
    one-time caches are warm), counted on the app run in-process with production settings."""
    from campusgraph.app import create_app
    from campusgraph.settings import Settings
    from tests.support.client import GraphQLClient, http_client, serving
    from tests.support.sqlcount import count_sql

    settings = Settings(
        database_url=database_url,
        mode="production",
        today=BENCH_TODAY,
        rulesets_path=str(RULESETS),
    )
    counts: list[int] = []
    async with serving(create_app(settings)) as running, http_client(running) as http:
        client = GraphQLClient(http)
        await client.login(institution, login, PASSWORD)
        for document, variables in documents:
            await client.data(document, variables)
            with count_sql(database_url) as sql:
                await client.data(document, variables)
            counts.append(sql.count)
    return counts
