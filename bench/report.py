"""The one table: printed, written as JSON to bench/results/, and (full runs) into
BENCHMARKS.md between its result markers."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import orjson
from rich.console import Console
from rich.table import Table

from bench.common import ROOT, Result

DOC = ROOT / "BENCHMARKS.md"
START, END = "<!-- bench:results:start -->", "<!-- bench:results:end -->"


def _number(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "ms":
        return f"{value:.2f} ms" if value < 10 else f"{value:.1f} ms"
    if unit.endswith("/s"):
        return f"{value:,.0f} {unit}".replace(",", " ")
    if unit == "MB":
        return f"{value:.0f} MB"
    if unit == "s":
        return f"{value:.2f} s"
    return f"{value:.0f}"


def cells(row: Result) -> list[str]:
    verdict = "skipped" if row.skipped else {True: "pass", False: "FAIL", None: "—"}[row.passed]
    return [
        row.key,
        row.scenario,
        _number(row.median, row.unit),
        _number(row.p95, row.unit),
        _number(row.floor, row.unit),
        "—" if row.ratio is None else f"{row.ratio:.2f}×",
        row.target or "—",
        verdict,
    ]


HEADER = ["#", "scenario", "median", "p95", "floor", "ratio to floor", "target", "result"]


def print_table(rows: list[Result], title: str, console: Console) -> None:
    table = Table(title=title, title_justify="left", show_lines=False)
    for name in HEADER:
        table.add_column(name, justify="right" if name in ("median", "p95", "floor") else "left")
    for row in rows:
        style = "red" if row.passed is False else ("dim" if row.skipped else None)
        table.add_row(*cells(row), style=style)
    console.print(table)
    for row in rows:
        if row.note:
            console.print(f"  [bold]{row.key}[/]: {row.note}", highlight=False)


def markdown(rows: list[Result], title: str) -> str:
    lines = [f"_{title}_", "", "| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    for row in rows:
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells(row)) + " |")
    lines.append("")
    for row in rows:
        if row.note:
            lines.append(f"- **{row.key}**: {row.note}")
    return "\n".join(lines)


def write_json(path: Path, meta: dict[str, Any], rows: list[Result]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {**meta, "rows": [r.as_json() for r in rows]}
    path.write_bytes(orjson.dumps(document, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS))


def update_doc(rows: list[Result], title: str, source: str, preface: str = "") -> bool:
    """Replace the figures in BENCHMARKS.md; False when its markers are missing."""
    if not DOC.exists():
        return False
    text = DOC.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.DOTALL)
    if not pattern.search(text):
        return False
    lead = f"{preface}\n\n" if preface else ""
    block = f"{START}\n{lead}{markdown(rows, title)}\n\nRaw figures: `{source}`.\n{END}"
    DOC.write_text(pattern.sub(lambda _: block, text), encoding="utf-8")
    return True
