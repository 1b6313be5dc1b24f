"""Compliance with the regulation's journal deadlines, for one period, up to today.

Nine checks, each with its deadline from ``[rules.deadlines]`` (working days, see
:func:`~campusgraph.resolvers.journal_rules.working_days_after`, unless the ruleset says
calendar days); the last five only where the ruleset sets their term, since the
regulations without it name no such duty:

``lesson_topic``    a lesson past ``lesson_topic_days`` after its date with no topic
                    (default 0: the topic is written on the lesson day — tomsk п. 4.8.1,
                    barnaul п. 2.1, nshds12 разд. 4 — where a regulation names no term);
``lesson_empty``    a lesson past ``mark_entry_days`` after its date with no attendance row
                    and no mark at all. Presence is the default (only absences and
                    lateness are stored), so an all-present lesson without marks looks
                    exactly like one whose attendance was never taken: the report lists
                    such lessons *to check*, it cannot prove a breach (default 0 days);
``absence_reason``  an absence (not a lateness) with no reason past
                    ``absence_reason_days`` (base: 5, barnaul: 2);
``final_mark``      once ``final_mark_days_after_period`` working days after the period's
                    end have passed (default 0: on the last day — altai п. 4.6, barnaul
                    п. 2.1, nshds12 разд. 4), a student who was in a group at the period's
                    end with lessons of a discipline in the period and has no final mark of
                    any kind for it in that period;
``student_card``    a student card entered (``student.created_on``) later than
                    ``student_card_days`` after its enrolment date (Altai п. 4.2: 1,
                    Armavir п. 4.1: 3), among the cards entered in the period. A card not
                    entered at all is invisible by nature; a card not yet in a group is
                    no group's and shows once the student is put in one;
``expulsion_order`` an expulsion order entered (``movement_order.created_on``) later than
                    ``expulsion_order_days`` after its effective date (Altai п. 4.2: 1,
                    Armavir п. 4.1: 3), one row per student it expels, under the group he
                    left, among the orders entered in the period;
``attestation_mark`` an exam of the timetable (``TimetableKind.EXAM`` entries, one per
                    matching weekday of their range in the period) whose attestation or
                    exam mark (a final mark of that kind whose period holds the exam's
                    day) a student of the group (of the subgroup, if the entry has one) on
                    that day lacks after ``attestation_mark_days`` (Armavir п. 4.6: the
                    next working day), or got later (``final_mark.set_on``);
``unanswered_question`` a parent's question (a thread a parent started) asked in the
                    period and not answered by another participant within
                    ``parent_answer_days`` (Altai п. 3.4: 3 days — calendar days, by
                    ``parent_answer_working_days = false``), or answered later.
``late_announcement`` an event of the period (by its first day) published
                    (``announcement.published_at``) later than its kind's lead time
                    (:data:`NOTICE_TERMS`: ``event_notice_days`` for holidays and other
                    events, ``class_event_notice_days`` for class meetings, calendar days;
                    ``day_transfer_notice_days`` working days before a day transfer — barnaul
                    п. 5.4–5.6), among the announcements the viewer may read; each cites its
                    own clause (``*_notice_clause``).

Cards, orders and marks entered before their day was kept (``created_on``/``set_on`` NULL) are not
judged. Each check cites the ruleset's clause (``[rules.deadlines]`` ``*_clause``).

Who may see it: the groups come through the ``report`` read filter; each check's rows also
pass their own object's read filter (``lesson``; ``attendance`` and ``attendance.reason``;
for final marks ``student`` and ``final_mark`` on the would-be mark's anchors). Whether a
lesson has *any* mark or attendance row, and whether a final mark exists, are asked
unfiltered: they are the facts the check is about, and a viewer who may not read marks
would otherwise see every lesson as empty. A viewer with no ``report`` read line is
refused.

A bounded number of statements (about 22) whatever the size of the institution: counts
are grouped in SQL; examples come from one windowed select per check (the oldest few
overall, per group and per teacher).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Date, and_, exists, func, literal, null, or_, select, true
from sqlalchemy.orm import aliased

from campusgraph.context import Context
from campusgraph.db import models as m
from campusgraph.db.enums import (
    AnnouncementKind,
    AttendanceStatus,
    FinalMarkKind,
    MovementKind,
    TimetableKind,
)
from campusgraph.i18n import message
from campusgraph.ids import to_global_id
from campusgraph.policies.facts import membership_current
from campusgraph.policies.rule_keys import RuleKey, rule_key
from campusgraph.policies.ruleset import Ruleset
from campusgraph.policies.scopes import SqlAnchors
from campusgraph.policies.targets import target_of
from campusgraph.resolvers.announcements import readable
from campusgraph.resolvers.diary import short_name
from campusgraph.resolvers.journal_rules import overdue_cutoff, working_days_after

#: Examples per check overall, and per check for each group and each teacher.
EXAMPLES_TOTAL = 5
EXAMPLES_EACH = 3


class ComplianceKind(enum.StrEnum):
    LESSON_TOPIC = "lesson_topic"
    LESSON_EMPTY = "lesson_empty"
    ABSENCE_REASON = "absence_reason"
    FINAL_MARK = "final_mark"
    STUDENT_CARD = "student_card"
    EXPULSION_ORDER = "expulsion_order"
    ATTESTATION_MARK = "attestation_mark"
    UNANSWERED_QUESTION = "unanswered_question"
    LATE_ANNOUNCEMENT = "late_announcement"


def _days(name: str, default: int | None, doc: str) -> RuleKey:
    return rule_key("deadlines", name, int, default=default, reader=__name__, doc=doc)


def _clause(name: str, doc: str) -> RuleKey:
    return rule_key("deadlines", name, str, default=None, reader=__name__, doc=doc)


#: The ``[rules.deadlines]`` key of each check: working days, and the count used where the
#: ruleset (with its base) has none — None: the check does not apply there.
DEADLINE_KEYS: dict[ComplianceKind, RuleKey] = {
    ComplianceKind.LESSON_TOPIC: _days("lesson_topic_days", 0, "a lesson's topic, after it"),
    ComplianceKind.LESSON_EMPTY: _days("mark_entry_days", 0, "marks and attendance, after it"),
    ComplianceKind.ABSENCE_REASON: _days("absence_reason_days", 5, "an absence's reason"),
    ComplianceKind.FINAL_MARK: _days(
        "final_mark_days_after_period", 0, "final marks, after the period's end"
    ),
    ComplianceKind.STUDENT_CARD: _days(
        "student_card_days", None, "the student card, after the enrolment date"
    ),
    ComplianceKind.EXPULSION_ORDER: _days(
        "expulsion_order_days", None, "the expulsion order, after the expulsion's date"
    ),
    ComplianceKind.ATTESTATION_MARK: _days(
        "attestation_mark_days", None, "attestation marks, after the exam's day"
    ),
    ComplianceKind.UNANSWERED_QUESTION: _days(
        "parent_answer_days", None, "the answer to a parent's question, after it was asked"
    ),
    ComplianceKind.LATE_ANNOUNCEMENT: _days(
        "event_notice_days",
        None,
        "calendar days a school event or holiday is announced ahead of it",
    ),
}

#: The clause each check cites, as the ruleset words it (optional).
CLAUSE_KEYS: dict[ComplianceKind, RuleKey] = {
    ComplianceKind.LESSON_TOPIC: _clause("lesson_topic_clause", "cites lesson_topic_days"),
    ComplianceKind.LESSON_EMPTY: _clause("mark_entry_clause", "cites mark_entry_days"),
    ComplianceKind.ABSENCE_REASON: _clause("absence_reason_clause", "cites absence_reason_days"),
    ComplianceKind.FINAL_MARK: _clause("final_mark_clause", "cites final_mark_days_after_period"),
    ComplianceKind.STUDENT_CARD: _clause("student_card_clause", "cites student_card_days"),
    ComplianceKind.EXPULSION_ORDER: _clause("expulsion_order_clause", "cites expulsion_order_days"),
    ComplianceKind.ATTESTATION_MARK: _clause(
        "attestation_mark_clause", "cites attestation_mark_days"
    ),
    ComplianceKind.UNANSWERED_QUESTION: _clause("parent_answer_clause", "cites parent_answer_days"),
    ComplianceKind.LATE_ANNOUNCEMENT: _clause("event_notice_clause", "cites event_notice_days"),
}


@dataclass(frozen=True, slots=True)
class NoticeTerm:
    """How long ahead an event of one kind must be announced: ``days`` (the key), counted
    in working days or calendar days, citing ``clause``."""

    days: RuleKey
    working: bool
    clause: RuleKey


#: The lead time of each kind of event (``late_announcement``): barnaul п. 5.4 school
#: events and holidays 2 weeks, п. 5.5 a day transfer 3 working days before the day, п. 5.6
#: class events 1 week. News (``announcement``) has none. A kind whose key the ruleset
#: does not set is not judged.
NOTICE_TERMS: dict[AnnouncementKind, NoticeTerm] = {
    AnnouncementKind.HOLIDAY: NoticeTerm(
        DEADLINE_KEYS[ComplianceKind.LATE_ANNOUNCEMENT],
        False,
        CLAUSE_KEYS[ComplianceKind.LATE_ANNOUNCEMENT],
    ),
    AnnouncementKind.OTHER: NoticeTerm(
        DEADLINE_KEYS[ComplianceKind.LATE_ANNOUNCEMENT],
        False,
        CLAUSE_KEYS[ComplianceKind.LATE_ANNOUNCEMENT],
    ),
    AnnouncementKind.CLASS_MEETING: NoticeTerm(
        _days("class_event_notice_days", None, "calendar days a class event is announced ahead"),
        False,
        _clause("class_event_notice_clause", "cites class_event_notice_days"),
    ),
    AnnouncementKind.DAY_TRANSFER: NoticeTerm(
        _days(
            "day_transfer_notice_days",
            None,
            "working days a day transfer is announced ahead of the day it moves lessons to",
        ),
        True,
        _clause("day_transfer_notice_clause", "cites day_transfer_notice_days"),
    ),
}

#: Whether ``parent_answer_days`` counts working days (the other terms always do): Altai
#: п. 3.4 says «в течение 3-х дней», plain days.
PARENT_ANSWER_WORKING_DAYS = rule_key(
    "deadlines",
    "parent_answer_working_days",
    bool,
    default=True,
    reader=__name__,
    doc="parent_answer_days counts working days (false: calendar days)",
)


def answer_due_on(
    asked_on: dt.date,
    days: int,
    working: bool,
    days_off: set[dt.date],
    transfers: dict[dt.date, dt.date],
) -> dt.date:
    """The last day a parent's question asked on ``asked_on`` may be answered."""
    if working:
        return working_days_after(asked_on, days, days_off=days_off, transfers=transfers)
    return asked_on + dt.timedelta(days=days)


