"""The electronic diary (электронный дневник): one student's lessons, homework, works with
his marks, attendance and final marks over a range of dates.

Whose diary: a student's own; a parent's child (``child`` chooses among several); any
other viewer may name a ``child`` he may read (a curator opening a student's diary) — every
row is still filtered by the viewer's ruleset, so each sees only what his lines grant
(the student ``self``, the parent ``own_child``).

Three statements whatever the range: the student, one row per lesson × work (with the
student's mark, attendance, individual homework, the discipline and teacher joined, each
join carrying its own object's filter), and the final marks of periods overlapping the
range.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import and_, case, exists, null, or_, select

from campusgraph.context import Context
from campusgraph.db import models as m
from campusgraph.db.enums import (
    AbsenceReason,
    AttendanceStatus,
    FinalMarkKind,
    LessonType,
    WorkKind,
)
from campusgraph.ids import to_global_id
from campusgraph.policies.engine import Forbidden
from campusgraph.policies.scopes import SqlAnchors

#: The longest range one diary request may span (a school year and a bit).
MAX_DAYS = 400


class DiaryRangeError(ValueError):
    pass


class DiaryChildAmbiguous(LookupError):
    """A parent of several children named none."""


class DiaryStudentNotFound(LookupError):
    pass


@dataclass(slots=True)
class DiaryWork:
    id: str
    kind: WorkKind
    number: int | None
    title: str | None
    mark: str | None
    mark_id: str | None
    mark_version: int | None


@dataclass(slots=True)
class DiaryLesson:
    id: str
    date: dt.date
    slot: int
    discipline_id: str
    discipline_name: str | None
    teacher_name: str | None
    topic: str | None
    lesson_type: LessonType
    homework: str | None
    individual_homework: str | None
    attendance: AttendanceStatus | None
    absence_reason: AbsenceReason | None
    attendance_version: int | None
    works: list[DiaryWork] = field(default_factory=list)

    @property
    def marks(self) -> list[str]:
        return [w.mark for w in self.works if w.mark is not None]


@dataclass(slots=True)
class DiaryDay:
    date: dt.date
    lessons: list[DiaryLesson] = field(default_factory=list)


@dataclass(slots=True)
class DiaryFinalMark:
    id: str
    discipline_id: str
    discipline_name: str | None
    period_id: str
    period_name: str
    kind: FinalMarkKind
    value: str
    date: dt.date
    version: int


@dataclass(slots=True)
class DiaryData:
    student: m.Student
    person: m.Person
    date_from: dt.date
    date_to: dt.date
    days: list[DiaryDay]
    final_marks: list[DiaryFinalMark]


def short_name(surname: str, name: str | None, patronymic: str | None) -> str:
    """«Иванов И.И.» — as ``Employee.shortName`` spells it."""
    initials = "".join(f"{x[0]}." for x in (name, patronymic) if x)
    return f"{surname} {initials}".strip()


async def _whose(ctx: Context, child_id: int | None) -> tuple[m.Student, m.Person] | None:
    """The student whose diary this is, read through the ``student`` filter."""
    viewer = ctx.viewer
    assert viewer is not None
    auth = ctx.authorizer
    st, pe = m.Student, m.Person
    base = select(st, pe).join(pe, pe.id == st.person_id).where(auth.where("student", "read"))
    async with ctx.session() as session:
        if child_id is not None:
            row = (await session.execute(base.where(st.id == child_id))).first()
            if row is not None:
                return row[0], row[1]
            # Not readable: explain the refusal with the policy decision on the real row
            # (tenant-scoped, so another institution's student is simply not found).
            hidden = (
                await session.execute(select(st.id, st.person_id).where(st.id == child_id))
            ).first()
            if hidden is None:
                raise DiaryStudentNotFound
            target = auth.target(
                "student",
                institution_id=viewer.institution_id,
                student_ids=frozenset({hidden[0]}),
                person_id=hidden[1],
            )
            raise Forbidden(await auth.check("student", "read", target))
        if viewer.student_id is not None:
            row = (await session.execute(base.where(st.id == viewer.student_id))).first()
            return (row[0], row[1]) if row is not None else None
        if viewer.parent_id is not None:
            pl = m.ParentLink
            rows = (
                await session.execute(
                    base.join(pl, pl.student_id == st.id)
                    .where(pl.parent_id == viewer.parent_id)
                    .order_by(pe.surname, pe.name, st.id)
                )
            ).all()
            if len(rows) > 1:
                raise DiaryChildAmbiguous
            return (rows[0][0], rows[0][1]) if rows else None
    return None


async def load_diary(
    ctx: Context, date_from: dt.date, date_to: dt.date, child_id: int | None
) -> DiaryData | None:
    """The diary, or None when the viewer is neither a student nor a parent and named no
    child (or his own card is not readable)."""
    if date_from > date_to or (date_to - date_from).days > MAX_DAYS:
        raise DiaryRangeError
    whose = await _whose(ctx, child_id)
    if whose is None:
        return None
    student, person = whose
    sid = student.id
    auth = ctx.authorizer

    le, wo, mk, at, ih = m.Lesson, m.Work, m.Mark, m.Attendance, m.IndividualHomework
    d, emp, tp = m.Discipline, m.Employee, m.Person
    gm, sm = m.GroupMembership, m.SubgroupMember
    # Correlated to the lesson only, said explicitly (policy filters join more tables).
    in_group = exists(
        select(gm.id)
        .where(
            gm.student_id == sid,
            gm.group_id == le.group_id,
            gm.starts_on <= le.date,
            or_(gm.ends_on.is_(None), gm.ends_on > le.date),
        )
        .correlate(le)
    )
    in_subgroup = or_(
        le.subgroup_id.is_(None),
        exists(
            select(sm.id)
            .where(sm.subgroup_id == le.subgroup_id, sm.student_id == sid)
            .correlate(le)
        ),
    )
    # Individual homework has no object of its own: it is the lesson's homework for one
    # student, so it needs both the lesson (already filtered) and that student readable.
    homework_person = (
        select(m.Student.person_id)
        .where(m.Student.id == ih.student_id)
        .correlate(ih)
        .scalar_subquery()
    )
    homework_filter = auth.where(
        "student",
        "read",
        SqlAnchors(institution=ih.institution_id, student=ih.student_id, person=homework_person),
    )
    reason_filter = auth.where("attendance.reason", "read")
    lesson_rows = (
        select(
            le.id,
            le.date,
            le.slot,
            le.discipline_id,
            d.name,
            tp.surname,
            tp.name,
            tp.patronymic,
            le.topic,
            le.lesson_type,
            le.homework,
            ih.text,
            at.status,
            case((reason_filter, at.reason), else_=null()),
            at.version,
            wo.id,
            wo.kind,
            wo.number,
            wo.title,
            mk.value,
            mk.id,
            mk.version,
        )
        .select_from(le)
        .outerjoin(d, and_(d.id == le.discipline_id, auth.where("discipline", "read")))
        .outerjoin(emp, and_(emp.id == le.teacher_id, auth.where("employee", "read")))
        .outerjoin(tp, tp.id == emp.person_id)
        .outerjoin(ih, and_(ih.lesson_id == le.id, ih.student_id == sid, homework_filter))
        .outerjoin(
            at, and_(at.lesson_id == le.id, at.student_id == sid, auth.where("attendance", "read"))
        )
        .outerjoin(wo, and_(wo.lesson_id == le.id, auth.where("work", "read")))
        .outerjoin(mk, and_(mk.work_id == wo.id, mk.student_id == sid, auth.where("mark", "read")))
        .where(
            le.date >= date_from,
            le.date <= date_to,
            in_group,
            in_subgroup,
            auth.where("lesson", "read"),
        )
        .order_by(le.date, le.slot, le.id, wo.id)
    )

    fm, p = m.FinalMark, m.Period
    final_rows = (
        select(
            fm.id, fm.discipline_id, d.name, p.id, p.name, fm.kind, fm.value, fm.date, fm.version
        )
        .select_from(fm)
        .join(p, p.id == fm.period_id)
        .outerjoin(d, and_(d.id == fm.discipline_id, auth.where("discipline", "read")))
        .where(
            fm.student_id == sid,
            p.starts_on <= date_to,
            p.ends_on >= date_from,
            auth.where("final_mark", "read"),
        )
        .order_by(p.starts_on, p.ends_on, d.name, fm.kind)
    )
    async with ctx.session() as session:
        lessons = (await session.execute(lesson_rows)).all()
        finals = (await session.execute(final_rows)).all()

    days: list[DiaryDay] = []
    by_id: dict[int, DiaryLesson] = {}
    for (
        lid,
        date,
        slot,
        did,
        dname,
        t_surname,
        t_name,
        t_patronymic,
        topic,
        ltype,
        homework,
        individual,
        status,
        reason,
        attendance_version,
        wid,
        wkind,
        wnum,
        wtitle,
        value,
        mid,
        mark_version,
    ) in lessons:
        lesson = by_id.get(lid)
        if lesson is None:
            if not days or days[-1].date != date:
                days.append(DiaryDay(date))
            lesson = DiaryLesson(
                id=to_global_id("Lesson", lid),
                date=date,
                slot=slot,
                discipline_id=to_global_id("Discipline", did),
                discipline_name=dname,
                teacher_name=short_name(t_surname, t_name, t_patronymic) if t_surname else None,
                topic=topic,
                lesson_type=ltype,
                homework=homework,
                individual_homework=individual,
                attendance=status,
                absence_reason=reason,
                attendance_version=attendance_version,
            )
            by_id[lid] = lesson
            days[-1].lessons.append(lesson)
        if wid is not None:
            mark_id = to_global_id("Mark", mid) if mid is not None else None
            lesson.works.append(
                DiaryWork(
                    to_global_id("Work", wid), wkind, wnum, wtitle, value, mark_id, mark_version
                )
            )

    final_marks = [
        DiaryFinalMark(
            id=to_global_id("FinalMark", fid),
            discipline_id=to_global_id("Discipline", did),
            discipline_name=dname,
            period_id=to_global_id("Period", pid),
            period_name=pname,
            kind=kind,
            value=value,
            date=date,
            version=version,
        )
        for fid, did, dname, pid, pname, kind, value, date, version in finals
    ]
    return DiaryData(student, person, date_from, date_to, days, final_marks)
