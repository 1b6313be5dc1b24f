"""The Subscription root: live journal updates over WebSocket (graphql-transport-ws).

A subscription listens on its worker's bus (:mod:`campusgraph.live`) for its viewer's
institution and, for each event, re-reads the row through the same SQL read filter a
query uses (:func:`reread`): what a parent may not read in ``diary`` never reaches his
socket, whoever wrote it. A deleted row cannot be re-read: the same filter is evaluated
on the anchors its event carries instead (:func:`could_read`), and the removal reaches
exactly those who could read the row. Nothing here decides who sees what.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import enum
import logging
from collections.abc import AsyncGenerator, Callable, Collection, Mapping
from typing import Annotated, Any

import strawberry
from sqlalchemy import Column, Table, literal, select
from sqlalchemy.sql import visitors

from campusgraph.context import Context
from campusgraph.ids import to_global_id
from campusgraph.live.bus import CLOSED
from campusgraph.live.events import DELETE, LIVE_TABLES, SESSION_KIND, Event
from campusgraph.policies.scopes import Expr
from campusgraph.resolvers import announcements as an
from campusgraph.resolvers.auth import authenticate
from campusgraph.schema.announcements import Announcement
from campusgraph.schema.base import GraphQLInfo, expect_id, unauthenticated
from campusgraph.schema.correspondence import Message, Thread, _message, fetch_thread
from campusgraph.schema.teaching import Attendance, Mark

log = logging.getLogger("campusgraph.live")

#: The close code of a WebSocket whose session was revoked (or expired, or its account
#: disabled) while it was open: graphql-transport-ws's "Unauthorized".
CLOSE_REVOKED = 4401


@strawberry.enum(description="What happened to the row.")
class ChangeAction(enum.Enum):
    CREATED = strawberry.enum_value("create", description="It was given (a new row).")
    UPDATED = strawberry.enum_value("update", description="It was changed.")
    DELETED = strawberry.enum_value(
        "delete", description="It was removed (the `…Removed` events: only its id is left)."
    )


@strawberry.type(description="A mark was given or changed.")
class MarkChanged:
    action: ChangeAction = strawberry.field(description="Given or changed.")
    mark: Mark = strawberry.field(description="The mark as it is now.")


@strawberry.type(
    description="An absence or a late arrival was recorded or changed (its reason too)."
)
class AttendanceChanged:
    action: ChangeAction = strawberry.field(description="Recorded or changed.")
    attendance: Attendance = strawberry.field(description="The entry as it is now.")


@strawberry.type(description="An announcement or event was published or changed.")
class AnnouncementChanged:
    action: ChangeAction = strawberry.field(description="Published or changed.")
    announcement: Announcement = strawberry.field(
        description="The announcement as it is now (as `announcements` shows it)."
    )


@strawberry.type(description="A message was posted in a thread.")
class MessagePosted:
    message: Message = strawberry.field(description="The new message.")
    _thread_id: strawberry.Private[int]

    @strawberry.field(
        description="The thread it was posted in, as `threads` shows it (its unread count "
        "included); null when the thread is not the viewer's."
    )
    async def thread(self, info: GraphQLInfo) -> Thread | None:
        return await fetch_thread(info, self._thread_id)


@strawberry.type(
    description="A mark the viewer could read was deleted: drop it from what is shown."
)
class MarkRemoved:
    action: ChangeAction = strawberry.field(description="Always DELETED.")
    id: strawberry.ID = strawberry.field(description="The id the `Mark` had.")


@strawberry.type(
    description="An absence or a late arrival the viewer could read was removed (the "
    "student marked present again): drop it from what is shown."
)
class AttendanceRemoved:
    action: ChangeAction = strawberry.field(description="Always DELETED.")
    id: strawberry.ID = strawberry.field(description="The id the `Attendance` entry had.")


@strawberry.type(
    description="An announcement or event the viewer could read was deleted (withdrawn): "
    "drop it from what is shown."
)
class AnnouncementRemoved:
    action: ChangeAction = strawberry.field(description="Always DELETED.")
    id: strawberry.ID = strawberry.field(description="The id the `Announcement` had.")


JournalUpdate = Annotated[
    MarkChanged | AttendanceChanged | MarkRemoved | AttendanceRemoved,
    strawberry.union(
        "JournalUpdate",
        description="A change in the journal the viewer may read (or could, before a deletion).",
    ),
]

AnnouncementUpdate = Annotated[
    AnnouncementChanged | AnnouncementRemoved,
    strawberry.union(
        "AnnouncementUpdate",
        description="An announcement the viewer may read published or changed, or one he "
        "could read deleted.",
    ),
]

#: Audit object type → how a re-read row becomes its GraphQL event.
_TYPED: dict[str, Any] = {
    "mark": lambda action, row: MarkChanged(action=action, mark=Mark.of(row)),
    "attendance": lambda action, row: AttendanceChanged(
        action=action, attendance=Attendance.of(row)
    ),
    "announcement": lambda action, row: AnnouncementChanged(
        action=action, announcement=Announcement.of(row)
    ),
}

#: Audit object type → a deleted row's GraphQL event, and the type its global id names.
_REMOVED: dict[str, tuple[Any, str]] = {
    "mark": (MarkRemoved, "Mark"),
    "attendance": (AttendanceRemoved, "Attendance"),
    "announcement": (AnnouncementRemoved, "Announcement"),
}

#: Kinds whose query reads through a filter of its own rather than one object's read
#: filter: the query's function itself, so a subscription can never see more than it.
#: Pairs read through an object the event computes (its live table's): see
#: campusgraph.policies.operations. Announcements go through their own filter.
EXERCISES = (("mark", "read"), ("attendance", "read"), ("message", "read"))

_READABLE: dict[str, Callable[[Context], Any]] = {
    "announcement": an.readable,
}


def read_filter(ctx: Context, kind: str) -> Expr:
    """The SQL filter a query of ``kind``'s rows goes through, for this viewer."""
    own = _READABLE.get(kind)
    if own is not None:
        found: Expr = own(ctx)
        return found
    return ctx.authorizer.where(LIVE_TABLES[kind].obj, "read")


