"""Events, and the session hooks that publish them when (and only when) a write commits.

A write never calls the bus: it *emits* onto its session (``session.info``), and the
hooks below hand what was emitted to the bus the session's factory carries
(``session.info[BUS_KEY]``, set by the app's lifespan). A session without a bus
(the CLI, seeding, migrations, tests without an app) emits into nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import event as sa_event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from campusgraph.db import models as m

if TYPE_CHECKING:
    from campusgraph.live.bus import Bus

#: ``session.info`` key of the bus (set on the app's session factory).
BUS_KEY = "campusgraph.live.bus"
#: ``session.info`` key of the events emitted in the session's transaction.
PENDING_KEY = "campusgraph.live.pending"
#: The kind of the events that tell subscriptions to re-check their session.
SESSION_KIND = "session"


@dataclass(frozen=True, slots=True)
class LiveTable:
    """A table whose writes are published: its model and the policy object its rows are
    read as (the subscriber's re-read goes through that object's read filter)."""

    model: Any
    obj: str


#: Audit ``object_type`` → what is published. One line per live kind.
LIVE_TABLES: dict[str, LiveTable] = {
    "mark": LiveTable(m.Mark, "mark"),
    "attendance": LiveTable(m.Attendance, "attendance"),
    # Read under the announcements' own filter (three audience objects, schema/live.py).
    "announcement": LiveTable(m.Announcement, "announcement"),
    "message": LiveTable(m.Message, "message"),
}


@dataclass(frozen=True, slots=True)
class Event:
    """What changed — never the row itself: a subscriber re-reads it under its own viewer.

    ``kind`` is an audit object type of :data:`LIVE_TABLES` or :data:`SESSION_KIND`;
    ``student`` lets a subscription for one student skip the others without a read;
    ``users`` names the accounts whose sessions were revoked (``session`` events).
    """

    kind: str
    action: str = ""
    institution_id: int | None = None
    id: int | None = None
    student: int | None = None
    users: tuple[int, ...] = field(default=())

    def encode(self) -> str:
        """The NOTIFY payload: a few dozen bytes (PostgreSQL allows 8,000)."""
        body: dict[str, Any] = {"k": self.kind}
        for key, value in (
            ("a", self.action),
            ("i", self.institution_id),
            ("id", self.id),
            ("s", self.student),
        ):
            if value not in (None, ""):
                body[key] = value
        if self.users:
            body["u"] = list(self.users)
        return orjson.dumps(body).decode()

    @classmethod
    def decode(cls, payload: str) -> Event:
        body = orjson.loads(payload)
        return cls(
            kind=str(body["k"]),
            action=str(body.get("a", "")),
            institution_id=body.get("i"),
            id=body.get("id"),
            student=body.get("s"),
            users=tuple(int(u) for u in body.get("u", ())),
        )


def _pending(session: Session) -> list[Event] | None:
    """The session's list of emitted events, or None where no bus listens."""
    if session.info.get(BUS_KEY) is None:
        return None
    pending: list[Event] = session.info.setdefault(PENDING_KEY, [])
    return pending


def emit(
    session: AsyncSession | Session,
    *,
    object_type: str,
    action: str,
    object_id: int | None,
    institution_id: int | None,
    snapshot: dict[str, Any] | None,
) -> None:
    """Called by the audit record of every write: an event for a live table's row,
    published if the transaction commits."""
    if object_type not in LIVE_TABLES:
        return
    sync = session.sync_session if isinstance(session, AsyncSession) else session
    pending = _pending(sync)
    if pending is None:
        return
    student = (snapshot or {}).get("student_id")
    pending.append(
        Event(
            kind=object_type,
            action=action,
            institution_id=institution_id,
            id=object_id,
            student=student if isinstance(student, int) else None,
        )
    )


def emit_sessions(session: AsyncSession | Session, users: Iterable[int]) -> None:
    """Sessions of these accounts were revoked (or the accounts disabled): their open
    subscriptions re-check their token once this transaction commits."""
    sync = session.sync_session if isinstance(session, AsyncSession) else session
    pending = _pending(sync)
    ids = tuple(sorted(set(users)))
    if pending is not None and ids:
        pending.append(Event(kind=SESSION_KIND, users=ids))


def _before_commit(session: Session) -> None:
    pending = session.info.get(PENDING_KEY)
    if pending:
        bus: Bus = session.info[BUS_KEY]
        bus.in_transaction(session, pending)


def _after_commit(session: Session) -> None:
    pending = session.info.pop(PENDING_KEY, None)
    if pending:
        bus: Bus = session.info[BUS_KEY]
        bus.committed(pending)


def _after_rollback(session: Session) -> None:
    session.info.pop(PENDING_KEY, None)


_installed = False


def install() -> None:
    """Hook every ORM session once (idempotent): the hooks cost a dict lookup on sessions
    that emitted nothing."""
    global _installed
    if _installed:
        return
    sa_event.listen(Session, "before_commit", _before_commit)
    sa_event.listen(Session, "after_commit", _after_commit)
    sa_event.listen(Session, "after_rollback", _after_rollback)
    _installed = True
