"""What every HTTP answer carries, through the real app: security headers on every
answer, ``Cache-Control: no-store`` on GraphQL answers (the sign-in's token included), a
Content-Security-Policy that lets the IDE page load exactly what it loads, and CORS only
for configured origins."""

from __future__ import annotations

import hashlib
import re
from base64 import b64encode
from typing import Any

import httpx

LOGIN = """
mutation ($input: LoginInput!) { login(input: $input) { token errors { code } } }
"""
VIEWER = "query { viewer { login } }"
ORIGIN = "https://journal.example.ru"
OTHER_ORIGIN = "https://evil.example.com"

SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}


def _login(login: str = "teacher") -> dict[str, Any]:
    return {"input": {"institution": "altai-college-2016", "login": login, "password": "demo"}}


def assert_security_headers(response: httpx.Response) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (response.request.url, name, response.headers)
    csp = response.headers.get("content-security-policy", "")
    assert "frame-ancestors 'none'" in csp, csp


def _directives(csp: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for part in csp.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


async def test_every_answer_carries_the_security_headers(make_client: Any) -> None:
    # given the production app, anonymous
    async with make_client(mode="production") as anonymous:
        http = anonymous.http
        teacher = await anonymous.as_("altai-college-2016", "teacher")
        answers = [
            # when it answers a sign-in (a token), a query, a syntax error, the health
            # probe, a GET of /graphql (no IDE in production), a wrong method, a wrong path
            await anonymous.post(LOGIN, _login()),
            await teacher.post(VIEWER),
            await anonymous.post("query {"),
            await http.get("/healthz"),
            await http.get("/graphql"),
            await http.delete("/graphql"),
            await http.get("/nowhere"),
        ]
    # then every answer has them, and an API answer may load nothing at all
    for response in answers:
        assert_security_headers(response)
        if not response.headers.get("content-type", "").startswith("text/html"):
            csp = _directives(response.headers["content-security-policy"])
            assert csp["default-src"] == ["'none'"], csp


async def test_graphql_answers_are_never_stored_in_a_cache(make_client: Any) -> None:
    async with make_client(mode="production") as anonymous:
        # when a sign-in answers with a token, and a signed-in query with personal data
        login = await anonymous.post(LOGIN, _login())
        token = login.json()["data"]["login"]["token"]
        personal = await anonymous.post(VIEWER, token=token)
        refused = await anonymous.post(LOGIN, _login("nobody"))
    # then neither may be kept by a browser or a proxy
    assert token
    for response in (login, personal, refused):
        assert response.headers.get("cache-control") == "no-store", response.headers


async def test_the_ide_page_may_load_exactly_what_it_loads(make_client: Any) -> None:
    # given the IDE, served in dev mode only
    async with make_client(mode="dev") as anonymous:
        page = await anonymous.http.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert_security_headers(page)
    csp = _directives(page.headers["content-security-policy"])
    html = page.text

    # then nothing is allowed by default, nothing inline without its hash, no other host
    assert csp["default-src"] == ["'none'"]
    for directive in ("script-src", "style-src"):
        for source in csp[directive]:
            assert source == "'self'" or source.startswith("'sha256-"), (directive, source)
    # every script and stylesheet the page loads is the app's own (it works offline)
    scripts = re.findall(r'<script[^>]*\bsrc="([^"]+)"', html)
    styles = re.findall(r'<link[^>]*rel="stylesheet"[^>]*href="([^"]+)"', html, re.DOTALL)
    assert scripts
    assert styles
    for url in (*scripts, *styles):
        assert url.startswith("/ide/"), url
    assert "'self'" in csp["script-src"]
    assert "'self'" in csp["style-src"]
    # (GraphiQL's stylesheet embeds its fonts as data: URLs)
    assert csp["font-src"] == ["data:"]
    # every inline block is allowed by its hash, and nothing else inline is
    inline_scripts = re.findall(r"<script>(.*?)</script>", html, re.DOTALL)
    inline_styles = re.findall(r"<style>(.*?)</style>", html, re.DOTALL)

    def hashed(block: str) -> str:
        return "'sha256-" + b64encode(hashlib.sha256(block.encode()).digest()).decode() + "'"

    assert {s for s in csp["script-src"] if s.startswith("'sha")} == {
        hashed(b) for b in inline_scripts
    }
    assert {s for s in csp["style-src"] if s.startswith("'sha")} == {
        hashed(b) for b in inline_styles
    }
    # it posts to its own origin only, shows only data: images (its icon), is never framed
    assert csp["connect-src"] == ["'self'"]
    assert csp["img-src"] == ["data:"]
    assert csp["frame-ancestors"] == ["'none'"]


async def test_cors_is_off_unless_origins_are_configured(make_client: Any) -> None:
    preflight = {
        "Origin": ORIGIN,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    }
    # given the default settings
    async with make_client(mode="production") as anonymous:
        # when a page of another site asks first, then posts
        asked = await anonymous.http.options("/graphql", headers=preflight)
        posted = await anonymous.post(VIEWER, headers={"Origin": ORIGIN})
    # then nothing lets a browser read the answer
    assert asked.status_code >= 400
    for response in (asked, posted):
        assert "access-control-allow-origin" not in response.headers, response.headers
        assert_security_headers(response)


async def test_configured_origins_get_their_preflight_answered_and_others_do_not(
    make_client: Any,
) -> None:
    # given one configured origin
    async with make_client(mode="production", cors_origins=f"{ORIGIN}/") as anonymous:
        http = anonymous.http

        def preflight(origin: str) -> dict[str, str]:
            return {
                "Origin": origin,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization, content-type",
            }

        # when it asks first, then posts; and another origin does the same
        ours = await http.options("/graphql", headers=preflight(ORIGIN))
        ours_post = await anonymous.post(VIEWER, headers={"Origin": ORIGIN})
        theirs = await http.options("/graphql", headers=preflight(OTHER_ORIGIN))
        theirs_post = await anonymous.post(VIEWER, headers={"Origin": OTHER_ORIGIN})

    # then the configured origin may send a bearer token as JSON and read the answer
    assert ours.status_code == 200, ours.text
    assert ours.headers["access-control-allow-origin"] == ORIGIN
    assert "POST" in ours.headers["access-control-allow-methods"]
    allowed = {h.strip().lower() for h in ours.headers["access-control-allow-headers"].split(",")}
    assert {"authorization", "content-type"} <= allowed
    assert ours_post.headers["access-control-allow-origin"] == ORIGIN
    assert "access-control-allow-credentials" not in ours_post.headers  # bearer, no cookies
    # and another origin may not
    assert theirs.status_code >= 400
    assert "access-control-allow-origin" not in theirs.headers
    assert "access-control-allow-origin" not in theirs_post.headers
    for response in (ours, ours_post, theirs, theirs_post):
        assert_security_headers(response)


def test_a_pages_own_files_are_allowed_as_self_and_others_by_full_url() -> None:
    # given a page loading its own files, one file of another host, an inline script
    from campusgraph.middleware import page_csp

    html = (
        b'<link rel="stylesheet" href="/ide/x/a.css" />'
        b'<script src="/ide/x/a.js"></script>'
        b'<script src="https://cdn.example.org/lib/b.js"></script>'
        b'<script src="//cdn.example.org/lib/c.js"></script>'
        b"<script>go()</script>"
    )
    # when its policy is derived
    csp = _directives(page_csp(html).decode())
    # then its own origin is 'self' (a CSP source names no path without a host), the other
    # host's files are allowed one by one, the inline script by its hash; no fonts
    inline = "'sha256-" + b64encode(hashlib.sha256(b"go()").digest()).decode() + "'"
    assert csp["script-src"] == [
        "'self'",
        "https://cdn.example.org/lib/b.js",
        "//cdn.example.org/lib/c.js",
        inline,
    ]
    assert csp["style-src"] == ["'self'"]
    assert csp["font-src"] == ["'none'"]
