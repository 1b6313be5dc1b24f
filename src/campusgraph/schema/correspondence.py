"""Correspondence on the API: threads, their messages, who one may write to.

``startThread`` is decided on two rows: the recipient's linking row under its
``correspondent.*`` object (``create``: a parent's ``own_child`` reaches his child's
curator and teachers, a curator's ``curated_group`` his students and their parents …)
and the new message (``message`` create, ``author``). ``reply`` and ``markThreadRead``
are the thread's participants' (``message`` create / read, ``author``). Lists are the
viewer's own threads whose messages the ``message`` read filter lets through.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry

from campusgraph.context import Context
from campusgraph.db import models as m
from campusgraph.i18n import message
from campusgraph.policies.facts import Target
from campusgraph.resolvers import correspondence as corr
from campusgraph.resolvers.reads import Page, counting, window
from campusgraph.schema.base import (
    After,
    Connection,
    First,
    GraphQLInfo,
    Node,
    signed_in,
    to_global_id,
)
from campusgraph.schema.errors import ErrorCode, MutationError
from campusgraph.schema.mutations import ValidationFailed, guarded
from campusgraph.schema.structure_mutations import pk_of


@strawberry.type(description="An account the viewer may start a thread with.")
class Correspondent:
    id: strawberry.ID = strawberry.field(description="The account (`UserAccount` global id).")
    name: str = strawberry.field(description="The person's full name.")
    reached_as: list[str] = strawberry.field(
        description="Why he may be written to: the ruleset's correspondent objects that reach "
        "him (curator, teacher, student, parent, administration, employee)."
    )


@strawberry.type(description="A message of a thread.")
class Message(Node):
    body: str = strawberry.field(description="The text.")
    sent_at: dt.datetime = strawberry.field(description="When it was sent (UTC).")
    from_me: bool = strawberry.field(description="The viewer wrote it.")


@strawberry.type(description="A correspondence thread the viewer takes part in.")
class Thread(Node):
    subject: str = strawberry.field(description="The thread's subject.")
    created_at: dt.datetime = strawberry.field(description="When it was started (UTC).")
    correspondent: str | None = strawberry.field(description="The other participant's full name.")
    unread_count: int = strawberry.field(
        description="Messages of others sent after the viewer last read the thread."
    )
    started_by_me: bool = strawberry.field(description="The viewer started it.")
    answered: bool = strawberry.field(
        description="A parent's question: someone else has replied (always true for others)."
    )
    _row: strawberry.Private[Any] = None

    @strawberry.field(
        description="The day a parent's question must be answered by: the ruleset's "
        "`rules.deadlines.parent_answer_days` (Altai п. 3.4: 3 days) after it was asked; "
        "null where no term applies."
    )
    async def answer_due_on(self, info: GraphQLInfo) -> dt.date | None:
        return await corr.answer_due(info.context, self._row)

    @strawberry.field(description="The question's term has passed unanswered.")
    async def overdue(self, info: GraphQLInfo) -> bool:
        due = await corr.answer_due(info.context, self._row)
        return due is not None and not self.answered and due < info.context.settings.current_date()

    @strawberry.field(description="The thread's messages, oldest first (`message` read).")
    async def messages(
        self,
        info: GraphQLInfo,
        first: First = None,
        after: After = None,
    ) -> Connection[Message]:
        ctx = info.context
        # The pages of every thread of a list load in one statement (no query per thread).
        msg = m.Message
        got: Page = await ctx.loaders.pages(
            "MessagePagesByThread",
            "message",
            msg,
            msg.thread_id,
            where={},
            order=(msg.sent_at, msg.id),
            first=first,
            after=after,
        ).load(self._row.id)
        return Connection[Message].from_page(got, lambda row: _message(ctx, row[0]))


def _message(ctx: Context, row: Any) -> Message:
    v = ctx.viewer
    return Message(
        id=to_global_id("Message", row.id),
        body=row.body,
        sent_at=row.sent_at,
        from_me=v is not None and row.sender_user_id == v.user_id,
    )


def _thread(ctx: Context, row: Any, unread: int = 0, correspondent: str | None = None) -> Thread:
    v = ctx.viewer
    return Thread(
        id=to_global_id("Thread", row.id),
        subject=row.subject,
        created_at=row.created_at,
        correspondent=correspondent,
        unread_count=int(unread or 0),
        started_by_me=v is not None and row.created_by_user_id == v.user_id,
        answered=not row.answer_due or row.answered_at is not None,
        _row=row,
    )


async def fetch_thread(info: GraphQLInfo, pk: int) -> Thread | None:
    """``node(id:)`` of a thread: one of the viewer's, as the list has it."""
    return await _reloaded(info.context, pk)


