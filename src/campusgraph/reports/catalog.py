"""Imports every report module, so :data:`.registry.REPORTS` holds them all (the schema,
the download route and the command import this, never a report module one by one)."""

from __future__ import annotations

# One line per report module, each declaring its reports with ``registry.report``:
from campusgraph.reports import (
    administration,  # noqa: F401
    analytics,  # noqa: F401  (registers the download kind)
    curator,  # noqa: F401
    marks,  # noqa: F401
)
