"""Rows of an ORM select, rebuilt from the plain values the driver read.

A loader's batch on PostgreSQL (an entity by id, the students of a group) is one kept
select of entities and columns. Run through an ``AsyncSession`` it cost more than twice
the statement itself: the session's connection and execution context, the ORM's compile
state and result, an identity map the request never uses (every loader's session lives for
one batch). :func:`row_maker` turns the same select's plain values (``driver.fetch_values``)
into what the ORM would have answered: a row per record, indexable and with the same
attribute names, each entity an instance of its model holding its columns' values.

The instances are not attached to any session (what the request saw of the ORM's was
detached the moment its session closed): their columns read as attributes, and nothing
loads through them — the models' relationships are ``lazy="raise"`` anyway. A select
this cannot rebuild exactly (an inheriting or polymorphic model, a deferred column, an
aliased entity, a column the model does not map) gets ``None``, and the caller keeps the
ORM's path.
"""

from __future__ import annotations

import weakref
from collections import namedtuple
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Mapper
from sqlalchemy.orm.exc import UnmappedColumnError

RowMaker = Callable[[Sequence[Any]], tuple[Any, ...]]

#: Each select's maker (or None: it cannot be rebuilt), while the select lives.
_MAKERS: weakref.WeakKeyDictionary[Any, RowMaker | None] = weakref.WeakKeyDictionary()


def row_maker(stmt: Any) -> RowMaker | None:
    """What builds ``stmt``'s rows from its records' values, or None."""
    try:
        return _MAKERS[stmt]
    except KeyError:
        made = _MAKERS[stmt] = _make(stmt)
        return made


def _entity(mapper: Mapper[Any], columns: Sequence[Any]) -> tuple[Any, tuple[str, ...]] | None:
    """The class manager and attribute keys of an entity whose columns are ``columns``."""
    if mapper.inherits is not None or mapper.polymorphic_on is not None:
        return None
    props = mapper.column_attrs
    if any(prop.deferred for prop in props) or len(columns) != len(props):
        return None
    keys: list[str] = []
    for column in columns:
        try:
            prop = mapper.get_property_by_column(column)
        except UnmappedColumnError:
            return None
        if prop.parent is not mapper or prop.key in keys:
            return None
        keys.append(prop.key)
    return mapper.class_manager, tuple(keys)


def _make(stmt: Any) -> RowMaker | None:
    columns = list(stmt.selected_columns)
    # (start, stop, class manager and keys for an entity or None for a column, all-null)
    parts: list[tuple[int, int, tuple[Any, tuple[str, ...]] | None, tuple[None, ...]]] = []
    at = 0
    for description in stmt.column_descriptions:
        expr = description["expr"]
        if isinstance(expr, type):  # a whole mapped class
            if description["aliased"]:
                return None
            mapper: Mapper[Any] = sa_inspect(expr)
            width = len(mapper.column_attrs)
            entity = _entity(mapper, columns[at : at + width])
            if entity is None:
                return None
            parts.append((at, at + width, entity, (None,) * width))
            at += width
        else:
            parts.append((at, at + 1, None, (None,)))
            at += 1
    if at != len(columns):
        return None
    names = [description["name"] for description in stmt.column_descriptions]
    row_type = namedtuple("Row", names, rename=True)  # type: ignore[misc]

    def make(values: Sequence[Any]) -> tuple[Any, ...]:
        row: list[Any] = []
        for start, stop, entity, empty in parts:
            if entity is None:
                row.append(values[start])
                continue
            manager, keys = entity
            if values[start:stop] == empty:
                row.append(None)  # an outer join that found nothing
                continue
            instance = manager.new_instance()
            instance.__dict__.update(zip(keys, values[start:stop], strict=True))
            row.append(instance)
        return row_type(*row)

    return make
