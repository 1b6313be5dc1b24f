"""Access to reports by level, for every report: FORBIDDEN (never a narrowed answer) where
the ruleset gives no line for the level's object, personal rows never to the authority,
small cells suppressed for viewers who may not read the students behind them.

Two kinds of tests, all through the real GraphQL endpoint on both backends:

- **The frame's rules**, on two small but real report specs of this module (``PROBE``: the
  students of the level counted per group, an aggregate; ``PERSONS``: the level's students
  by id, a personal report) served by one extra query field, ``probeReport(name:, of:)``,
  added to the real ``Query`` for this module's app only. Its resolver is what every report
  query is: ``run_report(info, name, of)``. The specs are put into ``REPORTS`` under a
  report's name for one test and taken out after, so they never shadow a real report.
- **Every registered report** (``REPORTS`` after importing ``reports.catalog``), each level
  it offers, through its own query field (``groupResults(of:)`` …): FORBIDDEN for a viewer
  with no line for the level's object, data for one with the institution-wide line, every
  personal report FORBIDDEN to the authority, and a small cell of every aggregate null for
  the authority where it is a number for the institution's own deputy.

Why an extra field and not a route of its own: the refusal must be seen as a client sees it
(``errors[].extensions`` with ``code`` and ``reason``, ``data`` null for the field), which
only the endpoint's error policy produces; and a report's access is decided in
``run_report``, never in its field, so a field calling it is every report's field.

The module's database is its own copy (``shared_db``), changed once before any query: one
group of altai-college-2016 is cut down to two students with their marks (the small cell),
one student of the curator's group has left it (a former member), and a region of its own
holds an institution the demo authority must not find.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import strawberry
from graphql import (
    GraphQLSchema,
    GraphQLUnionType,
    Undefined,
    get_named_type,
    is_leaf_type,
    is_non_null_type,
)
from sqlalchemy import delete, func, select, update

import campusgraph.reports.catalog  # noqa: F401 — every report registers itself
from campusgraph.db import models as m
from campusgraph.db.enums import InstitutionKind
from campusgraph.db.tenancy import unscoped
from campusgraph.i18n import message
from campusgraph.ids import to_global_id
from campusgraph.policies.engine import CompiledRuleset, PolicyRegistry
from campusgraph.policies.facts import membership_current
from campusgraph.policies.ruleset import search_dirs
from campusgraph.policies.vocabulary import REPORT_OBJECTS, ReportLevel, Scope
from campusgraph.reports import access as access_module
from campusgraph.reports.access import ReportAccess, level_students
from campusgraph.reports.registry import REPORTS, ReportName, ReportSpec
from campusgraph.reports.table import ReportTable
from campusgraph.schema import root
from campusgraph.schema.base import GraphQLInfo, signed_in
from campusgraph.schema.reports import ReportName as ReportNameType
from campusgraph.schema.reports import ReportOfInput, run_report
from campusgraph.settings import Settings
from tests.conftest import make_settings
from tests.support import DEMO_TODAY
from tests.support.client import GraphQLClient, http_client, serving

ALTAI = "altai-college-2016"
ARMAVIR = "armavir-technikum-2025"
BARNAUL = "barnaul-school6-2016"
TOMSK = "tomsk-technikum-2023"
NSHDS = "nshds12-2021"
REGION = "demo-region"
EVERY = (ALTAI, ARMAVIR, TOMSK, BARNAUL, NSHDS)

#: Every test runs after the module's database is prepared (see ``_prepare``).
pytestmark = pytest.mark.usefixtures("demo")
ALL_LEVELS = frozenset(ReportLevel)

#: The names the probe specs borrow while a test runs (their titles are the probes' own).
PROBE_NAME = ReportName.ACHIEVEMENT_QUALITY
PERSONS_NAME = ReportName.STUDENT_AVERAGE
NARROW_NAME = ReportName.GROUP_RESULTS

PROBE = """
query ($name: ReportName!, $of: ReportOfInput!) {
  probeReport(name: $name, of: $of) { level cells { group students } persons }
}
"""


# -- the probe reports ------------------------------------------------------------------------


@strawberry.type
class ProbeCell:
    group: strawberry.ID
    #: Null where the cell is suppressed (fewer students than the minimum).
    students: int | None


@strawberry.type
class ProbeAnswer:
    level: str
    cells: list[ProbeCell]
    persons: list[strawberry.ID]


def _level_groups(access: ReportAccess, stmt: Any) -> Any:
    """The groups a cell may be of: those the level names, else every group."""
    gm = m.GroupMembership
    of = access.of
    if access.level in (ReportLevel.GROUP, ReportLevel.SUBJECT):
        return stmt.where(gm.group_id == of.group_id)
    if access.level is ReportLevel.DEPARTMENT:
        return stmt.where(gm.group_id.in_(access.group_ids or (-1,)))
    return stmt


async def _count_students(ctx: Any, access: ReportAccess) -> ProbeAnswer:
    """Students of the level per group they are in now (or in the dates), each cell
    suppressed as the frame says."""
    gm = m.GroupMembership
    stmt = select(gm.group_id, func.count(func.distinct(gm.student_id))).where(
        gm.institution_id == access.institution_id,
        gm.student_id.in_(level_students(access)),
    )
    if access.date_from is None and access.date_to is None:
        stmt = stmt.where(membership_current(ctx.viewer.today))
    stmt = _level_groups(access, stmt).group_by(gm.group_id).order_by(gm.group_id)
    async with ctx.session() as session:
        rows = (await session.execute(stmt)).all()
    cells = [
        ProbeCell(
            group=strawberry.ID(to_global_id("Group", group)),
            students=None if access.suppressed(count) else count,
        )
        for group, count in rows
    ]
    return ProbeAnswer(level=access.level.value, cells=cells, persons=[])


async def _list_students(ctx: Any, access: ReportAccess) -> ProbeAnswer:
    """The level's students by id: rows about persons."""
    stmt = select(m.Student.id).where(m.Student.id.in_(level_students(access)))
    async with ctx.session() as session:
        ids = (await session.execute(stmt.order_by(m.Student.id))).scalars().all()
    persons = [strawberry.ID(to_global_id("Student", pk)) for pk in ids]
    return ProbeAnswer(level=access.level.value, cells=[], persons=persons)


