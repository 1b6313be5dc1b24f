"""Region-level aggregates for education authorities."""

from __future__ import annotations

import strawberry

from campusgraph.resolvers.region import region_summary
from campusgraph.schema.base import GraphQLInfo, signed_in, to_global_id


@strawberry.type(description="Aggregates of one institution: no personal data, no single marks.")
class InstitutionSummary:
    institution_id: strawberry.ID = strawberry.field(description="The institution's global id.")
    slug: str = strawberry.field(description="Its slug.")
    name: str = strawberry.field(description="Its name.")
    groups: int = strawberry.field(description="Its groups (classes).")
    students: int = strawberry.field(description="Students in a group today.")
    average_mark: float | None = strawberry.field(description="Mean of all numeric current marks.")
    absences: int = strawberry.field(description="Absences recorded.")


@strawberry.type(description="Region queries.")
class RegionQueries:
    @strawberry.field(
        permission_classes=signed_in,
        description="Aggregates per institution, where the ruleset grants `region_report` read.",
    )
    async def region_report(self, info: GraphQLInfo) -> list[InstitutionSummary]:
        return [
            InstitutionSummary(
                institution_id=to_global_id("Institution", s.institution_id),
                slug=s.slug,
                name=s.name,
                groups=s.groups,
                students=s.students,
                average_mark=s.average_mark,
                absences=s.absences,
            )
            for s in await region_summary(info.context)
        ]
