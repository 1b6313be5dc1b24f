"""Students, parents and employees, with personal data on separate guarded types."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from sqlalchemy import select

from campusgraph.db import models as m
from campusgraph.db.enums import ParentKind, Sex, StudentStatus
from campusgraph.resolvers import reads
from campusgraph.resolvers.reads import Page
from campusgraph.schema.base import (
    After,
    Connection,
    DateFrom,
    DateTo,
    First,
    GraphQLInfo,
    Node,
    OnDate,
    to_global_id,
)
from campusgraph.schema.structure import Group

if TYPE_CHECKING:
    from campusgraph.schema.movement import GroupMembership
    from campusgraph.schema.teaching import Attendance, FinalMark, Mark, TeachingAssignment

TeachingModule = "campusgraph.schema.teaching"
MovementModule = "campusgraph.schema.movement"


def _full(p: m.Person) -> str:
    return " ".join(x for x in (p.surname, p.name, p.patronymic) if x)


def _short(p: m.Person) -> str:
    initials = "".join(f"{x[0]}." for x in (p.name, p.patronymic) if x)
    return f"{p.surname} {initials}".strip()


@strawberry.type(
    description="Personal data of a student (152-ФЗ): only where the ruleset grants `student.personal`."
)
class StudentPersonal:
    snils: str | None = strawberry.field(description="СНИЛС, «123-456-789 01».")
    birth_date: dt.date | None = strawberry.field(description="Date of birth.")
    address: str | None = strawberry.field(description="Home address.")
    registration_address: str | None = strawberry.field(
        description="Registered address (адрес регистрации), if other."
    )


@strawberry.type(
    description="Health and military registration: only where the ruleset grants `student.health`."
)
class StudentHealth:
    health_group: str | None = strawberry.field(
        description="Health group (группа здоровья), if recorded."
    )
    health_notes: str | None = strawberry.field(description="Health notes, if any.")
    disability: str | None = strawberry.field(
        description="Disability (инвалидность, ОВЗ), if recorded."
    )
    military_registration: str | None = strawberry.field(
        description="Military registration (воинский учёт), if recorded."
    )


@strawberry.type(description="A student card (карточка обучающегося).")
class Student(Node):
    surname: str = strawberry.field(description="Surname (фамилия).")
    name: str = strawberry.field(description="Given name (имя).")
    patronymic: str | None = strawberry.field(description="Patronymic (отчество), if any.")
    full_name: str = strawberry.field(
        description="Surname, name and patronymic: «Иванов Иван Иванович»."
    )
    short_name: str = strawberry.field(description="Surname and initials: «Иванов И. И.».")
    sex: Sex | None = strawberry.field(description="Sex, if recorded.")
    status: StudentStatus = strawberry.field(
        description="Studying, on leave, expelled or graduated."
    )
    citizenship: str = strawberry.field(description="Citizenship.")
    record_book_number: str | None = strawberry.field(
        description="The record book's number (номер зачётной книжки), if any."
    )
    enrolment_order_number: str | None = strawberry.field(
        description="The enrolment order's number, if recorded."
    )
    enrolment_date: dt.date | None = strawberry.field(
        description="The day of enrolment, if recorded."
    )
    _pk: strawberry.Private[int]
    _birth_date: strawberry.Private[dt.date | None]

    @classmethod
    def of(cls, s: m.Student, p: m.Person) -> Student:
        return cls(
            id=to_global_id("Student", s.id),
            surname=p.surname,
            name=p.name,
            patronymic=p.patronymic,
            full_name=_full(p),
            short_name=_short(p),
            sex=p.sex,
            status=s.status,
            citizenship=s.citizenship,
            record_book_number=s.record_book_number,
            enrolment_order_number=s.enrolment_order_number,
            enrolment_date=s.enrolment_date,
            _pk=s.id,
            _birth_date=p.birth_date,
        )

    @strawberry.field(description="The group the student is in on a date (default: today).")
    async def group(self, info: GraphQLInfo, on: OnDate = None) -> Group | None:
        when = on or info.context.viewer.today  # type: ignore[union-attr]
        row = await info.context.loaders.group_by_student(when).load(self._pk)
        return Group.of(row[0]) if row else None

    @strawberry.field(description="Group history from the movement orders, oldest first.")
    async def memberships(
        self, info: GraphQLInfo
    ) -> list[Annotated[GroupMembership, strawberry.lazy(MovementModule)]]:
        from campusgraph.schema.movement import memberships_of

        return await memberships_of(info, self._pk)

    @strawberry.field(description="Parents and guardians, those you may see.")
    async def parents(self, info: GraphQLInfo) -> list[Parent]:
        rows = await info.context.loaders.parents_by_student.load(self._pk)
        return [Parent.of(r[0], r[1], r[3]) for r in rows]

    @strawberry.field(
        description="СНИЛС, birth date, addresses; null when your role may not read them."
    )
    async def personal(self, info: GraphQLInfo) -> StudentPersonal | None:
        row = await info.context.loaders.student_personal_by_student.load(self._pk)
        if row is None:
            return None
        r = row[0]
        return StudentPersonal(
            snils=r.snils,
            birth_date=self._birth_date,
            address=r.address,
            registration_address=r.registration_address,
        )

    @strawberry.field(
        description="Health and military registration; null when your role may not read them."
    )
    async def health(self, info: GraphQLInfo) -> StudentHealth | None:
        row = await info.context.loaders.student_health_by_student.load(self._pk)
        if row is None:
            return None
        r = row[0]
        return StudentHealth(
            health_group=r.health_group,
            health_notes=r.health_notes,
            disability=r.disability,
            military_registration=r.military_registration,
        )

    @strawberry.field(description="The student's marks between two dates.")
    async def marks(
        self,
        info: GraphQLInfo,
        date_from: DateFrom,
        date_to: DateTo,
        first: First = None,
        after: After = None,
    ) -> Connection[Annotated[Mark, strawberry.lazy(TeachingModule)]]:
        from campusgraph.schema.teaching import Mark

        page = await _dated_page(info, "mark", m.Mark, self._pk, date_from, date_to, first, after)
        return Connection.from_page(page, lambda r: Mark.of(r[0]))

    @strawberry.field(description="Absences and lateness between two dates.")
    async def attendance(
        self,
        info: GraphQLInfo,
        date_from: DateFrom,
        date_to: DateTo,
        first: First = None,
        after: After = None,
    ) -> Connection[Annotated[Attendance, strawberry.lazy(TeachingModule)]]:
        from campusgraph.schema.teaching import Attendance

        page = await _dated_page(
            info, "attendance", m.Attendance, self._pk, date_from, date_to, first, after
        )
        return Connection.from_page(page, lambda r: Attendance.of(r[0]))

    @strawberry.field(description="Final marks, optionally of one period.")
    async def final_marks(
        self,
        info: GraphQLInfo,
        period: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Only this period's (its global id); omitted: all."),
        ] = None,
    ) -> list[Annotated[FinalMark, strawberry.lazy(TeachingModule)]]:
        from campusgraph.schema.base import expect_id
        from campusgraph.schema.teaching import FinalMark

        fm = m.FinalMark
        stmt = select(fm).where(fm.student_id == self._pk).order_by(fm.period_id, fm.discipline_id)
        if period is not None:
            stmt = stmt.where(fm.period_id == expect_id(period, "Period"))
        rows = await reads.all_rows(info.context, "final_mark", stmt)
        return [FinalMark.of(r[0]) for r in rows]


async def _dated_page(
    info: GraphQLInfo,
    obj: str,
    model: type[m.Mark] | type[m.Attendance],
    student_id: int,
    date_from: dt.date,
    date_to: dt.date,
    first: int | None,
    after: str | None,
) -> Page:
    """One page of a student's dated rows (marks, attendance), by date; the pages of every
    student asked for in the same operation load in one statement."""
    page: Page = await info.context.loaders.pages(
        f"{model.__name__}PagesByStudent",
        obj,
        model,
        model.student_id,
        where={
            "from": (model.date >= date_from, date_from),
            "to": (model.date <= date_to, date_to),
        },
        order=(model.date, model.id),
        first=first,
        after=after,
    ).load(student_id)
    return page


@strawberry.type(
    description="Personal data of a parent: only where the ruleset grants `parent.personal`."
)
class ParentPersonal:
    snils: str | None = strawberry.field(description="СНИЛС (insurance number): «123-456-789 01».")
    address: str | None = strawberry.field(description="Home address.")


@strawberry.type(description="A parent or legal guardian.")
class Parent(Node):
    surname: str = strawberry.field(description="Surname (фамилия).")
    name: str = strawberry.field(description="Given name (имя).")
    patronymic: str | None = strawberry.field(description="Patronymic (отчество), if any.")
    full_name: str = strawberry.field(
        description="Surname, name and patronymic: «Иванов Иван Иванович»."
    )
    kind: ParentKind | None = strawberry.field(
        description="Mother, father or guardian (of the student it was reached from)."
    )
    phone: str | None = strawberry.field(description="Phone, if recorded.")
    _pk: strawberry.Private[int]

    @classmethod
    def of(cls, row: m.Parent, p: m.Person, kind: Any = None) -> Parent:
        return cls(
            id=to_global_id("Parent", row.id),
            surname=p.surname,
            name=p.name,
            patronymic=p.patronymic,
            full_name=_full(p),
            kind=kind,
            phone=p.phone,
            _pk=row.id,
        )

    @strawberry.field(description="His or her children at the institution, those you may see.")
    async def children(self, info: GraphQLInfo) -> list[Student]:
        rows = await info.context.loaders.children_by_parent.load(self._pk)
        return [Student.of(r[0], r[1]) for r in rows]

    @strawberry.field(description="СНИЛС and address; null when your role may not read them.")
    async def personal(self, info: GraphQLInfo) -> ParentPersonal | None:
        row = await info.context.loaders.parent_personal_by_parent.load(self._pk)
        return ParentPersonal(snils=row[0].snils, address=row[0].address) if row else None


@strawberry.type(
    description="Personal data of an employee: only where the ruleset grants `employee.personal`."
)
class EmployeePersonal:
    snils: str | None = strawberry.field(description="СНИЛС (insurance number): «123-456-789 01».")
    address: str | None = strawberry.field(description="Home address.")
    birth_date: dt.date | None = strawberry.field(description="Date of birth.")


@strawberry.type(description="A position an employee holds.")
class EmployeePosition:
    name: str = strawberry.field(description="The position's name.")
    is_main: bool = strawberry.field(description="His main position (not a combined one).")


@strawberry.type(description="An employee card.")
class Employee(Node):
    surname: str = strawberry.field(description="Surname (фамилия).")
    name: str = strawberry.field(description="Given name (имя).")
    patronymic: str | None = strawberry.field(description="Patronymic (отчество), if any.")
    full_name: str = strawberry.field(
        description="Surname, name and patronymic: «Иванов Иван Иванович»."
    )
    short_name: str = strawberry.field(description="Surname and initials: «Иванов И. И.».")
    category: str | None = strawberry.field(description="Qualification category, if any.")
    diploma_speciality: str | None = strawberry.field(
        description="The speciality of his diploma, if recorded."
    )
    hired_on: dt.date | None = strawberry.field(description="Date of hiring, if recorded.")
    dismissed_on: dt.date | None = strawberry.field(
        description="Date of dismissal; null while employed."
    )
    _pk: strawberry.Private[int]
    _birth_date: strawberry.Private[dt.date | None]

    @classmethod
    def of(cls, e: m.Employee, p: m.Person) -> Employee:
        return cls(
            id=to_global_id("Employee", e.id),
            surname=p.surname,
            name=p.name,
            patronymic=p.patronymic,
            full_name=_full(p),
            short_name=_short(p),
            category=e.category,
            diploma_speciality=e.diploma_speciality,
            hired_on=e.hired_on,
            dismissed_on=e.dismissed_on,
            _pk=e.id,
            _birth_date=p.birth_date,
        )

    @strawberry.field(description="The positions he holds.")
    async def positions(self, info: GraphQLInfo) -> list[EmployeePosition]:
        rows = await info.context.loaders.positions_by_employee.load(self._pk)
        return [EmployeePosition(name=r[0], is_main=r[2]) for r in rows]

    @strawberry.field(description="What this employee teaches.")
    async def teaching_assignments(
        self, info: GraphQLInfo
    ) -> list[Annotated[TeachingAssignment, strawberry.lazy(TeachingModule)]]:
        from campusgraph.schema.teaching import TeachingAssignment

        rows = await info.context.loaders.teaching_by_teacher.load(self._pk)
        return [TeachingAssignment.of(r[0]) for r in rows]

    @strawberry.field(description="Groups this employee curates today.")
    async def curated_groups(self, info: GraphQLInfo) -> list[Group]:
        loader = info.context.loaders.curated_groups_by_employee(info.context.viewer.today)  # type: ignore[union-attr]
        rows = await loader.load(self._pk)
        return [Group.of(r[0]) for r in rows]

    @strawberry.field(
        description="СНИЛС, address, birth date; null when your role may not read them."
    )
    async def personal(self, info: GraphQLInfo) -> EmployeePersonal | None:
        row = await info.context.loaders.employee_personal_by_employee.load(self._pk)
        if row is None:
            return None
        return EmployeePersonal(
            snils=row[0].snils, address=row[0].address, birth_date=self._birth_date
        )