#: Final marks that answer an exam of the timetable.
ATTESTATION_KINDS = (FinalMarkKind.EXAM, FinalMarkKind.ATTESTATION)


class ComplianceNotFound(LookupError):
    pass


@dataclass(slots=True)
class ComplianceExample:
    kind: ComplianceKind
    date: dt.date
    deadline: dt.date
    group_id: str | None
    group_name: str
    discipline_name: str | None
    teacher_name: str | None
    student_name: str | None
    lesson_id: str | None
    text: str
    done_on: dt.date | None = None  # when it was done, late; None: not done


@dataclass(slots=True)
class ComplianceCounts:
    lesson_topic: int = 0
    lesson_empty: int = 0
    absence_reason: int = 0
    final_mark: int = 0
    student_card: int = 0
    expulsion_order: int = 0
    attestation_mark: int = 0
    unanswered_question: int = 0
    late_announcement: int = 0

    @property
    def total(self) -> int:
        return (
            self.unanswered_question
            + self.late_announcement
            + self.lesson_topic
            + self.lesson_empty
            + self.absence_reason
            + self.final_mark
            + self.student_card
            + self.expulsion_order
            + self.attestation_mark
        )

    def add(self, kind: ComplianceKind, n: int) -> None:
        setattr(self, kind.value, getattr(self, kind.value) + n)


@dataclass(slots=True)
class ComplianceCheck:
    kind: ComplianceKind
    title: str
    rule: str
    days: int
    from_ruleset: bool
    overdue_through: dt.date | None  # entries dated up to this day are overdue
    clause: str | None = None
    count: int = 0
    examples: list[ComplianceExample] = field(default_factory=list)


@dataclass(slots=True)
class ComplianceRow:
    """One group's or one teacher's share of the report."""

    id: str
    name: str
    counts: ComplianceCounts = field(default_factory=ComplianceCounts)
    examples: list[ComplianceExample] = field(default_factory=list)


@dataclass(slots=True)
class ComplianceData:
    period: m.Period
    today: dt.date
    ruleset: str
    checks: list[ComplianceCheck]
    by_group: list[ComplianceRow]
    by_teacher: list[ComplianceRow]

    @property
    def total(self) -> int:
        return sum(c.count for c in self.checks)


