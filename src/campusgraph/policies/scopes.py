"""Each scope and each condition, implemented exactly twice: a check on one row (over
:class:`~campusgraph.policies.facts.Facts`) and an SQL filter for lists. The property test
``tests/policies/test_scope_agreement.py`` asserts the two agree on generated data.

Which alternative of a scope applies is decided by the *object's* anchors (never by which
target fields happen to be filled), in the order of ``SCOPE_NEEDS``, so both halves pick
the same one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import ColumnElement, and_, exists, false, or_, select, true, tuple_
from sqlalchemy.orm import aliased

from campusgraph.db import models as m
from campusgraph.policies.facts import (
    ATTESTATION_KINDS,
    FINAL_KINDS,
    Facts,
    Target,
    Viewer,
    membership_current,
)
from campusgraph.policies.vocabulary import Anchor, Condition, Scope, alternative

Expr = ColumnElement[bool]


def _expr(value: Any) -> Expr:
    """Anchors are loosely typed columns; their comparisons are boolean expressions."""
    return cast(Expr, value)


@dataclass(frozen=True)
class SqlAnchors:
    """The columns of one table that carry an object's anchors. ``student`` may instead be a
    function ``student_in(subquery) -> expr`` for rows linked to several students."""

    # Columns, or scalar subqueries, of the object's table (typed loosely: SQLAlchemy's
    # InstrumentedAttribute and ColumnElement share no useful common type).
    institution: Any = None
    group: Any = None
    discipline: Any = None
    student: Any = None
    student_in: Callable[[Any], Expr] | None = None
    person: Any = None
    lesson: Any = None
    date: Any = None
    author: Any = None
    #: A column (or expression) that is NULL exactly on the institution's general rows
    #: (addressed to no group, department or role).
    general: Any = None
    #: The department and the role a row is addressed to (announcements).
    department: Any = None
    role: Any = None

    def student_matches(self, subquery: Any) -> Expr:
        if self.student_in is not None:
            return self.student_in(subquery)
        assert self.student is not None
        return _expr(self.student.in_(subquery))

    def student_equals(self, value: int | None) -> Expr:
        if value is None:
            return false()
        return self.student_matches(uncorrelated(select(m.Student.id).where(m.Student.id == value)))


# -- helpers shared by both halves -----------------------------------------------------
# Every subquery of a filter says what it correlates to. The filters are put into
# statements nobody here can see (a loader joining parent_link, a report over
# group_membership); left to SQLAlchemy's auto-correlation, a subquery over a table the
# outer statement also reads loses that FROM — or all of them, and the request fails.
# The facts below depend on the viewer only: ``.correlate(None)``, never on the row.
def uncorrelated(stmt: Any) -> Any:
    """A subquery of viewer facts: it never takes a table from the statement around it."""
    return stmt.correlate(None)


def _curated_groups(v: Viewer) -> Any:
    return uncorrelated(
        select(m.Curatorship.group_id).where(
            m.Curatorship.curator_id == (v.employee_id or -1),
            m.Curatorship.starts_on <= v.today,
            or_(m.Curatorship.ends_on.is_(None), m.Curatorship.ends_on > v.today),
        )
    )


def _taught_groups(v: Viewer) -> Any:
    return uncorrelated(
        select(m.TeachingAssignment.group_id).where(
            m.TeachingAssignment.teacher_id == (v.employee_id or -1)
        )
    )


def _students_of(groups: Any, v: Viewer) -> Any:
    return uncorrelated(
        select(m.GroupMembership.student_id).where(
            m.GroupMembership.group_id.in_(groups),
            membership_current(v.today),
        )
    )


def _department_groups(v: Viewer) -> Any:
    heads = uncorrelated(
        select(m.Department.id).where(m.Department.head_employee_id == (v.employee_id or -1))
    )
    return uncorrelated(select(m.StudyGroup.id).where(m.StudyGroup.department_id.in_(heads)))


def _children(v: Viewer) -> Any:
    return uncorrelated(
        select(m.ParentLink.student_id).where(m.ParentLink.parent_id == (v.parent_id or -1))
    )


def _groups_of_students(students: Any, v: Viewer) -> Any:
    return uncorrelated(
        select(m.GroupMembership.group_id).where(
            m.GroupMembership.student_id.in_(students),
            membership_current(v.today),
        )
    )


def _departments_of(groups: Any) -> Any:
    return uncorrelated(select(m.StudyGroup.department_id).where(m.StudyGroup.id.in_(groups)))


def _own_groups(v: Viewer) -> Any:
    return uncorrelated(
        select(m.GroupMembership.group_id).where(
            m.GroupMembership.student_id == (v.student_id or -1), membership_current(v.today)
        )
    )


def _department_sql(scope: Scope, v: Viewer, a: SqlAnchors) -> Expr:
    """A row addressed to a department, reached through the scope's groups."""
    assert a.department is not None
    if scope is Scope.DEPARTMENT:
        heads = select(m.Department.id).where(
            m.Department.head_employee_id == (v.employee_id or -1)
        )
        return _expr(a.department.in_(uncorrelated(heads)))
    if scope is Scope.CURATED_GROUP:
        groups = _curated_groups(v)
    elif scope is Scope.OWN_CHILD:
        groups = _groups_of_students(_children(v), v)
    else:
        assert scope is Scope.SELF
        groups = _own_groups(v)
    return _expr(a.department.in_(_departments_of(groups)))


