"""Profile one request of a scenario inside the process, where a profiler can see it.

The bench measures through real uvicorn servers; this drives the same Starlette app
directly over ASGI (no HTTP parsing, no client) with production settings on a copy of the
cached region, so the profile shows only what the service spends per request::

    .venv/bin/python -m bench.profile small   [--requests 2000] [--sort tottime]
    .venv/bin/python -m bench.profile node    (an institution's name by its global id)
    .venv/bin/python -m bench.profile journal [--requests 200]
    .venv/bin/python -m bench.profile summary [--requests 100]  (the deputy's sheet, 2c)
    .venv/bin/python -m bench.profile setmark [--requests 200] --sql

It prints the mean wall time and CPU per request, the SQL statements of one request
(``--sql``) and the top of cProfile's table (``--top 0`` for none). ``--concurrency N``
times N clients at once; ``--ruleset allow-all`` puts the institution on scenario 4's
control first. ``BENCH_FULL_SQL=1`` prints the statements whole (not cut at 160
characters); ``BENCH_PROFILE_REGION=50x1000`` profiles on the full region instead of
3 × 200 (copied to /dev/shm first: 2 GB); ``BENCH_PROFILE_URL=postgresql+asyncpg://…`` profiles
on a PostgreSQL database the bench generated (``bench.datasets.postgres_dataset``).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import event

from bench.common import (
    BENCH_TODAY,
    DEPUTY,
    EXAMPLES,
    INSTITUTION,
    PASSWORD,
    QUICK_INSTITUTIONS,
    QUICK_STUDENTS,
    RULESETS,
    TEACHER,
)
from bench.datasets import discover, set_ruleset
from bench.scenarios.screens import summary_document
from bench.scenarios.throughput import SMALL
from campusgraph.db import driver
from campusgraph.ids import to_global_id

LOGIN = (
    "mutation($i: LoginInput!) { login(input: $i) { token errors { code } } }",
    {"i": {"institution": INSTITUTION, "login": TEACHER, "password": PASSWORD}},
)


class Asgi:
    """The smallest ASGI client: one POST, the body collected."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def post(self, body: bytes, token: str | None = None) -> bytes:
        headers = [(b"content-type", b"application/json")]
        if token:
            headers.append((b"authorization", f"Bearer {token}".encode()))
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": "/graphql",
            "raw_path": b"/graphql",
            "query_string": b"",
            "root_path": "",
            "headers": headers,
            "client": ("127.0.0.1", 1),
            "server": ("127.0.0.1", 80),
        }
        sent = False
        chunks: list[bytes] = []

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if sent:
                await asyncio.Event().wait()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, send)
        return b"".join(chunks)

    async def graphql(
        self, query: str, variables: dict[str, Any] | None, token: str | None
    ) -> dict[str, Any]:
        answer: dict[str, Any] = orjson.loads(
            await self.post(orjson.dumps({"query": query, "variables": variables}), token)
        )
        if answer.get("errors"):
            raise RuntimeError(answer["errors"])
        return answer


def cached_region(size: str | None = None) -> Path:
    """The cached SQLite region: 3 × 200 unless ``size`` ("50x1000") names another."""
    cache = Path(
        os.environ.get("CAMPUSGRAPH_BENCH_CACHE", Path.home() / ".cache/campusgraph-bench")
    )
    from bench.datasets import migration_head

    # Only a region at the schema's migration head: an older one lacks today's columns.
    pattern = (
        f"region-{size or f'{QUICK_INSTITUTIONS}x{QUICK_STUDENTS}'}-*-{migration_head()}.sqlite3"
    )
    found = sorted(cache.glob(pattern))
    if not found:
        raise SystemExit(f"no {pattern} in {cache}: run `python -m bench` of that size first")
    return found[-1]


