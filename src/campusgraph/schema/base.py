"""Relay plumbing: the Node interface, global ids, connections; who counts as signed in
(what an anonymous or one-time-password caller may select is schema/gate.py's)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Annotated, Any, Generic, TypeVar

import strawberry
from strawberry.permission import BasePermission
from strawberry.types import Info

from campusgraph import ids
from campusgraph.arguments import InvalidArgument
from campusgraph.context import Context
from campusgraph.i18n import message
from campusgraph.resolvers.reads import Page, count, encode_cursor
from campusgraph.schema.errors import ApiError, ErrorCode

N = TypeVar("N")

GraphQLInfo = Info[Context, None]


def ctx(info: GraphQLInfo) -> Context:
    return info.context


def to_global_id(type_name: str, pk: int) -> strawberry.ID:
    return strawberry.ID(ids.to_global_id(type_name, pk))


def from_global_id(gid: str, language: str = "ru") -> tuple[str, int]:
    try:
        return ids.from_global_id(gid)
    except InvalidArgument as exc:
        raise ApiError(ErrorCode.VALIDATION, exc.text(language)) from exc


def expect_id(gid: str, type_name: str, language: str = "ru") -> int:
    kind, pk = from_global_id(gid, language)
    if kind != type_name:
        raise ApiError(ErrorCode.VALIDATION, message("wrong_type", language), expected=type_name)
    return pk


def today(info: GraphQLInfo) -> dt.date:
    """The viewer's today: the institution's date in its time zone (see
    :func:`campusgraph.resolvers.auth.local_today`)."""
    viewer = info.context.viewer
    return viewer.today if viewer is not None else info.context.settings.current_date()


def within_dates(
    info: GraphQLInfo, first: dt.date, last: dt.date | None, *, last_exclusive: bool = False
) -> bool:
    """Whether today falls from ``first`` to ``last`` (None: open-ended), the one
    definition of "current" every dated object's ``isCurrent`` uses."""
    return holds(today(info), first, last, last_exclusive=last_exclusive)


def holds(
    day: dt.date, first: dt.date, last: dt.date | None, *, last_exclusive: bool = False
) -> bool:
    if day < first:
        return False
    if last is None:
        return True
    return day < last if last_exclusive else day <= last


#: The arguments many fields share, described once (GraphiQL's docs show each argument's
#: description where the field is).
First = Annotated[
    int | None,
    strawberry.argument(
        description="At most this many items; omitted: the server's page size (200 unless "
        "configured), which is also the most allowed."
    ),
]
After = Annotated[
    str | None,
    strawberry.argument(
        description="The items after this cursor: the `endCursor` of the previous page (or an "
        "edge's `cursor`) of this same list."
    ),
]
DateFrom = Annotated[dt.date, strawberry.argument(description="The first day, included.")]
DateTo = Annotated[dt.date, strawberry.argument(description="The last day, included.")]
OptionalDateFrom = Annotated[
    dt.date | None, strawberry.argument(description="The first day, included; omitted: no bound.")
]
OptionalDateTo = Annotated[
    dt.date | None, strawberry.argument(description="The last day, included; omitted: no bound.")
]
OnDate = Annotated[
    dt.date | None, strawberry.argument(description="The day asked about; omitted: today.")
]


@strawberry.interface(description="An object with a global id, fetchable with `node(id:)`.")
class Node:
    id: strawberry.ID = strawberry.field(description="Global, opaque id.")


@strawberry.type(description="Relay page information.")
class PageInfo:
    has_next_page: bool = strawberry.field(
        description="More items follow: ask again with `after: endCursor`."
    )
    has_previous_page: bool = strawberry.field(description="Items precede this page.")
    start_cursor: str | None = strawberry.field(
        description="The cursor of the page's first item; null for an empty page."
    )
    end_cursor: str | None = strawberry.field(
        description="The cursor of the page's last item (the next page's `after`); null "
        "for an empty page."
    )


@strawberry.type(description="An item of a connection with its cursor.")
class Edge(Generic[N]):
    cursor: str = strawberry.field(
        description="Opaque position of the item: pass it as `after` for the items after it."
    )
    node: N = strawberry.field(description="The item.")


@strawberry.type(
    description="A page of a list. `first` is at most the server's page size (200 unless "
    "configured); a larger or negative `first`, or an `after` not taken from this list's "
    "cursors, is refused with VALIDATION."
)
class Connection(Generic[N]):
    edges: list[Edge[N]] = strawberry.field(description="The page's items with their cursors.")
    nodes: list[N] = strawberry.field(description="The page's items (as `edges { node }`).")
    page_info: PageInfo = strawberry.field(description="Where this page is in the list.")
    _page: strawberry.Private[Page | None] = None

    @strawberry.field(description="Total number of items the viewer may see (one more query).")
    async def total_count(self, info: GraphQLInfo) -> int:
        if self._page is None:
            return len(self.nodes)
        return await count(info.context, self._page.counting())

    @classmethod
    def from_page(cls, page: Page, make: Callable[[Any], N]) -> Connection[N]:
        nodes = [make(row) for row in page.rows]
        edges = [Edge(cursor=encode_cursor(page.offset + i), node=n) for i, n in enumerate(nodes)]
        return cls(
            edges=edges,
            nodes=nodes,
            page_info=PageInfo(
                has_next_page=page.has_next,
                has_previous_page=page.offset > 0,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
            _page=page,
        )

    @classmethod
    def from_list(cls, items: Sequence[N]) -> Connection[N]:
        edges = [Edge(cursor=encode_cursor(i), node=n) for i, n in enumerate(items)]
        return cls(
            edges=edges,
            nodes=list(items),
            page_info=PageInfo(
                has_next_page=False,
                has_previous_page=False,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
        )


def unauthenticated(context: Context) -> ApiError:
    problem = context.auth_problem
    lang = context.language
    if problem is None:
        return ApiError(ErrorCode.UNAUTHENTICATED, message("unauthenticated", lang))
    return ApiError(
        ErrorCode.UNAUTHENTICATED,
        problem.message_en if lang == "en" else problem.message_ru,
        reason=problem.code,
    )


class SignedIn(BasePermission):
    """Declared on every root field except ``login``: a valid session is required."""

    def has_permission(self, source: Any, info: GraphQLInfo, **kwargs: Any) -> bool:
        if info.context.viewer is not None:
            return True
        raise unauthenticated(info.context)


signed_in: list[type[BasePermission]] = [SignedIn]
