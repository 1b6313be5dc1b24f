"""Import and export of lists — staff, students, parents, disciplines — as CSV or XLSX.

Which permission each needs (the ruleset decides, per list's object):

- ``importList``: ``<object> import`` where the viewer's ruleset has any import line for
  that object (Altai and Armavir: the administrator imports students, staff and
  disciplines); where the ruleset says nothing of importing it, ``<object> create`` (an
  import is the cards' creation in bulk: Barnaul's secretary imports students and
  parents, Tomsk's head of studies parents). A file with a value in a personal-data
  column (СНИЛС, addresses) also needs ``<object>.personal create``.
- ``exportList``: ``<object> export`` where the ruleset has any export line for the object,
  otherwise ``<object> read``; the rows are filtered by that line's scope, and personal-data
  columns are filled only for the rows the viewer may read ``<object>.personal`` of.
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

import strawberry
from sqlalchemy import select

from campusgraph.context import Context
from campusgraph.db import models as m
from campusgraph.exchange.exporter import export_list
from campusgraph.exchange.formats import FileFormat, Sheet, UnreadableFile, read
from campusgraph.exchange.importer import ImportRefused, import_sheet, uses_personal
from campusgraph.exchange.lists import SPECS, ListKind
from campusgraph.i18n import message
from campusgraph.schema.base import GraphQLInfo, signed_in
from campusgraph.schema.enums import described
from campusgraph.schema.errors import ApiError, ErrorCode, MutationError
from campusgraph.schema.mutations import ValidationFailed, guarded, institution_target

#: Largest ``content`` accepted, in characters.
MAX_CONTENT = 20_000_000

ListKindType = described(
    strawberry.enum(ListKind, name="ListKind", description="A list that is imported and exported."),
    {
        "STAFF": "Employees with their positions.",
        "STUDENTS": "Students with their groups.",
        "PARENTS": "Parents linked to their children.",
        "DISCIPLINES": "Disciplines of the institution.",
    },
)
FileFormatType = described(
    strawberry.enum(
        FileFormat,
        name="FileFormat",
        description="CSV (UTF-8, «;»-separated as Russian Excel writes it; «,» is read too) "
        "or XLSX.",
    ),
    {
        "CSV": "A CSV table, UTF-8.",
        "XLSX": "An Excel workbook (its first sheet).",
    },
)


def speaks_of(ctx: Context, obj: str, act: str) -> bool:
    """Whether the viewer's ruleset has any line, for any role, on ``obj:act``."""
    return bool(ctx.authorizer.compiled.index.get((obj, act)))


#: What ``importList`` and ``exportList`` exercise: the object comes from the list's kind
#: (``SPECS``), so the pairs are declared here for ``policy lint`` (see
#: :mod:`campusgraph.policies.operations`); a test holds them equal to ``SPECS``.
EXERCISES = (
    ("student", "import"),
    ("student", "create"),
    ("student", "export"),
    ("student", "read"),
    ("employee", "import"),
    ("employee", "create"),
    ("employee", "export"),
    ("employee", "read"),
    ("parent", "import"),
    ("parent", "create"),
    ("parent", "export"),
    ("parent", "read"),
    ("discipline", "import"),
    ("discipline", "create"),
    ("discipline", "export"),
    ("discipline", "read"),
    ("student.personal", "create"),
    ("student.personal", "read"),
    ("employee.personal", "create"),
    ("employee.personal", "read"),
    ("parent.personal", "create"),
    ("parent.personal", "read"),
)


def import_action(ctx: Context, obj: str) -> str:
    return "import" if speaks_of(ctx, obj, "import") else "create"


def export_action(ctx: Context, obj: str) -> str:
    return "export" if speaks_of(ctx, obj, "export") else "read"


@strawberry.input(
    description="Import a list: every row is checked first; any bad row, and nothing is written."
)
class ImportListInput:
    kind: ListKind = strawberry.field(description="Which list.")
    format: FileFormat = strawberry.field(default=FileFormat.CSV, description="The file's format.")
    content: str = strawberry.field(
        description="The file: its text for CSV, base64 of its bytes for XLSX."
    )
    dry_run: bool = strawberry.field(
        default=False, description="Check every row and report, write nothing."
    )
    client_mutation_id: str | None = None


@strawberry.type(description="A bad cell of an imported file.")
class ImportProblem:
    row: int = strawberry.field(description="The row number as the user sees it (header: 1).")
    column: str = strawberry.field(description="The column's header.")
    value: str = strawberry.field(description="The cell as given.")
    message: str = strawberry.field(description="What is wrong, in Russian (English on request).")


@strawberry.type(description="What an import did, or would do (dry run).")
class ImportReport:
    imported: int = strawberry.field(description="Rows written: all of them, or 0.")
    rows: int = strawberry.field(description="Rows with data in the file.")
    dry_run: bool = strawberry.field(
        description="True: nothing was saved, the report says what an import would do."
    )
    problems: list[ImportProblem] = strawberry.field(
        description="Every bad cell; empty when the file can be (or was) imported."
    )


@strawberry.type(description="The result of `importList`.")
class ImportListPayload:
    report: ImportReport | None = strawberry.field(
        default=None,
        description="As the change left it; null when it did not happen (see `errors`).",
    )
    errors: list[MutationError] = strawberry.field(default_factory=list)


