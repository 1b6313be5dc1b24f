"""Per-request loaders, named by their key. Each batch is one filtered SELECT in its own
session; the ruleset's SQL filter is applied by :func:`campusgraph.resolvers.reads.filtered`."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

from aiodataloader import DataLoader
from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, aliased

from campusgraph.context import Context
from campusgraph.db import models as m
from campusgraph.db.records import row_maker
from campusgraph.db.tenancy import confined, confined_values, driver_reads
from campusgraph.resolvers.reads import Page, counting, filtered, window

if TYPE_CHECKING:
    from campusgraph.resolvers.journal import JournalsByKeyLoader

StmtFor = Callable[[Any], Any]  # keys (a bound parameter) → a Select

#: The keys of one batch, bound at execution: a loader's statement is built once per
#: viewer and kept (see :meth:`_Loader.statement`), not rebuilt around each batch's keys.
KEYS = "campusgraph_keys"
_KEYS: Any = bindparam(KEYS, expanding=True)


def kept_statement(ctx: Context, name: str, obj: str, stmt_for: StmtFor) -> Any:
    """A loader's filtered, tenant-confined select, its keys a bound parameter (bind
    :data:`KEYS` to the batch's list): built once per viewer and kept with the viewer's
    policy filters (``Authorizer.memo``), so the next request runs the same statement
    object — whose SQLAlchemy cache key is derived once — instead of building, filtering
    and confining a new one around each batch's keys (which cost more than the by-id
    select itself). The policy filter and the tenant criteria are inside the kept
    statement, and the tenant values are still bound from the session at execution. The
    entry belongs to one viewer of one compiled ruleset; ``name`` must say everything the
    statement depends on besides the viewer (e.g. the date of a membership loader)."""
    assert ctx.viewer is not None, "no viewer: the operation should have been refused"
    institutions = ctx.viewer.institution_ids
    return ctx.authorizer.memo(
        f"loader:{name}:{obj}",
        lambda: confined(filtered(ctx, obj, stmt_for(_KEYS)), institutions),
    )


class _Loader(DataLoader):  # type: ignore[type-arg]
    """A DataLoader whose batch is one filtered select, grouped by a key column."""

    def __init__(
        self,
        ctx: Context,
        name: str,
        obj: str,
        stmt_for: StmtFor,
        key_of: Callable[[Any], Any],
        *,
        many: bool,
    ) -> None:
        super().__init__()
        self.ctx = ctx
        self.name = name
        self.obj = obj
        self.stmt_for = stmt_for
        self.key_of = key_of
        self.many = many

    def statement(self) -> Any:
        return kept_statement(self.ctx, self.name, self.obj, self.stmt_for)

    async def batch_load_fn(self, keys: list[Any]) -> list[Any]:
        rows = await self._rows(self.statement(), list(set(keys)))
        if self.many:
            grouped: dict[Any, list[Any]] = defaultdict(list)
            for row in rows:
                grouped[self.key_of(row)].append(row)
            return [grouped.get(k, []) for k in keys]
        found = {self.key_of(row): row for row in rows}
        return [found.get(k) for k in keys]

    async def _rows(self, stmt: Any, keys: list[Any]) -> Sequence[Any]:
        """On PostgreSQL the select runs on asyncpg's connection and its rows are rebuilt
        from the values (``db/records.py``): the ORM session around it cost twice the
        statement. Elsewhere, or for a select that cannot be rebuilt, the session's."""
        ctx = self.ctx
        engine = driver_reads(ctx.factory)
        make = row_maker(stmt) if engine is not None else None
        if engine is not None and make is not None:
            assert ctx.viewer is not None
            values = await confined_values(engine, stmt, {KEYS: keys}, ctx.viewer.institution_ids)
            return [make(value) for value in values]
        async with ctx.session() as session:
            return (await session.execute(stmt, {KEYS: keys})).all()


