"""Bounded load and faults against a real server (uvicorn in a subprocess on 127.0.0.1):
50 clients on kept-alive connections, each a teacher reading the journal and giving marks,
first undisturbed, then with the server SIGKILLed in the middle of the writes and started
again, then (PostgreSQL) with the database restarted under them.

What must hold: no 5xx but 503 while the database is away; a 503 is a whole JSON answer
on a connection that stays open; and the marks in the database are exactly the marks that
were acknowledged — every write answered ok is stored with its value, and nothing is
stored that was not sent. Clients retry what was not acknowledged (503, or a connection
cut by the kill) with the same ``clientMutationId``, as a real client should, so a write
that was committed but whose answer was lost is not written twice: the retry gets the
first answer, or runs the write if the first never committed, or is told the write was
applied (its answer lost) — then the client counts it acknowledged, as it was.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from campusgraph.db import models as m
from campusgraph.db.tenancy import unscoped
from campusgraph.i18n import message
from campusgraph.ids import to_global_id
from tests.support import DEMO_TODAY
from tests.support.databases import Database, DatabaseManager
from tests.support.journal import Cell, free_cells, period_id
from tests.support.load import Answer, Connection, Cut, Ledger, Refused, app_server, kill

pytestmark = pytest.mark.slow

ALTAI = "altai-college-2016"
CLIENTS = 50
WRITES_PER_CLIENT = 2
READS_PER_CLIENT = 2
#: Attempts of one operation across a fault, 0.1–0.2 s apart: far longer than a restart.
ATTEMPTS = 300

LOGIN = """
mutation ($input: LoginInput!) { login(input: $input) { token errors { code } } }
"""
JOURNAL = """
query ($group: ID!, $discipline: ID!, $period: ID!) {
  journal(group: $group, discipline: $discipline, period: $period) {
    rows { studentId marks }
  }
}
"""
SET_MARK = """
mutation ($input: SetMarkInput!) {
  setMark(input: $input) { mark { value } errors { code message } }
}
"""
_runs = itertools.count()


class Load:
    """The clients, their plan, and the ledger of what they were answered."""

    def __init__(self, database: Database, cells: list[Cell], journal: dict[str, str]) -> None:
        self.database = database
        self.cells = cells
        self.journal = journal
        self.ledger = Ledger()
        self.server_up = asyncio.Event()
        self.server_up.set()
        #: Set once a third of the plan's marks are acknowledged: when the faults strike.
        self.a_third_acknowledged = asyncio.Event()
        #: Each client's second half waits for this: a fault clears it, and sets it at
        #: the moment it strikes, so reads and writes are in flight through the fault
        #: however fast the machine (not finished before it).
        self.second_half = asyncio.Event()
        self.second_half.set()
        self.run = next(_runs)

    @classmethod
    async def prepare(cls, database: Database) -> Load:
        cells = await free_cells(
            database, ALTAI, "ИС-11", "Математика", count=CLIENTS * WRITES_PER_CLIENT
        )
        period = await period_id(database, ALTAI, DEMO_TODAY, "semester")
        journal = {
            "group": to_global_id("Group", cells[0].group_pk),
            "discipline": to_global_id("Discipline", cells[0].discipline_pk),
            "period": to_global_id("Period", period),
        }
        return cls(database, cells, journal)

    async def sign_in(self, port: int) -> list[str]:
        async def one() -> str:
            connection = Connection(port)
            try:
                variables = {
                    "input": {"institution": ALTAI, "login": "teacher", "password": "demo"}
                }
                answer = await connection.post(LOGIN, variables, None)
            finally:
                await connection.close()
            token = answer.payload["data"]["login"]["token"]
            assert token, answer.payload
            return str(token)

        # One after another: fifty sign-ins of one login at once are what the sign-in
        # throttle is there to refuse (a login's attempts are counted before the check).
        return [await one() for _ in range(CLIENTS)]

    async def drive(self, port: int, tokens: list[str]) -> None:
        await asyncio.gather(*(self._client(n, port, token) for n, token in enumerate(tokens)))

    async def _client(self, n: int, port: int, token: str) -> None:
        connection = Connection(port)
        mine = self.cells[n * WRITES_PER_CLIENT : (n + 1) * WRITES_PER_CLIENT]
        try:
            for i in range(max(WRITES_PER_CLIENT, READS_PER_CLIENT)):
                if i == max(WRITES_PER_CLIENT, READS_PER_CLIENT) // 2:
                    await self.second_half.wait()
                if i < READS_PER_CLIENT:
                    await self._until_answered(connection, token, None, None)
                if i < len(mine):
                    value = "2345"[(n + i) % 4]
                    await self._until_answered(connection, token, mine[i], value, n, i)
        finally:
            await connection.close()

    async def _until_answered(
        self,
        connection: Connection,
        token: str,
        cell: Cell | None,
        value: str | None,
        client: int = 0,
        op: int = 0,
    ) -> None:
        ledger = self.ledger
        if cell is None:
            document, variables = JOURNAL, self.journal
        else:
            assert value is not None
            key = (cell.work_pk, cell.student_pk)
            ledger.attempted[key] = value
            variables = {
                "input": {
                    "work": cell.work,
                    "student": cell.student,
                    "value": value,
                    "clientMutationId": f"load-{self.run}-{client}-{op}",
                }
            }
            document = SET_MARK
        for _ in range(ATTEMPTS):
            await self.server_up.wait()
            try:
                answer = await connection.post(document, variables, token)
            except Refused:
                ledger.refused += 1
                await asyncio.sleep(0.1)
                continue
            except Cut:
                ledger.cuts += 1
                await asyncio.sleep(0.1)
                continue
            ledger.statuses[answer.status] += 1
            if answer.status == 503:
                self._check_unavailable(answer)
                await asyncio.sleep(0.2)
                continue
            self._check_answered(answer, cell, value, variables)
            return
        ledger.gave_up += 1

    def _check_unavailable(self, answer: Answer) -> None:
        codes = {e.get("extensions", {}).get("code") for e in answer.payload.get("errors", [])}
        if codes != {"UNAVAILABLE"} or not answer.headers.get("retry-after", "").isdigit():
            self.ledger.unexpected.append(f"503 without UNAVAILABLE/Retry-After: {answer}")

    def _check_answered(
        self, answer: Answer, cell: Cell | None, value: str | None, variables: dict[str, Any]
    ) -> None:
        ledger = self.ledger
        data = answer.payload.get("data") or {}
        if answer.status != 200 or answer.payload.get("errors"):
            ledger.unexpected.append(f"HTTP {answer.status}: {str(answer.payload)[:300]}")
        elif cell is None:
            if not data["journal"]["rows"]:
                ledger.unexpected.append("a journal without rows")
            ledger.reads += 1
        else:
            result = data["setMark"]
            key = variables["input"]["clientMutationId"]
            applied = [
                {"code": "CONFLICT", "message": message("idempotency_applied", "ru", id=key)}
            ]
            if result["errors"] == applied and result["mark"] is None:
                ledger.told_applied += 1  # committed before the kill, the answer lost
            elif result["errors"] or result["mark"]["value"] != value:
                ledger.unexpected.append(f"setMark: {result}")
                return
            assert value is not None
            ledger.acknowledged[(cell.work_pk, cell.student_pk)] = value
            if len(ledger.acknowledged) >= len(self.cells) // 3:
                self.a_third_acknowledged.set()

    async def stored(self) -> dict[tuple[int, int], str]:
        """The marks the database holds in the cells of the plan (all free before)."""
        works = {c.work_pk for c in self.cells}
        students = {c.student_pk for c in self.cells}
        planned = {(c.work_pk, c.student_pk) for c in self.cells}
        async with unscoped(self.database.factory) as session:
            rows = await session.execute(
                select(m.Mark.work_id, m.Mark.student_id, m.Mark.value).where(
                    m.Mark.work_id.in_(works), m.Mark.student_id.in_(students)
                )
            )
        return {(w, s): v for w, s, v in rows if (w, s) in planned}


async def _run(
    database: Database,
    log_dir: Path,
    fault: Callable[[Load, Any], Awaitable[None]] | None = None,
) -> Load:
    load = await Load.prepare(database)
    if fault is not None:
        load.second_half.clear()
    server = app_server(database.url, log_dir)
    await server.start()
    try:
        tokens = await load.sign_in(server.port)
        work = asyncio.create_task(load.drive(server.port, tokens))
        if fault is not None:
            await fault(load, server)
        await asyncio.wait_for(work, timeout=120)
    finally:
        server.stop()
    return load


def assert_acknowledged_equals_stored(load: Load, stored: dict[tuple[int, int], str]) -> None:
    ledger = load.ledger
    print(f"\n{ledger}")  # the figures of the run, shown with -s or -rP
    assert not ledger.unexpected, ledger.unexpected[:5]
    assert ledger.gave_up == 0, str(ledger)
    # every write answered ok is in the database with its value …
    missing = {k: v for k, v in ledger.acknowledged.items() if stored.get(k) != v}
    assert not missing, f"acknowledged but not stored: {missing}"
    # … and nothing is there that was not sent
    foreign = {k: v for k, v in stored.items() if ledger.attempted.get(k) != v}
    assert not foreign, f"stored but never sent: {foreign}"
    # and every write of the plan ended acknowledged: stored == acknowledged, all of them
    assert stored == ledger.acknowledged
    assert len(stored) == CLIENTS * WRITES_PER_CLIENT
    assert ledger.reads == CLIENTS * READS_PER_CLIENT


async def test_fifty_clients_read_and_write_and_every_acknowledged_mark_is_stored(
    db: Database, tmp_path: Path
) -> None:
    # when 50 teachers' clients read journals and give marks at once
    load = await _run(db, tmp_path)

    # then every answer is a 200, no connection was cut, and the marks are exactly those
    ledger = load.ledger
    assert set(ledger.statuses) == {200}, str(ledger)
    assert ledger.cuts == ledger.refused == 0, str(ledger)
    assert_acknowledged_equals_stored(load, await load.stored())


async def test_a_server_killed_during_writes_loses_no_acknowledged_mark(
    db: Database, tmp_path: Path
) -> None:
    async def kill_during_writes(load: Load, server: Any) -> None:
        # a third of the marks acknowledged, the rest in flight or to come
        await load.a_third_acknowledged.wait()
        load.second_half.set()
        await asyncio.sleep(0.005)  # the second half's requests sent
        load.server_up.clear()
        kill(server)
        await asyncio.sleep(0.2)
        await server.start()
        load.server_up.set()

    # when the server is SIGKILLed under load and started again
    load = await _run(db, tmp_path, kill_during_writes)

    # then requests were cut, but no answer was a server error, and the database holds
    # exactly the acknowledged marks (those lost in flight were retried and acknowledged)
    ledger = load.ledger
    assert ledger.cuts > 0, f"the kill should have cut requests in flight: {ledger}"
    assert not ledger.server_errors(), str(ledger)
    assert_acknowledged_equals_stored(load, await load.stored())


@pytest.mark.backends("postgresql")
async def test_a_postgresql_restart_under_load_answers_503_and_loses_nothing(
    restartable_db: Database, restartable_pg: DatabaseManager, tmp_path: Path
) -> None:
    pg = restartable_pg.postgres
    assert pg is not None

    async def restart_postgres(load: Load, _server: Any) -> None:
        await load.a_third_acknowledged.wait()
        await asyncio.to_thread(pg.halt, "fast")
        try:
            load.second_half.set()  # every client's next read and write meet the outage
            await asyncio.sleep(1.0)
        finally:
            await asyncio.to_thread(pg.resume)

    # when PostgreSQL is restarted under load (the server is not)
    load = await _run(restartable_db, tmp_path, restart_postgres)

    # then the clients saw 503s while it was away, no other server error, and no
    # kept-alive connection was dropped under a request
    ledger = load.ledger
    assert ledger.statuses[503] > 0, str(ledger)
    assert not ledger.server_errors(allowed=frozenset({503})), str(ledger)
    assert ledger.cuts == ledger.refused == 0, str(ledger)
    # and the database holds exactly the acknowledged marks
    assert_acknowledged_equals_stored(load, await load.stored())
