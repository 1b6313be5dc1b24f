"""``clientMutationId`` is an idempotency key bound to (user, mutation) and the input,
through the endpoint on both backends: a key reused with other input is refused and
writes nothing; a retry answers the first result even after the row changed; users and
mutations have keys of their own; simultaneous requests with one key write once; a key
whose first request died is settled by whether its write committed (run again, or told
applied), and a first request that would commit after a retry took its key over is
fenced off; and the whole class — every mutation that takes a ``clientMutationId`` — refuses a key bound
to other input."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    Undefined,
    build_schema,
    get_named_type,
)
from sqlalchemy import func, insert, select, update

from campusgraph.db import models as m
from campusgraph.db.base import utcnow
from campusgraph.db.tenancy import unscoped
from campusgraph.i18n import message
from campusgraph.resolvers import journal_writes
from campusgraph.schema import idempotency
from campusgraph.schema.root import sdl
from tests.support.journal import Cell, free_cells, institution_id

ALTAI = "altai-college-2016"
ARMAVIR = "armavir-technikum-2025"
ERRORS = "errors { code message field reason }"

SET_MARK = f"""
mutation ($input: SetMarkInput!) {{
  setMark(input: $input) {{ mark {{ id value version }} clientMutationId {ERRORS} }}
}}
"""
SET_MARK_OTHER_FIELDS = f"""
mutation ($input: SetMarkInput!) {{
  setMark(input: $input) {{ mark {{ id value }} {ERRORS} }}
}}
"""
SET_MARK_TWICE = f"""
mutation ($input: SetMarkInput!) {{
  first: setMark(input: $input) {{ mark {{ id }} {ERRORS} }}
  second: setMark(input: $input) {{ mark {{ id }} {ERRORS} }}
}}
"""
SET_ATTENDANCE = f"""
mutation ($input: SetAttendanceInput!) {{
  setAttendance(input: $input) {{ attendance {{ id status version }} clientMutationId {ERRORS} }}
}}
"""
ADD_WORK = f"""
mutation ($input: AddWorkInput!) {{
  addWork(input: $input) {{ work {{ id kind title }} clientMutationId {ERRORS} }}
}}
"""
CREATE_ROOM = f"""
mutation ($input: CreateRoomInput!) {{
  createRoom(input: $input) {{ room {{ id name capacity }} clientMutationId {ERRORS} }}
}}
"""
CREATE_DEPARTMENT = f"""
mutation ($input: CreateDepartmentInput!) {{
  createDepartment(input: $input) {{ department {{ id name }} clientMutationId {ERRORS} }}
}}
"""
CURATED = """
{ viewer { employee { curatedGroups { students { id } } } } }
"""
ISSUE = f"""
mutation ($input: IssueCredentialsInput!) {{
  issueCredentials(input: $input) {{ credentials {{ login oneTimePassword }} {ERRORS} }}
}}
"""
MUTATION_FIELDS = """
{ __type(name: "Mutation") { fields { name args { name type { ofType { name
  inputFields { name } } } } } } }
