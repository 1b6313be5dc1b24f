"""The viewer, the target of a decision, and the facts a row check consults.

Facts are the database's half of a decision (who teaches what, who curates which group,
whose parent is whom, which periods are closed). They are loaded lazily, once per
request, as small sets; a row check is then set membership. The SQL filters in
:mod:`campusgraph.policies.scopes` ask the same questions as subqueries.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import and_, bindparam, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from campusgraph.db import models as m
from campusgraph.policies.vocabulary import Anchor, Condition, Scope, alternative


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who is asking. Built from the authenticated session, never from arguments."""

    user_id: int
    session_id: int | None
    login: str
    #: The institutions this viewer's queries are confined to (one, or a region's).
    institution_ids: tuple[int, ...]
    institution_id: int | None
    region_id: int | None
    roles: frozenset[str]
    person_id: int | None = None
    employee_id: int | None = None
    student_id: int | None = None
    parent_id: int | None = None
    today: dt.date = field(default_factory=dt.date.today)
    #: A one-time password was issued: only changing it (or signing out) is allowed.
    must_change_password: bool = False


@dataclass(frozen=True, slots=True)
class Target:
    """The anchors of one row (existing or about to be written)."""

    object_anchors: frozenset[Anchor]
    institution_id: int | None = None
    group_id: int | None = None
    discipline_id: int | None = None
    student_ids: frozenset[int] = frozenset()
    person_id: int | None = None
    lesson_id: int | None = None
    date: dt.date | None = None
    author_id: int | None = None
    #: The department and the role a row is addressed to (announcements).
    department_id: int | None = None
    role: str | None = None
    #: Only for synthetic (golden) cases: the scopes and states the target is declared in.
    declared: frozenset[str] | None = None

    def key(self) -> tuple[object, ...]:
        return (
            self.object_anchors,
            self.institution_id,
            self.group_id,
            self.discipline_id,
            self.student_ids,
            self.person_id,
            self.lesson_id,
            self.date,
            self.author_id,
            self.department_id,
            self.role,
            self.declared,
        )


def membership_current(on: Any) -> Any:
    """Memberships in force on ``on`` (a date, or a bound parameter)."""
    return and_(
        m.GroupMembership.starts_on <= on,
        or_(m.GroupMembership.ends_on.is_(None), m.GroupMembership.ends_on > on),
    )


@functools.cache
def _fact_statements() -> dict[str, Any]:
    """Each fact's select, built once per process with the viewer's ids and today as bound
    parameters (building them per request cost more than running them)."""
    employee: Any = bindparam("viewer_employee")
    parent: Any = bindparam("viewer_parent")
    student: Any = bindparam("viewer_student")
    today: Any = bindparam("today")
    cu, ta, gm = m.Curatorship, m.TeachingAssignment, m.GroupMembership
    curated = select(cu.group_id).where(
        cu.curator_id == employee,
        cu.starts_on <= today,
        or_(cu.ends_on.is_(None), cu.ends_on > today),
    )
    taught = select(ta.group_id).where(ta.teacher_id == employee)
    children = select(m.ParentLink.student_id).where(m.ParentLink.parent_id == parent)
    department_groups = select(m.StudyGroup.id).where(
        m.StudyGroup.department_id.in_(
            select(m.Department.id).where(m.Department.head_employee_id == employee)
        )
    )

    def departments(groups: Any) -> Any:
        return select(m.StudyGroup.department_id).where(m.StudyGroup.id.in_(groups))

    def members(groups: Any) -> Any:
        return select(gm.student_id).where(gm.group_id.in_(groups), membership_current(today))

    return {
        "curated_groups": curated,
        "curated_students": members(curated),
        "taught_pairs": select(ta.group_id, ta.discipline_id).where(ta.teacher_id == employee),
        "taught_students": members(taught),
        "substitute_lessons": select(m.Substitution.lesson_id).where(
            m.Substitution.teacher_id == employee
        ),
        "children": children,
        "children_groups": select(gm.group_id).where(
            gm.student_id.in_(children), membership_current(today)
        ),
        "own_groups": select(gm.group_id).where(
            gm.student_id == student, membership_current(today)
        ),
        "department_groups": department_groups,
        "headed_departments": select(m.Department.id).where(
            m.Department.head_employee_id == employee
        ),
        "curated_departments": departments(curated),
        "children_departments": departments(
            select(gm.group_id).where(gm.student_id.in_(children), membership_current(today))
        ),
        "own_departments": departments(
            select(gm.group_id).where(gm.student_id == student, membership_current(today))
        ),
        "department_students": members(department_groups),
        "closed_periods": select(m.Period.starts_on, m.Period.ends_on).where(
            m.Period.closed_at.is_not(None)
        ),
    }


