"""What every report query shares: the ``of`` argument, the report names, and running a
report through :mod:`campusgraph.reports.access` with its errors said the API's way.

Each report area adds its typed queries in a module of its own (``reports_marks``,
``reports_curator``, ``reports_administration``, ``analytics``, ``report_files``); they all
call :func:`run_report`, so no report decides access by itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any

import strawberry

from campusgraph.context import Context
from campusgraph.i18n import message
from campusgraph.reports.access import ReportAccess, ReportNotFound, authorize
from campusgraph.reports.of import BadReportOf, ReportOf
from campusgraph.reports.registry import REPORTS
from campusgraph.reports.registry import ReportName as ReportNameEnum
from campusgraph.schema.base import GraphQLInfo, expect_id, signed_in
from campusgraph.schema.enums import described
from campusgraph.schema.errors import ApiError, ErrorCode

ReportName = described(
    strawberry.enum(ReportNameEnum, description="A report, by name."),
    {
        "GROUP_RESULTS": "A group's results for a period (итоги успеваемости группы).",
        "ACHIEVEMENT_QUALITY": "Achievement and quality of knowledge (успеваемость и "
        "качество знаний).",
        "STUDENT_AVERAGE": "A student's average mark (средний балл обучающегося).",
        "MARK_SUMMARY_SHEET": "The summary sheet of marks (сводная ведомость отметок).",
        "EXAM_SHEET": "An exam sheet (экзаменационная ведомость).",
        "CREDIT_SHEET": "A credit sheet (зачётная ведомость).",
        "ATTENDANCE_SUMMARY_SHEET": "The summary sheet of attendance (сводная ведомость "
        "посещаемости).",
        "CURATOR_PRELIMINARY": "The curator's preliminary report (предварительный отчёт куратора).",
        "CURATOR_PERIOD": "The curator's report for a period (отчёт куратора за период).",
        "PARENT_LETTER": "A letter to a student's parents (информационное письмо родителям).",
        "TEACHER_REPORT": "A teacher's report on a discipline for a period (отчёт преподавателя).",
        "STUDY_CERTIFICATE": "A certificate of study (справка об обучении).",
        "CLASS_OCCUPANCY": "Room occupancy (занятость аудиторий).",
        "STUDENT_MOVEMENT": "Student movement (движение контингента).",
        "TEACHER_HOURS": "Hours planned and given by teachers (часы по плану и выданные).",
        "USER_ACTIVITY": "Users' activity (активность пользователей).",
        "JOURNAL_FILLING": "How the journal is filled in (заполнение электронного журнала).",
        "HR_LIST": "The list of employees (список сотрудников).",
    },
)


@strawberry.input(
    description="What a report is asked of. The level is the narrowest the ids name: a "
    "`student`; a `group` with a `discipline`; a `group`; a `teacher`; a `department`; "
    "else the whole institution (your own, or `institution` for a region viewer). Dates: "
    "a `period`, or `dateFrom`..`dateTo` (inclusive), not both."
)
class ReportOfInput:
    institution: strawberry.ID | None = strawberry.field(
        default=None, description="For a region viewer: which institution."
    )
    department: strawberry.ID | None = strawberry.field(
        default=None, description="A department: the report over its groups."
    )
    group: strawberry.ID | None = strawberry.field(default=None, description="A group.")
    discipline: strawberry.ID | None = strawberry.field(
        default=None, description="With `group`: that group's discipline."
    )
    teacher: strawberry.ID | None = strawberry.field(default=None, description="An Employee.")
    student: strawberry.ID | None = strawberry.field(default=None, description="A student.")
    period: strawberry.ID | None = strawberry.field(
        default=None, description="A period: its first to its last day."
    )
    date_from: dt.date | None = strawberry.field(
        default=None, description="The first day (inclusive), without `period`."
    )
    date_to: dt.date | None = strawberry.field(
        default=None, description="The last day (inclusive), without `period`."
    )


def report_of(value: ReportOfInput, lang: str) -> ReportOf:
    def pk(gid: strawberry.ID | None, type_name: str) -> int | None:
        return None if gid is None else expect_id(gid, type_name, lang)

    return ReportOf(
        institution_id=pk(value.institution, "Institution"),
        department_id=pk(value.department, "Department"),
        group_id=pk(value.group, "Group"),
        discipline_id=pk(value.discipline, "Discipline"),
        teacher_id=pk(value.teacher, "Employee"),
        student_id=pk(value.student, "Student"),
        period_id=pk(value.period, "Period"),
        date_from=value.date_from,
        date_to=value.date_to,
    )


async def access_for(
    info: GraphQLInfo, name: ReportNameEnum, of: ReportOf, *, action: str = "read"
) -> ReportAccess:
    """Decide access to report ``name`` asked ``of``: FORBIDDEN (the engine's refusal,
    raised as is), NOT_FOUND, or VALIDATION for a level the report is not offered at."""
    return await decide_access(info.context, name, of, action=action)


async def decide_access(
    ctx: Context, name: ReportNameEnum, of: ReportOf, *, action: str = "read"
) -> ReportAccess:
    """:func:`access_for` outside a GraphQL operation (a file link, the command)."""
    lang = ctx.language
    spec = REPORTS[name]
    try:
        # Before the level: ids naming two levels name none, whatever the report offers.
        of.check()
    except BadReportOf as exc:
        raise ApiError(ErrorCode.VALIDATION, message(exc.key, lang)) from None
    if of.level not in spec.levels:
        raise ApiError(
            ErrorCode.VALIDATION,
            message(
                "report_level_not_offered",
                lang,
                report=spec.title(lang),
                level=message(f"report_level_{of.level.value}", lang),
                levels=", ".join(
                    sorted(message(f"report_level_{level.value}", lang) for level in spec.levels)
                ),
            ),
        )
    try:
        return await authorize(ctx, of, action=action, personal=spec.personal)
    except BadReportOf as exc:
        raise ApiError(ErrorCode.VALIDATION, message(exc.key, lang, **exc.values)) from None
    except ReportNotFound:
        raise ApiError(ErrorCode.NOT_FOUND, message("not_found", lang)) from None


async def run_report(info: GraphQLInfo, name: ReportNameEnum, of: ReportOfInput) -> Any:
    """The typed data of report ``name``, access decided first."""
    lang = info.context.language
    access = await access_for(info, name, report_of(of, lang))
    try:
        return await REPORTS[name].build(info.context, access)
    except BadReportOf as exc:  # what only the builder can tell (a default span too long)
        raise ApiError(ErrorCode.VALIDATION, message(exc.key, lang, **exc.values)) from None


#: The ``of`` argument of every report query.
OF_DESCRIPTION = "What the report is asked of: its level (the ids given) and its dates."


def report_query(
    name: ReportNameEnum,
    answer: type[Any],
    description: str,
    convert: Callable[[Any, str], Any] | None = None,
) -> Any:
    """Report ``name``'s query field, declared once: signed in, ``of: ReportOfInput!``,
    access and data through :func:`run_report`, the builder's data (``convert``-ed with the
    language, where its GraphQL type is not the data itself) or null with the refusal."""

    async def resolve(info: GraphQLInfo, of: ReportOfInput) -> Any:
        data = await run_report(info, name, of)
        return data if convert is None else convert(data, info.context.language)

    resolve.__annotations__ = {
        "info": GraphQLInfo,
        "of": Annotated[ReportOfInput, strawberry.argument(description=OF_DESCRIPTION)],
        "return": answer | None,
    }
    return strawberry.field(resolver=resolve, permission_classes=signed_in, description=description)
