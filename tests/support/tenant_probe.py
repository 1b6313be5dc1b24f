"""Cross-tenant probing through the GraphQL endpoint: every example document and every
mutation of the schema, sent by each role of one institution with ids of rows of the
other institutions in its variables — and a count of what was actually sent.

Documents and their variables are read with graphql-core (never by splitting text: a
``{`` in a comment once left every document without variables, and the old test sent
no foreign id at all). Which object an ``ID`` variable or input field names is taken from
where it is used: ``node(id:)`` from the inline fragment's type, an argument or input
field from its name (``group`` → Group …), an ``id`` input from its mutation
(``updateRoom`` → Room).

Which foreign row is drawn is decided by a seeded generator: each run sends the same
ids, and every (role, operation, id position) is sent — the coverage is enumerated, not
sampled, so the probe can never pass on zero work. :func:`probe` reports what it sent and
saw; the tests decide what must hold.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import random
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graphql import (
    FieldNode,
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    VariableNode,
    build_schema,
    get_named_type,
    parse,
    type_from_ast,
)
from sqlalchemy import select

from campusgraph.db import demo, tenancy
from campusgraph.db import models as m
from campusgraph.db.base import Base, TenantMixin
from campusgraph.db.tenancy import unscoped
from campusgraph.ids import to_global_id
from campusgraph.schema.root import sdl
from tests.support import DEMO_TODAY
from tests.support.client import GraphQLClient

EXAMPLES = Path(__file__).parents[2] / "examples" / "queries"
HOME = demo.ALTAI.slug
#: Every role of the home institution's ruleset (one demo account each).
ROLES: tuple[str, ...] = demo.ALTAI.roles
#: The roles that write anything at all there: each mutation is tried as each of them, so
#: a refusal is not merely a role's lack of rights.
WRITERS = ("administrator", "deputy_director", "hr_specialist", "teacher", "curator")
#: Operations that take no id of anything: nothing to send across.
NO_IDS = {"login": "signs in to the institution it names, with that institution's password"}

#: The table behind each type name a global id may carry.
ID_MODELS: dict[str, type[Base]] = {
    "Institution": m.Institution,
    "Department": m.Department,
    "Speciality": m.Speciality,
    "EducationalProgram": m.EducationalProgram,
    "Curriculum": m.Curriculum,
    "Discipline": m.Discipline,
    "AcademicYear": m.AcademicYear,
    "Period": m.Period,
    "Room": m.Room,
    "Group": m.StudyGroup,
    "Subgroup": m.Subgroup,
    "TeachingAssignment": m.TeachingAssignment,
    "TimetableEntry": m.TimetableEntry,
    "Lesson": m.Lesson,
    "Work": m.Work,
    "Mark": m.Mark,
    "Attendance": m.Attendance,
    "FinalMark": m.FinalMark,
    "Student": m.Student,
    "Employee": m.Employee,
    "Parent": m.Parent,
    "Applicant": m.Applicant,
    "MovementOrder": m.MovementOrder,
    "BellSlot": m.BellSlot,
    "DayOff": m.DayOff,
    "DayTransfer": m.DayTransfer,
    "Position": m.Position,
    "ThematicPlanTopic": m.ThematicPlanTopic,
}
#: What an ID argument or input field of this name refers to.
NAMES: dict[str, str] = {
    "group": "Group",
    "fromGroup": "Group",
    "toGroup": "Group",
    "discipline": "Discipline",
    "period": "Period",
    "student": "Student",
    "child": "Student",
    "members": "Student",
    "teacher": "Employee",
    "head": "Employee",
    "employee": "Employee",
    "parent": "Parent",
    "room": "Room",
    "speciality": "Speciality",
    "department": "Department",
    "curriculum": "Curriculum",
    "program": "EducationalProgram",
    "academicYear": "AcademicYear",
    "year": "AcademicYear",
    "fromYear": "AcademicYear",
    "toYear": "AcademicYear",
    "subgroup": "Subgroup",
    "lesson": "Lesson",
    "work": "Work",
    "applicant": "Applicant",
    "planTopic": "ThematicPlanTopic",
    "people": "Student",
}
#: Where a name means something else on one input type.
INPUT_NAMES: dict[tuple[str, str], str] = {
    ("CreateDisciplineInput", "parent"): "Discipline",
    ("UpdateDisciplineInput", "parent"): "Discipline",
}
SCALARS: dict[str, Any] = {
    "String": "Проверка",
    "Int": 1,
    "Float": 1.0,
    "Boolean": False,
    "Date": "2026-11-20",
    "DateTime": "2026-11-20T10:00:00+00:00",
    "Time": "10:00:00",
    "JSON": {},
}
DATE_VARIABLES = {"from": "2026-09-01", "to": "2026-11-30"}


# -- documents -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    """One operation of an example file, with what each ID variable refers to."""

    file: str
    name: str
    kind: OperationType
    source: str  # the whole file: sent with operationName
    variables: dict[str, GraphQLInputType]
    ids: dict[str, str]  # ID variable → type name
    root: str  # the first root field


def _id_targets(operation: OperationDefinitionNode) -> dict[str, str]:
    """Each ID variable's object type, from where the operation uses it."""
    found: dict[str, str] = {}

    def walk(selections: Any) -> None:
        for node in selections or ():
            if isinstance(node, FieldNode):
                inner = node.selection_set.selections if node.selection_set else ()
                for argument in node.arguments or ():
                    if not isinstance(argument.value, VariableNode):
                        continue
                    name = argument.name.value
                    if name in ("id", "ids"):
                        kinds = [
                            s.type_condition.name.value
                            for s in inner
                            if isinstance(s, InlineFragmentNode) and s.type_condition
                        ]
                        found[argument.value.name.value] = kinds[0] if kinds else "*"
                    else:
                        found[argument.value.name.value] = NAMES.get(name, "*")
                walk(inner)
            elif isinstance(node, InlineFragmentNode):
                walk(node.selection_set.selections)

    walk(operation.selection_set.selections)
    return found


