"""Lists of leaf values completed in one pass (schema/execution.py) answer exactly as
graphql-core's item-by-item completion: the same data, and the same errors with the same
paths when an item is refused."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import strawberry
from strawberry.extensions import ParserCache
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

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
    def versions(self) -> list[int | None]:
        return [3, None, 2**31 - 1, -(2**31)]

    @strawberry.field
    def too_big(self) -> list[int | None]:
        return [1, None, 2**31]

    @strawberry.field
    def booleans_as_ints(self) -> list[int | None]:
        return [1, True, None]  # an int subclass: coerced item by item, as graphql-core does

    @strawberry.field
    def tuples(self) -> list[str]:
        return ("x", "y")  # type: ignore[return-value]


QUERY = """{
  strings ints statuses dates nullInNonNull refusedItem exceptionItem tuples
  versions tooBig booleansAsInts
}"""


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
    assert fast["data"]["versions"] == [3, None, 2**31 - 1, -(2**31)]
    assert fast["data"]["tooBig"] == [1, None, None]
    assert fast["data"]["booleansAsInts"] == [1, 1, None]
    paths = [path for _, path in fast["errors"]]
    assert ("nullInNonNull", 1) in paths
    assert ("refusedItem", 1) in paths
    assert ("exceptionItem", 1) in paths
    assert ("tooBig", 2) in paths


# -- lists of plain objects -----------------------------------------------------------------


@strawberry.type(description="A leaf-only object, nested.")
class Cell:
    value: str | None
    status: Status | None


@strawberry.type(description="A row of plain attributes: leaves, leaf lists, objects.")
class Row:
    id: strawberry.ID
    number: int
    marks: list[str | None]
    cells: list[Cell]
    first: Cell | None
    required: str

    @strawberry.field(description="A resolver: rows selecting it take the ordinary path.")
    def shout(self) -> str:
        return self.required.upper()


def _rows(*, hole: bool = False) -> list[Row]:
    return [
        Row(
            id=strawberry.ID(f"R{i}"),
            number=i,
            marks=["5", None, "4"],
            cells=[Cell(value="5", status=None), Cell(value=None, status=Status.LATE)],
            first=Cell(value="3", status=Status.ABSENT) if i % 2 else None,
            required=None if hole and i == 2 else "x",  # type: ignore[arg-type]
        )
        for i in range(4)
    ]


@strawberry.type(description="Lists of plain objects.")
class RowQuery:
    @strawberry.field
    def rows(self) -> list[Row]:
        return _rows()

    @strawberry.field
    def broken_rows(self) -> list[Row] | None:
        return _rows(hole=True)


ROWS = """
query Rows {
  rows {
    __typename
    key: id
    number
    marks
    ...Cells
    first { value status }
    required
  }
  again: rows { number shout }
}
fragment Cells on Row { cells { value status } }
"""
BROKEN = "{ brokenRows { number required } }"


class CountingContext(ExecutionContext):
    fields = 0

    def execute_field(self, *args: Any, **kwargs: Any) -> Any:
        type(self).fields += 1
        return super().execute_field(*args, **kwargs)


class OrdinaryCounting(StrawberryGraphQLCoreExecutionContext):
    fields = 0

    def execute_field(self, *args: Any, **kwargs: Any) -> Any:
        type(self).fields += 1
        return super().execute_field(*args, **kwargs)


def _run_rows(context: Any, document: str) -> dict[str, Any]:
    schema = strawberry.Schema(query=RowQuery, execution_context_class=context)
    result = schema.execute_sync(document)
    errors = sorted((e.message, tuple(e.path or ())) for e in result.errors or [])
    return {"data": result.data, "errors": errors}


def test_plain_object_lists_answer_as_graphql_core_does_in_one_pass() -> None:
    # given graphql-core's completion and the planned one, each counting resolved fields
    ordinary = _run_rows(OrdinaryCounting, ROWS)
    fast = _run_rows(CountingContext, ROWS)
    # then the answers are the same: aliases, __typename, fragments, nested objects
    assert fast == ordinary
    first = fast["data"]["rows"][1]
    assert first["__typename"] == "Row"
    assert first["key"] == "R1"
    assert first["cells"] == [
        {"value": "5", "status": None},
        {"value": None, "status": "LATE"},
    ]
    assert first["first"] == {"value": "3", "status": "ABSENT"}
    assert fast["data"]["again"][3]["shout"] == "X"
    # and the plain list was completed without resolving its fields one by one, while
    # the list selecting a resolver field went the ordinary way
    assert CountingContext.fields < OrdinaryCounting.fields / 3
    assert CountingContext.fields >= 2 + 4 * 2  # the roots, and `again`'s 4 rows × 2


def test_a_null_in_a_non_null_field_of_a_plain_list_is_reported_as_graphql_core_does() -> None:
    ordinary = _run_rows(None, BROKEN)
    fast = _run_rows(ExecutionContext, BROKEN)
    assert fast == ordinary
    assert fast["data"] == {"brokenRows": None}
    assert fast["errors"][0][1] == ("brokenRows", 2, "required")


INCLUDED = """
query Rows($withMarks: Boolean!) {
  rows { number marks @include(if: $withMarks) }
}
"""


def test_a_plan_shared_across_operations_follows_their_variables() -> None:
    # given a schema whose parser cache hands out the same document for the same text,
    # so the one-pass plans are shared by operations of that document
    schema = strawberry.Schema(
        query=RowQuery, execution_context_class=ExecutionContext, extensions=[ParserCache]
    )
    # when the same document runs with the marks included, excluded, and included again
    answers = [
        schema.execute_sync(INCLUDED, variable_values={"withMarks": flag})
        for flag in (True, False, True)
    ]
    # then each answer follows its own variables
    assert all(answer.errors is None for answer in answers)
    rows = [answer.data["rows"][0] for answer in answers if answer.data]
    assert rows[0] == {"number": 0, "marks": ["5", None, "4"]}
    assert rows[1] == {"number": 0}
    assert rows[2] == rows[0]
