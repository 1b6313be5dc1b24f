"""Reading and writing the two file formats of the lists: CSV and XLSX.

CSV is what Russian Excel writes: UTF-8 (with or without the BOM; Windows-1251 is also
read), cells separated by ``;`` — a ``,``-separated file is read too, the separator being
whichever the header row uses. Written CSV has the BOM, ``;`` and CRLF, so Excel opens it
with the Cyrillic intact and the columns split.

Rows are numbered as the user sees them: the header is row 1, in CSV as in XLSX (where
the sheet's own row numbers are used, so blank rows keep the numbering).
"""

from __future__ import annotations

import csv
import datetime as dt
import enum
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from campusgraph.i18n import message

#: A cell as read: text from CSV; text, numbers and dates from XLSX.
Cell = str | int | float | dt.date | None
DATE_FORMAT = "%d.%m.%Y"


class FileFormat(enum.StrEnum):
    CSV = "csv"
    XLSX = "xlsx"

    @property
    def content_type(self) -> str:
        if self is FileFormat.CSV:
            return "text/csv; charset=utf-8"
        return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class UnreadableFile(Exception):
    """The file is not a CSV/XLSX table we can read; ``reason`` is shown to the user
    (``key`` names it in the catalogs)."""

    def __init__(self, key: str, **fields: object) -> None:
        super().__init__(message(key, "en", **fields))
        self.key = key
        self.fields = fields

    def reason(self, language: str) -> str:
        return message(self.key, language, **self.fields)


@dataclass(frozen=True, slots=True)
class Sheet:
    headers: list[str]
    #: (row number as the user sees it, cells); rows whose cells are all empty are left out.
    rows: list[tuple[int, list[Cell]]]


def _blank(cell: Cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1251")


def read_csv(data: bytes | str) -> Sheet:
    text = _decode(data) if isinstance(data, bytes) else data.removeprefix("\ufeff")
    first = text.split("\n", 1)[0]
    if not first.strip():
        raise UnreadableFile("unreadable_no_header")
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        records = list(reader)
    except csv.Error as exc:
        raise UnreadableFile("unreadable_bad_csv", detail=exc) from None
    headers = [h.strip() for h in records[0]]
    rows: list[tuple[int, list[Cell]]] = []
    for number, record in enumerate(records[1:], start=2):
        cells: list[Cell] = list(record)
        if all(_blank(c) for c in cells):
            continue
        rows.append((number, cells))
    return Sheet(headers, rows)


def _xlsx_cell(value: Any) -> Cell:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, bool):
        return "да" if value else "нет"
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if value is None or isinstance(value, str | int | float | dt.date):
        return value
    return str(value)


def read_xlsx(data: bytes) -> Sheet:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise UnreadableFile("unreadable_not_xlsx", detail=type(exc).__name__) from None
    try:
        sheet = book.worksheets[0]
        headers: list[str] | None = None
        rows: list[tuple[int, list[Cell]]] = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_xlsx_cell(v) for v in values]
            if headers is None:
                if number != 1 or all(_blank(c) for c in cells):
                    raise UnreadableFile("unreadable_no_sheet_header")
                headers = ["" if c is None else str(c).strip() for c in cells]
                continue
            if all(_blank(c) for c in cells):
                continue
            rows.append((number, cells))
    finally:
        book.close()
    if headers is None:
        raise UnreadableFile("unreadable_empty_sheet")
    return Sheet(headers, rows)


def read(data: bytes | str, fmt: FileFormat) -> Sheet:
    if fmt is FileFormat.CSV:
        return read_csv(data)
    if isinstance(data, str):
        raise UnreadableFile("unreadable_xlsx_not_binary")
    return read_xlsx(data)


def cell_text(cell: Cell) -> str:
    """A cell as the user typed it, for reports."""
    if cell is None:
        return ""
    if isinstance(cell, dt.date):
        return cell.strftime(DATE_FORMAT)
    return str(cell).strip()


# -- writing ----------------------------------------------------------------------------------


def write_csv(headers: Sequence[str], rows: Sequence[Sequence[Cell]]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([cell_text(c) for c in row])
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


def write_xlsx(
    headers: Sequence[str],
    rows: Sequence[Sequence[Cell]],
    *,
    title: str,
    widths: Sequence[int] | None = None,
) -> bytes:
    """One sheet: a bold, frozen header row; dates as real dates shown ДД.ММ.ГГГГ; every
    other cell as text (so СНИЛС, phone numbers and indices keep their leading zeros).
    Written in openpyxl's streaming mode."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.freeze_panes = "A2"
    for index, _ in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = (
            widths[index - 1] if widths else 16
        )
    bold = Font(bold=True)
    head = []
    for text in headers:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        head.append(cell)
    sheet.append(head)
    for row in rows:
        cells: list[Any] = []
        for value in row:
            if isinstance(value, dt.date):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = "DD.MM.YYYY"
                cells.append(cell)
            else:  # a string cell stays text in Excel: no «@» format needed
                cells.append(None if value is None else str(value))
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
