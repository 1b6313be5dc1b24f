"""Programmatic Alembic: ``campusgraph db upgrade`` needs no alembic.ini on disk."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

from alembic import command, util
from alembic.config import Config
from alembic.script import ScriptDirectory

T = TypeVar("T")

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


def upgrade(database_url: str, revision: str = "head") -> None:
    """Run in a worker thread when an event loop is already running (env.py uses asyncio.run)."""
    cfg = alembic_config(database_url)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        command.upgrade(cfg, revision)
        return
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(command.upgrade, cfg, revision).result()


async def upgrade_async(database_url: str, revision: str = "head") -> None:
    await asyncio.to_thread(command.upgrade, alembic_config(database_url), revision)


def known_revisions(database_url: str) -> list[str]:
    """The migrations' revision ids, oldest first."""
    script = ScriptDirectory.from_config(alembic_config(database_url))
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def check_revision(database_url: str, revision: str) -> None:
    """Refuse a revision no migration has (``db upgrade nosuchrev``) before connecting.

    Relative (``-1``, ``+2``, ``head-1``) and symbolic (``head``, ``base``) revisions are
    Alembic's to resolve against the database."""
    if revision in ("head", "heads", "base") or re.fullmatch(r"(\w*)[+-]\d+", revision):
        return
    script = ScriptDirectory.from_config(alembic_config(database_url))
    try:
        found = script.get_revisions(revision)
    except util.CommandError:
        found = ()
    if not found:
        raise UnknownRevision(revision, known_revisions(database_url))


class UnknownRevision(LookupError):
    def __init__(self, revision: str, known: list[str]) -> None:
        super().__init__(revision)
        self.revision = revision
        self.known = known


def current(database_url: str) -> str | None:
    """The database's revision (None: no migration ran yet)."""
    return _in_fresh_loop(_current(database_url))


async def _current(database_url: str) -> str | None:
    from alembic.runtime.migration import MigrationContext

    from campusgraph.db.engine import create_engine

    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            found: str | None = await connection.run_sync(
                lambda sync: MigrationContext.configure(sync).get_current_revision()
            )
            return found
    finally:
        await engine.dispose()


def _in_fresh_loop(work: Coroutine[Any, Any, T]) -> T:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(work)
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, work).result()


def downgrade(database_url: str, revision: str) -> None:
    command.downgrade(alembic_config(database_url), revision)


def revision(database_url: str, message: str) -> None:
    command.revision(alembic_config(database_url), message=message, autogenerate=True)
