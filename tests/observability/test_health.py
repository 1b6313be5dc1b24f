"""The probes: /livez says the process answers (nothing else), /readyz that the database
answers a real read and rulesets are loaded; /healthz is /readyz under its old name.
(Readiness while the database is away: tests/db/test_outage.py.)"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from campusgraph.policies.ruleset import SHIPPED, available, search_dirs

ARMAVIR = "armavir-technikum-2025"


async def test_live_and_ready_with_the_rulesets_counted(shared_client: Any) -> None:
    http = shared_client.http
    # when the probes are asked
    live = await http.get("/livez")
    ready = await http.get("/readyz")
    health = await http.get("/healthz")
    # then all answer 200; readiness counts the rulesets it serves
    assert live.status_code == 200
    assert live.json() == {"status": "ok"}
    shipped = len(available(search_dirs([])))
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "rulesets": shipped}
    assert health.json() == ready.json()
    assert ready.headers["x-request-id"] != health.headers["x-request-id"]


async def test_a_ruleset_that_did_not_load_is_named_by_readiness(
    make_client: Any, tmp_path: Path
) -> None:
    # given armavir's ruleset broken in a folder searched first
    own = tmp_path / ARMAVIR
    shutil.copytree(SHIPPED / ARMAVIR, own)
    with (own / "policy.csv").open("a", encoding="utf-8") as policy:
        policy.write("\np, curator, mark, update, taugth, always, allow, x\n")
    async with make_client(rulesets_path=str(tmp_path)) as anonymous:
        ready = await anonymous.http.get("/readyz")
    # then the service is ready (every other institution is served) and names it
    assert ready.status_code == 200
    assert ready.json() == {
        "status": "ok",
        "rulesets": len(available(search_dirs([]))) - 1,
        "rulesetsFailed": [ARMAVIR],
    }
