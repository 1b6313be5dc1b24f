"""Engine and session factory for both backends."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry

from campusgraph.db import tenancy
from campusgraph.db.outage import DatabaseUnavailable
from campusgraph.db.sqlite_inline import BUSY_TIMEOUT_MS, INLINE_ENGINES, inline_creator
from campusgraph.db.sqlite_reader import READER_BUSY_TIMEOUT_MS, READER_THREADS, reader_creator
from campusgraph.db.tenancy import SINGLE_READ_OPTION, WRITE_OPTION


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """SQLite (a file) runs on the loop's thread with WAL and foreign keys, its writers
    queued in the loop (``sqlite_inline``); PostgreSQL gets a pool sized for one worker."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and "async_creator" not in kwargs:
            # Statements run on the loop's thread, writers queue in the loop (see
            # sqlite_inline); the busy timeout only bounds waits for other processes.
            uri = str(parsed.query.get("uri", "")).lower() in ("true", "1")
            kwargs["async_creator"] = inline_creator(database, uri=uri)
            # Connections are cheap and a request may hold one across an await: enough
            # of them that concurrent requests do not reconnect on overflow.
            kwargs.setdefault("pool_size", 20)
            # Last in, first out: the connection used last has its page cache warm (a
            # SQLite connection's cache is its own, and a write elsewhere empties it).
            kwargs.setdefault("pool_use_lifo", True)
            busy_ms = BUSY_TIMEOUT_MS
        else:
            kwargs.setdefault("connect_args", {"timeout": 30})
            busy_ms = 30_000
        inline = "async_creator" in kwargs
        engine = create_async_engine(url, **kwargs)
        if inline:
            INLINE_ENGINES.add(engine.sync_engine)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: ConnectionPoolEntry) -> None:
            # No implicit transactions from the driver: the "begin" listener below issues
            # BEGIN, or BEGIN IMMEDIATE for writers so two never deadlock on lock upgrade.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute(f"PRAGMA busy_timeout={busy_ms}")
            cur.close()

        @event.listens_for(engine.sync_engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # Sessions opened for writing take the write lock up front (tenancy.WRITE_OPTION).
            options = conn.get_execution_options()
            if options.get(SINGLE_READ_OPTION):
                return  # one SELECT is its own snapshot: no BEGIN, nothing to roll back
            conn.exec_driver_sql("BEGIN IMMEDIATE" if options.get(WRITE_OPTION) else "BEGIN")

        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    # Last in, first out, as on SQLite: asyncpg's prepared statements belong to their
    # connection, and the one used last has them. First in, first out handed each request
    # the connection idle longest, so a request's statements were prepared anew (an extra
    # round trip each) on every connection of the pool in turn.
    kwargs.setdefault("pool_use_lifo", True)
    # asyncpg waits 60 s for an unreachable host by default; a request should not.
    kwargs.setdefault("connect_args", {"timeout": CONNECT_TIMEOUT_SECONDS})
    engine = create_async_engine(url, **kwargs)
    _survive_restarts(engine)
    return engine


def create_reader_engine(url: str) -> AsyncEngine | None:
    """The engine of ``Context.report_session`` on an SQLite file: read-only connections
    whose statements run on worker threads (``sqlite_reader``), so a long report does not
    hold the event loop. ``None`` elsewhere: on PostgreSQL asyncpg never blocks the loop,
    and the ordinary engine serves reports too (an in-memory SQLite has no second
    connection to the same data)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database
    if not database or database == ":memory:" or parsed.query.get("mode") == "memory":
        return None
    uri = str(parsed.query.get("uri", "")).lower() in ("true", "1")
    engine = create_async_engine(
        url,
        async_creator=reader_creator(database, uri=uri),
        pool_size=READER_THREADS,
        max_overflow=2 * READER_THREADS,
        pool_use_lifo=True,
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _reader_pragmas(dbapi_conn: Any, _record: ConnectionPoolEntry) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        # WAL is the file's mode (the writer engine set it); asking again is a no-op, and
        # it is what lets this reader run beside the writer.
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={READER_BUSY_TIMEOUT_MS}")
        # A report session cannot write, whatever a report's code does.
        cur.execute("PRAGMA query_only=ON")
        cur.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _reader_begin(conn: Any) -> None:
        # One snapshot for all of a report's statements.
        conn.exec_driver_sql("BEGIN")

    return engine


#: How long opening a PostgreSQL connection may take before the request answers 503.
CONNECT_TIMEOUT_SECONDS = 10


def _survive_restarts(engine: AsyncEngine) -> None:
    """A server restart closes every pooled connection; without a check the first request
    after an idle restart got a dead one and failed. asyncpg notices the server closing
    the socket as soon as the loop reads it, so ``is_closed()`` — a flag, no round trip —
    finds those connections at checkout; the pool then drops every connection older than
    that moment and opens a fresh one (SQLAlchemy's ``pool_pre_ping`` would pay a round
    trip on every checkout, several per request, for the same result). A connection
    that dies unseen (a half-open socket) fails its statement once, is invalidated by
    SQLAlchemy, and that request answers 503.

    Failures to connect at all are raised as :class:`DatabaseUnavailable` (asyncpg gives
    a bare ``OSError`` there), so the application can tell them from other errors."""

    @event.listens_for(engine.sync_engine, "checkout")
    def _closed_by_server(_dbapi: Any, record: ConnectionPoolEntry, _proxy: Any) -> None:
        is_closed = getattr(record.driver_connection, "is_closed", None)  # asyncpg's
        if is_closed is not None and is_closed():
            raise sa_exc.InvalidatePoolError("closed by the server")

    @event.listens_for(engine.sync_engine, "do_connect")
    def _connect(dialect: Any, _record: Any, cargs: Any, cparams: Any) -> Any:
        try:
            return dialect.connect(*cargs, **cparams)
        except Exception as error:
            raise DatabaseUnavailable(f"cannot connect to the database: {error}") from error


class InlineAsyncSession(AsyncSession):
    """A session on inline SQLite closes in place when its ``async with`` ends.

    SQLAlchemy runs that close in a task of its own (shielded from cancellation), so the
    connection goes back to the pool only after the loop has turned, and under 16
    concurrent requests the pool overflowed and reconnected on every request (measured:
    1,255 new connections for 2,000 requests). On inline SQLite the close never waits, so
    nothing can interrupt it and the shield buys nothing.
    """

    async def __aexit__(self, type_: Any, value: Any, traceback: Any) -> None:
        await self.close()


def is_inline(engine: AsyncEngine) -> bool:
    """Whether the engine runs SQLite on the loop's thread (see sqlite_inline)."""
    return engine.sync_engine in INLINE_ENGINES


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    factory = async_sessionmaker(
        engine,
        class_=InlineAsyncSession if is_inline(engine) else AsyncSession,
        expire_on_commit=False,
        autoflush=False,
        sync_session_class=tenancy.TenantSession,
    )
    if engine.dialect.name == "postgresql":
        tenancy.register_read_binds(factory, read_binds(engine))
    return factory


def read_binds(engine: AsyncEngine) -> tenancy.ReadBinds:
    """How PostgreSQL read sessions run: views of ``engine`` (same pool) whose connections
    are set up at checkout — an attribute of asyncpg's connection, no round trip.

    A request's reads run in autocommit: no BEGIN before the first statement, no
    ROLLBACK after the last, two round trips of a request's two to seven. What that gives
    up is nothing they had: at PostgreSQL's READ COMMITTED (the default, and ours) every
    statement of a transaction takes a snapshot of its own anyway, so the journal's five
    selects never read one snapshot together; each still sees only committed rows, and a
    row a write commits between two of them is in the later one only — as before. On
    SQLite a read's BEGIN is a call on the loop's thread, not a round trip, and does give
    one snapshot: it stays.

    A report reads many aggregates that must add up, so its session keeps a transaction,
    now REPEATABLE READ READ ONLY: one snapshot for all its statements (what SQLite's
    report reader gives with its BEGIN), in the same one BEGIN round trip.
    """
    return tenancy.ReadBinds(
        reads=engine.execution_options(isolation_level="AUTOCOMMIT"),
        reports=engine.execution_options(
            isolation_level="REPEATABLE READ", postgresql_readonly=True
        ),
    )


#: Rows ANALYZE samples per index: enough for the planner, milliseconds on any size.
ANALYSIS_LIMIT = 1000


async def refresh_statistics(engine: AsyncEngine) -> None:
    """Give SQLite's query planner statistics (PostgreSQL's autovacuum keeps its own).

    Without ``sqlite_stat1`` SQLite ranks indexes by how many equality terms they match,
    and for the journal it joined a lesson's works through the (group, discipline) index
    — 40 × 40 row visits, 1.4 ms — instead of the lesson_id index (0.12 ms). A sampled
    ANALYZE (``analysis_limit``) the first time, ``PRAGMA optimize`` (re-analyses tables
    that changed a lot) afterwards; run at start-up and after bulk loads.
    """
    if engine.dialect.name != "sqlite":
        return
    async with engine.connect() as conn:
        known = (
            await conn.exec_driver_sql(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'"
            )
        ).first()
        await conn.exec_driver_sql(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
        await conn.exec_driver_sql("PRAGMA optimize" if known else "ANALYZE")
        await conn.commit()
