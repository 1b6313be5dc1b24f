"""Departments, specialities, programs, curricula, disciplines, groups and membership."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from campusgraph.db.base import Base, IdMixin, IdType, TenantMixin, enum_column
from campusgraph.db.enums import AttestationForm, DisciplineKind, PeriodKind


class Department(IdMixin, TenantMixin, Base):
    __tablename__ = "department"

    name: Mapped[str] = mapped_column(String(255))
    head_employee_id: Mapped[int | None] = mapped_column(IdType, default=None)


class Speciality(IdMixin, TenantMixin, Base):
    __tablename__ = "speciality"

    code: Mapped[str] = mapped_column(String(32))  # «43.02.15»
    name: Mapped[str] = mapped_column(String(255))
    qualification: Mapped[str | None] = mapped_column(String(255), default=None)


class EducationalProgram(IdMixin, TenantMixin, Base):
    __tablename__ = "educational_program"

    speciality_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("speciality.id"), default=None
    )
    name: Mapped[str] = mapped_column(String(500))
    level: Mapped[str] = mapped_column(String(64))  # ППССЗ, ППКРС, ООО, НОО …
    duration_years: Mapped[int] = mapped_column(Integer, default=4)


class Curriculum(IdMixin, TenantMixin, Base):
    """A plan of disciplines by year of study and term; ``period_kind`` says what a term is."""

    __tablename__ = "curriculum"

    program_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("educational_program.id"), default=None
    )
    name: Mapped[str] = mapped_column(String(255))
    admission_year: Mapped[int] = mapped_column(Integer)
    period_kind: Mapped[PeriodKind] = mapped_column(enum_column(PeriodKind))


class Discipline(IdMixin, TenantMixin, Base):
    __tablename__ = "discipline"
    __table_args__ = (Index(None, "institution_id", "code"),)

    code: Mapped[str | None] = mapped_column(String(32), default=None)  # «ОП.01», «МДК.01.01»
    name: Mapped[str] = mapped_column(String(255))
    short_name: Mapped[str | None] = mapped_column(String(64), default=None)
    kind: Mapped[DisciplineKind] = mapped_column(enum_column(DisciplineKind))
    parent_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("discipline.id"), default=None)


class CurriculumItem(IdMixin, TenantMixin, Base):
    """One discipline in one term of one year of study, with hours and attestation form."""

    __tablename__ = "curriculum_item"
    __table_args__ = (UniqueConstraint("curriculum_id", "discipline_id", "study_year", "term"),)

    curriculum_id: Mapped[int] = mapped_column(IdType, ForeignKey("curriculum.id"), index=True)
    discipline_id: Mapped[int] = mapped_column(IdType, ForeignKey("discipline.id"))
    study_year: Mapped[int] = mapped_column(Integer)
    term: Mapped[int] = mapped_column(Integer)  # the period number within the year
    hours: Mapped[int] = mapped_column(Integer)
    attestation_form: Mapped[AttestationForm] = mapped_column(enum_column(AttestationForm))


class StudyGroup(IdMixin, TenantMixin, Base):
    """A college group or a school class."""

    __tablename__ = "study_group"
    __table_args__ = (Index(None, "institution_id", "name"),)

    name: Mapped[str] = mapped_column(String(64))
    study_year: Mapped[int] = mapped_column(Integer)  # course (college) or grade (school)
    academic_year_id: Mapped[int] = mapped_column(IdType, ForeignKey("academic_year.id"))
    department_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("department.id"), default=None
    )
    speciality_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("speciality.id"), default=None
    )
    curriculum_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("curriculum.id"), default=None
    )
    admission_year: Mapped[int | None] = mapped_column(Integer, default=None)
    graduated_on: Mapped[dt.date | None] = mapped_column(Date, default=None)


class Subgroup(IdMixin, TenantMixin, Base):
    __tablename__ = "subgroup"

    group_id: Mapped[int] = mapped_column(IdType, ForeignKey("study_group.id"), index=True)
    discipline_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("discipline.id"), default=None
    )
    name: Mapped[str] = mapped_column(String(64))


class SubgroupMember(IdMixin, TenantMixin, Base):
    __tablename__ = "subgroup_member"
    __table_args__ = (UniqueConstraint("subgroup_id", "student_id"),)

    subgroup_id: Mapped[int] = mapped_column(IdType, ForeignKey("subgroup.id"))
    student_id: Mapped[int] = mapped_column(IdType, ForeignKey("student.id"), index=True)


class GroupMembership(IdMixin, TenantMixin, Base):
    """Who was in which group from when to when, derived from movement orders.

    ``ends_on`` is exclusive and NULL while open; "who was in group X on date D" is
    ``starts_on <= D AND (ends_on IS NULL OR ends_on > D)``.
    """

    __tablename__ = "group_membership"
    __table_args__ = (
        Index(None, "institution_id", "group_id", "starts_on"),
        Index(None, "institution_id", "student_id", "starts_on"),
    )

    student_id: Mapped[int] = mapped_column(IdType, ForeignKey("student.id"))
    group_id: Mapped[int] = mapped_column(IdType, ForeignKey("study_group.id"))
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date | None] = mapped_column(Date, default=None)
    on_leave: Mapped[bool] = mapped_column(default=False)
    start_order_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("movement_order.id"), default=None
    )
    end_order_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("movement_order.id"), default=None
    )
