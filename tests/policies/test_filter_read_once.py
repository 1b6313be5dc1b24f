"""On PostgreSQL a policy filter's subqueries of viewer facts are read once per statement
(policies/facts_once.py), not once per row: under the generic plan a kept statement runs
with, a semi-join read the teacher's assignments again for every mark of his journal."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import asyncpg
import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from tests.resolvers.test_journal_read import JOURNAL, _teacher_journal_ids

ALTAI = "altai-college-2016"


def _literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, dt.date | str):
        return "'" + str(value).replace("'", "''") + "'"
    raise AssertionError(f"no literal for {value!r}")


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", ()):
        yield from _nodes(child)


@pytest.mark.backends("postgresql")
async def test_the_teachers_assignments_are_read_once_per_statement(
    db: Any, sign_in: Any, backend: str
) -> None:
    # given the teacher's journal, and the statement it runs on PostgreSQL
    teacher = await sign_in(ALTAI, "teacher")
    ids = await _teacher_journal_ids(teacher)
    seen: list[tuple[str, Any]] = []

    def grab(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "json_agg" in statement:
            seen.append((statement, parameters))

    event.listen(Engine, "before_cursor_execute", grab)
    try:
        data = await teacher.data(JOURNAL, ids)
    finally:
        event.remove(Engine, "before_cursor_execute", grab)
    assert sum(1 for row in data["journal"]["rows"] for v in row["marks"] if v) >= 5
    statement, parameters = seen[-1]

    # when PostgreSQL runs it under the generic plan, as a kept prepared statement runs
    connection = await asyncpg.connect(db.url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await connection.execute("SET plan_cache_mode = force_generic_plan")
        await connection.execute(f"PREPARE journal AS {statement}")
        values = ", ".join(_literal(v) for v in parameters)
        explained = await connection.fetchval(
            f"EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE journal({values})"
        )
    finally:
        await connection.close()
    nodes = list(_nodes(json.loads(explained)[0]["Plan"]))

    # then every read of the teacher's assignments ran once at most, whatever the rows it
    # filtered (a subplan no row reached never runs)
    reads = [n for n in nodes if n.get("Relation Name") == "teaching_assignment"]
    assert len(reads) >= 4, reads  # the header and the four row sets each have one
    assert all(n["Actual Loops"] <= 1 for n in reads), [n["Actual Loops"] for n in reads]
