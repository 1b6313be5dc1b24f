"""Announcements and events on the API: the ``announcements`` list and create, update and
delete, declared once (schema/crud.py).

Reading goes through :func:`campusgraph.resolvers.announcements.readable`, the policy
engine's filters for the three audience objects; writing is guarded on the object of the
row's audience (``announcement`` for the institution's and a group's,
``announcement.department``, ``announcement.role``) — and an update that moves a row to
another audience needs the right on both.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import strawberry
from sqlalchemy import select

from campusgraph.context import Context
from campusgraph.db import models as m
from campusgraph.db.enums import AnnouncementKind, Audience
from campusgraph.i18n import message
from campusgraph.policies.facts import Target
from campusgraph.policies.targets import target_of
from campusgraph.resolvers import announcements as an
from campusgraph.resolvers import reads
from campusgraph.schema import enums as _enums  # noqa: F401  (registers the enums)
from campusgraph.schema.base import (
    After,
    Connection,
    First,
    GraphQLInfo,
    Node,
    OptionalDateTo,
    signed_in,
    to_global_id,
    within_dates,
)
from campusgraph.schema.crud import Action, ModelMutations, model_mutations
from campusgraph.schema.errors import MutationError
from campusgraph.schema.mutations import ValidationFailed
from campusgraph.schema.structure import Department, Group
from campusgraph.schema.structure_mutations import (
    DeleteInput,
    DeletePayload,
    given,
    opt_pk,
    pk_of,
    validation,
)

#: Pairs guarded through an object the input computes (the audience's): see
#: campusgraph.policies.operations.
EXERCISES = (
    ("announcement.department", "create"),
    ("announcement.department", "update"),
    ("announcement.department", "delete"),
    ("announcement.role", "create"),
    ("announcement.role", "update"),
    ("announcement.role", "delete"),
)


@strawberry.type(
    description="An announcement or a dated event (объявление, событие): the whole "
    "institution's, a department's, a group's or a role's."
)
class Announcement(Node):
    title: str = strawberry.field(description="The headline.")
    body: str = strawberry.field(description="The text.")
    kind: AnnouncementKind = strawberry.field(description="News, or which kind of event.")
    audience: Audience = strawberry.field(description="Whom it is addressed to.")
    role: str | None = strawberry.field(
        description="The role it is addressed to (audience ROLE), as the ruleset names it."
    )
    starts_on: dt.date = strawberry.field(description="The event's (first) day.")
    ends_on: dt.date | None = strawberry.field(
        description="The event's last day; null: one day (or an announcement)."
    )
    starts_at: dt.time | None = strawberry.field(description="Starting time, if any.")
    ends_at: dt.time | None = strawberry.field(description="Ending time, if any.")
    published_at: dt.datetime = strawberry.field(description="When it was published.")
    _group_id: strawberry.Private[int | None]
    _department_id: strawberry.Private[int | None]

    @strawberry.field(
        description="Whether today falls within the event's days (`startsOn` to `endsOn`, or "
        "the one day `startsOn`), in the institution's time zone."
    )
    def is_current(self, info: GraphQLInfo) -> bool:
        return within_dates(info, self.starts_on, self.ends_on or self.starts_on)

    @strawberry.field(
        description="The group it is addressed to (audience GROUP); null otherwise or when "
        "the group is not yours to see."
    )
    async def group(self, info: GraphQLInfo) -> Group | None:
        if self._group_id is None:
            return None
        row = await info.context.loaders.entity_by_id("group", m.StudyGroup).load(self._group_id)
        return Group.of(row[0]) if row else None

    @strawberry.field(
        description="The department it is addressed to (audience DEPARTMENT); null otherwise "
        "or when the department is not yours to see."
    )
    async def department(self, info: GraphQLInfo) -> Department | None:
        if self._department_id is None:
            return None
        loader = info.context.loaders.entity_by_id("department", m.Department)
        row = await loader.load(self._department_id)
        return Department.of(row[0]) if row else None

    @classmethod
    def of(cls, row: m.Announcement) -> Announcement:
        return cls(
            id=to_global_id("Announcement", row.id),
            title=row.title,
            body=row.body,
            kind=AnnouncementKind(row.kind),
            audience=Audience(an.audience_of(row)),
            role=row.audience_role,
            starts_on=row.starts_on,
            ends_on=row.ends_on,
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            published_at=row.published_at,
            _group_id=row.group_id,
            _department_id=row.department_id,
        )


async def fetch_announcement(info: GraphQLInfo, pk: int) -> Announcement | None:
    """``node(id:)``: the row when the viewer may read it, under the list's own filter."""
    ctx = info.context
    a = m.Announcement
    async with ctx.session() as session:
        row = (await session.execute(select(a).where(a.id == pk, an.readable(ctx)))).scalar()
    return Announcement.of(row) if row is not None else None


