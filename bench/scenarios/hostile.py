"""Scenario 8: hostile neighbours — ``/healthz`` and a teacher's journal while others attack.

On a server of its own (production settings, one worker, the same database), the victim
— the teacher's journal and ``/healthz`` in turn on their connections, real sign-ins and
mark writes on others — is measured for a fixed time in quiet, then for the same time while
hostile requests stream from other connections, twice, alternately (quiet, hostile,
quiet, hostile), so both see the same machine. The ratio of the p95s is the figure;
the target is ≤ 1.5×.

The victim also writes marks (``setMark`` on one cell, one after another): on SQLite a
sign-in used to hold the writer lock across its password check.

The hostile traffic (issue 11, findings 3–5), from a separate process so that its
client-side work does not delay the victim's measurements in this one:

- ``costly``: a signed-in director's 10 aliases × groups → students → marks(first: 200);
- ``deep``: a group's students → marks → student → group → students → marks (10 marks
  a level: the issue's 200 would not end);
- ``anonymous``: 16 KB anonymous documents of ~950 overlapping fields, each one byte
  different from the last (no validation cache helps);
- ``sign-in``: failing sign-ins, each for another made-up login from another claimed
  address (the server trusts ``X-Forwarded-For`` from loopback here): guessing spread
  over logins and addresses, which no per-login or per-address throttle slows, so every
  one costs a full password check — the worst case for the check's bounded line.

``BENCH_HOSTILE_STREAMS=sign-in`` (comma-separated names) runs only some of the streams.

Bounded: a fixed time per phase, a request cap per stream, loopback only; the hostile
process stops by itself (and is stopped by its pid if it does not).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import orjson

from bench.client import GraphQLFailed, Wire, body, request
from bench.common import BENCH_TODAY, INSTITUTION, PASSWORD, ROOT, TEACHER, Result, median, p95
from bench.context import Context
from bench.scenarios.journal import JOURNAL
from bench.scenarios.writes import (
    Cell,
    MutationShape,
    Outcome,
    _versions,
    _write,
    document,
    read_shape,
)
from bench.server import Server

DIRECTOR = "director"
SEMESTER = ("2026-09-01", BENCH_TODAY.isoformat())
MARKS = f'dateFrom: "{SEMESTER[0]}", dateTo: "{SEMESTER[1]}"'

#: Finding 3: ten aliases of the institution's groups → students → 200 marks each.
COSTLY = (
    "query Costly {\n"
    + "\n".join(
        f"  a{i}: viewer {{ institution {{ groups(first: 50) {{ nodes {{ name students {{ "
        f"fullName marks({MARKS}, first: 200) {{ nodes {{ value date }} }} }} }} }} }} }}"
        for i in range(10)
    )
    + "\n}"
)
#: Finding 3: nesting that multiplies (a group's students' marks' students' group's …):
#: 30 students × 10 marks × 30 students × 10 marks, 90,000 marks — with ``first: 200`` it
#: would be 36 million and the run would not end.
DEEP = (
    "query Deep($group: ID!) { node(id: $group) { ... on Group { students { "
    f"marks({MARKS}, first: 10) {{ nodes {{ student {{ group {{ students {{ "
    f"marks({MARKS}, first: 10) {{ nodes {{ value }} }} }} }} }} }} }} }} }} }} }}"
)
#: Finding 4: ~950 overlapping fields in 16 KB, anonymous (under the token limit).
OVERLAPPING_FIELDS = 960


def anonymous_document(n: int, fields: int = OVERLAPPING_FIELDS) -> str:
    """The overlapping-fields document, made unique by its operation name. (A valid
    query in shape; at full size graphql-core's overlap check recurses past Python's
    limit after seconds of work and gives up.)"""
    return f"query A{n} {{ " + "viewer { login } " * fields + "}"


SIGN_IN = """
mutation Guess($input: LoginInput!) { login(input: $input) { token errors { code } } }
"""

#: Connections per hostile stream.
ALL_STREAMS = {"costly": 1, "deep": 1, "anonymous": 1, "sign-in": 8}


def streams() -> dict[str, int]:
    """The streams to run: all, or those named in ``BENCH_HOSTILE_STREAMS`` (e.g.
    ``sign-in`` to see one part of the attack alone)."""
    named = [s.strip() for s in os.environ.get("BENCH_HOSTILE_STREAMS", "").split(",")]
    chosen = {name: ALL_STREAMS[name] for name in named if name in ALL_STREAMS}
    return chosen or dict(ALL_STREAMS)


STREAMS = streams()
#: Requests per hostile connection at most, whatever the time.
MAX_PER_CONNECTION = 100_000
#: A victim's request that takes longer is counted as taking this long.
VICTIM_LIMIT_SECONDS = 30.0
#: The pause between two real sign-ins of the victim.
SIGN_IN_PAUSE_SECONDS = 0.5


def raw_request(port: int, payload: bytes, token: str | None, extra: dict[str, str]) -> bytes:
    """A POST to /graphql with extra headers (``request`` sends only the usual ones)."""
    head = request(port, payload, token).split(b"\r\n\r\n", 1)[0].decode()
    lines = [head, *(f"{name}: {value}" for name, value in extra.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload


def healthz_request(port: int) -> bytes:
    return f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()


# -- the hostile process --------------------------------------------------------------------


def _outcome(kind: str, status: int, answer: bytes) -> str:
    """What the server made of a hostile request: a refusal's code, or "answered"."""
    if status != 200:
        return f"HTTP {status}"
    try:
        payload = orjson.loads(answer)
    except orjson.JSONDecodeError:
        return "not JSON"
    if kind == "sign-in":
        login = (payload.get("data") or {}).get("login") or {}
        if login.get("token"):
            return "signed in"
        errors = login.get("errors") or payload.get("errors") or [{}]
        return str(errors[0].get("code") or (errors[0].get("extensions") or {}).get("code"))
    if payload.get("errors"):
        extensions = payload["errors"][0].get("extensions") or {}
        return str(extensions.get("code") or "error")
    return "answered"


