"""Recording audit events: who, when, from which session, what, before and after — and
showing them back with global ids and logins where the rows hold internal numbers."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncSession

from campusgraph import live
from campusgraph.db.base import Base
from campusgraph.db.models import AuditEvent
from campusgraph.ids import to_global_id
from campusgraph.policies.anchors import OBJECT_MODELS
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
    # The one place live updates are emitted from: an audit event of a live table is
    # published to subscriptions if (and when) this transaction commits.
    live.emit(
        session,
        object_type=object_type,
        action=action,
        object_id=object_id,
        institution_id=institution_id,
        snapshot=after if after is not None else before,
    )


# -------------------------------------------------------------------------------------
# Reading the trail back: references as global ids and logins, never internal numbers
# -------------------------------------------------------------------------------------

#: Tables whose GraphQL type is not their name in PascalCase.
TYPE_OF_TABLE: dict[str, str] = {"study_group": "Group"}
#: Users: their columns (``author_user_id`` …) carry no foreign key — a journal row
#: outlives the account that wrote it — and a reader knows a user by his login.
USER_TABLE = "user_account"
#: References the schema declares no foreign key for, by (table, column).
UNDECLARED: dict[tuple[str, str], str] = {("department", "head_employee_id"): "employee"}


def type_of_table(table: str) -> str:
    """The type name a table's rows have in global ids (``final_mark`` → ``FinalMark``)."""
    return TYPE_OF_TABLE.get(table) or "".join(part.title() for part in table.split("_"))


def table_of(object_type: str) -> Table | None:
    """The table an audit event's object type names (``timetable`` → ``timetable_entry``)."""
    model = OBJECT_MODELS.get(object_type)
    if model is not None:
        return cast(Table, model.__table__)
    return Base.metadata.tables.get(object_type)


def references(table: Table) -> dict[str, str]:
    """Column → the table it points at: every foreign key, every ``*_user_id`` and the
    references declared without a key (:data:`UNDECLARED`)."""
    out: dict[str, str] = {}
    for column in table.columns:
        for fk in column.foreign_keys:
            out[column.key] = fk.column.table.name
        if column.key.endswith("_user_id") and column.key not in out:
            out[column.key] = USER_TABLE
        if (table.name, column.key) in UNDECLARED:
            out[column.key] = UNDECLARED[(table.name, column.key)]
    return out


def reference_name(column: str) -> str:
    """How a reference is named to a reader: the column without ``_user_id`` / ``_id``."""
    for suffix in ("_user_id", "_id"):
        if column.endswith(suffix):
            return column[: -len(suffix)]
    return column


def user_ids(object_type: str, *snapshots: dict[str, Any] | None) -> set[int]:
    """The users a snapshot names (to look their logins up in one statement)."""
    table = table_of(object_type)
    if table is None:
        return set()
    user_columns = [c for c, target in references(table).items() if target == USER_TABLE]
    return {
        value
        for snap in snapshots
        if snap
        for c in user_columns
        if isinstance(value := snap.get(c), int)
    }


def readable(
    object_type: str, snapshot: dict[str, Any] | None, logins: dict[int, str]
) -> dict[str, Any] | None:
    """A snapshot as a reader sees it: the row's own id and every reference as a global id
    under the reference's name (``work_id: 12`` → ``work: "V29yazoxMg=="``), a user as his
    login (``author_user_id: 3`` → ``author: "teacher"``); other fields unchanged."""
    table = table_of(object_type)
    if snapshot is None or table is None:
        return snapshot
    refs = references(table)
    out: dict[str, Any] = {}
    for key, value in snapshot.items():
        target = refs.get(key)
        if key == "id" and isinstance(value, int):
            out[key] = to_global_id(type_of_table(table.name), value)
        elif target is None:
            out[key] = _nested(value)
        elif not isinstance(value, int):
            out[reference_name(key)] = value
        elif target == USER_TABLE:
            out[reference_name(key)] = logins.get(value)
        else:
            out[reference_name(key)] = to_global_id(type_of_table(target), value)
    return out


def _nested(value: Any) -> Any:
    """Rows a snapshot lists (a lesson's individual homework: ``[{"student": 12, …}]``),
    each reference named after its table shown as a global id."""
    if not isinstance(value, list):
        return value
    return [
        {
            k: to_global_id(type_of_table(k), v)
            if isinstance(v, int) and k in Base.metadata.tables
            else v
            for k, v in item.items()
        }
        if isinstance(item, dict)
        else item
        for item in value
    ]
