"""Every demo account of every ruleset runs every example document, every root field and
every ``viewer`` field (generated from the schema, to depth 2): nothing answers INTERNAL,
and every refusal fails alone.

A well-formed request must be answered with data or with the client's error (FORBIDDEN,
VALIDATION, NOT_FOUND …). An INTERNAL error is a bug — a curator's ``Student.parents``
was one, in every shipped ruleset, until this sweep ran over every account. So is a
FORBIDDEN or NOT_FOUND that nulls more than its own field (tests/schema/test_nullability.py
states the rule): a teacher's two journals, one refused, once answered ``data: null``.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from graphql import FieldNode, GraphQLObjectType, OperationDefinitionNode, parse

from campusgraph.db import demo
from tests.support.alone import spread
from tests.support.client import GraphQLClient
from tests.support.databases import Database
from tests.support.documents import (
    Pool,
    demo_ids,
    example_variables,
    query_operations,
    root_documents,
    schema,
)

REGION = "demo-region"
#: Accounts swept at once.
CONCURRENT = 4
#: (institution, login) of every demo account: one per role per institution, the region's
#: authority last.
ACCOUNTS = [(spec.slug, role) for spec in demo.INSTITUTIONS for role in spec.roles] + [
    (REGION, "authority")
]

#: What the account is shown of itself: its ids go first into its pool.
INVENTORY = """
query Inventory {
  viewer {
    employee {
      id
      teachingAssignments { group { id } discipline { id } }
      curatedGroups { id students { id } }
    }
    student { id group { id } }
    children { id group { id } }
  }
  institution {
    groups(first: 5) { nodes { id } }
    disciplines { id }
    academicYears { id isCurrent periods { id startsOn endsOn } }
    specialities { id }
    rooms { id }
  }
}
"""


def _own_pool(data: dict[str, Any] | None) -> Pool:
    """The ids an account's own screens show it, the most specific first."""
    pool = Pool()
    viewer = (data or {}).get("viewer") or {}
    employee = viewer.get("employee") or {}
    for group in employee.get("curatedGroups") or []:
        pool.add("Group", group["id"])
        for student in group.get("students") or []:
            pool.add("Student", student["id"])
    for assignment in employee.get("teachingAssignments") or []:
        pool.add("Group", (assignment.get("group") or {}).get("id"))
        pool.add("Discipline", (assignment.get("discipline") or {}).get("id"))
    pool.add("Employee", employee.get("id"))
    for student in [viewer.get("student") or {}, *(viewer.get("children") or [])]:
        pool.add("Student", student.get("id"))
        pool.add("Group", (student.get("group") or {}).get("id"))
    institution = (data or {}).get("institution") or {}
    for group in ((institution.get("groups") or {}).get("nodes")) or []:
        pool.add("Group", group["id"])
    for year in sorted(institution.get("academicYears") or [], key=lambda y: not y["isCurrent"]):
        pool.add("AcademicYear", year["id"])
        for period in year["periods"]:
            if period["startsOn"] <= pool.today.isoformat() <= period["endsOn"]:
                pool.add("Period", period["id"])
    for key, type_name in (
        ("disciplines", "Discipline"),
        ("specialities", "Speciality"),
        ("rooms", "Room"),
    ):
        for row in institution.get(key) or []:
            pool.add(type_name, row["id"])
    return pool


def _every_field() -> set[str]:
    s = schema()
    viewer = s.get_type("Viewer")
    assert s.query_type is not None
    assert isinstance(viewer, GraphQLObjectType)
    return {f"Query.{name}" for name in s.query_type.fields} | {
        f"Viewer.{name}" for name in viewer.fields
    }


def _fields_of(documents: list[tuple[str, Any]]) -> set[str]:
    """``Query.x`` and ``Viewer.y`` for the fields the documents select."""
    out: set[str] = set()
    for document, _ in documents:
        for op in parse(document).definitions:
            assert isinstance(op, OperationDefinitionNode)
            for sel in op.selection_set.selections:
                assert isinstance(sel, FieldNode)
                out.add(f"Query.{sel.name.value}")
                if sel.name.value == "viewer" and sel.selection_set is not None:
                    out |= {
                        f"Viewer.{inner.name.value}"
                        for inner in sel.selection_set.selections
                        if isinstance(inner, FieldNode) and inner.name.value != "__typename"
                    }
    return out


def _internal(payload: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        e
        for e in payload.get("errors") or []
        if (e.get("extensions") or {}).get("code") == "INTERNAL"
    ]


@pytest.mark.parametrize(
    "institution", [spec.slug for spec in demo.INSTITUTIONS] + [REGION], ids=str
)
async def test_no_document_of_any_demo_account_answers_internal(
    institution: str, shared_db: Database, shared_client: GraphQLClient
) -> None:
    # given every demo account of the institution, signed in once each
    accounts = [login for slug, login in ACCOUNTS if slug == institution]
    fallback = await demo_ids(
        shared_db, institution if institution != REGION else demo.INSTITUTIONS[0].slug
    )
    operations = query_operations()
    failures: list[str] = []
    ran = 0
    covered: set[str] = set()

    async def sweep(login: str) -> None:
        nonlocal ran, covered
        user = await shared_client.as_(institution, login)
        inventory = await user.query(INVENTORY)
        failures.extend(f"{login} Inventory: {e}" for e in _internal(inventory))
        pool = _own_pool(inventory.get("data"))
        pool.extend(fallback)
        # when it runs every example query and every generated root and viewer document
        documents: list[tuple[str, str, dict[str, Any] | None, str | None]] = []
        for op in operations:
            variables = example_variables(op, pool)
            assert variables is not None, f"{op.file}: no value for a required variable"
            documents.append((f"{op.file}#{op.name}", op.source, variables, op.name))
        generated = root_documents(pool)
        covered |= _fields_of(generated)
        documents += [(doc[:60], doc, values, None) for doc, values in generated]
        for label, document, variables, name in documents:
            payload = await user.query(document, variables, operation_name=name)
            ran += 1
            # then nothing fails inside the server, and every document was executed
            failures.extend(
                f"{login} {label}: {e['message']} at {e.get('path')}" for e in _internal(payload)
            )
            # (and every refusal of one row nulled its own field only)
            failures.extend(f"{login} {label}: {problem}" for problem in spread(payload))
            refused = [e for e in payload.get("errors") or [] if not e.get("path")]
            if refused:
                failures.append(f"{login} {label}: not executed: {refused}")

    # (a few accounts at a time: PostgreSQL answers one while the app serves another)
    for at in range(0, len(accounts), CONCURRENT):
        await asyncio.gather(*(sweep(login) for login in accounts[at : at + CONCURRENT]))
    # (and the sweep reached every root field, every viewer field, every example query)
    assert covered == _every_field(), _every_field() - covered
    assert ran >= len(accounts) * len(operations) > 0
    assert not failures, "\n".join(sorted(failures))