def _no_table(data: Any, access: ReportAccess, lang: str) -> ReportTable:
    raise NotImplementedError("the probes are never printed")


def _probe(name: ReportName, levels: frozenset[ReportLevel], personal: str | None) -> ReportSpec:
    return ReportSpec(
        name=name,
        levels=levels,
        personal=personal,
        build=_list_students if personal else _count_students,
        table=_no_table,
    )


@strawberry.type
class ProbeQuery(root.Query):  # type: ignore[misc,valid-type]
    @strawberry.field(permission_classes=signed_in)
    async def probe_report(
        self, info: GraphQLInfo, name: ReportNameType, of: ReportOfInput
    ) -> ProbeAnswer | None:
        answer: ProbeAnswer = await run_report(info, ReportName(name), of)
        return answer


@pytest.fixture
def probes() -> Iterator[None]:
    """The probe specs in ``REPORTS`` for one test; the real ones (if any) back after."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(REPORTS, PROBE_NAME, _probe(PROBE_NAME, ALL_LEVELS, None))
        patch.setitem(REPORTS, PERSONS_NAME, _probe(PERSONS_NAME, ALL_LEVELS, "student"))
        narrow = frozenset({ReportLevel.INSTITUTION, ReportLevel.GROUP})
        patch.setitem(REPORTS, NARROW_NAME, _probe(NARROW_NAME, narrow, None))
        yield


# -- the module's database and app ------------------------------------------------------------


@dataclasses.dataclass
class Demo:
    """Ids of the rows the tests name, read (and set up) once per module and backend."""

    institutions: dict[str, int]
    periods: dict[str, int]  # the shortest period holding DEMO_TODAY, per institution
    #: altai: the group cut down to two students (the small cell), and those two.
    tiny_group: int
    tiny_students: tuple[int, int]
    #: altai: the demo curator's group and the student who left it a month ago.
    curated_group: int
    former_member: int
    #: An institution of a region of its own.
    elsewhere: int
    #: Per institution: the first department (colleges), group, taught group × discipline,
    #: teacher (an Employee) and current student, other than the small cell's.
    rows: dict[str, dict[ReportLevel, dict[str, int]]]


async def _one(session: Any, stmt: Any) -> int:
    value = (await session.execute(stmt.limit(1))).scalar_one()
    return int(value)


async def _employee_of(session: Any, institution: int, login: str) -> int:
    person = select(m.UserAccount.person_id).where(
        m.UserAccount.institution_id == institution, m.UserAccount.login == login
    )
    return await _one(
        session,
        select(m.Employee.id).where(
            m.Employee.institution_id == institution, m.Employee.person_id.in_(person)
        ),
    )


def _tables_of_a_students_group_rows() -> list[Any]:
    """Every table with a row per student in a group (marks, attendance, final marks,
    memberships …): cutting a group down to two students deletes the others' rows there."""
    from campusgraph.db.base import Base

    return [t for t in Base.metadata.sorted_tables if "student_id" in t.c and "group_id" in t.c]


