"""Arguments a client sends that cannot mean anything: a malformed id, a negative page.

They are the client's mistake, answered as VALIDATION in the client's language wherever
they are found — in a resolver, a loader or the id codec — and never reach the database
(where SQLite reads a negative LIMIT as "no limit" and a 40-digit key overflows). The
error lives here, below both the schema and the resolvers, so every layer raises the same
one; ``schema.errors.ErrorPolicy`` turns it into the answer.
"""

from __future__ import annotations

from typing import Any

from campusgraph.i18n import message

#: The largest key or offset a client may name: a signed 64-bit integer (PostgreSQL's
#: bigint, SQLite's INTEGER).
MAX_INT64 = 2**63 - 1
#: How much of a rejected value is repeated back in the message.
SHOWN = 40


class InvalidArgument(ValueError):
    """A client's argument that cannot be used; ``key`` names its message in i18n."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(message(key, "en", **params))
        self.key = key
        self.params = params

    def text(self, language: str) -> str:
        return message(self.key, language, **self.params)


def shown(value: object) -> str:
    """A client's value as repeated in a message: never a whole 16 KB string."""
    text = str(value)
    return text if len(text) <= SHOWN else text[:SHOWN] + "…"


def page_size(first: int | None, cap: int) -> int:
    """``first`` of a connection: at most the server's page size, never negative."""
    if first is None:
        return cap
    if first < 0:
        raise InvalidArgument("page_negative", value=first)
    if first > cap:
        raise InvalidArgument("page_too_large", limit=cap)
    return first


def within(value: int | None, low: int, high: int, argument: str) -> int | None:
    """An integer argument with natural bounds (a year, a course, a count)."""
    if value is not None and not low <= value <= high:
        raise InvalidArgument("out_of_range", argument=argument, low=low, high=high)
    return value
