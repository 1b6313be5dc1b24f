"""A request's deadline reaches SQLite statements running on the loop's thread, where an
asyncio timeout cannot: the statement running when it passes is interrupted in place."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from campusgraph.db.engine import create_engine
from campusgraph.deadline import DEADLINE

#: Some tens of millions of steps: seconds of work, the loop held all along.
LONG = text(
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 30000000) "
    "SELECT count(*) FROM c"
)


async def test_a_statement_past_the_deadline_is_interrupted(tmp_path: Path) -> None:
    # given a connection of the inline SQLite driver
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'deadline.db'}")
    try:
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT 1"))).scalar() == 1
            # when a long statement runs for a request whose deadline has passed
            token = DEADLINE.set(time.monotonic() - 1)
            try:
                with pytest.raises(OperationalError, match="interrupted"):
                    await conn.execute(LONG)
            finally:
                DEADLINE.reset(token)
            # then it was interrupted, and the connection serves the next request
            await conn.rollback()
            assert (await conn.execute(text("SELECT 2"))).scalar() == 2
    finally:
        await engine.dispose()


async def test_no_statement_starts_past_the_deadline(tmp_path: Path) -> None:
    # given a connection of the inline SQLite driver
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'deadline.db'}")
    try:
        async with engine.connect() as conn:
            # when a request past its deadline sends a statement too short for the
            # progress handler to look at the clock
            token = DEADLINE.set(time.monotonic() - 1)
            try:
                with pytest.raises(OperationalError, match="interrupted"):
                    await conn.execute(text("SELECT 1"))
            finally:
                DEADLINE.reset(token)
            # then it did not run, and the connection serves the next request
            await conn.rollback()
            assert (await conn.execute(text("SELECT 2"))).scalar() == 2
    finally:
        await engine.dispose()
