"""Log configuration, applied by the CLI at startup (never at import): one handler on the
root logger — JSON lines in production (python-json-logger), a readable line in dev and
demo — through which uvicorn's own loggers (``uvicorn.error``, ``uvicorn.access``) pass too,
each record carrying the request id it was written under.

The same dictionary is given to ``uvicorn.run(log_config=…)``: uvicorn applies it in every
worker process it starts, so ``--workers N`` logs alike.
"""

from __future__ import annotations

import logging
import sys
from typing import IO, Any, Literal

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

from campusgraph.observability.request_id import RequestIdFilter
from campusgraph.settings import Settings

TEXT_FORMAT = "%(asctime)s %(levelname)-7s %(name)s [%(request_id)s] %(message)s"
#: The fields of a JSON line, in this order; a record's ``extra`` fields follow them.
JSON_FIELDS = ("asctime", "levelname", "name", "request_id", "message")
JSON_RENAMED = {"asctime": "time", "levelname": "level", "name": "logger"}
#: Record attributes never written as fields: the logging module's own, and the copy of
#: its message with terminal colours that uvicorn attaches.
JSON_LEFT_OUT = [*RESERVED_ATTRS, "color_message"]


def log_format(settings: Settings) -> Literal["json", "text"]:
    if settings.log_format != "auto":
        return settings.log_format
    return "json" if settings.mode == "production" else "text"


def formatter(kind: Literal["json", "text"]) -> logging.Formatter:
    if kind == "json":
        return JsonFormatter(
            list(JSON_FIELDS),
            rename_fields=JSON_RENAMED,
            reserved_attrs=JSON_LEFT_OUT,
            json_ensure_ascii=False,
        )
    return logging.Formatter(TEXT_FORMAT)


def make_handler(
    kind: Literal["json", "text"] = "text", stream: IO[str] | None = None
) -> logging.Handler:
    """The handler every record goes through: the chosen format and the request id."""
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(formatter(kind))
    handler.addFilter(RequestIdFilter())
    return handler


def config(settings: Settings) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` dictionary (also uvicorn's ``log_config``)."""
    level = settings.log_level
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "handlers": {
            "default": {
                "()": "campusgraph.observability.logs.make_handler",
                "kind": log_format(settings),
            }
        },
        "root": {"handlers": ["default"], "level": level},
        "loggers": {
            # uvicorn's loggers write through the root handler, not their own.
            **{
                name: {"handlers": [], "level": level, "propagate": True}
                for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
            },
            # pycasbin prints its model at INFO whenever a ruleset is compiled.
            "casbin": {"level": "WARNING"},
        },
    }


def configure(settings: Settings) -> dict[str, Any]:
    """Apply :func:`config` to this process; returns it for uvicorn."""
    import logging.config

    result = config(settings)
    logging.config.dictConfig(result)
    return result