def _makers(port: int, director: str, group: str) -> dict[str, Callable[[int], bytes]]:
    costly = request(port, body(COSTLY), director)
    deep = request(port, body(DEEP, {"group": group}), director)

    def guess(n: int) -> bytes:
        address = f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"
        variables = {
            "input": {"institution": INSTITUTION, "login": f"guess-{n}", "password": f"x{n}"}
        }
        return raw_request(port, body(SIGN_IN, variables), None, {"X-Forwarded-For": address})

    return {
        "costly": lambda _n: costly,
        "deep": lambda _n: deep,
        "anonymous": lambda n: request(port, body(anonymous_document(n)), None),
        "sign-in": guess,
    }


#: How long one hostile request may take before the stream gives up on it.
REQUEST_LIMIT_SECONDS = 120.0


async def hostile(
    port: int, seconds: float, director: str, group: str, stop: asyncio.Event
) -> dict[str, Any]:
    """Stream the hostile requests until ``stop`` (or ``seconds`` at most), then wait for
    the answers still out, so the server is idle again when this returns; the tally."""
    makers = _makers(port, director, group)
    deadline = time.perf_counter() + seconds
    tally: dict[str, dict[str, Any]] = {
        kind: {"sent": 0, "outcomes": Counter(), "max_ms": 0.0, "bytes": 0} for kind in STREAMS
    }
    counter = iter(range(10**9))

    async def stream(kind: str) -> None:
        wire = Wire(port)
        mine = tally[kind]
        try:
            for _ in range(MAX_PER_CONNECTION):
                if stop.is_set() or time.perf_counter() >= deadline:
                    return
                raw = makers[kind](next(counter))
                began = time.perf_counter()
                try:
                    exchange = wire.exchange(raw)
                    status, answer = await asyncio.wait_for(exchange, REQUEST_LIMIT_SECONDS)
                except (TimeoutError, OSError, asyncio.IncompleteReadError, GraphQLFailed) as e:
                    mine["outcomes"][type(e).__name__] += 1
                    await wire.close()
                    continue
                mine["sent"] += 1
                mine["max_ms"] = max(mine["max_ms"], (time.perf_counter() - began) * 1000)
                mine["bytes"] += len(answer)
                mine["outcomes"][_outcome(kind, status, answer)] += 1
        finally:
            await wire.close()

    await asyncio.gather(*(stream(k) for k, n in STREAMS.items() for _ in range(n)))
    return {k: {**v, "outcomes": dict(v["outcomes"])} for k, v in tally.items()}