def deadline_days(ruleset: Ruleset, kind: ComplianceKind) -> tuple[int, bool] | None:
    """The check's deadline in working days and whether the ruleset set it; None where
    the check does not apply (the ruleset names no term and there is no default)."""
    key = DEADLINE_KEYS[kind]
    days: int | None = key.read(ruleset)
    if days is None:
        return None
    return days, key.is_set(ruleset)


@dataclass
class _Names:
    groups: dict[int, str] = field(default_factory=dict)
    disciplines: dict[int, str] = field(default_factory=dict)
    teachers: dict[int, str] = field(default_factory=dict)


@dataclass
class _RawExample:
    kind: ComplianceKind
    date: dt.date
    deadline: dt.date
    group: int | None  # None: an announcement to no one group
    discipline: int | None
    teacher: int | None
    student_name: str | None
    lesson: int | None
    first: bool  # among the oldest few overall
    of_group: bool  # among the oldest few of its group
    of_teacher: bool  # among the oldest few of its teacher
    done_on: dt.date | None = None
    title: str | None = None  # an announcement's
    clause: str | None = None  # its own clause, where not the check's


async def load_compliance(
    ctx: Context, period_id: int, group_id: int | None = None, discipline_id: int | None = None
) -> ComplianceData:
    """The report at the level asked — the institution, one group, or one group's
    discipline — refused (:class:`~campusgraph.policies.engine.Forbidden`) where the ruleset does not let the viewer
    see that level, never narrowed to the part he may see (barnaul п. 7.1)."""
    auth = ctx.authorizer
    compiled = ctx.registry.get(ctx.ruleset_slug or "")
    ruleset = compiled.ruleset
    await _require_level(ctx, group_id, discipline_id)
    today = ctx.settings.current_date()
    lang = ctx.language

    async with ctx.report_session() as session:
        period = (
            await session.execute(
                select(m.Period).where(m.Period.id == period_id, auth.where("period", "read"))
            )
        ).scalar_one_or_none()
        if period is None:
            raise ComplianceNotFound
        days_off = set(
            (
                await session.execute(select(m.DayOff.date).where(auth.where("calendar", "read")))
            ).scalars()
        )
        dtr = m.DayTransfer
        transfer_rows = await session.execute(
            select(dtr.from_date, dtr.to_date).where(
                auth.where("calendar", "read", SqlAnchors(institution=dtr.institution_id))
            )
        )
        transfers: dict[dt.date, dt.date] = dict(transfer_rows.all())

        def due(day: dt.date, n: int) -> dt.date:
            return working_days_after(day, n, days_off=days_off, transfers=transfers)

        start, end = period.starts_on, period.ends_on
        report_groups = select(m.StudyGroup.id)
        if group_id is not None:
            report_groups = report_groups.where(m.StudyGroup.id == group_id)

        def at_level(table: Any) -> Any:
            """The rows of the level asked (the session confines them to the tenant)."""
            if discipline_id is None:
                return table.group_id.in_(report_groups)
            return and_(table.group_id.in_(report_groups), table.discipline_id == discipline_id)

        checks: dict[ComplianceKind, ComplianceCheck] = {}
        through: dict[ComplianceKind, dt.date | None] = {}
        for kind, key in DEADLINE_KEYS.items():
            applies = deadline_days(ruleset, kind)
            if applies is None:
                through[kind] = None
                continue
            days, own = applies
            if kind is ComplianceKind.UNANSWERED_QUESTION and not bool(
                PARENT_ANSWER_WORKING_DAYS.read(ruleset)
            ):
                # a term in calendar days: asked up to this day, unanswered, is overdue
                cutoff = min(end, today - dt.timedelta(days=days + 1))
                last = cutoff if cutoff >= start else None
            elif kind is ComplianceKind.FINAL_MARK:
                last = end if due(end, days) < today else None
            elif kind is ComplianceKind.LATE_ANNOUNCEMENT:
                # late from the moment it is published: the period's events are all judged
                last = end
            else:
                cutoff = min(
                    end, overdue_cutoff(today, days, days_off=days_off, transfers=transfers)
                )
                last = cutoff if cutoff >= start else None
            through[kind] = last
            checks[kind] = ComplianceCheck(
                kind=kind,
                title=message(f"compliance_{kind.value}", lang),
                rule=key.path,
                days=days,
                from_ruleset=own,
                overdue_through=last,
                clause=CLAUSE_KEYS[kind].read(ruleset),
            )

        # counts: (kind, group, teacher or None, discipline or None) → n
        counts: list[tuple[ComplianceKind, int | None, int | None, int]] = []
        raw: list[_RawExample] = []
        le = m.Lesson

        # -- lessons: no topic, nothing recorded ------------------------------------------
        lesson_conditions: dict[ComplianceKind, Any] = {}
        if through.get(ComplianceKind.LESSON_TOPIC) is not None:
            lesson_conditions[ComplianceKind.LESSON_TOPIC] = and_(
                le.date <= through[ComplianceKind.LESSON_TOPIC],
                or_(le.topic.is_(None), func.trim(le.topic) == ""),
            )
        if through.get(ComplianceKind.LESSON_EMPTY) is not None:
            at, mk = m.Attendance, m.Mark
            lesson_conditions[ComplianceKind.LESSON_EMPTY] = and_(
                le.date <= through[ComplianceKind.LESSON_EMPTY],
                ~exists(select(at.id).where(at.lesson_id == le.id).correlate(le)),
                ~exists(select(mk.id).where(mk.lesson_id == le.id).correlate(le)),
            )
        for kind, condition in lesson_conditions.items():
            where = (
                le.date >= start,
                condition,
                at_level(le),
                auth.where("lesson", "read"),
            )
            for group, teacher, n in (
                await session.execute(
                    select(le.group_id, le.teacher_id, func.count(le.id))
                    .where(*where)
                    .group_by(le.group_id, le.teacher_id)
                )
            ).all():
                counts.append((kind, group, teacher, n))
            order = (le.date, le.slot, le.id)
            ranked = (
                select(
                    le.id,
                    le.date,
                    le.group_id,
                    le.discipline_id,
                    le.teacher_id,
                    func.row_number().over(order_by=order).label("r_all"),
                    func.row_number().over(partition_by=le.group_id, order_by=order).label("r_g"),
                    func.row_number().over(partition_by=le.teacher_id, order_by=order).label("r_t"),
                )
                .where(*where)
                .subquery()
            )
            n_days = checks[kind].days
            for lid, date, group, discipline, teacher, r_all, r_g, r_t in (
                await session.execute(
                    select(ranked)
                    .where(
                        or_(
                            ranked.c.r_all <= EXAMPLES_TOTAL,
                            ranked.c.r_g <= EXAMPLES_EACH,
                            ranked.c.r_t <= EXAMPLES_EACH,
                        )
                    )
                    .order_by(ranked.c.r_all)
                )
            ).all():
                raw.append(
                    _RawExample(
                        kind,
                        date,
                        due(date, n_days),
                        group,
                        discipline,
                        teacher,
                        None,
                        lid,
                        r_all <= EXAMPLES_TOTAL,
                        r_g <= EXAMPLES_EACH,
                        r_t <= EXAMPLES_EACH,
                    )
                )

        # -- absences without a reason --------------------------------------------------
        curators: dict[int, int] = {}
        if through.get(ComplianceKind.ABSENCE_REASON) is not None:
            at = m.Attendance
            kind = ComplianceKind.ABSENCE_REASON
            absence_where = (
                at.status == AttendanceStatus.ABSENT,
                at.reason.is_(None),
                at.date >= start,
                at.date <= through[kind],
                at_level(at),
                auth.where("attendance", "read"),
                auth.where("attendance.reason", "read"),
            )
            absent = (
                await session.execute(
                    select(at.group_id, func.count(at.id))
                    .where(*absence_where)
                    .group_by(at.group_id)
                )
            ).all()
            if absent:
                # The reasons are the curator's duty: his row of the report carries them.
                c, e = m.Curatorship, m.Employee
                for group, curator in (
                    await session.execute(
                        select(c.group_id, c.curator_id)
                        .join(e, e.id == c.curator_id)
                        .where(
                            c.group_id.in_([g for g, _ in absent]),
                            c.starts_on <= today,
                            or_(c.ends_on.is_(None), c.ends_on > today),
                            auth.where("employee", "read"),
                        )
                        .order_by(c.starts_on, c.id)
                    )
                ).all():
                    curators[group] = curator
                counts.extend((kind, g, curators.get(g), n) for g, n in absent)
                order = (at.date, at.lesson_id, at.id)
                st, pe = m.Student, m.Person
                ranked = (
                    select(
                        at.date,
                        at.group_id,
                        at.discipline_id,
                        at.lesson_id,
                        pe.surname,
                        pe.name,
                        pe.patronymic,
                        func.row_number().over(order_by=order).label("r_all"),
                        func.row_number()
                        .over(partition_by=at.group_id, order_by=order)
                        .label("r_g"),
                    )
                    .select_from(at)
                    .outerjoin(st, and_(st.id == at.student_id, auth.where("student", "read")))
                    .outerjoin(pe, pe.id == st.person_id)
                    .where(*absence_where)
                    .subquery()
                )
                n_days = checks[kind].days
                for date, group, discipline, lesson, surname, name, patronymic, r_all, r_g in (
                    await session.execute(
                        select(ranked)
                        .where(or_(ranked.c.r_all <= EXAMPLES_TOTAL, ranked.c.r_g <= EXAMPLES_EACH))
                        .order_by(ranked.c.r_all)
                    )
                ).all():
                    raw.append(
                        _RawExample(
                            kind,
                            date,
                            due(date, n_days),
                            group,
                            discipline,
                            curators.get(group),
                            short_name(surname, name, patronymic) if surname else None,
                            lesson,
                            r_all <= EXAMPLES_TOTAL,
                            r_g <= EXAMPLES_EACH,
                            r_g <= EXAMPLES_EACH,
                        )
                    )

        # -- final marks not set after the period ---------------------------------------
        if through.get(ComplianceKind.FINAL_MARK) is not None:
            kind = ComplianceKind.FINAL_MARK
            deadline = due(end, checks[kind].days)
            in_period = and_(
                le.date >= start,
                le.date <= end,
                at_level(le),
                auth.where("lesson", "read"),
            )
            teachers_of: dict[tuple[int, int], int] = {}
            lessons_of: dict[tuple[int, int], int] = {}
            for group, discipline, teacher, n in (
                await session.execute(
                    select(le.group_id, le.discipline_id, le.teacher_id, func.count(le.id))
                    .where(in_period)
                    .group_by(le.group_id, le.discipline_id, le.teacher_id)
                    .order_by(le.group_id, le.discipline_id, le.teacher_id)
                )
            ).all():
                if n > lessons_of.get((group, discipline), 0):
                    lessons_of[(group, discipline)] = n
                    teachers_of[(group, discipline)] = teacher
            missing = _missing_final_marks(ctx, period, in_period)
            for group, discipline, n in (
                await session.execute(
                    select(missing.c.group_id, missing.c.discipline_id, func.count()).group_by(
                        missing.c.group_id, missing.c.discipline_id
                    )
                )
            ).all():
                counts.append((kind, group, teachers_of.get((group, discipline)), n))
            order = (missing.c.group_id, missing.c.discipline_id, missing.c.surname)
            ranked = select(
                missing,
                func.row_number().over(order_by=order).label("r_all"),
                func.row_number()
                .over(partition_by=missing.c.group_id, order_by=order)
                .label("r_g"),
                func.row_number()
                .over(partition_by=(missing.c.group_id, missing.c.discipline_id), order_by=order)
                .label("r_p"),
            ).subquery()
            for row in (
                await session.execute(
                    select(ranked)
                    .where(
                        or_(
                            ranked.c.r_all <= EXAMPLES_TOTAL,
                            ranked.c.r_g <= EXAMPLES_EACH,
                            ranked.c.r_p <= EXAMPLES_EACH,
                        )
                    )
                    .order_by(ranked.c.r_all)
                )
            ).all():
                r = row._mapping
                raw.append(
                    _RawExample(
                        kind,
                        end,
                        deadline,
                        r["group_id"],
                        r["discipline_id"],
                        teachers_of.get((r["group_id"], r["discipline_id"])),
                        short_name(r["surname"], r["name"], r["patronymic"])
                        if r["surname"]
                        else None,
                        None,
                        r["r_all"] <= EXAMPLES_TOTAL,
                        r["r_g"] <= EXAMPLES_EACH,
                        r["r_p"] <= EXAMPLES_EACH,
                    )
                )

        # Cards and orders belong to a group, not to one of its disciplines: the teacher's
        # level (group × discipline) has none of them.
        level = _Level(report_groups, discipline_id, institution=group_id is None)
        run = _Pass(
            ctx, session, period, today, checks, due, counts, raw, level, (days_off, transfers)
        )
        if ComplianceKind.STUDENT_CARD in checks and discipline_id is None:
            await _late_cards(run)
        if ComplianceKind.EXPULSION_ORDER in checks and discipline_id is None:
            await _late_orders(run)
        if ComplianceKind.ATTESTATION_MARK in checks:
            await _late_attestation_marks(run)
        if ComplianceKind.UNANSWERED_QUESTION in checks and discipline_id is None:
            await _unanswered_questions(run)
        if ComplianceKind.LATE_ANNOUNCEMENT in checks and discipline_id is None:
            await _late_announcements(run)

        names = await _names(ctx, session, counts, raw)

    return _assemble(period, today, ruleset.slug, checks, counts, raw, names, lang)


