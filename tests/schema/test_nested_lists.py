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


STUDENT_PAGES = """
query ($first: Int!, $page: Int) {
  institution {
    groups(first: $first) {
      nodes {
        students {
          id
          marks(dateFrom: "2026-09-01", dateTo: "2026-11-30", first: $page) {
            totalCount
            pageInfo { hasNextPage endCursor }
            nodes { id }
          }
          attendance(dateFrom: "2026-09-01", dateTo: "2026-11-30", first: $page) {
            nodes { id }
          }
        }
      }
    }
  }
}
"""

ONE_STUDENT = """
query ($id: ID!, $page: Int, $after: String) {
  node(id: $id) {
    ... on Student {
      marks(dateFrom: "2026-09-01", dateTo: "2026-11-30", first: $page, after: $after) {
        nodes { id }
      }
      attendance(dateFrom: "2026-09-01", dateTo: "2026-11-30", first: $page) { nodes { id } }
    }
  }
}
"""


async def test_every_students_marks_and_attendance_page_is_one_statement(
    shared_sign_in: Any, sql_counter: Any
) -> None:
    # given the director, who reads every student's marks and attendance
    director = await shared_sign_in("altai-college-2016", "director")

    # when the pages of every student of two, then seven groups are asked at once
    pages_only = STUDENT_PAGES.replace("totalCount", "")
    counts = {}
    for first in (2, 7):
        with sql_counter() as sql:
            await director.data(pages_only, {"first": first, "page": 3})
        counts[first] = sql.count

    # then the statements do not grow with the students (totalCount costs one per page)
    assert counts[2] == counts[7], counts
    data = await director.data(STUDENT_PAGES, {"first": 2, "page": 3})
    students = [s for g in data["institution"]["groups"]["nodes"] for s in g["students"]]

    # and each student's batched page is the page asked for that student alone
    assert any(s["marks"]["pageInfo"]["hasNextPage"] for s in students)
    for student in students[:6]:
        alone = (await director.data(ONE_STUDENT, {"id": student["id"], "page": 3}))["node"]
        assert student["marks"]["nodes"] == alone["marks"]["nodes"]
        assert student["attendance"]["nodes"] == alone["attendance"]["nodes"]
        everything = (await director.data(ONE_STUDENT, {"id": student["id"], "page": 200}))["node"][
            "marks"
        ]["nodes"]
        assert student["marks"]["totalCount"] == len(everything)
        assert student["marks"]["pageInfo"]["hasNextPage"] == (len(everything) > 3)
        cursor = student["marks"]["pageInfo"]["endCursor"]
        if cursor:
            after = (
                await director.data(ONE_STUDENT, {"id": student["id"], "page": 3, "after": cursor})
            )["node"]["marks"]["nodes"]
            assert after == everything[3:6]
