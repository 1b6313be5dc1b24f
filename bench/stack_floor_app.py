"""The stack's floor: the small query answered by Strawberry on Starlette, and nothing else.

The same POST as the plain floor (``bench.floor_app``) and the app, the same document
(``query Small { viewer { login roles { name } } }``) and the same answer, through the
chosen stack's own request path — Strawberry's Starlette view parsing the body, parsing
and validating the document, graphql-core executing two resolvers, the answer encoded —
with no session, no database, no extension, no middleware. What the app spends beyond it
is the service's own (sign-in lookup, policies, limits, masking, metrics); what it spends
below the plain floor is the stack's, which no work in the service can take back.
"""

from __future__ import annotations

import strawberry
from starlette.applications import Starlette
from starlette.routing import Route
from strawberry.asgi import GraphQL

from bench.floor_app import healthz


@strawberry.type
class Role:
    name: str


@strawberry.type
class Viewer:
    login: str
    roles: list[Role]


@strawberry.type
class Query:
    @strawberry.field
    def viewer(self) -> Viewer:
        return Viewer(login="teacher", roles=[Role(name="teacher")])


graphql = GraphQL(strawberry.Schema(query=Query), graphql_ide=None, allow_queries_via_get=False)
app = Starlette(routes=[Route("/graphql", graphql, methods=["POST"]), Route("/healthz", healthz)])
