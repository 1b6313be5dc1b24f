"""The example screens (/screens/) in a real browser: the teacher writes the journal through
the page, the parent reads it in the diary, and the database holds what the page showed.

The pages use only the public GraphQL API; these tests read the same API (the in-process
client on the same database clone) to pick their cells and to check what was stored.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import pytest
from graphql import build_schema, parse, validate
from playwright.async_api import Browser, BrowserContext, ConsoleMessage, Page, Response, expect

from campusgraph.schema.root import SCHEMA_FILE
from campusgraph.screens import STATIC
from tests.conftest import SignIn
from tests.support.client import LOGIN, GraphQLClient
from tests.support.live import LiveServer

INSTITUTION = "altai-college-2016"

PARENT_CHILD = """
query ParentChild { viewer { children { id fullName group { id name } } } }
"""

TEACHING = """
query Teaching {
  viewer { employee { teachingAssignments { group { id name } discipline { id name } } } }
  institution {
    academicYears { name periods { id name startsOn endsOn isCurrent isClosed } }
  }
}
"""

JOURNAL = """
query Journal($group: ID!, $discipline: ID!, $period: ID!) {
  journal(group: $group, discipline: $discipline, period: $period) {
    lessons { id date works { id title } }
    columns { workId lessonId lessonIndex date }
    rows { studentId fullName marks attendance }
  }
}
"""

SET_MARK = """
mutation SetMark($input: SetMarkInput!) {
  setMark(input: $input) { mark { id } errors { code message reason } }
}
"""

CLOSE_PERIOD = """
mutation ClosePeriod($input: ClosePeriodInput!) {
  closePeriod(input: $input) { period { isClosed } errors { code message } }
}
"""

ALWAYS_ON_SCREEN = 10_000  # ms: a loaded machine (two cores, seven helpers) is slow, not wrong


@dataclass
class Cell:
    """A journal cell as the test chose it through the API."""

    work: str
    lesson: str
    lesson_index: int
    column: int
    date: dt.date
    title: str

    def button_name(self, student: str) -> str:
        """The cell's accessible name while it is empty (journal.js cellName)."""
        return f"{student}, {self.date:%d.%m.%Y}, {self.title}"


@dataclass
class Scene:
    """Who and what: the parent's child, the teacher's journal of the child's group, and the
    two empty cells of one week the teacher will write."""

    child_id: str
    child: str
    group: str
    discipline: str
    period_id: str
    period_label: str
    variables: dict[str, str]
    mark_cell: Cell
    absence_cell: Cell


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


async def _scene(sign_in: SignIn) -> Scene:
    parent = await sign_in(INSTITUTION, "parent")
    child = (await parent.data(PARENT_CHILD))["viewer"]["children"][0]
    teacher = await sign_in(INSTITUTION, "teacher")
    teaching = await teacher.data(TEACHING)
    assignment = next(
        a
        for a in teaching["viewer"]["employee"]["teachingAssignments"]
        if a["group"]["id"] == child["group"]["id"]
    )
    periods = [
        (p, year["name"])
        for year in teaching["institution"]["academicYears"]
        for p in year["periods"]
        if p["isCurrent"] and not p["isClosed"]
    ]
    # The period the screen opens by default too: the current open one, shortest first.
    period, year = min(
        periods,
        key=lambda py: (
            dt.date.fromisoformat(py[0]["endsOn"]) - dt.date.fromisoformat(py[0]["startsOn"])
        ),
    )
    variables = {
        "group": assignment["group"]["id"],
        "discipline": assignment["discipline"]["id"],
        "period": period["id"],
    }
    journal = (await teacher.data(JOURNAL, variables))["journal"]
    row = next(r for r in journal["rows"] if r["studentId"] == child["id"])

    def cell(index: int) -> Cell:
        column = journal["columns"][index]
        lesson = journal["lessons"][column["lessonIndex"]]
        title = next(w["title"] for w in lesson["works"] if w["id"] == column["workId"])
        return Cell(
            work=column["workId"],
            lesson=column["lessonId"],
            lesson_index=column["lessonIndex"],
            column=index,
            date=dt.date.fromisoformat(column["date"]),
            title=title,
        )

    def empty(index: int) -> bool:
        lesson_index = journal["columns"][index]["lessonIndex"]
        return row["marks"][index] is None and row["attendance"][lesson_index] is None

    candidates = [cell(i) for i in reversed(range(len(journal["columns"]))) if empty(i)]
    mark_cell = candidates[0]
    absence_cell = next(
        c
        for c in candidates
        if c.lesson != mark_cell.lesson and _monday(c.date) == _monday(mark_cell.date)
    )
    return Scene(
        child_id=child["id"],
        child=child["fullName"],
        group=assignment["group"]["name"],
        discipline=assignment["discipline"]["name"],
        period_id=period["id"],
        period_label=f"{period['name']}, {year}",
        variables=variables,
        mark_cell=mark_cell,
        absence_cell=absence_cell,
    )


