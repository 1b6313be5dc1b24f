"""Sign-in throttling and the password check's place: through the endpoint, on both backends.

Guessing a password gets a growing wait, then a lockout that refuses the right password
too; an unknown login is answered byte for byte like a known one at every step; an
address is throttled across logins; a refused attempt never reaches argon2. And argon2
runs with no transaction open: a mark is written while a sign-in is held inside its
password check. The clock is pinned (``throttle.now``), never slept on.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from campusgraph import security
from campusgraph.db import models as m
from campusgraph.db.base import utcnow
from campusgraph.db.tenancy import unscoped
from campusgraph.resolvers import throttle
from tests.support.journal import free_cell

LOGIN = """
mutation ($input: LoginInput!) {
  login(input: $input) { token retryAfter errors { code message } }
}
"""
SET_MARK = """
mutation ($input: SetMarkInput!) {
  setMark(input: $input) { mark { value version } errors { code message } }
}
"""
CHANGE_PASSWORD = """
mutation ($input: ChangePasswordInput!) {
  changePassword(input: $input) { ok errors { code field message } }
}
"""

ALTAI = "altai-college-2016"
#: A known login and two that do not exist (an unknown login, an unknown realm).
KNOWN = (ALTAI, "teacher")
UNKNOWN = ((ALTAI, "nobody-at-all"), ("no-such-college", "teacher"))

BAD = {"code": "UNAUTHENTICATED", "message": "Неверное имя пользователя или пароль."}

#: A small schedule: 2 free failures, then waits of 10 s and 20 s, locked at the 5th.
LOGIN_LIMITS: dict[str, Any] = {
    "sign_in_login_free": 2,
    "sign_in_login_lockout": 5,
    "sign_in_delay_seconds": 10,
    "sign_in_lockout_seconds": 600,
    "sign_in_address_free": 1000,
    "sign_in_address_lockout": 1000,
}


class Clock:
    """The throttle's pinned clock: moves only when the test says so."""

    def __init__(self) -> None:
        self.at = utcnow()

    def __call__(self) -> dt.datetime:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += dt.timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    pinned = Clock()
    monkeypatch.setattr(throttle, "now", pinned)
    return pinned


def _input(who: tuple[str, str], password: str) -> dict[str, Any]:
    return {"input": {"institution": who[0], "login": who[1], "password": password}}


async def _attempt(
    client: Any, who: tuple[str, str], password: str, *, address: str | None = None
) -> tuple[bytes, dict[str, Any]]:
    headers = {"X-Forwarded-For": address} if address else None
    response = await client.post(LOGIN, _input(who, password), headers=headers)
    assert response.status_code == 200, response.text
    return response.content, response.json()["data"]["login"]


def _throttled(seconds: int) -> dict[str, Any]:
    return {
        "token": None,
        "retryAfter": seconds,
        "errors": [
            {
                "code": "RATE_LIMITED",
                "message": f"Слишком много неудачных попыток входа. Повторите через {seconds} с.",
            }
        ],
    }


BAD_ANSWER = {"token": None, "retryAfter": None, "errors": [BAD]}


async def _same_for_all(client: Any, password: str) -> dict[str, Any]:
    """One attempt for the known login and each unknown one, all with ``password``: the
    answers must be the same bytes; returns the answer."""
    known_bytes, known = await _attempt(client, KNOWN, password)
    for who in UNKNOWN:
        other_bytes, _ = await _attempt(client, who, password)
        assert other_bytes == known_bytes, (who, other_bytes, known_bytes)
    return known


async def _lockouts(db: Any) -> list[dict[str, Any]]:
    async with unscoped(db.factory) as session:
        rows = await session.execute(
            select(m.AuditEvent.after).where(m.AuditEvent.action == "lockout")
        )
        return [row[0] for row in rows]


# =====================================================================================
# Per login: a growing wait, a lockout, the same for a login that does not exist
# =====================================================================================