@strawberry.type(description="Announcements and events.")
class AnnouncementQueries:
    @strawberry.field(
        permission_classes=signed_in,
        description="The announcements and events the viewer may read (the ruleset decides: "
        "a parent the institution's, his child's group's and department's, his role's), "
        "by day and time; with `from`/`to`, those lasting into those days.",
    )
    async def announcements(
        self,
        info: GraphQLInfo,
        from_: Annotated[
            dt.date | None,
            strawberry.argument(
                name="from", description="The first day, included; omitted: no bound."
            ),
        ] = None,
        to: OptionalDateTo = None,
        kind: Annotated[
            AnnouncementKind | None,
            strawberry.argument(description="Only this kind; omitted: every kind."),
        ] = None,
        first: First = None,
        after: After = None,
    ) -> Connection[Announcement]:
        ctx = info.context
        a = m.Announcement
        stmt = (
            select(a)
            .where(an.readable(ctx), *an.overlapping(from_, to))
            .order_by(a.starts_on, a.starts_at, a.id)
        )
        if kind is not None:
            stmt = stmt.where(a.kind == kind.value)
        limit, offset = reads.window(ctx, first, after)
        async with ctx.session() as session:
            rows = (await session.execute(stmt.limit(limit + 1).offset(offset))).all()
        page = reads.Page(rows[:limit], offset, len(rows) > limit, lambda: reads.counting(stmt))
        return Connection.from_page(page, lambda r: Announcement.of(r[0]))


# -- inputs and payloads ----------------------------------------------------------------------


@strawberry.input(
    description="Whom an announcement is addressed to: at most one of `group`, `department`, "
    "`role`; none: the whole institution."
)
class AudienceInput:
    group: strawberry.ID | None = strawberry.field(default=None, description="A group.")
    department: strawberry.ID | None = strawberry.field(
        default=None, description="A department (отделение)."
    )
    role: str | None = strawberry.field(
        default=None, description="A role of the institution's ruleset (`parent`, `teacher` …)."
    )


@strawberry.input(description="A new announcement or event.")
class CreateAnnouncementInput:
    title: str = strawberry.field(description="The headline.")
    body: str = strawberry.field(description="The text.")
    kind: AnnouncementKind = strawberry.field(
        default=AnnouncementKind.ANNOUNCEMENT, description="News, or which kind of event."
    )
    audience: AudienceInput | None = strawberry.field(
        default=None, description="Whom it is for; omitted: the whole institution."
    )
    starts_on: dt.date = strawberry.field(description="The event's (first) day.")
    ends_on: dt.date | None = strawberry.field(default=None, description="Its last day.")
    starts_at: dt.time | None = strawberry.field(default=None, description="Starting time.")
    ends_at: dt.time | None = strawberry.field(default=None, description="Ending time.")
    client_mutation_id: str | None = None


@strawberry.input(description="Change an announcement: only the fields given change.")
class UpdateAnnouncementInput:
    id: strawberry.ID = strawberry.field(description="The announcement (`Announcement.id`).")
    title: str | None = strawberry.field(default=None, description="The headline.")
    body: str | None = strawberry.field(default=None, description="The text.")
    kind: AnnouncementKind | None = strawberry.field(default=None, description="Its kind.")
    audience: AudienceInput | None = strawberry.field(
        default=strawberry.UNSET,
        description="A new audience (`{}`: the whole institution); omitted: unchanged.",
    )
    starts_on: dt.date | None = strawberry.field(default=None, description="Its (first) day.")
    ends_on: dt.date | None = strawberry.field(
        default=strawberry.UNSET, description="Its last day; null clears it."
    )
    starts_at: dt.time | None = strawberry.field(
        default=strawberry.UNSET, description="Starting time; null clears it."
    )
    ends_at: dt.time | None = strawberry.field(
        default=strawberry.UNSET, description="Ending time; null clears it."
    )
    client_mutation_id: str | None = None


@strawberry.type(description="The result of publishing or changing an announcement.")
class AnnouncementPayload:
    announcement: Announcement | None = strawberry.field(
        default=None, description="The announcement as it now stands; null when refused."
    )
    client_mutation_id: str | None = None
    errors: list[MutationError] = strawberry.field(default_factory=list)


def _audience(ctx: Context, audience: AudienceInput | None) -> dict[str, Any]:
    """The audience columns, or VALIDATION: more than one given, an unknown role."""
    lang = ctx.language
    if audience is None:
        return {"group_id": None, "department_id": None, "audience_role": None}
    named = [x for x in (audience.group, audience.department, audience.role) if x is not None]
    if len(named) > 1:
        raise ValidationFailed(("input.audience", message("announcement_one_audience", lang)))
    role = audience.role
    if role is not None and role not in ctx.authorizer.compiled.ruleset.roles:
        raise ValidationFailed(
            ("input.audience.role", message("announcement_unknown_role", lang, role=role))
        )
    return {
        "group_id": opt_pk(audience.group, "Group", "input.audience.group", lang),
        "department_id": opt_pk(
            audience.department, "Department", "input.audience.department", lang
        ),
        "audience_role": role,
    }


