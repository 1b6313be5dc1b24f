"""A parent's and a student's screens show the institution: its name, its bells, its
periods and years — what every shipped regulation lets them see (each ruleset's own lines,
cited), the same as its staff see, and only their own institution's."""

from __future__ import annotations

from typing import Any

import pytest

from campusgraph.db import demo

FRAME = """
query {
  viewer {
    institution {
      id name shortName
      bellSchedule { number startsAt endsAt }
      periods { id name startsOn endsOn isCurrent }
      academicYears { id name isCurrent periods { id } }
    }
  }
}
"""
#: One staff role of each demo institution that reads the institution (staff_member).
STAFF = {
    spec.slug: next(r for r in spec.roles if r not in ("student", "parent"))
    for spec in demo.INSTITUTIONS
}


@pytest.mark.parametrize("slug", [spec.slug for spec in demo.INSTITUTIONS])
async def test_a_parent_and_a_student_see_their_institution(shared_sign_in: Any, slug: str) -> None:
    # Given the institution as its staff see it
    staff = await shared_sign_in(slug, STAFF[slug])
    seen_by_staff = (await staff.data(FRAME))["viewer"]["institution"]
    assert seen_by_staff["bellSchedule"]
    assert seen_by_staff["periods"]

    for role in ("parent", "student"):
        # When a parent (a student) of it reads the same
        reader = await shared_sign_in(slug, role)
        seen = (await reader.data(FRAME))["viewer"]["institution"]
        # Then he sees its name, bells, periods and years as the staff do
        assert seen == seen_by_staff, role
