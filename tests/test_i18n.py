"""The message catalogs: every counted noun agrees with its number in both languages, the
two catalogs translate the same keys with the same fields, every key the code names exists,
and ``Accept-Language`` is negotiated by weight.

The plural table below is written by hand, not derived from the catalog's ``Plural-Forms``:
it is what a reader expects to see, so a wrong rule or a wrong form fails here.
"""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from campusgraph import i18n
from campusgraph.db.enums import WorkKind
from campusgraph.i18n import DEFAULT_LANGUAGE, LANGUAGES, catalog_path, message, negotiate, plural
from campusgraph.policies.vocabulary import OBJECTS, Action, ReportLevel, Scope
from campusgraph.reports.registry import ReportName

#: The counts whose Russian forms differ in every way a rule can get wrong: one, few, many,
#: the teens, and 21 / 22 / 25 (where only the last digit decides).
COUNTS = (1, 2, 5, 11, 21, 22, 25)

#: Every ``count_*`` entry of the catalogs: its phrase for each of :data:`COUNTS`, in
#: Russian and in English. Append a row when you add a counted noun.
PLURALS: dict[str, dict[str, tuple[str, ...]]] = {
    "count_days": {
        "ru": ("1 день", "2 дня", "5 дней", "11 дней", "21 день", "22 дня", "25 дней"),
        "en": ("1 day", "2 days", "5 days", "11 days", "21 days", "22 days", "25 days"),
    },
    "count_ruleset_lines": {
        "ru": ("1 строка", "2 строки", "5 строк", "11 строк", "21 строка", "22 строки", "25 строк"),
        "en": ("1 line", "2 lines", "5 lines", "11 lines", "21 lines", "22 lines", "25 lines"),
    },
    # genitive, after «из» («выполнено 3 из 21 оценочной работы»)
    "count_graded_works_of": {
        "ru": (
            "1 оценочной работы",
            "2 оценочных работ",
            "5 оценочных работ",
            "11 оценочных работ",
            "21 оценочной работы",
            "22 оценочных работ",
            "25 оценочных работ",
        ),
        "en": (
            "1 graded work",
            "2 graded works",
            "5 graded works",
            "11 graded works",
            "21 graded works",
            "22 graded works",
            "25 graded works",
        ),
    },
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

SOURCE = Path(i18n.__file__).parent


def _catalog(language: str) -> Catalog:
    with catalog_path(language).open("rb") as po:
        return read_po(po, locale=language)


def _entries(language: str) -> dict[str, object]:
    return {
        (m.id if isinstance(m.id, str) else str(m.id[0])): m.string
        for m in _catalog(language)
        if m.id
    }


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _texts(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, tuple | list) else [str(value)]


# -- plural forms ----------------------------------------------------------------------------


def test_every_counted_noun_has_its_row_in_the_table() -> None:
    # given: the catalogs' plural entries
    for language in LANGUAGES:
        counted = {m.id[0] for m in _catalog(language) if m.id and m.pluralizable}
        # then: each is a count_* key with a hand-written row here, and no row is stale
        assert all(str(key).startswith("count_") for key in counted), counted
        assert counted == set(PLURALS), (language, counted ^ set(PLURALS))


@pytest.mark.parametrize("key", sorted(PLURALS))
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_counted_noun_agrees_with_its_number(key: str, language: str) -> None:
    # when: the phrase for each count is asked
    got = tuple(plural(key, n, language) for n in COUNTS)
    # then: the hand-written forms
    assert got == PLURALS[key][language]


def test_the_russian_rule_has_three_forms_and_the_english_two() -> None:
    assert _catalog("ru").num_plurals == 3
    assert _catalog("en").num_plurals == 2


# -- the two catalogs agree ------------------------------------------------------------------


def test_both_catalogs_translate_the_same_keys_with_the_same_fields() -> None:
    # given
    ru, en = _entries("ru"), _entries("en")
    # then: the same keys
    assert set(ru) ^ set(en) == set()
    for key in ru:
        ru_texts, en_texts = _texts(ru[key]), _texts(en[key])
        # then: nothing left untranslated
        assert all(t.strip() for t in ru_texts + en_texts), key
        # then: every form of a key names the same {fields} in both languages
        fields = {frozenset(_fields(t)) for t in ru_texts + en_texts}
        assert len(fields) == 1, (key, ru_texts, en_texts)


def test_every_entry_formats_with_its_fields() -> None:
    for language in LANGUAGES:
        for key, value in _entries(language).items():
            texts = _texts(value)
            assert texts, key
            filled = {name: 1 for t in texts for name in _fields(t)}
            for text in texts:
                # then: no KeyError, no stray brace («{» must be doubled)
                text.format(**filled)


# -- every key the code names exists ---------------------------------------------------------

#: Calls that take a catalog key, and at which position: the i18n functions, the helpers
#: that wrap them, and the errors that carry a key to be said in the caller's language.
KEY_CALLS: dict[str, int] = {
    "message": 0,
    "plural": 0,
    "msg": 0,  # exchange.importer's run.msg
    "say": 0,  # policies.explain
    "InvalidArgument": 0,
    "BadCell": 0,
    "DateProblem": 0,
    "AnalyticsInvalid": 0,
    "BadReportOf": 0,
    "Refused": 1,  # schema.gate: (code, key)
    "problem": 1,  # resolvers.auth: (code, key)
    "_refused": 1,
    "_complex": 0,  # schema.gate: what a limit limits
    "UnreadableFile": 0,
    "CommandError": 0,  # cli: (key, code=…, **fields)
    "Phrase": 0,  # cli: a reason inside a sentence
    "_say": 1,  # cli: (lang, key, **fields)
    "ManifestError": 0,
}


def _used_keys() -> dict[str, str]:
    """Each constant key a :data:`KEY_CALLS` call is given in src/, with where."""
    used: dict[str, str] = {}
    for path in sorted(SOURCE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = (
                func.id
                if isinstance(func, ast.Name)
                else func.attr
                if isinstance(func, ast.Attribute)
                else None
            )
            at = KEY_CALLS.get(name or "")
            if at is None or len(node.args) <= at:
                continue
            key = node.args[at]
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                used.setdefault(key.value, f"{path.relative_to(SOURCE)}:{node.lineno}")
    return used


def test_every_key_the_code_names_is_in_the_catalogs() -> None:
    # given
    used = _used_keys()
    # then: the scan found the code's messages, and each is translated in both languages
    assert len(used) > 100
    for language in LANGUAGES:
        missing = {key: where for key, where in used.items() if key not in i18n.keys(language)}
        assert missing == {}, language


def _key_tables() -> dict[str, str]:
    """The values of every ``*_KEYS`` dict literal in src/: tables that name a message per
    enum member or code (``REASON_KEYS = {AbsenceReason.EXCUSED: "report_absence_…"}``)."""
    found: dict[str, str] = {}
    for path in sorted(SOURCE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Assign | ast.AnnAssign):
                continue
            target = node.targets[0] if isinstance(node, ast.Assign) else node.target
            if not (isinstance(target, ast.Name) and target.id.endswith("_KEYS")):
                continue
            if isinstance(node.value, ast.Dict):
                for value in node.value.values:
                    if isinstance(value, ast.Constant) and isinstance(value.value, str):
                        found[value.value] = f"{path.relative_to(SOURCE)}:{value.lineno}"
    return found


def test_every_key_a_key_table_names_is_in_the_catalogs() -> None:
    tables = _key_tables()
    assert len(tables) > 20
    for language in LANGUAGES:
        missing = {key: where for key, where in tables.items() if key not in i18n.keys(language)}
        assert missing == {}, language


#: Keys the code builds from a value: (the values, the key's pattern).
DERIVED_KEYS: list[tuple[str, list[str], str]] = [
    ("report titles", [m.value for m in ReportName], "report_title_{}"),
    ("report levels", [m.value for m in ReportLevel], "report_level_{}"),
    ("work kinds", [m.value for m in WorkKind], "work_kind_{}"),
    ("actions", [m.value for m in Action], "action_{}"),
    ("objects", list(OBJECTS), "object_{}"),
    ("scopes", [m.value for m in Scope], "scope_{}"),
    ("matrix scopes", [m.value for m in Scope], "matrix_scope_{}"),
    ("weekdays", [str(n) for n in range(1, 8)], "weekday_{}"),
    ("months", [str(n) for n in range(1, 13)], "month_in_{}"),
]


@pytest.mark.parametrize(("family", "values", "pattern"), DERIVED_KEYS)
def test_every_value_has_its_derived_key(family: str, values: list[str], pattern: str) -> None:
    for language in LANGUAGES:
        missing = [v for v in values if pattern.format(v) not in i18n.keys(language)]
        assert missing == [], (family, language)


def test_an_unknown_key_is_a_programming_error() -> None:
    with pytest.raises(KeyError):
        message("no_such_key_anywhere", "en")
    with pytest.raises(KeyError):
        plural("count_no_such_noun", 2, "ru")


# -- Accept-Language -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, DEFAULT_LANGUAGE),
        ("", DEFAULT_LANGUAGE),
        ("en", "en"),
        ("ru", "ru"),
        ("en-GB,en;q=0.9", "en"),
        ("EN-us", "en"),
        ("de, en;q=0.5", "en"),
        ("ru;q=0, en", "en"),
        ("en;q=0.3, ru;q=0.8", "ru"),
        ("ru;q=0.3, en;q=0.8", "en"),
        ("en;q=0.5, ru;q=0.5", "en"),
        ("fr", DEFAULT_LANGUAGE),
        ("*", DEFAULT_LANGUAGE),
        ("fr, *;q=0.1", DEFAULT_LANGUAGE),
        ("en;q=0, *", "ru"),
        ("ru;q=0, *", "en"),
        ("en;q=abc, ru;q=0.1", "ru"),
        ("ru;q=1.5, en", "en"),
        (";;;,,,", DEFAULT_LANGUAGE),
        ("\x00garbage\xff", DEFAULT_LANGUAGE),
    ],
)
def test_accept_language_is_negotiated_by_weight(header: str | None, expected: str) -> None:
    assert negotiate(header) == expected


def test_a_header_naming_no_language_of_ours_gets_the_given_default() -> None:
    assert negotiate("fr, de", default="en") == "en"
    assert negotiate("*", default="en") == "en"
