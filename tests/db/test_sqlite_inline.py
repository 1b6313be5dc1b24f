"""SQLite on the loop's thread: writers queue in the loop, never block it.

The adapter runs statements inline (db/sqlite_inline.py); these tests hold it to what
makes that safe: writers of the same loop wait their turn without deadlock, a writer of
another process is waited for asynchronously (the loop keeps serving), and a finished
transaction always gives the writer lock back.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from campusgraph.db.engine import create_engine
from campusgraph.db.sqlite_inline import InlineConnection
from campusgraph.db.tenancy import WRITE_OPTION


async def _make(path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE cell (id INTEGER PRIMARY KEY, n INTEGER)"))
        await conn.execute(text("INSERT INTO cell (id, n) VALUES (1, 0)"))
    await engine.dispose()


async def test_the_engine_runs_sqlite_inline(tmp_path: Path) -> None:
    path = tmp_path / "inline.sqlite3"
    await _make(path)
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        async with engine.connect() as conn:
            raw = await conn.get_raw_connection()
            assert isinstance(raw.driver_connection, InlineConnection)
            assert (await conn.execute(text("SELECT n FROM cell"))).scalar_one() == 0
    finally:
        await engine.dispose()


async def test_writers_of_one_loop_queue_and_all_commit(tmp_path: Path) -> None:
    # given a database and 30 tasks that each increment one counter in a transaction,
    # yielding to the loop between the read and the write
    path = tmp_path / "queue.sqlite3"
    await _make(path)
    engine = create_engine(f"sqlite+aiosqlite:///{path}", pool_size=10, max_overflow=30)

    async def increment() -> None:
        async with engine.connect() as conn:
            conn = await conn.execution_options(**{WRITE_OPTION: True})
            async with conn.begin():
                n = (await conn.execute(text("SELECT n FROM cell WHERE id = 1"))).scalar_one()
                await asyncio.sleep(0.001)
                await conn.execute(text("UPDATE cell SET n = :n WHERE id = 1"), {"n": n + 1})

    try:
        # when they run at once
        await asyncio.wait_for(asyncio.gather(*(increment() for _ in range(30))), 30)
        # then no increment is lost (each writer had the database to itself)
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT n FROM cell"))).scalar_one() == 30
    finally:
        await engine.dispose()


async def test_a_writer_of_another_process_is_waited_for_without_blocking_the_loop(
    tmp_path: Path,
) -> None:
    # given another connection (as another process would) holding the write lock 0.4 s
    path = tmp_path / "other.sqlite3"
    await _make(path)
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    taken, release = threading.Event(), threading.Event()

    def other_process() -> None:
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        other.execute("UPDATE cell SET n = 100 WHERE id = 1")
        taken.set()
        release.wait(5)
        other.execute("COMMIT")
        other.close()

    holder = threading.Thread(target=other_process)
    holder.start()
    assert taken.wait(5)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    async def write() -> float:
        began = time.monotonic()
        async with engine.connect() as conn:
            conn = await conn.execution_options(**{WRITE_OPTION: True})
            async with conn.begin():
                await conn.execute(text("UPDATE cell SET n = n + 1 WHERE id = 1"))
        return time.monotonic() - began

    ticking = asyncio.create_task(ticker())
    try:
        # when our writer starts while it is held, and the other lets go after 0.4 s
        writing = asyncio.create_task(write())
        await asyncio.sleep(0.4)
        assert not writing.done()
        release.set()
        waited = await asyncio.wait_for(writing, 10)
    finally:
        ticking.cancel()
        release.set()
        holder.join(5)
    try:
        # then our write waited for it, the loop kept running meanwhile, and both writes
        # are there
        assert waited >= 0.35
        assert ticks >= 20
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT n FROM cell"))).scalar_one() == 101
    finally:
        await engine.dispose()


async def test_a_failed_write_gives_the_writer_lock_back(tmp_path: Path) -> None:
    path = tmp_path / "failed.sqlite3"
    await _make(path)
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        # given a write transaction that fails on a constraint and is rolled back
        async with engine.connect() as conn:
            conn = await conn.execution_options(**{WRITE_OPTION: True})
            with pytest.raises(IntegrityError, match="UNIQUE"):
                async with conn.begin():
                    await conn.execute(text("INSERT INTO cell (id, n) VALUES (1, 5)"))
        # when the next writer comes, then it gets the lock at once
        async with engine.begin() as conn:
            await asyncio.wait_for(
                conn.execute(text("UPDATE cell SET n = 7 WHERE id = 1")), timeout=2
            )
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT n FROM cell"))).scalar_one() == 7
    finally:
        await engine.dispose()
