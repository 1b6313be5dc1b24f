"""The test machinery itself: both backends are real, migrated, seeded, private per test,
and confined by the tenant filter exactly as the service is."""

from __future__ import annotations

import asyncio
import gc
import os
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import StatementError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from campusgraph.db.enums import InstitutionKind
from campusgraph.db.migrate import alembic_config
from campusgraph.db.models import Department, Institution, Region, UserAccount
from campusgraph.db.tenancy import (
    TENANT_PARAM,
    TENANTS_PARAM,
    TenantScopeMissing,
    confined,
    confined_rows,
    scoped,
    unscoped,
)
from tests.support.client import GraphQLClient, http_client, serving
from tests.support.databases import Database, DatabaseManager
from tests.support.sqlcount import count_sql

REPO = Path(__file__).resolve().parents[1]


async def _two_institutions(database: Database) -> tuple[int, int, int, int]:
    """Two institutions of our own with one department each: (a, b, dept_a, dept_b)."""
    async with unscoped(database.factory, write=True) as session:
        region = Region(slug="infra-test-region", name="Infra test region")
        session.add(region)
        await session.flush()
        a, b = (
            Institution(
                region_id=region.id,
                slug=f"infra-test-{letter}",
                name=f"Infra test {letter}",
                short_name=letter.upper(),
                kind=InstitutionKind.COLLEGE,
                ruleset="base",
            )
            for letter in "ab"
        )
        session.add_all([a, b])
        await session.flush()
        dept_a = Department(institution_id=a.id, name="Infra dept A")
        dept_b = Department(institution_id=b.id, name="Infra dept B")
        session.add_all([dept_a, dept_b])
        await session.commit()
        return a.id, b.id, dept_a.id, dept_b.id


def _owner(path: Path) -> str:
    return path.owner()


# -- migrations and seed --------------------------------------------------------------------


async def test_migrated_to_head(shared_db: Database) -> None:
    head = ScriptDirectory.from_config(alembic_config(shared_db.url)).get_current_head()
    async with shared_db.engine.connect() as conn:
        current = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar()
    assert current == head


async def test_demo_seed_is_there(shared_db: Database) -> None:
    async with unscoped(shared_db.factory) as session:
        institutions = await session.scalar(select(func.count()).select_from(Institution))
        accounts = await session.scalar(select(func.count()).select_from(UserAccount))
    assert (institutions or 0) >= 2
    assert (accounts or 0) > 0


# -- tenancy on both backends ---------------------------------------------------------------


async def test_scoped_session_sees_only_its_institution(db: Database) -> None:
    a, b, dept_a, dept_b = await _two_institutions(db)
    names = ["Infra dept A", "Infra dept B"]

    async with scoped(db.factory, (a,)) as session:
        seen = await session.scalars(select(Department.name).where(Department.name.in_(names)))
        assert seen.all() == ["Infra dept A"]
        assert await session.get(Department, dept_b) is None
        assert (await session.get(Department, dept_a)) is not None

    async with scoped(db.factory, (a,), write=True) as session:
        result: Any = await session.execute(
            update(Department).where(Department.id == dept_b).values(name="taken over")
        )
        assert result.rowcount == 0
        await session.commit()

    async with scoped(db.factory, (a, b)) as session:
        seen = await session.scalars(
            select(Department.name).where(Department.id.in_([dept_a, dept_b])).order_by("name")
        )
        assert seen.all() == names


async def test_kept_statements_take_the_scope_from_the_session(db: Database) -> None:
    """A statement confined once and kept (the journal's) is bound to the session's scope
    at every execution: a value the caller passes under the tenant parameter's name is
    overwritten, and a statement confined for one institution, run in a session of two,
    fails instead of running unconfined."""
    a, b, _dept_a, _dept_b = await _two_institutions(db)
    names = ["Infra dept A", "Infra dept B"]
    kept = confined(select(Department.name).where(Department.name.in_(names)), (a,))

    async with scoped(db.factory, (a,)) as session:
        assert (await session.scalars(kept)).all() == ["Infra dept A"]
        smuggled = {TENANT_PARAM: b, TENANTS_PARAM: [a, b]}
        assert (await session.scalars(kept, smuggled)).all() == ["Infra dept A"]
    async with scoped(db.factory, (b,)) as session:
        assert (await session.scalars(kept)).all() == ["Infra dept B"]
    async with scoped(db.factory, (a, b)) as session:
        with pytest.raises(StatementError):
            await session.scalars(kept)


