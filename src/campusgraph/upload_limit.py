"""The size of a multipart (file upload) request to /graphql, held before it is parsed.

A multipart body is parsed by Starlette into spooled files before any resolver runs, so
the file-size limit of a resolver alone would let a client make the server read and
spool any amount. This middleware refuses a multipart request whose ``Content-Length``
says it is larger than ``portfolio_file_max_bytes`` + 1 MiB (the other parts: the
operations, the map) with 413 before reading it, and one without a length (chunked) as
soon as the bytes read pass that; only then is the body handed to the endpoint.
"""

from __future__ import annotations

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from campusgraph.i18n import message, negotiate
from campusgraph.settings import Settings

#: Room for the parts of a multipart request that are not the file.
OVERHEAD_BYTES = 1024 * 1024


def request_limit(settings: Settings) -> int:
    return settings.portfolio_file_max_bytes + OVERHEAD_BYTES


class UploadLimit:
    def __init__(self, app: ASGIApp, settings: Settings, path: str = "/graphql") -> None:
        self.app = app
        self.settings = settings
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") != self.path:
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or ())
        content_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        if content_type != b"multipart/form-data":
            await self.app(scope, receive, send)
            return
        limit = request_limit(self.settings)
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            await self._refuse(scope, send, limit)
            return
        chunks: list[bytes] = []
        total = 0
        while True:
            msg = await receive()
            if msg["type"] == "http.disconnect":
                return
            body = msg.get("body", b"")
            total += len(body)
            if total > limit:
                await self._refuse(scope, send, limit)
                return
            chunks.append(body)
            if not msg.get("more_body", False):
                break
        whole: list[Message] = [
            {"type": "http.request", "body": b"".join(chunks), "more_body": False}
        ]

        async def replay() -> Message:
            if whole:
                return whole.pop()
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, send: Send, limit: int) -> None:
        from campusgraph.portfolios import size_text

        headers = dict(scope.get("headers") or ())
        language = negotiate(
            headers.get(b"accept-language", b"").decode("latin-1") or None,
            self.settings.language,
        )
        text = message("upload_request_too_large", language, limit=size_text(limit, language))
        body = orjson.dumps({"errors": [{"message": text, "extensions": {"code": "VALIDATION"}}]})
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
