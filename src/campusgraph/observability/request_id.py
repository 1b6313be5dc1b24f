"""One id per HTTP request: in the ``X-Request-Id`` answer header, in every log line
written while the request runs, and in every GraphQL error of its answer — so "request id
3f9c…" in a user's screenshot finds the server's log lines of that request.

A caller (a proxy, a load balancer, a frontend) may send its own ``X-Request-Id``; it is
kept when it is a sane token — at most 64 of ``[A-Za-z0-9._-]``, nothing a log line or a
header could be forged with — and replaced by a fresh one otherwise.
"""

from __future__ import annotations

import logging
import os
import re
from contextvars import ContextVar

from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = b"x-request-id"
#: Where the request's id lives in its ASGI scope (for code that has the scope only).
SCOPE_KEY = "campusgraph.request_id"

#: The id of the request the running task serves; None outside a request.
REQUEST_ID: ContextVar[str | None] = ContextVar("campusgraph_request_id", default=None)

_SANE = re.compile(r"[A-Za-z0-9._-]{1,64}")


def current() -> str | None:
    return REQUEST_ID.get()


def accepted(value: bytes | str | None) -> str | None:
    """The caller's id if it is a sane token, else None."""
    if value is None:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    return text if _SANE.fullmatch(text) else None


def new() -> str:
    """32 random hex digits (uuid4's randomness, at a fifth of its cost: every request
    pays it)."""
    return os.urandom(16).hex()


class RequestIdMiddleware:
    """The outermost ASGI layer: every answer (a 503 of the outage middleware, a
    preflight, a health probe) carries the id, and every log line written meanwhile."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = None
        for name, value in scope.get("headers", ()):
            if name == HEADER:
                given = accepted(value)
                break
        rid = given or new()
        scope[SCOPE_KEY] = rid
        header = (HEADER, rid.encode())

        async def send_with_id(msg: Message) -> None:
            if msg["type"] == "http.response.start":
                kept = [h for h in msg.get("headers", ()) if h[0] != HEADER]
                msg = {**msg, "headers": [*kept, header]}
            await send(msg)

        token = REQUEST_ID.set(rid)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            REQUEST_ID.reset(token)


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record that passes the handler ("-" outside a
    request), whichever logger wrote it — uvicorn's access log included, which writes
    from inside the request's task."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = REQUEST_ID.get() or "-"
        return True
