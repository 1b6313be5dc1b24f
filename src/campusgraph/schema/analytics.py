"""The report constructor as a GraphQL query: ``analytics(measures:, by:, filter:)``.

What each measure means, which rows count and who sees what is said once, in
:mod:`campusgraph.reports.analytics`; the descriptions here repeat it for the reader of
the schema.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Annotated, TypeVar

import strawberry

from campusgraph.db.enums import FundingSource
from campusgraph.i18n import message
from campusgraph.reports import analytics as a
from campusgraph.schema import enums as _enums  # noqa: F401  (FundingSource as a GraphQL enum)
from campusgraph.schema.base import GraphQLInfo, expect_id, signed_in, to_global_id
from campusgraph.schema.errors import ApiError, ErrorCode
from campusgraph.schema.report_files import ReportFile, ReportFormat, file_field_answer

E = TypeVar("E", bound=enum.Enum)


def _described(cls: type[E], texts: dict[str, str]) -> type[E]:
    """Each value's description (strawberry takes them only from ``enum_value`` members,
    and the enum is the report module's, free of GraphQL)."""
    for value in getattr(cls, "__strawberry_definition__").values:  # noqa: B009
        value.description = texts[value.name]
    return cls


_described(
    strawberry.enum(
        a.Measure,
        name="AnalyticsMeasure",
        description="What a cell of `analytics` counts. Marks are the numeric current marks "
        "«2»..«5» («pass»/«fail» credits count nowhere but in WORKS_DONE_SHARE).",
    ),
    {
        "AVERAGE_MARK": "The mean of the cell's numeric marks.",
        "MARK_COUNT": "How many numeric marks the cell holds.",
        "ABSENCES": "Absences (status `absent`; a late arrival is no absence).",
        "HOURS_MISSED": "Each absence's lesson length in academic hours of 45 minutes, from "
        "the lesson's bell slot (a 90-minute pair is 2; a slot with no bell counts 1).",
        "ACHIEVEMENT_PERCENT": "Успеваемость: the percentage of the cell's students with "
        "numeric marks whose result in every discipline (his average there, rounded half "
        "up) is at least «3».",
        "QUALITY_PERCENT": "Качество знаний: the percentage of the cell's students with "
        "numeric marks whose result in every discipline (his average there, rounded half "
        "up) is «4» or «5».",
        "WORKS_DONE_SHARE": "The percentage of journal cells filled: marks given / (works × "
        "students), each work counting the students in its group (its subgroup) on its "
        "day; any mark counts, a credit too.",
    },
)

_described(
    strawberry.enum(
        a.Dimension,
        name="AnalyticsDimension",
        description="What the rows of `analytics` are split by. Entity keys carry the global "
        "id; the others carry their value as `id`.",
    ),
    {
        "INSTITUTION": "The institution (several for a region viewer).",
        "DEPARTMENT": "The department of the row's group (null id: a group of none).",
        "GROUP": "The group (class) of the mark, work or absence.",
        "DISCIPLINE": "The discipline (subject).",
        "TEACHER": "The teacher of the lesson (an Employee); his name only where you may "
        "read his card.",
        "PERIOD": "The narrowest period of the institution holding the date (a quarter, "
        "else a semester or half-year, else the year); null between periods.",
        "MONTH": "The month, `id` YYYY-MM.",
        "WEEK": "The week, `id` the date of its Monday, YYYY-MM-DD.",
        "STUDENT": "The student; his name only where you may read his card, and in a "
        "suppressed row neither his id nor his name.",
        "FUNDING_SOURCE": "The student's funding source, `id` budget or contract.",
        "ABSENCE_REASON": "The absence's reason, `id` excused/unexcused/illness or an empty "
        "string where none is given. Only with ABSENCES and HOURS_MISSED (else VALIDATION).",
    },
)


@strawberry.input(
    description="What `analytics` counts over: every field narrows (all must hold), an "
    "empty or missing one does not. Dates: a `period`, or `dateFrom`..`dateTo` "
    "(inclusive), not both."
)
class AnalyticsFilter:
    institutions: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Institutions (a region viewer: some of his)."
    )
    departments: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Departments: their groups."
    )
    groups: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Groups (classes)."
    )
    disciplines: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Disciplines (subjects)."
    )
    teachers: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Employees: the lessons they taught."
    )
    students: list[strawberry.ID] | None = strawberry.field(default=None, description="Students.")
    period: strawberry.ID | None = strawberry.field(
        default=None, description="A period: its dates, in its institution."
    )
    date_from: dt.date | None = strawberry.field(default=None, description="The first day counted.")
    date_to: dt.date | None = strawberry.field(default=None, description="The last day counted.")
    funding_source: FundingSource | None = strawberry.field(
        default=None, description="Students of this funding source."
    )


@strawberry.type(description="A column of an analytics table: a dimension or a measure.")
class AnalyticsColumn:
    dimension: a.Dimension | None = strawberry.field(
        description="The dimension of a key column; null for a measure."
    )
    measure: a.Measure | None = strawberry.field(
        description="The measure of a value column; null for a dimension."
    )
    title: str = strawberry.field(description="As printed, in the language asked.")


@strawberry.type(description="Where a row lies along one dimension.")
class AnalyticsKey:
    dimension: a.Dimension = strawberry.field(description="Which dimension this key is.")
    id: strawberry.ID | None = strawberry.field(
        description="The global id of an entity; the value itself for MONTH, WEEK, "
        "FUNDING_SOURCE and ABSENCE_REASON; null where the row has none."
    )
    label: str | None = strawberry.field(description="The name or value as read.")


