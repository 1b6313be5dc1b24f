"""XLSX: the printed form in a spreadsheet. Numbers stay numbers (a deputy sums a column
himself), formatted by kind; the header is frozen and printed on every page."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from campusgraph.i18n import message
from campusgraph.reports.table import Cell, CellKind, ReportTable

NUMBER_FORMATS = {
    CellKind.INTEGER: "0",
    CellKind.DECIMAL: "0.00",
    CellKind.PERCENT: '0.0"%"',
    CellKind.DATE: "dd.mm.yyyy",
    CellKind.TEXT: "@",
}
_THIN = Side(style="thin", color="808080")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_BOLD = Font(bold=True)
_MAX_WIDTH = 60


def _value(value: Cell) -> str | int | float | dt.date | None:
    # openpyxl writes Decimal too, but as a float it keeps the sheet's own formatting.
    return float(value) if isinstance(value, Decimal) else value


def _details(table: ReportTable) -> list[str]:
    inst = table.institution
    if inst is None:
        return []
    contacts = ", ".join(x for x in (inst.phone, inst.email, inst.website) if x)
    return [x for x in (inst.name, inst.address, contacts) if x]


def write_xlsx(table: ReportTable, language: str = "ru") -> bytes:
    wb = Workbook()
    ws: Worksheet = wb.active
    ws.title = table.title[:31].replace("/", " ") or "Report"
    row = 1
    for line in _details(table):
        ws.cell(row=row, column=1, value=line).font = Font(size=9)
        row += 1
    ws.cell(row=row, column=1, value=table.title).font = Font(bold=True, size=13)
    row += 1
    for line in table.subtitle:
        ws.cell(row=row, column=1, value=line)
        row += 1
    row += 1
    header_row = row
    widths = [len(c.title) for c in table.columns]
    for col, column in enumerate(table.columns, start=1):
        cell = ws.cell(row=row, column=col, value=column.title)
        cell.font = _BOLD
        cell.border = _BOX
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    body = [*table.rows, *([table.totals] if table.totals is not None else [])]
    for index, values in enumerate(body):
        row += 1
        bold = table.totals is not None and index == len(body) - 1
        for col, (value, column) in enumerate(zip(values, table.columns, strict=True), start=1):
            cell = ws.cell(row=row, column=col, value=_value(value))
            cell.border = _BOX
            if value is not None and not isinstance(value, str):
                cell.number_format = NUMBER_FORMATS[column.kind]
            if bold:
                cell.font = _BOLD
            shown = 10 if isinstance(value, dt.date) else len(str(value or ""))
            widths[col - 1] = max(widths[col - 1], shown)
    for line in table.footer:
        row += 2
        ws.cell(row=row, column=1, value=line)
    for col, chars in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = min(max(chars + 2, 6), _MAX_WIDTH)
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.orientation = "landscape" if table.landscape else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.oddFooter.center.text = message("file_page_of", language, page="&P", pages="&N")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
