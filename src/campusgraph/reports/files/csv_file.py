"""CSV: the header row, the rows, the totals row — nothing above the header, so the file
loads as one table into any tool (the title and the details are in the XLSX and PDF).

UTF-8 with the BOM, ``;``, CRLF: the same dialect ``exportList`` writes and ``importList``
reads (:mod:`campusgraph.exchange.formats`), which Russian Excel opens by a double click.
"""

from __future__ import annotations

import csv
import io

from campusgraph.reports.files.cells import as_text
from campusgraph.reports.table import ReportTable

DELIMITER = ";"


def write_csv(table: ReportTable) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=DELIMITER, lineterminator="\r\n")
    kinds = [c.kind for c in table.columns]
    writer.writerow([c.title for c in table.columns])
    for row in table.rows:
        writer.writerow([as_text(v, k) for v, k in zip(row, kinds, strict=True)])
    if table.totals is not None:
        writer.writerow([as_text(v, k) for v, k in zip(table.totals, kinds, strict=True)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
