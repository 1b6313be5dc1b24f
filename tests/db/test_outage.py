"""The database going away, through the endpoint: every request that needs it answers
HTTP 503 with ``Retry-After`` and a JSON ``UNAVAILABLE`` error — the session lookup of a
bearer token, a query, a sign-in, a mark — never a text/plain 500; nothing refused is
written; and once the database is back the same service answers again, also when the
database restarted while nobody was asking (the pool's connections were all dead)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from campusgraph.db import sqlite_inline
from tests.conftest import make_settings
from tests.support.client import GraphQLClient, http_client, serving
from tests.support.databases import Database, DatabaseManager
from tests.support.journal import Cell, free_cell

ALTAI = "altai-college-2016"

VIEWER = "query { viewer { login institution { slug } } }"
LOGIN = """
mutation ($input: LoginInput!) { login(input: $input) { token errors { code message } } }
"""
SET_MARK = """
mutation ($input: SetMarkInput!) {
  setMark(input: $input) { mark { value version } errors { code message } }
}
"""


def _mark(cell: Cell, value: str) -> dict[str, Any]:
    return {"input": {"work": cell.work, "student": cell.student, "value": value}}


def _login(login: str = "teacher") -> dict[str, Any]:
    return {"input": {"institution": ALTAI, "login": login, "password": "demo"}}


def assert_unavailable(response: httpx.Response, *, language: str = "ru") -> None:
    """503, a number of seconds to wait, JSON, and only UNAVAILABLE errors."""
    assert response.status_code == 503, (response.status_code, response.text[:500])
    assert response.headers.get("retry-after", "").isdigit(), response.headers
    assert response.headers["content-type"].startswith("application/json"), response.headers
    errors = response.json()["errors"]
    assert errors, response.text
    assert {e["extensions"]["code"] for e in errors} == {"UNAVAILABLE"}, errors
    text = errors[0]["message"]
    if language == "en":
        assert "temporarily unavailable" in text, text
    else:
        assert "временно недоступна" in text, text


class Outage:
    """Takes a test's database away from the running app and gives it back.

    PostgreSQL: the test's own server (``restartable_pg``) is stopped ("fast": sessions end
    with "terminating connection due to administrator command") and started again on the
    same port. SQLite: the file is moved aside and a directory put in its place, and the
    app's pooled connections are dropped, as after a worker restart — every connection
    then fails with "unable to open database file" — and the file is put back."""

    def __init__(self, database: Database, app: Any, restartable: DatabaseManager | None):
        self.database = database
        self.app = app
        self.server = restartable.postgres if restartable is not None else None

    async def begin(self) -> None:
        if self.server is not None:
            # In a thread: the app's loop keeps running meanwhile, as it would in a server
            # (its connections see the server go, as they would).
            await asyncio.to_thread(self.server.halt, "fast")
            return
        path = self._sqlite_path()
        await self.app.state.engine.dispose()
        os.rename(path, path.with_suffix(".aside"))
        path.mkdir()

    async def end(self) -> None:
        if self.server is not None:
            await asyncio.to_thread(self.server.resume)
            return
        path = self._sqlite_path()
        path.rmdir()
        os.rename(path.with_suffix(".aside"), path)

    def _sqlite_path(self) -> Path:
        return Path(self.database.url.removeprefix("sqlite+aiosqlite:///"))


@pytest.fixture
async def running(restartable_db: Database) -> AsyncIterator[Any]:
    from campusgraph.app import create_app

    settings = make_settings(restartable_db, mode="production")
    app = create_app(settings)
    async with serving(app) as asgi:
        yield app, asgi


@pytest.fixture
def outage(
    restartable_db: Database, running: Any, backend: str, request: pytest.FixtureRequest
) -> Outage:
    restartable = request.getfixturevalue("restartable_pg") if backend == "postgresql" else None
    return Outage(restartable_db, running[0], restartable)


async def test_every_request_needing_the_database_answers_503_and_the_service_recovers(
    restartable_db: Database, running: Any, outage: Outage
) -> None:
    # given a signed-in teacher, a free journal cell, and a service that answers
    _app, asgi = running
    cell = await free_cell(restartable_db, ALTAI, "ИС-11", "Математика")
    async with http_client(asgi) as http:
        client = GraphQLClient(http)
        teacher = await client.as_(ALTAI, "teacher")
        assert (await teacher.data(VIEWER))["viewer"]["login"] == "teacher"

        # when the database goes away
        await outage.begin()
        try:
            # then the session lookup of a bearer token, a query, a sign-in, a mark and
            # the health probe all answer 503 + Retry-After + UNAVAILABLE
            assert_unavailable(await teacher.post(VIEWER))
            english = await teacher.post(VIEWER, headers={"Accept-Language": "en"})
            assert_unavailable(english, language="en")
            assert_unavailable(await client.post(LOGIN, _login()))
            assert_unavailable(await teacher.post(SET_MARK, _mark(cell, "2")))
            health = await http.get("/healthz")
            assert health.status_code == 503
            assert health.headers["retry-after"].isdigit()
            # and the outage answer names its request; the process is alive but not
            # ready (readiness is the health probe under its new name)
            outage_answer = await teacher.post(VIEWER)
            [error] = outage_answer.json()["errors"]
            assert error["extensions"]["requestId"] == outage_answer.headers["x-request-id"]
            assert (await http.get("/livez")).status_code == 200
            ready = await http.get("/readyz")
            assert ready.status_code == 503
            assert ready.json() == {"status": "unavailable"}
        finally:
            await outage.end()

        # when it is back, the same service (no restart) answers again
        assert (await http.get("/healthz")).status_code == 200
        assert (await http.get("/readyz")).status_code == 200
        assert (await teacher.data(VIEWER))["viewer"]["institution"]["slug"] == ALTAI
        assert await client.login(ALTAI, "teacher")
        # and the refused mark was never written: the cell is still free (a create with
        # no expected version succeeds at version 1)
        given = (await teacher.data(SET_MARK, _mark(cell, "5")))["setMark"]
        assert given == {"mark": {"value": "5", "version": 1}, "errors": []}


@pytest.mark.backends("postgresql")
async def test_the_first_request_after_an_idle_restart_succeeds(
    restartable_db: Database, running: Any, outage: Outage
) -> None:
    # given a service whose pool holds connections from earlier requests
    _app, asgi = running
    cell = await free_cell(restartable_db, ALTAI, "ИС-11", "Математика")
    async with http_client(asgi) as http:
        teacher = await GraphQLClient(http).as_(ALTAI, "teacher")
        for _ in range(3):
            await teacher.data(VIEWER)

        # when PostgreSQL restarts while nobody asks (every pooled connection dies)
        await outage.begin()
        await outage.end()

        # then the very first request, and the first write, succeed
        first = await teacher.post(VIEWER)
        assert first.status_code == 200, first.text
        assert first.json()["data"]["viewer"]["login"] == "teacher"
        written = (await teacher.data(SET_MARK, _mark(cell, "4")))["setMark"]
        assert written == {"mark": {"value": "4", "version": 1}, "errors": []}


@pytest.mark.backends("sqlite")
async def test_a_write_lock_held_elsewhere_answers_503_not_500_and_reads_go_on(
    restartable_db: Database, running: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given another process holding SQLite's write lock (a CLI import, a backup), and a
    # writer that gives up after half a second instead of thirty
    import sqlite3

    monkeypatch.setattr(sqlite_inline, "WRITE_WAIT_SECONDS", 0.5)
    _app, asgi = running
    cell = await free_cell(restartable_db, ALTAI, "ИС-11", "Математика")
    path = restartable_db.url.removeprefix("sqlite+aiosqlite:///")
    async with http_client(asgi) as http:
        teacher = await GraphQLClient(http).as_(ALTAI, "teacher")
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            # when the teacher gives a mark, then it is refused as unavailable, not lost
            # as an internal error, and reading goes on (WAL readers never wait)
            assert_unavailable(await teacher.post(SET_MARK, _mark(cell, "3")))
            assert (await teacher.data(VIEWER))["viewer"]["login"] == "teacher"
        finally:
            holder.execute("ROLLBACK")
            holder.close()

        # when the lock is released, the same mark is written (nothing was before)
        given = (await teacher.data(SET_MARK, _mark(cell, "3")))["setMark"]
        assert given == {"mark": {"value": "3", "version": 1}, "errors": []}


# -- which failures are an outage -------------------------------------------------------------


def _raised_from(wrapper: type[Exception], orig: BaseException) -> BaseException:
    """``orig`` wrapped as SQLAlchemy wraps a driver error (raised from it)."""
    try:
        try:
            raise orig
        except BaseException as error:
            raise wrapper("SELECT 1", None, error) from error
    except BaseException as wrapped:
        return wrapped


def _pg(name: str, text: str) -> BaseException:
    import asyncpg
    from sqlalchemy import exc as sa_exc

    return _raised_from(sa_exc.DBAPIError, getattr(asyncpg.exceptions, name)(text))


OUTAGES = {
    "PostgreSQL starting up": lambda: _pg("CannotConnectNowError", "the database is starting up"),
    "PostgreSQL shutting down": lambda: _pg("AdminShutdownError", "terminating connection"),
    "PostgreSQL crashed": lambda: _pg("CrashShutdownError", "crash of another server process"),
    "too many connections": lambda: _pg("TooManyConnectionsError", "too many clients already"),
    "connection gone": lambda: _pg("ConnectionDoesNotExistError", "connection was closed"),
    "disk full": lambda: _pg("DiskFullError", "could not extend file"),
}
NOT_OUTAGES = {
    "no such table": lambda: _pg("UndefinedTableError", 'relation "x" does not exist'),
    "unique violation": lambda: _pg("UniqueViolationError", "duplicate key"),
    "serialization failure": lambda: _pg("SerializationError", "could not serialize"),
    "deadlock": lambda: _pg("DeadlockDetectedError", "deadlock detected"),
    "statement timeout": lambda: _pg("QueryCanceledError", "canceling statement"),
    "a missing file": lambda: FileNotFoundError(2, "No such file or directory"),
    "a bare timeout": lambda: TimeoutError(),
}


@pytest.mark.parametrize("case", sorted(OUTAGES))
def test_postgresql_errors_meaning_the_server_is_away_are_outages(case: str) -> None:
    from campusgraph.db.outage import is_unavailable

    assert is_unavailable(OUTAGES[case]())


@pytest.mark.parametrize("case", sorted(NOT_OUTAGES))
def test_errors_a_retry_would_not_cure_are_not_outages(case: str) -> None:
    from campusgraph.db.outage import is_unavailable

    assert not is_unavailable(NOT_OUTAGES[case]())


async def test_sqlite_unopenable_or_locked_is_an_outage_and_a_bad_statement_is_not(
    tmp_path: Path,
) -> None:
    import sqlite3

    from sqlalchemy import text

    from campusgraph.db.engine import create_engine
    from campusgraph.db.outage import is_unavailable

    async def failure(url: str, sql: str) -> BaseException:
        engine = create_engine(url)
        try:
            async with engine.connect() as conn:
                await conn.execute(text(sql))
                await conn.commit()
        except Exception as error:
            return error
        finally:
            await engine.dispose()
        raise AssertionError(f"{sql} on {url} did not fail")

    # a folder where the database file should be: SQLITE_CANTOPEN
    (tmp_path / "folder.db").mkdir()
    assert is_unavailable(await failure(f"sqlite+aiosqlite:///{tmp_path}/folder.db", "SELECT 1"))
    # another process holding the write lock past the writer's patience: SQLITE_BUSY
    path = tmp_path / "held.db"
    sqlite3.connect(path).execute("CREATE TABLE t (x)").connection.commit()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    url = f"sqlite+aiosqlite:///{path}"
    original = sqlite_inline.WRITE_WAIT_SECONDS
    sqlite_inline.WRITE_WAIT_SECONDS = 0.1
    try:
        assert is_unavailable(await failure(url, "INSERT INTO t VALUES (1)"))
    finally:
        sqlite_inline.WRITE_WAIT_SECONDS = original
        holder.execute("ROLLBACK")
        holder.close()
    # a statement the database refuses is a bug, not an outage
    assert not is_unavailable(await failure(url, "SELECT * FROM no_such_table"))
