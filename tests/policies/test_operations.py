"""The registry of (object, action) pairs the API exercises is read from the code
(:mod:`campusgraph.policies.operations`): it finds the declared guards and reads, every
place whose object is computed is declared, and what a request asks the authorizer is in
it."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from campusgraph.exchange.lists import SPECS
from campusgraph.policies import operations
from campusgraph.policies.engine import Authorizer
from campusgraph.policies.vocabulary import OBJECTS, Action, object_spec

SCAN = operations.scan()


def test_guards_and_their_computed_actions_are_found() -> None:
    found = SCAN.exercised
    # ``setMark`` creates or updates as the input says (``_create_or_update``)
    assert ("mark", "create") in found
    assert ("mark", "update") in found
    # ``setAttendance``: delete as well, through a function returning another's result
    assert ("attendance", "delete") in found
    # ``enrolApplicant`` also needs what its ``also=`` names
    assert ("movement_order", "create") in found
    # ``issueCredentials`` and ``resetPassword`` hand over roles
    assert operations.ANY_ROLE_GRANT in found
    assert operations.is_exercised("role.teacher", "grant")


def test_reads_through_readers_and_loaders_are_found() -> None:
    # ``reads.page(ctx, "movement_order", …)``, a loader ``_get("…", "student.personal")``
    assert ("movement_order", "read") in SCAN.exercised
    assert ("student.personal", "read") in SCAN.exercised
    sites = {str(s) for s in SCAN.exercised[("journal", "read")]}
    assert any(s.startswith("resolvers/journal.py:") for s in sites)


def test_every_place_with_a_computed_object_is_declared() -> None:
    undeclared = sorted({s.module for s in SCAN.unresolved} - set(SCAN.declared))
    assert not undeclared, f"modules asking about computed objects, no EXERCISES: {undeclared}"


def test_the_declared_pairs_are_words_of_the_vocabulary() -> None:
    declared = [p for pairs in SCAN.declared.values() for p in pairs]
    for obj, act in declared:
        assert object_spec(obj) is not None, obj
        assert act in Action.__members__.values(), act


def test_the_lists_declaration_matches_the_lists() -> None:
    declared = set(SCAN.declared["schema/exchange.py"])
    wanted = {
        (spec.obj, act) for spec in SPECS.values() for act in ("import", "create", "export", "read")
    } | {
        (f"{spec.obj}.personal", act)
        for spec in SPECS.values()
        if spec.personal_keys
        for act in ("create", "read")
    }
    assert declared == wanted


# -- the scan itself, on hand-made source ------------------------------------------------------

SOURCE = """
from campusgraph.schema.mutations import guarded

def _either(input):
    return "create" if input.new else "update"

@guarded("portfolio", _either, Payload, target, also=lambda _i: [("student", "update")])
async def keep_portfolio(self, info, input): ...

async def rows(ctx, obj, stmt, *, action="read"):
    return stmt.where(ctx.authorizer.where(obj, action))

async def listing(ctx):
    await rows(ctx, "audit", None)
    await rows(ctx, "applicant", None, action="export")

async def computed(ctx, kind):
    which = KINDS[kind]
    await ctx.authorizer.require(which, "read", None)
"""


def test_the_scan_reads_guards_readers_and_reports_a_computed_object(tmp_path: Path) -> None:
    # given a package of one module: a guard, a reader, its callers, a computed object
    (tmp_path / "ops.py").write_text(textwrap.dedent(SOURCE), encoding="utf-8")
    # when scanned
    scan = operations.scan(tmp_path)
    # then every literal pair is found, and the computed one is reported
    assert set(scan.exercised) == {
        ("portfolio", "create"),
        ("portfolio", "update"),
        ("student", "update"),
        ("audit", "read"),
        ("applicant", "export"),
    }
    assert [s.line for s in scan.unresolved] == [SOURCE.count("\n", 0, SOURCE.index("require")) + 1]
    # and a declaration makes it known
    (tmp_path / "ops.py").write_text(
        textwrap.dedent(SOURCE) + '\nEXERCISES = (("role_assignment", "read"),)\n', "utf-8"
    )
    assert ("role_assignment", "read") in operations.scan(tmp_path).exercised


# -- what requests ask is in the registry -------------------------------------------------------


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> set[tuple[str, str]]:
    """Every (object, action) the authorizer is asked while the test runs."""
    seen: set[tuple[str, str]] = set()
    original = Authorizer.lines

    def lines(self: Authorizer, obj: str, act: str) -> Any:
        seen.add((obj, act))
        return original(self, obj, act)

    monkeypatch.setattr(Authorizer, "lines", lines)
    return seen


CREDENTIALS = """
mutation ($people: [ID!]!) {
  issueCredentials(input: {people: $people}) { errors { code } }
}
"""
EXPORT = """
query ($kind: ListKind!) { exportList(kind: $kind) { rows } }
"""
STUDENTS = """
{ viewer { employee { curatedGroups { students { id parents { id } } } } } }
"""


async def test_what_requests_ask_the_authorizer_is_in_the_registry(
    sign_in: Any, asked: set[tuple[str, str]]
) -> None:
    # given a curator issuing credentials to a student and a parent of his group (objects
    # computed from the ids), and an administrator exporting each list (the object computed
    # from the kind)
    curator = await sign_in("altai-college-2016", "curator")
    groups = (await curator.data(STUDENTS))["viewer"]["employee"]["curatedGroups"]
    student = next(s for g in groups for s in g["students"] if s["parents"])
    people = [student["id"], student["parents"][0]["id"]]
    await curator.data(CREDENTIALS, {"people": people})
    admin = await sign_in("altai-college-2016", "administrator")
    for kind in ("STAFF", "STUDENTS", "PARENTS", "DISCIPLINES"):
        await admin.query(EXPORT, {"kind": kind})  # parents: refused, asked all the same
    # then the authorizer was asked about those objects, and each pair is in the registry
    assert {("parent", "issue_credentials"), ("employee", "export")} <= asked
    missing = sorted(p for p in asked if p[0] in OBJECTS and not operations.is_exercised(*p))
    assert not missing, f"asked, but not in the registry: {missing}"
