"""The Subscription root: live journal updates over WebSocket (graphql-transport-ws).

A subscription listens on its worker's bus (:mod:`campusgraph.live`) for its viewer's
institution and, for each event, re-reads the row through the same SQL read filter a
query uses (:func:`reread`): what a parent may not read in ``diary`` never reaches his
socket, whoever wrote it. Nothing here decides who sees what.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import AsyncGenerator, Callable, Collection
from typing import Annotated, Any

import strawberry
from sqlalchemy import select

from campusgraph.context import Context
from campusgraph.live.bus import CLOSED
from campusgraph.live.events import LIVE_TABLES, SESSION_KIND, Event
from campusgraph.resolvers import announcements as an
from campusgraph.resolvers.auth import authenticate
from campusgraph.resolvers.reads import filtered
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


JournalUpdate = Annotated[
    MarkChanged | AttendanceChanged,
    strawberry.union("JournalUpdate", description="A change in the journal the viewer may read."),
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

#: Kinds whose query reads through a filter of its own rather than one object's read
#: filter: the query's function itself, so a subscription can never see more than it.
_READABLE: dict[str, Callable[[Context], Any]] = {
    "announcement": an.readable,
}


async def reread(ctx: Context, event: Event) -> Any:
    """The event's row as the viewer may read it, or None: the policy's read filter for
    the table's object, and the session's tenant criteria — as every query."""
    table = LIVE_TABLES[event.kind]
    stmt = select(table.model).where(table.model.id == event.id)
    own = _READABLE.get(event.kind)
    stmt = stmt.where(own(ctx)) if own is not None else filtered(ctx, table.obj, stmt)
    assert ctx.live is not None
    async with ctx.live.reads, ctx.session() as session:
        return (await session.execute(stmt)).scalar_one_or_none()


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
            if event.kind not in kinds or event.action not in ("create", "update"):
                continue
            if student is not None and event.student != student:
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
        description="Marks given or changed and absences recorded or changed, as they are "
        "committed, of the students whose journal the viewer may read (a parent: his "
        "children's; a student: his own; a teacher: his groups')."
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
        description="Announcements and events published or changed, as they are committed, "
        "that the viewer may read — the same as `announcements` would list (a parent: the "
        "institution's, his child's group's and department's, his role's)."
    )
    async def announcement_updates(
        self, info: GraphQLInfo
    ) -> AsyncGenerator[AnnouncementChanged, None]:
        async for update in updates(info.context, ("announcement",)):
            yield update

    @strawberry.subscription(
        description="New messages, as they are committed, that the viewer may read (`message` "
        "read: those sent to him and his own, in the threads he takes part in)."
    )
    async def message_updates(self, info: GraphQLInfo) -> AsyncGenerator[MessagePosted, None]:
        async for update in updates(info.context, ("message",)):
            yield update