async def _prepare(db: Any) -> Demo:
    gm = m.GroupMembership
    today = DEMO_TODAY
    async with unscoped(db.factory, write=True) as s:
        found = await s.execute(select(m.Institution.slug, m.Institution.id))
        institutions = {slug: int(pk) for slug, pk in found.all()}
        periods: dict[str, int] = {}
        for slug, inst in institutions.items():
            p = m.Period
            periods[slug] = await _one(
                s,
                select(p.id)
                .where(p.institution_id == inst, p.starts_on <= today, p.ends_on >= today)
                .order_by(p.ends_on - p.starts_on, p.id),
            )
        altai = institutions[ALTAI]
        curator = await _employee_of(s, altai, "curator")
        cu = m.Curatorship
        curated_group = await _one(
            s, select(cu.group_id).where(cu.curator_id == curator).order_by(cu.group_id)
        )
        # The small cell: an altai group nobody of the demo curates or is tested on, with
        # two of its current students kept.
        groups = (
            await s.execute(
                select(gm.group_id, func.count(gm.student_id))
                .where(gm.institution_id == altai, membership_current(today))
                .group_by(gm.group_id)
                .order_by(gm.group_id)
            )
        ).all()
        tiny_group = next(int(g) for g, n in groups if g != curated_group and n >= 5)
        members = (
            await s.execute(
                select(gm.student_id)
                .where(gm.group_id == tiny_group, membership_current(today))
                .order_by(gm.student_id)
            )
        ).scalars()
        kept = tuple(int(x) for x in members)[:2]
        for table in _tables_of_a_students_group_rows():
            await s.execute(
                delete(table).where(table.c.group_id == tiny_group, table.c.student_id.not_in(kept))
            )
        # A former member of the curator's group: left a month ago.
        former = await _one(
            s,
            select(gm.student_id)
            .where(gm.group_id == curated_group, membership_current(today))
            .order_by(gm.student_id.desc()),
        )
        await s.execute(
            update(gm)
            .where(gm.group_id == curated_group, gm.student_id == former)
            .values(ends_on=today - dt.timedelta(days=30))
        )
        region = m.Region(slug="elsewhere", name="Другой регион")
        s.add(region)
        await s.flush()
        other = m.Institution(
            region_id=region.id,
            slug="elsewhere-school",
            name="Школа другого региона",
            short_name="Школа",
            kind=InstitutionKind.SCHOOL,
            ruleset=BARNAUL,
        )
        s.add(other)
        await s.flush()
        rows: dict[str, dict[ReportLevel, dict[str, int]]] = {}
        for slug in EVERY:
            inst = institutions[slug]
            ta = m.TeachingAssignment
            teaching = (
                await s.execute(
                    select(ta.group_id, ta.discipline_id, ta.teacher_id)
                    .where(ta.institution_id == inst, ta.group_id != tiny_group)
                    .order_by(ta.group_id, ta.discipline_id)
                    .limit(1)
                )
            ).one()
            student = await _one(
                s,
                select(gm.student_id)
                .where(
                    gm.institution_id == inst,
                    gm.group_id.not_in((tiny_group, curated_group)),
                    membership_current(today),
                )
                .order_by(gm.student_id),
            )
            level_rows = {
                ReportLevel.INSTITUTION: {},
                ReportLevel.GROUP: {"group": int(teaching[0])},
                ReportLevel.SUBJECT: {"group": int(teaching[0]), "discipline": int(teaching[1])},
                ReportLevel.TEACHER: {"teacher": int(teaching[2])},
                ReportLevel.STUDENT: {"student": student},
            }
            department = (
                await s.execute(
                    select(m.StudyGroup.department_id)
                    .where(
                        m.StudyGroup.institution_id == inst,
                        m.StudyGroup.department_id.is_not(None),
                    )
                    .order_by(m.StudyGroup.department_id)
                    .limit(1)
                )
            ).scalar_one_or_none()
            if department is not None:
                level_rows[ReportLevel.DEPARTMENT] = {"department": int(department)}
            rows[slug] = level_rows
        await s.commit()
        return Demo(
            institutions=institutions,
            periods=periods,
            tiny_group=tiny_group,
            tiny_students=(kept[0], kept[1]),
            curated_group=curated_group,
            former_member=former,
            elsewhere=int(other.id),
            rows=rows,
        )


GLOBAL_TYPES = {
    "institution": "Institution",
    "department": "Department",
    "group": "Group",
    "discipline": "Discipline",
    "teacher": "Employee",
    "student": "Student",
    "period": "Period",
}


def of(**ids: int | str | None) -> dict[str, Any]:
    """The ``of`` argument: database ids as global ids, dates as given."""
    out: dict[str, Any] = {}
    for key, value in ids.items():
        if value is None:
            continue
        out[key] = to_global_id(GLOBAL_TYPES[key], value) if key in GLOBAL_TYPES else value
    return out


@pytest.fixture(scope="module")
async def demo(shared_db: Any) -> Demo:
    return await _prepare(shared_db)


@pytest.fixture(scope="module")
async def api(shared_db: Any, demo: Demo) -> AsyncIterator[GraphQLClient]:
    """The real app over the module's database, its Query with ``probeReport`` added."""
    from campusgraph.app import create_app

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(root, "Query", ProbeQuery)
        app = create_app(make_settings(shared_db))
    async with serving(app) as running, http_client(running) as http:
        yield GraphQLClient(http)


@pytest.fixture(scope="module")
def users(api: GraphQLClient) -> Any:
    """``await users(ALTAI, "teacher")``: one signed-in client per account, per module."""
    signed: dict[tuple[str, str], GraphQLClient] = {}

    async def get(realm: str, login: str) -> GraphQLClient:
        if (realm, login) not in signed:
            signed[(realm, login)] = await api.as_(realm, login)
        return signed[(realm, login)]

    return get


async def probe(client: GraphQLClient, name: ReportName, **ids: int | str | None) -> dict[str, Any]:
    return await client.query(PROBE, {"name": name.name, "of": of(**ids)})


def refused(payload: dict[str, Any], code: str = "FORBIDDEN") -> dict[str, Any]:
    """The one error of a refused report: its code as asked, the field's data null."""
    assert (payload.get("data") or {}).get("probeReport") is None, payload
    errors = payload.get("errors") or []
    assert len(errors) == 1, payload
    assert errors[0]["extensions"]["code"] == code, errors[0]
    if code == "FORBIDDEN":
        assert errors[0]["extensions"]["reason"], errors[0]
    error: dict[str, Any] = errors[0]
    return error


def answered(payload: dict[str, Any]) -> dict[str, Any]:
    assert not payload.get("errors"), payload["errors"]
    data: dict[str, Any] = payload["data"]["probeReport"]
    assert data is not None, payload
    return data


def gid(type_name: str, pk: int) -> str:
    return to_global_id(type_name, pk)


async def _teaching(db: Any, slug: str, login: str) -> tuple[list[tuple[int, int]], int]:
    """The (group, discipline) pairs the demo account teaches, and his Employee id."""
    async with unscoped(db.factory) as s:
        inst = await _one(s, select(m.Institution.id).where(m.Institution.slug == slug))
        employee = await _employee_of(s, inst, login)
        ta = m.TeachingAssignment
        pairs = (
            await s.execute(
                select(ta.group_id, ta.discipline_id)
                .where(ta.teacher_id == employee)
                .order_by(ta.group_id, ta.discipline_id)
            )
        ).all()
    return [(int(g), int(d)) for g, d in pairs], employee


