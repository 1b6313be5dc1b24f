"""Live journal updates over a real WebSocket: a parent's subscription gets his child's new
mark within a second and nobody else's; revoking his sessions closes it; a bad token is
refused at connect; another institution's events never arrive. On PostgreSQL the writer
and the subscriber are two app instances (two workers) sharing the database: the event
travels by NOTIFY/LISTEN."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import and_, or_, select
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from campusgraph.app import create_app
from campusgraph.db import models as m
from campusgraph.db.tenancy import unscoped
from campusgraph.ids import to_global_id
from tests.conftest import make_settings
from tests.support import DEMO_TODAY
from tests.support.client import GraphQLClient
from tests.support.journal import free_cell, institution_id
from tests.support.live import LiveServer
from tests.support.subscriptions import PROTOCOL, Refused, handshake, subscribed, wait_until

ALTAI = "altai-college-2016"
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "live.py"
ARMAVIR = "armavir-technikum-2025"

JOURNAL_UPDATES = """
subscription ($student: ID) {
  journalUpdates(student: $student) {
    __typename
    ... on MarkChanged { action mark { id value student { id } } }
    ... on AttendanceChanged { action attendance { id status } }
  }
}
"""
SET_MARK = """
mutation ($input: SetMarkInput!) {
  setMark(input: $input) { mark { id value } errors { code message } }
}
"""
SET_ATTENDANCE = """
mutation ($input: SetAttendanceInput!) {
  setAttendance(input: $input) { attendance { id status } errors { code message } }
}
"""
ISSUE = """
mutation ($input: IssueCredentialsInput!) {
  issueCredentials(input: $input) {
    credentials { login oneTimePassword } errors { code message }
  }
}
"""
CHANGE = """
mutation ($old: String!, $new: String!) {
  changePassword(input: {oldPassword: $old, newPassword: $new}) { ok errors { code } }
}
"""
REVOKE = """
mutation ($input: RevokeSessionsInput!) { revokeSessions(input: $input) { revoked errors { code } } }
"""


@dataclass
class Worker:
    """One app instance served on loopback (a worker of `serve --workers`)."""

    server: LiveServer
    app: Any

    @property
    def url(self) -> str:
        return self.server.url

    def listening(self) -> int:
        return int(self.app.state.live.listeners)


@contextlib.contextmanager
def worker(db: Any, **overrides: Any) -> Iterator[Worker]:
    app = create_app(make_settings(db, **overrides))
    server = LiveServer(app)
    server.start()
    try:
        yield Worker(server, app)
    finally:
        server.stop()


@contextlib.asynccontextmanager
async def http(worker: Worker) -> AsyncIterator[GraphQLClient]:
    async with httpx.AsyncClient(base_url=worker.url, timeout=30) as client:
        yield GraphQLClient(client)


@pytest.fixture
def workers(db: Any, backend: str) -> Iterator[tuple[Worker, Worker]]:
    """(the writers' worker, the subscribers' worker): two instances on PostgreSQL, so
    delivery must cross processes' buses through the database; one on SQLite (its bus is
    in-process, and so is the deployment it serves)."""
    with worker(db) as first:
        if backend == "sqlite":
            yield first, first
        else:
            with worker(db) as second:
                yield first, second


async def _child_and_other_parent(db: Any) -> tuple[int, str, int, int]:
    """The demo parent's child (pk, group name) and another parent (parent pk, person pk)
    whose child studies in the same group."""
    inst = await institution_id(db, ALTAI)
    pl, gm, g, p = m.ParentLink, m.GroupMembership, m.StudyGroup, m.Parent
    current = and_(gm.starts_on <= DEMO_TODAY, or_(gm.ends_on.is_(None), gm.ends_on > DEMO_TODAY))
    async with unscoped(db.factory) as s:
        child, group_pk, group = (
            await s.execute(
                select(pl.student_id, g.id, g.name)
                .join(p, p.id == pl.parent_id)
                .join(m.UserAccount, m.UserAccount.person_id == p.person_id)
                .join(gm, and_(gm.student_id == pl.student_id, current))
                .join(g, g.id == gm.group_id)
                .where(m.UserAccount.institution_id == inst, m.UserAccount.login == "parent")
            )
        ).one()
        other_parent, other_child = (
            await s.execute(
                select(pl.parent_id, pl.student_id)
                .join(p, p.id == pl.parent_id)
                .join(gm, and_(gm.student_id == pl.student_id, current))
                .where(gm.group_id == group_pk, pl.student_id != child, pl.institution_id == inst)
                .order_by(pl.student_id)
                .limit(1)
            )
        ).one()
    return int(child), str(group), int(other_child), int(other_parent)


async def _new_parent_account(client: GraphQLClient, parent_pk: int) -> GraphQLClient:
    """Credentials for another parent, issued by the administrator, first password changed."""
    admin = await client.as_(ALTAI, "administrator")
    issued = await admin.data(ISSUE, {"input": {"people": [to_global_id("Parent", parent_pk)]}})
    [credential] = issued["issueCredentials"]["credentials"]
    other = await client.as_(ALTAI, credential["login"], credential["oneTimePassword"])
    await other.data(CHANGE, {"old": credential["oneTimePassword"], "new": "another-long-secret"})
    return await client.as_(ALTAI, credential["login"], "another-long-secret")


def _mark(cell: Any, value: str) -> dict[str, Any]:
    return {"input": {"work": cell.work, "student": cell.student, "value": value}}


async def test_the_childs_parent_gets_the_mark_another_parent_does_not(
    db: Any, workers: tuple[Worker, Worker]
) -> None:
    # given: the parent and another parent of the same group subscribed on one worker
    writer, reader = workers
    child, group, other_child, other_parent = await _child_and_other_parent(db)
    cell = await free_cell(db, ALTAI, group, "Математика", student=child)
    theirs = await free_cell(db, ALTAI, group, "Математика", student=other_child)
    async with http(writer) as client:
        teacher = await client.as_(ALTAI, "teacher")
        parent = await client.as_(ALTAI, "parent")
        another = await _new_parent_account(client, other_parent)
        async with (
            subscribed(
                reader.url, parent.token, JOURNAL_UPDATES, listening=reader.listening
            ) as mine,
            subscribed(
                reader.url, another.token, JOURNAL_UPDATES, listening=reader.listening
            ) as others,
        ):
            # when: the teacher sets a mark of the child on the other worker
            written = await teacher.data(SET_MARK, _mark(cell, "5"))
            # then: the child's parent has it within a second
            got = (await mine.next(within=1.0))["journalUpdates"]
            assert got == {
                "__typename": "MarkChanged",
                "action": "CREATED",
                "mark": {
                    "id": written["setMark"]["mark"]["id"],
                    "value": "5",
                    "student": {"id": cell.student},
                },
            }
            # and: the other parent's first event is his own child's mark, set after it —
            # events arrive in commit order, so the first mark never reached him
            await teacher.data(SET_MARK, _mark(theirs, "4"))
            first = (await others.next(within=1.0))["journalUpdates"]
            assert first["mark"]["student"] == {"id": theirs.student}
            # and: an absence reaches the child's parent too, his own child's only
            await teacher.data(
                SET_ATTENDANCE,
                {"input": {"lesson": cell.lesson, "student": cell.student, "status": "ABSENT"}},
            )
            absent = (await mine.next(within=1.0))["journalUpdates"]
            assert absent["__typename"] == "AttendanceChanged"
            assert absent["attendance"]["status"] == "ABSENT"


async def test_revoking_the_parents_sessions_closes_his_subscription(
    db: Any, workers: tuple[Worker, Worker]
) -> None:
    # given: the parent subscribed on one worker
    writer, reader = workers
    async with http(writer) as client:
        parent = await client.as_(ALTAI, "parent")
        admin = await client.as_(ALTAI, "administrator")
        async with subscribed(
            reader.url, parent.token, JOURNAL_UPDATES, listening=reader.listening
        ) as mine:
            # when: the administrator revokes his sessions on the other worker
            revoked = await admin.data(REVOKE, {"input": {"accountLogin": "parent"}})
            assert revoked["revokeSessions"]["revoked"] >= 1
            # then: the server closes his WebSocket as unauthorized
            assert await mine.close_code(within=1.0) == 4401


async def test_a_bad_token_is_refused_at_connect(db: Any, backend: str) -> None:
    with worker(db) as only:
        for token in ("not-a-token", None):
            with pytest.raises(Refused) as refused:
                async with subscribed(only.url, token, JOURNAL_UPDATES):
                    pass
            assert refused.value.code == 4403


async def test_another_institutions_events_never_arrive(
    db: Any, workers: tuple[Worker, Worker]
) -> None:
    # given: Armavir's director subscribed (he reads every mark of his institution)
    writer, reader = workers
    cell = await free_cell(db, ALTAI, "ИС-11", "Математика")
    own = await free_cell(db, ARMAVIR, "ПК-11", "Математика")
    async with http(writer) as client:
        altai = await client.as_(ALTAI, "teacher")
        armavir = await client.as_(ARMAVIR, "director")
        async with subscribed(
            reader.url, armavir.token, JOURNAL_UPDATES, listening=reader.listening
        ) as theirs:
            # when: an Altai teacher sets a mark, then a mark is set in Armavir
            await altai.data(SET_MARK, _mark(cell, "3"))
            await armavir.data(SET_MARK, _mark(own, "5"))
            # then: Armavir's first event is its own mark
            first = (await theirs.next(within=1.0))["journalUpdates"]
            assert first["mark"]["student"] == {"id": own.student}


async def test_limits_one_subscription_too_many_and_a_silent_socket(db: Any) -> None:
    # given: one subscription per connection, and half a second to say connection_init
    with worker(db, subscriptions_per_connection=1, subscription_init_timeout_seconds=0.5) as one:
        async with http(one) as client:
            parent = await client.as_(ALTAI, "parent")
            async with subscribed(
                one.url, parent.token, JOURNAL_UPDATES, listening=one.listening
            ) as mine:
                # when: a second subscription on the same connection
                body = {"query": JOURNAL_UPDATES, "variables": {}}
                await mine.socket.send(
                    json.dumps({"id": "2", "type": "subscribe", "payload": body})
                )
                # then: it is refused with an error message, the first stays open
                refused = json.loads(await asyncio.wait_for(mine.socket.recv(), 5))
                assert (refused["type"], refused["id"]) == ("error", "2")
                assert one.listening() == 1
            # and: a socket that never sends connection_init is closed with 4408
            url = one.url.replace("http://", "ws://") + "/graphql"
            async with connect(url, subprotocols=[PROTOCOL]) as silent:  # type: ignore[list-item]
                with pytest.raises(ConnectionClosed):
                    await asyncio.wait_for(silent.recv(), 10)
                assert silent.close_code == 4408


async def test_the_open_subscriptions_gauge(db: Any) -> None:
    with worker(db) as one:
        async with http(one) as client:
            parent = await client.as_(ALTAI, "parent")
            # (one registry per process: other apps of this process count too)
            before = _gauge((await client.http.get("/metrics")).text)
            async with subscribed(one.url, parent.token, JOURNAL_UPDATES, listening=one.listening):
                assert _gauge((await client.http.get("/metrics")).text) == before + 1
            await wait_until(lambda: one.listening() == 0)
            assert _gauge((await client.http.get("/metrics")).text) == before


def _gauge(exposition: str) -> float:
    [line] = [x for x in exposition.splitlines() if x.startswith("campusgraph_subscriptions_open")]
    return float(line.split()[-1])


async def test_a_standard_client_follows_the_journal(db: Any) -> None:
    """examples/live.py (gql's WebsocketsTransport) as the parent: his child's mark arrives."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("live_example", EXAMPLE)
    assert spec is not None
    assert spec.loader is not None
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    child, group, _other, _parent = await _child_and_other_parent(db)
    cell = await free_cell(db, ALTAI, group, "Математика", student=child)
    with worker(db) as one:
        url = f"{one.url}/graphql"
        token = await example.sign_in(url, ALTAI, "parent", "demo")
        stream = example.updates(url, token).__aiter__()
        first = asyncio.ensure_future(stream.__anext__())
        await wait_until(lambda: one.listening() == 1)
        async with http(one) as client:
            teacher = await client.as_(ALTAI, "teacher")
            await teacher.data(SET_MARK, _mark(cell, "4"))
        update = await asyncio.wait_for(first, 1.0)
        await stream.aclose()
    assert update["__typename"] == "MarkChanged"
    assert update["mark"]["value"] == "4"


async def test_a_session_revoked_after_connect_cannot_start_a_subscription(db: Any) -> None:
    # given: the parent's socket acknowledged
    with worker(db) as one:
        async with http(one) as client:
            parent = await client.as_(ALTAI, "parent")
            url = one.url.replace("http://", "ws://") + "/graphql"
            async with connect(url, subprotocols=[PROTOCOL]) as socket:  # type: ignore[list-item]
                await handshake(socket, {"Authorization": f"Bearer {parent.token}"})
                # when: he signs out elsewhere, then subscribes on the open socket
                await parent.data("mutation { logout { ok } }")
                body = {"query": JOURNAL_UPDATES, "variables": {}}
                await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": body}))
                # then: closed as unauthorized
                with pytest.raises(ConnectionClosed):
                    await asyncio.wait_for(socket.recv(), 5)
                assert socket.close_code == 4401
