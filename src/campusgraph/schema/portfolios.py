"""Portfolios on the API: a person's entries with their files, and the writes on them.

Who may do what is each ruleset's (see :mod:`campusgraph.portfolios`): every mutation is
:func:`~campusgraph.schema.mutations.guarded` on the entry's object — ``portfolio`` for a
student's, ``portfolio.teacher`` for an employee's — and action (``create``, ``update``,
``delete``, ``approve``; a file added or removed is an ``update`` of its entry). The query
shows the entries the viewer may ``read``. A file is uploaded by a GraphQL multipart
request (``addPortfolioFile(input: {entry, file})``, the `Upload` scalar) and downloaded
by a short-lived link (``downloadUrl``), which decides ``read`` again when fetched.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import strawberry
from sqlalchemy import and_, or_, select
from strawberry.file_uploads import Upload

from campusgraph import portfolios as pf
from campusgraph.context import Context
from campusgraph.db import enums as e
from campusgraph.db import models as m
from campusgraph.i18n import message
from campusgraph.ids import to_global_id
from campusgraph.policies.facts import Target
from campusgraph.reports.downloads import FileGone, issue_stored_download
from campusgraph.schema.base import GraphQLInfo, Node, from_global_id, signed_in
from campusgraph.schema.enums import described
from campusgraph.schema.errors import ApiError, ErrorCode, MutationError
from campusgraph.schema.mutations import ValidationFailed, guarded
from campusgraph.schema.structure_mutations import DeleteInput, DeletePayload, pk_of, validation

#: The query reads the owner's object, computed from who the owner is (policies/operations.py).
EXERCISES = (("portfolio", "read"), ("portfolio.teacher", "read"))

described(
    strawberry.enum(
        e.PortfolioKind,
        name="PortfolioKind",
        description="What a portfolio entry records.",
    ),
    {
        "ACHIEVEMENT": "An achievement: a diploma, a letter of thanks, an award.",
        "CERTIFICATE": "A certificate: courses, further training, a qualification.",
        "PROJECT": "A project (the project portfolio of Altai п. 4.3 and NSHDS 12 разд. 4).",
        "COMPETITION_RESULT": "A result of an olympiad or a competition.",
        "PUBLICATION": "A publication: an article, a methodological work.",
    },
)
described(
    strawberry.enum(
        e.PortfolioStatus,
        name="PortfolioStatus",
        description="Whether a portfolio entry was confirmed.",
    ),
    {
        "DRAFT": "Not confirmed yet (or changed since it was).",
        "CONFIRMED": "Confirmed by someone the ruleset lets `approve` it.",
    },
)


@strawberry.type(description="A file of a portfolio entry.")
class PortfolioFile(Node):
    id: strawberry.ID = strawberry.field(description="Global, opaque id.")
    file_name: str = strawberry.field(description="The file's name as it was uploaded.")
    content_type: str = strawberry.field(
        description="Its media type, detected from its bytes when it was uploaded."
    )
    size: int = strawberry.field(description="Its size in bytes.")
    sha256: str = strawberry.field(description="SHA-256 of its bytes, hexadecimal.")
    uploaded_at: dt.datetime = strawberry.field(description="When it was uploaded.")
    pk: strawberry.Private[int]

    @strawberry.field(
        description="`/files/<token>`: a link to the file, signed and naming your session, "
        "working for `fileLinkTtlSeconds` (a few minutes). GET it (relative to this API's "
        "origin) for the file's bytes; `read` of the entry is decided again then."
    )
    async def download_url(self, info: GraphQLInfo) -> str | None:
        try:
            issued = await issue_stored_download(
                info.context,
                pf.DOWNLOAD_KIND,
                pf.download_payload(self.pk),
                self.file_name,
                self.content_type,
            )
        except FileGone:
            text = message("not_found", info.context.language)
            raise ApiError(ErrorCode.NOT_FOUND, text) from None
        return issued.url


@strawberry.type(description="An entry of a student's or an employee's portfolio.")
class PortfolioEntry(Node):
    id: strawberry.ID = strawberry.field(description="Global, opaque id.")
    kind: e.PortfolioKind = strawberry.field(description="What it records.")
    title: str = strawberry.field(description="Its title: «Диплом II степени …».")
    date: dt.date = strawberry.field(description="When it was earned, issued or published.")
    description: str | None = strawberry.field(description="More about it, if anything.")
    status: e.PortfolioStatus = strawberry.field(description="Draft or confirmed.")
    confirmed_at: dt.datetime | None = strawberry.field(
        description="When it was confirmed; null while a draft."
    )
    files: list[PortfolioFile] = strawberry.field(description="Its files, oldest first.")


def _file(row: m.PortfolioFile) -> PortfolioFile:
    return PortfolioFile(
        id=strawberry.ID(to_global_id("PortfolioFile", row.id)),
        file_name=row.file_name,
        content_type=row.content_type,
        size=row.size,
        sha256=row.sha256,
        uploaded_at=row.uploaded_at,
        pk=row.id,
    )


def _entry(row: m.PortfolioEntry, files: list[m.PortfolioFile]) -> PortfolioEntry:
    return PortfolioEntry(
        id=strawberry.ID(to_global_id("PortfolioEntry", row.id)),
        kind=row.kind,
        title=row.title,
        date=row.date,
        description=row.description,
        status=row.status,
        confirmed_at=row.confirmed_at,
        files=[_file(f) for f in files],
    )


async def _with_files(ctx: Context, rows: list[m.PortfolioEntry]) -> list[PortfolioEntry]:
    """The entries with their files, read in one statement."""
    ids = [row.id for row in rows]
    by_entry: dict[int, list[m.PortfolioFile]] = {pk: [] for pk in ids}
    if ids:
        async with ctx.session() as session:
            found = await session.scalars(
                select(m.PortfolioFile)
                .where(m.PortfolioFile.entry_id.in_(ids))
                .order_by(m.PortfolioFile.uploaded_at, m.PortfolioFile.id)
            )
            for f in found:
                by_entry[f.entry_id].append(f)
    return [_entry(row, by_entry[row.id]) for row in rows]


def _readable_entries(ctx: Context) -> Any:
    """The entries the viewer may ``read``: each under its owner's object, as
    :func:`campusgraph.portfolios.entry_target_in` tells a student's entry (``portfolio``)
    from anyone else's (``portfolio.teacher``)."""
    entry = m.PortfolioEntry
    a_student = select(m.Student.id).where(m.Student.person_id == entry.person_id).exists()
    return or_(
        and_(a_student, ctx.authorizer.where(pf.STUDENT_OBJECT)),
        and_(~a_student, ctx.authorizer.where(pf.TEACHER_OBJECT)),
    )


