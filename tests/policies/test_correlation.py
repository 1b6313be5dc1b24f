"""Every subquery of a policy filter says what it correlates to, so none loses its FROM
inside a statement that reads the same table; and the statement that lost it — a
curator's list of his students' parents — works in every shipped ruleset.

SQLAlchemy correlates a subquery to the enclosing statement by itself when their tables
overlap: the parent-link EXISTS of the ``parent`` filter, put into the loader that joins
parent_link to list a student's parents, lost both its tables, and every curator and
class teacher got INTERNAL instead of the parents the regulations make him keep.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Select
from sqlalchemy.sql.visitors import iterate

from campusgraph.db import demo
from campusgraph.policies.anchors import ANCHORS, anchors_for
from campusgraph.policies.facts import Viewer
from campusgraph.policies.scopes import condition_sql, scope_sql
from campusgraph.policies.vocabulary import OBJECTS, Condition, Scope
from tests.support import DEMO_TODAY

#: A viewer who is everything at once, so no scope shortcuts to ``false()``.
EVERYONE = Viewer(
    user_id=1,
    session_id=None,
    login="everyone",
    institution_ids=(1, 2),
    institution_id=1,
    region_id=1,
    roles=frozenset(),
    person_id=1,
    employee_id=1,
    student_id=1,
    parent_id=1,
    today=DEMO_TODAY,
)


def _filters() -> list[tuple[str, str, Any]]:
    """(object, scope or condition, SQL filter) for every combination that applies."""
    out: list[tuple[str, str, Any]] = []
    for obj in ANCHORS:
        spec = OBJECTS[obj].anchors
        for scope in Scope:
            try:
                out.append((obj, scope.value, scope_sql(scope, EVERYONE, spec, anchors_for(obj))))
            except (AssertionError, ValueError):
                continue  # this scope does not fit the object
        for cond in Condition:
            try:
                out.append((obj, cond.value, condition_sql(cond, EVERYONE, anchors_for(obj))))
            except AssertionError:
                continue
    return out


def _subqueries(expr: Any) -> list[Select[Any]]:
    return [e for e in iterate(expr) if isinstance(e, Select)]


def _explicit(select: Select[Any]) -> bool:
    """``.correlate(...)``, ``.correlate_except(...)`` or ``.correlate(None)`` was said."""
    return (
        bool(select._correlate)
        or select._correlate_except is not None
        or not select._auto_correlate
    )


def test_every_subquery_of_every_policy_filter_correlates_explicitly() -> None:
    # given the SQL filter of every scope and condition on every object that has it
    filters = _filters()
    subqueries = [(obj, name, s) for obj, name, expr in filters for s in _subqueries(expr)]
    assert len(subqueries) > 50, "the filters were walked into their subqueries"
    # then each subquery says what it correlates to: none is left to auto-correlation
    implicit = [f"{obj} / {name}: {s}" for obj, name, s in subqueries if not _explicit(s)]
    assert not implicit, "\n\n".join(implicit)


STUDENT_PARENTS = """
query ($id: ID!) { node(id: $id) { ... on Student { id parents { id fullName } } } }
"""
CURATED = "query { viewer { employee { curatedGroups { id students { id } } } } }"
EXPORT_PARENTS = "query { exportList(kind: PARENTS) { rows } }"


@pytest.mark.parametrize("spec", demo.INSTITUTIONS, ids=lambda s: s.slug)
async def test_a_curator_reads_the_parents_of_his_students(
    spec: demo.InstitutionSpec, shared_sign_in: Any
) -> None:
    # given the curator (class teacher) of a group, in every shipped ruleset
    curator = await shared_sign_in(spec.slug, spec.curating_role)
    groups = (await curator.data(CURATED))["viewer"]["employee"]["curatedGroups"]
    students = [s["id"] for g in groups for s in g["students"]]
    assert students, f"{spec.slug}: the demo curator curates a group with students"
    # when he opens his students' cards: then their parents are there, no error
    parents = []
    for student in students[:5]:
        card = (await curator.data(STUDENT_PARENTS, {"id": student}))["node"]
        assert card is not None
        parents += card["parents"]
    assert parents, f"{spec.slug}: a curator sees his students' parents"
    # when he exports the parents' list: rows, or the ruleset's refusal — never INTERNAL
    payload = await curator.query(EXPORT_PARENTS)
    codes = [e["extensions"]["code"] for e in payload.get("errors") or []]
    assert codes in ([], ["FORBIDDEN"]), payload
    if not codes:
        assert payload["data"]["exportList"]["rows"] > 0
