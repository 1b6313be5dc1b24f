"""Telling "the database cannot be reached" apart from every other failure.

A request that failed because PostgreSQL restarts or SQLite is held by another process is
not a bug of ours and not the client's fault: the client should retry shortly, so it gets
HTTP 503 with ``Retry-After`` and the error code ``UNAVAILABLE`` (see ``campusgraph.app``
and ``schema/errors.py``). Anything else that goes wrong in the database ("no such
table", a constraint) stays an INTERNAL error, so a broken deployment is not hidden
behind "try again later".

What counts, by where it shows:

* SQLAlchemy wraps driver errors in ``OperationalError`` / ``InterfaceError`` /
  ``DBAPIError``; a wrapped error whose connection SQLAlchemy invalidated
  (``connection_invalidated``: asyncpg's "connection is closed") is an outage, and so is
  one whose driver error says so — SQLite's BUSY, LOCKED, CANTOPEN, IOERR and FULL
  result codes (the inline driver's own writer-queue timeout says "database is locked"
  with no code) and PostgreSQL's SQLSTATE classes 08 (connection exception), 53
  (insufficient resources: too many connections, disk full) and 57P01–57P03 (shutdown,
  crash, "the database system is starting up").
* Opening a connection fails before SQLAlchemy wraps anything: asyncpg raises a bare
  ``ConnectionRefusedError`` (an ``OSError``) or ``CannotConnectNowError``. The engine's
  ``do_connect`` hook (``db/engine.py``) turns every failure to connect into
  :class:`DatabaseUnavailable`, so a bare ``OSError`` elsewhere (a file) is never
  mistaken for an outage.
* The pool had no free connection within its timeout (``sqlalchemy.exc.TimeoutError``):
  the database is there but saturated — the client should also come back later.
"""

from __future__ import annotations

import sqlite3

from sqlalchemy import exc as sa_exc

#: Seconds a client is asked to wait before retrying (``Retry-After``): a PostgreSQL
#: restart or a failover takes a few seconds.
RETRY_AFTER_SECONDS = 5

#: SQLite primary result codes (``sqlite_errorcode & 0xFF``) meaning "cannot get at it now".
_SQLITE_UNAVAILABLE = {
    5,  # SQLITE_BUSY: another process holds the lock
    6,  # SQLITE_LOCKED
    10,  # SQLITE_IOERR
    13,  # SQLITE_FULL
    14,  # SQLITE_CANTOPEN
}
_SQLITE_UNAVAILABLE_TEXT = ("database is locked", "database is busy", "unable to open database")

#: PostgreSQL SQLSTATEs (prefixes) meaning the server is not there to answer.
_PG_UNAVAILABLE_PREFIXES = ("08", "53", "57P01", "57P02", "57P03")


class DatabaseUnavailable(Exception):
    """A connection to the database could not be opened (the cause is chained)."""


def _driver_says_unavailable(error: BaseException) -> bool:
    if isinstance(error, sqlite3.Error):
        code = getattr(error, "sqlite_errorcode", None)
        if code is not None:
            return code & 0xFF in _SQLITE_UNAVAILABLE
        text = str(error).lower()
        return any(fragment in text for fragment in _SQLITE_UNAVAILABLE_TEXT)
    sqlstate = getattr(error, "sqlstate", None)
    if isinstance(sqlstate, str) and sqlstate:
        return sqlstate.startswith(_PG_UNAVAILABLE_PREFIXES)
    return False


def _causes(error: BaseException) -> list[BaseException]:
    """The error and what it was raised from or during, without looping."""
    seen: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in seen and len(seen) < 16:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def is_unavailable(error: BaseException) -> bool:
    """Whether ``error`` (or anything it was raised from) means the database cannot be
    reached right now, as opposed to a failure a retry would not cure."""
    for item in _causes(error):
        if isinstance(item, DatabaseUnavailable | sa_exc.TimeoutError):
            return True
        if isinstance(item, sa_exc.DBAPIError) and item.connection_invalidated:
            return True
        # SQLAlchemy raises its wrapper from the driver's error, and asyncpg's adapter
        # from asyncpg's: the chain reaches the error that carries the code.
        if _driver_says_unavailable(item):
            return True
    return False
