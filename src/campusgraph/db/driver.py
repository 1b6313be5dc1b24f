"""SELECTs on the driver's own connection: the session lookup every request starts with, a
loader's batch (``resolvers/loaders.py``) and, on SQLite, the journal's kept selects.

Every authenticated request on PostgreSQL runs the session lookup first, one statement.
Through SQLAlchemy's ``Connection`` it cost 0.29 ms of CPU — 40 % of a small request's —
of which running the statement on the driver was 0.1 ms: the rest was SQLAlchemy's
execution machinery around one prebuilt statement (connection and execution-context
objects, the compiled cache's lookup, bind and result processing through its ``Row``).
Here the statement is compiled once per dialect and run on the pool's connection with
``AsyncEngine.raw_connection()`` and asyncpg's ``fetch`` (its own prepared-statement cache
keeps the statement prepared across requests, as SQLAlchemy's does).

What the SQLAlchemy path guaranteed still holds:

- the same pool, the same connection: checked out and back in by the pool, with its
  ``checkout`` listeners (``engine._survive_restarts`` drops connections the server
  closed) and no transaction (a single statement is its own snapshot, as
  ``tenancy.single_read_options`` has it);
- the same values: each column through its type's result processor for the dialect
  (``UTCDateTime`` answers UTC whatever the server's zone), the parameters through the
  statement's own compiled parameters (literal binds included);
- a connection that fails or is cancelled mid-statement is invalidated (closed, never
  handed out again), and a lost connection is an outage (:class:`DatabaseUnavailable`,
  HTTP 503), as SQLAlchemy's invalidation made it;
- whoever counts statements still sees it: SQLAlchemy's statement events do not fire for a
  statement it does not run, so counters subscribe here too (:func:`observe`; the
  ``/metrics`` statement counter and the tests' counters do).
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Engine, Select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.util import greenlet_spawn

from campusgraph.db.outage import DatabaseUnavailable
from campusgraph.db.sqlite_inline import INLINE_ENGINES, InlineConnection

#: Told of each statement before it is sent: (engine, the driver's connection — asyncpg's
#: or SQLite's inline adapter — and the SQL).
Observer = Callable[[Engine, Any, str], None]

_EVERY_ENGINE: list[Observer] = []
_BY_ENGINE: weakref.WeakKeyDictionary[Engine, list[Observer]] = weakref.WeakKeyDictionary()


def observe(observer: Observer, engine: AsyncEngine | None = None) -> Callable[[], None]:
    """Tell ``observer`` of every statement run here on ``engine`` (or on any engine);
    returns what stops it. An engine's observers go with the engine."""
    listeners = _EVERY_ENGINE if engine is None else _BY_ENGINE.setdefault(engine.sync_engine, [])
    listeners.append(observer)

    def stop() -> None:
        if observer in listeners:
            listeners.remove(observer)

    return stop


def runs_on_driver(engine: AsyncEngine) -> bool:
    """Whether :func:`fetch` serves this engine: PostgreSQL through asyncpg, and SQLite on
    the loop's thread (``db/sqlite_inline.py``), whose adapter runs a statement at once —
    SQLAlchemy's execution around it cost as much as SQLite's answer. Elsewhere the caller
    keeps SQLAlchemy's path."""
    dialect = engine.dialect
    if dialect.name == "sqlite":
        return engine.sync_engine in INLINE_ENGINES
    return dialect.name == "postgresql" and dialect.driver == "asyncpg"