async def test_one_statement_run_in_many_scopes(db: Database) -> None:
    """A statement built once and run by sessions of different scopes (the hook keeps its
    confined form per statement) sees each session's own institutions."""
    a, b, _dept_a, _dept_b = await _two_institutions(db)
    kept = select(Department.name).where(Department.name.in_(["Infra dept A", "Infra dept B"]))
    for scope, expected in (
        ((a,), ["Infra dept A"]),
        ((b,), ["Infra dept B"]),
        ((a, b), ["Infra dept A", "Infra dept B"]),
        ((a,), ["Infra dept A"]),
    ):
        async with scoped(db.factory, scope) as session:
            assert sorted((await session.scalars(kept)).all()) == expected, scope


async def test_core_rows_of_kept_statements_are_confined(db: Database) -> None:
    """The journal's column selects run as Core (no ORM hook): still only the session's
    institution, and a statement built without the tenant criteria is refused."""
    a, b, _dept_a, _dept_b = await _two_institutions(db)
    names = ["Infra dept A", "Infra dept B"]
    plain = select(Department.name).where(Department.name.in_(names))

    async with scoped(db.factory, (b,)) as session:
        rows = await confined_rows(session, confined(plain, (a,)), {})
        assert [row[0] for row in rows] == ["Infra dept B"]
        with pytest.raises(TenantScopeMissing):
            await confined_rows(session, plain, {})
    async with unscoped(db.factory) as session:
        with pytest.raises(TenantScopeMissing):
            await confined_rows(session, confined(plain, (a,)), {})


async def test_unscoped_access_is_refused(db: Database) -> None:
    async with db.factory() as session:
        with pytest.raises(TenantScopeMissing):
            await session.execute(select(Department))
        # Tables that are not tenant rows stay readable (sign-in needs them).
        assert await session.scalar(select(func.count()).select_from(Institution))


# -- copies are private and commits are real ------------------------------------------------


async def test_copies_are_private(backend: str, databases: DatabaseManager) -> None:
    async with databases.clone(backend) as first, databases.clone(backend) as second:
        assert first.url != second.url
        await _two_institutions(first)
        for database, expected in ((first, 1), (second, 0)):
            async with unscoped(database.factory) as session:
                count = await session.scalar(
                    select(func.count())
                    .select_from(Region)
                    .where(Region.slug == "infra-test-region")
                )
            assert count == expected, database.name


async def test_forty_concurrent_writers_commit(db: Database) -> None:
    a, _, _, _ = await _two_institutions(db)

    async def writer(n: int) -> None:
        async with scoped(db.factory, (a,), write=True) as session:
            session.add(Department(institution_id=a, name=f"Concurrent {n}"))
            await session.commit()

    await asyncio.gather(*(writer(n) for n in range(40)))
    async with scoped(db.factory, (a,)) as session:
        count = await session.scalar(
            select(func.count()).select_from(Department).where(Department.name.like("Concurrent %"))
        )
    assert count == 40


# -- SQL statement counting -----------------------------------------------------------------


async def test_sql_counter_counts_statements_on_the_database(
    db: Database, sql_counter: Any
) -> None:
    a, _, _, _ = await _two_institutions(db)
    with sql_counter() as sql:
        async with scoped(db.factory, (a,)) as session:
            await session.scalars(select(Department))
            await session.scalar(select(func.count()).select_from(Department))
    assert sql.count == 2, str(sql)
    assert len(sql.selects) == 2
    with count_sql(db.engine, transaction_control=True) as sql:
        async with scoped(db.factory, (a,), write=True) as session:
            session.add(Department(institution_id=a, name="Counted"))
            await session.commit()
    assert any(s.upper().startswith("INSERT") for s in sql.statements), str(sql)


# -- backend specifics ----------------------------------------------------------------------


