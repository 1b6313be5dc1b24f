"""Scenarios 9 and 10: reports beside the journal's writes, and the analyst's queries.

9. ``setMark`` while a report runs in a loop, against ``setMark`` idle — on SQLite and on
   PostgreSQL (the PostgreSQL region scenario 6 uses, or ``--pg``'s). One writer flips one
   cell sequentially for a window (3 s quick, 10 s full) with nothing else running, then
   again while one client asks a report over and over. Target: the writes' p95 during the
   report ≤ 2× idle. The note gives the writes per 10 s both ways (the issue's figure: one
   region report cut them from ~1,500 to 16 on SQLite, when reports ran on the loop).
   Which reports: ``REPORT_LOADS`` by name, chosen with ``--reports`` (default
   ``regionReport,compliance,analytics``; also ``achievementQuality``); a new report is one entry there.
10. The analytics constructor (issue 13), against plain SQL computing the same table:
   a. the analyst's query — average mark by group × discipline, the benchmark college's
      first semester — as ``deputy_director``; target ≤ 3× its floor;
   b. the region's figure — average mark and absences by institution — as the region's
      ``authority``, on PostgreSQL only (``--pg``, or the full run whose scenario 6
      generates the 50 × 1,000 region), informational.
   Skipped, with the reason printed, while the schema has no ``analytics`` field.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import text

from bench.client import Api, GraphQLFailed, Wire, request
from bench.common import (
    DEPUTY,
    INSTITUTION,
    REGION,
    Result,
    median,
    p95,
    skipped,
)
from bench.context import Context
from bench.datasets import Dataset, Fixture
from bench.scenarios.writes import Cell, Outcome, _versions, _write, document, read_shape
from bench.server import Server
from campusgraph.db.engine import create_engine

# -- 9. reports beside setMark ----------------------------------------------------------------


@dataclass(frozen=True)
class ReportLoad:
    """A report the scenario runs in a loop: who asks it (``INSTITUTION`` or ``REGION``
    for the login's institution), the document, and its variables from the fixture."""

    login: str
    at: str
    document: str
    variables: Callable[[Fixture], dict[str, Any]]


REGION_REPORT = """
query RegionReport { regionReport { institutionId slug groups students averageMark absences } }
"""
COMPLIANCE = """
query Compliance($period: ID!) {
  institution {
    compliance(period: $period) {
      total
      checks { kind days overdueThrough count }
      byGroup { id name counts { lessonTopic finalMark total } }
      byTeacher { id name counts { lessonTopic finalMark total } }
    }
  }
}
"""

ACHIEVEMENT_QUALITY = """
query AchievementQuality($period: ID!) {
  achievementQuality(of: {period: $period}) { __typename }
}
"""
#: Every mark and absence of the region, grouped by institution: by institution and group it
#: was some 1,700 rows on 50 × 1,000, which the constructor refuses (at most 1,000), so
#: the full run measured setMark beside nothing.
REGION_ANALYTICS = """
query RegionAnalytics {
  analytics(measures: [AVERAGE_MARK, ABSENCES, QUALITY_PERCENT], by: [INSTITUTION]) {
    suppressedCells
  }
}
"""

#: ``--reports`` picks from these.
REPORT_LOADS: dict[str, ReportLoad] = {
    "regionReport": ReportLoad("authority", REGION, REGION_REPORT, lambda fx: {}),
    "compliance": ReportLoad(
        DEPUTY, INSTITUTION, COMPLIANCE, lambda fx: {"period": fx.gid("period")}
    ),
    "achievementQuality": ReportLoad(
        DEPUTY, INSTITUTION, ACHIEVEMENT_QUALITY, lambda fx: {"period": fx.gid("period")}
    ),
    "analytics": ReportLoad("authority", REGION, REGION_ANALYTICS, lambda fx: {}),
}
DEFAULT_REPORTS = ("regionReport", "compliance", "analytics")


def window_seconds(ctx: Context) -> float:
    return 3.0 if ctx.plan.quick else 10.0


@dataclass
class Writes:
    outcome: Outcome
    seconds: float

    @property
    def per_10s(self) -> float:
        return self.outcome.ok / self.seconds * 10 if self.seconds else 0.0


async def _writes_for(seconds: float, port: int, token: str, cell: Cell) -> Writes:
    shape = read_shape()
    assert not isinstance(shape, str)
    doc = document(shape)
    out = Outcome()
    wire = Wire(port)
    began = time.perf_counter()
    try:
        while time.perf_counter() - began < seconds:
            await _write(wire, doc, shape, cell, token, out)
    finally:
        await wire.close()
    return Writes(out, time.perf_counter() - began)


async def _report_loop(
    port: int, token: str, payload: bytes, stop: asyncio.Event, latencies: list[float]
) -> None:
    wire = Wire(port)
    sent = request(port, payload, token)
    try:
        while not stop.is_set():
            began = time.perf_counter()
            status, answer = await wire.exchange(sent)
            if status != 200 or b'"errors"' in answer:
                raise GraphQLFailed(f"report: HTTP {status}: {answer[:500]!r}")
            latencies.append((time.perf_counter() - began) * 1000)
    finally:
        await wire.close()


async def _beside_reports(
    ctx: Context, label: str, dataset: Dataset, server: Server, api: Api
) -> list[Result]:
    """Rows 9<label>-idle and 9<label>-<report> for one backend's running server."""
    fx = ctx.fixture
    title = f"setMark p95 idle ({dataset.label})"
    teacher = await api.login(INSTITUTION, "teacher")
    work, lesson, _date = fx.works[1]
    cell = Cell(work, lesson, fx.students[1], None)
    await _versions(dataset.url, [cell])
    seconds = window_seconds(ctx)
    await _writes_for(1.0, server.port, teacher, cell)  # warm
    idle = await _writes_for(seconds, server.port, teacher, cell)
    if not idle.outcome.latencies_ms:
        return [skipped(f"9{label}", title, f"no answer: {idle.outcome.broken[:1]}")]
    idle_p95 = p95(idle.outcome.latencies_ms)
    rows = [
        Result(
            f"9{label}-0",
            title,
            unit="ms",
            median=median(idle.outcome.latencies_ms),
            p95=idle_p95,
            samples=len(idle.outcome.latencies_ms),
            note=f"{idle.per_10s:,.0f} writes per 10 s, one writer, nothing else running",
        )
    ]
    for name in ctx.reports:
        load = REPORT_LOADS.get(name)
        row_title = f"setMark p95 while {name} runs ({dataset.label})"
        key = f"9{label}-{name}"
        if load is None:
            rows.append(skipped(key, row_title, f"no report load named {name!r}"))
            continue
        at = REGION if load.at == REGION else INSTITUTION
        try:
            token = await api.login(at, load.login)
            variables = load.variables(fx)
            await api.data(load.document, variables, token)  # it answers, and warm
        except GraphQLFailed as error:
            rows.append(skipped(key, row_title, f"the report does not answer: {error}"[:300]))
            continue
        payload = orjson.dumps({"query": load.document, "variables": variables})
        stop = asyncio.Event()
        report_ms: list[float] = []
        loop = asyncio.create_task(_report_loop(server.port, token, payload, stop, report_ms))
        try:
            await asyncio.sleep(0.05)  # the first report is under way
            during = await _writes_for(seconds, server.port, teacher, cell)
        finally:
            stop.set()
            await loop
        lat = during.outcome.latencies_ms
        row = Result(
            key,
            row_title,
            unit="ms",
            median=median(lat) if lat else None,
            p95=p95(lat) if lat else None,
            floor=idle_p95,
            target="p95 ≤ 2× idle p95",
            samples=len(lat),
            note=f"{during.per_10s:,.0f} writes per 10 s during the report "
            f"(idle {idle.per_10s:,.0f}); {len(report_ms)} reports ran, median "
            f"{median(report_ms) if report_ms else 0:.0f} ms; floor = p95 idle",
        )
        row.ratio = row.p95 / idle_p95 if row.p95 and idle_p95 else None
        row.passed = row.ratio is not None and row.ratio <= 2.0 and during.outcome.ok > 0
        row.extra = {
            "writes_per_10s_idle": idle.per_10s,
            "writes_per_10s_during": during.per_10s,
            "reports": len(report_ms),
            "report_median_ms": median(report_ms) if report_ms else None,
            "codes": dict(during.outcome.codes),
        }
        rows.append(row)
    return rows


async def scenario_reports(ctx: Context) -> list[Result]:
    title = "setMark while a report runs"
    shape = read_shape()
    if isinstance(shape, str):
        return [skipped("9", title, shape)]
    rows = await _beside_reports(ctx, "a", ctx.main, ctx.server, ctx.api)
    pg = ctx.pg_datasets.get(ctx.plan.institutions)
    if ctx.main.backend == "postgresql":
        return rows
    if pg is None:
        return [
            *rows,
            skipped("9b", f"{title} (PostgreSQL)", "no PostgreSQL region of this size started"),
        ]
    server = Server.app("app-pg-reports", pg.url, ctx.workdir)
    await server.start()
    api = Api(server.base_url)
    try:
        rows += await _beside_reports(ctx, "b", pg, server, api)
    finally:
        await api.close()
        server.stop()
    return rows


# -- 10. analytics against plain SQL ----------------------------------------------------------

ANALYST_QUERY = """
query($period: ID!) { analytics(measures: [AVERAGE_MARK], by: [GROUP, DISCIPLINE], filter: {period: $period}) { rows { keys { id label } values students } } }
"""
REGION_ANALYTICS = """
query { analytics(measures: [AVERAGE_MARK, ABSENCES], by: [INSTITUTION]) { rows { keys { id label } values students } } }
"""

#: The analyst's table in one plain statement: numeric marks of the college's period,
#: averaged by group × discipline, with the students who have them — grouped by ids first,
#: the names joined to the groups after (as a person writing it by hand for speed would).
ANALYST_FLOOR = """
SELECT s.group_id, g.name, s.discipline_id, d.name, s.average, s.students
FROM (
  SELECT m.group_id, m.discipline_id,
         AVG(CAST(m.value AS INTEGER)) AS average, COUNT(DISTINCT m.student_id) AS students
  FROM mark m
  WHERE m.institution_id = :institution AND m.date BETWEEN :starts AND :ends
    AND m.value IN ('2', '3', '4', '5')
  GROUP BY m.group_id, m.discipline_id
) s
JOIN study_group g ON g.id = s.group_id
JOIN discipline d ON d.id = s.discipline_id
ORDER BY g.name, d.name
"""
#: The region's figure: two grouped aggregates over every institution of the region.
REGION_FLOOR_MARKS = """
SELECT i.id, i.name, AVG(CAST(m.value AS INTEGER)), COUNT(DISTINCT m.student_id)
FROM institution i JOIN mark m ON m.institution_id = i.id
WHERE i.region_id = (SELECT id FROM region WHERE slug = :region)
  AND m.value IN ('2', '3', '4', '5')
GROUP BY i.id, i.name ORDER BY i.name
"""
REGION_FLOOR_ABSENCES = """
SELECT a.institution_id, COUNT(*) FROM attendance a
JOIN institution i ON i.id = a.institution_id
WHERE i.region_id = (SELECT id FROM region WHERE slug = :region) AND a.status = 'absent'
GROUP BY a.institution_id
"""


def has_analytics() -> bool:
    from graphql import build_schema

    from campusgraph.schema.root import sdl

    query = build_schema(sdl()).query_type
    return query is not None and "analytics" in query.fields


async def _floor_ms(
    url: str, statements: list[tuple[str, dict[str, Any]]], count: int, warmup: int
) -> list[float]:
    """Milliseconds per floor (pool checkout, the statements, orjson of the rows)."""
    engine = create_engine(url)
    out: list[float] = []
    try:
        for i in range(warmup + count):
            began = time.perf_counter()
            async with engine.connect() as conn:
                tables = [
                    [list(r) for r in await conn.execute(text(sql), params)]
                    for sql, params in statements
                ]
            orjson.dumps(tables, default=str)
            if i >= warmup:
                out.append((time.perf_counter() - began) * 1000)
    finally:
        await engine.dispose()
    return out


async def _period_bounds(url: str, period_id: int) -> tuple[Any, Any]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            row = (
                await conn.execute(
                    text("SELECT starts_on, ends_on FROM period WHERE id = :p"), {"p": period_id}
                )
            ).one()
    finally:
        await engine.dispose()
    return row[0], row[1]


async def _against_floor(
    key: str,
    title: str,
    api: Api,
    token: str,
    query: str,
    variables: dict[str, Any],
    floor: list[float],
    *,
    count: int,
    warmup: int,
    target: str,
    limit: float | None,
    note: str,
) -> Result:
    try:
        data = await api.data(query, variables, token)
    except GraphQLFailed as error:
        return Result(key, title, unit="", passed=False, note=f"error: {error}"[:400])
    rows = len(((data.get("analytics") or {}).get("rows")) or [])
    payload = orjson.dumps({"query": query, "variables": variables})
    app = await api.sample(payload, token, count, warmup)
    row = Result(
        key,
        title,
        unit="ms",
        median=median(app),
        p95=p95(app),
        floor=median(floor),
        target=target,
        samples=len(app),
        note=f"{rows} rows; {note}",
    )
    row.ratio = row.median / row.floor if row.median and row.floor else None
    row.passed = None if limit is None else (row.ratio is not None and row.ratio <= limit)
    row.extra = {"floor_p95": p95(floor)}
    return row


async def scenario_analytics(ctx: Context) -> list[Result]:
    title_a = "analytics: average by group × discipline, one college, a semester"
    title_b = "analytics: region by institution (PostgreSQL)"
    if not has_analytics():
        why = "the schema has no `analytics` field yet (issue 13's constructor)"
        ctx.say(f"scenario 10 skipped: {why}")
        return [skipped("10a", title_a, why), skipped("10b", title_b, why)]
    plan, fx = ctx.plan, ctx.fixture
    n, warm = max(10, plan.latency_samples // 2), max(3, plan.warmup // 2)
    starts, ends = await _period_bounds(ctx.main.url, fx.period_id)
    floor = await _floor_ms(
        ctx.main.url,
        [
            (
                ANALYST_FLOOR,
                {"institution": fx.institution_id, "starts": starts, "ends": ends},
            )
        ],
        n,
        warm,
    )
    a = await _against_floor(
        "10a",
        title_a,
        ctx.api,
        await ctx.token(DEPUTY),
        ANALYST_QUERY,
        {"period": fx.gid("period")},
        floor,
        count=n,
        warmup=warm,
        target="≤ 3× floor",
        limit=3.0,
        note=f"as {DEPUTY} of {INSTITUTION} ({ctx.main.label}); floor = one plain grouped "
        "SELECT + orjson in-process",
    )
    rows = [a]
    region = ctx.main if ctx.main.backend == "postgresql" else None
    if region is None and not plan.quick:
        region = ctx.pg_datasets.get(plan.institutions)
    if region is None:
        rows.append(skipped("10b", title_b, "PostgreSQL region not asked (--pg, or a full run)"))
        return rows
    server: Server | None = None
    api = ctx.api
    if region is not ctx.main:
        server = Server.app("app-pg-analytics", region.url, ctx.workdir)
        await server.start()
        api = Api(server.base_url)
    # A region-wide figure reads every mark of the region (seconds at 50 × 1,000): a dozen
    # samples say what it costs; the latency sample count of the plan would take an hour.
    n, warm = min(n, 12), min(warm, 2)
    try:
        floor = await _floor_ms(
            region.url,
            [(REGION_FLOOR_MARKS, {"region": REGION}), (REGION_FLOOR_ABSENCES, {"region": REGION})],
            n,
            warm,
        )
        token = await api.login(REGION, "authority")
        rows.append(
            await _against_floor(
                "10b",
                f"{title_b} {region.institutions}×{region.students}",
                api,
                token,
                REGION_ANALYTICS,
                {},
                floor,
                count=n,
                warmup=warm,
                target="informational",
                limit=None,
                note="as the region's authority; floor = two plain grouped SELECTs",
            )
        )
    finally:
        if server is not None:
            await api.close()
            server.stop()
    return rows


__all__ = [
    "DEFAULT_REPORTS",
    "REPORT_LOADS",
    "ReportLoad",
    "scenario_analytics",
    "scenario_reports",
]
