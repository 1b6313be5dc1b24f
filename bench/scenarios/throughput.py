"""Scenario 3: throughput of a small signed-in query on one worker, 16 connections.

``viewer { login roles { name } }`` as ``teacher`` (session lookup, GraphQL, orjson)
against the floor: a plain Starlette + orjson endpoint answering the same POST with the
same payload, served by uvicorn the same way. Beside them the stack's floor
(``bench.stack_floor_app``): the same document answered by Strawberry on Starlette with
nothing of the service's — what the chosen stack costs before the service does anything.
All three are measured twice, alternately.
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
    stack_server = Server.floor(ctx.workdir, "bench.stack_floor_app:app", "stack")
    await floor_server.start()
    await stack_server.start()
    half = ctx.plan.load_seconds / 2
    servers = (
        ("app", ctx.server, token),
        ("floor", floor_server, None),
        ("stack", stack_server, None),
    )
    runs: dict[str, list[load.LoadResult]] = {name: [] for name, _, _ in servers}
    cpu = dict.fromkeys(runs, 0.0)
    try:
        for _, server, bearer in servers:  # warm-up
            await load.closed_loop(
                ctx.loadgen, server.port, payload, bearer, connections=CONNECTIONS,
                seconds=1.0, max_requests=ctx.plan.load_max_requests, warmup_seconds=0.0,
            )  # fmt: skip
        for _ in range(2):
            for name, server, bearer in servers:
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
        stack_server.stop()

    def rate(results: list[load.LoadResult]) -> float:
        done = sum(r.completed for r in results)
        seconds = sum(r.seconds for r in results)
        return done / seconds if seconds else 0.0

    app, floor, stack = rate(runs["app"]), rate(runs["floor"]), rate(runs["stack"])
    failures = sum(
        n for r in runs["app"] for status, n in r.statuses.items() if status != 200
    ) + sum(len(r.errors) for r in runs["app"])
    latencies = [x for r in runs["app"] for x in r.latencies_ms]
    done = {name: sum(r.completed for r in results) for name, results in runs.items()}
    per_request = {name: cpu[name] / done[name] * 1000 if done[name] else 0.0 for name in cpu}
    note = (
        f"{CONNECTIONS} connections, {ctx.loadgen} generator, {done['app']:,} requests; "
        f"server CPU per request: app {per_request['app']:.2f} ms, floor "
        f"{per_request['floor']:.2f} ms, stack's floor {per_request['stack']:.2f} ms"
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
        "stack_runs": [r.throughput for r in runs["stack"]],
        "server_cpu_ms": per_request,
    }
    stack_row = Result(
        "3a",
        "the stack's floor: the same query by Strawberry on Starlette, nothing else",
        unit="req/s",
        median=stack,
        floor=floor,
        ratio=stack / floor if floor else None,
        target="—",
        samples=sum(r.completed for r in runs["stack"]),
        note=(
            f"no session, no database; Strawberry's parser and validation caches; the app reaches "
            f"{app / stack if stack else 0:.2f}× of it; server CPU per request "
            f"{per_request['stack']:.2f} ms"
        ),
    )
    return [row, stack_row]
