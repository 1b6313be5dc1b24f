"""schemathesis against the live app: generated GraphQL for every root field, signed in
and anonymous. No answer is a 5xx, every answer fits the schema, and every error is the
client's (a code, never INTERNAL).

schemathesis generates the documents; the answers are judged here, not by its own GraphQL
check, which counts every error with a ``path`` as the server's unless its code is one of
Apollo's — FORBIDDEN and VALIDATION are the client's here. The data of each answer is
re-read through the schema itself, which checks it as graphql-core checks a result.

The app is served by uvicorn in a thread of its own (its own event loop, as in
production) over the test's private database: generated mutations may write.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import schemathesis
import uvicorn
from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLResolveInfo,
    NameNode,
    SelectionSetNode,
    Visitor,
    build_schema,
    execute_sync,
    parse,
    print_ast,
    visit,
)
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from campusgraph.schema.root import sdl
from tests.conftest import make_settings
from tests.support.databases import Database

#: An ``Upload`` is a file of a multipart request (``addPortfolioFile``); a document can
#: only hold a literal in its place, which the server must refuse as the client's mistake.
schemathesis.graphql.scalar(
    "Upload", st.sampled_from(["x", ""]).map(schemathesis.graphql.nodes.String)
)
SCHEMA = schemathesis.graphql.from_file(sdl())
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]
#: Ending the session the signed-in run works in would leave it anonymous (the anonymous
#: run covers these).
SESSION_ENDING = {"Mutation.logout", "Mutation.changePassword"}
LOGIN = "mutation ($i: LoginInput!) { login(input: $i) { token errors { code } } }"
ACCOUNT = {"institution": "altai-college-2016", "login": "deputy_director", "password": "demo"}


@contextlib.contextmanager
def live(database: Database) -> Iterator[str]:
    """The app on a free port, in a thread with its own event loop; its base URL."""
    from campusgraph.app import create_app

    config = uvicorn.Config(
        create_app(make_settings(database)), host="127.0.0.1", port=0, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="schemathesis-app", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive(), "the app did not start"
        assert time.monotonic() < deadline, "the app did not start in a minute"
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


#: The SDL as graphql-core builds it, to judge answers by (no resolvers of ours).
JUDGE = build_schema(sdl())


class _WithTypename(Visitor):
    """``__typename`` in every selection set, so an answer can be re-read by type."""

    def leave_selection_set(self, node: SelectionSetNode, *_: Any) -> SelectionSetNode:
        typename = FieldNode(name=NameNode(value="__typename"), arguments=(), directives=())
        return SelectionSetNode(selections=(*node.selections, typename))


def _read(source: Any, info: GraphQLResolveInfo, **_: Any) -> Any:
    return source.get(info.path.key) if isinstance(source, dict) else None


def _type_of(value: Any, *_: Any) -> str | None:
    return value.get("__typename") if isinstance(value, dict) else None


def violations(document: DocumentNode, answer: dict[str, Any]) -> list[str]:
    """How an answer departs from the schema: its data re-read through the schema itself
    (every non-null, list, enum, scalar and abstract type checked), and errors that are
    not the client's (no code, or INTERNAL)."""
    found = [
        f"error without a client code: {e}"
        for e in answer.get("errors") or []
        if (e.get("extensions") or {}).get("code") in (None, "INTERNAL")
    ]
    if answer.get("data") is not None:
        result = execute_sync(
            JUDGE,
            document,
            root_value=answer["data"],
            field_resolver=_read,
            type_resolver=_type_of,
        )
        found += [
            f"data does not fit the schema: {e.message} at {e.path}" for e in result.errors or []
        ]
    return found


def _run(base_url: str, headers: dict[str, str], operations: list[Any], examples: int) -> int:
    """Every operation, ``examples`` generated requests each; the number sent."""
    sent = 0
    session = requests.Session()
    strategy = st.sampled_from(operations).flatmap(lambda op: op.as_strategy())

    @settings(
        max_examples=examples * len(operations),
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def check(case: Any) -> None:
        nonlocal sent
        document = visit(parse(case.body), _WithTypename())
        response = session.post(
            f"{base_url}/graphql", json={"query": print_ast(document)}, headers=headers, timeout=60
        )
        sent += 1
        assert response.status_code < 500, (case.body, response.status_code, response.text)
        answer = response.json()
        assert isinstance(answer, dict), answer
        assert "data" in answer or answer.get("errors"), answer
        assert not violations(document, answer), (case.body, violations(document, answer))

    check()
    return sent


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_generated_requests_signed_in_and_anonymous_fit_the_schema(db: Database) -> None:
    with live(db) as base_url:
        # given a signed-in demo account
        answer = requests.post(
            f"{base_url}/graphql", json={"query": LOGIN, "variables": {"i": ACCOUNT}}, timeout=30
        ).json()
        token = answer["data"]["login"]["token"]
        # when schemathesis sends generated queries and mutations of every root field,
        # signed in, then anonymous
        bearer = {"Authorization": f"Bearer {token}"}
        queries = [op for op in OPERATIONS if op.label.startswith("Query.")]
        mutations = [op for op in OPERATIONS if op.label.startswith("Mutation.")]
        sent = _run(base_url, bearer, queries, examples=10)
        sent += _run(
            base_url, bearer, [op for op in mutations if op.label not in SESSION_ENDING], 2
        )
        sent += _run(base_url, {}, OPERATIONS, examples=1)
    # then (checked per answer above) no 5xx, every answer valid, no INTERNAL; and it ran
    assert sent >= len(OPERATIONS)
