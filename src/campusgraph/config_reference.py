"""The configuration reference (docs/CONFIGURATION.md), rendered from :class:`Settings`.

The settings class is the one place a setting is declared — its name, type, default,
limits and description — so the operator's reference is written from it rather than by
hand: ``campusgraph config reference -o docs/CONFIGURATION.md`` after adding a setting,
and a test fails while the committed file differs from what this renders.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings

from campusgraph.settings import Settings

HEADER = """\
# Configuration reference

<!-- Generated from src/campusgraph/settings.py by
     `campusgraph config reference -o docs/CONFIGURATION.md`: edit the settings'
     descriptions there, not this file (tests/test_configuration.py compares them). -->

campusgraph reads its configuration from environment variables (names are not case
sensitive); an unset variable takes the default. Values are checked when the process
starts: one of the wrong type or outside its limits is refused, naming the variable.

| Variable | Type | Default | Description |
|---|---|---|---|
"""

_NAMES: dict[Any, str] = {
    str: "text",
    int: "integer",
    float: "number",
    bool: "`true` / `false`",
    Path: "path",
    SecretStr: "text (secret)",
    dt.date: "date, `YYYY-MM-DD`",
}
#: The bounds pydantic keeps in a field's metadata (annotated-types' Gt, Ge, Lt, Le).
_LIMITS = (("gt", ">"), ("ge", "≥"), ("lt", "<"), ("le", "≤"))


def env_name(settings: type[BaseSettings], name: str, field: FieldInfo) -> str:
    alias = field.validation_alias if isinstance(field.validation_alias, str) else field.alias
    if alias:
        return alias.upper()
    return f"{settings.model_config.get('env_prefix', '')}{name}".upper()


def type_text(annotation: Any) -> str:
    """How the value is written, in words: ``int | None`` is "integer, or unset"."""
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return "one of " + ", ".join(f"`{value}`" for value in typing.get_args(annotation))
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(annotation)
        kept = [type_text(a) for a in args if a is not type(None)]
        text = " or ".join(kept)
        return f"{text}, or unset" if len(kept) < len(args) else text
    return _NAMES.get(annotation, f"`{getattr(annotation, '__name__', annotation)}`")


def default_text(field: FieldInfo) -> str:
    value = field.get_default(call_default_factory=True)
    if value is None:
        return "unset"
    if value == "":
        return "empty"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, float):
        return f"`{value:g}`"
    if isinstance(value, int):
        return f"`{value}`"
    return f"`{value}`"


def limits_text(field: FieldInfo) -> str:
    parts = [
        f"{sign} {getattr(item, attribute):g}"
        for item in field.metadata
        for attribute, sign in _LIMITS
        if getattr(item, attribute, None) is not None
    ]
    return f" ({', '.join(parts)})" if parts else ""


def _with_limits(kind: str, limits: str) -> str:
    """The limits beside the value's type: "integer (≥ 1), or unset"."""
    unset = ", or unset"
    if kind.endswith(unset):
        return kind.removesuffix(unset) + limits + unset
    return kind + limits


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def render(settings: type[BaseSettings] = Settings) -> str:
    """The reference as Markdown: one row per setting, in the class's order."""
    rows = []
    for name, field in settings.model_fields.items():
        if not field.description:
            raise ValueError(f"{settings.__name__}.{name} has no description")
        rows.append(
            f"| `{env_name(settings, name, field)}` "
            f"| {_with_limits(type_text(field.annotation), limits_text(field))} "
            f"| {default_text(field)} "
            f"| {_cell(field.description)} |"
        )
    return HEADER + "\n".join(rows) + "\n"
