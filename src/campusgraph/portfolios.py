"""Portfolios of students and teachers: entries, their files, and the files' downloads.

Tomsk разд. 6 regulates the electronic portfolio «преподавателей, мастеров
производственного обучения и обучающихся»; Altai п. 3.4, 4.3 and NSHDS 12 разд. 4 name
personal and project portfolios. One table holds both kinds of owner; the policy object
tells them apart by who the owner is, because the regulations give them to different
people (Tomsk: curators organise students' portfolios, п. 4.8.8, the deputy for
upbringing controls them, п. 4.7.1, 4.7.4; the methodology deputy and the HR head
organise teachers', п. 4.3.4, 4.5.4, the deputies for studies control them, п. 4.6.4):

- ``portfolio``: an entry of a student's portfolio (anchored at the student, so
  ``curated_group``, ``taught``, ``own_child`` and ``self`` reach it);
- ``portfolio.teacher``: an entry of an employee's portfolio (anchored at the person:
  ``self`` is one's own, ``institution`` everyone's).

Filling is ``create`` / ``update`` / ``delete``, adding or removing a file is ``update`` of
its entry, confirming is ``approve``, reading (and downloading a file) is ``read``. The
permission is declared by each mutation (schema/portfolios.py) and by the download kind
here; nothing in this module decides it by hand.

A file is refused before anything is written when it is larger than
``portfolio_file_max_bytes`` or its bytes are not of a type in ``portfolio_file_types``
(detected from the bytes: a program renamed ``.pdf`` is refused as what it is).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from campusgraph.context import Context
from campusgraph.db import models as m
from campusgraph.db.base import utcnow
from campusgraph.db.enums import PortfolioKind, PortfolioStatus
from campusgraph.i18n import message
from campusgraph.policies.facts import Target, Viewer
from campusgraph.policies.targets import target_of
from campusgraph.reports.downloads import FileGone, StoredFile, register_stored_kind
from campusgraph.resolvers.audit import record, snapshot
from campusgraph.resolvers.structure_writes import Invalid
from campusgraph.storage import detect_type, new_key, sha256, storage_for

log = logging.getLogger("campusgraph.portfolios")

STUDENT_OBJECT = "portfolio"
TEACHER_OBJECT = "portfolio.teacher"
#: The pairs this module and schema/portfolios.py ask about with a computed object (the
#: owner's kind decides it): policies/operations.py reads them.
EXERCISES = (
    ("portfolio", "read"),
    ("portfolio", "create"),
    ("portfolio", "update"),
    ("portfolio", "delete"),
    ("portfolio", "approve"),
    ("portfolio.teacher", "read"),
    ("portfolio.teacher", "create"),
    ("portfolio.teacher", "update"),
    ("portfolio.teacher", "delete"),
    ("portfolio.teacher", "approve"),
)
DOWNLOAD_KIND = "portfolio_file"
MAX_TITLE = 255
MAX_DESCRIPTION = 4000
MAX_FILE_NAME = 255


@dataclass(frozen=True, slots=True)
class Owner:
    """Whose portfolio: the person, and the policy object his entries are rows of."""

    person_id: int
    obj: str
    student_id: int | None


async def owner_of_person(ctx: Context, person_id: int) -> Owner | None:
    """A person of the viewer's institution as a portfolio's owner: a student's portfolio
    when the person is a student there, else an employee's (None: neither)."""
    async with ctx.session() as session:
        student = await session.scalar(
            select(m.Student.id).where(m.Student.person_id == person_id).limit(1)
        )
        if student is not None:
            return Owner(person_id, STUDENT_OBJECT, student)
        employee = await session.scalar(
            select(m.Employee.id).where(m.Employee.person_id == person_id).limit(1)
        )
    return None if employee is None else Owner(person_id, TEACHER_OBJECT, None)


async def owner_of_card(ctx: Context, type_name: str, pk: int) -> Owner | None:
    """The owner named by a student's or an employee's card (of the viewer's institution)."""
    model: Any = m.Student if type_name == "Student" else m.Employee
    async with ctx.session() as session:
        person = await session.scalar(select(model.person_id).where(model.id == pk))
    if person is None:
        return None
    if type_name == "Student":
        return Owner(person, STUDENT_OBJECT, pk)
    return Owner(person, TEACHER_OBJECT, None)


