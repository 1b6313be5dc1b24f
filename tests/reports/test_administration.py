"""The administration's reports through the endpoint, against a small fixture computed by hand.

The fixture lives in a world of its own inside a demo institution: its own academic year
(2029/2030), department, two groups, rooms, teachers, students, accounts, and the dates
4–15 February 2030, where the demo has no rows. The bell schedule is replaced by the
fixture's (two 90-minute pairs and one 45-minute lesson), and the calendar of those dates
is the fixture's. Every expected figure below is derived by hand in a comment.

The TEACHER level is not exercised: its ``report.teacher`` lines are added by another part
(no ruleset grants it yet, so every request at that level is FORBIDDEN today).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import delete, select

from campusgraph.db import models as m
from campusgraph.db.enums import (
    AttestationForm,
    DisciplineKind,
    MovementKind,
    PeriodKind,
    WorkKind,
)
from campusgraph.db.tenancy import unscoped
from campusgraph.ids import to_global_id
from campusgraph.policies.vocabulary import ReportLevel
from campusgraph.reports import administration as adm
from campusgraph.reports.access import ReportAccess
from campusgraph.reports.of import ReportOf
from campusgraph.reports.registry import REPORTS, ReportName
from campusgraph.reports.table import InstitutionDetails
from tests.support.journal import institution_id

FIRST, LAST = dt.date(2030, 2, 4), dt.date(2030, 2, 15)
YEAR_START = dt.date(2029, 9, 1)

OCCUPANCY = """
query Occupancy($of: ReportOfInput!) {
  classOccupancy(of: $of) {
    span { dateFrom dateTo }
    workingDays slotsPerDay
    rooms { room capacity availableSlots usedSlots share }
  }
}
"""
MOVEMENT = """
query Movement($of: ReportOfInput!) {
  studentMovement(of: $of) {
    suppressed
    groups { group figures { ...F } }
    totals { ...F }
  }
}
fragment F on MovementFigures {
  atStart enrolled transferredIn returned transferredOut academicLeave expelled graduated atEnd
}
"""
HOURS = """
query Hours($of: ReportOfInput!) {
  teacherHours(of: $of) {
    rows { teacher group discipline planned given difference }
    planned given
  }
}
"""
ACTIVITY = """
query Activity($of: ReportOfInput!) {
  userActivity(of: $of) {
    accounts { login person roles signIns changes lastSignIn }
  }
}
"""
FILLING = """
query Filling($of: ReportOfInput!) {
  journalFilling(of: $of) {
    rows {
      group discipline teacher lessons withoutTopic withoutHomework marks students
      marksPerStudent lastEntry daysSinceLastEntry
    }
  }
}
"""
HR = """
query Hr($of: ReportOfInput!) {
  hrList(of: $of) {
    employees { fullName positions { name isMain rate } category hiredOn email phone }
  }
}
"""
FIELDS = {
    OCCUPANCY: "classOccupancy",
    MOVEMENT: "studentMovement",
    HOURS: "teacherHours",
    ACTIVITY: "userActivity",
    FILLING: "journalFilling",
    HR: "hrList",
}


@dataclasses.dataclass
class World:
    institution: int
    department: int
    g1: int
    g2: int
    d1: int

    def of(self, **ids: Any) -> dict[str, Any]:
        return {"dateFrom": FIRST.isoformat(), "dateTo": LAST.isoformat(), **ids}

    @property
    def at_department(self) -> dict[str, Any]:
        return self.of(department=to_global_id("Department", self.department))

    @property
    def at_institution(self) -> dict[str, Any]:
        return self.of()


async def build_world(db: Any, slug: str) -> World:
    """The fixture (see the module's docstring) in institution ``slug``."""
    inst = await institution_id(db, slug)
    d = dt.date
    async with unscoped(db.factory, write=True) as s:

        def add(row: Any) -> Any:
            s.add(row)
            return row

        # the calendar: bells 1–2 are 90-minute pairs (2 academic hours), bell 3 45 minutes
        await s.execute(delete(m.BellSlot).where(m.BellSlot.institution_id == inst))
        for number, a, b in (
            (1, (8, 30), (10, 0)),
            (2, (10, 10), (11, 40)),
            (3, (12, 0), (12, 45)),
        ):
            add(
                m.BellSlot(
                    institution_id=inst, number=number, starts_at=dt.time(*a), ends_at=dt.time(*b)
                )
            )
        add(m.DayOff(institution_id=inst, date=d(2030, 2, 8), reason="fixture"))
        add(m.DayTransfer(institution_id=inst, from_date=d(2030, 2, 11), to_date=d(2030, 2, 16)))
        year = add(
            m.AcademicYear(
                institution_id=inst, name="2029/2030", starts_on=YEAR_START, ends_on=d(2030, 6, 30)
            )
        )
        dep = add(m.Department(institution_id=inst, name="Отделение-фикстура"))
        curriculum = add(
            m.Curriculum(
                institution_id=inst,
                name="План-фикстура",
                admission_year=2029,
                period_kind=PeriodKind.SEMESTER,
            )
        )
        d1 = add(m.Discipline(institution_id=inst, name="Фикс-математика", kind=DisciplineKind.UD))
        d2 = add(m.Discipline(institution_id=inst, name="Фикс-физика", kind=DisciplineKind.UD))
        await s.flush()
        g1 = add(
            m.StudyGroup(
                institution_id=inst,
                name="ФИКС-1",
                study_year=1,
                academic_year_id=year.id,
                department_id=dep.id,
            )
        )
        g2 = add(
            m.StudyGroup(
                institution_id=inst,
                name="ФИКС-2",
                study_year=1,
                academic_year_id=year.id,
                department_id=dep.id,
                curriculum_id=curriculum.id,
            )
        )
        for term, hours in ((1, 40), (2, 32)):
            add(
                m.CurriculumItem(
                    institution_id=inst,
                    curriculum_id=curriculum.id,
                    discipline_id=d2.id,
                    study_year=1,
                    term=term,
                    hours=hours,
                    attestation_form=AttestationForm.EXAM,
                )
            )
        x101 = add(m.Room(institution_id=inst, name="Х-101", capacity=30))
        x102 = add(m.Room(institution_id=inst, name="Х-102", capacity=20))
        teacher = "Преподаватель-фикстура"
        pos1 = add(m.Position(institution_id=inst, name=teacher))
        pos2 = add(m.Position(institution_id=inst, name="Методист-фикстура"))

        def person(surname: str, name: str, patronymic: str | None = None, **kw: Any) -> Any:
            return add(
                m.Person(
                    institution_id=inst, surname=surname, name=name, patronymic=patronymic, **kw
                )
            )

        p1 = person("Фиксов", "Пётр", "Ильич", email="fixov@example.ru", phone="+7 900 000-00-01")
        p2 = person("Тестова", "Анна", "Сергеевна", email="testova@example.ru")
        p3 = person("Уволенов", "Иван")
        students = [person(f"Студентов{i}", "Студент") for i in range(1, 9)]
        await s.flush()
        t1 = add(
            m.Employee(
                institution_id=inst, person_id=p1.id, category="высшая", hired_on=d(2020, 9, 1)
            )
        )
        t2 = add(m.Employee(institution_id=inst, person_id=p2.id, hired_on=d(2030, 3, 1)))
        add(
            m.Employee(
                institution_id=inst,
                person_id=p3.id,
                hired_on=d(2021, 1, 1),
                dismissed_on=d(2030, 2, 10),
            )
        )
        st = [add(m.Student(institution_id=inst, person_id=p.id)) for p in students]
        await s.flush()
        add(
            m.EmployeePosition(
                institution_id=inst,
                employee_id=t1.id,
                position_id=pos2.id,
                is_main=False,
                rate=Decimal("0.50"),
            )
        )
        add(
            m.EmployeePosition(
                institution_id=inst,
                employee_id=t1.id,
                position_id=pos1.id,
                is_main=True,
                rate=Decimal("1.00"),
            )
        )
        for t, g, disc, hours in ((t1, g1, d1, 60), (t2, g2, d2, None), (t1, g2, d1, 30)):
            add(
                m.TeachingAssignment(
                    institution_id=inst,
                    teacher_id=t.id,
                    group_id=g.id,
                    discipline_id=disc.id,
                    academic_year_id=year.id,
                    hours=hours,
                )
            )

        # movement: S1–S4 in ФИКС-1 and S5–S6 in ФИКС-2 since 1 September 2029
        memberships: dict[int, Any] = {}

        def order(kind: MovementKind, day: dt.date, moves: list[tuple[int, Any, Any]]) -> None:
            o = add(
                m.MovementOrder(
                    institution_id=inst,
                    kind=kind,
                    number=f"Ф-{len(memberships)}-{day.day}",
                    signed_on=day,
                    effective_on=day,
                )
            )
            pending.append((o, moves))

        pending: list[tuple[Any, list[tuple[int, Any, Any]]]] = []
        order(MovementKind.ENROLMENT, YEAR_START, [(i, None, g1) for i in (0, 1, 2, 3)])
        order(MovementKind.ENROLMENT, YEAR_START.replace(day=2), [(i, None, g2) for i in (4, 5)])
        order(MovementKind.EXPULSION, d(2030, 2, 4), [(5, g2, None)])  # the first day
        order(MovementKind.TRANSFER, d(2030, 2, 5), [(3, g1, g2)])
        order(MovementKind.ENROLMENT, d(2030, 2, 6), [(6, None, g1)])
        order(MovementKind.ACADEMIC_LEAVE, d(2030, 2, 7), [(1, g1, None)])
        order(MovementKind.ENROLMENT, d(2030, 2, 15), [(7, None, g2)])  # the last day
        order(MovementKind.EXPULSION, d(2030, 2, 20), [(0, g1, None)])  # after the dates
        await s.flush()
        for o, moves in pending:
            for i, src, dst in moves:
                add(
                    m.MovementOrderItem(
                        institution_id=inst,
                        order_id=o.id,
                        student_id=st[i].id,
                        from_group_id=src.id if src else None,
                        to_group_id=dst.id if dst else None,
                    )
                )
                if src is not None:
                    memberships[i].ends_on = o.effective_on
                    memberships[i].end_order_id = o.id
                if dst is not None:
                    memberships[i] = add(
                        m.GroupMembership(
                            institution_id=inst,
                            student_id=st[i].id,
                            group_id=dst.id,
                            starts_on=o.effective_on,
                            start_order_id=o.id,
                        )
                    )
                    await s.flush()

        # lessons (room, bell, topic, homework)
        def lesson(
            g: Any,
            disc: Any,
            t: Any,
            day: dt.date,
            slot: int,
            room: Any,
            topic: str | None,
            hw: str | None,
        ) -> Any:
            return add(
                m.Lesson(
                    institution_id=inst,
                    group_id=g.id,
                    discipline_id=disc.id,
                    teacher_id=t.id,
                    date=day,
                    slot=slot,
                    room_id=room.id if room else None,
                    topic=topic,
                    homework=hw,
                )
            )

        l1 = lesson(g1, d1, t1, d(2030, 2, 4), 1, x101, "Тема А", "д/з")
        lesson(g1, d1, t1, d(2030, 2, 4), 2, x101, "Тема Б", None)
        l3 = lesson(g1, d1, t1, d(2030, 2, 5), 1, x101, "  ", None)  # a blank topic
        lesson(g1, d1, t1, d(2030, 2, 12), 3, None, "Тема В", "д/з")
        l5 = lesson(g2, d2, t2, d(2030, 2, 5), 1, x101, "Тема Г", "д/з")  # same room and bell as l3
        lesson(g2, d2, t2, d(2030, 2, 6), 3, x102, "Тема Д", "д/з")
        l7 = lesson(g1, d1, t1, d(2030, 2, 20), 1, x101, None, None)  # after the dates
        await s.flush()
        for les, g, disc, marks in (
            (l1, g1, d1, {0: "5", 1: "4", 2: "3"}),
            (l3, g1, d1, {0: "4", 2: "5"}),
            (l5, g2, d2, {4: "5", 3: "4"}),
            (l7, g1, d1, {0: "2"}),
        ):
            w = add(
                m.Work(
                    institution_id=inst,
                    lesson_id=les.id,
                    group_id=g.id,
                    discipline_id=disc.id,
                    date=les.date,
                    kind=WorkKind.CONTROL,
                )
            )
            await s.flush()
            for i, value in marks.items():
                add(
                    m.Mark(
                        institution_id=inst,
                        work_id=w.id,
                        lesson_id=les.id,
                        student_id=st[i].id,
                        group_id=g.id,
                        discipline_id=disc.id,
                        date=les.date,
                        value=value,
                    )
                )

        # accounts, sessions, audit events
        # fx-staff is Фиксов's account (password "demo", as the demo's teacher has it)
        demo_hash = (
            (
                await s.execute(
                    select(m.UserAccount.password_hash).where(
                        m.UserAccount.institution_id == inst,
                        m.UserAccount.login.in_(("teacher", "subject_teacher")),
                    )
                )
            )
            .scalars()
            .first()
        )
        login_at = dt.datetime(2030, 2, 15, 23, 30, tzinfo=dt.UTC)
        a1 = add(
            m.UserAccount(
                institution_id=inst,
                person_id=p1.id,
                login="fx-staff",
                password_hash=demo_hash,
                last_login_at=login_at,
            )
        )
        a2 = add(m.UserAccount(institution_id=inst, login="fx-robot", password_hash="x"))
        await s.flush()
        for role in ("teacher", "curator"):
            add(m.RoleAssignment(user_id=a1.id, institution_id=inst, role=role))
        for n, when in enumerate(
            (
                dt.datetime(2030, 2, 3, 23, 59, tzinfo=dt.UTC),  # the day before
                dt.datetime(2030, 2, 4, 0, 0, tzinfo=dt.UTC),
                login_at,
                dt.datetime(2030, 2, 16, 0, 10, tzinfo=dt.UTC),  # the day after
            )
        ):
            add(
                m.AuthSession(
                    user_id=a1.id,
                    institution_id=inst,
                    created_at=when,
                    expires_at=when + dt.timedelta(hours=8),
                    token_hash=hashlib.sha256(f"{slug}-{n}".encode()).hexdigest(),
                )
            )
        for user, action, when in (
            (a1, "update", dt.datetime(2030, 2, 5, 10, tzinfo=dt.UTC)),
            (a1, "create", dt.datetime(2030, 2, 6, 11, tzinfo=dt.UTC)),
            (a1, "read", dt.datetime(2030, 2, 6, 12, tzinfo=dt.UTC)),  # not a change
            (a1, "login", dt.datetime(2030, 2, 6, 8, tzinfo=dt.UTC)),  # not a change
            (a1, "update", dt.datetime(2030, 2, 20, 9, tzinfo=dt.UTC)),  # after the dates
            (a2, "delete", dt.datetime(2030, 2, 10, 15, tzinfo=dt.UTC)),
        ):
            add(
                m.AuditEvent(
                    institution_id=inst, user_id=user.id, action=action, object_type="mark", at=when
                )
            )
        await s.commit()
        return World(institution=inst, department=dep.id, g1=g1.id, g2=g2.id, d1=d1.id)


def mine(rows: list[dict[str, Any]], key: str, values: set[str]) -> list[dict[str, Any]]:
    return [r for r in rows if r[key] in values]


async def report(user: Any, document: str, of: dict[str, Any]) -> Any:
    return (await user.data(document, {"of": of}))[FIELDS[document]]


async def refused(user: Any, document: str, of: dict[str, Any]) -> None:
    payload = await user.query(document, {"of": of})
    field = FIELDS[document]
    assert payload["data"][field] is None, payload
    codes = [e["extensions"]["code"] for e in payload.get("errors", [])]
    assert codes == ["FORBIDDEN"], payload


# -- figures ---------------------------------------------------------------------------------


async def test_class_occupancy_counts_distinct_slots_against_working_days(
    db: Any, sign_in: Any
) -> None:
    # given the fixture in Altai, and its administrator
    world = await build_world(db, "altai-college-2016")
    admin = await sign_in("altai-college-2016", "administrator")
    # when he asks for the occupancy of 4–15 February 2030
    data = await report(admin, OCCUPANCY, world.at_institution)
    # then: working days = 10 weekdays − 8 Feb (day off) − 11 Feb (moved to Saturday 16
    # Feb, after the dates) = 8; available = 8 days × 3 bells = 24 slots per room.
    assert (data["workingDays"], data["slotsPerDay"]) == (8, 3)
    assert data["span"] == {"dateFrom": "2030-02-04", "dateTo": "2030-02-15"}
    # (asked with a last day only, it covers the academic year holding that day up to it)
    year = await report(admin, OCCUPANCY, {"dateTo": LAST.isoformat()})
    assert year["span"] == {"dateFrom": "2029-09-01", "dateTo": "2030-02-15"}
    # (and a span of more than three years is refused, not walked day by day)
    payload = await admin.query(OCCUPANCY, {"of": {"dateFrom": "0001-01-01"}})
    assert payload["data"] == {"classOccupancy": None}
    assert [e["extensions"]["code"] for e in payload["errors"]] == ["VALIDATION"]
    assert "1098" in payload["errors"][0]["message"]
    # Х-101: (4 Feb, 1), (4 Feb, 2), (5 Feb, 1) — two lessons share the last — = 3 of 24
    # = 12.5 %; the lesson of 20 February lies after the dates. Х-102: (6 Feb, 3) = 1/24
    # = 4.17 → 4.2 %.
    assert mine(data["rooms"], "room", {"Х-101", "Х-102"}) == [
        {"room": "Х-101", "capacity": 30, "availableSlots": 24, "usedSlots": 3, "share": 12.5},
        {"room": "Х-102", "capacity": 20, "availableSlots": 24, "usedSlots": 1, "share": 4.2},
    ]


def _figures(start: int, end: int, **moved: int) -> dict[str, Any]:
    keys = (
        "enrolled",
        "transferredIn",
        "returned",
        "transferredOut",
        "academicLeave",
        "expelled",
        "graduated",
    )
    return {"atStart": start, **{k: moved.get(k, 0) for k in keys}, "atEnd": end}


async def test_student_movement_balances_per_group(db: Any, sign_in: Any) -> None:
    # given the fixture and Altai's administrator
    world = await build_world(db, "altai-college-2016")
    admin = await sign_in("altai-college-2016", "administrator")
    # when he asks for the movement of the fixture's department
    data = await report(admin, MOVEMENT, world.at_department)
    # then ФИКС-1: at the start S1–S4 = 4; + S7 enrolled (6 Feb) − S4 transferred out
    # (5 Feb) − S2 on leave (7 Feb) = 3 at the end (S1's expulsion of 20 Feb is later).
    # ФИКС-2: S5, S6 = 2 (S6 expelled on the first day still counts at the start); + S4
    # transferred in + S8 enrolled on the last day − S6 expelled = 3.
    assert data["suppressed"] is False
    assert data["groups"] == [
        {
            "group": "ФИКС-1",
            "figures": _figures(4, 3, enrolled=1, transferredOut=1, academicLeave=1),
        },
        {"group": "ФИКС-2", "figures": _figures(2, 3, enrolled=1, transferredIn=1, expelled=1)},
    ]
    # totals: 4 + 2 = 6 at the start, 3 + 3 = 6 at the end
    assert data["totals"] == _figures(
        6, 6, enrolled=2, transferredIn=1, transferredOut=1, academicLeave=1, expelled=1
    )
    # and at one group's level only that group's row
    one = await report(admin, MOVEMENT, world.of(group=to_global_id("Group", world.g2)))
    assert [g["group"] for g in one["groups"]] == ["ФИКС-2"]
    assert one["totals"] == one["groups"][0]["figures"]


async def test_teacher_hours_plan_against_given(db: Any, sign_in: Any) -> None:
    # given the fixture and Altai's administrator
    world = await build_world(db, "altai-college-2016")
    admin = await sign_in("altai-college-2016", "administrator")
    # when he asks for the hours of the fixture's department
    data = await report(admin, HOURS, world.at_department)
    # then Фиксов × ФИКС-1 × математика: planned 60 (the assignment's); given: bells 1, 2,
    # 1 (pairs, 2 h each) + bell 3 (1 h) = 7; 60 − 7 = 53.
    # Фиксов × ФИКС-2 × математика: planned 30, nothing held: 30.
    # Тестова × ФИКС-2 × физика: planned by the curriculum 40 + 32 = 72; given bell 1 (2 h)
    # + bell 3 (1 h) = 3; 72 − 3 = 69.
    assert data["rows"] == [
        {
            "teacher": "Тестова А.С.",
            "group": "ФИКС-2",
            "discipline": "Фикс-физика",
            "planned": 72,
            "given": 3,
            "difference": 69,
        },
        {
            "teacher": "Фиксов П.И.",
            "group": "ФИКС-1",
            "discipline": "Фикс-математика",
            "planned": 60,
            "given": 7,
            "difference": 53,
        },
        {
            "teacher": "Фиксов П.И.",
            "group": "ФИКС-2",
            "discipline": "Фикс-математика",
            "planned": 30,
            "given": 0,
            "difference": 30,
        },
    ]
    assert (data["planned"], data["given"]) == (60 + 30 + 72, 7 + 3)


async def test_user_activity_counts_sessions_and_changes_in_the_dates(
    db: Any, sign_in: Any
) -> None:
    # given the fixture and Altai's administrator
    await build_world(db, "altai-college-2016")
    admin = await sign_in("altai-college-2016", "administrator")
    # when he asks for the activity of 4–15 February 2030
    world_of = {"dateFrom": FIRST.isoformat(), "dateTo": LAST.isoformat()}
    data = await report(admin, ACTIVITY, world_of)
    # then fx-staff: sessions at 4 Feb 00:00 and 15 Feb 23:30 = 2 (3 Feb 23:59 and 16 Feb
    # 00:10 lie outside); changes: update 5 Feb + create 6 Feb = 2 (a read and a login are
    # no changes, 20 Feb is outside). fx-robot: no session, one delete.
    assert mine(data["accounts"], "login", {"fx-staff", "fx-robot"}) == [
        {
            "login": "fx-robot",
            "person": None,
            "roles": [],
            "signIns": 0,
            "changes": 1,
            "lastSignIn": None,
        },
        {
            "login": "fx-staff",
            "person": "Фиксов Пётр Ильич",
            "roles": ["curator", "teacher"],
            "signIns": 2,
            "changes": 2,
            "lastSignIn": "2030-02-15T23:30:00+00:00",
        },
    ]


async def test_journal_filling_per_group_discipline_teacher(db: Any, sign_in: Any) -> None:
    # given the fixture and Altai's administrator
    world = await build_world(db, "altai-college-2016")
    admin = await sign_in("altai-college-2016", "administrator")
    # when he asks for the journal filling of the fixture's department
    data = await report(admin, FILLING, world.at_department)
    # then ФИКС-1 × математика × Фиксов: 4 lessons (20 Feb is outside); without topic: the
    # blank one of 5 Feb = 1; without homework: 4 Feb bell 2 and 5 Feb = 2; marks 3 + 2 = 5;
    # students in the group at some day of the dates: S1, S2, S3, S4 (left 5 Feb), S7 = 5;
    # 5 / 5 = 1.0; last lesson with a topic 12 Feb, 15 − 12 = 3 days.
    # ФИКС-2 × физика × Тестова: 2 lessons, all filled; 2 marks; students S5, S4, S8 = 3
    # (S6 left on the first day); 2 / 3 = 0.67; last 6 Feb, 9 days.
    assert data["rows"] == [
        {
            "group": "ФИКС-1",
            "discipline": "Фикс-математика",
            "teacher": "Фиксов П.И.",
            "lessons": 4,
            "withoutTopic": 1,
            "withoutHomework": 2,
            "marks": 5,
            "students": 5,
            "marksPerStudent": 1.0,
            "lastEntry": "2030-02-12",
            "daysSinceLastEntry": 3,
        },
        {
            "group": "ФИКС-2",
            "discipline": "Фикс-физика",
            "teacher": "Тестова А.С.",
            "lessons": 2,
            "withoutTopic": 0,
            "withoutHomework": 0,
            "marks": 2,
            "students": 3,
            "marksPerStudent": 0.67,
            "lastEntry": "2030-02-06",
            "daysSinceLastEntry": 9,
        },
    ]
    # and Фиксов himself (he teaches ФИКС-1 × математика) at that group × discipline level
    # gets only that row
    subject = world.of(
        group=to_global_id("Group", world.g1), discipline=to_global_id("Discipline", world.d1)
    )
    fixov = await sign_in("altai-college-2016", "fx-staff")
    only = await report(fixov, FILLING, subject)
    assert only["rows"] == data["rows"][:1]
    # and at ФИКС-2's level only its row
    group = await report(admin, FILLING, world.of(group=to_global_id("Group", world.g2)))
    assert group["rows"] == data["rows"][1:]


async def test_hr_list_on_the_last_day_contacts_by_ruleset(db: Any, sign_in: Any) -> None:
    # given the fixture in Altai and in nshds12
    worlds = {slug: await build_world(db, slug) for slug in ("altai-college-2016", "nshds12-2021")}
    names = {"Фиксов Пётр Ильич", "Тестова Анна Сергеевна", "Уволенов Иван"}
    # when Altai's administrator (no employee.personal) and nshds12's system administrator
    # (employee.personal granted) ask for the staff list as of 15 February 2030
    admin = await sign_in("altai-college-2016", "administrator")
    altai = await report(admin, HR, worlds["altai-college-2016"].at_institution)
    sysadmin = await sign_in("nshds12-2021", "system_admin")
    nshds = await report(sysadmin, HR, worlds["nshds12-2021"].at_institution)
    # then only Фиксов works on that day (Тестова is hired on 1 March, Уволенов dismissed on
    # 10 February), main position first; contacts only for nshds12's system administrator
    positions = [
        {"name": "Преподаватель-фикстура", "isMain": True, "rate": 1.0},
        {"name": "Методист-фикстура", "isMain": False, "rate": 0.5},
    ]
    row = {
        "fullName": "Фиксов Пётр Ильич",
        "positions": positions,
        "category": "высшая",
        "hiredOn": "2020-09-01",
    }
    assert mine(altai["employees"], "fullName", names) == [{**row, "email": None, "phone": None}]
    assert mine(nshds["employees"], "fullName", names) == [
        {**row, "email": "fixov@example.ru", "phone": "+7 900 000-00-01"}
    ]


# -- access ------------------------------------------------------------------------------------

#: report → (ruleset, role that may, role that may not), two rulesets that differ
ACCESS = [
    (OCCUPANCY, "altai-college-2016", "administrator", "teacher"),
    (OCCUPANCY, "nshds12-2021", "methodist", "subject_teacher"),
    (MOVEMENT, "altai-college-2016", "deputy_director", "curator"),
    (MOVEMENT, "nshds12-2021", "director", "subject_teacher"),
    (HOURS, "altai-college-2016", "director", "teacher"),
    (HOURS, "nshds12-2021", "methodist", "class_teacher"),
    # activity needs every account readable: Altai's administrator may, its director (who
    # reads institution reports) may not; in nshds12 the system administrator, not the director
    (ACTIVITY, "altai-college-2016", "administrator", "director"),
    (ACTIVITY, "nshds12-2021", "system_admin", "director"),
    (FILLING, "altai-college-2016", "deputy_director", "teacher"),
    (FILLING, "nshds12-2021", "methodist", "subject_teacher"),
    (HR, "altai-college-2016", "administrator", "hr_specialist"),
    (HR, "nshds12-2021", "system_admin", "secretary"),
]


async def test_each_report_by_a_role_that_may_and_one_that_may_not(db: Any, sign_in: Any) -> None:
    # given the fixture in two institutions whose rulesets differ
    worlds = {slug: await build_world(db, slug) for slug in ("altai-college-2016", "nshds12-2021")}
    users: dict[tuple[str, str], Any] = {}
    for document, slug, may, may_not in ACCESS:
        for role in (may, may_not):
            if (slug, role) not in users:
                users[slug, role] = await sign_in(slug, role)
        world = worlds[slug]
        of = world.at_department if document in (MOVEMENT, HOURS, FILLING) else world.at_institution
        # when the role that may asks, then data
        assert await report(users[slug, may], document, of) is not None, (document, slug, may)
        # when the role that may not asks, then FORBIDDEN and null
        await refused(users[slug, may_not], document, of)


async def test_region_authority_gets_suppressed_movement_and_no_staff_list(
    db: Any, sign_in: Any
) -> None:
    # given the fixture in Altai and the region's authority (small-cell minimum 5)
    world = await build_world(db, "altai-college-2016")
    authority = await sign_in("demo-region", "authority")
    institution = to_global_id("Institution", world.institution)
    # when it asks for the movement of the fixture's department
    data = await report(authority, MOVEMENT, world.at_department)
    # then every count of 1–4 students is null, zeros and the totals of 6 stay
    assert data["suppressed"] is True

    # (every nonzero count of a group is below 5, and the totals balance, so one small
    # total — 2 enrolled — would give back the others: every nonzero total is null too)
    def nulls(**zeros: int) -> dict[str, Any]:
        return {k: (0 if k in zeros else None) for k in _figures(0, 0)}

    assert data["groups"] == [
        {"group": "ФИКС-1", "figures": nulls(transferredIn=0, returned=0, expelled=0, graduated=0)},
        {
            "group": "ФИКС-2",
            "figures": nulls(returned=0, transferredOut=0, academicLeave=0, graduated=0),
        },
    ]
    assert data["totals"] == nulls(returned=0, graduated=0)
    # and the hours show figures without the teachers' names (it reads no employee card)
    hours = await report(authority, HOURS, world.at_department)
    assert sorted((r["teacher"], r["given"]) for r in hours["rows"]) == [
        (None, 0),
        (None, 3),
        (None, 7),
    ]
    # and the journal filling shows ФИКС-1's 5 students (not below 5) and their marks, hides
    # ФИКС-2's 3 and theirs
    filling = await report(authority, FILLING, world.at_department)
    assert [
        (r["group"], r["marks"], r["students"], r["marksPerStudent"]) for r in filling["rows"]
    ] == [("ФИКС-1", 5, 5, 1.0), ("ФИКС-2", None, None, None)]
    # when it asks for the staff list or the user activity, then FORBIDDEN
    await refused(authority, HR, world.of(institution=institution))
    await refused(authority, ACTIVITY, world.of(institution=institution))


# -- statements --------------------------------------------------------------------------------


@pytest.mark.parametrize("document", list(FIELDS), ids=list(FIELDS.values()))
async def test_a_few_statements_whatever_the_rows(
    document: str, db: Any, sign_in: Any, sql_counter: Any
) -> None:
    # given Altai's administrator and its whole demo year (thousands of lessons and marks)
    admin = await sign_in("altai-college-2016", "administrator")
    # when he asks for a report of the whole institution over the year so far
    with sql_counter() as sql:
        await report(admin, document, {})
    # then a handful of statements: the session, the level's access and population, and
    # the report's own few
    assert sql.count <= 10, str(sql)


# -- printed tables ----------------------------------------------------------------------------

SPAN = adm.Span(InstitutionDetails(name="Колледж"), FIRST, LAST)
ACCESS_ALL = ReportAccess(
    of=ReportOf(),
    level=ReportLevel.INSTITUTION,
    institution_id=1,
    group_ids=(),
    person_id=None,
    period=None,
    date_from=FIRST,
    date_to=LAST,
    suppress_below=None,
)
MOVED = adm.MovementFigures(4, 1, 0, 0, 1, 1, 0, 0, 3)
#: One row of each report's data, built by hand: what the file writers will print.
DATA: dict[ReportName, Any] = {
    ReportName.CLASS_OCCUPANCY: adm.ClassOccupancyData(
        SPAN, 8, 3, [adm.RoomOccupancy(1, "Х-101", 30, 24, 3, 12.5)]
    ),
    ReportName.STUDENT_MOVEMENT: adm.StudentMovementData(
        SPAN, [adm.GroupMovement(1, "ФИКС-1", MOVED)], MOVED, False
    ),
    ReportName.TEACHER_HOURS: adm.TeacherHoursData(
        SPAN, [adm.TeacherHoursRow(1, "Фиксов П.И.", 1, "ФИКС-1", 1, "Матем.", 60, 7, 53)], 60, 7
    ),
    ReportName.USER_ACTIVITY: adm.UserActivityData(
        SPAN, [adm.AccountActivity(1, "fx-staff", "Фиксов", ["teacher"], 2, 2, None)], 2, 2
    ),
    ReportName.JOURNAL_FILLING: adm.JournalFillingData(
        SPAN,
        [
            adm.JournalFillingRow(
                1, "ФИКС-1", 1, "Матем.", 1, "Фиксов П.И.", 4, 1, 2, 5, 5, 1.0, LAST, 0
            )
        ],
    ),
    ReportName.HR_LIST: adm.HrListData(
        SPAN,
        [adm.HrRow(1, "Фиксов Пётр Ильич", [], None, None, "f@example.ru", None)],
        contacts_shown=True,
    ),
}


@pytest.mark.parametrize("name", list(DATA), ids=str)
def test_each_table_prints_its_row_under_its_headers_in_both_languages(
    name: ReportName,
) -> None:
    # given a report's data of one row
    spec = REPORTS[name]
    # when it is printed in Russian and in English
    ru, en = (spec.table(DATA[name], ACCESS_ALL, lang) for lang in ("ru", "en"))
    # then each row and the totals have a cell per column, the institution heads the form,
    # and the headers are in the language asked (Cyrillic in Russian only)
    for table in (ru, en):
        assert table.institution == SPAN.institution
        assert [len(row) for row in table.rows] == [len(table.columns)]
        assert table.totals is None or len(table.totals) == len(table.columns)
    assert [c.key for c in ru.columns] == [c.key for c in en.columns]
    cyrillic = re.compile("[а-яА-ЯёЁ]")
    assert all(cyrillic.search(c.title) for c in ru.columns)
    assert not any(cyrillic.search(c.title) for c in en.columns)
    assert (ru.title, en.title) == (spec.title("ru"), spec.title("en"))


def _counts(start: int, end: int, **moved: int) -> dict[str, int]:
    return {"at_start": start, **dict.fromkeys(adm.MOVEMENT_KEYS[1:-1], 0), **moved, "at_end": end}


def _sum(*rows: dict[str, int]) -> dict[str, int]:
    return {k: sum(r[k] for r in rows) for k in rows[0]}


def test_a_small_movement_count_is_not_given_back_by_its_row_or_its_column() -> None:
    # given a viewer with small cells suppressed (below 5) and two groups: A with one
    # expulsion (40 → 39), B with six (30 → 24)
    a, b = _counts(40, 39, expelled=1), _counts(30, 24, expelled=6)
    access = dataclasses.replace(ACCESS_ALL, suppress_below=5)
    # when the figures are suppressed
    rows, totals = adm.suppress_movement({1: a, 2: b}, _sum(a, b), access)
    # then A's 1 is null, and so are A's 40 and 39 (40 − 39 would give it back); B stands;
    # no total is small (70, 7, 63), yet each minus B's count gives A's back (7 − 6 = 1):
    # every nonzero total is null
    assert rows[1] == {k: (None if v else 0) for k, v in a.items()}
    assert rows[2] == b
    assert totals == {k: (None if v else 0) for k, v in _sum(a, b).items()}
    # and with no small count, every figure stands
    c, d = _counts(40, 46, enrolled=6), _counts(30, 37, enrolled=7)
    assert adm.suppress_movement({1: c, 2: d}, _sum(c, d), access) == ({1: c, 2: d}, _sum(c, d))
