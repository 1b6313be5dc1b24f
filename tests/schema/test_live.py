"""A deleted row is decided on its anchors as the row itself was: for every demo account of
every institution and every live kind, :func:`~campusgraph.schema.live.could_read` on a
row's anchor columns (as a deletion's event carries them, JSON values and all) answers
what :func:`~campusgraph.schema.live.reread` answers on the row — rows the account may read
and rows it may not, under each ruleset's read lines (and announcements' own filter)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import not_, select

from campusgraph.context import Context
from campusgraph.db import models as m
from campusgraph.db.tenancy import unscoped
from campusgraph.live.bus import LocalBus
from campusgraph.live.events import LIVE_TABLES, Event
from campusgraph.resolvers.audit import plain
from campusgraph.resolvers.auth import authenticate
from campusgraph.schema.live import could_read, read_filter, reread
from campusgraph.settings import Settings
from tests.support import DEMO_TODAY

#: Rows of each kind asked per account: this many it may read, this many it may not.
SAMPLE = 3


async def _demo_accounts(db: Any, app: Any) -> list[tuple[str, str]]:
    """(institution slug, login) of every institution's one account per role."""
    registry = app.app.state.registry
    ua, inst = m.UserAccount, m.Institution
    async with unscoped(db.factory) as s:
        rows = (
            await s.execute(
                select(inst.slug, inst.ruleset, ua.login)
                .join(ua, ua.institution_id == inst.id)
                .order_by(inst.slug, ua.login)
            )
        ).all()
    return [
        (slug, login)
        for slug, ruleset, login in rows
        if login in registry.get(ruleset).ruleset.roles
    ]


def _deleted(kind: str, row: Any) -> Event:
    """The event a deletion of ``row`` publishes: its anchors as the audit snapshot has them."""
    columns = LIVE_TABLES[kind].anchor_columns
    anchors = tuple((c, plain(getattr(row, c))) for c in columns)
    return Event(kind, "delete", row.institution_id, id=row.id, anchors=anchors)


async def test_a_deleted_rows_anchors_are_decided_as_the_row_was(
    db: Any, app: Any, sign_in: Any
) -> None:
    # given: every demo account's context as a subscription holds it
    state = app.app.state
    bus = LocalBus()
    mismatches: list[str] = []
    decided = {True: 0, False: 0}
    for slug, login in await _demo_accounts(db, app):
        token = (await sign_in(slug, login)).token
        signed = await authenticate(state.factory, token, today=DEMO_TODAY)
        if signed.viewer is None or signed.viewer.institution_id is None:
            continue  # a region's account listens to no institution's events
        ctx = Context(
            settings=Settings(database_url=db.url, today=DEMO_TODAY),
            factory=state.factory,
            registry=state.registry,
            viewer=signed.viewer,
            ruleset_slug=signed.ruleset,
            live=bus,
        )
        for kind, table in LIVE_TABLES.items():
            model, where = table.model, read_filter(ctx, kind)
            async with ctx.session() as session:
                rows = [
                    row
                    for condition in (where, not_(where))
                    for row in (
                        await session.execute(
                            select(model).where(condition).order_by(model.id).limit(SAMPLE)
                        )
                    ).scalars()
                ]
            # when: each row's deletion is decided on its anchors
            for row in rows:
                event = _deleted(kind, row)
                on_anchors = await could_read(ctx, event)
                # then: as the row itself is
                on_row = await reread(ctx, event) is not None
                decided[on_row] += 1
                if on_anchors != on_row:
                    mismatches.append(f"{slug} {login} {kind} {row.id}: {on_anchors} ≠ {on_row}")
    assert mismatches == []
    assert decided[True] > 0
    assert decided[False] > 0
