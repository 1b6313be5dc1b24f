"""Movement orders (книга движения): the source of group membership."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from campusgraph.db.base import Base, IdMixin, IdType, TenantMixin, enum_column, utcnow
from campusgraph.db.enums import MovementKind


class MovementOrder(IdMixin, TenantMixin, Base):
    __tablename__ = "movement_order"
    __table_args__ = (UniqueConstraint("institution_id", "number", "signed_on"),)

    kind: Mapped[MovementKind] = mapped_column(enum_column(MovementKind))
    number: Mapped[str] = mapped_column(String(32))
    signed_on: Mapped[dt.date] = mapped_column(Date)
    effective_on: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text, default=None)
    created_by_user_id: Mapped[int | None] = mapped_column(IdType, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: The day the order was entered, on the institution's calendar: an expulsion order is
    #: due within ``rules.deadlines.expulsion_order_days`` working days of ``effective_on``
    #: (Altai п. 4.2, Armavir п. 4.1). NULL: entered before it was kept.
    created_on: Mapped[dt.date | None] = mapped_column(Date, default=None)


class MovementOrderItem(IdMixin, TenantMixin, Base):
    __tablename__ = "movement_order_item"
    __table_args__ = (UniqueConstraint("order_id", "student_id"),)

    order_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("movement_order.id", ondelete="CASCADE")
    )
    student_id: Mapped[int] = mapped_column(IdType, ForeignKey("student.id"), index=True)
    from_group_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("study_group.id"), default=None
    )
    to_group_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("study_group.id"), default=None
    )
