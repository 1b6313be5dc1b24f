"""A cell as text, the way the printed form shows it (CSV and PDF; XLSX keeps numbers)."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from campusgraph.reports.table import Cell, CellKind

#: What a suppressed (small-cell) or missing figure reads as on paper.
EMPTY = ""


def _places(value: int | float | Decimal, places: int) -> str:
    quantum = Decimal(1).scaleb(-places)
    rounded = Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP)
    return f"{rounded:.{places}f}".replace(".", ",")


def as_text(value: Cell, kind: CellKind) -> str:
    """Decimal comma (the Russian form), two places for an average, one for a percent with
    its sign, dates ``dd.mm.yyyy``."""
    if value is None:
        return EMPTY
    if isinstance(value, dt.date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, str):
        return value
    if kind is CellKind.DECIMAL:
        return _places(value, 2)
    if kind is CellKind.PERCENT:
        return _places(value, 1) + "%"
    if kind is CellKind.INTEGER or isinstance(value, int):
        return str(int(value))
    return str(value).replace(".", ",")
