"""The request gate (schema/gate.py): an anonymous caller reaches sign-in only, and is
refused before validation; a one-time-password session reaches what changing the password
needs, on every path the schema has; trusted documents; the per-request time limit."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    Undefined,
    get_named_type,
    is_leaf_type,
)
from graphql.validation import OverlappingFieldsCanBeMergedRule
from sqlalchemy import update

from campusgraph import cli
from campusgraph.db import models as m
from campusgraph.db.tenancy import unscoped
from campusgraph.ids import to_global_id
from campusgraph.schema.root import build_schema
from campusgraph.settings import Settings
from campusgraph.trusted_documents import document_hash
from tests.support.client import LOGIN
from tests.support.databases import Database
from tests.support.gate import NOTHING, refused_before_execution, statements_of_nothing

ALTAI = "altai-college-2016"
EXAMPLES = Path(__file__).parents[2] / "examples" / "queries"
SCHEMA: GraphQLSchema = build_schema(Settings(mode="dev"))._schema

#: Finding 4: a 16 KB anonymous document of ~950 overlapping fields.
OVERLAPPING = "query { " + "viewer { login } " * 950 + "}"
ROOMS = "query Rooms { institution { rooms { name } } }"


@contextlib.contextmanager
def overlap_checks() -> Iterator[list[int]]:
    """How many selection sets graphql-core's OverlappingFieldsCanBeMerged rule looked at:
    zero means full validation did not run."""
    seen = [0]
    original = OverlappingFieldsCanBeMergedRule.enter_selection_set

    def counting(self: Any, *args: Any) -> Any:
        seen[0] += 1
        return original(self, *args)

    OverlappingFieldsCanBeMergedRule.enter_selection_set = counting  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        OverlappingFieldsCanBeMergedRule.enter_selection_set = original  # type: ignore[method-assign]


# -- anonymous callers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "document",
    [
        pytest.param(OVERLAPPING, id="950-overlapping-fields"),
        pytest.param(OVERLAPPING + " ", id="one-byte-more"),
        pytest.param(ROOMS, id="a-plain-query"),
        pytest.param(
            "query { ...Everything } fragment Everything on Query { viewer { login } }",
            id="through-a-fragment",
        ),
        pytest.param("query { ... on Query { institution { name } } }", id="inline-fragment"),
        pytest.param(
            'mutation { login(input: {institution: "altai-college-2016", login: "teacher", '
            'password: "demo"}) { token } logout { ok } }',
            id="login-and-more",
        ),
        pytest.param("query { __typename viewer { login } }", id="typename-and-more"),
        pytest.param(
            'mutation { login(input: {institution: "x", login: "y", password: "z"}) { token } }'
            "\nquery Other { viewer { login } }",
            id="another-operation",
        ),
    ],
)
async def test_an_anonymous_document_reaching_beyond_sign_in_is_refused_before_validation(
    make_client: Any, sql_counter: Any, document: str
) -> None:
    # given a production server and an anonymous caller
    async with make_client(mode="production") as anonymous:
        # when the document selects anything but `login` (`NOTHING`, which the check sends
        # first, validated once before counting)
        await statements_of_nothing(anonymous, sql_counter)
        with overlap_checks() as checks:
            error = await refused_before_execution(anonymous, sql_counter, document)

    # then it is refused as unauthenticated, before graphql-core's validation ran
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    assert checks == [0]


SIGN_IN_PADDED = (
    'mutation { login(input: {institution: "altai-college-2016", login: "teacher", '
    'password: "demo"}) { token } }\n# ' + "x" * 2100
)


@pytest.mark.parametrize(
    ("document", "mode", "code"),
    [
        # unparseable: had it been parsed, the answer would be a syntax error
        pytest.param("{ " * 1100, "production", "UNAUTHENTICATED", id="long-garbage"),
        pytest.param(SIGN_IN_PADDED, "production", "UNAUTHENTICATED", id="long-sign-in"),
        # where introspection is on (GraphiQL's own query is long), the parser sees it
        pytest.param("{ " * 1100, "dev", "GRAPHQL_PARSE_FAILED", id="dev-parses"),
    ],
)
async def test_an_anonymous_document_too_long_to_sign_in_is_refused_unparsed(
    make_client: Any, document: str, mode: str, code: str
) -> None:
    # given an anonymous caller
    async with make_client(mode=mode) as anonymous:
        # when he sends a document longer than any sign-in (max_anonymous_document_bytes)
        answer = await anonymous.query(document)
    # then in production it is refused before the parser ran (a syntax error would say so)
    assert answer["data"] is None
    assert [e["extensions"]["code"] for e in answer["errors"]] == [code]


async def test_sign_in_is_validated_and_runs(make_client: Any) -> None:
    # given an anonymous caller on a production server
    async with make_client(mode="production") as anonymous:
        # when he signs in
        with overlap_checks() as checks:
            token = await anonymous.login(ALTAI, "teacher")
        # then the document was validated (the counter sees validation) and answered
        assert token
        assert checks[0] > 0


@pytest.mark.parametrize(
    ("document", "operation"),
    [
        pytest.param(OVERLAPPING, None, id="in-the-operation"),
        pytest.param(
            "query Me { viewer { login } }\nfragment Unused on Query { "
            + "viewer { login } " * 950
            + "}",
            "Me",
            id="in-an-unused-fragment",
        ),
        pytest.param(
            "query Me { viewer { login } }\n" + OVERLAPPING.replace("query", "query Other"),
            "Me",
            id="in-another-operation",
        ),
    ],
)
async def test_a_signed_in_document_is_checked_before_validation_too(
    make_client: Any, sql_counter: Any, document: str, operation: str | None
) -> None:
    # given a signed-in teacher: the same 950 overlapping fields
    async with make_client(mode="production") as anonymous:
        teacher = await anonymous.as_(ALTAI, "teacher")
        await statements_of_nothing(teacher, sql_counter)
        with overlap_checks() as checks:
            error = await refused_before_execution(
                teacher, sql_counter, document, operation_name=operation
            )
    # then they are refused by the gate's structural check, validation never started
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert checks == [0]


# -- one-time passwords --------------------------------------------------------------------

#: What changing a one-time password needs; everything else is refused.
OTP_REACHABLE = {
    "Query.viewer",  # { viewer { __typename } }
    "Query.viewer.login",
    "Query.viewer.mustChangePassword",
    "Mutation.changePassword",
    "Mutation.login",
    "Mutation.logout",
}


def _literal(type_: Any) -> str:
    """A valid literal of an input type (required fields only)."""
    if isinstance(type_, GraphQLNonNull):
        return _literal(type_.of_type)
    if isinstance(type_, GraphQLList):
        return f"[{_literal(type_.of_type)}]"
    if isinstance(type_, GraphQLEnumType):
        return next(iter(type_.values))
    if isinstance(type_, GraphQLInputObjectType):
        fields = [
            f"{name}: {_literal(f.type)}"
            for name, f in type_.fields.items()
            if isinstance(f.type, GraphQLNonNull) and f.default_value is Undefined
        ]
        return "{" + ", ".join(fields) + "}"
    assert isinstance(type_, GraphQLScalarType)
    return {
        "ID": json.dumps(to_global_id("Group", 1)),
        "Int": "1",
        "Float": "1.5",
        "Boolean": "false",
        "Date": '"2026-10-01"',
        "DateTime": '"2026-10-01T08:00:00+00:00"',
        "Time": '"08:30:00"',
        "JSON": "{}",
    }.get(type_.name, '"x"')


def _arguments(field: GraphQLField) -> str:
    required = [
        f"{name}: {_literal(arg.type)}"
        for name, arg in field.args.items()
        if isinstance(arg.type, GraphQLNonNull) and arg.default_value is Undefined
    ]
    return f"({', '.join(required)})" if required else ""


def _selection(field_type: Any) -> str:
    return "" if is_leaf_type(get_named_type(field_type)) else " { __typename }"


def _field(name: str, field: GraphQLField, inner: str | None = None) -> str:
    return f"{name}{_arguments(field)}" + (
        f" {{ {inner} }}" if inner is not None else _selection(field.type)
    )


def otp_documents() -> Iterator[tuple[str, str]]:
    """(path, document): every root field, and every viewer field to depth 2."""
    for operation, root in (("query", SCHEMA.query_type), ("mutation", SCHEMA.mutation_type)):
        assert root is not None
        for name, field in root.fields.items():
            yield f"{root.name}.{name}", f"{operation} {{ {_field(name, field)} }}"
    viewer = SCHEMA.get_type("Viewer")
    assert isinstance(viewer, GraphQLObjectType)
    for name, field in viewer.fields.items():
        named = get_named_type(field.type)
        if not isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
            yield f"Query.viewer.{name}", f"query {{ viewer {{ {_field(name, field)} }} }}"
            continue
        for sub_name, sub in named.fields.items():
            inner = _field(sub_name, sub)
            yield (
                f"Query.viewer.{name}.{sub_name}",
                f"query {{ viewer {{ {_field(name, field, inner)} }} }}",
            )


OTP_DOCUMENTS = list(otp_documents())


async def _one_time_password(db: Database, login: str) -> None:
    async with unscoped(db.factory) as session, session.begin():
        await session.execute(
            update(m.UserAccount)
            .where(m.UserAccount.login == login)
            .values(must_change_password=True)
        )


async def test_a_one_time_password_reaches_only_what_changing_it_needs(
    db: Database, make_client: Any, sql_counter: Any
) -> None:
    # given the director of every institution, each holding a one-time password
    await _one_time_password(db, "director")
    assert len(OTP_DOCUMENTS) > 150
    async with make_client(mode="production") as anonymous:
        director = await anonymous.as_(ALTAI, "director")
        reached = set()
        # when he sends every root field and every viewer field to depth 2 (logout last)
        for path, document in sorted(OTP_DOCUMENTS, key=lambda pd: pd[0] == "Mutation.logout"):
            if path in OTP_REACHABLE:
                payload = await director.query(document)
                codes = [e.get("extensions", {}).get("code") for e in payload.get("errors") or ()]
                assert "UNAUTHENTICATED" not in codes, (path, payload)
                assert payload.get("data"), (path, payload)
                reached.add(path)
                continue
            # then everything else is refused before it ran
            error = await refused_before_execution(director, sql_counter, document)
            assert error["extensions"].get("reason") == "MUST_CHANGE_PASSWORD", (path, error)
    assert reached == OTP_REACHABLE


async def test_signing_in_with_a_one_time_password_hands_over_no_data(
    db: Database, make_client: Any
) -> None:
    # given a director holding a one-time password
    await _one_time_password(db, "director")
    async with make_client(mode="production") as anonymous:
        # when he signs in asking for more than the token
        payload = await anonymous.query(
            "mutation ($input: LoginInput!) { login(input: $input) { token mustChangePassword "
            "viewer { login institution { groups { nodes { students { fullName } } } } } } }",
            {"input": {"institution": ALTAI, "login": "director", "password": "demo"}},
        )
    # then he gets the token and the flag, not the viewer
    login = payload["data"]["login"]
    assert login["token"]
    assert login["mustChangePassword"] is True
    assert login["viewer"] is None


# -- trusted documents ---------------------------------------------------------------------

VIEWER = "query Me { viewer { login } }\n"
NOT_REGISTERED = "query Me { viewer { login ruleset } }\n"


async def test_trusted_documents_run_registered_documents_only(
    make_client: Any, sql_counter: Any, tmp_path: Path
) -> None:
    # given a server trusting the test client's sign-in and one query
    (tmp_path / "login.graphql").write_text(LOGIN, encoding="utf-8")
    (tmp_path / "viewer.graphql").write_text(VIEWER, encoding="utf-8")
    (tmp_path / "nothing.graphql").write_text(NOTHING, encoding="utf-8")
    async with make_client(mode="production", trusted_documents=tmp_path) as anonymous:
        teacher = await anonymous.as_(ALTAI, "teacher")

        # when the registered text is sent, it runs
        assert (await teacher.data(VIEWER))["viewer"] == {"login": "teacher"}
        # and so does its hash alone (Apollo's persisted-query extension)
        hashed = await teacher.http.post(
            "/graphql",
            json={
                "extensions": {
                    "persistedQuery": {"version": 1, "sha256Hash": document_hash(VIEWER)}
                }
            },
            headers={"Authorization": f"Bearer {teacher.token}"},
        )
        assert hashed.json() == {"data": {"viewer": {"login": "teacher"}}}

        # then anything else is refused before it ran
        unknown = await refused_before_execution(teacher, sql_counter, NOT_REGISTERED)
        mismatch = await teacher.http.post(
            "/graphql",
            json={
                "query": NOT_REGISTERED,
                "extensions": {
                    "persistedQuery": {"version": 1, "sha256Hash": document_hash(VIEWER)}
                },
            },
            headers={"Authorization": f"Bearer {teacher.token}"},
        )
    assert unknown["extensions"]["code"] == "DOCUMENT_NOT_TRUSTED"
    assert document_hash(NOT_REGISTERED) in unknown["message"]
    assert mismatch.json()["errors"][0]["extensions"]["code"] == "DOCUMENT_HASH_MISMATCH"


async def test_the_manifest_command_registers_the_examples(
    make_client: Any, tmp_path: Path
) -> None:
    # given the manifest of the example documents, written by the command
    manifest = tmp_path / "manifest.json"
    assert cli.main(["documents", "manifest", str(EXAMPLES), "-o", str(manifest)]) == 0
    registered = json.loads(manifest.read_text(encoding="utf-8"))
    login_text = (EXAMPLES / "01-login.graphql").read_text(encoding="utf-8")
    viewer_text = (EXAMPLES / "02-viewer.graphql").read_text(encoding="utf-8")
    assert registered[document_hash(viewer_text)] == viewer_text

    # when a server trusts it
    async with make_client(mode="production", trusted_documents=manifest) as anonymous:
        login = await anonymous.query(
            login_text, {"input": {"institution": ALTAI, "login": "teacher", "password": "demo"}}
        )
        token = login["data"]["login"]["token"]
        viewer = await anonymous.query(viewer_text, token=token)
        other = await anonymous.query(ROOMS, token=token)

    # then the examples run and nothing else does
    assert viewer["data"]["viewer"]["login"] == "teacher"
    assert other["errors"][0]["extensions"]["code"] == "DOCUMENT_NOT_TRUSTED"


# -- the time limit ------------------------------------------------------------------------


async def test_a_request_over_its_time_limit_is_stopped(make_client: Any, db: Database) -> None:
    # given a token, and a server whose time limit every request exceeds
    async with make_client(mode="production") as anonymous:
        token = await anonymous.login(ALTAI, "director")
    async with make_client(mode="production", request_timeout_seconds=1e-6) as anonymous:
        # when a query reading rows runs
        payload = await anonymous.query(
            (EXAMPLES / "04-institution-overview.graphql").read_text(encoding="utf-8"),
            token=token,
        )
    # then it answers the time limit's error and no data
    assert payload.get("data") is None
    assert [e["extensions"]["code"] for e in payload["errors"]] == ["TIMEOUT"]
    assert "1e-06" in payload["errors"][0]["message"]
