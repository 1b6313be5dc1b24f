"""Relay plumbing: the Node interface, global ids, connections; who counts as signed in
(what an anonymous or one-time-password caller may select is schema/gate.py's)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

import strawberry
from strawberry.permission import BasePermission
from strawberry.types import Info

from campusgraph import ids
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
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(ErrorCode.VALIDATION, message("bad_id", language, value=gid)) from exc


def expect_id(gid: str, type_name: str, language: str = "ru") -> int:
    kind, pk = from_global_id(gid, language)
    if kind != type_name:
        raise ApiError(ErrorCode.VALIDATION, message("wrong_type", language), expected=type_name)
    return pk


@strawberry.interface(description="An object with a global id, fetchable with `node(id:)`.")
class Node:
    id: strawberry.ID = strawberry.field(description="Global, opaque id.")


@strawberry.type(description="Relay page information.")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type(description="An item of a connection with its cursor.")
class Edge(Generic[N]):
    cursor: str
    node: N


@strawberry.type(description="A page of a list; `first` is capped by the server's page size.")
class Connection(Generic[N]):
    edges: list[Edge[N]]
    nodes: list[N]
    page_info: PageInfo
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
