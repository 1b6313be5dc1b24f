"""PDF: for printing and the archive. fpdf2 (pure Python, maintained), the DejaVu Sans
Condensed font shipped in ``fonts/`` (Bitstream Vera licence, ``LICENSE-DejaVu.txt``) so
Cyrillic prints on a server with no fonts installed; A4, landscape where the table says."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.fonts import FontFace

from campusgraph.i18n import message
from campusgraph.reports.files.cells import as_text
from campusgraph.reports.table import CellKind, ReportTable

FONTS = Path(__file__).resolve().parent / "fonts"
FAMILY = "DejaVu"
#: Font sizes tried for the table, largest first, until it fits the page's width.
SIZES = (8.0, 7.0, 6.0, 5.0)
#: A column's least text width (mm), whatever its content.
MIN_COLUMN = 3.0


class _Document(FPDF):
    """Every page: the institution's details on top, «Страница N из M» (in the table's language) at the foot."""

    def __init__(self, table: ReportTable, language: str) -> None:
        super().__init__(orientation="L" if table.landscape else "P", unit="mm", format="A4")
        self.report = table
        self.language = language
        self.add_font(FAMILY, "", str(FONTS / "DejaVuSansCondensed.ttf"))
        self.add_font(FAMILY, "B", str(FONTS / "DejaVuSansCondensed-Bold.ttf"))
        self.set_margins(12, 12, 12)
        self.set_auto_page_break(auto=True, margin=14)
        self.set_title(table.title)
        self.set_creator("campusgraph")

    def header(self) -> None:
        inst = self.report.institution
        if inst is None:
            return
        self.set_font(FAMILY, "", 7)
        contacts = ", ".join(x for x in (inst.phone, inst.email, inst.website) if x)
        for line in (inst.name, inst.address, contacts):
            if line:
                self.cell(0, 3.5, line, new_x="LMARGIN", new_y="NEXT")
        self.ln(2)

    def footer(self) -> None:
        self.set_y(-10)
        self.set_font(FAMILY, "", 7)
        self.cell(
            0,
            5,
            message("file_page_of", self.language, page=self.page_no(), pages="{nb}"),
            align="C",
        )


def _layout(pdf: FPDF, table: ReportTable) -> tuple[float, list[float], bool]:
    """The font size, column widths and whether they fit the page: each column as wide as
    its widest cell (header words, body values) at the largest size that fits; else the
    widths at the smallest size (the caller splits the columns into bands). No column is
    wider than half the page (its text wraps)."""
    available = pdf.epw * 0.999
    wanted: list[float] = []
    for size in SIZES:
        wanted = []
        for i, column in enumerate(table.columns):
            pdf.set_font(FAMILY, "B", size)
            words = max((pdf.get_string_width(w) for w in column.title.split()), default=0.0)
            pdf.set_font(FAMILY, "", size)
            cells = [as_text(row[i], column.kind) for row in table.rows[:500]]
            body = max((pdf.get_string_width(c) for c in cells), default=0.0)
            wanted.append(min(max(words, body, MIN_COLUMN) + size / 2, available / 2))
        if sum(wanted) <= available:
            return size, wanted, True
    return SIZES[-1], wanted, False


def _bands(table: ReportTable, widths: list[float], available: float) -> list[list[int]]:
    """Column indexes per band of a table too wide for one page: the leading columns up to
    the first text column (№, the name) begin every band; the rest fill bands in order."""
    kinds = [c.kind for c in table.columns]
    key = next((i + 1 for i, k in enumerate(kinds) if k is CellKind.TEXT), 1)
    key = min(key, len(kinds) - 1) if len(kinds) > 1 else len(kinds)
    keys = list(range(key))
    room = available - sum(widths[:key])
    bands: list[list[int]] = []
    current: list[int] = []
    used = 0.0
    for i in range(key, len(kinds)):
        if current and used + widths[i] > room:
            bands.append(keys + current)
            current, used = [], 0.0
        current.append(i)
        used += widths[i]
    bands.append(keys + current)
    return bands


def _grid(
    pdf: FPDF, table: ReportTable, columns: list[int], widths: list[float], size: float
) -> None:
    pdf.set_font(FAMILY, "", size)
    options: dict[str, Any] = {
        "col_widths": [widths[i] for i in columns],
        "width": sum(widths[i] for i in columns),
        "align": "LEFT",
        "line_height": size * 0.5,
        "headings_style": FontFace(emphasis="BOLD", fill_color=(235, 235, 235)),
        "repeat_headings": 1,
        "text_align": "LEFT",
    }
    kinds = [table.columns[i].kind for i in columns]
    with pdf.table(**options) as grid:
        head = grid.row()
        for i in columns:
            head.cell(table.columns[i].title, align="C")
        for values in table.rows:
            row = grid.row()
            for i, kind in zip(columns, kinds, strict=True):
                row.cell(as_text(values[i], kind), align=_align(kind))
        if table.totals is not None:
            row = grid.row(style=FontFace(emphasis="BOLD"))
            for i, kind in zip(columns, kinds, strict=True):
                row.cell(as_text(table.totals[i], kind), align=_align(kind))


def _align(kind: CellKind) -> str:
    return "L" if kind in (CellKind.TEXT,) else "R"


def write_pdf(table: ReportTable, language: str = "ru") -> bytes:
    pdf = _Document(table, language)
    pdf.alias_nb_pages()
    pdf.add_page()
    pdf.set_font(FAMILY, "B", 12)
    pdf.multi_cell(0, 6, table.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "", 9)
    for line in table.subtitle:
        pdf.multi_cell(0, 4.5, line, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    if table.columns:
        size, widths, fits = _layout(pdf, table)
        if fits:
            _grid(pdf, table, list(range(len(table.columns))), widths, size)
        else:
            # Wider than the page even in small print: bands of columns, each on pages of
            # its own, the student's (row's) name repeated in each.
            for number, band in enumerate(_bands(table, widths, pdf.epw * 0.999)):
                if number:
                    pdf.add_page()
                _grid(pdf, table, band, widths, size)
    if table.footer:
        pdf.ln(4)
        pdf.set_font(FAMILY, "", 8)
        for line in table.footer:
            pdf.multi_cell(0, 4.5, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