def operations(schema: GraphQLSchema | None = None) -> list[Operation]:
    schema = schema or build_schema(sdl())
    out = []
    for path in sorted(EXAMPLES.glob("*.graphql")):
        source = path.read_text(encoding="utf-8")
        for definition in parse(source).definitions:
            if not isinstance(definition, OperationDefinitionNode) or definition.name is None:
                continue
            variables = {
                v.variable.name.value: type_from_ast(schema, v.type)
                for v in definition.variable_definitions or ()
            }
            out.append(
                Operation(
                    file=path.name,
                    name=definition.name.value,
                    kind=definition.operation,
                    source=source,
                    variables=variables,  # type: ignore[arg-type]
                    ids=_id_targets(definition),
                    root=next(
                        sel.name.value
                        for sel in definition.selection_set.selections
                        if isinstance(sel, FieldNode)
                    ),
                )
            )
    return out


# -- rows of each side ---------------------------------------------------------------------


@dataclass
class Inventory:
    """Global ids by type of the home institution (a coherent set: one teacher's group,
    discipline, lesson, work, student …) and of every other institution, and the names
    only other institutions' rows carry."""

    home: dict[str, str]
    foreign: dict[str, list[str]]
    foreign_ids: set[str]
    foreign_names: set[str]

    def draw(self, kind: str, rng: random.Random) -> str:
        if not self.foreign.get(kind):
            kind = rng.choice(sorted(k for k in self.foreign if self.foreign[k]))
        return rng.choice(self.foreign[kind])


async def _plant_final_mark(db: Any) -> None:
    """The demo has no final marks: one at another institution, to be named."""
    async with unscoped(db.factory, write=True) as s:
        if (await s.execute(select(m.FinalMark.id).limit(1))).first() is not None:
            return
        mark = (
            await s.execute(
                select(m.Mark)
                .join(m.Institution, m.Institution.id == m.Mark.institution_id)
                .where(m.Institution.slug != HOME)
                .order_by(m.Mark.id)
                .limit(1)
            )
        ).scalar_one()
        period = (
            await s.execute(
                select(m.Period)
                .where(
                    m.Period.institution_id == mark.institution_id,
                    m.Period.starts_on <= mark.date,
                    m.Period.ends_on >= mark.date,
                )
                .order_by(m.Period.ends_on)
                .limit(1)
            )
        ).scalar_one()
        s.add(
            m.FinalMark(
                id=1,
                institution_id=mark.institution_id,
                student_id=mark.student_id,
                discipline_id=mark.discipline_id,
                group_id=mark.group_id,
                period_id=period.id,
                date=period.ends_on,
                kind="period",
                value="4",
            )
        )
        await s.commit()


