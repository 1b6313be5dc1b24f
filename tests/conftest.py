"""Fixtures: every database test runs on SQLite and on a real PostgreSQL, through the real app.

Why copies of a seeded template, not rolled-back transactions
------------------------------------------------------------
The service commits: a mutation opens its own sessions, concurrency tests run 40 writers
that must really commit and really conflict, and the app holds its own engine and pool.
A test wrapped in one outer transaction that is rolled back at the end cannot observe any
of that. So each backend gets one *template* per session — migrated to head with Alembic
and seeded with the demo data (``seed_demo``, "today" = ``DEMO_TODAY``) — and every test
gets its own cheap copy of it: SQLite copies the file (WAL checkpointed, template engine
disposed), PostgreSQL runs ``CREATE DATABASE test_N TEMPLATE campusgraph_template`` (the
template accepts no connections) and drops it with ``WITH (FORCE)`` afterwards. Copy and
removal times are printed at the end of the session.

PostgreSQL is started by the session itself, lazily (only if a PostgreSQL test is
collected and selected): Debian's binaries (``$CAMPUSGRAPH_PG_BIN``, else the newest
``/usr/lib/postgresql/<version>/bin``, else PATH), run as the ``postgres`` OS user when we
are root, in a temporary folder, on 127.0.0.1 at a free port, trust auth, no fsync. If the
binaries are missing, PostgreSQL tests are skipped — except under ``CI=true``, where they
fail, so CI can never pass without PostgreSQL.

Fixtures for tests
------------------
``backend``      "sqlite" / "postgresql"; any test using a database fixture runs on both
                 (restrict with ``@pytest.mark.backends("postgresql")``).
``db``           a private, migrated, seeded database (``Database``: backend, url, engine,
                 factory, name). Commit freely.
``shared_db``    one copy per module and backend, for tests that only read: faster.
``app``          the real Starlette app on ``db``, lifespan running (``RunningApp``).
``client``       an anonymous ``GraphQLClient`` on ``app``.
``sign_in``      ``teacher = await sign_in("altai-college-2016", "teacher")`` → a client
                 signed in as that demo user (password "demo" unless given).
``shared_app`` / ``shared_client`` / ``shared_sign_in``: the same over ``shared_db``.
``make_client``  ``async with make_client(mode="production") as anon:`` — an app with other
                 settings over the test's ``db``.
``sql_counter``  ``with sql_counter() as sql: …; assert sql.count <= 5, str(sql)`` counts
                 statements reaching the test's database from any engine (the app's too).
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import pytest

from campusgraph.settings import Settings, get_settings
from tests.support import BACKENDS, DEMO_TODAY
from tests.support.client import GraphQLClient, http_client, serving
from tests.support.databases import TIMINGS, Database, DatabaseManager
from tests.support.postgres import (
    PostgresServer,
    PostgresUnavailable,
    find_pg_bin,
    make_session_dir,
    where_we_looked,
)
from tests.support.sqlcount import SQLCounter, count_sql

SignIn = Callable[..., Awaitable[GraphQLClient]]


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def _interrupt(signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt(f"received signal {signum}")


#: Cheap Argon2 for everything the tests hash, the demo seed's password hash included
#: (it hashes with ``get_settings()``), so a sign-in verifies in well under 1 ms, not ~150 ms.
TEST_ENVIRONMENT = {
    "CAMPUSGRAPH_ARGON2_TIME_COST": "1",
    "CAMPUSGRAPH_ARGON2_MEMORY_KIB": "64",
    # The command line speaks the locale's language; the tests that read its Russian pin it.
    "CAMPUSGRAPH_LANGUAGE": "ru",
}


def pytest_configure(config: pytest.Config) -> None:
    os.environ.update(TEST_ENVIRONMENT)
    get_settings.cache_clear()
    # A SIGTERM (bin/test's timeout, CI giving up) interrupts like Ctrl-C: pytest reports
    # where it was and the PostgreSQL server is still stopped.
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt)
    config.addinivalue_line(
        "markers",
        "backends(*names): run this database test only on these backends "
        f"(default: all of {', '.join(BACKENDS)})",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" not in metafunc.fixturenames:
        return
    marker = metafunc.definition.get_closest_marker("backends")
    names = tuple(marker.args) if marker else BACKENDS
    unknown = set(names) - set(BACKENDS)
    if unknown:
        raise pytest.UsageError(f"{metafunc.definition.nodeid}: unknown backends {unknown}")
    metafunc.parametrize("backend", names, indirect=True, scope="session")


def pytest_terminal_summary(terminalreporter: Any) -> None:
    lines = TIMINGS.report()
    if lines:
        terminalreporter.section("campusgraph test databases")
        for line in lines:
            terminalreporter.write_line(line)


# -- servers and databases ------------------------------------------------------------------


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    bin_dir = find_pg_bin()
    if bin_dir is None:
        message = (
            f"PostgreSQL server binaries (initdb, pg_ctl, postgres) not found in "
            f"{where_we_looked()}. Install Debian's 'postgresql' package "
            "(bin/test does so itself when run as root)."
        )
        if _in_ci():
            pytest.fail(f"CI=true requires PostgreSQL: {message}", pytrace=False)
        pytest.skip(message)
    server = PostgresServer(bin_dir)
    try:
        server.start()
    except PostgresUnavailable as error:
        server.stop()
        pytest.fail(f"could not start PostgreSQL from {bin_dir}: {error}", pytrace=False)
    TIMINGS.server_start = server.startup_seconds
    TIMINGS.server_version = server.version
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def databases() -> Iterator[DatabaseManager]:
    manager = DatabaseManager(make_session_dir("campusgraph-db-"))
    try:
        yield manager
    finally:
        manager.cleanup()


@pytest.fixture(scope="session")
def backend(request: pytest.FixtureRequest, databases: DatabaseManager) -> str:
    name: str = request.param
    if name == "postgresql" and databases.postgres is None:
        # Requested here, so the server starts only when a PostgreSQL test runs.
        databases.postgres = request.getfixturevalue("pg_server")
    return name


@pytest.fixture
async def db(backend: str, databases: DatabaseManager) -> AsyncIterator[Database]:
    async with databases.clone(backend) as database:
        yield database


@pytest.fixture(scope="module")
async def shared_db(backend: str, databases: DatabaseManager) -> AsyncIterator[Database]:
    """Shared by the module's tests on one backend: read, never write."""
    async with databases.clone(backend) as database:
        yield database