def main(argv: list[str] | None = None) -> int:
    """``python -m bench.scenarios.hostile --port P --seconds S --group ID`` (director's
    token in ``BENCH_DIRECTOR_TOKEN``): says ``ready``, streams until its stdin closes
    (or S seconds), prints the tally as JSON."""
    parser = argparse.ArgumentParser(prog="python -m bench.scenarios.hostile")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--group", required=True)
    args = parser.parse_args(argv)
    director = os.environ["BENCH_DIRECTOR_TOKEN"]

    async def run() -> dict[str, Any]:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()

        reader = asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)

        async def watch() -> None:
            await reader.read()  # until the bench closes our stdin
            stop.set()

        watcher = asyncio.create_task(watch())
        sys.stdout.buffer.write(b"ready\n")
        sys.stdout.flush()
        try:
            return await hostile(args.port, args.seconds, director, args.group, stop)
        finally:
            watcher.cancel()

    tally = asyncio.run(run())
    sys.stdout.buffer.write(orjson.dumps(tally) + b"\n")
    return 0


# -- the victim and the scenario ------------------------------------------------------------


class Victim:
    """The journal and /healthz in turn, and a real sign-in now and then, each on a
    connection of its own."""

    def __init__(
        self, port: int, journal: bytes, token: str, write: WriteVictim | None = None
    ) -> None:
        self.port = port
        self.token = token
        self.write = write
        self.outcome = Outcome()
        self.journal = request(port, journal, token)
        self.health = healthz_request(port)
        variables = {"input": {"institution": INSTITUTION, "login": TEACHER, "password": PASSWORD}}
        self.sign_in = request(port, body(SIGN_IN, variables), None)
        self.wires = {
            "journal": Wire(port),
            "healthz": Wire(port),
            "sign-in": Wire(port),
            "setMark": Wire(port),
        }

    async def close(self) -> None:
        for wire in self.wires.values():
            await wire.close()

    async def settle(self, fast_ms: float, within: float = 300.0) -> float:
        """Wait until /healthz answers within ``fast_ms`` again (what the attack left
        running on the server has finished); the seconds it took."""
        began = time.perf_counter()
        while time.perf_counter() - began < within:
            t0 = time.perf_counter()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wires["healthz"].exchange(self.health), within)
            if (time.perf_counter() - t0) * 1000 <= fast_ms:
                return time.perf_counter() - began
            await asyncio.sleep(0.2)
        raise GraphQLFailed(f"the server was still busy {within:.0f} s after the attack")

    async def _timed(self, kind: str, raw: bytes) -> tuple[float, bytes | None]:
        """Milliseconds of one request; a starved one counts at the limit (the p95 shows
        it) and gets a new connection."""
        began = time.perf_counter()
        try:
            status, answer = await asyncio.wait_for(
                self.wires[kind].exchange(raw), VICTIM_LIMIT_SECONDS
            )
        except TimeoutError:
            await self.wires[kind].close()
            return VICTIM_LIMIT_SECONDS * 1000, None
        if status != 200:
            raise GraphQLFailed(f"victim {kind}: HTTP {status}: {answer[:300]!r}")
        return (time.perf_counter() - began) * 1000, answer

    async def run(self, seconds: float) -> dict[str, list[float]]:
        """Milliseconds per request, by kind, for ``seconds``: the journal and /healthz in
        turn on their connections, real sign-ins one after another on a third (a sign-in
        waits in the password checks' line; the journal must not wait for it)."""
        out: dict[str, list[float]] = {"journal": [], "healthz": [], "sign-in": []}
        counts = {"refused": 0, "timeouts": 0}
        deadline = time.perf_counter() + seconds

        async def screens() -> None:
            while time.perf_counter() < deadline:
                for kind, raw in (("journal", self.journal), ("healthz", self.health)):
                    ms, answer = await self._timed(kind, raw)
                    counts["timeouts"] += answer is None
                    out[kind].append(ms)

        async def sign_ins() -> None:
            while time.perf_counter() < deadline:
                ms, answer = await self._timed("sign-in", self.sign_in)
                counts["timeouts"] += answer is None
                if answer is not None and _outcome("sign-in", 200, answer) != "signed in":
                    counts["refused"] += 1
                else:
                    out["sign-in"].append(ms)
                await asyncio.sleep(SIGN_IN_PAUSE_SECONDS)

        async def writes() -> None:
            if self.write is None:
                return
            doc, shape, cell = self.write
            while time.perf_counter() < deadline:
                done = len(self.outcome.latencies_ms)
                write = _write(self.wires["setMark"], doc, shape, cell, self.token, self.outcome)
                try:
                    await asyncio.wait_for(write, VICTIM_LIMIT_SECONDS)
                except TimeoutError:
                    await self.wires["setMark"].close()
                    counts["timeouts"] += 1
                    out["setMark"].append(VICTIM_LIMIT_SECONDS * 1000)
                    continue
                out["setMark"].extend(self.outcome.latencies_ms[done:])

        out["setMark"] = []
        await asyncio.gather(screens(), sign_ins(), writes())
        out["sign-in refused"] = [float(counts["refused"])]
        out["timeouts"] = [float(counts["timeouts"])]
        return out


