"""Scenario 12: campusgraph beside PostGraphile 5 on the same PostgreSQL database (``--pg``).

Three requests, each asked of both servers for the same data (PostGraphile's documents
below are written for its generated schema; it enforces no policy and is asked
anonymously, campusgraph as ``teacher`` with every policy on):

- the journal: ``examples/queries/03-teacher-journal.graphql`` against the group, its
  members' people, the discipline, the period, the lessons with their works, marks and
  attendance, and the final marks;
- the institution's name by its id (``node(id:)`` / ``institutionByRowId``);
- the login and its roles (``viewer`` / ``userAccountByInstitutionIdAndLogin`` with its
  role assignments at the institution).

Before anything is timed, both answers are normalised into the same sets of tuples and
compared row for row (:func:`journal_rows_campusgraph`, :func:`journal_rows_postgraphile`):
a difference fails the scenario with the first one found, since a faster wrong answer
proves nothing. Then latency in alternating blocks on one loopback client (``Wire``),
and throughput with 8 connections (the bench's load generator), both servers
alternately, twice. Ratios are campusgraph ÷ PostGraphile.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, fields
from typing import Any

from rich.console import Console
from rich.table import Table

from bench import load, peer
from bench.client import Api, body
from bench.common import INSTITUTION, TEACHER, Result, median, p95, skipped
from bench.context import Context
from bench.scenarios.journal import JOURNAL
from bench.scenarios.throughput import SMALL
from bench.server import Server
from campusgraph.ids import from_global_id, to_global_id

CONNECTIONS = 8
TITLE = "campusgraph vs PostGraphile 5 (PostgreSQL)"

# -- the documents ----------------------------------------------------------------------------

#: The journal's data in PostGraphile's generated schema (amber preset: ``rowId`` is the
#: primary key, ``xsByYId`` the relations). Every lesson of the group × discipline: the
#: bench's data has lessons only in the first semester, which is the journal's period —
#: and the equality check would say so if that changed.
PGL_JOURNAL = """
query Journal($group: BigInt!, $discipline: BigInt!, $period: BigInt!) {
  studyGroupByRowId(rowId: $group) {
    rowId
    name
    groupMembershipsByGroupId {
      nodes {
        startsOn
        endsOn
        studentByStudentId { rowId personByPersonId { surname name patronymic } }
      }
    }
  }
  disciplineByRowId(rowId: $discipline) { rowId name code }
  periodByRowId(rowId: $period) { rowId name startsOn endsOn closedAt }
  allLessons(
    condition: { groupId: $group, disciplineId: $discipline }
    orderBy: [DATE_ASC, PRIMARY_KEY_ASC]
  ) {
    nodes {
      rowId
      date
      slot
      topic
      lessonType
      homework
      version
      worksByLessonId(orderBy: PRIMARY_KEY_ASC) { nodes { rowId kind number } }
      marksByLessonId { nodes { studentId workId value version } }
      attendancesByLessonId { nodes { studentId status reason } }
    }
  }
  allFinalMarks(condition: { groupId: $group, disciplineId: $discipline, periodId: $period }) {
    nodes { studentId kind value }
  }
}
"""

CG_INSTITUTION = "query InstitutionName($id: ID!) { node(id: $id) { ... on Institution { name } } }"
PGL_INSTITUTION = "query InstitutionName($id: BigInt!) { institutionByRowId(rowId: $id) { name } }"

CG_LOGIN = SMALL
PGL_LOGIN = """
query LoginRoles($institution: BigInt!, $login: String!) {
  userAccountByInstitutionIdAndLogin(institutionId: $institution, login: $login) {
    login
    roleAssignmentsByUserId(condition: { institutionId: $institution }) { nodes { role } }
  }
}
"""

# -- normalising the answers --------------------------------------------------------------


@dataclass(frozen=True)
class JournalRows:
    """A journal as sets of tuples, whoever answered it."""

    header: frozenset[tuple[str, int, str]]  # (what, id, name)
    students: frozenset[tuple[int, str]]  # (student, full name)
    lessons: frozenset[tuple[int, str, int]]  # (lesson, date, slot)
    works: frozenset[tuple[int, int, str]]  # (work, lesson, kind)
    marks: frozenset[tuple[int, int, str]]  # (student, work, value)
    absences: frozenset[tuple[int, int, str, str | None]]  # (student, lesson, status, reason)
    final_marks: frozenset[tuple[int, str, str]]  # (student, kind, value)


def _pk(global_id: str) -> int:
    return from_global_id(global_id)[1]


def _upper(value: str | None) -> str | None:
    return value.upper() if value is not None else None


def _full_name(*parts: str | None) -> str:
    return " ".join(x for x in parts if x)


def journal_rows_campusgraph(data: dict[str, Any]) -> JournalRows:
    """From campusgraph's columnar journal: rows × columns (marks) and rows × lessons
    (attendance) back into tuples."""
    journal = data["journal"]
    lessons = [_pk(lesson["id"]) for lesson in journal["lessons"]]
    columns = [_pk(column["workId"]) for column in journal["columns"]]
    marks, absences, finals, students = set(), set(), set(), set()
    for row in journal["rows"]:
        student = _pk(row["studentId"])
        students.add((student, row["fullName"]))
        for work, value in zip(columns, row["marks"], strict=True):
            if value is not None:
                marks.add((student, work, str(value)))
        for lesson, status, reason in zip(
            lessons, row["attendance"], row["absenceReasons"], strict=True
        ):
            if status is not None:
                absences.add((student, lesson, status.upper(), _upper(reason)))
        for final in row["finalMarks"]:
            finals.add((student, final["kind"].upper(), str(final["value"])))
    return JournalRows(
        header=frozenset(
            (what, _pk(journal[what]["id"]), journal[what]["name"])
            for what in ("group", "discipline", "period")
        ),
        students=frozenset(students),
        lessons=frozenset(
            (_pk(lesson["id"]), str(lesson["date"]), int(lesson["slot"]))
            for lesson in journal["lessons"]
        ),
        works=frozenset(
            (_pk(work["id"]), _pk(lesson["id"]), work["kind"].upper())
            for lesson in journal["lessons"]
            for work in lesson["works"]
        ),
        marks=frozenset(marks),
        absences=frozenset(absences),
        final_marks=frozenset(finals),
    )


def journal_rows_postgraphile(data: dict[str, Any]) -> JournalRows:
    """From PostGraphile's nested connections (ids as BigInt strings, enums as the
    database's lower-case text)."""
    group = data["studyGroupByRowId"]
    lessons = data["allLessons"]["nodes"]
    students = set()
    for membership in group["groupMembershipsByGroupId"]["nodes"]:
        student = membership["studentByStudentId"]
        person = student["personByPersonId"]
        students.add(
            (
                int(student["rowId"]),
                _full_name(person["surname"], person["name"], person["patronymic"]),
            )
        )
    return JournalRows(
        header=frozenset(
            (what, int(data[field]["rowId"]), data[field]["name"])
            for what, field in (
                ("group", "studyGroupByRowId"),
                ("discipline", "disciplineByRowId"),
                ("period", "periodByRowId"),
            )
        ),
        students=frozenset(students),
        lessons=frozenset(
            (int(lesson["rowId"]), str(lesson["date"]), int(lesson["slot"])) for lesson in lessons
        ),
        works=frozenset(
            (int(work["rowId"]), int(lesson["rowId"]), work["kind"].upper())
            for lesson in lessons
            for work in lesson["worksByLessonId"]["nodes"]
        ),
        marks=frozenset(
            (int(mark["studentId"]), int(mark["workId"]), str(mark["value"]))
            for lesson in lessons
            for mark in lesson["marksByLessonId"]["nodes"]
        ),
        absences=frozenset(
            (int(a["studentId"]), int(lesson["rowId"]), a["status"].upper(), _upper(a["reason"]))
            for lesson in lessons
            for a in lesson["attendancesByLessonId"]["nodes"]
        ),
        final_marks=frozenset(
            (int(f["studentId"]), f["kind"].upper(), str(f["value"]))
            for f in data["allFinalMarks"]["nodes"]
        ),
    )


