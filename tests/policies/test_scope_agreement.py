"""Each scope and condition is implemented twice — a row check over facts and an SQL
filter for lists. For every (object, scope, condition) a ruleset line may combine, and
every viewer who actually holds the scope (a department head, a substitute, an author, a
parent …), both halves must select the same rows — and a non-empty set of them, out of
rows their scope and condition also exclude: agreeing on the empty set proves nothing.
How the situation is built and which rows are compared: tests/support/scope_agreement.py.
"""

from __future__ import annotations

from typing import Any

from campusgraph.policies.vocabulary import Condition, Scope
from tests.support.scope_agreement import TRIPLES, agreement, prepare


async def test_row_checks_agree_with_sql_filters_on_non_empty_selections(db: Any) -> None:
    # given the demo school with every fact a scope or condition reads, a quarter closed
    situation = await prepare(db)
    # when both halves select, for every triple and every holder of its scope
    report = await agreement(db, situation)
    # then they agree …
    disagreements = report.disagreements()
    assert not disagreements, "\n".join(o.describe() for o in disagreements)
    # … on every triple, with a non-empty selection for some holder …
    assert all(report.of(*t) for t in TRIPLES)
    empty = [t for t in TRIPLES if not any(o.checked for o in report.of(*t))]
    assert not empty, f"selected nothing for any holder: {empty}"
    # … that the scope narrows (short of the whole region) …
    unscoped = [
        (obj, scope)
        for obj, scope, cond in TRIPLES
        if cond is Condition.ALWAYS
        and scope is not Scope.REGION
        and not any(len(o.checked) < o.universe for o in report.of(obj, scope, cond))
    ]
    assert not unscoped, f"the scope excluded no row: {unscoped}"
    # … and the condition narrows further
    idle = [
        (obj, scope, cond)
        for obj, scope, cond in TRIPLES
        if cond is not Condition.ALWAYS
        and not any(
            o.checked < always.checked
            for o in report.of(obj, scope, cond)
            for always in report.of(obj, scope, Condition.ALWAYS)
            if always.login == o.login
        )
    ]
    assert not idle, f"the condition excluded no row the scope selected: {idle}"


def test_every_scope_and_condition_is_exercised() -> None:
    """The compared triples cover every scope and every condition of the vocabulary."""
    assert {scope for _, scope, _ in TRIPLES} == set(Scope)
    assert {cond for _, _, cond in TRIPLES} == set(Condition)
