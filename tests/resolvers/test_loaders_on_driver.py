"""A loader's batch runs on the driver's connection (asyncpg's; SQLite's inline adapter) and
its rows are rebuilt from the values (resolvers/loaders.py ``_Loader._rows``, db/records.py): every batch must hold
exactly what the ORM session answers for the same statement and keys — each entity's
every column, each extra column, in the same order.

Every batch the screens of every demo account of every ruleset run is read both ways: the app answers
through the driver, and each batch is read again through the ORM and compared."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from sqlalchemy import inspect as sa_inspect

from campusgraph.db import demo
from campusgraph.db import models as m
from campusgraph.db.base import Base
from campusgraph.db.records import row_maker
from campusgraph.db.tenancy import driver_reads
from campusgraph.resolvers import loaders as loaders_module
from tests.schema.test_sweep import INVENTORY, _own_pool
from tests.support import DEMO_TODAY
from tests.support.documents import demo_ids, example_variables, query_operations


def _plain(value: Any) -> Any:
    """An entity as its model and every column's value; anything else as it is."""
    mapper = sa_inspect(type(value), raiseerr=False)
    if mapper is None or not hasattr(mapper, "column_attrs"):
        return value
    return (type(value).__name__, {a.key: getattr(value, a.key) for a in mapper.column_attrs})


def _rows(rows: Any) -> list[tuple[Any, ...]]:
    return [tuple(_plain(value) for value in row) for row in rows]


@pytest.mark.parametrize("institution", [spec.slug for spec in demo.INSTITUTIONS], ids=str)
async def test_every_batch_on_the_driver_equals_the_orms(
    db: Any, sign_in: Any, backend: str, monkeypatch: pytest.MonkeyPatch, institution: str
) -> None:
    # given every batch a loader runs read again through the ORM session
    batches: Counter[str] = Counter()
    on_driver: set[str] = set()
    differences: list[str] = []
    through_driver = loaders_module._Loader._rows

    async def both_ways(loader: Any, stmt: Any, keys: list[Any]) -> Any:
        rows = await through_driver(loader, stmt, keys)
        if driver_reads(loader.ctx.factory) is not None and row_maker(stmt) is not None:
            on_driver.add(loader.name)
        async with loader.ctx.session() as session:
            expected = (await session.execute(stmt, {loaders_module.KEYS: keys})).all()
        batches[loader.name] += 1
        if _rows(rows) != _rows(expected):
            differences.append(f"{loader.name} {keys}: {_rows(rows)} != {_rows(expected)}")
        for row, orm_row in zip(rows, expected, strict=False):
            # (and the rows answer to the same names as the ORM's)
            assert row._fields == orm_row._fields or len(set(orm_row._fields)) < len(orm_row)
        return rows

    monkeypatch.setattr(loaders_module._Loader, "_rows", both_ways)
    fallback = await demo_ids(db, institution)
    operations = query_operations()

    # when each account of the institution (every role its ruleset names) runs every
    # example query on its own ids
    for login in next(spec.roles for spec in demo.INSTITUTIONS if spec.slug == institution):
        user = await sign_in(institution, login)
        pool = _own_pool((await user.query(INVENTORY)).get("data"))
        pool.extend(fallback)
        for op in operations:
            variables = example_variables(op, pool)
            await user.query(op.source, variables, operation_name=op.name)

    # then every batch held the same rows both ways
    assert not differences, "\n".join(differences[:20])
    # and the comparison covered the loaders of the screens, every one on the driver
    assert sum(batches.values()) >= 50, batches
    assert len(batches) >= 10, sorted(batches)
    assert on_driver == set(batches), set(batches) - on_driver


def _every_loader() -> list[Any]:
    """Each loader ``Loaders`` makes: its properties, its dated lists, an entity by id of
    every model with an ``id``."""
    made = loaders_module.Loaders(ctx=None)  # type: ignore[arg-type]  # only statements built
    found: list[Any] = []
    for name, attr in vars(loaders_module.Loaders).items():
        if isinstance(attr, property):
            found.append(getattr(made, name))
        elif name.endswith(("_by_group", "_by_student", "_by_employee")) and callable(attr):
            found.append(attr(made, DEMO_TODAY))
    for mapper in Base.registry.mappers:
        if "id" in mapper.columns:
            found.append(made.entity_by_id("any", mapper.class_))
    return found


async def test_every_loaders_select_is_rebuilt_from_the_drivers_values() -> None:
    # given every loader's select (the policy filter adds conditions, never columns; a
    # loader is made in an event loop)
    loaders = _every_loader()
    # then each one's rows can be rebuilt from the driver's values, none left to the ORM
    refused = [
        loader.name
        for loader in loaders
        if row_maker(loader.stmt_for(loaders_module._KEYS)) is None
    ]
    assert not refused
    assert len(loaders) >= 20 + len([x for x in Base.registry.mappers if "id" in x.columns])
    assert any(loader.name == "StudentById" for loader in loaders), m.Student