async def against_floor(api: Asgi, body: bytes, token: str, url: str, requests: int) -> str:
    """Scenario 1 and its floor on the same database, one request of each in turn (the
    machine's drift falls on both alike): their medians and ratio."""
    from statistics import median

    from bench.scenarios.journal import floor_journal
    from campusgraph.db.engine import create_engine

    fixture = await discover(url)
    engine = create_engine(url)
    app: list[float] = []
    floor: list[float] = []
    try:
        for _ in range(requests):
            began = time.perf_counter()
            await api.post(body, token)
            app.append(time.perf_counter() - began)
            began = time.perf_counter()
            async with engine.connect() as conn:
                await floor_journal(conn, fixture)
            floor.append(time.perf_counter() - began)
    finally:
        await engine.dispose()
    ms_app, ms_floor = median(app) * 1000, median(floor) * 1000
    return f"; interleaved medians: app {ms_app:.3f} ms, floor {ms_floor:.3f} ms, ratio {ms_app / ms_floor:.2f}"


Bodies = Callable[[bytes], bytes]  # the previous answer → the next request's body


async def scenario_bodies(api: Asgi, name: str, token: str, url: str) -> Bodies:
    if name == "small":
        small = orjson.dumps({"query": SMALL})
        return lambda _previous: small
    if name == "node":
        gid = (await api.graphql("{ institution { id } }", None, token))["data"]["institution"]
        by_id = orjson.dumps({"query": NODE, "variables": {"id": gid["id"]}})
        return lambda _previous: by_id
    fixture = await discover(url)
    if name == "summary":
        variables: dict[str, Any] = {"group": fixture.gid("group"), "period": fixture.gid("period")}
        for i, (pk, _name) in enumerate(fixture.disciplines):
            variables[f"d{i}"] = to_global_id("Discipline", pk)
        sheet = orjson.dumps(
            {"query": summary_document(len(fixture.disciplines)), "variables": variables}
        )
        return lambda _previous: sheet
    where = fixture.journal_variables
    journal = (EXAMPLES / "03-teacher-journal.graphql").read_text()
    if name == "journal":
        body = orjson.dumps({"query": journal, "variables": where})
        return lambda _previous: body
    grid = (await api.graphql(journal, where, token))["data"]["journal"]
    work = grid["columns"][-1]["workId"]
    row = grid["rows"][0]
    version = row["markVersions"][-1]
    state = {"value": "5" if row["marks"][-1] != "5" else "4", "version": version}

    def set_mark(previous: bytes) -> bytes:
        if previous:
            answer = orjson.loads(previous)["data"]["setMark"]
            if answer["errors"]:
                raise RuntimeError(answer["errors"])
            state["version"] = answer["mark"]["version"]
            state["value"] = "4" if answer["mark"]["value"] == "5" else "5"
        return orjson.dumps(
            {
                "query": SET_MARK,
                "variables": {
                    "input": {
                        "work": work,
                        "student": row["studentId"],
                        "value": state["value"],
                        "expectedVersion": state["version"],
                    }
                },
            }
        )

    return set_mark


#: The issue's "institution name by id" (issue 16): one row through the Node lookup.
NODE = "query($id: ID!) { node(id: $id) { ... on Institution { name } } }"

SET_MARK = """
mutation SetMark($input: SetMarkInput!) {
  setMark(input: $input) { mark { id value version } errors { code message } }
}
"""


class Statements:
    """The SQL the app's engine runs."""

    def __init__(self, width: int = 160) -> None:
        self.seen: list[str] = []
        self.width = width

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self.seen.append(" ".join(statement.split())[: self.width])


