"""What a report is asked of: its level (from the ids given) and its dates."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from campusgraph.policies.vocabulary import ReportLevel


class BadReportOf(ValueError):
    """The ids and dates asked make no level or no date range; ``key`` names the message."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        #: Values the message names (``{days}`` …).
        self.values = values


@dataclasses.dataclass(frozen=True, slots=True)
class ReportOf:
    """Database ids (already decoded from global ids). The level is the narrowest one the
    ids name: a student, a group with a discipline, a group, a teacher, a department,
    else the institution (the viewer's own, or ``institution_id`` for a region viewer).
    Dates: a period (its start and end) or ``date_from``..``date_to``, not both."""

    institution_id: int | None = None
    department_id: int | None = None
    group_id: int | None = None
    discipline_id: int | None = None
    teacher_id: int | None = None  # an Employee id
    student_id: int | None = None
    period_id: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    @property
    def level(self) -> ReportLevel:
        if self.student_id is not None:
            return ReportLevel.STUDENT
        if self.group_id is not None:
            return ReportLevel.SUBJECT if self.discipline_id is not None else ReportLevel.GROUP
        if self.teacher_id is not None:
            return ReportLevel.TEACHER
        if self.department_id is not None:
            return ReportLevel.DEPARTMENT
        return ReportLevel.INSTITUTION

    def check(self) -> None:
        """Refuse combinations that name no one level or no one date range."""
        named = [
            self.student_id is not None,
            self.group_id is not None,
            self.teacher_id is not None,
            self.department_id is not None,
        ]
        if sum(named) > 1:
            raise BadReportOf("report_one_level")
        if self.discipline_id is not None and self.group_id is None:
            raise BadReportOf("report_discipline_needs_group")
        if self.period_id is not None and (self.date_from or self.date_to):
            raise BadReportOf("report_period_or_dates")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise BadReportOf("report_dates_reversed")

    def to_json(self) -> dict[str, Any]:
        """For a download link: every field, dates as ISO strings."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if value is not None:
                out[f.name] = value.isoformat() if isinstance(value, dt.date) else value
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ReportOf:
        kwargs: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            if f.name in data and data[f.name] is not None:
                value = data[f.name]
                kwargs[f.name] = (
                    dt.date.fromisoformat(value) if f.name.startswith("date") else int(value)
                )
        return cls(**kwargs)
