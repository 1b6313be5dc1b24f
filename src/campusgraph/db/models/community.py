"""Messages, announcements and events, portfolios."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from campusgraph.db.base import Base, IdMixin, IdType, TenantMixin, enum_column, utcnow
from campusgraph.db.enums import PortfolioKind, PortfolioStatus


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
    """An announcement or a dated event, addressed to the whole institution (no audience
    column set), one department, one group or the holders of one role: at most one of
    ``department_id``, ``group_id``, ``audience_role`` (the audience is which one is set,
    so rows written before 0005 — the institution's or a group's — keep their meaning)."""

    __tablename__ = "announcement"
    __table_args__ = (
        Index(None, "institution_id", "starts_on"),
        CheckConstraint(
            "(CASE WHEN group_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN department_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN audience_role IS NULL THEN 0 ELSE 1 END) <= 1",
            name="one_audience",
        ),
    )

    title: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    #: The event's first and last day (an announcement's: the day it concerns).
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date | None] = mapped_column(Date, default=None)
    group_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("study_group.id"), default=None)
    author_user_id: Mapped[int | None] = mapped_column(IdType, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    department_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("department.id"), default=None
    )
    #: A role of the institution's ruleset (``parent``, ``teacher`` …).
    audience_role: Mapped[str | None] = mapped_column(String(64), default=None)
    #: announcement, class_meeting, holiday, day_transfer, other (AnnouncementKind).
    kind: Mapped[str] = mapped_column(
        String(32), default="announcement", server_default="announcement"
    )
    #: The event's hours, when it has them (a class meeting at 18:00).
    starts_at: Mapped[dt.time | None] = mapped_column(Time, default=None)
    ends_at: Mapped[dt.time | None] = mapped_column(Time, default=None)
    published_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class PortfolioEntry(IdMixin, TenantMixin, Base):
    """An entry of a student's or an employee's portfolio (the owner is a person: the same
    table holds both, the policy object tells them apart by who the person is)."""

    __tablename__ = "portfolio_entry"

    person_id: Mapped[int] = mapped_column(IdType, ForeignKey("person.id"), index=True)
    title: Mapped[str] = mapped_column(String(255))
    kind: Mapped[PortfolioKind] = mapped_column(enum_column(PortfolioKind))
    date: Mapped[dt.date] = mapped_column(Date)
    description: Mapped[str | None] = mapped_column(Text, default=None)
    author_user_id: Mapped[int | None] = mapped_column(IdType, default=None)
    status: Mapped[PortfolioStatus] = mapped_column(
        enum_column(PortfolioStatus), default=PortfolioStatus.DRAFT
    )
    confirmed_by_user_id: Mapped[int | None] = mapped_column(IdType, default=None)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(default=None)


class PortfolioFile(IdMixin, TenantMixin, Base):
    """A file of a portfolio entry: what the database knows of it. Its bytes are in the
    storage ``storage_key`` names (campusgraph.storage): a blob row or a file on disk."""

    __tablename__ = "portfolio_file"
    __table_args__ = (Index(None, "institution_id", "entry_id"),)

    entry_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("portfolio_entry.id", ondelete="CASCADE")
    )
    file_name: Mapped[str] = mapped_column(String(255))
    #: Detected from the bytes, never the name or the client's word.
    content_type: Mapped[str] = mapped_column(String(128))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    uploaded_by_user_id: Mapped[int | None] = mapped_column(IdType, default=None)
    uploaded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class StoredBlob(TenantMixin, Base):
    """The bytes of a stored file when the storage is the database (``portfolio_storage =
    database``); keyed by the file's storage key, so the row of metadata and the bytes are
    written in one transaction and nothing is left of a refused upload."""

    __tablename__ = "stored_blob"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
