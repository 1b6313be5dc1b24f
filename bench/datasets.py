"""The generated regions the scenarios run on, and the ids of the benchmark's journal.

SQLite: generated once per (size, seed, today, generator version, migration head) into a
cache folder (``$CAMPUSGRAPH_BENCH_CACHE``, default ``~/.cache/campusgraph-bench``) and
copied for each run, since the write scenarios change it. PostgreSQL: a private server
started for the run (the test suite's machinery, with durable settings), one database per
region size, generated each run.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import orjson
from sqlalchemy import text

from bench.common import BENCH_TODAY, INSTITUTION, REGION, SEED, TEACHER
from campusgraph.db.engine import create_engine, session_factory
from campusgraph.db.migrate import alembic_config, upgrade_async
from campusgraph.db.region_seed import GENERATOR_VERSION, seed_region
from campusgraph.ids import to_global_id

Say = Callable[[str], None]


@dataclass(frozen=True)
class Dataset:
    backend: str  # "sqlite" / "postgresql"
    url: str
    institutions: int
    students: int
    seconds: float  # what generating it took (as recorded next to the cached copy)
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.backend} {self.institutions}×{self.students}"


def cache_dir() -> Path:
    override = os.environ.get("CAMPUSGRAPH_BENCH_CACHE")
    return Path(override) if override else Path.home() / ".cache" / "campusgraph-bench"


def migration_head() -> str:
    from alembic.script import ScriptDirectory

    heads = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    return "+".join(sorted(heads))


async def generate(url: str, institutions: int, students: int, *, progress: bool) -> Dataset:
    """Migrate ``url`` and generate the region into it."""
    began = time.perf_counter()
    await upgrade_async(url)
    engine = create_engine(url)
    try:
        summary = await seed_region(
            session_factory(engine),
            institutions=institutions,
            students=students,
            seed=SEED,
            today=BENCH_TODAY,
            region=REGION,
            progress=progress,
        )
    finally:
        await engine.dispose()
    backend = "postgresql" if url.startswith("postgresql") else "sqlite"
    return Dataset(
        backend,
        url,
        institutions,
        students,
        time.perf_counter() - began,
        dict(summary.counts),
    )


def _clear(path: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return path


def _fold_wal(path: Path) -> None:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


async def sqlite_dataset(
    institutions: int, students: int, workdir: Path, *, fresh: bool, say: Say
) -> Dataset:
    """A private copy of the cached SQLite region (generated first if missing)."""
    name = (
        f"region-{institutions}x{students}-seed{SEED}-{BENCH_TODAY}"
        f"-gen{GENERATOR_VERSION}-{migration_head()}.sqlite3"
    )
    cached = cache_dir() / name
    sidecar = cached.with_suffix(".json")  # what generating it took, and its row counts
    seconds = 0.0
    rows: dict[str, int] = {}
    if fresh or not cached.exists():
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = _clear(cached.with_suffix(".partial"))
        say(f"generating the SQLite region {institutions}×{students} into {cached}")
        made = await generate(
            f"sqlite+aiosqlite:///{partial}", institutions, students, progress=True
        )
        _fold_wal(partial)
        partial.replace(cached)
        seconds, rows = made.seconds, made.rows
        sidecar.write_bytes(orjson.dumps({"seconds": seconds, "rows": rows}))
        say(f"generated in {seconds:.0f} s")
    elif sidecar.exists():
        known = orjson.loads(sidecar.read_bytes())
        seconds, rows = float(known["seconds"]), dict(known["rows"])
    target = workdir / "bench.sqlite3"
    shutil.copyfile(cached, target)
    return Dataset("sqlite", f"sqlite+aiosqlite:///{target}", institutions, students, seconds, rows)


# -- PostgreSQL -----------------------------------------------------------------------------

#: Durable settings, unlike the test suite's throwaway cluster (its data folder is still on
#: tmpfs when /dev/shm has room, like the SQLite copy, so both backends read from memory).
BENCH_PG_SETTINGS = {
    "fsync": "on",
    "synchronous_commit": "on",
    "full_page_writes": "on",
    "autovacuum": "on",
    "shared_buffers": "512MB",
    "max_connections": "200",
}


def start_postgres(say: Say) -> object | None:
    """A private PostgreSQL server (tests/support/postgres.py), or None without binaries."""
    try:
        from tests.support.postgres import (
            SERVER_SETTINGS,
            PostgresServer,
            PostgresUnavailable,
            find_pg_bin,
        )
    except ImportError as error:  # run from outside the repository
        say(f"PostgreSQL machinery not importable: {error}")
        return None

    class BenchPostgres(PostgresServer):
        def _pg_ctl(self, action: str, *extra: str) -> list[str]:
            args = super()._pg_ctl(action, *extra)
            if action == "start":
                settings = {**SERVER_SETTINGS, **BENCH_PG_SETTINGS}
                options = [f"-p {self.port}", f"-c unix_socket_directories='{self.socket_dir}'"]
                options += [f"-c {k}={v}" for k, v in settings.items()]
                args[args.index("-o") + 1] = " ".join(options)
            return args

    bin_dir = find_pg_bin()
    if bin_dir is None:
        say("PostgreSQL server binaries not found (Debian: apt-get install postgresql)")
        return None
    server = BenchPostgres(bin_dir)
    try:
        server.start()
    except PostgresUnavailable as error:
        server.stop()
        say(f"PostgreSQL did not start: {error}")
        return None
    say(f"PostgreSQL {server.version} on 127.0.0.1:{server.port} ({server.root})")
    return server


async def postgres_dataset(server: object, institutions: int, students: int, say: Say) -> Dataset:
    from tests.support.postgres import PostgresServer

    assert isinstance(server, PostgresServer)
    name = f"bench_{institutions}x{students}"
    conn = await server.admin()
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    say(f"generating the PostgreSQL region {institutions}×{students}")
    made = await generate(server.url(name), institutions, students, progress=True)
    say(f"generated in {made.seconds:.0f} s")
    # A freshly loaded table is what autovacuum works on next: millions of rows in the
    # background, on the same two cores as every later scenario (seen: setMark on SQLite
    # 8 ms in one run, 16 ms in the next). Vacuum now, as a database in service would
    # have been long since, so the scenarios measure the service, not the clean-up.
    began = time.perf_counter()
    conn = await asyncpg.connect(server.url(name).replace("+asyncpg", ""))
    try:
        await conn.execute("VACUUM (ANALYZE)")
    finally:
        await conn.close()
    say(f"vacuumed in {time.perf_counter() - began:.0f} s")
    return made


# -- what the scenarios open ------------------------------------------------------------------


@dataclass(frozen=True)
class Fixture:
    """The benchmark institution's journal and the rows the scenarios touch."""

    institution_id: int
    group_id: int
    group_name: str
    discipline_id: int
    period_id: int
    period_starts: str
    #: Every discipline the group is taught: (id, name).
    disciplines: list[tuple[int, str]]
    students: list[int]
    #: Works of the journal, newest first: (work id, lesson id, lesson date).
    works: list[tuple[int, int, str]]
    lessons: int

    def gid(self, kind: str) -> str:
        pk = {"group": self.group_id, "discipline": self.discipline_id, "period": self.period_id}
        return to_global_id(kind.capitalize(), pk[kind])

    @property
    def journal_variables(self) -> dict[str, str]:
        return {
            "group": self.gid("group"),
            "discipline": self.gid("discipline"),
            "period": self.gid("period"),
        }


