"""Execution: lists of leaf values, and lists of plain objects, completed in one pass.

The journal's rows are flat lists aligned to its columns (``marks``, ``markVersions``,
``attendance``, ``absenceReasons``): a 30 × 40 grid is some 5,000 list items. graphql-core
completes every item on its own (a path entry, a ``complete_value`` dispatch, an
awaitable check), which made up most of the journal request's CPU. A list whose item type
is a built-in scalar or an enum, holding plain values, is coerced here in one loop
instead — the same coercion, the same output. Anything unusual (a null where the item type
is non-null, a value the coercion refuses, an exception or awaitable, a custom scalar,
``@stream``) takes graphql-core's own path, so errors keep their exact message and path.

The same holds one level up: the journal's ``rows``, ``lessons`` and ``columns`` are lists
of objects whose fields are plain attributes (Strawberry "basic" fields: no resolver, no
permission, no arguments) holding leaves, lists of leaves or further plain objects. For
such a list the selection is planned once per operation and every item completed by that
plan — a dict per item, as graphql-core would build it. A field with a resolver, an
argument, a permission, a ``@defer``, an abstract type, an ``is_type_of`` check, or any
value the plan does not expect sends the whole list down graphql-core's path instead.
"""

from __future__ import annotations

import contextlib
import functools
import operator
from typing import Any

import orjson
from graphql import (
    GraphQLEnumType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    Undefined,
)
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

#: Scalars whose coercion refuses anything but plain values (never an exception object or
#: an awaitable), so a refusal sends the list down the ordinary path.
PLAIN_SCALARS = frozenset({"String", "Int", "Float", "Boolean", "ID", "Date", "DateTime"})


class _Ordinary(Exception):
    """This list needs graphql-core's item-by-item completion."""


#: How one field of a plain object is completed: (response key, attribute getter, kind,
#: non-null, detail) where kind is "const" (``__typename``: detail is the value), "leaf"
#: (detail: the coercion), "leaves" (a list of leaves: (coercion, items non-null)),
#: "object" (detail: the nested plan) or "objects" (a list: (plan, items non-null)).
Step = tuple[str, Any, str, bool, Any]


class Plan(list[Step]):
    """A selection's steps, and the function completing one item by them (:func:`_compile`:
    the steps written out as Python once, instead of interpreted for every item)."""

    complete: Any = None