@pytest.mark.backends("postgresql")
async def test_postgres_server_is_private_and_fast(db: Database) -> None:
    async with db.engine.connect() as conn:

        async def show(name: str) -> str:
            return str((await conn.execute(text(f"SHOW {name}"))).scalar())

        assert await show("listen_addresses") == "127.0.0.1"
        assert await show("fsync") == "off"
        assert await show("synchronous_commit") == "off"
        assert await show("full_page_writes") == "off"
        data_dir = Path(await show("data_directory"))
        socket_dir = Path(await show("unix_socket_directories"))
        assert socket_dir.parent == data_dir.parent
        assert data_dir.parent.name.startswith("campusgraph-pg-")
        assert await show("server_encoding") == "UTF8"
        if os.geteuid() == 0:
            assert _owner(data_dir) == "postgres"


@pytest.mark.backends("sqlite")
async def test_sqlite_copy_is_wal_with_foreign_keys(db: Database) -> None:
    async with db.engine.connect() as conn:
        assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
        assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar() == 1


# -- the in-process client ------------------------------------------------------------------


async def test_client_runs_lifespan_and_sends_the_token() -> None:
    events: list[str] = []

    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, str]]:
        events.append("startup")
        yield {"greeting": "hello"}
        events.append("shutdown")

    async def graphql(request: Request) -> JSONResponse:
        body = await request.json()
        return JSONResponse(
            {
                "data": {
                    "authorization": request.headers.get("authorization"),
                    "greeting": request.state.greeting,
                    "variables": body.get("variables"),
                }
            }
        )

    from contextlib import asynccontextmanager

    app = Starlette(
        routes=[Route("/graphql", graphql, methods=["POST"])],
        lifespan=asynccontextmanager(lifespan),
    )
    async with serving(app) as running, http_client(running) as http:
        assert events == ["startup"]
        anonymous = GraphQLClient(http)
        data = await anonymous.data("{ x }", {"a": 1})
        assert data == {"authorization": None, "greeting": "hello", "variables": {"a": 1}}
        signed = GraphQLClient(http, token="t0k")
        assert (await signed.data("{ x }"))["authorization"] == "Bearer t0k"
        assert (await signed.data("{ x }", token="other"))["authorization"] == "Bearer other"
    assert events == ["startup", "shutdown"]


async def test_demo_user_signs_in_through_the_real_app(
    sign_in: Any, client: GraphQLClient, sql_counter: Any
) -> None:
    teacher = await sign_in("altai-college-2016", "teacher")
    assert teacher.token
    assert client.token is None
    assert (await teacher.data("{ __typename }")) == {"__typename": "Query"}
    # The counter sees the app's own engine (it matches on the database, not the engine).
    with sql_counter() as sql:
        data = await teacher.data("{ viewer { roles { name } } }")
    assert {"name": "teacher"} in data["viewer"]["roles"]
    assert sql.count >= 1, str(sql)
    anonymous = await client.query("{ viewer { roles { name } } }")
    assert anonymous.get("errors") or anonymous["data"]["viewer"] is None


# -- PostgreSQL is required in CI -----------------------------------------------------------


async def test_start_up_is_frozen_out_of_the_collector_while_the_app_runs(
    make_client: Any,
) -> None:
    # given the app started: what start-up built lives as long as the process, and a
    # full collection would walk it every time (bench.profile summary: 160 ms each)
    async with make_client(freeze_start_up=True) as client:
        # when it answers a request
        assert (await client.data("{ __typename }")) == {"__typename": "Query"}
        # then start-up's objects are out of the collector's walks
        assert gc.get_freeze_count() > 0
    # and shutdown gives them back, so a process of many apps can collect an old one
    assert gc.get_freeze_count() == 0


def _pytest_without_postgres(ci: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CI": ci, "CAMPUSGRAPH_PG_BIN": "/nonexistent"}
    node = "tests/test_infrastructure.py::test_postgres_server_is_private_and_fast"
    with tempfile.TemporaryDirectory() as tmp:
        return subprocess.run(
            [sys.executable, "-m", "pytest", node, "-p", "no:cacheprovider", "--basetemp", tmp],
            cwd=REPO,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )


@pytest.mark.slow
def test_missing_postgres_fails_in_ci_and_skips_elsewhere() -> None:
    in_ci = _pytest_without_postgres("true")
    assert in_ci.returncode == 1, in_ci.stdout + in_ci.stderr
    assert "CI=true requires PostgreSQL" in in_ci.stdout
    assert "1 error" in in_ci.stdout

    local = _pytest_without_postgres("")
    assert local.returncode == 0, local.stdout + local.stderr
    assert "1 skipped" in local.stdout
    assert "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found" in local.stdout
