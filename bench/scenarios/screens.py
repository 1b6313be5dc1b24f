"""Scenario 2: the other everyday screens, as the roles that open them.

a. the parent's diary for one week (``examples/queries/09-diary.graphql``);
b. the curator's attendance of his group for one month (every student's absences);
c. the deputy's summary sheet of a group for the semester: the journal rows' averages and
   final marks of every discipline the group is taught (one aliased journal each).

No floor: latency and SQL statements per request are reported for the record.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from bench.client import body, count_statements
from bench.common import (
    BENCH_TODAY,
    CURATOR,
    DEPUTY,
    EXAMPLES,
    INSTITUTION,
    PARENT,
    Result,
    latency,
    skipped,
)
from bench.context import Context
from campusgraph.ids import to_global_id

DIARY = EXAMPLES / "09-diary.graphql"

ATTENDANCE = """
query CuratorAttendance($group: ID!, $from: Date!, $to: Date!) {
  node(id: $group) {
    ... on Group {
      name
      students {
        id
        fullName
        attendance(dateFrom: $from, dateTo: $to, first: 200) {
          nodes { date status reason discipline { name } }
        }
      }
    }
  }
}
"""


def summary_document(count: int) -> str:
    """One aliased journal per discipline: averages and final marks."""
    params = ", ".join(f"$d{i}: ID!" for i in range(count))
    parts = [
        f"  d{i}: journal(group: $group, discipline: $d{i}, period: $period) {{\n"
        "    discipline { name }\n"
        "    rows { studentId fullName average finalMarks { kind value } }\n"
        "  }"
        for i in range(count)
    ]
    return (
        f"query SummarySheet($group: ID!, $period: ID!, {params}) {{\n" + "\n".join(parts) + "\n}\n"
    )


def last_week() -> tuple[dt.date, dt.date]:
    monday = BENCH_TODAY - dt.timedelta(days=BENCH_TODAY.weekday() + 7)
    return monday, monday + dt.timedelta(days=6)


def last_month() -> tuple[dt.date, dt.date]:
    first_this = BENCH_TODAY.replace(day=1)
    last = first_this - dt.timedelta(days=1)
    return last.replace(day=1), last


async def _measure(
    ctx: Context,
    key: str,
    title: str,
    login: str,
    document: str,
    variables: dict[str, Any],
    describe: Any,
) -> Result:
    token = await ctx.token(login)
    status, answer = await ctx.api.query(document, variables, token)
    if status != 200 or answer.get("errors"):
        errors = answer.get("errors") or []
        missing = [e for e in errors if "Cannot query field" in str(e.get("message", ""))]
        if missing:
            return skipped(key, title, f"not in the schema yet ({missing[0]['message']})")
        raise AssertionError(f"{title}: HTTP {status} {str(answer)[:1000]}")
    samples = await ctx.api.sample(
        body(document, variables), token, max(10, ctx.plan.latency_samples // 2), ctx.plan.warmup
    )
    statements = (
        await count_statements(ctx.main.url, INSTITUTION, login, [(document, variables)])
    )[0]
    return latency(
        key, title, samples, note=f"{describe(answer['data'])}; {statements} SQL statements"
    )


async def scenario_screens(ctx: Context) -> list[Result]:
    fx = ctx.fixture
    rows: list[Result] = []

    start, end = last_week()
    diary_title = f"parent's diary, one week ({start:%d.%m}–{end:%d.%m})"
    if not DIARY.exists():
        rows.append(skipped("2a", diary_title, f"{DIARY.name} not written yet"))
    else:

        def diary(data: dict[str, Any]) -> str:
            days = data["viewer"]["diary"]["days"]
            lessons = sum(len(d["lessons"]) for d in days)
            marks = sum(1 for d in days for le in d["lessons"] for w in le["works"] if w["mark"])
            return f"{len(days)} days, {lessons} lessons, {marks} marks"

        rows.append(
            await _measure(
                ctx,
                "2a",
                diary_title,
                PARENT,
                DIARY.read_text(encoding="utf-8"),
                {"from": start.isoformat(), "to": end.isoformat()},
                diary,
            )
        )

    start, end = last_month()

    def attendance(data: dict[str, Any]) -> str:
        students = data["node"]["students"]
        entries = sum(len(s["attendance"]["nodes"]) for s in students)
        return f"{len(students)} students, {entries} entries"

    rows.append(
        await _measure(
            ctx,
            "2b",
            f"curator's attendance, one month ({start:%m.%Y}), group {fx.group_name}",
            CURATOR,
            ATTENDANCE,
            {"group": fx.gid("group"), "from": start.isoformat(), "to": end.isoformat()},
            attendance,
        )
    )

    variables: dict[str, Any] = {"group": fx.gid("group"), "period": fx.gid("period")}
    for i, (pk, _name) in enumerate(fx.disciplines):
        variables[f"d{i}"] = to_global_id("Discipline", pk)

    def summary(data: dict[str, Any]) -> str:
        averages = sum(1 for j in data.values() for r in j["rows"] if r["average"] is not None)
        return f"{len(data)} disciplines × {len(data['d0']['rows'])} students, {averages} averages"

    rows.append(
        await _measure(
            ctx,
            "2c",
            f"deputy's summary sheet, group {fx.group_name} × semester",
            DEPUTY,
            summary_document(len(fx.disciplines)),
            variables,
            summary,
        )
    )
    return rows
