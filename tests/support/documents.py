"""GraphQL documents generated from the schema itself, and values for their variables.

The sweep, the argument checks and the schemathesis run all need to reach *every* field a
client may select, not the handful somebody remembered to write a test for. So documents
are built from the schema (``build_schema``): each root field (and each ``viewer`` field)
with its required arguments filled, selected to depth 2, interfaces expanded into inline
fragments of every implementing type. Values come from a :class:`Pool` of global ids
(what the account can see first, the demo data after), dates around ``DEMO_TODAY``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    NamedTypeNode,
    NonNullTypeNode,
    OperationDefinitionNode,
    OperationType,
    TypeNode,
    Undefined,
    VariableNode,
    get_named_type,
    is_leaf_type,
    parse,
    visit,
)
from graphql.language import Visitor
from sqlalchemy import select

from campusgraph.db import models as m
from campusgraph.db.tenancy import unscoped
from campusgraph.ids import to_global_id
from campusgraph.schema.gate import MAX_SAME_KEY
from tests.support import DEMO_TODAY

EXAMPLES = Path(__file__).parents[2] / "examples" / "queries"

#: ID arguments and variables named after what they point at (``id`` is decided by the
#: fragment it is used in).
ID_TYPES: dict[str, str] = {
    "group": "Group",
    "discipline": "Discipline",
    "period": "Period",
    "student": "Student",
    "child": "Student",
    "teacher": "Employee",
    "room": "Room",
    "speciality": "Speciality",
    "year": "AcademicYear",
    "lesson": "Lesson",
    "work": "Work",
    "parent": "Parent",
    "employee": "Employee",
}
#: Plain string arguments the schema's fields need to mean something.
STRINGS: dict[str, str] = {"object": "student", "action": "read"}
#: ``first`` when a connection is selected by the generator: small, so a cost budget
#: never refuses the sweep for its size.
FIRST = 10


@lru_cache(maxsize=1)
def schema() -> GraphQLSchema:
    from campusgraph.schema.root import build_schema
    from campusgraph.settings import Settings

    return build_schema(Settings(mode="dev"))._schema


# -- values ------------------------------------------------------------------------------


@dataclass
class Pool:
    """Global ids by type name, best candidates first (what the account itself was shown)."""

    ids: dict[str, list[str]] = field(default_factory=dict)
    today: dt.date = DEMO_TODAY
    #: While a document is generated: its variables (name → type, value). Ids travel as
    #: variables so that every account sends the same text (the validation cache hits).
    binding: dict[str, tuple[str, Any]] | None = None
    #: ``Type.field`` of the object fields already expanded in this pool's documents: the
    #: same resolver is not run again under another path (the sweep stays fast).
    expanded: set[str] = field(default_factory=set)

    def value(self, value: Any, type_: Any) -> str:
        """``$vN`` bound to ``value`` while a document is generated, else a literal."""
        if self.binding is None:
            return _literal(value)
        name = f"v{len(self.binding)}"
        self.binding[name] = (str(type_), value)
        return f"${name}"

    def add(self, type_name: str, gid: Any) -> None:
        if isinstance(gid, str) and gid:
            bucket = self.ids.setdefault(type_name, [])
            if gid not in bucket:
                bucket.append(gid)

    def extend(self, other: Mapping[str, Sequence[str]]) -> None:
        for type_name, gids in other.items():
            for gid in gids:
                self.add(type_name, gid)

    def first(self, type_name: str) -> str | None:
        found = self.ids.get(type_name)
        return found[0] if found else None

    def only(self, type_names: Sequence[str]) -> Pool:
        """The ids of these types only."""
        ids = {t: list(self.ids[t]) for t in type_names if self.ids.get(t)}
        return Pool(ids, self.today, expanded=self.expanded)

    def every_type(self) -> list[str]:
        """One id of each type in the pool (for ``nodes``)."""
        return [gids[0] for gids in self.ids.values() if gids]

    def date(self, name: str) -> str:
        lowered = name.lower()
        if lowered in ("from", "datefrom"):
            return (self.today - dt.timedelta(days=13)).isoformat()
        return self.today.isoformat()


def example_documents() -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(EXAMPLES.glob("*.graphql"))}


@dataclass(frozen=True)
class Operation:
    """One query operation of an example file, with its variables typed."""

    file: str
    name: str | None
    source: str
    variables: dict[str, TypeNode]
    #: The ID type each ``$id``-like variable points at, read from the fragment around it.
    id_types: dict[str, str]


def _fragment_types(op: OperationDefinitionNode) -> dict[str, str]:
    """For each variable passed as an argument, the type condition of the nearest inline
    fragment inside that field (``node(id: $id) { ... on Student }`` → Student)."""
    found: dict[str, str] = {}

    class Collect(Visitor):
        def enter_field(self, node: FieldNode, *_: Any) -> None:
            for argument in node.arguments or ():
                if not isinstance(argument.value, VariableNode):
                    continue
                name = argument.value.name.value
                for sel in node.selection_set.selections if node.selection_set else ():
                    if isinstance(sel, InlineFragmentNode) and sel.type_condition is not None:
                        found.setdefault(name, sel.type_condition.name.value)
                        break

    visit(op, Collect())
    return found


def query_operations() -> list[Operation]:
    """Every query (not mutation) operation of every example document, parsed."""
    out: list[Operation] = []
    for file, text in example_documents().items():
        document: DocumentNode = parse(text)
        for op in document.definitions:
            if not isinstance(op, OperationDefinitionNode):
                continue
            if op.operation is not OperationType.QUERY:
                continue
            variables = {v.variable.name.value: v.type for v in op.variable_definitions or ()}
            out.append(
                Operation(
                    file=file,
                    name=op.name.value if op.name else None,
                    source=text,
                    variables=variables,
                    id_types=_fragment_types(op),
                )
            )
    return out


def _type_name(node: TypeNode) -> tuple[str, bool, bool]:
    """(named type, non-null, list) of a variable's type node."""
    non_null = isinstance(node, NonNullTypeNode)
    inner = node.type if isinstance(node, NonNullTypeNode) else node
    is_list = not isinstance(inner, NamedTypeNode)
    while not isinstance(inner, NamedTypeNode):
        inner = inner.type
    return inner.name.value, non_null, is_list


