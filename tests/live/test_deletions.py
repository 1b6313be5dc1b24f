"""Deletions of live rows over a real WebSocket: every way a mark, an absence or an
announcement is deleted reaches the subscribers who could read the row — and nobody else —
as a ``…Removed`` event with the row's id (the row is gone: the subscription decides on the
anchors its event carries, by the same read filter as a query).

The class: :data:`DELETIONS` holds one case per code path that deletes a row of a live
table, and :func:`test_every_deletion_of_a_live_row_has_a_case` finds those paths in the
package's source (an audit record of a live kind whose action is, or may be, ``delete``; a
``delete_row`` of a live kind) — a new way to delete one fails until it has a case here.

Negatives are proven by commit order (as in test_subscriptions): the row the subscriber
could not read is deleted first, so his first removal being his own row's means the other
never reached him. On PostgreSQL the writer and the subscriber are two workers."""

from __future__ import annotations

import ast
import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import campusgraph
from campusgraph.live.events import LIVE_TABLES
from tests.live import test_subscriptions as journal
from tests.live.test_announcements_and_messages import CHILD_GROUP, STRUCTURE, _publish
from tests.live.test_subscriptions import (
    ALTAI,
    SET_ATTENDANCE,
    SET_MARK,
    Worker,
    _child_and_other_parent,
    _mark,
    http,
)
from tests.support.client import GraphQLClient
from tests.support.journal import Cell, free_cell
from tests.support.subscriptions import Subscriber, subscribed

workers = journal.workers

JOURNAL_REMOVALS = """
subscription {
  journalUpdates {
    __typename
    ... on MarkRemoved { action id }
    ... on AttendanceRemoved { action id }
  }
}
"""
ANNOUNCEMENT_REMOVALS = """
subscription {
  announcementUpdates {
    __typename
    ... on AnnouncementRemoved { action id }
  }
}
"""
DELETE_MARK = """
mutation ($input: DeleteMarkInput!) {
  deleteMark(input: $input) { deletedId errors { code message } }
}
"""
DELETE_ANNOUNCEMENT = """
mutation ($input: DeleteInput!) {
  deleteAnnouncement(input: $input) { deletedId errors { code message } }
}
"""

Delete = Callable[[], Awaitable[str]]


@dataclass
class Prepared:
    """Two rows written before the subscription: the reader may read ``mine``, not
    ``theirs``; each callable deletes its row and answers the row's id."""

    reader: GraphQLClient
    mine: Delete
    theirs: Delete


async def _cells(db: Any) -> tuple[Cell, Cell]:
    """A free cell of the demo parent's child, and one of another child of his group."""
    child, group, other_child, _ = await _child_and_other_parent(db)
    mine = await free_cell(db, ALTAI, group, "Математика", student=child)
    theirs = await free_cell(db, ALTAI, group, "Математика", student=other_child)
    return mine, theirs


async def _marks(db: Any, client: GraphQLClient) -> Prepared:
    teacher = await client.as_(ALTAI, "teacher")

    async def given(cell: Cell) -> Delete:
        written = (await teacher.data(SET_MARK, _mark(cell, "5")))["setMark"]
        assert written["errors"] == [], written
        pk = str(written["mark"]["id"])

        async def delete() -> str:
            done = (await teacher.data(DELETE_MARK, {"input": {"id": pk}}))["deleteMark"]
            assert done["errors"] == [], done
            return pk

        return delete

    mine, theirs = await _cells(db)
    return Prepared(await client.as_(ALTAI, "parent"), await given(mine), await given(theirs))


async def _absences(db: Any, client: GraphQLClient) -> Prepared:
    teacher = await client.as_(ALTAI, "teacher")

    async def given(cell: Cell) -> Delete:
        where = {"lesson": cell.lesson, "student": cell.student}
        written = (await teacher.data(SET_ATTENDANCE, {"input": {**where, "status": "ABSENT"}}))[
            "setAttendance"
        ]
        assert written["errors"] == [], written
        pk = str(written["attendance"]["id"])

        async def delete() -> str:
            # marked present again (the entry's first version): the entry is deleted
            present = {**where, "status": None, "expectedVersion": 1}
            done = (await teacher.data(SET_ATTENDANCE, {"input": present}))["setAttendance"]
            assert done == {"attendance": None, "errors": []}
            return pk

        return delete

    mine, theirs = await _cells(db)
    return Prepared(await client.as_(ALTAI, "parent"), await given(mine), await given(theirs))