class PagesByOwnerLoader(DataLoader):  # type: ignore[type-arg]
    """The same page of one list for many owners in one statement: every student's
    attendance of a month on the curator's screen was a statement per student. Rows are
    numbered per owner in the list's order (a window function: SQLite 3.25+, PostgreSQL),
    the ruleset's filter applied before numbering, and each owner's window is kept —
    exactly the rows :func:`reads.page` gives one owner."""

    def __init__(
        self,
        ctx: Context,
        obj: str,
        model: Any,
        owner: InstrumentedAttribute[Any],
        where: Sequence[Any],
        order: Sequence[Any],
        limit: int,
        offset: int,
    ) -> None:
        super().__init__()
        self.ctx, self.obj, self.model, self.owner = ctx, obj, model, owner
        self.where, self.order, self.limit, self.offset = where, order, limit, offset

    async def batch_load_fn(self, owners: list[Any]) -> list[Page]:
        position = func.row_number().over(partition_by=self.owner, order_by=self.order)
        numbered = filtered(
            self.ctx,
            self.obj,
            select(self.model, position.label("position")).where(
                self.owner.in_(set(owners)), *self.where
            ),
        ).subquery()
        row = aliased(self.model, numbered)
        stmt = (
            select(row)
            .where(
                numbered.c.position > self.offset,
                numbered.c.position <= self.offset + self.limit + 1,
            )
            .order_by(numbered.c.position)
        )
        async with self.ctx.session() as session:
            rows = (await session.execute(stmt)).all()
        grouped: dict[Any, list[Any]] = defaultdict(list)
        for found in rows:
            grouped[getattr(found[0], self.owner.key)].append(found)
        return [self._page(key, grouped.get(key, [])) for key in owners]

    def _page(self, owner: Any, rows: list[Any]) -> Page:
        def count_all() -> Any:
            one = select(self.model).where(self.owner == owner, *self.where)
            return counting(filtered(self.ctx, self.obj, one))

        return Page(rows[: self.limit], self.offset, len(rows) > self.limit, count_all)


def _by_id(model: Any) -> StmtFor:
    return lambda ids: select(model).where(model.id.in_(ids))


def _first(row: Any) -> Any:
    return row[0].id


def _people(model: Any) -> StmtFor:
    """Students, parents and employees come with their person (names)."""
    return lambda ids: (
        select(model, m.Person)
        .join(m.Person, m.Person.id == model.person_id)
        .where(model.id.in_(ids))
    )


def current(
    starts: InstrumentedAttribute[dt.date], ends: InstrumentedAttribute[dt.date | None], on: dt.date
) -> Any:
    return and_(starts <= on, or_(ends.is_(None), ends > on))


