"""Correspondence: threads between users, their messages, read receipts, answer terms.

Who may write to whom is the ruleset's: an account is a *correspondent* of the viewer
when one row linking it — a curatorship or teaching assignment of its employee, its
student card, a parent link of its parent, its employee card, a role assignment of
the administration — passes the viewer's ``create`` filter of that row's object
(``correspondent.curator``, ``.teacher``, ``.student``, ``.parent``, ``.employee``,
``.administration``; see policies/vocabulary.py). Which roles are the administration is
the ruleset's data (``[rules.correspondence] administration``): the regulations name
«администрация» without saying who it is, and each names different posts. The same filters
list the possible recipients (``correspondents``) and pick the row a new thread is
checked on (:func:`recipient_target`); nothing here decides on its own.

Every message is stored by :func:`store_message` — the one place a live update about a
new message can be emitted from.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, exists, func, literal, or_, select, union, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from campusgraph.context import Context
from campusgraph.db import models as m
from campusgraph.db.base import utcnow
from campusgraph.policies.facts import Target
from campusgraph.policies.rule_keys import rule_key
from campusgraph.policies.targets import target_of
from campusgraph.resolvers.audit import record
from campusgraph.resolvers.compliance import (
    DEADLINE_KEYS,
    PARENT_ANSWER_WORKING_DAYS,
    ComplianceKind,
    answer_due_on,
)
from campusgraph.resolvers.reads import filtered

#: A message's text, and a subject, at most this long (characters).
MAX_BODY = 10_000
MAX_SUBJECT = 255

#: The correspondent objects, in the order a recipient's rows are tried.
CORRESPONDENT_OBJECTS = (
    "correspondent.curator",
    "correspondent.teacher",
    "correspondent.student",
    "correspondent.parent",
    "correspondent.administration",
    "correspondent.employee",
)

#: The roles that are «администрация» in the ruleset's regulation: the accounts holding
#: one of them are the rows of ``correspondent.administration`` (what a parent writes to
#: when his regulation lets him write to the administration). Empty: no administration.
ADMINISTRATION = rule_key(
    "correspondence",
    "administration",
    list,
    default=[],
    reader=__name__,
    doc="the roles that are the administration (correspondent.administration)",
)


def administration_roles(ctx: Context) -> list[str]:
    """The ruleset's administration roles (names of its roles; lint checks they are)."""
    ruleset = ctx.registry.get(ctx.ruleset_slug or "").ruleset
    roles: list[Any] = ADMINISTRATION.read(ruleset)
    return [str(r) for r in roles]


def _links(obj: str, today: dt.date, administration: list[str]) -> Any:
    """(row id, account id) of every row of ``obj`` linking an account of its institution;
    ``administration``: the roles whose assignments are the administration's rows."""
    ua, em = m.UserAccount, m.Employee
    if obj == "correspondent.administration":
        ra = m.RoleAssignment
        return (
            select(ra.id.label("link_id"), ua.id.label("user_id"))
            .join(ua, and_(ua.id == ra.user_id, ua.institution_id == ra.institution_id))
            .where(ra.role.in_(administration))
        )
    if obj == "correspondent.curator":
        cu = m.Curatorship
        return (
            select(cu.id.label("link_id"), ua.id.label("user_id"))
            .join(em, em.id == cu.curator_id)
            .join(ua, and_(ua.person_id == em.person_id, ua.institution_id == em.institution_id))
            .where(cu.starts_on <= today, or_(cu.ends_on.is_(None), cu.ends_on > today))
        )
    if obj == "correspondent.teacher":
        ta = m.TeachingAssignment
        return (
            select(ta.id.label("link_id"), ua.id.label("user_id"))
            .join(em, em.id == ta.teacher_id)
            .join(ua, and_(ua.person_id == em.person_id, ua.institution_id == em.institution_id))
        )
    if obj == "correspondent.student":
        st = m.Student
        return select(st.id.label("link_id"), ua.id.label("user_id")).join(
            ua, and_(ua.person_id == st.person_id, ua.institution_id == st.institution_id)
        )
    if obj == "correspondent.parent":
        pl, pa = m.ParentLink, m.Parent
        return (
            select(pl.id.label("link_id"), ua.id.label("user_id"))
            .join(pa, pa.id == pl.parent_id)
            .join(ua, and_(ua.person_id == pa.person_id, ua.institution_id == pa.institution_id))
        )
    assert obj == "correspondent.employee"
    return select(em.id.label("link_id"), ua.id.label("user_id")).join(
        ua, and_(ua.person_id == em.person_id, ua.institution_id == em.institution_id)
    )