async def fetch_entry(info: GraphQLInfo, pk: int) -> PortfolioEntry | None:
    """``node(id:)`` of an entry: the one the owner's ``read`` filter lets the viewer see."""
    ctx = info.context
    entry = m.PortfolioEntry
    async with ctx.session() as session:
        row = await session.scalar(select(entry).where(entry.id == pk, _readable_entries(ctx)))
    return None if row is None else (await _with_files(ctx, [row]))[0]


async def fetch_file(info: GraphQLInfo, pk: int) -> PortfolioFile | None:
    """``node(id:)`` of a file: seen where its entry is (as its download decides)."""
    ctx = info.context
    entry, file = m.PortfolioEntry, m.PortfolioFile
    stmt = (
        select(file)
        .join(entry, entry.id == file.entry_id)
        .where(file.id == pk, _readable_entries(ctx))
    )
    async with ctx.session() as session:
        row = await session.scalar(stmt)
    return None if row is None else _file(row)


async def _entry_answer(ctx: Context, entry_id: int) -> PortfolioEntry | None:
    async with ctx.session() as session:
        row = await session.get(m.PortfolioEntry, entry_id, populate_existing=True)
    if row is None:
        return None
    return (await _with_files(ctx, [row]))[0]


async def _owner(ctx: Context, gid: str, where: str) -> pf.Owner | None:
    """A Student's or Employee's global id as the portfolio's owner (VALIDATION for an id
    of anything else)."""
    lang = ctx.language
    kind, pk = from_global_id(gid, lang)
    if kind not in ("Student", "Employee"):
        raise ValidationFailed((where, message("wrong_type", lang)))
    return await pf.owner_of_card(ctx, kind, pk)