async def fetch_message(info: GraphQLInfo, pk: int) -> Message | None:
    """``node(id:)`` of a message: as the ``message`` read filter lets the viewer see it."""
    row = await info.context.loaders.entity_by_id("message", m.Message).load(pk)
    return _message(info.context, row[0]) if row else None


@strawberry.type
class CorrespondenceQueries:
    @strawberry.field(
        permission_classes=signed_in,
        description="The viewer's threads, newest activity first, with unread counts.",
    )
    async def threads(
        self,
        info: GraphQLInfo,
        first: First = None,
        after: After = None,
    ) -> Connection[Thread]:
        ctx = info.context
        # The policy filter (``message`` read) sits inside the list's statement: its rows
        # are threads, which carry no anchors of their own.
        limit, offset = window(ctx, first, after)
        stmt = corr.thread_list(ctx)
        async with ctx.session() as session:
            rows = (await session.execute(stmt.limit(limit + 1).offset(offset))).all()
        got = Page(rows[:limit], offset, len(rows) > limit, lambda: counting(stmt))
        return Connection[Thread].from_page(
            got, lambda row: _thread(ctx, row[0], row.unread, row.correspondent)
        )

    @strawberry.field(
        permission_classes=signed_in,
        description="Everyone the viewer may start a thread with (the ruleset's "
        "`correspondent.*` create lines).",
    )
    async def correspondents(self, info: GraphQLInfo) -> list[Correspondent]:
        found = await corr.correspondents(info.context)
        return [
            Correspondent(
                id=to_global_id("UserAccount", c.user_id), name=c.name, reached_as=list(c.as_)
            )
            for c in found
        ]


@strawberry.input(description="Start a thread: its first message to one recipient.")
class StartThreadInput:
    recipient: strawberry.ID = strawberry.field(
        description="The account written to (`Correspondent.id`)."
    )
    subject: str = strawberry.field(description="The thread's subject.")
    body: str = strawberry.field(description="The first message.")
    client_mutation_id: str | None = None


@strawberry.input(description="A reply in a thread the viewer takes part in.")
class ReplyInput:
    thread: strawberry.ID = strawberry.field(description="The thread (`Thread.id`).")
    body: str = strawberry.field(description="The message.")
    client_mutation_id: str | None = None


@strawberry.input(description="Mark a thread read up to now (its unread count becomes 0).")
class MarkThreadReadInput:
    thread: strawberry.ID = strawberry.field(description="The thread (`Thread.id`).")
    client_mutation_id: str | None = None


@strawberry.type(description="The thread as it now stands.")
class ThreadPayload:
    thread: Thread | None = strawberry.field(
        default=None, description="The thread; null when refused."
    )
    client_mutation_id: str | None = None
    errors: list[MutationError] = strawberry.field(default_factory=list)


def _text(value: str, field: str, limit: int, language: str) -> str:
    text = value.strip()
    if not text:
        raise ValidationFailed((field, message("correspondence_empty_body", language)))
    if len(text) > limit:
        raise ValidationFailed((field, message("correspondence_too_long", language, limit=limit)))
    return text


def _authored(ctx: Context) -> Target:
    """A message of the viewer's (``author``): what replying and reading his threads is."""
    v = ctx.viewer
    assert v is not None
    return ctx.authorizer.target(
        "message", institution_id=v.institution_id, author_id=v.user_id, person_id=v.person_id
    )