#: How the victim writes a mark: the document, the mutation's shape, the cell.
WriteVictim = tuple[str, MutationShape, Cell]


async def write_victim(ctx: Context) -> WriteVictim | None:
    """A cell of the benchmark journal the victim flips between 4 and 5 (none of the
    writes scenario's cells)."""
    shape = read_shape()
    if isinstance(shape, str):
        return None
    work, lesson, _date = ctx.fixture.works[-1]
    cell = Cell(work, lesson, ctx.fixture.students[-1], None)
    await _versions(ctx.main.url, [cell])
    return document(shape), shape, cell


class Hostile:
    """The hostile process: started, told to stop (its stdin closed), its tally read."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    @classmethod
    async def start(cls, port: int, seconds: float, director: str, group: str) -> Hostile:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.scenarios.hostile",
            "--port",
            str(port),
            "--seconds",
            str(seconds),
            "--group",
            group,
            cwd=ROOT,
            env={**os.environ, "BENCH_DIRECTOR_TOKEN": director},
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        hostile = cls(process)
        assert process.stdout is not None
        try:
            ready = await asyncio.wait_for(process.stdout.readline(), 120)
        except TimeoutError:
            ready = b""
        if ready.strip() != b"ready":
            await hostile.kill()
            raise GraphQLFailed(f"the hostile process did not start: {ready!r}")
        return hostile

    async def kill(self) -> None:
        if self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()  # ours, by its handle
            await self.process.wait()

    async def finish(self) -> dict[str, Any]:
        """Stop sending, wait for the answers still out, return the tally."""
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.close()
        try:
            out = await asyncio.wait_for(self.process.stdout.read(), REQUEST_LIMIT_SECONDS + 60)
            await asyncio.wait_for(self.process.wait(), 30)
        except TimeoutError:
            await self.kill()
            raise GraphQLFailed("the hostile process did not stop by itself") from None
        if self.process.returncode != 0:
            raise GraphQLFailed(f"the hostile process exited with {self.process.returncode}")
        tally: dict[str, Any] = orjson.loads(out)
        return tally


def _merge(into: dict[str, Any], tally: dict[str, Any]) -> None:
    for kind, t in tally.items():
        mine = into.setdefault(kind, {"sent": 0, "outcomes": Counter(), "max_ms": 0.0})
        mine["sent"] += t["sent"]
        mine["max_ms"] = max(mine["max_ms"], t["max_ms"])
        mine["outcomes"].update(t["outcomes"])


def _describe(tally: dict[str, Any], seconds: float) -> str:
    parts = []
    for kind, t in tally.items():
        outcomes = ", ".join(f"{k} {v}" for k, v in Counter(t["outcomes"]).most_common(3))
        parts.append(
            f"{kind} {t['sent'] / seconds:.1f}/s ({outcomes}; slowest {t['max_ms'] / 1000:.1f} s)"
        )
    return "; ".join(parts)


async def clear_throttle(url: str) -> None:
    """Forget the guesses' counts (the hostile phase made thousands of keys)."""
    from sqlalchemy import inspect, text

    from campusgraph.db.engine import create_engine

    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            tables = await conn.run_sync(lambda sync: inspect(sync).get_table_names())
            if "sign_in_throttle" in tables:
                await conn.execute(text("DELETE FROM sign_in_throttle"))
    finally:
        await engine.dispose()


