"""Every line of every shipped ruleset is the deciding line of a golden case (see
:mod:`tests.policies.golden.lines`), answered through ``viewer.can`` on a real demo row."""

from __future__ import annotations

import pytest

from campusgraph.policies.ruleset import PolicyLine
from tests.policies.golden.asking import Golden
from tests.policies.golden.cases import Case, case_id, check
from tests.policies.golden.lines import (
    BASE,
    RULESETS,
    SHADOWED,
    UNHELD_ROLES,
    UNREACHABLE,
    accounts,
    all_targets,
    answered_by,
    exemption,
    generated_case,
    holders,
    key_of,
    lines_of,
    plan,
)
from tests.policies.golden.test_coverage import TABLES


async def _decided(golden: Golden) -> dict[tuple[str, str], str]:
    """(ruleset, line source) → a hand-written case whose answer names that line."""
    decided: dict[tuple[str, str], str] = {}
    for cases in TABLES.values():
        for case in cases:
            if case.xfail is not None:
                continue
            answer = await golden.ask(case, cases)
            try:
                check(case, answer)
            except AssertionError:
                continue  # its own test reports it; a wrong answer covers nothing
            if answer.source is not None:
                decided.setdefault((answered_by(case), answer.source), case_id(case))
    return decided


@pytest.mark.parametrize("slug", RULESETS)
async def test_every_line_decides_a_case(golden: Golden, slug: str) -> None:
    """Given the hand-written tables, when a line is named by none of their answers, then
    a case is generated for it (an account holding the role, a row only it reaches) and
    its answer must name it; a line neither names is listed with its reason, or fails."""
    decided = await _decided(golden)
    missing: list[tuple[PolicyLine, Case]] = []
    unexplained: list[str] = []
    for line in lines_of(slug):
        if (slug, line.source) in decided:
            continue
        target = plan(slug, line)
        if target.login is None:
            if exemption(slug, line) is None:
                unexplained.append(f"  {line.source} ({line.key()}): {target.reason}")
            continue
        missing.append((line, generated_case(target)))
    failures: list[str] = []
    generated = [case for _, case in missing]
    for line, case in missing:
        answer = await golden.ask(case, generated)
        unreachable = key_of(slug, line) in UNREACHABLE
        try:
            check(case, answer)
        except AssertionError as error:
            if not unreachable:
                failures.append(f"  {case.line} as {case.login}: {error}")
        else:
            if unreachable:
                failures.append(
                    f"  {case.line} is listed in UNREACHABLE but decided {case_id(case)}"
                )
    assert not [*unexplained, *failures], (
        f"{len(unexplained)} line(s) of {slug} can decide no case and are not listed "
        "(lines.SHADOWED / UNREACHABLE / UNHELD_ROLES) with a reason:\n"
        + "\n".join(unexplained)
        + f"\n{len(failures)} line(s) of {slug} are the deciding line of no case, "
        "hand-written or generated:\n" + "\n".join(failures)
    )


def test_exemptions_are_what_the_rulesets_say() -> None:
    """The listed reasons stay true: a shadowed line is still shadowed (and every
    shadowed line is listed), an unheld role still held by no demo account."""
    found_shadowed = {}
    for target in all_targets():
        if target.login is None and target.reason.startswith("shadowed"):
            found_shadowed[key_of(target.slug, target.line)] = target.reason
    assert set(SHADOWED) == set(found_shadowed), {
        "listed but not shadowed": sorted(set(SHADOWED) - set(found_shadowed)),
        "shadowed but not listed": sorted(set(found_shadowed) - set(SHADOWED)),
    }
    for slug in RULESETS:
        held = set().union(*accounts(slug).values())
        used = {line.role for line in lines_of(slug)}
        assert set(UNHELD_ROLES.get(slug, {})) == used - held, slug
    for (slug, key), reason in UNREACHABLE.items():
        line = next(x for x in lines_of(slug) if key_of(slug, x) == (slug, key))
        assert holders(slug, line), (slug, key)
        assert reason, (slug, key)
    assert BASE in RULESETS


@pytest.mark.parametrize("slug", RULESETS)
async def test_each_lines_sql_filter_finds_a_row_it_decides(golden: Golden, slug: str) -> None:
    """Given every line an account can have decide, when the line's own SQL filter (minus
    the later and deny lines of that account) picks a demo row, then ``viewer.can`` on that
    row cites exactly that line: the SQL half of each line's scope and condition selects
    rows its row check agrees on, line by line."""
    generated: list[tuple[PolicyLine, Case]] = []
    for line in lines_of(slug):
        target = plan(slug, line)
        if target.login is not None and key_of(slug, line) not in UNREACHABLE:
            generated.append((line, generated_case(target)))
    cases = [case for _, case in generated]
    failures: list[str] = []
    for line, case in generated:
        try:
            check(case, await golden.ask(case, cases))
        except AssertionError as error:
            failures.append(f"  {line.source} as {case.login}: {error}")
    assert generated
    assert not failures, f"{len(failures)} line(s) of {slug}:\n" + "\n".join(failures)