def declared_variables(source: str) -> dict[str, Any]:
    """The values an example declares in its leading comment (``# Variables: {…}``, the
    JSON continued on the following comment lines): enums and lists the pool cannot guess."""
    text: list[str] = []
    for line in source.splitlines():
        if not line.startswith("#"):
            if text:
                break
            continue
        body = line.lstrip("#").strip()
        if text:
            text.append(body)
        elif body.startswith("Variables:"):
            text.append(body.removeprefix("Variables:"))
        if text:
            try:
                found = json.loads(" ".join(text))
            except json.JSONDecodeError:
                continue
            return found if isinstance(found, dict) else {}
    return {}


def example_variables(op: Operation, pool: Pool) -> dict[str, Any] | None:
    """Values for an example's variables, or None when a required one cannot be filled."""
    values: dict[str, Any] = {}
    declared = declared_variables(op.source)
    for name, node in op.variables.items():
        if name in declared:
            values[name] = declared[name]
            continue
        type_name, required, _ = _type_name(node)
        value: Any = None
        if type_name == "ID":
            value = pool.first(op.id_types.get(name) or ID_TYPES.get(name.lower(), ""))
        elif type_name == "Date":
            value = pool.date(name)
        if value is None and required:
            return None
        if value is not None:
            values[name] = value
    return values


# -- generated selections ----------------------------------------------------------------