def new_entry_target(ctx: Context, owner: Owner) -> Target:
    """A new entry's anchors: its owner, and the viewer as its author."""
    viewer = ctx.viewer
    assert viewer is not None
    return ctx.authorizer.target(
        owner.obj,
        institution_id=viewer.institution_id,
        person_id=owner.person_id,
        student_ids=frozenset() if owner.student_id is None else frozenset({owner.student_id}),
        author_id=viewer.user_id,
    )


async def entry_target_in(session: AsyncSession, entry_id: int) -> tuple[str, Target] | None:
    """An existing entry's object and anchors, read in ``session`` (None: no such entry
    in the institution). A student's entry is a ``portfolio`` row, anyone else's a
    ``portfolio.teacher`` one — as :func:`owner_of_person` tells owners apart: the
    mutations and ``viewer.can`` both decide on what this returns."""
    person = await session.scalar(
        select(m.PortfolioEntry.person_id).where(m.PortfolioEntry.id == entry_id)
    )
    if person is None:
        return None
    student = await session.scalar(
        select(m.Student.id).where(m.Student.person_id == person).limit(1)
    )
    obj = STUDENT_OBJECT if student is not None else TEACHER_OBJECT
    found = await target_of(session, obj, entry_id)
    return None if found is None else (obj, found)


async def entry_target(ctx: Context, entry_id: int) -> tuple[str, Target] | None:
    """An existing entry's object and anchors (None: no such entry in the institution)."""
    async with ctx.session() as session:
        return await entry_target_in(session, entry_id)


async def entry_of_file_in(session: AsyncSession, file_id: int) -> int | None:
    found: int | None = await session.scalar(
        select(m.PortfolioFile.entry_id).where(m.PortfolioFile.id == file_id)
    )
    return found


async def entry_of_file(ctx: Context, file_id: int) -> int | None:
    async with ctx.session() as session:
        return await entry_of_file_in(session, file_id)


# -- entries ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EntryValues:
    kind: PortfolioKind | None = None
    title: str | None = None
    date: dt.date | None = None
    description: str | None = None


def _problems(values: EntryValues, language: str, *, creating: bool) -> None:
    problems: list[tuple[str | None, str]] = []
    if values.title is not None or creating:
        title = (values.title or "").strip()
        if not title:
            problems.append(("input.title", message("structure_field_required", language)))
        elif len(title) > MAX_TITLE:
            text = message("portfolio_text_too_long", language, limit=MAX_TITLE)
            problems.append(("input.title", text))
    if values.description is not None and len(values.description) > MAX_DESCRIPTION:
        text = message("portfolio_text_too_long", language, limit=MAX_DESCRIPTION)
        problems.append(("input.description", text))
    if problems:
        raise Invalid(problems)


def _back_to_draft(entry: m.PortfolioEntry) -> None:
    """A change after confirmation undoes it: what was confirmed is no longer there."""
    entry.status = PortfolioStatus.DRAFT
    entry.confirmed_by_user_id = None
    entry.confirmed_at = None


async def _saved(
    session: AsyncSession,
    viewer: Viewer,
    action: str,
    entry: m.PortfolioEntry,
    before: dict[str, Any] | None,
    client_mutation_id: str | None,
) -> None:
    """Commits a written entry with its audit record (one place for the three writes)."""
    await session.flush()
    await record(
        session,
        viewer=viewer,
        action=action,
        object_type="portfolio",
        object_id=entry.id,
        institution_id=entry.institution_id,
        before=before,
        after=snapshot(entry),
        client_mutation_id=client_mutation_id,
    )
    await session.commit()


async def create_entry(
    ctx: Context, owner: Owner, values: EntryValues, client_mutation_id: str | None
) -> m.PortfolioEntry:
    viewer = ctx.viewer
    assert viewer is not None and viewer.institution_id is not None
    _problems(values, ctx.language, creating=True)
    assert values.kind is not None and values.date is not None and values.title is not None
    async with ctx.session(write=True) as session:
        entry = m.PortfolioEntry(
            institution_id=viewer.institution_id,
            person_id=owner.person_id,
            kind=values.kind,
            title=values.title.strip(),
            date=values.date,
            description=values.description,
            author_user_id=viewer.user_id,
            status=PortfolioStatus.DRAFT,
        )
        session.add(entry)
        await _saved(session, viewer, "create", entry, None, client_mutation_id)
    return entry


