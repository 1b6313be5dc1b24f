"""Every clause a ruleset cites is exercised by a golden case, through the endpoint.

For each shipped ruleset: every clause key its ``policy.csv`` lines cite — its own lines'
paragraph references and, once per child, each inherited base clause (see
:mod:`tests.policies.golden.clauses`) — must come back in the ``clause`` of at least one
ALLOW case that ``viewer.can`` allowed; every deny line must be named by the ``rule`` of a
DENY case. A clause added to a policy.csv without a case fails here.

A clause only a strict-xfail case reaches (a known ruleset or engine problem, listed in the
report of that case) is accounted for by that case: when the problem is fixed the case
XPASSes and fails, and it then covers its clause like any other.
"""

from __future__ import annotations

import pytest

from tests.policies.golden import test_altai, test_armavir, test_barnaul, test_nshds12, test_tomsk
from tests.policies.golden.asking import Golden
from tests.policies.golden.cases import ALLOW, DENY, Case, case_id
from tests.policies.golden.clauses import Line, clause_keys, line_at, required
from tests.policies.golden.pickers import SHORT, SLUGS

TABLES: dict[str, list[Case]] = {
    "altai-college-2016": test_altai.CASES,
    "armavir-technikum-2025": test_armavir.CASES,
    "barnaul-school6-2016": test_barnaul.CASES,
    "tomsk-technikum-2023": test_tomsk.CASES,
    "nshds12-2021": test_nshds12.CASES,
}


def _show(key: str, lines: list[Line]) -> str:
    first = lines[0]
    where = ", ".join(line.source for line in lines)
    return f"  {key!r} — {where} (e.g. p, {first.role}, {first.obj}, {first.act}, …)"


def test_every_ruleset_has_a_table() -> None:
    assert set(TABLES) == set(SLUGS)


@pytest.mark.parametrize("slug", SLUGS, ids=SHORT.get)
async def test_every_clause_is_exercised(golden: Golden, slug: str) -> None:
    cases = TABLES[slug]
    need = required(slug)
    covered: dict[str, str] = {}  # clause key → a case whose answer cites it
    named: set[str] = set()  # deny lines named by a DENY case's answer
    known: dict[str, str] = {}  # clause key or deny line → the xfail case standing for it
    errors: dict[str, str] = {}  # case → the error its answer came with
    for case in cases:
        answer = await golden.ask(case, cases)
        if answer.error is not None and case.xfail is None:
            errors[case_id(case)] = answer.error
        if case.xfail is not None:
            if case.line is not None:
                line = line_at(case.line)
                targets = {line.source} if line.effect == "deny" else clause_keys(line.clause)
                for target in targets:
                    known.setdefault(target, case_id(case))
            continue  # a case known to fail proves nothing
        if case.expect == ALLOW and answer.allowed:
            for key in clause_keys(answer.clause or ""):
                covered.setdefault(key, case_id(case))
        if case.expect == DENY and answer.allowed is False and answer.source:
            named.add(answer.source)

    # An answer that came with an error (a time limit, a lost sign-in) covers nothing; said
    # first, or its clauses would read as missing cases.
    assert not errors, f"{len(errors)} case(s) of {slug} answered with an error: {errors}"
    missing = [key for key in need.allow if key not in covered and key not in known]
    assert not missing, (
        f"{len(missing)} clause(s) of {slug} are cited by its policy lines but no ALLOW case "
        "got them back from viewer.can — add a case to its table:\n"
        + "\n".join(_show(key, need.allow[key]) for key in missing)
    )
    unnamed = [line.source for line in need.deny if line.source not in named | set(known)]
    assert not unnamed, (
        f"deny lines of {slug} no DENY case got named in its rule: {', '.join(unnamed)}"
    )
