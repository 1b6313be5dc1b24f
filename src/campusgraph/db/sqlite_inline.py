"""SQLite on the event loop's own thread, behind SQLAlchemy's aiosqlite dialect.

aiosqlite runs every call — cursor, execute, fetch, close, commit — on a worker thread
and wakes the loop for each result. A statement is four such hops, and measured here a
statement cost 1.1 ms through ``AsyncConnection`` against 0.09 ms through the same
SQLAlchemy on a plain ``sqlite3`` connection: the hops, not SQLite, were the journal's and
``setMark``'s time (``python -m bench.profile``). SQLite itself answers in microseconds from
the page cache, and in WAL mode a reader never waits for a writer, so this adapter gives
the dialect aiosqlite's interface but runs each call at once, on the caller's thread.

What could wait is a writer, and a loop that blocks waiting for a lock that another task
of the same loop holds would never get it back. So writers are queued in the loop
instead: a connection takes the engine's writer lock (an ``asyncio.Lock``) before
``BEGIN IMMEDIATE`` or before its first write in a deferred transaction, and gives it back
at commit, rollback or close. Writers of other processes (a second worker, the CLI) are
met with a short busy timeout and an asynchronous retry, never a blocked loop.

The price: a long statement (a region report) holds the loop while it runs. For the
embedded database of one school that is the right trade; a deployment that needs more
runs PostgreSQL, where asyncpg has no thread either.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
import weakref
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, Self

from campusgraph.deadline import interrupt_sqlite
from campusgraph.deadline import passed as deadline_passed

#: How long one attempt waits inside SQLite for another process's write lock (the loop
#: is blocked that long at most), and how long a writer keeps retrying in all.
BUSY_TIMEOUT_MS = 5
WRITE_WAIT_SECONDS = 30.0
#: SQLite virtual-machine instructions between two looks at the request's deadline (a
#: look is a Python call: some microseconds per ten thousand instructions).
PROGRESS_STEPS = 10_000

_WRITE_VERBS = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER", "ANALYZE")


def _is_write(sql: str) -> bool:
    head = sql.lstrip()[:8].upper()
    return head.startswith(_WRITE_VERBS)


def _is_busy(error: sqlite3.OperationalError) -> bool:
    text = str(error).lower()
    return "database is locked" in text or "database is busy" in text


#: The engines whose connections are this adapter's (``db/engine.py`` registers them).
INLINE_ENGINES: weakref.WeakSet[Any] = weakref.WeakSet()


class WriterLocks:
    """One writer lock per event loop (an ``asyncio.Lock`` belongs to one loop)."""

    def __init__(self) -> None:
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )

    def current(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            lock = self._locks[loop] = asyncio.Lock()
        return lock


class _RunNow:
    """aiosqlite's request queue, as SQLAlchemy's isolation-level setter uses it."""

    def put_nowait(self, item: tuple[asyncio.Future[Any] | None, Callable[[], Any]]) -> None:
        future, function = item
        try:
            result = function()
        except BaseException as error:  # handed to the awaiting caller
            if future is not None:
                future.set_exception(error)
            return
        if future is not None:
            future.set_result(result)


class CursorAttributes:
    """The attributes of a ``sqlite3`` cursor SQLAlchemy's aiosqlite dialect reads, passed
    through (shared by this inline cursor and the report reader's, db/sqlite_reader.py)."""

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value


class InlineCursor(CursorAttributes):
    def __init__(self, connection: InlineConnection, cursor: sqlite3.Cursor) -> None:
        super().__init__(cursor)
        self._connection = connection

    async def execute(self, sql: str, parameters: Any = ()) -> InlineCursor:
        await self._connection.run(sql, lambda: self._cursor.execute(sql, parameters))
        return self

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> InlineCursor:
        await self._connection.run(sql, lambda: self._cursor.executemany(sql, parameters))
        return self

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(size if size is not None else self._cursor.arraysize)

    async def close(self) -> None:
        self._cursor.close()


class InlineConnection:
    """The part of ``aiosqlite.Connection`` SQLAlchemy's dialect uses."""

    def __init__(self, connection: sqlite3.Connection, writers: WriterLocks) -> None:
        self._conn = connection
        self._connection: sqlite3.Connection | None = connection  # aiosqlite's "is open"
        self._tx = _RunNow()
        self._writers = writers
        self._holding: asyncio.Lock | None = None

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    def cursor(self) -> InlineCursor:
        return InlineCursor(self, self._conn.cursor())

    async def run(self, sql: str, call: Callable[[], Any]) -> Any:
        upper = sql.lstrip()[:16].upper()
        if deadline_passed() and not upper.startswith(("ROLLBACK", "END")):
            # Past the request's deadline (campusgraph.deadline): short statements never
            # reach the progress handler, so they are refused before they start.
            raise sqlite3.OperationalError("interrupted")
        if upper.startswith("BEGIN IMMEDIATE") or (self._holding is None and _is_write(sql)):
            await self._take_writer_lock()
            result = await self._retry_busy(call)
            self._release_unless_in_transaction()  # a write in autocommit mode is done
            return result
        try:
            return call()
        finally:
            if upper.startswith(("COMMIT", "ROLLBACK", "END")):
                self._release()

    async def execute(self, sql: str, parameters: Any = ()) -> InlineCursor:
        cursor = self.cursor()
        await cursor.execute(sql, parameters)
        return cursor

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> InlineCursor:
        cursor = self.cursor()
        await cursor.executemany(sql, parameters)
        return cursor

    async def commit(self) -> None:
        try:
            self._conn.commit()
        finally:
            self._release()

    async def rollback(self) -> None:
        try:
            self._conn.rollback()
        finally:
            self._release()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._conn.create_function(*args, **kwargs)

    async def close(self) -> None:
        self.stop()

    def stop(self) -> None:
        self._release()
        if self._connection is not None:
            self._connection = None
            self._conn.close()

    async def _take_writer_lock(self) -> None:
        if self._holding is not None:
            return
        lock = self._writers.current()
        try:
            await asyncio.wait_for(lock.acquire(), WRITE_WAIT_SECONDS)
        except TimeoutError:
            raise sqlite3.OperationalError("database is locked") from None
        self._holding = lock

    async def _retry_busy(self, call: Callable[[], Any]) -> Any:
        """Another process holds the write lock: wait for it without blocking the loop."""
        deadline = time.monotonic() + WRITE_WAIT_SECONDS
        pause = 0.002
        while True:
            try:
                return call()
            except sqlite3.OperationalError as error:
                if not _is_busy(error) or time.monotonic() > deadline:
                    self._release_unless_in_transaction()
                    raise
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.05)

    def _release_unless_in_transaction(self) -> None:
        if not self._conn.in_transaction:
            self._release()

    def _release(self) -> None:
        lock, self._holding = self._holding, None
        if lock is not None and lock.locked():
            lock.release()


def inline_creator(
    database: str, *, uri: bool = False
) -> Callable[[], Awaitable[InlineConnection]]:
    """The ``async_creator`` for ``create_async_engine``: connections of one database
    share one writer queue."""
    writers = WriterLocks()

    async def connect() -> InlineConnection:
        connection = sqlite3.connect(
            database,
            timeout=BUSY_TIMEOUT_MS / 1000,
            isolation_level=None,
            check_same_thread=False,
            uri=uri,
        )
        # A request past its deadline has its statements interrupted (campusgraph.deadline).
        connection.set_progress_handler(interrupt_sqlite, PROGRESS_STEPS)
        return InlineConnection(connection, writers)

    return connect


__all__: Sequence[str] = ["BUSY_TIMEOUT_MS", "InlineConnection", "inline_creator"]
