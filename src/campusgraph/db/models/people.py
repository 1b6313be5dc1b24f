"""People: persons, employees, students, parents, applicants, and their personal data.

Personal data under 152-ФЗ (СНИЛС, addresses, health, military registration) lives in
separate ``*_personal`` tables, so no list query selects it by accident: it is read only
through the guarded loaders that apply the ruleset's ``*.personal`` filter.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from campusgraph.db.base import Base, IdMixin, IdType, TenantMixin, enum_column, utcnow
from campusgraph.db.enums import FundingSource, ParentKind, Sex, StudentStatus, StudyForm


class Person(IdMixin, TenantMixin, Base):
    __tablename__ = "person"
    __table_args__ = (Index(None, "institution_id", "surname", "name"),)

    surname: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(128))
    patronymic: Mapped[str | None] = mapped_column(String(128), default=None)
    birth_date: Mapped[dt.date | None] = mapped_column(Date, default=None)
    sex: Mapped[Sex | None] = mapped_column(enum_column(Sex), default=None)
    email: Mapped[str | None] = mapped_column(String(255), default=None)
    phone: Mapped[str | None] = mapped_column(String(32), default=None)


class Employee(IdMixin, TenantMixin, Base):
    __tablename__ = "employee"

    person_id: Mapped[int] = mapped_column(IdType, ForeignKey("person.id"), index=True)
    category: Mapped[str | None] = mapped_column(String(64), default=None)
    diploma_speciality: Mapped[str | None] = mapped_column(String(255), default=None)
    hired_on: Mapped[dt.date | None] = mapped_column(Date, default=None)
    dismissed_on: Mapped[dt.date | None] = mapped_column(Date, default=None)


class EmployeePosition(IdMixin, TenantMixin, Base):
    __tablename__ = "employee_position"
    __table_args__ = (UniqueConstraint("employee_id", "position_id"),)

    employee_id: Mapped[int] = mapped_column(IdType, ForeignKey("employee.id"), index=True)
    position_id: Mapped[int] = mapped_column(IdType, ForeignKey("position.id"))
    is_main: Mapped[bool] = mapped_column(default=True)
    rate: Mapped[Decimal] = mapped_column(Numeric(4, 2), default=Decimal("1.00"))


class EmployeePersonal(TenantMixin, Base):
    __tablename__ = "employee_personal"

    employee_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("employee.id", ondelete="CASCADE"), primary_key=True
    )
    snils: Mapped[str | None] = mapped_column(String(14), default=None)
    address: Mapped[str | None] = mapped_column(String(500), default=None)
    passport: Mapped[str | None] = mapped_column(String(64), default=None)


class Student(IdMixin, TenantMixin, Base):
    """The student card (карточка обучающегося / личное дело), minus personal data."""

    __tablename__ = "student"

    person_id: Mapped[int] = mapped_column(IdType, ForeignKey("person.id"), index=True)
    status: Mapped[StudentStatus] = mapped_column(
        enum_column(StudentStatus), default=StudentStatus.STUDYING
    )
    citizenship: Mapped[str] = mapped_column(String(64), default="Российская Федерация")
    record_book_number: Mapped[str | None] = mapped_column(String(32), default=None)
    enrolment_order_number: Mapped[str | None] = mapped_column(String(32), default=None)
    enrolment_date: Mapped[dt.date | None] = mapped_column(Date, default=None)
    funding_source: Mapped[FundingSource] = mapped_column(
        enum_column(FundingSource), default=FundingSource.BUDGET
    )
    study_form: Mapped[StudyForm] = mapped_column(
        enum_column(StudyForm), default=StudyForm.FULL_TIME
    )
    education_level: Mapped[str | None] = mapped_column(String(128), default=None)
    #: The day the card was entered, on the institution's calendar, and by whom: the
    #: card is due within ``rules.deadlines.student_card_days`` working days of
    #: ``enrolment_date`` (Altai п. 4.2, Armavir п. 4.1). NULL: entered before it was kept.
    created_on: Mapped[dt.date | None] = mapped_column(Date, default=None)
    created_by_user_id: Mapped[int | None] = mapped_column(IdType, default=None)


class StudentPersonal(TenantMixin, Base):
    __tablename__ = "student_personal"

    student_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("student.id", ondelete="CASCADE"), primary_key=True
    )
    snils: Mapped[str | None] = mapped_column(String(14), default=None)
    address: Mapped[str | None] = mapped_column(String(500), default=None)
    registration_address: Mapped[str | None] = mapped_column(String(500), default=None)
    health_group: Mapped[str | None] = mapped_column(String(32), default=None)
    health_notes: Mapped[str | None] = mapped_column(Text, default=None)
    disability: Mapped[str | None] = mapped_column(String(255), default=None)
    military_registration: Mapped[str | None] = mapped_column(String(255), default=None)


class Parent(IdMixin, TenantMixin, Base):
    """A parent or legal guardian card."""

    __tablename__ = "parent"

    person_id: Mapped[int] = mapped_column(IdType, ForeignKey("person.id"), index=True)
    work_place: Mapped[str | None] = mapped_column(String(255), default=None)


class ParentPersonal(TenantMixin, Base):
    __tablename__ = "parent_personal"

    parent_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("parent.id", ondelete="CASCADE"), primary_key=True
    )
    snils: Mapped[str | None] = mapped_column(String(14), default=None)
    address: Mapped[str | None] = mapped_column(String(500), default=None)


class ParentLink(IdMixin, TenantMixin, Base):
    __tablename__ = "parent_link"
    __table_args__ = (
        UniqueConstraint("parent_id", "student_id"),
        Index(None, "institution_id", "student_id"),
    )

    parent_id: Mapped[int] = mapped_column(IdType, ForeignKey("parent.id"))
    student_id: Mapped[int] = mapped_column(IdType, ForeignKey("student.id"))
    kind: Mapped[ParentKind] = mapped_column(enum_column(ParentKind))


class Applicant(IdMixin, TenantMixin, Base):
    """An applicant of the admission campaign (абитуриент)."""

    __tablename__ = "applicant"

    surname: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(128))
    patronymic: Mapped[str | None] = mapped_column(String(128), default=None)
    birth_date: Mapped[dt.date] = mapped_column(Date)
    citizenship: Mapped[str] = mapped_column(String(64))
    education_level: Mapped[str] = mapped_column(String(128))
    funding_source: Mapped[FundingSource] = mapped_column(enum_column(FundingSource))
    study_form: Mapped[StudyForm] = mapped_column(enum_column(StudyForm))
    speciality_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("speciality.id"), default=None
    )
    applied_on: Mapped[dt.date] = mapped_column(Date)
    average_grade: Mapped[Decimal | None] = mapped_column(Numeric(4, 3), default=None)
    enrolled_student_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("student.id"), default=None
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