async def inventory(db: Any) -> Inventory:
    await _plant_final_mark(db)
    async with unscoped(db.factory) as s:
        home = (
            await s.execute(select(m.Institution.id).where(m.Institution.slug == HOME))
        ).scalar_one()

        async def first(model: Any, *where: Any) -> int | None:
            found = await s.execute(
                select(model.id).where(model.institution_id == home, *where).order_by(model.id)
            )
            return found.scalars().first()

        mine: dict[str, int | None] = {"Institution": home}
        teacher = (
            await s.execute(
                select(m.Employee.id)
                .join(m.UserAccount, m.UserAccount.person_id == m.Employee.person_id)
                .where(m.UserAccount.institution_id == home, m.UserAccount.login == "teacher")
            )
        ).scalar_one()
        ta = (
            (
                await s.execute(
                    select(m.TeachingAssignment)
                    .where(m.TeachingAssignment.teacher_id == teacher)
                    .order_by(m.TeachingAssignment.id)
                )
            )
            .scalars()
            .first()
        )
        assert ta is not None
        period = (
            (
                await s.execute(
                    select(m.Period)
                    .where(
                        m.Period.institution_id == home,
                        m.Period.starts_on <= DEMO_TODAY,
                        m.Period.ends_on >= DEMO_TODAY,
                    )
                    .order_by(m.Period.ends_on)
                )
            )
            .scalars()
            .first()
        )
        assert period is not None
        lesson = await first(
            m.Lesson,
            m.Lesson.group_id == ta.group_id,
            m.Lesson.discipline_id == ta.discipline_id,
            m.Lesson.date >= period.starts_on,
        )
        mine.update(
            Employee=teacher,
            TeachingAssignment=ta.id,
            Group=ta.group_id,
            Discipline=ta.discipline_id,
            Period=period.id,
            AcademicYear=period.academic_year_id,
            Lesson=lesson,
            Work=await first(m.Work, m.Work.lesson_id == lesson),
            Student=await first(
                m.Student,
                m.Student.id.in_(
                    select(m.GroupMembership.student_id).where(
                        m.GroupMembership.group_id == ta.group_id
                    )
                ),
            ),
        )
        mine["Mark"] = await first(m.Mark, m.Mark.student_id == mine["Student"])
        mine["Attendance"] = await first(m.Attendance, m.Attendance.student_id == mine["Student"])
        mine["Parent"] = await first(
            m.Parent,
            m.Parent.id.in_(
                select(m.ParentLink.parent_id).where(m.ParentLink.student_id == mine["Student"])
            ),
        )
        for kind, model in ID_MODELS.items():
            if kind not in mine:
                mine[kind] = await first(model)

        foreign: dict[str, list[str]] = {}
        for kind, model in ID_MODELS.items():
            column: Any = model.id if model is m.Institution else model.institution_id  # type: ignore[attr-defined]
            pks = (await s.execute(select(model.id).where(column != home))).scalars().all()  # type: ignore[attr-defined]
            foreign[kind] = [to_global_id(kind, pk) for pk in pks]

        def names(rows: Any) -> set[str]:
            return {" ".join(part for part in row if part) for row in rows}

        people = select(m.Person.surname, m.Person.name, m.Person.patronymic)
        theirs = names(await s.execute(people.where(m.Person.institution_id != home)))
        ours = names(await s.execute(people.where(m.Person.institution_id == home)))
        for model, col in (
            (m.StudyGroup, m.StudyGroup.name),
            (m.Discipline, m.Discipline.name),
            (m.Institution, m.Institution.name),
            (m.Institution, m.Institution.short_name),
        ):
            owner: Any = model.id if model is m.Institution else model.institution_id  # type: ignore[attr-defined]
            theirs |= set((await s.execute(select(col).where(owner != home))).scalars())
            ours |= set((await s.execute(select(col).where(owner == home))).scalars())
        for model in (m.StudentPersonal, m.EmployeePersonal, m.ParentPersonal):
            theirs |= set(
                (
                    await s.execute(
                        select(model.snils).where(model.institution_id != home)  # type: ignore[attr-defined]
                    )
                ).scalars()
            )
    return Inventory(
        home={k: to_global_id(k, pk) for k, pk in mine.items() if pk is not None},
        foreign=foreign,
        foreign_ids={gid for gids in foreign.values() for gid in gids},
        foreign_names={n for n in theirs - ours if n},
    )


