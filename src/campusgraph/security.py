"""Password hashing (argon2id) and bearer tokens (random, stored as SHA-256 only)."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import secrets
import time
import weakref
from collections.abc import Awaitable, Callable, Iterator
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from campusgraph.settings import Settings, get_settings

TOKEN_BYTES = 32


@lru_cache(maxsize=4)
def _hasher(time_cost: int, memory_kib: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=1)


def hasher(settings: Settings | None = None) -> PasswordHasher:
    s = settings or get_settings()
    return _hasher(s.argon2_time_cost, s.argon2_memory_kib)


def hash_password(password: str, settings: Settings | None = None) -> str:
    return hasher(settings).hash(password)


def verify_password(password_hash: str, password: str, settings: Settings | None = None) -> bool:
    try:
        return hasher(settings).verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def dummy_hash(settings: Settings | None = None) -> str:
    """A valid hash of a random password, verified against when the login is unknown, so a
    wrong login and a wrong password take the same time: hashed with the service's own
    cost, as the accounts' hashes are (a verify costs what its hash says)."""
    s = settings or get_settings()
    return _dummy_hash(s.argon2_time_cost, s.argon2_memory_kib)


@lru_cache(maxsize=4)
def _dummy_hash(time_cost: int, memory_kib: int) -> str:
    return _hasher(time_cost, memory_kib).hash(secrets.token_urlsafe(16))


class Busy(Exception):
    """More password checks are waiting than the queue allows: refuse, do not pile up."""


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def default_concurrency() -> int:
    """All cores but one, which is left to the event loop: measured on two cores under
    eight failing sign-ins at once, checks on both cores made the journal's p95 2.0× its
    quiet value, checks on one 1.1× (bench scenario 8, ``sign-in`` stream)."""
    return max(1, _cores() - 1)


#: How a failed check's place rests (the tests record the rests instead of waiting).
rest: Callable[[float], Awaitable[None]] = asyncio.sleep


class PasswordChecks:
    """Argon2 on worker threads, at most ``concurrency`` at once, at most ``queue`` more
    waiting in line (first come, first served).

    Argon2 is meant to be slow and memory-hard; on the event loop one check stalls every
    request, and unbounded on threads sixteen failing sign-ins took every core (a real
    sign-in waited 5.7 s). Bounded, a flood waits in line or is refused at once with
    :class:`Busy`, and the rest of the service keeps its cores. argon2-cffi releases the
    GIL, so threads run in parallel.
    """

    def __init__(self, concurrency: int, queue: int) -> None:
        self.concurrency = concurrency
        self._slots = asyncio.Semaphore(concurrency)
        self._limit = concurrency + queue
        self._admitted = 0

    @contextlib.contextmanager
    def admit(self) -> Iterator[None]:
        """A place in line for the checks of one request, or :class:`Busy` at once."""
        if self._admitted >= self._limit:
            raise Busy
        self._admitted += 1
        try:
            yield
        finally:
            self._admitted -= 1

    async def verify(self, password_hash: str, password: str, settings: Settings) -> bool:
        async with self._slots:
            began = time.perf_counter()
            ok = await asyncio.to_thread(verify_password, password_hash, password, settings)
            if not ok and settings.argon2_failure_rest > 0:
                # A failed check keeps its place a while: a flood of wrong passwords
                # leaves the cores to everyone else (a right one goes on at once).
                await rest((time.perf_counter() - began) * settings.argon2_failure_rest)
            return ok

    async def hash(self, password: str, settings: Settings) -> str:
        async with self._slots:
            return await asyncio.to_thread(hash_password, password, settings)


#: One line per event loop (a semaphore belongs to its loop) and sizing.
_CHECKS: weakref.WeakKeyDictionary[
    asyncio.AbstractEventLoop, dict[tuple[int, int], PasswordChecks]
] = weakref.WeakKeyDictionary()


def password_checks(settings: Settings) -> PasswordChecks:
    """The worker's one line of password checks, sized by the settings."""
    size = (settings.argon2_concurrency or default_concurrency(), settings.argon2_queue)
    per_loop = _CHECKS.setdefault(asyncio.get_running_loop(), {})
    checks = per_loop.get(size)
    if checks is None:
        checks = per_loop[size] = PasswordChecks(*size)
    return checks


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def one_time_password() -> str:
    """Readable one-time passwords for credentials handed out on paper."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "".join(secrets.choice(alphabet) for _ in range(10))