# -- scopes: SQL -----------------------------------------------------------------------
def scope_sql(scope: Scope, v: Viewer, anchors: frozenset[Anchor], a: SqlAnchors) -> Expr:
    alt = alternative(scope, anchors)
    if alt == {Anchor.DEPARTMENT}:
        return _department_sql(scope, v, a)
    if alt == {Anchor.ROLE}:
        assert a.role is not None
        return _expr(a.role.in_(sorted(v.roles))) if v.roles else false()
    if scope is Scope.INSTITUTION:
        if a.institution is None or v.institution_id is None:
            return false()
        return _expr(a.institution == v.institution_id)
    if scope is Scope.REGION:
        if a.institution is None:
            return false()
        return _expr(a.institution.in_(v.institution_ids))
    if scope is Scope.CURATED_GROUP:
        groups = _curated_groups(v)
        if Anchor.GROUP in alt:
            assert a.group is not None
            return _expr(a.group.in_(groups))
        return _expr(a.student_matches(_students_of(groups, v)))
    if scope is Scope.DEPARTMENT:
        groups = _department_groups(v)
        if Anchor.GROUP in alt:
            assert a.group is not None
            return _expr(a.group.in_(groups))
        return _expr(a.student_matches(_students_of(groups, v)))
    if scope is Scope.TAUGHT:
        if Anchor.GROUP in alt:
            assert a.group is not None
            if Anchor.DISCIPLINE in anchors and a.discipline is not None:
                ta = m.TeachingAssignment
                # A row-value IN over an uncorrelated subquery: the database builds the
                # (group, discipline) set once, where a correlated EXISTS ran a subquery
                # per row (597 of them for one journal's marks). The NOT NULL guards keep
                # a row without anchors false, not unknown, under a deny line's NOT.
                return and_(
                    a.group.is_not(None),
                    a.discipline.is_not(None),
                    tuple_(a.group, a.discipline).in_(
                        uncorrelated(
                            select(ta.group_id, ta.discipline_id).where(
                                ta.teacher_id == (v.employee_id or -1)
                            )
                        )
                    ),
                )
            return _expr(a.group.in_(_taught_groups(v)))
        return _expr(a.student_matches(_students_of(_taught_groups(v), v)))
    if scope is Scope.SUBSTITUTE:
        assert a.lesson is not None
        subs = uncorrelated(
            select(m.Substitution.lesson_id).where(
                m.Substitution.teacher_id == (v.employee_id or -1)
            )
        )
        return _expr(a.lesson.in_(subs))
    if scope is Scope.OWN_CHILD:
        if Anchor.STUDENT in alt:
            return _expr(a.student_matches(_children(v)))
        assert a.group is not None
        return _expr(a.group.in_(_groups_of_students(_children(v), v)))
    if scope is Scope.SELF:
        if Anchor.STUDENT in alt:
            return _expr(a.student_equals(v.student_id))
        if Anchor.PERSON in alt:
            assert a.person is not None
            return _expr(a.person == v.person_id if v.person_id is not None else false())
        assert a.group is not None
        if v.student_id is None:
            return false()
        own = uncorrelated(
            select(m.GroupMembership.group_id).where(
                m.GroupMembership.student_id == v.student_id, membership_current(v.today)
            )
        )
        return _expr(a.group.in_(own))
    if scope is Scope.AUTHOR:
        assert a.author is not None
        return _expr(a.author == v.user_id)
    if scope is Scope.GENERAL:
        assert a.general is not None
        if a.institution is None or v.institution_id is None:
            return false()
        return and_(a.general.is_(None), a.institution == v.institution_id)
    raise AssertionError(scope)


# -- scopes: one row -------------------------------------------------------------------
_DEPARTMENT_FACTS = {
    Scope.DEPARTMENT: "headed_departments",
    Scope.CURATED_GROUP: "curated_departments",
    Scope.OWN_CHILD: "children_departments",
    Scope.SELF: "own_departments",
}


