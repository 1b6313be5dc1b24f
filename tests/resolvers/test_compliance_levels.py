"""The compliance report is asked at a level — the school, a class, a class's subject —
and refused at a level the viewer may not see, never narrowed to the part he may (barnaul
п. 7.1: the school's reports to «Завуч», a class and subject to the teachers working in
that class)."""

from __future__ import annotations

from typing import Any

from tests.support.client import GraphQLClient

SCHOOL = "barnaul-school6-2016"

REPORT = """
query ($period: ID!, $group: ID, $discipline: ID) {
  institution {
    compliance(period: $period, group: $group, discipline: $discipline) {
      total
      byGroup { id counts { total } }
    }
  }
}
"""
PERIODS = "{ institution { academicYears { isCurrent periods { id name } } } }"
TAUGHT = """
{ viewer { employee {
    teachingAssignments { group { id } discipline { id } }
    curatedGroups { id }
} } }
"""
GROUPS = """
{ institution { groups(first: 100) { edges { node { id
    teachingAssignments { discipline { id } } } } } } }
"""


async def _period(client: GraphQLClient) -> str:
    years = (await client.data(PERIODS))["institution"]["academicYears"]
    current = next(y for y in years if y["isCurrent"])
    return str(current["periods"][0]["id"])


def _refusal(payload: dict[str, Any]) -> tuple[str, str, str]:
    # The report alone is refused: the institution's card stays (compliance is nullable).
    assert payload["data"]["institution"] == {"compliance": None}
    assert payload["errors"][0]["path"] == ["institution", "compliance"]
    ext = payload["errors"][0]["extensions"]
    return ext["code"], ext["object"], ext["action"]


async def test_each_level_is_given_to_whom_the_regulation_gives_it(shared_sign_in: Any) -> None:
    # given the school's «Завуч», a subject teacher and a class teacher
    head = await shared_sign_in(SCHOOL, "head_teacher")
    teacher = await shared_sign_in(SCHOOL, "teacher")
    class_teacher = await shared_sign_in(SCHOOL, "class_teacher")
    period = await _period(head)
    groups = [e["node"] for e in (await head.data(GROUPS))["institution"]["groups"]["edges"]]
    mine = (await teacher.data(TAUGHT))["viewer"]["employee"]["teachingAssignments"]
    group, discipline = mine[0]["group"]["id"], mine[0]["discipline"]["id"]
    taught = {(a["group"]["id"], a["discipline"]["id"]) for a in mine}
    others = [
        (g["id"], a["discipline"]["id"])
        for g in groups
        for a in g["teachingAssignments"]
        if (g["id"], a["discipline"]["id"]) not in taught
    ]
    curated = (await class_teacher.data(TAUGHT))["viewer"]["employee"]["curatedGroups"][0]["id"]
    not_curated = next(g["id"] for g in groups if g["id"] != curated)

    # when «Завуч» asks the school's report, then he gets it
    school = (await head.data(REPORT, {"period": period}))["institution"]["compliance"]
    assert school["byGroup"] is not None

    # when a teacher asks the school's report, then it is refused, not cut to his classes
    refused = await teacher.query(REPORT, {"period": period})
    assert _refusal(refused) == ("FORBIDDEN", "report.institution", "read")
    # … his class's subject is his; another subject of a class is not
    subject = {"period": period, "group": group, "discipline": discipline}
    assert (await teacher.data(REPORT, subject))["institution"]["compliance"] is not None
    other_group, other_discipline = others[0]
    other = {"period": period, "group": other_group, "discipline": other_discipline}
    assert _refusal(await teacher.query(REPORT, other)) == (
        "FORBIDDEN",
        "report.subject",
        "read",
    )

    # when the class teacher asks his class, then he gets it; another class is refused
    own = {"period": period, "group": curated}
    assert (await class_teacher.data(REPORT, own))["institution"]["compliance"] is not None
    alien = {"period": period, "group": not_curated}
    assert _refusal(await class_teacher.query(REPORT, alien)) == ("FORBIDDEN", "report", "read")


async def test_a_level_holds_all_of_its_rows_not_the_viewers_share(shared_sign_in: Any) -> None:
    # given «Завуч» reading the school and one class
    head = await shared_sign_in(SCHOOL, "head_teacher")
    class_teacher = await shared_sign_in(SCHOOL, "class_teacher")
    period = await _period(head)
    school = (await head.data(REPORT, {"period": period}))["institution"]["compliance"]
    row = max(school["byGroup"], key=lambda r: r["counts"]["total"])
    assert row["counts"]["total"] > 0, "the demo school has overdue entries"
    # when that class is asked at its level, by «Завуч»
    one = {"period": period, "group": row["id"]}
    by_head = (await head.data(REPORT, one))["institution"]["compliance"]
    # then the class's report is the school's row for it, whole
    assert [g["id"] for g in by_head["byGroup"]] == [row["id"]]
    assert by_head["total"] == row["counts"]["total"]
    # and its class teacher, asking the same level, gets the same report
    curated = (await class_teacher.data(TAUGHT))["viewer"]["employee"]["curatedGroups"]
    for g in curated:
        mine = await class_teacher.data(REPORT, {"period": period, "group": g["id"]})
        by_teacher = mine["institution"]["compliance"]
        by_head = await head.data(REPORT, {"period": period, "group": g["id"]})
        assert by_teacher == by_head["institution"]["compliance"]


async def test_a_group_of_another_institution_is_not_found(shared_sign_in: Any) -> None:
    head = await shared_sign_in(SCHOOL, "head_teacher")
    other = await shared_sign_in("altai-college-2016", "deputy_director")
    period = await _period(head)
    foreign = (await other.data(GROUPS))["institution"]["groups"]["edges"][0]["node"]["id"]
    payload = await head.query(REPORT, {"period": period, "group": foreign})
    assert payload["data"]["institution"] == {"compliance": None}
    assert payload["errors"][0]["extensions"]["code"] == "NOT_FOUND"