def first_difference(ours: JournalRows, theirs: JournalRows) -> str | None:
    """The first tuple one answer has and the other lacks, said plainly; None when equal."""
    for part in fields(JournalRows):
        mine, other = getattr(ours, part.name), getattr(theirs, part.name)
        if mine == other:
            continue
        only_ours, only_theirs = sorted(mine - other, key=repr), sorted(other - mine, key=repr)
        return (
            f"{part.name}: {len(mine)} from campusgraph, {len(other)} from PostGraphile; "
            f"first only in campusgraph: {only_ours[0] if only_ours else '—'}, "
            f"first only in PostGraphile: {only_theirs[0] if only_theirs else '—'}"
        )
    return None


def institution_campusgraph(data: dict[str, Any]) -> frozenset[str]:
    return frozenset([data["node"]["name"]]) if data.get("node") else frozenset()


def institution_postgraphile(data: dict[str, Any]) -> frozenset[str]:
    found = data.get("institutionByRowId")
    return frozenset([found["name"]]) if found else frozenset()


def login_campusgraph(data: dict[str, Any]) -> frozenset[tuple[str, str]]:
    viewer = data["viewer"]
    return frozenset((viewer["login"], role["name"]) for role in viewer["roles"])


def login_postgraphile(data: dict[str, Any]) -> frozenset[tuple[str, str]]:
    account = data["userAccountByInstitutionIdAndLogin"]
    return frozenset(
        (account["login"], a["role"]) for a in account["roleAssignmentsByUserId"]["nodes"]
    )


