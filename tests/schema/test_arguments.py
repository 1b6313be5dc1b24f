"""Every page and id argument of the schema, malformed on purpose: VALIDATION, never
INTERNAL, never a page over the cap.

The cases are generated from the schema itself — every field with a ``first``, every ID
argument (inputs of mutations walked to their leaves), every Int of a mutation input — so
a field added tomorrow is checked tomorrow. ``first: -2`` once returned 267 rows against
a cap of 200 (SQLite reads a negative LIMIT as "no limit"); a 40-digit id overflowed.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    get_named_type,
    is_leaf_type,
)
from graphql.pyutils import Undefined

from campusgraph.app import create_app
from campusgraph.ids import to_global_id
from tests.conftest import make_settings
from tests.support.client import GraphQLClient
from tests.support.databases import Database
from tests.support.documents import (
    Pool,
    demo_ids,
    fields_with_argument,
    leaves,
    reach,
    required_input,
    schema,
)
from tests.support.live import LiveServer, live_server
from tests.support.subscriptions import subscribed

INSTITUTION = "altai-college-2016"
#: Reads everything of the institution: every list can be long, every id is visible.
READER = "director"
#: Holds the most mutations of the ruleset: ids are parsed before anything is decided.
WRITER = "administrator"
CAP = 200  # the default CAMPUSGRAPH_MAX_PAGE_SIZE the test apps run with
#: A school year: long enough that a group's lessons outnumber the cap.
YEAR = {"dateFrom": "2026-09-01", "dateTo": "2027-06-30"}

#: Ids that cannot name anything, by what is wrong with them.
BAD_IDS = {
    "40 digits": to_global_id("Student", 10**40),
    "past 64 bits": to_global_id("Student", 2**63),
    "not base64": "!!not-an-id!!",
    "not Type:key": base64.urlsafe_b64encode(b"Student:1:2").decode(),
    "16 KB": "QQ" * 8192,
}
#: A well-formed id of a type no argument of the schema asks for.
WRONG_TYPE = to_global_id("Nothing", 1)
#: ``after`` values no connection handed out.
BAD_CURSORS = {
    "garbage": "??",
    "negative": base64.urlsafe_b64encode(b"o:-5").decode(),
    "past any offset": base64.urlsafe_b64encode(b"o:" + b"9" * 25).decode(),
    "another kind": to_global_id("Student", 1),
    "long": "b" * 4096,
}
#: Integers at the ends of GraphQL's Int, and just below zero.
EXTREME_INTS = (-1, -(2**31), 2**31 - 1)

PAGED = fields_with_argument(lambda name, _: name == "first")
ID_FIELDS = fields_with_argument(lambda _, arg: get_named_type(arg.type).name == "ID")


def _codes(payload: dict[str, Any]) -> list[str]:
    return [(e.get("extensions") or {}).get("code", "") for e in payload.get("errors") or []]


def _call(type_name: str, name: str, field: GraphQLField, args: dict[str, Any], pool: Pool) -> str:
    """A query selecting ``Type.name(args)`` by any route the schema offers."""
    given = ", ".join(f"{k}: {_literal(v)}" for k, v in args.items())
    body = f"{name}({given}) {{ {leaves(get_named_type(field.type))} }}"
    if is_leaf_type(get_named_type(field.type)):
        body = f"{name}({given})"
    document = reach(type_name, body, pool)
    assert document is not None, f"no route to {type_name}.{name}"
    return document


class _EnumValue(str):
    """An enum value: written bare in a document, not as a string."""


def _literal(value: Any) -> str:
    import json

    if isinstance(value, _EnumValue):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def _required(field: GraphQLField, pool: Pool, skip: set[str]) -> dict[str, Any]:
    """Values for the required arguments not being tested (dates over a whole year)."""
    out: dict[str, Any] = {}
    for name, arg in field.args.items():
        if name in skip or not isinstance(arg.type, GraphQLNonNull):
            continue
        if arg.default_value is not Undefined:
            continue  # the server fills it (journalFile's format)
        value = YEAR.get(name) or required_input(arg.type, pool, {}, (name,))
        if isinstance(get_named_type(arg.type), GraphQLEnumType):
            value = _EnumValue(value)
        out[name] = value
    return out


CORRESPONDENTS = "{ correspondents { id } }"
START_THREAD = """
mutation ($input: StartThreadInput!) {
  startThread(input: $input) { thread { id } errors { code message } }
}
"""


@pytest.fixture(scope="module")
async def pool(shared_db: Database, shared_sign_in: Any) -> Pool:
    found = Pool()
    found.extend(await demo_ids(shared_db, INSTITUTION))
    found.extend(await _own_thread(await shared_sign_in(INSTITUTION, READER)))
    return found


async def _own_thread(reader: GraphQLClient) -> dict[str, list[str]]:
    """A thread of the reader's: the demo data holds none, and a thread is read only by
    its participants, so its connection (``Thread.messages``) has a route only once he
    has written one (through the endpoint, as anyone would)."""
    correspondents = (await reader.data(CORRESPONDENTS))["correspondents"]
    assert correspondents, "the reader may write to nobody: Thread has no route"
    started = (
        await reader.data(
            START_THREAD,
            {"input": {"recipient": correspondents[0]["id"], "subject": "Окно", "body": "?"}},
        )
    )["startThread"]
    assert not started["errors"], started
    return {"Thread": [started["thread"]["id"]]}


async def test_the_schema_has_the_arguments_these_cases_cover() -> None:
    # the generated cases are not vacuous: connections and id arguments exist
    assert {f"{t}.{n}" for t, n, _ in PAGED} >= {
        "Group.lessons",
        "Institution.groups",
        "Query.movementOrders",
        "Student.marks",
    }
    assert len(ID_FIELDS) >= 10


@pytest.mark.parametrize(("parent", "name", "field"), PAGED, ids=[f"{t}.{n}" for t, n, _ in PAGED])
async def test_every_page_is_at_most_the_cap_and_a_bad_window_is_validation(
    parent: str,
    name: str,
    field: GraphQLField,
    pool: Pool,
    shared_sign_in: Any,
) -> None:
    # given a reader of the whole institution, and one connection field of the schema
    reader: GraphQLClient = await shared_sign_in(INSTITUTION, READER)
    base = _required(field, pool, {"first", "after"})
    # when it asks for no size, or the cap: then never more than the cap
    for first in (None, CAP):
        args = dict(base) if first is None else {**base, "first": first}
        payload = await reader.query(_call(parent, name, field, args, pool))
        assert "INTERNAL" not in _codes(payload), payload
        assert len(_nodes(payload)) <= CAP
    # when it asks for nothing: then an empty page
    payload = await reader.query(_call(parent, name, field, {**base, "first": 0}, pool))
    assert not payload.get("errors"), payload
    assert _nodes(payload) == []
    # when the size is negative or over the cap, or the cursor is not one of ours
    bad: list[dict[str, Any]] = [{"first": -2}, {"first": CAP + 1}, {"first": -(2**31)}]
    bad += [{"after": cursor} for cursor in BAD_CURSORS.values()]
    for window in bad:
        payload = await reader.query(_call(parent, name, field, {**base, **window}, pool))
        # then VALIDATION, and not one row
        assert _codes(payload) == ["VALIDATION"], (window, payload)
        assert _nodes(payload) == [], window


def _nodes(payload: dict[str, Any]) -> list[Any]:
    """The nodes of the one connection a document selects (wherever it sits)."""
    found: list[Any] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if "nodes" in value and isinstance(value["nodes"], list):
                found.extend(value["nodes"])
                return
            for inner in value.values():
                walk(inner)

    walk(payload.get("data"))
    return found


async def test_a_long_list_stops_at_the_cap(pool: Pool, shared_sign_in: Any) -> None:
    # given a group whose lessons of a year outnumber the cap
    reader: GraphQLClient = await shared_sign_in(INSTITUTION, READER)
    group = pool.first("Group")
    document = """
    query ($id: ID!, $first: Int) { node(id: $id) { ... on Group {
      lessons(dateFrom: "2026-09-01", dateTo: "2027-06-30", first: $first) {
        totalCount nodes { id } pageInfo { hasNextPage } } } } }
    """
    whole = (await reader.data(document, {"id": group}))["node"]["lessons"]
    assert whole["totalCount"] > CAP
    # when no size is asked, then exactly the cap, and more to come
    assert len(whole["nodes"]) == CAP
    assert whole["pageInfo"]["hasNextPage"]
    # when a negative size is asked, then not "no limit": refused
    payload = await reader.query(document, {"id": group, "first": -2})
    assert _codes(payload) == ["VALIDATION"]
    assert _nodes(payload) == []


def _id_arguments(field: GraphQLField) -> list[str]:
    return [n for n, a in field.args.items() if get_named_type(a.type).name == "ID"]


@pytest.mark.parametrize(
    ("parent", "name", "field"), ID_FIELDS, ids=[f"{t}.{n}" for t, n, _ in ID_FIELDS]
)
async def test_every_id_argument_refuses_what_cannot_be_an_id(
    parent: str,
    name: str,
    field: GraphQLField,
    pool: Pool,
    shared_sign_in: Any,
    request: pytest.FixtureRequest,
) -> None:
    # given a reader, and a field taking ids
    reader: GraphQLClient = await shared_sign_in(INSTITUTION, READER)
    names = _id_arguments(field)
    base = _required(field, pool, set(names))
    for why, bad in [*BAD_IDS.items(), ("wrong type", WRONG_TYPE)]:
        # when every id argument is one that cannot name anything of it
        args = dict(base)
        for arg_name in names:
            is_list = isinstance(_nullable(field.args[arg_name].type), GraphQLList)
            args[arg_name] = [bad] if is_list else bad
        if parent == "Subscription":
            # a subscription is served over WebSocket only: subscribed to as a browser does
            live: LiveServer = request.getfixturevalue("live")
            payload = await _first_answer(live.url, reader.token, _subscription(name, field, args))
        else:
            payload = await reader.query(_call(parent, name, field, args, pool))
        # then the client is told (VALIDATION), nothing fails inside, no data comes
        assert "INTERNAL" not in _codes(payload), (why, payload)
        assert "VALIDATION" in _codes(payload), (why, payload)


def _nullable(t: Any) -> Any:
    return t.of_type if isinstance(t, GraphQLNonNull) else t


@pytest.fixture(scope="module")
def live(shared_db: Database) -> Iterator[LiveServer]:
    """The app on loopback (subscriptions need a WebSocket), on the module's database."""
    with live_server(create_app(make_settings(shared_db))) as server:
        yield server


