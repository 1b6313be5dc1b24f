"""The ``campusgraph policy …`` commands: lint, matrix, diff, test, explain.

A ruleset that is not there is the user's typo (exit 2, one line naming the ones there
are); a ruleset that is there but does not compile is a failed check (exit 1, its
problems listed). Everything printed is in the run's language (``args.lang``); the
linter's own findings (``policy.csv:3: …``) are English, as the ruleset files are.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from campusgraph.cli import FAILED, OK, CommandError
from campusgraph.i18n import message, plural
from campusgraph.policies import coverage
from campusgraph.policies import ruleset as rs_mod
from campusgraph.policies.engine import CompiledRuleset, RulesetError, compile_ruleset
from campusgraph.settings import Settings


def _existing(slug: str, dirs: list[Path]) -> str:
    """``slug`` when such a ruleset is installed; else the error naming those that are."""
    if rs_mod.find(slug, dirs) is None:
        raise CommandError(
            "cli_ruleset_missing", slug=slug, available=", ".join(rs_mod.available(dirs))
        )
    return slug


def _lint(path: str | None, dirs: list[Path], lang: str = "ru") -> int:
    if path is None:
        slugs = rs_mod.available(dirs)
        targets = [(slug, rs_mod.load(slug, dirs)) for slug in slugs]
    else:
        folder = Path(path)
        if not (folder / "ruleset.toml").is_file():
            raise CommandError("cli_ruleset_folder_missing", path=folder)
        targets = [(folder.name, rs_mod.load_path(folder, [folder.parent, *dirs]))]
    failed = 0
    for slug, ruleset in targets:
        if not ruleset.errors:
            # The whole-ruleset lints: writes read back, lines some operation exercises.
            ruleset.errors.extend(coverage.lint(ruleset))
        if ruleset.errors:
            failed += 1
            problems = plural("count_problems", len(ruleset.errors), lang)
            print("✗ " + message("cli_lint_failed", lang, slug=slug, problems=problems))
            for error in ruleset.errors:
                print(f"  {error}")
        else:
            lines = plural("count_ruleset_lines", len(ruleset.lines), lang)
            links = plural("count_role_links", len(ruleset.links), lang)
            print("✓ " + message("cli_lint_ok", lang, slug=slug, lines=lines, links=links))
    return FAILED if failed else OK


def _broken(error: RulesetError, slug: str, lang: str) -> int:
    problems = plural("count_problems", len(error.problems), lang)
    print("✗ " + message("cli_ruleset_broken", lang, slug=slug, problems=problems))
    for problem in error.problems:
        print(f"  {problem}")
    return FAILED


def _test(slug: str, dirs: list[Path], lang: str = "ru") -> int:
    ruleset = rs_mod.load(_existing(slug, dirs), dirs)
    if ruleset.errors:
        return _broken(RulesetError(slug, [str(e) for e in ruleset.errors]), slug, lang)
    compiled = CompiledRuleset(ruleset)
    failures = compiled.run_golden()
    for failure in failures:
        print(f"✗ {failure}")
    import tomllib

    golden = ruleset.path / "golden.toml"
    total = len(tomllib.loads(golden.read_text("utf-8")).get("case", [])) if golden.exists() else 0
    print(message("cli_golden_summary", lang, passed=total - len(failures), failed=len(failures)))
    return FAILED if failures else OK


def _row(gid: str | None, obj: str) -> str | None:
    """``--id`` as explain takes it: a number, or a global id OF THE OBJECT'S TYPE — a
    Work's id given for ``mark`` names no mark, and reading its key as one would explain
    an unrelated row."""
    if gid is None or gid.isdigit():
        return gid
    from campusgraph.ids import from_global_id
    from campusgraph.policies.anchors import OBJECT_MODELS
    from campusgraph.policies.vocabulary import granted_role

    kind, _ = from_global_id(gid)  # the argument's type checked the shape
    # A role is granted to an account: --id names the account receiving it.
    model = OBJECT_MODELS.get("account" if granted_role(obj) else obj)
    expected = API_TYPE_NAMES.get(model.__name__, model.__name__) if model is not None else kind
    if kind != expected:
        raise CommandError(
            "cli_id_wrong_type", value=gid, got=kind, expected=expected, option="--id"
        )
    return gid


#: Models whose API type is named otherwise.
API_TYPE_NAMES = {"StudyGroup": "Group"}


async def _explain(args: argparse.Namespace, dirs: list[Path], settings: Settings) -> int:
    from campusgraph.db.engine import create_engine, session_factory
    from campusgraph.policies.explain import explain
    from campusgraph.policies.vocabulary import object_spec

    lang = getattr(args, "lang", None) or settings.language
    if object_spec(args.obj) is None:
        raise CommandError("cli_explain_object", obj=args.obj)
    gid = _row(args.gid, args.obj)
    engine = create_engine(settings.database_url)
    try:
        text, code = await explain(
            session_factory(engine),
            dirs,
            institution=args.institution,
            login=args.login,
            obj=args.obj,
            act=args.act,
            gid=gid,
            language=lang,
        )
    finally:
        await engine.dispose()
    if code == 2:  # no such account: the user's to fix, said as one line
        raise CommandError("cli_reason_only", reason=text)
    print(text)
    return code


def run(args: argparse.Namespace, dirs: list[Path], settings: Settings) -> int:
    command = args.policy_command
    lang = getattr(args, "lang", None) or settings.language
    if command == "lint":
        return _lint(args.path, dirs, lang)
    if command == "test":
        return _test(args.ruleset, dirs, lang)
    if command in ("matrix", "diff"):
        from campusgraph.policies import matrix

        slugs = [args.ruleset] if command == "matrix" else [args.a, args.b]
        for slug in slugs:
            _existing(slug, dirs)
        compiled = []
        for slug in slugs:
            try:
                compiled.append(compile_ruleset(slug, dirs).ruleset)
            except RulesetError as exc:
                return _broken(exc, slug, lang)
        if command == "matrix":
            print(matrix.matrix_markdown(compiled[0], lang))
        else:
            print(matrix.diff_markdown(compiled[0], compiled[1], lang))
        return OK
    if command == "explain":
        return asyncio.run(_explain(args, dirs, settings))
    raise AssertionError(command)