class Loaders:
    """Every loader of one request. Built lazily; never shared between requests."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._made: dict[str, _Loader] = {}
        self._pages: dict[tuple[Any, ...], PagesByOwnerLoader] = {}

    @cached_property
    def journals(self) -> JournalsByKeyLoader:
        from campusgraph.resolvers.journal import JournalsByKeyLoader

        return JournalsByKeyLoader(self.ctx)

    def pages(
        self,
        name: str,
        obj: str,
        model: Any,
        owner: InstrumentedAttribute[Any],
        *,
        where: dict[str, tuple[Any, Any]],
        order: Sequence[Any],
        first: int | None,
        after: str | None,
    ) -> PagesByOwnerLoader:
        """``where`` names each condition with its value — ``{"from": (col >= d, d)}`` —
        so that owners asking for the same page of the same list share one loader."""
        limit, offset = window(self.ctx, first, after)
        key = (name, *sorted((k, v) for k, (_, v) in where.items()), limit, offset)
        loader = self._pages.get(key)
        if loader is None:
            clauses = [clause for clause, _ in where.values()]
            loader = PagesByOwnerLoader(self.ctx, obj, model, owner, clauses, order, limit, offset)
            self._pages[key] = loader
        return loader

    def _get(
        self,
        name: str,
        obj: str,
        stmt_for: StmtFor,
        key_of: Callable[[Any], Any],
        *,
        many: bool = False,
    ) -> _Loader:
        loader = self._made.get(name)
        if loader is None:
            loader = _Loader(self.ctx, name, obj, stmt_for, key_of, many=many)
            self._made[name] = loader
        return loader

    # -- single rows by id ---------------------------------------------------------------
    def entity_by_id(self, obj: str, model: Any) -> _Loader:
        return self._get(f"{model.__name__}ById", obj, _by_id(model), _first)

    @property
    def student_by_id(self) -> _Loader:
        return self._get("StudentById", "student", _people(m.Student), _first)

    @property
    def employee_by_id(self) -> _Loader:
        return self._get("EmployeeById", "employee", _people(m.Employee), _first)

    @property
    def parent_by_id(self) -> _Loader:
        return self._get("ParentById", "parent", _people(m.Parent), _first)

    @property
    def student_personal_by_student(self) -> _Loader:
        sp = m.StudentPersonal
        return self._get(
            "StudentPersonalByStudent",
            "student.personal",
            lambda ids: (
                select(sp)
                .join(m.Student, m.Student.id == sp.student_id)
                .where(sp.student_id.in_(ids))
            ),
            lambda row: row[0].student_id,
        )

    @property
    def student_health_by_student(self) -> _Loader:
        sp = m.StudentPersonal
        return self._get(
            "StudentHealthByStudent",
            "student.health",
            lambda ids: (
                select(sp)
                .join(m.Student, m.Student.id == sp.student_id)
                .where(sp.student_id.in_(ids))
            ),
            lambda row: row[0].student_id,
        )

    @property
    def parent_personal_by_parent(self) -> _Loader:
        pp = m.ParentPersonal
        return self._get(
            "ParentPersonalByParent",
            "parent.personal",
            lambda ids: (
                select(pp).join(m.Parent, m.Parent.id == pp.parent_id).where(pp.parent_id.in_(ids))
            ),
            lambda row: row[0].parent_id,
        )

    @property
    def employee_personal_by_employee(self) -> _Loader:
        ep = m.EmployeePersonal
        return self._get(
            "EmployeePersonalByEmployee",
            "employee.personal",
            lambda ids: (
                select(ep)
                .join(m.Employee, m.Employee.id == ep.employee_id)
                .where(ep.employee_id.in_(ids))
            ),
            lambda row: row[0].employee_id,
        )

    # -- lists by parent key -------------------------------------------------------------
    def students_by_group(self, on: dt.date) -> _Loader:
        gm = m.GroupMembership
        return self._get(
            f"StudentsByGroup:{on}",
            "student",
            lambda ids: (
                select(m.Student, m.Person, gm.group_id)
                .join(gm, gm.student_id == m.Student.id)
                .join(m.Person, m.Person.id == m.Student.person_id)
                .where(gm.group_id.in_(ids), current(gm.starts_on, gm.ends_on, on))
                .order_by(m.Person.surname, m.Person.name, m.Person.patronymic, m.Student.id)
            ),
            lambda row: row[2],
            many=True,
        )

    def group_by_student(self, on: dt.date) -> _Loader:
        gm = m.GroupMembership
        return self._get(
            f"GroupByStudent:{on}",
            "group",
            lambda ids: (
                select(m.StudyGroup, gm.student_id)
                .join(gm, gm.group_id == m.StudyGroup.id)
                .where(gm.student_id.in_(ids), current(gm.starts_on, gm.ends_on, on))
            ),
            lambda row: row[1],
        )

    def curators_by_group(self, on: dt.date) -> _Loader:
        c = m.Curatorship
        return self._get(
            f"CuratorsByGroup:{on}",
            "employee",
            lambda ids: (
                select(m.Employee, m.Person, c.group_id)
                .join(c, c.curator_id == m.Employee.id)
                .join(m.Person, m.Person.id == m.Employee.person_id)
                .where(c.group_id.in_(ids), current(c.starts_on, c.ends_on, on))
            ),
            lambda row: row[2],
            many=True,
        )

    def curated_groups_by_employee(self, on: dt.date) -> _Loader:
        c = m.Curatorship
        return self._get(
            f"CuratedGroupsByEmployee:{on}",
            "group",
            lambda ids: (
                select(m.StudyGroup, c.curator_id)
                .join(c, c.group_id == m.StudyGroup.id)
                .where(c.curator_id.in_(ids), current(c.starts_on, c.ends_on, on))
                .order_by(m.StudyGroup.name)
            ),
            lambda row: row[1],
            many=True,
        )

    @property
    def parents_by_student(self) -> _Loader:
        pl = m.ParentLink
        return self._get(
            "ParentsByStudent",
            "parent",
            lambda ids: (
                select(m.Parent, m.Person, pl.student_id, pl.kind)
                .join(pl, pl.parent_id == m.Parent.id)
                .join(m.Person, m.Person.id == m.Parent.person_id)
                .where(pl.student_id.in_(ids))
                .order_by(m.Person.surname)
            ),
            lambda row: row[2],
            many=True,
        )

    @property
    def children_by_parent(self) -> _Loader:
        pl = m.ParentLink
        return self._get(
            "ChildrenByParent",
            "student",
            lambda ids: (
                select(m.Student, m.Person, pl.parent_id)
                .join(pl, pl.student_id == m.Student.id)
                .join(m.Person, m.Person.id == m.Student.person_id)
                .where(pl.parent_id.in_(ids))
                .order_by(m.Person.surname, m.Person.name)
            ),
            lambda row: row[2],
            many=True,
        )

    def _many(
        self, name: str, obj: str, model: Any, key: InstrumentedAttribute[Any], *order: Any
    ) -> _Loader:
        return self._get(
            name,
            obj,
            lambda ids: select(model).where(key.in_(ids)).order_by(*order, model.id),
            lambda row: getattr(row[0], key.key),
            many=True,
        )

    @property
    def subgroups_by_group(self) -> _Loader:
        return self._many(
            "SubgroupsByGroup", "subgroup", m.Subgroup, m.Subgroup.group_id, m.Subgroup.name
        )

    @property
    def teaching_by_group(self) -> _Loader:
        ta = m.TeachingAssignment
        return self._many("TeachingAssignmentsByGroup", "teaching_assignment", ta, ta.group_id)

    @property
    def teaching_by_teacher(self) -> _Loader:
        ta = m.TeachingAssignment
        return self._many("TeachingAssignmentsByTeacher", "teaching_assignment", ta, ta.teacher_id)

    @property
    def timetable_by_group(self) -> _Loader:
        te = m.TimetableEntry
        return self._many("TimetableByGroup", "timetable", te, te.group_id, te.weekday, te.slot)

    @property
    def works_by_lesson(self) -> _Loader:
        return self._many("WorksByLesson", "work", m.Work, m.Work.lesson_id)

    @property
    def periods_by_year(self) -> _Loader:
        p = m.Period
        return self._many(
            "PeriodsByAcademicYear", "period", p, p.academic_year_id, p.starts_on, p.kind
        )

    @property
    def items_by_curriculum(self) -> _Loader:
        """Items with their curriculum joined: the ``curriculum`` read filter names the
        curriculum's columns, which on the items alone made a cross join (every item once
        per curriculum of the institution)."""
        ci = m.CurriculumItem
        return self._get(
            "ItemsByCurriculum",
            "curriculum",
            lambda ids: (
                select(ci)
                .join(m.Curriculum, m.Curriculum.id == ci.curriculum_id)
                .where(ci.curriculum_id.in_(ids))
                .order_by(ci.study_year, ci.term, ci.id)
            ),
            lambda row: row[0].curriculum_id,
            many=True,
        )

    @property
    def positions_by_employee(self) -> _Loader:
        ep = m.EmployeePosition
        return self._get(
            "PositionsByEmployee",
            "employee",
            lambda ids: (
                select(m.Position.name, ep.employee_id, ep.is_main)
                .join(ep, ep.position_id == m.Position.id)
                .join(m.Employee, m.Employee.id == ep.employee_id)
                .where(ep.employee_id.in_(ids))
                .order_by(ep.is_main.desc(), m.Position.name)
            ),
            lambda row: row[1],
            many=True,
        )


def rows_to_entities(rows: Sequence[Any]) -> list[Any]:
    return [row[0] for row in rows]
