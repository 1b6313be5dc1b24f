"""What every HTTP answer carries: security headers, and 503 when the database is away.

Both are plain ASGI middleware — a function call and a wrapped ``send`` per request, no
``Request`` object and no body buffering — because they sit in front of the journal, the
hot path the benchmarks measure. ``app.py`` installs them (outermost first):
:class:`SecurityHeaders`, CORS when origins are configured, :class:`DatabaseOutage`.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
from collections.abc import Iterable, MutableMapping
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from campusgraph.db.outage import RETRY_AFTER_SECONDS, is_unavailable
from campusgraph.i18n import message, negotiate
from campusgraph.observability import request_id

log = logging.getLogger("campusgraph.http")

#: Where a request's "the database was unavailable" mark lives in its ASGI scope.
OUTAGE_KEY = "campusgraph.outage"


class _Outage:
    __slots__ = ("seen",)

    def __init__(self) -> None:
        self.seen = False


def report_unavailable(scope: MutableMapping[str, Any] | None) -> None:
    """Mark the request's answer as 503: called where a GraphQL error is converted, since
    the status line is written only after the whole result exists."""
    if scope is not None:
        mark = scope.get(OUTAGE_KEY)
        if isinstance(mark, _Outage):
            mark.seen = True


def _language(scope: Scope, default: str) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"accept-language":
            return negotiate(value.decode("latin-1"), default)
    return default


def unavailable_body(language: str) -> bytes:
    extensions = {"code": "UNAVAILABLE"}
    rid = request_id.current()
    if rid is not None:
        extensions["requestId"] = rid
    return orjson.dumps(
        {
            "data": None,
            "errors": [
                {
                    "message": message("unavailable", language),
                    "extensions": extensions,
                }
            ],
        }
    )


RETRY_AFTER = (b"retry-after", str(RETRY_AFTER_SECONDS).encode())


class DatabaseOutage:
    """HTTP 503 with ``Retry-After`` and a GraphQL ``UNAVAILABLE`` error whenever the
    database cannot be reached, never a bare 500.

    Two ways a request meets an outage: an error raised before GraphQL runs (the bearer
    token's session lookup in ``get_context``) escapes the endpoint and is answered here
    with a JSON body; an error inside execution becomes an ``UNAVAILABLE`` GraphQL error
    (``schema/errors.py``), which marks the scope, and the status line is rewritten here.
    Either way the answer is complete, so the kept-alive connection stays usable.
    """

    def __init__(self, app: ASGIApp, *, language: str = "ru") -> None:
        self.app = app
        self.language = language

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        mark = scope[OUTAGE_KEY] = _Outage()
        started = False

        async def send_marked(msg: Message) -> None:
            nonlocal started
            if msg["type"] == "http.response.start":
                started = True
                if mark.seen:
                    headers = [h for h in msg.get("headers", ()) if h[0] != b"retry-after"]
                    msg = {**msg, "status": 503, "headers": [*headers, RETRY_AFTER]}
            await send(msg)

        try:
            await self.app(scope, receive, send_marked)
        except Exception as error:
            if started or not is_unavailable(error):
                raise
            log.warning("database unavailable: %s %s: %s", scope["method"], scope["path"], error)
            body = unavailable_body(_language(scope, self.language))
            await send(
                {
                    "type": "http.response.start",
                    "status": 503,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                        RETRY_AFTER,
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})


# -- security headers ---------------------------------------------------------------------

#: Every answer: no MIME sniffing, no referrer, never framed; an API answer loads nothing.
_COMMON = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
)
API_CSP = b"default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
_API_CSP = (b"content-security-policy", API_CSP)
_NO_STORE = (b"cache-control", b"no-store")

_SCRIPT_SRC = re.compile(rb"<script\b[^>]*\bsrc=\"([^\"]+)\"", re.IGNORECASE)
_STYLESHEET = re.compile(rb"<link\b[^>]*\brel=\"stylesheet\"[^>]*>", re.IGNORECASE)
_HREF = re.compile(rb"\bhref=\"([^\"]+)\"", re.IGNORECASE)
_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.IGNORECASE | re.DOTALL)
_INLINE_STYLE = re.compile(rb"<style>(.*?)</style>", re.IGNORECASE | re.DOTALL)


def _sha256(source: bytes) -> bytes:
    return b"'sha256-" + base64.b64encode(hashlib.sha256(source).digest()) + b"'"


#: GraphiQL's stylesheet embeds its fonts (Roboto, Fira Code) as ``data:`` URLs.
GRAPHIQL_STYLESHEET = b"graphiql.min.css"


def _sources(urls: list[bytes]) -> list[bytes]:
    """CSP sources for the URLs a page loads: a same-origin path is ``'self'`` (a source
    cannot name a path without a host), any other URL itself, in full."""
    own = [u for u in urls if u.startswith(b"/") and not u.startswith(b"//")]
    return ([b"'self'"] if own else []) + [u for u in urls if u not in own]


def page_csp(html: bytes) -> bytes:
    """The Content-Security-Policy of an HTML page that allows exactly what the page
    loads: its external scripts and stylesheets (``'self'`` for its own origin's, others by
    full URL), its inline script and style blocks by hash, fetches to its own origin (the
    IDE posts to /graphql), data: images (its icon), and — when it links GraphiQL's
    stylesheet — the data: fonts embedded there. Derived from the page served, so an IDE
    upgrade cannot silently break it or widen it."""
    scripts = _sources(_SCRIPT_SRC.findall(html))
    scripts += [_sha256(s) for s in _INLINE_SCRIPT.findall(html)]
    sheets = [href for link in _STYLESHEET.findall(html) for href in _HREF.findall(link)]
    styles = _sources(sheets) + [_sha256(s) for s in _INLINE_STYLE.findall(html)]
    fonts = (b"data:",) if any(GRAPHIQL_STYLESHEET in sheet for sheet in sheets) else ()
    directives: Iterable[bytes] = (
        b"default-src 'none'",
        b"script-src " + b" ".join(scripts) if scripts else b"script-src 'none'",
        b"style-src " + b" ".join(styles) if styles else b"style-src 'none'",
        b"font-src " + b" ".join(fonts) if fonts else b"font-src 'none'",
        b"img-src data:",
        b"connect-src 'self'",
        b"base-uri 'none'",
        b"form-action 'none'",
        b"frame-ancestors 'none'",
    )
    return b"; ".join(directives)


class SecurityHeaders:
    """Security headers on every answer, ``Cache-Control: no-store`` on GraphQL answers
    (tokens and minors' personal data must not sit in a browser or proxy cache), and a
    CSP: ``default-src 'none'`` for data, and for the IDE page (dev and demo only) one
    that allows what that page loads and nothing else.

    Only the IDE page is buffered (its policy hashes its inline script); API answers pass
    straight through with headers appended — one pass over the answer's few headers."""

    def __init__(self, app: ASGIApp, *, no_store_paths: tuple[str, ...] = ("/graphql",)) -> None:
        self.app = app
        self.no_store_paths = no_store_paths
        self._page_csp: dict[bytes, bytes] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        no_store = scope["path"] in self.no_store_paths
        held: Message | None = None
        chunks: list[bytes] = []

        async def send_with_headers(msg: Message) -> None:
            nonlocal held
            kind = msg["type"]
            if kind == "http.response.start":
                headers = msg.get("headers") or ()
                html = has_cache = has_csp = False
                for name, value in headers:
                    if name == b"content-type":
                        html = value.startswith(b"text/html")
                    elif name == b"cache-control":
                        has_cache = True
                    elif name == b"content-security-policy":
                        has_csp = True
                out = [*headers, *_COMMON]
                if no_store and not has_cache:
                    out.append(_NO_STORE)
                msg = {**msg, "headers": out}
                if not has_csp:
                    if html:
                        held = msg  # the policy depends on the page: wait for it
                        return
                    out.append(_API_CSP)
            elif kind == "http.response.body" and held is not None:
                chunks.append(msg.get("body", b""))
                if msg.get("more_body", False):
                    return
                page = b"".join(chunks)
                start, held = held, None
                start["headers"].append((b"content-security-policy", self._csp_for(page)))
                await send(start)
                msg = {"type": "http.response.body", "body": page}
            await send(msg)

        await self.app(scope, receive, send_with_headers)

    def _csp_for(self, page: bytes) -> bytes:
        key = hashlib.sha256(page).digest()
        csp = self._page_csp.get(key)
        if csp is None:
            if len(self._page_csp) >= 8:  # one IDE page in practice; never a growing map
                self._page_csp.clear()
            csp = self._page_csp[key] = page_csp(page)
        return csp