async def run(
    name: str,
    requests: int,
    sort: str,
    top: int,
    show_sql: bool,
    concurrency: int = 1,
    ruleset: str | None = None,
    callers: str | None = None,
) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="cg-profile-", dir="/dev/shm"))
    url = os.environ.get("BENCH_PROFILE_URL")
    if url is None:
        database = workdir / "region.sqlite3"
        shutil.copyfile(cached_region(os.environ.get("BENCH_PROFILE_REGION")), database)
        url = f"sqlite+aiosqlite:///{database}"
    if ruleset:
        await set_ruleset(url, ruleset)
    os.environ.update(
        CAMPUSGRAPH_DATABASE_URL=url,
        CAMPUSGRAPH_MODE="production",
        CAMPUSGRAPH_TODAY=BENCH_TODAY.isoformat(),
        CAMPUSGRAPH_RULESETS_PATH=str(RULESETS),
    )
    from campusgraph.app import create_app

    app = create_app()
    api = Asgi(app)
    statements = Statements(4000 if show_sql and os.environ.get("BENCH_FULL_SQL") else 160)
    try:
        async with app.router.lifespan_context(app):
            # The deputy's summary sheet is the deputy's; every other scenario the teacher's.
            who = DEPUTY if name == "summary" else TEACHER
            login = await api.graphql(LOGIN[0], {"i": {**LOGIN[1]["i"], "login": who}}, None)
            token = login["data"]["login"]["token"]
            bodies = await scenario_bodies(api, name, token, os.environ["CAMPUSGRAPH_DATABASE_URL"])
            answer = b""
            for _ in range(max(10, requests // 10)):
                answer = await api.post(bodies(answer), token)
            engines = [app.state.engine.sync_engine]
            for engine in engines:
                event.listen(engine, "before_cursor_execute", statements)
            # The session lookup runs on asyncpg itself on PostgreSQL (db/driver.py).
            stop = driver.observe(lambda _e, conn, sql: statements(conn, None, sql))
            answer = await api.post(bodies(answer), token)
            stop()
            for engine in engines:
                event.remove(engine, "before_cursor_execute", statements)
            began, cpu_began = time.perf_counter(), time.process_time()
            if concurrency > 1:  # independent bodies only: small and journal
                fixed = bodies(b"")

                async def client(count: int) -> None:
                    for _ in range(count):
                        await api.post(fixed, token)

                share = requests // concurrency
                await asyncio.gather(*(client(share) for _ in range(concurrency)))
            else:
                for _ in range(requests):
                    answer = await api.post(bodies(answer), token)
            plain, cpu = time.perf_counter() - began, time.process_time() - cpu_began
            profiler = cProfile.Profile()
            began = time.perf_counter()
            profiler.enable()
            for _ in range(requests):
                answer = await api.post(bodies(answer), token)
            profiler.disable()
            elapsed = time.perf_counter() - began
            floor = ""
            if name == "journal":
                url = os.environ["CAMPUSGRAPH_DATABASE_URL"]
                floor = await against_floor(api, bodies(b""), token, url, requests)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(
        f"{name}: {requests} requests, {plain / requests * 1000:.3f} ms each, "
        f"{cpu / requests * 1000:.3f} ms CPU (all threads) "
        f"({elapsed / requests * 1000:.3f} ms under the profiler); "
        f"{len(statements.seen)} SQL statements per request (BEGIN/COMMIT included); "
        f"answer {len(answer):,} B" + floor
    )
    if show_sql:
        for number, statement in enumerate(statements.seen, 1):
            print(f"  {number:>2}. {statement}")
    if top:
        if os.environ.get("BENCH_PROFILE_DUMP"):
            profiler.dump_stats(os.environ["BENCH_PROFILE_DUMP"])
        stats = pstats.Stats(profiler).strip_dirs().sort_stats(sort)
        stats.print_stats(top)
        if callers:
            stats.print_callers(callers)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("scenario", choices=["small", "node", "journal", "summary", "setmark"])
    parser.add_argument("--sql", action="store_true", help="print the statements of one request")
    parser.add_argument("--ruleset", help="put the institution on this ruleset first (allow-all)")
    parser.add_argument(
        "--concurrency", type=int, default=1, help="clients at once for the timed run (not setmark)"
    )
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--callers", help="also print who calls functions matching this regex")
    parser.add_argument("--sort", default="tottime")
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args()
    asyncio.run(
        run(
            args.scenario,
            args.requests,
            args.sort,
            args.top,
            args.sql,
            args.concurrency,
            args.ruleset,
            args.callers,
        )
    )


if __name__ == "__main__":
    main()