@dataclass(frozen=True, slots=True)
class _Level:
    """The level a report is asked at (load_compliance's ``report_groups``): its groups as
    a select, and the one discipline of the teacher's level, if that is the level."""

    groups: Any
    discipline_id: int | None
    #: The institution's level: announcements addressed to no one group belong to it.
    institution: bool = False


@dataclass(frozen=True, slots=True)
class _Pass:
    """What the checks done in Python share: the request, the period and its working-day
    reckoning, the level asked, and the counts and examples they add to."""

    ctx: Context
    session: Any
    period: m.Period
    today: dt.date
    checks: dict[ComplianceKind, ComplianceCheck]
    due: Any
    counts: list[tuple[ComplianceKind, int | None, int | None, int]]
    raw: list[_RawExample]
    level: _Level
    #: The institution's days off and day transfers (a term counted in calendar days
    #: ignores them).
    calendar: tuple[set[dt.date], dict[dt.date, dt.date]] = (set(), {})


@dataclass(slots=True)
class _Late:
    """One late or missing entry found in Python, before it is ranked into examples."""

    date: dt.date
    deadline: dt.date
    group: int | None
    discipline: int | None
    teacher: int | None
    student_name: str | None
    done_on: dt.date | None
    title: str | None = None
    clause: str | None = None