class Watched:
    """What a page did besides what it shows: console errors (a CSP violation is one),
    uncaught exceptions, answers that failed, and every URL it requested."""

    def __init__(self, page: Page) -> None:
        self.errors: list[str] = []
        self.requests: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"pageerror: {error}"))
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("response", self._response)

    def _response(self, response: Response) -> None:
        if response.status >= 400:
            self.errors.append(f"HTTP {response.status}: {response.url}")

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(f"console: {message.text}")

    def assert_clean(self, origin: str) -> None:
        assert self.errors == []
        outside = [url for url in self.requests if not url.startswith(f"{origin}/")]
        assert outside == []


async def _sign_in_through_the_form(page: Page, login: str) -> None:
    await page.get_by_label("Организация").fill(INSTITUTION)
    await page.get_by_label("Логин").fill(login)
    await page.get_by_label("Пароль").fill("demo")
    await page.get_by_role("button", name="Войти").click()


async def _open_journal(page: Page, scene: Scene, period_label: str) -> None:
    await expect(page.get_by_role("heading", name="Журнал преподавателя")).to_be_visible(
        timeout=ALWAYS_ON_SCREEN
    )
    await page.get_by_label("Группа").select_option(label=scene.group)
    await page.get_by_label("Дисциплина").select_option(label=scene.discipline)
    await page.get_by_label("Период").select_option(label=period_label)
    await page.get_by_role("button", name="Открыть журнал").click()
    caption = f"{scene.group} · {scene.discipline}"
    await expect(page.locator("table.journal caption")).to_contain_text(
        caption, timeout=ALWAYS_ON_SCREEN
    )


