"""``campusgraph import`` and ``campusgraph export``: the lists from the command line.

The command line runs as the **operator** of the deployment: it signs in as nobody, so no
role of any ruleset is consulted (it bypasses the roles). It does NOT bypass anything else:
every row goes through the same checks as the GraphQL import, the work is confined to the
one institution named by ``--institution`` (the session carries that tenant scope, so every
lookup and write is filtered by it), and each run writes the same audit event as the
GraphQL call, with no user and ``"source": "cli"``.

Exit codes: 0 done; 1 the file has bad rows (each is listed, nothing was written);
2 the command could not run (unknown institution, unreadable or empty file: a
:class:`~campusgraph.cli.CommandError`, said in one line by the command's boundary).
Everything printed is in the run's language (``lang``).
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import select

from campusgraph.cli import CommandError, os_reason
from campusgraph.db import models as m
from campusgraph.db.engine import create_engine, session_factory
from campusgraph.db.tenancy import scoped, unscoped
from campusgraph.exchange.exporter import export_list
from campusgraph.exchange.formats import FileFormat, UnreadableFile, read
from campusgraph.exchange.importer import ImportRefused, ImportReport, import_sheet
from campusgraph.exchange.lists import ListKind
from campusgraph.i18n import message, plural
from campusgraph.settings import Settings

#: The progress bar's stages, as catalog keys.
STAGES = {"check": "cli_import_stage_check", "write": "cli_import_stage_write"}


def format_of(path: Path) -> FileFormat | None:
    suffix = path.suffix.lower().lstrip(".")
    return FileFormat(suffix) if suffix in {f.value for f in FileFormat} else None


def _report(report: ImportReport, out: Console, dry_run: bool, lang: str) -> None:
    rows = plural("count_rows", report.rows, lang)
    if report.problems:
        table = Table(
            title=message("cli_import_problems", lang, n=len(report.problems)), show_lines=False
        )
        for key in (
            "cli_column_row",
            "cli_column_column",
            "cli_column_value",
            "cli_column_problem",
        ):
            table.add_column(message(key, lang), overflow="fold")
        for p in report.problems:
            table.add_row(str(p.row), p.column, p.value, p.message)
        out.print(table)
        out.print(message("cli_import_nothing", lang, rows=rows))
    elif dry_run:
        out.print(message("cli_import_checked", lang, rows=rows))
    else:
        out.print(
            message("cli_import_done", lang, rows=plural("count_rows", report.imported, lang))
        )


async def _institution(settings: Settings, slug: str) -> int:
    """The institution's id; an unknown slug is the user's to fix."""
    found = await _institution_id(settings, slug)
    if found is None:
        raise CommandError("cli_institution_missing", slug=slug)
    return found


async def _institution_id(settings: Settings, slug: str) -> int | None:
    engine = create_engine(settings.database_url)
    try:
        async with unscoped(session_factory(engine)) as session:
            found: int | None = (
                await session.execute(select(m.Institution.id).where(m.Institution.slug == slug))
            ).scalar_one_or_none()
            return found
    finally:
        await engine.dispose()


async def run_import(
    settings: Settings, kind: ListKind, path: Path, slug: str, *, dry_run: bool, lang: str = "ru"
) -> int:
    err = Console(stderr=True)
    out = Console(soft_wrap=True)
    fmt = format_of(path)
    if fmt is None:
        raise CommandError("cli_import_format", path=path)
    institution = await _institution(settings, slug)
    try:
        sheet = read(await asyncio.to_thread(path.read_bytes), fmt)
    except OSError as exc:
        raise CommandError("cli_file", path=path, reason=os_reason(exc)) from None
    except UnreadableFile as exc:
        raise CommandError("cli_import_unreadable", path=path, reason=exc.reason(lang)) from None
    engine = create_engine(settings.database_url)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    try:
        with Progress(*columns, console=err) as progress:
            tasks = {
                stage: progress.add_task(
                    message(key, lang), total=len(sheet.rows), visible=stage == "check"
                )
                for stage, key in STAGES.items()
            }

            def advance(stage: str, done: int, total: int) -> None:
                progress.update(tasks[stage], completed=done, total=total, visible=True)

            async with scoped(session_factory(engine), (institution,), write=True) as session:
                report = await import_sheet(
                    session,
                    sheet,
                    kind=kind,
                    institution_id=institution,
                    today=settings.current_date(),
                    dry_run=dry_run,
                    source="cli",
                    progress=advance,
                    language=lang,
                )
    except ImportRefused as exc:
        raise CommandError("cli_import_refused", path=path, reason=str(exc)) from None
    finally:
        await engine.dispose()
    _report(report, out, dry_run, lang)
    return 0 if report.ok else 1


async def run_export(
    settings: Settings,
    kind: ListKind,
    slug: str,
    fmt: FileFormat,
    output: str | None,
    *,
    lang: str = "ru",
) -> int:
    err = Console(stderr=True, soft_wrap=True)
    institution = await _institution(settings, slug)
    engine = create_engine(settings.database_url)
    try:
        async with scoped(session_factory(engine), (institution,), write=True) as session:
            exported = await export_list(
                session,
                kind=kind,
                fmt=fmt,
                institution_id=institution,
                institution_slug=slug,
                today=settings.current_date(),
                source="cli",
            )
    finally:
        await engine.dispose()
    if output == "-":
        sys.stdout.buffer.write(exported.content)
        sys.stdout.buffer.flush()
        return 0
    target = Path(output or exported.filename)
    await asyncio.to_thread(target.write_bytes, exported.content)
    err.print(
        message(
            "cli_export_done", lang, rows=plural("count_rows", exported.rows, lang), path=target
        ),
        markup=False,
        highlight=False,
    )
    return 0
