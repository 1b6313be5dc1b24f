"""Target pickers: real rows of the demo, named by their relation to a demo account.

A golden case asks ``viewer.can(object, action, id, on)`` about a real row. Which row is
said by a *picker*, relative to the institution's demo accounts:

========================  =====================================================================
``row_in_curated_group``  the group the curating role (curator / class_teacher) curates — also
                          the demo student's group, and taught by the teacher
``row_taught``            a group × discipline the teaching role teaches (another group than the
                          curated one where there is one)
``row_not_taught``        a group the teacher does not teach (where he teaches every group —
                          tomsk, nshds12 — a discipline he does not teach there), outside the
                          curated group, the student's group and the armavir head's department
``row_of_own_child``      the parent's only child (= the demo student) and his group
``row_of_other_child``    another student (in the ``row_not_taught`` group)
``self_row``              the viewer himself: his card, account, messages; a student's own group
``row_in_department``     a group of the department armavir's department_head heads
``any_row``               institution scope: a row outside every relation above
``row_substituted``       the lesson the inserted substitution lets the teacher fill
``row_final_set``         a mark (taught group) whose student has a final mark for the period
``row_authored``          a journal cell the viewer wrote (the author anchor of portfolio
                          entries, which have no GraphQL type to name them by), or a message
                          he wrote (:func:`enrich` starts threads for the student and parent)
``row_elsewhere``         a row of another institution (``can`` answers null)
``no_row``                no id at all: only the viewer's institution
========================  =====================================================================

An object with no GraphQL type of its own is named by the row that carries its anchors:
the catalogues, applicants, movement orders and the audit trail (anchored on the institution
alone) by the Institution; journal and thematic_plan by the TeachingAssignment; report,
announcement and curatorship by the Group; substitution by the Lesson; portfolio by the
Student, portfolio.teacher by the Employee (an employee's entries carry his person); account
and role_assignment by the person's card (Employee / Student / Parent).

For ``create`` a picker gives the context a new row would join (``new_row_context``): a new
mark is ``id`` = a Work, ``on`` = a Student; a new student card ``id`` = the Group; a new
lesson, work or final mark takes its group, discipline and date from a lesson of the spot
(``can`` has no other way to give a new row its date).

The demo has no final marks, subgroups or substitutions: :func:`enrich` inserts a few into
the golden database copy (see its docstring), which the pickers then find.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from campusgraph.db import models as m
from campusgraph.db.tenancy import unscoped
from campusgraph.ids import to_global_id
from tests.support import DEMO_TODAY

SLUGS = (
    "altai-college-2016",
    "armavir-technikum-2025",
    "barnaul-school6-2016",
    "tomsk-technikum-2023",
    "nshds12-2021",
)
SHORT = {slug: slug.split("-", 1)[0] for slug in SLUGS}
REGION = "demo-region"

#: The teaching and the curating role's login in each institution.
TEACHER = {slug: "subject_teacher" if slug == "nshds12-2021" else "teacher" for slug in SLUGS}
CURATOR = {
    slug: "class_teacher" if slug in ("barnaul-school6-2016", "nshds12-2021") else "curator"
    for slug in SLUGS
}
#: The kind of the final mark inserted per institution: what blocks a teacher's marks there
#: (altai: a period/semester mark, п. 4.6; armavir: an attestation mark, п. 4.6).
FINAL_KIND = {
    "altai-college-2016": "semester",
    "armavir-technikum-2025": "attestation",
    "barnaul-school6-2016": "period",
    "tomsk-technikum-2023": "semester",
    "nshds12-2021": "period",
}

Pick = tuple[str | None, str | None]

#: Objects whose rows are a person's: "self" means the viewer's own card / account.
PERSON_OBJECTS = frozenset(
    {"employee", "employee.personal", "account", "role_assignment", "message", "portfolio"}
    | {"portfolio.teacher"}
    | {"student", "student.personal", "student.health", "parent", "parent.personal"}
)
#: Objects anchored on the institution alone (no GraphQL type of their own): the
#: Institution row carries their only anchor.
INSTITUTION_OBJECTS = frozenset(
    {"institution", "ruleset", "region_report", "calendar", "position", "department"}
    | {"speciality", "program", "curriculum", "applicant", "movement_order", "audit"}
    | {"report.institution"}
)


@dataclass(frozen=True)
class Account:
    login: str
    user_id: int
    person_id: int | None
    employee_id: int | None
    student_id: int | None
    parent_id: int | None


@dataclass(frozen=True)
class Spot:
    """Where a relation's rows are: a group, a discipline in it, a student of it."""

    group: int
    discipline: int
    student: int
    #: a parent's child / the student himself: never another student's row
    strict_student: bool = False
    lesson: int | None = None