"""


# =====================================================================================
# Helpers
# =====================================================================================


def _mark(cell: Cell, value: str, key: str | None, version: int | None = None) -> dict[str, Any]:
    return {
        "input": {
            "work": cell.work,
            "student": cell.student,
            "value": value,
            "expectedVersion": version,
            "clientMutationId": key,
        }
    }


def _codes(payload: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(e["code"], e["field"]) for e in payload["errors"]]


async def _marks(db: Any, *cells: Cell) -> dict[tuple[int, int], tuple[str, int]]:
    async with unscoped(db.factory) as s:
        rows = await s.execute(
            select(m.Mark.work_id, m.Mark.student_id, m.Mark.value, m.Mark.version).where(
                m.Mark.work_id.in_({c.work_pk for c in cells}),
                m.Mark.student_id.in_({c.student_pk for c in cells}),
            )
        )
    wanted = {(c.work_pk, c.student_pk) for c in cells}
    return {(w, st): (v, n) for w, st, v, n in rows.all() if (w, st) in wanted}


async def _count(db: Any, model: Any) -> int:
    async with unscoped(db.factory) as s:
        return int((await s.execute(select(func.count()).select_from(model))).scalar_one())


async def _user_id(db: Any, slug: str, login: str) -> int:
    inst = await institution_id(db, slug)
    async with unscoped(db.factory) as s:
        return int(
            (
                await s.execute(
                    select(m.UserAccount.id).where(
                        m.UserAccount.institution_id == inst, m.UserAccount.login == login
                    )
                )
            ).scalar_one()
        )


# =====================================================================================
# setMark: the finding
# =====================================================================================


async def test_a_key_reused_for_another_cell_is_refused_and_writes_nothing(
    db: Any, sign_in: Any
) -> None:
    # Given a mark given with key k
    teacher = await sign_in(ALTAI, "teacher")
    first_cell, other_cell = await free_cells(db, ALTAI, "ИС-11", "Математика", count=2)
    first = (await teacher.data(SET_MARK, _mark(first_cell, "4", "k-1")))["setMark"]
    assert first["errors"] == []
    events = await _count(db, m.AuditEvent)

    # When the same key comes with another cell, and with another value for the same cell
    other = (await teacher.data(SET_MARK, _mark(other_cell, "4", "k-1")))["setMark"]
    changed = (await teacher.data(SET_MARK, _mark(first_cell, "5", "k-1", 1)))["setMark"]

    # Then both are refused on the key, with no mark in the answer, and nothing was written
    for refused in (other, changed):
        assert _codes(refused) == [("VALIDATION", "input.clientMutationId")], refused
        assert "k-1" in refused["errors"][0]["message"]
        assert refused["mark"] is None
    assert await _marks(db, first_cell, other_cell) == {
        (first_cell.work_pk, first_cell.student_pk): ("4", 1)
    }
    assert await _count(db, m.AuditEvent) == events


async def test_the_refusal_is_in_english_on_request(db: Any, sign_in: Any) -> None:
    teacher = await sign_in(ALTAI, "teacher")
    first_cell, other_cell = await free_cells(db, ALTAI, "ИС-11", "Математика", count=2)
    await teacher.data(SET_MARK, _mark(first_cell, "4", "k-en"))

    response = await teacher.post(
        SET_MARK, _mark(other_cell, "4", "k-en"), headers={"Accept-Language": "en"}
    )

    [error] = response.json()["data"]["setMark"]["errors"]
    assert error["message"].startswith("clientMutationId «k-en» was already used for setMark")


async def test_a_retry_after_the_cell_changed_answers_the_first_result(
    db: Any, sign_in: Any
) -> None:
    # Given a mark "4" given with key k, then changed to "5" by the curator-less path of
    # another request (no key)
    teacher = await sign_in(ALTAI, "teacher")
    [cell] = await free_cells(db, ALTAI, "ИС-11", "Математика", count=1)
    first = (await teacher.data(SET_MARK, _mark(cell, "4", "k-2")))["setMark"]
    changed = (await teacher.data(SET_MARK, _mark(cell, "5", None, 1)))["setMark"]
    assert changed["errors"] == []
    assert changed["mark"]["version"] == 2

    # When the first request is sent again
    retry = (await teacher.data(SET_MARK, _mark(cell, "4", "k-2")))["setMark"]

    # Then it answers exactly the first answer, and wrote nothing
    assert retry == first
    assert retry["mark"]["value"] == "4"
    assert await _marks(db, cell) == {(cell.work_pk, cell.student_pk): ("5", 2)}


async def test_a_retry_asking_for_other_fields_is_told_to_send_the_first_document(
    db: Any, sign_in: Any
) -> None:
    teacher = await sign_in(ALTAI, "teacher")
    [cell] = await free_cells(db, ALTAI, "ИС-11", "Математика", count=1)
    await teacher.data(SET_MARK, _mark(cell, "4", "k-doc"))

    retry = (await teacher.data(SET_MARK_OTHER_FIELDS, _mark(cell, "4", "k-doc")))["setMark"]

    assert _codes(retry) == [("VALIDATION", "input.clientMutationId")]
    assert await _marks(db, cell) == {(cell.work_pk, cell.student_pk): ("4", 1)}


async def test_users_and_mutations_have_keys_of_their_own(db: Any, sign_in: Any) -> None:
    # Given Altai's teacher who used key k for a mark
    altai = await sign_in(ALTAI, "teacher")
    [cell] = await free_cells(db, ALTAI, "ИС-11", "Математика", count=1)
    assert (await altai.data(SET_MARK, _mark(cell, "4", "k-3")))["setMark"]["errors"] == []

    # When Armavir's teacher uses k for his own cell, and Altai's uses k on attendance
    armavir = await sign_in(ARMAVIR, "teacher")
    [theirs] = await free_cells(db, ARMAVIR, "ПК-11", "Математика", count=1)
    their_mark = (await armavir.data(SET_MARK, _mark(theirs, "3", "k-3")))["setMark"]
    attendance = {
        "input": {
            "lesson": cell.lesson,
            "student": cell.student,
            "status": "ABSENT",
            "clientMutationId": "k-3",
        }
    }
    absent = (await altai.data(SET_ATTENDANCE, attendance))["setAttendance"]

    # Then both ran and wrote
    assert (their_mark["errors"], their_mark["mark"]["value"]) == ([], "3")
    assert await _marks(db, theirs) == {(theirs.work_pk, theirs.student_pk): ("3", 1)}
    assert (absent["errors"], absent["attendance"]["status"]) == ([], "ABSENT")


async def test_a_refused_first_request_does_not_bind_its_key(db: Any, sign_in: Any) -> None:
    teacher = await sign_in(ALTAI, "teacher")
    [cell] = await free_cells(db, ALTAI, "ИС-11", "Математика", count=1)

    wrong = (await teacher.data(SET_MARK, _mark(cell, "7", "k-4")))["setMark"]
    corrected = (await teacher.data(SET_MARK, _mark(cell, "4", "k-4")))["setMark"]

    assert _codes(wrong) == [("VALIDATION", "input.value")]
    assert corrected["errors"] == []
    assert await _marks(db, cell) == {(cell.work_pk, cell.student_pk): ("4", 1)}


async def test_an_expired_key_may_be_used_anew(db: Any, make_client: Any) -> None:
    [first_cell, other_cell] = await free_cells(db, ALTAI, "ИС-11", "Математика", count=2)
    async with make_client(idempotency_ttl_hours=1) as client:
        await client.login(ALTAI, "teacher")
        await client.data(SET_MARK, _mark(first_cell, "4", "k-5"))
        async with unscoped(db.factory) as s:
            await s.execute(
                update(m.IdempotencyKey)
                .where(m.IdempotencyKey.client_mutation_id == "k-5")
                .values(created_at=utcnow() - dt.timedelta(hours=2))
            )
            await s.commit()

        again = (await client.data(SET_MARK, _mark(other_cell, "3", "k-5")))["setMark"]

    assert again["errors"] == []
    assert await _marks(db, first_cell, other_cell) == {
        (first_cell.work_pk, first_cell.student_pk): ("4", 1),
        (other_cell.work_pk, other_cell.student_pk): ("3", 1),
    }


async def test_an_overlong_key_is_refused(db: Any, sign_in: Any) -> None:
    teacher = await sign_in(ALTAI, "teacher")
    [cell] = await free_cells(db, ALTAI, "ИС-11", "Математика", count=1)

    refused = (await teacher.data(SET_MARK, _mark(cell, "4", "k" * 129)))["setMark"]

    assert _codes(refused) == [("VALIDATION", "input.clientMutationId")]
    assert await _marks(db, cell) == {}


async def test_one_key_twice_in_one_request_writes_once(db: Any, sign_in: Any) -> None:
    teacher = await sign_in(ALTAI, "teacher")
    [cell] = await free_cells(db, ALTAI, "ИС-11", "Математика", count=1)

    both = await teacher.data(SET_MARK_TWICE, _mark(cell, "4", "k-twice"))

    assert both["first"]["errors"] == []
    assert _codes(both["second"]) == [("CONFLICT", "input.clientMutationId")]
    assert await _marks(db, cell) == {(cell.work_pk, cell.student_pk): ("4", 1)}


class _OtherProcess(dict[Any, Any]):
    """The running keys of this process, forgotten: every waiter must poll the database,
    as for a request another worker runs."""

    def __setitem__(self, key: Any, value: Any) -> None:
        pass


async def test_retries_of_a_request_another_worker_runs_wait_for_its_answer(
    db: Any, sign_in: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(idempotency, "_running", _OtherProcess())
    teacher = await sign_in(ALTAI, "teacher")
    [cell] = await free_cells(db, ALTAI, "ТМ-11", "Информатика", count=1)

    results = await asyncio.gather(
        *(teacher.data(SET_MARK, _mark(cell, "4", "k-poll")) for _ in range(6))
    )

    outcomes = [r["setMark"] for r in results]
    assert all(o == outcomes[0] for o in outcomes), outcomes
    assert outcomes[0]["errors"] == []
    assert await _marks(db, cell) == {(cell.work_pk, cell.student_pk): ("4", 1)}


async def test_a_request_applied_but_without_answer_is_told_applied_not_run_again(
    db: Any, make_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a mark written under key k whose answer could not be stored (the database
    # went away, the worker died after the commit): the key has no answer, but its claim
    # was marked applied by the mark's own transaction
    async def lost(*_args: Any) -> None:
        raise ConnectionError("the database went away")

    [cell] = await free_cells(db, ALTAI, "ИС-11", "Математика", count=1)
    async with make_client(idempotency_wait_seconds=0.05) as client:
        await client.login(ALTAI, "teacher")
        monkeypatch.setattr(idempotency, "_finish", lost)
        first = (await client.data(SET_MARK, _mark(cell, "4", "k-lost")))["setMark"]
        monkeypatch.undo()
        events = await _count(db, m.AuditEvent)

        # When it is sent again, in Russian and in English
        retry = (await client.data(SET_MARK, _mark(cell, "4", "k-lost")))["setMark"]
        english = await client.post(
            SET_MARK, _mark(cell, "4", "k-lost"), headers={"Accept-Language": "en"}
        )

    # Then the first was answered, the retries are told the operation was applied and its
    # answer lost, and the mark was written once
    assert first["errors"] == []
    assert _codes(retry) == [("CONFLICT", "input.clientMutationId")]
    assert retry["errors"][0]["message"] == message("idempotency_applied", "ru", id="k-lost")
    assert retry["mark"] is None
    [error] = english.json()["data"]["setMark"]["errors"]
    assert error["message"].startswith("The operation with clientMutationId «k-lost» was applied")
    # told apart from every other CONFLICT by its machine-readable reason
    assert retry["errors"][0]["reason"] == error["reason"] == "APPLIED_ANSWER_LOST"
    assert await _marks(db, cell) == {(cell.work_pk, cell.student_pk): ("4", 1)}
    assert await _count(db, m.AuditEvent) == events


async def test_a_request_that_died_before_its_write_committed_is_run_by_the_retry(
    db: Any, make_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a first request under key k that claimed the key and died before its write
    # transaction committed (the process killed: nothing of it runs any more, it never
    # releases the key)
    real_write = journal_writes._write

    async def dies(*_args: Any) -> Any:
        raise ConnectionAbortedError("the worker was killed")

    async def never_released(*_args: Any) -> bool:
        return False

    [cell] = await free_cells(db, ALTAI, "ИС-11", "Математика", count=1)
    async with make_client(idempotency_wait_seconds=0.05) as client:
        await client.login(ALTAI, "teacher")
        monkeypatch.setattr(journal_writes, "_write", dies)
        monkeypatch.setattr(idempotency, "_release", never_released)
        died = await client.query(SET_MARK, _mark(cell, "4", "k-died"))
        monkeypatch.undo()
        assert journal_writes._write is real_write
        async with unscoped(db.factory) as s:
            [(applied, answer)] = (
                await s.execute(
                    select(m.IdempotencyKey.applied, m.IdempotencyKey.response_selection).where(
                        m.IdempotencyKey.client_mutation_id == "k-died"
                    )
                )
            ).all()
        assert (applied, answer) == (False, None)
        assert await _marks(db, cell) == {}

        # When it is sent again, and then once more
        retry = (await client.data(SET_MARK, _mark(cell, "4", "k-died")))["setMark"]
        again = (await client.data(SET_MARK, _mark(cell, "4", "k-died")))["setMark"]

    # Then the first got no mark, the retry ran the write and answered it, the next retry
    # answers that, and the mark was written once
    assert died.get("errors") or died["data"]["setMark"]["errors"], died
    assert retry["errors"] == [], retry
    assert retry["mark"]["value"] == "4"
    assert again == retry
    assert await _marks(db, cell) == {(cell.work_pk, cell.student_pk): ("4", 1)}


async def test_a_request_that_failed_after_its_write_committed_keeps_its_key(
    db: Any, make_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a first request under key k whose mark committed and which then failed (an
    # error after the commit: no answer to keep)
    real_write = journal_writes._write

    async def fails_after_commit(*args: Any) -> Any:
        await real_write(*args)
        raise ConnectionResetError("the connection broke after the commit")

    [cell] = await free_cells(db, ALTAI, "ИС-11", "Математика", count=1)
    async with make_client(idempotency_wait_seconds=0.05) as client:
        await client.login(ALTAI, "teacher")
        monkeypatch.setattr(journal_writes, "_write", fails_after_commit)
        failed = await client.query(SET_MARK, _mark(cell, "4", "k-failed"))
        monkeypatch.undo()

        # When it is sent again
        retry = (await client.data(SET_MARK, _mark(cell, "4", "k-failed")))["setMark"]

    # Then the key was not let go: the retry is told the operation was applied, and the
    # mark was written once
    assert failed.get("errors"), failed
    assert retry["errors"][0]["message"] == message("idempotency_applied", "ru", id="k-failed")
    assert await _marks(db, cell) == {(cell.work_pk, cell.student_pk): ("4", 1)}


async def test_a_first_request_that_commits_after_a_retry_took_over_writes_nothing(
    db: Any, make_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a first addWork under key k held before its write transaction (alive, but
    # slower than the wait for it): a work added twice would simply be two works
    real_write = journal_writes._write
    held = asyncio.Event()
    release = asyncio.Event()
    calls = 0

    async def slow_first(*args: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 1:
            held.set()
            await release.wait()
        return await real_write(*args)

    monkeypatch.setattr(journal_writes, "_write", slow_first)
    _role, work_input, _other = await _work_inputs(db)
    variables = {"input": {**work_input, "clientMutationId": "k-fenced"}}
    works = await _count(db, m.Work)
    async with make_client(idempotency_wait_seconds=0.05) as client:
        await client.login(ALTAI, "teacher")
        first_task = asyncio.create_task(client.data(ADD_WORK, variables))
        await held.wait()

        # When a retry, after the wait, takes the key over and writes, and then the first
        # request goes on to commit its own write
        retry = (await client.data(ADD_WORK, variables))["addWork"]
        release.set()
        first = (await first_task)["addWork"]
        again = (await client.data(ADD_WORK, variables))["addWork"]

    # Then the retry's work stands, the first's commit was refused (it is told a retry
    # runs the operation), the next retry answers the retry's answer: one work
    assert retry["errors"] == [], retry
    assert _codes(first) == [("CONFLICT", "input.clientMutationId")], first
    assert first["errors"][0]["message"] == message("idempotency_taken_over", "ru", id="k-fenced")
    assert first["errors"][0]["reason"] == "RETRY_TOOK_OVER"
    assert first["work"] is None
    assert again == retry
    assert await _count(db, m.Work) == works + 1
    assert calls == 2


async def test_simultaneous_requests_with_one_key_and_different_input_write_once(
    db: Any, sign_in: Any
) -> None:
    # Given ten cells and one teacher's session sending ten marks at once under one key
    teacher = await sign_in(ALTAI, "teacher")
    cells = await free_cells(db, ALTAI, "ТМ-11", "Информатика", count=10)

    results = await asyncio.gather(
        *(teacher.data(SET_MARK, _mark(cell, "4", "k-6")) for cell in cells)
    )

    # Then exactly one was written; every other was refused on the key
    outcomes = [r["setMark"] for r in results]
    written = [i for i, o in enumerate(outcomes) if o["errors"] == []]
    assert len(written) == 1, outcomes
    assert all(
        _codes(o) == [("VALIDATION", "input.clientMutationId")]
        for i, o in enumerate(outcomes)
        if i != written[0]
    ), outcomes
    winner = cells[written[0]]
    assert await _marks(db, *cells) == {(winner.work_pk, winner.student_pk): ("4", 1)}


async def test_a_one_time_password_is_neither_kept_nor_shown_again(db: Any, sign_in: Any) -> None:
    # Given credentials issued under key k (the answer holds a one-time password)
    curator = await sign_in("tomsk-technikum-2023", "curator")
    groups = (await curator.data(CURATED))["viewer"]["employee"]["curatedGroups"]
    student = groups[0]["students"][3]["id"]
    variables = {"input": {"people": [student], "clientMutationId": "k-otp"}}
    issued = (await curator.data(ISSUE, variables))["issueCredentials"]
    assert issued["errors"] == [], issued
    [credential] = issued["credentials"]
    accounts = await _count(db, m.UserAccount)

    # When the request is sent again
    retry = (await curator.data(ISSUE, variables))["issueCredentials"]

    # Then it is told the operation was done, without the password, and nothing is issued
    # again; the password is nowhere in the stored key
    assert _codes(retry) == [("CONFLICT", "input.clientMutationId")]
    assert retry["credentials"] is None
    assert await _count(db, m.UserAccount) == accounts
    async with unscoped(db.factory) as s:
        kept = (
            await s.execute(
                select(m.IdempotencyKey.response).where(
                    m.IdempotencyKey.client_mutation_id == "k-otp"
                )
            )
        ).scalar_one()
    assert kept is None
    assert credential["oneTimePassword"] not in str(kept)


# =====================================================================================
# Other families, each with a first request that really writes
# =====================================================================================


async def _work_inputs(db: Any) -> tuple[str, dict[str, Any], dict[str, Any]]:
    [cell] = await free_cells(db, ALTAI, "ИС-11", "Математика", count=1)
    first = {"lesson": cell.lesson, "kind": "TEST", "title": "Проверочная 1"}
    return "teacher", first, {**first, "title": "Проверочная 2"}


async def _room_inputs(db: Any) -> tuple[str, dict[str, Any], dict[str, Any]]:
    del db
    first = {"name": "Ауд. 901", "capacity": 30}
    return "administrator", first, {**first, "capacity": 31}


async def _department_inputs(db: Any) -> tuple[str, dict[str, Any], dict[str, Any]]:
    del db
    return "hr_specialist", {"name": "Отделение А"}, {"name": "Отделение Б"}


FAMILIES = {
    "addWork": (ADD_WORK, m.Work, _work_inputs),
    "createRoom": (CREATE_ROOM, m.Room, _room_inputs),
    "createDepartment": (CREATE_DEPARTMENT, m.Department, _department_inputs),
}


@pytest.mark.parametrize("mutation", sorted(FAMILIES))
async def test_each_family_answers_retries_first_and_refuses_other_input(
    db: Any, sign_in: Any, mutation: str
) -> None:
    # Given a first request that wrote one row
    document, model, inputs = FAMILIES[mutation]
    role, first_input, other_input = await inputs(db)
    client = await sign_in(ALTAI, role)
    rows = await _count(db, model)
    first = (await client.data(document, {"input": {**first_input, "clientMutationId": "f"}}))[
        mutation
    ]
    assert first["errors"] == [], first
    assert await _count(db, model) == rows + 1
    events = await _count(db, m.AuditEvent)

    # When it is sent again, and the key comes with other input
    retry = (await client.data(document, {"input": {**first_input, "clientMutationId": "f"}}))[
        mutation
    ]
    other = (await client.data(document, {"input": {**other_input, "clientMutationId": "f"}}))[
        mutation
    ]

    # Then the retry answers the first answer, the other input is refused; no write
    assert retry == first
    assert _codes(other) == [("VALIDATION", "input.clientMutationId")]
    assert await _count(db, model) == rows + 1
    assert await _count(db, m.AuditEvent) == events


# =====================================================================================
# The whole class: every mutation with a clientMutationId
# =====================================================================================


def _keyed_mutations() -> dict[str, tuple[str, GraphQLInputObjectType]]:
    """Every Mutation field whose ``input`` has ``clientMutationId``: its input type."""
    schema = build_schema(sdl())
    assert schema.mutation_type is not None
    found: dict[str, tuple[str, GraphQLInputObjectType]] = {}
    for name, field in schema.mutation_type.fields.items():
        argument = field.args.get("input")
        input_type = get_named_type(argument.type) if argument else None
        if isinstance(input_type, GraphQLInputObjectType) and (
            "clientMutationId" in input_type.fields
        ):
            found[name] = (str(argument.type) if argument else "", input_type)
    return found


KEYED = _keyed_mutations()
SCALARS: dict[str, Any] = {
    "ID": "eDox",
    "String": "x",
    "Int": 1,
    "Float": 1.0,
    "Boolean": False,
    "Date": "2026-09-01",
    "DateTime": "2026-09-01T08:00:00+00:00",
    "Time": "08:00:00",
    "Decimal": "1",
}


def _value(kind: GraphQLInputType) -> Any:
    """A value of ``kind`` that passes GraphQL validation (what it names does not matter:
    a key bound to other input is refused before the mutation looks at it)."""
    if isinstance(kind, GraphQLNonNull):
        return _value(kind.of_type)
    if isinstance(kind, GraphQLList):
        return []
    if isinstance(kind, GraphQLEnumType):
        return next(iter(kind.values))
    if isinstance(kind, GraphQLScalarType):
        assert kind.name in SCALARS, f"no sample value for scalar {kind.name}"
        return SCALARS[kind.name]
    assert isinstance(kind, GraphQLInputObjectType)
    return {
        name: _value(spec.type)
        for name, spec in kind.fields.items()
        if isinstance(spec.type, GraphQLNonNull) and spec.default_value is Undefined
    }


async def test_the_class_is_what_the_endpoint_shows(shared_sign_in: Any) -> None:
    teacher = await shared_sign_in(ALTAI, "teacher")

    fields = (await teacher.data(MUTATION_FIELDS))["__type"]["fields"]

    shown = {
        f["name"]
        for f in fields
        for a in f["args"]
        if a["name"] == "input"
        and "clientMutationId" in {i["name"] for i in a["type"]["ofType"]["inputFields"] or []}
    }
    assert shown == set(KEYED)
    assert len(shown) > 70  # every family of the schema, not a handful


@pytest.mark.parametrize("mutation", sorted(KEYED))
async def test_every_keyed_mutation_refuses_a_key_bound_to_other_input(
    shared_db: Any, shared_sign_in: Any, mutation: str
) -> None:
    # Given a key this user's earlier request bound to other input of this mutation
    teacher = await shared_sign_in(ALTAI, "teacher")
    user = await _user_id(shared_db, ALTAI, "teacher")
    key = f"bound-{mutation}"
    async with unscoped(shared_db.factory) as s:
        await s.execute(
            insert(m.IdempotencyKey).values(
                institution_id=await institution_id(shared_db, ALTAI),
                user_id=user,
                mutation=mutation,
                client_mutation_id=key,
                input_hash="0" * 64,
                created_at=utcnow(),
                response_selection="0" * 64,
                response={"errors": []},
            )
        )
        await s.commit()
    events = await _count(shared_db, m.AuditEvent)
    type_name, input_type = KEYED[mutation]
    document = f"mutation ($input: {type_name}) {{ {mutation}(input: $input) {{ {ERRORS} }} }}"

    # When the key comes with this input
    response = await teacher.post(
        document,
        {"input": {**_value(input_type), "clientMutationId": key}},
        headers={"Accept-Language": "en"},
    )

    # Then it is refused because the input differs, and nothing was written
    answer = response.json()["data"][mutation]
    assert _codes(answer) == [("VALIDATION", "input.clientMutationId")], answer
    assert answer["errors"][0]["message"].startswith(
        f"clientMutationId «{key}» was already used for {mutation} with other input"
    ), answer
    assert await _count(shared_db, m.AuditEvent) == events
    async with unscoped(shared_db.factory) as s:
        kept = (
            await s.execute(
                select(m.IdempotencyKey.input_hash, m.IdempotencyKey.response).where(
                    m.IdempotencyKey.user_id == user, m.IdempotencyKey.mutation == mutation
                )
            )
        ).all()
    assert [tuple(row) for row in kept] == [("0" * 64, {"errors": []})]
