"""``campusgraph import`` and ``campusgraph export``: the lists from the command line.

The command line runs as the **operator** of the deployment: it signs in as nobody, so no
role of any ruleset is consulted (it bypasses the roles). It does NOT bypass anything else:
every row goes through the same checks as the GraphQL import, the work is confined to the
one institution named by ``--institution`` (the session carries that tenant scope, so every
lookup and write is filtered by it), and each run writes the same audit event as the
GraphQL call, with no user and ``"source": "cli"``.

Exit codes: 0 done; 1 the file has bad rows (each is listed, nothing was written);
2 the command could not run (unknown institution, unreadable or empty file).
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import select

from campusgraph.db import models as m
from campusgraph.db.engine import create_engine, session_factory
from campusgraph.db.tenancy import scoped, unscoped
from campusgraph.exchange.exporter import export_list
from campusgraph.exchange.formats import FileFormat, UnreadableFile, read
from campusgraph.exchange.importer import ImportRefused, ImportReport, import_sheet
from campusgraph.exchange.lists import ListKind
from campusgraph.settings import Settings

STAGES = {"check": "Проверка строк", "write": "Запись"}


def format_of(path: Path) -> FileFormat | None:
    suffix = path.suffix.lower().lstrip(".")
    return FileFormat(suffix) if suffix in {f.value for f in FileFormat} else None


def _report(report: ImportReport, out: Console, dry_run: bool) -> None:
    if report.problems:
        table = Table(title=f"Ошибки в файле: {len(report.problems)}", show_lines=False)
        for name in ("Строка", "Столбец", "Значение", "Ошибка"):
            table.add_column(name, overflow="fold")
        for p in report.problems:
            table.add_row(str(p.row), p.column, p.value, p.message)
        out.print(table)
        out.print(
            f"Ничего не загружено: исправьте строки с ошибками ({report.rows} строк в файле)."
        )
    elif dry_run:
        out.print(
            f"Проверка пройдена: {report.rows} строк можно загрузить (--dry-run: не записано)."
        )
    else:
        out.print(f"Загружено строк: {report.imported}.")


async def _institution(settings: Settings, slug: str) -> int | None:
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
    settings: Settings, kind: ListKind, path: Path, slug: str, *, dry_run: bool
) -> int:
    err = Console(stderr=True)
    out = Console(soft_wrap=True)
    fmt = format_of(path)
    if fmt is None:
        err.print(f"campusgraph: {path}: ожидается файл .csv или .xlsx")
        return 2
    institution = await _institution(settings, slug)
    if institution is None:
        err.print(f"campusgraph: нет организации {slug!r}")
        return 2
    try:
        sheet = read(await asyncio.to_thread(path.read_bytes), fmt)
    except OSError as exc:
        err.print(f"campusgraph: {path}: {exc.strerror or exc}")
        return 2
    except UnreadableFile as exc:
        err.print(f"campusgraph: {path}: не удалось прочитать файл: {exc.reason('ru')}")
        return 2
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
                stage: progress.add_task(title, total=len(sheet.rows), visible=stage == "check")
                for stage, title in STAGES.items()
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
                )
    except ImportRefused as exc:
        err.print(f"campusgraph: {path}: {exc}")
        return 2
    finally:
        await engine.dispose()
    _report(report, out, dry_run)
    return 0 if report.ok else 1


async def run_export(
    settings: Settings, kind: ListKind, slug: str, fmt: FileFormat, output: str | None
) -> int:
    err = Console(stderr=True)
    institution = await _institution(settings, slug)
    if institution is None:
        err.print(f"campusgraph: нет организации {slug!r}")
        return 2
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
    err.print(f"Выгружено строк: {exported.rows} → {target}")
    return 0
