"""The regulation's journal rules on the API: the final mark the rule suggests, the diary,
the compliance report and the thematic plan (КТП). Resolvers return the plain dataclasses
of :mod:`campusgraph.resolvers.diary` / :mod:`~campusgraph.resolvers.compliance`, whose
attributes match these types: no per-cell object is built."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, cast

import strawberry
from sqlalchemy import select

from campusgraph.db import models as m
from campusgraph.db.enums import (
    AbsenceReason,
    AttendanceStatus,
    FinalMarkKind,
    LessonType,
    WorkKind,
)
from campusgraph.i18n import message
from campusgraph.resolvers import compliance as compliance_mod
from campusgraph.resolvers import diary as diary_mod
from campusgraph.resolvers import journal_rules, reads
from campusgraph.resolvers.suggestions import SuggestionNotFound, suggest_for
from campusgraph.schema.base import GraphQLInfo, Node, expect_id, signed_in, to_global_id
from campusgraph.schema.enums import described
from campusgraph.schema.errors import ApiError, ErrorCode
from campusgraph.schema.people import Student
from campusgraph.schema.structure import Period

ComplianceKind = described(
    strawberry.enum(
        compliance_mod.ComplianceKind,
        description="A journal deadline the compliance report checks.",
    ),
    {
        "LESSON_TOPIC": "A lesson's topic, entered within `lesson_topic_days` working days "
        "after it.",
        "LESSON_EMPTY": "A lesson's marks and attendance, entered within `mark_entry_days` "
        "working days after it.",
        "ABSENCE_REASON": "An absence's reason, entered within `absence_reason_days` working days.",
        "FINAL_MARK": "Final marks, set within `final_mark_days_after_period` working days "
        "after the period's end.",
        "STUDENT_CARD": "The student card, filled within `student_card_days` working days "
        "after enrolment (where the ruleset sets it).",
        "EXPULSION_ORDER": "The expulsion order, issued within `expulsion_order_days` working "
        "days after the expulsion's date (where the ruleset sets it).",
        "ATTESTATION_MARK": "Attestation marks, set within `attestation_mark_days` working "
        "days after the exam's day (where the ruleset sets it).",
        "UNANSWERED_QUESTION": "A parent's question answered within `parent_answer_days` "
        "(working days unless `parent_answer_working_days` is false; where the ruleset sets "
        "it).",
        "LATE_ANNOUNCEMENT": "An event announced its lead time ahead: holidays and school "
        "events `event_notice_days`, class meetings `class_event_notice_days` calendar days, "
        "a day transfer `day_transfer_notice_days` working days before its day (where the "
        "ruleset sets them).",
    },
)


# =====================================================================================
# Final-mark suggestion
# =====================================================================================


@strawberry.type(
    description="One mark's condition of the final-mark rule, checked for one student: the "
    "average range the mark takes and the share of graded works done with a counted mark "
    "(Armavir разд. 6: «5» needs 4,75–5 and 50 % of the works at «4»/«5»)."
)
class FinalMarkCondition:
    value: str = strawberry.field(description="The mark this condition gives.")
    average_from: float | None = strawberry.field(
        description="Least average (inclusive); null: no lower bound."
    )
    average_to: float | None = strawberry.field(
        description="Greatest average (inclusive); null: no upper bound."
    )
    average_holds: bool = strawberry.field(description="Whether the student's average is in range.")
    counted_marks: list[str] | None = strawberry.field(
        description="Marks a graded work must be done with to count; null: any mark."
    )
    works: int = strawberry.field(description="Graded works done with a counted mark.")
    share: float | None = strawberry.field(
        description="works / graded works planned; null when the period had none."
    )
    min_share: float = strawberry.field(description="The least share the condition requires.")
    share_holds: bool = strawberry.field(description="Whether the share is reached.")
    holds: bool = strawberry.field(description="Both parts hold: this mark is the rule's.")
    rule: str = strawberry.field(description="Key path in ruleset.toml of this condition.")


@strawberry.type(
    description="The final mark the ruleset's rule suggests for one student (Armavir разд. 6: "
    "each mark an average range and a share of the graded works done at given marks). "
    "`value` is null when the rule gives none — the ruleset has no such rule, the period "
    "had no graded works, there are no numeric marks, or the average's mark fails its "
    "share (a disputed case the teacher decides) — and `reasoning` says why."
)
class FinalMarkSuggestion:
    value: str | None = strawberry.field(description="The suggested mark, «2»…«5».")
    average: float | None = strawberry.field(
        description="Mean of the numeric marks, rounded half-up to hundredths."
    )
    marks_count: int = strawberry.field(description="Numeric marks averaged.")
    graded_done: int = strawberry.field(description="Graded works the student has a mark for.")
    graded_planned: int = strawberry.field(description="Graded works his group had.")
    graded_share: float | None = strawberry.field(description="graded_done / graded_planned.")
    min_graded_share: float | None = strawberry.field(
        description="The share the condition of the average's mark requires."
    )
    reasoning: str = strawberry.field(
        description="Average, the range it falls in, the share reached and the clause, in the "
        "reader's language."
    )
    rule: str | None = strawberry.field(
        description="Key path in ruleset.toml that decided, e.g. `rules.final_mark.marks[0]`."
    )
    ruleset: str = strawberry.field(description="Slug of the ruleset applied.")
    approval_by: str | None = strawberry.field(
        description="Role that must agree a final mark other than the suggestion "
        "(`approval_by`, see `approveFinalMark`)."
    )
    disputed: bool = strawberry.field(
        description="No condition of the rule holds: the regulation leaves the mark to the "
        "teacher (Armavir разд. 6 «в спорных случаях»)."
    )
    clause: str | None = strawberry.field(description="The regulation's clause of the rule.")
    conditions: list[FinalMarkCondition] = strawberry.field(
        description="Every mark's condition, best mark first, as checked for this student."
    )


def _float(value: Any) -> float | None:
    return None if value is None else round(float(value), 4)


def _condition(check: journal_rules.ConditionCheck) -> FinalMarkCondition:
    return FinalMarkCondition(
        value=check.value,
        average_from=_float(check.average_from),
        average_to=_float(check.average_to),
        average_holds=check.average_holds,
        counted_marks=None if check.counted is None else list(check.counted),
        works=check.works,
        share=_float(check.share),
        min_share=float(check.min_share),
        share_holds=check.share_holds,
        holds=check.holds,
        rule=check.key,
    )


async def resolve_suggestion(
    info: GraphQLInfo, student: str, discipline: str, period: str
) -> FinalMarkSuggestion:
    ctx = info.context
    lang = ctx.language
    try:
        result = await suggest_for(
            ctx,
            student_id=expect_id(student, "Student", lang),
            discipline_id=expect_id(discipline, "Discipline", lang),
            period_id=expect_id(period, "Period", lang),
        )
    except SuggestionNotFound:
        raise ApiError(ErrorCode.NOT_FOUND, message("not_found", lang)) from None
    s = result.suggestion
    if s is None:
        return FinalMarkSuggestion(
            value=None,
            average=None,
            marks_count=0,
            graded_done=0,
            graded_planned=0,
            graded_share=None,
            min_graded_share=None,
            reasoning=message("final_mark_no_rule", lang, ruleset=result.ruleset),
            rule=None,
            ruleset=result.ruleset,
            approval_by=None,
            disputed=True,
            clause=None,
            conditions=[],
        )
    return FinalMarkSuggestion(
        value=s.value,
        average=float(s.average) if s.average is not None else None,
        marks_count=s.marks_count,
        graded_done=s.graded_done,
        graded_planned=s.graded_planned,
        graded_share=_float(s.graded_share),
        min_graded_share=float(s.min_share),
        reasoning=s.reasoning,
        rule=s.rule,
        ruleset=result.ruleset,
        approval_by=s.approval_by,
        disputed=s.disputed,
        clause=s.clause,
        conditions=[_condition(c) for c in s.checks],
    )


@strawberry.type(description="Queries of the regulation's journal rules.")
class JournalRulesQuery:
    @strawberry.field(
        permission_classes=signed_in,
        description="The final mark the ruleset's rule suggests for a student in a discipline "
        "and period, with its reasoning; needs `final_mark` read on that student.",
    )
    async def suggested_final_mark(
        self,
        info: GraphQLInfo,
        student: Annotated[
            strawberry.ID, strawberry.argument(description="The student (his global id).")
        ],
        discipline: Annotated[
            strawberry.ID, strawberry.argument(description="The discipline (its global id).")
        ],
        period: Annotated[
            strawberry.ID, strawberry.argument(description="The period (its global id).")
        ],
    ) -> FinalMarkSuggestion | None:
        return await resolve_suggestion(info, student, discipline, period)


# =====================================================================================
# Diary
# =====================================================================================


@strawberry.type(description="A graded work of a diary lesson, with the student's mark.")
class DiaryWork:
    id: strawberry.ID = strawberry.field(description="The work's global id.")
    kind: WorkKind = strawberry.field(description="The kind of work.")
    number: int | None = strawberry.field(
        description="Its number among the lesson's works, if numbered."
    )
    title: str | None = strawberry.field(description="Its title, if any.")
    mark: str | None = strawberry.field(description="The student's mark; null = none.")
    mark_id: strawberry.ID | None = strawberry.field(
        description="The `Mark` (what `deleteMark` takes); null = none."
    )
    mark_version: int | None = strawberry.field(
        description="The mark's version (`expectedVersion` of `setMark` and `deleteMark`); "
        "null = none."
    )


@strawberry.type(description="A lesson in the diary, seen for one student.")
class DiaryLesson:
    id: strawberry.ID = strawberry.field(description="The lesson's global id.")
    date: dt.date = strawberry.field(description="The lesson's date.")
    slot: int = strawberry.field(description="Bell number.")
    discipline_id: strawberry.ID = strawberry.field(description="Its discipline's global id.")
    discipline_name: str | None = strawberry.field(description="Its discipline's name.")
    teacher_name: str | None = strawberry.field(description="«Иванов И.И.».")
    topic: str | None = strawberry.field(description="The lesson's topic, once written.")
    lesson_type: LessonType = strawberry.field(description="The kind of lesson.")
    homework: str | None = strawberry.field(description="Homework of the whole group.")
    individual_homework: str | None = strawberry.field(
        description="Homework given to this student only."
    )
    attendance: AttendanceStatus | None = strawberry.field(description="Null = present.")
    absence_reason: AbsenceReason | None = strawberry.field(
        description="Why the student was absent, where he was and a reason is given."
    )
    attendance_version: int | None = strawberry.field(
        description="The attendance entry's version (`expectedVersion` of `setAttendance` and "
        "`setAbsenceReason`, which take this lesson's `id` and the diary's student); null = "
        "present, no entry."
    )
    works: list[DiaryWork] = strawberry.field(
        description="Its graded works, with the student's marks."
    )


@strawberry.type(description="One day of the diary.")
class DiaryDay:
    date: dt.date = strawberry.field(description="The day.")
    lessons: list[DiaryLesson] = strawberry.field(description="Its lessons, in order.")


@strawberry.type(description="A final mark (period, semester, year, exam …) in the diary.")
class DiaryFinalMark:
    id: strawberry.ID = strawberry.field(description="The final mark's global id.")
    discipline_id: strawberry.ID = strawberry.field(description="Its discipline's global id.")
    discipline_name: str | None = strawberry.field(description="Its discipline's name.")
    period_id: strawberry.ID = strawberry.field(description="Its period's global id.")
    period_name: str = strawberry.field(description="Its period's name.")
    kind: FinalMarkKind = strawberry.field(description="Which final mark.")
    value: str = strawberry.field(description="The mark: «2»..«5», or pass / fail for a credit.")
    date: dt.date = strawberry.field(description="The period's last day.")
    version: int = strawberry.field(
        description="Pass as `expectedVersion` of `setFinalMark` or `deleteFinalMark`."
    )


@strawberry.type(
    description="The electronic diary (электронный дневник) of one student over a range of "
    "dates: lessons with topics, homework, works with his marks, attendance; and the final "
    "marks of periods overlapping the range. Every row passes the viewer's ruleset."
)
class Diary:
    student: Student = strawberry.field(description="Whose diary.")
    date_from: dt.date = strawberry.field(description="The first day, as asked.", name="from")
    date_to: dt.date = strawberry.field(description="The last day, as asked.", name="to")
    days: list[DiaryDay] = strawberry.field(description="Days with lessons, in order.")
    final_marks: list[DiaryFinalMark] = strawberry.field(
        description="Final marks of the periods overlapping the range."
    )


async def resolve_diary(
    info: GraphQLInfo, date_from: dt.date, date_to: dt.date, child: str | None
) -> Diary | None:
    ctx = info.context
    lang = ctx.language
    child_id = expect_id(child, "Student", lang) if child is not None else None
    try:
        data = await diary_mod.load_diary(ctx, date_from, date_to, child_id)
    except diary_mod.DiaryRangeError:
        raise ApiError(
            ErrorCode.VALIDATION, message("diary_range", lang, days=diary_mod.MAX_DAYS)
        ) from None
    except diary_mod.DiaryChildAmbiguous:
        raise ApiError(ErrorCode.VALIDATION, message("diary_choose_child", lang)) from None
    except diary_mod.DiaryStudentNotFound:
        raise ApiError(ErrorCode.NOT_FOUND, message("not_found", lang)) from None
    if data is None:
        return None
    return Diary(
        student=Student.of(data.student, data.person),
        date_from=data.date_from,
        date_to=data.date_to,
        days=cast(list[Any], data.days),
        final_marks=cast(list[Any], data.final_marks),
    )


# =====================================================================================
# Compliance
# =====================================================================================


@strawberry.type(description="One overdue entry of the compliance report.")
class ComplianceExample:
    kind: ComplianceKind = strawberry.field(description="Which deadline it missed.")  # type: ignore[valid-type]
    date: dt.date = strawberry.field(
        description="The lesson's date (the period's end for final marks, the exam's day for "
        "attestation marks, the enrolment date for student cards, the expulsion's effective date "
        "for expulsion orders, the event's first day for a late announcement)."
    )
    deadline: dt.date = strawberry.field(description="The last day it was due.")
    group_id: strawberry.ID | None = strawberry.field(
        description="Its group; null for an announcement addressed to no one group (the "
        "whole institution, a department, a role)."
    )
    group_name: str = strawberry.field(description="Its group's name.")
    discipline_name: str | None = strawberry.field(
        description="Its discipline's name, where it has one."
    )
    teacher_name: str | None = strawberry.field(
        description="Who answers for it: the lesson's teacher; for absence reasons the "
        "curator; for attestation marks the exam's teacher; for a student card or an expulsion "
        "order who entered it; for a late announcement who published it."
    )
    student_name: str | None = strawberry.field(
        description="Its student's full name, where it is about a student."
    )
    lesson_id: strawberry.ID | None = strawberry.field(
        description="Its lesson, where it is about a lesson."
    )
    done_on: dt.date | None = strawberry.field(
        description="The day it was done after its deadline (a card or an order entered, an "
        "attestation mark set, an announcement published); null: not done yet.",
    )
    text: str = strawberry.field(
        description="The entry in words, in the request's language, with the clause it breaks."
    )


@strawberry.type(description="Overdue entries by check.")
class ComplianceCounts:
    lesson_topic: int = strawberry.field(
        description="Lessons without a topic past `rules.deadlines.lesson_topic_days`."
    )
    lesson_empty: int = strawberry.field(
        description="Lessons with no mark and no attendance past `rules.deadlines.mark_entry_days`."
    )
    absence_reason: int = strawberry.field(
        description="Absences without a reason past `rules.deadlines.absence_reason_days`."
    )
    final_mark: int = strawberry.field(
        description="Final marks missing past `rules.deadlines.final_mark_days_after_period`."
    )
    student_card: int = strawberry.field(
        description="Student cards entered after `rules.deadlines.student_card_days`."
    )
    expulsion_order: int = strawberry.field(
        description="Expulsion orders entered after `rules.deadlines.expulsion_order_days`."
    )
    attestation_mark: int = strawberry.field(
        description="Attestation marks not set by `rules.deadlines.attestation_mark_days` "
        "working days after the exam of the timetable."
    )
    unanswered_question: int = strawberry.field(
        description="Parents' questions not answered within `rules.deadlines.parent_answer_days`."
    )
    late_announcement: int = strawberry.field(
        description="Events announced later than their lead time "
        "(`rules.deadlines.event_notice_days` and the like)."
    )
    total: int = strawberry.field(description="All of them.")


@strawberry.type(description="One deadline of the regulation, checked up to today.")
class ComplianceCheck:
    kind: ComplianceKind = strawberry.field(description="Which deadline.")  # type: ignore[valid-type]
    title: str = strawberry.field(description="The deadline in words, in the reader's language.")
    rule: str = strawberry.field(description="Key path in ruleset.toml, e.g. `rules.deadlines.…`.")
    days: int = strawberry.field(
        description="Working days allowed (0 = the same day); calendar days where the "
        "ruleset counts them so (`parent_answer_working_days = false`; an event's lead "
        "time, `event_notice_days`)."
    )
    from_ruleset: bool = strawberry.field(
        description="Whether the ruleset sets the term; false: the service's default."
    )
    overdue_through: dt.date | None = strawberry.field(
        description="Entries dated up to this day are past the deadline; null: none yet."
    )
    clause: str | None = strawberry.field(
        description="The regulation's clause the deadline comes from, as the ruleset cites it "
        "(`rules.deadlines.*_clause`); null: the ruleset cites none."
    )
    count: int = strawberry.field(description="Entries past this deadline.")
    examples: list[ComplianceExample] = strawberry.field(description="The oldest few.")


@strawberry.type(description="One group's or one teacher's share of the compliance report.")
class ComplianceBreakdown:
    id: strawberry.ID = strawberry.field(description="The Group or Employee id.")
    name: str = strawberry.field(description="The group's name, or the teacher's short name.")
    counts: ComplianceCounts = strawberry.field(description="Its overdue entries by check.")
    examples: list[ComplianceExample] = strawberry.field(description="The oldest few per check.")


@strawberry.type(
    description="Compliance with the regulation's journal deadlines in one period, up to today: "
    "lessons without a topic, lessons with nothing recorded, absences without a reason, "
    "missing final marks, student cards and expulsion orders entered late, attestation marks "
    "not set by their deadline, parents' questions left unanswered, events announced later "
    "than their lead time (the last five where the ruleset sets a term) — per check, per "
    "group and per teacher."
)
class ComplianceReport:
    period: Period = strawberry.field(description="The period checked.")
    today: dt.date = strawberry.field(description="The day it was checked up to.")
    ruleset: str = strawberry.field(
        description="The ruleset whose deadlines were applied (its slug)."
    )
    total: int = strawberry.field(description="Overdue entries, every check.")
    checks: list[ComplianceCheck] = strawberry.field(description="Each deadline with its count.")
    by_group: list[ComplianceBreakdown] = strawberry.field(description="Most overdue first.")
    by_teacher: list[ComplianceBreakdown] = strawberry.field(description="Most overdue first.")


async def resolve_compliance(
    info: GraphQLInfo, period: str, group: str | None = None, discipline: str | None = None
) -> ComplianceReport:
    ctx = info.context
    lang = ctx.language
    try:
        data = await compliance_mod.load_compliance(
            ctx,
            expect_id(period, "Period", lang),
            group_id=None if group is None else expect_id(group, "Group", lang),
            discipline_id=None if discipline is None else expect_id(discipline, "Discipline", lang),
        )
    except compliance_mod.ComplianceNotFound:
        raise ApiError(ErrorCode.NOT_FOUND, message("not_found", lang)) from None
    return ComplianceReport(
        period=Period.of(data.period),
        today=data.today,
        ruleset=data.ruleset,
        total=data.total,
        checks=cast(list[Any], data.checks),
        by_group=cast(list[Any], data.by_group),
        by_teacher=cast(list[Any], data.by_teacher),
    )


# =====================================================================================
# Thematic plan (КТП)
# =====================================================================================


@strawberry.type(description="A topic of the thematic plan, to offer when a lesson is written.")
class ThematicPlanTopic(Node):
    id: strawberry.ID = strawberry.field(description="The topic's global id.")
    position: int = strawberry.field(description="Its place in the plan (1, 2, …).")
    title: str = strawberry.field(description="The topic.")
    hours: int = strawberry.field(description="Academic hours planned for it.")
    lesson_type: LessonType = strawberry.field(description="The kind of lesson planned.")


@strawberry.type(
    description="Календарно-тематическое планирование (КТП) of a discipline for a group."
)
class ThematicPlan(Node):
    id: strawberry.ID = strawberry.field(
        description="The plan (`ThematicPlan`): what `updateThematicPlan` and "
        "`deleteThematicPlan` take."
    )
    group_id: strawberry.ID = strawberry.field(description="The group it is taught to.")
    academic_year_id: strawberry.ID = strawberry.field(description="Its academic year's global id.")
    discipline_id: strawberry.ID = strawberry.field(description="Its discipline's global id.")
    hours: int = strawberry.field(description="Total hours of the topics.")
    topics: list[ThematicPlanTopic] = strawberry.field(description="In plan order.")


async def resolve_thematic_plan(
    info: GraphQLInfo, group_pk: int, discipline: str | int, year_pk: int | None = None
) -> ThematicPlan | None:
    """The group's plan for the discipline (of ``year_pk``, else the latest), through the
    ``thematic_plan`` filter; one statement."""
    ctx = info.context
    discipline_pk = (
        discipline
        if isinstance(discipline, int)
        else expect_id(discipline, "Discipline", ctx.language)
    )
    tp, t, y = m.ThematicPlan, m.ThematicPlanTopic, m.AcademicYear
    stmt = (
        select(tp.id, tp.academic_year_id, t.id, t.position, t.title, t.hours, t.lesson_type)
        .join(y, y.id == tp.academic_year_id)
        .outerjoin(t, t.plan_id == tp.id)
        .where(tp.group_id == group_pk, tp.discipline_id == discipline_pk)
        .order_by(y.starts_on.desc(), tp.id.desc(), t.position)
    )
    if year_pk is not None:
        stmt = stmt.where(tp.academic_year_id == year_pk)
    found = await reads.all_rows(ctx, "thematic_plan", stmt)
    rows: list[tuple[Any, ...]] = [tuple(r) for r in found]
    if not rows:
        return None
    plan_id, year_id = rows[0][0], rows[0][1]
    topics = [
        ThematicPlanTopic(
            id=to_global_id("ThematicPlanTopic", tid),
            position=position,
            title=title,
            hours=hours,
            lesson_type=lesson_type,
        )
        for pid, _, tid, position, title, hours, lesson_type in rows
        if pid == plan_id and tid is not None
    ]
    return ThematicPlan(
        id=to_global_id("ThematicPlan", plan_id),
        group_id=to_global_id("Group", group_pk),
        academic_year_id=to_global_id("AcademicYear", year_id),
        discipline_id=to_global_id("Discipline", discipline_pk),
        hours=sum(x.hours for x in topics),
        topics=topics,
    )


async def fetch_thematic_plan(info: GraphQLInfo, pk: int) -> ThematicPlan | None:
    """``node(id:)`` of a plan: the one the ``thematic_plan`` filter lets the viewer read,
    with its topics as the group's plan has them."""
    row = await info.context.loaders.entity_by_id("thematic_plan", m.ThematicPlan).load(pk)
    if row is None:
        return None
    plan: m.ThematicPlan = row[0]
    return await resolve_thematic_plan(
        info, plan.group_id, plan.discipline_id, plan.academic_year_id
    )


async def fetch_thematic_plan_topic(info: GraphQLInfo, pk: int) -> ThematicPlanTopic | None:
    """``node(id:)`` of a topic: a line of its plan, readable where the plan is."""
    tp, t = m.ThematicPlan, m.ThematicPlanTopic
    stmt = (
        select(t.id, t.position, t.title, t.hours, t.lesson_type)
        .join(tp, tp.id == t.plan_id)
        .where(t.id == pk)
    )
    found = await reads.all_rows(info.context, "thematic_plan", stmt)
    if not found:
        return None
    tid, position, title, hours, lesson_type = tuple(found[0])
    return ThematicPlanTopic(
        id=to_global_id("ThematicPlanTopic", tid),
        position=position,
        title=title,
        hours=hours,
        lesson_type=lesson_type,
    )
