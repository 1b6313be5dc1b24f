"""The per-request context: who is asking, where, and the request's loaders and authorizer.

Built once per HTTP request by :mod:`campusgraph.app`. Each loader batch and each mutation
opens its own short session from ``factory`` (one session per task: fields resolved
concurrently never share one).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from campusgraph.db.tenancy import scoped
from campusgraph.i18n import negotiate
from campusgraph.policies.engine import Authorizer, PolicyRegistry
from campusgraph.policies.facts import Facts, Viewer
from campusgraph.settings import Settings

if TYPE_CHECKING:
    from campusgraph.live.bus import Bus
    from campusgraph.resolvers.loaders import Loaders


@dataclass(frozen=True, slots=True)
class AuthProblem:
    """Why a presented token did not authenticate (for a clear UNAUTHENTICATED error)."""

    code: str  # TOKEN_UNKNOWN, TOKEN_EXPIRED, TOKEN_REVOKED, ACCOUNT_DISABLED
    message_ru: str
    message_en: str


@dataclass
class Context:
    settings: Settings
    factory: async_sessionmaker[AsyncSession]
    registry: PolicyRegistry
    viewer: Viewer | None
    ruleset_slug: str | None
    auth_problem: AuthProblem | None = None
    request: Any = None
    token: str | None = None
    extras: dict[str, Any] = field(default_factory=dict)
    #: While a mutation with an idempotency key runs: called before each of its write
    #: sessions commits, inside that transaction (``schema/idempotency.py`` marks the key's
    #: claim applied there, or refuses the commit when a retry took the claim over).
    write_guard: Callable[[Session], None] | None = None
    #: Sessions of heavy reads (``report_session``); ``None``: the ordinary ``factory``.
    reader: async_sessionmaker[AsyncSession] | None = None
    #: The live-updates bus of this worker (subscriptions listen on it; campusgraph.live).
    live: Bus | None = None
    #: A WebSocket's ``connection_init`` payload (where its token is), set by Strawberry.
    connection_params: dict[str, Any] | None = None

    def session(self, *, write: bool = False) -> AsyncSession:
        """A new session confined to the viewer's institutions."""
        assert self.viewer is not None, "no viewer: the operation should have been refused"
        session = scoped(self.factory, self.viewer.institution_ids, write=write)
        if write and self.write_guard is not None:
            event.listen(session.sync_session, "before_commit", self.write_guard)
        return session

    def report_session(self) -> AsyncSession:
        """A read-only session confined to the viewer's institutions, for reports and other
        long reads: ``async with ctx.report_session() as session:`` where a builder would
        write ``ctx.session()``. On an SQLite file its statements run on a worker thread
        (``db/sqlite_reader.py``), so a region report no longer holds the event loop while
        marks are being written; on PostgreSQL it is an ordinary session on the same pool
        (asyncpg never blocks the loop). The tenant criteria are added exactly as for
        ``session()`` (``db/tenancy.py``); a write in it is refused (``ReadOnlySession``)."""
        assert self.viewer is not None, "no viewer: the operation should have been refused"
        return scoped(self.reader or self.factory, self.viewer.institution_ids, read_only=True)

    @cached_property
    def facts(self) -> Facts:
        assert self.viewer is not None
        return Facts(self.viewer, self.session)

    @cached_property
    def authorizer(self) -> Authorizer:
        assert self.viewer is not None
        assert self.ruleset_slug is not None
        return Authorizer(self.registry.get(self.ruleset_slug), self.viewer, self.facts)

    @cached_property
    def loaders(self) -> Loaders:
        from campusgraph.resolvers.loaders import Loaders

        return Loaders(self)

    @property
    def language(self) -> str:
        if self.request is not None:
            return negotiate(self.request.headers.get("accept-language"), self.settings.language)
        return self.settings.language
