"""GraphQL over HTTP for the scenarios, latency sampling, and SQL statement counts.

Latency is the wall time of one POST on a kept-alive connection, response body read
(not parsed): what a browser waits for. The timed requests go through :class:`Wire`, a
hand-written HTTP/1.1 exchange, not httpx: httpx spends 1–2 ms of the client's CPU per
journal request and ~1 ms per small one (measured alternating both clients on one server:
journal 6.3–7.5 ms by httpx vs 4.8–5.5 ms by hand, small query 1.7–2.3 vs 0.8–1.0 ms),
time a browser's native stack does not spend and which, on two cores, is taken from the
server. Statement counts come from the same app run in-process on the same database,
with the test suite's counter.
"""

from __future__ import annotations

import asyncio
import contextlib
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


def request(port: int, payload: bytes, token: str | None) -> bytes:
    """A whole HTTP/1.1 POST to /graphql, encoded once and sent as often as wanted."""
    lines = [
        "POST /graphql HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "Content-Type: application/json",
        f"Content-Length: {len(payload)}",
    ]
    if token:
        lines.append(f"Authorization: Bearer {token}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload


class Wire:
    """One kept-alive HTTP/1.1 connection: a pre-encoded request written, the answer read
    by its Content-Length (the servers under test always send one)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def exchange(self, raw_request: bytes) -> tuple[int, bytes]:
        reused = self._streams is not None
        try:
            return await self._exchange(raw_request)
        except (asyncio.IncompleteReadError, ConnectionError) as error:
            # uvicorn closes a connection idle for 5 s; like any client, send again once
            # on a fresh one — but only when nothing of the answer had arrived.
            partial = getattr(error, "partial", b"")
            await self.close()
            if not reused or partial:
                raise
            return await self._exchange(raw_request)

    async def _exchange(self, raw_request: bytes) -> tuple[int, bytes]:
        if self._streams is None:
            self._streams = await asyncio.open_connection("127.0.0.1", self.port)
        reader, writer = self._streams
        writer.write(raw_request)
        head = await reader.readuntil(b"\r\n\r\n")
        length = None
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
                break
        if length is None:
            raise GraphQLFailed(f"an answer without Content-Length: {head[:200]!r}")
        return int(head[9:12]), await reader.readexactly(length)

    async def close(self) -> None:
        streams, self._streams = self._streams, None
        if streams is not None:
            streams[1].close()
            with contextlib.suppress(OSError):
                await streams[1].wait_closed()


class Api:
    """A server's client: httpx for the untimed calls (sign-in, checks), a :class:`Wire`
    for the timed ones."""

    def __init__(self, base_url: str) -> None:
        self.http = httpx.AsyncClient(
            base_url=base_url,
            timeout=120.0,
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
        )
        self.wire = Wire(int(base_url.rsplit(":", 1)[1]))

    async def close(self) -> None:
        await self.wire.close()
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
        sent = request(self.wire.port, payload, token)
        out: list[float] = []
        for i in range(warmup + count):
            began = time.perf_counter()
            status, answer = await self.wire.exchange(sent)
            elapsed = time.perf_counter() - began
            if status != 200:
                raise GraphQLFailed(f"HTTP {status}: {answer[:500]!r}")
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
