"""The query cost (schema/gate.py): every list bounded, fragments counted as expanded,
`first` from the variables, computed once per document, and every example within the
default budget."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from graphql import (
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    OperationDefinitionNode,
    get_named_type,
    is_leaf_type,
    parse,
)

from campusgraph.schema import gate
from campusgraph.schema.root import build_schema
from campusgraph.settings import Settings

ALTAI = "altai-college-2016"
EXAMPLES = {
    path.name: path.read_text(encoding="utf-8")
    for path in sorted((Path(__file__).parents[2] / "examples" / "queries").glob("*.graphql"))
}
SETTINGS = Settings(mode="dev")
SCHEMA = build_schema(SETTINGS)._schema
CAP = SETTINGS.max_page_size

GROUP_STUDENTS = (
    "query ($n: Int) { institution { groups(first: $n) { nodes { students { id } } } } }"
)
EXPANDED = """
query { institution { groups(first: 3) { nodes {
  students { fullName parents { fullName } }
  subgroups { members { id } }
} } } }
"""
NAMED = """
query { institution { groups(first: 3) { nodes { ...G } } } }
fragment G on Group { students { ...S } subgroups { ...M } }
fragment S on Student { fullName parents { fullName } }
fragment M on Subgroup { members { id } }
"""
INLINE = """
query { institution { groups(first: 3) { nodes { ... on Group {
  students { ... { fullName parents { fullName } } }
  ... on Node { ... on Group { subgroups { members { id } } } }
} } } } }
"""
TWICE = """
query { institution { groups(first: 3) { nodes { ...G a: students { id } } } } }
fragment G on Group { students { id } }
"""


def _cost(document: str, variables: dict[str, Any] | None = None) -> int:
    shape = gate.shape_of(parse(document), None, SETTINGS.max_query_depth, 10**6)
    assert shape.operation is not None
    assert shape.refusal is None
    return gate.cost_of(SCHEMA, shape, variables, CAP)


def _lists_of_objects() -> set[str]:
    found = set()
    for type_ in SCHEMA.type_map.values():
        if not isinstance(type_, GraphQLObjectType | GraphQLInterfaceType):
            continue
        if type_.name.startswith("__"):
            continue
        for name, field in type_.fields.items():
            inner = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
            if isinstance(inner, GraphQLList) and not is_leaf_type(get_named_type(inner)):
                found.add(f"{type_.name}.{name}")
    return found


def test_every_list_of_objects_has_a_declared_size() -> None:
    # given every field of the schema returning a list of objects
    lists = _lists_of_objects()
    # when the connections' pages, payloads' errors and argument-sized lists are set aside
    sized_otherwise = {
        key
        for key in lists
        if (key.split(".")[0].endswith("Connection") and key.split(".")[1] in ("edges", "nodes"))
        or key.endswith(".errors")
        or key in gate.LIST_ARGUMENT_SIZES
    }
    # then each of the others has a declared size, and no declared size names a ghost
    assert sorted(lists - sized_otherwise - set(gate.LIST_SIZES)) == []
    assert sorted(set(gate.LIST_SIZES) - lists) == []


def test_fragments_count_as_expanded() -> None:
    # given the same selection written out, through named fragments, and inline fragments
    expanded = _cost(EXPANDED)
    # then each costs what the written-out one does
    assert expanded == 3 * (1 + 40 * (1 + 4) + 4 * (1 + 40)) + 1 + 1
    assert _cost(NAMED) == expanded
    assert _cost(INLINE) == expanded
    # and a fragment spread beside the same field counts again
    assert _cost(TWICE) == 1 + 1 + 3 * (1 + 2 * 40)


def test_first_comes_from_the_variables_else_the_page_cap() -> None:
    per_group = 1 + 40
    assert _cost(GROUP_STUDENTS, {"n": 2}) == 2 + 2 * per_group
    assert _cost(GROUP_STUDENTS, {}) == 2 + CAP * per_group
    assert _cost(GROUP_STUDENTS, {"n": -2}) == 2 + CAP * per_group
    assert _cost(GROUP_STUDENTS, {"n": 10**9}) == 2 + CAP * per_group


async def test_the_budget_reads_first_from_the_request(make_client: Any) -> None:
    # given a server whose budget allows ten groups' students
    budget = 2 + 10 * (1 + 40)
    async with make_client(mode="production", max_query_cost=budget) as anonymous:
        director = await anonymous.as_(ALTAI, "director")
        # when the page size comes from a variable
        few = await director.query(GROUP_STUDENTS, {"n": 10})
        many = await director.query(GROUP_STUDENTS, {"n": 11})
        unsized = await director.query(GROUP_STUDENTS)
    # then its value decides, and without it the page cap does
    assert few.get("errors") is None
    assert few["data"]["institution"]["groups"]["nodes"]
    assert many["errors"][0]["extensions"] == {
        "requestId": many["errors"][0]["extensions"]["requestId"],
        "code": "QUERY_TOO_COSTLY",
        "cost": budget + 1 + 40,
        "budget": budget,
    }
    assert unsized["errors"][0]["extensions"]["cost"] == 2 + CAP * (1 + 40)


async def test_the_cost_is_computed_once_per_document_and_sizes(
    make_client: Any, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    computed: list[int] = []
    original = gate._Cost.operation

    def counting(self: Any) -> int:
        computed.append(1)
        return original(self)

    # (a text of its own per backend: parsed documents, and so their estimates, are kept
    # process-wide, and the other backend's run may have estimated this one already)
    document = GROUP_STUDENTS + f"\n# estimated once on {backend}\n"
    async with make_client(mode="production") as anonymous:
        director = await anonymous.as_(ALTAI, "director")
        monkeypatch.setattr(gate._Cost, "operation", counting)
        for n in (3, 3, 3, 4, 4, 3):
            await director.data(document, {"n": n})
    # one estimate per page size asked
    assert len(computed) == 2


@pytest.mark.parametrize("name", EXAMPLES)
async def test_every_example_is_within_the_default_budget(make_client: Any, name: str) -> None:
    # given every operation of an example, sent without variables (so every `first` is
    # taken at the page cap: the most the document can cost)
    text = EXAMPLES[name]
    operations = [
        d.name.value if d.name else None
        for d in parse(text).definitions
        if isinstance(d, OperationDefinitionNode)
    ]
    async with make_client(mode="production") as anonymous:
        director = await anonymous.as_(ALTAI, "director")
        for operation in operations:
            # when the director sends it
            payload = await director.query(text, operation_name=operation)
            # then no limit of the gate refuses it
            codes = {e.get("extensions", {}).get("code") for e in payload.get("errors") or ()}
            assert not codes & {"QUERY_TOO_COSTLY", "QUERY_TOO_COMPLEX"}, (operation, payload)
            shape = gate.shape_of(parse(text), operation, Settings().max_query_depth, 30)
            assert shape.refusal is None
            assert gate.cost_of(SCHEMA, shape, {}, CAP) <= Settings().max_query_cost