def _rank(
    kind: ComplianceKind,
    found: list[_Late],
    counts: list[tuple[ComplianceKind, int | None, int | None, int]],
    raw: list[_RawExample],
) -> None:
    """Counts per (group, teacher) and the oldest few overall, per group and per teacher —
    what the SQL checks get from their windowed selects."""
    per: dict[tuple[int | None, int | None], int] = defaultdict(int)
    for late in found:
        per[(late.group, late.teacher)] += 1
    counts.extend((kind, g, t, n) for (g, t), n in sorted(per.items(), key=str))
    seen_group: dict[int | None, int] = defaultdict(int)
    seen_teacher: dict[int | None, int] = defaultdict(int)
    found.sort(key=lambda x: (x.date, x.group or 0, x.student_name or x.title or ""))
    for index, late in enumerate(found):
        seen_group[late.group] += 1
        seen_teacher[late.teacher] += 1
        first = index < EXAMPLES_TOTAL
        of_group = late.group is not None and seen_group[late.group] <= EXAMPLES_EACH
        of_teacher = late.teacher is not None and seen_teacher[late.teacher] <= EXAMPLES_EACH
        if first or of_group or of_teacher:
            raw.append(
                _RawExample(
                    kind,
                    late.date,
                    late.deadline,
                    late.group,
                    late.discipline,
                    late.teacher,
                    late.student_name,
                    None,
                    first,
                    of_group,
                    of_teacher,
                    late.done_on,
                    late.title,
                    late.clause,
                )
            )


def _employee_of(user_id: Any, row: Any) -> Any:
    """The employee card of the account that entered ``row`` (its ``user_id`` column): the
    one the report names as having entered it late."""
    em, ua = m.Employee, m.UserAccount
    return (
        select(em.id)
        .join(ua, ua.person_id == em.person_id)
        .where(ua.id == user_id)
        .order_by(em.id)
        .limit(1)
        .correlate(row)
        .scalar_subquery()
    )


def _rank_entered_late(
    kind: ComplianceKind,
    rows: Any,
    days: int,
    due: Any,
    counts: list[tuple[ComplianceKind, int | None, int | None, int]],
    raw: list[_RawExample],
) -> None:
    """Rows of (the day the term runs from, the day entered, the student's name in three
    parts, group, who entered it): those entered after their term, ranked."""
    found: list[_Late] = []
    for start, created, surname, name, patronymic, group_id, author_id in rows:
        deadline = due(start, days)
        if created > deadline:
            name_ = short_name(surname, name, patronymic)
            found.append(_Late(start, deadline, group_id, None, author_id, name_, created))
    _rank(kind, found, counts, raw)


async def _late_cards(
    p: _Pass,
) -> None:
    """Cards entered in the period later than their term after the enrolment date. The
    card counts under the student's first group (the one the enrolment put him in) and
    under the employee who entered it."""
    ctx, session, period, today, checks, due, level = (
        p.ctx,
        p.session,
        p.period,
        p.today,
        p.checks,
        p.due,
        p.level,
    )
    counts, raw = p.counts, p.raw
    auth = ctx.authorizer
    kind = ComplianceKind.STUDENT_CARD
    days = checks[kind].days
    st, pe, gm = m.Student, m.Person, m.GroupMembership
    first_group = (
        select(gm.group_id)
        .where(gm.student_id == st.id)
        .order_by(gm.starts_on, gm.id)
        .limit(1)
        .correlate(st)
        .scalar_subquery()
    )
    author = _employee_of(st.created_by_user_id, st)
    group = first_group.label("group_id")
    rows = (
        await session.execute(
            select(
                st.enrolment_date,
                st.created_on,
                pe.surname,
                pe.name,
                pe.patronymic,
                group,
                author.label("author"),
            )
            .join(pe, pe.id == st.person_id)
            .where(
                st.created_on.is_not(None),
                st.enrolment_date.is_not(None),
                st.created_on > st.enrolment_date,
                st.created_on >= period.starts_on,
                st.created_on <= min(period.ends_on, today),
                first_group.in_(level.groups),
                auth.where("student", "read"),
            )
        )
    ).all()
    _rank_entered_late(kind, rows, days, due, counts, raw)


