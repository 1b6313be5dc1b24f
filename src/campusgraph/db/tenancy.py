"""The one place where every ORM statement is confined to the caller's institutions.

A session carries its scope in ``session.info["institutions"]`` (a tuple of ids, from the
authenticated session only). Every ORM-enabled SELECT, UPDATE and DELETE touching a
tenant-owned table gets ``institution_id = :scope`` (``IN`` for several) added here, the
value bound from the session at every execution. A session with no scope refuses to run
such statements, unless it was opened as ``unscoped`` (migrations, demo seeding, sign-in
lookups) — so a forgotten scope fails closed, never open. The few column selects run as
Core for speed go through :func:`confined_rows`, and the loaders' selects run on the
driver's connection (asyncpg's, SQLite's inline adapter) through :func:`confined_values`:
both refuse any statement not built with the criteria and bind the same scope.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from sqlalchemy import Row, bindparam, event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from campusgraph.db import driver
from campusgraph.db.base import TenantMixin

SCOPE_KEY = "institutions"
UNSCOPED_KEY = "unscoped"
#: Execution option that makes SQLite take the write lock at BEGIN (BEGIN IMMEDIATE), so
#: concurrent writers queue on the busy timeout instead of deadlocking on lock upgrade.
WRITE_OPTION = "campusgraph_write"
#: Execution option for a connection that runs one SELECT and nothing else (the session
#: lookup): SQLite needs no BEGIN for it, a statement is its own snapshot.
SINGLE_READ_OPTION = "campusgraph_single_read"
#: ``session.info`` key of a report session (``Context.report_session``): it may only read.
READ_ONLY_KEY = "read_only"
#: ``session.info`` key of a request's ordinary read session (``Context.session()``
#: without ``write``): on PostgreSQL it runs outside any transaction, so it may not write.
READ_KEY = "read"


class TenantScopeMissing(RuntimeError):
    """A tenant-owned table was queried from a session that has no institution scope."""


class ReadOnlySession(RuntimeError):
    """A report session (read-only) was asked to change rows."""


class ReadBinds(NamedTuple):
    """Where a PostgreSQL factory's read sessions run (see :func:`register_read_binds`)."""

    reads: AsyncEngine
    reports: AsyncEngine


_READ_BINDS: weakref.WeakKeyDictionary[async_sessionmaker[AsyncSession], ReadBinds] = (
    weakref.WeakKeyDictionary()
)


def register_read_binds(factory: async_sessionmaker[AsyncSession], binds: ReadBinds) -> None:
    """Give ``factory``'s read sessions their own binds (``engine.session_factory`` does,
    on PostgreSQL): the same pool, other connection settings."""
    _READ_BINDS[factory] = binds


def single_read_options(engine: AsyncEngine | Any) -> dict[str, Any]:
    """Execution options of a connection that runs one SELECT and nothing else: no BEGIN
    on SQLite (the engine's listener skips it), autocommit on PostgreSQL (asyncpg would
    send BEGIN and ROLLBACK around it: two round trips for nothing — one statement is its
    own snapshot)."""
    if engine.dialect.name == "postgresql":
        return {SINGLE_READ_OPTION: True, "isolation_level": "AUTOCOMMIT"}
    return {SINGLE_READ_OPTION: True}


def scoped(
    factory: async_sessionmaker[AsyncSession],
    institutions: tuple[int, ...],
    *,
    write: bool = False,
    read_only: bool = False,
) -> AsyncSession:
    """A session confined to ``institutions``; ``write`` for sessions that will change rows,
    ``read_only`` for sessions that must not (reports: refused here on both backends, and
    on SQLite their connections are ``query_only`` too).

    A session opened without ``write`` only reads as well, and a write in it is refused
    (``ReadOnlySession``): on PostgreSQL it runs in autocommit (``register_read_binds``),
    where a write would commit statement by statement."""
    options = {WRITE_OPTION: True} if write else {}
    info: dict[str, Any] = {SCOPE_KEY: institutions}
    if read_only:
        info[READ_ONLY_KEY] = True
    elif not write:
        info[READ_KEY] = True
    binds = None if write else _READ_BINDS.get(factory)
    if binds is not None:
        bind = binds.reports if read_only else binds.reads
        return factory(bind=bind, info=info, execution_options=options)
    return factory(info=info, execution_options=options)


def unscoped(
    factory: async_sessionmaker[AsyncSession], *, write: bool = False, read: bool = False
) -> AsyncSession:
    """For sign-in, migrations and seeding only: no tenant criteria are added. ``read``:
    a session whose statements need no common snapshot (sign-in's one lookup), so it
    opens no transaction on either backend, and refuses to write."""
    options = {WRITE_OPTION: True} if write else {}
    info: dict[str, Any] = {UNSCOPED_KEY: True}
    binds = _READ_BINDS.get(factory) if read and not write else None
    if read and not write:
        info[READ_KEY] = True
        options = {SINGLE_READ_OPTION: True}
    if binds is not None:
        return factory(bind=binds.reads, info=info, execution_options=options)
    return factory(info=info, execution_options=options)


#: The scope travels as a bound parameter, not baked into the criteria: a criteria lambda
#: that closes over the ids is re-inspected at every execution (SQLAlchemy re-extracts
#: closure values and matches them to the cached statement's binds by ``==``, which on
#: ORM-annotated binds builds a SQL expression per comparison — a tenth of the journal's
#: time). With the value in the parameters the criteria are one constant per shape.
TENANT_PARAM = "campusgraph_tenant"
TENANTS_PARAM = "campusgraph_tenants"
_TENANT: Any = bindparam(TENANT_PARAM)
_TENANTS: Any = bindparam(TENANTS_PARAM, expanding=True)
_ONE = with_loader_criteria(
    TenantMixin, lambda cls: cls.institution_id == _TENANT, include_aliases=True
)
_MANY = with_loader_criteria(
    TenantMixin, lambda cls: cls.institution_id.in_(_TENANTS), include_aliases=True
)


