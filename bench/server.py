"""Servers under test: real uvicorn processes on 127.0.0.1 at a free port.

The app runs as ``campusgraph serve`` would (production settings, one worker), started
with uvicorn's command line so the access log can be off for the app and the floor alike;
the start-up scenario runs ``campusgraph serve`` itself. Only processes started here are
stopped, by their pid.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from bench.common import BENCH_TODAY, ROOT, RULESETS


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def app_environment(database_url: str) -> dict[str, str]:
    """The server's settings: production mode, the benchmark's "today", and the control
    ruleset's folder searched too (it changes nothing until an institution names it)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAMPUSGRAPH_")}
    env.update(
        {
            "CAMPUSGRAPH_DATABASE_URL": database_url,
            "CAMPUSGRAPH_MODE": "production",
            "CAMPUSGRAPH_TODAY": BENCH_TODAY.isoformat(),
            "CAMPUSGRAPH_RULESETS_PATH": str(RULESETS),
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


class Server:
    """One server process; ``start`` returns the seconds from spawn to /healthz 200."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log_dir: Path) -> None:
        self.name = name
        self.argv = argv
        self.env = env
        self.log_path = log_dir / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.port = int(argv[argv.index("--port") + 1])
        self.base_url = f"http://127.0.0.1:{self.port}"

    @classmethod
    def app(cls, name: str, database_url: str, log_dir: Path) -> Server:
        argv = [
            sys.executable, "-m", "uvicorn", "campusgraph.app:create_app", "--factory",
            "--host", "127.0.0.1", "--port", str(free_port()),
            "--no-access-log", "--log-level", "warning",
        ]  # fmt: skip
        return cls(name, argv, app_environment(database_url), log_dir)

    @classmethod
    def floor(
        cls,
        log_dir: Path,
        app: str = "bench.floor_app:app",
        name: str = "floor",
        env: dict[str, str] | None = None,
    ) -> Server:
        argv = [
            sys.executable, "-m", "uvicorn", app,
            "--host", "127.0.0.1", "--port", str(free_port()),
            "--no-access-log", "--log-level", "warning",
        ]  # fmt: skip
        return cls(name, argv, {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}, log_dir)

    @classmethod
    def serve_command(cls, name: str, database_url: str, log_dir: Path) -> Server:
        """Exactly ``campusgraph serve`` (migration check and access log included)."""
        argv = [
            sys.executable, "-m", "campusgraph", "serve",
            "--host", "127.0.0.1", "--port", str(free_port()),
        ]  # fmt: skip
        return cls(name, argv, app_environment(database_url), log_dir)

    def _spawn(self) -> subprocess.Popen[bytes]:
        with self.log_path.open("ab") as log:
            return subprocess.Popen(
                self.argv, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )

    async def start(self, within: float = 60.0) -> float:
        began = time.perf_counter()
        self.process = self._spawn()
        async with httpx.AsyncClient(base_url=self.base_url, timeout=2.0) as client:
            while True:
                if self.process.poll() is not None:
                    raise RuntimeError(
                        f"{self.name} exited with {self.process.returncode}: {self.log_tail()}"
                    )
                with contextlib.suppress(httpx.HTTPError):
                    response = await client.get("/healthz")
                    if response.status_code == 200:
                        return time.perf_counter() - began
                if time.perf_counter() - began > within:
                    self.stop()
                    raise RuntimeError(f"{self.name} not healthy in {within:.0f} s")
                await asyncio.sleep(0.005)

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def memory_mb(self) -> tuple[float, float]:
        """(VmRSS, VmHWM) of the worker, in MB, from /proc."""
        values: dict[str, float] = {}
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0]) / 1024
        return values["VmRSS"], values["VmHWM"]

    def cpu_seconds(self) -> float:
        """User + system CPU the worker has used (/proc/<pid>/stat): per-request CPU is
        far steadier than wall time on a busy machine."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])
