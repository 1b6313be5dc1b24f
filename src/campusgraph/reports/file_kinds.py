"""The download kinds ``report`` (any registered report) and ``journal`` (the group journal
of a discipline for a period, the printed form the regulations archive).

A report's file is its ``ReportSpec.table`` of its ``build``, access decided with action
``export`` by the same :func:`~campusgraph.schema.reports.decide_access` the query uses —
so ``report export`` is the ruleset's to grant, level by level. The journal's file reads
the journal as the ``journal`` query does (``journal read``; marks and attendance through
their own read filters) and needs ``journal export`` on top: printing the journal is a
duty the regulations give by name (tomsk п. 4.2.10: the schedule dispatcher; nshds12
разд. 4: the system administrator), not something every reader may do.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from campusgraph.context import Context
from campusgraph.db import models as m
from campusgraph.db.enums import AttendanceStatus, FinalMarkKind
from campusgraph.i18n import message
from campusgraph.reports.access import ReportNotFound
from campusgraph.reports.downloads import SPREADSHEETS, register_kind
from campusgraph.reports.files import FileFormat
from campusgraph.reports.of import ReportOf
from campusgraph.reports.registry import REPORTS, ReportName
from campusgraph.reports.table import CellKind, Column, InstitutionDetails, ReportTable
from campusgraph.resolvers.journal import JournalData, JournalNotFound, load_journal

PRINTED = frozenset({FileFormat.XLSX, FileFormat.CSV, FileFormat.PDF})


async def institution_details(session: AsyncSession, institution_id: int) -> InstitutionDetails:
    """The header of a printed form, from the institution's own row."""
    inst = await session.get(m.Institution, institution_id)
    if inst is None:
        return InstitutionDetails(name="")
    return InstitutionDetails(
        name=inst.name,
        short_name=inst.short_name,
        address=inst.address,
        phone=inst.phone,
        email=inst.email,
        website=inst.website,
    )


# -- report ----------------------------------------------------------------------------


def report_payload(name: ReportName, of: ReportOf) -> dict[str, Any]:
    return {"name": name.value, "of": of.to_json()}


def _report_of(payload: Mapping[str, Any]) -> tuple[ReportName, ReportOf]:
    name = ReportName(payload["name"])
    if name not in REPORTS:  # a name of the enum whose module is not installed
        raise ReportNotFound
    return name, ReportOf.from_json(dict(payload["of"]))


async def _check_report(ctx: Context, payload: Mapping[str, Any]) -> None:
    from campusgraph.schema.reports import decide_access

    name, of = _report_of(payload)
    await decide_access(ctx, name, of, action="export")


async def _report_table(ctx: Context, payload: Mapping[str, Any], lang: str) -> ReportTable:
    from campusgraph.schema.reports import decide_access

    name, of = _report_of(payload)
    access = await decide_access(ctx, name, of, action="export")
    spec = REPORTS[name]
    return spec.table(await spec.build(ctx, access), access, lang)


def _report_formats(payload: Mapping[str, Any]) -> frozenset[FileFormat]:
    spec = REPORTS.get(ReportName(payload["name"]))
    return PRINTED if spec is None or spec.printable else SPREADSHEETS


def _report_stem(payload: Mapping[str, Any]) -> str:
    name, of = _report_of(payload)
    dates = "" if of.date_from is None else f"-{of.date_from.isoformat()}"
    dates += "" if of.date_to is None else f"-{of.date_to.isoformat()}"
    return f"{name.value}-{of.level.value}{dates}"


# -- journal ---------------------------------------------------------------------------


def journal_payload(group_id: int, discipline_id: int, period_id: int) -> dict[str, Any]:
    return {"group": group_id, "discipline": discipline_id, "period": period_id}


def _journal_ids(payload: Mapping[str, Any]) -> tuple[int, int, int]:
    return int(payload["group"]), int(payload["discipline"]), int(payload["period"])


async def _require_journal(ctx: Context, group_id: int, discipline_id: int) -> None:
    """``journal read`` and ``journal export`` on the group × discipline."""
    auth = ctx.authorizer
    async with ctx.session() as session:
        institution_id = (
            await session.execute(
                select(m.StudyGroup.institution_id).where(m.StudyGroup.id == group_id)
            )
        ).scalar_one_or_none()
    if institution_id is None:
        raise JournalNotFound
    target = auth.target(
        "journal", institution_id=institution_id, group_id=group_id, discipline_id=discipline_id
    )
    await auth.require("journal", "read", target)
    await auth.require("journal", "export", target)