def _criteria(institutions: tuple[int, ...]) -> Any:
    return _ONE if len(institutions) == 1 else _MANY


def _scope_parameters(institutions: tuple[int, ...]) -> dict[str, Any]:
    if len(institutions) == 1:
        return {TENANT_PARAM: institutions[0]}
    return {TENANTS_PARAM: list(institutions)}


#: Each statement with the criteria added, while the statement lives: a statement built
#: once and run again (the write paths') then keeps one confined form, whose cache key
#: SQLAlchemy derives once, instead of a new object — and a new key — per execution.
_CONFINED: weakref.WeakKeyDictionary[Any, tuple[Any, Any]] = weakref.WeakKeyDictionary()


def _reads_only(info: Mapping[str, Any]) -> bool:
    return bool(info.get(READ_ONLY_KEY) or info.get(READ_KEY))


def _add_tenant_criteria(state: ORMExecuteState) -> None:
    if _reads_only(state.session.info) and (state.is_insert or state.is_update or state.is_delete):
        raise ReadOnlySession("a read session only reads: open it with write=True")
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if state.is_column_load or state.is_relationship_load:
        return
    info = state.session.info
    if info.get(UNSCOPED_KEY):
        return
    institutions: tuple[int, ...] | None = info.get(SCOPE_KEY)
    if institutions is None:
        if any(
            isinstance(m.class_, type) and issubclass(m.class_, TenantMixin)
            for m in state.all_mappers
        ):
            raise TenantScopeMissing("a tenant table was queried without an institution scope")
        return
    criteria = _criteria(institutions)
    statement = state.statement
    if criteria not in statement._with_options:  # else built confined (see confined())
        kept = _CONFINED.get(statement)
        if kept is None or kept[0] is not criteria:
            kept = (criteria, statement.options(criteria))
            _CONFINED[statement] = kept
        state.statement = kept[1]
    # The values always come from the session's scope, never from the caller: a statement
    # confined for one institution run in a session of several finds its parameter
    # missing and fails, it does not run unconfined.
    scope = _scope_parameters(institutions)
    params = state.parameters
    if params is None or isinstance(params, Mapping):
        state.parameters = {**(params or {}), **scope}
    else:
        state.parameters = [{**p, **scope} for p in params]


def confined(statement: Any, institutions: tuple[int, ...]) -> Any:
    """``statement`` with the tenant criteria already in it, for statements built once and
    kept (the hook above then only binds the session's scope, and the statement stays the
    same object, so SQLAlchemy need not derive a new cache key for every execution)."""
    return statement.options(_criteria(institutions))


async def confined_rows(
    session: AsyncSession, statement: Any, params: Mapping[str, Any]
) -> Sequence[Row[Any] | tuple[Any, ...]]:
    """The rows of a kept, :func:`confined` column select, run as Core on the session's
    connection: the ORM's per-statement and per-row work (a fifth of the journal's time)
    buys nothing for plain columns. The tenant criteria are compiled into the statement
    already; this refuses a statement without them (Core execution has no hook to add
    them) and binds the session's own scope, as the hook does. On SQLite the statement
    runs on the inline adapter's connection itself (``driver.values_inline``), in the
    session's transaction, and its rows are tuples."""
    bound = _confined_parameters(statement, params, session.info.get(SCOPE_KEY))
    connection = await session.connection()
    found = await driver.values_inline(connection, statement, bound)
    if found is not None:
        return found
    result = await connection.execute(statement, bound)
    return result.all()


def driver_reads(factory: async_sessionmaker[AsyncSession]) -> AsyncEngine | None:
    """The engine ``factory``'s read sessions run on, where a statement can run on the
    driver's connection itself (``db/driver.py``: asyncpg's, or SQLite's inline adapter);
    None elsewhere."""
    binds = _READ_BINDS.get(factory)
    engine: AsyncEngine | None = binds.reads if binds is not None else factory.kw.get("bind")
    return engine if engine is not None and driver.runs_on_driver(engine) else None


async def confined_values(
    engine: AsyncEngine,
    statement: Any,
    params: Mapping[str, Any],
    institutions: tuple[int, ...],
) -> list[tuple[Any, ...]]:
    """The records of a kept, :func:`confined` select, run on the driver's connection
    (``engine`` from :func:`driver_reads`): each a tuple of its columns' values. As
    :func:`confined_rows`, it refuses a statement built without the tenant criteria and
    binds the scope given (the caller's session's), never the caller's own values."""
    bound = _confined_parameters(statement, params, institutions)
    return await driver.fetch_values(engine, statement, bound)


def _confined_parameters(
    statement: Any, params: Mapping[str, Any], institutions: tuple[int, ...] | None
) -> dict[str, Any]:
    """``params`` with the scope's values bound over the caller's, for a statement built
    with the scope's criteria; anything else is refused (nothing would add them)."""
    if institutions is None or _criteria(institutions) not in statement._with_options:
        raise TenantScopeMissing("a kept statement without the session's tenant criteria")
    return {**params, **_scope_parameters(institutions)}


class TenantSession(Session):
    """The sync session class behind every AsyncSession of the service."""


def _refuse_flush(session: Session, _context: Any, _instances: Any) -> None:
    if _reads_only(session.info) and (session.new or session.dirty or session.deleted):
        raise ReadOnlySession("a read session only reads: open it with write=True")


event.listen(TenantSession, "do_orm_execute", _add_tenant_criteria)
event.listen(TenantSession, "before_flush", _refuse_flush)