@dataclass
class Demo:
    """One institution's demo accounts and the spots of each relation."""

    slug: str
    institution_id: int
    accounts: dict[str, Account]
    current_period: int
    spots: dict[str, Spot] = field(default_factory=dict)
    #: second students of spot groups, who get the inserted final marks
    final_students: dict[str, int] = field(default_factory=dict)

    @property
    def teacher(self) -> Account:
        return self.accounts[TEACHER[self.slug]]

    @property
    def curator(self) -> Account:
        return self.accounts[CURATOR[self.slug]]

    @property
    def student(self) -> Account:
        return self.accounts["student"]


async def _scalar(session: AsyncSession, stmt: Any, what: str) -> int:
    value = (await session.execute(stmt.limit(1))).scalar()
    if value is None:
        raise LookupError(f"golden picker found no {what}")
    return int(value)


def _current_members(group: Any) -> Any:
    gm = m.GroupMembership
    return (
        select(gm.student_id)
        .where(
            gm.group_id == group,
            gm.starts_on <= DEMO_TODAY,
            or_(gm.ends_on.is_(None), gm.ends_on > DEMO_TODAY),
        )
        .order_by(gm.student_id)
    )


async def load_demo(session: AsyncSession, slug: str) -> Demo:
    """The institution's accounts and relation spots (the rows the demo guarantees)."""
    inst = await _scalar(session, select(m.Institution.id).where(m.Institution.slug == slug), slug)
    ua, e, s, p = m.UserAccount, m.Employee, m.Student, m.Parent
    rows = await session.execute(
        select(ua.login, ua.id, ua.person_id, e.id, s.id, p.id)
        .outerjoin(e, e.person_id == ua.person_id)
        .outerjoin(s, s.person_id == ua.person_id)
        .outerjoin(p, p.person_id == ua.person_id)
        .where(ua.institution_id == inst)
    )
    accounts = {r[0]: Account(*r) for r in rows.all()}
    period = await _scalar(
        session,
        select(m.Period.id)
        .where(
            m.Period.institution_id == inst,
            m.Period.kind.in_(("semester", "quarter")),
            m.Period.starts_on <= DEMO_TODAY,
            m.Period.ends_on >= DEMO_TODAY,
        )
        .order_by(m.Period.starts_on.desc()),
        "current period",
    )
    demo = Demo(slug, inst, accounts, period)
    teacher = demo.teacher.employee_id
    ta = m.TeachingAssignment
    taught = (
        await session.execute(
            select(ta.group_id, ta.discipline_id)
            .where(ta.teacher_id == teacher)
            .order_by(ta.group_id, ta.discipline_id)
        )
    ).all()
    taught_groups = [g for g, _ in taught]
    child = demo.student.student_id
    assert child is not None
    child_group = await _scalar(
        session,
        select(m.GroupMembership.group_id)
        .where(m.GroupMembership.student_id == child)
        .order_by(m.GroupMembership.starts_on.desc()),
        "child's group",
    )
    curated = await _scalar(
        session,
        select(m.Curatorship.group_id).where(m.Curatorship.curator_id == demo.curator.employee_id),
        "curated group",
    )
    head = accounts.get("department_head")
    department_groups: list[int] = []
    if head is not None:
        department_groups = list(
            (
                await session.execute(
                    select(m.StudyGroup.id)
                    .join(m.Department, m.Department.id == m.StudyGroup.department_id)
                    .where(m.Department.head_employee_id == head.employee_id)
                    .order_by(m.StudyGroup.id)
                )
            ).scalars()
        )
    groups = list(
        (
            await session.execute(
                select(m.StudyGroup.id)
                .where(m.StudyGroup.institution_id == inst)
                .order_by(m.StudyGroup.id)
            )
        ).scalars()
    )

    async def members(group: int) -> list[int]:
        return list((await session.execute(_current_members(group))).scalars())

    async def untaught_disciplines(group: int) -> list[int]:
        """Disciplines of the group someone else teaches, with marks and absences."""
        rows = await session.execute(
            select(ta.discipline_id)
            .where(
                ta.group_id == group,
                ta.teacher_id != teacher,
                exists(
                    select(m.Mark.id).where(
                        m.Mark.group_id == group, m.Mark.discipline_id == ta.discipline_id
                    )
                ),
                exists(
                    select(m.Attendance.id).where(
                        m.Attendance.group_id == group,
                        m.Attendance.discipline_id == ta.discipline_id,
                    )
                ),
            )
            .order_by(ta.discipline_id)
        )
        return [d for d in rows.scalars() if (group, d) not in taught]

    own_discipline = min(d for g, d in taught if g == child_group)
    demo.spots["own_child"] = Spot(child_group, own_discipline, child, strict_student=True)
    demo.spots["curated"] = Spot(curated, own_discipline, child)
    # A taught pair outside the curated group, graded (nshds12's first forms are not).
    graded = [
        (g, d)
        for g, d in taught
        if (
            await session.execute(
                select(m.Mark.id).where(m.Mark.group_id == g, m.Mark.discipline_id == d).limit(1)
            )
        ).first()
    ]
    taught_group, taught_discipline = next(
        ((g, d) for g, d in graded if g != curated), (curated, own_discipline)
    )
    taught_members = await members(taught_group)
    demo.spots["taught"] = Spot(taught_group, taught_discipline, taught_members[0])
    demo.final_students["taught"] = taught_members[1]

    busy = {curated, child_group, taught_group, *department_groups}
    free = [g for g in groups if g not in busy]
    # Prefer a group he does not teach; one with two disciplines someone else teaches there,
    # graded and with absences (nshds12's first forms have no marks).
    candidates = [g for g in free if g not in taught_groups] + [
        g for g in free if g in taught_groups
    ]
    for elsewhere in candidates:
        other_disciplines = await untaught_disciplines(elsewhere)
        if len(other_disciplines) >= 2:
            break
    else:
        raise LookupError(f"{slug}: no group with two untaught, graded disciplines")
    elsewhere_members = await members(elsewhere)
    demo.spots["not_taught"] = Spot(elsewhere, other_disciplines[0], elsewhere_members[0])
    demo.final_students["not_taught"] = elsewhere_members[1]
    lesson = await _scalar(
        session,
        select(m.Lesson.id)
        .where(
            m.Lesson.group_id == elsewhere,
            m.Lesson.discipline_id == other_disciplines[1],
            exists(select(m.Mark.id).where(m.Mark.lesson_id == m.Lesson.id)),
            exists(select(m.Attendance.id).where(m.Attendance.lesson_id == m.Lesson.id)),
        )
        .order_by(m.Lesson.date.desc(), m.Lesson.id),
        "lesson to substitute",
    )
    substitute_student = await _scalar(
        session,
        select(m.Mark.student_id).where(m.Mark.lesson_id == lesson).order_by(m.Mark.student_id),
        "mark on the substituted lesson",
    )
    demo.spots["substitute"] = Spot(
        elsewhere, other_disciplines[1], substitute_student, lesson=lesson
    )
    if department_groups:
        outside = [g for g in department_groups if g not in (curated, *taught_groups)]
        group = (outside or department_groups)[0]
        department_members = await members(group)
        discipline = (await untaught_disciplines(group))[0]
        demo.spots["department"] = Spot(group, discipline, department_members[0])
        demo.final_students["department"] = department_members[1]
    return demo


