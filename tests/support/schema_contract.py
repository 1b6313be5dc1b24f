"""The schema contract: the code's schema against the last released one.

Kept apart from the test so the mutation checks (tests/policies/test_mutation_checks.py)
can feed it a broken schema and see it object.
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from graphql import GraphQLSchema, build_schema
from graphql.utilities import find_breaking_changes, find_dangerous_changes

RELEASED = Path(__file__).parents[2] / "src" / "campusgraph" / "schema" / "released"
ALLOWED_FILE = RELEASED / "breaking-allowed.toml"


class DangerousSchemaChange(UserWarning):
    """A change that may surprise a client (a new enum value in a switch, a changed
    default) but breaks no valid query: reported in the test summary, never failing."""


def _version(path: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in path.stem.split("."))


def released_schemas() -> list[Path]:
    """Every released schema, oldest first."""
    found = [p for p in RELEASED.glob("*.graphql") if re.fullmatch(r"\d+\.\d+\.\d+", p.stem)]
    return sorted(found, key=_version)


def latest_release() -> Path:
    schemas = released_schemas()
    assert schemas, f"no released schema X.Y.Z.graphql in {RELEASED}"
    return schemas[-1]


def allowed_breaking(text: str | None = None) -> dict[str, str]:
    """The declared breaking changes: description → reason."""
    data = tomllib.loads(ALLOWED_FILE.read_text("utf-8") if text is None else text)
    allowed: dict[str, str] = {}
    for entry in data.get("change", []):
        change, reason = entry.get("change", ""), entry.get("reason", "")
        if not (change and reason.strip()):
            raise ValueError(f"{ALLOWED_FILE.name}: every change needs a reason: {entry}")
        allowed[change] = reason
    return allowed


@dataclass(frozen=True)
class Compatibility:
    breaking: list[str]  # undeclared breaking changes: these fail
    declared: list[str]  # breaking, but declared with a reason
    stale: list[str]  # declared, but no such change any more
    dangerous: list[str]  # reported, never failing


@functools.lru_cache(maxsize=8)
def _built(sdl: str) -> GraphQLSchema:
    return build_schema(sdl)


def compare(released_sdl: str, current_sdl: str, allowed: dict[str, str]) -> Compatibility:
    old, new = _built(released_sdl), _built(current_sdl)
    breaking = [c.description for c in find_breaking_changes(old, new)]
    dangerous = [c.description for c in find_dangerous_changes(old, new)]
    return Compatibility(
        breaking=[c for c in breaking if c not in allowed],
        declared=[c for c in breaking if c in allowed],
        stale=sorted(set(allowed) - set(breaking)),
        dangerous=dangerous,
    )
