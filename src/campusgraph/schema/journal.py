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
    id: strawberry.ID = strawberry.field(description="The work's global id.")
    kind: WorkKind = strawberry.field(description="The kind of work.")
    number: int | None = strawberry.field(
        description="Its number among the lesson's works, if numbered."
    )
    title: str | None = strawberry.field(description="Its title, if any.")


@strawberry.type(description="A lesson of the journal, with its works.")
class JournalLesson:
    id: strawberry.ID = strawberry.field(description="The lesson's global id.")
    date: dt.date = strawberry.field(description="Its date.")
    slot: int = strawberry.field(description="Its bell slot (lesson number in the day).")
    topic: str | None = strawberry.field(description="Its topic, once written.")
    lesson_type: LessonType = strawberry.field(description="The kind of lesson.")
    homework: str | None = strawberry.field(description="The homework set, if any.")
    version: int = strawberry.field(
        description="Pass as `expectedVersion` of `updateLesson` or `deleteLesson`."
    )
    works: list[JournalWork] = strawberry.field(description="Its graded works.")


@strawberry.type(description="One mark column: a work of a lesson.")
class JournalColumn:
    work_id: strawberry.ID = strawberry.field(description="The work's global id.")
    lesson_id: strawberry.ID = strawberry.field(description="Its lesson's global id.")
    lesson_index: int = strawberry.field(description="Index into `Journal.lessons`.")
    date: dt.date = strawberry.field(description="Its lesson's date.")
    kind: WorkKind = strawberry.field(description="The kind of work.")
    number: int | None = strawberry.field(
        description="Its number among the lesson's works, if numbered."
    )


@strawberry.type(description="A final mark in a journal row.")
class JournalFinalMark:
    id: strawberry.ID = strawberry.field(description="The final mark's global id.")
    kind: FinalMarkKind = strawberry.field(description="Which final mark.")
    value: str = strawberry.field(description="The mark: «2»..«5», or pass / fail for a credit.")
    version: int = strawberry.field(
        description="Pass as `expectedVersion` of `setFinalMark` or `deleteFinalMark`."
    )


@strawberry.type(description="A student's row; every list is aligned to `columns` or `lessons`.")
class JournalRow:
    student_id: strawberry.ID = strawberry.field(description="The student's global id.")
    surname: str = strawberry.field(description="Surname (фамилия).")
    name: str = strawberry.field(description="Given name (имя).")
    patronymic: str | None = strawberry.field(description="Patronymic (отчество), if any.")
    full_name: str = strawberry.field(
        description="Surname, name and patronymic: «Иванов Иван Иванович»."
    )
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
    final_marks: list[JournalFinalMark] = strawberry.field(
        description="His final marks of the period in this discipline."
    )
    average: float | None = strawberry.field(description="Mean of the numeric marks shown.")
    in_group_from: dt.date = strawberry.field(
        description="Since when he is in the group (inclusive)."
    )
    in_group_until: dt.date | None = strawberry.field(
        description="Exclusive; null while the student is still in the group."
    )


@strawberry.type(description="The journal of one group × discipline × period, columnar.")
class Journal:
    group: Group = strawberry.field(description="The group.")
    discipline: Discipline = strawberry.field(description="The discipline.")
    period: Period = strawberry.field(description="The period.")
    lessons: list[JournalLesson] = strawberry.field(
        description="The lessons, in order: the attendance columns."
    )
    columns: list[JournalColumn] = strawberry.field(
        description="The mark columns: one per work, in order."
    )
    rows: list[JournalRow] = strawberry.field(
        description="One row per student who was in the group during the period."
    )


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