async def enrich(factory: async_sessionmaker[AsyncSession]) -> None:
    """Insert what the demo lacks, in every institution of the golden copy:

    - a final mark (kind :data:`FINAL_KIND`, current semester/quarter, dated its last day)
      for the demo student in a discipline the teacher teaches him, and for the *second*
      student of the taught, not-taught and department spots (the first stays unmarked, so
      the pickers have both);
    - a subgroup in each spot group, with three of its students;
    - a substitution: the teacher may fill one lesson of a group × discipline he does not
      teach (only tomsk's ruleset has a ``substitute`` scope; elsewhere it grants nothing).
    """
    async with unscoped(factory, write=True) as session:
        for slug in SLUGS:
            demo = await load_demo(session, slug)
            period = await session.get(m.Period, demo.current_period)
            assert period is not None
            author = demo.teacher.user_id
            finals = [(demo.spots["own_child"], demo.spots["own_child"].student)]
            finals += [(demo.spots[k], student) for k, student in demo.final_students.items()]
            for spot, student in finals:
                session.add(
                    m.FinalMark(
                        institution_id=demo.institution_id,
                        student_id=student,
                        discipline_id=spot.discipline,
                        group_id=spot.group,
                        period_id=period.id,
                        date=period.ends_on,
                        kind=FINAL_KIND[slug],
                        value="4",
                        author_user_id=author,
                    )
                )
            for spot in sorted({s.group for s in demo.spots.values()}):
                subgroup = m.Subgroup(
                    institution_id=demo.institution_id, group_id=spot, name="golden"
                )
                session.add(subgroup)
                await session.flush()
                members = (await session.execute(_current_members(spot).limit(3))).scalars()
                for student in members:
                    session.add(
                        m.SubgroupMember(
                            institution_id=demo.institution_id,
                            subgroup_id=subgroup.id,
                            student_id=student,
                        )
                    )
            session.add(
                m.Substitution(
                    institution_id=demo.institution_id,
                    lesson_id=demo.spots["substitute"].lesson,
                    teacher_id=demo.teacher.employee_id,
                    granted_by_user_id=(
                        demo.accounts.get("administrator") or demo.accounts["system_admin"]
                    ).user_id,
                    granted_at=dt.datetime(2026, 11, 20, tzinfo=dt.UTC),
                )
            )
            # threads (replies, read receipts, Thread.messages of test_lists.py): the student
            # and the parent each write to the teacher and get an answer (the author and
            # self scopes of everyone's ``message, read`` lines), and the parent writes to
            # the curating role's account
            at = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)
            teacher_user = author
            pairs = [
                (demo.accounts.get(login), teacher_user, True) for login in ("student", "parent")
            ]
            curating = demo.accounts.get(CURATOR[slug])
            if curating is not None:
                pairs.append((demo.accounts.get("parent"), curating.user_id, False))
            for writer, to, answered in pairs:
                if writer is None or writer.user_id == to:
                    continue
                thread = m.Thread(
                    institution_id=demo.institution_id,
                    subject="golden",
                    created_by_user_id=writer.user_id,
                    created_at=at,
                    last_message_at=at,
                )
                session.add(thread)
                await session.flush()
                for user in (writer.user_id, to):
                    session.add(
                        m.ThreadParticipant(
                            institution_id=demo.institution_id, thread_id=thread.id, user_id=user
                        )
                    )
                said = [(writer.user_id, to)] + ([(to, writer.user_id)] if answered else [])
                for sender, recipient in said:
                    session.add(
                        m.Message(
                            institution_id=demo.institution_id,
                            thread_id=thread.id,
                            sender_user_id=sender,
                            recipient_user_id=recipient,
                            subject="golden",
                            body="golden",
                            sent_at=at,
                        )
                    )
        await session.commit()


