"""Which schema types carry a global id of their own: one declaration for the two tests
that need it (``viewer.can`` names every row type, ``node(id:)`` fetches every one)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from graphql import GraphQLObjectType
from graphql import build_schema as build_sdl
from sqlalchemy import Table, select

from campusgraph.db.base import Base
from campusgraph.db.tenancy import unscoped
from campusgraph.resolvers.audit import type_of_table
from campusgraph.schema.root import sdl
from tests.support.journal import institution_id

#: Object types whose ``id`` is not their own global id but another type's, which is the
#: one viewer.can must name and node(id:) fetch. Their own name never appears in an id.
ID_OF_ANOTHER_TYPE: dict[str, tuple[str, ...]] = {
    # A live removal names the row that was deleted (schema/live.py).
    "AnnouncementRemoved": ("Announcement",),
    "AttendanceRemoved": ("Attendance",),
    "MarkRemoved": ("Mark",),
    # Report lines name their row.
    "ComplianceBreakdown": ("Group", "Employee"),
    "MarksReportDiscipline": ("Discipline",),
    "MarksReportGroup": ("Group",),
    "MarksReportStudent": ("Student",),
    # A user as a thread shows him: his account.
    "Correspondent": ("UserAccount",),
    # The diary's and the journal's views of a row.
    "DiaryFinalMark": ("FinalMark",),
    "DiaryLesson": ("Lesson",),
    "DiaryWork": ("Work",),
    "JournalFinalMark": ("FinalMark",),
    "JournalLesson": ("Lesson",),
    "JournalWork": ("Work",),
}
#: Object types with an id of no row at all, and why.
NOT_A_ROW = {"AnalyticsKey": "the id of whatever the key is (a group, a discipline … or none)"}
#: Every type whose id is not a row of its own.
NOT_ROWS = set(ID_OF_ANOTHER_TYPE) | set(NOT_A_ROW)


def types_with_an_id() -> dict[str, bool]:
    """Every object type of the schema with an ``id`` field → whether it is a Node."""
    schema = build_sdl(sdl())
    return {
        name: any(i.name == "Node" for i in t.interfaces)
        for name, t in schema.type_map.items()
        if isinstance(t, GraphQLObjectType) and "id" in t.fields and not name.startswith("__")
    }


def tables_by_type() -> dict[str, Table]:
    """Type name in global ids → its table (the audit trail's table → type naming)."""
    return {type_of_table(name): table for name, table in Base.metadata.tables.items()}


async def first_row_of_each(db: Any, slug: str, type_names: Iterable[str]) -> dict[str, int]:
    """Each type → the first row of it in the institution, where the demo has one."""
    inst = await institution_id(db, slug)
    tables = tables_by_type()
    found: dict[str, int] = {}
    async with unscoped(db.factory) as s:
        for type_name in sorted(type_names):
            table = tables.get(type_name)
            assert table is not None, f"{type_name}: no table of that name"
            column = table.c.id if type_name == "Institution" else table.c.institution_id
            pk = await s.scalar(select(table.c.id).where(column == inst).order_by(table.c.id))
            if pk is not None:
                found[type_name] = int(pk)
    return found