class AnswersDiffer(AssertionError):
    """campusgraph and PostGraphile answered one request with different rows."""


# -- the scenario -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    """One request in both dialects, with its target ratios (None: for the record)."""

    keys: tuple[str, str]  # (latency row, throughput row)
    label: str
    short: str
    ours: bytes
    theirs: bytes
    p50_target: float | None
    throughput_target: float | None


async def _data(api: Api, document: str, variables: dict[str, Any], token: str | None) -> Any:
    return await api.data(document, variables, token)


async def check_equal(ctx: Context, peer_api: Api, token: str) -> tuple[str, dict[str, int]]:
    """Ask both servers each request once and compare the normalised answers; the
    summary line, or :class:`AnswersDiffer` with the first difference."""
    fx = ctx.fixture
    ours = journal_rows_campusgraph(await ctx.api.data(JOURNAL, fx.journal_variables, token))
    pgl_vars = {
        "group": str(fx.group_id),
        "discipline": str(fx.discipline_id),
        "period": str(fx.period_id),
    }
    theirs = journal_rows_postgraphile(await peer_api.data(PGL_JOURNAL, pgl_vars))
    difference = first_difference(ours, theirs)
    if difference is not None:
        raise AnswersDiffer(f"the journals differ: {difference}")
    if not ours.marks or not ours.absences:
        raise AnswersDiffer("the benchmark journal has no marks or no absences to compare")
    name_ours = institution_campusgraph(
        await ctx.api.data(
            CG_INSTITUTION, {"id": to_global_id("Institution", fx.institution_id)}, token
        )
    )
    name_theirs = institution_postgraphile(
        await peer_api.data(PGL_INSTITUTION, {"id": str(fx.institution_id)})
    )
    if name_ours != name_theirs or not name_ours:
        raise AnswersDiffer(f"institution name: {sorted(name_ours)} vs {sorted(name_theirs)}")
    roles_ours = login_campusgraph(await ctx.api.data(CG_LOGIN, None, token))
    roles_theirs = login_postgraphile(
        await peer_api.data(PGL_LOGIN, {"institution": str(fx.institution_id), "login": TEACHER})
    )
    if roles_ours != roles_theirs or not roles_ours:
        raise AnswersDiffer(f"login + roles: {sorted(roles_ours)} vs {sorted(roles_theirs)}")
    counts = {
        "students": len(ours.students),
        "lessons": len(ours.lessons),
        "marks": len(ours.marks),
        "absences": len(ours.absences),
        "final_marks": len(ours.final_marks),
        "roles": len(roles_ours),
    }
    summary = (
        f"equal: {counts['marks']} marks, {counts['absences']} absences "
        f"({counts['students']} students × {counts['lessons']} lessons, "
        f"{counts['final_marks']} final marks); institution name «{next(iter(name_ours))}»; "
        f"login + {counts['roles']} role(s)"
    )
    return summary, counts