@strawberry.type
class PortfolioQueries:
    @strawberry.field(
        permission_classes=signed_in,
        description="The portfolio of a student (`portfolio read`) or an employee "
        "(`portfolio.teacher read`): the entries you may read, newest first, with their "
        "files. NOT_FOUND for a card of no one in your institution.",
    )
    async def portfolio(
        self,
        info: GraphQLInfo,
        owner: Annotated[
            strawberry.ID,
            strawberry.argument(description="The student's or the employee's card (id)."),
        ],
        kind: Annotated[
            e.PortfolioKind | None,
            strawberry.argument(description="Only entries of this kind; null: all."),
        ] = None,
    ) -> list[PortfolioEntry]:
        ctx = info.context
        try:
            found = await _owner(ctx, owner, "owner")
        except ValidationFailed as exc:
            raise ApiError(ErrorCode.VALIDATION, exc.errors[0].message) from None
        if found is None:
            raise ApiError(ErrorCode.NOT_FOUND, message("not_found", ctx.language))
        entry = m.PortfolioEntry
        stmt = (
            select(entry)
            .where(entry.person_id == found.person_id, ctx.authorizer.where(found.obj))
            .order_by(entry.date.desc(), entry.id.desc())
        )
        if kind is not None:
            stmt = stmt.where(entry.kind == kind)
        async with ctx.session() as session:
            rows = list(await session.scalars(stmt))
        return await _with_files(ctx, rows)


# -- mutations --------------------------------------------------------------------------


@strawberry.input(description="A new entry of a student's or an employee's portfolio.")
class CreatePortfolioEntryInput:
    owner: strawberry.ID = strawberry.field(
        description="Whose portfolio: the student's or the employee's card (id)."
    )
    kind: e.PortfolioKind = strawberry.field(description="What it records.")
    title: str = strawberry.field(description="Its title (at most 255 characters).")
    date: dt.date = strawberry.field(description="When it was earned, issued or published.")
    description: str | None = strawberry.field(
        default=None, description="More about it (at most 4,000 characters)."
    )
    client_mutation_id: str | None = None


@strawberry.input(description="Change a portfolio entry; a confirmed one becomes a draft again.")
class UpdatePortfolioEntryInput:
    id: strawberry.ID = strawberry.field(description="The entry (`PortfolioEntry.id`).")
    kind: e.PortfolioKind | None = strawberry.field(default=None, description="Null: unchanged.")
    title: str | None = strawberry.field(default=None, description="Null: unchanged.")
    date: dt.date | None = strawberry.field(default=None, description="Null: unchanged.")
    description: str | None = strawberry.field(
        default=None, description="Null: unchanged; an empty string removes it."
    )
    client_mutation_id: str | None = None


@strawberry.input(description="Confirm a portfolio entry as it stands.")
class ConfirmPortfolioEntryInput:
    id: strawberry.ID = strawberry.field(description="The entry (`PortfolioEntry.id`).")
    client_mutation_id: str | None = None


@strawberry.input(
    description="A file for a portfolio entry, sent as a GraphQL multipart request (the "
    "`file` variable is a part of the request, see the GraphQL multipart request spec)."
)
class AddPortfolioFileInput:
    entry: strawberry.ID = strawberry.field(description="The entry (`PortfolioEntry.id`).")
    file: Upload = strawberry.field(
        description="The file: its type is detected from its bytes and must be one the "
        "server allows (`portfolioFileTypes`), its size at most `portfolioFileMaxBytes`."
    )


