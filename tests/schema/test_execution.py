"""Lists of leaf values completed in one pass (schema/execution.py) answer exactly as
graphql-core's item-by-item completion: the same data, and the same errors with the same
paths when an item is refused."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import strawberry

from campusgraph.schema.execution import ExecutionContext


@strawberry.enum(description="A test enum.")
class Status(enum.Enum):
    ABSENT = "absent"
    LATE = "late"


BROKEN = object()


@strawberry.type(description="Lists of every leaf kind, some with items a list may not hold.")
class Query:
    @strawberry.field
    def strings(self) -> list[str | None]:
        return ["4", None, "5"]

    @strawberry.field
    def ints(self) -> list[int]:
        return [1, 2, 3]

    @strawberry.field
    def statuses(self) -> list[Status | None]:
        return [None, Status.ABSENT, Status.LATE]

    @strawberry.field
    def dates(self) -> list[dt.date]:
        return [dt.date(2026, 11, 9)]

    @strawberry.field
    def null_in_non_null(self) -> list[int] | None:
        return [1, None, 3]  # type: ignore[list-item]

    @strawberry.field
    def refused_item(self) -> list[int | None]:
        return [1, BROKEN, 3]  # type: ignore[list-item]

    @strawberry.field
    def exception_item(self) -> list[str | None]:
        return ["a", ValueError("broken item"), "c"]  # type: ignore[list-item]

    @strawberry.field
    def tuples(self) -> list[str]:
        return ("x", "y")  # type: ignore[return-value]


QUERY = "{ strings ints statuses dates nullInNonNull refusedItem exceptionItem tuples }"


def _run(execution_context_class: Any) -> dict[str, Any]:
    schema = strawberry.Schema(query=Query, execution_context_class=execution_context_class)
    result = schema.execute_sync(QUERY)
    errors = sorted((e.message, tuple(e.path or ())) for e in result.errors or [])
    return {"data": result.data, "errors": errors}


def test_leaf_lists_answer_as_graphql_core_does() -> None:
    # given the same schema with graphql-core's completion and with the one-pass lists
    ordinary = _run(None)

    # when both answer the same query
    fast = _run(ExecutionContext)

    # then data and errors (messages and paths) are the same
    assert fast == ordinary
    assert fast["data"]["strings"] == ["4", None, "5"]
    assert fast["data"]["statuses"] == [None, "ABSENT", "LATE"]
    assert fast["data"]["dates"] == ["2026-11-09"]
    assert fast["data"]["tuples"] == ["x", "y"]
    assert fast["data"]["nullInNonNull"] is None
    assert fast["data"]["refusedItem"] == [1, None, 3]
    assert fast["data"]["exceptionItem"] == ["a", None, "c"]
    paths = [path for _, path in fast["errors"]]
    assert ("nullInNonNull", 1) in paths
    assert ("refusedItem", 1) in paths
    assert ("exceptionItem", 1) in paths