async def _latency(
    ctx: Context, apis: tuple[Api, Api], payloads: tuple[bytes, bytes], token: str
) -> tuple[list[float], list[float]]:
    """Both servers in alternating blocks on one client each (the same machine for both);
    which goes first alternates too."""
    samples: tuple[list[float], list[float]] = ([], [])
    tokens = (token, None)
    block = max(5, ctx.plan.latency_samples // 10)
    warm, turn = ctx.plan.warmup, 0
    while len(samples[0]) < ctx.plan.latency_samples:
        n = min(block, ctx.plan.latency_samples - len(samples[0]))
        for i in (0, 1)[:: 1 - 2 * turn]:
            samples[i].extend(await apis[i].sample(payloads[i], tokens[i], n, warm))
        warm, turn = 2, turn ^ 1
    return samples


async def _throughput(
    ctx: Context, servers: tuple[Any, Any], payloads: tuple[bytes, bytes], token: str
) -> tuple[list[load.LoadResult], list[load.LoadResult], tuple[float, float]]:
    """``CONNECTIONS`` closed loops against each server, alternately, twice (after a
    second's warm-up each); also the server CPU each request cost."""
    tokens = (token, None)
    runs: tuple[list[load.LoadResult], list[load.LoadResult]] = ([], [])
    cpu = [0.0, 0.0]
    for i in (0, 1):
        await load.closed_loop(
            ctx.loadgen, servers[i].port, payloads[i], tokens[i], connections=CONNECTIONS,
            seconds=1.0, max_requests=ctx.plan.load_max_requests, warmup_seconds=0.0,
        )  # fmt: skip
    half = ctx.plan.load_seconds / 2
    for turn in (0, 1):
        for i in (0, 1)[:: 1 - 2 * turn]:
            before = servers[i].cpu_seconds()
            runs[i].append(
                await load.closed_loop(
                    ctx.loadgen,
                    servers[i].port,
                    payloads[i],
                    tokens[i],
                    connections=CONNECTIONS,
                    seconds=half,
                    max_requests=ctx.plan.load_max_requests // 2,
                    warmup_seconds=0.0,
                )
            )
            cpu[i] += servers[i].cpu_seconds() - before
    done = [sum(r.completed for r in runs[i]) for i in (0, 1)]
    per_request = tuple(cpu[i] / done[i] * 1000 if done[i] else 0.0 for i in (0, 1))
    return runs[0], runs[1], (per_request[0], per_request[1])


def _rate(results: list[load.LoadResult]) -> float:
    seconds = sum(r.seconds for r in results)
    return sum(r.completed for r in results) / seconds if seconds else 0.0


def _failures(results: list[load.LoadResult]) -> int:
    return sum(n for r in results for s, n in r.statuses.items() if s != 200) + sum(
        len(r.errors) for r in results
    )


def _ms(value: float) -> str:
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


async def scenario_peer(ctx: Context) -> list[Result]:
    if ctx.main.backend != "postgresql":
        return [skipped("12", TITLE, "PostGraphile runs on PostgreSQL only: use --pg")]
    try:
        folder = peer.install(ctx.say, ctx.workdir)
    except peer.PeerUnavailable as why:
        ctx.say(f"[yellow]scenario 12 skipped: {why}[/]")
        return [skipped("12", TITLE, str(why))]
    version = peer.installed_version(folder)
    node = peer.node_version(shutil.which("node") or "node")[1]
    pgl_server = peer.server(folder, ctx.main.url, ctx.workdir)
    seconds = await pgl_server.start()
    ctx.say(f"PostGraphile {version} on {pgl_server.base_url}, healthy in {seconds:.2f} s")
    pgl_api = Api(pgl_server.base_url)
    fx = ctx.fixture
    token = await ctx.token(TEACHER)
    pgl_ids = {"group": str(fx.group_id), "discipline": str(fx.discipline_id)}
    requests = [
        Request(
            ("12a", "12b"),
            f"journal ({len(fx.students)} students × {fx.lessons} lessons)",
            "journal",
            body(JOURNAL, fx.journal_variables),
            body(PGL_JOURNAL, {**pgl_ids, "period": str(fx.period_id)}),
            0.7,
            1.3,
        ),
        Request(
            ("12c", "12d"),
            "institution name by id",
            "institution name",
            body(CG_INSTITUTION, {"id": to_global_id("Institution", fx.institution_id)}),
            body(PGL_INSTITUTION, {"id": str(fx.institution_id)}),
            1.0,
            0.7,
        ),
        Request(
            ("12e", "12f"),
            "login + roles",
            "login + roles",
            body(CG_LOGIN),
            body(PGL_LOGIN, {"institution": str(fx.institution_id), "login": TEACHER}),
            None,
            None,
        ),
    ]
    rows: list[Result] = []
    try:
        summary, counts = await check_equal(ctx, pgl_api, token)
        ctx.say(summary)
        rows.append(
            Result(
                "12",
                "campusgraph and PostGraphile answer the same rows",
                unit="",
                target="row-for-row equal",
                passed=True,
                note=f"{summary}; PostGraphile {version} on node {node}, amber preset, anonymous, "
                f"no policy; campusgraph as {TEACHER} of {INSTITUTION}, every policy on",
                extra={"counts": counts, "postgraphile": version, "node": node},
            )
        )
        side = Table(title=f"{TITLE}: {summary}", title_justify="left", show_lines=False)
        for name in ("request", "campusgraph", "PostGraphile", "ratio", "target", "result"):
            side.add_column(name, justify="right" if name != "request" else "left")
        for request in requests:
            ours, theirs = await _latency(
                ctx, (ctx.api, pgl_api), (request.ours, request.theirs), token
            )
            runs_ours, runs_theirs, cpu = await _throughput(
                ctx, (ctx.server, pgl_server), (request.ours, request.theirs), token
            )
            rate_ours, rate_theirs = _rate(runs_ours), _rate(runs_theirs)
            p50_ratio = median(ours) / median(theirs)
            p95_ratio = p95(ours) / p95(theirs)
            rate_ratio = rate_ours / rate_theirs if rate_theirs else 0.0
            failures = _failures(runs_ours) + _failures(runs_theirs)
            cpu_note = (
                f"server CPU per request under load: campusgraph {cpu[0]:.2f} ms, "
                f"PostGraphile {cpu[1]:.2f} ms"
            )
            lat = Result(
                request.keys[0],
                f"{request.label}: p50, campusgraph vs PostGraphile",
                unit="ms",
                median=median(ours),
                p95=p95(ours),
                floor=median(theirs),
                ratio=p50_ratio,
                target="—" if request.p50_target is None else f"p50 ≤ {request.p50_target}×",
                samples=len(ours),
                note=f"floor = PostGraphile's p50 (its p95 {_ms(p95(theirs))} ms; "
                f"p95 ratio {p95_ratio:.2f}×); alternating blocks, one loopback client",
                extra={"postgraphile_p50": median(theirs), "postgraphile_p95": p95(theirs)},
            )
            if request.p50_target is not None:
                lat.passed = p50_ratio <= request.p50_target
            put = Result(
                request.keys[1],
                f"{request.label}: {CONNECTIONS} connections, campusgraph vs PostGraphile",
                unit="req/s",
                median=rate_ours,
                floor=rate_theirs,
                ratio=rate_ratio,
                target=(
                    "—"
                    if request.throughput_target is None
                    else f"≥ {request.throughput_target}× PostGraphile"
                ),
                samples=sum(r.completed for r in runs_ours),
                note=f"floor = PostGraphile's req/s; {ctx.loadgen} generator, alternating "
                f"twice; {cpu_note}"
                + (f"; {failures} non-200 answers or broken connections" if failures else ""),
                extra={
                    "campusgraph_runs": [r.throughput for r in runs_ours],
                    "postgraphile_runs": [r.throughput for r in runs_theirs],
                    "server_cpu_ms": {"campusgraph": cpu[0], "postgraphile": cpu[1]},
                },
            )
            if request.throughput_target is not None:
                put.passed = rate_ratio >= request.throughput_target and not failures
            elif failures:
                put.passed = False
            rows += [lat, put]
            verdict = {True: "pass", False: "FAIL", None: "—"}
            side.add_row(
                f"{request.short} p50 / p95",
                f"{_ms(median(ours))} / {_ms(p95(ours))} ms",
                f"{_ms(median(theirs))} / {_ms(p95(theirs))} ms",
                f"{p50_ratio:.2f}× / {p95_ratio:.2f}×",
                lat.target,
                verdict[lat.passed],
            )
            side.add_row(
                f"{request.short}, {CONNECTIONS} connections",
                f"{rate_ours:,.0f} req/s",
                f"{rate_theirs:,.0f} req/s",
                f"{rate_ratio:.2f}×",
                put.target,
                verdict[put.passed],
            )
        Console(width=160).print(side)
        rows += await _stack_floor(ctx, pgl_server, pgl_api, requests[1], token)
    finally:
        await pgl_api.close()
        pgl_server.stop()
    return rows


async def _stack_floor(
    ctx: Context, pgl_server: Any, pgl_api: Api, request: Request, token: str
) -> list[Result]:
    """The by-id request on the stack's floor (``bench.stack_floor_app``: Strawberry on
    Starlette, one asyncpg select, no session, no policy) against PostGraphile, measured as
    campusgraph was: what the chosen stack reaches before the service does anything."""
    dsn = ctx.main.url.replace("postgresql+asyncpg://", "postgresql://", 1)
    stack = Server.floor(
        ctx.workdir, "bench.stack_floor_app:app", "stack", env={"BENCH_STACK_DSN": dsn}
    )
    await stack.start()
    stack_api = Api(stack.base_url)
    try:
        answer = await stack_api.data(
            CG_INSTITUTION, {"id": to_global_id("Institution", ctx.fixture.institution_id)}, None
        )
        if not institution_campusgraph(answer):
            raise AnswersDiffer(f"the stack's floor answered {answer}")
        ours, theirs = await _latency(
            ctx, (stack_api, pgl_api), (request.ours, request.theirs), token
        )
        runs_ours, runs_theirs, cpu = await _throughput(
            ctx, (stack, pgl_server), (request.ours, request.theirs), token
        )
    finally:
        await stack_api.close()
        stack.stop()
    rate_ours, rate_theirs = _rate(runs_ours), _rate(runs_theirs)
    what = "the stack's floor (Strawberry on Starlette, one asyncpg select, no session, no policy)"
    return [
        Result(
            "12g",
            f"{request.label}: p50, {what} vs PostGraphile",
            unit="ms",
            median=median(ours),
            p95=p95(ours),
            floor=median(theirs),
            ratio=median(ours) / median(theirs),
            target="—",
            samples=len(ours),
            note="what campusgraph's own p50 target (≤ 1.0×) leaves for the service: this "
            "ratio's distance below 1.0; alternating blocks, one loopback client",
        ),
        Result(
            "12h",
            f"{request.label}: {CONNECTIONS} connections, {what} vs PostGraphile",
            unit="req/s",
            median=rate_ours,
            floor=rate_theirs,
            ratio=rate_ours / rate_theirs if rate_theirs else 0.0,
            target="—",
            samples=sum(r.completed for r in runs_ours),
            note=f"server CPU per request under load: the stack's floor {cpu[0]:.2f} ms, "
            f"PostGraphile {cpu[1]:.2f} ms; {ctx.loadgen} generator, alternating twice",
            extra={"server_cpu_ms": {"stack": cpu[0], "postgraphile": cpu[1]}},
        ),
    ]
