"""What a scenario gets: the plan, the datasets, the running server, signed-in tokens."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.client import Api
from bench.common import INSTITUTION, Plan
from bench.datasets import Dataset, Fixture
from bench.server import Server

Say = Callable[[str], None]


@dataclass
class Context:
    plan: Plan
    main: Dataset
    fixture: Fixture
    server: Server
    api: Api
    workdir: Path
    say: Say
    loadgen: str
    #: The private PostgreSQL server (scenario 6, and ``--pg``), if one is running.
    postgres: Any = None
    pg_datasets: dict[int, Dataset] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    #: Names of ``scenarios.reports.REPORT_LOADS`` scenario 9 runs beside setMark.
    reports: tuple[str, ...] = ("regionReport", "compliance")
    #: Set by the journal scenario: (VmRSS, VmHWM) of the worker right after it.
    memory_after_journal: tuple[float, float] | None = None

    async def token(self, login: str) -> str:
        if login not in self.tokens:
            self.tokens[login] = await self.api.login(INSTITUTION, login)
        return self.tokens[login]
