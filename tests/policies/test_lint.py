"""Lint reports each mistake of a ruleset at its own ``policy.csv:<line>``, and a broken
ruleset never compiles."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from campusgraph.policies.engine import RulesetError, compile_ruleset
from campusgraph.policies.ruleset import SHIPPED, LintError, load

SLUG = "armavir-technikum-2025"
LABEL = f"{SLUG}/policy.csv"

#: (broken line, expected fragment of the lint message)
BROKEN: dict[str, tuple[str, str]] = {
    "effect": (
        "p, curator, attendance.reason, update, curated_group, period_open, alow, п. 4.3",
        "effect must be 'allow' or 'deny', not 'alow'",
    ),
    "scope": (
        "p, teacher, mark, read, taugth, always, allow, п. 4.6",
        "unknown scope 'taugth'",
    ),
    "object": (
        "p, teacher, marks, read, taught, always, allow, п. 4.6",
        "unknown object 'marks'",
    ),
    "fields": (
        "p, teacher, mark, read, taught",
        "a p line has 8 fields",
    ),
    "clause": (
        "p, teacher, mark, read, taught, always, allow,",
        "cites no clause",
    ),
    "action": (
        "p, teacher, mark, edit, taught, always, allow, п. 4.6",
        "unknown action 'edit'",
    ),
    "condition": (
        "p, teacher, mark, update, taught, period_closed, allow, п. 4.6",
        "unknown condition 'period_closed'",
    ),
    "anchor_scope": (
        "p, teacher, room, read, taught, always, allow, п. 4.6",
        "scope 'taught' cannot apply to object 'room'",
    ),
    "anchor_condition": (
        "p, administrator, room, update, institution, period_open, allow, п. 4.1",
        "condition 'period_open' cannot apply to object 'room'",
    ),
    "role": (
        "p, teachr, mark, read, taught, always, allow, п. 4.6",
        "role 'teachr' is not declared",
    ),
    "kind": (
        "q, teacher, mark, read, taught, always, allow, п. 4.6",
        "unknown line type 'q'",
    ),
    "g_clause": (
        "g, teacher, journal_teacher",
        "a g line has 4 fields",
    ),
    "grant_role": (
        "p, administrator, role.administratr, grant, institution, always, allow, п. 4.1",
        "'role.administratr' grants role 'administratr', which is not declared",
    ),
    "grant_abstract": (
        "p, administrator, role.staff_member, grant, institution, always, allow, п. 4.1",
        "grants the abstract role 'staff_member'",
    ),
    "grant_action": (
        "p, administrator, role.teacher, read, institution, always, allow, п. 4.1",
        "takes only the action 'grant', not 'read'",
    ),
    "grant_unnamed": (
        "p, administrator, role_assignment, grant, institution, always, allow, п. 4.1",
        "grants name the role they give",
    ),
    "grant_scope": (
        "p, administrator, role.teacher, grant, substitute, always, allow, п. 4.1",
        "scope 'substitute' cannot apply to object 'role.teacher'",
    ),
}


def broken_copy(tmp_path: Path, which: list[str]) -> tuple[Path, dict[str, int]]:
    """A copy of the Armavir ruleset with the chosen lines broken in place; returns the
    folder list to load from and the line number of each broken line."""
    folder = tmp_path / SLUG
    shutil.copytree(SHIPPED / SLUG, folder)
    policy = folder / "policy.csv"
    lines = policy.read_text(encoding="utf-8").splitlines()
    rule_lines = [i for i, text in enumerate(lines) if text.startswith("p, ")]
    numbers: dict[str, int] = {}
    # spread the broken lines through the file, each replacing one good line
    for k, name in enumerate(which):
        index = rule_lines[(k * 7 + 3) % len(rule_lines)]
        assert index + 1 not in numbers.values()
        lines[index] = BROKEN[name][0]
        numbers[name] = index + 1
    policy.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder, numbers


def errors_by_source(errors: list[LintError]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for error in errors:
        out.setdefault(error.source, []).append(error.message)
    return out


def test_the_unbroken_copy_is_clean(tmp_path: Path) -> None:
    folder, numbers = broken_copy(tmp_path, [])
    assert numbers == {}
    assert load(SLUG, [tmp_path, SHIPPED]).errors == []
    assert load(SLUG, [tmp_path, SHIPPED]).path == folder


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_each_mistake_is_reported_at_its_line(tmp_path: Path, name: str) -> None:
    _, numbers = broken_copy(tmp_path, [name])
    errors = load(SLUG, [tmp_path, SHIPPED]).errors
    by_source = errors_by_source(errors)
    where = f"{LABEL}:{numbers[name]}"
    assert list(by_source) == [where], [str(e) for e in errors]
    assert any(BROKEN[name][1] in message for message in by_source[where]), by_source
    assert str(errors[0]).startswith(f"{where}: ")


def test_all_mistakes_at_once(tmp_path: Path) -> None:
    names = ["effect", "scope", "object", "fields", "clause"]
    _, numbers = broken_copy(tmp_path, names)
    by_source = errors_by_source(load(SLUG, [tmp_path, SHIPPED]).errors)
    assert set(by_source) == {f"{LABEL}:{numbers[n]}" for n in names}
    for n in names:
        messages = by_source[f"{LABEL}:{numbers[n]}"]
        assert any(BROKEN[n][1] in m for m in messages), (n, messages)
    with pytest.raises(RulesetError) as raised:
        compile_ruleset(SLUG, [tmp_path, SHIPPED])
    assert any(f"{LABEL}:{numbers['effect']}" in p for p in raised.value.problems)


def test_a_drop_that_names_no_parent_line(tmp_path: Path) -> None:
    folder, _ = broken_copy(tmp_path, [])
    toml = folder / "ruleset.toml"
    text = toml.read_text(encoding="utf-8")
    text = text.replace(
        '"p, journal_teacher, mark, delete, taught, period_open",',
        '"p, journal_teacher, mark, delete, taught, period_open",\n'
        '  "p, journal_teacher, marks, delete, taught, period_open",',
    )
    toml.write_text(text, encoding="utf-8")
    errors = [str(e) for e in load(SLUG, [tmp_path, SHIPPED]).errors]
    assert errors == [
        f"{SLUG}/ruleset.toml: drop names no parent line: "
        "'p, journal_teacher, marks, delete, taught, period_open'"
    ]


def test_a_failing_golden_case_stops_the_compile(tmp_path: Path) -> None:
    folder, _ = broken_copy(tmp_path, [])
    golden = folder / "golden.toml"
    text = golden.read_text(encoding="utf-8")
    first = 'expect = "allow"'
    assert first in text
    golden.write_text(text.replace(first, 'expect = "deny"', 1), encoding="utf-8")
    with pytest.raises(RulesetError) as raised:
        compile_ruleset(SLUG, [tmp_path, SHIPPED])
    assert f"{SLUG}/golden.toml case 1 " in raised.value.problems[0]
    assert "expected deny, got allow" in raised.value.problems[0]


@pytest.mark.parametrize(
    "slug",
    [
        "base",
        "altai-college-2016",
        SLUG,
        "barnaul-school6-2016",
        "tomsk-technikum-2023",
        "nshds12-2021",
    ],
)
def test_shipped_rulesets_lint_clean(slug: str) -> None:
    assert [str(e) for e in load(slug, [SHIPPED]).errors] == []
