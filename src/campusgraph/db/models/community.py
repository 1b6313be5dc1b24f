"""Messages, announcements and events, portfolios."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from campusgraph.db.base import Base, IdMixin, IdType, TenantMixin, utcnow


class Thread(IdMixin, TenantMixin, Base):
    """A correspondence thread between its participants (Altai п. 3.4, 4.4, 4.5).

    ``answer_due``: the thread opens with a parent's question, which the regulation says
    must be answered within its term (``rules.deadlines.parent_answer_days``);
    ``answered_at`` is when another participant first replied (None: not yet)."""

    __tablename__ = "thread"
    __table_args__ = (Index(None, "institution_id", "answer_due", "answered_at"),)

    subject: Mapped[str] = mapped_column(String(255))
    created_by_user_id: Mapped[int] = mapped_column(IdType, ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    answer_due: Mapped[bool] = mapped_column(default=False)
    answered_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    last_message_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ThreadParticipant(IdMixin, TenantMixin, Base):
    """A participant of a thread with his read receipt: messages sent after
    ``last_read_at`` by someone else are his unread ones."""

    __tablename__ = "thread_participant"
    __table_args__ = (
        UniqueConstraint("thread_id", "user_id"),
        Index(None, "institution_id", "user_id"),
    )

    thread_id: Mapped[int] = mapped_column(IdType, ForeignKey("thread.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(IdType, ForeignKey("user_account.id"))
    last_read_at: Mapped[dt.datetime | None] = mapped_column(default=None)


class Message(IdMixin, TenantMixin, Base):
    """A message; in a thread (``thread_id``) since 0005, its recipient the thread's other
    participant. Rows from before threads keep ``thread_id`` NULL."""

    __tablename__ = "message"
    __table_args__ = (
        Index(None, "institution_id", "recipient_user_id", "sent_at"),
        Index(None, "thread_id", "sent_at"),
    )

    sender_user_id: Mapped[int] = mapped_column(IdType, ForeignKey("user_account.id"))
    recipient_user_id: Mapped[int] = mapped_column(IdType, ForeignKey("user_account.id"))
    subject: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    read_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    thread_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("thread.id", ondelete="CASCADE"), default=None
    )


class Announcement(IdMixin, TenantMixin, Base):
    """An announcement or an event of the institution, or of one group."""

    __tablename__ = "announcement"

    title: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date | None] = mapped_column(Date, default=None)
    group_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("study_group.id"), default=None)
    author_user_id: Mapped[int | None] = mapped_column(IdType, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class PortfolioEntry(IdMixin, TenantMixin, Base):
    __tablename__ = "portfolio_entry"

    person_id: Mapped[int] = mapped_column(IdType, ForeignKey("person.id"), index=True)
    title: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(64))
    date: Mapped[dt.date] = mapped_column(Date)
    description: Mapped[str | None] = mapped_column(Text, default=None)
    author_user_id: Mapped[int | None] = mapped_column(IdType, default=None)
