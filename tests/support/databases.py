"""Seeded template databases, and cheap per-test copies of them.

One template per backend is built once per session (Alembic to head, then the demo seed),
then each test gets its own copy: SQLite copies the file, PostgreSQL runs
``CREATE DATABASE … TEMPLATE``. Tests may therefore commit freely (40 concurrent writers
included) without ever seeing another test's rows.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import shutil
import sqlite3
import statistics
import subprocess
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from campusgraph.db.engine import create_engine, session_factory
from campusgraph.db.migrate import upgrade_async
from tests.support import DEMO_TODAY
from tests.support.postgres import PostgresServer

TEMPLATE_NAME = "campusgraph_template"
#: How PostgreSQL ≥ 15 copies the template (measured: see the report at the session's end).
CLONE_STRATEGY = os.environ.get("CAMPUSGRAPH_PG_CLONE_STRATEGY", "FILE_COPY")


@dataclass(frozen=True)
class Database:
    """One test's database: already migrated and seeded with the demo data."""

    backend: str  # "sqlite" or "postgresql"
    url: str
    engine: AsyncEngine
    factory: async_sessionmaker[AsyncSession]
    name: str


@dataclass
class Timings:
    """What the database machinery cost, reported at the end of the session."""

    server_start: float | None = None
    server_version: str = ""
    migrate: dict[str, float] = field(default_factory=dict)
    seed: dict[str, float] = field(default_factory=dict)
    template: dict[str, float] = field(default_factory=dict)
    template_size: dict[str, int] = field(default_factory=dict)
    clone: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    drop: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))

    def report(self) -> list[str]:
        lines: list[str] = []
        if self.server_start is not None:
            lines.append(
                f"postgresql {self.server_version}: initdb + start {self.server_start:.2f}s"
            )
        for backend, total in self.template.items():
            size = self.template_size.get(backend, 0) / 2**20
            lines.append(
                f"{backend} template: {total:.2f}s (migrate {self.migrate[backend]:.2f}s, "
                f"seed {self.seed[backend]:.2f}s), {size:.1f} MiB"
            )
        for backend, clones in self.clone.items():
            drops = self.drop.get(backend) or [0.0]
            lines.append(
                f"{backend} per-test copy: {len(clones)} made, "
                f"median {statistics.median(clones) * 1000:.0f} ms, "
                f"max {max(clones) * 1000:.0f} ms; removal median "
                f"{statistics.median(drops) * 1000:.0f} ms"
            )
        return lines


#: Filled in as the session goes; conftest prints it in the terminal summary.
TIMINGS = Timings()


def _fold_wal(path: Path) -> int:
    """Checkpoint a closed SQLite database's WAL into its main file, so copying that one
    file copies the database; return its size."""
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return path.stat().st_size