async def reread(ctx: Context, event: Event) -> Any:
    """The event's row as the viewer may read it, or None: the policy's read filter for
    the table's object, and the session's tenant criteria — as every query."""
    table = LIVE_TABLES[event.kind]
    stmt = select(table.model).where(table.model.id == event.id, read_filter(ctx, event.kind))
    assert ctx.live is not None
    async with ctx.live.reads, ctx.session() as session:
        return (await session.execute(stmt)).scalar_one_or_none()


def _value(column: Any, value: Any) -> Any:
    """A snapshot's JSON value back as the column's Python value (a date from its ISO
    text), so that the literal binds as the column itself would."""
    if value is None:
        return None
    try:
        kind = column.type.python_type
    except NotImplementedError:
        return value
    if isinstance(value, str) and kind in (dt.date, dt.datetime, dt.time):
        return kind.fromisoformat(value)
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return kind(value)
    return value


def on_values(clause: Expr, table: Table, values: Mapping[str, Any]) -> Expr:
    """``clause`` with every column of ``table`` replaced by its value in ``values``: the
    filter asked of a row that is no longer there. A column the values lack raises
    KeyError (the filter needs what the event does not carry)."""

    def replace(element: Any, **_: Any) -> Any:
        owner = getattr(element, "table", None)
        if isinstance(element, Column) and isinstance(owner, Table) and owner.name == table.name:
            return literal(_value(element, values[element.key]), type_=element.type)
        return None

    options: dict[str, Any] = {}
    replaced: Expr = visitors.replacement_traverse(clause, options, replace)
    return replaced


async def could_read(ctx: Context, event: Event) -> bool:
    """Whether the viewer could read the deleted row the event names: the very filter
    :func:`reread` applies, evaluated on the row's anchors (carried by the event, from
    the audit's snapshot of the row) in one SELECT without a table — so the facts it
    consults (whose parent, who teaches which group) are the database's now, as a re-read's."""
    table = LIVE_TABLES[event.kind]
    try:
        condition = on_values(
            read_filter(ctx, event.kind), table.model.__table__, dict(event.anchors)
        )
    except KeyError as missing:
        log.error("a deleted %s's event lacks the anchor %s: not delivered", event.kind, missing)
        return False
    assert ctx.live is not None
    async with ctx.live.reads, ctx.session() as session:
        return (await session.execute(select(literal(1)).where(condition))).first() is not None


