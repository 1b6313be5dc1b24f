"""``campusgraph serve --workers N``: N processes accepting on one socket (uvicorn's
supervisor), each with its own app, pool and rulesets, built by
``campusgraph.app:worker_app`` from the environment.

One thing differs from uvicorn's supervisor: ``kill -HUP <parent>`` is passed on to every
worker, which reloads its rulesets as a single process does (each one built aside,
linted and tested, and refused while broken, keeping the one before). uvicorn would
restart the workers instead, and a restarted worker starts without a ruleset that is
broken on disk.
"""

from __future__ import annotations

import os
import signal
import socket
from typing import Any

from uvicorn import Config
from uvicorn.supervisors import Multiprocess

from campusgraph.observability.metrics import MULTIPROCESS_ENV

FACTORY = "campusgraph.app:worker_app"


class ReloadingWorkers(Multiprocess):
    def handle_hup(self) -> None:
        for process in self.processes:
            if process.pid is not None and process.exitcode is None:
                os.kill(process.pid, signal.SIGHUP)


def serve(
    workers: int,
    host: str,
    port: int,
    log_config: dict[str, Any],
    sock: socket.socket | None = None,
) -> None:
    """Workers keep their metrics in files of one folder, which a scrape adds up
    (observability/metrics.py): the operator's ``PROMETHEUS_MULTIPROC_DIR``, else a
    fresh one for this run, set before any worker starts (they inherit it)."""
    import shutil
    import tempfile

    made = None
    if not os.environ.get(MULTIPROCESS_ENV):
        made = os.environ[MULTIPROCESS_ENV] = tempfile.mkdtemp(prefix="campusgraph-metrics-")
    try:
        config = Config(
            FACTORY,
            factory=True,
            workers=workers,
            host=host,
            port=port,
            log_config=log_config,
            proxy_headers=False,  # as cli._serve: trusted proxies are the settings' to name
        )
        ReloadingWorkers(config, sockets=[sock if sock is not None else config.bind_socket()]).run()
    finally:
        if made is not None:
            shutil.rmtree(made, ignore_errors=True)
