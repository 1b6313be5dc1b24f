"""The bench's hand-written HTTP/1.1 client (``bench.client.Wire``): answers read by their
Content-Length on a kept-alive connection, one new connection when the server closed an
idle one (as uvicorn does after 5 s), and no silent retry once an answer was cut."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from bench.client import Wire, request


async def _read_request(reader: asyncio.StreamReader) -> bytes:
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    return await reader.readexactly(length)


@asynccontextmanager
async def _server(
    answers_per_connection: int, cut: bool = False
) -> AsyncIterator[tuple[int, list[int]]]:
    """Echoes each POST's body back; closes a connection after ``answers_per_connection``
    answers (``cut``: in the middle of the last one). Yields its port and a list with one
    entry per connection opened."""
    opened: list[int] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        opened.append(len(opened))
        for i in range(answers_per_connection):
            body = await _read_request(reader)
            head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\n\r\n".encode()
            last = i == answers_per_connection - 1
            writer.write(head + (body[: len(body) // 2] if cut and last else body))
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1], opened
    finally:
        server.close()
        await server.wait_closed()


async def test_answers_on_one_kept_alive_connection() -> None:
    async with _server(answers_per_connection=3) as (port, opened):
        wire = Wire(port)
        try:
            answers = [await wire.exchange(request(port, f"q{i}".encode(), "t")) for i in range(3)]
        finally:
            await wire.close()
    assert answers == [(200, b"q0"), (200, b"q1"), (200, b"q2")]
    assert len(opened) == 1


async def test_a_connection_the_server_closed_is_opened_again_once() -> None:
    async with _server(answers_per_connection=1) as (port, opened):
        wire = Wire(port)
        try:
            first = await wire.exchange(request(port, b"one", None))
            await asyncio.sleep(0.05)  # the server has closed the idle connection
            second = await wire.exchange(request(port, b"two", None))
        finally:
            await wire.close()
    assert (first, second) == ((200, b"one"), (200, b"two"))
    assert len(opened) == 2


async def test_an_answer_cut_short_is_an_error_not_a_retry() -> None:
    async with _server(answers_per_connection=2, cut=True) as (port, opened):
        wire = Wire(port)
        try:
            assert await wire.exchange(request(port, b"whole", None)) == (200, b"whole")
            with pytest.raises(asyncio.IncompleteReadError):
                await wire.exchange(request(port, b"a longer body", None))
        finally:
            await wire.close()
    assert len(opened) == 1  # the write may have reached the server: not sent again
