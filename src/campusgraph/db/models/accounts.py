"""User accounts, role assignments and sign-in sessions."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from campusgraph.db.base import Base, IdMixin, IdType, utcnow


class UserAccount(IdMixin, Base):
    """A login. It lives in one realm: an institution, or a region for authority accounts.

    Not a tenant row in the mixin sense: sign-in must find it before any tenant is known.
    """

    __tablename__ = "user_account"
    __table_args__ = (
        UniqueConstraint("institution_id", "login"),
        UniqueConstraint("region_id", "login"),
    )

    institution_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("institution.id"), default=None
    )
    region_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("region.id"), default=None)
    person_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("person.id"), default=None)
    login: Mapped[str] = mapped_column(String(128))
    password_hash: Mapped[str] = mapped_column(String(255))
    must_change_password: Mapped[bool] = mapped_column(default=False)
    disabled_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(default=None)


class RoleAssignment(IdMixin, Base):
    """A user holds ``role`` (a role name of the ruleset) at an institution or a region."""

    __tablename__ = "role_assignment"
    __table_args__ = (
        UniqueConstraint("user_id", "institution_id", "region_id", "role"),
        Index(None, "institution_id", "role"),
    )

    user_id: Mapped[int] = mapped_column(IdType, ForeignKey("user_account.id", ondelete="CASCADE"))
    institution_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("institution.id"), default=None
    )
    region_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("region.id"), default=None)
    role: Mapped[str] = mapped_column(String(64))


class AuthSession(IdMixin, Base):
    """A bearer token, stored as its SHA-256 only; the realm is fixed at sign-in."""

    __tablename__ = "auth_session"

    user_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    institution_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("institution.id"), default=None
    )
    region_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("region.id"), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column()
    revoked_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    user_agent: Mapped[str | None] = mapped_column(String(255), default=None)
    remote_addr: Mapped[str | None] = mapped_column(String(64), default=None)
