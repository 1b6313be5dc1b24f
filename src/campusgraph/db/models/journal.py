"""The electronic journal: lessons, graded works, marks, attendance, final marks.

Marks and attendance carry the group, discipline and date of their lesson. The copy is
deliberate: a journal grid and every policy filter ("taught", "curated_group",
"period_open") become single-table range scans led by ``institution_id``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from campusgraph.db.base import Base, IdMixin, IdType, TenantMixin, VersionMixin, enum_column
from campusgraph.db.enums import (
    AbsenceReason,
    AttendanceStatus,
    FinalMarkKind,
    LessonType,
    WorkKind,
)


class Lesson(IdMixin, TenantMixin, VersionMixin, Base):
    __tablename__ = "lesson"
    __table_args__ = (
        Index(None, "institution_id", "group_id", "discipline_id", "date"),
        Index(None, "institution_id", "teacher_id", "date"),
    )

    group_id: Mapped[int] = mapped_column(IdType, ForeignKey("study_group.id"))
    subgroup_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("subgroup.id"), default=None)
    discipline_id: Mapped[int] = mapped_column(IdType, ForeignKey("discipline.id"))
    teacher_id: Mapped[int] = mapped_column(IdType, ForeignKey("employee.id"))
    date: Mapped[dt.date] = mapped_column(Date)
    slot: Mapped[int] = mapped_column(Integer)
    room_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("room.id"), default=None)
    topic: Mapped[str | None] = mapped_column(String(500), default=None)
    plan_topic_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("thematic_plan_topic.id"), default=None
    )
    lesson_type: Mapped[LessonType] = mapped_column(
        enum_column(LessonType), default=LessonType.LESSON
    )
    homework: Mapped[str | None] = mapped_column(Text, default=None)


class IndividualHomework(IdMixin, TenantMixin, Base):
    __tablename__ = "individual_homework"
    __table_args__ = (UniqueConstraint("lesson_id", "student_id"),)

    lesson_id: Mapped[int] = mapped_column(IdType, ForeignKey("lesson.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(IdType, ForeignKey("student.id"))
    text: Mapped[str] = mapped_column(Text)


class Work(IdMixin, TenantMixin, Base):
    """A graded work within a lesson: one journal column."""

    __tablename__ = "work"
    __table_args__ = (
        Index(None, "institution_id", "group_id", "discipline_id", "date"),
        Index(None, "lesson_id"),  # migration 0003: the journal's join, the cascade
    )

    lesson_id: Mapped[int] = mapped_column(IdType, ForeignKey("lesson.id", ondelete="CASCADE"))
    group_id: Mapped[int] = mapped_column(IdType, ForeignKey("study_group.id"))
    discipline_id: Mapped[int] = mapped_column(IdType, ForeignKey("discipline.id"))
    date: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[WorkKind] = mapped_column(enum_column(WorkKind))
    number: Mapped[int | None] = mapped_column(Integer, default=None)
    title: Mapped[str | None] = mapped_column(String(255), default=None)


class Mark(IdMixin, TenantMixin, VersionMixin, Base):
    __tablename__ = "mark"
    __table_args__ = (
        UniqueConstraint("work_id", "student_id"),
        Index(None, "institution_id", "group_id", "discipline_id", "date"),
        Index(None, "institution_id", "student_id", "date"),
        Index(None, "lesson_id"),  # migration 0003: deleting a lesson cascades by it
    )

    work_id: Mapped[int] = mapped_column(IdType, ForeignKey("work.id", ondelete="CASCADE"))
    lesson_id: Mapped[int] = mapped_column(IdType, ForeignKey("lesson.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(IdType, ForeignKey("student.id"))
    group_id: Mapped[int] = mapped_column(IdType, ForeignKey("study_group.id"))
    discipline_id: Mapped[int] = mapped_column(IdType, ForeignKey("discipline.id"))
    date: Mapped[dt.date] = mapped_column(Date)
    value: Mapped[str] = mapped_column(String(8))  # "2".."5", "pass", "fail"
    comment: Mapped[str | None] = mapped_column(String(500), default=None)
    author_user_id: Mapped[int | None] = mapped_column(IdType, default=None)


class Attendance(IdMixin, TenantMixin, VersionMixin, Base):
    """Only absences and lateness are stored; presence is the default."""

    __tablename__ = "attendance"
    __table_args__ = (
        UniqueConstraint("lesson_id", "student_id"),
        Index(None, "institution_id", "group_id", "discipline_id", "date"),
        Index(None, "institution_id", "student_id", "date"),
    )

    lesson_id: Mapped[int] = mapped_column(IdType, ForeignKey("lesson.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(IdType, ForeignKey("student.id"))
    group_id: Mapped[int] = mapped_column(IdType, ForeignKey("study_group.id"))
    discipline_id: Mapped[int] = mapped_column(IdType, ForeignKey("discipline.id"))
    date: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[AttendanceStatus] = mapped_column(enum_column(AttendanceStatus))
    reason: Mapped[AbsenceReason | None] = mapped_column(enum_column(AbsenceReason), default=None)
    reason_set_by_user_id: Mapped[int | None] = mapped_column(IdType, default=None)
    author_user_id: Mapped[int | None] = mapped_column(IdType, default=None)


class FinalMark(IdMixin, TenantMixin, VersionMixin, Base):
    """Period, semester, year, exam or attestation mark of a student in a discipline."""

    __tablename__ = "final_mark"
    __table_args__ = (
        UniqueConstraint("student_id", "discipline_id", "period_id", "kind"),
        Index(None, "institution_id", "group_id", "discipline_id", "period_id"),
    )

    student_id: Mapped[int] = mapped_column(IdType, ForeignKey("student.id"))
    discipline_id: Mapped[int] = mapped_column(IdType, ForeignKey("discipline.id"))
    group_id: Mapped[int] = mapped_column(IdType, ForeignKey("study_group.id"))
    period_id: Mapped[int] = mapped_column(IdType, ForeignKey("period.id"))
    #: The period's last day, copied like a mark's date: the closed-period rule and the
    #: policy conditions then read one column instead of a correlated lookup.
    date: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[FinalMarkKind] = mapped_column(enum_column(FinalMarkKind))
    value: Mapped[str] = mapped_column(String(8))
    needs_approval: Mapped[bool] = mapped_column(default=False)
    author_user_id: Mapped[int | None] = mapped_column(IdType, default=None)
    #: The day the mark was first set, on the institution's calendar (``updated_at`` moves
    #: with every change): attestation marks are due the working day after the exam
    #: (``rules.deadlines.attestation_mark_days``, Armavir п. 4.6). NULL: set before it was kept.
    set_on: Mapped[dt.date | None] = mapped_column(Date, default=None)
    #: Who agreed a mark given against the rule (Armavir разд. 6), and when; cleared when
    #: the value changes.
    approved_by_user_id: Mapped[int | None] = mapped_column(IdType, default=None)
    approved_at: Mapped[dt.datetime | None] = mapped_column(default=None)
