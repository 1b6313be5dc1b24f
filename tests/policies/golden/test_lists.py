"""The SQL list filters, compared through the endpoint with the row check.

A list field applies ``Authorizer.where`` (the SQL half of each scope and condition); a
single row is decided by the row check (the Casbin enforcer over preloaded facts, what
``viewer.can`` answers). For every demo account of every ruleset and every list field of
the schema whose items are policy rows, the ids the GraphQL API lists under an owner row
must be exactly the rows of that owner (:attr:`ListField.universe`, written here from the
data model, not from the policy) for which the row check allows ``read`` — no more, no
fewer, no duplicates. Owners are the demo's relation spots (the curated, taught, untaught,
own child's and department's groups, their students, the teacher's and curator's cards),
so every scope is compared on rows it reaches: each scope of a read line on a listed
object must decide at least one listed row (a comparison of two empty sets proves
nothing).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from graphql import GraphQLList, GraphQLNonNull, GraphQLObjectType, GraphQLSchema
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from campusgraph.db import models as m
from campusgraph.db.tenancy import scoped, unscoped
from campusgraph.ids import from_global_id
from campusgraph.policies.anchors import OBJECT_MODELS, anchors_for
from campusgraph.policies.engine import Authorizer, Decision
from campusgraph.policies.explain import viewer_for_login
from campusgraph.policies.facts import Facts, Target, Viewer
from campusgraph.policies.vocabulary import (
    CONDITION_NEEDS,
    OBJECTS,
    Anchor,
    Condition,
    Scope,
    alternative,
    split_conditions,
)
from tests.policies.golden.asking import Golden
from tests.policies.golden.lines import BASE, accounts, compiled, lines_of, region_viewer
from tests.policies.golden.pickers import REGION, SLUGS, Demo, Rows
from tests.support import DEMO_TODAY

#: The window of dated lists (lessons, marks, attendance): two weeks up to the demo's today.
FROM, TO = DEMO_TODAY - dt.timedelta(days=14), DEMO_TODAY
PAGE = 100

Universe = Callable[[int], Any]  # owner pk → select of the listed table's ids


def _members(group: int) -> Any:
    gm = m.GroupMembership
    return select(gm.student_id).where(
        gm.group_id == group,
        gm.starts_on <= DEMO_TODAY,
        or_(gm.ends_on.is_(None), gm.ends_on > DEMO_TODAY),
    )


def _of_institution(model: Any) -> Universe:
    return lambda inst: select(model.id).where(model.institution_id == inst)


def _dated(model: Any, owner: Any) -> Universe:
    return lambda pk: select(model.id).where(owner == pk, model.date >= FROM, model.date <= TO)


@dataclass(frozen=True)
class ListField:
    """``owner.field`` lists rows of ``model``, each decided as ``obj`` read."""

    owner: str  # GraphQL type: Query, Viewer, Institution, Group, Student, …
    field: str  # the field's name in the schema
    obj: str
    model: Any
    universe: Universe
    args: str = ""
    connection: bool = False
    #: items without an id (shown with their owner): compared by number
    leaf: str | None = None

    @property
    def selection(self) -> str:
        inner = "nodes { id } pageInfo { hasNextPage }" if self.connection else "id"
        return f"{self.field}{self.args} {{ {self.leaf or inner} }}"


_WINDOW = f"(dateFrom: {FROM.isoformat()!r}, dateTo: {TO.isoformat()!r}, first: {PAGE})"
_WINDOW = _WINDOW.replace("'", '"')

LISTS: list[ListField] = [
    ListField(
        "Thread",
        "messages",
        "message",
        m.Message,
        lambda thread: select(m.Message.id).where(m.Message.thread_id == thread),
        f"(first: {PAGE})",
        connection=True,
    ),
    ListField(
        "Query", "institutions", "institution", m.Institution, lambda _: select(m.Institution.id)
    ),
    ListField(
        "Query",
        "movementOrders",
        "movement_order",
        m.MovementOrder,
        lambda _: select(m.MovementOrder.id),
        f"(first: {PAGE})",
        connection=True,
    ),
    ListField(
        "Query",
        "applicants",
        "applicant",
        m.Applicant,
        lambda _: select(m.Applicant.id),
        f"(first: {PAGE})",
        connection=True,
    ),
    ListField(
        "Viewer",
        "children",
        "student",
        m.Student,
        lambda parent: select(m.ParentLink.student_id).where(m.ParentLink.parent_id == parent),
    ),
    *(
        ListField("Institution", field, obj, model, _of_institution(model))
        for field, obj, model in [
            ("departments", "department", m.Department),
            ("specialities", "speciality", m.Speciality),
            ("programs", "program", m.EducationalProgram),
            ("curricula", "curriculum", m.Curriculum),
            ("disciplines", "discipline", m.Discipline),
            ("academicYears", "academic_year", m.AcademicYear),
            ("periods", "period", m.Period),
            ("rooms", "room", m.Room),
            ("bellSchedule", "calendar", m.BellSlot),
            ("daysOff", "calendar", m.DayOff),
            ("dayTransfers", "calendar", m.DayTransfer),
            ("positions", "position", m.Position),
        ]
    ),
    ListField(
        "Institution",
        "groups",
        "group",
        m.StudyGroup,
        _of_institution(m.StudyGroup),
        f"(first: {PAGE})",
        connection=True,
    ),
    ListField(
        "AcademicYear",
        "periods",
        "period",
        m.Period,
        lambda year: select(m.Period.id).where(m.Period.academic_year_id == year),
    ),
    ListField("Group", "students", "student", m.Student, _members),
    ListField(
        "Group",
        "subgroups",
        "subgroup",
        m.Subgroup,
        lambda g: select(m.Subgroup.id).where(m.Subgroup.group_id == g),
    ),
    ListField(
        "Group",
        "teachingAssignments",
        "teaching_assignment",
        m.TeachingAssignment,
        lambda g: select(m.TeachingAssignment.id).where(m.TeachingAssignment.group_id == g),
    ),
    ListField(
        "Group",
        "timetable",
        "timetable",
        m.TimetableEntry,
        lambda g: select(m.TimetableEntry.id).where(m.TimetableEntry.group_id == g),
    ),
    ListField(
        "Group",
        "lessons",
        "lesson",
        m.Lesson,
        _dated(m.Lesson, m.Lesson.group_id),
        _WINDOW,
        connection=True,
    ),
    ListField(
        "Subgroup",
        "members",
        "student",
        m.Student,
        lambda sg: select(m.SubgroupMember.student_id).where(m.SubgroupMember.subgroup_id == sg),
    ),
    ListField(
        "Student",
        "parents",
        "parent",
        m.Parent,
        lambda s: select(m.ParentLink.parent_id).where(m.ParentLink.student_id == s),
    ),
    ListField(
        "Student",
        "marks",
        "mark",
        m.Mark,
        _dated(m.Mark, m.Mark.student_id),
        _WINDOW,
        connection=True,
    ),
    ListField(
        "Student",
        "attendance",
        "attendance",
        m.Attendance,
        _dated(m.Attendance, m.Attendance.student_id),
        _WINDOW,
        connection=True,
    ),
    ListField(
        "Student",
        "finalMarks",
        "final_mark",
        m.FinalMark,
        lambda s: select(m.FinalMark.id).where(m.FinalMark.student_id == s),
    ),
    ListField(
        "Employee",
        "teachingAssignments",
        "teaching_assignment",
        m.TeachingAssignment,
        lambda e: select(m.TeachingAssignment.id).where(m.TeachingAssignment.teacher_id == e),
    ),
    ListField(
        "Employee",
        "curatedGroups",
        "group",
        m.StudyGroup,
        lambda e: select(m.Curatorship.group_id).where(
            m.Curatorship.curator_id == e,
            m.Curatorship.starts_on <= DEMO_TODAY,
            or_(m.Curatorship.ends_on.is_(None), m.Curatorship.ends_on > DEMO_TODAY),
        ),
    ),
    ListField(
        "Parent",
        "children",
        "student",
        m.Student,
        lambda p: select(m.ParentLink.student_id).where(m.ParentLink.parent_id == p),
    ),
    ListField(
        "Curriculum",
        "items",
        "curriculum",
        m.CurriculumItem,
        lambda c: select(m.CurriculumItem.id).where(m.CurriculumItem.curriculum_id == c),
        leaf="hours",
    ),
    ListField(
        "Lesson",
        "works",
        "work",
        m.Work,
        lambda le: select(m.Work.id).where(m.Work.lesson_id == le),
    ),
]

#: List fields known to fail, with the reason: the comparison skips their errors, and
#: fails once they stop failing (then remove the entry). Empty: keep it so.
PENDING: dict[tuple[str, str], str] = {}

#: List fields of the schema whose items are not policy rows of their own, and why.
NOT_POLICY_ROWS: dict[tuple[str, str], str] = {
    ("Query", "nodes"): "the ids asked for, each decided as a single row (node)",
    ("Query", "threads"): (
        "the viewer's own threads (he takes part in them): rows of no policy object, each "
        "shown when one of its messages passes the message read filter — the messages "
        "themselves are compared at Thread.messages"
    ),
    ("Query", "regionReport"): "aggregates per institution, not rows",
    ("Student", "memberships"): "group history lines of the student, shown with the student",
    ("Employee", "positions"): "positions held, shown with the employee card (no ids)",
    ("Query", "announcements"): (
        "rows of three objects, one per audience (announcement, announcement.department, "
        "announcement.role): tests/resolvers/test_announcements.py compares the list with "
        "viewer.can on each row's own object, for every account of a ruleset"
    ),
    ("ThematicPlan", "topics"): "lines of the plan, shown with it (decided as the plan)",
    ("PortfolioEntry", "files"): "files of the entry, shown with it (decided as the entry)",
    ("Query", "portfolio"): (
        "one owner's entries, rows of the object his kind decides (portfolio for a "
        "student's, portfolio.teacher for an employee's): tests/test_portfolios.py and "
        "tests/schema/test_nodes.py hold them to those objects' read"
    ),
    ("FreeSlot", "rooms"): (
        "rooms with no clash at one slot: derived by the conflict rule from the rooms the "
        "viewer may read (room read, the filter compared at Institution.rooms); "
        "tests/resolvers/test_free_slots.py holds it to createTimetableEntry's answer"
    ),
}


# -- the row check, in bulk ---------------------------------------------------------------


async def _targets(session: AsyncSession, field: ListField, pks: Sequence[int]) -> list[Target]:
    """Each row's anchors as the row check sees them (what ``targets.target_of`` loads for
    one row), for many rows in one statement."""
    spec = OBJECTS[field.obj]
    if spec.anchors == frozenset({Anchor.INSTITUTION}) or OBJECT_MODELS[field.obj] is not (
        field.model
    ):
        inst = field.model.id if field.model is m.Institution else field.model.institution_id
        rows = await session.execute(select(field.model.id, inst).where(field.model.id.in_(pks)))
        found = {pk: Target(spec.anchors, institution_id=inst) for pk, inst in rows.all()}
        return [found[pk] for pk in pks]
    a = anchors_for(field.obj)
    names = ["institution", "group", "discipline", "student", "person", "lesson", "date"]
    names.append("author")
    cols = {n: getattr(a, n) for n in names if getattr(a, n) is not None}
    rows = await session.execute(
        select(field.model.id, *(c.label(n) for n, c in cols.items())).where(
            field.model.id.in_(pks)
        )
    )
    children: dict[int, set[int]] = defaultdict(set)
    if a.student_in is not None and field.obj.startswith("parent"):
        links = await session.execute(
            select(m.ParentLink.parent_id, m.ParentLink.student_id).where(
                m.ParentLink.parent_id.in_(pks)
            )
        )
        for parent, student in links.all():
            children[parent].add(student)
    out: dict[int, Target] = {}
    for row in rows.mappings().all():
        student = row.get("student")
        students = frozenset({student}) if student is not None else frozenset(children[row["id"]])
        out[row["id"]] = Target(
            object_anchors=spec.anchors,
            institution_id=row.get("institution"),
            group_id=row.get("group"),
            discipline_id=row.get("discipline"),
            student_ids=students,
            person_id=row.get("person"),
            lesson_id=row.get("lesson"),
            date=row.get("date"),
            author_id=row.get("author"),
        )
    return [out[pk] for pk in pks]


_FIELDS = {
    Anchor.INSTITUTION: "institution_id",
    Anchor.GROUP: "group_id",
    Anchor.DISCIPLINE: "discipline_id",
    Anchor.STUDENT: "student_ids",
    Anchor.PERSON: "person_id",
    Anchor.LESSON: "lesson_id",
    Anchor.DATE: "date",
    Anchor.AUTHOR: "author_id",
}


def _relevant(auth: Authorizer, obj: str) -> list[str]:
    """The target fields the viewer's read lines of ``obj`` can look at (the scope's
    alternative, a taught pair's discipline, the conditions' anchors): rows equal on them
    get one decision from the row check — a journal's marks of one student in one
    discipline are one question, not one per lesson."""
    allow, deny = auth.lines(obj, "read")
    anchors = OBJECTS[obj].anchors
    need = {Anchor.INSTITUTION}
    for line in allow + deny:
        need |= alternative(Scope(line.scope), anchors)
        if Scope(line.scope) is Scope.TAUGHT:
            need |= anchors & {Anchor.DISCIPLINE}
        for cond in split_conditions(line.cond):
            need |= CONDITION_NEEDS[Condition(cond)]
    return [_FIELDS[a] for a in sorted(need)]


@dataclass
class Tally:
    """What the comparisons saw: rows listed per scope that decided them."""

    compared: int = 0
    listed: int = 0
    by_scope: Counter[str] = dataclasses.field(default_factory=Counter)
    fields: set[tuple[str, str]] = dataclasses.field(default_factory=set)
    pending: set[tuple[str, str]] = dataclasses.field(default_factory=set)
    #: Rulesets compared in this process (pytest-xdist may run the parametrized cases on
    #: another worker: the tally test compares the rest itself).
    slugs: set[str] = dataclasses.field(default_factory=set)


# -- owners: the rows whose lists are compared --------------------------------------------


async def _owners(session: AsyncSession, demo: Demo, viewer: Viewer) -> dict[str, list[int]]:
    spots = demo.spots.values()
    groups = sorted({s.group for s in spots})
    students = sorted({s.student for s in spots} | set(demo.final_students.values()))
    rows = Rows(session, demo)
    lessons = sorted({await rows.lesson(s) for s in spots})
    subgroups = list(
        (
            await session.execute(
                select(m.Subgroup.id).where(m.Subgroup.group_id.in_(groups)).order_by(m.Subgroup.id)
            )
        ).scalars()
    )
    years = list(
        (
            await session.execute(
                select(m.AcademicYear.id).where(
                    m.AcademicYear.institution_id == demo.institution_id
                )
            )
        ).scalars()
    )
    curricula = list(
        (
            await session.execute(
                select(m.Curriculum.id)
                .where(m.Curriculum.institution_id == demo.institution_id)
                .order_by(m.Curriculum.id)
                .limit(2)
            )
        ).scalars()
    )
    employees = {demo.teacher.employee_id, demo.curator.employee_id, viewer.employee_id}
    head = demo.accounts.get("department_head")
    if head is not None:
        employees.add(head.employee_id)
    parents = {demo.accounts["parent"].parent_id, viewer.parent_id}
    return {
        "Institution": [demo.institution_id],
        "AcademicYear": years,
        "Curriculum": curricula,
        "Group": groups,
        "Subgroup": subgroups,
        "Student": students,
        "Lesson": lessons,
        "Employee": sorted(e for e in employees if e is not None),
        "Parent": sorted(p for p in parents if p is not None),
        "Thread": list(
            (
                await session.execute(
                    select(m.Thread.id)
                    .where(m.Thread.institution_id == demo.institution_id)
                    .order_by(m.Thread.id)
                )
            ).scalars()
        ),
    }


def _documents(owners: dict[str, list[int]]) -> list[tuple[str, dict[str, Any]]]:
    """The root lists in one request, then one request per owner type (a query's cost is
    estimated with every list at its page size: one type's owners at a time stays well
    inside the budget)."""
    from campusgraph.ids import to_global_id

    top = " ".join(f.selection for f in LISTS if f.owner == "Query")
    viewer = " ".join(f.selection for f in LISTS if f.owner == "Viewer")
    out: list[tuple[str, dict[str, Any]]] = [(f"{{ {top} viewer {{ {viewer} }} }}", {})]
    for owner, pks in owners.items():
        if not pks:
            continue
        fields = " ".join(f.selection for f in LISTS if f.owner == owner)
        document = (
            f"query ($ids: [ID!]!) {{ nodes(ids: $ids) {{ id ... on {owner} {{ {fields} }} }} }}"
        )
        out.append((document, {"ids": [to_global_id(owner, pk) for pk in pks]}))
    return out


def _ids(value: Any, field: ListField, where: str) -> list[int]:
    if field.leaf is not None:
        return list(range(len(value)))  # no ids: compared by number
    if field.connection:
        assert not value["pageInfo"]["hasNextPage"], f"{where}: more than {PAGE} rows"
        value = value["nodes"]
    return [from_global_id(item["id"])[1] for item in value]


async def _compare(golden: Golden, slug: str, login: str, realm: str, tally: Tally) -> list[str]:
    """Every list of ``login``'s answer against the row check; the differences found."""
    factory = golden.db.factory
    demo = await golden.demo(slug)
    async with unscoped(factory) as session:
        if realm == REGION:
            viewer = await region_viewer(Rows(session, demo))
        else:
            found = await viewer_for_login(factory, slug, login)
            assert found is not None, login
            viewer = dataclasses.replace(found[0], today=DEMO_TODAY)
        owners = await _owners(session, demo, viewer)
    ruleset = BASE if realm == REGION else slug
    auth = Authorizer(
        compiled(ruleset), viewer, Facts(viewer, lambda: scoped(factory, viewer.institution_ids))
    )
    client = await golden.client(realm, login)
    problems = []
    nodes: list[Any] = []
    data: dict[str, Any] = {}
    for document, variables in _documents(owners):
        payload = await client.query(document, variables)
        for error in payload.get("errors") or []:
            path = error.get("path") or []
            if len(path) > 2 and path[0] == "nodes":
                key = (from_global_id(variables["ids"][path[1]])[0], str(path[2]))
                if key in PENDING:
                    tally.pending.add(key)
                    continue
            problems.append(f"{slug}/{login}: {path}: {error.get('message')}")
        found = payload.get("data") or {}
        if "nodes" in found:
            nodes += found["nodes"] or []
        else:
            data = found
    answers: list[tuple[ListField, int | None, Any]] = []
    for field in LISTS:
        if field.owner == "Query":
            answers.append((field, None, data.get(field.field)))
        elif field.owner == "Viewer":
            answers.append((field, viewer.parent_id, (data.get("viewer") or {}).get(field.field)))
    for node in nodes:
        if node is None:
            continue  # an owner the account may not read: its lists are not shown at all
        type_name, pk = from_global_id(node["id"])
        for field in LISTS:
            if field.owner == type_name:
                answers.append((field, pk, node.get(field.field)))
    async with scoped(factory, viewer.institution_ids) as session:
        for field, owner, value in answers:
            where = f"{slug}/{login}: {field.owner}.{field.field} of {owner}"
            if value is None:
                problems.append(f"{where}: null")
                continue
            got = _ids(value, field, where)
            known = (golden.db.url, viewer.institution_ids, LISTS.index(field), owner)
            if known not in UNIVERSES:
                universe: list[int] = []
                if owner is not None or field.owner == "Query":
                    stmt = field.universe(owner if owner is not None else 0)
                    universe = sorted(set((await session.execute(stmt)).scalars()))
                UNIVERSES[known] = (universe, await _targets(session, field, universe))
            universe, targets = UNIVERSES[known]
            allowed: list[int] = []
            relevant = _relevant(auth, field.obj)
            decided: dict[tuple[Any, ...], Decision] = {}
            for pk, target in zip(universe, targets, strict=True):
                key = tuple(getattr(target, name) for name in relevant)
                decision = decided.get(key) or await auth.check(field.obj, "read", target)
                decided[key] = decision
                if decision.allowed:
                    allowed.append(pk)
                    assert decision.line is not None
                    tally.by_scope[decision.line.scope] += 1
            tally.compared += 1
            tally.listed += len(got)
            if got:
                tally.fields.add((field.owner, field.field))
            if field.leaf is not None and len(got) != len(allowed):
                problems.append(f"{where}: {len(got)} listed, {len(allowed)} allowed")
            elif field.leaf is None and sorted(got) != allowed:
                extra = sorted(Counter(got) - Counter(allowed))
                lacking = sorted(set(allowed) - set(got))
                problems.append(
                    f"{where}: listed though not a row of the owner the row check allows (or "
                    f"listed twice) {extra[:8]}; allowed by the row check but not listed "
                    f"{lacking[:8]}"
                )
    return problems


