"""Asserting that a request was refused before anything ran: the statements it sent are
exactly those of a request that runs nothing (the bearer token's lookup), and its answer
has no data."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from typing import Any

from tests.support.client import GraphQLClient
from tests.support.sqlcount import SQLCounter

#: Runs no resolver: what a request costs before execution (the session lookup, if any).
NOTHING = "query Nothing { __typename }"

Counter = Callable[..., AbstractContextManager[SQLCounter]]


async def statements_of_nothing(client: GraphQLClient, sql_counter: Counter) -> list[str]:
    with sql_counter() as sql:
        assert (await client.data(NOTHING)) == {"__typename": "Query"}
    return sql.statements


async def refused_before_execution(
    client: GraphQLClient,
    sql_counter: Counter,
    document: str,
    variables: Mapping[str, Any] | None = None,
    *,
    headers: Mapping[str, str] | None = None,
    operation_name: str | None = None,
) -> dict[str, Any]:
    """The one error of a request that sent no statement beyond the token lookup."""
    baseline = await statements_of_nothing(client, sql_counter)
    with sql_counter() as sql:
        response = await client.post(
            document, variables, headers=headers, operation_name=operation_name
        )
    payload: dict[str, Any] = response.json()
    assert payload.get("data") is None, payload
    assert len(payload.get("errors") or ()) == 1, payload
    assert sql.statements == baseline, f"statements ran:\n{sql}"
    error: dict[str, Any] = payload["errors"][0]
    return error
