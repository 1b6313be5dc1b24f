"""The administration's reports as typed queries (see :mod:`campusgraph.reports.administration`
for how each figure is computed); every one goes through
:func:`~campusgraph.schema.reports.run_report`, so access is the frame's, not decided here."""

from __future__ import annotations

import datetime as dt

import strawberry

from campusgraph.reports import administration as adm
from campusgraph.reports.registry import ReportName
from campusgraph.schema.base import to_global_id
from campusgraph.schema.reports import report_query


@strawberry.type(description="The institution and the dates a report covers.")
class ReportSpan:
    institution: str = strawberry.field(description="The institution's full name.")
    date_from: dt.date = strawberry.field(description="First day covered (inclusive).")
    date_to: dt.date = strawberry.field(description="Last day covered (inclusive).")

    @classmethod
    def of(cls, span: adm.Span) -> ReportSpan:
        return cls(
            institution=span.institution.name, date_from=span.date_from, date_to=span.date_to
        )


# -- class occupancy -------------------------------------------------------------------------


@strawberry.type(description="One room's use over the dates.")
class RoomOccupancy:
    room_id: strawberry.ID = strawberry.field(description="The Room.")
    room: str = strawberry.field(description="The room's name.")
    capacity: int | None = strawberry.field(description="Seats, where recorded.")
    available_slots: int = strawberry.field(
        description="Bell slots of the working days in the dates (weekends, public "
        "holidays and the institution's days off excluded, transfers counted)."
    )
    used_slots: int = strawberry.field(
        description="Distinct (date, bell slot) pairs holding a lesson in this room."
    )
    share: float | None = strawberry.field(
        description="used / available, in percent (one place); null with no slot available."
    )


@strawberry.type(description="Занятость аудиторий: lessons held in each room against its slots.")
class ClassOccupancy:
    span: ReportSpan = strawberry.field(description="Whose, and which dates.")
    working_days: int = strawberry.field(description="Working days in the dates.")
    slots_per_day: int = strawberry.field(description="Bell slots of a working day.")
    rooms: list[RoomOccupancy] = strawberry.field(description="Every room, by name.")

    @classmethod
    def of(cls, d: adm.ClassOccupancyData) -> ClassOccupancy:
        return cls(
            span=ReportSpan.of(d.span),
            working_days=d.working_days,
            slots_per_day=d.slots_per_day,
            rooms=[
                RoomOccupancy(
                    room_id=to_global_id("Room", r.room_id),
                    room=r.room,
                    capacity=r.capacity,
                    available_slots=r.available_slots,
                    used_slots=r.used_slots,
                    share=r.share,
                )
                for r in d.rows
            ],
        )


# -- student movement ------------------------------------------------------------------------


@strawberry.type(
    description="Counts of students: `atEnd` = `atStart` + enrolled + transferredIn + "
    "returned − transferredOut − academicLeave − expelled − graduated. A count is null where "
    "suppressed: fewer than the small-cell minimum, for a viewer who may not read those "
    "students (an education authority)."
)
class MovementFigures:
    at_start: int | None = strawberry.field(
        description="In the group before the orders of the first day took effect."
    )
    enrolled: int | None = strawberry.field(description="Enrolment orders into the group.")
    transferred_in: int | None = strawberry.field(
        description="Transfer orders into the group (the year's promotion among them)."
    )
    returned: int | None = strawberry.field(
        description="Returns from academic leave into the group."
    )
    transferred_out: int | None = strawberry.field(description="Transfer orders out of the group.")
    academic_leave: int | None = strawberry.field(description="Academic leave orders.")
    expelled: int | None = strawberry.field(description="Expulsion orders.")
    graduated: int | None = strawberry.field(description="Graduation orders.")
    at_end: int | None = strawberry.field(
        description="In the group after the orders of the last day took effect."
    )

    @classmethod
    def of(cls, f: adm.MovementFigures) -> MovementFigures:
        return cls(
            at_start=f.at_start,
            enrolled=f.enrolled,
            transferred_in=f.transferred_in,
            returned=f.returned,
            transferred_out=f.transferred_out,
            academic_leave=f.academic_leave,
            expelled=f.expelled,
            graduated=f.graduated,
            at_end=f.at_end,
        )


@strawberry.type(description="One group's movement over the dates.")
class GroupMovement:
    group_id: strawberry.ID = strawberry.field(description="The Group.")
    group: str = strawberry.field(description="The group's name.")
    figures: MovementFigures = strawberry.field(description="Its counts.")


@strawberry.type(
    description="Движение контингента: students at the start and end of the dates and the "
    "movement orders between, per group (groups with no one and no order left out)."
)
class StudentMovement:
    span: ReportSpan = strawberry.field(description="Whose, and which dates.")
    groups: list[GroupMovement] = strawberry.field(description="Per group, by name.")
    totals: MovementFigures = strawberry.field(description="Sums over the groups.")
    suppressed: bool = strawberry.field(
        description="Whether small cells are suppressed for you (null counts below the minimum)."
    )

    @classmethod
    def of(cls, d: adm.StudentMovementData) -> StudentMovement:
        return cls(
            span=ReportSpan.of(d.span),
            groups=[
                GroupMovement(
                    group_id=to_global_id("Group", r.group_id),
                    group=r.group,
                    figures=MovementFigures.of(r.figures),
                )
                for r in d.rows
            ],
            totals=MovementFigures.of(d.totals),
            suppressed=d.suppressed,
        )


