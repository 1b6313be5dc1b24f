"""docs/CONFIGURATION.md is rendered from the settings class and stays so; what it says is
what the settings do (every variable named there sets its field)."""

from __future__ import annotations

import datetime as dt
import typing
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from pydantic.fields import FieldInfo

from campusgraph.cli import main
from campusgraph.config_reference import env_name, render
from campusgraph.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "docs" / "CONFIGURATION.md"


def test_committed_reference_matches_the_settings() -> None:
    committed = REFERENCE.read_text(encoding="utf-8")
    assert committed == render(), (
        "docs/CONFIGURATION.md drifted: run `campusgraph config reference -o docs/CONFIGURATION.md`"
    )


def test_every_setting_has_a_description() -> None:
    missing = [name for name, field in Settings.model_fields.items() if not field.description]
    assert not missing, f"give these settings Field(description=...): {missing}"


def test_the_reference_has_a_row_per_setting() -> None:
    text = render()
    names = [env_name(Settings, n, f) for n, f in Settings.model_fields.items()]
    assert len(names) == len(Settings.model_fields) > 30
    for name in names:
        assert text.count(f"| `{name}` |") == 1, name


def another_value(field: FieldInfo) -> tuple[str, Any] | None:
    """A valid value other than the default, as the environment spells it and as the
    field holds it; None for a type this test does not know."""
    annotation = field.annotation
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) is typing.Literal:
        value = next(v for v in typing.get_args(annotation) if v != field.default)
        return str(value), value
    kind = args[0] if args and typing.get_origin(annotation) is not typing.Literal else annotation
    default = field.default
    if kind is bool:
        return str(not default).lower(), not default
    if kind in (int, float):
        value = (default or 0) + 1 if default is not None else 2
        return str(value), kind(value)
    if kind is str:
        return "changed-by-the-test", "changed-by-the-test"
    if kind is Path:
        return "/srv/campusgraph", Path("/srv/campusgraph")
    if kind is dt.date:
        return "2024-02-29", dt.date(2024, 2, 29)
    if kind is SecretStr:
        return "a-long-random-string", "a-long-random-string"
    return None


def test_each_variable_of_the_reference_sets_its_setting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given, for each setting, the variable the reference names set to another valid value
    expected: dict[str, Any] = {}
    for name, field in Settings.model_fields.items():
        change = another_value(field)
        if change is None:
            continue
        text, value = change
        monkeypatch.setenv(env_name(Settings, name, field), text)
        expected[name] = value
    assert len(expected) > 30
    # when the settings are read from the environment
    settings = Settings()
    # then every one of them took its variable's value
    actual = {
        name: (
            getattr(settings, name).get_secret_value()
            if isinstance(getattr(settings, name), SecretStr)
            else getattr(settings, name)
        )
        for name in expected
    }
    assert actual == expected


def test_the_command_prints_and_writes_the_reference(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given the rendered reference
    text = render()
    # when the command prints it, then writes it to a file
    assert main(["config", "reference"]) == 0
    printed = capsys.readouterr().out
    target = tmp_path / "CONFIGURATION.md"
    assert main(["config", "reference", "-o", str(target)]) == 0
    # then both are the reference
    assert printed == text
    assert target.read_text(encoding="utf-8") == text