@strawberry.input(description="Remove a file of a portfolio entry.")
class RemovePortfolioFileInput:
    id: strawberry.ID = strawberry.field(description="The file (`PortfolioFile.id`).")
    client_mutation_id: str | None = None


@strawberry.type(description="The result of a write on a portfolio entry.")
class PortfolioEntryPayload:
    entry: PortfolioEntry | None = strawberry.field(
        default=None, description="The entry as it now stands; null when refused."
    )
    client_mutation_id: str | None = None
    errors: list[MutationError] = strawberry.field(default_factory=list)


@strawberry.type(description="The result of adding a file to a portfolio entry.")
class PortfolioFilePayload:
    file: PortfolioFile | None = strawberry.field(
        default=None, description="The file stored; null when refused (nothing was stored)."
    )
    entry: PortfolioEntry | None = strawberry.field(
        default=None, description="Its entry as it now stands (a draft again)."
    )
    errors: list[MutationError] = strawberry.field(default_factory=list)


Targets = list[tuple[str, Target]] | None


async def _create_target(ctx: Context, input: CreatePortfolioEntryInput) -> Targets:
    owner = await _owner(ctx, input.owner, "input.owner")
    return None if owner is None else [(owner.obj, pf.new_entry_target(ctx, owner))]


async def _entry_by(ctx: Context, pk: int) -> Targets:
    found = await pf.entry_target(ctx, pk)
    return None if found is None else [found]


async def _id_target(ctx: Context, input: Any) -> Targets:
    return await _entry_by(ctx, pk_of(input.id, "PortfolioEntry", "input.id", ctx.language))


async def _file_entry_target(ctx: Context, input: AddPortfolioFileInput) -> Targets:
    return await _entry_by(ctx, pk_of(input.entry, "PortfolioEntry", "input.entry", ctx.language))


async def _removed_file_target(ctx: Context, input: RemovePortfolioFileInput) -> Targets:
    pk = pk_of(input.id, "PortfolioFile", "input.id", ctx.language)
    entry = await pf.entry_of_file(ctx, pk)
    return None if entry is None else await _entry_by(ctx, entry)


async def _read_upload(ctx: Context, upload: Any) -> bytes:
    """At most one byte past the limit is read: enough to know it is over. A request that
    is not multipart can still put text where the file belongs (the ``Upload`` scalar
    takes any value): that is the client's mistake, not a failure inside."""
    if not callable(getattr(upload, "read", None)):
        raise ValidationFailed(("input.file", message("portfolio_file_not_a_file", ctx.language)))
    content = await upload.read(ctx.settings.portfolio_file_max_bytes + 1)
    return bytes(content)


