"""Every id a mutation takes can be read, and every journal cell carries the ids (and the
version) its own mutations take.

A screen builds a mutation from what it has read: ``deleteMark`` needs the mark's id, so a
journal cell that shows a mark without its id is a screen that cannot delete it. The
schema is walked, not a list of known fields: a new mutation's id argument, or a new
screen type, is checked the day it appears.

An ID argument names the type it points at: ``group`` a ``Group``, ``workId`` a ``Work``,
``id`` the type of the mutation (``deleteMark`` → ``Mark``); the few names that say
something else are in :data:`ALIASES`. A type's own ``id`` is of the type it ends with
(``DiaryLesson.id`` is a ``Lesson``'s, ``JournalFinalMark.id`` a ``FinalMark``'s).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from graphql import (
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    get_named_type,
)

from tests.support.documents import schema

#: ID names that do not spell their type (input ``Type.field`` first, then plain names).
ALIASES: dict[str, tuple[str, ...]] = {
    "CreateDisciplineInput.parent": ("Discipline",),
    "UpdateDisciplineInput.parent": ("Discipline",),
    "teacher": ("Employee",),
    "head": ("Employee",),
    "members": ("Student",),
    "child": ("Student",),
    "people": ("Student", "Employee", "Parent"),
    "year": ("AcademicYear",),
    "fromYear": ("AcademicYear",),
    "toYear": ("AcademicYear",),
    "fromGroup": ("Group",),
    "toGroup": ("Group",),
    "program": ("EducationalProgram",),
    "planTopic": ("ThematicPlanTopic",),
    "owner": ("Student", "Employee"),
    "AddPortfolioFileInput.entry": ("PortfolioEntry",),
    "StartThreadInput.recipient": ("Correspondent",),
}
#: A mutation's ``id`` is of the type named after its verb (``deleteMark`` → ``Mark``).
VERBS = re.compile(r"^[a-z]+(?P<type>[A-Z]\w*)$")

#: The journal's cells, each as the path of types a screen reads it through, and the
#: mutations a screen runs on it.
CELLS: list[tuple[tuple[str, ...], tuple[str, ...]]] = [
    (("Journal", "JournalRow"), ("setMark", "deleteMark")),
    (("Journal", "JournalRow"), ("setAttendance", "setAbsenceReason")),
    (("Journal", "JournalRow", "JournalFinalMark"), ("setFinalMark", "deleteFinalMark")),
    (("Journal", "JournalLesson"), ("updateLesson", "deleteLesson", "addWork")),
    (("Journal", "JournalLesson", "JournalWork"), ("removeWork",)),
    (("Diary", "DiaryDay", "DiaryLesson", "DiaryWork"), ("setMark", "deleteMark")),
    (("Diary", "DiaryDay", "DiaryLesson"), ("setAttendance", "setAbsenceReason")),
    (("Diary", "DiaryFinalMark"), ("setFinalMark", "deleteFinalMark")),
    (("Mark",), ("setMark", "deleteMark")),
    (("Attendance",), ("setAttendance", "setAbsenceReason")),
    (("FinalMark",), ("setFinalMark", "deleteFinalMark")),
    (("Lesson",), ("updateLesson", "deleteLesson", "addWork")),
    (("Work",), ("removeWork",)),
]


def _targets(s: GraphQLSchema) -> set[str]:
    """Types an id can name: those with an ``id`` of type ID."""
    out = set()
    for name, t in s.type_map.items():
        if (
            isinstance(t, GraphQLObjectType)
            and "id" in t.fields
            and get_named_type(t.fields["id"].type).name == "ID"
        ):
            out.add(name)
    return out


def _named(s: GraphQLSchema, name: str, where: str = "") -> tuple[str, ...]:
    """The type(s) an ID field or argument called ``name`` points at."""
    if where in ALIASES:
        return ALIASES[where]
    if name in ALIASES:
        return ALIASES[name]
    guess = name[0].upper() + name[1:]
    return (guess,) if guess in _targets(s) else ()


def _own_id(s: GraphQLSchema, type_name: str) -> str | None:
    """The type whose id a type's own ``id`` is: the longest ``Node`` type its name ends
    with, else itself."""
    node = s.type_map["Node"]
    assert isinstance(node, GraphQLInterfaceType)
    fits = [t.name for t in s.get_possible_types(node) if type_name.endswith(t.name)]
    return max(fits, key=len) if fits else type_name


def _id_inputs(s: GraphQLSchema, mutation: str, required_only: bool) -> Iterator[tuple[str, str]]:
    """(path, type) of every ID a mutation's arguments hold (input objects walked)."""
    field = s.mutation_type.fields[mutation]  # type: ignore[union-attr]
    verb = VERBS.match(mutation)

    def walk(t: GraphQLInputObjectType, path: str, seen: frozenset[str]) -> Iterator[str]:
        for name, f in t.fields.items():
            if required_only and not isinstance(f.type, GraphQLNonNull):
                continue
            named = get_named_type(f.type)
            if named.name == "ID":
                types: tuple[str, ...] = ()
                if name == "id" and verb:
                    types = (verb.group("type"),)
                else:
                    types = _named(s, name, f"{t.name}.{name}")
                for type_name in types or ("?",):
                    yield f"{path}.{name}\t{type_name}"
            elif isinstance(named, GraphQLInputObjectType) and named.name not in seen:
                yield from walk(named, f"{path}.{name}", seen | {named.name})

    for arg_name, arg in field.args.items():
        named = get_named_type(arg.type)
        if isinstance(named, GraphQLInputObjectType):
            for found in walk(named, arg_name, frozenset({named.name})):
                path, type_name = found.split("\t")
                yield path, type_name