def _realms(slug: str) -> list[tuple[str, str]]:
    logins = [(slug, login) for login in accounts(slug)]
    if slug == SLUGS[0]:
        logins.append((REGION, "authority"))
    return logins


TALLY: dict[str, Tally] = defaultdict(Tally)
#: Each owner's rows and their anchors, read once per database and realm (the accounts of
#: an institution share them; only the decisions differ).
UNIVERSES: dict[tuple[Any, ...], tuple[list[int], list[Target]]] = {}


@pytest.mark.parametrize("slug", SLUGS)
async def test_lists_equal_the_row_check(golden: Golden, backend: str, slug: str) -> None:
    """Given every demo account of the ruleset, when it lists every list field under the
    demo's owner rows, then each list is exactly the rows the row check allows."""
    problems: list[str] = []
    for realm, login in _realms(slug):
        problems += await _compare(golden, slug, login, realm, TALLY[backend])
    TALLY[backend].slugs.add(slug)
    assert not problems, f"{len(problems)} list(s) disagree:\n" + "\n".join(problems)


async def test_every_scope_lists_rows(golden: Golden, backend: str) -> None:
    """Given the comparisons above, then every scope a read line of a listed object uses
    decided some listed row: no scope agreed only on empty lists."""
    tally = TALLY[backend]
    for slug in SLUGS:
        if slug not in tally.slugs:
            for realm, login in _realms(slug):
                await _compare(golden, slug, login, realm, tally)
            tally.slugs.add(slug)
    listed_objects = {f.obj for f in LISTS}
    used = {
        line.scope
        for slug in SLUGS
        for line in lines_of(slug)
        if line.obj in listed_objects and line.act == "read" and line.effect == "allow"
    }
    missing = sorted(used - set(tally.by_scope))
    assert not missing, f"scopes that decided no listed row: {missing}; seen {tally.by_scope}"
    fixed = set(PENDING) - tally.pending
    assert not fixed, f"{sorted(fixed)} no longer fail: remove them from PENDING"
    unexercised = {(f.owner, f.field) for f in LISTS} - tally.fields
    assert not unexercised, f"list fields that listed nothing for any account: {unexercised}"


