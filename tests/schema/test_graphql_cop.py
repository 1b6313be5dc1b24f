"""graphql-cop's checks, and the costly queries of issue 11, as tests: in production
settings each is refused before execution — no statement beyond the token's lookup."""

from __future__ import annotations

from typing import Any

import pytest

from campusgraph.settings import Settings
from tests.support.gate import refused_before_execution

ALTAI = "altai-college-2016"
BUDGET = Settings().max_query_cost
DATES = 'dateFrom: "2025-09-01", dateTo: "2027-06-30"'

ALIAS_OVERLOADING = "query { " + " ".join(f"a{i}: __typename" for i in range(101)) + " }"
DIRECTIVE_OVERLOADING = "query { viewer { login " + "@include(if: true) " * 100 + "} }"
#: A thousand directives are past the token limit: the parser stops.
DIRECTIVES_1000 = "query { viewer { login " + "@include(if: true) " * 1000 + "} }"
GRAPHQL_COP_DIRECTIVES = "query cop { __typename " + "@aa" * 10 + " }"
FIELD_DUPLICATION = "query { viewer { " + "login " * 1000 + "} }"
DEEP_NESTING = (
    "query { viewer { student { " + "group { students { " * 6 + "id" + " } }" * 6 + " } } }"
)
CIRCULAR_INTROSPECTION = (
    "query cop { __schema { types { fields { type { fields { type { fields "
    "{ type { fields { type { name } } } } } } } } } } }"
)
INTROSPECTION = "query { __schema { types { name } } }"
TYPE_INTROSPECTION = 'query { __type(name: "Query") { name } }'
SUGGESTION = "query { viewer { logn } }"


def _closed(text: str) -> str:
    """The text with its open braces closed."""
    return text + " }" * (text.count("{") - text.count("}"))


MARKS = "marks(" + DATES + ", first: 200)"


def _groups_students_marks(aliases: int) -> str:
    """Finding 3: aliases × groups → students → marks(first: 200)."""
    one = _closed(
        "institution { groups { nodes { name students { fullName " + MARKS + " { nodes { value date"
    )
    return "query { " + " ".join(f"a{i}: {one}" for i in range(aliases)) + " }"


#: Finding 3: marks → student → group → students → marks grows multiplicatively.
NESTED_MARKS = _closed(
    "query { institution { groups(first: 5) { nodes { students { "
    + MARKS
    + " { nodes { student { group { students { "
    + MARKS
    + " { nodes { value"
)
NESTED_MARKS_NAMED_FRAGMENTS = (
    "query { institution { groups(first: 5) { nodes { ...Pupils } } } }\n"
    "fragment Pupils on Group { students { ...Marks } }\n"
    "fragment Marks on Student { " + MARKS + " { nodes { student { group { ...Inner } } } } }\n"
    "fragment Inner on Group { students { " + MARKS + " { nodes { value } } } }"
)
NESTED_MARKS_INLINE_FRAGMENTS = _closed(
    "query { institution { groups(first: 5) { nodes { ... on Group { students { ... { "
    + MARKS
    + " { nodes { ... on Mark { student { group { ... on Group { students { "
    + MARKS
    + " { nodes { value"
)
#: The fragment-spread bypass of alias limits (GHSA-fr49-mhgj-crfc): few aliases in the
#: text, many once the fragment is expanded.
ALIASES_THROUGH_FRAGMENTS = "query { viewer { ...A ...B ...C ...D } }\n" + "\n".join(
    f"fragment {f} on Viewer {{ " + " ".join(f"{f}{i}: login" for i in range(10)) + " }"
    for f in "ABCD"
)


