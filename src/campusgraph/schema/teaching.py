"""Teaching and the journal's rows: assignments, timetable, lessons, works, marks,
attendance, final marks."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated

import strawberry

from campusgraph.db import models as m
from campusgraph.db.enums import (
    AbsenceReason,
    AttendanceStatus,
    FinalMarkKind,
    LessonType,
    TimetableKind,
    WorkKind,
)
from campusgraph.schema.base import GraphQLInfo, Node, to_global_id, within_dates
from campusgraph.schema.history import AuditEntry, history_of
from campusgraph.schema.structure import Discipline, Group, Period, Room, Subgroup

if TYPE_CHECKING:
    from campusgraph.schema.journal_rules import ThematicPlan
    from campusgraph.schema.people import Employee, Student

PeopleModule = "campusgraph.schema.people"


async def _discipline(info: GraphQLInfo, pk: int) -> Discipline | None:
    row = await info.context.loaders.entity_by_id("discipline", m.Discipline).load(pk)
    return Discipline.of(row[0]) if row else None


async def _group(info: GraphQLInfo, pk: int) -> Group | None:
    row = await info.context.loaders.entity_by_id("group", m.StudyGroup).load(pk)
    return Group.of(row[0]) if row else None


async def _employee(info: GraphQLInfo, pk: int) -> Employee | None:
    from campusgraph.schema.people import Employee

    row = await info.context.loaders.employee_by_id.load(pk)
    return Employee.of(row[0], row[1]) if row else None


async def _student(info: GraphQLInfo, pk: int) -> Student | None:
    from campusgraph.schema.people import Student

    row = await info.context.loaders.student_by_id.load(pk)
    return Student.of(row[0], row[1]) if row else None


@strawberry.type(description="Teacher × discipline × group (or subgroup).")
class TeachingAssignment(Node):
    hours: int | None = strawberry.field(description="Academic hours assigned, if set.")
    _discipline_id: strawberry.Private[int]
    _group_id: strawberry.Private[int]
    _teacher_id: strawberry.Private[int]
    _subgroup_id: strawberry.Private[int | None]
    _year_id: strawberry.Private[int | None] = None

    @classmethod
    def of(cls, r: m.TeachingAssignment) -> TeachingAssignment:
        return cls(
            id=to_global_id("TeachingAssignment", r.id),
            hours=r.hours,
            _discipline_id=r.discipline_id,
            _group_id=r.group_id,
            _teacher_id=r.teacher_id,
            _subgroup_id=r.subgroup_id,
            _year_id=r.academic_year_id,
        )

    @strawberry.field(
        description="The thematic plan (КТП) of this assignment's group and discipline in its "
        "academic year. Null when there is none or it is not yours to see."
    )
    async def thematic_plan(
        self, info: GraphQLInfo
    ) -> Annotated[ThematicPlan, strawberry.lazy("campusgraph.schema.journal_rules")] | None:
        from campusgraph.schema.journal_rules import resolve_thematic_plan

        return await resolve_thematic_plan(info, self._group_id, self._discipline_id, self._year_id)

    @strawberry.field(description="The discipline.")
    async def discipline(self, info: GraphQLInfo) -> Discipline | None:
        return await _discipline(info, self._discipline_id)

    @strawberry.field(description="The group.")
    async def group(self, info: GraphQLInfo) -> Group | None:
        return await _group(info, self._group_id)

    @strawberry.field(description="The teacher.")
    async def teacher(
        self, info: GraphQLInfo
    ) -> Annotated[Employee, strawberry.lazy(PeopleModule)] | None:
        return await _employee(info, self._teacher_id)

    @strawberry.field(description="The subgroup, where taught in parts.")
    async def subgroup(self, info: GraphQLInfo) -> Subgroup | None:
        if self._subgroup_id is None:
            return None
        row = await info.context.loaders.entity_by_id("subgroup", m.Subgroup).load(
            self._subgroup_id
        )
        return Subgroup.of(row[0]) if row else None


@strawberry.type(description="A weekly slot of the timetable.")
class TimetableEntry(Node):
    kind: TimetableKind = strawberry.field(description="Lesson, exam or state exam.")
    weekday: int = strawberry.field(description="ISO weekday: 1 = Monday.")
    slot: int = strawberry.field(description="Bell number.")
    valid_from: dt.date = strawberry.field(description="The first day it applies.")
    valid_to: dt.date = strawberry.field(description="The last day it applies.")
    _discipline_id: strawberry.Private[int]
    _group_id: strawberry.Private[int]
    _teacher_id: strawberry.Private[int]
    _room_id: strawberry.Private[int | None]

    @strawberry.field(
        description="Whether the entry holds today, in the institution's time zone (`validFrom` "
        "to `validTo`, both inclusive)."
    )
    def is_current(self, info: GraphQLInfo) -> bool:
        return within_dates(info, self.valid_from, self.valid_to)

    @classmethod
    def of(cls, r: m.TimetableEntry) -> TimetableEntry:
        return cls(
            id=to_global_id("TimetableEntry", r.id),
            kind=r.kind,
            weekday=r.weekday,
            slot=r.slot,
            valid_from=r.valid_from,
            valid_to=r.valid_to,
            _discipline_id=r.discipline_id,
            _group_id=r.group_id,
            _teacher_id=r.teacher_id,
            _room_id=r.room_id,
        )

    @strawberry.field(description="The discipline.")
    async def discipline(self, info: GraphQLInfo) -> Discipline | None:
        return await _discipline(info, self._discipline_id)

    @strawberry.field(description="The group.")
    async def group(self, info: GraphQLInfo) -> Group | None:
        return await _group(info, self._group_id)

    @strawberry.field(description="The teacher.")
    async def teacher(
        self, info: GraphQLInfo
    ) -> Annotated[Employee, strawberry.lazy(PeopleModule)] | None:
        return await _employee(info, self._teacher_id)

    @strawberry.field(description="The room, if set.")
    async def room(self, info: GraphQLInfo) -> Room | None:
        if self._room_id is None:
            return None
        row = await info.context.loaders.entity_by_id("room", m.Room).load(self._room_id)
        return Room.of(row[0]) if row else None


@strawberry.type(description="A graded work within a lesson (one journal column).")
class Work(Node):
    kind: WorkKind = strawberry.field(description="The kind of work.")
    number: int | None = strawberry.field(
        description="Its number among the lesson's works, if numbered."
    )
    title: str | None = strawberry.field(description="Its title, if any.")
    date: dt.date = strawberry.field(description="Its lesson's date.")

    @classmethod
    def of(cls, r: m.Work) -> Work:
        return cls(
            id=to_global_id("Work", r.id), kind=r.kind, number=r.number, title=r.title, date=r.date
        )


@strawberry.type(description="A lesson: date, slot, topic, type and homework.")
class Lesson(Node):
    date: dt.date = strawberry.field(description="Its date.")
    slot: int = strawberry.field(description="Its bell slot (lesson number in the day).")
    topic: str | None = strawberry.field(description="Its topic, once written.")
    lesson_type: LessonType = strawberry.field(description="The kind of lesson.")
    homework: str | None = strawberry.field(description="The homework set, if any.")
    version: int = strawberry.field(
        description="Pass as `expectedVersion` of `updateLesson` or `deleteLesson`."
    )
    _pk: strawberry.Private[int]
    _discipline_id: strawberry.Private[int]
    _group_id: strawberry.Private[int]
    _teacher_id: strawberry.Private[int]

    @classmethod
    def of(cls, r: m.Lesson) -> Lesson:
        return cls(
            id=to_global_id("Lesson", r.id),
            date=r.date,
            slot=r.slot,
            topic=r.topic,
            lesson_type=r.lesson_type,
            homework=r.homework,
            version=r.version,
            _pk=r.id,
            _discipline_id=r.discipline_id,
            _group_id=r.group_id,
            _teacher_id=r.teacher_id,
        )

    @strawberry.field(description="Its graded works (journal columns).")
    async def works(self, info: GraphQLInfo) -> list[Work]:
        rows = await info.context.loaders.works_by_lesson.load(self._pk)
        return [Work.of(r[0]) for r in rows]

    @strawberry.field(description="Its discipline.")
    async def discipline(self, info: GraphQLInfo) -> Discipline | None:
        return await _discipline(info, self._discipline_id)

    @strawberry.field(description="Its group.")
    async def group(self, info: GraphQLInfo) -> Group | None:
        return await _group(info, self._group_id)

    @strawberry.field(description="Who teaches it.")
    async def teacher(
        self, info: GraphQLInfo
    ) -> Annotated[Employee, strawberry.lazy(PeopleModule)] | None:
        return await _employee(info, self._teacher_id)


@strawberry.type(description="A current mark: 2–5, or pass/fail where the form is a credit.")
class Mark(Node):
    value: str = strawberry.field(
        description="«2»..«5», or pass / fail where the work is a credit."
    )
    comment: str | None = strawberry.field(description="The teacher's comment, if any.")
    date: dt.date = strawberry.field(description="Its work's date.")
    version: int = strawberry.field(description="Pass as expectedVersion when changing it.")
    updated_at: dt.datetime = strawberry.field(description="When it was last set.")
    _student_id: strawberry.Private[int]
    _discipline_id: strawberry.Private[int]
    _work_id: strawberry.Private[int]
    _pk: strawberry.Private[int]

    @classmethod
    def of(cls, r: m.Mark) -> Mark:
        return cls(
            id=to_global_id("Mark", r.id),
            value=r.value,
            comment=r.comment,
            date=r.date,
            version=r.version,
            updated_at=r.updated_at,
            _student_id=r.student_id,
            _discipline_id=r.discipline_id,
            _work_id=r.work_id,
            _pk=r.id,
        )

    @strawberry.field(
        description="Every change of this mark, oldest first: who, when, before and after."
    )
    async def history(self, info: GraphQLInfo) -> list[AuditEntry]:
        return await history_of(info, "mark", self._pk)

    @strawberry.field(description="Its discipline.")
    async def discipline(self, info: GraphQLInfo) -> Discipline | None:
        return await _discipline(info, self._discipline_id)

    @strawberry.field(description="Whose mark.")
    async def student(
        self, info: GraphQLInfo
    ) -> Annotated[Student, strawberry.lazy(PeopleModule)] | None:
        return await _student(info, self._student_id)

    @strawberry.field(description="The work the mark was given for.")
    async def work(self, info: GraphQLInfo) -> Work | None:
        row = await info.context.loaders.entity_by_id("work", m.Work).load(self._work_id)
        return Work.of(row[0]) if row else None


@strawberry.type(description="An absence or lateness at a lesson.")
class Attendance(Node):
    status: AttendanceStatus = strawberry.field(description="Absent or late.")
    reason: AbsenceReason | None = strawberry.field(
        description="Why he was absent; null: no reason given (yet)."
    )
    date: dt.date = strawberry.field(description="The lesson's date.")
    version: int = strawberry.field(
        description="Pass as expectedVersion to `setAttendance` or `setAbsenceReason`."
    )
    _student_id: strawberry.Private[int]
    _discipline_id: strawberry.Private[int]
    _lesson_id: strawberry.Private[int]
    _pk: strawberry.Private[int]

    @classmethod
    def of(cls, r: m.Attendance) -> Attendance:
        return cls(
            id=to_global_id("Attendance", r.id),
            status=r.status,
            reason=r.reason,
            date=r.date,
            version=r.version,
            _student_id=r.student_id,
            _discipline_id=r.discipline_id,
            _lesson_id=r.lesson_id,
            _pk=r.id,
        )

    @strawberry.field(
        description="The lesson of the entry: with `student`, what `setAttendance` and "
        "`setAbsenceReason` take. Null when the lesson is not yours to read."
    )
    async def lesson(self, info: GraphQLInfo) -> Lesson | None:
        row = await info.context.loaders.entity_by_id("lesson", m.Lesson).load(self._lesson_id)
        return Lesson.of(row[0]) if row else None

    @strawberry.field(
        description="Every change of this entry (status, absence reason), oldest first."
    )
    async def history(self, info: GraphQLInfo) -> list[AuditEntry]:
        return await history_of(info, "attendance", self._pk)

    @strawberry.field(description="The lesson's discipline.")
    async def discipline(self, info: GraphQLInfo) -> Discipline | None:
        return await _discipline(info, self._discipline_id)

    @strawberry.field(description="Who was absent or late.")
    async def student(
        self, info: GraphQLInfo
    ) -> Annotated[Student, strawberry.lazy(PeopleModule)] | None:
        return await _student(info, self._student_id)


@strawberry.type(description="A period, semester, year, exam or attestation mark.")
class FinalMark(Node):
    kind: FinalMarkKind = strawberry.field(description="Which final mark.")
    value: str = strawberry.field(description="The mark: «2»..«5», or pass / fail for a credit.")
    version: int = strawberry.field(
        description="Pass as `expectedVersion` of `setFinalMark` or `deleteFinalMark`."
    )
    needs_approval: bool = strawberry.field(
        description="Given other than the ruleset's final-mark rule suggests: waits for the "
        "agreement of the rule's `approvalBy` role (`approveFinalMark`)."
    )
    approved_at: dt.datetime | None = strawberry.field(
        description="When a mark that waited was agreed; null: never waited or not yet."
    )
    _discipline_id: strawberry.Private[int]
    _period_id: strawberry.Private[int]
    _student_id: strawberry.Private[int]
    _pk: strawberry.Private[int]

    @classmethod
    def of(cls, r: m.FinalMark) -> FinalMark:
        return cls(
            id=to_global_id("FinalMark", r.id),
            kind=r.kind,
            value=r.value,
            version=r.version,
            needs_approval=r.needs_approval,
            approved_at=r.approved_at,
            _discipline_id=r.discipline_id,
            _period_id=r.period_id,
            _student_id=r.student_id,
            _pk=r.id,
        )

    @strawberry.field(
        description="The student it was given to: with `discipline`, `period` and `kind`, "
        "what `setFinalMark` takes."
    )
    async def student(
        self, info: GraphQLInfo
    ) -> Annotated[Student, strawberry.lazy(PeopleModule)] | None:
        return await _student(info, self._student_id)

    @strawberry.field(description="Every change of this final mark, oldest first.")
    async def history(self, info: GraphQLInfo) -> list[AuditEntry]:
        return await history_of(info, "final_mark", self._pk)

    @strawberry.field(description="Its discipline.")
    async def discipline(self, info: GraphQLInfo) -> Discipline | None:
        return await _discipline(info, self._discipline_id)

    @strawberry.field(description="Its period.")
    async def period(self, info: GraphQLInfo) -> Period | None:
        row = await info.context.loaders.entity_by_id("period", m.Period).load(self._period_id)
        return Period.of(row[0]) if row else None