async def scenario_hostile(ctx: Context) -> list[Result]:
    seconds = 5.0 if ctx.plan.quick else 20.0
    ramp = 1.0
    server = Server.app("hostile", ctx.main.url, ctx.workdir)
    # Guessing from many addresses: loopback is a trusted proxy, each guess claims its own.
    server.env["CAMPUSGRAPH_TRUSTED_PROXIES"] = "127.0.0.1"
    # The password checks' sizing may be tried from the bench's environment.
    for name in ("CAMPUSGRAPH_ARGON2_CONCURRENCY", "CAMPUSGRAPH_ARGON2_QUEUE"):
        if name in os.environ:
            server.env[name] = os.environ[name]
    await server.start()
    teacher = await ctx.token(TEACHER)
    director = await ctx.token(DIRECTOR)
    journal = body(JOURNAL, ctx.fixture.journal_variables)
    group = ctx.fixture.gid("group")
    victim = Victim(server.port, journal, teacher, await write_victim(ctx))
    quiet: dict[str, list[float]] = {}
    loud: dict[str, list[float]] = {}
    tally: dict[str, Any] = {}
    hostile_seconds = settled = 0.0
    try:
        await victim.run(1.0)  # warm-up
        for _ in range(2):
            for kind, values in (await victim.run(seconds)).items():
                quiet.setdefault(kind, []).extend(values)
            attack = await Hostile.start(server.port, seconds + ramp + 60, director, group)
            began = time.perf_counter()
            try:
                await asyncio.sleep(ramp)
                measured = await victim.run(seconds)
            except BaseException:
                await attack.kill()
                raise
            _merge(tally, await attack.finish())
            hostile_seconds += time.perf_counter() - began
            fast = max(20.0, 3 * median(quiet["healthz"]))
            settled += await victim.settle(fast)
            for kind, values in measured.items():
                loud.setdefault(kind, []).extend(values)
            ctx.say(f"hostile: {_describe(tally, hostile_seconds)}")
    finally:
        await victim.close()
        server.stop()
        await clear_throttle(ctx.main.url)

    hostile_note = _describe(tally, hostile_seconds)
    rows: list[Result] = []
    for key, kind, title, target in (
        ("8a", "healthz", "/healthz p95, hostile vs quiet", 1.5),
        ("8b", "journal", "teacher's journal p95, hostile vs quiet", 1.5),
        ("8c", "sign-in", "a real sign-in p95, hostile vs quiet", None),
        ("8d", "setMark", "a teacher's setMark p95, hostile vs quiet", None),
    ):
        calm, busy = quiet.get(kind, []), loud.get(kind, [])
        if not calm or not busy:
            rows.append(
                Result(key, title, unit="ms", passed=False if target else None, note="no samples")
            )
            continue
        ratio = p95(busy) / p95(calm)
        note = f"quiet p95 {p95(calm):.1f} ms (median {median(calm):.1f}), {len(calm)} + {len(busy)} samples"
        if kind == "sign-in":
            note += (
                f"; refused: quiet {sum(quiet['sign-in refused']):.0f}, "
                f"hostile {sum(loud['sign-in refused']):.0f}"
            )
        if kind == "setMark":
            rate = {
                name: len(values) / (2 * seconds)
                for name, values in (("quiet", calm), ("hostile", busy))
            }
            note += f"; writes/s quiet {rate['quiet']:.0f}, hostile {rate['hostile']:.0f}"
            failed = {k: v for k, v in victim.outcome.codes.items() if k != "ok"}
            if failed:
                note += f"; not ok: {failed}"
        if key == "8a":
            starved = sum(loud.get("timeouts", []))
            note += f"; victim requests over {VICTIM_LIMIT_SECONDS:.0f} s: {starved:.0f}"
            note += f"; hostile traffic: {hostile_note}"
            note += f"; server busy {settled:.0f} s after the attacks stopped"
        row = Result(
            key,
            title,
            unit="ms",
            median=median(busy),
            p95=p95(busy),
            floor=p95(calm),
            ratio=ratio,
            target=f"≤ {target}× quiet" if target else "",
            samples=len(busy),
            note=note,
        )
        row.passed = None if target is None else ratio <= target
        row.extra = {"quiet_ms": calm, "hostile_ms": busy} if kind in ("healthz", "journal") else {}
        rows.append(row)
    if set(STREAMS) != set(ALL_STREAMS):
        for row in rows:
            row.scenario += f" ({', '.join(STREAMS)} only)"
    rows[0].extra["hostile"] = {k: {**v, "outcomes": dict(v["outcomes"])} for k, v in tally.items()}
    return rows


if __name__ == "__main__":
    raise SystemExit(main())