# -- teacher hours ---------------------------------------------------------------------------


@strawberry.type(description="A teacher's hours in one group's discipline.")
class TeacherHoursRow:
    teacher_id: strawberry.ID = strawberry.field(description="The Employee.")
    teacher: str | None = strawberry.field(
        description="Surname and initials; null where you may not read the teacher's card."
    )
    group_id: strawberry.ID = strawberry.field(description="The Group.")
    group: str = strawberry.field(description="The group's name.")
    discipline_id: strawberry.ID = strawberry.field(description="The Discipline.")
    discipline: str = strawberry.field(description="The discipline's short name, else its name.")
    planned: int | None = strawberry.field(
        description="Academic hours of the year: the teaching assignment's, else the group's "
        "curriculum for its year of study; null where neither says."
    )
    given: int = strawberry.field(
        description="Academic hours of the lessons held in the dates (a bell slot of 90 "
        "minutes is 2 hours, of 40–45 minutes 1)."
    )
    difference: int | None = strawberry.field(description="planned − given.")


@strawberry.type(description="Часы по плану и выданные, per teacher × group × discipline.")
class TeacherHours:
    span: ReportSpan = strawberry.field(description="Whose, and which dates.")
    rows: list[TeacherHoursRow] = strawberry.field(description="By teacher, group and discipline.")
    planned: int = strawberry.field(description="Sum of the planned hours.")
    given: int = strawberry.field(description="Sum of the given hours.")

    @classmethod
    def of(cls, d: adm.TeacherHoursData) -> TeacherHours:
        return cls(
            span=ReportSpan.of(d.span),
            rows=[
                TeacherHoursRow(
                    teacher_id=to_global_id("Employee", r.teacher_id),
                    teacher=r.teacher,
                    group_id=to_global_id("Group", r.group_id),
                    group=r.group,
                    discipline_id=to_global_id("Discipline", r.discipline_id),
                    discipline=r.discipline,
                    planned=r.planned,
                    given=r.given,
                    difference=r.difference,
                )
                for r in d.rows
            ],
            planned=d.planned,
            given=d.given,
        )


# -- user activity ---------------------------------------------------------------------------


@strawberry.type(description="One account's activity over the dates.")
class AccountActivity:
    login: str = strawberry.field(description="The account's login.")
    person: str | None = strawberry.field(
        description="Whose account (full name); null for an account of no person."
    )
    roles: list[str] = strawberry.field(description="Roles held at the institution.")
    sign_ins: int = strawberry.field(description="Sessions opened in the dates.")
    changes: int = strawberry.field(
        description="Audit events in the dates that changed something (reads, sign-ins "
        "and sign-outs left out)."
    )
    last_sign_in: dt.datetime | None = strawberry.field(
        description="The account's last sign-in ever (UTC)."
    )


@strawberry.type(description="Активность пользователей: sign-ins and changes per account.")
class UserActivity:
    span: ReportSpan = strawberry.field(description="Whose, and which dates.")
    accounts: list[AccountActivity] = strawberry.field(description="Every account, by login.")
    sign_ins: int = strawberry.field(description="Sum of the sign-ins.")
    changes: int = strawberry.field(description="Sum of the changes.")

    @classmethod
    def of(cls, d: adm.UserActivityData) -> UserActivity:
        return cls(
            span=ReportSpan.of(d.span),
            accounts=[
                AccountActivity(
                    login=r.login,
                    person=r.person,
                    roles=r.roles,
                    sign_ins=r.sign_ins,
                    changes=r.changes,
                    last_sign_in=r.last_sign_in,
                )
                for r in d.rows
            ],
            sign_ins=d.sign_ins,
            changes=d.changes,
        )


# -- journal filling -------------------------------------------------------------------------


@strawberry.type(description="How one teacher keeps one group's journal of one discipline.")
class JournalFillingRow:
    group_id: strawberry.ID = strawberry.field(description="The Group.")
    group: str = strawberry.field(description="The group's name.")
    discipline_id: strawberry.ID = strawberry.field(description="The Discipline.")
    discipline: str = strawberry.field(description="The discipline's short name, else its name.")
    teacher_id: strawberry.ID = strawberry.field(description="The Employee who held the lessons.")
    teacher: str | None = strawberry.field(
        description="Surname and initials; null where you may not read the teacher's card."
    )
    lessons: int = strawberry.field(description="Lessons in the dates.")
    without_topic: int = strawberry.field(description="Of those, lessons with no topic.")
    without_homework: int = strawberry.field(description="Of those, lessons with no homework.")
    marks: int | None = strawberry.field(
        description="Marks given at those lessons; null where suppressed (as `students`)."
    )
    students: int | None = strawberry.field(
        description="Students in the group at some day of the dates; null where suppressed."
    )
    marks_per_student: float | None = strawberry.field(
        description="marks / students (two places); null where suppressed or no student."
    )
    last_entry: dt.date | None = strawberry.field(
        description="The latest lesson in the dates with its topic filled in."
    )
    days_since_last_entry: int | None = strawberry.field(
        description="Days from the last entry to the last day of the dates."
    )