def scope_row(scope: Scope, f: Facts, t: Target) -> bool:
    v = f.viewer
    alt = alternative(scope, t.object_anchors)
    if alt == {Anchor.DEPARTMENT}:
        return t.department_id is not None and f.has(_DEPARTMENT_FACTS[scope], t.department_id)
    if alt == {Anchor.ROLE}:
        return t.role is not None and t.role in v.roles
    if scope is Scope.INSTITUTION:
        return t.institution_id is not None and t.institution_id == v.institution_id
    if scope is Scope.REGION:
        return t.institution_id in v.institution_ids
    if scope is Scope.CURATED_GROUP:
        if Anchor.GROUP in alt:
            return f.has("curated_groups", t.group_id)
        return any(f.has("curated_students", s) for s in t.student_ids)
    if scope is Scope.DEPARTMENT:
        if Anchor.GROUP in alt:
            return f.has("department_groups", t.group_id)
        return any(f.has("department_students", s) for s in t.student_ids)
    if scope is Scope.TAUGHT:
        if Anchor.GROUP in alt:
            if Anchor.DISCIPLINE in t.object_anchors:
                return f.has("taught_pairs", (t.group_id, t.discipline_id))
            return f.has("taught_groups", t.group_id)
        return any(f.has("taught_students", s) for s in t.student_ids)
    if scope is Scope.SUBSTITUTE:
        return f.has("substitute_lessons", t.lesson_id)
    if scope is Scope.OWN_CHILD:
        if Anchor.STUDENT in alt:
            return any(f.has("children", s) for s in t.student_ids)
        return f.has("children_groups", t.group_id)
    if scope is Scope.SELF:
        if Anchor.PERSON in alt:
            return v.person_id is not None and t.person_id == v.person_id
        if Anchor.STUDENT in alt:
            return v.student_id is not None and v.student_id in t.student_ids
        return v.student_id is not None and f.has("own_groups", t.group_id)
    if scope is Scope.AUTHOR:
        return t.author_id is not None and t.author_id == v.user_id
    if scope is Scope.GENERAL:
        return (
            t.group_id is None
            and t.department_id is None
            and t.role is None
            and t.institution_id is not None
            and t.institution_id == v.institution_id
        )
    raise AssertionError(scope)


# -- conditions ------------------------------------------------------------------------
def _final_sql(a: SqlAnchors, kinds: tuple[str, ...]) -> Expr:
    assert a.discipline is not None
    assert a.date is not None
    # Correlated to the row's anchors, never to its own aliases (the filter may be applied
    # to a query over final_mark or period itself).
    fm, p = aliased(m.FinalMark), aliased(m.Period)
    sub = (
        select(fm.id)
        .join(p, p.id == fm.period_id)
        .where(
            fm.discipline_id == a.discipline,
            fm.kind.in_(kinds),
            p.starts_on <= a.date,
            p.ends_on >= a.date,
        )
    )
    assert a.student is not None, "final-mark conditions need a single-student anchor"
    return ~exists(sub.where(fm.student_id == a.student).correlate_except(fm, p))


def condition_sql(cond: Condition, v: Viewer, a: SqlAnchors) -> Expr:
    if cond is Condition.ALWAYS:
        return true()
    if cond is Condition.PERIOD_OPEN:
        assert a.date is not None
        p = aliased(m.Period)
        return ~exists(
            select(p.id)
            .where(p.closed_at.is_not(None), p.starts_on <= a.date, p.ends_on >= a.date)
            .correlate_except(p)
        )
    if cond is Condition.FINAL_NOT_SET:
        return _final_sql(a, FINAL_KINDS)
    if cond is Condition.ATTESTATION_NOT_SET:
        return _final_sql(a, ATTESTATION_KINDS)
    raise AssertionError(cond)


def condition_row(cond: Condition, f: Facts, t: Target) -> bool:
    if cond is Condition.ALWAYS:
        return True
    if cond is Condition.PERIOD_OPEN:
        if t.date is None:
            return False
        return not any(a <= t.date <= b for a, b in f.closed_ranges or [])
    if cond in (Condition.FINAL_NOT_SET, Condition.ATTESTATION_NOT_SET):
        if t.date is None or t.discipline_id is None:
            return False
        return not any(
            f.final_set.get((s, t.discipline_id, t.date, cond.value), False) for s in t.student_ids
        )
    raise AssertionError(cond)


def line_sql(
    scope: Scope, cond: Condition, v: Viewer, anchors: frozenset[Anchor], a: SqlAnchors
) -> Expr:
    return and_(scope_sql(scope, v, anchors, a), condition_sql(cond, v, a))
