"""What a request exchanges with the database: statements, round trips, prepares.

On PostgreSQL every exchange with the server is a round trip — BEGIN and ROLLBACK
included, and the Parse/Describe of a statement a connection has not seen (asyncpg
prepares each statement once per connection). Counted at the driver (tests/support/wire.py);
on SQLite, every statement the library runs, transaction control included.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import func, select, update

from campusgraph.db import models as m
from campusgraph.db.base import utcnow
from campusgraph.db.tenancy import ReadOnlySession, scoped, unscoped
from campusgraph.observability.metrics import SQL_STATEMENTS
from tests.resolvers.test_journal_read import JOURNAL, _teacher_journal_ids
from tests.support.client import LOGIN
from tests.support.wire import Wire, count_wire

SMALL = "query { viewer { login roles { name } } }"
REGION = "query { viewer { login } institutions { slug } }"
ALTAI = "altai-college-2016"
SIGN_IN = {"input": {"institution": ALTAI, "login": "teacher", "password": "demo"}}

#: (statements, round trips) of one warm request. PostgreSQL: no BEGIN/ROLLBACK around
#: reads, nothing prepared again; SQLite: a read session's BEGIN and ROLLBACK are calls
#: on the loop's thread (kept: they give the journal's selects one snapshot). The journal on
#: PostgreSQL: the lookup, and the header's row with its four row sets (as JSON) in one.
#: Sign-in: the blocked-check read (1), the attempt counted in its own short write
#: (insert, lock, update), the realm and account read (1), the session row, the last
#: sign-in and the audit event written in one transaction, the new viewer's lookup (1).
EXPECTED = {
    ("postgresql", "journal"): (2, 2),
    ("postgresql", "small"): (1, 1),
    ("postgresql", "region"): (2, 2),
    ("postgresql", "sign-in"): (10, 14),
    ("sqlite", "journal"): (6, 8),
    ("sqlite", "small"): (1, 1),
    ("sqlite", "region"): (2, 4),
    ("sqlite", "sign-in"): (10, 14),
}


async def _twice(db: Any, request: Callable[[], Awaitable[Any]]) -> Wire:
    """The second of two identical requests (the first warms the connection)."""
    await request()
    with count_wire(db) as wire:
        await request()
    return wire


async def test_a_warm_request_makes_no_transaction_round_trips_and_prepares_nothing(
    db: Any, client: Any, sign_in: Any, backend: str
) -> None:
    # given a teacher, the region's authority and their warm connections
    teacher = await sign_in(ALTAI, "teacher")
    authority = await sign_in("demo-region", "authority")
    ids = await _teacher_journal_ids(teacher)
    requests: dict[str, Callable[[], Awaitable[Any]]] = {
        "journal": lambda: teacher.data(JOURNAL, ids),
        "small": lambda: teacher.data(SMALL),
        "region": lambda: authority.data(REGION),
        "sign-in": lambda: client.query(LOGIN, SIGN_IN, token=""),
    }

    # when each is asked again
    seen = {name: await _twice(db, request) for name, request in requests.items()}

    # then each costs what its statements need, and no statement is prepared again
    counts = {name: (w.statements_sent, w.round_trips) for name, w in seen.items()}
    expected = {name: EXPECTED[(backend, name)] for name in requests}
    assert counts == expected, "\n\n".join(f"{n}:\n{w}" for n, w in seen.items())
    for name, wire in seen.items():
        assert wire.prepares == [], f"{name} prepared again:\n{wire}"
    # and the reads open no transaction on PostgreSQL
    if backend == "postgresql":
        for name in ("journal", "small", "region"):
            assert seen[name].transaction_control == [], f"{name}:\n{seen[name]}"


async def test_the_tenant_stays_a_bound_parameter_so_other_viewers_reuse_the_statements(
    db: Any, sign_in: Any
) -> None:
    # given the teacher's journal asked once, and the director of the same college
    teacher = await sign_in(ALTAI, "teacher")
    director = await sign_in(ALTAI, "director")
    ids = await _teacher_journal_ids(teacher)
    await teacher.data(JOURNAL, ids)
    await director.data(SMALL)

    # when another signed-in viewer asks a small query
    with count_wire(db) as wire:
        await director.data(SMALL)
        await teacher.data(SMALL)

    # then the lookup is the same text for both: nothing is prepared, nothing inlined
    assert wire.prepares == [], str(wire)
    assert wire.statements_sent == 2, str(wire)


async def test_a_revoked_session_fails_on_the_very_next_request(db: Any, sign_in: Any) -> None:
    # given a teacher whose warm requests succeed
    teacher = await sign_in(ALTAI, "teacher")
    assert (await teacher.data(SMALL))["viewer"]["login"] == "teacher"
    assert (await teacher.data(SMALL))["viewer"]["login"] == "teacher"

    # when the session is revoked behind the app's back
    async with unscoped(db.factory, write=True) as session:
        await session.execute(update(m.AuthSession).values(revoked_at=utcnow()))
        await session.commit()

    # then the very next request is refused
    payload = await teacher.query(SMALL)
    assert payload["data"] is None
    assert payload["errors"][0]["extensions"]["reason"] == "TOKEN_REVOKED"


async def test_a_disabled_account_fails_on_the_very_next_request(db: Any, sign_in: Any) -> None:
    # given a teacher whose warm requests succeed (the lookup's driver form compiled)
    teacher = await sign_in(ALTAI, "teacher")
    assert (await teacher.data(SMALL))["viewer"]["login"] == "teacher"
    assert (await teacher.data(SMALL))["viewer"]["login"] == "teacher"

    # when the account is disabled behind the app's back (the session itself is intact)
    async with unscoped(db.factory, write=True) as session:
        await session.execute(
            update(m.UserAccount)
            .where(m.UserAccount.login == "teacher")
            .values(disabled_at=utcnow() - dt.timedelta(seconds=1))
        )
        await session.commit()

    # then the very next request is refused
    payload = await teacher.query(SMALL)
    assert payload["data"] is None
    assert payload["errors"][0]["extensions"]["reason"] == "ACCOUNT_DISABLED"


async def test_the_session_lookup_is_seen_by_statement_listeners(
    backend: str, sign_in: Any, sql_counter: Any
) -> None:
    # given a warm teacher (the lookup runs on the cursor, past SQLAlchemy's result path)
    teacher = await sign_in(ALTAI, "teacher")
    await teacher.data(SMALL)
    metric = SQL_STATEMENTS.labels(backend)
    before = metric._value.get()

    # when the small query runs
    with sql_counter() as counted:
        await teacher.data(SMALL)

    # then its one statement, the lookup, is counted by the tests' listener and the metric
    assert counted.count == 1, str(counted)
    assert "auth_session" in counted.statements[0]
    assert metric._value.get() - before == 1


async def test_a_read_session_refuses_to_write(db: Any) -> None:
    # given a request's read session (autocommit on PostgreSQL)
    async with scoped(db.factory, (1,)) as session:
        # when it is asked to change rows, then it refuses before anything runs
        with pytest.raises(ReadOnlySession):
            await session.execute(update(m.Lesson).values(topic="x"))
        group = (await session.execute(select(m.StudyGroup).limit(1))).scalar_one()
        group.name = "renamed"
        with pytest.raises(ReadOnlySession):
            await session.flush()


@pytest.mark.backends("postgresql")
async def test_a_report_session_reads_one_snapshot(db: Any) -> None:
    # given a report session that has counted the marks once
    async with scoped(db.factory, (1,), read_only=True) as report:
        before = (await report.execute(select(func.count(m.Mark.id)))).scalar_one()

        # when another session deletes a mark and commits meanwhile
        async with scoped(db.factory, (1,), write=True) as writer:
            mark = (await writer.execute(select(m.Mark).limit(1))).scalar_one()
            await writer.delete(mark)
            await writer.commit()

        # then the report still reads the snapshot it began with
        again = (await report.execute(select(func.count(m.Mark.id)))).scalar_one()
    assert again == before
    async with scoped(db.factory, (1,)) as reader:
        after = (await reader.execute(select(func.count(m.Mark.id)))).scalar_one()
    assert after == before - 1
