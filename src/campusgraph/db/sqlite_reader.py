"""SQLite for heavy reads, off the event loop: a read-only connection whose statements run
on a worker thread.

The service's own SQLite connections run on the loop's thread (``sqlite_inline``): the
right trade for the journal's sub-millisecond statements, but a region report's aggregate
held the loop for its whole run — one report cut mark writes from ~1,500 to 16 per 10 s.
Reports (``Context.report_session``) take these connections instead: each call — a
statement with its rows fetched, commit, rollback — is one hop to a small thread pool,
and the loop serves everyone else meanwhile. In WAL mode a reader never waits for the
writer nor the writer for a reader, so reports and marks run side by side; what still
serializes is writers among themselves (SQLite has one writer), and the two cores of the
process's Python (the GIL is released while SQLite steps, taken back to build rows).

Why our own hop rather than stock aiosqlite (also a thread per connection): aiosqlite
hops for cursor, execute, fetch and close where this does one (the statement and its rows
together) — measured on a loaded two-core machine, 440–825 µs per small statement
against aiosqlite's 660–1,077 µs (the inline connection: 170–250 µs, why the journal
keeps it) — and aiosqlite's thread never sees the request's deadline, which here
interrupts the statement from the loop (campusgraph.deadline). Beside a region-report
statement looping on the worker, the loop's lag stayed at p95 8–13 ms (idle 5–6 ms; the
same statement inline: 600–700 ms). The connection is ``query_only``: a report cannot
write, whatever its code does.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from campusgraph.db.sqlite_inline import CursorAttributes, _RunNow
from campusgraph.deadline import DEADLINE
from campusgraph.deadline import passed as deadline_passed

#: Threads running report statements at once (per process). The machine's cores bound
#: what more threads could buy; more reports queue here, not on the loop.
READER_THREADS = 4
#: A reader waits this long for a lock only during WAL recovery or a checkpoint's
#: restart — in a worker thread, so the loop never waits with it.
READER_BUSY_TIMEOUT_MS = 5_000

_executor: ThreadPoolExecutor | None = None


def _pool() -> ThreadPoolExecutor:
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(READER_THREADS, thread_name_prefix="sqlite-reader")
    return _executor


class ReaderCursor(CursorAttributes):
    """A cursor whose ``execute`` runs the statement and fetches its rows in one hop."""

    def __init__(self, connection: ReaderConnection, cursor: sqlite3.Cursor) -> None:
        super().__init__(cursor)
        self._connection = connection
        self._rows: deque[Any] = deque()

    async def execute(self, sql: str, parameters: Any = ()) -> ReaderCursor:
        def call() -> list[Any]:
            self._cursor.execute(sql, parameters)
            return self._cursor.fetchall() if self._cursor.description else []

        self._rows = deque(await self._connection.run(sql, call))
        return self

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> ReaderCursor:
        await self._connection.run(sql, lambda: self._cursor.executemany(sql, parameters))
        self._rows = deque()
        return self

    async def fetchall(self) -> list[Any]:
        rows, self._rows = list(self._rows), deque()
        return rows

    async def fetchone(self) -> Any:
        return self._rows.popleft() if self._rows else None

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        n = size if size is not None else self._cursor.arraysize
        return [self._rows.popleft() for _ in range(min(n, len(self._rows)))]

    async def close(self) -> None:
        self._cursor.close()


class ReaderConnection:
    """The part of ``aiosqlite.Connection`` SQLAlchemy's dialect uses, calls on a worker."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._conn = connection
        self._connection: sqlite3.Connection | None = connection  # aiosqlite's "is open"
        self._tx = _RunNow()  # the isolation-level setter: an attribute, no I/O
        # One call at a time on the connection, even when a cancelled request's statement
        # is still finishing on one thread while the pool's rollback arrives on another.
        self._lock = threading.Lock()

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    def cursor(self) -> ReaderCursor:
        return ReaderCursor(self, self._conn.cursor())

    async def run(self, sql: str, call: Callable[[], Any]) -> Any:
        upper = sql.lstrip()[:16].upper()
        if deadline_passed() and not upper.startswith(("ROLLBACK", "END")):
            raise sqlite3.OperationalError("interrupted")
        return await self._hop(call)

    async def _hop(self, call: Callable[[], Any]) -> Any:
        def locked() -> Any:
            with self._lock:
                return call()

        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(_pool(), locked)
        # The request's deadline interrupts the statement from the loop (``interrupt`` is
        # safe from any thread), where the inline connections need a progress handler
        # (campusgraph.deadline): no Python call inside SQLite's loop on the worker.
        deadline = DEADLINE.get()
        timer = (
            loop.call_at(loop.time() + max(0.0, deadline - time.monotonic()), self._conn.interrupt)
            if deadline is not None
            else None
        )
        try:
            return await asyncio.shield(future)
        except asyncio.CancelledError:
            # The request was cancelled (a timeout, a client gone): stop the statement
            # rather than let it run on unobserved.
            self._conn.interrupt()
            raise
        finally:
            if timer is not None:
                timer.cancel()

    async def execute(self, sql: str, parameters: Any = ()) -> ReaderCursor:
        cursor = self.cursor()
        await cursor.execute(sql, parameters)
        return cursor

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> ReaderCursor:
        cursor = self.cursor()
        await cursor.executemany(sql, parameters)
        return cursor

    async def commit(self) -> None:
        await self._hop(self._conn.commit)

    async def rollback(self) -> None:
        await self._hop(self._conn.rollback)

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._conn.create_function(*args, **kwargs)

    async def close(self) -> None:
        if self._connection is not None:
            self._connection = None
            await self._hop(self._conn.close)

    def stop(self) -> None:
        if self._connection is not None:
            self._connection = None
            with self._lock:
                self._conn.close()


def reader_creator(
    database: str, *, uri: bool = False
) -> Callable[[], Awaitable[ReaderConnection]]:
    """The ``async_creator`` of the reader engine (``engine.create_reader_engine``)."""

    def open_() -> sqlite3.Connection:
        return sqlite3.connect(
            database,
            timeout=READER_BUSY_TIMEOUT_MS / 1000,
            isolation_level=None,
            check_same_thread=False,
            uri=uri,
        )

    async def connect() -> ReaderConnection:
        return ReaderConnection(await asyncio.get_running_loop().run_in_executor(_pool(), open_))

    return connect


__all__: Sequence[str] = ["READER_THREADS", "ReaderConnection", "reader_creator"]