@strawberry.type(
    description="Заполнение электронного журнала: lessons without topic or homework and marks "
    "per student, per group × discipline × teacher."
)
class JournalFilling:
    span: ReportSpan = strawberry.field(description="Whose, and which dates.")
    rows: list[JournalFillingRow] = strawberry.field(
        description="By group, discipline and teacher."
    )

    @classmethod
    def of(cls, d: adm.JournalFillingData) -> JournalFilling:
        return cls(
            span=ReportSpan.of(d.span),
            rows=[
                JournalFillingRow(
                    group_id=to_global_id("Group", r.group_id),
                    group=r.group,
                    discipline_id=to_global_id("Discipline", r.discipline_id),
                    discipline=r.discipline,
                    teacher_id=to_global_id("Employee", r.teacher_id),
                    teacher=r.teacher,
                    lessons=r.lessons,
                    without_topic=r.without_topic,
                    without_homework=r.without_homework,
                    marks=r.marks,
                    students=r.students,
                    marks_per_student=r.marks_per_student,
                    last_entry=r.last_entry,
                    days_since_last_entry=r.days_since_last_entry,
                )
                for r in d.rows
            ],
        )


# -- HR list ---------------------------------------------------------------------------------


@strawberry.type(description="A position an employee holds, with its rate.")
class HrPosition:
    name: str = strawberry.field(description="The position's name.")
    is_main: bool = strawberry.field(description="Main job (else a second one).")
    rate: float = strawberry.field(description="Share of a full-time rate (1.0 = full).")


@strawberry.type(description="An employee in the staff list.")
class HrRow:
    employee_id: strawberry.ID = strawberry.field(description="The Employee.")
    full_name: str = strawberry.field(description="Surname, name, patronymic.")
    positions: list[HrPosition] = strawberry.field(description="The main one first.")
    category: str | None = strawberry.field(description="Qualification category.")
    hired_on: dt.date | None = strawberry.field(description="Date of hiring.")
    email: str | None = strawberry.field(
        description="Null unless your ruleset grants `employee.personal` read on this employee."
    )
    phone: str | None = strawberry.field(
        description="Null unless your ruleset grants `employee.personal` read on this employee."
    )


@strawberry.type(description="Список сотрудников on the last day of the dates.")
class HrList:
    span: ReportSpan = strawberry.field(description="Whose, and which dates (as of the last).")
    employees: list[HrRow] = strawberry.field(description="By surname and name.")

    @classmethod
    def of(cls, d: adm.HrListData) -> HrList:
        return cls(
            span=ReportSpan.of(d.span),
            employees=[
                HrRow(
                    employee_id=to_global_id("Employee", r.employee_id),
                    full_name=r.full_name,
                    positions=[
                        HrPosition(name=x.name, is_main=x.is_main, rate=x.rate) for x in r.positions
                    ],
                    category=r.category,
                    hired_on=r.hired_on,
                    email=r.email,
                    phone=r.phone,
                )
                for r in d.rows
            ],
        )


@strawberry.type(description="The administration's reports.")
class AdministrationReportQueries:
    class_occupancy = report_query(
        ReportName.CLASS_OCCUPANCY,
        ClassOccupancy,
        "Занятость аудиторий, at the institution level; null with FORBIDDEN where "
        "your ruleset does not grant the level's report read.",
        lambda data, _lang: ClassOccupancy.of(data),
    )

    student_movement = report_query(
        ReportName.STUDENT_MOVEMENT,
        StudentMovement,
        "Движение контингента, at the institution, department or group level; "
        "small cells suppressed for a viewer who may not read those students.",
        lambda data, _lang: StudentMovement.of(data),
    )

    teacher_hours = report_query(
        ReportName.TEACHER_HOURS,
        TeacherHours,
        "Часы по плану и выданные, at the institution, department or teacher level.",
        lambda data, _lang: TeacherHours.of(data),
    )

    user_activity = report_query(
        ReportName.USER_ACTIVITY,
        UserActivity,
        "Активность пользователей, at the institution level: only for a viewer "
        "who may read every account of the institution (else FORBIDDEN).",
        lambda data, _lang: UserActivity.of(data),
    )

    journal_filling = report_query(
        ReportName.JOURNAL_FILLING,
        JournalFilling,
        "Заполнение электронного журнала, at any level but the student's.",
        lambda data, _lang: JournalFilling.of(data),
    )

    hr_list = report_query(
        ReportName.HR_LIST,
        HrList,
        "Список сотрудников, at the institution level: only for a viewer who may "
        "read every employee card (else FORBIDDEN); contacts where `employee.personal` is "
        "granted.",
        lambda data, _lang: HrList.of(data),
    )
