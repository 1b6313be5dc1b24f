"""The history of a journal cell, from the audit trail: who changed it, when, from what to
what. Shown on a row only after the row itself was loaded through its read filter, so
whoever may read the row may read its history — and nobody else."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import strawberry
from strawberry.scalars import JSON

from campusgraph.resolvers.journal_writes import HistoryEntry, history_loader
from campusgraph.schema.base import GraphQLInfo

#: Bookkeeping fields a reader does not need to see as "changes".
QUIET_FIELDS = frozenset({"version", "author", "reason_set_by"})


@strawberry.type(description="One field of a change: its value before and after.")
class AuditChange:
    field: str = strawberry.field(
        description="Field name, e.g. `value`, `status`, `reason`; a reference by its name "
        "(`work`, `student`)."
    )
    before: JSON | None = strawberry.field(description="Value before (null: none).")
    after: JSON | None = strawberry.field(description="Value after (null: none).")


@strawberry.type(description="One change of a journal cell, from the audit trail.")
class AuditEntry:
    at: dt.datetime = strawberry.field(description="When it was written (UTC).")
    action: str = strawberry.field(
        description="`create`, `update`, `delete` or `approve` (a final mark agreed)."
    )
    login: str | None = strawberry.field(description="Login of the user who made it.")
    before: JSON | None = strawberry.field(
        description="The row before (null on create). References are global ids under the "
        "reference's name (`work`, `student`, `lesson`: what `node(id:)` takes), users their "
        "login (`author`); never internal numbers."
    )
    after: JSON | None = strawberry.field(
        description="The row after (null on delete), shown as `before` is."
    )
    changes: list[AuditChange] = strawberry.field(
        description="The fields that changed, before and after (bookkeeping fields left out)."
    )

    @classmethod
    def of(cls, e: HistoryEntry) -> AuditEntry:
        before: dict[str, Any] = e.before or {}
        after: dict[str, Any] = e.after or {}
        changes = [
            AuditChange(field=name, before=before.get(name), after=after.get(name))
            for name in [*before, *(k for k in after if k not in before)]
            if name not in QUIET_FIELDS and before.get(name) != after.get(name)
        ]
        return cls(
            at=e.at,
            action=e.action,
            login=e.login,
            before=cast(JSON, e.before),
            after=cast(JSON, e.after),
            changes=changes,
        )


async def history_of(info: GraphQLInfo, object_type: str, pk: int) -> list[AuditEntry]:
    entries = await history_loader(info.context).load((object_type, pk))
    return [AuditEntry.of(e) for e in entries]