def _removed(event: Event) -> Any:
    typed, type_name = _REMOVED[event.kind]
    assert event.id is not None
    return typed(action=ChangeAction.DELETED, id=to_global_id(type_name, event.id))


def _typed(ctx: Context, event: Event, row: Any) -> Any:
    if event.kind == "message":
        # Shown to its reader (`fromMe` is his), as the thread's `messages` show it.
        return MessagePosted(message=_message(ctx, row), _thread_id=row.thread_id)
    return _TYPED[event.kind](ChangeAction(event.action), row)


async def _close_if_revoked(ctx: Context) -> None:
    """Close the WebSocket (4401) if its token no longer signs in: revoked, expired, or
    the account disabled. Returns only while it still does."""
    signed = await authenticate(ctx.factory, ctx.token, today=ctx.settings.today)
    if signed.viewer is not None:
        return
    log.info("session revoked: its WebSocket closed")
    await ctx.request.close(code=CLOSE_REVOKED, reason="session revoked")
    # Strawberry cancels the operation once the socket is gone; returning would have it
    # send "complete" on the closed socket.
    await asyncio.get_running_loop().create_future()


async def updates(
    ctx: Context, kinds: Collection[str], student: int | None = None
) -> AsyncGenerator[Any, None]:
    """The typed events of ``kinds`` the viewer may read, as they commit; ends when the
    bus ends the subscription, closes the WebSocket when the session is revoked."""
    viewer = ctx.viewer
    if viewer is None or ctx.live is None:
        raise unauthenticated(ctx)
    listener = ctx.live.listen(viewer.institution_id, viewer.user_id)
    try:
        # The token was checked at connection_init; a revocation between then and this
        # listener's start would go unnoticed: checked once more, already listening.
        await _close_if_revoked(ctx)
        while True:
            event = await listener.get()
            if event is CLOSED:
                return
            if event.kind == SESSION_KIND:
                await _close_if_revoked(ctx)
                continue
            if event.kind not in kinds or event.action not in ("create", "update", DELETE):
                continue
            if student is not None and event.student != student:
                continue
            if event.action == DELETE:
                if event.kind in _REMOVED and await could_read(ctx, event):
                    yield _removed(event)
                continue
            row = await reread(ctx, event)
            if row is not None:
                yield _typed(ctx, event, row)
    finally:
        listener.close()


@strawberry.type(
    description="Live updates over WebSocket (graphql-transport-ws; the token in "
    "`connection_init`'s payload as `Authorization: Bearer …`). Each event is what the "
    "same query would show the viewer now."
)
class Subscription:
    @strawberry.subscription(
        description="Marks given, changed or deleted and absences recorded, changed or "
        "removed, as they are committed, of the students whose journal the viewer may read "
        "(a parent: his children's; a student: his own; a teacher: his groups'). A deletion "
        "arrives as `MarkRemoved` / `AttendanceRemoved` (the id only) to those who could "
        "read the row."
    )
    async def journal_updates(
        self,
        info: GraphQLInfo,
        student: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Only this student's (a `Student` id)."),
        ] = None,
    ) -> AsyncGenerator[JournalUpdate, None]:
        ctx = info.context
        pk = expect_id(student, "Student", ctx.language) if student is not None else None
        async for update in updates(ctx, ("mark", "attendance"), pk):
            yield update

    @strawberry.subscription(
        description="Announcements and events published, changed or deleted, as they are "
        "committed, that the viewer may read — the same as `announcements` would list (a "
        "parent: the institution's, his child's group's and department's, his role's). A "
        "deletion arrives as `AnnouncementRemoved` (the id only) to those it was addressed "
        "to and who could read it."
    )
    async def announcement_updates(
        self, info: GraphQLInfo
    ) -> AsyncGenerator[AnnouncementUpdate, None]:
        async for update in updates(info.context, ("announcement",)):
            yield update

    @strawberry.subscription(
        description="New messages, as they are committed, that the viewer may read (`message` "
        "read: those sent to him and his own, in the threads he takes part in)."
    )
    async def message_updates(self, info: GraphQLInfo) -> AsyncGenerator[MessagePosted, None]:
        async for update in updates(info.context, ("message",)):
            yield update