#: Plans shared by operations of the same document and variables (see _shared_key).
PLAN_CACHE_SIZE = 2048
_PLANS: dict[Any, tuple[Any, Plan | None]] = {}


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
        if (
            isinstance(items, list | tuple)
            and self.get_stream_usage(field_details_list, path) is None
        ):
            # On any refusal the ordinary path below completes (and reports) it properly.
            if _plain_leaf(leaf):
                with contextlib.suppress(Exception):
                    return _coerce_all(_coercion(leaf), items, non_null)
            elif isinstance(leaf, GraphQLObjectType):
                plan = self._plan(leaf, field_details_list)
                if plan is not None:
                    with contextlib.suppress(Exception):
                        return _complete_objects(plan, items, non_null)
        return super().complete_iterable_value(
            item_type, field_details_list, info, path, items, position_context
        )

    def _plan(self, object_type: GraphQLObjectType, field_details_list: Any) -> Plan | None:
        """The plan for this selection on this type, or None if it is not all plain;
        memoised like graphql-core's sub-field collection (same key, same lifetime)."""
        plans: dict[tuple[Any, int], tuple[Any, Plan | None]] = self.__dict__.setdefault(
            "_plain_plans", {}
        )
        key = (object_type, id(field_details_list))
        cached = plans.get(key)
        if cached is not None:
            return cached[1]
        shared = self._shared_key(object_type, field_details_list)
        kept = _PLANS.get(shared) if shared is not None else None
        if kept is not None:
            plan = kept[1]
        else:
            plan = self._build_plan(object_type, field_details_list)
            if shared is not None:
                if len(_PLANS) >= PLAN_CACHE_SIZE:
                    _PLANS.pop(next(iter(_PLANS)))
                _PLANS[shared] = (field_details_list, plan)
        plans[key] = (field_details_list, plan)
        return plan

    def _shared_key(self, object_type: GraphQLObjectType, field_details_list: Any) -> Any:
        """A key for the plan across operations: the same field nodes (the parser cache
        hands out the same document for the same text) under the same variables (which
        ``@skip``/``@include`` may read), on the same schema type. The nodes are kept
        alive with the plan, so their ids cannot be reused while it is cached."""
        values = self.variable_values
        try:
            variables = orjson.dumps(
                getattr(values, "coerced", values), option=orjson.OPT_SORT_KEYS
            )
        except TypeError:
            return None
        nodes = tuple(id(details.node) for details in field_details_list)
        return (object_type, nodes, id(self.operation), variables)

    def _build_plan(self, object_type: GraphQLObjectType, field_details_list: Any) -> Plan | None:
        middleware = self.middleware_manager
        if object_type.is_type_of is not None or (middleware and middleware.middlewares):
            return None
        grouped, new_defer_usages, *_ = self.collect_subfields(object_type, field_details_list)
        if new_defer_usages:
            return None
        plan = Plan()
        for response_key, details in grouped.items():
            first = details[0]
            if any(d.defer_usage is not None for d in details) or first.node.arguments:
                return None
            name = first.node.name.value
            if name == "__typename":
                plan.append((response_key, None, "const", True, object_type.name))
                continue
            field_def = object_type.fields.get(name)
            if field_def is None or field_def.args:
                return None
            definition = (field_def.extensions or {}).get("strawberry-definition")
            if (
                definition is None
                or not getattr(field_def.resolve, "_is_default", False)
                or not definition.is_basic_field
            ):
                return None
            attribute, resolver = definition.python_name, definition.default_resolver
            if resolver is getattr:
                getter = _attribute(attribute)
            else:
                getter = _resolved(resolver, attribute)
            step = self._step(field_def.type, details)
            if step is None:
                return None
            kind, non_null, detail = step
            plan.append((response_key, getter, kind, non_null, detail))
        plan.complete = _compile(plan)
        return plan

    def _step(self, type_: Any, details: Any) -> tuple[str, bool, Any] | None:
        non_null = isinstance(type_, GraphQLNonNull)
        inner = type_.of_type if non_null else type_
        if _plain_leaf(inner):
            return "leaf", non_null, _coercion(inner)
        if isinstance(inner, GraphQLObjectType):
            plan = self._plan(inner, details)
            return None if plan is None else ("object", non_null, plan)
        if isinstance(inner, GraphQLList):
            item = inner.of_type
            items_non_null = isinstance(item, GraphQLNonNull)
            item = item.of_type if items_non_null else item
            if _plain_leaf(item):
                return "leaves", non_null, (_coercion(item), items_non_null)
            if isinstance(item, GraphQLObjectType):
                plan = self._plan(item, details)
                if plan is not None:
                    return "objects", non_null, (plan, items_non_null)
        return None


def _plain_leaf(type_: Any) -> bool:
    return isinstance(type_, GraphQLEnumType) or (
        isinstance(type_, GraphQLScalarType) and type_.name in PLAIN_SCALARS
    )


_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1


@functools.lru_cache(maxsize=256)
def _coercion(leaf: Any) -> Any:
    """The leaf's output coercion, with the common case (a value already of the output
    type: ``str`` for String and ID, an in-range ``int`` for Int) passed through as is.
    ``exact`` on the function names the type it returns unchanged (so a whole list of
    them is copied, not coerced item by item) and ``bounds`` the range such ints must lie
    in; ``names`` an enum's member → name map."""
    coerce = leaf.coerce_output_value
    if isinstance(leaf, GraphQLScalarType) and leaf.name in ("String", "ID"):

        def text(value: Any) -> Any:
            return value if value.__class__ is str else coerce(value)

        text.exact = str  # type: ignore[attr-defined]
        return text
    if isinstance(leaf, GraphQLScalarType) and leaf.name == "Int":

        def integer(value: Any) -> Any:
            if value.__class__ is int and _INT_MIN <= value <= _INT_MAX:
                return value
            return coerce(value)

        integer.exact = int  # type: ignore[attr-defined]
        integer.bounds = (_INT_MIN, _INT_MAX)  # type: ignore[attr-defined]
        return integer
    wrapped = getattr(leaf, "wrapped_cls", None)
    if isinstance(leaf, GraphQLEnumType) and wrapped is not None:
        # Strawberry's enum finds a member's name by scanning every value, per item.
        names = {
            member: name
            for name, value in leaf.values.items()
            for member in wrapped
            if member.value == value.value
        }

        def enum(value: Any) -> Any:
            name = names.get(value) if value.__class__ is wrapped else None
            return name if name is not None else coerce(value)

        enum.names = names  # type: ignore[attr-defined]
        return enum
    return coerce