def _subscription(name: str, field: GraphQLField, args: dict[str, Any]) -> str:
    given = ", ".join(f"{k}: {_literal(v)}" for k, v in args.items())
    return f"subscription {{ {name}({given}) {{ {leaves(get_named_type(field.type))} }} }}"


async def _first_answer(url: str, token: str | None, document: str) -> dict[str, Any]:
    """The subscription's first answer as a GraphQL response: the errors of a ``next``
    or an ``error`` message (graphql-transport-ws sends one of them for a refused
    subscription), ``{}`` when nothing comes within a second (it was accepted)."""
    async with subscribed(url, token, document) as subscriber:
        try:
            frame = await asyncio.wait_for(subscriber.socket.recv(), 1.0)
        except TimeoutError:
            return {}
    message = json.loads(frame)
    if message["type"] == "error":
        return {"errors": message["payload"]}
    payload: dict[str, Any] = message.get("payload") or {}
    return payload


# -- mutations ------------------------------------------------------------------------------


def _mutation_sites(kind: str) -> list[tuple[str, list[tuple[str, ...]]]]:
    """(mutation, paths of its input's ``kind`` leaves), for every mutation having one."""
    s = schema()
    assert s.mutation_type is not None
    out = []
    for name, f in s.mutation_type.fields.items():
        paths = _leaf_paths(f, kind)
        if paths:
            out.append((name, paths))
    return out