async def _start_target(ctx: Context, input: StartThreadInput) -> list[tuple[str, Target]] | None:
    lang = ctx.language
    _text(input.subject, "input.subject", corr.MAX_SUBJECT, lang)
    _text(input.body, "input.body", corr.MAX_BODY, lang)
    user = pk_of(input.recipient, "UserAccount", "input.recipient", lang)
    v = ctx.viewer
    assert v is not None
    if user == v.user_id:
        raise ValidationFailed(("input.recipient", message("correspondence_no_recipient", lang)))
    found = await corr.recipient_target(ctx, user)
    if found is None:
        return None
    return [found, ("message", _authored(ctx))]


async def _own_target(ctx: Context, _input: Any) -> Target:
    return _authored(ctx)


async def _reloaded(ctx: Context, thread_id: int) -> Thread | None:
    async with ctx.session() as session:
        row = (await session.execute(corr.thread_list(ctx).where(m.Thread.id == thread_id))).first()
    return None if row is None else _thread(ctx, row[0], row.unread, row.correspondent)


def _not_found(ctx: Context, cmid: str | None) -> ThreadPayload:
    """Not a participant: for him the thread does not exist."""
    return ThreadPayload(
        client_mutation_id=cmid,
        errors=[
            MutationError(
                code=ErrorCode.NOT_FOUND,
                message=message("correspondence_not_participant", ctx.language),
                field="input.thread",
            )
        ],
    )


@strawberry.type
class CorrespondenceMutations:
    @strawberry.mutation(
        permission_classes=signed_in,
        description="Start a thread with one recipient the ruleset lets the viewer write to "
        "(`correspondent.*` create on the row linking him, `message` create). A parent's "
        "thread is a question the ruleset's answer term runs for.",
    )
    @guarded("message", "create", ThreadPayload, _start_target)
    async def start_thread(self, info: GraphQLInfo, input: StartThreadInput) -> ThreadPayload:
        ctx = info.context
        lang = ctx.language
        user = pk_of(input.recipient, "UserAccount", "input.recipient", lang)
        row = await corr.start_thread(
            ctx,
            user,
            _text(input.subject, "input.subject", corr.MAX_SUBJECT, lang),
            _text(input.body, "input.body", corr.MAX_BODY, lang),
            input.client_mutation_id,
        )
        return ThreadPayload(
            thread=await _reloaded(ctx, row.id), client_mutation_id=input.client_mutation_id
        )

    @strawberry.mutation(
        permission_classes=signed_in,
        description="Reply in a thread the viewer takes part in (`message` create, author); "
        "the first reply by another participant answers a parent's question.",
    )
    @guarded("message", "create", ThreadPayload, _own_target)
    async def reply(self, info: GraphQLInfo, input: ReplyInput) -> ThreadPayload:
        ctx = info.context
        lang = ctx.language
        pk = pk_of(input.thread, "Thread", "input.thread", lang)
        row = await corr.reply(
            ctx, pk, _text(input.body, "input.body", corr.MAX_BODY, lang), input.client_mutation_id
        )
        if row is None:
            return _not_found(ctx, input.client_mutation_id)
        return ThreadPayload(
            thread=await _reloaded(ctx, pk), client_mutation_id=input.client_mutation_id
        )

    @strawberry.mutation(
        permission_classes=signed_in,
        description="Mark a thread read up to now: its unread count becomes 0 (`message` "
        "read, author).",
    )
    @guarded("message", "read", ThreadPayload, _own_target)
    async def mark_thread_read(
        self, info: GraphQLInfo, input: MarkThreadReadInput
    ) -> ThreadPayload:
        ctx = info.context
        pk = pk_of(input.thread, "Thread", "input.thread", ctx.language)
        row = await corr.mark_read(ctx, pk)
        if row is None:
            return _not_found(ctx, input.client_mutation_id)
        return ThreadPayload(
            thread=await _reloaded(ctx, pk), client_mutation_id=input.client_mutation_id
        )


#: ``startThread`` decides on the recipient's linking row, whose object is computed
#: (:func:`campusgraph.resolvers.correspondence.recipient_target`): declared here for
#: ``policy lint`` (see :mod:`campusgraph.policies.operations`).
EXERCISES = (
    ("correspondent.curator", "create"),
    ("correspondent.teacher", "create"),
    ("correspondent.student", "create"),
    ("correspondent.parent", "create"),
    ("correspondent.administration", "create"),
    ("correspondent.employee", "create"),
)