def _attribute(name: str) -> Any:
    # In C: no Python frame per field of every item (a journal completes some 900).
    return operator.attrgetter(name)


def _resolved(resolver: Any, name: str) -> Any:
    def get(source: Any) -> Any:
        return resolver(source, name)

    return get


def _compile(plan: Plan) -> Any:
    """The function completing one item by ``plan``, as graphql-core would complete it:
    the same checks in the same order, each step written out (its getter, its coercion
    and the common case of a value already of the output type inline). Only generated
    names appear in the source; the response keys, getters and coercions are values of
    its namespace, never text, whatever the document's aliases."""
    lines = ["def complete(source):", "    out = {}"]
    names: dict[str, Any] = {"_Ordinary": _Ordinary, "Undefined": Undefined}
    names.update(_coerce_all=_coerce_all, _complete_objects=_complete_objects)
    names.update(sequence=(list, tuple), INT_MIN=_INT_MIN, INT_MAX=_INT_MAX)
    for i, (key, get, kind, non_null, detail) in enumerate(plan):
        names[f"k{i}"], names[f"g{i}"], names[f"d{i}"] = key, get, detail
        if kind == "const":
            lines.append(f"    out[k{i}] = d{i}")
            continue
        lines.append(f"    v = g{i}(source)")
        lines.append("    if v is None:")
        lines.append("        raise _Ordinary" if non_null else f"        out[k{i}] = None")
        lines.append("    else:")
        if kind == "leaf":
            exact = getattr(detail, "exact", None)
            if exact is str:
                lines.append(f"        c = v if v.__class__ is str else d{i}(v)")
            elif exact is int:
                check = "v.__class__ is int and INT_MIN <= v <= INT_MAX"
                lines.append(f"        c = v if {check} else d{i}(v)")
            else:
                lines.append(f"        c = d{i}(v)")
            lines.append("        if c is None or c is Undefined:")
            lines.append("            raise _Ordinary")
            lines.append(f"        out[k{i}] = c")
        elif kind == "leaves":
            lines.append("        if not isinstance(v, sequence):")
            lines.append("            raise _Ordinary")
            lines.append(f"        out[k{i}] = _coerce_all(d{i}[0], v, d{i}[1])")
        elif kind == "object":
            lines.append(f"        out[k{i}] = d{i}.complete(v)")
        else:
            lines.append("        if not isinstance(v, sequence):")
            lines.append("            raise _Ordinary")
            lines.append(f"        out[k{i}] = _complete_objects(d{i}[0], v, d{i}[1])")
    lines.append("    return out")
    exec("\n".join(lines), names)  # generated names only (see above)
    return names["complete"]


def _complete_objects(plan: Plan, items: list[Any] | tuple[Any, ...], non_null: bool) -> list[Any]:
    complete = plan.complete
    out: list[Any] = []
    append = out.append
    for item in items:
        if item is None:
            if non_null:
                raise _Ordinary
            append(None)
        else:
            append(complete(item))
    return out


_NONE = type(None)


def _coerce_all(coerce: Any, items: list[Any] | tuple[Any, ...], non_null: bool) -> list[Any]:
    exact = getattr(coerce, "exact", None)
    if exact is not None:
        kinds = set(map(type, items))
        if kinds <= {exact, _NONE} and not (non_null and _NONE in kinds):
            bounds = getattr(coerce, "bounds", None)
            if bounds is None:
                return list(items)  # every item already is what coercion would return
            present = [item for item in items if item is not None]
            if not present or (bounds[0] <= min(present) and max(present) <= bounds[1]):
                return list(items)
    names = getattr(coerce, "names", None)
    if names is not None:
        named = [None if item is None else names.get(item) for item in items]
        nulls = items.count(None)
        if named.count(None) == nulls and not (non_null and nulls):
            return named
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
