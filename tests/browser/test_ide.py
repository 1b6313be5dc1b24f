"""The IDE in a real browser cut off from everything but the app: it loads, signs in and
runs a query, shows its explorer and every description, and asks nothing of the internet.

Every request the page makes to a host other than the app's (127.0.0.1) is refused and
recorded, as a school's closed network would refuse it; the browser console must stay
free of errors (a script or stylesheet the CSP refuses is one).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest
from graphql import build_schema as build_sdl
from playwright.async_api import ConsoleMessage, Locator, Page, Route
from playwright.async_api import TimeoutError as PlaywrightTimeout

from campusgraph.schema.root import sdl
from tests.support.live import LiveServer

LOGIN = """mutation {
  login(input: {institution: "altai-college-2016", login: "teacher", password: "demo"}) {
    token
    errors { code }
  }
}"""
VIEWER = "query { viewer { login roles { name } } }"

QUERY_EDITOR = ".graphiql-query-editor .CodeMirror"
HEADERS_TAB = ".graphiql-editor-tools button:text-is('Headers')"
#: The editor of the open tab (variables or headers) below the query editor.
TOOL_EDITOR = ".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror"
RESULT = ".result-window .CodeMirror"
#: GraphiQL renders the editors once it has the schema (introspection): then it is usable.
READY_TIMEOUT_MS = 30_000


@dataclass
class Watch:
    """What the page tried beyond the app, and what its console reported as errors."""

    app_host: str
    outside: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    async def guard(self, route: Route) -> None:
        if urlsplit(route.request.url).hostname == self.app_host:
            await route.continue_()
        else:
            self.outside.append(route.request.url)
            await route.abort("internetdisconnected")

    def console(self, msg: ConsoleMessage) -> None:
        if msg.type == "error":
            self.errors.append(f"{msg.text} ({msg.location.get('url', '')})")

    def page_error(self, error: Any) -> None:
        self.errors.append(f"uncaught: {error}")


@pytest.fixture
async def watch(page: Page, live_app: LiveServer) -> AsyncIterator[Watch]:
    watched = Watch(app_host=urlsplit(live_app.url).hostname or "")
    await page.context.route("**/*", watched.guard)
    page.on("console", watched.console)
    page.on("pageerror", watched.page_error)
    return watched


async def open_ide(page: Page, live_app: LiveServer, watch: Watch) -> None:
    """Open the IDE and wait until it is usable; a file asked of another host fails at
    once (once the page's "load" fired, every script and stylesheet has been asked for)."""
    answer = await page.goto(f"{live_app.url}/graphql", wait_until="load")
    assert answer is not None
    assert answer.status == 200
    assert watch.outside == [], "the IDE page loads files from other hosts"
    try:
        await page.locator(QUERY_EDITOR).wait_for(timeout=READY_TIMEOUT_MS)
    except PlaywrightTimeout:
        pytest.fail(f"GraphiQL did not render; the console said: {watch.errors}")


async def type_into(page: Page, editor: Locator, text: str) -> None:
    """Replace an editor's text as a person pasting it would: focus, select all, insert."""
    await editor.click()
    await page.keyboard.press("Control+A")
    await page.keyboard.insert_text(text)


async def run(page: Page, wanted: str) -> Any:
    """Ctrl-Enter in the query editor, then the answer the result pane shows."""
    await page.locator(QUERY_EDITOR).click()
    await page.keyboard.press("Control+Enter")
    result = page.locator(RESULT)
    await result.filter(has_text=wanted).wait_for(timeout=READY_TIMEOUT_MS)
    shown = await result.evaluate("element => element.CodeMirror.getValue()")
    return json.loads(shown)


async def test_the_ide_signs_in_and_runs_a_query_with_the_network_cut(
    page: Page, live_app: LiveServer, watch: Watch
) -> None:
    # given the IDE opened in a browser that can reach the app and nothing else
    await open_ide(page, live_app, watch)

    # when a user signs in from the query editor
    await type_into(page, page.locator(QUERY_EDITOR), LOGIN)
    signed = await run(page, "token")
    token = signed["data"]["login"]["token"]
    assert token, signed
    # and puts the token in the headers editor, then runs a query that needs it
    await page.locator(HEADERS_TAB).click()
    await type_into(
        page, page.locator(TOOL_EDITOR), json.dumps({"Authorization": f"Bearer {token}"})
    )
    await type_into(page, page.locator(QUERY_EDITOR), VIEWER)
    answer = await run(page, "roles")

    # then the result pane shows the signed-in teacher's answer
    assert "errors" not in answer, answer
    assert answer["data"]["viewer"]["login"] == "teacher"
    assert "teacher" in {role["name"] for role in answer["data"]["viewer"]["roles"]}
    # and nothing was asked of any other host, and nothing went wrong in the console
    assert watch.outside == []
    assert watch.errors == []


async def test_the_docs_show_a_fields_description_and_the_explorer_is_there(
    page: Page, live_app: LiveServer, watch: Watch
) -> None:
    schema = build_sdl(sdl())
    assert schema.mutation_type is not None
    assert schema.query_type is not None
    login = schema.mutation_type.fields["login"]
    assert login.description
    # given the IDE, offline
    await open_ide(page, live_app, watch)

    # when the documentation explorer is opened on the Mutation type's `login`
    await page.get_by_label("Show Documentation Explorer").click()
    docs = page.locator(".graphiql-doc-explorer")
    await docs.get_by_role("link", name="Mutation", exact=True).click()
    await docs.get_by_role("link", name="login", exact=True).first.click()
    # then its description is shown, as the schema has it
    await docs.get_by_text(login.description, exact=False).first.wait_for()
    # and its argument's type is one click away, with that type's own description
    login_input = schema.type_map["LoginInput"]
    assert login_input.description
    await docs.get_by_role("link", name="LoginInput", exact=True).first.click()
    await docs.get_by_text(login_input.description, exact=False).first.wait_for()

    # when the explorer plugin is opened
    await page.get_by_label("Show GraphiQL Explorer").click()
    explorer = page.locator(".graphiql-explorer-root")
    await explorer.wait_for()
    # then it lists the root fields, and ticking one writes it into the query editor
    await explorer.get_by_text("viewer", exact=True).first.click()
    await page.locator(QUERY_EDITOR).filter(has_text="viewer").wait_for()

    assert watch.outside == []
    assert watch.errors == []


async def test_the_ides_dialogs_keep_to_the_pages_csp(
    page: Page, live_app: LiveServer, watch: Watch
) -> None:
    """GraphiQL's dialogs add <style> elements while open, which a CSP without
    'unsafe-inline' refuses (a console error each): ide.js applies them as constructed
    stylesheets instead."""
    # given the IDE, offline
    await open_ide(page, live_app, watch)
    for button in ("Open settings dialog", "Open short keys dialog"):
        # when a dialog is opened
        await page.get_by_label(button).click()
        dialog = page.get_by_role("dialog")
        await dialog.wait_for()
        # then its scroll lock applies (a rule of its style element), and goes when it closes
        body = page.locator("body")
        assert await body.evaluate("b => getComputedStyle(b).overflow") == "hidden"
        await page.keyboard.press("Escape")
        await dialog.wait_for(state="detached")
        assert await page.evaluate("document.adoptedStyleSheets.length") == 0
    # and the console stayed clean
    assert watch.errors == []
    assert watch.outside == []


async def test_the_ides_files_are_the_apps_own(
    page: Page, live_app: LiveServer, watch: Watch
) -> None:
    # given the IDE, offline
    loaded: list[str] = []
    page.on("requestfinished", lambda request: loaded.append(request.url))
    await open_ide(page, live_app, watch)
    # then every script and stylesheet came from the app, and there were some
    scripts = await page.eval_on_selector_all("script[src]", "els => els.map(e => e.src)")
    sheets = await page.eval_on_selector_all("link[rel=stylesheet]", "els => els.map(e => e.href)")
    assert scripts
    assert sheets
    for url in [*scripts, *sheets]:
        assert url.startswith(f"{live_app.url}/ide/"), url
        assert url in loaded, url
    assert watch.outside == []
    assert watch.errors == []
