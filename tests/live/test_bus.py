"""The bus's fan-out on its own: an event reaches its institution's listeners only, a
session event the named accounts' only, and the NOTIFY payload round-trips."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import Date, String

from campusgraph.live.bus import CLOSED, LocalBus
from campusgraph.live.events import LIVE_TABLES, SESSION_KIND, Event


def test_an_event_reaches_its_own_institutions_listeners_only() -> None:
    # given: listeners of two institutions
    bus = LocalBus(queue_size=4)
    ours, theirs = bus.listen(1, user_id=10), bus.listen(2, user_id=20)
    # when: a mark of institution 1 and a revocation of user 20 are delivered
    bus.committed([Event("mark", "create", 1, id=5, student=7), Event(SESSION_KIND, users=(20,))])
    # then: each got exactly its own
    assert ours.queue.get_nowait() == Event("mark", "create", 1, id=5, student=7)
    assert ours.queue.empty()
    assert theirs.queue.get_nowait() == Event(SESSION_KIND, users=(20,))
    assert theirs.queue.empty()
    ours.close()
    theirs.close()
    assert bus.listeners == 0


def test_a_listener_that_falls_behind_is_ended_not_grown() -> None:
    bus = LocalBus(queue_size=2)
    slow = bus.listen(1, user_id=10)
    bus.committed([Event("mark", "update", 1, id=n) for n in range(3)])
    assert slow.queue.get_nowait() is CLOSED
    slow.close()
    assert bus.listeners == 0


def test_the_payload_round_trips_and_stays_small() -> None:
    event = Event("attendance", "update", 3, id=123456, student=98765)
    assert Event.decode(event.encode()) == event
    assert len(event.encode()) < 80
    revoked = Event(SESSION_KIND, users=(1, 2))
    assert Event.decode(revoked.encode()) == revoked


def _widest(column: Any) -> Any:
    """The longest JSON a column's value can make (a role's name of Cyrillic letters)."""
    if isinstance(column.type, String):
        return "я" * (column.type.length or 255)
    if isinstance(column.type, Date):
        return dt.date.max.isoformat()
    return 2**63 - 1


@pytest.mark.parametrize("kind", sorted(LIVE_TABLES))
def test_a_deleted_rows_anchors_round_trip_well_under_notifys_limit(kind: str) -> None:
    # given: a deletion event with every anchor at its widest
    table = LIVE_TABLES[kind]
    columns = table.model.__table__.columns
    anchors = tuple((c, _widest(columns[c])) for c in table.anchor_columns)
    event = Event(kind, "delete", 2**63 - 1, id=2**63 - 1, student=2**63 - 1, anchors=anchors)
    # then: it round-trips, in a small fraction of PostgreSQL's 8,000 bytes
    assert Event.decode(event.encode()) == event
    assert len(event.encode().encode()) < 1000