# -- what a request sends ------------------------------------------------------------------


def _kind_of(input_type: str, field_name: str, mutation: str) -> str:
    if (input_type, field_name) in INPUT_NAMES:
        return INPUT_NAMES[(input_type, field_name)]
    if field_name == "id":
        named = re.sub(r"^(update|delete|remove)", "", mutation)
        return named if named in ID_MODELS else "*"
    return NAMES.get(field_name, field_name[:1].upper() + field_name[1:])


def id_slots(t: GraphQLInputObjectType, path: str = "") -> list[str]:
    """The paths of every ID field of an input, nested inputs included."""
    slots = []
    for name, f in t.fields.items():
        named = get_named_type(f.type)
        sub = f"{path}.{name}" if path else name
        if named.name == "ID":
            slots.append(sub)
        elif isinstance(named, GraphQLInputObjectType):
            slots += id_slots(named, sub)
    return slots


@dataclass
class Sent:
    """The foreign ids one request carries (what the report counts)."""

    foreign: list[str] = field(default_factory=list)


def _value(
    t: GraphQLInputType,
    *,
    name: str,
    owner: str,
    mutation: str,
    path: str,
    foreign: str | None,
    inv: Inventory,
    rng: random.Random,
    sent: Sent,
) -> Any:
    """A value of type ``t`` for an input field or variable: required fields filled with
    plausible values and the home institution's ids; at ``foreign`` (a slot path, or
    ``*`` for every slot) an id of another institution's row, recorded in ``sent``.
    Optional fields are left out unless they hold the foreign slot."""
    if isinstance(t, GraphQLNonNull):
        t = t.of_type
    if isinstance(t, GraphQLList):
        return [
            _value(
                t.of_type,
                name=name,
                owner=owner,
                mutation=mutation,
                path=path,
                foreign=foreign,
                inv=inv,
                rng=rng,
                sent=sent,
            )
        ]
    if isinstance(t, GraphQLScalarType) and t.name == "ID":
        kind = _kind_of(owner, name, mutation)
        if foreign in ("*", path):
            gid = inv.draw(kind if kind in ID_MODELS else "*", rng)
            sent.foreign.append(gid)
            return gid
        return inv.home.get(kind, inv.home["Institution"])
    if isinstance(t, GraphQLScalarType):
        return DATE_VARIABLES.get(name, SCALARS.get(t.name, "x"))
    if isinstance(t, GraphQLEnumType):
        return next(iter(t.values))
    assert isinstance(t, GraphQLInputObjectType)
    out = {}
    for field_name, f in t.fields.items():
        sub = f"{path}.{field_name}" if path else field_name
        is_id = get_named_type(f.type).name == "ID"
        chosen = foreign == "*" or foreign == sub or (foreign or "").startswith(f"{sub}.")
        if (
            not isinstance(f.type, GraphQLNonNull)
            and not (is_id and chosen)
            and not (isinstance(get_named_type(f.type), GraphQLInputObjectType) and chosen)
        ):
            continue
        out[field_name] = _value(
            f.type,
            name=field_name,
            owner=t.name,
            mutation=mutation,
            path=sub,
            foreign=foreign,
            inv=inv,
            rng=rng,
            sent=sent,
        )
    return out


def _selection(t: GraphQLObjectType | GraphQLInterfaceType, depth: int = 2) -> str:
    """Every argument-free field of a payload, two levels deep: whatever a refused write
    might still hand back."""
    parts = []
    for name, f in t.fields.items():
        if any(isinstance(a.type, GraphQLNonNull) for a in f.args.values()):
            continue
        named = get_named_type(f.type)
        if isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
            inner = _selection(named, depth - 1) if depth > 1 else ""
            if inner:
                parts.append(f"{name} {{ {inner} }}")
        elif isinstance(named, GraphQLScalarType | GraphQLEnumType):
            parts.append(name)
    return " ".join(parts)


@dataclass(frozen=True)
class Write:
    """One Mutation field, as a document taking its input as ``$input``."""

    field: str
    document: str
    input_type: GraphQLInputObjectType
    slots: tuple[str, ...]


