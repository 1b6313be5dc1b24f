"""SQLite's planner gets statistics at start-up, so the journal joins works by lesson.

Without ``sqlite_stat1`` SQLite picks the index that matches the most equality terms, and
the journal's lessons ⟕ works join (works filtered by the teacher's (group, discipline)
pairs) went through work's (institution, group, discipline, date) index: every work of
the group × discipline visited for each lesson (1.4 ms against 0.12 ms on a 3 × 200
region, ``python -m bench.profile journal``). With statistics it uses ``lesson_id``.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from tests.support.databases import Database


@pytest.mark.backends("sqlite")
async def test_start_up_gives_the_planner_statistics(db: Database, make_client: Any) -> None:
    # given a database that was never analysed
    async with db.engine.begin() as conn:
        await conn.execute(text("DROP TABLE IF EXISTS sqlite_stat1"))
    # when the service starts on it
    async with make_client() as anonymous:
        assert (await anonymous.post("query { __typename }")).status_code == 200
    # then the planner knows that a lesson has few works (an average of a handful of rows
    # per lesson_id), and that a group × discipline has many: the join goes by lesson
    async with db.engine.connect() as conn:
        rows = await conn.execute(text("SELECT idx, stat FROM sqlite_stat1 WHERE tbl = 'work'"))
        stats = {str(idx): str(stat) for idx, stat in rows}
    per_lesson = int(stats["ix_work_lesson_id"].split()[1])
    per_group_discipline = int(
        stats["ix_work_institution_id_group_id_discipline_id_date"].split()[3]
    )
    assert per_lesson <= 3
    assert per_group_discipline > 10 * per_lesson