@strawberry.type(description="One cell of the dimensions asked, with its figures.")
class AnalyticsRow:
    keys: list[AnalyticsKey] = strawberry.field(description="One per dimension, in order.")
    values: list[float | None] = strawberry.field(
        description="One per measure, in order; null where undefined (no marks for an "
        "average) or suppressed."
    )
    students: int = strawberry.field(description="The distinct students behind the row's figures.")


@strawberry.type(description="The answer of the report constructor.")
class AnalyticsTable:
    columns: list[AnalyticsColumn] = strawberry.field(
        description="The dimensions asked, then the measures, in order."
    )
    rows: list[AnalyticsRow] = strawberry.field(
        description="One per cell with any counted row, ordered by the keys' names."
    )
    suppressed_cells: int = strawberry.field(
        description="Rows over fewer students than the small-cell minimum whose figures "
        "are withheld, because you may not read every row behind them."
    )


def request_of(
    measures: list[a.Measure],
    by: list[a.Dimension],
    filter: AnalyticsFilter | None,
    lang: str,
) -> a.AnalyticsRequest:
    f = filter or AnalyticsFilter()

    def pks(values: list[strawberry.ID] | None, type_name: str) -> tuple[int, ...]:
        return tuple(expect_id(v, type_name, lang) for v in values or ())

    return a.AnalyticsRequest(
        measures=tuple(measures),
        by=tuple(by),
        filter=a.AnalyticsFilter(
            institutions=pks(f.institutions, "Institution"),
            departments=pks(f.departments, "Department"),
            groups=pks(f.groups, "Group"),
            disciplines=pks(f.disciplines, "Discipline"),
            teachers=pks(f.teachers, "Employee"),
            students=pks(f.students, "Student"),
            period_id=None if f.period is None else expect_id(f.period, "Period", lang),
            date_from=f.date_from,
            date_to=f.date_to,
            funding_source=None if f.funding_source is None else f.funding_source.value,
        ),
    )


def table_of(result: a.AnalyticsResult, lang: str) -> AnalyticsTable:
    request = result.request
    columns = [
        AnalyticsColumn(dimension=d, measure=None, title=message(a.DIMENSION_KEYS[d], lang))
        for d in request.by
    ] + [
        AnalyticsColumn(dimension=None, measure=ms, title=message(a.MEASURE_KEYS[ms], lang))
        for ms in request.measures
    ]

    def key(k: a.Key) -> AnalyticsKey:
        kind = a.ENTITY_TYPES.get(k.dimension)
        gid: strawberry.ID | None
        if k.value is None:
            gid = None
        elif kind is not None:
            gid = to_global_id(kind, int(k.value))
        else:
            gid = strawberry.ID(str(k.value))
        return AnalyticsKey(dimension=k.dimension, id=gid, label=a.key_label(k, lang))

    rows = [
        AnalyticsRow(keys=[key(k) for k in r.keys], values=list(r.values), students=r.students)
        for r in result.rows
    ]
    return AnalyticsTable(columns=columns, rows=rows, suppressed_cells=result.suppressed_cells)


@strawberry.type(description="The report constructor.")
class AnalyticsQuery:
    @strawberry.field(
        permission_classes=signed_in,
        description="The report constructor (barnaul п. 7.4): `measures` by the dimensions "
        "`by`, over the rows `filter` keeps. Counted are only the rows your ruleset lets "
        "you `aggregate` (`mark` for the mark measures and WORKS_DONE_SHARE, `attendance` "
        "for the absence ones) — FORBIDDEN with no such line at all. A row over fewer "
        "students than the small-cell minimum has null values (and counts in "
        "`suppressedCells`) unless you may read every row behind it. At most "
        "`analytics_max_rows` rows (default 1000): more is VALIDATION, never a cut table. "
        "Null, with the error at its path, when refused.",
    )
    async def analytics(
        self,
        info: GraphQLInfo,
        measures: Annotated[
            list[a.Measure], strawberry.argument(description="What to count, in order.")
        ],
        by: Annotated[
            list[a.Dimension],
            strawberry.argument(description="What the rows are split by (none: one row)."),
        ],
        filter: Annotated[
            AnalyticsFilter | None,
            strawberry.argument(description="Which rows count; none: all you may aggregate."),
        ] = None,
    ) -> AnalyticsTable | None:
        lang = info.context.language
        request = request_of(measures, by, filter, lang)
        try:
            result = await a.run(info.context, request)
        except a.AnalyticsInvalid as exc:
            raise ApiError(ErrorCode.VALIDATION, message(exc.key, lang, **exc.kwargs)) from None
        return table_of(result, lang)

    @strawberry.field(
        permission_classes=signed_in,
        description="A link to the `analytics` table asked the same way, as XLSX or CSV. "
        "Counted are the rows you may `aggregate` whose group's reports you may `export` "
        "(`report export`); FORBIDDEN with no such line. Decided again and audited when "
        "downloaded.",
    )
    async def analytics_file(
        self,
        info: GraphQLInfo,
        measures: Annotated[
            list[a.Measure], strawberry.argument(description="What to count, in order.")
        ],
        by: Annotated[
            list[a.Dimension],
            strawberry.argument(description="What the rows are split by (none: one row)."),
        ],
        format: Annotated[ReportFormat, strawberry.argument(description="XLSX or CSV.")],
        filter: Annotated[
            AnalyticsFilter | None,
            strawberry.argument(description="Which rows count; none: all you may aggregate."),
        ] = None,
    ) -> ReportFile | None:
        lang = info.context.language
        request = request_of(measures, by, filter, lang)
        try:
            return await file_field_answer(info, "analytics", a.analytics_payload(request), format)
        except a.AnalyticsInvalid as exc:
            raise ApiError(ErrorCode.VALIDATION, message(exc.key, lang, **exc.kwargs)) from None