async def _not_taught(db: Any, slug: str, taught: list[tuple[int, int]]) -> tuple[int, int]:
    """A group × discipline of the institution in a group the teacher does not teach."""
    groups = {g for g, _ in taught}
    async with unscoped(db.factory) as s:
        inst = await _one(s, select(m.Institution.id).where(m.Institution.slug == slug))
        ta = m.TeachingAssignment
        row = (
            await s.execute(
                select(ta.group_id, ta.discipline_id)
                .where(ta.institution_id == inst, ta.group_id.not_in(groups))
                .order_by(ta.group_id, ta.discipline_id)
                .limit(1)
            )
        ).one()
    return int(row[0]), int(row[1])


# -- the same level asked by roles that may and may not, in two rulesets ------------------------


async def test_barnaul_head_teacher_gets_the_school_a_teacher_is_refused_it(
    shared_db: Any, demo: Demo, users: Any, probes: None
) -> None:
    # given barnaul п. 7.1: the school's reports to «Завуч», a class × subject to its teachers
    head = await users(BARNAUL, "head_teacher")
    teacher = await users(BARNAUL, "teacher")
    taught, _ = await _teaching(shared_db, BARNAUL, "teacher")
    assert taught, "the demo barnaul teacher teaches"
    # when each asks the institution level
    whole = answered(await probe(head, PROBE_NAME))
    refusal = refused(await probe(teacher, PROBE_NAME))
    # then the head teacher has every class, the teacher FORBIDDEN (not his classes only)
    assert whole["level"] == "institution"
    assert {gid("Group", g) for g, _ in taught} <= {c["group"] for c in whole["cells"]}
    assert refusal["extensions"]["reason"] == "NO_LINE"


async def test_barnaul_teacher_gets_his_class_and_subject_only(
    shared_db: Any, users: Any, probes: None
) -> None:
    teacher = await users(BARNAUL, "teacher")
    taught, _ = await _teaching(shared_db, BARNAUL, "teacher")
    group, discipline = taught[0]
    other_group, other_discipline = await _not_taught(shared_db, BARNAUL, taught)
    # his class × subject: data, about that class only
    mine = answered(await probe(teacher, PROBE_NAME, group=group, discipline=discipline))
    assert mine["level"] == "subject"
    assert [c["group"] for c in mine["cells"]] == [gid("Group", group)]
    # a class he does not teach, as a class and as a class × subject: FORBIDDEN
    refused(await probe(teacher, PROBE_NAME, group=other_group))
    refused(await probe(teacher, PROBE_NAME, group=other_group, discipline=other_discipline))


async def test_a_parent_gets_his_childs_student_level_in_barnaul_not_in_altai(
    shared_db: Any, demo: Demo, users: Any, probes: None
) -> None:
    async def child_of(slug: str) -> int:
        async with unscoped(shared_db.factory) as s:
            inst = demo.institutions[slug]
            person = select(m.UserAccount.person_id).where(
                m.UserAccount.institution_id == inst, m.UserAccount.login == "parent"
            )
            parent = select(m.Parent.id).where(m.Parent.person_id.in_(person))
            return await _one(
                s,
                select(m.ParentLink.student_id)
                .where(m.ParentLink.parent_id.in_(parent))
                .order_by(m.ParentLink.student_id),
            )

    barnaul_parent = await users(BARNAUL, "parent")
    child = await child_of(BARNAUL)
    # barnaul п. 7.1: reports on a student to his parents — his child: the child alone
    letter = answered(await probe(barnaul_parent, PERSONS_NAME, student=child))
    assert letter["persons"] == [gid("Student", child)]
    # another child, his child's class, the school: FORBIDDEN
    other = demo.rows[BARNAUL][ReportLevel.STUDENT]["student"]
    assert other != child
    refused(await probe(barnaul_parent, PERSONS_NAME, student=other))
    async with unscoped(shared_db.factory) as s:
        gm = m.GroupMembership
        childs_group = await _one(
            s, select(gm.group_id).where(gm.student_id == child, membership_current(DEMO_TODAY))
        )
    refused(await probe(barnaul_parent, PROBE_NAME, group=childs_group))
    refused(await probe(barnaul_parent, PROBE_NAME))
    # altai gives parents no report line: his own child's student level is FORBIDDEN there
    altai_parent = await users(ALTAI, "parent")
    refused(await probe(altai_parent, PERSONS_NAME, student=await child_of(ALTAI)))


async def test_student_level_differs_between_barnaul_and_altai(
    shared_db: Any, demo: Demo, users: Any, probes: None
) -> None:
    # barnaul п. 7.1: a teacher working in the child's class sees the child's reports;
    # altai п. 4.6 gives its teacher the discipline's results, not a student level.
    for slug, expect in ((BARNAUL, True), (ALTAI, False)):
        taught, _ = await _teaching(shared_db, slug, "teacher")
        async with unscoped(shared_db.factory) as s:
            gm = m.GroupMembership
            student = await _one(
                s,
                select(gm.student_id)
                .where(gm.group_id == taught[0][0], membership_current(DEMO_TODAY))
                .order_by(gm.student_id),
            )
        answer = await probe(await users(slug, "teacher"), PERSONS_NAME, student=student)
        if expect:
            assert answered(answer)["persons"] == [gid("Student", student)]
        else:
            refused(answer)
    # «Завуч» has the school, not a student level; altai's deputy has both (п. 4.7)
    student = demo.rows[BARNAUL][ReportLevel.STUDENT]["student"]
    refused(await probe(await users(BARNAUL, "head_teacher"), PERSONS_NAME, student=student))
    student = demo.rows[ALTAI][ReportLevel.STUDENT]["student"]
    deputy = await users(ALTAI, "deputy_director")
    assert answered(await probe(deputy, PERSONS_NAME, student=student))["persons"] == [
        gid("Student", student)
    ]


