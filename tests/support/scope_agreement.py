"""The two halves of every scope and condition — the row check over facts and the SQL
filter for lists — compared on real rows, with viewers that actually hold each scope.

Why a prepared situation, not random sampling: a viewer paired with a scope he cannot
hold (a student's ``department``), or rows drawn at random from a table where the scope
selects a handful, agree on the empty set whatever the implementation does. Here every
scope has its holders (a department head, a substitute, an author …), the demo data gets
the facts it lacks (a department with a head, substitutions, final marks, a closed
quarter), and every (object, scope, condition) the vocabulary allows is compared on
every row of the school the viewers belong to, and the first rows of a college of the
same region (which every scope but ``region`` must leave out) — except that the five
journal tables (lessons, works, marks, attendance) take the rows of some lessons of two
school days: the last one of the closed first quarter and the first one of the open
second quarter, on which all those facts are planted.

:func:`agreement` reports what it saw; the tests decide what must hold (the mutation
checks feed it a broken SQL filter and expect it to see the disagreement).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, insert, or_, select, update

from campusgraph.db import models as m
from campusgraph.db.enums import AbsenceReason, AttendanceStatus, FundingSource, StudyForm
from campusgraph.db.tenancy import scoped, unscoped
from campusgraph.policies import scopes as impl
from campusgraph.policies.anchors import OBJECT_MODELS, anchors_for
from campusgraph.policies.facts import Facts, Target, Viewer
from campusgraph.policies.targets import target_of
from campusgraph.policies.vocabulary import (
    OBJECTS,
    Condition,
    Scope,
    condition_fits,
    scope_fits,
)
from tests.support import DEMO_TODAY

SCHOOL = "barnaul-school6-2016"
OTHER = "tomsk-technikum-2023"
AUTHORITY = "authority"

#: Objects whose rows live in a table of their own (the ``.personal``/``.health`` parts
#: are the same rows as their card).
OBJECTS_COMPARED = sorted(
    o for o in OBJECTS if o in OBJECT_MODELS and not o.endswith((".personal", ".health"))
)
#: Every (object, scope, condition) a ruleset line may combine.
TRIPLES: list[tuple[str, Scope, Condition]] = [
    (obj, scope, cond)
    for obj in OBJECTS_COMPARED
    for scope in Scope
    for cond in Condition
    if scope_fits(scope, OBJECTS[obj].anchors) and condition_fits(cond, OBJECTS[obj].anchors)
]
#: Objects compared on two days' rows only (tens of thousands of rows otherwise).
SLICED = frozenset({"lesson", "work", "mark", "attendance", "attendance.reason"})
#: Rows of the other institution compared (scopes must leave them out; all would double
#: the work for no other finding).
OTHER_ROWS = 25

#: Who holds each scope at the school (logins of its demo accounts, after :func:`prepare`).
HOLDERS: dict[Scope, tuple[str, ...]] = {
    Scope.INSTITUTION: ("administrator",),
    Scope.REGION: (AUTHORITY,),
    Scope.DEPARTMENT: ("head_teacher",),
    Scope.CURATED_GROUP: ("class_teacher",),
    Scope.TAUGHT: ("teacher",),
    Scope.SUBSTITUTE: ("teacher",),
    Scope.OWN_CHILD: ("parent",),
    Scope.SELF: ("student", "teacher", "parent"),
    Scope.AUTHOR: ("teacher", "class_teacher"),
    Scope.GENERAL: ("parent",),
}

ScopeSql = Callable[[Scope, Viewer, frozenset[Any], impl.SqlAnchors], impl.Expr]
ConditionSql = Callable[[Condition, Viewer, impl.SqlAnchors], impl.Expr]


@dataclass(frozen=True)
class Situation:
    school: int
    other: int
    viewers: dict[str, Viewer]
    #: The last school day of the closed quarter, the first of the open one.
    days: tuple[dt.date, dt.date]
    #: The lessons (of those days) whose journal rows are compared.
    lessons: tuple[int, ...]


@dataclass(frozen=True)
class Outcome:
    """One holder, one triple: the rows each half selects out of ``universe``."""

    obj: str
    scope: Scope
    cond: Condition
    login: str
    universe: int
    checked: frozenset[int]
    selected: frozenset[int]

    def describe(self) -> str:
        diff = sorted(self.checked ^ self.selected)
        return (
            f"{self.login}: {self.obj} × {self.scope.value} × {self.cond.value}: "
            f"row checks {len(self.checked)}, SQL {len(self.selected)} of {self.universe}; "
            f"differ on {diff[:8]}"
        )


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)

    def disagreements(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.checked != o.selected]

    def of(self, obj: str, scope: Scope, cond: Condition) -> list[Outcome]:
        return [o for o in self.outcomes if (o.obj, o.scope, o.cond) == (obj, scope, cond)]


# -- the situation -------------------------------------------------------------------------


async def _next_id(s: Any, model: Any) -> int:
    """Explicit ids: the seed inserts its own, so PostgreSQL's sequences lag behind."""
    top = (await s.execute(select(func.coalesce(func.max(model.id), 0)))).scalar_one()
    return int(top) + 1


