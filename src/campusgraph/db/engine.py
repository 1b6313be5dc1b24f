"""Engine and session factory for both backends."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry

from campusgraph.db import tenancy
from campusgraph.db.sqlite_inline import BUSY_TIMEOUT_MS, inline_creator
from campusgraph.db.tenancy import WRITE_OPTION


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """SQLite gets WAL, foreign keys and a busy timeout, so concurrent writers queue
    instead of failing; PostgreSQL gets a pool sized for one worker."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and "async_creator" not in kwargs:
            # Statements run on the loop's thread, writers queue in the loop (see
            # sqlite_inline); the busy timeout only bounds waits for other processes.
            uri = str(parsed.query.get("uri", "")).lower() in ("true", "1")
            kwargs["async_creator"] = inline_creator(database, uri=uri)
            busy_ms = BUSY_TIMEOUT_MS
        else:
            kwargs.setdefault("connect_args", {"timeout": 30})
            busy_ms = 30_000
        engine = create_async_engine(url, **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: ConnectionPoolEntry) -> None:
            # aiosqlite opens in autocommit-less mode; take writes with BEGIN IMMEDIATE so
            # two writers never deadlock on lock upgrade.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute(f"PRAGMA busy_timeout={busy_ms}")
            cur.close()

        @event.listens_for(engine.sync_engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # Sessions opened for writing take the write lock up front (see tenancy.writer).
            immediate = conn.get_execution_options().get(WRITE_OPTION)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    return create_async_engine(url, **kwargs)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(
        engine,
        expire_on_commit=False,
        autoflush=False,
        sync_session_class=tenancy.TenantSession,
    )
