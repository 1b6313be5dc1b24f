"""The lock (requirements/constraints.txt, written by bin/lock) is what gets installed, and
it covers what pyproject.toml asks for.

bin/demo and bin/test install with ``pip install -c requirements/constraints.txt``; these
tests make a run of bin/test prove that it did — every package the project and the extras
bin/test installs need, transitive ones too, is installed at exactly its locked version —
and make a dependency added to pyproject.toml without ``bin/lock`` fail the suite.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements" / "constraints.txt"
PYPROJECT = ROOT / "pyproject.toml"
#: The extras bin/test installs (pip install -c LOCK -e '.[dev,demo]').
TESTED_EXTRAS = ("dev", "demo")


def locked() -> dict[NormalizedName, tuple[str, Marker | None]]:
    """Each package of the lock: its version and, for a package only some platforms need,
    the marker that says which."""
    pins: dict[NormalizedName, tuple[str, Marker | None]] = {}
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        requirement = Requirement(text)
        (specifier,) = requirement.specifier  # the lock pins: one ``==`` each
        assert specifier.operator == "==", f"not a pin in {LOCK.name}: {line}"
        pins[canonicalize_name(requirement.name)] = (specifier.version, requirement.marker)
    return pins


def declared() -> Iterator[tuple[str, Requirement]]:
    """Every requirement of pyproject.toml, with where it is declared."""
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    for text in project["dependencies"]:
        yield "dependencies", Requirement(text)
    for extra, texts in project.get("optional-dependencies", {}).items():
        for text in texts:
            yield f"extra {extra!r}", Requirement(text)


def applies(marker: Marker | None, extra: str = "") -> bool:
    return marker is None or marker.evaluate({"extra": extra})


def needed_here() -> dict[NormalizedName, set[str]]:
    """The packages the project and its tested extras need on this machine, transitive ones
    too (as their installed metadata declares them), each with the extras asked of it."""
    wanted: list[Requirement] = [
        r for where, r in declared() if where == "dependencies" and applies(r.marker)
    ]
    wanted += [
        r
        for extra in TESTED_EXTRAS
        for where, r in declared()
        if where == f"extra {extra!r}" and applies(r.marker, extra)
    ]
    seen: dict[NormalizedName, set[str]] = {}
    while wanted:
        requirement = wanted.pop()
        name = canonicalize_name(requirement.name)
        if name in seen and requirement.extras <= seen[name]:
            continue  # walked already, with these extras
        extras = seen.setdefault(name, set())
        extras |= requirement.extras
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue  # reported by the test: needed, not installed
        for text in requires:
            dependency = Requirement(text)
            if dependency.marker is None or any(
                dependency.marker.evaluate({"extra": e}) for e in ("", *extras)
            ):
                wanted.append(dependency)
    return seen


def test_every_needed_package_is_installed_at_its_locked_version() -> None:
    # given the lock and the packages the project with its tested extras needs here
    pins = locked()
    needed = needed_here()
    assert len(needed) > 20  # the walk found the transitive packages, not only the direct
    # when each is looked up among the installed distributions
    wrong: list[str] = []
    for name in sorted(needed):
        if name not in pins:
            wrong.append(f"{name}: needed but not in {LOCK.name} (run bin/lock)")
            continue
        version, marker = pins[name]
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            wrong.append(f"{name}: locked at {version}, not installed")
            continue
        if installed != version:
            wrong.append(f"{name}: locked at {version}, installed {installed}")
        if not applies(marker):
            wrong.append(f"{name}: needed here, but the lock keeps it for {marker}")
    # then every one is there, at exactly the locked version
    assert not wrong, "the installed packages are not the locked ones:\n" + "\n".join(wrong)


def test_installed_packages_named_in_the_lock_have_its_versions() -> None:
    # given every installed distribution (the extras not tested here included)
    pins = locked()
    # when those the lock names are compared with it
    wrong = [
        f"{name}: locked at {pins[name][0]}, installed {dist.version}"
        for dist in metadata.distributions()
        if (name := canonicalize_name(dist.metadata["Name"])) in pins
        and dist.version != pins[name][0]
    ]
    # then none differs
    assert not wrong, "installed versions differ from the lock:\n" + "\n".join(wrong)


def test_the_lock_covers_every_requirement_of_pyproject() -> None:
    # given every dependency and every extra's requirement in pyproject.toml
    pins = locked()
    requirements = list(declared())
    assert any(where == "extra 'demo'" for where, _ in requirements)
    # when each is looked up in the lock
    missing = [
        f"{where}: {requirement} is not in {LOCK.name}"
        for where, requirement in requirements
        if canonicalize_name(requirement.name) not in pins
    ]
    refused = [
        f"{where}: {requirement} does not allow the locked {pins[name][0]}"
        for where, requirement in requirements
        if (name := canonicalize_name(requirement.name)) in pins
        and not requirement.specifier.contains(pins[name][0], prereleases=True)
    ]
    # then each is locked, at a version pyproject.toml allows
    assert not missing + refused, "run bin/lock:\n" + "\n".join(missing + refused)


DEMO_ONLY = [
    pytest.param(["demo"], id="demo"),
    pytest.param(["seed", "region", "--institutions", "1", "--students", "1"], id="seed"),
]
#: The command, with Faker not importable (as where the demo extra is not installed).
WITHOUT_FAKER = (
    "import sys; sys.modules['faker'] = None; "
    "from campusgraph.cli import main; sys.exit(main(sys.argv[1:]))"
)


@pytest.mark.parametrize("argv", DEMO_ONLY)
@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("ru_RU.UTF-8", "не установлен модуль faker: установите pip install 'campusgraph[demo]'"),
        (
            "en_US.UTF-8",
            "the module faker is not installed: install it with pip install 'campusgraph[demo]'",
        ),
    ],
)
def test_demo_commands_without_the_demo_extra_say_how_to_install_it(
    tmp_path: Path, argv: list[str], lang: str, expected: str
) -> None:
    # given an environment where Faker (the demo extra) cannot be imported
    env = {
        **{k: v for k, v in os.environ.items() if k != "CAMPUSGRAPH_LANGUAGE"},
        "LANG": lang,
        "LC_ALL": "",
        "LC_MESSAGES": "",
        "CAMPUSGRAPH_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
    }
    # when a command that needs it runs
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_FAKER, *argv],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # then it ends with one line saying how to install the extra, no traceback, exit 2 (the
    # setup, not the command, is at fault)
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines() == [f"campusgraph: {expected}"]
