"""Announcements and events: reading them by audience, publishing, changing, withdrawing.

A row is addressed to the whole institution (no audience column set), a department, a
group or the holders of a role. Who reads and who writes each is the ruleset's: the
object is ``announcement`` for the institution's and a group's rows (scopes ``general``,
``own_child``, ``self``, ``curated_group`` … on the group), ``announcement.department``
for a department's (scopes reach the department through the viewer's groups) and
``announcement.role`` for a role's (``self``: a role the viewer holds). :func:`readable`
ORs the engine's three SQL filters, each on the rows of its audience; nothing here
decides a permission. :func:`publish` is the one place a new announcement is written, so
that whatever announces it (a subscription) hooks in there.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import and_, or_

from campusgraph.context import Context
from campusgraph.db import models as m
from campusgraph.db.enums import Audience
from campusgraph.i18n import message
from campusgraph.policies.scopes import Expr
from campusgraph.resolvers.structure_writes import (
    Checker,
    Kind,
    Values,
    create,
    delete_row,
    update_row,
)

#: The policy object of each audience.
OBJECT_OF: dict[Audience, str] = {
    Audience.INSTITUTION: "announcement",
    Audience.GROUP: "announcement",
    Audience.DEPARTMENT: "announcement.department",
    Audience.ROLE: "announcement.role",
}


def audience_of(row: Any) -> Audience:
    """The audience a row (or a mapping of its values) is addressed to."""
    get = row.get if isinstance(row, dict) else lambda key: getattr(row, key)
    if get("group_id") is not None:
        return Audience.GROUP
    if get("department_id") is not None:
        return Audience.DEPARTMENT
    if get("audience_role") is not None:
        return Audience.ROLE
    return Audience.INSTITUTION


def readable(ctx: Context) -> Expr:
    """The announcements the viewer may read: each audience under its own object's filter."""
    a = m.Announcement
    auth = ctx.authorizer
    return or_(
        and_(
            a.department_id.is_(None),
            a.audience_role.is_(None),
            auth.where("announcement"),
        ),
        and_(a.department_id.is_not(None), auth.where("announcement.department")),
        and_(a.audience_role.is_not(None), auth.where("announcement.role")),
    )


def overlapping(first: dt.date | None, last: dt.date | None) -> list[Expr]:
    """Events that last into [first, last] (either bound may be open)."""
    a = m.Announcement
    where: list[Expr] = []
    if last is not None:
        where.append(a.starts_on <= last)
    if first is not None:
        where.append(or_(a.ends_on >= first, and_(a.ends_on.is_(None), a.starts_on >= first)))
    return where


MAX_TITLE = 255
MAX_BODY = 20_000


async def _check(c: Checker, v: Values, row: Any) -> None:
    language = c.language
    c.required("input.title", v.get("title"))
    if len((v.get("title") or "").strip()) > MAX_TITLE:
        c.add("input.title", message("announcement_too_long", language, limit=MAX_TITLE))
    c.required("input.body", v.get("body"))
    if len(v.get("body") or "") > MAX_BODY:
        c.add("input.body", message("announcement_too_long", language, limit=MAX_BODY))
    starts, ends = v.get("starts_on"), v.get("ends_on")
    if starts is not None and ends is not None and ends < starts:
        c.add("input.endsOn", message("announcement_ends_before_start", language))
    starts_at, ends_at = v.get("starts_at"), v.get("ends_at")
    if (
        starts_at is not None
        and ends_at is not None
        and (ends is None or ends == starts)
        and ends_at <= starts_at
    ):
        c.add("input.endsAt", message("announcement_ends_before_start", language))
    await c.row(m.StudyGroup, v.get("group_id"), "input.audience.group")
    await c.row(m.Department, v.get("department_id"), "input.audience.department")


ANNOUNCEMENT = Kind("announcement", m.Announcement, _check)


def _clean(values: Values) -> Values:
    out = dict(values)
    for key in ("title", "body"):
        if isinstance(out.get(key), str):
            out[key] = out[key].strip()
    return out


async def publish(ctx: Context, values: Values, client_mutation_id: str | None) -> Any:
    """Publish a new announcement (the one place one is written: what else must happen when
    an announcement appears — telling its readers — belongs here)."""
    viewer = ctx.viewer
    assert viewer is not None
    values = _clean(values)
    values["author_user_id"] = viewer.user_id
    # On the service's calendar (a pinned ``Settings.today``: the demo, the tests), as a
    # message is dated: the compliance report judges the lead time from this day.
    now = dt.datetime.now(dt.UTC)
    pinned = ctx.settings.today
    values["published_at"] = now if pinned is None else dt.datetime.combine(pinned, now.timetz())
    return await create(ctx, ANNOUNCEMENT, values, client_mutation_id)


async def change(ctx: Context, pk: int, changes: Values, client_mutation_id: str | None) -> Any:
    return await update_row(ctx, ANNOUNCEMENT, pk, _clean(changes), client_mutation_id)


async def withdraw(ctx: Context, pk: int, client_mutation_id: str | None) -> None:
    await delete_row(ctx, ANNOUNCEMENT, pk, client_mutation_id)


__all__ = [
    "ANNOUNCEMENT",
    "OBJECT_OF",
    "audience_of",
    "change",
    "overlapping",
    "publish",
    "readable",
    "withdraw",
]
