"""One language per answer, through the real endpoint: with ``Accept-Language: en`` every
message a person reads — errors, refusal reasons, validation problems, report titles and
headers, a report file's header row, import problems — is English; with ``ru`` (or no
header) Russian. Data (names of people, groups, disciplines, periods) and regulation
quotations (``extensions.clause``) are what they are and are left out of the check.

The ``Accept-Language`` header is negotiated by weight (RFC 9110), not read as its first
two letters.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import Any

import pytest

from campusgraph.i18n import message

ALTAI = "altai-college-2016"
CYRILLIC = re.compile("[\u0400-\u04ff]")
LATIN = re.compile("[A-Za-z]")
#: Keys whose strings are texts people read, not data.
TEXT_KEYS = frozenset({"message", "title"})
#: Keys whose strings are data (names, as stored) or a regulation's own words.
DATA_KEYS = frozenset(
    {"name", "fullName", "shortName", "periodName", "clause", "ruleset", "value", "column"}
)

GROUP_ID = "query { institution { groups(first: 1) { nodes { id name } } } }"
ANONYMOUS = "query { institution { name } }"
BAD_LOGIN = """
mutation { login(input: {institution: "altai-college-2016", login: "teacher", password: "x"}) {
  token errors { code message }
} }
"""
FORBIDDEN = "query { exportList(kind: STAFF, format: CSV) { filename } }"
NEGATIVE_PAGE = "query { applicants(first: -1) { totalCount } }"
MALFORMED_ID = 'query { node(id: "garbage") { id } }'
IMPOSSIBLE_DATE = 'query { timetable(on: "2010-02-31") { days { date } } }'
MALFORMED_DATE = "query ($on: Date) { timetable(on: $on) { days { date } } }"
LEVEL_NOT_OFFERED = """
query { groupResults(of: {dateFrom: "2025-09-01", dateTo: "2025-12-01"}) { header { title } } }
"""
REPORT_HEADER = """
query ($group: ID!) {
  groupResults(of: {group: $group, dateFrom: "2025-09-01", dateTo: "2025-12-01"}) {
    header { title group { name } periodName }
  }
}
"""
ANALYTICS = """
query { analytics(measures: [AVERAGE_MARK, ABSENCES], by: [GROUP]) { columns { title } } }
"""
REPORT_FILE = """
query ($of: ReportOfInput!) {
  reportFile(name: ACHIEVEMENT_QUALITY, of: $of, format: CSV) { url }
}
"""
CREATE_ROOM = """
mutation { createRoom(input: {name: "  ", capacity: -3}) { room { id } errors { field message } } }
"""
ISSUE_CREDENTIALS = """
mutation { issueCredentials(input: {people: ["Student:garbage", "Um9vbTox"]}) {
  errors { field message }
} }
"""
MODULE_COURSE = """
mutation { createDiscipline(input: {name: "Курс без модуля", kind: MDK}) {
  errors { field message }
} }
"""
CHANGE_PASSWORD = """
mutation { changePassword(input: {oldPassword: "demo", newPassword: "x"}) {
  errors { field message }
} }
"""
IMPORT = """
mutation ($input: ImportListInput!) {
  importList(input: $input) {
    report { problems { row column value message } }
    errors { code field message }
  }
}
"""
STUDENTS_CSV = (
    "Фамилия;Имя;Пол;Дата рождения;Группа;Номер приказа о зачислении;Дата зачисления\r\n"
    "Абрамов;Артём;М;31.02.2010;;;\r\n"
    "Белов;Богдан;М;вчера;;;\r\n"
    "Воронин;Глеб;X;01.01.2010;;;\r\n"
)

#: (what, who signs in — None: nobody, the document, its variables)
PROBES: list[tuple[str, str | None, str, dict[str, Any] | None]] = [
    ("anonymous", None, ANONYMOUS, None),
    ("bad login", None, BAD_LOGIN, None),
    ("refusal", "student", FORBIDDEN, None),
    ("negative page", "administrator", NEGATIVE_PAGE, None),
    ("malformed id", "administrator", MALFORMED_ID, None),
    ("impossible date", "administrator", IMPOSSIBLE_DATE, None),
    ("malformed date", "administrator", MALFORMED_DATE, {"on": "31.02.2010"}),
    ("level not offered", "deputy_director", LEVEL_NOT_OFFERED, None),
    ("report header", "deputy_director", REPORT_HEADER, {"group": "<group>"}),
    ("analytics columns", "deputy_director", ANALYTICS, None),
    ("validation", "administrator", CREATE_ROOM, None),
    ("credentials", "administrator", ISSUE_CREDENTIALS, None),
    ("module course", "administrator", MODULE_COURSE, None),
    ("password", "teacher", CHANGE_PASSWORD, None),
    (
        "import",
        "administrator",
        IMPORT,
        {"input": {"kind": "STUDENTS", "content": STUDENTS_CSV, "dryRun": True}},
    ),
]


def _walk(value: Any, key: str | None = None) -> Iterator[tuple[str | None, str]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _walk(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from _walk(v, key)
    elif isinstance(value, str):
        yield key, value


def texts_of(answer: dict[str, Any]) -> list[str]:
    """The texts people read in an answer, with data and quotations cut out of them."""
    data = sorted({v for k, v in _walk(answer) if k in DATA_KEYS and v}, key=len, reverse=True)
    out = []
    for key, text in _walk(answer):
        if key in TEXT_KEYS:
            for value in data:
                text = text.replace(value, "")
            out.append(text)
    return out


def wrong_language(texts: list[str], language: str) -> list[str]:
    """Texts not in ``language``: any Cyrillic in English; Latin only in Russian."""
    if language == "en":
        return [t for t in texts if CYRILLIC.search(t)]
    return [t for t in texts if LATIN.search(t) and not CYRILLIC.search(t)]


async def _answer(
    client: Any, document: str, variables: dict[str, Any] | None, language: str
) -> dict[str, Any]:
    response = await client.post(document, variables, headers={"Accept-Language": language})
    assert response.status_code == 200, response.text
    payload: dict[str, Any] = response.json()
    return payload


@pytest.fixture
async def group_id(sign_in: Any) -> str:
    admin = await sign_in(ALTAI, "administrator")
    nodes = (await admin.data(GROUP_ID))["institution"]["groups"]["nodes"]
    return str(nodes[0]["id"])


@pytest.mark.parametrize("language", ["en", "ru"])
async def test_every_message_of_an_answer_is_in_the_language_asked(
    client: Any, sign_in: Any, group_id: str, language: str
) -> None:
    # given: users of Altai, and a set of operations that answer with texts: errors of
    # every kind, a refusal, validation problems, report headers, import problems
    users: dict[str, Any] = {}
    seen = 0
    for what, who, document, variables in PROBES:
        viewer = client
        if who is not None:
            if who not in users:
                users[who] = await sign_in(ALTAI, who)
            viewer = users[who]
        if variables == {"group": "<group>"}:
            variables = {"group": group_id}
        # when
        answer = await _answer(viewer, document, variables, language)
        texts = texts_of(answer)
        # then: the probe answered with texts, all in the language asked
        assert texts, (what, answer)
        seen += len(texts)
        assert wrong_language(texts, language) == [], (what, answer)
    assert seen >= len(PROBES)


@pytest.mark.parametrize("language", ["en", "ru"])
async def test_a_report_file_has_its_headers_in_the_language_asked(
    sign_in: Any, language: str
) -> None:
    # given: a report file asked for at the institution level
    deputy = await sign_in(ALTAI, "deputy_director")
    variables = {"of": {"dateFrom": "2025-09-01", "dateTo": "2025-12-01"}}
    answer = await _answer(deputy, REPORT_FILE, variables, language)
    url = answer["data"]["reportFile"]["url"]
    # when: the file is downloaded (the link carries the language it was asked in)
    response = await deputy.http.get(url)
    assert response.status_code == 200, response.text
    header = next(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    # then: every column header is in that language
    assert len(header) >= 5
    assert wrong_language(header, language) == [], header


#: What the import says of the two dates, as a Russian and an English reader sees it.
DATE_PROBLEMS = {
    "ru": {
        (2, "31.02.2010: такой даты нет (в феврале 2010 года 28 дней)"),
        (3, "«вчера» — не дата: ожидается ДД.ММ.ГГГГ"),
    },
    "en": {
        (2, "31.02.2010: no such date (February 2010 has 28 days)"),
        (3, "«вчера» is not a date: expected DD.MM.YYYY"),
    },
}


@pytest.mark.parametrize("language", ["ru", "en"])
async def test_an_impossible_date_is_told_from_a_malformed_one(sign_in: Any, language: str) -> None:
    # given
    admin = await sign_in(ALTAI, "administrator")
    variables = {"input": {"kind": "STUDENTS", "content": STUDENTS_CSV, "dryRun": True}}
    # when: a file with 31.02.2010 and «вчера» as birth dates is checked
    answer = await _answer(admin, IMPORT, variables, language)
    problems = answer["data"]["importList"]["report"]["problems"]
    # then: the first does not exist (and why), the second is not a date at all
    said = {(p["row"], p["message"]) for p in problems if p["value"] in ("31.02.2010", "вчера")}
    assert said == DATE_PROBLEMS[language], problems


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("en-GB,en;q=0.9", "en"),
        ("de, en;q=0.5", "en"),
        ("ru;q=0, en", "en"),
        ("en;q=0.2, ru;q=0.9", "ru"),
        ("ru;q=0.2, en;q=0.9", "en"),
        ("fr", "ru"),
        ("*", "ru"),
        ("ru;q=0, *", "en"),
        ("garbage;;q=xyz,,", "ru"),
        ("english", "ru"),
    ],
)
async def test_accept_language_is_negotiated_through_the_endpoint(
    client: Any, header: str, language: str
) -> None:
    # when: an anonymous caller asks for what needs a sign-in
    response = await client.post(ANONYMOUS, headers={"Accept-Language": header})
    # then: the refusal is in the negotiated language
    assert response.json()["errors"][0]["message"] == message("unauthenticated", language)
