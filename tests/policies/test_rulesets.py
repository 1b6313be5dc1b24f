"""The shipped rulesets: they load clean, their golden cases pass, they encode the
differences between the regulations, and the matrix/diff views read well."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

import pytest

from campusgraph.policies.engine import CompiledRuleset, compile_ruleset
from campusgraph.policies.matrix import (
    ancestors,
    concrete_roles,
    diff_markdown,
    effective_lines,
    matrix_markdown,
    short_clause,
)
from campusgraph.policies.ruleset import SHIPPED, Ruleset, available, load
from campusgraph.policies.vocabulary import OBJECTS, Action, Condition, Scope, granted_role

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "rulesets"
REGULATIONS = ["altai-college-2016", "armavir-technikum-2025", "barnaul-school6-2016"]
REGULATIONS += ["tomsk-technikum-2023", "nshds12-2021"]
SHIPPED_SLUGS = ["base", *REGULATIONS]

#: The exact role names the demo data and the GraphQL tests log in with.
ROLES: dict[str, set[str]] = {
    "altai-college-2016": {
        "administrator",
        "hr_specialist",
        "curator",
        "teacher",
        "deputy_director",
        "director",
        "student",
        "parent",
    },
    "armavir-technikum-2025": {
        "administrator",
        "hr_specialist",
        "curator",
        "teacher",
        "secretary_of_studies",
        "admission_secretary",
        "deputy_studies",
        "deputy_methodology",
        "department_head",
        "director",
        "student",
        "parent",
    },
    "barnaul-school6-2016": {
        "administrator",
        "head_teacher",
        "hr_specialist",
        "secretary",
        "teacher",
        "class_teacher",
        "student",
        "parent",
    },
    "tomsk-technikum-2023": {
        "administrator",
        "schedule_dispatcher",
        "deputy_methodology",
        "head_of_studies",
        "hr_head",
        "deputy_control",
        "head_of_upbringing",
        "commission_chair",
        "curator",
        "teacher",
        "student",
        "parent",
    },
    "nshds12-2021": {
        "director",
        "system_admin",
        "methodist",
        "secretary",
        "class_teacher",
        "subject_teacher",
        "authority",
        "student",
        "parent",
    },
}


@cache
def compiled(slug: str) -> CompiledRuleset:
    return compile_ruleset(slug, [SHIPPED])


def decide(
    slug: str, roles: list[str], obj: str, act: str, into: list[str], state: list[str]
) -> str:
    case = {"roles": roles, "object": obj, "action": act, "in": into, "state": state}
    return "allow" if compiled(slug).golden_decision(case).allowed else "deny"


def own_lines(rs: Ruleset) -> list[str]:
    return [line.clause for line in rs.lines if line.source.startswith(f"{rs.slug}/")]


# -- loading, lint, golden -------------------------------------------------------------
def test_the_six_rulesets_are_shipped() -> None:
    assert sorted(available([SHIPPED])) == sorted(SHIPPED_SLUGS)


@pytest.mark.parametrize("slug", SHIPPED_SLUGS)
def test_ruleset_lints_clean_and_golden_cases_pass(slug: str) -> None:
    rs = load(slug, [SHIPPED])
    assert [str(e) for e in rs.errors] == []
    c = compiled(slug)
    assert c.run_golden() == []
    cases = tomllib.loads((SHIPPED / slug / "golden.toml").read_text(encoding="utf-8"))["case"]
    assert len(cases) >= 25
    assert {case["expect"] for case in cases} == {"allow", "deny"}
    assert all(case.get("note") for case in cases)


@pytest.mark.parametrize("slug", [*SHIPPED_SLUGS, "example-college"])
def test_golden_cases_use_only_known_words(slug: str) -> None:
    """A golden case with a misspelt role or scope would pass vacuously as a deny."""
    folder = EXAMPLES if slug == "example-college" else SHIPPED
    rs = load(slug, [EXAMPLES, SHIPPED])
    cases = tomllib.loads((folder / slug / "golden.toml").read_text(encoding="utf-8"))["case"]
    scopes = {s.value for s in Scope}
    conditions = {c.value for c in Condition}
    for number, case in enumerate(cases, start=1):
        where = f"{slug} case {number}"
        assert set(case) <= {"roles", "object", "action", "in", "state", "expect", "note"}, where
        assert case["roles"], where
        assert set(case["roles"]) <= set(rs.roles), where
        assert case["object"] in OBJECTS or granted_role(case["object"]) in rs.roles, where
        assert case["action"] in {a.value for a in Action}, where
        assert set(case.get("in", [])) <= scopes, where
        assert set(case.get("state", [])) <= conditions - {"always"}, where
        assert case["expect"] in ("allow", "deny"), where


@pytest.mark.parametrize("slug", REGULATIONS)
def test_metadata_names_the_regulation(slug: str) -> None:
    meta = tomllib.loads((SHIPPED / slug / "ruleset.toml").read_text(encoding="utf-8"))
    assert meta["slug"] == slug
    assert meta["extends"] == "base"
    assert meta["kind"] in ("college", "school")
    assert f"../shared/regulations/{slug}.ru.txt" in meta["source"]
    assert any("А" <= ch <= "я" for ch in meta["title"]), "the title is Russian"
    assert meta["title_en"]
    assert load(slug, [SHIPPED]).chain == ["base"]


@pytest.mark.parametrize("slug", REGULATIONS)
def test_roles_are_exactly_the_regulations(slug: str) -> None:
    rs = load(slug, [SHIPPED])
    assert ROLES[slug] <= set(rs.roles)
    assert set(concrete_roles(rs)) == ROLES[slug] | {"authority"}
    for role, info in rs.roles.items():
        for key in ("title_ru", "title_en", "description_ru"):
            assert info.get(key), (role, key)
    for role in ROLES[slug] - {"student", "parent", "authority"}:
        assert effective_lines(rs, role), f"{role} has no lines"
        assert "staff_member" in ancestors(rs, role), f"{role} is staff"


@pytest.mark.parametrize("slug", SHIPPED_SLUGS)
def test_lines_are_unique_and_cite_a_clause(slug: str) -> None:
    rs = load(slug, [SHIPPED])
    keys = [line.key() for line in rs.lines]
    assert len(keys) == len(set(keys))
    prefixes = ("common (", "no clause:") if slug == "base" else (f"{slug} ", "no clause:")
    for clause in own_lines(rs):
        assert clause.startswith(prefixes), clause
    for link in rs.links:
        assert link.clause


def test_children_only_drop_the_mark_lines_they_tighten_or_cite_anew() -> None:
    """A child drops a base line only to tighten it (the mark lines) or to restate it
    with its own regulation's clause (the family's catalogue lines): never to lose it."""
    base_marks = {
        f"p, journal_teacher, mark, {act}, taught, period_open"
        for act in ("create", "update", "delete")
    }
    for slug in REGULATIONS:
        meta = tomllib.loads((SHIPPED / slug / "ruleset.toml").read_text(encoding="utf-8"))
        dropped = set(meta.get("drop", []))
        lines = load(slug, [SHIPPED]).lines
        keys = {line.key() for line in lines}
        own = {line.key() for line in lines if line.source.startswith(f"{slug}/")}
        if slug in ("altai-college-2016", "armavir-technikum-2025"):
            assert base_marks <= dropped
            assert not base_marks & keys
        else:
            assert base_marks <= keys
        # every other dropped line comes back as the child's own, citing its regulation
        restated = dropped - base_marks
        assert restated <= own, slug
        for line in lines:
            if line.key() in restated:
                assert line.clause.startswith(slug), line


# -- the differences the regulations make -----------------------------------------------
CURATOR = {
    "altai-college-2016": ("curator", "deny"),
    "armavir-technikum-2025": ("curator", "allow"),
    "barnaul-school6-2016": ("class_teacher", "allow"),
    "tomsk-technikum-2023": ("curator", "allow"),
    "nshds12-2021": ("class_teacher", "allow"),
}


@pytest.mark.parametrize("slug", REGULATIONS)
def test_curator_and_absence_reasons(slug: str) -> None:
    role, expected = CURATOR[slug]
    into = ["institution", "curated_group"]
    assert decide(slug, [role], "attendance.reason", "update", into, ["period_open"]) == expected
    # never in a closed period, never outside his group; he always reads the group journal
    assert decide(slug, [role], "attendance.reason", "update", into, []) == "deny"
    assert (
        decide(slug, [role], "attendance.reason", "update", ["institution"], ["period_open"])
        == "deny"
    )
    for obj in ("journal", "lesson", "mark", "attendance"):
        assert decide(slug, [role], obj, "read", into, []) == "allow", obj
    corrects = slug == "nshds12-2021"
    got = decide(slug, [role], "mark", "update", into, ["period_open"])
    assert got == ("allow" if corrects else "deny")


def test_directors_on_journals() -> None:
    state = ["period_open", "final_not_set", "attestation_not_set"]
    assert (
        decide("armavir-technikum-2025", ["director"], "mark", "update", ["institution"], state)
        == "allow"
    )
    assert (
        decide("armavir-technikum-2025", ["director"], "mark", "create", ["institution"], state)
        == "allow"
    )
    assert (
        decide("armavir-technikum-2025", ["director"], "mark", "update", ["institution"], [])
        == "deny"
    )
    assert (
        decide("altai-college-2016", ["director"], "mark", "read", ["institution"], []) == "allow"
    )
    assert (
        decide("altai-college-2016", ["director"], "mark", "update", ["institution"], state)
        == "deny"
    )
    assert (
        decide("altai-college-2016", ["deputy_director"], "mark", "update", ["institution"], state)
        == "deny"
    )


def test_who_keeps_student_cards_and_movement_orders() -> None:
    inst = ["institution"]
    for obj in ("student", "movement_order"):
        assert decide("altai-college-2016", ["hr_specialist"], obj, "create", inst, []) == "allow"
        assert (
            decide("armavir-technikum-2025", ["hr_specialist"], obj, "create", inst, []) == "deny"
        )
        assert (
            decide("armavir-technikum-2025", ["administrator"], obj, "create", inst, []) == "allow"
        )
    assert (
        decide("armavir-technikum-2025", ["hr_specialist"], "employee", "create", inst, [])
        == "allow"
    )
    assert decide("barnaul-school6-2016", ["secretary"], "student", "create", inst, []) == "allow"
    assert (
        decide("tomsk-technikum-2023", ["head_of_studies"], "movement_order", "create", inst, [])
        == "allow"
    )
    assert decide("nshds12-2021", ["system_admin"], "movement_order", "create", inst, []) == "allow"


def test_teacher_marks_stop_at_final_or_attestation_marks() -> None:
    taught = ["institution", "taught"]
    altai, armavir = "altai-college-2016", "armavir-technikum-2025"
    assert (
        decide(altai, ["teacher"], "mark", "update", taught, ["period_open", "final_not_set"])
        == "allow"
    )
    # a closed period stops the teacher even before any final mark is set
    assert decide(altai, ["teacher"], "mark", "update", taught, ["final_not_set"]) == "deny"
    assert (
        decide(altai, ["teacher"], "mark", "update", taught, ["period_open", "attestation_not_set"])
        == "deny"
    )
    assert (
        decide(
            armavir, ["teacher"], "mark", "update", taught, ["period_open", "attestation_not_set"]
        )
        == "allow"
    )
    assert decide(armavir, ["teacher"], "mark", "update", taught, ["attestation_not_set"]) == "deny"
    assert (
        decide(armavir, ["teacher"], "mark", "update", taught, ["period_open", "final_not_set"])
        == "deny"
    )
    for slug in ("barnaul-school6-2016", "tomsk-technikum-2023"):
        assert decide(slug, ["teacher"], "mark", "update", taught, ["period_open"]) == "allow"
        assert decide(slug, ["teacher"], "mark", "update", taught, []) == "deny"
        assert (
            decide(slug, ["teacher"], "mark", "update", ["institution"], ["period_open"]) == "deny"
        )
    assert (
        decide("nshds12-2021", ["subject_teacher"], "mark", "update", taught, ["period_open"])
        == "allow"
    )


@pytest.mark.parametrize("slug", REGULATIONS)
def test_teachers_never_read_personal_data(slug: str) -> None:
    teacher = "subject_teacher" if slug == "nshds12-2021" else "teacher"
    for obj in ("student.personal", "student.health", "parent.personal", "employee.personal"):
        assert decide(slug, [teacher], obj, "read", ["institution", "taught"], []) == "deny", obj
    assert decide(slug, [teacher], "student", "read", ["institution", "taught"], []) == "allow"


def test_only_tomsk_head_of_upbringing_reads_health() -> None:
    inst = ["institution"]
    assert (
        decide("tomsk-technikum-2023", ["head_of_upbringing"], "student.health", "read", inst, [])
        == "allow"
    )
    for slug in REGULATIONS:
        rs = load(slug, [SHIPPED])
        holders = {line.role for line in rs.lines if line.obj == "student.health"}
        assert holders == ({"head_of_upbringing"} if slug == "tomsk-technikum-2023" else set())


def test_substitute_teacher_only_in_tomsk() -> None:
    sub = ["institution", "substitute"]
    assert (
        decide("tomsk-technikum-2023", ["teacher"], "mark", "create", sub, ["period_open"])
        == "allow"
    )
    assert (
        decide(
            "tomsk-technikum-2023", ["administrator"], "substitution", "grant", ["institution"], []
        )
        == "allow"
    )
    for slug in ("altai-college-2016", "armavir-technikum-2025", "barnaul-school6-2016"):
        assert (
            decide(slug, ["teacher"], "mark", "create", sub, ["period_open", "final_not_set"])
            == "deny"
        )


def test_nshds12_students_never_write_the_journal() -> None:
    slug = "nshds12-2021"
    state = ["period_open", "final_not_set", "attestation_not_set"]
    into = ["institution", "self", "taught", "curated_group"]
    for obj in ("lesson", "work", "mark", "attendance", "final_mark"):
        for act in ("create", "update", "delete"):
            assert decide(slug, ["student"], obj, act, into, state) == "deny"
            # a deny line beats an allow line of any other role the account holds
            assert decide(slug, ["student", "subject_teacher"], obj, act, into, state) == "deny"
    denies = [ln for ln in load(slug, [SHIPPED]).lines if ln.effect == "deny"]
    assert {ln.role for ln in denies} == {"student"}
    assert all("разд. 6" in ln.clause for ln in denies)


TIMETABLE = {
    "altai-college-2016": "deputy_director",
    "armavir-technikum-2025": "secretary_of_studies",
    "barnaul-school6-2016": "head_teacher",
    "tomsk-technikum-2023": "schedule_dispatcher",
    "nshds12-2021": "system_admin",
}
PERIOD_CLOSER = {
    "altai-college-2016": "administrator",
    "armavir-technikum-2025": "administrator",
    "barnaul-school6-2016": "administrator",
    "tomsk-technikum-2023": "administrator",
    "nshds12-2021": "system_admin",
}


@pytest.mark.parametrize("slug", REGULATIONS)
def test_timetable_and_period_closing_belong_to_one_role(slug: str) -> None:
    rs = load(slug, [SHIPPED])
    for act in ("create", "update", "delete"):
        holders = {ln.role for ln in rs.lines if ln.obj == "timetable" and ln.act == act}
        assert holders == {TIMETABLE[slug]}
    for act in ("close", "reopen"):
        holders = {ln.role for ln in rs.lines if ln.obj == "period" and ln.act == act}
        assert holders == {PERIOD_CLOSER[slug]}
    silent = slug in ("armavir-technikum-2025", "nshds12-2021")
    closing = [ln for ln in rs.lines if ln.obj == "period" and ln.act == "close"]
    assert closing[0].clause.startswith("no clause: least privilege") == silent


def test_ruleset_switch_only_where_the_regulation_configures_rights() -> None:
    switchers = {
        slug: {
            ln.role
            for ln in load(slug, [SHIPPED]).lines
            if ln.obj == "ruleset" and ln.act == "switch"
        }
        for slug in REGULATIONS
    }
    assert switchers == {
        "altai-college-2016": {"administrator"},
        "armavir-technikum-2025": {"administrator"},
        "barnaul-school6-2016": set(),
        "tomsk-technikum-2023": {"administrator"},
        "nshds12-2021": set(),
    }


def test_credentials_for_students_and_parents_of_the_own_group() -> None:
    for slug, (role, _) in CURATOR.items():
        for obj in ("student", "parent"):
            assert (
                decide(slug, [role], obj, "issue_credentials", ["institution", "curated_group"], [])
                == "allow"
            )
            assert decide(slug, [role], obj, "issue_credentials", ["institution"], []) == "deny"


def test_authority_reads_aggregates_of_its_region_only() -> None:
    for slug in SHIPPED_SLUGS:
        assert decide(slug, ["authority"], "region_report", "read", ["region"], []) == "allow"
        assert decide(slug, ["authority"], "report", "read", ["institution"], []) == "deny"
        for obj in ("mark", "student", "student.personal", "attendance"):
            assert decide(slug, ["authority"], obj, "read", ["region", "institution"], []) == "deny"


def test_non_permission_rules_are_data() -> None:
    """Read as the code reads them: through the keys it declares (policies/rule_keys.py)."""
    from campusgraph.resolvers.compliance import DEADLINE_KEYS, ComplianceKind
    from campusgraph.resolvers.journal_rules import FINAL_MARK, LESSON_TOPIC

    altai = load("altai-college-2016", [SHIPPED])
    armavir = load("armavir-technikum-2025", [SHIPPED])
    tomsk = load("tomsk-technikum-2023", [SHIPPED])
    barnaul = load("barnaul-school6-2016", [SHIPPED])
    card = DEADLINE_KEYS[ComplianceKind.STUDENT_CARD]
    assert (card.read(altai), card.read(armavir), card.read(barnaul)) == (1, 3, None)
    assert DEADLINE_KEYS[ComplianceKind.ATTESTATION_MARK].read(armavir) == 1
    assert DEADLINE_KEYS[ComplianceKind.ABSENCE_REASON].read(barnaul) == 2
    assert DEADLINE_KEYS[ComplianceKind.ABSENCE_REASON].read(tomsk) == 5  # inherited from base
    armavir_rule = FINAL_MARK.read(armavir)
    assert armavir_rule is not None
    marks = armavir_rule["marks"]
    assert [(x["value"], x["average"], x["share"]) for x in marks] == [
        ("5", [4.75, 5.0], 0.5),
        ("4", [3.75, 4.74], 0.5),
        ("3", [2.75, 3.74], 0.5),
        ("2", [2.0, 2.74], 0.5),
    ]
    assert [x.get("share_marks") for x in marks] == [["4", "5"], None, ["3", "4", "5"], ["2"]]
    assert "marks" not in (FINAL_MARK.read(altai) or {})
    topic = LESSON_TOPIC.read(tomsk)
    assert topic is not None
    assert "Повторение" in topic["forbidden_bare"]


# -- the example ruleset -----------------------------------------------------------------
def test_example_ruleset_extends_armavir() -> None:
    c = compile_ruleset("example-college", [EXAMPLES, SHIPPED])
    assert c.ruleset.chain == ["base", "armavir-technikum-2025"]
    assert c.run_golden() == []
    keys = {line.key() for line in c.ruleset.lines}
    assert "p, deputy_studies, discipline, delete, institution, always" not in keys
    assert "p, deputy_studies, discipline, delete, institution, always" in {
        line.key() for line in compiled("armavir-technikum-2025").ruleset.lines
    }
    case = {
        "roles": ["department_head"],
        "object": "attendance.reason",
        "action": "update",
        "in": ["institution", "department"],
        "state": ["period_open"],
    }
    assert c.golden_decision(case).allowed
    assert "Приказ № 12 от 01.09.2026" in c.golden_decision(case).clause
    assert not compiled("armavir-technikum-2025").golden_decision(case).allowed
    assert c.ruleset.rule("deadlines", "absence_reason_days") == 3
    assert c.ruleset.rule("final_mark", "approval_by") == "deputy_studies"  # inherited


# -- matrix and diff --------------------------------------------------------------------
def test_matrix_of_armavir() -> None:
    rs = load("armavir-technikum-2025", [SHIPPED])
    text = matrix_markdown(rs)
    assert text.startswith("# Положение о работе в АИС")
    assert "armavir-technikum-2025.ru.txt" in text
    for title in (
        "Секретарь учебной части",
        "Заведующий отделением",
        "Куратор (классный руководитель) группы",
    ):
        assert title in text
    assert "## Куратор (классный руководитель) группы (`curator`)" in text
    assert (
        "«просматривает журнал своей группы … с правом редактирования причин отсутствия студентов»"
        in text
    )
    assert "✓ curated_group·period_open [п. 4.3]" in text
    assert "`group_curator`" in text  # inherited lines name the role they come through
    header = next(line for line in text.splitlines() if line.startswith("| Объект | Действие | `"))
    assert header.count("`") == 2 * len(concrete_roles(rs))
    for line in text.splitlines():
        if line.startswith("|"):
            assert line.endswith("|"), line
    en = matrix_markdown(rs, lang="en")
    assert "Secretary of studies" in en
    assert "Absence reason (`attendance.reason`)" in en


def test_matrix_of_nshds12_shows_denies() -> None:
    text = matrix_markdown(load("nshds12-2021", [SHIPPED]))
    assert "✗ institution [разд. 6]" in text
    assert "✗ запрещено" in text


def test_diff_altai_armavir() -> None:
    text = diff_markdown(
        load("altai-college-2016", [SHIPPED]), load("armavir-technikum-2025", [SHIPPED])
    )
    only_a = text.index("## Только в A")
    only_b = text.index("## Только в B")
    changed = text.index("## Изменены")
    section_b = text[only_b:changed]
    assert (
        "| `curator` | `attendance.reason` | `update` | `curated_group` | `period_open` | allow |"
        in section_b
    )
    assert "| `director` | `mark` | `update` | `institution` | `period_open` | allow |" in section_b
    assert "`hr_specialist` | `student` | `create`" in text[only_a:only_b]
    assert (
        "| `teacher` | `mark` | `update` | ✓ taught·period_open&final_not_set | ✓ taught·period_open&attestation_not_set |"
        in text
    )
    assert "`deputy_director`" in text
    assert "`secretary_of_studies`" in text
    assert "| `deadlines.student_card_days` | `1` | `3` |" in text
    same = diff_markdown(
        load("tomsk-technikum-2023", [SHIPPED]), load("tomsk-technikum-2023", [SHIPPED])
    )
    assert "attendance.reason" not in same


def test_short_clause() -> None:
    assert short_clause("altai-college-2016 п. 4.3: «без права»") == "п. 4.3"
    assert short_clause("nshds12-2021 разд. 6: запрещается") == "разд. 6"
    assert short_clause("tomsk-technikum-2023 п. 4.2.4–4.2.6: расписание") == "п. 4.2.4–4.2.6"
    assert short_clause("no clause: least privilege") == "без основания"
    assert short_clause("no clause: x", lang="en") == "no clause"
