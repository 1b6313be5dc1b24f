"""Who teaches what, who curates which group, substitutions, thematic plans, timetable."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from campusgraph.db.base import Base, IdMixin, IdType, TenantMixin, enum_column, utcnow
from campusgraph.db.enums import LessonType, TimetableKind


class TeachingAssignment(IdMixin, TenantMixin, Base):
    """Teacher × discipline × group (or subgroup) × academic year."""

    __tablename__ = "teaching_assignment"
    __table_args__ = (
        Index(None, "institution_id", "teacher_id", "group_id", "discipline_id"),
        Index(None, "institution_id", "group_id", "discipline_id"),
    )

    teacher_id: Mapped[int] = mapped_column(IdType, ForeignKey("employee.id"))
    discipline_id: Mapped[int] = mapped_column(IdType, ForeignKey("discipline.id"))
    group_id: Mapped[int] = mapped_column(IdType, ForeignKey("study_group.id"))
    subgroup_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("subgroup.id"), default=None)
    academic_year_id: Mapped[int] = mapped_column(IdType, ForeignKey("academic_year.id"))
    hours: Mapped[int | None] = mapped_column(Integer, default=None)


class Curatorship(IdMixin, TenantMixin, Base):
    """Curator, class teacher or master of industrial training of one group."""

    __tablename__ = "curatorship"
    __table_args__ = (Index(None, "institution_id", "curator_id", "group_id"),)

    group_id: Mapped[int] = mapped_column(IdType, ForeignKey("study_group.id"))
    curator_id: Mapped[int] = mapped_column(IdType, ForeignKey("employee.id"))
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date | None] = mapped_column(Date, default=None)


class Substitution(IdMixin, TenantMixin, Base):
    """An administrator lets a teacher fill one lesson he covers (Tomsk regulation)."""

    __tablename__ = "substitution"
    __table_args__ = (UniqueConstraint("lesson_id", "teacher_id"),)

    lesson_id: Mapped[int] = mapped_column(IdType, ForeignKey("lesson.id", ondelete="CASCADE"))
    teacher_id: Mapped[int] = mapped_column(IdType, ForeignKey("employee.id"))
    granted_by_user_id: Mapped[int | None] = mapped_column(IdType, default=None)
    granted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ThematicPlan(IdMixin, TenantMixin, Base):
    """Календарно-тематическое планирование: topics of a discipline for a group."""

    __tablename__ = "thematic_plan"
    __table_args__ = (UniqueConstraint("group_id", "discipline_id", "academic_year_id"),)

    group_id: Mapped[int] = mapped_column(IdType, ForeignKey("study_group.id"))
    discipline_id: Mapped[int] = mapped_column(IdType, ForeignKey("discipline.id"))
    academic_year_id: Mapped[int] = mapped_column(IdType, ForeignKey("academic_year.id"))
    author_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("employee.id"), default=None)


class ThematicPlanTopic(IdMixin, TenantMixin, Base):
    __tablename__ = "thematic_plan_topic"
    __table_args__ = (UniqueConstraint("plan_id", "position"),)

    plan_id: Mapped[int] = mapped_column(IdType, ForeignKey("thematic_plan.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(500))
    hours: Mapped[int] = mapped_column(Integer, default=2)
    lesson_type: Mapped[LessonType] = mapped_column(
        enum_column(LessonType), default=LessonType.LESSON
    )


class TimetableEntry(IdMixin, TenantMixin, Base):
    """A weekly slot of the timetable, valid over a date range."""

    __tablename__ = "timetable_entry"
    __table_args__ = (
        Index(None, "institution_id", "group_id", "weekday", "slot"),
        Index(None, "institution_id", "teacher_id", "weekday", "slot"),
    )

    kind: Mapped[TimetableKind] = mapped_column(
        enum_column(TimetableKind), default=TimetableKind.LESSON
    )
    group_id: Mapped[int] = mapped_column(IdType, ForeignKey("study_group.id"))
    subgroup_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("subgroup.id"), default=None)
    discipline_id: Mapped[int] = mapped_column(IdType, ForeignKey("discipline.id"))
    teacher_id: Mapped[int] = mapped_column(IdType, ForeignKey("employee.id"))
    room_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("room.id"), default=None)
    weekday: Mapped[int] = mapped_column(Integer)  # ISO: 1 = Monday
    slot: Mapped[int] = mapped_column(Integer)  # bell number
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(String(255), default=None)
