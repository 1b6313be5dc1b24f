"""A report as a printed table: what the XLSX, CSV and PDF writers take.

The typed GraphQL answer of a report is for screens; this is for paper and spreadsheets:
Russian (or English) headers, the institution's details on top, cells typed so a writer
formats numbers, percentages and dates the way the printed form has them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from collections.abc import Sequence
from decimal import Decimal

Cell = str | int | float | Decimal | dt.date | None


class CellKind(enum.StrEnum):
    TEXT = "text"
    INTEGER = "integer"
    DECIMAL = "decimal"  # an average mark: two places
    PERCENT = "percent"  # 0..100, one place
    DATE = "date"


@dataclasses.dataclass(frozen=True, slots=True)
class Column:
    key: str
    title: str  # in the language asked
    kind: CellKind = CellKind.TEXT


@dataclasses.dataclass(frozen=True, slots=True)
class InstitutionDetails:
    """The header of a printed form (the institution's own details)."""

    name: str
    short_name: str | None = None
    address: str | None = None
    phone: str | None = None
    email: str | None = None
    website: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class ReportTable:
    title: str
    institution: InstitutionDetails | None
    #: Lines under the title: the group, the discipline, the period or dates, the teacher.
    subtitle: Sequence[str]
    columns: Sequence[Column]
    rows: Sequence[Sequence[Cell]]
    #: A last row in bold (totals), or None.
    totals: Sequence[Cell] | None = None
    #: Lines under the table (a note on suppressed cells, a signature line …).
    footer: Sequence[str] = ()
    #: Landscape for wide sheets (a summary sheet has a column per discipline).
    landscape: bool = False
