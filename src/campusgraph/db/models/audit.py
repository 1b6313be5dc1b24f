"""The audit trail: every change, and every read of personal data."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from campusgraph.db.base import Base, IdMixin, IdType, utcnow

#: A receipt (an event naming its ``mutation``) is unique per user and client mutation id:
#: a retry of the same mutation finds the first one instead of writing again.
RECEIPT_WHERE = text("mutation IS NOT NULL")


class AuditEvent(IdMixin, Base):
    __tablename__ = "audit_event"
    __table_args__ = (
        Index(None, "institution_id", "object_type", "object_id"),
        Index(None, "institution_id", "at"),
        Index(
            "uq_audit_event_receipt",
            "user_id",
            "client_mutation_id",
            unique=True,
            sqlite_where=RECEIPT_WHERE,
            postgresql_where=RECEIPT_WHERE,
        ),
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
    #: The GraphQL mutation this event is the receipt of (``setMark`` …), when the event is
    #: the one a retry with the same ``client_mutation_id`` must find; NULL otherwise.
    mutation: Mapped[str | None] = mapped_column(String(64), default=None)
