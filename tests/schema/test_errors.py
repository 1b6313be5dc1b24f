"""What a client sees when a request goes wrong, in production settings: its own mistakes
named (syntax, validation, variables that do not fit), the server's failures masked."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from sqlalchemy import text

from tests.support.databases import Database

ROOMS = "query Rooms { institution { rooms { name } } }"
WRONG_VARIABLE = """
mutation Login($input: LoginInput!) { login(input: $input) { token errors { code } } }
"""
NOT_A_FIELD = "query { viewer { loginn } }"
SYNTAX = "query { viewer { login "


async def test_a_variable_of_the_wrong_shape_is_named_not_masked(make_client: Any) -> None:
    # given production settings
    async with make_client(mode="production") as anonymous:
        # when the variables do not fit the input type
        payload = await anonymous.query(
            WRONG_VARIABLE, {"input": {"realm": "altai-college-2016", "login": "teacher"}}
        )
    # then each mistake is named, as the client's, and nothing is executed
    assert payload.get("data") is None
    codes = {error["extensions"]["code"] for error in payload["errors"]}
    assert codes == {"BAD_USER_INPUT"}
    text_ = " ".join(error["message"] for error in payload["errors"])
    assert "realm" in text_
    assert "institution" in text_


@pytest.mark.parametrize(
    ("document", "code", "says"),
    [
        (NOT_A_FIELD, "GRAPHQL_VALIDATION", "loginn"),
        (SYNTAX, "GRAPHQL_PARSE_FAILED", "Syntax Error"),
    ],
)
async def test_syntax_and_validation_errors_describe_the_query(
    make_client: Any, document: str, code: str, says: str
) -> None:
    # given a signed-in user (an anonymous one is refused before validation: test_gate.py)
    async with make_client(mode="production") as anonymous:
        teacher = await anonymous.as_("altai-college-2016", "teacher")
        payload = await teacher.query(document)
    assert payload["errors"][0]["extensions"]["code"] == code
    assert says in payload["errors"][0]["message"]


async def test_a_server_failure_is_masked_and_logged(
    make_client: Any, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    # given a signed-in user, and a table the query needs gone from the database
    async with make_client(mode="production") as anonymous:
        teacher = await anonymous.as_("altai-college-2016", "teacher")
        assert (await teacher.data(ROOMS))["institution"]["rooms"]
        async with db.engine.begin() as conn:
            await conn.execute(text("ALTER TABLE room RENAME TO room_gone"))
        # when he asks for it
        with caplog.at_level(logging.ERROR, logger="campusgraph"):
            payload = await teacher.query(ROOMS)
    # then he gets INTERNAL with a message in his language and no detail of the failure,
    # and the failure is in the server's log
    (error,) = payload["errors"]
    assert error["extensions"] == {
        "code": "INTERNAL",
        "requestId": error["extensions"]["requestId"],
    }
    assert "room" not in error["message"].lower()
    assert "Внутренняя ошибка" in error["message"]
    assert any("room" in str(record.exc_info[1]) for record in caplog.records if record.exc_info)
