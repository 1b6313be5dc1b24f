"""Every role of one institution runs every example document, and tries every write of
the schema, naming rows of the other institutions: no answer shows anything of theirs,
no write is done, none of their rows changes — and the foreign ids were really sent
(counted per operation: a probe that sends none, or is refused before running, proves
nothing). How documents and inputs are built: tests/support/tenant_probe.py.
"""

from __future__ import annotations

from typing import Any

from graphql import OperationType, get_named_type

from tests.support.tenant_probe import operations, probe, writes


async def test_no_answer_or_write_crosses_institutions(db: Any, client: Any) -> None:
    # given every example operation and every write that takes an id
    queries = [
        op
        for op in operations()
        if op.kind is OperationType.QUERY
        and any(get_named_type(t).name == "ID" for t in op.variables.values())
    ]
    found, _ = writes()
    # when each is sent with ids of the other institutions' rows
    report = await probe(db, client)
    # then they ran (not refused by validation) and carried foreign ids, every one of them …
    rejected = report.rejected()
    assert len(rejected) <= len(report.requests) // 20, [r.brief() for r in rejected[:10]]
    sent = report.sent()
    assert sum(sent.values()) > 0
    unsent = [f"{op.file}:{op.name}" for op in queries if not sent[f"{op.file}:{op.name}"]]
    unsent += [w.field for w in found if not sent[w.field]]
    assert not unsent, f"no foreign id reached: {unsent}"
    # … and nothing of another institution came back, no write was done or stored
    assert not report.leaks, "\n".join(report.leaks[:20])
    assert not report.accepted, "\n".join(report.accepted[:20])
    assert not report.changed, f"rows changed in {report.changed}"


def test_every_document_is_read_with_its_variables() -> None:
    """graphql-core reads every operation and its variable definitions (the old text
    split found none), and knows which object each ID variable names."""
    ops = operations()
    assert {op.file for op in ops} >= {"03-teacher-journal.graphql", "13-journal-writes.graphql"}
    journal = next(op for op in ops if op.name == "TeacherJournal")
    assert journal.ids == {"group": "Group", "discipline": "Discipline", "period": "Period"}
    card = next(op for op in ops if op.name == "StudentCard")
    assert card.ids["id"] == "Student"
    assert set(card.variables) == {"id", "from", "to"}
