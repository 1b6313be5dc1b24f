"""The signed-in user: roles, institution, and the person behind the account."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry

from campusgraph.db import models as m
from campusgraph.schema.base import GraphQLInfo
from campusgraph.schema.journal_rules import Diary, resolve_diary
from campusgraph.schema.people import Employee, Parent, Student
from campusgraph.schema.permissions import Permission, resolve_can
from campusgraph.schema.structure import Institution


@strawberry.type(description="A role the viewer holds, with its title from the ruleset.")
class Role:
    name: str = strawberry.field(description="The role as the ruleset names it: «teacher».")
    title: str = strawberry.field(description="Its title in the regulation's words.")


@strawberry.type(description="Who is signed in.")
class Viewer:
    login: str = strawberry.field(description="Your login.")
    ruleset: str = strawberry.field(description="Slug of the ruleset deciding your access.")
    must_change_password: bool = strawberry.field(
        default=False,
        description="The password is a one-time one: until `changePassword`, nothing but "
        "`login` and this flag can be read.",
    )
    _institution_id: strawberry.Private[int | None]
    _employee_id: strawberry.Private[int | None]
    _student_id: strawberry.Private[int | None]
    _parent_id: strawberry.Private[int | None]
    _roles: strawberry.Private[list[str]]

    @strawberry.field(description="Roles held at the institution (or region) signed in to.")
    def roles(self, info: GraphQLInfo) -> list[Role]:
        ruleset = info.context.registry.get(self.ruleset).ruleset
        lang = info.context.language
        out = []
        for name in self._roles:
            meta = ruleset.roles.get(name, {})
            title = meta.get("title_en" if lang == "en" else "title_ru", name)
            out.append(Role(name=name, title=str(title)))
        return out

    @strawberry.field(description="The institution signed in to; null for a region's authority.")
    async def institution(self, info: GraphQLInfo) -> Institution | None:
        if self._institution_id is None:
            return None
        row = await info.context.loaders.entity_by_id("institution", m.Institution).load(
            self._institution_id
        )
        return Institution.of(row[0]) if row else None

    @strawberry.field(description="The viewer's employee card, if an employee.")
    async def employee(self, info: GraphQLInfo) -> Employee | None:
        if self._employee_id is None:
            return None
        row = await info.context.loaders.employee_by_id.load(self._employee_id)
        return Employee.of(row[0], row[1]) if row else None

    @strawberry.field(description="The viewer's student card, if a student.")
    async def student(self, info: GraphQLInfo) -> Student | None:
        if self._student_id is None:
            return None
        row = await info.context.loaders.student_by_id.load(self._student_id)
        return Student.of(row[0], row[1]) if row else None

    @strawberry.field(description="The viewer's parent card, if a parent.")
    async def parent(self, info: GraphQLInfo) -> Parent | None:
        if self._parent_id is None:
            return None
        row = await info.context.loaders.parent_by_id.load(self._parent_id)
        return Parent.of(row[0], row[1]) if row else None

    @strawberry.field(description="A parent's children.")
    async def children(self, info: GraphQLInfo) -> list[Student]:
        if self._parent_id is None:
            return []
        rows = await info.context.loaders.children_by_parent.load(self._parent_id)
        return [Student.of(r[0], r[1]) for r in rows]

    @strawberry.field(
        description="The electronic diary between two dates: a student's own; a parent's "
        "child (`child` chooses among several children; the only child by default); any "
        "other viewer names a `child` he may read. Null for a staff viewer naming no child."
    )
    async def diary(
        self,
        info: GraphQLInfo,
        date_from: Annotated[
            dt.date, strawberry.argument(name="from", description="First day, inclusive.")
        ],
        date_to: Annotated[
            dt.date, strawberry.argument(name="to", description="Last day, inclusive.")
        ],
        child: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Whose diary (a Student's global id)."),
        ] = None,
    ) -> Diary | None:
        return await resolve_diary(info, date_from, date_to, child)

    @strawberry.field(
        description="May I `action` the `object` on the row `id` (and, for a new row, `on` "
        "the row it joins, e.g. a mark: id = the work, on = the student)? A new row is taken "
        "to be yours and, unless the rows named date it, made today. Null when a named row "
        "is not yours to see, or the rows named do not agree (a student not in the work's "
        "group on its date)."
    )
    async def can(
        self,
        info: GraphQLInfo,
        object: Annotated[
            str,
            strawberry.argument(
                description="The object as the ruleset names it: `mark`, `lesson`, `student` …"
            ),
        ],
        action: Annotated[
            str,
            strawberry.argument(
                description="The action as the ruleset names it: `read`, `create`, `update` …"
            ),
        ],
        id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="The row acted on (its global id); omitted: a new row."
            ),
        ] = None,
        on: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="For a new row: the row it joins (its global id)."),
        ] = None,
    ) -> Permission | None:
        return await resolve_can(info, object, action, id, on)


def viewer_of(info: GraphQLInfo) -> Viewer | None:
    ctx = info.context
    v = ctx.viewer
    if v is None or ctx.ruleset_slug is None:
        return None
    return Viewer(
        login=v.login,
        ruleset=ctx.ruleset_slug,
        must_change_password=v.must_change_password,
        _institution_id=v.institution_id,
        _employee_id=v.employee_id,
        _student_id=v.student_id,
        _parent_id=v.parent_id,
        _roles=sorted(v.roles),
    )
