"""Recording audit events: who, when, from which session, what, before and after."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncSession

from campusgraph.db.models import AuditEvent
from campusgraph.policies.facts import Viewer


def plain(value: Any) -> Any:
    """JSON-safe copy of a column value."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def snapshot(row: Any, columns: tuple[str, ...] | None = None) -> dict[str, Any]:
    names = columns or tuple(c.key for c in row.__table__.columns)
    return {name: plain(getattr(row, name)) for name in names}


_INSERT = insert(cast(Table, AuditEvent.__table__))


async def record(
    session: AsyncSession,
    *,
    viewer: Viewer | None,
    action: str,
    object_type: str,
    object_id: int | None,
    institution_id: int | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    client_mutation_id: str | None = None,
    user_id: int | None = None,
    session_id: int | None = None,
    mutation: str | None = None,
) -> None:
    """``mutation`` names the mutation that wrote the event, when the client named the write
    with a client mutation id (the audit trail says which request did what)."""
    event = {
        "institution_id": institution_id,
        "user_id": viewer.user_id if viewer else user_id,
        "session_id": viewer.session_id if viewer else session_id,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "before": before,
        "after": after,
        "client_mutation_id": client_mutation_id,
        "mutation": mutation if client_mutation_id else None,
    }
    # A Core insert of the table, built once: every write records one, and the ORM's
    # per-statement work bought nothing for a row nobody loads back.
    await (await session.connection()).execute(_INSERT, event)