def _leaf_paths(f: GraphQLField, kind: str) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []

    def walk(t: Any, path: tuple[str, ...], seen: frozenset[str]) -> None:
        named = get_named_type(t)
        if isinstance(named, GraphQLInputObjectType):
            if named.name in seen:
                return
            for field_name, inner in named.fields.items():
                walk(inner.type, (*path, field_name), seen | {named.name})
        elif named.name == kind:
            out.append(path)

    for arg_name, arg in f.args.items():
        walk(arg.type, (arg_name,), frozenset())
    return out


MUTATION_IDS = _mutation_sites("ID")
MUTATION_INTS = _mutation_sites("Int")


def _mutation(name: str) -> str:
    s = schema()
    assert s.mutation_type is not None
    f = s.mutation_type.fields[name]
    payload = get_named_type(f.type)
    has_errors = isinstance(payload, GraphQLObjectType) and "errors" in payload.fields
    selection = "__typename errors { code field }" if has_errors else "__typename"
    variables = ", ".join(f"${a}: {t.type}" for a, t in f.args.items())
    arguments = ", ".join(f"{a}: ${a}" for a in f.args)
    return f"mutation ({variables}) {{ {name}({arguments}) {{ {selection} }} }}"


def _variables(name: str, pool: Pool, override: dict[tuple[str, ...], Any]) -> dict[str, Any]:
    s = schema()
    assert s.mutation_type is not None
    f = s.mutation_type.fields[name]
    return {a: required_input(arg.type, pool, override, (a,)) for a, arg in f.args.items()}


def _refused(payload: dict[str, Any], name: str) -> list[str]:
    """Codes of the errors the answer gives, at the top or in the payload."""
    codes = _codes(payload)
    result = (payload.get("data") or {}).get(name) or {}
    codes += [e["code"] for e in result.get("errors") or []]
    return codes