def writable_users(ctx: Context) -> Any:
    """The accounts the viewer may write to: a select of ``user_id``."""
    v = ctx.viewer
    assert v is not None
    administration = administration_roles(ctx)
    parts = [
        filtered(ctx, obj, _links(obj, v.today, administration), action="create").with_only_columns(
            literal(obj).label("obj"), m.UserAccount.id.label("user_id")
        )
        for obj in CORRESPONDENT_OBJECTS
    ]
    return union(*parts).subquery()


@dataclass(frozen=True, slots=True)
class Correspondent:
    user_id: int
    name: str
    as_: tuple[str, ...]  # the correspondent objects that let the viewer write to him


def _full_name(p: Any) -> Any:
    return func.trim(
        p.surname + literal(" ") + p.name + literal(" ") + func.coalesce(p.patronymic, "")
    )


async def correspondents(ctx: Context) -> list[Correspondent]:
    """Everyone the viewer may start a thread with, by name."""
    v = ctx.viewer
    assert v is not None
    users = writable_users(ctx)
    ua, pe = m.UserAccount, m.Person
    stmt = (
        select(users.c.user_id, users.c.obj, pe.surname, pe.name, pe.patronymic)
        .join(ua, ua.id == users.c.user_id)
        .join(pe, pe.id == ua.person_id)
        .where(users.c.user_id != v.user_id)
        .order_by(pe.surname, pe.name, users.c.user_id, users.c.obj)
    )
    async with ctx.session() as session:
        rows = (await session.execute(stmt)).all()
    found: dict[int, Correspondent] = {}
    for user_id, obj, surname, name, patronymic in rows:
        full = " ".join(x for x in (surname, name, patronymic) if x)
        have = found.get(user_id)
        kinds = (have.as_ if have else ()) + (obj.removeprefix("correspondent."),)
        found[user_id] = Correspondent(user_id, full, kinds)
    return list(found.values())


async def recipient_target(ctx: Context, user_id: int) -> tuple[str, Target] | None:
    """The row a new thread to ``user_id`` is decided on: the first linking row the
    viewer's ``create`` filter lets through, else the first linking row at all (the
    decision then refuses, naming the line), None when nothing links that account."""
    v = ctx.viewer
    assert v is not None
    administration = administration_roles(ctx)
    async with ctx.session() as session:
        first: tuple[str, int] | None = None
        for obj in CORRESPONDENT_OBJECTS:
            links = _links(obj, v.today, administration).where(m.UserAccount.id == user_id)
            allowed = (
                await session.execute(filtered(ctx, obj, links, action="create").limit(1))
            ).first()
            if allowed is not None:
                found = await target_of(session, obj, allowed[0])
                return None if found is None else (obj, found)
            if first is None:
                row = (await session.execute(links.limit(1))).first()
                if row is not None:
                    first = (obj, row[0])
        if first is None:
            return None
        found = await target_of(session, first[0], first[1])
        return None if found is None else (first[0], found)


# -- writes ------------------------------------------------------------------------------
def clock(ctx: Context) -> dt.datetime:
    """Now, on the service's calendar: a pinned ``Settings.today`` (the demo, the tests)
    dates a message on that day, so its answer term is counted from the day the service
    says it is."""
    now = utcnow()
    pinned = ctx.settings.today
    return now if pinned is None else dt.datetime.combine(pinned, now.timetz())