@strawberry.type(description="An exported list.")
class ExportedFile:
    filename: str = strawberry.field(description="A file name to save it under.")
    content_type: str = strawberry.field(description="Its media type (CSV or XLSX).")
    content: str = strawberry.field(description="The file's bytes, base64.")
    rows: int = strawberry.field(description="Rows written, the header aside.")
    personal_data: bool = strawberry.field(
        description="Whether personal-data columns were filled (for the rows your role may "
        "read them of)."
    )


def _sheet(input: ImportListInput, language: str) -> Sheet | MutationError:
    def bad(text: str) -> MutationError:
        return MutationError(code=ErrorCode.VALIDATION, message=text, field="input.content")

    if len(input.content) > MAX_CONTENT:
        return bad(message("import_too_large", language))
    data: bytes | str = input.content
    if input.format is FileFormat.XLSX:
        try:
            data = base64.b64decode(input.content, validate=True)
        except (binascii.Error, ValueError):
            return bad(message("import_base64", language))
    try:
        return read(data, input.format)
    except UnreadableFile as exc:
        return bad(message("import_unreadable", language, reason=exc.reason(language)))


async def _import(
    ctx: Context, input: ImportListInput, sheet: Sheet | MutationError
) -> ImportListPayload:
    if isinstance(sheet, MutationError):
        return ImportListPayload(errors=[sheet])
    viewer = ctx.viewer
    assert viewer is not None
    if viewer.institution_id is None:
        # A region's authority: its ruleset decided, but there is no one institution to
        # import into.
        raise ValidationFailed(("input.kind", message("list_needs_institution", ctx.language)))
    async with ctx.session(write=True) as session:
        try:
            report = await import_sheet(
                session,
                sheet,
                kind=input.kind,
                institution_id=viewer.institution_id,
                today=ctx.settings.current_date(),
                language=ctx.language,
                dry_run=input.dry_run,
                viewer=viewer,
                client_mutation_id=input.client_mutation_id,
            )
        except ImportRefused as exc:
            raise ValidationFailed(("input.content", str(exc))) from None
    return ImportListPayload(
        report=ImportReport(
            imported=report.imported,
            rows=report.rows,
            dry_run=report.dry_run,
            problems=[
                ImportProblem(row=p.row, column=p.column, value=p.value, message=p.message)
                for p in report.problems
            ],
        )
    )


@strawberry.type(description="Import of lists.")
class ExchangeMutations:
    @strawberry.mutation(
        permission_classes=signed_in,
        description="Import staff, students, parents or disciplines from CSV or XLSX, all "
        "rows or none. Needs `<object> import` (or `create` where the ruleset has no "
        "import line for it); personal-data columns also `<object>.personal` create.",
    )
    async def import_list(self, info: GraphQLInfo, input: ImportListInput) -> ImportListPayload:
        ctx = info.context
        obj = SPECS[input.kind].obj
        sheet = _sheet(input, ctx.language)

        def personal(_input: Any) -> list[tuple[str, str]]:
            if isinstance(sheet, Sheet) and uses_personal(input.kind, sheet):
                return [(f"{obj}.personal", "create")]
            return []

        async def body(_self: Any, _info: GraphQLInfo, given: ImportListInput) -> ImportListPayload:
            return await _import(ctx, given, sheet)

        run = guarded(
            obj,
            import_action(ctx, obj),
            ImportListPayload,
            institution_target(obj),
            also=personal,
        )(body)
        return await run(self, info, input)


@strawberry.type(description="Export of lists.")
class ExchangeQueries:
    @strawberry.field(
        permission_classes=signed_in,
        description="Export a list as CSV or XLSX, in the columns `importList` reads. Needs "
        "`<object> export` (or `read` where the ruleset has no export line for it); rows "
        "are those that line reaches; personal-data columns only where `<object>.personal` "
        "read allows. Audited. Null, with a FORBIDDEN error at its path, where the ruleset "
        "refuses it.",
    )
    async def export_list(
        self,
        info: GraphQLInfo,
        kind: Annotated[ListKind, strawberry.argument(description="Which list.")],
        format: Annotated[
            FileFormat, strawberry.argument(description="The file's format; CSV by default.")
        ] = FileFormat.CSV,
    ) -> ExportedFile | None:
        ctx = info.context
        viewer = ctx.viewer
        assert viewer is not None
        auth = ctx.authorizer
        obj = SPECS[kind].obj
        act = export_action(ctx, obj)
        if not auth.may_ever(obj, act) or viewer.institution_id is None:
            # The ruleset decides first (a region's authority: deny by default) …
            await auth.require(obj, act, auth.target(obj, institution_id=viewer.institution_id))
        if viewer.institution_id is None:
            # … and a region ruleset that did grant it still has no one institution's list.
            raise ApiError(ErrorCode.VALIDATION, message("list_needs_institution", ctx.language))
        personal = f"{obj}.personal"
        # Rows read off the loop (a report session), the export recorded after them.
        async with ctx.report_session() as session, ctx.session(write=True) as audit:
            slug = (
                await session.execute(
                    select(m.Institution.slug).where(m.Institution.id == viewer.institution_id)
                )
            ).scalar_one()
            exported = await export_list(
                session,
                audit=audit,
                kind=kind,
                fmt=format,
                institution_id=viewer.institution_id,
                institution_slug=slug,
                today=ctx.settings.current_date(),
                rows_where=auth.where(obj, act),
                personal_where=auth.where(personal, "read") if SPECS[kind].personal_keys else None,
                viewer=viewer,
            )
        return ExportedFile(
            filename=exported.filename,
            content_type=exported.format.content_type,
            content=base64.b64encode(exported.content).decode("ascii"),
            rows=exported.rows,
            personal_data=exported.personal,
        )
