"""Scenario 11: live updates — 1,000 idle subscriptions on one worker.

a. memory per subscription: the worker's RSS before and after 1,000 parents' screens
   subscribed (one WebSocket each, graphql-transport-ws, ``journalUpdates(student:)`` for
   students whose marks are not being set: idle), divided by 1,000;
b. the latency from ``setMark`` (request sent) to its event arriving on a deputy
   director's subscription, with the 1,000 idle ones open;
c. the same with 1,000 subscriptions *without* ``student:`` — each event re-read by every
   subscriber of the institution through its own policy filter (the fan-out's worst case).

On the main server (SQLite unless ``--pg``) and, when the PostgreSQL region runs, on a
second server on it (LISTEN/NOTIFY).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

from bench.client import Api
from bench.common import DEPUTY, INSTITUTION, PARENT, TEACHER, Result, median, p95, skipped
from bench.context import Context
from bench.datasets import Dataset
from bench.scenarios.writes import Cell, _versions, document, read_shape
from bench.server import Server
from campusgraph.ids import to_global_id

IDLE = 1000
SUBSCRIBE = """
subscription ($student: ID) {
  journalUpdates(student: $student) { __typename ... on MarkChanged { mark { id value } } }
}
"""


async def _open(url: str, token: str, student: str | None) -> ClientConnection:
    socket = await connect(url, subprotocols=["graphql-transport-ws"], max_queue=64)  # type: ignore[list-item]
    await socket.send(
        json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
    )
    ack = json.loads(await asyncio.wait_for(socket.recv(), 30))
    if ack.get("type") != "connection_ack":
        raise RuntimeError(f"not acknowledged: {ack}")
    body = {"query": SUBSCRIBE, "variables": {"student": student}}
    await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": body}))
    return socket


@contextlib.asynccontextmanager
async def _many(
    url: str, token: str, students: list[str | None], batch: int = 50
) -> AsyncIterator[list[ClientConnection]]:
    sockets: list[ClientConnection] = []
    try:
        for start in range(0, len(students), batch):
            chunk = students[start : start + batch]
            sockets += await asyncio.gather(*(_open(url, token, s) for s in chunk))
        # Each round trip proves the server read the subscribe before it.
        for socket in sockets:
            await socket.send(json.dumps({"type": "ping"}))
        for socket in sockets:
            while json.loads(await asyncio.wait_for(socket.recv(), 30))["type"] != "pong":
                pass
        yield sockets
    finally:
        await asyncio.gather(*(s.close() for s in sockets), return_exceptions=True)


async def _latencies(
    http: httpx.AsyncClient, token: str, doc: str, shape: Any, cell: Cell,
    watcher: ClientConnection, count: int,
) -> list[float]:  # fmt: skip
    out: list[float] = []
    headers = {"Authorization": f"Bearer {token}"}
    for i in range(count + 2):  # the first two warm up (and prove the watcher listens)
        began = time.perf_counter()
        post = asyncio.create_task(
            http.post(
                "/graphql", json={"query": doc, "variables": cell.variables(shape)}, headers=headers
            )
        )
        message = json.loads(await asyncio.wait_for(watcher.recv(), 60))
        arrived = time.perf_counter()
        answer = (await post).json()
        mark = ((answer.get("data") or {}).get("setMark") or {}).get("mark") or {}
        if isinstance(mark.get("version"), int):
            cell.version = mark["version"]
        if message.get("type") != "next":
            raise RuntimeError(f"the watcher got {message}")
        if i >= 2:
            out.append((arrived - began) * 1000)
    return out


async def _on(
    ctx: Context, suffix: str, dataset: Dataset, server: Server, api: Api
) -> list[Result]:
    label = dataset.label
    shape = read_shape()
    if isinstance(shape, str):
        return [skipped(f"11{suffix}", "subscriptions", shape)]
    fx = ctx.fixture
    work, lesson, _date = fx.works[0]
    cell = Cell(work, lesson, fx.students[0], None)
    await _versions(dataset.url, [cell])
    teacher = await api.login(INSTITUTION, TEACHER)
    deputy = await api.login(INSTITUTION, DEPUTY)
    parent = await api.login(INSTITUTION, PARENT)
    url = server.base_url.replace("http://", "ws://") + "/graphql"
    others = [to_global_id("Student", s) for s in fx.students[1:]]
    idle: list[str | None] = [others[i % len(others)] for i in range(IDLE)]
    samples = 40 if ctx.plan.quick else 200
    rows: list[Result] = []
    doc = document(shape)
    async with httpx.AsyncClient(base_url=server.base_url, timeout=60) as http:
        watcher = await _open(url, deputy, to_global_id("Student", fx.students[0]))
        try:
            before, _ = server.memory_mb()
            async with _many(url, parent, idle):
                await asyncio.sleep(1.0)
                after, _ = server.memory_mb()
                lat = await _latencies(http, teacher, doc, shape, cell, watcher, samples)
            per_kib = (after - before) * 1024 / IDLE
            rows.append(
                Result(
                    f"11{suffix}1",
                    f"1,000 idle subscriptions: memory ({label})",
                    unit="KiB/sub",
                    median=per_kib,
                    samples=IDLE,
                    note=f"worker RSS {before:.0f} → {after:.0f} MB with {IDLE} WebSockets, "
                    "one subscription each",
                )
            )
            rows.append(
                Result(
                    f"11{suffix}2",
                    f"setMark → delivery, 1,000 idle open ({label})",
                    unit="ms",
                    median=median(lat),
                    p95=p95(lat),
                    target="p95 ≤ 1,000 ms",
                    passed=p95(lat) <= 1000,
                    samples=len(lat),
                    note="request sent → event on a deputy's subscription (student:); the idle "
                    "ones name other students and skip the event without a read",
                )
            )
            worst = 10 if ctx.plan.quick else 20
            async with _many(url, parent, [None] * IDLE):
                lat = await _latencies(http, teacher, doc, shape, cell, watcher, worst)
            rows.append(
                Result(
                    f"11{suffix}3",
                    f"setMark → delivery, 1,000 re-reading ({label})",
                    unit="ms",
                    median=median(lat),
                    p95=p95(lat),
                    samples=len(lat),
                    note="the 1,000 subscribe without student: each event is re-read by each "
                    "through its own policy filter (1,000 SELECTs per mark)",
                )
            )
        finally:
            await watcher.close()
    return rows


async def scenario_subscriptions(ctx: Context) -> list[Result]:
    rows = await _on(ctx, "a", ctx.main, ctx.server, ctx.api)
    pg = ctx.pg_datasets.get(ctx.plan.institutions)
    if ctx.main.backend == "postgresql":
        return rows
    if pg is None:
        return [*rows, skipped("11b", "subscriptions (PostgreSQL)", "no PostgreSQL region started")]
    server = Server.app("app-pg-subscriptions", pg.url, ctx.workdir)
    await server.start()
    api = Api(server.base_url)
    try:
        rows += await _on(ctx, "b", pg, server, api)
    finally:
        await api.close()
        server.stop()
    return rows