async def store_message(
    session: AsyncSession,
    thread: m.Thread,
    sender_user_id: int,
    recipient_user_id: int,
    body: str,
    now: dt.datetime,
) -> m.Message:
    """The one place a message is written (a live update is emitted from here): the row,
    the thread's last activity, the sender's read receipt, and an answer to a question."""
    msg = m.Message(
        institution_id=thread.institution_id,
        thread_id=thread.id,
        sender_user_id=sender_user_id,
        recipient_user_id=recipient_user_id,
        subject=thread.subject,
        body=body,
        sent_at=now,
    )
    session.add(msg)
    thread.last_message_at = now
    if (
        thread.answer_due
        and thread.answered_at is None
        and sender_user_id != thread.created_by_user_id
    ):
        thread.answered_at = now
    await session.execute(
        update(m.ThreadParticipant)
        .where(
            m.ThreadParticipant.thread_id == thread.id,
            m.ThreadParticipant.user_id == sender_user_id,
        )
        .values(last_read_at=now)
    )
    await session.flush()
    return msg


def answer_term(ctx: Context) -> int | None:
    """Days a parent's question must be answered in (None: the ruleset sets no term)."""
    ruleset = ctx.registry.get(ctx.ruleset_slug or "").ruleset
    days: int | None = DEADLINE_KEYS[ComplianceKind.UNANSWERED_QUESTION].read(ruleset)
    return days


async def start_thread(
    ctx: Context, recipient_user_id: int, subject: str, body: str, client_mutation_id: str | None
) -> m.Thread:
    v = ctx.viewer
    assert v is not None and v.institution_id is not None
    async with ctx.session(write=True) as session, session.begin():
        thread = m.Thread(
            institution_id=v.institution_id,
            subject=subject,
            created_by_user_id=v.user_id,
            created_at=clock(ctx),
            # A parent's question: the regulation's answer term runs from now.
            answer_due=v.parent_id is not None and answer_term(ctx) is not None,
        )
        session.add(thread)
        await session.flush()
        for user in (v.user_id, recipient_user_id):
            session.add(
                m.ThreadParticipant(
                    institution_id=v.institution_id, thread_id=thread.id, user_id=user
                )
            )
        await session.flush()
        msg = await store_message(
            session, thread, v.user_id, recipient_user_id, body, thread.created_at
        )
        await record(
            session,
            viewer=v,
            action="create",
            object_type="message",
            object_id=msg.id,
            institution_id=v.institution_id,
            after={
                "thread_id": thread.id,
                "recipient_user_id": recipient_user_id,
                "subject": subject,
            },
            client_mutation_id=client_mutation_id,
            mutation="startThread",
        )
    return thread


async def my_thread(session: AsyncSession, ctx: Context, thread_id: int) -> m.Thread | None:
    """The thread if the viewer takes part in it (otherwise, for him, there is none)."""
    v = ctx.viewer
    assert v is not None
    tp = m.ThreadParticipant
    stmt = select(m.Thread).where(
        m.Thread.id == thread_id,
        exists(select(tp.id).where(tp.thread_id == m.Thread.id, tp.user_id == v.user_id)),
    )
    thread: m.Thread | None = (await session.execute(stmt)).scalar_one_or_none()
    return thread


async def reply(
    ctx: Context, thread_id: int, body: str, client_mutation_id: str | None
) -> m.Thread | None:
    v = ctx.viewer
    assert v is not None
    async with ctx.session(write=True) as session, session.begin():
        thread = await my_thread(session, ctx, thread_id)
        if thread is None:
            return None
        tp = m.ThreadParticipant
        other = (
            await session.execute(
                select(tp.user_id)
                .where(tp.thread_id == thread_id, tp.user_id != v.user_id)
                .order_by(tp.id)
                .limit(1)
            )
        ).scalar_one_or_none()
        msg = await store_message(session, thread, v.user_id, other or v.user_id, body, clock(ctx))
        await record(
            session,
            viewer=v,
            action="create",
            object_type="message",
            object_id=msg.id,
            institution_id=thread.institution_id,
            after={"thread_id": thread_id},
            client_mutation_id=client_mutation_id,
            mutation="reply",
        )
    return thread


