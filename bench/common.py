"""What every scenario shares: the run's settings, result rows, statistics."""

from __future__ import annotations

import datetime as dt
import math
import statistics
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
RULESETS = BENCH / "rulesets"
RESULTS = BENCH / "results"
EXAMPLES = ROOT / "examples" / "queries"

#: "Today" of every generated dataset and of the server: a Tuesday in the first semester,
#: so the benchmark journal (group 1 × mathematics × semester 1) holds exactly 40 lessons.
BENCH_TODAY = dt.date(2026, 11, 10)
SEED = 2026
REGION = "bench-region"
#: The benchmark institution: the first of the region (ruleset altai-college-2016).
INSTITUTION = f"{REGION}-001"
PASSWORD = "demo"
#: Logins of the benchmark institution (altai-college-2016's roles).
TEACHER, CURATOR, DEPUTY, PARENT = "teacher", "curator", "deputy_director", "parent"
CONTROL_RULESET = "allow-all"

FULL_INSTITUTIONS, FULL_STUDENTS = 50, 1000
QUICK_INSTITUTIONS, QUICK_STUDENTS = 3, 200


@dataclass(frozen=True)
class Plan:
    """How much to measure: the full report or ``--quick``."""

    quick: bool
    institutions: int
    students: int
    latency_samples: int
    warmup: int
    load_seconds: float
    load_max_requests: int
    write_samples: int
    writers: int
    writes_per_writer: int
    startup_runs: int

    @classmethod
    def make(cls, *, quick: bool, institutions: int | None, students: int | None) -> Plan:
        if quick:
            return cls(
                quick=True,
                institutions=institutions or QUICK_INSTITUTIONS,
                students=students or QUICK_STUDENTS,
                latency_samples=40,
                warmup=8,
                load_seconds=3.0,
                load_max_requests=50_000,
                write_samples=40,
                writers=16,
                writes_per_writer=10,
                startup_runs=2,
            )
        return cls(
            quick=False,
            institutions=institutions or FULL_INSTITUTIONS,
            students=students or FULL_STUDENTS,
            latency_samples=300,
            warmup=30,
            load_seconds=15.0,
            load_max_requests=500_000,
            write_samples=300,
            writers=16,
            writes_per_writer=40,
            startup_runs=5,
        )


@dataclass
class Result:
    """One line of the table."""

    key: str
    scenario: str
    unit: str = "ms"
    median: float | None = None
    p95: float | None = None
    floor: float | None = None
    ratio: float | None = None
    target: str = ""
    passed: bool | None = None  # None: informational, or skipped
    note: str = ""
    samples: int = 0
    skipped: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def skipped(key: str, scenario: str, why: str) -> Result:
    return Result(key, scenario, unit="", target="", note=f"skipped: {why}", skipped=True)


def median(values: list[float]) -> float:
    return statistics.median(values)


def p95(values: list[float]) -> float:
    """Nearest-rank 95th percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def latency(
    key: str, scenario: str, samples_ms: list[float], *, target: str = "", note: str = ""
) -> Result:
    return Result(
        key,
        scenario,
        unit="ms",
        median=median(samples_ms),
        p95=p95(samples_ms),
        target=target,
        note=note,
        samples=len(samples_ms),
    )
