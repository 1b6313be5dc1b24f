"""Where each object's anchors live in the tables: the bridge from vocabulary to SQL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import case, exists, func, literal, null, select
from sqlalchemy.orm import aliased

from campusgraph.db import models as m
from campusgraph.db.base import Base
from campusgraph.policies.scopes import Expr, SqlAnchors, uncorrelated


def _person_of_user(user_col: Any) -> Any:
    # Explicit correlation: the anchor may sit several subqueries deep inside a filter.
    account = m.UserAccount.__table__
    return (
        select(account.c.person_id)
        .where(account.c.id == user_col)
        .correlate(user_col.table)
        .scalar_subquery()
    )


def _parent_children(sub: Any) -> Expr:
    # Correlated to the parent row only: a statement that itself joins parent_link (a
    # student's parents) must not take the link table away from this EXISTS.
    pl = aliased(m.ParentLink)
    return exists(
        select(pl.id)
        .where(pl.parent_id == m.Parent.id, pl.student_id.in_(sub))
        .correlate_except(pl)
    )


def _portfolio_student(sub: Any) -> Expr:
    people = uncorrelated(select(m.Student.person_id).where(m.Student.id.in_(sub)))
    return m.PortfolioEntry.person_id.in_(people)


def _lesson_col(col: str, lesson_id: Any) -> Any:
    lesson = m.Lesson.__table__
    return (
        select(lesson.c[col])
        .where(lesson.c.id == lesson_id)
        .correlate(lesson_id.table)
        .scalar_subquery()
    )


def _no_audience() -> Any:
    """NULL exactly on an announcement addressed to no group, department or role."""
    a = m.Announcement
    role = case((a.audience_role.is_not(None), literal(-1)), else_=null())
    return func.coalesce(a.group_id, a.department_id, role)


def _student() -> SqlAnchors:
    s = m.Student
    return SqlAnchors(institution=s.institution_id, student=s.id, person=s.person_id)


def _parent() -> SqlAnchors:
    p = m.Parent
    return SqlAnchors(institution=p.institution_id, person=p.person_id, student_in=_parent_children)


def _employee() -> SqlAnchors:
    e = m.Employee
    return SqlAnchors(institution=e.institution_id, person=e.person_id)


def _cell(t: type[m.Mark] | type[m.Attendance]) -> SqlAnchors:
    return SqlAnchors(
        institution=t.institution_id,
        group=t.group_id,
        discipline=t.discipline_id,
        student=t.student_id,
        lesson=t.lesson_id,
        date=t.date,
        author=t.author_user_id,
    )


def _simple(model: type[Base]) -> Callable[[], SqlAnchors]:
    return lambda: SqlAnchors(institution=model.institution_id)  # type: ignore[attr-defined]


def _teaching() -> SqlAnchors:
    ta = m.TeachingAssignment
    return SqlAnchors(institution=ta.institution_id, group=ta.group_id, discipline=ta.discipline_id)


ANCHORS: dict[str, Callable[[], SqlAnchors]] = {
    "institution": lambda: SqlAnchors(institution=m.Institution.id),
    "ruleset": lambda: SqlAnchors(institution=m.Institution.id),
    "region_report": lambda: SqlAnchors(institution=m.Institution.id),
    "academic_year": _simple(m.AcademicYear),
    "period": _simple(m.Period),
    "calendar": _simple(m.DayOff),
    "room": _simple(m.Room),
    "position": _simple(m.Position),
    "department": _simple(m.Department),
    "speciality": _simple(m.Speciality),
    "program": _simple(m.EducationalProgram),
    "curriculum": _simple(m.Curriculum),
    "discipline": _simple(m.Discipline),
    "applicant": _simple(m.Applicant),
    "movement_order": _simple(m.MovementOrder),
    "audit": lambda: SqlAnchors(institution=m.AuditEvent.institution_id),
    "group": lambda: SqlAnchors(institution=m.StudyGroup.institution_id, group=m.StudyGroup.id),
    "report": lambda: SqlAnchors(institution=m.StudyGroup.institution_id, group=m.StudyGroup.id),
    # a report's levels: the institution, a group × discipline taught, a student
    "report.institution": lambda: SqlAnchors(institution=m.Institution.id),
    "report.subject": _teaching,
    "report.student": _student,
    "report.teacher": _employee,
    "subgroup": lambda: SqlAnchors(
        institution=m.Subgroup.institution_id, group=m.Subgroup.group_id
    ),
    "student": _student,
    "student.personal": _student,
    "student.health": _student,
    "parent": _parent,
    "parent.personal": _parent,
    "employee": _employee,
    "employee.personal": _employee,
    "account": lambda: SqlAnchors(
        institution=m.UserAccount.institution_id, person=m.UserAccount.person_id
    ),
    "role_assignment": lambda: SqlAnchors(
        institution=m.RoleAssignment.institution_id,
        person=_person_of_user(m.RoleAssignment.user_id),
    ),
    "teaching_assignment": _teaching,
    "journal": _teaching,
    "curatorship": lambda: SqlAnchors(
        institution=m.Curatorship.institution_id, group=m.Curatorship.group_id
    ),
    "substitution": lambda: SqlAnchors(
        institution=m.Substitution.institution_id,
        lesson=m.Substitution.lesson_id,
        group=_lesson_col("group_id", m.Substitution.lesson_id),
        discipline=_lesson_col("discipline_id", m.Substitution.lesson_id),
    ),
    "thematic_plan": lambda: SqlAnchors(
        institution=m.ThematicPlan.institution_id,
        group=m.ThematicPlan.group_id,
        discipline=m.ThematicPlan.discipline_id,
    ),
    "timetable": lambda: SqlAnchors(
        institution=m.TimetableEntry.institution_id,
        group=m.TimetableEntry.group_id,
        discipline=m.TimetableEntry.discipline_id,
    ),
    "lesson": lambda: SqlAnchors(
        institution=m.Lesson.institution_id,
        group=m.Lesson.group_id,
        discipline=m.Lesson.discipline_id,
        lesson=m.Lesson.id,
        date=m.Lesson.date,
    ),
    "work": lambda: SqlAnchors(
        institution=m.Work.institution_id,
        group=m.Work.group_id,
        discipline=m.Work.discipline_id,
        lesson=m.Work.lesson_id,
        date=m.Work.date,
    ),
    "mark": lambda: _cell(m.Mark),
    "attendance": lambda: _cell(m.Attendance),
    "attendance.reason": lambda: _cell(m.Attendance),
    "final_mark": lambda: SqlAnchors(
        institution=m.FinalMark.institution_id,
        group=m.FinalMark.group_id,
        discipline=m.FinalMark.discipline_id,
        student=m.FinalMark.student_id,
        date=m.FinalMark.date,
        author=m.FinalMark.author_user_id,
    ),
    "message": lambda: SqlAnchors(
        institution=m.Message.institution_id,
        author=m.Message.sender_user_id,
        person=_person_of_user(m.Message.recipient_user_id),
    ),
    "correspondent.curator": lambda: SqlAnchors(
        institution=m.Curatorship.institution_id, group=m.Curatorship.group_id
    ),
    "correspondent.teacher": lambda: SqlAnchors(
        institution=m.TeachingAssignment.institution_id, group=m.TeachingAssignment.group_id
    ),
    "correspondent.student": lambda: SqlAnchors(
        institution=m.Student.institution_id, student=m.Student.id
    ),
    "correspondent.parent": lambda: SqlAnchors(
        institution=m.ParentLink.institution_id, student=m.ParentLink.student_id
    ),
    "correspondent.employee": lambda: SqlAnchors(
        institution=m.Employee.institution_id, person=m.Employee.person_id
    ),
    # A role assignment of the administration (which roles: the ruleset's data, applied
    # where the rows are listed — resolvers/correspondence.py): its institution, its holder.
    "correspondent.administration": lambda: SqlAnchors(
        institution=m.RoleAssignment.institution_id,
        person=_person_of_user(m.RoleAssignment.user_id),
    ),
    "announcement": lambda: SqlAnchors(
        institution=m.Announcement.institution_id,
        group=m.Announcement.group_id,
        general=_no_audience(),
        author=m.Announcement.author_user_id,
        # Not anchors of the object (no scope goes by them): loaded with its row, so that a
        # row addressed to a department or a role is never taken for a general one.
        department=m.Announcement.department_id,
        role=m.Announcement.audience_role,
    ),
    "announcement.department": lambda: SqlAnchors(
        institution=m.Announcement.institution_id,
        department=m.Announcement.department_id,
        author=m.Announcement.author_user_id,
    ),
    "announcement.role": lambda: SqlAnchors(
        institution=m.Announcement.institution_id,
        role=m.Announcement.audience_role,
        author=m.Announcement.author_user_id,
    ),
    "portfolio": lambda: SqlAnchors(
        institution=m.PortfolioEntry.institution_id,
        person=m.PortfolioEntry.person_id,
        student_in=_portfolio_student,
        author=m.PortfolioEntry.author_user_id,
    ),
    "portfolio.teacher": lambda: SqlAnchors(
        institution=m.PortfolioEntry.institution_id,
        person=m.PortfolioEntry.person_id,
        author=m.PortfolioEntry.author_user_id,
    ),
}


def anchors_for(obj: str) -> SqlAnchors:
    return ANCHORS[obj]()


#: The table whose ``id`` identifies a row of each object (for loading a row's anchors).
OBJECT_MODELS: dict[str, type[Base]] = {
    "institution": m.Institution,
    "ruleset": m.Institution,
    "region_report": m.Institution,
    "academic_year": m.AcademicYear,
    "period": m.Period,
    "calendar": m.DayOff,
    "room": m.Room,
    "position": m.Position,
    "department": m.Department,
    "speciality": m.Speciality,
    "program": m.EducationalProgram,
    "curriculum": m.Curriculum,
    "discipline": m.Discipline,
    "applicant": m.Applicant,
    "movement_order": m.MovementOrder,
    "audit": m.AuditEvent,
    "group": m.StudyGroup,
    "report": m.StudyGroup,
    "report.institution": m.Institution,
    "report.subject": m.TeachingAssignment,
    "report.student": m.Student,
    "report.teacher": m.Employee,
    "subgroup": m.Subgroup,
    "student": m.Student,
    "student.personal": m.Student,
    "student.health": m.Student,
    "parent": m.Parent,
    "parent.personal": m.Parent,
    "employee": m.Employee,
    "employee.personal": m.Employee,
    "account": m.UserAccount,
    "role_assignment": m.RoleAssignment,
    "teaching_assignment": m.TeachingAssignment,
    "journal": m.TeachingAssignment,
    "curatorship": m.Curatorship,
    "substitution": m.Substitution,
    "thematic_plan": m.ThematicPlan,
    "timetable": m.TimetableEntry,
    "lesson": m.Lesson,
    "work": m.Work,
    "mark": m.Mark,
    "attendance": m.Attendance,
    "attendance.reason": m.Attendance,
    "final_mark": m.FinalMark,
    "message": m.Message,
    "correspondent.curator": m.Curatorship,
    "correspondent.teacher": m.TeachingAssignment,
    "correspondent.student": m.Student,
    "correspondent.parent": m.ParentLink,
    "correspondent.employee": m.Employee,
    "correspondent.administration": m.RoleAssignment,
    "announcement": m.Announcement,
    "announcement.department": m.Announcement,
    "announcement.role": m.Announcement,
    "portfolio": m.PortfolioEntry,
    "portfolio.teacher": m.PortfolioEntry,
}
