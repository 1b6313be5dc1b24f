"""The academic calendar: years, periods, days off and transfers, bells, rooms, positions."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from campusgraph.db.base import Base, IdMixin, IdType, TenantMixin, enum_column
from campusgraph.db.enums import PeriodKind


class AcademicYear(IdMixin, TenantMixin, Base):
    __tablename__ = "academic_year"
    __table_args__ = (UniqueConstraint("institution_id", "name"),)

    name: Mapped[str] = mapped_column(String(32))  # «2026/2027»
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    is_current: Mapped[bool] = mapped_column(default=False)
    closed_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    closed_by_user_id: Mapped[int | None] = mapped_column(IdType, default=None)


class Period(IdMixin, TenantMixin, Base):
    """A quarter, half-year, semester or the year. Periods of different kinds overlap;
    a date is closed for edits when any closed period contains it."""

    __tablename__ = "period"
    __table_args__ = (Index(None, "institution_id", "starts_on", "ends_on"),)

    academic_year_id: Mapped[int] = mapped_column(IdType, ForeignKey("academic_year.id"))
    kind: Mapped[PeriodKind] = mapped_column(enum_column(PeriodKind))
    number: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(64))
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    closed_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    closed_by_user_id: Mapped[int | None] = mapped_column(IdType, default=None)


class DayOff(IdMixin, TenantMixin, Base):
    __tablename__ = "day_off"
    __table_args__ = (UniqueConstraint("institution_id", "date"),)

    date: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(255))


class DayTransfer(IdMixin, TenantMixin, Base):
    """A working day moved: lessons of ``from_date`` are held on ``to_date``."""

    __tablename__ = "day_transfer"
    __table_args__ = (UniqueConstraint("institution_id", "from_date"),)

    from_date: Mapped[dt.date] = mapped_column(Date)
    to_date: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(String(255), default=None)


class BellSlot(IdMixin, TenantMixin, Base):
    __tablename__ = "bell_slot"
    __table_args__ = (UniqueConstraint("institution_id", "number"),)

    number: Mapped[int] = mapped_column(Integer)
    starts_at: Mapped[dt.time] = mapped_column(Time)
    ends_at: Mapped[dt.time] = mapped_column(Time)


class Room(IdMixin, TenantMixin, Base):
    __tablename__ = "room"
    __table_args__ = (UniqueConstraint("institution_id", "name"),)

    name: Mapped[str] = mapped_column(String(64))
    capacity: Mapped[int | None] = mapped_column(Integer, default=None)
    note: Mapped[str | None] = mapped_column(String(255), default=None)


class Position(IdMixin, TenantMixin, Base):
    __tablename__ = "position"
    __table_args__ = (UniqueConstraint("institution_id", "name"),)

    name: Mapped[str] = mapped_column(String(255))
