"""Smoke test of the benchmark's region generator (``campusgraph seed region``): a tiny
region (2 institutions × 60 students) on top of the demo, on both backends — its row
counts, and a generated ``teacher`` who signs in and opens his journal through the app.
The benchmarks themselves (``python -m bench``) are not tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from campusgraph.db.region_seed import BIG_ORDER, RegionExists, seed_region
from campusgraph.db.tenancy import unscoped
from tests.support import DEMO_TODAY

REGION = "smoke-region"
#: Lessons run up to the day before: the first group's mathematics then has 40 lessons.
TODAY = dt.date(2026, 11, 10)
JOURNAL = (Path(__file__).parents[2] / "examples/queries/03-teacher-journal.graphql").read_text()

VIEWER = """
query {
  viewer {
    roles { name }
    employee { teachingAssignments { group { id name } discipline { id name } } }
    institution { slug ruleset academicYears { isCurrent periods { id kind number } } }
  }
}
"""


async def _count(db: Any, sql: str, **params: Any) -> int:
    async with unscoped(db.factory) as session:
        return int((await session.execute(text(sql), params)).scalar_one())


async def test_a_generated_region_is_counted_and_its_teacher_opens_a_journal(
    db: Any, sign_in: Any
) -> None:
    # given a tiny generated region next to the demo
    summary = await seed_region(db.factory, institutions=2, students=60, today=TODAY, region=REGION)

    # then it has what was asked for, and the summary counts what was written
    assert summary.institutions == [
        ("smoke-region-001", "altai-college-2016"),
        ("smoke-region-002", "armavir-technikum-2025"),
    ]
    inst = "(SELECT i.id FROM institution i JOIN region r ON r.id = i.region_id WHERE r.slug = :r)"
    for table in ("study_group", "discipline", *BIG_ORDER):
        written = await _count(
            db, f"SELECT COUNT(*) FROM {table} WHERE institution_id IN {inst}", r=REGION
        )
        assert written == summary.counts[table], table
    assert summary.counts["student"] == 120
    assert summary.counts["study_group"] == 4, "60 students: two groups of 30 in each institution"
    assert summary.counts["discipline"] == 30, "15 disciplines per institution"
    for extreme in ("MIN", "MAX"):
        size = await _count(
            db,
            f"SELECT {extreme}(n) FROM (SELECT COUNT(*) AS n FROM group_membership "
            f"WHERE institution_id IN {inst} GROUP BY group_id) AS sizes",
            r=REGION,
        )
        assert size == 30, extreme
    # about 8 marks per student and discipline a month: Sep 1 – Nov 9 is ~2.3 months
    per_student_discipline = summary.counts["mark"] / 120 / 15
    assert 10 <= per_student_discipline <= 22, per_student_discipline
    assert summary.counts["attendance"] > 0
    assert summary.counts["final_mark"] == 0, "colleges: no semester marks in November"

    # and the same slug cannot be generated twice
    with pytest.raises(RegionExists):
        await seed_region(db.factory, institutions=1, students=1, today=TODAY, region=REGION)

    # when the generated teacher signs in (password demo)
    teacher = await sign_in("smoke-region-001", "teacher")
    viewer = (await teacher.data(VIEWER))["viewer"]
    assert viewer["roles"] == [{"name": "teacher"}]
    assert viewer["institution"]["slug"] == "smoke-region-001"
    assert viewer["institution"]["ruleset"] == "altai-college-2016"
    first = viewer["employee"]["teachingAssignments"][0]
    assert first["discipline"]["name"] == "Математика"
    assert {a["group"]["name"] for a in viewer["employee"]["teachingAssignments"]} == {
        "ИС-11",
        "ТМ-11",
    }
    year = next(y for y in viewer["institution"]["academicYears"] if y["isCurrent"])
    semester = next(p for p in year["periods"] if p["kind"] == "SEMESTER" and p["number"] == 1)

    # then he opens the first group's journal: 30 students × 40 lessons, marks, absences
    group = next(a["group"] for a in viewer["employee"]["teachingAssignments"]
                 if a["group"]["name"] == "ИС-11")  # fmt: skip
    journal = (
        await teacher.data(
            JOURNAL,
            {
                "group": group["id"],
                "discipline": first["discipline"]["id"],
                "period": semester["id"],
            },
        )
    )["journal"]
    assert journal["group"]["name"] == "ИС-11"
    assert len(journal["rows"]) == 30
    assert len(journal["lessons"]) == 40
    assert journal["lessons"][-1]["date"] == (TODAY - dt.timedelta(days=1)).isoformat()
    marks = [v for row in journal["rows"] for v in row["marks"] if v is not None]
    absences = [v for row in journal["rows"] for v in row["attendance"] if v is not None]
    assert len(marks) > 30 * 40 * 0.3, "a mark for about half of the students each lesson"
    assert set(marks) <= {"2", "3", "4", "5"}
    assert absences
    assert DEMO_TODAY > TODAY, "the app's today: the students are still in the group"


def test_the_hostile_scenario_sends_what_the_issue_found_and_is_selected_by_name() -> None:
    """The bench's hostile documents stay valid against the schema as it changes (a
    document the schema rejects would measure nothing), and are what they claim to be."""
    from bench.__main__ import parse as parse_args
    from bench.scenarios import hostile
    from graphql import build_schema, parse, validate
    from graphql.language import FieldNode, OperationDefinitionNode

    from campusgraph.schema.root import sdl
    from campusgraph.settings import Settings

    schema = build_schema(sdl())
    anonymous = hostile.anonymous_document(7)
    small = hostile.anonymous_document(7, fields=20)  # at full size the check gives up
    for document in (hostile.COSTLY, hostile.DEEP, small, hostile.SIGN_IN):
        assert validate(schema, parse(document)) == [], document[:80]
    # 16 KB of ~950 overlapping fields, under the token limit (else refused unparsed)
    assert 15_000 <= len(anonymous.encode()) <= 17_000
    [operation] = parse(anonymous).definitions
    assert isinstance(operation, OperationDefinitionNode)
    names = {f.name.value for f in operation.selection_set.selections if isinstance(f, FieldNode)}
    assert len(operation.selection_set.selections) >= 950
    assert names == {"viewer"}
    assert len(anonymous.split()) < Settings().max_tokens
    assert hostile.anonymous_document(8) != anonymous
    assert hostile.COSTLY.count("viewer") == 10
    assert "first: 200" in hostile.COSTLY
    assert parse_args(["--scenarios", "hostile"]).selected == [8]
    assert parse_args(["--scenarios", "1,hostile"]).selected == [1, 8]