def _literal(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _unwrap(t: Any) -> Any:
    while isinstance(t, (GraphQLNonNull, GraphQLList)):
        t = t.of_type
    return t


def argument_value(name: str, arg: GraphQLArgument, pool: Pool) -> str | None:
    """A literal for one argument, or None when nothing sensible is known."""
    named = get_named_type(arg.type)
    is_list = isinstance(
        arg.type.of_type if isinstance(arg.type, GraphQLNonNull) else arg.type, GraphQLList
    )
    value: Any = None
    if isinstance(named, GraphQLInputObjectType):
        # a required input (a report's ``of: ReportOfInput!``): its required fields, bound
        # as a variable (an object literal is no JSON)
        if pool.binding is None:
            return None
        return pool.value(required_input(arg.type, pool, {}, (name,)), arg.type)
    if isinstance(named, GraphQLScalarType):
        if named.name == "ID":
            if is_list:
                return pool.value(pool.every_type(), arg.type)
            gid = pool.first(ID_TYPES.get(name, "Student"))
            if gid is None and name == "id":
                gid = next(iter(pool.every_type()), None)
            return None if gid is None else pool.value(gid, arg.type)
        if named.name == "Date":
            value = pool.date(name)
        elif named.name == "Int":
            value = FIRST if name == "first" else 1
        elif named.name == "String":
            value = STRINGS.get(name, "x")
        elif named.name == "Boolean":
            value = True
    elif isinstance(named, GraphQLEnumType):
        return next(iter(named.values))
    elif isinstance(named, GraphQLInputObjectType) and not is_list:
        # An input argument (a report's ``of: ReportOfInput!``): its required fields, and a
        # group where it takes one, so a report runs at the level most of them offer.
        filled = required_input(arg.type, pool, {}, (name,))
        group = pool.first("Group")
        if "group" in named.fields and group is not None:
            filled.setdefault("group", group)
        return pool.value(filled, arg.type)
    if value is None:
        return None
    return _literal(value)


def _variants(field_: GraphQLField, pool: Pool) -> list[dict[str, str]]:
    """Every value of each required enum argument (``exportList(kind:)`` of each kind);
    then each optional ID argument given alone (``timetable(group:)``, ``(teacher:)`` …)."""
    axes: list[list[tuple[str, str]]] = []
    optional_ids: list[dict[str, str]] = []
    for name, arg in field_.args.items():
        named = get_named_type(arg.type)
        required = isinstance(arg.type, GraphQLNonNull) and arg.default_value is Undefined
        if required and isinstance(named, GraphQLEnumType):
            axes.append([(name, v) for v in named.values])
        elif required and isinstance(named, GraphQLInputObjectType):
            literals = _optional_object_literals(named, pool)
            if literals:
                axes.append([(name, v) for v in literals])
        elif not required and getattr(named, "name", None) == "ID":
            gid = pool.first(ID_TYPES.get(name, ""))
            if gid is not None and not isinstance(arg.type, GraphQLList):
                optional_ids.append({name: pool.value(gid, arg.type)})
    combos = list(itertools.product(*axes))
    if len(combos) > COMBINATIONS:
        # Too many for one document's aliases (analytics: 7 measures × 11 dimensions):
        # every value of every axis once, the shorter axes cycled beside the longest.
        longest = max(len(axis) for axis in axes)
        combos = [tuple(axis[i % len(axis)] for axis in axes) for i in range(longest)]
    return [dict(combo) for combo in combos] + optional_ids


#: The most variants of one field's required enums tried in full product.
COMBINATIONS = 24


#: Which ids an input of optional ids only (a report's ``of:``) is given together, one
#: variant each: none (the institution), a group, a group × discipline, a student — each
#: with a period where it has one.
OBJECT_VARIANTS = ((), ("group",), ("group", "discipline"), ("student",))


def _optional_object_literals(named: GraphQLInputObjectType, pool: Pool) -> list[str]:
    """Object literals for an input whose fields are all optional (else none)."""
    if any(isinstance(f.type, GraphQLNonNull) for f in named.fields.values()):
        return []
    out = []
    for names in OBJECT_VARIANTS:
        if not all(n in named.fields for n in names):
            continue
        chosen = [*names, "period"] if "period" in named.fields else list(names)
        values = {n: pool.first(ID_TYPES[n]) for n in chosen}
        given = ", ".join(f"{n}: {_literal(v)}" for n, v in values.items() if v is not None)
        out.append(f"{{{given}}}")
    return out


def arguments(
    field_: GraphQLField, pool: Pool, *, fixed: Mapping[str, str] | None = None
) -> str | None:
    """``(a: 1, b: "x")`` for the required arguments (plus ``first``), or None if one
    required argument cannot be filled."""
    parts: list[str] = []
    fixed = fixed or {}
    for name, arg in field_.args.items():
        if name in fixed:
            parts.append(f"{name}: {fixed[name]}")
            continue
        required = isinstance(arg.type, GraphQLNonNull) and arg.default_value is Undefined
        if not required and name != "first":
            continue
        literal = argument_value(name, arg, pool)
        if literal is None:
            if required:
                return None
            continue
        parts.append(f"{name}: {literal}")
    return f"({', '.join(parts)})" if parts else ""


def _signatures(named: GraphQLNamedType, pool: Pool) -> dict[str, str]:
    """Response key → return type and arguments, of the fields :func:`selection` picks."""
    if not isinstance(named, (GraphQLObjectType, GraphQLInterfaceType)):
        return {}
    binding, pool.binding = pool.binding, None
    try:
        return {name: f"{f.type}{arguments(f, pool)}" for name, f in named.fields.items()}
    finally:
        pool.binding = binding


def fragment_chunks(named: GraphQLNamedType, pool: Pool) -> list[list[GraphQLObjectType]]:
    """The implementing types of an interface, in groups whose fields do not conflict
    (``kind`` is a different enum on each type): one document per group, no aliases.
    A group holds fewer types than the gate lets one response key repeat (each type's
    fragment repeats ``__typename`` and ``id`` once more than the interface's own)."""
    chunks: list[tuple[list[GraphQLObjectType], dict[str, str]]] = []
    for possible in schema().get_possible_types(named):  # type: ignore[arg-type]
        mine = _signatures(possible, pool)
        for types, seen in chunks:
            if len(types) < MAX_SAME_KEY - 1 and all(seen.get(k, v) == v for k, v in mine.items()):
                types.append(possible)
                seen.update(mine)
                break
        else:
            chunks.append(([possible], dict(mine)))
    return [types for types, _ in chunks]


def selection(
    named: GraphQLNamedType,
    depth: int,
    pool: Pool,
    only: Sequence[GraphQLObjectType] | None = None,
) -> str:
    """The selection set of an object, interface or union to ``depth`` object levels:
    leaves everywhere, object fields while depth lasts, implementing types inlined
    (``only`` these, or the first group of :func:`fragment_chunks`)."""
    parts = ["__typename"]
    if isinstance(named, (GraphQLObjectType, GraphQLInterfaceType)):
        for name, field_ in named.fields.items():
            target = get_named_type(field_.type)
            if not is_leaf_type(target):
                key = f"{named.name}.{name}"
                if depth <= 1 or key in pool.expanded:
                    continue
                pool.expanded.add(key)
            args = arguments(field_, pool)
            if args is None:
                continue
            if is_leaf_type(target):
                parts.append(f"{name}{args}")
            elif depth > 1:
                parts.append(f"{name}{args} {{ {selection(target, depth - 1, pool)} }}")
    if isinstance(named, (GraphQLInterfaceType, GraphQLUnionType)):
        for possible in only if only is not None else fragment_chunks(named, pool)[0]:
            parts.append(f"... on {possible.name} {{ {selection(possible, depth, pool)} }}")
    return " ".join(parts)


Document = tuple[str, dict[str, Any]]


def _document(pool: Pool, body: str) -> Document:
    """``query ($v0: ID!, …) { body }`` with the variables bound while ``body`` was built."""
    binding = pool.binding or {}
    pool.binding = None
    header = ", ".join(f"${name}: {type_}" for name, (type_, _) in binding.items())
    text = f"query ({header}) {{ {body} }}" if header else f"query {{ {body} }}"
    return text, {name: value for name, (_, value) in binding.items()}


def _tokens(body: str) -> set[str]:
    """The words of a document, ``$v1`` among them."""
    return {t.rstrip(",)") for t in body.replace("(", " ").split()}


def field_documents(
    parent: GraphQLObjectType, pool: Pool, *, depth: int = 2, skip: Sequence[str] = ()
) -> list[Document]:
    """One document per field of ``parent``, selected to ``depth``: each value of its
    required enum arguments, and each conflict-free group of an interface's types, under
    an alias of its own (``v0: exportList(kind: STAFF) … v1: exportList(kind: PARENTS)``)."""
    out: list[Document] = []
    for name, field_ in parent.fields.items():
        if name in skip:
            continue
        pool.binding = {}
        target = get_named_type(field_.type)
        variants: list[str] = []
        before, after = set(pool.expanded), set(pool.expanded)
        for fixed in _variants(field_, pool) or [{}]:
            groups: list[list[GraphQLObjectType]] | list[None] = [None]
            if isinstance(target, (GraphQLInterfaceType, GraphQLUnionType)):
                groups = fragment_chunks(target, pool)
            for only in groups:
                if only is None:  # each variant is expanded as if it came first
                    after |= pool.expanded
                    pool.expanded.clear()
                    pool.expanded |= before
                # ``node(id:)``/``nodes(ids:)`` per group: ids of the group's types only.
                mine = pool if only is None else pool.only([t.name for t in only])
                if only is not None and not mine.ids:
                    continue
                mine.binding = pool.binding
                args = arguments(field_, mine, fixed=fixed)
                if args is None:
                    continue
                body = f"{name}{args}"
                if not is_leaf_type(target):
                    body += f" {{ {selection(target, depth, pool, only)} }}"
                variants.append(body)
        pool.expanded |= after
        if isinstance(field_.type, GraphQLNonNull) or len(variants) == 1:
            # An error of a non-null field nulls the whole answer and cancels its siblings
            # (graphql-core), so their own errors would go unseen: one document each.
            full = pool.binding or {}
            for variant in variants:
                pool.binding = {k: v for k, v in full.items() if f"${k}" in _tokens(variant)}
                out.append(_document(pool, variant))
        elif variants:
            out.append(_document(pool, " ".join(f"a{i}: {v}" for i, v in enumerate(variants))))
        pool.binding = None
    return out


def root_documents(pool: Pool) -> list[Document]:
    """Every root Query field to depth 2, one document each, and every field of
    ``viewer`` to depth 2 in one more."""
    s = schema()
    assert s.query_type is not None
    out = field_documents(s.query_type, pool, skip=("viewer",))
    viewer = s.get_type("Viewer")
    assert isinstance(viewer, GraphQLObjectType)
    pool.binding = {}
    out.append(_document(pool, f"viewer {{ {selection(viewer, 3, pool)} }}"))
    return out


# -- arguments of the whole schema ---------------------------------------------------------


def required_input(
    t: GraphQLInputType, pool: Pool, override: Mapping[tuple[str, ...], Any], path: tuple[str, ...]
) -> Any:
    """A JSON value for an input type: required fields filled, ``override`` by path."""
    if path in override:
        return override[path]
    nullable = t.of_type if isinstance(t, GraphQLNonNull) else t
    if isinstance(nullable, GraphQLList):
        return [required_input(nullable.of_type, pool, override, path)]
    named = _unwrap(t)
    if isinstance(named, GraphQLInputObjectType):
        out: dict[str, Any] = {}
        for name, f in named.fields.items():
            sub = (*path, name)
            overridden = any(p[: len(sub)] == sub for p in override)
            if isinstance(f.type, GraphQLNonNull) or overridden:
                out[name] = required_input(f.type, pool, override, sub)
        return out
    if isinstance(named, GraphQLEnumType):
        return next(iter(named.values))
    name = path[-1]
    if named.name == "ID":
        return pool.first(ID_TYPES.get(name, "Student")) or "U3R1ZGVudDox"
    if named.name == "Date":
        return pool.date(name)
    if named.name == "Int":
        return 1
    if named.name == "Float":
        return 1.0
    if named.name == "Boolean":
        return True
    if named.name == "JSON":
        return {}
    return STRINGS.get(name, "x")


def reach(type_name: str, body: str, pool: Pool) -> str | None:
    """A query selecting ``body`` on an object of ``type_name``: the root itself, a root
    field without required arguments that returns it (``institution``, ``viewer``), or
    ``node(id:)`` with an id of that type from the pool."""
    s = schema()
    assert s.query_type is not None
    if type_name == "Query":
        return f"query {{ {body} }}"
    for name, f in s.query_type.fields.items():
        required = [a for a in f.args.values() if isinstance(a.type, GraphQLNonNull)]
        if not required and get_named_type(f.type).name == type_name:
            return f"query {{ {name} {{ {body} }} }}"
    gid = pool.first(type_name)
    if gid is not None:
        return f"query {{ node(id: {_literal(gid)}) {{ ... on {type_name} {{ {body} }} }} }}"
    return None


def fields_with_argument(predicate: Any) -> list[tuple[str, str, GraphQLField]]:
    """(type, field name, field) of every object type but Mutation whose arguments
    include one ``predicate(name, argument)`` accepts."""
    s = schema()
    out = []
    for type_name, t in sorted(s.type_map.items()):
        if type_name.startswith("__") or type_name == "Mutation":
            continue
        if not isinstance(t, GraphQLObjectType):
            continue
        for name, f in t.fields.items():
            if any(predicate(a_name, a) for a_name, a in f.args.items()):
                out.append((type_name, name, f))
    return out


def leaves(named: Any) -> str:
    """``__typename`` and, for a connection, ``totalCount`` and its nodes' ids."""
    if isinstance(named, GraphQLObjectType) and "nodes" in named.fields:
        return "__typename totalCount nodes { __typename } pageInfo { hasNextPage }"
    return "__typename"


#: Demo rows whose ids fill what the account's own screens did not show.
FALLBACK_MODELS: dict[str, Any] = {
    "Group": m.StudyGroup,
    "Student": m.Student,
    "Employee": m.Employee,
    "Parent": m.Parent,
    "Discipline": m.Discipline,
    "Period": m.Period,
    "AcademicYear": m.AcademicYear,
    "Room": m.Room,
    "Speciality": m.Speciality,
    "Department": m.Department,
    "EducationalProgram": m.EducationalProgram,
    "Curriculum": m.Curriculum,
    "Subgroup": m.Subgroup,
    "TeachingAssignment": m.TeachingAssignment,
    "TimetableEntry": m.TimetableEntry,
    "Lesson": m.Lesson,
    "Work": m.Work,
    "Mark": m.Mark,
    "Attendance": m.Attendance,
    "FinalMark": m.FinalMark,
    "Applicant": m.Applicant,
    "MovementOrder": m.MovementOrder,
    "Institution": m.Institution,
}


async def demo_ids(db: Any, slug: str) -> dict[str, list[str]]:
    """The first ids of each type of the institution's demo data."""
    async with unscoped(db.factory) as s:
        inst = (
            await s.execute(select(m.Institution.id).where(m.Institution.slug == slug))
        ).scalar_one()
        out: dict[str, list[str]] = {}
        for type_name, model in FALLBACK_MODELS.items():
            owner = model.id if model is m.Institution else model.institution_id
            pks = (
                await s.execute(select(model.id).where(owner == inst).order_by(model.id).limit(3))
            ).scalars()
            out[type_name] = [to_global_id(type_name, pk) for pk in pks]
        return out
