"""The throughput floor: plain Starlette + orjson, served by uvicorn like the app.

It answers the small signed-in query's POST with a fixed payload of the same shape: no
GraphQL, no session lookup, no database — what one worker can do at best.
"""

from __future__ import annotations

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

ANSWER = orjson.dumps({"data": {"viewer": {"login": "teacher", "roles": [{"name": "teacher"}]}}})


async def graphql(request: Request) -> Response:
    body = orjson.loads(await request.body())
    if not isinstance(body, dict) or "query" not in body:
        return Response(b'{"errors":[{"message":"no query"}]}', 400, media_type="application/json")
    return Response(ANSWER, media_type="application/json")


async def healthz(request: Request) -> Response:
    return Response(b'{"status":"ok"}', media_type="application/json")


app = Starlette(routes=[Route("/graphql", graphql, methods=["POST"]), Route("/healthz", healthz)])
