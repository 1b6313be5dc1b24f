"""The viewer, the target of a decision, and the facts a row check consults.

Facts are the database's half of a decision (who teaches what, who curates which group,
whose parent is whom, which periods are closed). They are loaded lazily, once per
request, as small sets; a row check is then set membership. The SQL filters in
:mod:`campusgraph.policies.scopes` ask the same questions as subqueries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import and_, or_, select
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
            self.declared,
        )


def membership_current(on: dt.date) -> Any:
    return and_(
        m.GroupMembership.starts_on <= on,
        or_(m.GroupMembership.ends_on.is_(None), m.GroupMembership.ends_on > on),
    )


SessionOpener = Callable[[], AsyncSession]

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

    async def _load(self, session: AsyncSession, name: str, build: Callable[[], object]) -> None:
        self.queries += 1
        rows = (await session.execute(build())).all()  # type: ignore[call-overload]
        self.sets[name] = frozenset(r[0] if len(r) == 1 else tuple(r) for r in rows)

    # -- what each scope needs -------------------------------------------------------
    async def preload(self, scopes: set[Scope], conditions: set[Condition], target: Target) -> None:
        v = self.viewer
        today = v.today
        loaders: dict[str, Callable[[], object]] = {}

        def wants(scope: Scope, anchor: Anchor) -> bool:
            """Whether the target is matched on ``anchor`` under ``scope`` (the row check
            goes by the same alternative): only that set of facts is loaded."""
            try:
                return anchor in alternative(scope, target.object_anchors)
            except ValueError:
                return True

        if Scope.CURATED_GROUP in scopes:
            curated = select(m.Curatorship.group_id).where(
                m.Curatorship.curator_id == (v.employee_id or -1),
                m.Curatorship.starts_on <= today,
                or_(m.Curatorship.ends_on.is_(None), m.Curatorship.ends_on > today),
            )
            if wants(Scope.CURATED_GROUP, Anchor.GROUP):
                loaders["curated_groups"] = lambda: curated
            else:
                loaders["curated_students"] = lambda: select(m.GroupMembership.student_id).where(
                    m.GroupMembership.group_id.in_(curated), membership_current(today)
                )
        if Scope.TAUGHT in scopes:
            taught = select(m.TeachingAssignment.group_id).where(
                m.TeachingAssignment.teacher_id == (v.employee_id or -1)
            )
            # "taught_groups" are the pairs' groups (derived below, no query of their own).
            if wants(Scope.TAUGHT, Anchor.GROUP):
                loaders["taught_pairs"] = lambda: select(
                    m.TeachingAssignment.group_id, m.TeachingAssignment.discipline_id
                ).where(m.TeachingAssignment.teacher_id == (v.employee_id or -1))
            else:
                loaders["taught_students"] = lambda: select(m.GroupMembership.student_id).where(
                    m.GroupMembership.group_id.in_(taught), membership_current(today)
                )
        if Scope.SUBSTITUTE in scopes:
            loaders["substitute_lessons"] = lambda: select(m.Substitution.lesson_id).where(
                m.Substitution.teacher_id == (v.employee_id or -1)
            )
        if Scope.OWN_CHILD in scopes:
            children = select(m.ParentLink.student_id).where(
                m.ParentLink.parent_id == (v.parent_id or -1)
            )
            loaders["children"] = lambda: children
            loaders["children_groups"] = lambda: select(m.GroupMembership.group_id).where(
                m.GroupMembership.student_id.in_(children), membership_current(today)
            )
        if Scope.SELF in scopes:
            loaders["own_groups"] = lambda: select(m.GroupMembership.group_id).where(
                m.GroupMembership.student_id == (v.student_id or -1), membership_current(today)
            )
        if Scope.DEPARTMENT in scopes:
            dept_groups = select(m.StudyGroup.id).where(
                m.StudyGroup.department_id.in_(
                    select(m.Department.id).where(
                        m.Department.head_employee_id == (v.employee_id or -1)
                    )
                )
            )
            if wants(Scope.DEPARTMENT, Anchor.GROUP):
                loaders["department_groups"] = lambda: dept_groups
            else:
                loaders["department_students"] = lambda: select(m.GroupMembership.student_id).where(
                    m.GroupMembership.group_id.in_(dept_groups), membership_current(today)
                )
        missing = [(name, build) for name, build in loaders.items() if name not in self.sets]
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
        # One session for everything this decision still needs (a session per fact cost a
        # BEGIN and a connection checkout each: most of a mutation's permission check).
        async with self._open() as session:
            for name, build in missing:
                await self._load(session, name, build)
                if name == "taught_pairs":
                    pairs = cast("frozenset[tuple[int, int]]", self.sets[name])
                    self.sets["taught_groups"] = frozenset(group for group, _ in pairs)
            if closed:
                self.queries += 1
                rows = await session.execute(
                    select(m.Period.starts_on, m.Period.ends_on).where(
                        m.Period.closed_at.is_not(None)
                    )
                )
                self.closed_ranges = [(a, b) for a, b in rows.all()]
            for key, final_kinds in finals:
                student, discipline, on, _cond = key
                self.final_set[key] = await self._final_exists(
                    session, student, discipline, on, final_kinds
                )

    async def _final_exists(
        self,
        session: AsyncSession,
        student: int,
        discipline: int,
        on: dt.date,
        kinds: tuple[str, ...],
    ) -> bool:
        self.queries += 1
        row = await session.execute(
            select(m.FinalMark.id)
            .join(m.Period, m.Period.id == m.FinalMark.period_id)
            .where(
                m.FinalMark.student_id == student,
                m.FinalMark.discipline_id == discipline,
                m.FinalMark.kind.in_(kinds),
                m.Period.starts_on <= on,
                m.Period.ends_on >= on,
            )
            .limit(1)
        )
        return row.first() is not None

    def has(self, name: str, value: Any) -> bool:
        return value in self.sets.get(name, frozenset())


Preloader = Callable[[set[Scope], set[Condition], Target], Awaitable[None]]
