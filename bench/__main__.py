"""``python -m bench``: generate (or reuse) the regions, start the servers, run the
scenarios, print one table, write ``bench/results/<date>.json``.

    python -m bench                      # the full report: 50 × 1,000 (updates BENCHMARKS.md)
    python -m bench --quick              # everything small, in about two minutes
    python -m bench --scenarios 1,3,4    # some scenarios only
    python -m bench --quick --scenarios hostile   # by name: journal, screens, throughput,
                                         # authorization, scale, writes, startup, hostile,
                                         # reports, analytics, subscriptions, peer, large
    python -m bench --pg                 # scenarios 1–5, 7, 9, 10 on PostgreSQL instead of SQLite,
                                         # and 12: campusgraph beside PostGraphile 5 (needs node)
    python -m bench --quick --pg --scenarios peer
    python -m bench --pg --quick --scenarios large   # 13: 1 × 3,000 vs 1 × 300 (full: 10,000 vs 1,000)
    python -m bench --quick --scenarios reports --reports regionReport,compliance
    python -m bench --institutions 3 --students 200

Scenario 6 (scale) always runs on PostgreSQL, scenario 9 (reports) on both; the bench starts its own server from
Debian's binaries, as the test suite does. Run it from the repository root.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import os
import platform
import shutil
import sqlite3
import sys
import tempfile
import time
import traceback
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from rich.console import Console

from bench import load, report
from bench.client import Api
from bench.common import (
    BENCH_TODAY,
    INSTITUTION,
    RESULTS,
    ROOT,
    SEED,
    Plan,
    Result,
)
from bench.context import Context
from bench.datasets import (
    Dataset,
    discover,
    postgres_dataset,
    sqlite_dataset,
    start_postgres,
)
from bench.scenarios.hostile import scenario_hostile
from bench.scenarios.journal import scenario_authorization, scenario_journal, scenario_scale
from bench.scenarios.large import scenario_large
from bench.scenarios.peer import scenario_peer
from bench.scenarios.reports import (
    DEFAULT_REPORTS,
    REPORT_LOADS,
    scenario_analytics,
    scenario_reports,
)
from bench.scenarios.screens import scenario_screens
from bench.scenarios.startup import scenario_startup
from bench.scenarios.subscriptions import scenario_subscriptions
from bench.scenarios.throughput import scenario_throughput
from bench.scenarios.writes import scenario_writes
from bench.server import Server

Scenario = Callable[[Context], Awaitable[list[Result]]]

#: Number → (title, function); run in RUN_ORDER (writes after the reads they would touch).
SCENARIOS: dict[int, tuple[str, Scenario]] = {
    1: ("journal screen vs its floor", scenario_journal),
    2: ("diary, attendance, summary sheet", scenario_screens),
    3: ("small-query throughput", scenario_throughput),
    4: ("authorization overhead", scenario_authorization),
    5: ("setMark writes", scenario_writes),
    6: ("scale 1 vs N institutions", scenario_scale),
    7: ("start-up and memory", scenario_startup),
    8: ("hostile neighbours", scenario_hostile),
    9: ("setMark while a report runs", scenario_reports),
    10: ("analytics vs plain SQL", scenario_analytics),
    11: ("live updates: 1,000 idle subscriptions", scenario_subscriptions),
    12: ("campusgraph vs PostGraphile 5 (--pg)", scenario_peer),
    13: ("large institution: 10,000 vs 1,000 students", scenario_large),
}
#: Names ``--scenarios`` accepts besides the numbers.
NAMES = {
    "journal": 1,
    "screens": 2,
    "throughput": 3,
    "authorization": 4,
    "writes": 5,
    "scale": 6,
    "startup": 7,
    "hostile": 8,
    "reports": 9,
    "analytics": 10,
    "subscriptions": 11,
    "peer": 12,
    "large": 13,
}
#: The hostile scenario last: it runs a server of its own, and its guesses leave nothing
#: for the others to trip over (their counts are cleared), but it is the loudest.
RUN_ORDER = (1, 2, 3, 4, 6, 13, 10, 12, 5, 9, 11, 7, 8)


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small regions, few samples")
    parser.add_argument("--scenarios", help="comma-separated numbers 1–13 or names (default: all)")
    parser.add_argument("--pg", action="store_true", help="scenarios 1–5, 7, 9, 10 on PostgreSQL")
    parser.add_argument(
        "--reports",
        default=",".join(DEFAULT_REPORTS),
        help=f"reports scenario 9 runs beside setMark (of: {', '.join(REPORT_LOADS)})",
    )
    parser.add_argument("--institutions", type=int, help="region size (default 50; quick 3)")
    parser.add_argument("--students", type=int, help="per institution (default 1000; quick 200)")
    parser.add_argument(
        "--loadgen",
        choices=["auto", *load.GENERATORS],
        default="auto",
        help="throughput load generator (auto: wrk if installed, else raw asyncio)",
    )
    parser.add_argument("--fresh", action="store_true", help="regenerate the cached SQLite region")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (logs, copies)")
    parser.add_argument(
        "--update-doc",
        action="store_true",
        help="write the figures into BENCHMARKS.md (default: only full runs of every scenario)",
    )
    args = parser.parse_args(argv)
    wanted: list[int] = list(SCENARIOS)
    if args.scenarios:
        try:
            wanted = sorted(
                {
                    NAMES[x.strip()] if x.strip() in NAMES else int(x)
                    for x in args.scenarios.split(",")
                    if x.strip()
                }
            )
        except ValueError:
            parser.error(f"--scenarios takes numbers or names, e.g. 1,3,4 or {','.join(NAMES)}")
        if not set(wanted) <= set(SCENARIOS):
            parser.error(f"scenarios are numbered 1 to {max(SCENARIOS)}")
    args.selected = list(wanted)
    args.reports = tuple(x.strip() for x in args.reports.split(",") if x.strip())
    return args


def _workdir() -> Path:
    from tests.support.postgres import fast_temp_dir, make_session_dir

    with contextlib.suppress(OSError):
        return make_session_dir("campusgraph-bench-", fast_temp_dir())
    return Path(tempfile.mkdtemp(prefix="campusgraph-bench-"))


async def run(args: argparse.Namespace) -> int:
    err = Console(stderr=True)
    out = Console()
    if not out.is_terminal or out.width < 160:
        out = Console(width=200)  # one line per row, also in logs

    def say(message: str) -> None:
        err.print(f"[dim]bench:[/] {message}", highlight=False)

    plan = Plan.make(quick=args.quick, institutions=args.institutions, students=args.students)
    selected = [n for n in RUN_ORDER if n in args.selected]
    loadgen = load.pick(args.loadgen)
    cpus = os.cpu_count() or 1
    load_before = os.getloadavg()
    if load_before[0] > 0.7 * cpus:
        say(
            f"[yellow]the machine is busy (load {load_before[0]:.1f} on {cpus} CPUs): "
            "figures will be noisy; run the report on a quiet machine[/]"
        )
    began = time.perf_counter()
    workdir = _workdir()
    say(f"work folder {workdir}")
    postgres: Any = None
    server = None
    api: Api | None = None
    results: list[Result] = []
    datasets: dict[str, Dataset] = {}
    try:
        # Scenario 9 compares the backends: it needs the PostgreSQL region too.
        with_pg = 6 in selected or 9 in selected or 11 in selected or 13 in selected
        if args.pg or with_pg:
            postgres = start_postgres(say)
            if postgres is None and args.pg:
                say("[red]--pg needs PostgreSQL[/]")
                return 2
        pg: dict[int, Dataset] = {}
        if postgres is not None:
            if args.pg or (with_pg and plan.institutions > 1):
                pg[plan.institutions] = await postgres_dataset(
                    postgres, plan.institutions, plan.students, say
                )
            if 6 in selected and plan.institutions > 1:
                pg[1] = await postgres_dataset(postgres, 1, plan.students, say)
        if args.pg:
            main = pg[plan.institutions]
        else:
            main = await sqlite_dataset(
                plan.institutions, plan.students, workdir, fresh=args.fresh, say=say
            )
        datasets = {"main": main, **{f"postgresql_{n}": d for n, d in pg.items()}}
        fixture = await discover(main.url)
        say(
            f"benchmark journal: {INSTITUTION}, group {fixture.group_name}, "
            f"{len(fixture.students)} students × {fixture.lessons} lessons"
        )
        server = Server.app("app", main.url, workdir)
        seconds = await server.start()
        say(f"app on {server.base_url} ({main.label}), healthy in {seconds:.2f} s")
        api = Api(server.base_url)
        ctx = Context(
            plan=plan,
            main=main,
            fixture=fixture,
            server=server,
            api=api,
            workdir=workdir,
            say=say,
            loadgen=loadgen,
            postgres=postgres,
            pg_datasets=pg,
            reports=args.reports,
        )
        for number in selected:
            title, scenario = SCENARIOS[number]
            say(f"scenario {number}: {title}")
            t0 = time.perf_counter()
            try:
                rows = await scenario(ctx)
            except Exception as error:
                (workdir / f"scenario-{number}.traceback").write_text(traceback.format_exc())
                say(f"[red]scenario {number} failed: {type(error).__name__}: {error}[/]")
                rows = [
                    Result(
                        str(number),
                        title,
                        unit="",
                        passed=False,
                        note=f"error: {type(error).__name__}: {str(error)[:300]}",
                    )
                ]
            say(f"scenario {number} took {time.perf_counter() - t0:.0f} s")
            results += rows
    finally:
        if api is not None:
            await api.close()
        if server is not None:
            server.stop()
        if postgres is not None:
            postgres.stop()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)

    results.sort(key=lambda r: (r.key[0], r.key))
    main = datasets["main"]
    today = dt.date.today().isoformat()
    full = not plan.quick and (plan.institutions, plan.students) == (50, 1000)
    suffix = "" if full else ("-quick" if plan.quick else f"-{plan.institutions}x{plan.students}")
    if set(selected) != set(SCENARIOS):  # a partial run never replaces a whole one
        suffix += "-s" + "".join(str(n) for n in sorted(selected))
    path = RESULTS / f"{today}{suffix}.json"
    title = (
        f"{today}: {main.label} region (seed {SEED}, today {BENCH_TODAY}), "
        f"{platform.python_implementation()} {platform.python_version()}, {cpus} CPUs, "
        f"load {load_before[0]:.1f}→{os.getloadavg()[0]:.1f}"
    )
    report.print_table(results, title, out)
    meta = {
        "date": today,
        "title": title,
        "quick": plan.quick,
        "plan": plan.__dict__,
        "scenarios": selected,
        "datasets": {k: {**d.__dict__, "url": d.url.split("@")[-1]} for k, d in datasets.items()},
        "machine": {
            "cpus": cpus,
            "load_before": load_before,
            "load_after": os.getloadavg(),
            "python": sys.version,
            "platform": platform.platform(),
            "sqlite": sqlite3.sqlite_version,
        },
        "seconds": time.perf_counter() - began,
        "loadgen": loadgen,
    }
    report.write_json(path, meta, results)
    say(f"wrote {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")
    wants_doc = args.update_doc or (full and set(selected) == set(SCENARIOS))
    preface = (
        ""
        if full
        else "**Development run, not the report** (`--quick` or a smaller region, maybe on a "
        "busy machine): the full run, `.venv/bin/python -m bench` on a quiet machine, "
        "replaces this block."
    )
    if wants_doc and report.update_doc(results, title, str(path.relative_to(ROOT)), preface):
        say("updated BENCHMARKS.md")
    say(f"done in {time.perf_counter() - began:.0f} s")
    return 1 if any(r.passed is False for r in results) else 0


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    return asyncio.run(run(args))


if __name__ == "__main__":
    raise SystemExit(main())
