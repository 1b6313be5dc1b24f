"""The committed schema.graphql is the API contract: it must match the code, and a change
that breaks clients must be deliberate."""

from __future__ import annotations

from graphql import build_schema as build_sdl
from graphql.utilities import find_breaking_changes

from campusgraph.schema.root import SCHEMA_FILE, sdl


def test_committed_schema_matches_the_code() -> None:
    committed = SCHEMA_FILE.read_text(encoding="utf-8")
    assert committed == sdl(), "schema.graphql drifted: run `campusgraph schema export`"


def test_no_breaking_changes_against_the_committed_schema() -> None:
    old = build_sdl(SCHEMA_FILE.read_text(encoding="utf-8"))
    new = build_sdl(sdl())
    breaking = find_breaking_changes(old, new)
    assert not breaking, [f"{c.type.name}: {c.description}" for c in breaking]


def test_every_type_and_field_is_described() -> None:
    """GraphiQL is the frontend developer's manual: object types carry descriptions."""
    schema = build_sdl(sdl())
    undocumented = [
        name
        for name, t in schema.type_map.items()
        if not name.startswith("__")
        and name not in {"String", "Int", "Float", "Boolean", "ID", "Date", "DateTime"}
        and not t.description
    ]
    assert undocumented == []