async def _unanswered_questions(p: _Pass) -> None:
    """Parents' questions (threads a parent opened, ``answer_due``) asked in the period and
    not answered by their term, or answered after it. Counted under the asker's child's
    group (his first current one) and the employee the question was addressed to; the
    child must be one the viewer may read (``student`` read), like a card's student."""
    ctx, session, period, today, checks, level = (
        p.ctx,
        p.session,
        p.period,
        p.today,
        p.checks,
        p.level,
    )
    kind = ComplianceKind.UNANSWERED_QUESTION
    days = checks[kind].days
    compiled = ctx.registry.get(ctx.ruleset_slug or "")
    working = bool(PARENT_ANSWER_WORKING_DAYS.read(compiled.ruleset))
    th, tp, ua, pa, pl, st, pe, gm, em = (
        m.Thread,
        m.ThreadParticipant,
        m.UserAccount,
        m.Parent,
        m.ParentLink,
        m.Student,
        m.Person,
        m.GroupMembership,
        m.Employee,
    )
    asker_ua, other_ua = aliased(ua), aliased(ua)
    child = (
        select(pl.student_id)
        .join(pa, pa.id == pl.parent_id)
        .where(pa.person_id == asker_ua.person_id)
        .order_by(pl.student_id)
        .limit(1)
        .correlate(asker_ua)
        .scalar_subquery()
    )
    addressee = (
        select(em.id)
        .join(other_ua, other_ua.person_id == em.person_id)
        .join(tp, tp.user_id == other_ua.id)
        .where(tp.thread_id == th.id, tp.user_id != th.created_by_user_id)
        .order_by(em.id)
        .limit(1)
        .correlate(th)
        .scalar_subquery()
    )
    asked_from = dt.datetime.combine(period.starts_on, dt.time.min, tzinfo=dt.UTC)
    asked_to = dt.datetime.combine(min(period.ends_on, today), dt.time.max, tzinfo=dt.UTC)
    rows = (
        await session.execute(
            select(
                th.created_at,
                th.answered_at,
                pe.surname,
                pe.name,
                pe.patronymic,
                gm.group_id,
                addressee.label("teacher"),
            )
            .join(asker_ua, asker_ua.id == th.created_by_user_id)
            .join(st, st.id == child)
            .join(pe, pe.id == st.person_id)
            .join(gm, and_(gm.student_id == st.id, membership_current(today)))
            .where(
                th.answer_due.is_(True),
                th.created_at >= asked_from,
                th.created_at <= asked_to,
                gm.group_id.in_(level.groups),
                ctx.authorizer.where("student", "read"),
            )
        )
    ).all()
    days_off, transfers = p.calendar
    found: list[_Late] = []
    for asked_at, answered_at, surname, name, patronymic, group_id, teacher in rows:
        asked_on = asked_at.date()
        deadline = answer_due_on(asked_on, days, working, days_off, transfers)
        answered_on = answered_at.date() if answered_at is not None else None
        late = answered_on > deadline if answered_on is not None else deadline < today
        if late:
            who = short_name(surname, name, patronymic)
            found.append(_Late(asked_on, deadline, group_id, None, teacher, who, answered_on))
    _rank(kind, found, p.counts, p.raw)


def notice_due_on(
    starts_on: dt.date,
    days: int,
    working: bool,
    days_off: set[dt.date],
    transfers: dict[dt.date, dt.date],
) -> dt.date:
    """The last day an event on ``starts_on`` may be announced ``days`` ahead of it: in
    calendar days, that many before; in working days, the last day from which ``starts_on``
    is no nearer than ``days`` working days (announced on a Friday, a Tuesday's event is 2
    working days ahead: Monday, Tuesday)."""
    if not working:
        return starts_on - dt.timedelta(days=days)
    day = starts_on - dt.timedelta(days=1)
    for _ in range(366):
        if working_days_after(day, days, days_off=days_off, transfers=transfers) <= starts_on:
            return day
        day -= dt.timedelta(days=1)
    raise ValueError(f"no day {days} working days before {starts_on}")


async def _late_announcements(p: _Pass) -> None:
    """Events of the period (by their first day) published later than their kind's lead
    time (:data:`NOTICE_TERMS`), among those the viewer may read. A group's counts under
    the group; one addressed to the whole institution, a department or a role under no
    group (at the institution's level only); each under the employee who published it."""
    ctx, session, period, level = p.ctx, p.session, p.period, p.level
    ruleset = ctx.registry.get(ctx.ruleset_slug or "").ruleset
    terms = {
        kind.value: (days, term.working, term.clause.read(ruleset))
        for kind, term in NOTICE_TERMS.items()
        if (days := term.days.read(ruleset)) is not None
    }
    if not terms:
        return
    a = m.Announcement
    audience: Any = a.group_id.in_(level.groups)
    if level.institution:
        audience = or_(audience, a.group_id.is_(None))
    rows = (
        await session.execute(
            select(
                a.starts_on,
                a.published_at,
                a.kind,
                a.title,
                a.group_id,
                _employee_of(a.author_user_id, a).label("author"),
            ).where(
                a.kind.in_(list(terms)),
                a.starts_on >= period.starts_on,
                a.starts_on <= period.ends_on,
                audience,
                readable(ctx),
            )
        )
    ).all()
    days_off, transfers = p.calendar
    found: list[_Late] = []
    for starts_on, published_at, kind, title, group_id, author in rows:
        days, working, clause = terms[kind]
        deadline = notice_due_on(starts_on, days, working, days_off, transfers)
        published_on = published_at.date()
        if published_on > deadline:
            late = _Late(starts_on, deadline, group_id, None, author, None, published_on, title)
            late.clause = clause
            found.append(late)
    _rank(ComplianceKind.LATE_ANNOUNCEMENT, found, p.counts, p.raw)


async def _late_orders(
    p: _Pass,
) -> None:
    """Expulsion orders entered in the period later than their term after the effective
    date: a row per student expelled, under the group he left and the employee who
    entered the order."""
    ctx, session, period, today, checks, due, level = (
        p.ctx,
        p.session,
        p.period,
        p.today,
        p.checks,
        p.due,
        p.level,
    )
    counts, raw = p.counts, p.raw
    auth = ctx.authorizer
    kind = ComplianceKind.EXPULSION_ORDER
    days = checks[kind].days
    mo, it, st, pe = m.MovementOrder, m.MovementOrderItem, m.Student, m.Person
    author = _employee_of(mo.created_by_user_id, mo)
    rows = (
        await session.execute(
            select(
                mo.effective_on,
                mo.created_on,
                pe.surname,
                pe.name,
                pe.patronymic,
                it.from_group_id,
                author.label("author"),
            )
            .join(it, it.order_id == mo.id)
            .join(st, st.id == it.student_id)
            .join(pe, pe.id == st.person_id)
            .where(
                mo.kind == MovementKind.EXPULSION,
                mo.created_on.is_not(None),
                mo.created_on > mo.effective_on,
                mo.created_on >= period.starts_on,
                mo.created_on <= min(period.ends_on, today),
                it.from_group_id.in_(level.groups),
                auth.where("student", "read"),
            )
        )
    ).all()
    _rank_entered_late(kind, rows, days, due, counts, raw)


