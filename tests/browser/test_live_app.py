"""The browser frame itself: chromium reaches the live app and nothing else."""

from __future__ import annotations

from playwright.async_api import Page

from tests.support.live import LiveServer


async def test_the_browser_reads_the_live_apps_health(page: Page, live_app: LiveServer) -> None:
    # given the app served on loopback
    # when the browser opens its health endpoint
    answer = await page.goto(f"{live_app.url}/healthz")
    # then it reads the app's own answer
    assert answer is not None
    assert answer.status == 200
    assert '"status":"ok"' in (await page.content()).replace(" ", "")
