"""Reports read through ``Context.report_session``: off the event loop on SQLite, confined to
the viewer's institutions like every session, and unable to write.

Where a statement runs is seen from SQLite itself: a trace callback on every connection the
app opens records the thread that executes each statement (SQLite calls it on that
thread), and the test's own thread is the event loop's (the app is served in-process).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, func, select, text
from sqlalchemy.exc import OperationalError

from campusgraph.context import Context
from campusgraph.db import models as m
from campusgraph.db.engine import create_engine, create_reader_engine, session_factory
from campusgraph.db.tenancy import ReadOnlySession, TenantScopeMissing, unscoped
from campusgraph.deadline import DEADLINE
from campusgraph.policies.engine import PolicyRegistry
from campusgraph.policies.facts import Viewer
from campusgraph.reports.access import authorize
from campusgraph.reports.of import ReportOf
from campusgraph.resolvers.auth import authenticate
from campusgraph.settings import Settings, get_settings
from tests.support import DEMO_TODAY

REGION = "query { regionReport { slug groups students averageMark absences } }"
PERIODS = "{ viewer { institution { periods { id name } } } }"
COMPLIANCE = """
query ($period: ID!) { institution { compliance(period: $period) { total } } }
"""
EXPORT = """
query ($kind: ListKind!) { exportList(kind: $kind, format: CSV) { rows } }
"""
ALTAI = "altai-college-2016"


class Statements:
    """(thread id, SQL) of every statement run on a connection opened while recording."""

    def __init__(self) -> None:
        self.seen: list[tuple[int, str]] = []

    def threads_of(self, fragment: str) -> set[int]:
        return {thread for thread, sql in self.seen if fragment in sql}

    def clear(self) -> None:
        self.seen.clear()


@pytest.fixture
def statements() -> Iterator[Statements]:
    recorded = Statements()

    def trace(dbapi_conn: Any, _record: Any) -> None:
        raw = getattr(dbapi_conn, "driver_connection", None)
        connection = getattr(raw, "_conn", None)
        if isinstance(connection, sqlite3.Connection):
            connection.set_trace_callback(
                lambda sql: recorded.seen.append((threading.get_ident(), sql))
            )

    event.listen(Engine, "connect", trace)
    try:
        yield recorded
    finally:
        event.remove(Engine, "connect", trace)


def _reports() -> list[tuple[str, str, str, str]]:
    """(name, institution, login, a fragment only the report's own statement holds)."""
    return [
        ("regionReport", "demo-region", "authority", "avg("),
        ("compliance", ALTAI, "deputy_director", "FROM day_off"),
        ("exportList", "tomsk-technikum-2023", "curator", "student_personal.snils"),
    ]


@pytest.mark.backends("sqlite")
@pytest.mark.parametrize(("name", "institution", "login", "fragment"), _reports())
async def test_a_report_runs_its_statements_off_the_event_loop(
    db: Any,
    make_client: Any,
    statements: Statements,
    name: str,
    institution: str,
    login: str,
    fragment: str,
) -> None:
    # given the app on an SQLite file, every statement's thread recorded
    loop_thread = threading.get_ident()
    async with make_client() as anonymous:
        viewer = await anonymous.as_(institution, login)
        variables: dict[str, Any] = {}
        document = {"regionReport": REGION, "compliance": COMPLIANCE, "exportList": EXPORT}[name]
        if name == "compliance":
            periods = (await viewer.data(PERIODS))["viewer"]["institution"]["periods"]
            variables = {"period": next(p["id"] for p in periods if p["name"] == "1 семестр")}
        elif name == "exportList":
            variables = {"kind": "STUDENTS"}
        statements.clear()
        # when the report is asked through the endpoint
        await viewer.data(document, variables)
    # then its own statement ran, and on a thread that is not the loop's …
    threads = statements.threads_of(fragment)
    assert threads, f"no statement with {fragment!r} ran: {statements.seen[:20]}"
    assert loop_thread not in threads
    # … while the request's other statements (the session lookup) ran on the loop's
    assert loop_thread in statements.threads_of("auth_session")


GROUPS = "{ viewer { institution { groups(first: 1) { nodes { id } } } } }"
#: One report of each report module (and the constructor), as the deputy director asks
#: them: each aggregates with GROUP BY, which only a report's own statements do here.
REPORT_DOCUMENTS = {
    "groupResults": "query ($of: ReportOfInput!) { groupResults(of: $of) { __typename } }",
    "attendanceSummarySheet": (
        "query ($of: ReportOfInput!) { attendanceSummarySheet(of: $of) { __typename } }"
    ),
    "journalFilling": "query ($of: ReportOfInput!) { journalFilling(of: $of) { __typename } }",
    "analytics": (
        "query { analytics(measures: [AVERAGE_MARK, ABSENCES], by: [GROUP]) { suppressedCells } }"
    ),
}


@pytest.mark.backends("sqlite")
@pytest.mark.parametrize("name", sorted(REPORT_DOCUMENTS))
async def test_every_report_module_aggregates_off_the_event_loop(
    db: Any, make_client: Any, statements: Statements, name: str
) -> None:
    # given the app on an SQLite file and the deputy director of a college
    loop_thread = threading.get_ident()
    async with make_client() as anonymous:
        deputy = await anonymous.as_(ALTAI, "deputy_director")
        nodes = (await deputy.data(GROUPS))["viewer"]["institution"]["groups"]["nodes"]
        statements.clear()
        # when the report is asked of a group through the endpoint
        answer = await deputy.data(REPORT_DOCUMENTS[name], {"of": {"group": nodes[0]["id"]}})
    # then it answered, and its aggregating statements ran on a thread not the loop's
    assert answer[name] is not None
    threads = statements.threads_of("GROUP BY")
    assert threads, f"{name}: no GROUP BY statement ran: {statements.seen[:20]}"
    assert loop_thread not in threads


@pytest.mark.backends("sqlite")
async def test_the_report_frame_decides_access_off_the_event_loop(
    statements: Statements, db: Any, app: Any, sign_in: Any
) -> None:
    """The frame (``reports.access.authorize``) every report of issue 13 goes through: its
    lookups of the level's rows run on the reader too."""
    # given a deputy director's context as the app builds it, and a group of his college
    deputy = await sign_in(ALTAI, "deputy_director")
    state = app.app.state
    signed = await authenticate(state.factory, deputy.token, today=DEMO_TODAY)
    ctx = Context(
        settings=Settings(database_url=db.url, today=DEMO_TODAY),
        factory=state.factory,
        reader=state.reader,
        registry=state.registry,
        viewer=signed.viewer,
        ruleset_slug=signed.ruleset,
    )
    altai = await _institution(db, ALTAI)
    async with unscoped(db.factory) as session:
        group = await session.scalar(
            select(m.StudyGroup.id).where(m.StudyGroup.institution_id == altai).limit(1)
        )
        period = await session.scalar(
            select(m.Period.id).where(m.Period.institution_id == altai).limit(1)
        )
    loop_thread = threading.get_ident()
    statements.clear()
    # when the frame decides a group report over a period
    access = await authorize(ctx, ReportOf(group_id=group, period_id=period))
    # then it allowed it, and read the group and the period off the loop
    assert access.institution_id == altai
    threads = statements.threads_of("FROM study_group") | statements.threads_of("FROM period")
    assert threads, statements.seen
    assert loop_thread not in threads


def _context(db: Any, institution_id: int, reader: Any) -> Context:
    viewer = Viewer(
        user_id=1,
        session_id=None,
        login="probe",
        institution_ids=(institution_id,),
        institution_id=institution_id,
        region_id=None,
        roles=frozenset({"teacher"}),
        today=DEMO_TODAY,
    )
    return Context(
        settings=get_settings(),
        factory=db.factory,
        reader=reader,
        registry=PolicyRegistry([]),
        viewer=viewer,
        ruleset_slug=ALTAI,
    )


async def _institution(db: Any, slug: str) -> int:
    async with unscoped(db.factory) as session:
        found = await session.execute(select(m.Institution.id).where(m.Institution.slug == slug))
        return int(found.scalar_one())


async def test_a_report_session_is_confined_and_read_only(db: Any) -> None:
    # given the app's reader (SQLite: a second engine; PostgreSQL: none, the ordinary pool)
    reader_engine = create_reader_engine(db.url)
    reader = session_factory(reader_engine) if reader_engine is not None else None
    assert (reader is not None) == (db.backend == "sqlite")
    altai = await _institution(db, ALTAI)
    ctx = _context(db, altai, reader)
    try:
        async with unscoped(db.factory) as session:
            everywhere = await session.scalar(
                select(func.count(func.distinct(m.Student.institution_id)))
            )
        assert (everywhere or 0) > 1  # other institutions have students too
        # when a report session reads students, then only the viewer's institution's come
        async with ctx.report_session() as session:
            seen = set(
                (await session.execute(select(m.Student.institution_id).distinct())).scalars()
            )
        assert seen == {altai}
        # a session of the same factory without a scope fails closed, as session()'s does
        async with (reader or db.factory)() as session:
            with pytest.raises(TenantScopeMissing):
                await session.execute(select(m.Student))
        # and a report session writes nothing: the ORM refuses …
        async with ctx.report_session() as session:
            session.add(m.Department(institution_id=altai, name="Не должно появиться"))
            with pytest.raises(ReadOnlySession):
                await session.flush()
        async with ctx.report_session() as session:
            with pytest.raises(ReadOnlySession):
                await session.execute(
                    m.Department.__table__.update().values(name="x")  # type: ignore[attr-defined]
                )
        if db.backend == "sqlite":
            # … and on SQLite the connection itself is query_only
            async with ctx.report_session() as session:
                with pytest.raises(OperationalError, match="readonly"):
                    await session.execute(text("DELETE FROM department"))
        async with unscoped(db.factory) as session:
            names = await session.scalars(
                select(m.Department.name).where(m.Department.name.in_(["x", "Не должно появиться"]))
            )
            assert names.all() == []
    finally:
        if reader_engine is not None:
            await reader_engine.dispose()


#: Hundreds of millions of steps: minutes of work if nothing stops it.
LONG = text(
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 300000000) "
    "SELECT count(*) FROM c"
)


@pytest.mark.backends("sqlite")
async def test_the_request_deadline_interrupts_a_report_statement_on_its_worker(
    tmp_path: Path,
) -> None:
    # given a reader connection (its statements on a worker thread)
    url = f"sqlite+aiosqlite:///{tmp_path / 'reader.db'}"
    writer = create_engine(url)
    async with writer.begin() as conn:
        await conn.execute(text("CREATE TABLE t (x INTEGER)"))
    reader = create_reader_engine(url)
    assert reader is not None
    try:
        async with reader.connect() as conn:
            # when a long statement runs for a request whose deadline passes meanwhile
            token = DEADLINE.set(time.monotonic() + 0.3)
            try:
                with pytest.raises(OperationalError, match="interrupted"):
                    await conn.execute(LONG)
            finally:
                DEADLINE.reset(token)
            # then it was interrupted, and the connection serves the next request
            await conn.rollback()
            assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar() == 0
    finally:
        await reader.dispose()
        await writer.dispose()