# -- rows ---------------------------------------------------------------------------------


def _gid(type_name: str, pk: int | None) -> str | None:
    return None if pk is None else to_global_id(type_name, pk)


def _final_marked(student: Any, discipline: Any, on: Any) -> Any:
    """A final mark of the student in the discipline for a period containing ``on``."""
    fm, p = m.FinalMark, m.Period
    return exists(
        select(fm.id)
        .join(p, p.id == fm.period_id)
        .where(
            fm.student_id == student,
            fm.discipline_id == discipline,
            p.starts_on <= on,
            p.ends_on >= on,
        )
    )


class Rows:
    """Finds the row of an object at a spot (one query, memoised by the caller)."""

    def __init__(self, session: AsyncSession, demo: Demo) -> None:
        self.s = session
        self.demo = demo

    async def one(self, stmt: Any, what: str) -> int:
        return await _scalar(self.s, stmt, f"{what} in {self.demo.slug}")

    async def colleague(self, viewer: Account | None) -> int:
        """An employee who is not the viewer (the curator, or the teacher for the curator)."""
        other = self.demo.curator
        if viewer is not None and viewer.person_id == other.person_id:
            other = self.demo.teacher
        assert other.employee_id is not None
        return other.employee_id

    async def person_row(self, account: Account) -> tuple[str, int]:
        if account.employee_id is not None:
            return "Employee", account.employee_id
        if account.student_id is not None:
            return "Student", account.student_id
        assert account.parent_id is not None
        return "Parent", account.parent_id

    async def lesson(self, spot: Spot) -> int:
        if spot.lesson is not None:
            return spot.lesson
        le = m.Lesson
        return await self.one(
            select(le.id)
            .where(le.group_id == spot.group, le.discipline_id == spot.discipline)
            .order_by(le.date.desc(), le.id),
            "lesson",
        )

    async def mark(self, spot: Spot, *, final_set: bool = False) -> int:
        mk = m.Mark
        marked = _final_marked(mk.student_id, mk.discipline_id, mk.date)
        stmt = select(mk.id).where(mk.group_id == spot.group, marked if final_set else ~marked)
        if spot.lesson is not None:
            stmt = stmt.where(mk.lesson_id == spot.lesson)
        if spot.strict_student:
            stmt = stmt.where(mk.student_id == spot.student)
        if not final_set and not spot.strict_student:
            stmt = stmt.where(mk.discipline_id == spot.discipline)
        return await self.one(
            stmt.order_by(
                (mk.discipline_id == spot.discipline).desc(),
                (mk.student_id == spot.student).desc(),
                mk.date.desc(),
                mk.id,
            ),
            "mark",
        )

    async def attendance(self, spot: Spot) -> int:
        at = m.Attendance
        stmt = select(at.id).where(at.group_id == spot.group)
        if spot.lesson is not None:
            stmt = stmt.where(at.lesson_id == spot.lesson)
        if spot.strict_student:
            stmt = stmt.where(at.student_id == spot.student)
        return await self.one(
            stmt.order_by(
                (at.student_id == spot.student).desc(),
                (at.discipline_id == spot.discipline).desc(),
                at.date.desc(),
                at.id,
            ),
            "attendance",
        )

    async def teaching_assignment(self, spot: Spot) -> int:
        ta = m.TeachingAssignment
        return await self.one(
            select(ta.id)
            .where(ta.group_id == spot.group)
            .order_by((ta.discipline_id == spot.discipline).desc(), ta.id),
            "teaching assignment",
        )

    async def recipient(self, obj: str, spot: Spot, viewer: Account | None) -> Pick:
        """Who would receive the role a ``role.<name>`` grant gives: the spot's student,
        his parent, or (any other role) a colleague's card."""
        if obj == "role.student":
            return _gid("Student", spot.student), None
        if obj == "role.parent":
            pk = await self.one(
                select(m.ParentLink.parent_id)
                .where(m.ParentLink.student_id == spot.student)
                .order_by(m.ParentLink.parent_id),
                "parent",
            )
            return _gid("Parent", pk), None
        return _gid("Employee", await self.colleague(viewer)), None

    async def pick(self, obj: str, act: str, spot: Spot, viewer: Account | None) -> Pick:
        """``(id, on)`` of ``obj``'s row at ``spot``, or for ``create`` the context a new
        row of ``obj`` would join there (:func:`new_row_context`)."""
        if act == "create":
            return await self.new_row_context(obj, spot, viewer)
        if obj.startswith("role."):
            return await self.recipient(obj, spot, viewer)
        d = self.demo
        if obj in INSTITUTION_OBJECTS:
            return _gid("Institution", d.institution_id), None
        if obj == "academic_year":
            ay = m.AcademicYear
            pk = await self.one(
                select(ay.id).where(ay.institution_id == d.institution_id, ay.is_current),
                "current academic year",
            )
            return _gid("AcademicYear", pk), None
        if obj == "period":
            return _gid("Period", d.current_period), None
        if obj == "room":
            pk = await self.one(
                select(m.Room.id)
                .where(m.Room.institution_id == d.institution_id)
                .order_by(m.Room.id),
                "room",
            )
            return _gid("Room", pk), None
        if obj == "discipline":
            return _gid("Discipline", spot.discipline), None
        if obj in ("group", "report", "curatorship", "announcement"):
            return _gid("Group", spot.group), None
        if obj == "subgroup":
            pk = await self.one(
                select(m.Subgroup.id).where(m.Subgroup.group_id == spot.group), "subgroup"
            )
            return _gid("Subgroup", pk), None
        if obj in ("student", "student.personal", "student.health", "portfolio", "report.student"):
            return _gid("Student", spot.student), None
        if obj in ("parent", "parent.personal"):
            pk = await self.one(
                select(m.ParentLink.parent_id)
                .where(m.ParentLink.student_id == spot.student)
                .order_by(m.ParentLink.parent_id),
                "parent",
            )
            return _gid("Parent", pk), None
        if obj in ("employee", "employee.personal", "account", "role_assignment", "message"):
            return _gid("Employee", await self.colleague(viewer)), None
        if obj == "portfolio.teacher":
            # an employee's entries carry his person: his card names them
            return _gid("Employee", await self.colleague(viewer)), None
        if obj in ("teaching_assignment", "journal", "thematic_plan", "report.subject"):
            return _gid("TeachingAssignment", await self.teaching_assignment(spot)), None
        if obj == "timetable":
            tt = m.TimetableEntry
            pk = await self.one(
                select(tt.id)
                .where(tt.group_id == spot.group)
                .order_by((tt.discipline_id == spot.discipline).desc(), tt.id),
                "timetable entry",
            )
            return _gid("TimetableEntry", pk), None
        if obj in ("lesson", "substitution"):
            return _gid("Lesson", await self.lesson(spot)), None
        if obj == "work":
            wk = m.Work
            stmt = select(wk.id).where(wk.group_id == spot.group)
            if spot.lesson is not None:
                stmt = stmt.where(wk.lesson_id == spot.lesson)
            pk = await self.one(
                stmt.order_by((wk.discipline_id == spot.discipline).desc(), wk.date.desc(), wk.id),
                "work",
            )
            return _gid("Work", pk), None
        if obj == "mark":
            return _gid("Mark", await self.mark(spot)), None
        if obj in ("attendance", "attendance.reason"):
            return _gid("Attendance", await self.attendance(spot)), None
        if obj == "final_mark":
            fm = m.FinalMark
            stmt = select(fm.id).where(fm.group_id == spot.group)
            if spot.strict_student:
                stmt = stmt.where(fm.student_id == spot.student)
            pk = await self.one(
                stmt.order_by((fm.student_id == spot.student).desc(), fm.id), "final mark"
            )
            return _gid("FinalMark", pk), None
        raise LookupError(f"no golden picker for object {obj!r}")

    async def new_row_context(self, obj: str, spot: Spot, viewer: Account | None) -> Pick:
        """The row(s) a new ``obj`` would join: their anchors are the new row's."""
        d = self.demo
        if obj in ("mark",):
            wk = m.Work
            stmt = select(wk.id).where(
                wk.group_id == spot.group, wk.discipline_id == spot.discipline
            )
            if spot.lesson is not None:
                stmt = stmt.where(wk.lesson_id == spot.lesson)
            work = await self.one(stmt.order_by(wk.date.desc(), wk.id), "work")
            return _gid("Work", work), _gid("Student", spot.student)
        if obj in ("attendance", "attendance.reason", "final_mark"):
            # A new final mark has no row to take its date from but a lesson's.
            return _gid("Lesson", await self.lesson(spot)), _gid("Student", spot.student)
        if obj in ("lesson", "work", "substitution"):
            # A new lesson's group, discipline and date: those of a lesson like it.
            return _gid("Lesson", await self.lesson(spot)), None
        if obj in ("student", "student.personal", "student.health", "subgroup"):
            return _gid("Group", spot.group), None
        if obj in ("announcement", "curatorship", "report"):
            return _gid("Group", spot.group), None
        if obj in ("parent", "parent.personal", "portfolio"):
            return _gid("Student", spot.student), None
        if obj in ("teaching_assignment",):
            return _gid("Group", spot.group), _gid("Discipline", spot.discipline)
        if obj in ("thematic_plan", "timetable", "journal"):
            return _gid("TeachingAssignment", await self.teaching_assignment(spot)), None
        if obj in ("account", "role_assignment", "portfolio.teacher"):
            return _gid("Employee", await self.colleague(viewer)), None
        if obj == "message":
            return None, None
        # who one may write to: the row linking the recipient — a curator's or teacher's
        # group, a student (his card, his parents' links), a colleague's card
        if obj in ("correspondent.curator", "correspondent.teacher"):
            return _gid("Group", spot.group), None
        if obj in ("correspondent.student", "correspondent.parent"):
            return _gid("Student", spot.student), None
        if obj in ("correspondent.employee", "correspondent.administration"):
            # the administration's rows are role assignments: anchored at the holder's
            # person and institution, as a colleague's card is
            return _gid("Employee", await self.colleague(viewer)), None
        # employee, employee.personal, group, catalogues: only the institution
        return _gid("Institution", d.institution_id), None


