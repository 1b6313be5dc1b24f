"""A private PostgreSQL server for one test session, from Debian's server binaries.

The cluster lives in a temporary folder (owned by ``postgres`` when we run as root, since
the server refuses to run as root), listens on 127.0.0.1 at a free port with its unix
socket inside that folder, trusts local connections and runs with durability switched off.
It is stopped and deleted at the end of the session, and at interpreter exit as a fallback.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pwd
import re
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg

#: Environment override: the folder holding initdb, pg_ctl and postgres. When set it is the
#: only place looked at (set it to a missing folder to simulate a machine without them).
PG_BIN_ENV = "CAMPUSGRAPH_PG_BIN"
PG_TOOLS = ("initdb", "pg_ctl", "postgres")
DEBIAN_PREFIX = Path("/usr/lib/postgresql")
OS_USER = "postgres"
SUPERUSER = "postgres"

#: Server settings: loopback only, no durability (a crash loses a throwaway cluster anyway).
SERVER_SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "300",
    "timezone": "UTC",
    "autovacuum": "off",
    "log_min_messages": "warning",
    "log_min_error_statement": "panic",
}


class PostgresUnavailable(RuntimeError):
    """The server binaries are not installed (or not where we were told to look)."""


def _version_key(path: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", path.name)) or (0,)


def _has_tools(folder: Path) -> bool:
    return all(os.access(folder / tool, os.X_OK) for tool in PG_TOOLS)


def find_pg_bin() -> Path | None:
    """Where initdb, pg_ctl and postgres are: $CAMPUSGRAPH_PG_BIN, else the newest
    /usr/lib/postgresql/<version>/bin, else the folder of ``initdb`` on PATH."""
    override = os.environ.get(PG_BIN_ENV)
    if override:
        folder = Path(override)
        return folder if _has_tools(folder) else None
    if DEBIAN_PREFIX.is_dir():
        for version_dir in sorted(DEBIAN_PREFIX.iterdir(), key=_version_key, reverse=True):
            if _has_tools(version_dir / "bin"):
                return version_dir / "bin"
    initdb = shutil.which("initdb")
    if initdb:
        folder = Path(initdb).resolve().parent
        if _has_tools(folder):
            return folder
    return None


def where_we_looked() -> str:
    override = os.environ.get(PG_BIN_ENV)
    if override:
        return f"${PG_BIN_ENV}={override}"
    return f"{DEBIAN_PREFIX}/<version>/bin and PATH"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def fast_temp_dir() -> Path:
    """Where throwaway databases go: $CAMPUSGRAPH_TEST_TMPDIR, else /dev/shm when it is a
    usable tmpfs with room (creating a database on a VM's disk costs ~200 ms, on tmpfs
    ~10 ms), else the usual temporary folder."""
    override = os.environ.get("CAMPUSGRAPH_TEST_TMPDIR")
    if override:
        return Path(override)
    shm = Path("/dev/shm")
    with contextlib.suppress(OSError):
        usage = shutil.disk_usage(shm)
        if os.access(shm, os.W_OK | os.X_OK) and usage.free >= 2 * 2**30:
            return shm
    return Path(tempfile.gettempdir())


OWNER_FILE = "owner.pid"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def make_session_dir(prefix: str, base: Path | None = None) -> Path:
    """A fresh temporary folder marked with our pid. Folders with this prefix left behind
    by a test process that no longer runs (killed with SIGKILL) are cleaned up first,
    stopping their PostgreSQL server if one still runs."""
    base = base or fast_temp_dir()
    for stale in base.glob(f"{prefix}*"):
        try:
            owner = int((stale / OWNER_FILE).read_text())
        except (OSError, ValueError):
            continue
        if _alive(owner):
            continue
        pid_file = stale / "data" / "postmaster.pid"
        with contextlib.suppress(OSError, ValueError, IndexError):
            postmaster = int(pid_file.read_text().splitlines()[0])
            os.kill(postmaster, signal.SIGQUIT)  # immediate shutdown
        shutil.rmtree(stale, ignore_errors=True)
    path = Path(tempfile.mkdtemp(prefix=prefix, dir=base))
    (path / OWNER_FILE).write_text(str(os.getpid()))
    return path


def _traversable_by_others(path: Path) -> bool:
    return all(part.stat().st_mode & stat.S_IXOTH for part in [path, *path.parents])


@dataclass
class PostgresServer:
    bin_dir: Path
    root: Path = field(init=False)
    port: int = field(init=False, default=0)
    version: str = field(init=False, default="")
    startup_seconds: float = field(init=False, default=0.0)
    _running: bool = field(init=False, default=False)
    _as_user: list[str] = field(init=False, default_factory=list)

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root / "socket"

    @property
    def log_file(self) -> Path:
        return self.root / "server.log"

    @property
    def major_version(self) -> int:
        match = re.match(r"\d+", self.version)
        return int(match.group()) if match else 0

    def url(self, database: str) -> str:
        """The SQLAlchemy URL of a database on this server."""
        return f"postgresql+asyncpg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    async def admin(self) -> asyncpg.Connection:
        """A superuser connection to the ``postgres`` maintenance database."""
        return await asyncpg.connect(
            host="127.0.0.1", port=self.port, user=SUPERUSER, database="postgres"
        )

    # -- life cycle ------------------------------------------------------------------------

    def start(self) -> None:
        began = time.perf_counter()
        self._prepare_root()
        initdb = str(self.bin_dir / "initdb")
        try:
            self._run([initdb, *self._initdb_args()], what="initdb")
        except PostgresUnavailable:
            # No C.UTF-8 locale on this system: plain C will do.
            shutil.rmtree(self.data_dir, ignore_errors=True)
            self._run([initdb, *self._initdb_args(locale="C")], what="initdb")
        for attempt in range(5):
            self.port = _free_port()
            try:
                self._run(self._pg_ctl("start"), what="pg_ctl start")
            except PostgresUnavailable:
                log = self._log_tail()
                if "already in use" in log and attempt < 4:
                    continue  # lost the race for the port: take another one
                raise
            break
        self._running = True
        banner = self._run([str(self.bin_dir / "postgres"), "--version"], what="postgres")
        match = re.search(r"\d+(\.\d+)*", banner)
        self.version = match.group() if match else banner.strip()
        self.startup_seconds = time.perf_counter() - began

    def stop(self) -> None:
        """Idempotent: stop the server (immediately, it holds nothing worth a checkpoint)
        and delete its folder."""
        if self._running:
            self._running = False
            with contextlib.suppress(PostgresUnavailable):
                self._run(self._pg_ctl("stop", "-m", "immediate"), what="pg_ctl stop")
        if getattr(self, "root", None) is not None and self.root.exists():
            shutil.rmtree(self.root, ignore_errors=True)

    def halt(self, mode: str = "fast") -> None:
        """Stop the server but keep its cluster, to :meth:`resume` it on the same port —
        an outage as clients see one. ``fast`` ends sessions with "terminating connection
        due to administrator command", ``immediate`` as a crash would."""
        self._run(self._pg_ctl("stop", "-m", mode), what="pg_ctl stop")

    def resume(self) -> None:
        self._run(self._pg_ctl("start"), what="pg_ctl start")

    # -- helpers ---------------------------------------------------------------------------

    def _prepare_root(self) -> None:
        as_root = os.geteuid() == 0
        base = fast_temp_dir()
        if as_root and not _traversable_by_others(base):
            base = Path("/tmp")
        self.root = make_session_dir("campusgraph-pg-", base)
        atexit.register(self.stop)
        self.socket_dir.mkdir()
        if as_root:
            try:
                user = pwd.getpwnam(OS_USER)
            except KeyError:
                raise PostgresUnavailable(
                    f"running as root, but there is no {OS_USER!r} OS user to run the server "
                    "as (Debian's postgresql package creates it)"
                ) from None
            for path in (self.root, self.socket_dir):
                os.chown(path, user.pw_uid, user.pw_gid)
            runuser = shutil.which("runuser")
            if runuser:
                self._as_user = [runuser, "-u", OS_USER, "--"]
            else:
                setpriv = shutil.which("setpriv")
                if not setpriv:
                    raise PostgresUnavailable("running as root, but neither runuser nor setpriv")
                self._as_user = [
                    setpriv,
                    f"--reuid={user.pw_uid}",
                    f"--regid={user.pw_gid}",
                    "--init-groups",
                ]

    def _initdb_args(self, locale: str = "C.UTF-8") -> list[str]:
        # Byte-order collation like SQLite's BINARY, but a UTF-8 ctype so lower()/ILIKE
        # handle Cyrillic as on a production cluster.
        return [
            "-D",
            str(self.data_dir),
            "-U",
            SUPERUSER,
            "-A",
            "trust",
            "-E",
            "UTF8",
            f"--locale={locale}",
            "--lc-collate=C",
            "--no-sync",
            "--no-instructions",
        ]

    def _pg_ctl(self, action: str, *extra: str) -> list[str]:
        args = [str(self.bin_dir / "pg_ctl"), action, "-D", str(self.data_dir), "-s", *extra]
        if action == "start":
            options = [f"-p {self.port}", f"-c unix_socket_directories='{self.socket_dir}'"]
            options += [f"-c {name}={value}" for name, value in SERVER_SETTINGS.items()]
            args += ["-w", "-t", "60", "-l", str(self.log_file), "-o", " ".join(options)]
        elif action == "stop":
            args += ["-w", "-t", "30"]
        return args

    def _run(self, command: Sequence[str], *, what: str) -> str:
        result = subprocess.run(
            [*self._as_user, *command],
            cwd=self.root,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"},
        )
        if result.returncode != 0:
            raise PostgresUnavailable(
                f"{what} failed (exit {result.returncode}):\n{result.stdout}{result.stderr}"
                f"{self._log_tail()}"
            )
        return result.stdout

    def _log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_file.read_text(errors="replace")
        except OSError:
            return ""
        return "\nserver log:\n" + "\n".join(text.splitlines()[-lines:])
