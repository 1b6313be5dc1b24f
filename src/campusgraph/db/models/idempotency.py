"""Idempotency keys: what a client's ``clientMutationId`` promised, and the first answer."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, false
from sqlalchemy.orm import Mapped, mapped_column

from campusgraph.db.base import Base, IdMixin, IdType, utcnow


def new_token() -> str:
    """A claim's fencing token: random, one per claim and per takeover."""
    return secrets.token_hex(16)


class IdempotencyKey(IdMixin, Base):
    """One (user, mutation, client mutation id): the hash of the input it was first sent
    with and, once that request finished, the payload as answered.

    ``response_selection`` is NULL while the first request runs: a second request with
    the key waits for it. ``token`` fences the claim: the running request's write
    transactions set ``applied`` guarded by it, in the same transaction as their writes,
    so "did its write commit?" is known even when the process died before the answer was
    stored; a retry takes an unapplied claim over by replacing the token, which makes a
    late commit of the first request fail instead of writing twice. The key belongs to the user (a
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
    #: The current claimant's fencing token (see the class docstring).
    token: Mapped[str] = mapped_column(String(32), default=new_token)
    #: Set in the mutation's own write transaction: its write committed.
    applied: Mapped[bool] = mapped_column(default=False, server_default=false())