@pytest.mark.parametrize(("name", "paths"), MUTATION_IDS, ids=[n for n, _ in MUTATION_IDS])
async def test_every_id_of_every_mutation_input_refuses_what_cannot_be_an_id(
    name: str, paths: list[tuple[str, ...]], pool: Pool, shared_sign_in: Any
) -> None:
    # given the institution's administrator, and a mutation whose input takes ids (on the
    # module's shared database: a refused mutation writes nothing — that is the point)
    writer: GraphQLClient = await shared_sign_in(INSTITUTION, WRITER)
    for why, bad in [*BAD_IDS.items(), ("wrong type", WRONG_TYPE)]:
        # when every id of the input is one that cannot name anything
        override = dict.fromkeys(paths, bad)
        payload = await writer.query(_mutation(name), _variables(name, pool, override))
        # then it is refused, as the client's mistake or by the ruleset — never INTERNAL
        codes = _refused(payload, name)
        assert "INTERNAL" not in codes, (why, payload)
        assert codes, (why, "accepted", payload)


@pytest.mark.parametrize(("name", "paths"), MUTATION_INTS, ids=[n for n, _ in MUTATION_INTS])
async def test_every_int_of_every_mutation_input_at_its_extremes_is_no_internal_error(
    name: str, paths: list[tuple[str, ...]], db: Database, sign_in: Any
) -> None:
    # given the institution's administrator, and a mutation whose input takes integers
    writer: GraphQLClient = await sign_in(INSTITUTION, WRITER)
    pool = Pool()
    pool.extend(await demo_ids(db, INSTITUTION))
    for value in EXTREME_INTS:
        # when every integer of the input is at an end of GraphQL's Int
        override = dict.fromkeys(paths, value)
        payload = await writer.query(_mutation(name), _variables(name, pool, override))
        # then whatever the answer, it is not a failure inside
        assert "INTERNAL" not in _refused(payload, name), (value, payload)


QUERY_INTS = fields_with_argument(
    lambda name, arg: name != "first" and get_named_type(arg.type).name == "Int"
)


@pytest.mark.parametrize(
    ("parent", "name", "field"), QUERY_INTS, ids=[f"{t}.{n}" for t, n, _ in QUERY_INTS]
)
async def test_every_int_argument_of_a_query_out_of_its_bounds_is_validation(
    parent: str, name: str, field: GraphQLField, pool: Pool, shared_sign_in: Any
) -> None:
    # given a reader, and a field taking an integer with natural bounds (a course, a year)
    reader: GraphQLClient = await shared_sign_in(INSTITUTION, READER)
    names = [
        n for n, a in field.args.items() if n != "first" and get_named_type(a.type).name == "Int"
    ]
    base = _required(field, pool, set(names))
    for value in EXTREME_INTS:
        # when the integer is negative or at the end of GraphQL's Int
        payload = await reader.query(
            _call(parent, name, field, {**base, **dict.fromkeys(names, value)}, pool)
        )
        # then the client is told it is out of bounds
        assert _codes(payload) == ["VALIDATION"], (value, payload)


SIGN_IN_WITH_NUL = """
mutation { login(input: {institution: "altai\\u0000", login: "x", password: "y"}) { token } }
"""
CREATE_DEPARTMENT = """
mutation ($input: CreateDepartmentInput!) {
  createDepartment(input: $input) { department { id } errors { code } }
}
"""
DEPARTMENTS = "{ institution { departments { name } } }"


async def test_a_text_holding_nul_is_validation_on_every_backend(
    client: GraphQLClient, sign_in: Any
) -> None:
    """PostgreSQL cannot store U+0000 in text (SQLite can): a client's text holding it is
    refused before anything runs, as a literal escape or in a variable, signed in or not —
    it once answered INTERNAL from createApplicant on PostgreSQL only."""
    # given an anonymous caller whose literal holds an escaped NUL
    payload = await client.query(SIGN_IN_WITH_NUL)
    # then it is VALIDATION, in the reader's language
    assert [e["extensions"]["code"] for e in payload["errors"]] == ["VALIDATION"]
    assert "U+0000" in payload["errors"][0]["message"]
    # given the administrator sending a NUL inside a variable
    admin = await sign_in(INSTITUTION, WRITER)
    before = await admin.data(DEPARTMENTS)
    payload = await admin.query(CREATE_DEPARTMENT, {"input": {"name": "Отделение\x00"}})
    # then it is refused the same way and nothing is written
    assert [e["extensions"]["code"] for e in payload["errors"]] == ["VALIDATION"]
    assert await admin.data(DEPARTMENTS) == before
