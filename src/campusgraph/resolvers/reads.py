"""The one auth-aware place every read of rows goes through.

``filtered(ctx, obj, stmt)`` adds the ruleset's SQL filter for ``obj:read`` (the tenant
criterion is added by the session itself, see :mod:`campusgraph.db.tenancy`).
Pagination is offset-based with opaque cursors and a hard page cap. Every connection's
``first``/``after`` pass through :func:`window`, the one place they are checked: a page
is never larger than the cap, never negative, never at an offset no cursor could name.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, Select, func, select

from campusgraph.arguments import InvalidArgument, page_size
from campusgraph.context import Context
from campusgraph.policies.scopes import SqlAnchors

#: The largest offset a cursor may carry (fits every database's LIMIT/OFFSET).
MAX_OFFSET = 2**31 - 2
#: Longer than any cursor the service hands out.
MAX_CURSOR = 32


class BadCursor(InvalidArgument):
    def __init__(self) -> None:
        super().__init__("bad_cursor")


def filtered(
    ctx: Context,
    obj: str,
    stmt: Any,
    *,
    action: str = "read",
    anchors: SqlAnchors | None = None,
) -> Any:
    return stmt.where(ctx.authorizer.where(obj, action, anchors))


async def all_rows(
    ctx: Context, obj: str, stmt: Any, *, anchors: SqlAnchors | None = None
) -> Sequence[Row[Any]]:
    async with ctx.session() as session:
        result = await session.execute(filtered(ctx, obj, stmt, anchors=anchors))
        rows: Sequence[Row[Any]] = result.all()
        return rows


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode()


def decode_cursor(cursor: str | None) -> int:
    """The offset after ``cursor``; :class:`BadCursor` for anything not handed out here."""
    if not cursor:
        return 0
    if len(cursor) > MAX_CURSOR or not cursor.isascii():
        raise BadCursor
    try:
        kind, value = base64.urlsafe_b64decode(cursor.encode()).decode().split(":", 1)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadCursor from exc
    if kind != "o" or not value.isascii() or not value.isdigit() or int(value) > MAX_OFFSET:
        raise BadCursor
    return int(value) + 1


@dataclass(frozen=True, slots=True)
class Page:
    rows: Sequence[Row[Any]]
    offset: int
    has_next: bool
    #: Builds the statement counting every row of the list (only ``totalCount`` asks).
    counting: Callable[[], Select[Any]]


def window(ctx: Context, first: int | None, after: str | None) -> tuple[int, int]:
    """A page's size and offset from the connection arguments: VALIDATION for a
    negative ``first`` or one over the cap (never "no limit"), or a foreign cursor."""
    return page_size(first, ctx.settings.max_page_size), decode_cursor(after)


async def page(
    ctx: Context,
    obj: str,
    stmt: Any,
    *,
    first: int | None,
    after: str | None,
    anchors: SqlAnchors | None = None,
) -> Page:
    """One page of a filtered, ordered select; fetches one extra row to know has_next."""
    limit, offset = window(ctx, first, after)
    stmt = filtered(ctx, obj, stmt, anchors=anchors)
    async with ctx.session() as session:
        rows = (await session.execute(stmt.limit(limit + 1).offset(offset))).all()
    return Page(rows[:limit], offset, len(rows) > limit, lambda: counting(stmt))


def counting(stmt: Any) -> Select[Any]:
    """The number of rows ``stmt`` selects."""
    return select(func.count()).select_from(stmt.order_by(None).subquery())


async def count(ctx: Context, stmt: Select[Any]) -> int:
    async with ctx.session() as session:
        return int((await session.execute(stmt)).scalar_one())
