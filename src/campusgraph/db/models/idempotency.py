"""Idempotency keys: what a client's ``clientMutationId`` promised, and the first answer."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from campusgraph.db.base import Base, IdMixin, IdType, utcnow


class IdempotencyKey(IdMixin, Base):
    """One (user, mutation, client mutation id): the hash of the input it was first sent
    with and, once that request finished, the payload as answered.

    ``response_selection`` is NULL while the first request runs: a second request with
    the key waits for it, never runs the mutation again. The key belongs to the user (a
    user id is global), so the unique index leads with the user; ``institution_id`` is
    kept for tenancy and purging (NULL for a region's accounts).
    """

    __tablename__ = "idempotency_key"
    __table_args__ = (
        Index(
            "uq_idempotency_key_user",
            "user_id",
            "mutation",
            "client_mutation_id",
            unique=True,
        ),
        Index(None, "institution_id", "created_at"),
    )

    institution_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("institution.id", ondelete="CASCADE"), default=None
    )
    user_id: Mapped[int] = mapped_column(IdType)
    mutation: Mapped[str] = mapped_column(String(64))
    client_mutation_id: Mapped[str] = mapped_column(String(128))
    #: SHA-256 (hex) of the canonical input, everything but the key itself.
    input_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: SHA-256 of the first request's selection set: the stored answer fits only it.
    response_selection: Mapped[str | None] = mapped_column(String(64), default=None)
    #: The mutation field's value as first answered (JSON), once the request finished.
    response: Mapped[Any] = mapped_column(JSON(none_as_null=True), default=None)