async def discover(url: str, institution: str = INSTITUTION) -> Fixture:
    """The first group of the benchmark institution (30 students), its first discipline
    (mathematics, which ``teacher`` teaches it) and the first semester."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:

            async def one(sql: str, **params: object) -> tuple[object, ...]:
                row = (await conn.execute(text(sql), params)).first()
                if row is None:
                    raise LookupError(f"benchmark fixture missing: {sql} {params}")
                return tuple(row)

            (inst,) = await one("SELECT id FROM institution WHERE slug = :s", s=institution)
            group_id, group_name = await one(
                "SELECT id, name FROM study_group WHERE institution_id = :i ORDER BY id LIMIT 1",
                i=inst,
            )
            (discipline,) = await one(
                "SELECT ta.discipline_id FROM teaching_assignment ta "
                "JOIN employee e ON e.id = ta.teacher_id "
                "JOIN user_account u ON u.person_id = e.person_id "
                "WHERE u.institution_id = :i AND u.login = :login AND ta.group_id = :g "
                "ORDER BY ta.discipline_id LIMIT 1",
                i=inst,
                login=TEACHER,
                g=group_id,
            )
            period, starts = await one(
                "SELECT id, starts_on FROM period WHERE institution_id = :i "
                "AND kind IN ('semester', 'half_year') AND number = 1 ORDER BY kind DESC LIMIT 1",
                i=inst,
            )
            disciplines = [
                (int(r[0]), str(r[1]))
                for r in await conn.execute(
                    text(
                        "SELECT d.id, d.name FROM teaching_assignment ta "
                        "JOIN discipline d ON d.id = ta.discipline_id "
                        "WHERE ta.group_id = :g ORDER BY d.id"
                    ),
                    {"g": group_id},
                )
            ]
            students = [
                int(r[0])
                for r in await conn.execute(
                    text("SELECT student_id FROM group_membership WHERE group_id = :g ORDER BY 1"),
                    {"g": group_id},
                )
            ]
            works = [
                (int(r[0]), int(r[1]), str(r[2]))
                for r in await conn.execute(
                    text(
                        "SELECT id, lesson_id, date FROM work WHERE group_id = :g "
                        "AND discipline_id = :d ORDER BY date DESC, id DESC"
                    ),
                    {"g": group_id, "d": discipline},
                )
            ]
            (lessons,) = await one(
                "SELECT COUNT(*) FROM lesson WHERE group_id = :g AND discipline_id = :d "
                "AND date >= :start",
                g=group_id,
                d=discipline,
                start=starts,
            )
    finally:
        await engine.dispose()
    return Fixture(
        institution_id=int(str(inst)),
        group_id=int(str(group_id)),
        group_name=str(group_name),
        discipline_id=int(str(discipline)),
        period_id=int(str(period)),
        period_starts=str(starts),
        disciplines=disciplines,
        students=students,
        works=works,
        lessons=int(str(lessons)),
    )


async def set_ruleset(url: str, slug: str) -> None:
    """Switch the benchmark institution's ruleset (read per request by the server)."""
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                text("UPDATE institution SET ruleset = :r WHERE slug = :s"),
                {"r": slug, "s": INSTITUTION},
            )
    finally:
        await engine.dispose()
