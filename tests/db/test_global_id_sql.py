"""Global ids computed by PostgreSQL (``ids.global_id_sql``, the journal's mark ids) are
the ids Python hands out."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, literal, select

from campusgraph.arguments import MAX_INT64
from campusgraph.db.tenancy import unscoped
from campusgraph.ids import global_id_sql, to_global_id

KEYS = [0, 1, 9, 10, 99, 597, 12345, 10**9, 2**31, 10**15 + 7, MAX_INT64]
TYPES = ["Mark", "Lesson", "TeachingAssignment", "A"]


async def test_the_database_encodes_ids_as_python_does(db: Any, backend: str) -> None:
    if backend != "postgresql":
        return  # only PostgreSQL's JSON row sets use it (SQLite has no base64)
    expected = [to_global_id(t, k) for t in TYPES for k in KEYS]
    columns = [
        global_id_sql(t, literal(k, BigInteger)).label(f"c{i}")
        for i, (t, k) in enumerate((t, k) for t in TYPES for k in KEYS)
    ]
    async with unscoped(db.factory, read=True) as session:
        found = list((await session.execute(select(*columns))).one())
    assert found == expected
