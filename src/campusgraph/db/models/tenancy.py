"""Regions and institutions: the tenants of a regional deployment."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from campusgraph.db.base import Base, IdMixin, IdType, enum_column, utcnow
from campusgraph.db.enums import InstitutionKind


class Region(IdMixin, Base):
    __tablename__ = "region"

    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    #: The ruleset that governs region-level accounts (education authorities).
    ruleset: Mapped[str] = mapped_column(String(64), default="base")


class Institution(IdMixin, Base):
    __tablename__ = "institution"

    region_id: Mapped[int] = mapped_column(IdType, ForeignKey("region.id"), index=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(500))
    short_name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[InstitutionKind] = mapped_column(enum_column(InstitutionKind))
    #: Slug of the ruleset (policies/rulesets/<slug>) that encodes this institution's regulation.
    ruleset: Mapped[str] = mapped_column(String(64))
    address: Mapped[str | None] = mapped_column(String(500), default=None)
    license: Mapped[str | None] = mapped_column(String(255), default=None)
    accreditation: Mapped[str | None] = mapped_column(String(255), default=None)
    phone: Mapped[str | None] = mapped_column(String(32), default=None)
    email: Mapped[str | None] = mapped_column(String(255), default=None)
    website: Mapped[str | None] = mapped_column(String(255), default=None)
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Moscow")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