# -- pickers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Need:
    """What a picker is asked for: the object, the action and who asks."""

    obj: str
    act: str
    viewer: Account | None  # None for the region's authority


PickFn = Callable[[Rows, Need], Awaitable[Pick]]


@dataclass(frozen=True)
class Picker:
    label: str  # in test ids: altai/curator-mark-read-<label>→allow
    fn: PickFn
    doc: str = ""
    other_institution: bool = False  # pick in the next institution of SLUGS

    def __repr__(self) -> str:
        return self.label


def _spot_picker(label: str, spot: str, doc: str) -> Picker:
    async def fn(rows: Rows, need: Need) -> Pick:
        if spot not in rows.demo.spots:
            raise LookupError(f"{rows.demo.slug} has no {spot} relation")
        return await rows.pick(need.obj, need.act, rows.demo.spots[spot], need.viewer)

    return Picker(label, fn, doc)


row_in_curated_group = _spot_picker("curated", "curated", "the curated group")
row_taught = _spot_picker("taught", "taught", "a group × discipline the teacher teaches")
row_not_taught = _spot_picker("not-taught", "not_taught", "a group × discipline not taught")
row_of_own_child = _spot_picker("own-child", "own_child", "the parent's child")
row_of_other_child = _spot_picker("other-child", "not_taught", "another student")
row_in_department = _spot_picker("department", "department", "the head's department")
any_row = _spot_picker("any", "not_taught", "outside every relation: institution scope")
row_substituted = _spot_picker("substitute", "substitute", "the substituted lesson")