@pytest.mark.parametrize(
    ("document", "code"),
    [
        pytest.param(ALIAS_OVERLOADING, "QUERY_TOO_COMPLEX", id="alias-overloading"),
        pytest.param(ALIASES_THROUGH_FRAGMENTS, "QUERY_TOO_COMPLEX", id="aliases-in-fragments"),
        pytest.param(DIRECTIVE_OVERLOADING, "QUERY_TOO_COMPLEX", id="directive-overloading"),
        pytest.param(DIRECTIVES_1000, "GRAPHQL_PARSE_FAILED", id="directive-overloading-1000"),
        pytest.param(GRAPHQL_COP_DIRECTIVES, "QUERY_TOO_COMPLEX", id="unknown-directives"),
        pytest.param(FIELD_DUPLICATION, "QUERY_TOO_COMPLEX", id="field-duplication"),
        pytest.param(DEEP_NESTING, "QUERY_TOO_COMPLEX", id="deep-nesting"),
        pytest.param(CIRCULAR_INTROSPECTION, "GRAPHQL_VALIDATION", id="circular-introspection"),
        pytest.param(INTROSPECTION, "GRAPHQL_VALIDATION", id="introspection"),
        pytest.param(TYPE_INTROSPECTION, "GRAPHQL_VALIDATION", id="type-introspection"),
        pytest.param(_groups_students_marks(10), "QUERY_TOO_COSTLY", id="cost-10-aliases"),
        pytest.param(_groups_students_marks(30), "QUERY_TOO_COSTLY", id="cost-30-aliases"),
        pytest.param(NESTED_MARKS, "QUERY_TOO_COSTLY", id="cost-nested-marks"),
        pytest.param(NESTED_MARKS_NAMED_FRAGMENTS, "QUERY_TOO_COSTLY", id="cost-named-fragments"),
        pytest.param(NESTED_MARKS_INLINE_FRAGMENTS, "QUERY_TOO_COSTLY", id="cost-inline-fragments"),
    ],
)
async def test_a_hostile_document_is_refused_before_execution(
    make_client: Any, sql_counter: Any, document: str, code: str
) -> None:
    # given a signed-in director (who may read every mark) on a production server
    async with make_client(mode="production") as anonymous:
        director = await anonymous.as_(ALTAI, "director")

        # when he sends the document
        error = await refused_before_execution(director, sql_counter, document)

    # then it is refused, naming why, and nothing ran
    assert error["extensions"]["code"] == code, error
    if code == "QUERY_TOO_COSTLY":
        assert error["extensions"]["budget"] == BUDGET
        assert error["extensions"]["cost"] > BUDGET
        assert str(error["extensions"]["cost"]) in error["message"]
        assert str(BUDGET) in error["message"]


async def test_the_cost_refusal_speaks_the_callers_language(
    make_client: Any, sql_counter: Any
) -> None:
    async with make_client(mode="production") as anonymous:
        director = await anonymous.as_(ALTAI, "director")
        russian = await refused_before_execution(director, sql_counter, NESTED_MARKS)
        english = await refused_before_execution(
            director, sql_counter, NESTED_MARKS, headers={"Accept-Language": "en"}
        )
    assert "Запрос слишком дорогой" in russian["message"]
    assert "too costly" in english["message"]
    assert russian["extensions"]["requestId"] != english["extensions"]["requestId"]
    assert {**russian["extensions"], "requestId": None} == {
        **english["extensions"],
        "requestId": None,
    }


async def test_suggestions_are_masked_in_production_only(
    make_client: Any, sql_counter: Any
) -> None:
    # given the same mistyped field in production and in dev mode
    async with make_client(mode="production") as anonymous:
        teacher = await anonymous.as_(ALTAI, "teacher")
        production = await refused_before_execution(teacher, sql_counter, SUGGESTION)
        enum = await teacher.query(
            "query ($kind: ListKind!) { exportList(kind: $kind) { filename } }",
            {"kind": "STUDENT"},
        )
    async with make_client(mode="dev") as anonymous:
        teacher = await anonymous.as_(ALTAI, "teacher")
        dev = await teacher.query(SUGGESTION)

    # then production names the mistake without suggesting the schema's names
    assert "logn" in production["message"]
    assert "Did you mean" not in production["message"]
    assert "login" not in production["message"]
    assert all("Did you mean" not in e["message"] for e in enum["errors"]), enum
    # and dev mode still suggests (what the masking takes out)
    assert "Did you mean 'login'" in dev["errors"][0]["message"]


async def test_batches_are_refused(make_client: Any, sql_counter: Any) -> None:
    async with make_client(mode="production") as anonymous:
        with sql_counter() as sql:
            response = await anonymous.http.post(
                "/graphql", json=[{"query": "{ __typename }"}, {"query": "{ __typename }"}]
            )
    assert response.status_code == 400
    assert sql.count == 0


@pytest.mark.parametrize(
    "document",
    [
        pytest.param("query { __typename }", id="get-query"),
        pytest.param(
            'mutation { login(input: {institution: "altai-college-2016", login: "teacher", '
            'password: "demo"}) { token } }',
            id="get-mutation",
        ),
    ],
)
async def test_get_requests_run_nothing(make_client: Any, sql_counter: Any, document: str) -> None:
    # given a production server and a GET request (what a cross-site link can send)
    async with make_client(mode="production") as anonymous:
        with sql_counter() as sql:
            response = await anonymous.http.get("/graphql", params={"query": document})
            form = await anonymous.http.post(
                "/graphql",
                content=f"query={document}",
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
    # then neither a GET nor a form POST (no preflight) runs an operation
    assert response.status_code in (400, 404, 405), response.text
    assert "token" not in response.text
    assert form.status_code == 400, form.text
    assert sql.count == 0


async def test_no_ide_in_production(make_client: Any) -> None:
    async with make_client(mode="production") as anonymous:
        response = await anonymous.http.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 404
