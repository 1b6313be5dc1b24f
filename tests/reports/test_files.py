"""Files of reports and of the journal: the short-lived link and what it serves.

Given a viewer whose ruleset grants ``export``, ``reportFile`` / ``journalFile`` answer a
``/files/<token>`` link; GET on it gives an XLSX, CSV or PDF whose figures are the
GraphQL answer's. The link dies with its session, with its expiry, when altered, and it
re-asks the ruleset: a role with ``report read`` but no ``report export`` gets FORBIDDEN.

Until the report modules land, a tiny report of this module's own (the number of students
of a group on a day, counted through the frame's ``level_students``) stands in for one;
:func:`test_every_registered_report_writes_every_format` covers every report registered
in :mod:`campusgraph.reports.catalog` once they are merged.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import func, select

import campusgraph.reports.catalog  # noqa: F401  (every report registered)
from campusgraph import cli
from campusgraph.context import Context
from campusgraph.db import models as m
from campusgraph.db.tenancy import unscoped
from campusgraph.i18n import message
from campusgraph.ids import from_global_id, to_global_id
from campusgraph.policies.engine import PolicyRegistry
from campusgraph.policies.ruleset import search_dirs
from campusgraph.policies.vocabulary import ReportLevel
from campusgraph.reports import downloads
from campusgraph.reports.access import ReportAccess, level_students
from campusgraph.reports.file_kinds import institution_details
from campusgraph.reports.files import FileFormat, render
from campusgraph.reports.of import ReportOf
from campusgraph.reports.registry import REPORTS, ReportName, ReportSpec
from campusgraph.reports.table import CellKind, Column, ReportTable
from campusgraph.resolvers.auth import authenticate
from campusgraph.schema.reports import decide_access
from campusgraph.settings import Settings
from tests.support import DEMO_TODAY

ALTAI, TOMSK = "altai-college-2016", "tomsk-technikum-2023"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

REPORT_FILE = """
query ($name: ReportName!, $of: ReportOfInput!, $format: ReportFormat!) {
  reportFile(name: $name, of: $of, format: $format) { url filename contentType expiresAt }
}
"""
JOURNAL_FILE = """
query ($group: ID!, $discipline: ID!, $period: ID!, $format: ReportFormat!) {
  journalFile(group: $group, discipline: $discipline, period: $period, format: $format) {
    url filename contentType expiresAt
  }
}
"""
JOURNAL = """
query ($group: ID!, $discipline: ID!, $period: ID!) {
  journal(group: $group, discipline: $discipline, period: $period) {
    lessons { date }
    rows { fullName average }
  }
}
"""
GROUP_STUDENTS = """
query ($id: ID!, $on: Date!) { node(id: $id) { ... on Group { name students(on: $on) { id } } } }
"""
REVOKE = "mutation { revokeSessions(input: {}) { revoked errors { code } } }"

# -- a report of this module's own ---------------------------------------------------------

#: The stand-in takes a real name's place only for these tests (restored after each).
STAND_IN = ReportName.GROUP_RESULTS


async def _count_students(ctx: Context, access: ReportAccess) -> tuple[str, int, Any]:
    async with ctx.session() as session:
        population = level_students(access).subquery()
        count = (await session.execute(select(func.count()).select_from(population))).scalar()
        group = (
            None
            if access.of.group_id is None
            else await session.get(m.StudyGroup, access.of.group_id)
        )
        details = await institution_details(session, access.institution_id)
    return details.name if group is None else group.name, int(count or 0), details


def _students_table(data: tuple[str, int, Any], access: ReportAccess, lang: str) -> ReportTable:
    name, count, details = data
    return ReportTable(
        title="Численность группы",
        institution=details,
        subtitle=[f"на {access.date_to:%d.%m.%Y}"],
        columns=[
            Column("group", "Группа"),
            Column("students", "Обучающихся", CellKind.INTEGER),
            Column("share", "Доля от группы", CellKind.PERCENT),
        ],
        rows=[[name, count, 100.0]],
        totals=["Итого", count, None],
    )


STUDENTS_SPEC = ReportSpec(
    name=STAND_IN,
    levels=frozenset({ReportLevel.GROUP, ReportLevel.INSTITUTION}),
    personal=None,
    build=_count_students,
    table=_students_table,
    printable=True,
)


@pytest.fixture
def students_report() -> Iterator[ReportSpec]:
    saved = REPORTS.get(STAND_IN)
    REPORTS[STAND_IN] = STUDENTS_SPEC
    try:
        yield STUDENTS_SPEC
    finally:
        if saved is None:
            del REPORTS[STAND_IN]
        else:
            REPORTS[STAND_IN] = saved


# -- rows of the demo data --------------------------------------------------------------------


async def _largest_group(db: Any, slug: str) -> str:
    """The group of ``slug`` with most students on DEMO_TODAY (global id)."""
    gm = m.GroupMembership
    async with unscoped(db.factory) as s:
        found = (
            await s.execute(
                select(gm.group_id)
                .join(m.Institution, m.Institution.id == gm.institution_id)
                .where(
                    m.Institution.slug == slug,
                    gm.starts_on <= DEMO_TODAY,
                    (gm.ends_on.is_(None)) | (gm.ends_on > DEMO_TODAY),
                )
                .group_by(gm.group_id)
                .order_by(func.count().desc(), gm.group_id)
                .limit(1)
            )
        ).scalar_one()
    return to_global_id("Group", found)


async def _teachers_journal(db: Any, slug: str, login: str) -> dict[str, str]:
    """The journal (group × discipline × the period holding DEMO_TODAY) with most marks
    among those ``login`` teaches in ``slug``: global ids as ``journal`` takes them."""
    ta, mk, p, u = m.TeachingAssignment, m.Mark, m.Period, m.UserAccount
    async with unscoped(db.factory) as s:
        inst = (
            await s.execute(select(m.Institution.id).where(m.Institution.slug == slug))
        ).scalar_one()
        person = (
            await s.execute(select(u.person_id).where(u.institution_id == inst, u.login == login))
        ).scalar_one()
        teacher = (
            await s.execute(select(m.Employee.id).where(m.Employee.person_id == person))
        ).scalar_one()
        period = (
            await s.execute(
                select(p.id, p.starts_on, p.ends_on)
                .where(p.institution_id == inst, p.starts_on <= DEMO_TODAY, p.ends_on >= DEMO_TODAY)
                .order_by(p.ends_on - p.starts_on)
                .limit(1)
            )
        ).one()
        group, discipline = (
            await s.execute(
                select(ta.group_id, ta.discipline_id)
                .join(
                    mk,
                    (mk.group_id == ta.group_id)
                    & (mk.discipline_id == ta.discipline_id)
                    & (mk.date >= period.starts_on)
                    & (mk.date <= period.ends_on),
                )
                .where(ta.teacher_id == teacher)
                .group_by(ta.group_id, ta.discipline_id)
                .order_by(func.count().desc(), ta.group_id, ta.discipline_id)
                .limit(1)
            )
        ).one()
    return {
        "group": to_global_id("Group", group),
        "discipline": to_global_id("Discipline", discipline),
        "period": to_global_id("Period", period.id),
    }


def _of_day(group: str) -> dict[str, Any]:
    return {"group": group, "dateFrom": DEMO_TODAY.isoformat(), "dateTo": DEMO_TODAY.isoformat()}


# -- reading files back ---------------------------------------------------------------------


def _xlsx_body(content: bytes, header: str) -> list[list[Any]]:
    """The table's rows: under the header row whose first cell is ``header``, up to the
    first empty row (the lines under the table follow it)."""
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    start = next(i for i, r in enumerate(rows) if r[0] == header)
    body = []
    for row in rows[start + 1 :]:
        if all(v is None for v in row):
            break
        body.append(row)
    return body


def _pdf_texts(content: bytes) -> list[str]:
    doc = pdfium.PdfDocument(content)
    return [doc[i].get_textpage().get_text_range() for i in range(len(doc))]


def _ink(png: Path) -> float:
    """The share of pixels that are not white, of a page rendered to PNG."""
    gray = Image.open(png).convert("L")
    histogram = gray.histogram()
    return 1 - sum(histogram[245:]) / (gray.width * gray.height)


def _render_first_page(content: bytes, png: Path) -> float:
    page = pdfium.PdfDocument(content)[0]
    page.render(scale=1).to_pil().save(png)
    return _ink(png)


async def _link(viewer: Any, document: str, field: str, variables: dict[str, Any]) -> Any:
    return (await viewer.data(document, variables))[field]


# -- the tests ------------------------------------------------------------------------------


async def test_a_report_file_has_the_figures_of_the_graphql_answer_in_every_format(
    db: Any, sign_in: Any, students_report: ReportSpec, tmp_path: Path
) -> None:
    # given: Altai's administrator (report export, institution) and its largest group
    admin = await sign_in(ALTAI, "administrator")
    group = await _largest_group(db, ALTAI)
    answer = (await admin.data(GROUP_STUDENTS, {"id": group, "on": DEMO_TODAY.isoformat()}))["node"]
    students = len(answer["students"])
    assert students > 0

    files: dict[str, bytes] = {}
    for fmt in ("XLSX", "CSV", "PDF"):
        # when: a link is asked and fetched
        issued = await _link(
            admin,
            REPORT_FILE,
            "reportFile",
            {"name": STAND_IN.name, "of": _of_day(group), "format": fmt},
        )
        assert issued["url"].startswith("/files/")
        response = await admin.http.get(issued["url"])
        # then: the file comes as an attachment of its type
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith(issued["contentType"].split(";")[0])
        assert issued["filename"] in response.headers["content-disposition"]
        files[fmt] = response.content

    # then: the XLSX reopens with the figures the GraphQL answer gives
    assert _xlsx_body(files["XLSX"], "Группа") == [
        [answer["name"], students, 100.0],
        ["Итого", students, None],
    ]
    # … formatted as the printed form: details and title on top, bold header and totals,
    # a percent as 0.0"%", the header frozen
    sheet = load_workbook(io.BytesIO(files["XLSX"])).active
    assert sheet is not None
    async with unscoped(db.factory) as s:
        altai = (
            await s.execute(select(m.Institution.name).where(m.Institution.slug == ALTAI))
        ).scalar_one()
    assert sheet["A1"].value == altai
    assert "Численность группы" in [c.value for c in sheet["A"][:6]]
    header = next(r for r in sheet.iter_rows() if r[0].value == "Группа")
    row, totals = header[0].row + 1, header[0].row + 2
    assert all(cell.font.bold for cell in header)
    assert sheet.cell(row=row, column=3).number_format == '0.0"%"'
    assert sheet.cell(row=totals, column=2).font.bold
    assert sheet.freeze_panes == f"A{row}"
    # … the CSV parses (BOM, «;») to the same rows …
    text = files["CSV"].decode("utf-8")
    assert text.startswith("\ufeff")
    parsed = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    assert parsed == [
        ["Группа", "Обучающихся", "Доля от группы"],
        [answer["name"], str(students), "100,0%"],
        ["Итого", str(students), ""],
    ]
    # … and the PDF opens, numbered, with the figure, and its page shows the table
    pages = _pdf_texts(files["PDF"])
    assert f"Страница 1 из {len(pages)}" in pages[0]
    assert answer["name"] in pages[0]
    assert str(students) in pages[0]
    ink = _render_first_page(files["PDF"], tmp_path / "report.png")
    blank = _render_first_page(render(_empty_table(), FileFormat.PDF), tmp_path / "blank.png")
    assert ink > 0.004
    assert ink > 2 * blank


def _empty_table() -> ReportTable:
    return ReportTable(title="", institution=None, subtitle=[], columns=[], rows=[])


async def test_the_journal_pdf_is_numbered_and_its_xlsx_has_the_journal_averages(
    db: Any, sign_in: Any, tmp_path: Path
) -> None:
    # given: Tomsk's schedule dispatcher, who prints the journal (п. 4.2.10), and a
    # teacher's journal with marks in the current period
    ids = await _teachers_journal(db, TOMSK, "teacher")
    dispatcher = await sign_in(TOMSK, "schedule_dispatcher")
    journal = (await dispatcher.data(JOURNAL, ids))["journal"]
    assert journal["rows"]
    assert any(r["average"] is not None for r in journal["rows"])

    # when
    pdf = await _link(dispatcher, JOURNAL_FILE, "journalFile", {**ids, "format": "PDF"})
    xlsx = await _link(dispatcher, JOURNAL_FILE, "journalFile", {**ids, "format": "XLSX"})
    pdf_response = await dispatcher.http.get(pdf["url"])
    xlsx_response = await dispatcher.http.get(xlsx["url"])

    # then: the PDF is numbered on every page and its first page shows the table
    assert pdf_response.status_code == 200, pdf_response.text
    pages = _pdf_texts(pdf_response.content)
    for number, page in enumerate(pages, start=1):
        assert f"Страница {number} из {len(pages)}" in page
    assert journal["rows"][0]["fullName"] in pages[0]
    assert _render_first_page(pdf_response.content, tmp_path / "journal.png") > 0.01
    # … and the XLSX has a row per student with the journal query's average
    assert xlsx_response.status_code == 200, xlsx_response.text
    body = _xlsx_body(xlsx_response.content, "№")
    assert len(body[0]) == 2 + len(journal["lessons"]) + 2
    assert [(r[1], r[-2]) for r in body] == [(r["fullName"], r["average"]) for r in journal["rows"]]

    # when: the teacher, who reads his journal but is not the one to print it, asks
    teacher = await sign_in(TOMSK, "teacher")
    refused = await teacher.query(JOURNAL_FILE, {**ids, "format": "PDF"})

    # then
    assert refused["data"]["journalFile"] is None
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_the_link_is_refused_once_its_session_is_revoked(
    db: Any, sign_in: Any, students_report: ReportSpec
) -> None:
    # given: a link of the administrator's session
    admin = await sign_in(ALTAI, "administrator")
    group = await _largest_group(db, ALTAI)
    variables = {"name": STAND_IN.name, "of": _of_day(group), "format": "CSV"}
    issued = await _link(admin, REPORT_FILE, "reportFile", variables)
    assert (await admin.http.get(issued["url"])).status_code == 200

    # when: the session is revoked
    assert (await admin.data(REVOKE))["revokeSessions"]["errors"] == []
    response = await admin.http.get(issued["url"])

    # then
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "TOKEN_REVOKED"


async def test_an_altered_link_is_refused(
    db: Any, sign_in: Any, students_report: ReportSpec
) -> None:
    # given: a link to one group's file
    admin = await sign_in(ALTAI, "administrator")
    group = await _largest_group(db, ALTAI)
    variables = {"name": STAND_IN.name, "of": _of_day(group), "format": "CSV"}
    url = (await _link(admin, REPORT_FILE, "reportFile", variables))["url"]
    body, signature = url.removeprefix("/files/").split(".")

    # when: the payload is changed (one character), or the signature is
    flipped = body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1]
    for token in (f"{flipped}.{signature}", f"{body}.{signature[:-1]}x", body):
        response = await admin.http.get(f"/files/{token}")
        # then
        assert response.status_code == 403, token
        assert response.json()["error"]["code"] == "LINK_INVALID"
        assert "Ссылка на файл" in response.json()["error"]["message"]


async def test_an_expired_link_is_refused(
    db: Any, make_client: Any, students_report: ReportSpec
) -> None:
    # given: a server whose links last no time at all
    group = await _largest_group(db, ALTAI)
    async with make_client(file_link_ttl_seconds=0) as anonymous:
        admin = await anonymous.as_(ALTAI, "administrator")
        variables = {"name": STAND_IN.name, "of": _of_day(group), "format": "CSV"}
        issued = await _link(admin, REPORT_FILE, "reportFile", variables)

        # when
        response = await admin.http.get(issued["url"])

    # then
    assert response.status_code == 410
    assert response.json()["error"]["code"] == "LINK_EXPIRED"


async def test_read_without_export_gets_no_link_and_no_file(
    db: Any, sign_in: Any, students_report: ReportSpec
) -> None:
    # given: Altai's director reads reports of the institution (разд. 5) but exports
    # none (no `report export` line); the administrator does (п. 4.1)
    director = await sign_in(ALTAI, "director")
    admin = await sign_in(ALTAI, "administrator")
    group = await _largest_group(db, ALTAI)
    variables = {"name": STAND_IN.name, "of": _of_day(group), "format": "XLSX"}

    # when: the director asks for the link
    refused = await director.query(REPORT_FILE, variables)

    # then: FORBIDDEN, the field null
    assert refused["data"]["reportFile"] is None
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    # when: he fetches a link issued to the administrator under his own session (the
    # token re-signed for it) — the download decides `export` again under his roles
    admin_url = (await _link(admin, REPORT_FILE, "reportFile", variables))["url"]
    link = downloads.verify(_settings(db), admin_url.removeprefix("/files/"))
    director_session = await _session_of(db, director.token)
    forged = downloads.sign(
        _settings(db),
        downloads.Link(director_session, link.kind, link.payload, link.format, "ru", link.expires),
    )
    response = await director.http.get(f"/files/{forged}")

    # then: 403 FORBIDDEN, with the ruleset's reason
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "FORBIDDEN"


async def test_a_file_of_the_whole_institution_needs_export_on_its_level(
    db: Any, sign_in: Any, students_report: ReportSpec
) -> None:
    # given: Altai's administrator prints the institution's sheets (п. 4.1); the director
    # reads them (разд. 5) and prints none
    admin = await sign_in(ALTAI, "administrator")
    director = await sign_in(ALTAI, "director")
    day = DEMO_TODAY.isoformat()
    variables = {"name": STAND_IN.name, "of": {"dateFrom": day, "dateTo": day}, "format": "CSV"}

    # when
    issued = await _link(admin, REPORT_FILE, "reportFile", variables)
    response = await admin.http.get(issued["url"])
    refused = await director.query(REPORT_FILE, variables)

    # then: the administrator's file counts the institution's students; the director is
    # refused
    assert response.status_code == 200, response.text
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert int(rows[1][1]) == await _institution_students_on(db, ALTAI, DEMO_TODAY)
    assert refused["data"]["reportFile"] is None
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def _institution_students_on(db: Any, slug: str, day: dt.date) -> int:
    gm = m.GroupMembership
    async with unscoped(db.factory) as s:
        found = await s.execute(
            select(func.count(gm.student_id.distinct()))
            .join(m.Institution, m.Institution.id == gm.institution_id)
            .where(
                m.Institution.slug == slug,
                gm.starts_on <= day,
                (gm.ends_on.is_(None)) | (gm.ends_on > day),
            )
        )
        return int(found.scalar_one())


async def test_a_pdf_is_offered_only_for_printed_forms(
    db: Any, sign_in: Any, students_report: ReportSpec, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: the stand-in declared not printable
    monkeypatch.setitem(REPORTS, STAND_IN, _not_printable())
    admin = await sign_in(ALTAI, "administrator")
    group = await _largest_group(db, ALTAI)

    # when
    answer = await admin.query(
        REPORT_FILE, {"name": STAND_IN.name, "of": _of_day(group), "format": "PDF"}
    )

    # then
    assert answer["data"]["reportFile"] is None
    assert answer["errors"][0]["extensions"]["code"] == "VALIDATION"
    assert "PDF" in answer["errors"][0]["message"]


def _not_printable() -> ReportSpec:
    from dataclasses import replace

    return replace(STUDENTS_SPEC, printable=False)


async def test_every_export_is_audited_with_its_source(
    db: Any, sign_in: Any, students_report: ReportSpec
) -> None:
    # given
    admin = await sign_in(ALTAI, "administrator")
    group = await _largest_group(db, ALTAI)
    variables = {"name": STAND_IN.name, "of": _of_day(group), "format": "XLSX"}
    issued = await _link(admin, REPORT_FILE, "reportFile", variables)

    # when
    assert (await admin.http.get(issued["url"])).status_code == 200

    # then
    async with unscoped(db.factory) as s:
        event = (
            await s.execute(
                select(m.AuditEvent)
                .where(m.AuditEvent.action == "export", m.AuditEvent.object_type == "report")
                .order_by(m.AuditEvent.id.desc())
                .limit(1)
            )
        ).scalar_one()
    assert event.session_id == await _session_of(db, admin.token)
    assert event.after is not None
    assert event.after["source"] == "link"
    assert event.after["format"] == "xlsx"
    assert event.after["payload"]["name"] == STAND_IN.value


# -- the command line -------------------------------------------------------------------------


def _cli(db: Any, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "CAMPUSGRAPH_DATABASE_URL": db.url,
        "CAMPUSGRAPH_TODAY": DEMO_TODAY.isoformat(),
    }
    return subprocess.run(
        [sys.executable, "-m", "campusgraph", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_the_command_writes_the_journal_and_refuses_in_russian(
    db: Any, tmp_path: Path
) -> None:
    # given: a journal of Tomsk and its rows' names
    ids = await _teachers_journal(db, TOMSK, "teacher")
    names = await _journal_names(db, ids)
    output = tmp_path / "journal.pdf"

    # when: the dispatcher prints it from the command line
    done = _cli(
        db,
        "report",
        "journal",
        "--institution",
        TOMSK,
        "--as",
        "schedule_dispatcher",
        *("--group", names["group"], "--discipline", names["discipline"]),
        *("--period", names["period"], "--format", "pdf", "-o", str(output)),
    )

    # then: the PDF is written and numbered
    assert done.returncode == 0, done.stderr
    assert "Записан файл" in done.stderr
    assert "Страница 1 из" in _pdf_texts(output.read_bytes())[0]

    # when: a name that is no report, a bad date, a teacher without `journal export`
    unknown = _cli(db, "report", "no_such_report", "--institution", TOMSK, "--as", "teacher")
    bad_date = _cli(
        db, "report", "journal", "--institution", TOMSK, "--as", "teacher", "--date-from", "32.13"
    )
    refused = _cli(
        db,
        "report",
        "journal",
        "--institution",
        TOMSK,
        "--as",
        "teacher",
        *("--group", names["group"], "--discipline", names["discipline"]),
        *("--period", names["period"], "-o", str(tmp_path / "no.pdf")),
    )

    # then: exit 2 with one Russian line, no traceback; 3 for the ruleset's refusal
    assert unknown.returncode == 2
    assert "нет отчёта «no_such_report»" in unknown.stderr
    assert bad_date.returncode == 2
    assert "«32.13» — не дата" in bad_date.stderr
    assert refused.returncode == 3
    assert "отказано" in refused.stderr
    for run in (unknown, bad_date, refused):
        assert "Traceback" not in run.stderr
    assert not (tmp_path / "no.pdf").exists()


async def test_the_command_lists_the_reports_and_runs_one_as_the_account_given(
    db: Any, students_report: ReportSpec, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given
    group = await _largest_group(db, ALTAI)
    output = tmp_path / "students.csv"
    env = {"CAMPUSGRAPH_DATABASE_URL": db.url, "CAMPUSGRAPH_TODAY": DEMO_TODAY.isoformat()}
    day = DEMO_TODAY.isoformat()
    argv = ["report", STAND_IN.value, "--institution", ALTAI, "--group", group]
    argv += ["--date-from", day, "--date-to", day, "--format", "csv", "-o", str(output)]

    # when: listed, then run as the administrator and as the director
    with pytest.MonkeyPatch.context() as patch:
        for key, value in env.items():
            patch.setenv(key, value)
        listed = await _run_cli(["report", "--list"])
        listing = capsys.readouterr().out
        written = await _run_cli([*argv, "--as", "administrator"])
        refused = await _run_cli([*argv, "--as", "director"])

    # then: the listing names the report; the file has the group's count; the director,
    # who may read but not export, is refused
    assert listed == 0
    assert f"{STAND_IN.value:<28} {message(f'report_title_{STAND_IN.value}')} (PDF)" in listing
    assert written == 0
    rows = list(csv.reader(io.StringIO(output.read_text("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Группа", "Обучающихся", "Доля от группы"]
    assert int(rows[1][1]) == await _students_on(db, group, DEMO_TODAY)
    assert refused == 3
    # … the export is audited as the administrator's, from the command line, and the
    # session the command opened for it is closed
    async with unscoped(db.factory) as s:
        event = (
            await s.execute(
                select(m.AuditEvent)
                .where(m.AuditEvent.action == "export")
                .order_by(m.AuditEvent.id.desc())
                .limit(1)
            )
        ).scalar_one()
        session = await s.get(m.AuthSession, event.session_id)
        account = await s.get(m.UserAccount, event.user_id)
    assert event.after is not None
    assert event.after["source"] == "cli"
    assert account is not None
    assert account.login == "administrator"
    assert session is not None
    assert session.revoked_at is not None


async def _run_cli(argv: list[str]) -> int:
    import asyncio

    return await asyncio.to_thread(cli.main, argv)


# -- every registered report, every format --------------------------------------------------

#: Who asks (Altai): the first that may read the report at one of its levels, on one of
#: a few rows of that level, is the one whose table is written.
ASKERS = ("administrator", "deputy_director", "curator", "teacher", "hr_specialist")
#: Rows tried per level.
ROWS_PER_LEVEL = 12


def _registered() -> list[tuple[ReportName, FileFormat]]:
    out = []
    for name, spec in sorted(REPORTS.items()):
        for fmt in FileFormat:
            if fmt is not FileFormat.PDF or spec.printable:
                out.append((name, fmt))
    return out


@pytest.mark.parametrize(("name", "fmt"), _registered(), ids=str)
async def test_every_registered_report_writes_every_format(
    db: Any, client: Any, name: ReportName, fmt: FileFormat
) -> None:
    # given: the report asked by the first Altai role that may read it at a level it offers
    spec = REPORTS[name]
    table = await _some_table(db, client, spec)
    if table is None:
        pytest.fail(f"no Altai role may read {name} at any of {sorted(spec.levels)}")

    # when
    content = render(table, fmt)

    # then: the file reopens with the table's header and one row per table row
    titles = [c.title for c in table.columns]
    extra = 1 if table.totals is not None else 0
    if fmt is FileFormat.XLSX:
        sheet = load_workbook(io.BytesIO(content)).active
        assert sheet is not None
        rows = [[v for v in r if v is not None] for r in sheet.iter_rows(values_only=True)]
        assert titles in rows
    elif fmt is FileFormat.CSV:
        parsed = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
        assert parsed[0] == titles
        assert len(parsed) == 1 + len(table.rows) + extra
    else:
        pages = _pdf_texts(content)
        assert f"Страница 1 из {len(pages)}" in pages[0]


async def _some_table(db: Any, client: Any, spec: ReportSpec) -> ReportTable | None:
    settings = _settings(db)
    registry = PolicyRegistry(search_dirs(settings.ruleset_dirs()))
    candidates = await _level_rows(db, await _period_of(db, ALTAI))
    for login in ASKERS:
        try:
            viewer = await client.as_(ALTAI, login)
        except AssertionError:  # no such role in the ruleset
            continue
        signed = await authenticate(db.factory, viewer.token, today=DEMO_TODAY)
        ctx = Context(
            settings=settings,
            factory=db.factory,
            registry=registry,
            viewer=signed.viewer,
            ruleset_slug=signed.ruleset,
        )
        for level in sorted(spec.levels):
            for of in candidates[level]:
                try:
                    access = await decide_access(ctx, spec.name, of)
                except Exception:  # refused at this row: the next one
                    continue
                return spec.table(await spec.build(ctx, access), access, "ru")
    return None


async def _level_rows(db: Any, period: int) -> dict[ReportLevel, list[ReportOf]]:
    """A few rows of Altai per level, for the current period."""
    ta, gm, g = m.TeachingAssignment, m.GroupMembership, m.StudyGroup
    n = ROWS_PER_LEVEL
    async with unscoped(db.factory) as s:
        inst = (
            await s.execute(select(m.Institution.id).where(m.Institution.slug == ALTAI))
        ).scalar_one()
        pairs = (
            await s.execute(
                select(ta.group_id, ta.discipline_id, ta.teacher_id)
                .where(ta.institution_id == inst)
                .order_by(ta.id)
                .limit(n)
            )
        ).all()
        students = (
            await s.execute(
                select(gm.student_id)
                .where(gm.institution_id == inst, gm.starts_on <= DEMO_TODAY, gm.ends_on.is_(None))
                .order_by(gm.group_id, gm.student_id)
                .limit(n)
            )
        ).scalars()
        departments = (
            await s.execute(
                select(g.department_id)
                .where(g.institution_id == inst, g.department_id.is_not(None))
                .distinct()
                .limit(n)
            )
        ).scalars()
        return {
            ReportLevel.INSTITUTION: [ReportOf(period_id=period)],
            ReportLevel.GROUP: [ReportOf(group_id=p[0], period_id=period) for p in pairs],
            ReportLevel.SUBJECT: [
                ReportOf(group_id=p[0], discipline_id=p[1], period_id=period) for p in pairs
            ],
            ReportLevel.TEACHER: [ReportOf(teacher_id=p[2], period_id=period) for p in pairs],
            ReportLevel.STUDENT: [ReportOf(student_id=x, period_id=period) for x in students],
            ReportLevel.DEPARTMENT: [
                ReportOf(department_id=x, period_id=period) for x in departments
            ],
        }


async def _period_of(db: Any, slug: str) -> int:
    p = m.Period
    async with unscoped(db.factory) as s:
        found = (
            await s.execute(
                select(p.id)
                .join(m.Institution, m.Institution.id == p.institution_id)
                .where(
                    m.Institution.slug == slug, p.starts_on <= DEMO_TODAY, p.ends_on >= DEMO_TODAY
                )
                .order_by(p.ends_on - p.starts_on)
                .limit(1)
            )
        ).scalar_one()
    return int(found)


# -- helpers --------------------------------------------------------------------------------


def _settings(db: Any) -> Settings:
    from tests.conftest import make_settings

    return make_settings(db)


async def _session_of(db: Any, token: str | None) -> int:
    signed = await authenticate(db.factory, token, today=DEMO_TODAY)
    assert signed.viewer is not None
    assert signed.viewer.session_id is not None
    return signed.viewer.session_id


async def _students_on(db: Any, group: str, day: dt.date) -> int:
    gm = m.GroupMembership
    async with unscoped(db.factory) as s:
        found = await s.execute(
            select(func.count()).where(
                gm.group_id == from_global_id(group)[1],
                gm.starts_on <= day,
                (gm.ends_on.is_(None)) | (gm.ends_on > day),
            )
        )
        return int(found.scalar_one())


async def _journal_names(db: Any, ids: dict[str, str]) -> dict[str, str]:
    async with unscoped(db.factory) as s:
        group = await s.get(m.StudyGroup, from_global_id(ids["group"])[1])
        discipline = await s.get(m.Discipline, from_global_id(ids["discipline"])[1])
        period = await s.get(m.Period, from_global_id(ids["period"])[1])
    assert group is not None
    assert discipline is not None
    assert period is not None
    # Names as people type them; the period by its global id (its name recurs each year).
    return {
        "group": group.name,
        "discipline": discipline.code or discipline.name,
        "period": ids["period"],
    }


def test_the_report_objects_are_declared_exercised_for_read_and_export() -> None:
    from campusgraph.policies.vocabulary import REPORT_OBJECTS
    from campusgraph.reports.access import EXERCISES

    wanted = {(obj, act) for obj in REPORT_OBJECTS.values() for act in ("read", "export")}
    assert wanted <= set(EXERCISES)


async def test_a_report_not_installed_is_not_found_not_an_internal_error(
    db: Any, sign_in: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: a name of the enum with no report module registered for it
    monkeypatch.delitem(REPORTS, STAND_IN, raising=False)
    admin = await sign_in(ALTAI, "administrator")
    group = await _largest_group(db, ALTAI)

    # when
    answer = await admin.query(
        REPORT_FILE, {"name": STAND_IN.name, "of": _of_day(group), "format": "XLSX"}
    )

    # then
    assert answer["data"]["reportFile"] is None
    assert answer["errors"][0]["extensions"]["code"] == "NOT_FOUND"


def test_a_table_wider_than_the_page_prints_in_bands_that_repeat_the_names() -> None:
    # given: a journal of 120 lessons — wider than A4 landscape even in 5 pt
    lessons = [Column(f"l{i}", f"{i % 28 + 1:02d}.{9 + i // 28:02d}") for i in range(120)]
    columns = [Column("n", "№", CellKind.INTEGER), Column("s", "ФИО обучающегося"), *lessons]
    rows = [[i, f"Обучающийся {i}", *(["5/4"] * 120)] for i in range(1, 4)]
    table = ReportTable("Журнал", None, [], columns, rows, landscape=True)

    # when
    pages = _pdf_texts(render(table, FileFormat.PDF))

    # then: several pages, each numbered and naming the students, every lesson printed
    assert len(pages) > 1
    for number, page in enumerate(pages, start=1):
        assert f"Страница {number} из {len(pages)}" in page
        assert "Обучающийся 3" in page
    printed = " ".join(pages)
    assert all(c.title in printed for c in lessons)
