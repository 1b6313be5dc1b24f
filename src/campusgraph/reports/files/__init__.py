"""A :class:`~campusgraph.reports.table.ReportTable` written as XLSX, CSV or PDF.

The writers know nothing of any one report: every report, the group journal and every
analytics table reach them as the same printed table, so a new report gets its files by
declaring ``ReportSpec.table`` alone.

- XLSX (:mod:`.xlsx`): the printed form — institution details, title, subtitle lines, bold
  header and totals, numbers formatted by :class:`~campusgraph.reports.table.CellKind`.
- CSV (:mod:`.csv_file`): the table only, for loading elsewhere — what Russian Excel opens
  by a double click: UTF-8 with the BOM, ``;`` between cells (Excel's list separator where
  the decimal separator is a comma), decimal commas, dates ``dd.mm.yyyy``, CRLF.
- PDF (:mod:`.pdf`): for printing and the archive — the shipped DejaVu font (Cyrillic on a
  machine with no fonts installed), the institution's details on every page, the header
  repeated on each page, «Страница N из M».
"""

from __future__ import annotations

import enum

from campusgraph.reports.table import ReportTable


class FileFormat(enum.StrEnum):
    XLSX = "xlsx"
    CSV = "csv"
    PDF = "pdf"

    @property
    def content_type(self) -> str:
        return {
            FileFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            FileFormat.CSV: "text/csv; charset=utf-8",
            FileFormat.PDF: "application/pdf",
        }[self]


def render(table: ReportTable, fmt: FileFormat, language: str = "ru") -> bytes:
    """The file's bytes (CPU-bound: callers on the event loop run it in a thread); the
    page footer («Страница 1 из 2») is in ``language``, as the table is."""
    if fmt is FileFormat.XLSX:
        from campusgraph.reports.files.xlsx import write_xlsx

        return write_xlsx(table, language)
    if fmt is FileFormat.CSV:
        from campusgraph.reports.files.csv_file import write_csv

        return write_csv(table)
    from campusgraph.reports.files.pdf import write_pdf

    return write_pdf(table, language)
