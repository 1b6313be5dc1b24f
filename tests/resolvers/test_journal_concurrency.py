"""Concurrent journal writers, on both backends: nothing is lost, nothing is silently
overwritten, and nothing lands in a period after it was closed.

SQLite queues writers (write sessions BEGIN IMMEDIATE, busy timeout); PostgreSQL runs them
at READ COMMITTED, where the versioned UPDATE, the cells' unique keys and the closed-period
triggers' FOR SHARE locks do the work."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from campusgraph.db import models as m
from campusgraph.db.tenancy import unscoped
from campusgraph.ids import to_global_id
from campusgraph.resolvers import journal_writes
from tests.support.journal import Cell, free_cells, period_id

SET_MARK = """
mutation ($input: SetMarkInput!) {
  setMark(input: $input) { mark { id value version } errors { code message field } }
}
"""
CLOSE = """
mutation ($input: ClosePeriodInput!) {
  closePeriod(input: $input) { period { closedAt } errors { code message } }
}
"""

ALTAI = "altai-college-2016"


async def _post(client: Any, document: str, variables: dict[str, Any]) -> dict[str, Any]:
    """One request; never a 5xx and never an error outside the payload."""
    response = await client.post(document, variables)
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


def _mark(cell: Cell, value: str, version: int | None = None) -> dict[str, Any]:
    return {
        "input": {
            "work": cell.work,
            "student": cell.student,
            "value": value,
            "expectedVersion": version,
        }
    }


async def _marks(db: Any, cells: list[Cell]) -> dict[tuple[int, int], tuple[str, int]]:
    async with unscoped(db.factory) as s:
        rows = await s.execute(
            select(m.Mark.work_id, m.Mark.student_id, m.Mark.value, m.Mark.version).where(
                m.Mark.work_id.in_({c.work_pk for c in cells}),
                m.Mark.student_id.in_({c.student_pk for c in cells}),
            )
        )
    wanted = {(c.work_pk, c.student_pk) for c in cells}
    return {(w, s_): (v, n) for w, s_, v, n in rows.all() if (w, s_) in wanted}


async def test_forty_writers_on_forty_cells_lose_nothing(db: Any, sign_in: Any) -> None:
    # Given 40 signed-in teachers' sessions and 40 empty cells
    cells = await free_cells(db, ALTAI, "ИС-11", "Математика", count=40)
    clients = [await sign_in(ALTAI, "teacher") for _ in range(40)]
    values = [str(2 + i % 4) for i in range(40)]

    # When all write at once
    results = await asyncio.gather(
        *(
            _post(client, SET_MARK, _mark(cell, value))
            for client, cell, value in zip(clients, cells, values, strict=True)
        )
    )

    # Then all 40 are stored, each with its value, at version 1
    assert [r["setMark"]["errors"] for r in results] == [[]] * 40
    stored = await _marks(db, cells)
    assert stored == {(c.work_pk, c.student_pk): (v, 1) for c, v in zip(cells, values, strict=True)}


async def test_twenty_writers_on_one_cell_one_wins_nineteen_are_told(db: Any, sign_in: Any) -> None:
    # Given a mark at version 1 and 20 sessions that all saw version 1
    [cell] = await free_cells(db, ALTAI, "ИС-11", "Информатика", count=1)
    clients = [await sign_in(ALTAI, "teacher") for _ in range(20)]
    first = await _post(clients[0], SET_MARK, _mark(cell, "3"))
    assert first["setMark"]["errors"] == []

    # When all 20 change it at once, to different values
    values = ["2", "4", "5"] * 7
    results = await asyncio.gather(
        *(
            _post(client, SET_MARK, _mark(cell, value, version=1))
            for client, value in zip(clients, values, strict=False)
        )
    )

    # Then exactly one wrote; 19 were told CONFLICT; the stored value is the winner's
    outcomes = [r["setMark"] for r in results]
    winners = [i for i, o in enumerate(outcomes) if o["errors"] == []]
    assert len(winners) == 1, outcomes
    losers = [o["errors"] for i, o in enumerate(outcomes) if i not in winners]
    assert [[e["code"] for e in errors] for errors in losers] == [["CONFLICT"]] * 19
    assert all("версия 2" in errors[0]["message"] for errors in losers), losers
    stored = await _marks(db, [cell])
    assert stored == {(cell.work_pk, cell.student_pk): (values[winners[0]], 2)}


@pytest.mark.backends("postgresql")
async def test_twenty_writers_held_between_read_and_write_one_wins(
    db: Any, sign_in: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """All 20 read version 1 before any of them writes (a barrier at the seam between the
    read and the UPDATE): only the UPDATE's own ``version = :expected`` can tell them apart.
    PostgreSQL only: SQLite runs one write transaction at a time, so no two writers are
    ever between their read and their write together (the next test covers it there)."""
    # Given a mark at version 1 and 20 sessions that all saw version 1
    [cell] = await free_cells(db, ALTAI, "ИС-11", "Информатика", count=1)
    clients = [await sign_in(ALTAI, "teacher") for _ in range(20)]
    first = await _post(clients[0], SET_MARK, _mark(cell, "3"))
    assert first["setMark"]["errors"] == []
    barrier = asyncio.Barrier(20)
    held: list[int] = []

    async def hold(_session: AsyncSession, obj: str, pk: int) -> None:
        held.append(pk)
        await barrier.wait()

    monkeypatch.setattr(journal_writes, "between_read_and_write", hold)

    # When all 20 change it at once, to different values
    values = ["2", "4", "5", "2"] * 5
    results = await asyncio.gather(
        *(
            _post(c, SET_MARK, _mark(cell, v, version=1))
            for c, v in zip(clients, values, strict=True)
        )
    )

    # Then all 20 were held after reading version 1; exactly one wrote, 19 were told
    assert len(held) == 20
    outcomes = [r["setMark"] for r in results]
    winners = [i for i, o in enumerate(outcomes) if o["errors"] == []]
    assert len(winners) == 1, outcomes
    codes = [[e["code"] for e in o["errors"]] for i, o in enumerate(outcomes) if i not in winners]
    assert codes == [["CONFLICT"]] * 19
    stored = await _marks(db, [cell])
    assert stored == {(cell.work_pk, cell.student_pk): (values[winners[0]], 2)}


# -- a change between read and write, for every versioned write ------------------------

MARK_ID = (
    "mutation ($input: SetMarkInput!) { setMark(input: $input) { mark { id } errors { code } } }"
)
ATTENDANCE_ID = """
mutation ($input: SetAttendanceInput!) {
  setAttendance(input: $input) { attendance { id } errors { code } }
}
"""
FINAL_ID = """
mutation ($input: SetFinalMarkInput!) {
  setFinalMark(input: $input) { finalMark { id } errors { code } }
}
"""
LESSON_ID = """
mutation ($input: CreateLessonInput!) {
  createLesson(input: $input) { lesson { id } errors { code } }
}
"""
#: The versioned tables by name, as the seam names them.
VERSIONED = {t.__tablename__: t for t in (m.Mark, m.Attendance, m.FinalMark, m.Lesson)}


async def _made(client: Any, document: str, variables: dict[str, Any], kind: str) -> str:
    """Create a row through the endpoint; its global id."""
    data = await _post(client, document, variables)
    [payload] = data.values()
    assert payload["errors"] == [], payload
    gid: str = payload[kind]["id"]
    return gid


async def _a_mark(db: Any, sign_in: Any) -> tuple[Any, Cell, str]:
    teacher = await sign_in(ALTAI, "teacher")
    [cell] = await free_cells(db, ALTAI, "ИС-11", "Математика", count=1)
    return teacher, cell, await _made(teacher, MARK_ID, _mark(cell, "3"), "mark")


async def _absence(db: Any, sign_in: Any, slug: str, group: str) -> tuple[Any, Cell, str]:
    teacher = await sign_in(slug, "teacher")
    [cell] = await free_cells(db, slug, group, "Математика", count=1)
    absent = {"input": {"lesson": cell.lesson, "student": cell.student, "status": "ABSENT"}}
    return teacher, cell, await _made(teacher, ATTENDANCE_ID, absent, "attendance")


async def _final(db: Any, sign_in: Any) -> tuple[Any, str, dict[str, Any]]:
    teacher, cell, _ = await _a_mark(db, sign_in)
    semester = to_global_id("Period", await period_id(db, ALTAI, cell.date, "semester"))
    final = {
        "student": cell.student,
        "discipline": to_global_id("Discipline", cell.discipline_pk),
        "period": semester,
        "kind": "SEMESTER",
    }
    gid = await _made(teacher, FINAL_ID, {"input": {**final, "value": "4"}}, "finalMark")
    return teacher, gid, final


async def _lesson(db: Any, sign_in: Any) -> tuple[Any, str]:
    teacher = await sign_in(ALTAI, "teacher")
    [cell] = await free_cells(db, ALTAI, "ИС-11", "Математика", count=1)
    lesson = {
        "group": to_global_id("Group", cell.group_pk),
        "discipline": to_global_id("Discipline", cell.discipline_pk),
        "date": "2026-10-03",
        "slot": 7,
    }
    return teacher, await _made(teacher, LESSON_ID, {"input": lesson}, "lesson")


async def _set_mark(db: Any, sign_in: Any) -> tuple[Any, str, dict[str, Any], str]:
    teacher, cell, gid = await _a_mark(db, sign_in)
    return teacher, "setMark", _mark(cell, "5", version=1), gid


async def _delete_mark(db: Any, sign_in: Any) -> tuple[Any, str, dict[str, Any], str]:
    teacher, _, gid = await _a_mark(db, sign_in)
    return teacher, "deleteMark", {"input": {"id": gid, "expectedVersion": 1}}, gid


async def _late(db: Any, sign_in: Any) -> tuple[Any, str, dict[str, Any], str]:
    teacher, cell, gid = await _absence(db, sign_in, ALTAI, "ИС-11")
    late = {"lesson": cell.lesson, "student": cell.student, "status": "LATE", "expectedVersion": 1}
    return teacher, "setAttendance", {"input": late}, gid


async def _present(db: Any, sign_in: Any) -> tuple[Any, str, dict[str, Any], str]:
    teacher, cell, gid = await _absence(db, sign_in, ALTAI, "ИС-11")
    present = {"lesson": cell.lesson, "student": cell.student, "status": None, "expectedVersion": 1}
    return teacher, "setAttendance", {"input": present}, gid


async def _reason(db: Any, sign_in: Any) -> tuple[Any, str, dict[str, Any], str]:
    # Armavir: the curator keeps the absence reasons (п. 4.3)
    _, cell, gid = await _absence(db, sign_in, "armavir-technikum-2025", "ПК-11")
    curator = await sign_in("armavir-technikum-2025", "curator")
    reason = {
        "lesson": cell.lesson,
        "student": cell.student,
        "reason": "ILLNESS",
        "expectedVersion": 1,
    }
    return curator, "setAbsenceReason", {"input": reason}, gid


async def _set_final(db: Any, sign_in: Any) -> tuple[Any, str, dict[str, Any], str]:
    teacher, gid, final = await _final(db, sign_in)
    return teacher, "setFinalMark", {"input": {**final, "value": "5", "expectedVersion": 1}}, gid


async def _delete_final(db: Any, sign_in: Any) -> tuple[Any, str, dict[str, Any], str]:
    teacher, gid, _ = await _final(db, sign_in)
    return teacher, "deleteFinalMark", {"input": {"id": gid, "expectedVersion": 1}}, gid


async def _update_lesson(db: Any, sign_in: Any) -> tuple[Any, str, dict[str, Any], str]:
    teacher, gid = await _lesson(db, sign_in)
    change = {"id": gid, "expectedVersion": 1, "topic": "Пределы"}
    return teacher, "updateLesson", {"input": change}, gid


async def _delete_lesson(db: Any, sign_in: Any) -> tuple[Any, str, dict[str, Any], str]:
    teacher, gid = await _lesson(db, sign_in)
    return teacher, "deleteLesson", {"input": {"id": gid, "expectedVersion": 1}}, gid


VERSIONED_WRITES = {
    "setMark": _set_mark,
    "deleteMark": _delete_mark,
    "setAttendance late": _late,
    "setAttendance present": _present,
    "setAbsenceReason": _reason,
    "setFinalMark": _set_final,
    "deleteFinalMark": _delete_final,
    "updateLesson": _update_lesson,
    "deleteLesson": _delete_lesson,
}


@pytest.mark.parametrize("write", sorted(VERSIONED_WRITES))
async def test_a_change_between_read_and_write_is_not_overwritten(
    db: Any, sign_in: Any, monkeypatch: pytest.MonkeyPatch, write: str
) -> None:
    """Another writer's change lands after this writer read version 1 and before its
    UPDATE or DELETE (made at the seam, in the writer's own transaction: on SQLite no
    other transaction can run then). The statement's own ``version = :expected`` must
    find version 2 and refuse."""
    # Given a row at version 1, and a writer who saw version 1
    client, mutation, variables, gid = await VERSIONED_WRITES[write](db, sign_in)
    input_type = f"{mutation[0].upper()}{mutation[1:]}Input"
    document = (
        f"mutation ($input: {input_type}!) {{ {mutation}(input: $input) "
        "{ errors { code message } } }"
    )
    seen: list[tuple[str, int]] = []

    async def interloper(session: AsyncSession, table: str, pk: int) -> None:
        seen.append((table, pk))
        model = VERSIONED[table]
        await session.execute(update(model).where(model.id == pk).values(version=model.version + 1))

    monkeypatch.setattr(journal_writes, "between_read_and_write", interloper)

    # When the writer writes
    result = await _post(client, document, variables)

    # Then CONFLICT naming version 2, and the row is as it was (the interloper's change
    # went with the refused transaction it was made in)
    monkeypatch.setattr(journal_writes, "between_read_and_write", None)
    errors = result[mutation]["errors"]
    assert [e["code"] for e in errors] == ["CONFLICT"], (seen, result)
    assert "2" in errors[0]["message"], errors
    [(table, pk)] = seen
    async with unscoped(db.factory) as s:
        model = VERSIONED[table]
        stored = (await s.execute(select(model.version).where(model.id == pk))).scalar_one()
    assert stored == 1
    assert to_global_id(model.__name__, pk) == gid


async def test_twenty_writers_creating_one_cell_one_wins(db: Any, sign_in: Any) -> None:
    [cell] = await free_cells(db, ALTAI, "ТМ-11", "Математика", count=1)
    clients = [await sign_in(ALTAI, "teacher") for _ in range(20)]
    values = ["2", "3", "4", "5"] * 5

    results = await asyncio.gather(
        *(_post(c, SET_MARK, _mark(cell, v)) for c, v in zip(clients, values, strict=True))
    )

    outcomes = [r["setMark"] for r in results]
    winners = [i for i, o in enumerate(outcomes) if o["errors"] == []]
    assert len(winners) == 1, outcomes
    codes = sorted(e["code"] for o in outcomes for e in o["errors"])
    assert codes == ["CONFLICT"] * 19
    assert await _marks(db, [cell]) == {(cell.work_pk, cell.student_pk): (values[winners[0]], 1)}


async def test_closing_a_period_amid_writes_lets_no_write_in_after_it(
    db: Any, sign_in: Any
) -> None:
    # Given 36 empty cells of the semester, 12 writers and the administrator
    cells = await free_cells(db, ALTAI, "ИС-11", "Математика", count=36)
    semester = await period_id(db, ALTAI, cells[0].date, "semester")
    writers = [await sign_in(ALTAI, "teacher") for _ in range(12)]
    admin = await sign_in(ALTAI, "administrator")

    def write(i: int) -> Any:
        return _post(writers[i % len(writers)], SET_MARK, _mark(cells[i], "4"))

    # When 12 writes land, then a stream of 12 writes is under way while the period is
    # closed, then 12 come after the close
    started = time.perf_counter()
    before = await asyncio.gather(*(write(i) for i in range(12)))
    # Space the stream so that the close lands while writes are in every stage: some not
    # yet checked, some checked and writing, some committed.
    spacing = (time.perf_counter() - started) / 24
    stream: list[Any] = []
    closing: Any = None
    for i in range(12, 24):
        stream.append(asyncio.ensure_future(write(i)))
        if i == 17:
            closing = asyncio.ensure_future(
                _post(admin, CLOSE, {"input": {"period": to_global_id("Period", semester)}})
            )
        await asyncio.sleep(spacing)
    during = await asyncio.gather(*stream)
    closed = await closing
    after = await asyncio.gather(*(write(i) for i in range(24, 36)))

    # Then the close succeeded, every write either succeeded or was FORBIDDEN …
    assert closed["closePeriod"]["errors"] == []
    closed_at = dt.datetime.fromisoformat(closed["closePeriod"]["period"]["closedAt"])
    outcomes = [r["setMark"] for r in [*before, *during, *after]]
    for outcome in outcomes:
        assert [e["code"] for e in outcome["errors"]] in ([], ["FORBIDDEN"]), outcome
    assert all(o["errors"] == [] for o in outcomes[:12])
    assert all(o["errors"][0]["code"] == "FORBIDDEN" for o in outcomes[24:])

    # … and every mark stored was written before the close, by its audit event and its
    # own timestamp; exactly the successful writes are stored
    ok = {
        (cells[i].work_pk, cells[i].student_pk) for i, o in enumerate(outcomes) if not o["errors"]
    }
    async with unscoped(db.factory) as s:
        rows = (
            await s.execute(
                select(m.Mark.id, m.Mark.work_id, m.Mark.student_id, m.Mark.updated_at).where(
                    m.Mark.work_id.in_({c.work_pk for c in cells}),
                    m.Mark.student_id.in_({c.student_pk for c in cells}),
                )
            )
        ).all()
        stored = {(w, st): (pk, at) for pk, w, st, at in rows}
        stored = {
            k: v for k, v in stored.items() if k in {(c.work_pk, c.student_pk) for c in cells}
        }
        audit = dict(
            (
                await s.execute(
                    select(m.AuditEvent.object_id, m.AuditEvent.at).where(
                        m.AuditEvent.object_type == "mark",
                        m.AuditEvent.object_id.in_([pk for pk, _ in stored.values()]),
                    )
                )
            ).all()
        )
        period = (
            await s.execute(select(m.Period.closed_at).where(m.Period.id == semester))
        ).scalar_one()
    assert set(stored) == ok
    assert period == closed_at
    assert all(updated < closed_at for _, updated in stored.values())
    assert all(audit[pk] < closed_at for pk, _ in stored.values())


async def test_ten_simultaneous_retries_of_one_mutation_write_once(db: Any, sign_in: Any) -> None:
    # Given one teacher's session that sends the same setMark ten times at once (a client
    # retrying over a flaky network), with one clientMutationId
    [cell] = await free_cells(db, ALTAI, "ТМ-11", "Информатика", count=1)
    teacher = await sign_in(ALTAI, "teacher")
    variables = {"input": {**_mark(cell, "4")["input"], "clientMutationId": "retry-1"}}

    results = await asyncio.gather(*(_post(teacher, SET_MARK, variables) for _ in range(10)))

    # Then every answer is the one mark, and it was written once
    outcomes = [r["setMark"] for r in results]
    assert all(o["errors"] == [] for o in outcomes), outcomes
    assert len({(o["mark"]["id"], o["mark"]["value"], o["mark"]["version"]) for o in outcomes}) == 1
    assert await _marks(db, [cell]) == {(cell.work_pk, cell.student_pk): ("4", 1)}
    async with unscoped(db.factory) as s:
        receipts = (
            await s.execute(
                select(m.AuditEvent.id).where(m.AuditEvent.client_mutation_id == "retry-1")
            )
        ).all()
    assert len(receipts) == 1
