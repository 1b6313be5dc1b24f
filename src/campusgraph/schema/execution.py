"""Execution: lists of leaf values completed in one pass.

The journal's rows are flat lists aligned to its columns (``marks``, ``markVersions``,
``attendance``, ``absenceReasons``): a 30 × 40 grid is some 5,000 list items. graphql-core
completes every item on its own (a path entry, a ``complete_value`` dispatch, an
awaitable check), which made up most of the journal request's CPU. A list whose item type
is a built-in scalar or an enum, holding plain values, is coerced here in one loop
instead — the same coercion, the same output. Anything unusual (a null where the item type
is non-null, a value the coercion refuses, an exception or awaitable, a custom scalar,
``@stream``) takes graphql-core's own path, so errors keep their exact message and path.
"""

from __future__ import annotations

import contextlib
from typing import Any

from graphql import GraphQLEnumType, GraphQLNonNull, GraphQLScalarType, Undefined
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

#: Scalars whose coercion refuses anything but plain values (never an exception object or
#: an awaitable), so a refusal sends the list down the ordinary path.
PLAIN_SCALARS = frozenset({"String", "Int", "Float", "Boolean", "ID", "Date", "DateTime"})


class _Ordinary(Exception):
    """This list needs graphql-core's item-by-item completion."""


class ExecutionContext(StrawberryGraphQLCoreExecutionContext):
    def complete_iterable_value(
        self,
        item_type: Any,
        field_details_list: Any,
        info: Any,
        path: Any,
        items: Any,
        position_context: Any,
    ) -> Any:
        non_null = isinstance(item_type, GraphQLNonNull)
        leaf = item_type.of_type if non_null else item_type
        plain = isinstance(leaf, GraphQLEnumType) or (
            isinstance(leaf, GraphQLScalarType) and leaf.name in PLAIN_SCALARS
        )
        if (
            plain
            and isinstance(items, list | tuple)
            and self.get_stream_usage(field_details_list, path) is None
        ):
            # On any refusal the ordinary path below completes (and reports) it properly.
            with contextlib.suppress(Exception):
                return _coerce_all(leaf.coerce_output_value, items, non_null)
        return super().complete_iterable_value(
            item_type, field_details_list, info, path, items, position_context
        )


def _coerce_all(coerce: Any, items: list[Any] | tuple[Any, ...], non_null: bool) -> list[Any]:
    out: list[Any] = []
    append = out.append
    for item in items:
        if item is None:
            if non_null:
                raise _Ordinary
            append(None)
            continue
        value = coerce(item)
        if value is None or value is Undefined:
            raise _Ordinary
        append(value)
    return out
