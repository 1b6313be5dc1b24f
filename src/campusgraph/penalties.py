"""A growing pause for callers whose requests keep being refused before execution.

Why: the request gate (schema/gate.py) refuses a costly, oversized or anonymous document
in about a millisecond, but a client that sends such documents back to back on a few
connections still takes most of the event loop — a thousand refusals a second — and
everyone else waits behind them. After a few refusals in a window, each further request
of the same caller waits before it is looked at: the wait is an ``asyncio.sleep``, which
costs the loop nothing, so a flood slows itself down to a trickle.

Who "the same caller" is: the session (its token's digest) when signed in, otherwise the
client's address. The counts are per worker and in memory: this is load shedding, not a
security boundary (sign-in guessing has its own throttle, kept in the database).
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

#: Refusal codes that mark a request the gate turned away before execution.
REFUSALS = frozenset(
    {"QUERY_TOO_COSTLY", "QUERY_TOO_COMPLEX", "UNAUTHENTICATED", "GRAPHQL_PARSE_FAILED"}
)
#: Callers remembered at most (the oldest forgotten first).
KEEP = 10_000
#: The first pause past the free refusals; it doubles with each further refusal.
FIRST_PAUSE_SECONDS = 0.05

#: What waits (the tests record the pauses asked for instead of sleeping).
sleep: Callable[[float], Awaitable[None]] = asyncio.sleep


@dataclass
class _Count:
    refusals: int
    since: float


class Penalties:
    """Refusals per caller within a window, and the pause they earn."""

    def __init__(self, free: int, max_pause: float, window: float = 60.0) -> None:
        self.free = free
        self.max_pause = max_pause
        self.window = window
        self._counts: OrderedDict[str, _Count] = OrderedDict()

    def pause(self, caller: str) -> float:
        """Seconds the caller's next request waits (0 while within the free refusals)."""
        count = self._counts.get(caller)
        if count is None:
            return 0.0
        if time.monotonic() - count.since > self.window:
            del self._counts[caller]
            return 0.0
        over = count.refusals - self.free
        if over <= 0:
            return 0.0
        return float(min(self.max_pause, FIRST_PAUSE_SECONDS * 2 ** min(over - 1, 30)))

    def refused(self, caller: str) -> None:
        now = time.monotonic()
        count = self._counts.get(caller)
        if count is None or now - count.since > self.window:
            self._counts[caller] = _Count(1, now)
        else:
            count.refusals += 1
            self._counts.move_to_end(caller)
        if len(self._counts) > KEEP:
            self._counts.popitem(last=False)

    async def wait(self, caller: str) -> None:
        seconds = self.pause(caller)
        if seconds > 0:
            await sleep(seconds)