def writes(schema: GraphQLSchema | None = None) -> tuple[list[Write], list[str]]:
    """Every Mutation field with an id in its input, and the names of those without."""
    schema = schema or build_schema(sdl())
    assert schema.mutation_type is not None
    found, without = [], []
    for name, f in schema.mutation_type.fields.items():
        arg = f.args.get("input")
        named = get_named_type(arg.type) if arg else None
        slots = id_slots(named) if isinstance(named, GraphQLInputObjectType) else []
        if name in NO_IDS or not slots or not isinstance(named, GraphQLInputObjectType):
            without.append(name)
            continue
        payload = get_named_type(f.type)
        assert isinstance(payload, GraphQLObjectType)
        document = (
            f"mutation Probe($input: {arg.type}) {{ {name}(input: $input) "  # type: ignore[union-attr]
            f"{{ {_selection(payload)} }} }}"
        )
        found.append(Write(name, document, named, tuple(slots)))
    return found, without


# -- the probe -----------------------------------------------------------------------------


@dataclass
class Request:
    who: str
    label: str  # "file:Operation" or "mutation field"
    variables: dict[str, Any]
    foreign: list[str]
    payload: dict[str, Any]

    @property
    def ran(self) -> bool:
        """Executed: not refused by validation or variable coercion before running."""
        errors = self.payload.get("errors") or []
        return self.payload.get("data") is not None or any("path" in e for e in errors)

    def brief(self) -> str:
        return f"{self.who} {self.label} {json.dumps(self.variables, ensure_ascii=False)[:300]}"


@dataclass
class ProbeReport:
    requests: list[Request] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)
    accepted: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    without_ids: list[str] = field(default_factory=list)

    def ran(self) -> list[Request]:
        return [r for r in self.requests if r.ran]

    def rejected(self) -> list[Request]:
        return [r for r in self.requests if not r.ran]

    def sent(self) -> Counter[str]:
        """Foreign ids sent in requests that ran, by operation."""
        count: Counter[str] = Counter()
        for r in self.ran():
            count[r.label] += len(r.foreign)
        return count


_TOKEN = re.compile(r"[A-Za-z0-9_\-]{8,}={0,2}")


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def leaks_in(payload: dict[str, Any], sent: list[str], inv: Inventory) -> list[str]:
    """Another institution's ids or names in an answer. An error may repeat an id the
    caller sent himself; the data may not, and nothing else of theirs may show."""
    found = [
        s for s in _strings(payload.get("data")) if s in inv.foreign_ids or s in inv.foreign_names
    ]
    errors = payload.get("errors")
    if errors:
        text_ = json.dumps(errors, ensure_ascii=False)
        found += [t for t in _TOKEN.findall(text_) if t in inv.foreign_ids and t not in set(sent)]
        found += [n for n in inv.foreign_names if " " in n and n in text_]
    return found


async def fingerprint(db: Any) -> dict[str, int]:
    """A digest of every tenant-owned table's rows: a refused write changes none. (Audit
    rows and sessions may be written by a refusal, or a sign-in.)"""
    digests = {}
    async with unscoped(db.factory) as s:
        connection = await s.connection()
        for table in Base.metadata.sorted_tables:
            if "institution_id" not in table.c or re.search(
                r"audit|session|receipt|attempt|throttle|lockout", table.name
            ):
                continue
            order = ", ".join(c.name for c in table.primary_key.columns)
            result = await connection.exec_driver_sql(
                f"SELECT * FROM {table.name} ORDER BY {order}"
            )
            rows = result.all()
            try:
                digests[table.name] = hash(tuple(rows))
            except TypeError:  # a JSON column
                digests[table.name] = hash(repr(rows))
    return digests