async def _self(rows: Rows, need: Need) -> Pick:
    viewer = need.viewer
    assert viewer is not None, "self_row needs a signed-in institution account"
    family = need.obj.split(".")[0]
    own = {"employee": viewer.employee_id, "student": viewer.student_id, "parent": viewer.parent_id}
    if family in own and own[family] is not None:
        return _gid(family.capitalize(), own[family]), None
    if (need.obj in PERSON_OBJECTS or need.obj.startswith("role.")) and family not in own:
        type_name, pk = await rows.person_row(viewer)
        return _gid(type_name, pk), None
    return await rows.pick(need.obj, need.act, rows.demo.spots["own_child"], viewer)


self_row = Picker("self", _self, "the viewer himself / the student's own group")


async def _final_set(rows: Rows, need: Need) -> Pick:
    assert need.obj == "mark"
    return _gid("Mark", await rows.mark(rows.demo.spots["taught"], final_set=True)), None


row_final_set = Picker("final-set", _final_set, "a taught mark whose final mark is set")


async def _authored(rows: Rows, need: Need) -> Pick:
    viewer = need.viewer
    assert viewer is not None
    if need.obj == "message":
        msg = m.Message
        pk = await rows.one(
            select(msg.id).where(msg.sender_user_id == viewer.user_id).order_by(msg.id),
            "authored message",
        )
        return _gid("Message", pk), None
    mk = m.Mark
    pk = await rows.one(
        select(mk.id).where(mk.author_user_id == viewer.user_id).order_by(mk.id), "authored mark"
    )
    return _gid("Mark", pk), None


row_authored = Picker("authored", _authored, "a journal cell (or a message) the viewer wrote")


async def _nothing(rows: Rows, need: Need) -> Pick:
    return None, None


no_row = Picker("no-row", _nothing, "no id: the viewer's institution only")


#: ``any_row`` of the next institution: ``can`` must answer null (not the viewer's realm).
row_elsewhere = Picker(
    "other-institution", any_row.fn, "a row of another institution", other_institution=True
)