async def _viewers(s: Any, school: m.Institution) -> dict[str, Viewer]:
    accounts = (
        await s.execute(
            select(m.UserAccount).where(
                (m.UserAccount.institution_id == school.id)
                | ((m.UserAccount.login == AUTHORITY) & m.UserAccount.institution_id.is_(None))
            )
        )
    ).scalars()
    region = tuple(
        (
            await s.execute(
                select(m.Institution.id)
                .where(m.Institution.region_id == school.region_id)
                .order_by(m.Institution.id)
            )
        ).scalars()
    )
    viewers: dict[str, Viewer] = {}
    for a in accounts:
        links: dict[str, int | None] = {}
        for name, model in (("employee", m.Employee), ("student", m.Student), ("parent", m.Parent)):
            links[name] = (
                await s.execute(select(model.id).where(model.person_id == a.person_id))
            ).scalar_one_or_none()
        roles = frozenset(
            (
                await s.execute(
                    select(m.RoleAssignment.role).where(m.RoleAssignment.user_id == a.id)
                )
            ).scalars()
        )
        own = a.institution_id is not None
        viewers[a.login] = Viewer(
            user_id=a.id,
            session_id=None,
            login=a.login,
            institution_ids=(school.id,) if own else region,
            institution_id=school.id if own else None,
            region_id=school.region_id,
            roles=roles,
            person_id=a.person_id,
            employee_id=links["employee"],
            student_id=links["student"],
            parent_id=links["parent"],
            today=DEMO_TODAY,
        )
    return viewers


