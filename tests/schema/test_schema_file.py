"""The committed schema.graphql must match the code; the code must not break what was
released (src/campusgraph/schema/released/: the newest X.Y.Z.graphql is the contract,
breaking-allowed.toml lists the breaks that are meant, with a reason)."""

from __future__ import annotations

import warnings

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
)
from graphql import build_schema as build_sdl

from campusgraph.schema.root import SCHEMA_FILE, sdl
from tests.support.schema_contract import (
    DangerousSchemaChange,
    allowed_breaking,
    compare,
    latest_release,
)


def test_committed_schema_matches_the_code() -> None:
    committed = SCHEMA_FILE.read_text(encoding="utf-8")
    assert committed == sdl(), "schema.graphql drifted: run `campusgraph schema export`"


@pytest.mark.filterwarnings("default::tests.support.schema_contract.DangerousSchemaChange")
def test_no_undeclared_breaking_change_against_the_released_schema() -> None:
    # given the last released schema and the intended breaks declared since
    released = latest_release()
    allowed = allowed_breaking()
    # when the code's schema is compared with it
    result = compare(released.read_text(encoding="utf-8"), sdl(), allowed)
    # then every break is declared, every declaration is still needed …
    assert not result.breaking, (
        f"breaking changes against {released.name} — revert them, or declare each in "
        f"{released.parent.name}/breaking-allowed.toml with a reason: {result.breaking}"
    )
    assert not result.stale, (
        f"breaking-allowed.toml declares changes that no longer happen: {result.stale}"
    )
    # … and dangerous changes (new enum values, optional arguments) are only reported
    for change in result.dangerous:
        warnings.warn(f"against {released.name}: {change}", DangerousSchemaChange, stacklevel=1)


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


def _undescribed(schema: GraphQLSchema) -> set[str]:
    """Every field, argument, input field and enum value without a description, as
    ``Type.field``, ``Type.field(argument)``, ``Enum.VALUE``."""
    found: set[str] = set()
    for name, gtype in schema.type_map.items():
        if name.startswith("__"):
            continue
        if isinstance(gtype, (GraphQLObjectType, GraphQLInputObjectType, GraphQLInterfaceType)):
            for fname, field in gtype.fields.items():
                if not field.description:
                    found.add(f"{name}.{fname}")
                for aname, arg in (getattr(field, "args", None) or {}).items():
                    if not arg.description:
                        found.add(f"{name}.{fname}({aname})")
        elif isinstance(gtype, GraphQLEnumType):
            found.update(
                f"{name}.{v}" for v, value in gtype.values.items() if not value.description
            )
    return found


def test_every_field_argument_and_enum_value_is_described() -> None:
    """GraphiQL's docs are the frontend developer's manual: every field, argument, input
    field and enum value says what it is (the IDE shows an empty line for one that does not)."""
    assert sorted(_undescribed(build_sdl(sdl()))) == [], "describe these (description=…)"
