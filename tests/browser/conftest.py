"""A real headless browser (Debian's chromium, driven by Playwright) against the live app.

The browser is the machine's own ``/usr/bin/chromium`` (``CAMPUSGRAPH_CHROMIUM`` names
another): Playwright's own browser download needs the internet, which schools and CI lack.
``bin/test`` installs Debian's chromium when run as root, as it installs PostgreSQL; a
missing browser skips these tests, and fails them when ``CI=true``.

A failing test leaves a screenshot of its page in ``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, Page, Playwright, async_playwright

from campusgraph.app import create_app
from tests.conftest import make_settings
from tests.support.databases import Database
from tests.support.live import LiveServer

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"

#: Without these, chromium reaches for Google's services at start, which a closed network
#: refuses (many connections at a time) and which would blur "no outside request" checks.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def chromium_path() -> str | None:
    named = os.environ.get("CAMPUSGRAPH_CHROMIUM")
    if named:
        return named
    for candidate in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(candidate)
        if found:
            return found
    return None


@pytest.fixture(scope="session")
async def playwright_driver() -> AsyncIterator[Playwright]:
    # The async API: the tests, the database fixtures and Playwright share pytest-asyncio's
    # session loop (the sync API runs a loop of its own, which that loop refuses).
    async with async_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
async def browser(playwright_driver: Playwright) -> AsyncIterator[Browser]:
    path = chromium_path()
    if path is None:
        message = (
            "chromium not found: install Debian's 'chromium' package "
            "(bin/test does so itself when run as root) or set CAMPUSGRAPH_CHROMIUM"
        )
        if os.environ.get("CI", "").strip().lower() in ("1", "true", "yes"):
            pytest.fail(f"CI=true requires a browser: {message}", pytrace=False)
        pytest.skip(message)
    launched = await playwright_driver.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
    try:
        yield launched
    finally:
        await launched.close()


@pytest.fixture
async def live_app(db: Database) -> AsyncIterator[LiveServer]:
    """The app in demo mode on a loopback port, against this test's database clone."""
    server = LiveServer(create_app(make_settings(db, mode="demo")))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Any:
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
async def browser_context(browser: Browser) -> AsyncIterator[BrowserContext]:
    context = await browser.new_context(locale="ru-RU", viewport={"width": 1280, "height": 900})
    try:
        yield context
    finally:
        await context.close()


@pytest.fixture
async def page(
    request: pytest.FixtureRequest, browser_context: BrowserContext
) -> AsyncIterator[Page]:
    """A fresh page; if the test fails, its screenshot is saved for whoever reads CI."""
    opened = await browser_context.new_page()
    yield opened
    call = getattr(request.node, "report_call", None)
    if call is not None and call.failed:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)
        with_error = ARTIFACTS / f"{name}.png"
        await opened.screenshot(path=str(with_error), full_page=True)
        print(f"screenshot of the failed page: {with_error}")
