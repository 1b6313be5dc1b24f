"""Messages, announcements and events, portfolios."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Index, String, Text
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
