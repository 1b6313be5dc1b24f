"""Which schema types carry a global id of their own: one declaration for the two tests
that need it (``viewer.can`` names every row type, ``node(id:)`` fetches every one)."""

from __future__ import annotations

from graphql import GraphQLObjectType
from graphql import build_schema as build_sdl

from campusgraph.schema.root import sdl

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