def _dump_restore(source: PostgresServer, database: str, target: PostgresServer) -> None:
    """Copy one database of ``source`` into ``target``'s template database."""
    common = ["-h", "127.0.0.1", "-U", "postgres"]
    dump = subprocess.Popen(
        [str(source.bin_dir / "pg_dump"), *common, "-p", str(source.port), "-Fc", "-Z0", database],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    restore_args = ["-p", str(target.port), "--no-owner", "-d", TEMPLATE_NAME]
    restore = subprocess.run(
        [str(target.bin_dir / "pg_restore"), *common, *restore_args],
        stdin=dump.stdout,
        capture_output=True,
        check=False,
    )
    _, dump_errors = dump.communicate()
    if dump.returncode or restore.returncode:
        raise RuntimeError(
            f"pg_dump | pg_restore failed ({dump.returncode}, {restore.returncode}): "
            f"{dump_errors.decode(errors='replace')}{restore.stderr.decode(errors='replace')}"
        )


def _remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


class DatabaseManager:
    """Builds each backend's template on first use and hands out copies of it."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.postgres: PostgresServer | None = None
        self._templates: dict[str, str] = {}
        self._failures: dict[str, BaseException] = {}
        self._locks: dict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._numbers = itertools.count(1)

    # -- templates -------------------------------------------------------------------------

    async def template_url(self, backend: str) -> str:
        async with self._locks[backend]:
            if backend in self._failures:
                # Fail every later test fast instead of rebuilding for each one.
                error = self._failures[backend]
                raise RuntimeError(
                    f"building the {backend} template failed earlier in this session: "
                    f"{type(error).__name__}: {error}"
                ) from error
            if backend not in self._templates:
                try:
                    self._templates[backend] = await self._build_template(backend)
                except Exception as error:
                    self._failures[backend] = error
                    raise
            return self._templates[backend]

    async def _build_template(self, backend: str) -> str:
        began = time.perf_counter()
        if backend == "sqlite":
            path = self.workdir / "template.sqlite3"
            path.unlink(missing_ok=True)
            url = f"sqlite+aiosqlite:///{path}"
        else:
            server = self._server()
            await self._admin(f'DROP DATABASE IF EXISTS "{TEMPLATE_NAME}"')
            await self._admin(f'CREATE DATABASE "{TEMPLATE_NAME}"')
            url = server.url(TEMPLATE_NAME)

        await upgrade_async(url)
        migrated = time.perf_counter()

        from campusgraph.db.demo import seed_demo

        engine = create_engine(url)
        try:
            await seed_demo(session_factory(engine), today=DEMO_TODAY)
            seeded = time.perf_counter()
            if backend == "postgresql":
                # Planner statistics travel with the copies.
                async with engine.connect() as conn:
                    await conn.execute(text("ANALYZE"))
                    await conn.commit()
        finally:
            # A PostgreSQL template must have no connections when it is copied; a SQLite
            # one must have its WAL folded back into the main file.
            await engine.dispose()

        if backend == "sqlite":
            TIMINGS.template_size[backend] = _fold_wal(path)
        else:
            await self._admin(
                f'ALTER DATABASE "{TEMPLATE_NAME}" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false'
            )
            size = await self._admin_value(f"SELECT pg_database_size('{TEMPLATE_NAME}')")
            TIMINGS.template_size[backend] = int(size)

        TIMINGS.migrate[backend] = migrated - began
        TIMINGS.seed[backend] = seeded - migrated
        TIMINGS.template[backend] = time.perf_counter() - began
        return url

    async def copy_template_from(self, source: DatabaseManager) -> None:
        """Give this manager's PostgreSQL server the seeded template of ``source``'s, by
        ``pg_dump | pg_restore`` of a copy of it: ~3 s, where migrating and seeding again
        took ~25 s (for ``restartable_pg``, a second server a test may stop)."""
        async with self._locks["postgresql"]:
            if "postgresql" in self._templates:
                return
            server = self._server()
            await self._admin(f'DROP DATABASE IF EXISTS "{TEMPLATE_NAME}"')
            await self._admin(f'CREATE DATABASE "{TEMPLATE_NAME}"')
            async with source.clone("postgresql") as copy:
                await asyncio.to_thread(_dump_restore, source._server(), copy.name, server)
            engine = create_engine(server.url(TEMPLATE_NAME))
            try:
                async with engine.connect() as conn:
                    await conn.execute(text("ANALYZE"))
                    await conn.commit()
            finally:
                await engine.dispose()
            await self._admin(
                f'ALTER DATABASE "{TEMPLATE_NAME}" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false'
            )
            self._templates["postgresql"] = server.url(TEMPLATE_NAME)

    # -- copies ----------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def clone(self, backend: str) -> AsyncIterator[Database]:
        """A private copy of the seeded template, removed on exit."""
        template_url = await self.template_url(backend)
        number = next(self._numbers)
        began = time.perf_counter()
        if backend == "sqlite":
            source = Path(template_url.removeprefix("sqlite+aiosqlite:///"))
            path = self.workdir / f"test_{number}.sqlite3"
            shutil.copyfile(source, path)
            name = path.name
            url = f"sqlite+aiosqlite:///{path}"
        else:
            server = self._server()
            name = f"test_{number}"
            strategy = f" STRATEGY {CLONE_STRATEGY}" if server.major_version >= 15 else ""
            await self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE_NAME}"{strategy}')
            url = server.url(name)
        TIMINGS.clone[backend].append(time.perf_counter() - began)

        engine = create_engine(url)
        try:
            yield Database(
                backend=backend,
                url=url,
                engine=engine,
                factory=session_factory(engine),
                name=name,
            )
        finally:
            await engine.dispose()
            began = time.perf_counter()
            if backend == "sqlite":
                _remove_sqlite(path)
            else:
                await self._drop(name)
            TIMINGS.drop[backend].append(time.perf_counter() - began)

    def cleanup(self) -> None:
        shutil.rmtree(self.workdir, ignore_errors=True)

    # -- PostgreSQL administration ---------------------------------------------------------

    def _server(self) -> PostgresServer:
        if self.postgres is None:
            raise RuntimeError("the postgresql backend was used before the server was started")
        return self.postgres

    async def _admin(self, sql: str) -> None:
        conn = await self._server().admin()
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    async def _admin_value(self, sql: str) -> Any:
        conn = await self._server().admin()
        try:
            return await conn.fetchval(sql)
        finally:
            await conn.close()

    async def _drop(self, name: str) -> None:
        if self._server().major_version >= 13:
            await self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            return
        conn = await self._server().admin()
        try:
            await conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name
            )
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        finally:
            await conn.close()
