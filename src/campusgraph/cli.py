"""The ``campusgraph`` command."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from campusgraph.settings import Settings

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def _serve(settings: Settings, host: str, port: int, workers: int = 1) -> None:
    """One process, or ``workers`` processes sharing the port (campusgraph/workers.py).
    Logging is configured here and, through ``log_config``, in every worker."""
    import uvicorn

    from campusgraph.app import create_app
    from campusgraph.observability import logs, tracing

    log_config = logs.configure(settings)
    print(f"campusgraph: http://{host}:{port}/graphql  ({settings.database_url})", flush=True)
    if workers == 1:
        tracing.configure(settings)
        uvicorn.run(create_app(settings), host=host, port=port, log_config=log_config)
        return
    from campusgraph import workers as multiprocess

    multiprocess.serve(workers, host, port, log_config)


def _migrate(settings: Settings) -> None:
    from campusgraph.db.migrate import upgrade

    upgrade(settings.database_url)


async def _seed_demo(settings: Settings) -> None:
    from campusgraph.db.demo import seed_demo
    from campusgraph.db.engine import create_engine, session_factory

    engine = create_engine(settings.database_url)
    try:
        summary = await seed_demo(session_factory(engine), progress=True)
    finally:
        await engine.dispose()
    if summary.seeded:
        print(summary.render(), flush=True)
    else:
        print("campusgraph: the database already has data; not seeding.", flush=True)


def cmd_demo(args: argparse.Namespace) -> int:
    settings = Settings(mode="demo")
    _migrate(settings)
    asyncio.run(_seed_demo(settings))
    _serve(settings, args.host, args.port)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    settings = Settings()
    if args.workers < 1 or (args.workers > 1 and settings.is_sqlite):
        from campusgraph.i18n import message

        key = "cli_workers_sqlite" if args.workers > 1 else "cli_workers_count"
        print(f"campusgraph: {message(key, settings.language)}", file=sys.stderr)
        return 2
    _migrate(settings)
    _serve(settings, args.host, args.port, args.workers)
    return 0


def cmd_db(args: argparse.Namespace) -> int:
    from campusgraph.db import migrate

    settings = Settings()
    if args.action == "upgrade":
        migrate.upgrade(settings.database_url, args.revision or "head")
    elif args.action == "downgrade":
        migrate.downgrade(settings.database_url, args.revision or "-1")
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    from campusgraph.schema.root import SCHEMA_FILE, sdl

    text = sdl()
    if args.check:
        current = SCHEMA_FILE.read_text(encoding="utf-8") if SCHEMA_FILE.exists() else ""
        if current != text:
            print(f"{SCHEMA_FILE} is out of date: run `campusgraph schema export`", file=sys.stderr)
            return 1
        print("schema.graphql is up to date")
        return 0
    SCHEMA_FILE.write_text(text, encoding="utf-8")
    print(f"wrote {SCHEMA_FILE}")
    return 0


def _dirs(settings: Settings) -> list[Path]:
    from campusgraph.policies.ruleset import search_dirs

    return search_dirs(settings.ruleset_dirs())


def cmd_policy(args: argparse.Namespace) -> int:
    from campusgraph.policies import commands

    settings = Settings()
    return commands.run(args, _dirs(settings), settings)


def cmd_import(args: argparse.Namespace) -> int:
    """Import a list as the operator (no roles; the checks, the tenant and the audit apply)."""
    from campusgraph.exchange.command import run_import
    from campusgraph.exchange.lists import ListKind

    return asyncio.run(
        run_import(
            Settings(), ListKind(args.kind), Path(args.file), args.institution, dry_run=args.dry_run
        )
    )


def cmd_export(args: argparse.Namespace) -> int:
    from campusgraph.exchange.command import run_export
    from campusgraph.exchange.formats import FileFormat
    from campusgraph.exchange.lists import ListKind

    return asyncio.run(
        run_export(
            Settings(), ListKind(args.kind), args.institution, FileFormat(args.format), args.output
        )
    )


def cmd_report(args: argparse.Namespace) -> int:
    """A report's or the journal's file, as an account of the institution (``--as``)."""
    from campusgraph.reports import command

    return command.main(Settings(), args)


def cmd_seed(args: argparse.Namespace) -> int:
    """Migrate, then generate a region of institutions (load tests and benchmarks)."""
    import datetime as dt

    from campusgraph.db.engine import create_engine, session_factory
    from campusgraph.db.region_seed import RegionExists, seed_region

    settings = Settings()
    _migrate(settings)
    today = dt.date.fromisoformat(args.today) if args.today else settings.current_date()

    async def run() -> int:
        engine = create_engine(settings.database_url)
        try:
            summary = await seed_region(
                session_factory(engine),
                institutions=args.institutions,
                students=args.students,
                seed=args.seed,
                today=today,
                region=args.region,
                progress=True,
            )
        except RegionExists as exc:
            print(f"campusgraph: {exc}; use a fresh database or --region", file=sys.stderr)
            return 1
        finally:
            await engine.dispose()
        print(summary.render(), flush=True)
        return 0

    return asyncio.run(run())


def cmd_documents(args: argparse.Namespace) -> int:
    """The trusted-documents manifest (CAMPUSGRAPH_TRUSTED_DOCUMENTS) of the folders given."""
    from campusgraph.trusted_documents import ManifestError, manifest

    try:
        text = manifest(Path(p) for p in args.paths)
    except ManifestError as error:
        print(f"campusgraph: {error}", file=sys.stderr)
        return 1
    if args.output in (None, "-"):
        sys.stdout.write(text)
    else:
        Path(args.output).write_text(text, encoding="utf-8")
    return 0


def _report_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("name", nargs="?", help="the report (see --list), or 'journal'")
    p.add_argument("--list", action="store_true", help="list the reports with their titles")
    p.add_argument("--institution", help="the institution's slug")
    p.add_argument(
        "--as",
        dest="login",
        help="the account whose roles decide (the ruleset's `report export`)",
    )
    p.add_argument("--department", help="a department's name")
    p.add_argument("--group", help="a group's name (the current academic year's)")
    p.add_argument("--discipline", help="a discipline's code, name or short name")
    p.add_argument("--teacher", help="an Employee's global id")
    p.add_argument("--student", help="a Student's global id")
    p.add_argument("--period", help="a period's name (the current academic year's)")
    p.add_argument("--date-from", help="YYYY-MM-DD")
    p.add_argument("--date-to", help="YYYY-MM-DD")
    p.add_argument("--format", choices=["xlsx", "csv", "pdf"], default="xlsx")
    p.add_argument("--lang", choices=["ru", "en"], default=None, help="language of the file")
    p.add_argument("-o", "--output", help="file to write (default: the file's own name)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="campusgraph", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("demo", help="migrate, seed demo data if empty, and serve")
    p.add_argument("--host", default=DEFAULT_HOST)
    p.add_argument("--port", type=int, default=DEFAULT_PORT)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("serve", help="migrate and serve (no seeding)")
    p.add_argument("--host", default=DEFAULT_HOST)
    p.add_argument("--port", type=int, default=DEFAULT_PORT)
    p.add_argument(
        "--workers",
        type=int,
        default=1,
        help="processes serving the port (more than one: PostgreSQL only)",
    )
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("db", help="database migrations")
    p.add_argument("action", choices=["upgrade", "downgrade"])
    p.add_argument("revision", nargs="?")
    p.set_defaults(func=cmd_db)

    p = sub.add_parser("schema", help="export schema.graphql (or --check for drift)")
    p.add_argument("action", choices=["export"])
    p.add_argument("--check", action="store_true")
    p.set_defaults(func=cmd_schema)

    p = sub.add_parser("policy", help="rulesets: lint, matrix, diff, explain, test")
    psub = p.add_subparsers(dest="policy_command", required=True)
    q = psub.add_parser("lint", help="lint a ruleset folder (or all rulesets)")
    q.add_argument("path", nargs="?")
    q = psub.add_parser("matrix", help="role × object × action table in Markdown")
    q.add_argument("ruleset")
    q.add_argument("--lang", choices=["ru", "en"], default="ru")
    q = psub.add_parser("diff", help="what differs between two rulesets")
    q.add_argument("a")
    q.add_argument("b")
    q = psub.add_parser("test", help="run a ruleset's golden cases")
    q.add_argument("ruleset")
    q = psub.add_parser("explain", help="which line allows or denies, and why")
    q.add_argument("--institution", required=True)
    q.add_argument("--login", required=True)
    q.add_argument("--object", required=True, dest="obj")
    q.add_argument("--action", required=True, dest="act")
    q.add_argument("--id", dest="gid")
    q.add_argument("--lang", choices=["ru", "en"], default="ru", help="language of the answer")
    p.set_defaults(func=cmd_policy)

    kinds = ["staff", "students", "parents", "disciplines"]
    p = sub.add_parser(
        "import",
        help="import a list (CSV or XLSX) into an institution, all rows or none; as the "
        "operator: roles are not consulted, the checks, the tenant and the audit are",
    )
    p.add_argument("kind", choices=kinds)
    p.add_argument("file", help="a .csv (UTF-8, «;» or «,») or .xlsx file with a header row")
    p.add_argument("--institution", required=True, help="the institution's slug")
    p.add_argument("--dry-run", action="store_true", help="check every row, write nothing")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("export", help="export a list of an institution as CSV or XLSX")
    p.add_argument("kind", choices=kinds)
    p.add_argument("--institution", required=True, help="the institution's slug")
    p.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    p.add_argument("-o", "--output", help="file to write ('-': standard output)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser(
        "report",
        help="a report's file (XLSX, CSV, PDF) as an account of an institution: "
        "campusgraph report NAME --institution SLUG --as LOGIN -o FILE (--list: the names)",
    )
    _report_arguments(p)
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("seed", help="generate load-test data (see campusgraph.db.region_seed)")
    p.add_argument("what", choices=["region"])
    p.add_argument("--institutions", type=int, required=True, help="how many institutions")
    p.add_argument("--students", type=int, required=True, help="students per institution")
    p.add_argument("--seed", type=int, default=2026, help="the random seed (default 2026)")
    p.add_argument("--today", help="YYYY-MM-DD: lessons up to the day before (default today)")
    p.add_argument("--region", default="bench-region", help="the new region's slug")
    p.set_defaults(func=cmd_seed)

    p = sub.add_parser("documents", help="trusted documents: the sha256 manifest of *.graphql")
    p.add_argument("action", choices=["manifest"])
    p.add_argument("paths", nargs="+", help="folders of .graphql documents (or manifests)")
    p.add_argument("-o", "--output", help="file to write ('-': standard output)")
    p.set_defaults(func=cmd_documents)

    args = parser.parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    raise SystemExit(main())