# -- the app and its clients ----------------------------------------------------------------


def make_settings(database: Database, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database.url,
        "mode": "dev",
        "argon2_time_cost": 1,
        "argon2_memory_kib": 64,
        "today": DEMO_TODAY,
        # Tests send many refused documents as one caller on purpose; the pause those
        # earn (penalties.py) is tested on its own, with a low allowance.
        "refusals_free": 1_000_000,
        # A loaded machine (CI's two cores, or a sweep firing its documents at once) must
        # not turn a slow answer into TIMEOUT: the time limit is tested on its own, low.
        "request_timeout_seconds": 300.0,
        # An app per test: a full collection at each start (~0.5 s here) would add minutes.
        "freeze_start_up": False,
    }
    values.update(overrides)
    return Settings(**values)


@contextlib.asynccontextmanager
async def _running_app(database: Database, **overrides: Any) -> AsyncIterator[Any]:
    from campusgraph.app import create_app

    app = create_app(make_settings(database, **overrides))
    async with serving(app) as running:
        yield running


@contextlib.asynccontextmanager
async def _client(running: Any) -> AsyncIterator[GraphQLClient]:
    async with http_client(running) as http:
        yield GraphQLClient(http)


@pytest.fixture
async def app(db: Database) -> AsyncIterator[Any]:
    async with _running_app(db) as running:
        yield running


@pytest.fixture
async def client(app: Any) -> AsyncIterator[GraphQLClient]:
    async with _client(app) as anonymous:
        yield anonymous


@pytest.fixture
def sign_in(client: GraphQLClient) -> SignIn:
    return client.as_


@pytest.fixture
def make_client(
    db: Database,
) -> Callable[..., contextlib.AbstractAsyncContextManager[GraphQLClient]]:
    @contextlib.asynccontextmanager
    async def make(**settings: Any) -> AsyncIterator[GraphQLClient]:
        async with _running_app(db, **settings) as running, _client(running) as anonymous:
            yield anonymous

    return make


@pytest.fixture(scope="module")
async def shared_app(shared_db: Database) -> AsyncIterator[Any]:
    async with _running_app(shared_db) as running:
        yield running


@pytest.fixture(scope="module")
async def shared_client(shared_app: Any) -> AsyncIterator[GraphQLClient]:
    async with _client(shared_app) as anonymous:
        yield anonymous


@pytest.fixture(scope="module")
def shared_sign_in(shared_client: GraphQLClient) -> SignIn:
    return shared_client.as_


@pytest.fixture
def sql_counter(
    request: pytest.FixtureRequest,
) -> Callable[..., contextlib.AbstractContextManager[SQLCounter]]:
    """``sql_counter()`` counts on the test's ``db`` (or ``shared_db``); pass an engine,
    URL or Database to count elsewhere."""

    def counter(
        target: Any = None, **options: Any
    ) -> contextlib.AbstractContextManager[SQLCounter]:
        if target is None:
            for name in ("db", "shared_db"):
                if name in request.fixturenames:
                    target = request.getfixturevalue(name)
                    break
        return count_sql(target, **options)

    return counter


# -- a database the test may take away --------------------------------------------------------


@pytest.fixture(scope="session")
def restartable_pg() -> Iterator[DatabaseManager]:
    """A second PostgreSQL server of the session's own, with its own seeded template, for
    tests that stop and restart the server (outages, faults under load). The shared
    ``pg_server`` serves every other test and is never stopped."""
    bin_dir = find_pg_bin()
    if bin_dir is None:
        message = f"PostgreSQL server binaries not found in {where_we_looked()}"
        if _in_ci():
            pytest.fail(f"CI=true requires PostgreSQL: {message}", pytrace=False)
        pytest.skip(message)
    server = PostgresServer(bin_dir)
    try:
        server.start()
    except PostgresUnavailable as error:
        server.stop()
        pytest.fail(f"could not start PostgreSQL from {bin_dir}: {error}", pytrace=False)
    manager = DatabaseManager(make_session_dir("campusgraph-restartable-"))
    manager.postgres = server
    try:
        yield manager
    finally:
        manager.cleanup()
        server.stop()


@pytest.fixture
async def restartable_db(
    backend: str, databases: DatabaseManager, request: pytest.FixtureRequest
) -> AsyncIterator[Database]:
    """Like ``db``, on a server the test may stop (``restartable_pg``); a SQLite copy is a
    file of the test's own anyway. A test that stops the server starts it again."""
    manager = databases
    if backend == "postgresql":
        manager = request.getfixturevalue("restartable_pg")
        await manager.copy_template_from(databases)
    async with manager.clone(backend) as database:
        yield database