async def _check_journal(ctx: Context, payload: Mapping[str, Any]) -> None:
    group_id, discipline_id, period_id = _journal_ids(payload)
    async with ctx.session() as session:
        found = await session.get(m.Period, period_id)
        exists = found is not None and await session.get(m.Discipline, discipline_id) is not None
    if not exists:
        raise JournalNotFound
    await _require_journal(ctx, group_id, discipline_id)


ABSENCE_KEYS = {
    AttendanceStatus.ABSENT: "journal_file_absent",
    AttendanceStatus.LATE: "journal_file_late",
}
FINAL_KEYS = {
    FinalMarkKind.PERIOD: "journal_file_final_period",
    FinalMarkKind.SEMESTER: "journal_file_final_semester",
    FinalMarkKind.YEAR: "journal_file_final_year",
    FinalMarkKind.EXAM: "journal_file_final_exam",
    FinalMarkKind.ATTESTATION: "journal_file_final_attestation",
    FinalMarkKind.FINAL: "journal_file_final_final",
}


def journal_table(data: JournalData, details: InstitutionDetails, lang: str) -> ReportTable:
    """One row per student: per lesson his marks (several works: «5/4») and «н» / «оп»
    for an absence or lateness, his average and final marks; the lessons' topics and
    homework under the table, as on the journal's facing page."""
    columns = [
        Column("number", message("report_column_no", lang), CellKind.INTEGER),
        Column("student", message("journal_file_column_student", lang)),
        *(
            Column(f"lesson{i}", lesson.date.strftime("%d.%m"))
            for i, lesson in enumerate(data.lessons)
        ),
        Column("average", message("report_average", lang), CellKind.DECIMAL),
        Column("final", message("report_final_marks", lang)),
    ]
    lesson_of_column = [c.lesson_index for c in data.columns]
    rows: list[list[Any]] = []
    for number, row in enumerate(data.rows, start=1):
        cells: list[list[str]] = [[] for _ in data.lessons]
        for col, value in enumerate(row.marks):
            if value is not None:
                cells[lesson_of_column[col]].append(value)
        for index, status in enumerate(row.attendance):
            if status is not None:
                cells[index].append(message(ABSENCE_KEYS[status], lang))
        finals = "; ".join(
            f"{message(FINAL_KEYS[f.kind], lang)}: {f.value}" for f in row.final_marks
        )
        rows.append(
            [
                number,
                row.full_name,
                *("/".join(c) or None for c in cells),
                row.average,
                finals or None,
            ]
        )
    period = data.period
    dates = f"{period.starts_on:%d.%m.%Y} – {period.ends_on:%d.%m.%Y}"
    footer = [
        f"{lesson.date:%d.%m.%Y}: {lesson.topic or '—'}"
        + (f"; {message('report_homework', lang)}: {lesson.homework}" if lesson.homework else "")
        for lesson in data.lessons
    ]
    return ReportTable(
        title=message("journal_file_title", lang),
        institution=details,
        subtitle=[
            f"{message('report_group', lang)}: {data.group.name}",
            f"{message('report_discipline', lang)}: {data.discipline.name}",
            f"{message('report_period', lang)}: {period.name} ({dates})",
        ],
        columns=columns,
        rows=rows,
        footer=footer,
        landscape=True,
    )


async def _journal_table(ctx: Context, payload: Mapping[str, Any], lang: str) -> ReportTable:
    group_id, discipline_id, period_id = _journal_ids(payload)
    data = await load_journal(ctx, group_id, discipline_id, period_id)
    await _require_journal(ctx, group_id, discipline_id)
    async with ctx.session() as session:
        details = await institution_details(session, data.group.institution_id)
    return journal_table(data, details, lang)


def _journal_stem(payload: Mapping[str, Any]) -> str:
    group_id, discipline_id, period_id = _journal_ids(payload)
    return f"journal-{group_id}-{discipline_id}-{period_id}"


register_kind(
    "report",
    _report_table,
    check=_check_report,
    formats=_report_formats,
    stem=_report_stem,
)
register_kind(
    "journal",
    _journal_table,
    check=_check_journal,
    formats=lambda _payload: PRINTED,
    stem=_journal_stem,
)