async def _announcements(db: Any, client: GraphQLClient) -> Prepared:
    deputy = await client.as_(ALTAI, "deputy_director")
    parent = await client.as_(ALTAI, "parent")
    own = (await parent.data(CHILD_GROUP))["viewer"]["children"][0]["group"]["id"]
    groups = (await deputy.data(STRUCTURE))["institution"]["groups"]["nodes"]
    other = next(g["id"] for g in groups if g["id"] != own)

    async def given(group: str) -> Delete:
        pk = await _publish(deputy, f"for {group}", {"group": group})

        async def delete() -> str:
            done = (await deputy.data(DELETE_ANNOUNCEMENT, {"input": {"id": pk}}))[
                "deleteAnnouncement"
            ]
            assert done["errors"] == [], done
            return pk

        return delete

    return Prepared(parent, await given(own), await given(other))


@dataclass(frozen=True)
class Deletion:
    """One way a live row is deleted: the function that deletes it (as the source scan
    names it), how its rows are written and deleted, and the subscription that hears it."""

    deleter: str
    prepare: Callable[[Any, GraphQLClient], Awaitable[Prepared]]
    subscription: str
    field: str
    removed: str


#: Every code path that deletes a row of a live table (the scan below keeps it whole).
DELETIONS: dict[str, Deletion] = {
    "deleteMark": Deletion(
        "campusgraph.resolvers.journal_writes.delete_mark",
        _marks,
        JOURNAL_REMOVALS,
        "journalUpdates",
        "MarkRemoved",
    ),
    "setAttendance to present": Deletion(
        "campusgraph.resolvers.journal_writes.set_attendance",
        _absences,
        JOURNAL_REMOVALS,
        "journalUpdates",
        "AttendanceRemoved",
    ),
    "deleteAnnouncement": Deletion(
        "campusgraph.resolvers.announcements.withdraw",
        _announcements,
        ANNOUNCEMENT_REMOVALS,
        "announcementUpdates",
        "AnnouncementRemoved",
    ),
}


async def _first_removal(subscriber: Subscriber, field: str) -> dict[str, Any]:
    """The first removal the subscriber hears (the writes before it subscribed may still
    be on their way to a second worker: their events are passed over)."""
    while True:
        got = (await subscriber.next(within=10.0))[field]
        if got["__typename"].endswith("Removed"):
            return dict(got)


@pytest.mark.parametrize("name", sorted(DELETIONS))
async def test_a_deletion_reaches_those_who_could_read_the_row_only(
    name: str, db: Any, workers: tuple[Worker, Worker]
) -> None:
    # given: two rows, the reader may read one of them; he subscribed
    deletion = DELETIONS[name]
    writer, reader = workers
    async with http(writer) as client:
        prepared = await deletion.prepare(db, client)
        async with subscribed(
            reader.url, prepared.reader.token, deletion.subscription, listening=reader.listening
        ) as subscriber:
            # when: the row he could not read is deleted, then his
            await prepared.theirs()
            mine = await prepared.mine()
            # then: his first removal is his row's — the other never reached him
            got = await _first_removal(subscriber, deletion.field)
            assert got == {"__typename": deletion.removed, "action": "DELETED", "id": mine}


# -------------------------------------------------------------------------------------
# The class: every deletion of a live row has a case above
# -------------------------------------------------------------------------------------

SOURCE = Path(campusgraph.__file__).resolve().parent


def _actions(node: ast.expr | None) -> set[str] | None:
    """The constant actions an ``action=`` argument can be (None: it may be anything)."""
    if node is None:
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        body, orelse = _actions(node.body), _actions(node.orelse)
        return None if body is None or orelse is None else body | orelse
    return None


def _deletes_live_row(module: Any, call: ast.Call) -> bool:
    keywords = {k.arg: k.value for k in call.keywords if k.arg}
    kind = keywords.get("object_type")
    if isinstance(kind, ast.Constant) and kind.value in LIVE_TABLES:
        actions = _actions(keywords.get("action"))
        return actions is None or "delete" in actions
    # A generic row deletion (structure_writes.delete_row) of a live table's Kind.
    name = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")
    if name == "delete_row" and len(call.args) >= 2 and isinstance(call.args[1], ast.Name):
        found = getattr(module, call.args[1].id, None)
        return getattr(found, "name", None) in LIVE_TABLES
    return False


def deleters() -> set[str]:
    """The package's top-level functions that delete a row of a live table."""
    out: set[str] = set()
    for path in sorted(SOURCE.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        dotted = ".".join(("campusgraph", *path.relative_to(SOURCE).with_suffix("").parts))
        module = importlib.import_module(dotted.removesuffix(".__init__"))
        for top in ast.parse(path.read_text(encoding="utf-8")).body:
            if not isinstance(top, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            calls = (node for node in ast.walk(top) if isinstance(node, ast.Call))
            if any(_deletes_live_row(module, call) for call in calls):
                out.add(f"{module.__name__}.{top.name}")
    return out


def test_every_deletion_of_a_live_row_has_a_case() -> None:
    # given: the functions of the package that delete a row of a live table
    found = deleters()
    # then: each is one of the cases above, and each case names one of them
    assert found == {deletion.deleter for deletion in DELETIONS.values()}
