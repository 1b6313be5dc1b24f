"""One id per request, in the answer and in the log: a user's "request id …" finds the
server's lines of that request; a refusal is logged as one (INFO, its code, ruleset and
reason, no traceback), a server failure at ERROR with its traceback."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text

from campusgraph.ids import to_global_id
from campusgraph.observability.logs import make_handler
from tests.support.databases import Database
from tests.support.journal import free_cell, period_id

ALTAI = "altai-college-2016"
ROOMS = "query Rooms { institution { rooms { name } } }"
JOURNAL = """
query Journal($group: ID!, $discipline: ID!, $period: ID!) {
  journal(group: $group, discipline: $discipline, period: $period) { __typename }
}
"""
NOT_A_FIELD = "query { viewer { loginn } }"


class JsonLines:
    """The service's own log handler (JSON format, request ids) on the root logger,
    writing to memory; ``lines`` are the parsed JSON objects."""

    def __init__(self) -> None:
        self.stream = io.StringIO()

    @property
    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stream.getvalue().splitlines()]


@pytest.fixture
def json_log(caplog: pytest.LogCaptureFixture) -> Iterator[JsonLines]:
    captured = JsonLines()
    handler = make_handler("json", captured.stream)
    root = logging.getLogger()
    caplog.set_level(logging.INFO)
    root.addHandler(handler)
    try:
        yield captured
    finally:
        root.removeHandler(handler)


async def test_a_masked_failure_names_the_request_its_log_line_names(
    make_client: Any, db: Database, json_log: JsonLines
) -> None:
    # given a signed-in user, and a table the query needs gone from the database
    async with make_client(mode="production") as anonymous:
        teacher = await anonymous.as_(ALTAI, "teacher")
        async with db.engine.begin() as conn:
            await conn.execute(text("ALTER TABLE room RENAME TO room_gone"))
        # when he asks for it
        response = await teacher.post(ROOMS, headers={"Accept-Language": "en"})

    # then the masked error names the request, in its extensions and its message, as
    # the answer's header does
    (error,) = response.json()["errors"]
    rid = error["extensions"]["requestId"]
    assert error["extensions"]["code"] == "INTERNAL"
    assert response.headers["x-request-id"] == rid
    assert f"quote request id {rid}" in error["message"]
    # and the server's log has the failure under that id: one JSON line at ERROR with
    # the traceback
    failures = [line for line in json_log.lines if line["level"] == "ERROR"]
    assert [line["request_id"] for line in failures] == [rid], failures
    assert "room" in failures[0]["exc_info"]
    assert failures[0]["logger"] == "campusgraph.errors"


async def test_refusals_are_logged_as_refusals_without_tracebacks(
    client: Any, db: Database, json_log: JsonLines
) -> None:
    # given a student, and a journal (students read no journal)
    student = await client.as_(ALTAI, "student")
    cell = await free_cell(db, ALTAI, "ИС-11", "Математика")
    period = to_global_id("Period", await period_id(db, ALTAI, cell.date, "semester"))
    asked = {
        "group": to_global_id("Group", cell.group_pk),
        "discipline": to_global_id("Discipline", cell.discipline_pk),
        "period": period,
    }
    # when he asks for it, and sends a mistyped field
    forbidden = await student.post(JOURNAL, asked)
    mistyped = await student.post(NOT_A_FIELD)

    # then each answer names its request, and the log has one INFO line for each
    # refusal under that id — with the code, and for the ruleset's refusal the ruleset,
    # the object, the action and the reason — and no traceback, nothing at ERROR
    [refused] = forbidden.json()["errors"]
    [invalid] = mistyped.json()["errors"]
    assert refused["extensions"]["code"] == "FORBIDDEN"
    assert invalid["extensions"]["code"] == "GRAPHQL_VALIDATION"
    by_request = {
        rid: [line for line in json_log.lines if line["request_id"] == rid]
        for rid in (refused["extensions"]["requestId"], invalid["extensions"]["requestId"])
    }
    [denial] = [line for line in by_request[refused["extensions"]["requestId"]] if "code" in line]
    assert denial["level"] == "INFO"
    assert (denial["code"], denial["ruleset"], denial["object"], denial["action"]) == (
        "FORBIDDEN",
        ALTAI,
        "journal",
        "read",
    )
    assert denial["reason"] == refused["extensions"]["reason"]
    [validation] = [
        line for line in by_request[invalid["extensions"]["requestId"]] if "code" in line
    ]
    assert validation["level"] == "INFO"
    assert validation["code"] == "GRAPHQL_VALIDATION"
    assert not [line for line in json_log.lines if line["level"] in ("ERROR", "WARNING")]
    assert not [line for line in json_log.lines if "exc_info" in line]


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("lb-7f3a.2_X", True),
        ("x" * 64, True),
        ("x" * 65, False),
        ("two words", False),
        ("forged\nline", False),
        ("", False),
    ],
)
async def test_a_callers_request_id_is_kept_only_when_sane(
    shared_client: Any, sent: str, kept: bool
) -> None:
    # when a request comes with an X-Request-Id of its own
    response = await shared_client.post(NOT_A_FIELD, headers={"X-Request-Id": sent})
    # then a sane one names the request, anything else is replaced by a fresh id
    rid = response.headers["x-request-id"]
    assert response.json()["errors"][0]["extensions"]["requestId"] == rid
    if kept:
        assert rid == sent
    else:
        assert rid != sent
        assert len(rid) == 32
        assert rid.isalnum()