def exam_days(entry_from: dt.date, entry_to: dt.date, weekday: int) -> list[dt.date]:
    """The days a weekly exam entry of the timetable falls on within its range."""
    first = entry_from + dt.timedelta(days=(weekday - entry_from.isoweekday()) % 7)
    out: list[dt.date] = []
    day = first
    while day <= entry_to:
        out.append(day)
        day += dt.timedelta(days=7)
    return out


async def _late_attestation_marks(
    p: _Pass,
) -> None:
    """Exams of the timetable in the period, each student of the group that day, and his
    exam or attestation mark: missing past the term, or set after it. Exam entries are
    few (a session per semester), so the matching is done here over four selects."""
    ctx, session, period, today, checks, due, level = (
        p.ctx,
        p.session,
        p.period,
        p.today,
        p.checks,
        p.due,
        p.level,
    )
    counts, raw = p.counts, p.raw
    auth = ctx.authorizer
    kind = ComplianceKind.ATTESTATION_MARK
    days = checks[kind].days
    last = min(period.ends_on, today)
    tt = m.TimetableEntry
    entries = (
        await session.execute(
            select(
                tt.group_id,
                tt.subgroup_id,
                tt.discipline_id,
                tt.teacher_id,
                tt.weekday,
                tt.valid_from,
                tt.valid_to,
            ).where(
                tt.kind == TimetableKind.EXAM,
                tt.valid_from <= last,
                tt.valid_to >= period.starts_on,
                tt.group_id.in_(level.groups),
                true() if level.discipline_id is None else tt.discipline_id == level.discipline_id,
                auth.where("timetable", "read"),
            )
        )
    ).all()
    exams: list[tuple[int, int | None, int, int, dt.date]] = []
    for group, subgroup, discipline, teacher, weekday, valid_from, valid_to in entries:
        for day in exam_days(max(valid_from, period.starts_on), min(valid_to, last), weekday):
            exams.append((group, subgroup, discipline, teacher, day))
    if not exams:
        return
    groups = {e[0] for e in exams}
    disciplines = {e[2] for e in exams}
    gm, st, pe, sm = m.GroupMembership, m.Student, m.Person, m.SubgroupMember
    members: dict[int, list[tuple[int, dt.date, dt.date | None, str]]] = defaultdict(list)
    for group, student, starts, ends, surname, name, patronymic in (
        await session.execute(
            select(
                gm.group_id,
                gm.student_id,
                gm.starts_on,
                gm.ends_on,
                pe.surname,
                pe.name,
                pe.patronymic,
            )
            .join(st, st.id == gm.student_id)
            .join(pe, pe.id == st.person_id)
            .where(gm.group_id.in_(groups), auth.where("student", "read"))
        )
    ).all():
        members[group].append((student, starts, ends, short_name(surname, name, patronymic)))
    subgroups = {e[1] for e in exams if e[1] is not None}
    in_subgroup: set[tuple[int, int]] = set()
    if subgroups:
        in_subgroup = set(
            (
                await session.execute(
                    select(sm.subgroup_id, sm.student_id).where(sm.subgroup_id.in_(subgroups))
                )
            ).all()
        )
    # Whether the mark exists is the fact checked: asked unfiltered, like final marks.
    fm, pr = m.FinalMark, m.Period
    marks: dict[tuple[int, int], list[tuple[dt.date, dt.date, dt.date | None]]] = defaultdict(list)
    for student, discipline, starts, ends, set_on in (
        await session.execute(
            select(fm.student_id, fm.discipline_id, pr.starts_on, pr.ends_on, fm.set_on)
            .join(pr, pr.id == fm.period_id)
            .where(
                fm.kind.in_(ATTESTATION_KINDS),
                fm.group_id.in_(groups),
                fm.discipline_id.in_(disciplines),
            )
        )
    ).all():
        marks[(student, discipline)].append((starts, ends, set_on))

    found: list[_Late] = []
    for group, subgroup, discipline, teacher, day in exams:
        deadline = due(day, days)
        for student, starts, ends, student_name in members[group]:
            if not (starts <= day and (ends is None or ends > day)):
                continue
            if subgroup is not None and (subgroup, student) not in in_subgroup:
                continue
            answers = [s for a, b, s in marks[(student, discipline)] if a <= day <= b]
            if answers:
                if any(s is None or s <= deadline for s in answers):
                    continue
                done: dt.date | None = min(s for s in answers if s is not None)
            elif deadline < today:
                done = None
            else:
                continue
            found.append(_Late(day, deadline, group, discipline, teacher, student_name, done))
    _rank(kind, found, counts, raw)


async def _require_level(ctx: Context, group_id: int | None, discipline_id: int | None) -> None:
    """The level's own object (``report.institution``, ``report``, ``report.subject``,
    vocabulary.REPORT_OBJECTS) must allow ``read`` on the row asked; NOT_FOUND for a group
    outside the viewer's institutions."""
    auth = ctx.authorizer
    viewer = ctx.viewer
    assert viewer is not None
    if group_id is None:
        if discipline_id is not None:
            raise ComplianceNotFound
        target = auth.target("report.institution", institution_id=viewer.institution_id)
        await auth.require("report.institution", "read", target)
        return
    async with ctx.session() as session:
        group = await target_of(session, "report", group_id)
    if group is None:
        raise ComplianceNotFound
    if discipline_id is None:
        await auth.require("report", "read", group)
        return
    subject = dataclasses.replace(
        auth.retarget(group, "report.subject"), discipline_id=discipline_id
    )
    await auth.require("report.subject", "read", subject)