def _list_fields(schema: GraphQLSchema) -> set[tuple[str, str]]:
    node = schema.get_type("Node")
    found: set[tuple[str, str]] = set()
    for name, gtype in schema.type_map.items():
        if not isinstance(gtype, GraphQLObjectType) or name.startswith("__"):
            continue
        if name.endswith("Connection"):
            continue  # its nodes are the connection field's list
        for fname, fdef in gtype.fields.items():
            t: Any = fdef.type
            while isinstance(t, GraphQLNonNull):
                t = t.of_type
            if isinstance(t, GraphQLObjectType) and t.name.endswith("Connection"):
                t = t.fields["nodes"].type
                while isinstance(t, GraphQLNonNull | GraphQLList):
                    t = t.of_type
                found.add((name, fname))
                continue
            if not isinstance(t, GraphQLList):
                continue
            while isinstance(t, GraphQLNonNull | GraphQLList):
                t = t.of_type
            if isinstance(t, GraphQLObjectType) and node in t.interfaces:
                found.add((name, fname))
    return found


def test_every_list_field_of_the_schema_is_compared() -> None:
    """A list field of Node items (or a connection) added to the schema is compared here
    or named with the reason it lists no policy rows."""
    from graphql import build_schema

    from campusgraph.schema.root import SCHEMA_FILE

    fields = _list_fields(build_schema(SCHEMA_FILE.read_text(encoding="utf-8")))
    listed = {(f.owner, f.field) for f in LISTS}
    assert fields - listed - set(NOT_POLICY_ROWS) == set()
    assert {(f.owner, f.field) for f in LISTS if f.leaf is None} <= fields
