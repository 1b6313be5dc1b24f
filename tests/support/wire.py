"""Count what a piece of code exchanges with the database, at the driver.

    with count_wire(db) as wire:
        await client.query(JOURNAL_QUERY, {...})
    assert (wire.statements_sent, wire.round_trips) == (6, 6), str(wire)

``sql_counter`` (sqlcount.py) counts the statements SQLAlchemy hands its cursor; what
costs on PostgreSQL is every message exchange with the server, and SQLAlchemy never sees
some of them: asyncpg's ``BEGIN``/``COMMIT``/``ROLLBACK`` (the dialect starts and ends
transactions by itself), a statement's ``prepare`` (Parse/Describe, one exchange the first
time a connection sees a statement's text), the type introspection a prepare may trigger.

So on PostgreSQL each asyncpg connection's protocol object is wrapped, and every protocol
call that waits for the server's answer is one round trip (``prepare``, ``bind_execute``,
``bind_execute_many``, ``query`` — the simple-query path ``BEGIN``/``COMMIT`` take —,
``close_statement``, cursors' ``bind``/``execute``, ``copy_*``). On SQLite, which has no
server, a "round trip" is one statement the library runs, transaction control included:
``sqlite3``'s trace callback reports each (the ``BEGIN`` the engine's listener sends, the
``ROLLBACK``/``COMMIT`` the module sends at the end).

Connections are wrapped when SQLAlchemy hands one out (``engine_connect``), so those
already in a pool are counted too; they are unwrapped when the block ends.
"""

from __future__ import annotations

import contextlib
import re
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine, make_url

from campusgraph.db.driver import observe as observe_driver
from tests.support.sqlcount import same_database as _same_database

_TRANSACTION = re.compile(
    r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|START\s+TRANSACTION|END)\b", re.IGNORECASE
)
#: asyncpg protocol calls that send messages and wait for the server's answer.
_EXCHANGES = frozenset(
    {
        "prepare",
        "bind_execute",
        "bind_execute_many",
        "bind",
        "execute",
        "query",
        "close_statement",
        "close_portal",
        "copy_in",
        "copy_out",
    }
)


@dataclass
class Wire:
    """What crossed the wire: ``(kind, sql)`` per exchange, in order."""

    exchanges: list[tuple[str, str]] = field(default_factory=list)

    @property
    def round_trips(self) -> int:
        return len(self.exchanges)

    @property
    def prepares(self) -> list[str]:
        """Statements the server was asked to parse (PostgreSQL; none on SQLite)."""
        return [sql for kind, sql in self.exchanges if kind == "prepare"]

    @property
    def transaction_control(self) -> list[str]:
        return [
            sql for kind, sql in self.exchanges if kind != "prepare" and _TRANSACTION.match(sql)
        ]

    @property
    def statements_sent(self) -> int:
        """Statements run (not prepares, not transaction control)."""
        return sum(
            1 for kind, sql in self.exchanges if kind != "prepare" and not _TRANSACTION.match(sql)
        )

    def __str__(self) -> str:
        return "\n".join(
            f"{i + 1:3} {kind:18} {' '.join(sql.split())[:160]}"
            for i, (kind, sql) in enumerate(self.exchanges)
        )


def _sql_of(name: str, args: tuple[Any, ...]) -> str:
    if name == "prepare":
        return str(args[1])
    if name == "query":
        return str(args[0])
    state = args[0] if args else None
    return str(getattr(state, "query", "") or "")


class _CountingProtocol:
    """Stands in for an asyncpg connection's ``_protocol``: counts, then delegates."""

    def __init__(self, inner: Any, wires: list[Wire]) -> None:
        self._inner = inner
        self._wires = wires

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._inner, name)
        if name not in _EXCHANGES:
            return value
        wires = self._wires

        def counted(*args: Any, **kwargs: Any) -> Any:
            sql = _sql_of(name, args)
            for wire in wires:
                wire.exchanges.append((name, sql))
            return value(*args, **kwargs)

        return counted


@contextlib.contextmanager
def count_wire(target: Any) -> Iterator[Wire]:
    """Count exchanges with ``target``'s database (a Database, anything with ``.url``, or
    a URL) from every engine of the process: the app's own included."""
    wanted = make_url(target if isinstance(target, str | URL) else target.url)
    wire = Wire()
    wires = [wire]
    wrapped: weakref.WeakSet[Any] = weakref.WeakSet()
    traced: list[Any] = []

    def wrap(connection: Any) -> None:
        if not isinstance(connection._protocol, _CountingProtocol):
            connection._protocol = _CountingProtocol(connection._protocol, wires)
            wrapped.add(connection)

    def watch(driver_connection: Any) -> None:
        if wanted.get_backend_name() == "postgresql":
            wrap(driver_connection)
            return
        raw = getattr(driver_connection, "_conn", driver_connection)  # sqlite3's, held
        if all(raw is not seen for seen in traced):
            raw.set_trace_callback(lambda sql: wire.exchanges.append(("sqlite", sql)))
            traced.append(raw)

    def on_driver(engine: Engine, connection: Any, _statement: str) -> None:
        # Statements run on the driver's connection itself (campusgraph/db/driver.py), a
        # pooled one SQLAlchemy hands out without ``engine_connect``.
        if _same_database(engine.url, wanted):
            watch(connection)

    def on_connect(conn: Connection) -> None:
        if _same_database(conn.engine.url, wanted):
            watch(conn.connection.driver_connection)

    event.listen(Engine, "engine_connect", on_connect)
    stop_observing = observe_driver(on_driver)
    try:
        yield wire
    finally:
        stop_observing()
        event.remove(Engine, "engine_connect", on_connect)
        wires.clear()
        for driver in list(wrapped):
            if isinstance(driver._protocol, _CountingProtocol):
                driver._protocol = driver._protocol._inner
        for raw in traced:
            with contextlib.suppress(Exception):
                raw.set_trace_callback(None)
