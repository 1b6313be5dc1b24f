"""Count the SQL statements a piece of code sends to the database.

    with count_sql(db) as sql:
        await client.query(JOURNAL_QUERY, {...})
    assert sql.count <= 6, sql.statements

Given a :class:`~tests.support.databases.Database` or a URL, every engine of the process
that talks to that database is counted — the app's own engine included, which the test
never sees. Given an engine, only that engine is. Transaction control (BEGIN, COMMIT,
SAVEPOINT …) is left out by default: SQLite sends BEGIN as a statement, asyncpg does not,
so counts would otherwise differ between backends.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from campusgraph.db import driver

_TRANSACTION_CONTROL = re.compile(
    r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|START\s+TRANSACTION|END)\b", re.IGNORECASE
)


@dataclass
class SQLCounter:
    statements: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.statements)

    @property
    def selects(self) -> list[str]:
        return [s for s in self.statements if re.match(r"\s*(WITH|SELECT)\b", s, re.IGNORECASE)]

    def __len__(self) -> int:
        return len(self.statements)

    def __str__(self) -> str:
        return "\n".join(f"{i + 1:3}: {s}" for i, s in enumerate(self.statements))


def same_database(a: URL, b: URL) -> bool:
    """Whether two URLs name the same database (whatever driver or credentials)."""
    return (a.get_backend_name(), a.host, a.port, a.database) == (
        b.get_backend_name(),
        b.host,
        b.port,
        b.database,
    )


@contextlib.contextmanager
def count_sql(target: Any = None, *, transaction_control: bool = False) -> Iterator[SQLCounter]:
    """Count statements on ``target``: a Database (anything with ``.url``), a URL string,
    an (Async)Engine, or None for every engine of the process."""
    counter = SQLCounter()
    listen_on: Any = Engine
    wanted: URL | None = None
    if isinstance(target, AsyncEngine):
        listen_on = target.sync_engine
    elif isinstance(target, Engine):
        listen_on = target
    elif isinstance(target, str | URL):
        wanted = make_url(target)
    elif target is not None:
        wanted = make_url(target.url)

    def before_cursor_execute(
        conn: Connection,
        _cursor: Any,
        statement: str,
        _parameters: Any,
        _context: Any,
        _executemany: bool,
    ) -> None:
        if wanted is not None and not same_database(conn.engine.url, wanted):
            return
        if not transaction_control and _TRANSACTION_CONTROL.match(statement):
            return
        counter.statements.append(" ".join(statement.split()))

    def on_driver(engine: Engine, _connection: Any, statement: str) -> None:
        # The session lookup runs on asyncpg itself (campusgraph/db/driver.py).
        if listen_on is not Engine and engine is not listen_on:
            return
        if wanted is not None and not same_database(engine.url, wanted):
            return
        counter.statements.append(" ".join(statement.split()))

    event.listen(listen_on, "before_cursor_execute", before_cursor_execute)
    stop_observing = driver.observe(on_driver)
    try:
        yield counter
    finally:
        stop_observing()
        event.remove(listen_on, "before_cursor_execute", before_cursor_execute)