async def test_a_teacher_report_is_his_own_only(
    shared_db: Any, demo: Demo, users: Any, probes: None
) -> None:
    # altai п. 4.6 «отчет преподавателя»: his own (self); another teacher's FORBIDDEN;
    # the deputy (п. 4.7) gets any teacher's
    _, mine = await _teaching(shared_db, ALTAI, "teacher")
    async with unscoped(shared_db.factory) as s:
        ta = m.TeachingAssignment
        colleague = await _one(
            s,
            select(ta.teacher_id)
            .where(ta.institution_id == demo.institutions[ALTAI], ta.teacher_id != mine)
            .order_by(ta.teacher_id),
        )
    teacher = await users(ALTAI, "teacher")
    own = answered(await probe(teacher, PROBE_NAME, teacher=mine))
    assert own["level"] == "teacher"
    assert own["cells"]
    refused(await probe(teacher, PROBE_NAME, teacher=colleague))
    deputy = await users(ALTAI, "deputy_director")
    assert answered(await probe(deputy, PROBE_NAME, teacher=colleague))["level"] == "teacher"
    # a curator has no teacher level at all
    refused(await probe(await users(ALTAI, "curator"), PROBE_NAME, teacher=mine))


# -- the department level ---------------------------------------------------------------------


async def test_department_head_gets_his_department_not_another(
    shared_db: Any, demo: Demo, users: Any, probes: None
) -> None:
    # given armavir п. 7.4: «заведующими отделениями» — report read on the department's groups
    inst = demo.institutions[ARMAVIR]
    async with unscoped(shared_db.factory) as s:
        head = await _employee_of(s, inst, "department_head")
        d = m.Department
        mine = await _one(s, select(d.id).where(d.head_employee_id == head).order_by(d.id))
        other = await _one(
            s,
            select(d.id)
            .where(d.institution_id == inst, d.id != mine)
            .where(d.id.in_(select(m.StudyGroup.department_id)))
            .order_by(d.id),
        )
        groups = (
            await s.execute(select(m.StudyGroup.id).where(m.StudyGroup.department_id == mine))
        ).scalars()
        my_groups = {gid("Group", g) for g in groups}
    client = await users(ARMAVIR, "department_head")
    # when he asks his department: its groups' cells, no other group
    answer = answered(await probe(client, PROBE_NAME, department=mine))
    assert answer["level"] == "department"
    assert answer["cells"]
    assert {c["group"] for c in answer["cells"]} <= my_groups
    # another department: FORBIDDEN, not that department narrowed to nothing
    refused(await probe(client, PROBE_NAME, department=other))


async def test_a_curator_may_not_ask_a_department(
    shared_db: Any, demo: Demo, users: Any, probes: None
) -> None:
    # his own group's department: the curator's scope covers his group, not its department
    async with unscoped(shared_db.factory) as s:
        department = await _one(
            s,
            select(m.StudyGroup.department_id).where(m.StudyGroup.id == demo.curated_group),
        )
    curator = await users(ALTAI, "curator")
    assert answered(await probe(curator, PROBE_NAME, group=demo.curated_group))["cells"]
    refused(await probe(curator, PROBE_NAME, department=department))


async def test_a_department_without_groups_is_not_everyones(
    shared_db: Any, demo: Demo, users: Any, probes: None
) -> None:
    # a department with no group yet: nothing to check row by row, so only the whole
    # institution's line may open it — never a refusal skipped
    async with unscoped(shared_db.factory, write=True) as s:
        empty = m.Department(institution_id=demo.institutions[ALTAI], name="Новое отделение")
        s.add(empty)
        await s.commit()
        empty_id = int(empty.id)
    refused(await probe(await users(ALTAI, "curator"), PROBE_NAME, department=empty_id))
    refused(await probe(await users(ALTAI, "student"), PERSONS_NAME, department=empty_id))
    deputy = await users(ALTAI, "deputy_director")
    assert answered(await probe(deputy, PROBE_NAME, department=empty_id))["cells"] == []


async def test_a_department_of_another_institution_is_not_found(
    demo: Demo, users: Any, probes: None
) -> None:
    department = demo.rows[ARMAVIR][ReportLevel.DEPARTMENT]["department"]
    refused(
        await probe(await users(ALTAI, "deputy_director"), PROBE_NAME, department=department),
        "NOT_FOUND",
    )


# -- the region authority ---------------------------------------------------------------------


async def test_authority_gets_aggregates_with_small_cells_suppressed(
    demo: Demo, users: Any, probes: None
) -> None:
    authority = await users(REGION, "authority")
    deputy = await users(ALTAI, "deputy_director")
    altai = demo.institutions[ALTAI]
    tiny = gid("Group", demo.tiny_group)
    # when the authority and the college's deputy ask the same institution level
    seen = answered(await probe(authority, PROBE_NAME, institution=altai))
    full = answered(await probe(deputy, PROBE_NAME))
    cells = {c["group"]: c["students"] for c in seen["cells"]}
    exact = {c["group"]: c["students"] for c in full["cells"]}
    # then the same cells; the two-student group null for the authority (2 < minimum 5),
    # 2 for the deputy; every other group (≥ 5 students) the same number for both
    assert cells.keys() == exact.keys()
    assert exact[tiny] == 2
    assert cells[tiny] is None
    assert all(cells[g] == n for g, n in exact.items() if g != tiny)
    assert all(n >= 5 for g, n in exact.items() if g != tiny)
    # the tiny group asked alone: suppressed as well
    alone = answered(await probe(authority, PROBE_NAME, group=demo.tiny_group))
    assert [c["students"] for c in alone["cells"]] == [None]