async def prepare(db: Any) -> Situation:
    """Plant the facts every scope and condition needs at the school, close its first
    quarter, and return the viewers and the lessons whose journal rows are compared."""
    async with unscoped(db.factory, write=True) as s:
        school = (
            await s.execute(select(m.Institution).where(m.Institution.slug == SCHOOL))
        ).scalar_one()
        other = (
            await s.execute(select(m.Institution.id).where(m.Institution.slug == OTHER))
        ).scalar_one()
        viewers = await _viewers(s, school)
        teacher, curator = viewers["teacher"], viewers["class_teacher"]
        student, head = viewers["student"], viewers["head_teacher"]
        admin = viewers["administrator"]
        assert teacher.employee_id is not None
        assert curator.employee_id is not None
        assert head.employee_id is not None
        assert student.student_id is not None
        assert student.person_id is not None

        quarters = (
            (
                await s.execute(
                    select(m.Period)
                    .where(m.Period.institution_id == school.id, m.Period.kind == "quarter")
                    .order_by(m.Period.starts_on)
                )
            )
            .scalars()
            .all()
        )
        closed, open_ = quarters[0], quarters[1]

        async def lesson_day(where: Any, last: bool) -> dt.date:
            day = func.max(m.Lesson.date) if last else func.min(m.Lesson.date)
            found = (
                await s.execute(select(day).where(m.Lesson.institution_id == school.id, where))
            ).scalar_one()
            assert found is not None
            return found  # type: ignore[no-any-return]

        days = (
            await lesson_day(m.Lesson.date <= closed.ends_on, last=True),
            await lesson_day(m.Lesson.date >= open_.starts_on, last=False),
        )

        # Groups: the student's (also the parent's child's and the curator's, in the demo),
        # the teacher's, and the others: two of them form a department the head teacher
        # heads, one more gets a substitute.
        groups = list(
            (
                await s.execute(
                    select(m.StudyGroup.id)
                    .where(m.StudyGroup.institution_id == school.id)
                    .order_by(m.StudyGroup.id)
                )
            ).scalars()
        )
        own_group = (
            await s.execute(
                select(m.GroupMembership.group_id).where(
                    m.GroupMembership.student_id == student.student_id,
                    m.GroupMembership.ends_on.is_(None),
                )
            )
        ).scalar_one()
        taught = {
            (group, discipline)
            for group, discipline in await s.execute(
                select(m.TeachingAssignment.group_id, m.TeachingAssignment.discipline_id).where(
                    m.TeachingAssignment.teacher_id == teacher.employee_id
                )
            )
        }
        taught_groups = {g for g, _ in taught}
        others = [g for g in groups if g != own_group and g not in taught_groups]
        department_groups, substitute_group = others[:2], others[2]

        department = await _next_id(s, m.Department)
        await s.execute(
            insert(m.Department).values(
                id=department,
                institution_id=school.id,
                name="Отделение начальных классов",
                head_employee_id=head.employee_id,
            )
        )
        await s.execute(
            update(m.StudyGroup)
            .where(m.StudyGroup.id.in_(department_groups))
            .values(department_id=department)
        )

        # The lessons compared: each group's first two of each day, the teacher's own,
        # and one group's at the other institution.
        day_lessons = (
            await s.execute(
                select(
                    m.Lesson.id,
                    m.Lesson.group_id,
                    m.Lesson.discipline_id,
                    m.Lesson.date,
                    m.Lesson.slot,
                )
                .where(m.Lesson.institution_id == school.id, m.Lesson.date.in_(days))
                .order_by(m.Lesson.date, m.Lesson.group_id, m.Lesson.slot, m.Lesson.id)
            )
        ).all()
        firsts: dict[tuple[int, dt.date], list[int]] = {}
        compared = set()
        for lesson, group, discipline, day, _slot in day_lessons:
            first = firsts.setdefault((group, day), [])
            if len(first) < 2:
                first.append(lesson)
                compared.add(lesson)
            if (group, discipline) in taught:
                compared.add(lesson)
        other_group = (
            await s.execute(
                select(func.min(m.StudyGroup.id)).where(m.StudyGroup.institution_id == other)
            )
        ).scalar_one()
        compared |= set(
            (
                await s.execute(
                    select(m.Lesson.id).where(
                        m.Lesson.group_id == other_group, m.Lesson.date.in_(days)
                    )
                )
            ).scalars()
        )

        # Substitutions: the teacher stands in for lessons he does not teach, in the
        # student's group, a department group and one more; a lesson he does teach is
        # covered by the curator (so `taught` reaches a substitution too).
        wanted = [own_group, department_groups[0], substitute_group]
        chosen: dict[tuple[int, dt.date, int], int] = {}
        for lesson, group, discipline, day, _slot in day_lessons:
            if group in wanted and (group, discipline) not in taught:
                chosen.setdefault((group, day, teacher.employee_id), lesson)
            if (group, discipline) in taught and group != own_group:
                chosen.setdefault((group, day, curator.employee_id), lesson)
        next_sub = await _next_id(s, m.Substitution)
        for i, ((_, _, substitute), lesson) in enumerate(sorted(chosen.items())):
            compared.add(lesson)
            await s.execute(
                insert(m.Substitution).values(
                    id=next_sub + i,
                    institution_id=school.id,
                    lesson_id=lesson,
                    teacher_id=substitute,
                    granted_by_user_id=admin.user_id,
                )
            )
        lessons = [row for row in day_lessons if row[0] in compared]

        # The student (also the parent's child) absent from one lesson of his teacher's on
        # each day and marked in it — in two disciplines, a quarter mark in the first and
        # an attestation in the second (below), so each final-mark condition keeps one of
        # his rows and drops the other.
        own_works = (
            await s.execute(
                select(m.Work.id, m.Work.lesson_id, m.Work.discipline_id, m.Work.date)
                .where(m.Work.lesson_id.in_([row[0] for row in lessons if row[1] == own_group]))
                .order_by(m.Work.date, m.Work.lesson_id, m.Work.id)
            )
        ).all()
        busy = set(
            (
                await s.execute(
                    select(m.Attendance.lesson_id).where(
                        m.Attendance.student_id == student.student_id,
                        m.Attendance.date.in_(days),
                    )
                )
            ).scalars()
        ) | set(
            (
                await s.execute(
                    select(m.Mark.lesson_id).where(
                        m.Mark.student_id == student.student_id, m.Mark.date.in_(days)
                    )
                )
            ).scalars()
        )
        picked: list[tuple[int, int, int, dt.date]] = []
        for day in days:
            candidates = [
                w
                for w in own_works
                if w[3] == day and w[1] not in busy and all(w[2] != p[2] for p in picked)
            ]
            candidates.sort(key=lambda w: (own_group, w[2]) not in taught)
            picked.append(candidates[0])
        next_attendance = await _next_id(s, m.Attendance)
        next_mark = await _next_id(s, m.Mark)
        for i, (work, lesson, discipline, day) in enumerate(picked):
            cell = {
                "institution_id": school.id,
                "lesson_id": lesson,
                "student_id": student.student_id,
                "group_id": own_group,
                "discipline_id": discipline,
                "date": day,
                "version": 1,
                "updated_at": dt.datetime(2026, 11, 20, tzinfo=dt.UTC),
                "author_user_id": teacher.user_id,
            }
            await s.execute(
                insert(m.Attendance).values(
                    id=next_attendance + i,
                    status=AttendanceStatus.ABSENT,
                    reason=AbsenceReason.ILLNESS if i else None,
                    **cell,
                )
            )
            await s.execute(
                insert(m.Mark).values(id=next_mark + i, work_id=work, value="5", **cell)
            )
        own_finals = {picked[0][2]: "period", picked[1][2]: "attestation"}

        # Subgroups, an announcement, a speciality, an applicant, audit events, a message
        # each way and portfolio entries: rows the demo lacks for some scope.
        next_subgroup = await _next_id(s, m.Subgroup)
        for i, group in enumerate([own_group, department_groups[0], min(taught_groups)]):
            await s.execute(
                insert(m.Subgroup).values(
                    id=next_subgroup + i, institution_id=school.id, group_id=group, name="1"
                )
            )
        await s.execute(
            insert(m.Announcement).values(
                id=await _next_id(s, m.Announcement),
                institution_id=school.id,
                title="Собрание",
                body="В пятницу",
                starts_on=days[1],
                group_id=department_groups[0],
            )
        )
        await s.execute(  # and one of the whole school (scope general)
            insert(m.Announcement).values(
                id=await _next_id(s, m.Announcement),
                institution_id=school.id,
                title="Каникулы",
                body="С понедельника",
                starts_on=days[1],
            )
        )
        # Announcements of a department (the head's; and the own group's, in a department
        # of its own) and of a role (the student's): audiences reached through the groups
        # and roles of the viewer (announcement.department, announcement.role).
        own_department = await _next_id(s, m.Department)
        await s.execute(
            insert(m.Department).values(
                id=own_department, institution_id=school.id, name="Отделение основной школы"
            )
        )
        await s.execute(
            update(m.StudyGroup)
            .where(m.StudyGroup.id == own_group)
            .values(department_id=own_department)
        )
        for audience in (
            {"department_id": department},
            {"department_id": own_department},
            {"audience_role": "student"},
        ):
            await s.execute(
                insert(m.Announcement).values(
                    id=await _next_id(s, m.Announcement),
                    institution_id=school.id,
                    title="Мероприятие",
                    body="Во вторник",
                    starts_on=days[1],
                    **audience,
                )
            )
        await s.execute(
            insert(m.Speciality).values(
                id=await _next_id(s, m.Speciality),
                institution_id=school.id,
                code="00.00.00",
                name="Профильный класс",
            )
        )
        await s.execute(
            insert(m.Applicant).values(
                id=await _next_id(s, m.Applicant),
                institution_id=school.id,
                surname="Поступающий",
                name="Пётр",
                birth_date=dt.date(2012, 5, 1),
                citizenship="РФ",
                education_level="начальное общее",
                funding_source=FundingSource.BUDGET,
                study_form=StudyForm.FULL_TIME,
                applied_on=days[1],
            )
        )
        next_audit = await _next_id(s, m.AuditEvent)
        for i, inst in enumerate((school.id, other)):
            await s.execute(
                insert(m.AuditEvent).values(
                    id=next_audit + i,
                    institution_id=inst,
                    action="update",
                    object_type="mark",
                )
            )
        next_message = await _next_id(s, m.Message)
        # and a message at the other institution, which ``institution`` must leave out (its
        # regulation gives no correspondence, so its demo has none)
        theirs = (
            (
                await s.execute(
                    select(m.UserAccount.id)
                    .where(m.UserAccount.institution_id == other)
                    .order_by(m.UserAccount.id)
                    .limit(2)
                )
            )
            .scalars()
            .all()
        )
        pairs = [
            (school.id, teacher.user_id, student.user_id),
            (school.id, student.user_id, teacher.user_id),
            (other, theirs[0], theirs[1]),
        ]
        for i, (where, sender_id, recipient_id) in enumerate(pairs):
            await s.execute(
                insert(m.Message).values(
                    id=next_message + i,
                    institution_id=where,
                    sender_user_id=sender_id,
                    recipient_user_id=recipient_id,
                    subject="Домашнее задание",
                    body="…",
                )
            )
        department_student = (
            await s.execute(
                select(m.Student.person_id)
                .join(m.GroupMembership, m.GroupMembership.student_id == m.Student.id)
                .where(m.GroupMembership.group_id == department_groups[0])
                .order_by(m.Student.id)
                .limit(1)
            )
        ).scalar_one()
        next_entry = await _next_id(s, m.PortfolioEntry)
        for i, person in enumerate((student.person_id, department_student)):
            await s.execute(
                insert(m.PortfolioEntry).values(
                    id=next_entry + i,
                    institution_id=school.id,
                    person_id=person,
                    title="Олимпиада",
                    kind="achievement",
                    date=days[1],
                    author_user_id=teacher.user_id,
                )
            )

        # Final marks in both quarters, for the pairs of the compared lessons of the
        # groups the scopes reach, every other student: a third of the pairs get a quarter
        # mark (`final_not_set` false), a third an attestation (`attestation_not_set`
        # false), a third nothing.
        reached = {own_group, department_groups[0], substitute_group, min(taught_groups)}
        members = (
            await s.execute(
                select(m.GroupMembership.student_id, m.GroupMembership.group_id).where(
                    m.GroupMembership.institution_id == school.id,
                    m.GroupMembership.ends_on.is_(None),
                )
            )
        ).all()
        disciplines: dict[int, set[int]] = {}
        for _, group, discipline, _, _ in lessons:
            if group in reached:
                disciplines.setdefault(group, set()).add(discipline)
        rows = []
        for student_id, group in sorted(members):
            if student_id % 2 and student_id != student.student_id:
                continue
            for discipline in sorted(disciplines.get(group, ())):
                kind = ("period", "attestation", None)[(student_id + discipline) % 3]
                if student_id == student.student_id:
                    kind = own_finals.get(discipline)
                if kind is None:
                    continue
                author = teacher if (group, discipline) in taught else admin
                for period in (closed, open_):
                    rows.append(
                        {
                            "institution_id": school.id,
                            "student_id": student_id,
                            "discipline_id": discipline,
                            "group_id": group,
                            "period_id": period.id,
                            "date": period.ends_on,
                            "kind": kind,
                            "value": "4",
                            "version": 1,
                            "updated_at": dt.datetime(2026, 11, 20, tzinfo=dt.UTC),
                            "needs_approval": False,
                            "author_user_id": author.user_id,
                        }
                    )
        next_final = await _next_id(s, m.FinalMark)
        for i, row in enumerate(rows):
            row["id"] = next_final + i
        # A final mark, a subgroup and a substitution at the other institution too, for
        # `institution` to leave out.
        other_lesson = (
            await s.execute(
                select(m.Lesson)
                .where(m.Lesson.group_id == other_group, m.Lesson.date.in_(days))
                .order_by(m.Lesson.id)
                .limit(1)
            )
        ).scalar_one()
        other_student = (
            await s.execute(
                select(func.min(m.GroupMembership.student_id)).where(
                    m.GroupMembership.group_id == other_group
                )
            )
        ).scalar_one()
        other_period = (
            await s.execute(
                select(m.Period)
                .where(
                    m.Period.institution_id == other,
                    m.Period.starts_on <= other_lesson.date,
                    m.Period.ends_on >= other_lesson.date,
                )
                .order_by(m.Period.ends_on)
                .limit(1)
            )
        ).scalar_one()
        rows.append(
            {
                **rows[0],
                "id": next_final + len(rows),
                "institution_id": other,
                "student_id": other_student,
                "discipline_id": other_lesson.discipline_id,
                "group_id": other_group,
                "period_id": other_period.id,
                "date": other_period.ends_on,
                "author_user_id": None,
            }
        )
        await s.execute(
            insert(m.Subgroup).values(
                id=next_subgroup + 3, institution_id=other, group_id=other_group, name="1"
            )
        )
        await s.execute(
            insert(m.Substitution).values(
                id=next_sub + len(chosen),
                institution_id=other,
                lesson_id=other_lesson.id,
                teacher_id=other_lesson.teacher_id,
            )
        )
        await s.execute(insert(m.FinalMark), rows)
        # Closed last: the database refuses writes into a closed period.
        await s.execute(
            update(m.Period)
            .where(m.Period.id == closed.id)
            .values(closed_at=dt.datetime(2026, 10, 30, tzinfo=dt.UTC))
        )
        await s.commit()
    return Situation(
        school=school.id,
        other=other,
        viewers=viewers,
        days=days,
        lessons=tuple(sorted(compared)),
    )


