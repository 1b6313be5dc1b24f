"""Log lines: JSON in production, readable text in dev and demo (or as ``log_format``
says), uvicorn's loggers through the same handler, the request id on every line.
(End to end, under uvicorn with two workers: tests/test_workers.py.)"""

from __future__ import annotations

import io
import json
import logging

import pytest

from campusgraph.observability import logs
from campusgraph.observability.request_id import REQUEST_ID
from campusgraph.settings import Settings


@pytest.mark.parametrize(
    ("mode", "chosen", "written"),
    [
        ("production", "auto", "json"),
        ("dev", "auto", "text"),
        ("demo", "auto", "text"),
        ("dev", "json", "json"),
        ("production", "text", "text"),
    ],
)
def test_the_format_follows_the_mode_unless_chosen(mode: str, chosen: str, written: str) -> None:
    settings = Settings(mode=mode, log_format=chosen, log_level="WARNING")  # type: ignore[arg-type]
    config = logs.config(settings)
    assert config["handlers"]["default"]["kind"] == written
    assert config["root"] == {"handlers": ["default"], "level": "WARNING"}
    # uvicorn's loggers keep no handler of their own: their lines go through the root's
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        assert config["loggers"][name]["handlers"] == []
        assert config["loggers"][name]["propagate"] is True


def _written(kind: str, rid: str | None, **extra: str) -> str:
    stream = io.StringIO()
    handler = logs.make_handler(kind, stream)  # type: ignore[arg-type]
    record = logging.LogRecord(
        "campusgraph.test", logging.INFO, __file__, 1, "said %s", ("x",), None
    )
    record.__dict__.update(extra)
    token = REQUEST_ID.set(rid)
    try:
        handler.handle(record)
    finally:
        REQUEST_ID.reset(token)
    return stream.getvalue()


def test_a_json_line_has_the_request_id_and_the_records_fields() -> None:
    line = json.loads(
        _written("json", "abc123", code="FORBIDDEN", ruleset="рег", color_message="\x1b[1m")
    )
    assert {k: line[k] for k in ("level", "logger", "request_id", "message")} == {
        "level": "INFO",
        "logger": "campusgraph.test",
        "request_id": "abc123",
        "message": "said x",
    }
    assert (line["code"], line["ruleset"]) == ("FORBIDDEN", "рег")
    assert "time" in line
    assert "color_message" not in line  # uvicorn's coloured copy of the message
    # outside a request the id is "-"
    assert json.loads(_written("json", None))["request_id"] == "-"


def test_a_text_line_is_one_readable_line_with_the_request_id() -> None:
    line = _written("text", "abc123")
    assert line.count("\n") == 1
    assert " INFO    campusgraph.test [abc123] said x" in line