async def test_authority_is_refused_every_personal_report(
    demo: Demo, users: Any, probes: None
) -> None:
    authority = await users(REGION, "authority")
    altai = demo.institutions[ALTAI]
    rows = demo.rows[ALTAI]
    for ids in (
        {"institution": altai},
        rows[ReportLevel.GROUP],
        rows[ReportLevel.SUBJECT],
        rows[ReportLevel.DEPARTMENT],
        rows[ReportLevel.TEACHER],
        rows[ReportLevel.STUDENT],
    ):
        refused(await probe(authority, PERSONS_NAME, **ids))


async def test_an_institution_outside_the_region_is_not_found(
    demo: Demo, users: Any, probes: None
) -> None:
    authority = await users(REGION, "authority")
    refused(await probe(authority, PROBE_NAME, institution=demo.elsewhere), "NOT_FOUND")
    # and a college's own viewer naming another institution of the region
    refused(
        await probe(
            await users(ALTAI, "deputy_director"),
            PROBE_NAME,
            institution=demo.institutions[ARMAVIR],
        ),
        "NOT_FOUND",
    )


async def test_a_named_institution_must_hold_the_row_asked(
    demo: Demo, users: Any, probes: None
) -> None:
    # the authority names armavir but asks a group of altai: not armavir's, NOT_FOUND —
    # never altai's figures under armavir's name
    authority = await users(REGION, "authority")
    group = demo.rows[ALTAI][ReportLevel.GROUP]["group"]
    refused(
        await probe(authority, PROBE_NAME, institution=demo.institutions[ARMAVIR], group=group),
        "NOT_FOUND",
    )
    assert answered(
        await probe(authority, PROBE_NAME, institution=demo.institutions[ALTAI], group=group)
    )["cells"]


# -- the population: no dates means now ------------------------------------------------------


async def test_a_former_member_is_not_in_the_groups_report_of_now(
    demo: Demo, users: Any, probes: None
) -> None:
    # the curator reads his group's students now; one left a month ago. Without dates the
    # report is of today, so it lists the group as it is — not FORBIDDEN for a student who
    # is no longer his, and not counting him.
    curator = await users(ALTAI, "curator")
    persons = answered(await probe(curator, PERSONS_NAME, group=demo.curated_group))
    assert persons["persons"]
    assert gid("Student", demo.former_member) not in persons["persons"]
    counted = answered(await probe(curator, PROBE_NAME, group=demo.curated_group))
    assert [c["students"] for c in counted["cells"]] == [len(persons["persons"])]


# -- what `of` may name ---------------------------------------------------------------------

BAD_OF = [
    pytest.param(
        {"student": "S", "group": "G"},
        "Отчёт строится на одном уровне: укажите не больше одного из student, group, "
        "teacher, department.",
        id="two-levels",
    ),
    pytest.param(
        {"discipline": "D"}, "Дисциплина указывается вместе с группой.", id="discipline-alone"
    ),
    pytest.param(
        {"period": "P", "dateFrom": "2026-09-01"},
        "Укажите период или даты, но не то и другое.",
        id="period-and-dates",
    ),
    pytest.param(
        {"dateFrom": "2026-11-02", "dateTo": "2026-11-01"},
        "Дата начала позже даты окончания.",
        id="dates-reversed",
    ),
]


@pytest.mark.parametrize(("given", "text"), BAD_OF)
async def test_bad_of_is_validation_in_russian(
    demo: Demo, users: Any, probes: None, given: dict[str, str], text: str
) -> None:
    rows = demo.rows[ALTAI]
    real = {
        "S": ("student", rows[ReportLevel.STUDENT]["student"]),
        "G": ("group", rows[ReportLevel.GROUP]["group"]),
        "D": ("discipline", rows[ReportLevel.SUBJECT]["discipline"]),
        "P": ("period", demo.periods[ALTAI]),
    }
    ids: dict[str, Any] = {}
    for key, value in given.items():
        if value in real:
            ids[real[value][0]] = real[value][1]
        else:
            ids[key] = value
    deputy = await users(ALTAI, "deputy_director")
    # asked of a report that offers every level and of one offering two: the combination
    # is what is wrong, in both
    for name in (PROBE_NAME, NARROW_NAME):
        error = refused(await probe(deputy, name, **ids), "VALIDATION")
        assert error["message"] == text


async def test_a_level_the_report_does_not_offer_is_validation(
    demo: Demo, users: Any, probes: None
) -> None:
    deputy = await users(ALTAI, "deputy_director")
    student = demo.rows[ALTAI][ReportLevel.STUDENT]["student"]
    error = refused(await probe(deputy, NARROW_NAME, student=student), "VALIDATION")
    assert error["message"] == (
        f"Отчёт «{message(f'report_title_{NARROW_NAME.value}')}» не строится на уровне "
        "«обучающийся»; возможные уровни: группа, образовательная организация."
    )


async def test_a_period_of_another_institution_is_not_found(
    demo: Demo, users: Any, probes: None
) -> None:
    deputy = await users(ALTAI, "deputy_director")
    refused(await probe(deputy, PROBE_NAME, period=demo.periods[ARMAVIR]), "NOT_FOUND")
    assert answered(await probe(deputy, PROBE_NAME, period=demo.periods[ALTAI]))["cells"]


# -- every registered report, each level it offers ---------------------------------------------