async def _locked_entry(session: Any, entry_id: int, language: str) -> m.PortfolioEntry:
    entry = await session.scalar(
        select(m.PortfolioEntry).where(m.PortfolioEntry.id == entry_id).with_for_update()
    )
    if entry is None:
        raise Invalid([("input.id", message("not_found", language))])
    assert isinstance(entry, m.PortfolioEntry)
    return entry


async def update_entry(
    ctx: Context, entry_id: int, values: EntryValues, client_mutation_id: str | None
) -> m.PortfolioEntry:
    viewer = ctx.viewer
    assert viewer is not None
    _problems(values, ctx.language, creating=False)
    async with ctx.session(write=True) as session:
        entry = await _locked_entry(session, entry_id, ctx.language)
        before = snapshot(entry)
        if values.kind is not None:
            entry.kind = values.kind
        if values.title is not None:
            entry.title = values.title.strip()
        if values.date is not None:
            entry.date = values.date
        if values.description is not None:
            entry.description = values.description or None
        _back_to_draft(entry)
        await _saved(session, viewer, "update", entry, before, client_mutation_id)
    return entry


async def confirm_entry(
    ctx: Context, entry_id: int, client_mutation_id: str | None
) -> m.PortfolioEntry:
    viewer = ctx.viewer
    assert viewer is not None
    async with ctx.session(write=True) as session:
        entry = await _locked_entry(session, entry_id, ctx.language)
        before = snapshot(entry)
        entry.status = PortfolioStatus.CONFIRMED
        entry.confirmed_by_user_id = viewer.user_id
        entry.confirmed_at = utcnow()
        await _saved(session, viewer, "approve", entry, before, client_mutation_id)
    return entry


async def delete_entry(ctx: Context, entry_id: int, client_mutation_id: str | None) -> None:
    """The entry with its files: their rows and their bytes (on disk: after the commit, so
    a failed delete never leaves rows without their files)."""
    viewer = ctx.viewer
    assert viewer is not None
    storage = storage_for(ctx.settings)
    async with ctx.session(write=True) as session:
        entry = await _locked_entry(session, entry_id, ctx.language)
        before = snapshot(entry)
        files = list(
            await session.scalars(
                select(m.PortfolioFile).where(m.PortfolioFile.entry_id == entry_id)
            )
        )
        keys = [f.storage_key for f in files]
        for file in files:
            if not storage.outside_transaction:
                await storage.delete(session, file.storage_key)
            await session.delete(file)
        # The files' rows go first: no relationship tells the unit of work their order, and
        # the entry's ON DELETE CASCADE removing them first left their DELETEs matching none.
        await session.flush()
        await session.delete(entry)
        before["files"] = keys
        await record(
            session,
            viewer=viewer,
            action="delete",
            object_type="portfolio",
            object_id=entry_id,
            institution_id=entry.institution_id,
            before=before,
            client_mutation_id=client_mutation_id,
        )
        await session.commit()
    if storage.outside_transaction:
        for key in keys:
            await storage.discard(key)


# -- files ------------------------------------------------------------------------------


def size_text(n: int, language: str) -> str:
    """A size as people read it: bytes, KB or MB (binary units, as the setting counts)."""
    if n < 1024:
        return message("size_bytes", language, n=n)
    if n < 1024 * 1024:
        return message("size_kib", language, n=f"{n / 1024:.1f}".rstrip("0").rstrip("."))
    return message("size_mib", language, n=f"{n / 1024 / 1024:.1f}".rstrip("0").rstrip("."))


def check_file(ctx: Context, content: bytes) -> str:
    """The file's detected type, or :class:`Invalid` saying why it is refused (over the
    size limit, naming it; not of an allowed type, naming what it is and what may be)."""
    settings = ctx.settings
    language = ctx.language
    limit = settings.portfolio_file_max_bytes
    if len(content) > limit:
        text = message(
            "portfolio_file_too_large",
            language,
            size=size_text(len(content), language),
            limit=size_text(limit, language),
        )
        raise Invalid([("input.file", text)])
    if not content:
        raise Invalid([("input.file", message("portfolio_file_empty", language))])
    detected = detect_type(content)
    allowed = settings.portfolio_file_type_list()
    if detected not in allowed:
        text = message(
            "portfolio_file_type_not_allowed",
            language,
            detected=detected,
            allowed=", ".join(sorted(allowed)),
        )
        raise Invalid([("input.file", text)])
    return detected


