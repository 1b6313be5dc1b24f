"""PostGraphile 5, the peer the PostgreSQL figures are compared with (scenario 12).

Installed from npm into the bench's cache (``~/.cache/campusgraph-bench/postgraphile``, or
under ``$CAMPUSGRAPH_BENCH_CACHE``) with ``npm ci`` from ``bench/postgraphile``'s
``package.json`` and ``package-lock.json``, so every run serves the same versions; again
only when the lock file changed. Served by ``bench/postgraphile/server.mjs`` (the amber
preset and the ``pg`` adaptor over the bench's own database; no GraphiQL, no explain, no
watch) on a free loopback port, with ``polyfill.mjs`` loaded first: PostGraphile 5 calls
``Promise.withResolvers``, which Node 20 lacks.

Where node or npm is missing, or the install fails, :func:`install` says why and the
scenario is skipped with that reason: the rest of the bench never depends on node.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from bench.common import BENCH
from bench.datasets import cache_dir
from bench.server import Server, free_port

SOURCE = BENCH / "postgraphile"
#: What is copied next to node_modules: the pinned manifest, the lock, the server script.
FILES = ("package.json", "package-lock.json", "server.mjs", "polyfill.mjs")
#: Written into the cache folder once ``npm ci`` succeeded: the lock file's hash.
STAMP = ".bench-installed"
#: Node before 18 cannot run PostGraphile 5 even with the polyfill.
MIN_NODE = 18


class PeerUnavailable(RuntimeError):
    """Why the peer cannot run here (printed as the scenario's skip reason)."""


def _lock_hash() -> str:
    return hashlib.sha256((SOURCE / "package-lock.json").read_bytes()).hexdigest()[:16]


def node_version(node: str) -> tuple[int, str]:
    out = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30)
    text = out.stdout.strip()  # v20.20.2
    try:
        return int(text.lstrip("v").split(".")[0]), text
    except ValueError:
        return 0, text or out.stderr.strip()


def install(say: Callable[[str], None], log_dir: Path) -> Path:
    """The folder ``server.mjs`` runs from, with its node_modules; raises
    :class:`PeerUnavailable` with the reason when it cannot be had."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        raise PeerUnavailable("node and npm are needed for PostGraphile (not on PATH)")
    major, version = node_version(node)
    if major < MIN_NODE:
        raise PeerUnavailable(f"PostGraphile 5 needs node ≥ {MIN_NODE}, found {version}")
    folder = cache_dir() / "postgraphile"
    folder.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        target = folder / name
        if not target.exists() or target.read_bytes() != (SOURCE / name).read_bytes():
            shutil.copyfile(SOURCE / name, target)
    wanted = _lock_hash()
    stamp = folder / STAMP
    if (
        stamp.exists()
        and stamp.read_text().strip() == wanted
        and (folder / "node_modules").is_dir()
    ):
        return folder
    stamp.unlink(missing_ok=True)
    log = log_dir / "postgraphile-npm.log"
    say(f"installing PostGraphile from npm into {folder} (npm ci, log {log.name})")
    began = time.perf_counter()
    with log.open("wb") as out:
        try:
            done = subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                cwd=folder,
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=900,
                env={**os.environ, "NODE_ENV": "production"},
            )
        except subprocess.TimeoutExpired as error:
            raise PeerUnavailable("npm ci did not finish in 15 minutes") from error
    if done.returncode != 0:
        # npm's first error lines say what failed (code, syscall, the request); its last
        # ones only where the debug log went.
        lines = [x.strip() for x in log.read_text(errors="replace").splitlines()]
        said = [x for x in lines if x and not x.startswith(("npm error     at", "npm error A "))]
        raise PeerUnavailable(f"npm ci failed ({done.returncode}): {' / '.join(said[:4])[:300]}")
    stamp.write_text(wanted)
    say(f"PostGraphile installed in {time.perf_counter() - began:.0f} s")
    return folder


def installed_version(folder: Path) -> str:
    manifest = folder / "node_modules" / "postgraphile" / "package.json"
    try:
        return str(json.loads(manifest.read_text())["version"])
    except (OSError, ValueError, KeyError):
        return "?"


def server(folder: Path, database_url: str, log_dir: Path, pool_size: int = 10) -> Server:
    """A :class:`bench.server.Server` running PostGraphile on ``database_url`` (the
    SQLAlchemy URL of the bench's database: the driver suffix is dropped for ``pg``)."""
    node = shutil.which("node")
    if node is None:
        raise PeerUnavailable("node is not on PATH")
    argv = [
        node,
        "--import",
        (folder / "polyfill.mjs").as_uri(),
        str(folder / "server.mjs"),
        "--port",
        str(free_port()),
    ]
    env = {
        **os.environ,
        "DATABASE_URL": database_url.replace("postgresql+asyncpg://", "postgresql://", 1),
        "POOL_SIZE": str(pool_size),
        "GRAPHILE_ENV": "production",
        "NODE_ENV": "production",
    }
    return Server("postgraphile", argv, env, log_dir)
