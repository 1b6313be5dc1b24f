"""Scenario 3: throughput of a small signed-in query on one worker, 16 connections.

``viewer { login roles { name } }`` as ``teacher`` (session lookup, GraphQL, orjson)
against the floor: a plain Starlette + orjson endpoint answering the same POST with the
same payload, served by uvicorn the same way. Both are measured twice, alternately.
"""

from __future__ import annotations

from bench import load
from bench.client import body
from bench.common import TEACHER, Result, median
from bench.context import Context
from bench.server import Server

SMALL = "query Small { viewer { login roles { name } } }"
CONNECTIONS = 16


async def scenario_throughput(ctx: Context) -> list[Result]:
    token = await ctx.token(TEACHER)
    data = await ctx.api.data(SMALL, None, token)
    if data["viewer"]["login"] != TEACHER:
        raise AssertionError(f"small query answered {data}")
    payload = body(SMALL)
    floor_server = Server.floor(ctx.workdir)
    await floor_server.start()
    half = ctx.plan.load_seconds / 2
    runs: dict[str, list[load.LoadResult]] = {"app": [], "floor": []}
    cpu = {"app": 0.0, "floor": 0.0}
    try:
        for server, bearer in ((ctx.server, token), (floor_server, None)):  # warm-up
            await load.closed_loop(
                ctx.loadgen, server.port, payload, bearer, connections=CONNECTIONS,
                seconds=1.0, max_requests=ctx.plan.load_max_requests, warmup_seconds=0.0,
            )  # fmt: skip
        for _ in range(2):
            for name, server, bearer in (
                ("app", ctx.server, token),
                ("floor", floor_server, None),
            ):
                before = server.cpu_seconds()
                result = await load.closed_loop(
                    ctx.loadgen,
                    server.port,
                    payload,
                    bearer,
                    connections=CONNECTIONS,
                    seconds=half,
                    max_requests=ctx.plan.load_max_requests // 2,
                    warmup_seconds=0.0,
                )
                cpu[name] += server.cpu_seconds() - before
                runs[name].append(result)
    finally:
        floor_server.stop()

    def rate(results: list[load.LoadResult]) -> float:
        done = sum(r.completed for r in results)
        seconds = sum(r.seconds for r in results)
        return done / seconds if seconds else 0.0

    app, floor = rate(runs["app"]), rate(runs["floor"])
    failures = sum(
        n for r in runs["app"] for status, n in r.statuses.items() if status != 200
    ) + sum(len(r.errors) for r in runs["app"])
    latencies = [x for r in runs["app"] for x in r.latencies_ms]
    done = {name: sum(r.completed for r in results) for name, results in runs.items()}
    per_request = {name: cpu[name] / done[name] * 1000 if done[name] else 0.0 for name in cpu}
    note = (
        f"{CONNECTIONS} connections, {ctx.loadgen} generator, {done['app']:,} requests; "
        f"server CPU per request: app {per_request['app']:.2f} ms, floor "
        f"{per_request['floor']:.2f} ms"
    )
    if latencies:
        note += f"; app latency under load p50 {median(latencies):.1f} ms"
    if failures:
        note += f"; {failures} non-200 answers or broken connections"
    row = Result(
        "3",
        "small signed-in query, 1 worker × 16 connections",
        unit="req/s",
        median=app,
        floor=floor,
        ratio=app / floor if floor else None,
        target="≥ 0.15× floor",
        samples=sum(r.completed for r in runs["app"]),
        note=note + "; floor = plain Starlette + orjson",
    )
    row.passed = row.ratio is not None and row.ratio >= 0.15 and not failures
    row.extra = {
        "app_runs": [r.throughput for r in runs["app"]],
        "floor_runs": [r.throughput for r in runs["floor"]],
        "server_cpu_ms": per_request,
    }
    return [row]
