"""Sign-in throttling: a growing wait, then a temporary lockout, per login and per address.

Why the database holds the counts: several uvicorn workers (or hosts) answer sign-ins,
and a count kept in one process would let guesses spread over the others. A row per key
(:class:`~campusgraph.db.models.SignInThrottle`), keyed by a SHA-256 digest.

Why a login's attempt is counted *before* its password is checked: parallel guesses
would otherwise all pass the check before the first failure is written (16 at once, 16
guesses). Counting first, in a short transaction that also re-checks the block, lets at
most the free attempts through; a success then clears the login's count. An address is
counted *after* a failure instead: many people share a school's address and sign in at
once, and counting their attempts ahead would lock them out while they succeed; what an
address can push past the check at once is bounded by the password-check queue.

Why refused attempts change nothing: the answer must come without argon2 and without
the writer lock (hammering a locked login costs one read), and every attempt that was
checked has already been counted.

Nothing here knows whether a login exists: an unknown login is keyed, counted, delayed,
locked and answered exactly like a known one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, delete, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from campusgraph.db.base import utcnow
from campusgraph.db.models import SignInThrottle
from campusgraph.settings import Settings

LOGIN = "login"
ADDRESS = "address"

_T = SignInThrottle
_BLOCKS = select(_T.blocked_until).where(_T.key.in_(bindparam("keys", expanding=True)))
_ROW = select(_T.failures, _T.last_at, _T.blocked_until).where(_T.key == bindparam("k"))


def now() -> dt.datetime:
    """The throttle's clock (the tests pin it to step over a lockout without sleeping)."""
    return utcnow()


def login_key(realm: str, login: str) -> str:
    return hashlib.sha256(f"{LOGIN}\0{realm}\0{login}".encode()).hexdigest()


def address_key(address: str) -> str:
    return hashlib.sha256(f"{ADDRESS}\0{address}".encode()).hexdigest()


def wait_seconds(until: dt.datetime, at: dt.datetime) -> int:
    """Whole seconds to wait, at least one: what the refusal tells the client."""
    return max(1, math.ceil((until - at).total_seconds()))


@dataclass(frozen=True, slots=True)
class Counted:
    """A key's count after an attempt was added, and the block that count set."""

    key: str
    kind: str
    failures: int
    blocked_until: dt.datetime | None
    #: This count reached the lockout (a lockout begins if the attempt fails).
    locks: bool


class Throttle:
    """The schedule from the settings, and the few statements that apply it."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.enabled = settings.sign_in_throttle

    def limits(self, kind: str) -> tuple[int, int]:
        s = self.settings
        if kind == LOGIN:
            return s.sign_in_login_free, s.sign_in_login_lockout
        return s.sign_in_address_free, s.sign_in_address_lockout

    def penalty(self, kind: str, failures: int) -> float:
        """Seconds before the next check after ``failures`` counted attempts: none for the
        free ones, then the delay doubling each time, then the lockout."""
        free, lockout = self.limits(kind)
        s = self.settings
        if failures >= lockout:
            return s.sign_in_lockout_seconds
        if failures <= free:
            return 0.0
        doublings = min(failures - free - 1, 60)
        return float(min(s.sign_in_delay_seconds * 2**doublings, s.sign_in_lockout_seconds))

    async def blocked(
        self, conn: AsyncConnection, keys: Sequence[str], at: dt.datetime
    ) -> dt.datetime | None:
        """Until when any of ``keys`` is blocked (None: not blocked). One SELECT, no lock."""
        rows = (await conn.execute(_BLOCKS, {"keys": list(keys)})).all()
        until = [row[0] for row in rows if row[0] is not None and row[0] > at]
        return max(until) if until else None

    async def count(
        self, conn: AsyncConnection, key: str, kind: str, at: dt.datetime, *, refuse: bool
    ) -> Counted | dt.datetime:
        """Add one attempt to ``key`` inside the caller's write transaction.

        With ``refuse``, a key blocked meanwhile (by a parallel attempt) is not counted:
        the block is returned instead. The row is created first, then read locked (FOR
        UPDATE on PostgreSQL; SQLite's writer holds the whole database), so parallel
        attempts count one after another, never over each other.
        """
        fresh = {"key": key, "kind": kind, "failures": 0, "last_at": at}
        insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
        await conn.execute(insert(_T).values(fresh).on_conflict_do_nothing(index_elements=["key"]))
        row = (await conn.execute(_ROW.with_for_update(), {"k": key})).one()
        if refuse and row.blocked_until is not None and row.blocked_until > at:
            blocked: dt.datetime = row.blocked_until
            return blocked
        forgotten = row.last_at < at - dt.timedelta(seconds=self.settings.sign_in_window_seconds)
        failures = (0 if forgotten else row.failures) + 1
        penalty = self.penalty(kind, failures)
        until = at + dt.timedelta(seconds=penalty) if penalty else None
        await conn.execute(
            update(_T)
            .where(_T.key == key)
            .values(failures=failures, last_at=at, blocked_until=until)
        )
        return Counted(key, kind, failures, until, failures >= self.limits(kind)[1])

    async def clear(self, conn: AsyncConnection, key: str) -> None:
        await conn.execute(delete(_T).where(_T.key == key))

    async def prune(self, conn: AsyncConnection, at: dt.datetime) -> None:
        """Forget keys quiet for longer than the window and not blocked: guesses at
        unknown logins leave rows, and the table stays the size of recent attempts."""
        s = self.settings
        horizon = at - dt.timedelta(
            seconds=max(s.sign_in_window_seconds, s.sign_in_lockout_seconds)
        )
        await conn.execute(
            delete(_T).where(
                _T.last_at < horizon, or_(_T.blocked_until.is_(None), _T.blocked_until <= at)
            )
        )


# -- the client's address -------------------------------------------------------------------

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def trusted_networks(spec: str) -> tuple[Network, ...]:
    return tuple(
        ipaddress.ip_network(part.strip(), strict=False) for part in spec.split(",") if part.strip()
    )


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def client_address(request: Any, settings: Settings) -> str | None:
    """The address a sign-in is counted against: the TCP peer, or — only when the peer is
    one of ``trusted_proxies`` — the nearest address in ``X-Forwarded-For`` that is not a
    trusted proxy itself (the right-most entries were added by our own proxies; anything
    left of the first untrusted one was written by the client and proves nothing)."""
    if request is None or request.client is None:
        return None
    peer: str = request.client.host
    networks = trusted_networks(settings.trusted_proxies)
    peer_ip = _ip(peer)
    if not networks or peer_ip is None or not any(peer_ip in n for n in networks):
        return peer
    hops = [h for header in request.headers.getlist("x-forwarded-for") for h in header.split(",")]
    for hop in reversed(hops):
        ip = _ip(hop)
        if ip is None:
            break  # a malformed entry: nothing left of it can be trusted
        if not any(ip in n for n in networks):
            return str(ip)
        peer = str(ip)
    return peer
