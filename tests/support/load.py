"""Load and faults against a real server: the app under uvicorn in a subprocess on
127.0.0.1, many clients on kept-alive connections, and a ledger of every write and how it
was answered, to compare with what the database holds afterwards.

The client here is deliberately plain: one request per connection at a time, read by its
Content-Length, and never sent twice — a connection the server closes under a request is
recorded as such (the write's fate is then unknown), not hidden by a retry.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from bench.client import body, request
from bench.server import Server, free_port

import campusgraph
from tests.support import DEMO_TODAY

SRC = Path(campusgraph.__file__).resolve().parents[1]


def app_server(database_url: str, log_dir: Path) -> Server:
    """The production app on the test's database, as ``campusgraph serve`` runs it, with
    keep-alive longer than any pause of a test (a connection closed under load is then
    always a fault, never uvicorn's idle timeout)."""
    argv = [
        sys.executable, "-m", "uvicorn", "campusgraph.app:create_app", "--factory",
        "--host", "127.0.0.1", "--port", str(free_port()),
        "--no-access-log", "--log-level", "warning", "--timeout-keep-alive", "60",
    ]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAMPUSGRAPH_")}
    env.update(
        {
            "CAMPUSGRAPH_DATABASE_URL": database_url,
            "CAMPUSGRAPH_MODE": "production",
            "CAMPUSGRAPH_TODAY": DEMO_TODAY.isoformat(),
            "CAMPUSGRAPH_ARGON2_TIME_COST": "1",
            "CAMPUSGRAPH_ARGON2_MEMORY_KIB": "64",
            # A retry after the kill waits this long for the dead request before taking
            # its key over (10 s by default: long enough for any live one).
            "CAMPUSGRAPH_IDEMPOTENCY_WAIT_SECONDS": "3",
            "PYTHONPATH": os.pathsep.join([str(SRC), env.get("PYTHONPATH", "")]),
            "PYTHONUNBUFFERED": "1",
        }
    )
    return Server("app", argv, env, log_dir)


def kill(server: Server) -> None:
    """SIGKILL, as the OOM killer or a power cut would: no shutdown, no cleanup."""
    process = server.process
    assert process is not None
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    server.process = None


class Cut(Exception):
    """The connection closed or failed before a whole answer arrived."""


class Refused(Exception):
    """No server listening (it is being restarted)."""


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    payload: dict[str, Any]


class Connection:
    """One kept-alive HTTP/1.1 connection to the server; reconnects only between
    requests, and only after the last one was answered or cut."""

    def __init__(self, port: int) -> None:
        self.port = port
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def post(
        self, document: str, variables: Mapping[str, Any] | None, token: str | None
    ) -> Answer:
        raw = request(self.port, body(document, variables), token)
        if self._streams is None:
            try:
                self._streams = await asyncio.open_connection("127.0.0.1", self.port)
            except OSError as error:
                raise Refused(str(error)) from None
        reader, writer = self._streams
        try:
            writer.write(raw)
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            status = int(lines[0].split()[1])
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                if name:
                    headers[name.strip().lower()] = value.strip()
            raw_body = await reader.readexactly(int(headers["content-length"]))
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as error:
            await self.close()
            raise Cut(f"{type(error).__name__}: {error}") from None
        if headers.get("connection", "").lower() == "close":
            await self.close()
        try:
            payload = orjson.loads(raw_body)
        except orjson.JSONDecodeError:
            payload = {"not json": raw_body[:300].decode("utf-8", "replace")}
        return Answer(status, headers, payload)

    async def close(self) -> None:
        streams, self._streams = self._streams, None
        if streams is not None:
            streams[1].close()
            with contextlib.suppress(OSError):
                await streams[1].wait_closed()


@dataclass
class Ledger:
    """What the clients saw: statuses, cut connections, and every write by its cell."""

    statuses: Counter[int] = field(default_factory=Counter)
    cuts: int = 0
    refused: int = 0
    gave_up: int = 0
    unexpected: list[str] = field(default_factory=list)
    #: (work pk, student pk) → the value written, for writes answered ok or told applied
    acknowledged: dict[tuple[int, int], str] = field(default_factory=dict)
    #: retries told their key's write was applied, its answer lost (among acknowledged)
    told_applied: int = 0
    #: every write sent, answered or not
    attempted: dict[tuple[int, int], str] = field(default_factory=dict)
    reads: int = 0

    def __str__(self) -> str:
        statuses = ", ".join(f"{s}×{n}" for s, n in sorted(self.statuses.items()))
        return (
            f"answers {statuses}; cut {self.cuts}, refused {self.refused}, gave up "
            f"{self.gave_up}; reads {self.reads}, writes acknowledged "
            f"{len(self.acknowledged)} of {len(self.attempted)} ({self.told_applied} told "
            "applied, the answer lost)"
        )

    def server_errors(self, *, allowed: frozenset[int] = frozenset()) -> dict[int, int]:
        return {s: n for s, n in self.statuses.items() if s >= 500 and s not in allowed}