# -- the comparison ------------------------------------------------------------------------


async def _universe(
    db: Any, situation: Situation, obj: str
) -> tuple[list[Any], list[tuple[int, Target]]]:
    """The rows compared, as a filter for the SQL half and as targets for the row half:
    every row of the object at the school and the first OTHER_ROWS of the other
    institution (SLICED objects: of the compared lessons only)."""
    model: Any = OBJECT_MODELS[obj]
    a = anchors_for(obj)
    sliced = [a.lesson.in_(situation.lessons)] if obj in SLICED else []
    async with scoped(db.factory, (situation.school, situation.other)) as s:
        theirs = (
            await s.execute(
                select(model.id)
                .where(a.institution == situation.other, *sliced)
                .order_by(model.id)
                .limit(OTHER_ROWS)
            )
        ).scalars()
        where = [*sliced, or_(a.institution == situation.school, model.id.in_(list(theirs)))]
        ids = (await s.execute(select(model.id).where(*where).order_by(model.id))).scalars()
        rows = []
        for pk in ids.all():
            target = await target_of(s, obj, pk)
            assert target is not None
            rows.append((pk, target))
    return where, rows


async def agreement(
    db: Any,
    situation: Situation,
    *,
    scopes: Iterable[Scope] = tuple(Scope),
    objects: Iterable[str] | None = None,
    scope_sql: ScopeSql = impl.scope_sql,
    condition_sql: ConditionSql = impl.condition_sql,
) -> Report:
    """Both halves of every wanted triple, for every holder of its scope.

    ``scope_sql``/``condition_sql`` stand in for the real SQL filters (the mutation checks
    pass broken ones)."""
    wanted_scopes = set(scopes)
    wanted_objects = set(OBJECTS_COMPARED if objects is None else objects)
    triples = [t for t in TRIPLES if t[1] in wanted_scopes and t[0] in wanted_objects]
    facts = {
        login: Facts(v, lambda v=v: scoped(db.factory, v.institution_ids))  # type: ignore[misc]
        for login, v in situation.viewers.items()
    }
    report = Report()
    for obj in sorted({t[0] for t in triples}):
        where, rows = await _universe(db, situation, obj)
        model: Any = OBJECT_MODELS[obj]
        anchors = OBJECTS[obj].anchors
        a = anchors_for(obj)
        for _, scope, cond in (t for t in triples if t[0] == obj):
            for login in HOLDERS[scope]:
                viewer = situation.viewers[login]
                async with scoped(db.factory, (situation.school, situation.other)) as s:
                    selected = frozenset(
                        (
                            await s.execute(
                                select(model.id).where(
                                    *where,
                                    scope_sql(scope, viewer, anchors, a),
                                    condition_sql(cond, viewer, a),
                                )
                            )
                        ).scalars()
                    )
                f = facts[login]
                checked = set()
                for pk, target in rows:
                    await f.preload({scope}, set(), target)
                    if not impl.scope_row(scope, f, target):
                        continue
                    await f.preload(set(), {cond}, target)
                    if impl.condition_row(cond, f, target):
                        checked.add(pk)
                report.outcomes.append(
                    Outcome(obj, scope, cond, login, len(rows), frozenset(checked), selected)
                )
    return report
