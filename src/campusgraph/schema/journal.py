"""The journal screen's shape: columns of lessons and works, rows of students with values
aligned to the columns. The resolver returns plain dataclasses whose attributes match
these types (non-interface types need no ``is_type_of``), so no per-cell object is built."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import strawberry

from campusgraph.db.enums import (
    AbsenceReason,
    AttendanceStatus,
    FinalMarkKind,
    LessonType,
    WorkKind,
)
from campusgraph.i18n import message
from campusgraph.resolvers.journal import JournalData, JournalNotFound
from campusgraph.schema.base import GraphQLInfo, expect_id
from campusgraph.schema.errors import ApiError, ErrorCode
from campusgraph.schema.structure import Discipline, Group, Period


@strawberry.type(description="A graded work of a lesson.")
class JournalWork:
    id: strawberry.ID
    kind: WorkKind
    number: int | None
    title: str | None


@strawberry.type(description="A lesson of the journal, with its works.")
class JournalLesson:
    id: strawberry.ID
    date: dt.date
    slot: int
    topic: str | None
    lesson_type: LessonType
    homework: str | None
    version: int
    works: list[JournalWork]


@strawberry.type(description="One mark column: a work of a lesson.")
class JournalColumn:
    work_id: strawberry.ID
    lesson_id: strawberry.ID
    lesson_index: int = strawberry.field(description="Index into `Journal.lessons`.")
    date: dt.date
    kind: WorkKind
    number: int | None


@strawberry.type(description="A final mark in a journal row.")
class JournalFinalMark:
    id: strawberry.ID
    kind: FinalMarkKind
    value: str
    version: int


@strawberry.type(description="A student's row; every list is aligned to `columns` or `lessons`.")
class JournalRow:
    student_id: strawberry.ID
    surname: str
    name: str
    patronymic: str | None
    full_name: str
    marks: list[str | None] = strawberry.field(description="Aligned to `columns`; null = no mark.")
    mark_ids: list[strawberry.ID | None] = strawberry.field(
        description="Aligned to `columns`: the `Mark` of each cell (what `deleteMark` takes); "
        "null = no mark."
    )
    mark_versions: list[int | None] = strawberry.field(description="Aligned to `columns`.")
    attendance: list[AttendanceStatus | None] = strawberry.field(
        description="Aligned to `lessons`; null = present."
    )
    absence_reasons: list[AbsenceReason | None] = strawberry.field(
        description="Aligned to `lessons`."
    )
    attendance_versions: list[int | None] = strawberry.field(
        description="Aligned to `lessons`: the entry's version (`expectedVersion` of "
        "`setAttendance` and `setAbsenceReason`, which take the lesson of `lessons` and this "
        "row's student); null = no entry."
    )
    final_marks: list[JournalFinalMark]
    average: float | None = strawberry.field(description="Mean of the numeric marks shown.")
    in_group_from: dt.date
    in_group_until: dt.date | None = strawberry.field(
        description="Exclusive; null while the student is still in the group."
    )


@strawberry.type(description="The journal of one group × discipline × period, columnar.")
class Journal:
    group: Group
    discipline: Discipline
    period: Period
    lessons: list[JournalLesson]
    columns: list[JournalColumn]
    rows: list[JournalRow]


async def resolve_journal(info: GraphQLInfo, group: str, discipline: str, period: str) -> Journal:
    ctx = info.context
    lang = ctx.language
    try:
        key = (
            expect_id(group, "Group", lang),
            expect_id(discipline, "Discipline", lang),
            expect_id(period, "Period", lang),
        )
        data: JournalData = await ctx.loaders.journals.load(key)
    except JournalNotFound:
        raise ApiError(ErrorCode.NOT_FOUND, message("not_found", lang)) from None
    return Journal(
        group=Group.of(data.group),
        discipline=Discipline.of(data.discipline),
        period=Period.of(data.period),
        lessons=cast(list[Any], data.lessons),
        columns=cast(list[Any], data.columns),
        rows=cast(list[Any], data.rows),
    )
