"""The session lookup on the driver's own connection (campusgraph/db/driver.py: asyncpg's,
SQLite's inline adapter): the same rows SQLAlchemy reads, counted by whoever counts
statements, and (PostgreSQL) a connection that fails under it never handed out again."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import select

from campusgraph.db import driver
from campusgraph.db import models as m
from campusgraph.db.outage import DatabaseUnavailable
from campusgraph.db.tenancy import single_read_options, unscoped
from campusgraph.resolvers.auth import _LOOKUP, _LOOKUP_SESSION
from campusgraph.security import token_digest

ALTAI = "altai-college-2016"
SMALL = "query { viewer { login roles { name } } }"


async def _through_sqlalchemy(engine: Any, stmt: Any, params: dict[str, Any]) -> list[Any]:
    async with engine.connect() as conn:
        conn = await conn.execution_options(**single_read_options(engine))
        return [dict(row) for row in (await conn.execute(stmt, params)).mappings()]


async def test_the_lookup_reads_on_the_driver_what_sqlalchemy_reads(
    db: Any, sign_in: Any, backend: str
) -> None:
    # given an institution's teacher and the region's authority (whose session lists the
    # region's institutions through string_agg and its literal separator)
    teacher = await sign_in(ALTAI, "teacher")
    authority = await sign_in("demo-region", "authority")
    engine = db.engine
    assert driver.runs_on_driver(engine)

    for caller in (teacher, authority):
        params = {"token_hash": token_digest(caller.token)}
        # when each session is looked up both ways
        expected = await _through_sqlalchemy(engine, _LOOKUP, params)
        found = await driver.fetch(engine, _LOOKUP, params)

        # then the rows are the same, value for value and type for type
        assert expected, "the session was not found at all"
        assert found == expected
        assert [{k: type(v) for k, v in row.items()} for row in found] == [
            {k: type(v) for k, v in row.items()} for row in expected
        ]
    async with unscoped(db.factory, read=True) as session:
        session_id = (await session.execute(select(m.AuthSession.id).limit(1))).scalar_one()
    by_id = {"session_id": session_id}
    assert await driver.fetch(engine, _LOOKUP_SESSION, by_id) == await _through_sqlalchemy(
        engine, _LOOKUP_SESSION, by_id
    )
    region = await _through_sqlalchemy(
        engine, _LOOKUP, {"token_hash": token_digest(authority.token)}
    )
    assert "," in (region[0]["region_institutions"] or ""), "a region of one proves nothing"


async def test_statement_counters_see_the_lookup(db: Any, sign_in: Any, backend: str) -> None:
    # given a teacher, and someone counting the driver's statements
    teacher = await sign_in(ALTAI, "teacher")
    seen: list[str] = []
    stop = driver.observe(lambda _engine, _conn, sql: seen.append(sql))
    try:
        # when a request is answered
        assert (await teacher.data(SMALL))["viewer"]["login"] == "teacher"
    finally:
        stop()

    # then its lookup was told
    assert len(seen) == 1, seen
    assert all("auth_session" in sql for sql in seen), seen


async def _on_the_driver(db: Any, sign_in: Any) -> tuple[Any, dict[str, Any]]:
    """The engine and a signed-in teacher's lookup parameters."""
    teacher = await sign_in(ALTAI, "teacher")
    assert driver.runs_on_driver(db.engine)
    return db.engine, {"token_hash": token_digest(teacher.token)}


# SQLite's statements run at once on the loop's thread: nothing is cancelled or cut off
# under them, and its connections are files, not server processes.
@pytest.mark.backends("postgresql")
@pytest.mark.parametrize("failure", ["cancelled", "closed"])
async def test_a_connection_failing_under_the_lookup_is_not_handed_out_again(
    db: Any, sign_in: Any, backend: str, failure: str
) -> None:
    engine, params = await _on_the_driver(db, sign_in)
    used: list[Any] = []
    sent = asyncio.Event()

    def note(_engine: Any, conn: Any, _sql: str) -> None:
        used.append(conn)
        sent.set()

    stop = driver.observe(note, engine)
    try:
        # given a lookup whose connection fails under it
        if failure == "cancelled":
            # the request stopped at its time limit while the statement waits (on a lock
            # another transaction holds)
            async with engine.connect() as other:
                await other.exec_driver_sql("LOCK TABLE auth_session IN ACCESS EXCLUSIVE MODE")
                task = asyncio.ensure_future(driver.fetch(engine, _LOOKUP, params))
                await sent.wait()
                await asyncio.sleep(0.05)
                task.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await task
                await other.rollback()
        else:
            # the server gone from under the connection as the statement is sent
            def cut(_engine: Any, conn: Any, _sql: str) -> None:
                conn.terminate()

            stop_cutting = driver.observe(cut, engine)
            try:
                with pytest.raises(DatabaseUnavailable):
                    await driver.fetch(engine, _LOOKUP, params)
            finally:
                stop_cutting()
        failed = used[-1]

        # when the next lookups run
        rows = [await driver.fetch(engine, _LOOKUP, params) for _ in range(3)]
    finally:
        stop()

    # then they succeed, and none of them on the connection that failed
    assert all(rows)
    assert failed.is_closed()
    assert all(conn is not failed for conn in used[-3:])


@pytest.mark.backends("postgresql")
async def test_lookups_beyond_the_pool_leave_no_connection_open(
    db: Any, sign_in: Any, backend: str
) -> None:
    engine, params = await _on_the_driver(db, sign_in)
    pool: Any = engine.sync_engine.pool
    pids: set[int] = set()
    stop = driver.observe(lambda _e, conn, _sql: pids.add(conn.get_server_pid()), engine)
    try:
        # given more lookups at once than the pool keeps (its overflow connections are
        # closed as they come back)
        burst = pool.size() + 2 * max(pool._max_overflow, 1)
        found = await asyncio.gather(*(driver.fetch(engine, _LOOKUP, params) for _ in range(burst)))
    finally:
        stop()
    assert all(found)
    assert len(pids) > pool.size(), "the burst never went beyond the pool"

    # then every connection the pool did not keep is closed on the server too
    async with engine.connect() as conn:
        alive = set(
            (
                await conn.exec_driver_sql(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                )
            ).scalars()
        )
    assert pool.checkedout() == 0
    assert len(pids & alive) <= pool.checkedin(), (pids & alive, pool.checkedin())