@dataclass(frozen=True, slots=True)
class DriverStatement:
    """A statement as its dialect's SQL, its parameters' order and each column's name and
    result processor: compiled once, run many times."""

    sql: str
    order: tuple[str, ...]
    fixed: Mapping[str, Any]
    binders: tuple[Callable[[Any], Any] | None, ...]
    columns: tuple[str, ...]
    #: Each column's type for the dialect, whose result processor may depend on the type
    #: the server answers with (a ``Numeric`` on asyncpg): resolved at the first run.
    types: tuple[Any, ...]
    #: An expanded parameter's name → (the expanding bind's name, index in its list).
    expanded: Mapping[str, tuple[str, int]]
    #: The columns' result processors and the (index, processor) of those that have one,
    #: once known (see :meth:`resolve`).
    resolved: list[tuple[tuple[Any, ...], tuple[tuple[int, Callable[[Any], Any]], ...]]]

    @classmethod
    def compile(
        cls, stmt: Select[Any], engine: AsyncEngine, params: Mapping[str, Any]
    ) -> DriverStatement:
        dialect = engine.dialect
        # Literal-execute binds (the separator of string_agg) and expanding ones (a
        # loader's ``IN`` over its batch of keys) rendered in place, which SQLAlchemy does
        # only given the parameters; the others stay placeholders. An expanding bind's
        # values become ``name_1 … name_n``: one form per batch length (see _compiled).
        compiled = stmt.params(**params).compile(
            dialect=dialect, compile_kwargs={"render_postcompile": True}
        )
        order = tuple(compiled.positiontup or ())
        columns = tuple(stmt.selected_columns.keys())
        types = tuple(column.type.dialect_impl(dialect) for column in stmt.selected_columns)
        expanded = {
            name: (source, int(index) - 1)
            for name in order
            if name not in compiled.binds
            for source, _, index in [name.rpartition("_")]
            if source in compiled.binds and compiled.binds[source].expanding
        }
        # Binds with a value of their own (a constant in the statement; a policy's list of
        # ids is an expanding bind with its values, not a parameter).
        fixed = {
            name: compiled.binds[name].effective_value
            for name in order
            if name not in params and name not in expanded
        }
        source_of = {name: source for name, (source, _) in expanded.items()}
        for name, (source, index) in list(expanded.items()):
            if source not in params:
                fixed[name] = cast("list[Any]", compiled.binds[source].effective_value)[index]
                del expanded[name]
        binders = tuple(
            compiled.binds[source_of.get(name, name)]
            .type.dialect_impl(dialect)
            .bind_processor(dialect)
            for name in order
        )
        return cls(compiled.string, order, fixed, binders, columns, types, expanded, [])

    @property
    def processors(self) -> tuple[Callable[[Any], Any] | None, ...]:
        return self.resolved[0][0]

    def resolve(self, dialect: Any, type_codes: Sequence[Any] | None = None) -> None:
        """Each column's result processor for the type the server answers with (what
        SQLAlchemy reads from the cursor's description; SQLite has none), and which columns
        have one."""
        codes = type_codes if type_codes is not None else [None] * len(self.types)
        processors = tuple(
            kind.result_processor(dialect, code)
            for kind, code in zip(self.types, codes, strict=True)
        )
        active = tuple((i, process) for i, process in enumerate(processors) if process is not None)
        self.resolved[:] = [(processors, active)]

    def arguments(self, params: Mapping[str, Any]) -> list[Any]:
        values = {**self.fixed, **params}
        for name, (source, index) in self.expanded.items():
            values[name] = params[source][index]
        return [
            bind(values[name]) if bind is not None else values[name]
            for name, bind in zip(self.order, self.binders, strict=True)
        ]

    def mappings(self, records: Sequence[Any]) -> list[dict[str, Any]]:
        named = tuple(zip(self.columns, self.processors, strict=True))
        return [
            {
                key: process(value) if process is not None and value is not None else value
                for (key, process), value in zip(named, record, strict=True)
            }
            for record in records
        ]

    def values(self, records: Sequence[Any]) -> list[tuple[Any, ...]]:
        """Each record as a tuple in the select's column order (names may repeat: an
        entity select's ``id`` of each table). Only the columns with a processor (a date
        on SQLite, an enum) are touched: the journal's 700 records of five columns were
        a generator step per value, the most of the journal's remaining Python."""
        active = self.resolved[0][1]
        if not active:
            return [tuple(record) for record in records]
        found: list[tuple[Any, ...]] = []
        for record in records:
            row = list(record)
            for index, process in active:
                value = row[index]
                if value is not None:
                    row[index] = process(value)
            found.append(tuple(row))
        return found


def _release(pooled: Any, failed: BaseException | None) -> None:
    if failed is not None:
        pooled.invalidate(failed if isinstance(failed, Exception) else None)
    pooled.close()


#: Each engine's compiled statements, by statement object (held weakly on both sides: an
#: id could be reused once a statement is gone), then by the lengths of the lists bound to
#: it (an expanding ``IN`` renders one placeholder per value).
_COMPILED: weakref.WeakKeyDictionary[
    Engine, weakref.WeakKeyDictionary[Any, dict[tuple[int, ...], DriverStatement]]
] = weakref.WeakKeyDictionary()
#: Forms kept per statement: one per batch length seen, up to this many (a loader's batch
#: is as long as a page of parents at most; beyond it the form is compiled and not kept).
FORMS_PER_STATEMENT = 128