def _readable(s: GraphQLSchema) -> dict[str, str]:
    """Type → the read path first reaching an id of it (from Query, never Mutation)."""
    found: dict[str, str] = {}
    seen: set[str] = set()
    queue: list[tuple[GraphQLNamedType, str]] = [(s.query_type, "Query")]  # type: ignore[list-item]
    while queue:
        t, path = queue.pop(0)
        if t.name in seen:
            continue
        seen.add(t.name)
        if isinstance(t, GraphQLUnionType):
            queue.extend((member, path) for member in t.types)
            continue
        if isinstance(t, GraphQLInterfaceType):
            queue.extend((member, path) for member in s.get_possible_types(t))
            continue
        if not isinstance(t, GraphQLObjectType):
            continue
        for name in _exposed(s, t, 0):
            found.setdefault(name, f"{path}.id")
        for name, f in t.fields.items():
            queue.append((get_named_type(f.type), f"{path}.{name}"))
    return found


def _exposed(s: GraphQLSchema, t: GraphQLNamedType, depth: int) -> set[str]:
    """Types whose ids an object of ``t`` shows: its own id, its ``xId``/``xIds`` fields
    and, ``depth`` levels down, those of the objects it holds."""
    if not isinstance(t, GraphQLObjectType):
        return set()
    out: set[str] = set()
    for name, f in t.fields.items():
        named = get_named_type(f.type)
        if named.name == "ID":
            if name == "id":
                own = _own_id(s, t.name)
                out.update([own] if own else [])
            else:
                stem = re.sub(r"Ids?$", "", name)
                out.update(_named(s, stem))
        elif depth > 0 and isinstance(named, GraphQLObjectType):
            out |= _exposed(s, named, depth - 1)
    return out


def test_every_id_argument_names_its_type() -> None:
    # Given every ID a mutation takes
    s = schema()
    unnamed = [
        f"{mutation}({path})"
        for mutation in s.mutation_type.fields  # type: ignore[union-attr]
        for path, type_name in _id_inputs(s, mutation, required_only=False)
        if type_name not in _targets(s)
    ]
    # Then each names a type with ids (else: name the field after it, or add an alias)
    assert unnamed == []


def test_every_id_a_mutation_takes_can_be_read() -> None:
    # Given what a signed-in client can read from Query
    s = schema()
    readable = _readable(s)
    # When every mutation's id arguments are looked up there
    missing = sorted(
        f"{mutation}({path}: {type_name})"
        for mutation in s.mutation_type.fields  # type: ignore[union-attr]
        for path, type_name in _id_inputs(s, mutation, required_only=False)
        if type_name not in readable
    )
    # Then none names a type no read shows the id of
    assert missing == []


def test_each_journal_cell_carries_what_its_mutations_take() -> None:
    # Given each cell a screen shows, with the objects it is read through
    s = schema()
    lacking = []
    for path, mutations in CELLS:
        shown: set[str] = set()
        for type_name in path:
            shown |= _exposed(s, s.type_map[type_name], 2)
        cell = s.type_map[path[-1]]
        assert isinstance(cell, GraphQLObjectType)
        versioned = any("version" in name.lower() for name in cell.fields)
        for mutation in mutations:
            # When the ids (and version) the mutation needs are compared with those shown
            for arg, type_name in _id_inputs(s, mutation, required_only=True):
                if type_name not in shown:
                    lacking.append(f"{' > '.join(path)}: {mutation}({arg}: {type_name})")
            takes_version = any(
                "expectedVersion" in get_named_type(a.type).fields  # type: ignore[union-attr]
                for a in s.mutation_type.fields[mutation].args.values()  # type: ignore[union-attr]
                if isinstance(get_named_type(a.type), GraphQLInputObjectType)
            )
            if takes_version and not versioned:
                lacking.append(f"{' > '.join(path)}: {mutation}(expectedVersion)")
    # Then every cell shows them all
    assert lacking == []


def test_the_cells_checked_are_every_journal_value_type() -> None:
    # Given the object types holding a version of a journal row (a screen's cell)
    s = schema()
    checked = {path[-1] for path, _ in CELLS}
    with_versions = {
        name
        for name, t in s.type_map.items()
        if isinstance(t, GraphQLObjectType)
        and not name.endswith("Payload")
        and any("version" in f.lower() for f in t.fields)
        and name in _readable_types(s)
    }
    # Then each is among the cells checked above
    assert with_versions - checked == set()


def _readable_types(s: GraphQLSchema) -> set[str]:
    seen: set[str] = set()
    queue: list[GraphQLNamedType] = [s.query_type]  # type: ignore[list-item]
    while queue:
        t = queue.pop()
        if t.name in seen:
            continue
        seen.add(t.name)
        if isinstance(t, GraphQLInterfaceType):
            queue.extend(s.get_possible_types(t))
        if isinstance(t, GraphQLUnionType):
            queue.extend(t.types)
        if isinstance(t, GraphQLObjectType | GraphQLInterfaceType):
            queue.extend(get_named_type(f.type) for f in t.fields.values())
    return seen
