"""Files of reports and of the group journal: a short-lived link, never the file in JSON.

The fields decide ``export`` now (a refusal is FORBIDDEN here, not a dead link) and answer
``/files/<token>``, which decides it again when fetched (see
:mod:`campusgraph.reports.downloads`). :func:`file_field_answer` is shared with every
other kind (``analyticsFile``).
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Annotated, Any

import strawberry

from campusgraph.i18n import message
from campusgraph.reports import file_kinds
from campusgraph.reports.access import ReportNotFound
from campusgraph.reports.downloads import FormatNotOffered, IssuedFile, issue_download
from campusgraph.reports.files import FileFormat
from campusgraph.reports.of import BadReportOf
from campusgraph.reports.registry import ReportName as ReportNameEnum
from campusgraph.resolvers.journal import JournalNotFound
from campusgraph.schema.base import GraphQLInfo, expect_id, signed_in
from campusgraph.schema.enums import described
from campusgraph.schema.errors import ApiError, ErrorCode
from campusgraph.schema.reports import ReportOfInput, report_of


class ReportFormat(enum.Enum):
    XLSX = "xlsx"
    CSV = "csv"
    PDF = "pdf"


described(
    strawberry.enum(ReportFormat, description="The format of a report's file."),
    {
        "XLSX": "An Excel workbook: the printed form.",
        "CSV": "A CSV table: UTF-8 with a BOM, «;»-separated.",
        "PDF": "A PDF of the printed form (only for reports that have one).",
    },
)


@strawberry.type(
    description="A file to download: GET `url` (relative to this API's origin) before "
    "`expiresAt`, while your session lasts. Access is decided again at the download."
)
class ReportFile:
    url: str = strawberry.field(
        description="`/files/<token>`: signed, naming your session; GET it for the file."
    )
    filename: str = strawberry.field(description="The file's name, as the download names it.")
    content_type: str = strawberry.field(description="The file's media type.")
    expires_at: dt.datetime = strawberry.field(
        description="The link works until then (a few minutes); then ask for a new one."
    )


async def file_field_answer(
    info: GraphQLInfo, kind: str, payload: dict[str, Any], fmt: ReportFormat
) -> ReportFile:
    """``issue_download`` with its refusals said the API's way."""
    lang = info.context.language
    try:
        issued: IssuedFile = await issue_download(
            info.context, kind, payload, FileFormat(fmt.value)
        )
    except FormatNotOffered as exc:
        formats = ", ".join(sorted(f.value.upper() for f in exc.offered))
        text = message("file_format_not_offered", lang, format=fmt.name, formats=formats)
        raise ApiError(ErrorCode.VALIDATION, text) from None
    except (ReportNotFound, JournalNotFound):
        raise ApiError(ErrorCode.NOT_FOUND, message("not_found", lang)) from None
    except BadReportOf as exc:
        raise ApiError(ErrorCode.VALIDATION, message(exc.key, lang, **exc.values)) from None
    return ReportFile(
        url=issued.url,
        filename=issued.filename,
        content_type=issued.content_type,
        expires_at=issued.expires_at,
    )


@strawberry.type
class ReportFileQueries:
    @strawberry.field(
        permission_classes=signed_in,
        description="A link to report `name` asked `of` as XLSX, CSV or PDF (PDF only for "
        "the printed forms). Needs `export` on the level's report object (`report export` "
        "for a group); null with FORBIDDEN where the ruleset refuses it. Audited when "
        "downloaded.",
    )
    async def report_file(
        self,
        info: GraphQLInfo,
        name: Annotated[ReportNameEnum, strawberry.argument(description="Which report.")],
        of: Annotated[
            ReportOfInput, strawberry.argument(description="Its level and dates, as the query's.")
        ],
        format: Annotated[
            ReportFormat, strawberry.argument(description="XLSX, CSV, or PDF for printed forms.")
        ],
    ) -> ReportFile | None:
        parsed = report_of(of, info.context.language)
        payload = file_kinds.report_payload(name, parsed)
        return await file_field_answer(info, "report", payload, format)

    @strawberry.field(
        permission_classes=signed_in,
        description="A link to the journal of a group's discipline for a period (PDF for "
        "printing and the archive, or XLSX/CSV). Needs `journal read` and `journal "
        "export` (the regulations name who prints the journal); marks and attendance as "
        "the `journal` query shows them. Audited when downloaded.",
    )
    async def journal_file(
        self,
        info: GraphQLInfo,
        group: Annotated[strawberry.ID, strawberry.argument(description="The group.")],
        discipline: Annotated[
            strawberry.ID, strawberry.argument(description="The group's discipline.")
        ],
        period: Annotated[strawberry.ID, strawberry.argument(description="The period.")],
        format: Annotated[
            ReportFormat, strawberry.argument(description="PDF (default), XLSX or CSV.")
        ] = ReportFormat.PDF,
    ) -> ReportFile | None:
        lang = info.context.language
        payload = file_kinds.journal_payload(
            expect_id(group, "Group", lang),
            expect_id(discipline, "Discipline", lang),
            expect_id(period, "Period", lang),
        )
        return await file_field_answer(info, "journal", payload, format)