async def mark_read(ctx: Context, thread_id: int) -> m.Thread | None:
    v = ctx.viewer
    assert v is not None
    async with ctx.session(write=True) as session, session.begin():
        thread = await my_thread(session, ctx, thread_id)
        if thread is None:
            return None
        tp = m.ThreadParticipant
        await session.execute(
            update(tp)
            .where(tp.thread_id == thread_id, tp.user_id == v.user_id)
            .values(last_read_at=clock(ctx))
        )
    return thread


# -- reads -------------------------------------------------------------------------------
def thread_list(ctx: Context) -> Any:
    """The viewer's threads, newest activity first, each with its unread count and the
    other participant's name in the same statement (no query per thread). A thread shows
    when the viewer may read one of its messages (``message`` read)."""
    v = ctx.viewer
    assert v is not None
    th, tp, msg = m.Thread, m.ThreadParticipant, m.Message
    mine = aliased(tp)
    other, other_ua, other_pe = aliased(tp), aliased(m.UserAccount), aliased(m.Person)
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    unread = (
        select(func.count(msg.id))
        .where(
            msg.thread_id == th.id,
            msg.sender_user_id != v.user_id,
            msg.sent_at > func.coalesce(mine.last_read_at, epoch),
        )
        .correlate(th, mine)
        .scalar_subquery()
    )
    readable = filtered(ctx, "message", select(msg.id).where(msg.thread_id == th.id))
    with_name = (
        select(_full_name(other_pe))
        .select_from(other)
        .join(other_ua, other_ua.id == other.user_id)
        .join(other_pe, other_pe.id == other_ua.person_id)
        .where(other.thread_id == th.id, other.user_id != v.user_id)
        .order_by(other.id)
        .limit(1)
        .correlate(th)
        .scalar_subquery()
    )
    return (
        select(th, unread.label("unread"), with_name.label("correspondent"))
        .join(mine, and_(mine.thread_id == th.id, mine.user_id == v.user_id))
        .where(exists(readable.correlate(th)))
        .order_by(th.last_message_at.desc(), th.id.desc())
    )


async def _load_calendar(ctx: Context) -> tuple[set[dt.date], dict[dt.date, dt.date]]:
    async with ctx.session() as session:
        days_off = set((await session.execute(select(m.DayOff.date))).scalars())
        transfers = dict(
            (await session.execute(select(m.DayTransfer.from_date, m.DayTransfer.to_date))).all()
        )
    return days_off, transfers


async def calendar(ctx: Context) -> tuple[set[dt.date], dict[dt.date, dt.date]]:
    """The institution's days off and transfers, once per request (answer terms): the
    threads of a list resolve their terms concurrently, so they share one load (a task),
    not a value each would find missing and load again."""
    task = ctx.extras.get("correspondence_calendar")
    if task is None:
        task = asyncio.ensure_future(_load_calendar(ctx))
        ctx.extras["correspondence_calendar"] = task
    found: tuple[set[dt.date], dict[dt.date, dt.date]] = await task
    return found


async def answer_due(ctx: Context, thread: m.Thread) -> dt.date | None:
    """The day a parent's question must be answered by (None: no term applies)."""
    days = answer_term(ctx)
    if not thread.answer_due or days is None:
        return None
    ruleset = ctx.registry.get(ctx.ruleset_slug or "").ruleset
    working = bool(PARENT_ANSWER_WORKING_DAYS.read(ruleset))
    days_off, transfers = await calendar(ctx)
    return answer_due_on(thread.created_at.date(), days, working, days_off, transfers)
