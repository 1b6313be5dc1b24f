"""``kill -HUP`` reloads the rulesets and says so: a line per ruleset reloaded (INFO),
and one per ruleset refused with why (ERROR) — the refused one keeps serving."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import signal
from pathlib import Path
from typing import Any

import pytest

from campusgraph.app import HUP_DURING_START_UP, remember_hup
from campusgraph.policies.ruleset import SHIPPED

ARMAVIR = "armavir-technikum-2025"
RULESET = "query { ruleset { lines } }"


async def test_a_sighup_reload_logs_each_ruleset_reloaded_or_refused(
    make_client: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # given armavir's ruleset served from a folder of its own, loaded while it was good
    own = tmp_path / ARMAVIR
    shutil.copytree(SHIPPED / ARMAVIR, own)
    async with make_client(rulesets_path=str(tmp_path)) as anonymous:
        armavir = await anonymous.as_(ARMAVIR, "administrator")
        lines_before = (await armavir.data(RULESET))["ruleset"]["lines"]
        # (the app's lifespan installed its handler: a SIGHUP now cannot end the test run)
        assert signal.getsignal(signal.SIGHUP) not in (signal.SIG_DFL, signal.SIG_IGN)

        # when the ruleset is broken on disk and the operator sends SIGHUP
        with (own / "policy.csv").open("a", encoding="utf-8") as policy:
            policy.write("\np, curator, mark, update, taugth, always, allow, x\n")
        caplog.set_level(logging.INFO, logger="campusgraph")
        os.kill(os.getpid(), signal.SIGHUP)
        for _ in range(100):
            await asyncio.sleep(0.01)
            if any("rulesets refused" in r.getMessage() for r in caplog.records):
                break

        # then armavir still runs the ruleset it had
        assert (await armavir.data(RULESET))["ruleset"]["lines"] == lines_before

    # and the log says which rulesets were reloaded and which one was refused, and why
    reloads = [r for r in caplog.records if getattr(r, "ruleset", None)]
    refused = [r for r in reloads if r.levelno == logging.ERROR]
    reloaded = [r for r in reloads if r.levelno == logging.INFO]
    assert [r.ruleset for r in refused] == [ARMAVIR]  # type: ignore[attr-defined]
    assert "taugth" in refused[0].getMessage()
    assert refused[0].exc_info is None
    assert ARMAVIR not in {r.ruleset for r in reloaded}  # type: ignore[attr-defined]
    assert "altai-college-2016" in {r.ruleset for r in reloaded}  # type: ignore[attr-defined]
    summary = [r for r in caplog.records if r.getMessage().startswith("SIGHUP:")]
    assert summary[-1].levelno == logging.ERROR
    assert ARMAVIR in summary[-1].getMessage()


async def test_a_sighup_while_a_worker_starts_reloads_once_it_has_started(
    make_client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    # given a worker's start-up handler (app.worker_app installs it before the app is
    # built) and the parent's SIGHUP arriving before the app could handle it
    previous = signal.signal(signal.SIGHUP, remember_hup)
    try:
        os.kill(os.getpid(), signal.SIGHUP)
        assert HUP_DURING_START_UP, "the SIGHUP was not remembered"
        caplog.set_level(logging.INFO, logger="campusgraph")

        # when the app starts
        async with make_client():
            # then, started, it reloaded its rulesets, and forgot the SIGHUP
            said = [r.getMessage() for r in caplog.records]
            assert "SIGHUP: reloading the rulesets" in said
            assert any(m.startswith("SIGHUP:") and m.endswith("rulesets reloaded") for m in said)
            assert not HUP_DURING_START_UP
    finally:
        HUP_DURING_START_UP.clear()
        signal.signal(signal.SIGHUP, previous)
