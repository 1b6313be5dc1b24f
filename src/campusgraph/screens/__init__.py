"""Example screens: the teacher's journal and the parent's diary as static pages (``static/``:
HTML, ES modules, CSS; no build step, nothing fetched from outside) that use only the public
GraphQL API, as any front end would. ``app.py`` mounts them at ``/screens/`` in demo and dev
mode only; ``tests/browser/test_screens.py`` drives them in a real browser.
"""

from __future__ import annotations

from pathlib import Path

from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

STATIC = Path(__file__).parent / "static"

#: The screens' own policy rather than the one the security middleware derives from a page:
#: their scripts are same-origin ES modules importing each other, which a page's
#: ``<script src>`` list cannot name. Nothing inline, nothing from elsewhere, fetches to
#: this origin only (/graphql).
CSP = (
    b"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    b"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


def screens_app() -> ASGIApp:
    """The static files, each answer with :data:`CSP` (the security middleware then adds
    its common headers and leaves this policy as it is)."""
    files = StaticFiles(directory=STATIC, html=True)

    async def with_policy(scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_policy(msg: Message) -> None:
            if msg["type"] == "http.response.start":
                headers = [*msg.get("headers", ()), (b"content-security-policy", CSP)]
                msg = {**msg, "headers": headers}
            await send(msg)

        await files(scope, receive, send_with_policy)

    return with_policy
