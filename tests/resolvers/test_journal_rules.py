"""The regulations' journal rules as data: lesson topics (Tomsk, Barnaul, NSHDS-12), the
final-mark rule (Armavir), working days — and the suggestion and the thematic plan through
the API."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest

from campusgraph.db.enums import LessonType, WorkKind
from campusgraph.policies.ruleset import SHIPPED, Ruleset, load
from campusgraph.resolvers.journal_rules import (
    average_of,
    final_mark_rule,
    find_abbreviations,
    is_working_day,
    needs_approval,
    overdue_cutoff,
    suggest_final_mark,
    validate_lesson,
    working_days_after,
)
from tests.support import DEMO_TODAY


def _ruleset(slug: str) -> Ruleset:
    ruleset = load(slug, [SHIPPED])
    assert not ruleset.errors, ruleset.errors
    return ruleset


TOMSK = _ruleset("tomsk-technikum-2023")
ARMAVIR = _ruleset("armavir-technikum-2025")
ALTAI = _ruleset("altai-college-2016")
BARNAUL = _ruleset("barnaul-school6-2016")
NSHDS = _ruleset("nshds12-2021")
PLAN = ["Функции и их свойства", "Производная. Решение задач", "Творчество А.С. Пушкина"]


def _check(ruleset: Ruleset, topic: str | None, **kw: Any) -> list[tuple[str, str]]:
    return validate_lesson(
        ruleset,
        topic=topic,
        plan_topics=kw.get("plan", []),
        lesson_type=kw.get("lesson_type", LessonType.LESSON),
        works=kw.get("works", []),
    )


# -- lesson topics -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "topic", ["Повторение", "повторение.", "  Повторение  ", "Решение задач", "РЕШЕНИЕ ЗАДАЧ!"]
)
def test_tomsk_refuses_a_bare_revision_or_problem_solving(topic: str) -> None:
    problems = _check(TOMSK, topic)
    assert [field for field, _ in problems] == ["topic"]
    assert "без уточнения не допускается" in problems[0][1]


def test_tomsk_accepts_a_topic_of_the_plan_whitespace_normalised() -> None:
    assert _check(TOMSK, "Функции и их свойства", plan=PLAN) == []
    assert _check(TOMSK, "  Функции   и их\tсвойства ", plan=PLAN) == []
    assert _check(TOMSK, "Производная. Решение задач", plan=PLAN) == []


def test_tomsk_refuses_a_topic_not_in_the_plan_and_not_exactly_spelled() -> None:
    for topic in ("Функции", "функции и их свойства", "Функции и их свойства."):
        problems = _check(TOMSK, topic, plan=PLAN)
        assert problems == [
            (
                "topic",
                "Тема должна точно совпадать с одной из тем тематического планирования (КТП).",
            )
        ], topic


def test_without_a_plan_the_plan_rule_does_not_apply() -> None:
    assert _check(TOMSK, "Функции", plan=[]) == []


@pytest.mark.parametrize(
    ("topic", "words"),
    [
        ("Реш. задач", ["Реш."]),
        ("Решение задач, упр. 5", ["упр."]),
        ("Свойства функций, т.е. графики", ["т.е."]),
        ("Функции и т. д.", ["т.", "д."]),
        ("Практ. работа по теме «Функции»", ["Практ."]),
        ("Реш.задач по теме", ["Реш.задач"]),
        ("Литература XIX в.", ["в."]),
    ],
)
def test_tomsk_refuses_abbreviated_words(topic: str, words: list[str]) -> None:
    assert find_abbreviations(topic) == words
    problems = _check(TOMSK, topic)
    assert problems[0][0] == "topic"
    assert "сокращения слов" in problems[0][1]
    assert all(f"«{w}»" in problems[0][1] for w in words)


@pytest.mark.parametrize(
    "topic",
    [
        "Творчество А.С. Пушкина",  # initials
        "Творчество А. С. Пушкина",
        "Лирика А.С.Пушкина",
        "Функции. Решение задач",  # a sentence end before a capital
        "Тема 1.2. Функции",  # numbering
        "Контрольная работа № 3 по теме «Производная»",
        "Операционные системы: ОС Linux",  # acronyms are words
        "Итоги урока.",  # the last word may end the sentence
    ],
)
def test_abbreviation_heuristic_has_no_false_positives(topic: str) -> None:
    assert find_abbreviations(topic) == []
    assert _check(TOMSK, topic) == []


def test_tomsk_numbered_works_need_a_number_and_the_lesson_a_topic() -> None:
    works = [(WorkKind.CONTROL, None), (WorkKind.ORAL, None), (WorkKind.LABORATORY, 2)]
    problems = _check(TOMSK, "Функции и их свойства", plan=PLAN, works=works)
    assert problems == [
        ("works.0.number", "Укажите номер работы: контрольная работа записывается с номером.")
    ]
    problems = _check(TOMSK, None, works=[(WorkKind.PRACTICAL, 1)])
    assert [f for f, _ in problems] == ["topic"]
    assert "практическая работа" in problems[0][1]
    # Oral answers need no number, and a lesson without numbered works may wait for a topic.
    assert _check(TOMSK, None, works=[(WorkKind.ORAL, None)]) == []


def test_barnaul_and_nshds12_want_a_topic_and_nshds12_a_lesson_type() -> None:
    assert [f for f, _ in _check(BARNAUL, None)] == ["topic"]
    assert [f for f, _ in _check(BARNAUL, "   ")] == ["topic"]
    assert _check(BARNAUL, "Повторение") == [], "only Tomsk forbids a bare «Повторение»"
    assert [f for f, _ in _check(NSHDS, None, lesson_type=None)] == ["topic", "lessonType"]
    assert _check(NSHDS, "Сложение чисел", lesson_type=LessonType.LESSON) == []


def test_rulesets_without_a_topic_rule_find_no_problem() -> None:
    for ruleset in (ALTAI, ARMAVIR):
        assert _check(ruleset, None, works=[(WorkKind.CONTROL, None)], lesson_type=None) == []
        assert _check(ruleset, "Повторение", plan=PLAN) == []


def test_messages_in_english_on_request() -> None:
    problems = validate_lesson(
        TOMSK, topic="Повторение", plan_topics=[], lesson_type=None, works=[], language="en"
    )
    assert problems == [
        (
            "topic",
            "A bare «Повторение» is not allowed as a topic: say what is revised or which problems.",
        )
    ]


# -- final marks (Armavir разд. 6) -------------------------------------------------------


def _marks(fives: int = 0, fours: int = 0, threes: int = 0, twos: int = 0) -> list[str]:
    return ["5"] * fives + ["4"] * fours + ["3"] * threes + ["2"] * twos


@pytest.mark.parametrize(
    ("values", "average", "expected"),
    [
        (_marks(fives=3, fours=1), "4.75", "5"),  # 19 / 4
        (_marks(fives=37, fours=13), "4.74", "4"),  # 237 / 50
        (_marks(fours=3, threes=1), "3.75", "4"),
        (_marks(fours=37, threes=13), "3.74", "3"),
        (_marks(threes=3, twos=1), "2.75", "3"),  # 11 / 4
        (_marks(fives=2), "5.00", "5"),
        (_marks(twos=2), "2.00", "2"),
    ],
)
def test_armavir_average_ranges_on_the_edges(
    values: list[str], average: str, expected: str
) -> None:
    marks = [(v, WorkKind.CONTROL) for v in values]
    s = suggest_final_mark(ARMAVIR, marks, planned_graded_works=len(values))
    assert s is not None
    assert s.average == Decimal(average)
    assert s.value == expected, s.reasoning
    assert s.rule == f"rules.final_mark.marks[{5 - int(expected)}]"
    assert f"средний балл {average.replace('.', ',')}" in s.reasoning
    assert f"Предлагается «{expected}»" in s.reasoning
    assert "разд. 6" in s.reasoning


def test_a_low_average_without_half_the_works_at_two_is_disputed() -> None:
    # 2,74 is the «2» range, but only 13 of 50 works were done at «2» (26 %): no bullet of
    # разд. 6 applies, the teacher decides.
    marks = [(v, WorkKind.CONTROL) for v in _marks(threes=37, twos=13)]
    s = suggest_final_mark(ARMAVIR, marks, planned_graded_works=50)
    assert s is not None
    assert s.average == Decimal("2.74")
    assert s.value is None
    assert s.disputed
    assert s.rule == "rules.final_mark.marks[3]"
    assert "условие «2» не выполнено" in s.reasoning


def test_the_average_is_rounded_half_up_to_hundredths_as_the_regulation_reads_it() -> None:
    # 3.745 reads as 3,75: a «4», not a «3»; 3.7449… reads as 3,74.
    assert average_of(_marks(fours=149, threes=51)) == Decimal("3.75")  # 749 / 200
    assert average_of(_marks(fours=1488, threes=512, twos=0)) == Decimal("3.74")  # 3.744
    assert average_of(["pass", "fail"]) is None


def test_fewer_than_half_of_the_graded_works_gives_no_suggestion() -> None:
    # Four graded works done of ten (40 %): no suggestion, whatever the average.
    marks = [("4", WorkKind.CONTROL)] * 4 + [("4", WorkKind.ORAL)] * 10
    s = suggest_final_mark(ARMAVIR, marks, planned_graded_works=10)
    assert s is not None
    assert s.value is None
    assert s.disputed
    assert (s.graded_done, s.graded_planned) == (4, 10)
    assert s.rule == "rules.final_mark.marks[1]"
    assert "4 из 10" in s.reasoning
    assert "не менее 50 %" in s.reasoning
    assert "определяет преподаватель" in s.reasoning


def test_exactly_half_is_enough_and_only_graded_kinds_count() -> None:
    # Oral answers and classwork count in the average, not in the share of graded works.
    marks = [("4", WorkKind.TEST), ("4", WorkKind.PRACTICAL), ("3", WorkKind.ORAL)]
    marks += [("5", WorkKind.CLASSWORK), ("5", WorkKind.LABORATORY)]
    s = suggest_final_mark(ARMAVIR, marks, planned_graded_works=4)
    assert s is not None
    assert (s.graded_done, s.graded_planned) == (2, 4), "laboratory is not in armavir's kinds"
    assert s.value == "4"
    assert s.average == Decimal("4.20")


def test_no_rule_no_suggestion_and_no_graded_works_no_value() -> None:
    marks = [("5", WorkKind.CONTROL)]
    for ruleset in (ALTAI, TOMSK, BARNAUL, NSHDS):
        assert suggest_final_mark(ruleset, marks, 1) is None
    s = suggest_final_mark(ARMAVIR, [("5", WorkKind.ORAL)], planned_graded_works=0)
    assert s is not None
    assert s.value is None
    assert s.disputed


def test_the_older_thresholds_form_still_reads_as_before() -> None:
    custom = Ruleset(
        "custom",
        Path("custom"),
        {
            "rules": {
                "final_mark": {
                    "kind": "average_thresholds",
                    "thresholds": [[4.5, "5"], [3.5, "4"], [2.5, "3"]],
                    "otherwise": "2",
                    "min_graded_share": 0.75,
                    "graded_work_kinds": ["control"],
                }
            }
        },
    )
    s = suggest_final_mark(custom, [("5", WorkKind.CONTROL), ("4", WorkKind.CONTROL)], 2)
    assert s is not None
    assert s.value == "5", "4.5 reaches the custom threshold"
    s = suggest_final_mark(custom, [("4", WorkKind.CONTROL), ("4", WorkKind.CONTROL)], 2)
    assert s is not None
    assert s.value == "4", "4.49 is below the «5» threshold"
    s = suggest_final_mark(custom, [("2", WorkKind.CONTROL), ("2", WorkKind.CONTROL)], 2)
    assert s is not None
    assert (s.value, s.rule) == ("2", "rules.final_mark.otherwise")
    s = suggest_final_mark(custom, [("5", WorkKind.CONTROL), ("4", WorkKind.TEST)], 2)
    assert s is not None
    assert s.value is None, "one control work of two is below 75 %"


def test_a_mark_other_than_the_suggestion_waits_where_the_ruleset_says() -> None:
    rule = final_mark_rule(ARMAVIR)
    assert needs_approval(rule, "4", "5")
    assert needs_approval(rule, "4", "3"), "armavir: approval_when = differs"
    assert not needs_approval(rule, "4", "4")
    assert not needs_approval(rule, None, "5"), "a disputed case is the teacher's"
    assert not needs_approval(rule, "4", "pass")
    above = {"thresholds": [[4.5, "5"]], "approval_by": "deputy"}
    assert needs_approval(above, "4", "5")
    assert not needs_approval(above, "4", "3")
    assert not needs_approval(None, "4", "5")


# -- working days ----------------------------------------------------------------------


def test_working_days_skip_weekends_and_public_holidays() -> None:
    none: dict[dt.date, dt.date] = {}
    friday = dt.date(2026, 11, 27)
    assert working_days_after(friday, 0, days_off=set(), transfers=none) == friday
    assert working_days_after(friday, 1, days_off=set(), transfers=none) == dt.date(2026, 11, 30)
    # Unity Day (Wednesday, Nov 4 2026) is a public holiday.
    assert working_days_after(dt.date(2026, 11, 3), 1, days_off=set(), transfers=none) == (
        dt.date(2026, 11, 5)
    )
    assert not is_working_day(dt.date(2026, 11, 4), days_off=set(), transfers=none)
    # New Year holidays: Dec 31 2026 is a moved day off; the next working day is Jan 11.
    assert working_days_after(dt.date(2026, 12, 30), 1, days_off=set(), transfers=none) == (
        dt.date(2027, 1, 11)
    )


def test_days_off_and_transfers_of_the_institution() -> None:
    monday, tuesday = dt.date(2026, 10, 5), dt.date(2026, 10, 6)
    saturday = dt.date(2026, 10, 10)
    transfers = {tuesday: saturday}  # Tuesday's lessons held on Saturday
    days_off = {dt.date(2026, 10, 7)}
    assert not is_working_day(tuesday, days_off=days_off, transfers=transfers)
    assert is_working_day(saturday, days_off=days_off, transfers=transfers)
    # After Monday: Tue moved off, Wed a day off, Thu, Fri, then the working Saturday.
    assert working_days_after(monday, 3, days_off=days_off, transfers=transfers) == saturday
    assert working_days_after(monday, 4, days_off=days_off, transfers=transfers) == (
        dt.date(2026, 10, 12)
    )


def test_overdue_cutoff_is_the_last_day_whose_deadline_has_passed() -> None:
    none: dict[dt.date, dt.date] = {}
    # Friday Nov 27: 5 working days after Thu Nov 19 end on Thu Nov 26 (passed); after
    # Fri Nov 20 they end on Nov 27, today (not yet).
    assert overdue_cutoff(DEMO_TODAY, 5, days_off=set(), transfers=none) == dt.date(2026, 11, 19)
    assert overdue_cutoff(DEMO_TODAY, 0, days_off=set(), transfers=none) == dt.date(2026, 11, 26)
    assert overdue_cutoff(DEMO_TODAY, 2, days_off=set(), transfers=none) == dt.date(2026, 11, 24)


# -- through the API ---------------------------------------------------------------------

SUGGEST = """
query ($student: ID!, $discipline: ID!, $period: ID!) {
  suggestedFinalMark(student: $student, discipline: $discipline, period: $period) {
    value average marksCount gradedDone gradedPlanned gradedShare minGradedShare
    reasoning rule ruleset approvalBy disputed clause
    conditions { value averageFrom averageTo averageHolds countedMarks works share
      minShare shareHolds holds rule }
  }
}
"""

TEACHER_JOURNAL = """
query {
  viewer {
    employee { teachingAssignments { group { id } discipline { id } } }
    institution { periods(kind: SEMESTER) { id startsOn endsOn } }
  }
}
"""

JOURNAL = """
query ($group: ID!, $discipline: ID!, $period: ID!) {
  journal(group: $group, discipline: $discipline, period: $period) {
    columns { kind }
    rows { studentId marks }
  }
}
"""

GRADED = {"FINAL", "CONTROL", "CHECK", "INDEPENDENT", "PRACTICAL", "TEST"}
#: Armavir разд. 6 written out here, not read from the ruleset: (mark, average from, to,
#: marks a graded work must be done with — None: any).
RANGES = [
    ("5", Decimal("4.75"), Decimal("5"), {"4", "5"}),
    ("4", Decimal("3.75"), Decimal("4.74"), None),
    ("3", Decimal("2.75"), Decimal("3.74"), {"3", "4", "5"}),
    ("2", Decimal("2"), Decimal("2.74"), {"2"}),
]


async def _first_journal(teacher: Any) -> dict[str, str]:
    viewer = (await teacher.data(TEACHER_JOURNAL))["viewer"]
    assignment = viewer["employee"]["teachingAssignments"][0]
    period = next(
        p
        for p in viewer["institution"]["periods"]
        if p["startsOn"] <= DEMO_TODAY.isoformat() <= p["endsOn"]
    )
    return {
        "group": assignment["group"]["id"],
        "discipline": assignment["discipline"]["id"],
        "period": period["id"],
    }


async def test_armavir_teacher_gets_the_suggestion_the_journal_implies(
    shared_sign_in: Any,
) -> None:
    teacher = await shared_sign_in("armavir-technikum-2025", "teacher")
    ids = await _first_journal(teacher)
    journal = (await teacher.data(JOURNAL, ids))["journal"]
    kinds = [c["kind"] for c in journal["columns"]]
    planned = sum(1 for k in kinds if k in GRADED)
    assert planned > 0, "the demo has graded works"
    checked = 0
    for row in journal["rows"][:6]:
        variables = {**ids, "student": row["studentId"]}
        variables.pop("group")
        s = (await teacher.data(SUGGEST, variables))["suggestedFinalMark"]
        graded = [v for k, v in zip(kinds, row["marks"], strict=True) if v and k in GRADED]
        numeric = [int(v) for v in row["marks"] if v in {"2", "3", "4", "5"}]
        assert s["ruleset"] == "armavir-technikum-2025"
        assert s["approvalBy"] == "deputy_studies"
        assert (s["gradedDone"], s["gradedPlanned"]) == (len(graded), planned)
        assert s["marksCount"] == len(numeric)
        average = (Decimal(sum(numeric)) / Decimal(len(numeric))).quantize(
            Decimal("0.01"), ROUND_HALF_UP
        )
        assert s["average"] == float(average)
        value, _low, _high, counted = next(r for r in RANGES if r[1] <= average <= r[2])
        works = sum(1 for v in graded if counted is None or v in counted)
        expected = value if works * 2 >= planned else None
        assert s["value"] == expected, s["reasoning"]
        assert s["disputed"] is (expected is None)
        assert s["rule"] == f"rules.final_mark.marks[{5 - int(value)}]"
        assert [c["value"] for c in s["conditions"]] == ["5", "4", "3", "2"]
        assert s["minGradedShare"] == 0.5
        assert f"«{value}»" in s["reasoning"]
        checked += expected is not None
    assert checked, "at least one student of the demo did half of the graded works"


async def test_a_ruleset_without_the_rule_says_so(shared_sign_in: Any) -> None:
    teacher = await shared_sign_in("altai-college-2016", "teacher")
    ids = await _first_journal(teacher)
    journal = (await teacher.data(JOURNAL, ids))["journal"]
    variables = {
        "student": journal["rows"][0]["studentId"],
        "discipline": ids["discipline"],
        "period": ids["period"],
    }
    s = (await teacher.data(SUGGEST, variables))["suggestedFinalMark"]
    assert s["value"] is None
    assert s["rule"] is None
    assert "altai-college-2016" in s["reasoning"]
    assert "определяет преподаватель" in s["reasoning"]


async def test_the_suggestion_needs_final_mark_read_on_the_student(shared_sign_in: Any) -> None:
    teacher = await shared_sign_in("armavir-technikum-2025", "teacher")
    ids = await _first_journal(teacher)
    journal = (await teacher.data(JOURNAL, ids))["journal"]
    student = await shared_sign_in("armavir-technikum-2025", "student")
    own = (await student.data("{ viewer { student { id } } }"))["viewer"]["student"]["id"]
    other = next(r["studentId"] for r in journal["rows"] if r["studentId"] != own)
    payload = await student.query(
        SUGGEST, {"student": other, "discipline": ids["discipline"], "period": ids["period"]}
    )
    assert payload["data"]["suggestedFinalMark"] is None
    assert payload["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert payload["errors"][0]["extensions"]["object"] == "final_mark"


PLAN_QUERY = """
query ($group: ID!, $discipline: ID!) {
  node(id: $group) {
    ... on Group {
      name
      thematicPlan(discipline: $discipline) {
        hours topics { id position title hours lessonType }
      }
    }
  }
}
"""


async def test_tomsk_teacher_reads_the_plan_and_every_plan_topic_passes_the_rule(
    shared_sign_in: Any,
) -> None:
    teacher = await shared_sign_in("tomsk-technikum-2023", "teacher")
    ids = await _first_journal(teacher)
    node = (await teacher.data(PLAN_QUERY, ids))["node"]
    plan = node["thematicPlan"]
    assert plan is not None
    topics = plan["topics"]
    assert len(topics) >= 10
    assert [t["position"] for t in topics] == sorted(t["position"] for t in topics)
    assert plan["hours"] == sum(t["hours"] for t in topics)
    titles = [t["title"] for t in topics]
    for title in titles:
        assert (
            validate_lesson(
                TOMSK, topic=title, plan_topics=titles, lesson_type=LessonType.LESSON, works=[]
            )
            == []
        ), title
    # A student may not read thematic plans.
    student = await shared_sign_in("tomsk-technikum-2023", "student")
    payload = await student.query(PLAN_QUERY, ids)
    assert not (payload["data"]["node"] or {}).get("thematicPlan")
