"""Nested lists load through per-request loaders: statements do not grow with rows."""

from __future__ import annotations

from typing import Any

NESTED = """
query ($first: Int!) {
  institution {
    groups(first: $first) {
      nodes {
        name
        curator { fullName positions { name } }
        students { fullName parents { fullName } group { name } }
        teachingAssignments { discipline { name } teacher { shortName } }
      }
    }
  }
}
"""


async def test_nested_group_lists_cost_the_same_for_two_or_seven_groups(
    shared_sign_in: Any, sql_counter: Any
) -> None:
    director = await shared_sign_in("altai-college-2016", "director")
    counts = {}
    for first in (2, 7):
        with sql_counter() as sql:
            data = await director.data(NESTED, {"first": first})
        groups = data["institution"]["groups"]["nodes"]
        assert len(groups) == first
        assert all(g["students"] for g in groups)
        counts[first] = sql.count
    assert counts[2] == counts[7], counts
