"""GraphQL subscriptions over a real WebSocket (graphql-transport-ws), against the app
served by uvicorn on loopback (``tests/support/live.py``): the same bytes a browser sends."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

PROTOCOL = "graphql-transport-ws"


class Refused(AssertionError):
    """The server closed the WebSocket instead of acknowledging the connection."""

    def __init__(self, code: int | None, reason: str) -> None:
        super().__init__(f"closed {code}: {reason}")
        self.code = code
        self.reason = reason


class Subscriber:
    """One WebSocket holding one subscription (id "1")."""

    def __init__(self, socket: ClientConnection) -> None:
        self.socket = socket

    async def next(self, within: float = 1.0) -> dict[str, Any]:
        """The ``data`` of the next ``next`` message (fails on anything else)."""
        frame = await asyncio.wait_for(self.socket.recv(), within)
        assert isinstance(frame, str), "graphql-transport-ws sends text frames"
        message = json.loads(frame)
        assert message["type"] == "next", message
        payload: dict[str, Any] = message["payload"]
        assert not payload.get("errors"), payload
        return dict(payload["data"])

    async def close_code(self, within: float = 1.0) -> int | None:
        """Wait for the server to close the socket; its close code."""
        with contextlib.suppress(ConnectionClosed):
            while True:
                message = await asyncio.wait_for(self.socket.recv(), within)
                raise AssertionError(f"still open, got {message!r}")
        return self.socket.close_code


async def handshake(socket: ClientConnection, payload: Mapping[str, Any]) -> None:
    await socket.send(json.dumps({"type": "connection_init", "payload": dict(payload)}))
    try:
        ack = json.loads(await asyncio.wait_for(socket.recv(), 5))
    except ConnectionClosed as closed:
        rcvd = closed.rcvd
        raise Refused(rcvd.code if rcvd else None, rcvd.reason if rcvd else "") from None
    assert ack["type"] == "connection_ack", ack


@contextlib.asynccontextmanager
async def subscribed(
    base_url: str,
    token: str | None,
    document: str,
    variables: Mapping[str, Any] | None = None,
    *,
    listening: Callable[[], int] | None = None,
) -> AsyncIterator[Subscriber]:
    """Connect, authenticate in ``connection_init``, subscribe; with ``listening`` (the
    server's count of open subscriptions), return only once the server listens — the
    protocol has no acknowledgement of a subscription, and an event committed before it
    listens is, rightly, not delivered."""
    url = base_url.replace("http://", "ws://") + "/graphql"
    async with connect(url, subprotocols=[PROTOCOL]) as socket:  # type: ignore[list-item]
        await handshake(socket, {"Authorization": f"Bearer {token}"} if token else {})
        before = listening() if listening is not None else 0
        body = {"query": document, "variables": dict(variables or {})}
        await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": body}))
        if listening is not None:
            await wait_until(lambda: listening() > before)
        yield Subscriber(socket)


async def wait_until(condition: Callable[[], bool], within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        await asyncio.sleep(0.01)