async def test_the_teacher_sets_a_mark_and_an_absence_the_parent_sees_them(
    page: Page, live_app: LiveServer, sign_in: SignIn
) -> None:
    # given the parent's child, the teacher's journal of the child's group and two empty
    # cells of one week in it
    scene = await _scene(sign_in)
    watched = Watched(page)
    mark, absence = scene.mark_cell, scene.absence_cell

    # when the teacher signs in through the form and opens that journal
    await page.goto(f"{live_app.url}/screens/")
    await _sign_in_through_the_form(page, "teacher")
    await _open_journal(page, scene, scene.period_label)
    # and gives the child «5» in one cell
    await page.get_by_role("button", name=mark.button_name(scene.child), exact=True).click()
    await page.get_by_label("Оценка").select_option(label="5")
    await page.get_by_role("button", name="Поставить оценку").click()
    # then the page says so and the cell shows it
    await expect(page.get_by_role("status")).to_have_text(
        "Оценка «5» сохранена.", timeout=ALWAYS_ON_SCREEN
    )
    mark_button = page.get_by_role("button", name=f"{mark.button_name(scene.child)}: 5")
    await expect(mark_button).to_have_text("5")

    # when the teacher marks the child absent from another lesson of that week
    await page.get_by_role("button", name=absence.button_name(scene.child), exact=True).click()
    await page.get_by_label("Посещаемость").select_option(label="отсутствовал(а) (н)")
    await page.get_by_role("button", name="Отметить посещаемость").click()
    # then the page says so and the cell shows «н»
    await expect(page.get_by_role("status")).to_have_text(
        "Посещаемость сохранена.", timeout=ALWAYS_ON_SCREEN
    )
    absence_name = f"{absence.button_name(scene.child)}: отсутствовал(а) (н)"
    await expect(page.get_by_role("button", name=absence_name)).to_have_text("н")

    # and the API answers both from the database, not only the page
    teacher = await sign_in(INSTITUTION, "teacher")
    stored = (await teacher.data(JOURNAL, scene.variables))["journal"]
    row = next(r for r in stored["rows"] if r["studentId"] == scene.child_id)
    assert row["marks"][mark.column] == "5"
    assert row["attendance"][absence.lesson_index] == "ABSENT"
    marks_of_the_lesson = [
        row["marks"][i]
        for i, column in enumerate(stored["columns"])
        if column["lessonId"] == mark.lesson and row["marks"][i] is not None
    ]

    # when the teacher signs out and the parent signs in and opens the week of the mark
    await page.get_by_role("button", name="Выйти").click()
    await expect(page.get_by_role("heading", name="Вход")).to_be_visible()
    await _sign_in_through_the_form(page, "parent")
    await expect(page.get_by_role("heading", name="Дневник", exact=True)).to_be_visible(
        timeout=ALWAYS_ON_SCREEN
    )
    await page.get_by_label("Неделя с").fill(_monday(mark.date).isoformat())
    await page.get_by_role("button", name="Показать").click()

    # then the diary shows the child's «5» at that lesson and the absence at the other
    await expect(page.get_by_role("heading", name=f"Дневник: {scene.child}")).to_be_visible(
        timeout=ALWAYS_ON_SCREEN
    )
    marked = page.locator(f'tr[data-lesson-id="{mark.lesson}"]')
    await expect(marked.locator(".mark")).to_have_text(marks_of_the_lesson)
    assert "5" in marks_of_the_lesson
    missed = page.locator(f'tr[data-lesson-id="{absence.lesson}"]')
    await expect(missed.locator("td.attendance")).to_have_text("отсутствовал(а) (н)")
    # and nothing was refused by the page's policy, nothing was asked of another origin
    watched.assert_clean(live_app.url)


async def test_a_refused_mark_shows_the_servers_own_words(
    page: Page, live_app: LiveServer, sign_in: SignIn
) -> None:
    # given the period closed by the administrator
    scene = await _scene(sign_in)
    administrator = await sign_in(INSTITUTION, "administrator")
    closed = await administrator.data(CLOSE_PERIOD, {"input": {"period": scene.period_id}})
    assert closed["closePeriod"]["errors"] == []
    teacher = await sign_in(INSTITUTION, "teacher")
    watched = Watched(page)

    # when the teacher tries to give a mark in it through the page
    await page.goto(f"{live_app.url}/screens/")
    await _sign_in_through_the_form(page, "teacher")
    await _open_journal(page, scene, f"{scene.period_label} — закрыт")
    cell = scene.mark_cell
    await page.get_by_role("button", name=cell.button_name(scene.child), exact=True).click()
    await page.get_by_label("Оценка").select_option(label="5")
    await page.get_by_role("button", name="Поставить оценку").click()

    # then the page shows the server's refusal, in Russian, word for word
    mark_input = {"work": cell.work, "student": scene.child_id, "value": "5"}
    answer = (await teacher.data(SET_MARK, {"input": mark_input}))["setMark"]
    assert answer["mark"] is None
    refusal = answer["errors"][0]
    assert refusal["reason"] == "PERIOD_CLOSED"
    assert "закрыт" in refusal["message"]
    await expect(page.get_by_role("alert")).to_have_text(
        refusal["message"], timeout=ALWAYS_ON_SCREEN
    )
    # and nothing was written
    stored = (await teacher.data(JOURNAL, scene.variables))["journal"]
    row = next(r for r in stored["rows"] if r["studentId"] == scene.child_id)
    assert row["marks"][cell.column] is None
    watched.assert_clean(live_app.url)


