"""Scenario 5: writes — ``setMark`` latency, and 16 concurrent writers.

``setMark`` is written by another engineer; its input is read from the schema (work,
student, value, version, lesson, clientMutationId by name), so the scenario follows the
mutation as it lands. Without the mutation both rows say so and nothing is measured.

a. one cell of the benchmark journal, its value flipped between 4 and 5, sequentially;
b. 16 writers on 16 connections, each on its own student's cells (no two writers share a
   cell), for a bounded count and time: writes per second, latency, and every answer
   that is not a clean success — 5xx above all.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import orjson
from graphql import (
    GraphQLInputObjectType,
    GraphQLNonNull,
    GraphQLObjectType,
    build_schema,
    get_named_type,
)
from sqlalchemy import text

from bench.client import GraphQLFailed, Wire, request
from bench.common import (
    BENCH_TODAY,
    INSTITUTION,
    PASSWORD,
    RULESETS,
    TEACHER,
    Result,
    median,
    p95,
    skipped,
)
from bench.context import Context
from campusgraph.db.engine import create_engine
from campusgraph.ids import to_global_id

NOT_AVAILABLE = "setMark not available"


@dataclass
class MutationShape:
    """How to call ``setMark``: its input fields by role, and what the payload offers."""

    fields: dict[str, str]  # input field name → role (work, student, value, version, …)
    required: set[str]
    payload: str  # the selection set


def read_shape() -> MutationShape | str:
    """The mutation's shape from the app's schema, or why it cannot be called."""
    from campusgraph.schema.root import sdl

    schema = build_schema(sdl())
    mutation = schema.mutation_type
    field_ = mutation.fields.get("setMark") if mutation else None
    if field_ is None:
        return NOT_AVAILABLE
    arg = field_.args.get("input")
    input_type = get_named_type(arg.type) if arg else None
    if not isinstance(input_type, GraphQLInputObjectType):
        return "setMark takes no `input` object"
    roles: dict[str, str] = {}
    required: set[str] = set()
    for name, spec in input_type.fields.items():
        low = name.lower()
        role = (
            "cmid" if low == "clientmutationid"
            else "work" if "work" in low
            else "student" if "student" in low
            else "lesson" if "lesson" in low
            else "version" if "version" in low
            else "value" if low in ("value", "mark")
            else ""
        )  # fmt: skip
        if isinstance(spec.type, GraphQLNonNull) and spec.default_value is None:
            required.add(name)
            if not role:
                return f"setMark input has a required field the bench cannot fill: {name}"
        if role:
            roles[name] = role
    if "value" not in roles.values() or "student" not in roles.values():
        return f"setMark input not understood: {sorted(input_type.fields)}"
    payload_type = get_named_type(field_.type)
    selection = "errors { code message }"
    if isinstance(payload_type, GraphQLObjectType):
        mark = payload_type.fields.get("mark")
        mark_type = get_named_type(mark.type) if mark else None
        if isinstance(mark_type, GraphQLObjectType):
            wanted = [f for f in ("id", "value", "version") if f in mark_type.fields]
            if wanted:
                selection = f"mark {{ {' '.join(wanted)} }} " + selection
    return MutationShape(roles, required, selection)


def document(shape: MutationShape) -> str:
    return (
        "mutation SetMark($input: SetMarkInput!) {\n"
        f"  setMark(input: $input) {{ {shape.payload} }}\n"
        "}\n"
    )


@dataclass
class Outcome:
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    codes: Counter[str] = field(default_factory=Counter)
    broken: list[str] = field(default_factory=list)

    @property
    def ok(self) -> int:
        return self.codes.get("ok", 0)


class Cell:
    def __init__(self, work: int, lesson: int, student: int, version: int | None) -> None:
        self.work, self.lesson, self.student, self.version = work, lesson, student, version
        self.flip = 0

    def variables(self, shape: MutationShape) -> dict[str, Any]:
        self.flip ^= 1
        values: dict[str, Any] = {}
        for name, role in shape.fields.items():
            if role == "work":
                values[name] = to_global_id("Work", self.work)
            elif role == "lesson":
                values[name] = to_global_id("Lesson", self.lesson)
            elif role == "student":
                values[name] = to_global_id("Student", self.student)
            elif role == "value":
                values[name] = "5" if self.flip else "4"
            elif role == "version":
                if self.version is not None or name in shape.required:
                    values[name] = self.version or 0
            elif role == "cmid":
                values[name] = f"bench-{uuid.uuid4().hex}"
        return {"input": values}


async def _versions(url: str, cells: list[Cell]) -> None:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            for cell in cells:
                row = (
                    await conn.execute(
                        text("SELECT version FROM mark WHERE work_id = :w AND student_id = :s"),
                        {"w": cell.work, "s": cell.student},
                    )
                ).first()
                cell.version = int(row[0]) if row else None
    finally:
        await engine.dispose()


async def _write(
    wire: Wire, doc: str, shape: MutationShape, cell: Cell, token: str, out: Outcome
) -> None:
    payload = orjson.dumps({"query": doc, "variables": cell.variables(shape)})
    sent = request(wire.port, payload, token)
    began = time.perf_counter()
    try:
        status, content = await wire.exchange(sent)
    except (
        OSError,
        asyncio.IncompleteReadError,
        asyncio.LimitOverrunError,
        GraphQLFailed,
    ) as error:
        out.broken.append(f"{type(error).__name__}: {error}")
        await wire.close()  # the next write opens a fresh connection
        return
    out.latencies_ms.append((time.perf_counter() - began) * 1000)
    out.statuses[status] += 1
    try:
        answer = orjson.loads(content)
    except orjson.JSONDecodeError:
        out.codes["no JSON"] += 1
        return
    errors = answer.get("errors") or []
    result = (answer.get("data") or {}).get("setMark") or {}
    codes = [e.get("extensions", {}).get("code", "?") for e in errors]
    codes += [e.get("code", "?") for e in result.get("errors") or []]
    if codes:
        for code in codes:
            out.codes[str(code)] += 1
        return
    out.codes["ok"] += 1
    mark = result.get("mark") or {}
    if isinstance(mark.get("version"), int):
        cell.version = mark["version"]


async def _statements(url: str, doc: str, shape: MutationShape, cell: Cell) -> int:
    """SQL statements of one setMark (the second of two, on the app run in-process)."""
    from campusgraph.app import create_app
    from campusgraph.settings import Settings
    from tests.support.client import GraphQLClient, http_client, serving
    from tests.support.sqlcount import count_sql

    settings = Settings(
        database_url=url, mode="production", today=BENCH_TODAY, rulesets_path=str(RULESETS)
    )
    async with serving(create_app(settings)) as running, http_client(running) as http:
        client = GraphQLClient(http)
        await client.login(INSTITUTION, TEACHER, PASSWORD)
        count = 0
        for attempt in range(2):
            with count_sql(url) as sql:
                data = await client.data(doc, cell.variables(shape))
            result = data["setMark"]
            if result.get("errors"):
                raise AssertionError(f"setMark in-process: {result['errors']}")
            version = (result.get("mark") or {}).get("version")
            if isinstance(version, int):
                cell.version = version
            count = sql.count if attempt else 0
        return count


async def scenario_writes(ctx: Context) -> list[Result]:
    title_a = "setMark latency, one cell, sequential"
    title_b = "setMark, 16 concurrent writers"
    shape = read_shape()
    if isinstance(shape, str):
        return [skipped("5a", title_a, shape), skipped("5b", title_b, shape)]
    fx, plan = ctx.fixture, ctx.plan
    token = await ctx.token(TEACHER)
    doc = document(shape)
    work, lesson, _date = fx.works[0]
    solo = Cell(work, lesson, fx.students[0], None)
    writers = [
        [Cell(w, le, fx.students[(i + 1) % len(fx.students)], None) for w, le, _ in fx.works[:8]]
        for i in range(plan.writers)
    ]
    await _versions(ctx.main.url, [solo, *(c for cells in writers for c in cells)])

    port = ctx.server.port
    sequential = Outcome()
    wire = Wire(port)
    try:
        for i in range(plan.warmup + plan.write_samples):
            out = sequential if i >= plan.warmup else Outcome()
            await _write(wire, doc, shape, solo, token, out)
    finally:
        await wire.close()
    sqlite = ctx.main.backend == "sqlite"
    if not sequential.latencies_ms:
        return [skipped("5a", title_a, f"no answer: {sequential.broken[:1]}")]
    statements = await _statements(ctx.main.url, doc, shape, solo)
    a = Result(
        "5a",
        title_a,
        unit="ms",
        median=median(sequential.latencies_ms),
        p95=p95(sequential.latencies_ms),
        target="p50 ≤ 10 ms (SQLite)",
        samples=len(sequential.latencies_ms),
        note=f"{statements} SQL statements (BEGIN/COMMIT not counted); "
        + _codes(sequential)
        + ("" if sqlite else "; PostgreSQL: the target is for SQLite"),
    )
    a.passed = (a.median is not None and a.median <= 10 and sequential.ok > 0) if sqlite else None

    concurrent = Outcome()
    deadline = time.perf_counter() + max(10.0, plan.load_seconds * 2)

    async def writer(cells: list[Cell]) -> None:
        own = Wire(port)
        try:
            for i in range(plan.writes_per_writer):
                if time.perf_counter() > deadline:
                    return
                await _write(own, doc, shape, cells[i % len(cells)], token, concurrent)
        finally:
            await own.close()

    began = time.perf_counter()
    await asyncio.gather(*(writer(cells) for cells in writers))
    elapsed = time.perf_counter() - began
    five = sum(n for status, n in concurrent.statuses.items() if status >= 500)
    internal = concurrent.codes.get("INTERNAL", 0)
    b = Result(
        "5b",
        title_b,
        unit="writes/s",
        median=concurrent.ok / elapsed if elapsed else 0.0,
        target="no 5xx",
        samples=sum(concurrent.statuses.values()),
        note=(
            f"latency p50 {median(concurrent.latencies_ms):.1f} ms, "
            f"p95 {p95(concurrent.latencies_ms):.1f} ms; "
            if concurrent.latencies_ms
            else ""
        )
        + _codes(concurrent)
        + (f"; {len(concurrent.broken)} broken connections" if concurrent.broken else ""),
    )
    b.passed = five == 0 and internal == 0 and not concurrent.broken and concurrent.ok > 0
    b.extra = {"statuses": dict(concurrent.statuses), "codes": dict(concurrent.codes)}
    return [a, b]


def _codes(outcome: Outcome) -> str:
    parts = [f"{n} {code}" for code, n in sorted(outcome.codes.items())]
    statuses = ", ".join(f"HTTP {s}: {n}" for s, n in sorted(outcome.statuses.items()))
    return f"answers: {', '.join(parts)} ({statuses})"
