"""Every report, declared once: the GraphQL query, the file and the command use this.

A report module declares its :class:`ReportSpec` with :func:`report`; the spec says which
levels it may be asked at, whether it lists persons (then its population must be readable
row by row, see :mod:`.access`), how it is built (typed data for the GraphQL answer) and
how that data reads as a printed table (for XLSX, CSV and PDF).
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Awaitable, Callable
from typing import Any

from campusgraph.context import Context
from campusgraph.i18n import message
from campusgraph.policies.vocabulary import ReportLevel
from campusgraph.reports.access import ReportAccess
from campusgraph.reports.table import ReportTable


class ReportName(enum.StrEnum):
    """Every report by name: the GraphQL enum ``ReportName``, the command's NAME."""

    # marks (reports/marks.py)
    GROUP_RESULTS = "group_results"  # итоги успеваемости группы за период
    ACHIEVEMENT_QUALITY = "achievement_quality"  # успеваемость и качество знаний
    STUDENT_AVERAGE = "student_average"  # средний балл обучающегося
    MARK_SUMMARY_SHEET = "mark_summary_sheet"  # сводная ведомость отметок
    EXAM_SHEET = "exam_sheet"  # экзаменационная ведомость
    CREDIT_SHEET = "credit_sheet"  # зачётная ведомость
    # curators, parents, teachers (reports/curator.py)
    ATTENDANCE_SUMMARY_SHEET = "attendance_summary_sheet"  # сводная ведомость посещаемости
    CURATOR_PRELIMINARY = "curator_preliminary"  # предварительный отчёт куратора
    CURATOR_PERIOD = "curator_period"  # отчёт куратора за период
    PARENT_LETTER = "parent_letter"  # информационное письмо родителям
    TEACHER_REPORT = "teacher_report"  # отчёт преподавателя по дисциплине за период
    STUDY_CERTIFICATE = "study_certificate"  # справка об обучении
    # administration (reports/administration.py)
    CLASS_OCCUPANCY = "class_occupancy"  # занятость аудиторий
    STUDENT_MOVEMENT = "student_movement"  # движение контингента
    TEACHER_HOURS = "teacher_hours"  # часы по плану и выданные
    USER_ACTIVITY = "user_activity"  # активность пользователей
    JOURNAL_FILLING = "journal_filling"  # заполнение журнала
    HR_LIST = "hr_list"  # список сотрудников


@dataclasses.dataclass(frozen=True, slots=True)
class ReportSpec:
    name: ReportName
    levels: frozenset[ReportLevel]
    #: The object whose rows the report lists by name ("student", "employee"), or None
    #: for an aggregate (which a region viewer gets with small cells suppressed).
    personal: str | None
    #: Typed data for the GraphQL answer; called after :func:`.access.authorize`.
    build: Callable[[Context, ReportAccess], Awaitable[Any]]
    #: That data as a printed table, in ``lang`` ("ru" or "en").
    table: Callable[[Any, ReportAccess, str], ReportTable]
    #: Whether a PDF is offered (the printed forms: journal, sheets, letter, certificate).
    printable: bool = False

    def title(self, lang: str) -> str:
        """The title, from the catalogs: ``report_title_<name>``."""
        return message(f"report_title_{self.name.value}", lang)


REPORTS: dict[ReportName, ReportSpec] = {}


def report(spec: ReportSpec) -> ReportSpec:
    """Declare ``spec``; twice the same name is a programming error."""
    if spec.name in REPORTS:
        raise ValueError(f"report {spec.name} declared twice")
    REPORTS[spec.name] = spec
    return spec
