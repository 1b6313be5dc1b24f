"""The whole-ruleset lints of :mod:`campusgraph.policies.coverage`: every shipped ruleset
is clean under each, and each reports a hand-made ruleset that breaks it."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from campusgraph.policies import operations
from campusgraph.policies.coverage import covers, unexercised, write_without_read
from campusgraph.policies.ruleset import SHIPPED, LintError, available, load, load_path

SHIPPED_SLUGS = available([SHIPPED])

#: A tiny ruleset of its own (no parent): one role writing curricula, and what it reads.
TOML = """\
slug = "{slug}"
title = "Test ruleset"
kind = "college"

[roles.clerk]
title_ru = "Делопроизводитель"
title_en = "Clerk"

[roles.teacher]
title_ru = "Преподаватель"
title_en = "Teacher"

[roles.reader]
title_ru = "Читатель"
title_en = "Reader"
abstract = true
"""


def made(tmp_path: Path, policy: str, lint_table: str = "", slug: str = "made") -> Path:
    folder = tmp_path / slug
    folder.mkdir()
    (folder / "ruleset.toml").write_text(
        TOML.format(slug=slug) + textwrap.dedent(lint_table), encoding="utf-8"
    )
    (folder / "policy.csv").write_text(textwrap.dedent(policy), encoding="utf-8")
    return folder


def lint_of(folder: Path, which: str) -> list[LintError]:
    ruleset = load_path(folder, [folder.parent, SHIPPED])
    assert ruleset.errors == [], [str(e) for e in ruleset.errors]
    return write_without_read(ruleset) if which == "write" else unexercised(ruleset)


def sources(errors: list[LintError]) -> list[str]:
    return [e.source for e in errors]


# -- every shipped ruleset is clean -----------------------------------------------------------


@pytest.mark.parametrize("slug", SHIPPED_SLUGS)
def test_every_write_is_read_back_in_each_shipped_ruleset(slug: str) -> None:
    errors = write_without_read(load(slug, [SHIPPED]))
    assert errors == [], "\n".join(map(str, errors))


@pytest.mark.parametrize("slug", SHIPPED_SLUGS)
def test_every_line_of_each_shipped_ruleset_is_exercised_by_an_operation(slug: str) -> None:
    errors = unexercised(load(slug, [SHIPPED]))
    assert errors == [], "\n".join(map(str, errors))


# -- write without read: each way of breaking it ---------------------------------------------

WRITE = "p, clerk, subgroup, create, institution, always, allow, п. 1: делит группы на подгруппы\n"


def test_a_write_nobody_reads_back_is_reported_at_its_line(tmp_path: Path) -> None:
    # given a clerk who creates curricula and reads none
    folder = made(tmp_path, WRITE)
    # when linted, then the write line is named, with the role and what to add
    errors = lint_of(folder, "write")
    assert sources(errors) == ["made/policy.csv:1"]
    assert "clerk may create subgroup" in errors[0].message
    assert "'subgroup, read'" in errors[0].message


@pytest.mark.parametrize(
    ("read_line", "why"),
    [
        ("p, clerk, subgroup, read, taught, always, allow, п. 1", "a narrower scope"),
        ("p, teacher, subgroup, read, institution, always, allow, п. 1", "another role"),
        ("p, clerk, group, read, institution, always, allow, п. 1", "another object"),
        ("p, clerk, subgroup, read, institution, always, deny, п. 1", "a deny line"),
    ],
)
def test_a_read_that_does_not_cover_the_write_leaves_it_reported(
    tmp_path: Path, read_line: str, why: str
) -> None:
    folder = made(tmp_path, WRITE + read_line + "\n")
    assert sources(lint_of(folder, "write")) == ["made/policy.csv:1"], why


def test_a_deny_read_cancels_the_allow_that_would_read_it_back(tmp_path: Path) -> None:
    folder = made(
        tmp_path,
        WRITE
        + "p, clerk, subgroup, read, institution, always, allow, п. 1\n"
        + "p, clerk, subgroup, read, region, always, deny, п. 2\n",
    )
    assert sources(lint_of(folder, "write")) == ["made/policy.csv:1"]


@pytest.mark.parametrize(
    "read_lines",
    [
        "p, clerk, subgroup, read, institution, always, allow, п. 1\n",
        "p, clerk, subgroup, read, region, always, allow, п. 1\n",
        # inherited through a g line
        "g, clerk, reader, п. 1\np, reader, subgroup, read, institution, always, allow, п. 1\n",
    ],
)
def test_a_covering_read_own_or_inherited_clears_the_write(tmp_path: Path, read_lines: str) -> None:
    assert lint_of(made(tmp_path, WRITE + read_lines), "write") == []


def test_an_abstract_roles_write_is_judged_by_the_roles_holding_it(tmp_path: Path) -> None:
    # given an abstract role writing, held by clerk (who reads) and teacher (who does not)
    folder = made(
        tmp_path,
        "p, reader, subgroup, update, institution, always, allow, п. 1\n"
        "g, clerk, reader, п. 1\n"
        "g, teacher, reader, п. 1\n"
        "p, clerk, subgroup, read, institution, always, allow, п. 1\n",
    )
    errors = lint_of(folder, "write")
    # then the line is reported for the teacher only
    assert sources(errors) == ["made/policy.csv:1"]
    assert errors[0].message.startswith("teacher may update subgroup")


def test_a_written_reason_clears_a_write_and_a_needless_one_is_reported(tmp_path: Path) -> None:
    reason = """
        [lint.write_without_read]
        "clerk subgroup" = "no clause: the clerk splits groups he may not see"
        """
    assert lint_of(made(tmp_path, WRITE, reason), "write") == []
    needless = made(
        tmp_path,
        WRITE + "p, clerk, subgroup, read, institution, always, allow, п. 1\n",
        reason,
        slug="needless",
    )
    assert sources(lint_of(needless, "write")) == ["needless/ruleset.toml"]


def test_scopes_cover_only_themselves_and_from_wider_ones() -> None:
    assert covers("institution", "taught")
    assert covers("region", "institution")
    assert covers("taught", "taught")
    assert not covers("taught", "institution")
    assert not covers("institution", "region")
    assert not covers("curated_group", "department")


# -- unexercised: each way of breaking it -----------------------------------------------------


def test_a_line_no_operation_exercises_is_reported_at_its_line(tmp_path: Path) -> None:
    # given a line on credentials of an account (issued per card, never per account)
    folder = made(
        tmp_path,
        "p, clerk, mark, read, institution, always, allow, п. 1\n"
        "p, clerk, account, issue_credentials, institution, always, allow, п. 2\n",
    )
    errors = lint_of(folder, "unexercised")
    assert sources(errors) == ["made/policy.csv:2"]
    assert "'account issue_credentials'" in errors[0].message


def test_a_written_reason_keeps_a_line_and_a_stale_one_is_reported(tmp_path: Path) -> None:
    policy = "p, clerk, curatorship, read, institution, always, allow, п. 1\n"
    kept = made(tmp_path, policy, '[lint.unexercised]\n"curatorship" = "no curatorship API yet"\n')
    assert lint_of(kept, "unexercised") == []
    stale = made(
        tmp_path,
        policy,
        '[lint.unexercised]\n"curatorship" = "no API yet"\n"mark read" = "no journal yet"\n',
        slug="stale",
    )
    errors = lint_of(stale, "unexercised")
    assert sources(errors) == ["stale/ruleset.toml"]
    assert "'mark read': the API exercises it now" in errors[0].message


def test_a_childs_exemption_is_inherited(tmp_path: Path) -> None:
    # given a child of base with a message line of its own: base's issue-15 reason covers it
    folder = tmp_path / "child"
    folder.mkdir()
    (folder / "ruleset.toml").write_text(
        'slug = "child"\ntitle = "Child"\nkind = "college"\nextends = "base"\n'
        '[roles.clerk]\ntitle_ru = "Делопроизводитель"\ntitle_en = "Clerk"\n',
        encoding="utf-8",
    )
    (folder / "policy.csv").write_text(
        "p, clerk, message, create, author, always, allow, п. 1\n", encoding="utf-8"
    )
    assert lint_of(folder, "unexercised") == []


def test_the_lint_command_reports_both_lints(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from campusgraph.policies.commands import _lint

    folder = made(
        tmp_path,
        WRITE + "p, clerk, curatorship, read, institution, always, allow, п. 2\n",
    )
    assert _lint(str(folder), [SHIPPED]) == 1
    out = capsys.readouterr().out
    assert "made/policy.csv:1: clerk may create subgroup" in out
    assert "made/policy.csv:2: no operation of the API exercises 'curatorship read'" in out
    assert operations.is_exercised("subgroup", "create")
