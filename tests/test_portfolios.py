"""Portfolios through the endpoint, on both backends: entries, files uploaded by real
GraphQL multipart requests (httpx ``files=``), downloaded by their short-lived links.

What must hold (issue 15): a file over the limit, or of a forbidden type renamed to a
permitted extension, is refused with a clear error and nothing is stored (no row, no blob,
no file on disk); an allowed one downloads byte-equal; a link expires, and is worth
nothing to another institution's account.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import func, or_, select

from campusgraph.db import models as m
from campusgraph.db.tenancy import unscoped
from campusgraph.ids import to_global_id
from campusgraph.policies.facts import membership_current
from campusgraph.reports import downloads
from tests.conftest import make_settings
from tests.support.client import GraphQLClient

ALTAI = "altai-college-2016"
TOMSK = "tomsk-technikum-2023"
NSHDS = "nshds12-2021"

#: A minimal but genuine PDF, a PNG header, and a Windows program (its "MZ" header).
PDF = (
    b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"
    b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
)
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 16
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200

CREATE = """
mutation ($input: CreatePortfolioEntryInput!) {
  createPortfolioEntry(input: $input) {
    entry { id status }
    errors { code message field }
  }
}
"""
ADD_FILE = """
mutation ($input: AddPortfolioFileInput!) {
  addPortfolioFile(input: $input) {
    file { id fileName contentType size sha256 }
    errors { code message field }
  }
}
"""
CONFIRM = """
mutation ($input: ConfirmPortfolioEntryInput!) {
  confirmPortfolioEntry(input: $input) {
    entry { id status confirmedAt }
    errors { code reason message }
  }
}
"""
DELETE = """
mutation ($input: DeleteInput!) {
  deletePortfolioEntry(input: $input) { deletedId errors { code message } }
}
"""
PORTFOLIO = """
query ($owner: ID!) {
  portfolio(owner: $owner) {
    id title kind status
    files { id fileName contentType size sha256 downloadUrl }
  }
}
"""


# -- helpers -----------------------------------------------------------------------------


async def _curated_student(db: Any, slug: str, login: str) -> int:
    """A student of a group the account ``login`` curates."""
    async with unscoped(db.factory) as s:
        inst = await s.scalar(select(m.Institution.id).where(m.Institution.slug == slug))
        person = await s.scalar(
            select(m.UserAccount.person_id).where(
                m.UserAccount.institution_id == inst, m.UserAccount.login == login
            )
        )
        today = make_settings(db).today
        gm, cu = m.GroupMembership, m.Curatorship
        student = await s.scalar(
            select(gm.student_id)
            .join(cu, cu.group_id == gm.group_id)
            .join(m.Employee, m.Employee.id == cu.curator_id)
            .where(
                m.Employee.person_id == person,
                membership_current(today),
                cu.starts_on <= today,
                or_(cu.ends_on.is_(None), cu.ends_on > today),
            )
            .order_by(gm.student_id)
            .limit(1)
        )
    assert student is not None
    return int(student)


async def _stored(db: Any) -> tuple[int, int]:
    """(portfolio files, blobs) in the database."""
    async with unscoped(db.factory) as s:
        files = await s.scalar(select(func.count()).select_from(m.PortfolioFile))
        blobs = await s.scalar(select(func.count()).select_from(m.StoredBlob))
    return int(files or 0), int(blobs or 0)


def _on_disk(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


async def _upload(
    client: GraphQLClient,
    entry: str,
    name: str,
    content: bytes,
    content_type: str = "application/pdf",
    *,
    preflight: bool = True,
    language: str = "en",
) -> Any:
    """A GraphQL multipart request (the spec's operations / map / file parts)."""
    operations = {"query": ADD_FILE, "variables": {"input": {"entry": entry, "file": None}}}
    headers = {"Authorization": f"Bearer {client.token}", "Accept-Language": language}
    if preflight:
        headers["GraphQL-Require-Preflight"] = "1"
    return await client.http.post(
        "/graphql",
        data={
            "operations": orjson.dumps(operations).decode(),
            "map": orjson.dumps({"0": ["variables.input.file"]}).decode(),
        },
        files={"0": (name, content, content_type)},
        headers=headers,
    )


async def _new_entry(curator: GraphQLClient, student: int) -> str:
    answer = await curator.data(
        CREATE,
        {
            "input": {
                "owner": to_global_id("Student", student),
                "kind": "COMPETITION_RESULT",
                "title": "Диплом II степени регионального чемпионата",
                "date": "2026-10-20",
            }
        },
    )
    payload = answer["createPortfolioEntry"]
    assert payload["errors"] == []
    assert payload["entry"]["status"] == "DRAFT"
    return str(payload["entry"]["id"])


@pytest.fixture(params=["database", "disk"])
async def storage_client(
    request: pytest.FixtureRequest, make_client: Any, tmp_path: Path
) -> AsyncIterator[tuple[GraphQLClient, Path]]:
    """An app storing portfolio files in the database or in a folder, with a small limit."""
    folder = tmp_path / request.param  # named after the storage, for the assertions
    async with make_client(
        portfolio_storage=request.param,
        portfolio_storage_path=folder,
        portfolio_file_max_bytes=4096,
    ) as client:
        yield client, folder


# -- the file itself ---------------------------------------------------------------------


async def test_an_allowed_file_downloads_byte_equal(
    db: Any, storage_client: tuple[GraphQLClient, Path]
) -> None:
    # Given a curator's entry in his student's portfolio
    anonymous, folder = storage_client
    curator = await anonymous.as_(ALTAI, "curator")
    student = await _curated_student(db, ALTAI, "curator")
    entry = await _new_entry(curator, student)

    # When he uploads a PDF by a multipart request and follows the file's link
    answer = (await _upload(curator, entry, "диплом.pdf", PDF)).json()
    added = answer["data"]["addPortfolioFile"]
    listed = await curator.data(PORTFOLIO, {"owner": to_global_id("Student", student)})
    mine = next(e for e in listed["portfolio"] if e["id"] == entry)
    download = await anonymous.http.get(mine["files"][0]["downloadUrl"])

    # Then the bytes come back as they were sent, typed by what they are
    assert added["errors"] == []
    assert added["file"]["contentType"] == "application/pdf"
    assert added["file"]["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert download.status_code == 200
    assert download.content == PDF
    assert download.headers["content-type"] == "application/pdf"
    assert "attachment" in download.headers["content-disposition"]
    # … kept where the setting says: a blob row, or a file in the folder
    in_database = await _stored(db) == (1, 1) and _on_disk(folder) == []
    on_disk = await _stored(db) == (1, 0) and [p.read_bytes() for p in _on_disk(folder)] == [PDF]
    assert in_database if folder.name == "database" else on_disk


async def test_an_entry_with_files_deletes_with_its_files(
    db: Any, storage_client: tuple[GraphQLClient, Path]
) -> None:
    # Given a curator's entry with a file (deleting one answered INTERNAL: the entry's
    # cascade removed the file's row before its own DELETE ran)
    anonymous, folder = storage_client
    curator = await anonymous.as_(ALTAI, "curator")
    entry = await _new_entry(curator, await _curated_student(db, ALTAI, "curator"))
    added = (await _upload(curator, entry, "diploma.pdf", PDF)).json()
    assert added["data"]["addPortfolioFile"]["errors"] == []

    # When he deletes the entry
    answer = await curator.data(DELETE, {"input": {"id": entry}})

    # Then it is gone with its file: no row, no blob, no file on disk
    assert answer["deletePortfolioEntry"] == {"deletedId": entry, "errors": []}
    assert await _stored(db) == (0, 0)
    assert _on_disk(folder) == []


async def test_a_program_renamed_pdf_is_refused_and_nothing_is_stored(
    db: Any, storage_client: tuple[GraphQLClient, Path]
) -> None:
    # Given an entry and a Windows program named like a PDF, sent as a PDF
    anonymous, folder = storage_client
    curator = await anonymous.as_(ALTAI, "curator")
    entry = await _new_entry(curator, await _curated_student(db, ALTAI, "curator"))

    # When it is uploaded
    answer = (await _upload(curator, entry, "diploma.pdf", EXE, "application/pdf")).json()

    # Then it is refused as what its bytes are, naming the allowed types; nothing is kept
    payload = answer["data"]["addPortfolioFile"]
    assert payload["file"] is None
    [error] = payload["errors"]
    assert (error["code"], error["field"]) == ("VALIDATION", "input.file")
    assert "application/x-msdownload" in error["message"]
    assert "application/pdf, image/jpeg, image/png" in error["message"]
    assert await _stored(db) == (0, 0)
    assert _on_disk(folder) == []


async def test_a_file_over_the_limit_is_refused_naming_it_and_nothing_is_stored(
    db: Any, storage_client: tuple[GraphQLClient, Path]
) -> None:
    # Given the limit of 4 KB and a PNG of 4 KB and 16 bytes
    anonymous, folder = storage_client
    curator = await anonymous.as_(ALTAI, "curator")
    entry = await _new_entry(curator, await _curated_student(db, ALTAI, "curator"))
    assert len(PNG) == 4096 + 16

    # When it is uploaded, asked in English and in Russian
    en = (await _upload(curator, entry, "photo.png", PNG, "image/png")).json()
    ru = (await _upload(curator, entry, "photo.png", PNG, "image/png", language="ru")).json()

    # Then it is refused naming the limit, in each language, and nothing is kept
    [error] = en["data"]["addPortfolioFile"]["errors"]
    assert (error["code"], error["field"]) == ("VALIDATION", "input.file")
    assert "the limit is 4 KB" in error["message"]
    assert "не больше 4 КБ" in ru["data"]["addPortfolioFile"]["errors"][0]["message"]
    assert await _stored(db) == (0, 0)
    assert _on_disk(folder) == []


async def test_a_request_larger_than_the_limit_is_refused_before_it_is_read(
    db: Any, make_client: Any
) -> None:
    # Given a limit of 1 KB (requests: 1 KB + 1 MB) and a request of 2 MB
    async with make_client(portfolio_file_max_bytes=1024) as anonymous:
        curator = await anonymous.as_(ALTAI, "curator")
        entry = await _new_entry(curator, await _curated_student(db, ALTAI, "curator"))

        # When it is sent
        response = await _upload(curator, entry, "big.pdf", PDF + b"\x00" * (2 << 20))

    # Then 413, and nothing is stored
    assert response.status_code == 413
    assert "1 MB" in response.json()["errors"][0]["message"]
    assert await _stored(db) == (0, 0)


async def test_a_multipart_request_without_the_preflight_header_is_refused(
    db: Any, client: GraphQLClient
) -> None:
    # Given an entry (a cross-site form could post multipart, but not set a header)
    curator = await client.as_(ALTAI, "curator")
    entry = await _new_entry(curator, await _curated_student(db, ALTAI, "curator"))

    # When a file comes without GraphQL-Require-Preflight
    response = await _upload(curator, entry, "diploma.pdf", PDF, preflight=False)

    # Then it is refused, and nothing is stored
    assert response.status_code == 400
    assert "GraphQL-Require-Preflight" in response.text
    assert await _stored(db) == (0, 0)


# -- the link ----------------------------------------------------------------------------


async def _uploaded(db: Any, client: GraphQLClient) -> tuple[GraphQLClient, str, int]:
    """A curator's file in his student's portfolio: (curator, its link, its row id)."""
    curator = await client.as_(ALTAI, "curator")
    student = await _curated_student(db, ALTAI, "curator")
    entry = await _new_entry(curator, student)
    answer = (await _upload(curator, entry, "diploma.pdf", PDF)).json()
    assert answer["data"]["addPortfolioFile"]["errors"] == []
    listed = await curator.data(PORTFOLIO, {"owner": to_global_id("Student", student)})
    file = next(e for e in listed["portfolio"] if e["id"] == entry)["files"][0]
    async with unscoped(db.factory) as s:
        pk = await s.scalar(select(func.max(m.PortfolioFile.id)))
    return curator, str(file["downloadUrl"]), int(pk or 0)


async def test_a_download_link_expires(
    db: Any, client: GraphQLClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a file's link, and the clock moved past its time to live
    _, url, _ = await _uploaded(db, client)
    issued = downloads.now()
    ttl = make_settings(db).file_link_ttl_seconds
    monkeypatch.setattr(downloads, "now", lambda: issued + ttl + 1)

    # When it is followed
    response = await client.http.get(url)

    # Then it is gone
    assert response.status_code == 410
    assert response.json()["error"]["code"] == "LINK_EXPIRED"


async def test_another_institutions_account_gets_neither_the_list_nor_the_file(
    db: Any, client: GraphQLClient
) -> None:
    # Given an Altai student's file, and a Tomsk account that may read every portfolio
    # of its own institution (head of upbringing, п. 4.7.4)
    _, _, file_pk = await _uploaded(db, client)
    student = await _curated_student(db, ALTAI, "curator")
    tomsk = await client.as_(TOMSK, "head_of_upbringing")
    async with unscoped(db.factory) as s:
        session_id = await s.scalar(select(func.max(m.AuthSession.id)))
    assert session_id is not None
    # … holding a genuine link to that file under its own session (what a link issued to
    # it would be, were the file its institution's)
    settings = make_settings(db)
    link = downloads.Link(
        int(session_id), "portfolio_file", {"file": file_pk}, None, "en", downloads.now() + 60
    )
    url = f"/files/{downloads.sign(settings, link)}"

    # When it asks for the student's portfolio, and follows the link
    listed = await tomsk.query(PORTFOLIO, {"owner": to_global_id("Student", student)})
    response = await client.http.get(url)

    # Then neither is there for it
    assert listed["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert response.status_code == 404
    assert response.content != PDF


# -- who confirms ------------------------------------------------------------------------


async def test_who_confirms_is_the_rulesets(db: Any, client: GraphQLClient) -> None:
    # Given a Tomsk curator's entry in his student's portfolio (п. 4.8.8: he organises it)
    curator = await client.as_(TOMSK, "curator")
    entry = await _new_entry(curator, await _curated_student(db, TOMSK, "curator"))
    controller = await client.as_(TOMSK, "head_of_upbringing")

    # When the curator confirms it, then the head of upbringing (п. 4.7.4: controls it)
    by_curator = await curator.data(CONFIRM, {"input": {"id": entry}})
    by_controller = await controller.data(CONFIRM, {"input": {"id": entry}})

    # Then only the latter may
    assert by_curator["confirmPortfolioEntry"]["errors"][0]["code"] == "FORBIDDEN"
    confirmed = by_controller["confirmPortfolioEntry"]
    assert confirmed["errors"] == []
    assert confirmed["entry"]["status"] == "CONFIRMED"
    assert confirmed["entry"]["confirmedAt"] is not None


# -- who reads ---------------------------------------------------------------------------


async def test_a_parent_reads_his_childs_portfolio_and_no_one_elses(
    db: Any, client: GraphQLClient
) -> None:
    # Given NSHDS 12 (п. 3.3: parents see their children's data), an entry a subject teacher
    # placed in the parent's child's portfolio and one in another student's
    async with unscoped(db.factory) as s:
        inst = await s.scalar(select(m.Institution.id).where(m.Institution.slug == NSHDS))
        parent = await s.scalar(
            select(m.Parent.id)
            .join(m.UserAccount, m.UserAccount.person_id == m.Parent.person_id)
            .where(m.UserAccount.institution_id == inst, m.UserAccount.login == "parent")
        )
        child = await s.scalar(
            select(m.ParentLink.student_id).where(m.ParentLink.parent_id == parent).limit(1)
        )
        other = await s.scalar(
            select(m.Student.id)
            .where(m.Student.institution_id == inst, m.Student.id != child)
            .where(
                m.Student.id.not_in(
                    select(m.ParentLink.student_id).where(m.ParentLink.parent_id == parent)
                )
            )
            .limit(1)
        )
    assert child is not None
    assert other is not None
    teacher = await client.as_(NSHDS, "subject_teacher")
    for student in (child, other):
        answer = await teacher.data(
            CREATE,
            {
                "input": {
                    "owner": to_global_id("Student", student),
                    "kind": "PROJECT",
                    "title": "Проект «Школьный музей»",
                    "date": "2026-10-01",
                }
            },
        )
        assert answer["createPortfolioEntry"]["errors"] == []
    parent_client = await client.as_(NSHDS, "parent")

    # When the parent reads both portfolios
    own = await parent_client.data(PORTFOLIO, {"owner": to_global_id("Student", child)})
    others = await parent_client.query(PORTFOLIO, {"owner": to_global_id("Student", other)})

    # Then his child's shows the entry, the other's nothing
    assert "Проект «Школьный музей»" in [e["title"] for e in own["portfolio"]]
    assert (others.get("data") or {}).get("portfolio") in ([], None)
    assert "Проект «Школьный музей»" not in str(others)


async def test_a_text_where_the_file_belongs_is_the_clients_mistake(
    db: Any, client: GraphQLClient
) -> None:
    # Given a curator's entry, and a request that is not multipart: its `file` is a
    # string (a variable, or a literal in the document — schemathesis sends these)
    curator = await client.as_(ALTAI, "curator")
    entry = await _new_entry(curator, await _curated_student(db, ALTAI, "curator"))
    literal = ADD_FILE.replace("$input: AddPortfolioFileInput!", "$entry: ID!").replace(
        "input: $input", 'input: {entry: $entry, file: "x"}'
    )

    # When it is sent as a variable and as a literal
    answers = [
        await curator.query(ADD_FILE, {"input": {"entry": entry, "file": "x"}}),
        await curator.query(literal, {"entry": entry}),
    ]

    # Then each is refused as the client's mistake, at the file, and nothing is stored
    for answer in answers:
        codes = [e["extensions"]["code"] for e in answer.get("errors") or []]
        payload = (answer.get("data") or {}).get("addPortfolioFile") or {}
        codes += [e["code"] for e in payload.get("errors") or []]
        assert codes == ["VALIDATION"], answer
    assert await _stored(db) == (0, 0)