@functools.cache
def _final_statement(kinds: tuple[str, ...]) -> Any:
    """Whether the student has a final mark of one of ``kinds`` in the discipline for a
    period holding the day ``on``."""
    on: Any = bindparam("on")
    return (
        select(m.FinalMark.id)
        .join(m.Period, m.Period.id == m.FinalMark.period_id)
        .where(
            m.FinalMark.student_id == bindparam("student_id"),
            m.FinalMark.discipline_id == bindparam("discipline_id"),
            m.FinalMark.kind.in_(kinds),
            m.Period.starts_on <= on,
            m.Period.ends_on >= on,
        )
        .limit(1)
    )


SessionOpener = Callable[[], AsyncSession]


@dataclass(frozen=True, slots=True)
class ClosedPeriod:
    """A closed period holding a refused row's date, as a refusal names it."""

    id: int
    name: str
    closed_at: dt.datetime | None
    #: The full name of the person who closed it (None when the account is gone).
    closed_by: str | None


@dataclass(frozen=True, slots=True)
class FinalSet:
    """The final (or attestation) mark whose presence refused a write."""

    kind: str
    period_id: int
    period_name: str


FINAL_KINDS = ("period", "semester", "year")
ATTESTATION_KINDS = ("attestation", "exam")


class Facts:
    """Per-request memo of the viewer's relations, loaded on first use."""

    def __init__(self, viewer: Viewer, open_session: SessionOpener) -> None:
        self.viewer = viewer
        self._open = open_session
        self.sets: dict[str, frozenset[object]] = {}
        self.closed_ranges: list[tuple[dt.date, dt.date]] | None = None
        self.final_set: dict[tuple[int, int, dt.date, str], bool] = {}
        self.queries = 0

    # -- what each scope needs -------------------------------------------------------
    async def preload(self, scopes: set[Scope], conditions: set[Condition], target: Target) -> None:
        def wants(scope: Scope, anchor: Anchor) -> bool:
            """Whether the target is matched on ``anchor`` under ``scope`` (the row check
            goes by the same alternative): only that set of facts is loaded."""
            try:
                return anchor in alternative(scope, target.object_anchors)
            except ValueError:
                return True

        def only(scope: Scope, anchor: Anchor) -> bool:
            """Whether the target is matched on ``anchor`` alone (a department or a role
            an announcement is addressed to): its own facts, not the group-wise ones."""
            try:
                return alternative(scope, target.object_anchors) == frozenset({anchor})
            except ValueError:
                return False

        names: list[str] = []
        if Scope.CURATED_GROUP in scopes and only(Scope.CURATED_GROUP, Anchor.DEPARTMENT):
            names.append("curated_departments")
        elif Scope.CURATED_GROUP in scopes:
            group_wise = wants(Scope.CURATED_GROUP, Anchor.GROUP)
            names.append("curated_groups" if group_wise else "curated_students")
        if Scope.TAUGHT in scopes:
            # "taught_groups" are the pairs' groups (derived below, no query of their own).
            group_wise = wants(Scope.TAUGHT, Anchor.GROUP)
            names.append("taught_pairs" if group_wise else "taught_students")
        if Scope.SUBSTITUTE in scopes:
            names.append("substitute_lessons")
        if Scope.OWN_CHILD in scopes and only(Scope.OWN_CHILD, Anchor.DEPARTMENT):
            names.append("children_departments")
        elif Scope.OWN_CHILD in scopes:
            names += ["children", "children_groups"]
        if Scope.SELF in scopes and only(Scope.SELF, Anchor.DEPARTMENT):
            names.append("own_departments")
        elif Scope.SELF in scopes and not only(Scope.SELF, Anchor.ROLE):
            names.append("own_groups")
        if Scope.DEPARTMENT in scopes and only(Scope.DEPARTMENT, Anchor.DEPARTMENT):
            names.append("headed_departments")
        elif Scope.DEPARTMENT in scopes:
            group_wise = wants(Scope.DEPARTMENT, Anchor.GROUP)
            names.append("department_groups" if group_wise else "department_students")
        missing = [name for name in names if name not in self.sets]
        closed = Condition.PERIOD_OPEN in conditions and self.closed_ranges is None
        finals: list[tuple[tuple[int, int, dt.date, str], tuple[str, ...]]] = []
        for cond, kinds in (
            (Condition.FINAL_NOT_SET, FINAL_KINDS),
            (Condition.ATTESTATION_NOT_SET, ATTESTATION_KINDS),
        ):
            if cond in conditions and target.date and target.discipline_id:
                for student in target.student_ids:
                    key = (student, target.discipline_id, target.date, cond.value)
                    if key not in self.final_set:
                        finals.append((key, kinds))
        if not (missing or closed or finals):
            return
        statements = _fact_statements()
        v = self.viewer
        about = {
            "viewer_employee": v.employee_id or -1,
            "viewer_parent": v.parent_id or -1,
            "viewer_student": v.student_id or -1,
            "today": v.today,
        }
        # One session for everything this decision still needs (a session per fact cost a
        # BEGIN and a connection checkout each: most of a mutation's permission check).
        async with self._open() as session:
            for name in missing:
                self.queries += 1
                rows = (await session.execute(statements[name], about)).all()
                self.sets[name] = frozenset(r[0] if len(r) == 1 else tuple(r) for r in rows)
                if name == "taught_pairs":
                    pairs = cast("frozenset[tuple[int, int]]", self.sets[name])
                    self.sets["taught_groups"] = frozenset(group for group, _ in pairs)
            if closed:
                self.queries += 1
                rows = (await session.execute(statements["closed_periods"])).all()
                self.closed_ranges = [(a, b) for a, b in rows]
            for key, final_kinds in finals:
                student, discipline, on, _cond = key
                self.queries += 1
                found = await session.execute(
                    _final_statement(final_kinds),
                    {"student_id": student, "discipline_id": discipline, "on": on},
                )
                self.final_set[key] = found.first() is not None

    def has(self, name: str, value: Any) -> bool:
        return value in self.sets.get(name, frozenset())

    # -- what a refusal names (loaded only when a decision is a denial) ------------------
    async def closed_period_on(
        self, on: dt.date, institution_id: int | None = None
    ) -> ClosedPeriod | None:
        """The closed period holding ``on`` (the shortest, when several overlap: a quarter
        says more than the year), with the name of the person who closed it."""
        p, acc, person = m.Period, m.UserAccount, m.Person
        stmt = (
            select(p.id, p.name, p.closed_at, person.surname, person.name, person.patronymic)
            .outerjoin(acc, acc.id == p.closed_by_user_id)
            .outerjoin(person, person.id == acc.person_id)
            .where(p.closed_at.is_not(None), p.starts_on <= on, p.ends_on >= on)
            .order_by(p.starts_on.desc(), p.ends_on, p.id)
            .limit(1)
        )
        if institution_id is not None:
            stmt = stmt.where(p.institution_id == institution_id)
        async with self._open() as session:
            self.queries += 1
            row = (await session.execute(stmt)).first()
        if row is None:
            return None
        pk, name, closed_at, *who = row
        closed_by = " ".join(part for part in who if part) or None
        return ClosedPeriod(pk, name, closed_at, closed_by)

    async def final_set_on(
        self, students: frozenset[int], discipline: int, on: dt.date, kinds: tuple[str, ...]
    ) -> FinalSet | None:
        """The final mark of one of ``kinds`` that a student already has for a period
        holding ``on``."""
        fm, p = m.FinalMark, m.Period
        stmt = (
            select(fm.kind, p.id, p.name)
            .join(p, p.id == fm.period_id)
            .where(
                fm.student_id.in_(sorted(students)),
                fm.discipline_id == discipline,
                fm.kind.in_(kinds),
                p.starts_on <= on,
                p.ends_on >= on,
            )
            .order_by(p.starts_on.desc(), p.ends_on, p.id)
            .limit(1)
        )
        async with self._open() as session:
            self.queries += 1
            row = (await session.execute(stmt)).first()
        if row is None:
            return None
        kind, pk, name = row
        return FinalSet(str(getattr(kind, "value", kind)), pk, name)


Preloader = Callable[[set[Scope], set[Condition], Target], Awaitable[None]]
