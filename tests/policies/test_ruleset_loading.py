"""Rulesets load from CAMPUSGRAPH_RULESETS_PATH, reload at run time without ever swapping in
a broken one, and an administrator switches the institution's ruleset where allowed."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from campusgraph.policies.engine import PolicyRegistry, RulesetError
from campusgraph.policies.ruleset import SHIPPED, search_dirs

ROOT = Path(__file__).parents[2]
EXAMPLE = ROOT / "examples" / "rulesets"

RELOAD = (
    "mutation { reloadRulesets(input: {}) { results { slug status } errors { code rule clause } } }"
)
SWITCH = """
mutation ($slug: String!) {
  switchRuleset(input: {ruleset: $slug}) { ruleset { slug extends } errors { code message field } }
}
"""


def test_a_broken_ruleset_never_replaces_a_working_one(tmp_path: Path) -> None:
    shutil.copytree(EXAMPLE / "example-college", tmp_path / "example-college")
    registry = PolicyRegistry(search_dirs([tmp_path]))
    working = registry.get("example-college")
    policy = tmp_path / "example-college" / "policy.csv"
    policy.write_text(
        policy.read_text(encoding="utf-8")
        + "\np, curator, mark, update, taugth, always, allow, x\n"
    )

    with pytest.raises(RulesetError, match="taugth"):
        registry.reload("example-college")

    assert registry.get("example-college") is working
    assert "unknown scope" in registry.reload_all()["example-college"]


def test_a_ruleset_failing_its_golden_cases_is_refused(tmp_path: Path) -> None:
    shutil.copytree(EXAMPLE / "example-college", tmp_path / "example-college")
    golden = tmp_path / "example-college" / "golden.toml"
    golden.write_text(
        golden.read_text(encoding="utf-8")
        + '\n[[case]]\nroles = ["student"]\nobject = "mark"\naction = "update"\nin = ["self"]\n'
        'state = ["period_open"]\nexpect = "allow"\n'
    )
    with pytest.raises(RulesetError, match="expected allow, got deny"):
        PolicyRegistry(search_dirs([tmp_path])).get("example-college")


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "campusgraph", "policy", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        cwd=ROOT,
    )


def test_cli_matrix_prints_a_readable_table() -> None:
    result = _cli("matrix", "armavir-technikum-2025")
    assert result.returncode == 0, result.stderr
    assert "| `curator` |" in result.stdout
    assert "Куратор" in result.stdout
    assert "п. 4.3" in result.stdout


def test_cli_lint_names_the_line_of_a_typo(tmp_path: Path) -> None:
    folder = tmp_path / "typo-college"
    shutil.copytree(EXAMPLE / "example-college", folder)
    policy = folder / "policy.csv"
    lines = policy.read_text(encoding="utf-8").splitlines()
    lines.append("p, curator, mark, read, curated_group, always, alow, local order")
    policy.write_text("\n".join(lines) + "\n", encoding="utf-8")

    result = _cli("lint", str(folder))

    assert result.returncode == 1
    assert (
        f"typo-college/policy.csv:{len(lines)}: effect must be 'allow' or 'deny', not 'alow'"
        in result.stdout
    )


def test_cli_lint_passes_every_shipped_ruleset() -> None:
    result = _cli("lint")
    assert result.returncode == 0, result.stdout
    assert result.stdout.count("✓") == len([p for p in SHIPPED.iterdir() if p.is_dir()])


def test_cli_diff_names_the_differences() -> None:
    result = _cli("diff", "altai-college-2016", "armavir-technikum-2025")
    assert result.returncode == 0, result.stderr
    assert "attendance.reason" in result.stdout


async def test_extra_rulesets_path_and_switching(make_client: Any, tmp_path: Path) -> None:
    shutil.copytree(EXAMPLE / "example-college", tmp_path / "example-college")
    async with make_client(rulesets_path=str(tmp_path)) as anonymous:
        admin = await anonymous.as_("armavir-technikum-2025", "administrator")
        teacher = await anonymous.as_("armavir-technikum-2025", "teacher")

        denied = (await teacher.data(SWITCH, {"slug": "example-college"}))["switchRuleset"]
        assert denied["ruleset"] is None
        assert denied["errors"][0]["code"] == "FORBIDDEN"

        unknown = (await admin.data(SWITCH, {"slug": "no-such-ruleset"}))["switchRuleset"]
        assert unknown["errors"][0]["code"] == "VALIDATION"

        switched = (await admin.data(SWITCH, {"slug": "example-college"}))["switchRuleset"]
        assert switched["errors"] == []
        assert switched["ruleset"] == {
            "slug": "example-college",
            "extends": ["base", "armavir-technikum-2025"],
        }

        viewer = await admin.data("query { ruleset { slug } viewer { ruleset } }")
        assert viewer == {
            "ruleset": {"slug": "example-college"},
            "viewer": {"ruleset": "example-college"},
        }


async def test_reload_is_refused_to_a_teacher_and_reports_per_ruleset(sign_in: Any) -> None:
    teacher = await sign_in("altai-college-2016", "teacher")
    denied = (await teacher.data(RELOAD))["reloadRulesets"]
    assert denied["results"] is None
    assert denied["errors"][0]["code"] == "FORBIDDEN"
    assert denied["errors"][0]["clause"]

    admin = await sign_in("altai-college-2016", "administrator")
    done = (await admin.data(RELOAD))["reloadRulesets"]
    assert done["errors"] == []
    assert {r["slug"]: r["status"] for r in done["results"]}["altai-college-2016"] == "ok"
