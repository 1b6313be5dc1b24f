"""The checkers behind the tenant, scope-agreement and schema-contract tests, each fed
the break it exists to catch: a checker that cannot see its own break is a test that
claims more than it checks (issue 11). The real code is never changed here — the broken
half is passed in, or swapped for the duration of one check.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import false

from campusgraph.policies import scopes as impl
from campusgraph.policies.vocabulary import Scope
from campusgraph.schema.root import sdl
from tests.support.schema_contract import compare
from tests.support.scope_agreement import agreement, prepare
from tests.support.tenant_probe import probe, tenant_filter_disabled

BROKEN_SCOPES = (Scope.SUBSTITUTE, Scope.DEPARTMENT, Scope.AUTHOR, Scope.SELF)


async def test_agreement_sees_each_scope_whose_sql_filter_selects_nothing(db: Any) -> None:
    # given the agreement situation
    situation = await prepare(db)
    for broken in BROKEN_SCOPES:
        # when the scope's SQL filter is replaced by false()
        def scope_sql(scope: Scope, *args: Any, broken: Scope = broken) -> impl.Expr:
            return false() if scope is broken else impl.scope_sql(scope, *args)

        report = await agreement(
            db, situation, scopes=(broken,), objects=("mark", "message"), scope_sql=scope_sql
        )
        # then the checker reports the rows only the row check kept
        assert report.disagreements(), f"{broken.value}: false() went unnoticed"


async def test_tenant_probe_sees_a_disabled_tenant_filter(db: Any, client: Any) -> None:
    # given the tenant filter made vacuous: every session sees every institution
    with tenant_filter_disabled():
        # when a curator reads and a deputy writes with foreign ids
        report = await probe(
            db,
            client,
            readers=("curator",),
            writers=("deputy_director",),
            fields=("updateTimetableEntry", "updateCurriculum"),
            rows=False,
        )
    # then the probe reports what crossed over
    assert sum(report.sent().values()) > 0
    assert report.leaks, "a disabled tenant filter leaked nothing the probe could see"
    assert report.accepted, "writes naming foreign rows were refused even so"


def test_contract_sees_a_field_removed_since_the_release() -> None:
    # given a release that had a field, and an enum value, the code no longer has
    code = sdl()
    assert "type Query {\n" in code
    csv_value = re.compile(r'(enum FileFormat \{\n)(?:  """[^\n]*"""\n)?  CSV\n')
    assert csv_value.search(code)
    richer = code.replace("type Query {\n", "type Query {\n  removedSinceRelease: Int\n", 1)
    richer = richer.replace("enum FileFormat {\n", "enum FileFormat {\n  PDF\n", 1)
    # when the code is compared with it
    result = compare(richer, code, {})
    # then both are breaking changes; declared with a reason, they are not; the same
    # schema breaks nothing, and an enum value the release lacked is only dangerous
    assert sorted(result.breaking) == [
        "Enum value FileFormat.PDF was removed.",
        "Field Query.removedSinceRelease was removed.",
    ]
    declared = compare(richer, code, dict.fromkeys(result.breaking, "planned"))
    assert declared.breaking == []
    assert sorted(declared.declared) == sorted(result.breaking)
    assert compare(code, code, {}).breaking == []
    poorer = csv_value.sub(r"\1", code, count=1)
    lacking = compare(poorer, code, {})
    assert lacking.breaking == []
    assert lacking.dangerous == ["Enum value FileFormat.CSV was added."]
    # and a declaration whose change is gone is reported stale
    assert compare(code, code, {"Field Query.gone was removed.": "old"}).stale == [
        "Field Query.gone was removed."
    ]
