"""Dated things say whether they hold today: a screen opens on the current period, the
current group, this week's timetable without comparing dates with a clock of its own (the
browser's is not the institution's: a region spans time zones).

Every object type with a pair of bounds (``startsOn``/``endsOn``, ``from``/``until``,
``validFrom``/``validTo``) has ``isCurrent``; through the endpoint it is true exactly when
today (``DEMO_TODAY``, pinned for the tests) lies within the bounds the same answer shows;
and "today" is the institution's date, not the server's.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from graphql import GraphQLObjectType

from campusgraph.resolvers.auth import local_today
from campusgraph.schema.base import holds
from tests.support import DEMO_TODAY
from tests.support.documents import schema

BOUNDS = (("startsOn", "endsOn"), ("from", "until"), ("validFrom", "validTo"))

DATED = """
query {
  institution {
    academicYears { startsOn endsOn periods { name startsOn endsOn isCurrent } }
    periods { name startsOn endsOn isCurrent }
    groups(first: 3) { nodes { timetable { validFrom validTo isCurrent } } }
  }
  viewer {
    student { memberships { from until isCurrent } }
  }
}
"""


def test_every_dated_type_says_whether_it_is_current() -> None:
    # Given the object types with a pair of date bounds
    s = schema()
    dated = [
        name
        for name, t in s.type_map.items()
        if isinstance(t, GraphQLObjectType)
        and any(a in t.fields and b in t.fields for a, b in BOUNDS)
        and not name.endswith("Payload")
    ]
    assert dated
    # Then each has isCurrent, described
    lacking = [
        name
        for name in dated
        if "isCurrent" not in s.type_map[name].fields  # type: ignore[attr-defined]
        or not s.type_map[name].fields["isCurrent"].description  # type: ignore[attr-defined]
    ]
    assert lacking == []


def _holds(first: str, last: str | None, *, exclusive: bool = False) -> bool:
    start = dt.date.fromisoformat(first)
    if last is None:
        return start <= DEMO_TODAY
    end = dt.date.fromisoformat(last)
    return start <= DEMO_TODAY and (end > DEMO_TODAY if exclusive else end >= DEMO_TODAY)


async def test_is_current_is_today_within_the_bounds_shown(shared_sign_in: Any) -> None:
    # Given a student of Altai, who reads his institution's periods, timetables and groups
    student = await shared_sign_in("altai-college-2016", "student")
    admin = await shared_sign_in("altai-college-2016", "administrator")
    answers = [await student.data(DATED), await admin.data(DATED)]

    for data in answers:
        institution = data["institution"]
        periods = institution["periods"] + [
            p for year in institution["academicYears"] for p in year["periods"]
        ]
        entries = [e for g in institution["groups"]["nodes"] for e in g["timetable"]]
        memberships = (data["viewer"]["student"] or {}).get("memberships") or []
        # Then each isCurrent is today within the bounds the same answer shows
        assert periods
        assert [p["isCurrent"] for p in periods] == [
            _holds(p["startsOn"], p["endsOn"]) for p in periods
        ]
        assert [e["isCurrent"] for e in entries] == [
            _holds(e["validFrom"], e["validTo"]) for e in entries
        ]
        assert [ms["isCurrent"] for ms in memberships] == [
            _holds(ms["from"], ms["until"], exclusive=True) for ms in memberships
        ]
        # and some period holds today and some does not (the check compares both ways)
        assert {p["isCurrent"] for p in periods} == {True, False}
    assert any(answers[0]["viewer"]["student"]["memberships"])


def test_today_is_the_institutions_date() -> None:
    # Given 20:30 UTC on 27 November: already the 28th in Barnaul, still the 27th in Moscow
    evening = dt.datetime(2026, 11, 27, 20, 30, tzinfo=dt.UTC)
    # Then each institution's today is its own
    assert local_today("Asia/Barnaul", evening) == dt.date(2026, 11, 28)
    assert local_today("Europe/Moscow", evening) == dt.date(2026, 11, 27)
    # and an unknown zone falls back to the server's date rather than failing the request
    assert local_today("Nowhere/Atlantis", evening) == evening.astimezone().date()


def test_the_bounds_are_inclusive_but_an_exclusive_end() -> None:
    # Given a stretch from the 2nd to the 4th
    first, last = dt.date(2026, 11, 2), dt.date(2026, 11, 4)
    days = [dt.date(2026, 11, d) for d in range(1, 6)]
    # Then it holds on its first and last day; an exclusive end ("until") is not in it
    assert [holds(d, first, last) for d in days] == [False, True, True, True, False]
    assert [holds(d, first, last, last_exclusive=True) for d in days] == [
        False,
        True,
        True,
        False,
        False,
    ]
    # and an open end holds from the first day on
    assert [holds(d, first, None) for d in days] == [False, True, True, True, True]
