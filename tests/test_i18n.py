"""Counted nouns agree with their number in both languages.

The table is written by hand, not derived from the catalog's ``Plural-Forms``: it is what a
reader expects to see, so a wrong rule or a wrong form fails here. (The plurals part of
issue 14 keeps the full version of this file; these are the CLI's rows.)
"""

from __future__ import annotations

import pytest

from campusgraph.i18n import LANGUAGES, plural

#: One, few, many, the teens, and 21 / 22 / 25 (where only the last digit decides).
COUNTS = (1, 2, 5, 11, 21, 22, 25)

#: Every ``count_*`` entry: its phrase for each of :data:`COUNTS`. Append a row per noun.
PLURALS: dict[str, dict[str, tuple[str, ...]]] = {
    "count_rows": {
        "ru": ("1 строка", "2 строки", "5 строк", "11 строк", "21 строка", "22 строки", "25 строк"),
        "en": ("1 row", "2 rows", "5 rows", "11 rows", "21 rows", "22 rows", "25 rows"),
    },
    "count_problems": {
        "ru": (
            "1 проблема",
            "2 проблемы",
            "5 проблем",
            "11 проблем",
            "21 проблема",
            "22 проблемы",
            "25 проблем",
        ),
        "en": (
            "1 problem",
            "2 problems",
            "5 problems",
            "11 problems",
            "21 problems",
            "22 problems",
            "25 problems",
        ),
    },
    "count_ruleset_lines": {
        "ru": ("1 строка", "2 строки", "5 строк", "11 строк", "21 строка", "22 строки", "25 строк"),
        "en": ("1 line", "2 lines", "5 lines", "11 lines", "21 lines", "22 lines", "25 lines"),
    },
    "count_role_links": {
        "ru": (
            "1 связь ролей",
            "2 связи ролей",
            "5 связей ролей",
            "11 связей ролей",
            "21 связь ролей",
            "22 связи ролей",
            "25 связей ролей",
        ),
        "en": (
            "1 role link",
            "2 role links",
            "5 role links",
            "11 role links",
            "21 role links",
            "22 role links",
            "25 role links",
        ),
    },
    "count_institutions": {
        "ru": (
            "1 учреждение",
            "2 учреждения",
            "5 учреждений",
            "11 учреждений",
            "21 учреждение",
            "22 учреждения",
            "25 учреждений",
        ),
        "en": (
            "1 institution",
            "2 institutions",
            "5 institutions",
            "11 institutions",
            "21 institutions",
            "22 institutions",
            "25 institutions",
        ),
    },
    "count_students": {
        "ru": (
            "1 обучающийся",
            "2 обучающихся",
            "5 обучающихся",
            "11 обучающихся",
            "21 обучающийся",
            "22 обучающихся",
            "25 обучающихся",
        ),
        "en": (
            "1 student",
            "2 students",
            "5 students",
            "11 students",
            "21 students",
            "22 students",
            "25 students",
        ),
    },
    "count_lessons": {
        "ru": (
            "1 занятие",
            "2 занятия",
            "5 занятий",
            "11 занятий",
            "21 занятие",
            "22 занятия",
            "25 занятий",
        ),
        "en": (
            "1 lesson",
            "2 lessons",
            "5 lessons",
            "11 lessons",
            "21 lessons",
            "22 lessons",
            "25 lessons",
        ),
    },
    "count_marks": {
        "ru": (
            "1 отметка",
            "2 отметки",
            "5 отметок",
            "11 отметок",
            "21 отметка",
            "22 отметки",
            "25 отметок",
        ),
        "en": ("1 mark", "2 marks", "5 marks", "11 marks", "21 marks", "22 marks", "25 marks"),
    },
    "count_attendance_records": {
        "ru": (
            "1 запись посещаемости",
            "2 записи посещаемости",
            "5 записей посещаемости",
            "11 записей посещаемости",
            "21 запись посещаемости",
            "22 записи посещаемости",
            "25 записей посещаемости",
        ),
        "en": (
            "1 attendance record",
            "2 attendance records",
            "5 attendance records",
            "11 attendance records",
            "21 attendance records",
            "22 attendance records",
            "25 attendance records",
        ),
    },
    "count_years": {
        "ru": ("1 год", "2 года", "5 лет", "11 лет", "21 год", "22 года", "25 лет"),
        "en": ("1 year", "2 years", "5 years", "11 years", "21 years", "22 years", "25 years"),
    },
}


@pytest.mark.parametrize("key", sorted(PLURALS))
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_counted_noun_agrees_with_its_number(key: str, language: str) -> None:
    # when: the phrase for each count is asked
    got = tuple(plural(key, n, language) for n in COUNTS)
    # then: the hand-written forms
    assert got == PLURALS[key][language]
