"""Events, and the session hooks that publish them when (and only when) a write commits.

A write never calls the bus: it *emits* onto its session (``session.info``), and the
hooks below hand what was emitted to the bus the session's factory carries
(``session.info[BUS_KEY]``, set by the app's lifespan). A session without a bus
(the CLI, seeding, migrations, tests without an app) emits into nothing.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import Column
from sqlalchemy import event as sa_event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session
from sqlalchemy.sql import visitors

from campusgraph.db import models as m
from campusgraph.policies.anchors import anchors_for

if TYPE_CHECKING:
    from campusgraph.live.bus import Bus

#: ``session.info`` key of the bus (set on the app's session factory).
BUS_KEY = "campusgraph.live.bus"
#: ``session.info`` key of the events emitted in the session's transaction.
PENDING_KEY = "campusgraph.live.pending"
#: The kind of the events that tell subscriptions to re-check their session.
SESSION_KIND = "session"
#: The action of a deleted row's event.
DELETE = "delete"

log = logging.getLogger("campusgraph.live")


@dataclass(frozen=True, slots=True)
class LiveTable:
    """A table whose writes are published: its model and the policy object its rows are
    read as (the subscriber's re-read goes through that object's read filter).

    ``objects`` are every policy object a row of the table may be read as (an
    announcement: one per audience); their anchors are what a deleted row's event carries,
    since no re-read can find the row any more.
    """

    model: Any
    obj: str
    objects: tuple[str, ...] = ()

    @property
    def anchor_columns(self) -> tuple[str, ...]:
        return _anchor_columns(self.model, self.objects or (self.obj,))


@functools.cache
def _anchor_columns(model: Any, objects: tuple[str, ...]) -> tuple[str, ...]:
    """The table's own columns the objects' anchors are made of (a column inside an
    anchor's subquery too: a message's recipient), in table order."""
    table = model.__table__
    found: set[str] = set()
    for obj in objects:
        anchors = anchors_for(obj)
        for name in anchors.__dataclass_fields__:
            value = getattr(anchors, name)
            clause = getattr(value, "expression", None)
            if clause is None:
                continue  # not an expression: ``student_in`` (no live table has one)
            for element in visitors.iterate(clause):
                if isinstance(element, Column) and element.table is table:
                    found.add(element.key)
    return tuple(c.key for c in table.columns if c.key in found)


#: Audit ``object_type`` → what is published. One line per live kind.
LIVE_TABLES: dict[str, LiveTable] = {
    "mark": LiveTable(m.Mark, "mark"),
    "attendance": LiveTable(m.Attendance, "attendance"),
    # Read under the announcements' own filter (three audience objects, schema/live.py).
    "announcement": LiveTable(
        m.Announcement,
        "announcement",
        ("announcement", "announcement.department", "announcement.role"),
    ),
    "message": LiveTable(m.Message, "message"),
}


@dataclass(frozen=True, slots=True)
class Event:
    """What changed — never the row itself: a subscriber re-reads it under its own viewer.

    ``kind`` is an audit object type of :data:`LIVE_TABLES` or :data:`SESSION_KIND`;
    ``student`` lets a subscription for one student skip the others without a read;
    ``users`` names the accounts whose sessions were revoked (``session`` events);
    ``anchors`` are a deleted row's anchor columns (:attr:`LiveTable.anchor_columns`, as
    the audit snapshot has them): what a subscriber's read filter is evaluated on, the row
    being gone.
    """

    kind: str
    action: str = ""
    institution_id: int | None = None
    id: int | None = None
    student: int | None = None
    users: tuple[int, ...] = field(default=())
    anchors: tuple[tuple[str, Any], ...] = field(default=())

    def encode(self) -> str:
        """The NOTIFY payload: a few dozen bytes, a deleted row's anchors a few dozen more
        (ids, a date, a role's name; PostgreSQL allows 8,000)."""
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
        if self.anchors:
            body["r"] = dict(self.anchors)
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
            anchors=tuple(dict(body.get("r", {})).items()),
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
    snap = snapshot or {}
    student = snap.get("student_id")
    anchors: tuple[tuple[str, Any], ...] = ()
    if action == DELETE:
        anchors = _deleted_anchors(object_type, snap, institution_id)
        if not anchors:
            return
    pending.append(
        Event(
            kind=object_type,
            action=action,
            institution_id=institution_id,
            id=object_id,
            student=student if isinstance(student, int) else None,
            anchors=anchors,
        )
    )


def _deleted_anchors(
    object_type: str, snapshot: dict[str, Any], institution_id: int | None
) -> tuple[tuple[str, Any], ...]:
    """The anchor columns of a deleted row, from the audit's snapshot of it. A snapshot
    that lacks one cannot be decided on: nothing is published (no subscriber hears of a
    row nobody can tell he may read) and the writer's omission is logged."""
    values = {"institution_id": institution_id, **snapshot}
    columns = LIVE_TABLES[object_type].anchor_columns
    missing = [c for c in columns if c not in values]
    if missing:
        log.error(
            "a deleted %s was not published: its audit snapshot lacks %s",
            object_type,
            ", ".join(missing),
        )
        return ()
    return tuple((c, values[c]) for c in columns)


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