def field_name(name: ReportName) -> str:
    """A report's query field: its name in camelCase (``group_results`` → ``groupResults``)."""
    first, *rest = name.value.split("_")
    return first + "".join(part.title() for part in rest)


@dataclasses.dataclass(frozen=True)
class Asked:
    """One report as a test asks it: a registered one by its own field, or a probe."""

    name: ReportName
    probe: bool

    @property
    def spec(self) -> ReportSpec:
        return REPORTS[self.name]

    def document(self, selection: str = "{ __typename }") -> str:
        field = (
            f"probeReport(name: {self.name.name}, of: $of)"
            if self.probe
            else (f"{field_name(self.name)}(of: $of)")
        )
        return f"query ($of: ReportOfInput!) {{ r: {field} {selection} }}"


#: The probes, by what they are: an aggregate over every level, a personal report.
PROBES = {PROBE_NAME: (ALL_LEVELS, None), PERSONS_NAME: (ALL_LEVELS, "student")}


def _cases(*, personal: bool | None = None, probes: bool = True) -> list[Any]:
    """(report, level) for every registered report and level it offers — and the probes',
    so the same test bodies run (and are seen to fail when the frame breaks) before the
    reports are merged."""
    out: list[Any] = []
    for spec in sorted(REPORTS.values(), key=lambda s: s.name.value):
        if personal is None or (spec.personal is not None) == personal:
            for level in sorted(spec.levels):
                out.append(pytest.param(Asked(spec.name, False), level, id=f"{spec.name}-{level}"))
    if probes:
        for name, (levels, person) in PROBES.items():
            if personal is None or (person is not None) == personal:
                for level in sorted(levels):
                    kind = "persons" if person else "counts"
                    out.append(pytest.param(Asked(name, True), level, id=f"probe-{kind}-{level}"))
    return out


def _reports(*, personal: bool | None = None) -> list[Any]:
    out = [
        pytest.param(Asked(spec.name, False), id=str(spec.name))
        for spec in sorted(REPORTS.values(), key=lambda s: s.name.value)
        if personal is None or (spec.personal is not None) == personal
    ]
    for name, (_, person) in PROBES.items():
        if personal is None or (person is not None) == personal:
            out.append(
                pytest.param(Asked(name, True), id=f"probe-{'persons' if person else 'counts'}")
            )
    return out


@pytest.fixture
def asking(request: pytest.FixtureRequest) -> Any:
    """Puts the probes into ``REPORTS`` when the case asks one."""

    def use(asked: Asked) -> ReportSpec:
        if asked.probe:
            request.getfixturevalue("probes")
        return asked.spec

    return use


@functools.cache
def _compiled(slug: str) -> CompiledRuleset:
    return PolicyRegistry(search_dirs()).get(slug)


def _allows(slug: str, role: str, obj: str, scopes: list[str]) -> bool:
    case = {"roles": [role], "object": obj, "action": "read", "in": scopes}
    return _compiled(slug).golden_decision(case).allowed


def _account_roles(slug: str) -> list[str]:
    roles = _compiled(slug).ruleset.roles
    return sorted(r for r, spec in roles.items() if not spec.get("abstract") and r != "authority")


def _institution_wide(level: ReportLevel, personal: str | None, demo: Demo) -> tuple[str, str]:
    """A demo account whose ruleset gives the level's object with ``institution`` scope
    (and, for a personal report, its population's rows the same way)."""
    obj = REPORT_OBJECTS[level]
    for slug in EVERY:
        if level not in demo.rows[slug]:
            continue
        for role in _account_roles(slug):
            if not _allows(slug, role, obj, ["institution"]):
                continue
            if personal is None or _allows(slug, role, personal, ["institution"]):
                return slug, role
    raise AssertionError(
        f"no role of any shipped ruleset reads {obj} institution-wide"
        + (f" with every {personal}" if personal else "")
        + ": the level would be nobody's"
    )


#: The viewer with no line for any report object (altai gives its students none).
NO_LINE = (ALTAI, "student")


def answer_of(payload: dict[str, Any]) -> Any:
    assert not payload.get("errors"), payload["errors"]
    data = payload["data"]["r"]
    assert data is not None, payload
    return data


def refusal_of(payload: dict[str, Any], code: str = "FORBIDDEN") -> dict[str, Any]:
    assert (payload.get("data") or {}).get("r") is None, payload
    errors = payload.get("errors") or []
    assert [e["extensions"]["code"] for e in errors] == [code], payload
    if code == "FORBIDDEN":
        assert errors[0]["extensions"]["reason"], errors[0]
    error: dict[str, Any] = errors[0]
    return error


def _ids_at(demo: Demo, slug: str, level: ReportLevel) -> dict[str, Any]:
    return of(**demo.rows[slug][level], period=demo.periods[slug])


@pytest.mark.parametrize(("asked", "level"), _cases())
async def test_every_level_is_forbidden_without_its_line(
    demo: Demo, users: Any, asking: Any, asked: Asked, level: ReportLevel
) -> None:
    # given a viewer whose ruleset has no line for the level's object, in any scope
    asking(asked)
    slug, role = NO_LINE
    every_scope = [str(s) for s in Scope]
    assert not _allows(slug, role, REPORT_OBJECTS[level], every_scope)
    # when he asks the report at that level, of a real row of his institution
    payload = await (await users(slug, role)).query(
        asked.document(), {"of": _ids_at(demo, slug, level)}
    )
    # then FORBIDDEN with its reason, and no data
    refusal_of(payload)