@pytest.fixture
async def browser_context(
    request: pytest.FixtureRequest, browser: Browser
) -> AsyncIterator[BrowserContext]:
    """The browser's own context (tests/browser/conftest.py), in the locale a test names
    with ``indirect`` parametrization (Russian unless told), so every test here keeps the
    ``page`` fixture and its screenshot on failure."""
    locale = getattr(request, "param", "ru-RU")
    context = await browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
    try:
        yield context
    finally:
        await context.close()


@pytest.mark.parametrize("browser_context", ["en-US"], indirect=True)
async def test_an_english_browser_gets_one_language(
    page: Page, live_app: LiveServer, client: GraphQLClient
) -> None:
    # given what the server answers a wrong password in English and in Russian
    wrong = {"input": {"institution": INSTITUTION, "login": "teacher", "password": "wrong"}}
    said: dict[str, str] = {}
    for language in ("en", "ru"):
        answer = await client.post(LOGIN, wrong, headers={"Accept-Language": language})
        said[language] = answer.json()["data"]["login"]["errors"][0]["message"]
    assert said["en"] != said["ru"]
    watched = Watched(page)

    # when an English browser opens the screens and signs in with a wrong password
    await page.goto(f"{live_app.url}/screens/")
    await page.get_by_label("Institution").fill(INSTITUTION)
    await page.get_by_label("Login").fill("teacher")
    await page.get_by_label("Password").fill("wrong")
    await page.get_by_role("button", name="Sign in").click()

    # then the screen's words and the server's are both English
    await expect(page.get_by_role("alert")).to_have_text(said["en"], timeout=ALWAYS_ON_SCREEN)
    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert await page.evaluate("document.documentElement.lang") == "en"
    watched.assert_clean(live_app.url)


MakeClient = Callable[..., contextlib.AbstractAsyncContextManager[GraphQLClient]]


@pytest.mark.parametrize("mode", ["demo", "dev"])
async def test_the_screens_are_served_with_a_strict_policy(
    make_client: MakeClient, mode: str
) -> None:
    # given the app in demo (or dev) mode
    async with make_client(mode=mode) as anonymous:
        # when the screens' page and one of its scripts are asked for
        page = await anonymous.http.get("/screens/")
        script = await anonymous.http.get("/screens/app.js")
    # then they are served, under a policy that allows only this origin's files, no inline code
    assert page.status_code == 200
    assert '<script type="module" src="app.js">' in page.text
    policy = page.headers["content-security-policy"]
    assert "script-src 'self';" in policy
    assert "default-src 'none'" in policy
    assert "unsafe" not in policy
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]


async def test_the_screens_are_absent_in_production(make_client: MakeClient) -> None:
    # given the app in production mode
    async with make_client(mode="production") as anonymous:
        # when the screens are asked for
        page = await anonymous.http.get("/screens/")
        script = await anonymous.http.get("/screens/app.js")
    # then there are none
    assert page.status_code == 404
    assert script.status_code == 404


def _screens_documents() -> dict[str, str]:
    """The GraphQL documents of the screens' api.js (its `export const NAME = `…`;`), the
    `${ERRORS}` selection filled in as the page does."""
    source = (STATIC / "api.js").read_text(encoding="utf-8")
    errors = re.search(r'const ERRORS = "([^"]+)";', source)
    assert errors is not None
    documents = re.findall(r"export const (\w+) = `([^`]*)`;", source)
    return {name: text.replace("${ERRORS}", errors.group(1)) for name, text in documents}


def test_the_screens_documents_are_valid_against_the_published_schema() -> None:
    # given the schema as published (schema.graphql) and the documents the screens send
    schema = build_schema(SCHEMA_FILE.read_text(encoding="utf-8"))
    documents = _screens_documents()
    assert {"LOGIN", "VIEWER", "JOURNAL", "SET_MARK", "SET_ATTENDANCE", "DIARY"} <= set(documents)
    # when each is validated, then none has an error: a schema change that would break the
    # pages fails here too, even where no browser is installed
    problems = {
        name: [e.message for e in validate(schema, parse(text))] for name, text in documents.items()
    }
    assert {name: found for name, found in problems.items() if found} == {}
