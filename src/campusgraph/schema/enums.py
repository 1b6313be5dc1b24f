"""The domain's enums, exposed to GraphQL under the same names."""

from __future__ import annotations

import enum
from typing import TypeVar

import strawberry

from campusgraph.db import enums as e

E = TypeVar("E", bound=enum.Enum)


def described(cls: type[E], texts: dict[str, str]) -> type[E]:
    """Each value's description, for an enum strawberry has already wrapped (it takes
    value descriptions only from ``enum_value`` members, and these enums are the
    database's, free of GraphQL). Every value must have one: a ``KeyError`` otherwise."""
    for value in getattr(cls, "__strawberry_definition__").values:  # noqa: B009
        value.description = texts[value.name]
    return cls


InstitutionKind = described(
    strawberry.enum(e.InstitutionKind, description="School or college (СПО)."),
    {
        "SCHOOL": "A general-education school (школа): classes, quarters or half-years.",
        "COLLEGE": "A college or technikum of secondary vocational education (СПО): groups, "
        "semesters, disciplines, МДК and modules.",
    },
)
PeriodKind = described(
    strawberry.enum(e.PeriodKind, description="Quarter, half-year, semester or year."),
    {
        "QUARTER": "A quarter (четверть) of a school year.",
        "HALF_YEAR": "A half-year (полугодие) of a school year.",
        "SEMESTER": "A semester of a college year.",
        "YEAR": "The whole academic year.",
    },
)
DisciplineKind = described(
    strawberry.enum(
        e.DisciplineKind, description="Subject (school), УД, МДК, ПМ or practice (college)."
    ),
    {
        "SUBJECT": "A school subject (учебный предмет).",
        "UD": "A discipline (учебная дисциплина, УД) of a college curriculum.",
        "MDK": "An interdisciplinary course (междисциплинарный курс, МДК) within a module.",
        "PM": "A professional module (профессиональный модуль, ПМ).",
        "PRACTICE": "Training or work practice (учебная / производственная практика).",
    },
)
AttestationForm = described(
    strawberry.enum(e.AttestationForm, description="Form of attestation."),
    {
        "EXAM": "An exam (экзамен): a mark «2»..«5».",
        "CREDIT": "A credit (зачёт): pass or fail.",
        "GRADED_CREDIT": "A graded credit (дифференцированный зачёт): a mark «2»..«5».",
        "COURSEWORK": "A coursework defence (курсовая работа): a mark «2»..«5».",
        "NONE": "No attestation in this period.",
    },
)
Sex = described(
    strawberry.enum(e.Sex, description="Sex as recorded in the card."),
    {"MALE": "Male.", "FEMALE": "Female."},
)
StudentStatus = described(
    strawberry.enum(
        e.StudentStatus, description="Studying, on academic leave, expelled or graduated."
    ),
    {
        "STUDYING": "Enrolled and studying.",
        "ACADEMIC_LEAVE": "On academic leave (академический отпуск) by an order; returns "
        "by a RETURN order.",
        "EXPELLED": "Expelled (отчислен) by an order.",
        "GRADUATED": "Graduated (выпущен) by an order.",
    },
)
LessonType = described(
    strawberry.enum(e.LessonType, description="Kind of lesson."),
    {
        "LESSON": "A lesson (урок, комбинированное занятие).",
        "LECTURE": "A lecture (лекция).",
        "PRACTICAL": "A practical class (практическое занятие).",
        "LABORATORY": "A laboratory class (лабораторная работа).",
        "SEMINAR": "A seminar (семинар).",
        "CONTROL": "A test lesson (контрольное занятие).",
        "EXCURSION": "An excursion (экскурсия).",
        "CONSULTATION": "A consultation (консультация), e.g. before an exam.",
        "EXAM": "An exam (экзамен).",
    },
)
WorkKind = described(
    strawberry.enum(
        e.WorkKind, description="Kind of graded work: контрольная, самостоятельная, устный ответ …"
    ),
    {
        "CONTROL": "A test (контрольная работа).",
        "INDEPENDENT": "Independent work (самостоятельная работа).",
        "CHECK": "A check-up (проверочная работа).",
        "PRACTICAL": "Practical work (практическая работа).",
        "LABORATORY": "Laboratory work (лабораторная работа).",
        "TEST": "A written test (тестовая работа).",
        "ORAL": "An oral answer (устный ответ).",
        "HOMEWORK": "Homework (домашняя работа).",
        "DICTATION": "A dictation (диктант).",
        "ESSAY": "An essay (сочинение).",
        "CLASSWORK": "Work in class (работа на уроке).",
    },
)
AttendanceStatus = described(
    strawberry.enum(e.AttendanceStatus, description="Absent or late; presence is the default."),
    {
        "ABSENT": "Missed the lesson.",
        "LATE": "Came late.",
    },
)
AbsenceReason = described(
    strawberry.enum(e.AbsenceReason, description="Excused, unexcused or illness."),
    {
        "EXCUSED": "Excused (уважительная причина), other than illness.",
        "UNEXCUSED": "Without an excuse (неуважительная причина).",
        "ILLNESS": "Illness (болезнь), with or without a certificate.",
    },
)
FinalMarkKind = described(
    strawberry.enum(e.FinalMarkKind, description="Which final mark."),
    {
        "PERIOD": "For a quarter or half-year (четвертная / полугодовая).",
        "SEMESTER": "For a semester (семестровая).",
        "YEAR": "For the year (годовая).",
        "EXAM": "The exam's mark (экзаменационная).",
        "ATTESTATION": "The interim attestation's mark (промежуточная аттестация).",
        "FINAL": "The final mark (итоговая).",
    },
)
MovementKind = described(
    strawberry.enum(e.MovementKind, description="Kind of movement order."),
    {
        "ENROLMENT": "Enrolment (зачисление) into a group.",
        "TRANSFER": "Transfer (перевод) to another group.",
        "ACADEMIC_LEAVE": "Academic leave (академический отпуск).",
        "RETURN": "Return from academic leave (выход из академического отпуска).",
        "EXPULSION": "Expulsion (отчисление).",
        "GRADUATION": "Graduation (выпуск).",
    },
)
TimetableKind = described(
    strawberry.enum(e.TimetableKind, description="Lesson, exam-session or state-exam slot."),
    {
        "LESSON": "A regular lesson of the timetable.",
        "EXAM": "An exam of the examination session (экзаменационная сессия).",
        "STATE_EXAM": "A state final attestation exam (ГИА).",
    },
)
ParentKind = described(
    strawberry.enum(e.ParentKind, description="Mother, father or guardian."),
    {
        "MOTHER": "Mother.",
        "FATHER": "Father.",
        "GUARDIAN": "Legal guardian or trustee (опекун, попечитель).",
    },
)
FundingSource = described(
    strawberry.enum(e.FundingSource, description="Budget or contract."),
    {
        "BUDGET": "A state-funded place (бюджет).",
        "CONTRACT": "A fee-paying place under a contract (договор).",
    },
)
StudyForm = described(
    strawberry.enum(e.StudyForm, description="Full-time, part-time or extramural."),
    {
        "FULL_TIME": "Full-time (очная).",
        "PART_TIME": "Part-time, evening (очно-заочная).",
        "EXTRAMURAL": "Extramural, by correspondence (заочная).",
    },
)
AnnouncementKind = described(
    strawberry.enum(e.AnnouncementKind, description="News, or a dated event of the calendar."),
    {
        "ANNOUNCEMENT": "An announcement (объявление): news of the institution.",
        "CLASS_MEETING": "A class or parents' meeting (классный час, родительское собрание).",
        "HOLIDAY": "A holiday or vacation (праздник, каникулы).",
        "DAY_TRANSFER": "A study day moved to another date, announced ahead (перенос дня).",
        "OTHER": "Any other event (мероприятие).",
    },
)
Audience = described(
    strawberry.enum(e.Audience, description="Whom an announcement is addressed to."),
    {
        "INSTITUTION": "The whole institution (общего характера).",
        "DEPARTMENT": "One department (отделение) and its groups.",
        "GROUP": "One group or class.",
        "ROLE": "The holders of one role of the ruleset (parents, teachers …).",
    },
)