@pytest.mark.parametrize(("asked", "level"), _cases())
async def test_every_level_answers_the_institution_wide_line(
    demo: Demo, users: Any, asking: Any, asked: Asked, level: ReportLevel
) -> None:
    spec = asking(asked)
    slug, role = _institution_wide(level, spec.personal, demo)
    payload = await (await users(slug, role)).query(
        asked.document(), {"of": _ids_at(demo, slug, level)}
    )
    answer_of(payload)


@pytest.mark.parametrize(("asked", "level"), _cases(personal=True))
async def test_every_personal_report_is_forbidden_to_the_authority(
    demo: Demo, users: Any, asking: Any, asked: Asked, level: ReportLevel
) -> None:
    asking(asked)
    ids = _ids_at(demo, ALTAI, level)
    if level is ReportLevel.INSTITUTION:
        ids["institution"] = gid("Institution", demo.institutions[ALTAI])
    payload = await (await users(REGION, "authority")).query(asked.document(), {"of": ids})
    refusal_of(payload)


def _selection(type_: Any, depth: int = 0) -> str:
    """Every leaf of a type (fields without required arguments), ``depth`` levels down."""
    named = get_named_type(type_)
    if is_leaf_type(named):
        return ""
    if depth >= 4:
        return "{ __typename }"
    if isinstance(named, GraphQLUnionType):
        parts = [f"... on {t.name} {_selection(t, depth)}" for t in named.types]
        return "{ __typename " + " ".join(parts) + " }"
    parts = ["__typename"]
    for name, definition in named.fields.items():
        required = any(
            is_non_null_type(a.type) and a.default_value is Undefined
            for a in definition.args.values()
        )
        if not required:
            inner = _selection(definition.type, depth + 1)
            parts.append(f"{name} {inner}".strip())
    return "{ " + " ".join(parts) + " }"


@functools.cache
def _probe_schema() -> GraphQLSchema:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(root, "Query", ProbeQuery)
        schema: GraphQLSchema = root.build_schema(Settings(mode="dev"))._schema
    return schema


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _leaves(inner, (*path, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _leaves(inner, (*path, index))
    else:
        yield path, value


#: Aggregates whose figures are not over students (rooms' hours, teachers' hours, sign-ins):
#: no student can be inferred from them, so they have no small cell to suppress.
NOT_OVER_STUDENTS = frozenset(
    {ReportName.CLASS_OCCUPANCY, ReportName.TEACHER_HOURS, ReportName.USER_ACTIVITY}
)
#: Where a tiny cell can be named, in order: the tiny group itself, its institution, its
#: department, a teacher of it (the authority has a line at each; not at subject or student).
SMALL_CELL_LEVELS = (
    ReportLevel.GROUP,
    ReportLevel.INSTITUTION,
    ReportLevel.DEPARTMENT,
    ReportLevel.TEACHER,
)


@pytest.mark.parametrize("asked", _reports(personal=False))
async def test_every_aggregate_suppresses_a_small_cell_for_the_authority(
    shared_db: Any, demo: Demo, users: Any, asking: Any, asked: Asked
) -> None:
    spec = asking(asked)
    level = next((lv for lv in SMALL_CELL_LEVELS if lv in spec.levels), None)
    if level is None:
        pytest.skip(f"{spec.name} offers none of {SMALL_CELL_LEVELS} (no level of the authority's)")
    altai = demo.institutions[ALTAI]
    ids: dict[str, Any] = {"institution": altai, "period": demo.periods[ALTAI]}
    if level is ReportLevel.GROUP:
        ids["group"] = demo.tiny_group
    if level is ReportLevel.DEPARTMENT:
        async with unscoped(shared_db.factory) as s:
            sg = m.StudyGroup
            ids["department"] = await _one(
                s, select(sg.department_id).where(sg.id == demo.tiny_group)
            )
    if level is ReportLevel.TEACHER:
        async with unscoped(shared_db.factory) as s:
            ta = m.TeachingAssignment
            ids["teacher"] = await _one(
                s,
                select(ta.teacher_id).where(ta.group_id == demo.tiny_group).order_by(ta.teacher_id),
            )
    selection = _selection(
        _probe_schema()
        .query_type.fields["probeReport" if asked.probe else field_name(asked.name)]
        .type
    )
    document = asked.document(selection)
    # when the college's deputy (who reads every student) and the authority ask the same
    full = answer_of(
        await (await users(ALTAI, "deputy_director")).query(document, {"of": of(**ids)})
    )
    seen = answer_of(await (await users(REGION, "authority")).query(document, {"of": of(**ids)}))
    # then where the deputy has a figure the authority has it too, or null — and for the
    # two-student group at least one figure is null for the authority alone
    mine = dict(_leaves(seen))
    numbers = {
        path: value
        for path, value in _leaves(full)
        if isinstance(value, int | float) and not isinstance(value, bool)
    }
    hidden = [path for path in numbers if path in mine and mine[path] is None]
    if spec.name in NOT_OVER_STUDENTS and not asked.probe:
        assert not hidden, f"{spec.name} is not over students, yet hid {hidden}"
        return
    assert hidden, (
        f"{spec.name} at {level}: no figure of the two-student group is suppressed for the "
        f"authority; deputy {full}, authority {seen}"
    )


def test_every_report_name_is_registered() -> None:
    assert REPORTS, "reports.catalog registers no report"
    missing = sorted(set(ReportName) - set(REPORTS))
    assert not missing, f"not registered: {missing}"


def test_the_frame_declares_every_level_object_it_asks() -> None:
    # the objects are computed from the level: ``policy lint`` knows them only from this
    asked = {(obj, "read") for obj in REPORT_OBJECTS.values()}
    assert asked <= set(access_module.EXERCISES)
