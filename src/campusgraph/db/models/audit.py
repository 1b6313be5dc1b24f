"""The audit trail: every change, and every read of personal data."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from campusgraph.db.base import Base, IdMixin, IdType, utcnow


class AuditEvent(IdMixin, Base):
    __tablename__ = "audit_event"
    __table_args__ = (
        Index(None, "institution_id", "object_type", "object_id"),
        Index(None, "institution_id", "at"),
    )

    institution_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("institution.id", ondelete="CASCADE"), default=None
    )
    user_id: Mapped[int | None] = mapped_column(IdType, default=None)
    session_id: Mapped[int | None] = mapped_column(IdType, default=None)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    action: Mapped[str] = mapped_column(String(64))  # create, update, delete, read, login …
    object_type: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[int | None] = mapped_column(IdType, default=None)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    client_mutation_id: Mapped[str | None] = mapped_column(String(128), default=None)
    #: The GraphQL mutation that wrote this event (``setMark`` …), when the client named
    #: the write with a ``client_mutation_id``; NULL otherwise. Retries are answered from
    #: :class:`~campusgraph.db.models.IdempotencyKey`, not from here.
    mutation: Mapped[str | None] = mapped_column(String(64), default=None)
