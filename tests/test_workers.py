"""``campusgraph serve --workers N``: on PostgreSQL, N processes answer on one port, log
JSON lines naming each request, add their metrics up for a scrape and each reload their
rulesets on the parent's SIGHUP; on SQLite (one writer) it is refused in one line."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from campusgraph.cli import main
from tests.support import DEMO_TODAY
from tests.support.databases import Database

LOGIN = """
mutation Login($input: LoginInput!) { login(input: $input) { token errors { code } } }
"""
VIEWER = "query Viewer { viewer { login } }"
TOKEN = "scrape-token"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait(condition: Any, seconds: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"{what} within {seconds} s; the server's log:\n{log.read_text()}")


def _ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/readyz", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def _lines(log: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]


@pytest.mark.backends("postgresql")
def test_two_workers_serve_log_count_and_reload(db: Database, tmp_path: Path) -> None:
    # given `serve --workers 2` in production on the test's PostgreSQL database
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "server.log"
    (tmp_path / "metrics").mkdir()
    env = {
        **os.environ,
        "CAMPUSGRAPH_DATABASE_URL": db.url,
        "CAMPUSGRAPH_MODE": "production",
        "CAMPUSGRAPH_METRICS_TOKEN": TOKEN,
        "CAMPUSGRAPH_ARGON2_TIME_COST": "1",
        "CAMPUSGRAPH_ARGON2_MEMORY_KIB": "64",
        "CAMPUSGRAPH_TODAY": DEMO_TODAY.isoformat(),
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
    }
    command = [sys.executable, "-m", "campusgraph", "serve", "--workers", "2", "--port", str(port)]
    with log.open("w") as out:
        server = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait(lambda: _ready(url), 90, "ready", log)

        # when a teacher signs in and reads his login, each request naming its id
        with httpx.Client(base_url=url, timeout=30) as http:
            variables = {
                "input": {
                    "institution": "altai-college-2016",
                    "login": "teacher",
                    "password": "demo",
                }
            }
            signed = http.post(
                "/graphql",
                json={"query": LOGIN, "variables": variables},
                headers={"X-Request-Id": "workers-login"},
            ).json()
            token = signed["data"]["login"]["token"]
            viewer = http.post(
                "/graphql",
                json={"query": VIEWER},
                headers={
                    "Authorization": f"Bearer {token}",
                    "X-Request-Id": "workers-viewer",
                    # a loopback peer claiming to forward for someone else: no trusted proxy
                    "X-Forwarded-For": "203.0.113.7",
                },
            ).json()
            scraped = http.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})

        # then both answered, and the scrape adds up both workers' counts
        assert viewer == {"data": {"viewer": {"login": "teacher"}}}
        assert scraped.status_code == 200
        samples = {
            (s.name, s.labels.get("operation_type"), s.labels.get("outcome")): s.value
            for family in text_string_to_metric_families(scraped.text)
            for s in family.samples
            if s.name == "campusgraph_requests_total"
        }
        assert samples == {
            ("campusgraph_requests_total", "mutation", "ok"): 1,
            ("campusgraph_requests_total", "query", "ok"): 1,
        }
        # and the log is JSON lines, the access lines naming their request
        _wait(
            lambda: (
                {"workers-login", "workers-viewer"}
                <= {
                    line["request_id"] for line in _lines(log) if line["logger"] == "uvicorn.access"
                }
            ),
            10,
            "access lines",
            log,
        )

        # and the forwarded address was not believed (only CAMPUSGRAPH_TRUSTED_PROXIES names
        # proxies): the access line names the real peer
        (viewed,) = [
            x
            for x in _lines(log)
            if x.get("request_id") == "workers-viewer" and x["logger"] == "uvicorn.access"
        ]
        assert "203.0.113.7" not in viewed["message"]
        assert viewed["message"].startswith("127.0.0.1:")

        # when the operator sends the parent SIGHUP, then each worker reloads its rulesets
        server.send_signal(signal.SIGHUP)
        _wait(
            lambda: (
                len([x for x in _lines(log) if x["message"].endswith("rulesets reloaded")]) == 2
            ),
            30,
            "both workers reloaded",
            log,
        )
        assert _ready(url)
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    assert server.returncode == 0, log.read_text()


@pytest.mark.parametrize(
    ("language", "says"), [("ru", "требует PostgreSQL"), ("en", "needs PostgreSQL")]
)
def test_workers_on_sqlite_are_refused_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], language: str, says: str
) -> None:
    # given an SQLite database
    monkeypatch.setenv("CAMPUSGRAPH_DATABASE_URL", "sqlite+aiosqlite:///./never-created.db")
    monkeypatch.setenv("CAMPUSGRAPH_LANGUAGE", language)
    # when two workers are asked for
    status = main(["serve", "--workers", "2"])
    # then one line says why and what to do, and nothing was created
    err = capsys.readouterr().err
    assert status == 2
    assert len(err.strip().splitlines()) == 1
    assert says in err
    assert "postgresql+asyncpg" in err
    assert not Path("never-created.db").exists()