@strawberry.type(description="Portfolios of students and teachers.")
class PortfolioMutations:
    @strawberry.mutation(
        permission_classes=signed_in,
        description="Add an entry to a student's (`portfolio create`) or an employee's "
        "(`portfolio.teacher create`) portfolio, as a draft.",
    )
    @guarded("portfolio", "create", PortfolioEntryPayload, _create_target)
    async def create_portfolio_entry(
        self, info: GraphQLInfo, input: CreatePortfolioEntryInput
    ) -> PortfolioEntryPayload:
        ctx = info.context
        owner = await _owner(ctx, input.owner, "input.owner")
        assert owner is not None
        values = pf.EntryValues(input.kind, input.title, input.date, input.description)
        with validation():
            row = await pf.create_entry(ctx, owner, values, input.client_mutation_id)
        return PortfolioEntryPayload(
            entry=await _entry_answer(ctx, row.id), client_mutation_id=input.client_mutation_id
        )

    @strawberry.mutation(
        permission_classes=signed_in,
        description="Change a portfolio entry (`update` on its object); a confirmed entry "
        "becomes a draft again.",
    )
    @guarded("portfolio", "update", PortfolioEntryPayload, _id_target)
    async def update_portfolio_entry(
        self, info: GraphQLInfo, input: UpdatePortfolioEntryInput
    ) -> PortfolioEntryPayload:
        ctx = info.context
        pk = pk_of(input.id, "PortfolioEntry", "input.id", ctx.language)
        values = pf.EntryValues(input.kind, input.title, input.date, input.description)
        with validation():
            await pf.update_entry(ctx, pk, values, input.client_mutation_id)
        return PortfolioEntryPayload(
            entry=await _entry_answer(ctx, pk), client_mutation_id=input.client_mutation_id
        )

    @strawberry.mutation(
        permission_classes=signed_in,
        description="Delete a portfolio entry with its files (`delete` on its object).",
    )
    @guarded("portfolio", "delete", DeletePayload, _id_target)
    async def delete_portfolio_entry(self, info: GraphQLInfo, input: DeleteInput) -> DeletePayload:
        ctx = info.context
        pk = pk_of(input.id, "PortfolioEntry", "input.id", ctx.language)
        with validation():
            await pf.delete_entry(ctx, pk, input.client_mutation_id)
        return DeletePayload(deleted_id=input.id, client_mutation_id=input.client_mutation_id)

    @strawberry.mutation(
        permission_classes=signed_in,
        description="Confirm a portfolio entry (`approve` on its object: Tomsk п. 4.7.1 "
        "and 4.6.4 give it to whom controls the portfolios).",
    )
    @guarded("portfolio", "approve", PortfolioEntryPayload, _id_target)
    async def confirm_portfolio_entry(
        self, info: GraphQLInfo, input: ConfirmPortfolioEntryInput
    ) -> PortfolioEntryPayload:
        ctx = info.context
        pk = pk_of(input.id, "PortfolioEntry", "input.id", ctx.language)
        with validation():
            await pf.confirm_entry(ctx, pk, input.client_mutation_id)
        return PortfolioEntryPayload(
            entry=await _entry_answer(ctx, pk), client_mutation_id=input.client_mutation_id
        )

    @strawberry.mutation(
        permission_classes=signed_in,
        description="Upload a file to a portfolio entry (`update` on its object) by a "
        "multipart request, which must carry the header `GraphQL-Require-Preflight: 1`. "
        "Refused with VALIDATION on `input.file`, nothing stored, when it is larger than "
        "the limit or its bytes are not of an allowed type, whatever its name says.",
    )
    @guarded("portfolio", "update", PortfolioFilePayload, _file_entry_target)
    async def add_portfolio_file(
        self, info: GraphQLInfo, input: AddPortfolioFileInput
    ) -> PortfolioFilePayload:
        ctx = info.context
        pk = pk_of(input.entry, "PortfolioEntry", "input.entry", ctx.language)
        content = await _read_upload(ctx, input.file)
        with validation():
            row = await pf.add_file(ctx, pk, getattr(input.file, "filename", None), content)
        return PortfolioFilePayload(file=_file(row), entry=await _entry_answer(ctx, pk))

    @strawberry.mutation(
        permission_classes=signed_in,
        description="Remove a file of a portfolio entry (`update` on its object).",
    )
    @guarded("portfolio", "update", PortfolioEntryPayload, _removed_file_target)
    async def remove_portfolio_file(
        self, info: GraphQLInfo, input: RemovePortfolioFileInput
    ) -> PortfolioEntryPayload:
        ctx = info.context
        pk = pk_of(input.id, "PortfolioFile", "input.id", ctx.language)
        with validation():
            entry_id = await pf.remove_file(ctx, pk, input.client_mutation_id)
        return PortfolioEntryPayload(
            entry=await _entry_answer(ctx, entry_id), client_mutation_id=input.client_mutation_id
        )


__all__ = ["PortfolioMutations", "PortfolioQueries"]