def _compiled(engine: AsyncEngine, stmt: Select[Any], params: Mapping[str, Any]) -> DriverStatement:
    kept = _COMPILED.setdefault(engine.sync_engine, weakref.WeakKeyDictionary())
    forms = kept.get(stmt)
    if forms is None:
        forms = kept[stmt] = {}
    lengths = tuple(len(v) for v in params.values() if isinstance(v, list | tuple))
    found = forms.get(lengths)
    if found is None:
        found = DriverStatement.compile(stmt, engine, params)
        if len(forms) < FORMS_PER_STATEMENT:
            forms[lengths] = found
    return found


async def fetch(
    engine: AsyncEngine, stmt: Select[Any], params: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """The rows of ``stmt`` (best built once: its SQL is compiled once) as mappings of column name
    to value, run on a pooled connection of ``engine`` outside any transaction."""
    form = _compiled(engine, stmt, params)
    return form.mappings(await _records(engine, form, params))


async def fetch_values(
    engine: AsyncEngine, stmt: Select[Any], params: Mapping[str, Any]
) -> list[tuple[Any, ...]]:
    """As :func:`fetch`, each row a tuple of its columns' values in the select's order."""
    form = _compiled(engine, stmt, params)
    return form.values(await _records(engine, form, params))


async def values_inline(
    connection: AsyncConnection, stmt: Select[Any], params: Mapping[str, Any]
) -> list[tuple[Any, ...]] | None:
    """As :func:`fetch_values`, on an SQLite session's own connection, inside its
    transaction: the inline adapter (``db/sqlite_inline.py``) runs the statement on the
    loop's thread, where SQLAlchemy's execution around it (its connection, context, result
    and rows) cost as much as SQLite did. None where the connection is not the inline
    adapter's; the caller keeps SQLAlchemy's path."""
    raw = await connection.get_raw_connection()
    inline = raw.driver_connection
    if not isinstance(inline, InlineConnection):
        return None
    engine = connection.engine
    form = _compiled(engine, stmt, params)
    return form.values(await _run_inline(engine, inline, form, form.arguments(params)))


def _tell(engine: AsyncEngine, connection: Any, sql: str) -> None:
    sync = engine.sync_engine
    for observer in (*_EVERY_ENGINE, *_BY_ENGINE.get(sync, ())):
        observer(sync, connection, sql)


async def _run_inline(
    engine: AsyncEngine, inline: InlineConnection, form: DriverStatement, arguments: list[Any]
) -> list[Any]:
    """The statement's records on SQLite's inline connection (no type codes to resolve)."""
    _tell(engine, inline, form.sql)
    if not form.resolved:
        form.resolve(engine.dialect)
    cursor = await inline.execute(form.sql, arguments)
    return await cursor.fetchall()


async def _records(engine: AsyncEngine, form: DriverStatement, params: Mapping[str, Any]) -> Any:
    arguments = form.arguments(params)
    pooled = await engine.raw_connection()
    connection: Any = pooled.driver_connection
    failed: BaseException | None = None
    try:
        if isinstance(connection, InlineConnection):
            # One SELECT outside any transaction: its own snapshot, as on PostgreSQL.
            return await _run_inline(engine, connection, form, arguments)
        _tell(engine, connection, form.sql)
        if not form.resolved:
            prepared = await connection.prepare(form.sql)
            form.resolve(engine.dialect, [a.type.oid for a in prepared.get_attributes()])
            return await prepared.fetch(*arguments)
        return await connection.fetch(form.sql, *arguments)
    except (asyncio.CancelledError, OSError) as error:
        # Cancelled mid-statement (the request's time limit) or cut off: whatever the
        # connection was doing, it is not handed out again.
        failed = error
        if isinstance(error, OSError):
            raise DatabaseUnavailable(f"the database connection failed: {error}") from error
        raise
    except Exception as error:
        if not isinstance(connection, InlineConnection) and connection.is_closed():
            failed = error
            raise DatabaseUnavailable(f"the database connection closed: {error}") from error
        raise
    finally:
        # Back to the pool inside SQLAlchemy's greenlet: the pool may close the connection
        # there (an overflow connection, an invalidated one), which awaits the driver.
        await asyncio.shield(greenlet_spawn(_release, pooled, failed))
