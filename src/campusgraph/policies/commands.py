"""The ``campusgraph policy …`` commands: lint, matrix, diff, test, explain."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from campusgraph.policies import coverage
from campusgraph.policies import ruleset as rs_mod
from campusgraph.policies.engine import CompiledRuleset, RulesetError, compile_ruleset
from campusgraph.settings import Settings


def _lint(path: str | None, dirs: list[Path]) -> int:
    if path is None:
        slugs = rs_mod.available(dirs)
        targets = [(slug, rs_mod.load(slug, dirs)) for slug in slugs]
    else:
        folder = Path(path)
        targets = [(folder.name, rs_mod.load_path(folder, [folder.parent, *dirs]))]
    failed = 0
    for slug, ruleset in targets:
        if not ruleset.errors:
            # The whole-ruleset lints: writes read back, lines some operation exercises.
            ruleset.errors.extend(coverage.lint(ruleset))
        if ruleset.errors:
            failed += 1
            print(f"✗ {slug}: {len(ruleset.errors)} problem(s)")
            for error in ruleset.errors:
                print(f"  {error}")
        else:
            print(f"✓ {slug}: {len(ruleset.lines)} lines, {len(ruleset.links)} role links")
    return 1 if failed else 0


def _test(slug: str, dirs: list[Path]) -> int:
    ruleset = rs_mod.load(slug, dirs)
    if ruleset.errors:
        for error in ruleset.errors:
            print(error)
        return 1
    compiled = CompiledRuleset(ruleset)
    failures = compiled.run_golden()
    for failure in failures:
        print(f"✗ {failure}")
    import tomllib

    golden = ruleset.path / "golden.toml"
    total = len(tomllib.loads(golden.read_text("utf-8")).get("case", [])) if golden.exists() else 0
    print(f"{total - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


async def _explain(args: argparse.Namespace, dirs: list[Path], settings: Settings) -> int:
    from campusgraph.db.engine import create_engine, session_factory
    from campusgraph.policies.explain import explain

    engine = create_engine(settings.database_url)
    try:
        text, code = await explain(
            session_factory(engine),
            dirs,
            institution=args.institution,
            login=args.login,
            obj=args.obj,
            act=args.act,
            gid=args.gid,
            language=getattr(args, "lang", None) or "ru",
        )
    finally:
        await engine.dispose()
    print(text)
    return code


def run(args: argparse.Namespace, dirs: list[Path], settings: Settings) -> int:
    command = args.policy_command
    if command == "lint":
        return _lint(args.path, dirs)
    if command == "test":
        return _test(args.ruleset, dirs)
    if command in ("matrix", "diff"):
        from campusgraph.policies import matrix

        try:
            if command == "matrix":
                print(
                    matrix.matrix_markdown(compile_ruleset(args.ruleset, dirs).ruleset, args.lang)
                )
            else:
                a = compile_ruleset(args.a, dirs).ruleset
                b = compile_ruleset(args.b, dirs).ruleset
                print(matrix.diff_markdown(a, b))
        except RulesetError as exc:
            print(exc)
            return 1
        return 0
    if command == "explain":
        return asyncio.run(_explain(args, dirs, settings))
    raise AssertionError(command)
