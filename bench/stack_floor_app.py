"""The stack's floor: what Strawberry on Starlette costs with nothing of the service's.

Two requests, answered through the chosen stack's own request path — Strawberry's Starlette
view parsing the body, its parser and validation caches (the stack at its best),
graphql-core executing the resolvers, the answer encoded — with no session, no policy, no
middleware:

- scenario 3's small query (``query Small { viewer { login roles { name } } }``), the same
  answer from constants;
- scenario 12's institution name by id (``node(id:) { ... on Institution { name } }``),
  the name read by one asyncpg select on the bench's PostgreSQL region (``BENCH_STACK_DSN``)
  — what PostGraphile does for it: anonymous, one statement.

What the app spends beyond it is the service's own (sign-in lookup, policies, limits,
masking, metrics); what the stack spends is beyond any work in the service.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import strawberry
from starlette.applications import Starlette
from starlette.routing import Route
from strawberry.asgi import GraphQL
from strawberry.extensions import ParserCache, ValidationCache

from bench.floor_app import healthz
from campusgraph.ids import from_global_id

#: asyncpg's DSN of the region (scenario 12); without it ``node`` answers null.
DSN = os.environ.get("BENCH_STACK_DSN")
POOL: dict[str, Any] = {}


@strawberry.type
class Role:
    name: str


@strawberry.type
class Viewer:
    login: str
    roles: list[Role]


@strawberry.interface
class Node:
    id: strawberry.ID


@strawberry.type
class Institution(Node):
    name: str


@strawberry.type
class Query:
    @strawberry.field
    def viewer(self) -> Viewer:
        return Viewer(login="teacher", roles=[Role(name="teacher")])

    @strawberry.field
    async def node(self, id: strawberry.ID) -> Node | None:
        pool = POOL.get("pool")
        if pool is None:
            return None
        _, pk = from_global_id(id)
        row = await pool.fetchrow("SELECT name FROM institution WHERE id = $1", pk)
        return Institution(id=id, name=row["name"]) if row is not None else None


@contextlib.asynccontextmanager
async def lifespan(_app: Starlette) -> AsyncIterator[None]:
    if DSN:
        POOL["pool"] = await asyncpg.create_pool(DSN, min_size=1, max_size=10)
    try:
        yield
    finally:
        if "pool" in POOL:
            await POOL.pop("pool").close()


# Instances, as Strawberry's docs have them: each holds its cache for every request (a
# class would be built anew per request, its cache with it); the annotation wants classes.
CACHES: list[Any] = [ParserCache(), ValidationCache()]
schema = strawberry.Schema(query=Query, types=[Institution], extensions=CACHES)
graphql = GraphQL(schema, graphql_ide=None, allow_queries_via_get=False)
app = Starlette(
    routes=[Route("/graphql", graphql, methods=["POST"]), Route("/healthz", healthz)],
    lifespan=lifespan,
)
