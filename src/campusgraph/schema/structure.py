"""Institution, calendar and structure: departments, specialities, programs, curricula,
disciplines, periods, rooms, groups."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from sqlalchemy import select

from campusgraph.arguments import within
from campusgraph.db import models as m
from campusgraph.db.enums import AttestationForm, DisciplineKind, InstitutionKind, PeriodKind
from campusgraph.resolvers import reads
from campusgraph.resolvers.loaders import rows_to_entities
from campusgraph.schema import enums  # noqa: F401  (registers the enums)
from campusgraph.schema.base import (
    After,
    Connection,
    DateFrom,
    DateTo,
    First,
    GraphQLInfo,
    Node,
    OnDate,
    OptionalDateFrom,
    OptionalDateTo,
    expect_id,
    to_global_id,
    within_dates,
)

#: A group's course or grade, as ``createGroup`` accepts it: a filter beyond it is a mistake.
STUDY_YEARS = 11

if TYPE_CHECKING:
    from campusgraph.schema.journal import Journal
    from campusgraph.schema.journal_rules import ComplianceReport, ThematicPlan
    from campusgraph.schema.people import Employee, Student
    from campusgraph.schema.structure_mutations import Position
    from campusgraph.schema.teaching import Lesson, TeachingAssignment, TimetableEntry
    from campusgraph.schema.timetable import BellSlot, DayOff, DayTransfer

PeopleModule = "campusgraph.schema.people"
TeachingModule = "campusgraph.schema.teaching"
JournalModule = "campusgraph.schema.journal"
JournalRulesModule = "campusgraph.schema.journal_rules"


async def _list(info: GraphQLInfo, obj: str, stmt: Any) -> list[Any]:
    return rows_to_entities(await reads.all_rows(info.context, obj, stmt))


@strawberry.type(description="A department (отделение) of a college.")
class Department(Node):
    name: str = strawberry.field(description="The department's name.")
    _pk: strawberry.Private[int]

    @classmethod
    def of(cls, row: m.Department) -> Department:
        return cls(id=to_global_id("Department", row.id), name=row.name, _pk=row.id)


@strawberry.type(description="A speciality or profession a college trains for.")
class Speciality(Node):
    code: str = strawberry.field(description="ФГОС code, e.g. «09.02.07».")
    name: str = strawberry.field(description="The speciality's name.")
    qualification: str | None = strawberry.field(
        description="The qualification it gives, if recorded."
    )

    @classmethod
    def of(cls, row: m.Speciality) -> Speciality:
        return cls(
            id=to_global_id("Speciality", row.id),
            code=row.code,
            name=row.name,
            qualification=row.qualification,
        )


@strawberry.type(description="An educational program (ППССЗ, ППКРС, ООП НОО …).")
class EducationalProgram(Node):
    name: str = strawberry.field(description="The program's name.")
    level: str = strawberry.field(description="Its level of education.")
    duration_years: int = strawberry.field(description="Its length in years.")

    @classmethod
    def of(cls, row: m.EducationalProgram) -> EducationalProgram:
        return cls(
            id=to_global_id("EducationalProgram", row.id),
            name=row.name,
            level=row.level,
            duration_years=row.duration_years,
        )


@strawberry.type(description="A discipline: subject, УД, МДК, ПМ or practice.")
class Discipline(Node):
    code: str | None = strawberry.field(
        description="Its code in the curriculum (ОП.01, МДК.01.01 …), if any."
    )
    name: str = strawberry.field(description="The discipline's full name.")
    short_name: str | None = strawberry.field(
        description="A short name for narrow columns, if any."
    )
    kind: DisciplineKind = strawberry.field(description="Subject, УД, МДК, ПМ or practice.")
    _pk: strawberry.Private[int]

    @classmethod
    def of(cls, row: m.Discipline) -> Discipline:
        return cls(
            id=to_global_id("Discipline", row.id),
            code=row.code,
            name=row.name,
            short_name=row.short_name,
            kind=row.kind,
            _pk=row.id,
        )

    @strawberry.field(description="The professional module (ПМ) of an МДК or a practice.")
    async def parent(self, info: GraphQLInfo) -> Discipline | None:
        loader = info.context.loaders.entity_by_id("discipline", m.Discipline)
        row = await loader.load(self._pk)
        if row is None or row[0].parent_id is None:
            return None
        parent = await loader.load(row[0].parent_id)
        return Discipline.of(parent[0]) if parent else None


@strawberry.type(description="One discipline in one term of a year of study.")
class CurriculumItem:
    study_year: int = strawberry.field(description="The year of study (course, grade).")
    term: int = strawberry.field(description="Number of the period within the year.")
    hours: int = strawberry.field(description="Academic hours planned.")
    attestation_form: AttestationForm = strawberry.field(description="How it is attested.")
    _discipline_id: strawberry.Private[int]

    @strawberry.field(description="The discipline.")
    async def discipline(self, info: GraphQLInfo) -> Discipline | None:
        row = await info.context.loaders.entity_by_id("discipline", m.Discipline).load(
            self._discipline_id
        )
        return Discipline.of(row[0]) if row else None


@strawberry.type(description="A curriculum (учебный план).")
class Curriculum(Node):
    name: str = strawberry.field(description="The curriculum's name.")
    admission_year: int = strawberry.field(description="The year of admission it is for.")
    period_kind: PeriodKind = strawberry.field(
        description="The periods its terms are counted in (semesters, quarters …)."
    )
    _pk: strawberry.Private[int]

    @classmethod
    def of(cls, row: m.Curriculum) -> Curriculum:
        return cls(
            id=to_global_id("Curriculum", row.id),
            name=row.name,
            admission_year=row.admission_year,
            period_kind=row.period_kind,
            _pk=row.id,
        )

    @strawberry.field(description="Disciplines by year of study and term.")
    async def items(self, info: GraphQLInfo) -> list[CurriculumItem]:
        rows = await info.context.loaders.items_by_curriculum.load(self._pk)
        return [
            CurriculumItem(
                study_year=r[0].study_year,
                term=r[0].term,
                hours=r[0].hours,
                attestation_form=r[0].attestation_form,
                _discipline_id=r[0].discipline_id,
            )
            for r in rows
        ]


@strawberry.type(description="A quarter, half-year, semester or year.")
class Period(Node):
    kind: PeriodKind = strawberry.field(description="Quarter, half-year, semester or year.")
    number: int = strawberry.field(description="Its number within the year.")
    name: str = strawberry.field(description="«1 четверть», «1 семестр».")
    starts_on: dt.date = strawberry.field(description="The period's first day.")
    ends_on: dt.date = strawberry.field(description="The period's last day.")
    closed_at: dt.datetime | None = strawberry.field(
        description="When the period was closed for edits; null while open."
    )

    @classmethod
    def of(cls, row: m.Period) -> Period:
        return cls(
            id=to_global_id("Period", row.id),
            kind=row.kind,
            number=row.number,
            name=row.name,
            starts_on=row.starts_on,
            ends_on=row.ends_on,
            closed_at=row.closed_at,
        )

    @strawberry.field(description="Whether the period is closed for edits.")
    def is_closed(self) -> bool:
        return self.closed_at is not None

    @strawberry.field(
        description="Whether today, in the institution's time zone, falls within the period "
        "(`startsOn` to `endsOn`, both inclusive). Periods of different kinds overlap: a "
        "quarter and its half-year are current together."
    )
    def is_current(self, info: GraphQLInfo) -> bool:
        return within_dates(info, self.starts_on, self.ends_on)


@strawberry.type(description="An academic year with its periods.")
class AcademicYear(Node):
    name: str = strawberry.field(description="«2025/2026».")
    starts_on: dt.date = strawberry.field(description="The year's first day.")
    ends_on: dt.date = strawberry.field(description="The year's last day.")
    is_current: bool = strawberry.field(
        description="The year the institution works in now, as its administrator set it "
        "(`updateAcademicYear`, `openAcademicYear`): one year at a time, kept while the next "
        "year's periods are prepared."
    )
    _pk: strawberry.Private[int]

    @classmethod
    def of(cls, row: m.AcademicYear) -> AcademicYear:
        return cls(
            id=to_global_id("AcademicYear", row.id),
            name=row.name,
            starts_on=row.starts_on,
            ends_on=row.ends_on,
            is_current=row.is_current,
            _pk=row.id,
        )

    @strawberry.field(description="The year's periods, in order.")
    async def periods(self, info: GraphQLInfo) -> list[Period]:
        rows = await info.context.loaders.periods_by_year.load(self._pk)
        return [Period.of(r[0]) for r in rows]


@strawberry.type(description="A room (аудитория, кабинет).")
class Room(Node):
    name: str = strawberry.field(description="The room's name or number.")
    capacity: int | None = strawberry.field(description="Seats, if recorded.")

    @classmethod
    def of(cls, row: m.Room) -> Room:
        return cls(id=to_global_id("Room", row.id), name=row.name, capacity=row.capacity)


@strawberry.type(description="A subgroup of a group, for one discipline.")
class Subgroup(Node):
    name: str = strawberry.field(description="The subgroup's name.")

    @classmethod
    def of(cls, row: m.Subgroup) -> Subgroup:
        return cls(id=to_global_id("Subgroup", row.id), name=row.name)

    @strawberry.field(description="The discipline the group is split for.")
    async def discipline(self, info: GraphQLInfo) -> Discipline | None:
        from campusgraph.ids import from_global_id

        loader = info.context.loaders.entity_by_id("subgroup", m.Subgroup)
        row = await loader.load(from_global_id(self.id)[1])
        if row is None or row[0].discipline_id is None:
            return None
        found = await info.context.loaders.entity_by_id("discipline", m.Discipline).load(
            row[0].discipline_id
        )
        return Discipline.of(found[0]) if found else None

    @strawberry.field(description="Students of the subgroup.")
    async def members(
        self, info: GraphQLInfo
    ) -> list[Annotated[Student, strawberry.lazy(PeopleModule)]]:
        from campusgraph.ids import from_global_id
        from campusgraph.resolvers.structure_writes import subgroup_members
        from campusgraph.schema.people import Student

        rows = await subgroup_members(info.context).load(from_global_id(self.id)[1])
        return [Student.of(r[0], r[1]) for r in rows]


@strawberry.type(description="A college group or a school class.")
class Group(Node):
    name: str = strawberry.field(description="The group's or class's name: «ИС-21», «5А».")
    study_year: int = strawberry.field(description="Course (college) or grade (school).")
    admission_year: int | None = strawberry.field(
        description="The year its students were admitted, if recorded."
    )
    _pk: strawberry.Private[int]
    _department_id: strawberry.Private[int | None]
    _speciality_id: strawberry.Private[int | None]
    _curriculum_id: strawberry.Private[int | None]

    @classmethod
    def of(cls, row: m.StudyGroup) -> Group:
        return cls(
            id=to_global_id("Group", row.id),
            name=row.name,
            study_year=row.study_year,
            admission_year=row.admission_year,
            _pk=row.id,
            _department_id=row.department_id,
            _speciality_id=row.speciality_id,
            _curriculum_id=row.curriculum_id,
        )

    @strawberry.field(description="Students in the group on a date (default: today).")
    async def students(
        self, info: GraphQLInfo, on: OnDate = None
    ) -> list[Annotated[Student, strawberry.lazy(PeopleModule)]]:
        from campusgraph.schema.people import Student

        when = on or info.context.viewer.today  # type: ignore[union-attr]
        rows = await info.context.loaders.students_by_group(when).load(self._pk)
        return [Student.of(r[0], r[1]) for r in rows]

    @strawberry.field(description="Curator (куратор, классный руководитель) today.")
    async def curator(
        self, info: GraphQLInfo
    ) -> Annotated[Employee, strawberry.lazy(PeopleModule)] | None:
        from campusgraph.schema.people import Employee

        rows = await info.context.loaders.curators_by_group(info.context.viewer.today).load(  # type: ignore[union-attr]
            self._pk
        )
        return Employee.of(rows[0][0], rows[0][1]) if rows else None

    @strawberry.field(description="Its department (college), if any.")
    async def department(self, info: GraphQLInfo) -> Department | None:
        if self._department_id is None:
            return None
        row = await info.context.loaders.entity_by_id("department", m.Department).load(
            self._department_id
        )
        return Department.of(row[0]) if row else None

    @strawberry.field(description="The speciality it trains for (college), if any.")
    async def speciality(self, info: GraphQLInfo) -> Speciality | None:
        if self._speciality_id is None:
            return None
        row = await info.context.loaders.entity_by_id("speciality", m.Speciality).load(
            self._speciality_id
        )
        return Speciality.of(row[0]) if row else None

    @strawberry.field(description="The curriculum it follows, if set.")
    async def curriculum(self, info: GraphQLInfo) -> Curriculum | None:
        if self._curriculum_id is None:
            return None
        row = await info.context.loaders.entity_by_id("curriculum", m.Curriculum).load(
            self._curriculum_id
        )
        return Curriculum.of(row[0]) if row else None

    @strawberry.field(description="Its subgroups for disciplines taught in parts.")
    async def subgroups(self, info: GraphQLInfo) -> list[Subgroup]:
        rows = await info.context.loaders.subgroups_by_group.load(self._pk)
        return [Subgroup.of(r[0]) for r in rows]

    @strawberry.field(description="Who teaches which discipline in this group.")
    async def teaching_assignments(
        self, info: GraphQLInfo
    ) -> list[Annotated[TeachingAssignment, strawberry.lazy(TeachingModule)]]:
        from campusgraph.schema.teaching import TeachingAssignment

        rows = await info.context.loaders.teaching_by_group.load(self._pk)
        return [TeachingAssignment.of(r[0]) for r in rows]

    @strawberry.field(description="The weekly timetable of the group.")
    async def timetable(
        self, info: GraphQLInfo
    ) -> list[Annotated[TimetableEntry, strawberry.lazy(TeachingModule)]]:
        from campusgraph.schema.teaching import TimetableEntry

        rows = await info.context.loaders.timetable_by_group.load(self._pk)
        return [TimetableEntry.of(r[0]) for r in rows]

    @strawberry.field(
        description="Lessons of the group between two dates, optionally of one discipline."
    )
    async def lessons(
        self,
        info: GraphQLInfo,
        date_from: DateFrom,
        date_to: DateTo,
        discipline: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Only this discipline's lessons (its global id)."),
        ] = None,
        first: First = None,
        after: After = None,
    ) -> Connection[Annotated[Lesson, strawberry.lazy(TeachingModule)]]:
        from campusgraph.schema.teaching import Lesson

        le = m.Lesson
        stmt = select(le).where(le.group_id == self._pk, le.date >= date_from, le.date <= date_to)
        if discipline is not None:
            stmt = stmt.where(le.discipline_id == expect_id(discipline, "Discipline"))
        stmt = stmt.order_by(le.date, le.slot, le.id)
        page = await reads.page(info.context, "lesson", stmt, first=first, after=after)
        return Connection.from_page(page, lambda r: Lesson.of(r[0]))

    @strawberry.field(
        description="The journal of this group in one discipline and period; null, with a "
        "NOT_FOUND or FORBIDDEN error at its path, when there is none or it is not yours to "
        "read."
    )
    async def journal(
        self,
        info: GraphQLInfo,
        discipline: Annotated[
            strawberry.ID, strawberry.argument(description="The discipline (its global id).")
        ],
        period: Annotated[
            strawberry.ID, strawberry.argument(description="The period (its global id).")
        ],
    ) -> Annotated[Journal, strawberry.lazy(JournalModule)] | None:
        from campusgraph.schema.journal import resolve_journal

        return await resolve_journal(info, self.id, discipline, period)

    @strawberry.field(
        description="The thematic plan (КТП) of this group in a discipline: the topics to "
        "pick for a lesson. Null when there is none or it is not yours to see."
    )
    async def thematic_plan(
        self,
        info: GraphQLInfo,
        discipline: Annotated[
            strawberry.ID, strawberry.argument(description="The discipline (its global id).")
        ],
    ) -> Annotated[ThematicPlan, strawberry.lazy(JournalRulesModule)] | None:
        from campusgraph.schema.journal_rules import resolve_thematic_plan

        return await resolve_thematic_plan(info, self._pk, discipline)


@strawberry.type(description="The institution (образовательная организация) you are signed in to.")
class Institution(Node):
    slug: str = strawberry.field(
        description="Its short id, as signed in with: «altai-college-2016»."
    )
    name: str = strawberry.field(description="Its full name.")
    short_name: str = strawberry.field(description="Its short name.")
    kind: InstitutionKind = strawberry.field(description="School or college.")
    ruleset: str = strawberry.field(description="Slug of the ruleset that governs access here.")
    address: str | None = strawberry.field(description="Postal address, as on the licence.")
    license: str | None = strawberry.field(
        description="The education licence: number, date, issuing body."
    )
    accreditation: str | None = strawberry.field(
        description="The state accreditation certificate: number and date."
    )
    phone: str | None = strawberry.field(description="Reception phone number.")
    email: str | None = strawberry.field(description="The institution's e-mail address.")
    website: str | None = strawberry.field(description="Official website (http or https).")
    _pk: strawberry.Private[int]

    @classmethod
    def of(cls, row: m.Institution) -> Institution:
        return cls(
            _pk=row.id,
            id=to_global_id("Institution", row.id),
            slug=row.slug,
            name=row.name,
            short_name=row.short_name,
            kind=row.kind,
            ruleset=row.ruleset,
            address=row.address,
            license=row.license,
            accreditation=row.accreditation,
            phone=row.phone,
            email=row.email,
            website=row.website,
        )

    def _own(self, model: Any) -> Any:
        """Rows of this institution only: a region's authority sees several institutions
        through one session, and each Institution lists its own rows, not the region's."""
        return select(model).where(model.institution_id == self._pk)

    @strawberry.field(description="Departments (college).")
    async def departments(self, info: GraphQLInfo) -> list[Department]:
        rows = await _list(info, "department", self._own(m.Department).order_by(m.Department.name))
        return [Department.of(r) for r in rows]

    @strawberry.field(description="Specialities and professions (college).")
    async def specialities(self, info: GraphQLInfo) -> list[Speciality]:
        rows = await _list(info, "speciality", self._own(m.Speciality).order_by(m.Speciality.code))
        return [Speciality.of(r) for r in rows]

    @strawberry.field(description="Educational programs.")
    async def programs(self, info: GraphQLInfo) -> list[EducationalProgram]:
        stmt = self._own(m.EducationalProgram).order_by(m.EducationalProgram.name)
        return [EducationalProgram.of(r) for r in await _list(info, "program", stmt)]

    @strawberry.field(description="Curricula, by name.")
    async def curricula(self, info: GraphQLInfo) -> list[Curriculum]:
        stmt = self._own(m.Curriculum).order_by(m.Curriculum.name)
        return [Curriculum.of(r) for r in await _list(info, "curriculum", stmt)]

    @strawberry.field(description="Disciplines, by code and name.")
    async def disciplines(
        self,
        info: GraphQLInfo,
        kind: Annotated[
            DisciplineKind | None,
            strawberry.argument(description="Only disciplines of this kind; omitted: all."),
        ] = None,
    ) -> list[Discipline]:
        stmt = self._own(m.Discipline).order_by(m.Discipline.code, m.Discipline.name)
        if kind is not None:
            stmt = stmt.where(m.Discipline.kind == kind)
        return [Discipline.of(r) for r in await _list(info, "discipline", stmt)]

    @strawberry.field(description="Academic years, newest first.")
    async def academic_years(self, info: GraphQLInfo) -> list[AcademicYear]:
        stmt = self._own(m.AcademicYear).order_by(m.AcademicYear.starts_on.desc())
        return [AcademicYear.of(r) for r in await _list(info, "academic_year", stmt)]

    @strawberry.field(description="Periods, optionally of one kind, of the current year first.")
    async def periods(
        self,
        info: GraphQLInfo,
        kind: Annotated[
            PeriodKind | None,
            strawberry.argument(description="Only periods of this kind; omitted: all."),
        ] = None,
    ) -> list[Period]:
        stmt = self._own(m.Period).order_by(m.Period.starts_on, m.Period.kind)
        if kind is not None:
            stmt = stmt.where(m.Period.kind == kind)
        return [Period.of(r) for r in await _list(info, "period", stmt)]

    @strawberry.field(description="Rooms, by name.")
    async def rooms(self, info: GraphQLInfo) -> list[Room]:
        stmt = self._own(m.Room).order_by(m.Room.name)
        return [Room.of(r) for r in await _list(info, "room", stmt)]

    @strawberry.field(description="Groups (classes) the viewer may see.")
    async def groups(
        self,
        info: GraphQLInfo,
        first: First = None,
        after: After = None,
        name_contains: Annotated[
            str | None,
            strawberry.argument(description="Only groups whose name contains this text."),
        ] = None,
        study_year: Annotated[
            int | None,
            strawberry.argument(
                description=f"Only groups of this course (year of study), 1..{STUDY_YEARS}."
            ),
        ] = None,
    ) -> Connection[Group]:
        g = m.StudyGroup
        stmt = self._own(g).order_by(g.study_year, g.name, g.id)
        if name_contains:
            stmt = stmt.where(g.name.contains(name_contains, autoescape=True))
        if within(study_year, 1, STUDY_YEARS, "studyYear") is not None:
            stmt = stmt.where(g.study_year == study_year)
        page = await reads.page(info.context, "group", stmt, first=first, after=after)
        return Connection.from_page(page, lambda r: Group.of(r[0]))

    @strawberry.field(
        description="The regulation's journal deadlines checked up to today for one period "
        "(lesson topics, attendance, absence reasons, final marks), per group and teacher, "
        "at the level asked: the whole institution (`report.institution` read), one "
        "`group` (`report` read) or one group's `discipline` (`report.subject` read). A "
        "level the ruleset does not let you see is refused (FORBIDDEN), never narrowed to "
        "the part you may see: null, with a FORBIDDEN or NOT_FOUND error at its path."
    )
    async def compliance(
        self,
        info: GraphQLInfo,
        period: Annotated[
            strawberry.ID, strawberry.argument(description="The period checked (its global id).")
        ],
        group: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="One group (class): the report at its level."),
        ] = None,
        discipline: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="With `group`: the report on that group's discipline only."
            ),
        ] = None,
    ) -> Annotated[ComplianceReport, strawberry.lazy(JournalRulesModule)] | None:
        from campusgraph.schema.journal_rules import resolve_compliance

        return await resolve_compliance(info, period, group, discipline)

    @strawberry.field(description="The bell schedule, by slot number.")
    async def bell_schedule(
        self, info: GraphQLInfo
    ) -> list[Annotated[BellSlot, strawberry.lazy("campusgraph.schema.timetable")]]:
        from campusgraph.policies.scopes import SqlAnchors
        from campusgraph.schema.timetable import BellSlot

        stmt = self._own(m.BellSlot).order_by(m.BellSlot.number)
        anchors = SqlAnchors(institution=m.BellSlot.institution_id)
        rows = await reads.all_rows(info.context, "calendar", stmt, anchors=anchors)
        return [BellSlot.of(r[0]) for r in rows]

    @strawberry.field(description="Days off, optionally between two dates.")
    async def days_off(
        self, info: GraphQLInfo, date_from: OptionalDateFrom = None, date_to: OptionalDateTo = None
    ) -> list[Annotated[DayOff, strawberry.lazy("campusgraph.schema.timetable")]]:
        from campusgraph.policies.scopes import SqlAnchors
        from campusgraph.schema.timetable import DayOff

        stmt = self._own(m.DayOff).order_by(m.DayOff.date)
        if date_from is not None:
            stmt = stmt.where(m.DayOff.date >= date_from)
        if date_to is not None:
            stmt = stmt.where(m.DayOff.date <= date_to)
        anchors = SqlAnchors(institution=m.DayOff.institution_id)
        rows = await reads.all_rows(info.context, "calendar", stmt, anchors=anchors)
        return [DayOff.of(r[0]) for r in rows]

    @strawberry.field(description="Day transfers (lessons of one date held on another).")
    async def day_transfers(
        self, info: GraphQLInfo
    ) -> list[Annotated[DayTransfer, strawberry.lazy("campusgraph.schema.timetable")]]:
        from campusgraph.policies.scopes import SqlAnchors
        from campusgraph.schema.timetable import DayTransfer

        stmt = self._own(m.DayTransfer).order_by(m.DayTransfer.from_date)
        anchors = SqlAnchors(institution=m.DayTransfer.institution_id)
        rows = await reads.all_rows(info.context, "calendar", stmt, anchors=anchors)
        return [DayTransfer.of(r[0]) for r in rows]

    @strawberry.field(description="Staff positions.")
    async def positions(
        self, info: GraphQLInfo
    ) -> list[Annotated[Position, strawberry.lazy("campusgraph.schema.structure_mutations")]]:
        from campusgraph.schema.structure_mutations import Position

        stmt = self._own(m.Position).order_by(m.Position.name)
        return [Position.of(r) for r in await _list(info, "position", stmt)]