def _missing_final_marks(ctx: Context, period: m.Period, in_period: Any) -> Any:
    """(group, discipline, student, surname, name, patronymic) without a final mark."""
    auth = ctx.authorizer
    le, gm, fm, sm = m.Lesson, m.GroupMembership, m.FinalMark, m.SubgroupMember
    st, pe = m.Student, m.Person
    pairs = select(le.group_id, le.discipline_id).where(in_period).distinct().subquery("pairs")
    end = period.ends_on
    l2 = aliased(m.Lesson)
    subgroups = select(sm.subgroup_id).where(sm.student_id == gm.student_id).correlate(gm)
    taught_to_student = exists(
        select(l2.id)
        .where(
            l2.group_id == pairs.c.group_id,
            l2.discipline_id == pairs.c.discipline_id,
            l2.date >= period.starts_on,
            l2.date <= end,
            or_(l2.subgroup_id.is_(None), l2.subgroup_id.in_(subgroups)),
        )
        .correlate(pairs, gm)
    )
    final_filter = auth.where(
        "final_mark",
        "read",
        SqlAnchors(
            institution=gm.institution_id,
            group=pairs.c.group_id,
            discipline=pairs.c.discipline_id,
            student=gm.student_id,
            date=literal(end, Date),
            author=null(),
        ),
    )
    return (
        select(
            pairs.c.group_id,
            pairs.c.discipline_id,
            gm.student_id,
            pe.surname,
            pe.name,
            pe.patronymic,
        )
        .select_from(pairs)
        .join(gm, gm.group_id == pairs.c.group_id)
        .join(st, st.id == gm.student_id)
        .join(pe, pe.id == st.person_id)
        .where(
            gm.starts_on <= end,
            or_(gm.ends_on.is_(None), gm.ends_on > end),
            taught_to_student,
            ~exists(
                select(fm.id)
                .where(
                    fm.student_id == gm.student_id,
                    fm.discipline_id == pairs.c.discipline_id,
                    fm.period_id == period.id,
                )
                .correlate(pairs, gm)
            ),
            auth.where("student", "read"),
            final_filter,
        )
        .distinct()
        .subquery("missing")
    )


async def _names(
    ctx: Context,
    session: Any,
    counts: Sequence[tuple[ComplianceKind, int | None, int | None, int]],
    raw: Sequence[_RawExample],
) -> _Names:
    auth = ctx.authorizer
    groups = {g for _, g, _, _ in counts if g is not None} | {
        e.group for e in raw if e.group is not None
    }
    teachers = {t for _, _, t, _ in counts if t is not None} | {
        e.teacher for e in raw if e.teacher is not None
    }
    disciplines = {e.discipline for e in raw if e.discipline is not None}
    names = _Names()
    if groups:
        g = m.StudyGroup
        names.groups = dict(
            (
                await session.execute(
                    select(g.id, g.name).where(g.id.in_(groups), auth.where("report", "read"))
                )
            ).all()
        )
    if disciplines:
        d = m.Discipline
        names.disciplines = dict(
            (
                await session.execute(
                    select(d.id, d.name).where(
                        d.id.in_(disciplines), auth.where("discipline", "read")
                    )
                )
            ).all()
        )
    if teachers:
        e, p = m.Employee, m.Person
        names.teachers = {
            eid: short_name(surname, name, patronymic)
            for eid, surname, name, patronymic in (
                await session.execute(
                    select(e.id, p.surname, p.name, p.patronymic)
                    .join(p, p.id == e.person_id)
                    .where(e.id.in_(teachers), auth.where("employee", "read"))
                )
            ).all()
        }
    return names


def _fmt(day: dt.date) -> str:
    return f"{day:%d.%m.%Y}"


def _assemble(
    period: m.Period,
    today: dt.date,
    ruleset: str,
    checks: dict[ComplianceKind, ComplianceCheck],
    counts: Sequence[tuple[ComplianceKind, int | None, int | None, int]],
    raw: Sequence[_RawExample],
    names: _Names,
    lang: str,
) -> ComplianceData:
    by_group: dict[int, ComplianceRow] = {}
    by_teacher: dict[int, ComplianceRow] = {}

    def group_row(gid: int) -> ComplianceRow:
        row = by_group.get(gid)
        if row is None:
            row = ComplianceRow(to_global_id("Group", gid), names.groups.get(gid, "—"))
            by_group[gid] = row
        return row

    def teacher_row(tid: int) -> ComplianceRow:
        row = by_teacher.get(tid)
        if row is None:
            row = ComplianceRow(to_global_id("Employee", tid), names.teachers.get(tid, "—"))
            by_teacher[tid] = row
        return row

    # A teacher whose card the viewer may not read is left out of the per-teacher rows.
    for kind, group, teacher, n in counts:
        checks[kind].count += n
        if group is not None:
            group_row(group).counts.add(kind, n)
        if teacher is not None and teacher in names.teachers:
            teacher_row(teacher).counts.add(kind, n)

    per_teacher_seen: dict[tuple[int, ComplianceKind], int] = defaultdict(int)
    for e in raw:
        example = ComplianceExample(
            kind=e.kind,
            date=e.date,
            deadline=e.deadline,
            group_id=None if e.group is None else to_global_id("Group", e.group),
            group_name="—" if e.group is None else names.groups.get(e.group, "—"),
            discipline_name=names.disciplines.get(e.discipline) if e.discipline else None,
            teacher_name=names.teachers.get(e.teacher) if e.teacher else None,
            student_name=e.student_name,
            lesson_id=to_global_id("Lesson", e.lesson) if e.lesson else None,
            text="",
            done_on=e.done_on,
        )
        example.text = message(
            f"compliance_example_{e.kind.value}"
            + ("_late" if e.kind is ComplianceKind.ATTESTATION_MARK and e.done_on else ""),
            lang,
            date=_fmt(e.date),
            deadline=_fmt(e.deadline),
            group=example.group_name,
            discipline=example.discipline_name or "—",
            student=example.student_name or "—",
            teacher=example.teacher_name or "—",
            done=_fmt(e.done_on) if e.done_on else "—",
            title=e.title or "—",
        )
        clause = checks[e.kind].clause if e.clause is None else e.clause
        if clause:
            example.text += f" — {clause}"
        if e.first:
            checks[e.kind].examples.append(example)
        if e.of_group and e.group is not None:
            group_row(e.group).examples.append(example)
        if e.of_teacher and e.teacher is not None and e.teacher in names.teachers:
            key = (e.teacher, e.kind)
            if per_teacher_seen[key] < EXAMPLES_EACH:
                per_teacher_seen[key] += 1
                teacher_row(e.teacher).examples.append(example)

    def ordered(rows: dict[int, ComplianceRow]) -> list[ComplianceRow]:
        return sorted(rows.values(), key=lambda r: (-r.counts.total, r.name, r.id))

    for rows in (by_group, by_teacher):
        for row in rows.values():
            row.examples.sort(key=lambda x: (x.date, x.kind.value, x.group_name))
    return ComplianceData(
        period=period,
        today=today,
        ruleset=ruleset,
        checks=list(checks.values()),
        by_group=ordered(by_group),
        by_teacher=ordered(by_teacher),
    )
