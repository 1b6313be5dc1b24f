"""Closed vocabularies of the domain, stored by value."""

from __future__ import annotations

import enum


class InstitutionKind(enum.StrEnum):
    SCHOOL = "school"
    COLLEGE = "college"


class PeriodKind(enum.StrEnum):
    QUARTER = "quarter"
    HALF_YEAR = "half_year"
    SEMESTER = "semester"
    YEAR = "year"


class DisciplineKind(enum.StrEnum):
    SUBJECT = "subject"  # учебный предмет (school)
    UD = "ud"  # учебная дисциплина
    MDK = "mdk"  # междисциплинарный курс
    PM = "pm"  # профессиональный модуль
    PRACTICE = "practice"  # учебная / производственная практика


class AttestationForm(enum.StrEnum):
    EXAM = "exam"
    CREDIT = "credit"
    GRADED_CREDIT = "graded_credit"
    COURSEWORK = "coursework"
    NONE = "none"


class Sex(enum.StrEnum):
    MALE = "male"
    FEMALE = "female"


class StudentStatus(enum.StrEnum):
    STUDYING = "studying"
    ACADEMIC_LEAVE = "academic_leave"
    EXPELLED = "expelled"
    GRADUATED = "graduated"


class LessonType(enum.StrEnum):
    LESSON = "lesson"  # урок / комбинированное занятие
    LECTURE = "lecture"
    PRACTICAL = "practical"
    LABORATORY = "laboratory"
    SEMINAR = "seminar"
    CONTROL = "control"
    EXCURSION = "excursion"
    CONSULTATION = "consultation"
    EXAM = "exam"


class WorkKind(enum.StrEnum):
    CONTROL = "control"  # контрольная работа
    INDEPENDENT = "independent"  # самостоятельная
    CHECK = "check"  # проверочная
    PRACTICAL = "practical"  # практическая
    LABORATORY = "laboratory"  # лабораторная
    TEST = "test"  # тестовая
    ORAL = "oral"  # устный ответ
    HOMEWORK = "homework"  # домашняя работа
    DICTATION = "dictation"  # диктант
    ESSAY = "essay"  # сочинение
    CLASSWORK = "classwork"  # работа на уроке


#: Works that count towards Armavir's "≥ 50 % of graded works done" condition.
GRADED_WORK_KINDS = frozenset(
    {WorkKind.CONTROL, WorkKind.CHECK, WorkKind.INDEPENDENT, WorkKind.PRACTICAL, WorkKind.TEST}
)


class AttendanceStatus(enum.StrEnum):
    ABSENT = "absent"
    LATE = "late"


class AbsenceReason(enum.StrEnum):
    EXCUSED = "excused"
    UNEXCUSED = "unexcused"
    ILLNESS = "illness"


class FinalMarkKind(enum.StrEnum):
    PERIOD = "period"  # четвертная / полугодовая
    SEMESTER = "semester"
    YEAR = "year"
    EXAM = "exam"
    ATTESTATION = "attestation"  # промежуточная аттестация
    FINAL = "final"  # итоговая


class MovementKind(enum.StrEnum):
    ENROLMENT = "enrolment"
    TRANSFER = "transfer"
    ACADEMIC_LEAVE = "academic_leave"
    RETURN = "return"
    EXPULSION = "expulsion"
    GRADUATION = "graduation"


class TimetableKind(enum.StrEnum):
    LESSON = "lesson"
    EXAM = "exam"
    STATE_EXAM = "state_exam"


class ParentKind(enum.StrEnum):
    MOTHER = "mother"
    FATHER = "father"
    GUARDIAN = "guardian"


class FundingSource(enum.StrEnum):
    BUDGET = "budget"
    CONTRACT = "contract"


class StudyForm(enum.StrEnum):
    FULL_TIME = "full_time"
    PART_TIME = "part_time"
    EXTRAMURAL = "extramural"


class PortfolioKind(enum.StrEnum):
    """What a portfolio entry records (Tomsk разд. 6; Altai п. 3.4, 4.3; NSHDS 12 разд. 4)."""

    ACHIEVEMENT = "achievement"
    CERTIFICATE = "certificate"
    PROJECT = "project"
    COMPETITION_RESULT = "competition_result"
    PUBLICATION = "publication"


class PortfolioStatus(enum.StrEnum):
    """A draft is its author's; a confirmed entry was checked by whom the ruleset names."""

    DRAFT = "draft"
    CONFIRMED = "confirmed"


class AnnouncementKind(enum.StrEnum):
    """What an announcement is: news, or a dated event of the calendar."""

    ANNOUNCEMENT = "announcement"
    CLASS_MEETING = "class_meeting"  # классный час, родительское собрание
    HOLIDAY = "holiday"  # праздник, каникулы
    DAY_TRANSFER = "day_transfer"  # перенос учебного дня, объявленный заранее
    OTHER = "other"


class Audience(enum.StrEnum):
    """Whom an announcement is addressed to (which audience column is set)."""

    INSTITUTION = "institution"
    DEPARTMENT = "department"
    GROUP = "group"
    ROLE = "role"
