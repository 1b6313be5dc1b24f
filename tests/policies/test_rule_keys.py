"""The ``[rules]`` of a ruleset hold only keys some code declares it reads
(policies/rule_keys.py), of the declared type, and every key read with no default is
there — checked by every ruleset's load, hence by ``campusgraph policy lint``."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from campusgraph.cli import main
from campusgraph.policies import rule_keys
from campusgraph.policies.engine import RulesetError, compile_ruleset
from campusgraph.policies.ruleset import SHIPPED, available, load, load_path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "rulesets"
SRC = ROOT / "src" / "campusgraph"
SLUG = "armavir-technikum-2025"


def _copy(tmp_path: Path, extra_toml: str) -> Path:
    """A copy of Armavir's ruleset with ``extra_toml`` appended to its ruleset.toml."""
    folder = tmp_path / SLUG
    shutil.copytree(SHIPPED / SLUG, folder)
    toml = folder / "ruleset.toml"
    toml.write_text(toml.read_text("utf-8") + extra_toml, "utf-8")
    return folder


def _rule_errors(folder: Path) -> list[str]:
    return [str(e) for e in load_path(folder, [SHIPPED]).errors if "rules" in e.message]


@pytest.mark.parametrize("slug", [*available([SHIPPED]), "example-college"])
def test_every_shipped_ruleset_holds_only_keys_the_code_reads(slug: str) -> None:
    ruleset = load(slug, [EXAMPLES, SHIPPED])
    assert ruleset.errors == []
    declared = rule_keys.registry()
    for table, body in ruleset.meta.get("rules", {}).items():
        for name in body:
            assert (table, name) in declared, f"rules.{table}.{name}"


def test_an_unknown_key_and_an_unknown_table_fail_the_lint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given a ruleset with a made-up deadline and a made-up table
    folder = _copy(
        tmp_path,
        "\n[rules.archive]\nyears = 5\n",
    )
    toml = folder / "ruleset.toml"
    toml.write_text(
        toml.read_text("utf-8").replace(
            "[rules.deadlines]\n", "[rules.deadlines]\nthesis_defence_days = 2\n", 1
        ),
        "utf-8",
    )
    # when it is linted, loaded and compiled
    errors = _rule_errors(folder)
    code = main(["policy", "lint", str(folder)])
    # then each is named at its file, and the ruleset does not compile
    assert errors == [
        f"{SLUG}/ruleset.toml: rules.deadlines.thesis_defence_days: no code reads this key "
        "(declare it where it is read, or remove it)",
        f"{SLUG}/ruleset.toml: [rules.archive]: no code reads this table "
        "(declare each key where it is read, or remove it)",
    ]
    assert code == 1
    assert "thesis_defence_days" in capsys.readouterr().out
    with pytest.raises(RulesetError, match="thesis_defence_days"):
        compile_ruleset(SLUG, [tmp_path, SHIPPED])


def test_a_value_of_the_wrong_type_fails_the_lint(tmp_path: Path) -> None:
    folder = _copy(tmp_path, "")
    toml = folder / "ruleset.toml"
    toml.write_text(
        toml.read_text("utf-8").replace("student_card_days = 3", 'student_card_days = "3"', 1),
        "utf-8",
    )
    assert _rule_errors(folder) == [
        f"{SLUG}/ruleset.toml: rules.deadlines.student_card_days: '3' is not int "
        "(read by campusgraph.resolvers.compliance)"
    ]


def test_an_administration_role_the_ruleset_lacks_fails_the_lint(tmp_path: Path) -> None:
    # given Armavir's administration with a role misspelt (its holders would be unreachable)
    folder = _copy(tmp_path, "")
    toml = folder / "ruleset.toml"
    toml.write_text(
        toml.read_text("utf-8").replace(
            'administration = ["director", "deputy_studies"',
            'administration = ["director", "deputy_study"',
            1,
        ),
        "utf-8",
    )
    # when it is loaded, then the name is refused at its file
    assert _rule_errors(folder) == [
        f"{SLUG}/ruleset.toml: rules.correspondence.administration: role 'deputy_study' is "
        "not declared"
    ]


def test_a_key_read_with_no_default_that_a_ruleset_lacks_fails_the_lint(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given code that reads a deadline every ruleset must set
    rule_keys.registry()
    key = rule_keys.RuleKey(
        "deadlines", "thesis_defence_days", int, rule_keys.REQUIRED, "tests", "no default"
    )
    monkeypatch.setitem(rule_keys._REGISTRY, ("deadlines", "thesis_defence_days"), key)
    # then every shipped ruleset, lacking it, fails — and reading it raises, not guesses
    for slug in available([SHIPPED]):
        messages = [e.message for e in load(slug, [SHIPPED]).errors]
        assert (
            "rules.deadlines.thesis_defence_days is read by tests with no default, "
            "and this ruleset lacks it"
        ) in messages, slug
    with pytest.raises(rule_keys.RuleMissing):
        key.read(load(SLUG, [SHIPPED]))


def test_a_ruleset_that_sets_a_required_key_passes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rule_keys.registry()
    key = rule_keys.RuleKey(
        "deadlines", "thesis_defence_days", int, rule_keys.REQUIRED, "tests", "no default"
    )
    monkeypatch.setitem(rule_keys._REGISTRY, ("deadlines", "thesis_defence_days"), key)
    folder = _copy(tmp_path, "")
    toml = folder / "ruleset.toml"
    toml.write_text(
        toml.read_text("utf-8").replace(
            "[rules.deadlines]\n", "[rules.deadlines]\nthesis_defence_days = 2\n", 1
        ),
        "utf-8",
    )
    ruleset = load_path(folder, [SHIPPED])
    own = [e for e in ruleset.errors if e.source.startswith(SLUG)]
    assert own == []
    assert key.read(ruleset) == 2


def test_every_module_that_declares_rule_keys_is_a_reader() -> None:
    """A declaring module missing from READERS would leave its keys unknown to the lint."""
    declaring = set()
    for path in SRC.rglob("*.py"):
        if path.name == "rule_keys.py":
            continue
        if re.search(r"\brule_(key|table)\(", path.read_text("utf-8")):
            module = ".".join(path.relative_to(SRC.parent).with_suffix("").parts)
            declaring.add(module)
    assert declaring == set(rule_keys.READERS)


def test_no_code_reads_rules_around_the_declarations() -> None:
    """``[rules]`` is read only through declared keys (rule_keys), never raw: a raw read
    is a key the lint cannot see."""
    raw = re.compile(r"\.rule\(|\[\"rules\"\]|get\(\"rules\"")
    allowed = {"ruleset.py", "rule_keys.py", "matrix.py"}  # the loader, the registry, the diff
    offenders = [
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if path.name not in allowed and raw.search(path.read_text("utf-8"))
    ]
    assert offenders == []