async def test_guessing_gets_a_growing_wait_then_a_lockout_that_refuses_the_right_password(
    db: Any, make_client: Any, clock: Clock
) -> None:
    async with make_client(**LOGIN_LIMITS) as client:
        # Given two free wrong passwords, answered as wrong
        for _ in range(2):
            assert await _same_for_all(client, "wrong") == BAD_ANSWER
        # When the third fails too, the next check waits 10 s
        assert await _same_for_all(client, "wrong") == BAD_ANSWER
        # Then even the right password is refused unchecked until then
        assert await _same_for_all(client, "demo") == _throttled(10)
        clock.advance(4)
        assert await _same_for_all(client, "demo") == _throttled(6)

        # When the wait is over and the fourth guess fails, the wait doubles
        clock.advance(6)
        assert await _same_for_all(client, "wrong") == BAD_ANSWER
        assert await _same_for_all(client, "demo") == _throttled(20)

        # When the fifth fails, the login is locked for the lockout (600 s)
        clock.advance(20)
        assert await _same_for_all(client, "wrong") == BAD_ANSWER
        assert await _same_for_all(client, "demo") == _throttled(600)
        clock.advance(599)
        assert await _same_for_all(client, "demo") == _throttled(1)
        # and each lockout is audited, for the unknown logins as for the known one
        lockouts = await _lockouts(db)
        assert sorted(e["kind"] for e in lockouts) == ["login"] * 3
        assert {e["failures"] for e in lockouts} == {5}

        # When the lockout is over, the right password signs in
        clock.advance(1)
        _, signed = await _attempt(client, KNOWN, "demo")
        assert signed["errors"] == []
        assert signed["token"]
        # and clears the login's count: two free failures again, no wait
        for _ in range(2):
            assert (await _attempt(client, KNOWN, "wrong"))[1] == BAD_ANSWER
        assert (await _attempt(client, KNOWN, "demo"))[1]["token"]
        # while an unknown login, never cleared, is locked again by its next failure
        for who in UNKNOWN:
            assert (await _attempt(client, who, "demo"))[1] == BAD_ANSWER
            assert (await _attempt(client, who, "demo"))[1] == _throttled(600)


async def _throttle_keys(db: Any) -> set[str]:
    async with unscoped(db.factory) as session:
        return set((await session.execute(select(m.SignInThrottle.key))).scalars())


async def test_counts_are_forgotten_after_a_quiet_window(
    db: Any, make_client: Any, clock: Clock
) -> None:
    async with make_client(**LOGIN_LIMITS, sign_in_window_seconds=3600) as client:
        # Given a login with a wait earned, and an unknown one with one failure
        for _ in range(3):
            assert (await _attempt(client, KNOWN, "wrong"))[1] == BAD_ANSWER
        assert (await _attempt(client, UNKNOWN[0], "wrong"))[1] == BAD_ANSWER
        unknown_key = throttle.login_key(*UNKNOWN[0])
        assert unknown_key in await _throttle_keys(db)

        # When an hour passes without attempts
        clock.advance(3601)
        # Then the login starts again from its free failures (a third earns the first wait)
        for _ in range(3):
            assert (await _attempt(client, KNOWN, "wrong"))[1] == BAD_ANSWER
        assert (await _attempt(client, KNOWN, "demo"))[1] == _throttled(10)
        # and the quiet key's row is gone (failures prune what the window forgot)
        assert unknown_key not in await _throttle_keys(db)
        assert throttle.login_key(*KNOWN) in await _throttle_keys(db)


async def test_workers_share_the_counts(make_client: Any, clock: Clock) -> None:
    # Given two workers of the service (two apps, each with its own engine) on one database
    async with make_client(**LOGIN_LIMITS) as one, make_client(**LOGIN_LIMITS) as two:
        # When the guesses are spread over them
        for worker in (one, two, one):
            assert (await _attempt(worker, KNOWN, "wrong"))[1] == BAD_ANSWER
        # Then each refuses what the other's failures earned
        assert (await _attempt(two, KNOWN, "demo"))[1] == _throttled(10)
        assert (await _attempt(one, KNOWN, "demo"))[1] == _throttled(10)


async def test_the_wait_is_said_in_english_on_request(make_client: Any, clock: Clock) -> None:
    async with make_client(**{**LOGIN_LIMITS, "sign_in_login_free": 0}) as client:
        await _attempt(client, KNOWN, "wrong")
        response = await client.post(
            LOGIN, _input(KNOWN, "demo"), headers={"Accept-Language": "en"}
        )
        assert response.json()["data"]["login"]["errors"] == [
            {
                "code": "RATE_LIMITED",
                "message": "Too many failed sign-in attempts. Try again in 10 s.",
            }
        ]


