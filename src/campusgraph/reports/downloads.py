"""Files of reports and analytics tables, fetched by a short-lived link.

(Part "files" fills this in: a signed token naming the viewer's session, the kind and its
arguments, the format and the expiry; ``GET /files/<token>`` decides ``export`` again under
that session and streams XLSX, CSV or PDF built from :class:`~.table.ReportTable`.)

Kinds: ``report`` (payload: name + ReportOf.to_json()) and ``analytics`` (registered by the
analytics module with :func:`register_kind`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from campusgraph.context import Context
from campusgraph.reports.table import ReportTable

#: kind → build the table of a download, deciding ``export`` access itself (raise
#: Forbidden / ReportNotFound like the query does). Arguments: context, payload, language.
TableBuilder = Callable[[Context, Mapping[str, Any], str], Awaitable[ReportTable]]
KINDS: dict[str, TableBuilder] = {}


def register_kind(kind: str, build: TableBuilder) -> None:
    if kind in KINDS:
        raise ValueError(f"download kind {kind} registered twice")
    KINDS[kind] = build
