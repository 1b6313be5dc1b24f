"""A policy filter's subqueries of viewer facts read once per statement on PostgreSQL.

Every subquery a filter holds is a fact about the viewer (the groups and disciplines a
teacher teaches, a curator's groups, a parent's children: ``scopes.uncorrelated``), the
same for every row. PostgreSQL pulls an ``IN (SELECT …)`` standing among a WHERE's
top-level conditions up into a semi-join; under the generic plan of a kept statement it
takes the filtered scan for one row and answers the semi-join with a nested loop that
reads the facts again for every row: the journal's 597 marks read the teacher's
assignments 597 times, and the full ruleset cost 1.23× the allow-all control on
PostgreSQL (scenario 4) against 1.0× on SQLite, which reads such a subquery once into
an index of its own.

Wrapped as ``(filter) IS TRUE`` the filter is one condition, not a list of sublinks:
PostgreSQL keeps each subquery as a subplan, reads it once into a hash and probes it per
row, whatever the estimate. In a WHERE (and in a CASE) ``IS TRUE`` selects exactly what
the filter selects — a NULL is not true either way. SQLite is given the filter as it is.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, ColumnElement
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.visitors import InternalTraversal


class ReadOnce(ColumnElement[bool]):
    """``clause``, as one condition whose subqueries PostgreSQL reads once."""

    __visit_name__ = "policy_read_once"
    inherit_cache = True
    _traverse_internals = [("clause", InternalTraversal.dp_clauseelement)]  # noqa: RUF012
    type = Boolean()

    def __init__(self, clause: ColumnElement[bool]) -> None:
        self.clause = clause


@compiles(ReadOnce)
def _as_it_is(element: ReadOnce, compiler: Any, **kw: Any) -> str:
    # In parentheses whatever it is: the element is one operand to whatever holds it, and
    # a bare ``a OR b`` inside ``x AND …`` would widen the filter.
    return f"({compiler.process(element.clause, **kw)})"


@compiles(ReadOnce, "postgresql")
def _one_condition(element: ReadOnce, compiler: Any, **kw: Any) -> str:
    return f"({compiler.process(element.clause, **kw)}) IS TRUE"
