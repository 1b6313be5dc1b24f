"""examples/client.py against the demo served on a loopback port: a role that teaches
nothing, a refused sign-in or a server that is not there ends in one line saying so, never
a traceback (a student's ``viewer.employee`` is null: reading through it was a TypeError)."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
from pathlib import Path

from campusgraph.app import create_app
from tests.conftest import make_settings
from tests.support.databases import Database
from tests.support.live import live_server

CLIENT = Path(__file__).resolve().parents[2] / "examples" / "client.py"


async def _client(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, str(CLIENT), "--url", url, *args]
    return await asyncio.to_thread(
        subprocess.run, command, capture_output=True, text=True, timeout=60, check=False
    )


async def test_the_client_prints_a_journal_or_says_in_one_line_why_not(db: Database) -> None:
    # given: the demo served over TCP
    with live_server(create_app(make_settings(db, mode="demo"))) as server:
        url = f"{server.url}/graphql"

        # when: a teacher, a student, a wrong password
        teacher = await _client(url, "--login", "teacher")
        student = await _client(url, "--login", "student")
        wrong = await _client(url, "--login", "teacher", "--password", "wrong")

    # then: the teacher's journal; for the others one line and status 1
    assert teacher.returncode == 0, teacher.stderr
    assert " · " in teacher.stdout.splitlines()[0]
    assert "avg" in teacher.stdout
    assert student.returncode == 1
    assert student.stderr == "student teaches nothing here: sign in as a teacher\n"
    assert wrong.returncode == 1
    assert len(wrong.stderr.splitlines()) == 1
    for run in (teacher, student, wrong):
        assert "Traceback" not in run.stderr


async def test_a_server_that_is_not_there_is_one_line() -> None:
    # given: a port nothing listens on
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
        # when
        result = await _client(f"http://127.0.0.1:{port}/graphql")
    # then
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        f"http://127.0.0.1:{port}/graphql: [Errno 111] Connection refused (is the server running?)"
    ]
