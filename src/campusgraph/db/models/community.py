"""Messages, announcements and events, portfolios."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text, Time
from sqlalchemy.orm import Mapped, mapped_column

from campusgraph.db.base import Base, IdMixin, IdType, TenantMixin, utcnow


class Message(IdMixin, TenantMixin, Base):
    __tablename__ = "message"
    __table_args__ = (Index(None, "institution_id", "recipient_user_id", "sent_at"),)

    sender_user_id: Mapped[int] = mapped_column(IdType, ForeignKey("user_account.id"))
    recipient_user_id: Mapped[int] = mapped_column(IdType, ForeignKey("user_account.id"))
    subject: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    read_at: Mapped[dt.datetime | None] = mapped_column(default=None)


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
    __tablename__ = "portfolio_entry"

    person_id: Mapped[int] = mapped_column(IdType, ForeignKey("person.id"), index=True)
    title: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(64))
    date: Mapped[dt.date] = mapped_column(Date)
    description: Mapped[str | None] = mapped_column(Text, default=None)
    author_user_id: Mapped[int | None] = mapped_column(IdType, default=None)
