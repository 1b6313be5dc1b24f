"""What the bench's large-institution scenario (``python -m bench --scenarios large``)
relies on, checked without timing anything and without a database: the generator's
structure of a 10,000-student college — ~360 groups and the teachers and timetable they
need — stays clash-free, and its first group is taught, curated and timetabled exactly as
the 1,000-student college's, so the two institutions' screens have the same shape."""

from __future__ import annotations

from collections import Counter
from typing import Any

from bench.common import BENCH_TODAY, SEED

from campusgraph.db.region_seed import _Counters, _Institution, group_sizes

LARGE, SMALL = 10_000, 1_000


def _structure(students: int) -> _Institution:
    """Institution 0 of a region (altai-college-2016), its small tables built in memory."""
    builder = _Institution(
        0,
        region_slug="bench-test",
        region_id=1,
        students=students,
        seed=SEED,
        today=BENCH_TODAY,
        ids=_Counters({}),
        password_hash="not-a-hash",
    )
    builder.build_structure()
    return builder


def _rows(builder: _Institution, table: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = builder.small.by_table[table]
    return rows


def _first_group(builder: _Institution) -> dict[str, Any]:
    """What the measured screens open: the first group, its timetable (discipline and
    teacher slot by slot), its teachers' and curator's logins."""
    group = builder.groups[0]
    employees = {t.employee_id: t for t in builder.teachers.values()}
    login_of = {
        row["id"]: row["login"] for row in builder.accounts.by_table["user_account"]
    }  # user id → login
    cells = sorted(
        (r["weekday"], r["slot"], r["discipline_id"], login_of[employees[r["teacher_id"]].user_id])
        for r in _rows(builder, "timetable_entry")
        if r["group_id"] == group.id
    )
    disciplines = {r["id"]: r["code"] for r in _rows(builder, "discipline")}
    return {
        "size": group.size,
        "name": group.name,
        "curator": login_of[group.curator_user] if group.curator_user else None,
        # other teachers' logins are numbered through the institution: only who they are not
        "timetable": [
            (w, s, disciplines[d], login if login == "teacher" else "another teacher")
            for w, s, d, login in cells
        ],
    }


def test_a_10000_student_college_has_a_clash_free_timetable_and_enough_staff() -> None:
    # given the structure of a 10,000-student college
    builder = _structure(LARGE)

    # then its groups are of 25–30 students, the first 30
    sizes = group_sizes(LARGE)
    assert sum(sizes) == LARGE
    assert sizes[0] == 30
    assert min(sizes) >= 25
    assert max(sizes) <= 30
    assert len(builder.groups) == len(sizes) > 330

    # and no teacher and no group is in two places at once, every group has its 30 lessons
    entries = _rows(builder, "timetable_entry")
    teacher_cells = Counter((r["teacher_id"], r["weekday"], r["slot"]) for r in entries)
    group_cells = Counter((r["group_id"], r["weekday"], r["slot"]) for r in entries)
    assert max(teacher_cells.values()) == 1
    assert max(group_cells.values()) == 1
    assert len(entries) == 30 * len(sizes)

    # and the teachers taking more groups are more of them, none over the weekly cap
    lessons_per_teacher = Counter(r["teacher_id"] for r in entries)
    assert max(lessons_per_teacher.values()) <= 18
    assert len(lessons_per_teacher) > 500

    # and every group has one curator, no curator has two groups
    curators = [r["curator_id"] for r in _rows(builder, "curatorship")]
    assert len(curators) == len(sizes)
    assert len(set(curators)) == len(curators)


def test_the_first_group_is_the_same_in_a_large_and_a_small_college() -> None:
    # given the first group of a 10,000- and of a 1,000-student college
    large, small = (_first_group(_structure(n)) for n in (LARGE, SMALL))

    # then the screens the scenario measures open the same thing in both
    assert large == small
    assert large["size"] == 30
    assert large["curator"] == "curator", "a curator's account that teaches nothing"
    mathematics = [cell for cell in large["timetable"] if cell[2] == "ОУД.04"]
    assert {cell[3] for cell in mathematics} == {"teacher"}
    assert len(mathematics) == 4


def test_the_large_scenario_is_selected_by_name_and_its_documents_are_valid() -> None:
    from bench.__main__ import SCENARIOS
    from bench.__main__ import parse as parse_args
    from bench.scenarios import large
    from graphql import build_schema, parse, validate

    from campusgraph.schema.root import sdl

    schema = build_schema(sdl())
    for screen in large.screens(15):
        assert validate(schema, parse(screen.document)) == [], screen.title
    assert parse_args(["--scenarios", "large"]).selected == [13]
    assert SCENARIOS[13][1] is large.scenario_large
    assert large.sizes(quick=False) == (LARGE, SMALL)