def _target(ctx: Context, values: dict[str, Any]) -> tuple[str, Target]:
    """The (object, anchors) of a row addressed as ``values`` say."""
    v = ctx.viewer
    assert v is not None
    obj = an.OBJECT_OF[an.audience_of(values)]
    return obj, ctx.authorizer.target(
        obj,
        institution_id=v.institution_id,
        group_id=values["group_id"],
        department_id=values["department_id"],
        role=values["audience_role"],
        author_id=v.user_id,
    )


async def _existing(ctx: Context, gid: str) -> tuple[str, Target] | None:
    pk = pk_of(gid, "Announcement", "input.id", ctx.language)
    a = m.Announcement
    async with ctx.session() as session:
        found = (
            await session.execute(
                select(a.group_id, a.department_id, a.audience_role).where(a.id == pk)
            )
        ).first()
        if found is None:
            return None
        obj = an.OBJECT_OF[an.audience_of(dict(found._mapping))]
        target = await target_of(session, obj, pk)
    return (obj, target) if target is not None else None


async def _create_target(ctx: Context, input: CreateAnnouncementInput) -> list[Any]:
    return [_target(ctx, _audience(ctx, input.audience))]


async def _update_target(ctx: Context, input: UpdateAnnouncementInput) -> list[Any] | None:
    """The row as it is, and as it would be addressed (moving it needs both rights)."""
    found = await _existing(ctx, input.id)
    if found is None:
        return None
    if not given(input.audience):
        return [found]
    return [found, _target(ctx, _audience(ctx, input.audience))]


async def _delete_target(ctx: Context, input: DeleteInput) -> list[Any] | None:
    found = await _existing(ctx, input.id)
    return None if found is None else [found]


def _times(input: Any) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in ("ends_on", "starts_at", "ends_at"):
        value = getattr(input, name)
        if given(value):
            values[name] = value
    return values


async def _create(info: GraphQLInfo, input: CreateAnnouncementInput) -> AnnouncementPayload:
    ctx = info.context
    values = {
        "title": input.title,
        "body": input.body,
        "kind": input.kind.value,
        "starts_on": input.starts_on,
        **_audience(ctx, input.audience),
        **_times(input),
    }
    with validation():
        row = await an.publish(ctx, values, input.client_mutation_id)
    return AnnouncementPayload(
        announcement=Announcement.of(row), client_mutation_id=input.client_mutation_id
    )


async def _update(info: GraphQLInfo, input: UpdateAnnouncementInput) -> AnnouncementPayload:
    ctx = info.context
    pk = pk_of(input.id, "Announcement", "input.id", ctx.language)
    changes: dict[str, Any] = {
        name: value
        for name, value in (
            ("title", input.title),
            ("body", input.body),
            ("kind", input.kind.value if input.kind is not None else None),
            ("starts_on", input.starts_on),
        )
        if value is not None
    }
    if given(input.audience):
        changes.update(_audience(ctx, input.audience))
    changes.update(_times(input))
    with validation():
        row = await an.change(ctx, pk, changes, input.client_mutation_id)
    return AnnouncementPayload(
        announcement=Announcement.of(row), client_mutation_id=input.client_mutation_id
    )


async def _delete(info: GraphQLInfo, input: DeleteInput) -> DeletePayload:
    ctx = info.context
    pk = pk_of(input.id, "Announcement", "input.id", ctx.language)
    with validation():
        await an.withdraw(ctx, pk, input.client_mutation_id)
    return DeletePayload(deleted_id=input.id, client_mutation_id=input.client_mutation_id)


#: Declared once: guarded on the object of the row's audience (the target names it).
ANNOUNCEMENTS = model_mutations(
    ModelMutations(
        name="Announcement",
        obj="announcement",
        create=Action(
            CreateAnnouncementInput,
            AnnouncementPayload,
            _create_target,
            _create,
            "Publish an announcement or event (`announcement` create for the institution or "
            "a group, `announcement.department` for a department, `announcement.role` for a "
            "role).",
        ),
        update=Action(
            UpdateAnnouncementInput,
            AnnouncementPayload,
            _update_target,
            _update,
            "Change an announcement (update on its audience's object; a new audience needs "
            "update on that one's too).",
        ),
        delete=Action(
            DeleteInput,
            DeletePayload,
            _delete_target,
            _delete,
            "Withdraw an announcement (delete on its audience's object).",
        ),
    )
)


@strawberry.type(description="Announcements and events.")
class AnnouncementMutations:
    create_announcement = ANNOUNCEMENTS.create
    update_announcement = ANNOUNCEMENTS.update
    delete_announcement = ANNOUNCEMENTS.delete


__all__ = ["Announcement", "AnnouncementMutations", "AnnouncementQueries", "fetch_announcement"]