def clean_file_name(name: str | None) -> str:
    """The name as shown and downloaded: its last path part, no control characters."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(c for c in base if c.isprintable()).strip()
    return (base or "file")[:MAX_FILE_NAME]


async def add_file(
    ctx: Context, entry_id: int, name: str | None, content: bytes
) -> m.PortfolioFile:
    """Store the file (checked first: nothing is written for a refused one) and its row in
    one transaction; a storage outside the database is undone when the row is not
    committed."""
    viewer = ctx.viewer
    assert viewer is not None
    detected = check_file(ctx, content)
    storage = storage_for(ctx.settings)
    key = new_key()
    written = False
    try:
        async with ctx.session(write=True) as session:
            entry = await _locked_entry(session, entry_id, ctx.language)
            await storage.put(session, entry.institution_id, key, content)
            written = True
            file = m.PortfolioFile(
                institution_id=entry.institution_id,
                entry_id=entry.id,
                file_name=clean_file_name(name),
                content_type=detected,
                size=len(content),
                sha256=sha256(content),
                storage_key=key,
                uploaded_by_user_id=viewer.user_id,
                uploaded_at=utcnow(),
            )
            session.add(file)
            _back_to_draft(entry)
            await session.flush()
            await record(
                session,
                viewer=viewer,
                action="create",
                object_type="portfolio_file",
                object_id=file.id,
                institution_id=entry.institution_id,
                after=snapshot(file),
            )
            await session.commit()
    except BaseException:
        if written and storage.outside_transaction:
            await storage.discard(key)
        raise
    return file


async def remove_file(ctx: Context, file_id: int, client_mutation_id: str | None) -> int:
    """Remove a file; answers its entry's id."""
    viewer = ctx.viewer
    assert viewer is not None
    storage = storage_for(ctx.settings)
    async with ctx.session(write=True) as session:
        file = await session.scalar(
            select(m.PortfolioFile).where(m.PortfolioFile.id == file_id).with_for_update()
        )
        if file is None:
            raise Invalid([("input.id", message("not_found", ctx.language))])
        entry = await _locked_entry(session, file.entry_id, ctx.language)
        before = snapshot(file)
        key = file.storage_key
        if not storage.outside_transaction:
            await storage.delete(session, key)
        await session.delete(file)
        _back_to_draft(entry)
        await record(
            session,
            viewer=viewer,
            action="delete",
            object_type="portfolio_file",
            object_id=file_id,
            institution_id=entry.institution_id,
            before=before,
            client_mutation_id=client_mutation_id,
        )
        await session.commit()
        entry_id = entry.id
    if storage.outside_transaction:
        await storage.discard(key)
    return entry_id


# -- downloads --------------------------------------------------------------------------


def download_payload(file_id: int) -> dict[str, Any]:
    return {"file": file_id}


async def _check_download(ctx: Context, payload: Mapping[str, Any]) -> None:
    """``read`` of the file's entry, decided now: when the link is asked for and again when
    it is fetched (the link's session's institution scopes the lookup: another
    institution's file is not there for it)."""
    entry_id = await entry_of_file(ctx, int(payload["file"]))
    found = None if entry_id is None else await entry_target(ctx, entry_id)
    if found is None:
        raise FileGone
    obj, target = found
    await ctx.authorizer.require(obj, "read", target)


async def _fetch(ctx: Context, payload: Mapping[str, Any]) -> StoredFile:
    await _check_download(ctx, payload)
    storage = storage_for(ctx.settings)
    async with ctx.session() as session:
        file = await session.scalar(
            select(m.PortfolioFile).where(m.PortfolioFile.id == int(payload["file"]))
        )
        if file is None:
            raise FileGone
        content = await storage.get(session, file.storage_key)
    if content is None:
        log.error("portfolio file %s: its bytes are missing from the storage", file.id)
        raise FileGone
    return StoredFile(file.file_name, file.content_type, content)


register_stored_kind(DOWNLOAD_KIND, _fetch, check=_check_download)

__all__ = ["EXERCISES", "Owner"]
