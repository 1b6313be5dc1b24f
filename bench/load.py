"""Closed-loop load: C connections on 127.0.0.1, each sending the next request as soon as
the last answer arrived, for a bounded time and count.

Generators:
- ``raw`` (default without wrk): asyncio streams writing a pre-encoded HTTP/1.1 request and reading
  the response by Content-Length — a few µs of client CPU per request, so on a small
  machine the server, not the client, is what runs out;
- ``httpx``: the same loop with httpx (its per-request CPU cost makes it the bottleneck
  against the plain-Starlette floor on 2 cores: use it to cross-check, not to rank);
- ``wrk`` (default when installed: Debian package ``wrk``): one thread, the cheapest
  client of the three, so the floor is measured closest to what the server can do.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.client import Wire, request

GENERATORS = ("raw", "httpx", "wrk")


@dataclass
class LoadResult:
    generator: str
    connections: int
    seconds: float
    completed: int
    statuses: Counter[int] = field(default_factory=Counter)
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def throughput(self) -> float:
        return self.completed / self.seconds if self.seconds else 0.0

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)


def pick(generator: str) -> str:
    """``auto``: wrk when installed (its client costs least), else the raw asyncio loop."""
    if generator == "auto":
        return "wrk" if shutil.which("wrk") else "raw"
    if generator == "wrk" and shutil.which("wrk") is None:
        raise RuntimeError("--loadgen wrk: wrk is not installed (apt-get install wrk)")
    return generator


async def _raw_worker(
    port: int, raw_request: bytes, deadline: float, budget: list[int], result: LoadResult
) -> None:
    wire = Wire(port)
    try:
        while budget[0] > 0 and time.perf_counter() < deadline:
            budget[0] -= 1
            began = time.perf_counter()
            status, _answer = await wire.exchange(raw_request)
            result.latencies_ms.append((time.perf_counter() - began) * 1000)
            result.statuses[status] += 1
            result.completed += 1
    finally:
        await wire.close()


async def _httpx_worker(
    client: httpx.AsyncClient,
    body: bytes,
    headers: dict[str, str],
    deadline: float,
    budget: list[int],
    result: LoadResult,
) -> None:
    while budget[0] > 0 and time.perf_counter() < deadline:
        budget[0] -= 1
        began = time.perf_counter()
        response = await client.post("/graphql", content=body, headers=headers)
        result.latencies_ms.append((time.perf_counter() - began) * 1000)
        result.statuses[response.status_code] += 1
        result.completed += 1


async def closed_loop(
    generator: str,
    port: int,
    body: bytes,
    token: str | None,
    *,
    connections: int,
    seconds: float,
    max_requests: int,
    warmup_seconds: float = 1.0,
) -> LoadResult:
    """Warm up, then measure ``connections`` closed loops for ``seconds`` (or until
    ``max_requests`` were sent)."""
    if generator == "wrk":
        return await asyncio.to_thread(
            _wrk, port, body, token, connections, seconds, warmup_seconds
        )
    if warmup_seconds > 0:
        await _run(generator, port, body, token, connections, warmup_seconds, max_requests)
    return await _run(generator, port, body, token, connections, seconds, max_requests)


async def _run(
    generator: str,
    port: int,
    body: bytes,
    token: str | None,
    connections: int,
    seconds: float,
    max_requests: int,
) -> LoadResult:
    result = LoadResult(generator, connections, 0.0, 0)
    budget = [max_requests]
    began = time.perf_counter()
    deadline = began + seconds
    if generator == "raw":
        encoded = request(port, body, token)
        workers = [_raw_worker(port, encoded, deadline, budget, result) for _ in range(connections)]
        outcomes = await asyncio.gather(*workers, return_exceptions=True)
    else:
        headers = {"content-type": "application/json"}
        if token:
            headers["authorization"] = f"Bearer {token}"
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=60.0
        ) as client:
            outcomes = await asyncio.gather(
                *(
                    _httpx_worker(client, body, headers, deadline, budget, result)
                    for _ in range(connections)
                ),
                return_exceptions=True,
            )
    result.seconds = time.perf_counter() - began
    result.errors = [f"{type(e).__name__}: {e}" for e in outcomes if isinstance(e, BaseException)]
    return result


WRK_SCRIPT = """
wrk.method = "POST"
wrk.body = {body}
wrk.headers["Content-Type"] = "application/json"
{auth}
done = function(summary, latency, requests)
  local statuses = {{}}
  io.write(string.format('{{"requests": %d, "seconds": %f, "non2xx": %d, "p50": %f, "p95": %f}}\\n',
    summary.requests, summary.duration / 1e6, summary.errors.status,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000))
end
"""


def _wrk(
    port: int, body: bytes, token: str | None, connections: int, seconds: float, warmup: float
) -> LoadResult:
    auth = f'wrk.headers["Authorization"] = "Bearer {token}"' if token else ""
    script = WRK_SCRIPT.format(body=json.dumps(body.decode()), auth=auth)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "post.lua"
        path.write_text(script)
        base = [
            "wrk",
            "-t1",
            f"-c{connections}",
            "-s",
            str(path),
            f"http://127.0.0.1:{port}/graphql",
        ]
        if warmup > 0:
            warm = [*base[:3], f"-d{max(1, round(warmup))}s", *base[3:]]
            subprocess.run(warm, capture_output=True, check=True)
        out = subprocess.run(
            [*base[:3], f"-d{max(1, round(seconds))}s", *base[3:]],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    summary = json.loads(out.strip().splitlines()[-1])
    result = LoadResult("wrk", connections, summary["seconds"], summary["requests"])
    result.statuses[200] = summary["requests"] - summary["non2xx"]
    if summary["non2xx"]:
        result.statuses[599] = summary["non2xx"]  # wrk does not say which: counted as failures
    result.latencies_ms = [summary["p50"]]  # wrk reports percentiles, not samples
    return result