async def test_a_refused_attempt_never_reaches_the_password_check(
    make_client: Any, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with make_client(**LOGIN_LIMITS) as client:
        for _ in range(5):  # locked at the fifth failure
            assert await _same_for_all(client, "wrong") == BAD_ANSWER
            clock.advance(60)
        checked: list[str] = []
        real = security.verify_password

        def counting(password_hash: str, password: str, settings: Any = None) -> bool:
            checked.append(password)
            return real(password_hash, password, settings)

        monkeypatch.setattr(security, "verify_password", counting)
        for _ in range(20):
            assert await _same_for_all(client, "demo") == _throttled(540)
        assert checked == []


# =====================================================================================
# Per address, across logins; X-Forwarded-For only from a trusted proxy
# =====================================================================================

ADDRESS_LIMITS: dict[str, Any] = {
    "sign_in_login_free": 1000,
    "sign_in_login_lockout": 1000,
    "sign_in_address_free": 2,
    "sign_in_address_lockout": 4,
    "sign_in_delay_seconds": 30,
    "sign_in_lockout_seconds": 600,
}
GUESSED = [(ALTAI, "director"), (ALTAI, "nobody-at-all"), ("no-such-college", "curator")]


async def test_an_address_guessing_many_logins_is_throttled_and_others_are_not(
    db: Any, make_client: Any, clock: Clock
) -> None:
    async with make_client(**ADDRESS_LIMITS, trusted_proxies="127.0.0.1") as client:
        # Given one address (behind our trusted proxy) guessing three different logins
        for who in GUESSED:
            assert (await _attempt(client, who, "wrong", address="203.0.113.7"))[1] == BAD_ANSWER
        # Then no login from there is checked for 30 s, not even the right password
        refused = await _attempt(client, KNOWN, "demo", address="203.0.113.7")
        assert refused[1] == _throttled(30)
        # (a forged entry left of the proxy's own changes nothing)
        forged = await _attempt(client, KNOWN, "demo", address="198.51.100.1, 203.0.113.7")
        assert forged[1] == _throttled(30)
        # while another address signs in the same login at once
        other = await _attempt(client, KNOWN, "demo", address="203.0.113.8")
        assert other[1]["token"]

        # When it keeps guessing after the wait, it is locked out, and that is audited
        clock.advance(30)
        assert (await _attempt(client, GUESSED[0], "x", address="203.0.113.7"))[1] == BAD_ANSWER
        assert (await _attempt(client, KNOWN, "demo", address="203.0.113.7"))[1] == _throttled(600)
        [lockout] = await _lockouts(db)
        assert (lockout["kind"], lockout["address"], lockout["failures"]) == (
            "address",
            "203.0.113.7",
            4,
        )
        # and a success elsewhere does not clear it
        clock.advance(600)
        assert (await _attempt(client, KNOWN, "demo", address="203.0.113.7"))[1]["token"]
        assert (await _attempt(client, GUESSED[1], "x", address="203.0.113.7"))[1] == BAD_ANSWER
        assert (await _attempt(client, KNOWN, "demo", address="203.0.113.7"))[1] == _throttled(600)


async def test_forwarded_for_from_an_untrusted_peer_is_ignored(
    make_client: Any, clock: Clock
) -> None:
    async with make_client(**ADDRESS_LIMITS) as client:
        # Given failures that claim three different forwarded addresses, from one peer
        for who, claimed in zip(GUESSED, ("192.0.2.1", "192.0.2.2", "192.0.2.3"), strict=True):
            assert (await _attempt(client, who, "wrong", address=claimed))[1] == BAD_ANSWER
        # Then they were counted against the peer, whatever the next one claims
        refused = await _attempt(client, KNOWN, "demo", address="192.0.2.99")
        assert refused[1] == _throttled(30)


# =====================================================================================
# The password check: no transaction open while it runs; a bounded line
# =====================================================================================


class HeldCheck:
    """``security.verify_password`` stopped at its start until released: the test acts
    while a request is inside its password check."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()
        self.calls = 0
        real = security.verify_password

        def held(password_hash: str, password: str, settings: Any = None) -> bool:
            self.calls += 1
            self.entered.set()
            self.release.wait(60)
            return real(password_hash, password, settings)

        monkeypatch.setattr(security, "verify_password", held)

    async def wait_entered(self) -> None:
        assert await asyncio.to_thread(self.entered.wait, 30), "the password check never began"


async def _open_transactions(db: Any) -> list[str]:
    """Transactions open on the test's database, seen from outside the app: PostgreSQL's
    sessions idle in a transaction; SQLite's write lock (BEGIN IMMEDIATE fails at once)."""
    if db.backend == "postgresql":
        async with db.engine.connect() as conn:
            rows = await conn.execute(
                text(
                    "SELECT query FROM pg_stat_activity WHERE datname = current_database() "
                    "AND state LIKE 'idle in transaction%' AND pid <> pg_backend_pid()"
                )
            )
            return [row[0] for row in rows]
    path = make_url(db.url).database
    raw = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        raw.execute("BEGIN IMMEDIATE")
        raw.execute("ROLLBACK")
        return []
    except sqlite3.OperationalError as error:
        return [f"the write lock is held: {error}"]
    finally:
        raw.close()


@pytest.fixture
def held(monkeypatch: pytest.MonkeyPatch) -> Iterator[HeldCheck]:
    check = HeldCheck(monkeypatch)
    yield check
    check.release.set()


PasswordRequest = Callable[[Any, Any], Any]


async def _sign_in_request(client: Any, _teacher: Any) -> dict[str, Any]:
    return (await _attempt(client, (ALTAI, "curator"), "wrong"))[1]


async def _change_password_request(_client: Any, teacher: Any) -> dict[str, Any]:
    variables = {"input": {"oldPassword": "demo", "newPassword": "a-new-password"}}
    payload: dict[str, Any] = await teacher.data(CHANGE_PASSWORD, variables)
    return payload


@pytest.mark.parametrize(
    ("request_with_a_password", "expected"),
    [
        (_sign_in_request, BAD_ANSWER),
        (_change_password_request, {"changePassword": {"ok": True, "errors": []}}),
    ],
    ids=["login", "changePassword"],
)
async def test_a_mark_is_written_while_a_password_is_being_checked(
    db: Any,
    client: Any,
    sign_in: Any,
    held: HeldCheck,
    request_with_a_password: PasswordRequest,
    expected: dict[str, Any],
) -> None:
    # Given a teacher signed in (before the check was held) and an empty journal cell
    held.release.set()
    teacher = await sign_in(ALTAI, "teacher")
    held.release.clear()
    held.entered.clear()
    cell = await free_cell(db, ALTAI, "ИС-11", "Математика")

    # When another request is held inside its password check
    pending = asyncio.create_task(request_with_a_password(client, teacher))
    try:
        await held.wait_entered()
        # Then no transaction is open on the database
        assert await _open_transactions(db) == []
        # and the teacher's mark is written and committed meanwhile
        given = await asyncio.wait_for(
            teacher.data(
                SET_MARK, {"input": {"work": cell.work, "student": cell.student, "value": "5"}}
            ),
            timeout=20,
        )
        assert given["setMark"] == {"mark": {"value": "5", "version": 1}, "errors": []}
        async with unscoped(db.factory) as session:
            stored = (
                await session.execute(
                    select(m.Mark.value).where(
                        m.Mark.work_id == cell.work_pk, m.Mark.student_id == cell.student_pk
                    )
                )
            ).scalar_one()
        assert stored == "5"
        assert not pending.done()
    finally:
        held.release.set()
    # and the held request then finishes as it would have
    assert await asyncio.wait_for(pending, timeout=30) == expected


async def test_a_full_line_of_password_checks_refuses_at_once_and_a_short_one_waits(
    make_client: Any, held: HeldCheck
) -> None:
    # Given one check at a time and no place to wait: a sign-in held inside its check
    async with make_client(argon2_concurrency=1, argon2_queue=0) as client:
        first = asyncio.create_task(_attempt(client, KNOWN, "demo"))
        await held.wait_entered()
        # Then another sign-in is refused at once, saying when to try again
        _, busy = await _attempt(client, (ALTAI, "curator"), "demo")
        assert busy == {
            "token": None,
            "retryAfter": 2,
            "errors": [
                {
                    "code": "RATE_LIMITED",
                    "message": "Сервер занят проверкой паролей. Повторите вход через 2 с.",
                }
            ],
        }
        assert held.calls == 1
        held.release.set()
        assert (await first)[1]["token"]

    # Given one place to wait: the second sign-in waits for the first, then succeeds
    held.release.clear()
    held.entered.clear()
    held.calls = 0
    async with make_client(argon2_concurrency=1, argon2_queue=1) as client:
        first = asyncio.create_task(_attempt(client, KNOWN, "demo"))
        await held.wait_entered()
        second = asyncio.create_task(_attempt(client, (ALTAI, "curator"), "demo"))
        for _ in range(50):  # let it run up to the line
            await asyncio.sleep(0)
        assert not second.done()
        assert held.calls == 1
        held.release.set()
        assert (await first)[1]["token"]
        assert (await second)[1]["token"]
        assert held.calls == 2


async def test_a_failed_check_rests_its_place_in_line_and_a_right_one_does_not(
    make_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a line whose failed checks rest twice as long as they took
    rests: list[float] = []

    async def record(seconds: float) -> None:
        rests.append(seconds)

    monkeypatch.setattr(security, "rest", record)
    async with make_client(argon2_failure_rest=2.0) as client:
        # When a sign-in with the right password is checked
        _, right = await _attempt(client, KNOWN, "demo")
        assert right["token"]
        assert rests == []
        # and one with a wrong password
        _, wrong = await _attempt(client, (ALTAI, "curator"), "wrong")
    # Then only the failed check's place rested, and for longer than nothing
    assert wrong["token"] is None
    assert len(rests) == 1
    assert rests[0] > 0
