"""Test machinery: a throwaway PostgreSQL server, seeded template databases cloned per test,
an ASGI GraphQL client and an SQL statement counter. The fixtures live in tests/conftest.py."""

from __future__ import annotations

import datetime as dt

#: "Today" for the demo seed and for every test, so results do not depend on the calendar.
DEMO_TODAY = dt.date(2026, 11, 27)

#: The backends every database test runs on.
BACKENDS: tuple[str, ...] = ("sqlite", "postgresql")