async def probe(
    db: Any,
    client: GraphQLClient,
    *,
    readers: tuple[str, ...] = ROLES,
    writers: tuple[str, ...] = WRITERS,
    fields: tuple[str, ...] | None = None,
    rows: bool = True,
    seed: int = 11,
) -> ProbeReport:
    """Every example query as every reader; every write (each Mutation field, and the
    example documents of those fields) as every writer with foreign ids in all its id
    positions at once, and as the writers in turn with one foreign id beside the caller's
    own ids (so the foreign one is the only thing wrong with it). ``fields`` narrows the
    writes tried, ``rows=False`` skips the digest of every table before and after (the
    mutation checks need neither)."""
    schema = build_schema(sdl())
    inv = await inventory(db)
    rng = random.Random(seed)
    report = ProbeReport()
    clients = {role: await client.as_(HOME, role) for role in {*readers, *writers}}
    before = await fingerprint(db) if rows else {}

    async def send(
        who: str,
        label: str,
        document: str,
        variables: dict[str, Any],
        sent: list[str],
        operation_name: str | None = None,
    ) -> dict[str, Any]:
        payload = await clients[who].query(document, variables, operation_name=operation_name)
        request = Request(who, label, variables, sent, payload)
        report.requests.append(request)
        report.leaks += [f"{request.brief()}: {leak}" for leak in leaks_in(payload, sent, inv)]
        return payload

    turn = itertools.count()
    ops = operations(schema)
    for op in ops:
        if op.kind is not OperationType.QUERY:
            continue
        id_vars = [v for v, t in op.variables.items() if get_named_type(t).name == "ID"]
        variants: list[str | None] = (
            [None] if not id_vars else ["*"] + (id_vars if len(id_vars) > 1 else [])
        )
        for who in readers:
            for variant in variants:
                sent = Sent()
                variables = {}
                for name, t in op.variables.items():
                    kind = op.ids.get(name, "*")
                    if name in id_vars and variant in ("*", name):
                        variables[name] = inv.draw(kind, rng)
                        sent.foreign.append(variables[name])
                    elif name in id_vars and isinstance(t, GraphQLNonNull):
                        variables[name] = inv.home.get(kind, inv.home["Institution"])
                    elif isinstance(t, GraphQLNonNull):
                        variables[name] = _value(
                            t,
                            name=name,
                            owner="",
                            mutation="",
                            path="",
                            foreign=None,
                            inv=inv,
                            rng=rng,
                            sent=sent,
                        )
                await send(who, f"{op.file}:{op.name}", op.source, variables, sent.foreign, op.name)

    found, report.without_ids = writes(schema)
    for write in found:
        if (fields is not None and write.field not in fields) or not writers:
            continue
        documents: list[tuple[str, str | None]] = [(write.document, None)]
        documents += [
            (op.source, op.name)
            for op in ops
            if op.kind is OperationType.MUTATION and op.root == write.field
        ]
        plan = [("*", who) for who in writers]
        if len(write.slots) > 1:
            plan += [(slot, writers[next(turn) % len(writers)]) for slot in write.slots]
        for document, operation_name in documents:
            label = write.field + (f" ({operation_name})" if operation_name else "")
            for variant, who in plan:
                sent = Sent()
                value = _value(
                    write.input_type,
                    name="input",
                    owner="",
                    mutation=write.field,
                    path="",
                    foreign=variant,
                    inv=inv,
                    rng=rng,
                    sent=sent,
                )
                payload = await send(
                    who, label, document, {"input": value}, sent.foreign, operation_name
                )
                result = (payload.get("data") or {}).get(write.field) or {}
                refused = bool(payload.get("errors")) or bool(result.get("errors"))
                if report.requests[-1].ran and not refused:
                    report.accepted.append(report.requests[-1].brief())
    after = await fingerprint(db) if rows else {}
    report.changed = sorted(t for t in before if before[t] != after.get(t))
    return report


@contextlib.contextmanager
def tenant_filter_disabled() -> Iterator[None]:
    """The break the probe must notice: the central tenant criteria made vacuous, so every
    session sees every institution's rows (what a forgotten or broken filter would do)."""
    from sqlalchemy.orm import with_loader_criteria

    vacuous = with_loader_criteria(
        TenantMixin, lambda cls: cls.institution_id.is_not(None), include_aliases=True
    )
    saved = tenancy._ONE, tenancy._MANY
    tenancy._ONE = tenancy._MANY = vacuous
    _forget_confined_statements()
    try:
        yield
    finally:
        tenancy._ONE, tenancy._MANY = saved
        # Statements confined while the break was on are kept process-wide (each compiled
        # ruleset keeps its viewers' screen statements, tenancy its confined forms): left
        # there, they would carry the vacuous criteria into every later test.
        _forget_confined_statements()


def _forget_confined_statements() -> None:
    from campusgraph.policies import engine

    tenancy._CONFINED.clear()
    for compiled in engine._COMPILED.values():
        compiled.filters.clear()
