"""Configuration from the environment (prefix ``CAMPUSGRAPH_``)."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CAMPUSGRAPH_", extra="ignore")

    #: ``sqlite+aiosqlite:///./campusgraph.db`` (embedded) or ``postgresql+asyncpg://…``.
    database_url: str = "sqlite+aiosqlite:///./campusgraph.db"
    #: ``demo`` and ``dev`` serve GraphiQL and allow introspection; ``production`` does not.
    mode: Literal["production", "dev", "demo"] = "production"
    #: Extra ruleset folders, searched before the shipped ones (``os.pathsep``-separated).
    rulesets_path: str = ""
    session_ttl_hours: int = Field(default=12, ge=1, le=24 * 30)
    #: How long a ``clientMutationId`` stays bound to its first input and answer.
    idempotency_ttl_hours: int = Field(default=24, ge=1, le=24 * 30)
    #: How long a request waits for another one running with the same key, counted from
    #: when that one began (then: CONFLICT, the outcome unknown).
    idempotency_wait_seconds: float = Field(default=10.0, gt=0, le=600)
    #: Argon2 cost. Lowered only by the test suite; never in production.
    argon2_time_cost: int = Field(default=3, ge=1)
    argon2_memory_kib: int = Field(default=65536, ge=8)
    max_query_depth: int = Field(default=12, ge=2)
    max_aliases: int = Field(default=30, ge=1)
    max_tokens: int = Field(default=4000, ge=100)
    max_page_size: int = Field(default=200, ge=1)
    #: Introspection in production; dev and demo always allow it.
    introspection: bool = False
    language: Literal["ru", "en"] = "ru"
    #: Pin "today" (the demo and the test suite use a fixed date); None means the real date.
    today: dt.date | None = None

    def current_date(self) -> dt.date:
        return self.today or dt.date.today()

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def allow_introspection(self) -> bool:
        return self.introspection or self.mode != "production"

    def ruleset_dirs(self) -> list[Path]:
        import os

        return [Path(p) for p in self.rulesets_path.split(os.pathsep) if p]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
