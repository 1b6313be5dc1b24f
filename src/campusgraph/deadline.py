"""The running request's deadline, where a long database statement can see it.

On SQLite the statements run on the event loop's own thread (db/sqlite_inline.py): while
one runs, nothing else does, so an asyncio timeout cannot interrupt it. SQLite's progress
handler can: it reads this deadline every few thousand virtual-machine instructions and
aborts the statement once it has passed. The endpoint sets it per request; tasks the
request starts (graphql-core gathers resolvers) inherit it with their context.
"""

from __future__ import annotations

import time
from contextvars import ContextVar

#: ``time.monotonic()`` after which the current request's statements are interrupted.
DEADLINE: ContextVar[float | None] = ContextVar("campusgraph_deadline", default=None)


def passed() -> bool:
    deadline = DEADLINE.get()
    return deadline is not None and time.monotonic() > deadline


def interrupt_sqlite() -> int:
    """SQLite's progress handler: non-zero aborts the running statement."""
    return 1 if passed() else 0
