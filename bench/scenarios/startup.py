"""Scenario 7: start-up time and memory.

Start-up: ``campusgraph serve`` itself (migration check, rulesets compiled and their
golden cases run, uvicorn) from process start to ``/healthz`` answering 200; the median
of a few runs. Memory: VmRSS and VmHWM of the worker that served the journal scenario,
from /proc.
"""

from __future__ import annotations

from bench.client import body
from bench.common import TEACHER, Result, median
from bench.context import Context
from bench.scenarios.journal import JOURNAL
from bench.server import Server


async def scenario_startup(ctx: Context) -> list[Result]:
    times: list[float] = []
    for i in range(ctx.plan.startup_runs):
        server = Server.serve_command(f"startup-{i}", ctx.main.url, ctx.workdir)
        try:
            times.append(await server.start())
        finally:
            server.stop()
    start = Result(
        "7a",
        "start-up: `campusgraph serve` → /healthz 200",
        unit="s",
        median=median(times),
        p95=max(times),
        target="≤ 3 s",
        samples=len(times),
        note=f"runs: {', '.join(f'{t:.2f}' for t in times)} s (p95 column: the slowest)",
    )
    start.passed = start.median is not None and start.median <= 3.0

    if ctx.memory_after_journal is None:
        token = await ctx.token(TEACHER)
        await ctx.api.sample(body(JOURNAL, ctx.fixture.journal_variables), token, 20, 5)
        ctx.memory_after_journal = ctx.server.memory_mb()
    rss, hwm = ctx.memory_after_journal
    memory = Result(
        "7b",
        "memory: worker RSS after the journal scenario",
        unit="MB",
        median=rss,
        target="≤ 200 MB",
        note=f"peak (VmHWM) {hwm:.0f} MB; one uvicorn worker, production settings",
    )
    memory.passed = rss <= 200
    return [start, memory]
