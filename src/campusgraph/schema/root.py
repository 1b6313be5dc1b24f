"""The root types, the Node lookup, and the schema with its limits built once."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, cast

import strawberry
from sqlalchemy import select
from strawberry.extensions import (
    DisableIntrospection,
    MaxAliasesLimiter,
    QueryDepthLimiter,
)

from campusgraph.db import models as m
from campusgraph.i18n import message
from campusgraph.policies.scopes import SqlAnchors
from campusgraph.resolvers import reads
from campusgraph.schema import idempotency
from campusgraph.schema.account_mutations import AccountMutations
from campusgraph.schema.analytics import AnalyticsQuery
from campusgraph.schema.announcements import (
    AnnouncementMutations,
    AnnouncementQueries,
    fetch_announcement,
)
from campusgraph.schema.applicants import Applicant, ApplicantMutations, ApplicantQueries
from campusgraph.schema.auth import AuthMutations
from campusgraph.schema.base import GraphQLInfo, Node, from_global_id, signed_in
from campusgraph.schema.correspondence import (
    CorrespondenceMutations,
    CorrespondenceQueries,
    fetch_message,
    fetch_thread,
)
from campusgraph.schema.errors import (
    DATE_SCALAR,
    ApiError,
    ErrorCode,
    ErrorPolicy,
    RequestStats,
    Schema,
)
from campusgraph.schema.exchange import ExchangeMutations, ExchangeQueries
from campusgraph.schema.execution import ExecutionContext
from campusgraph.schema.gate import DocumentLimits, RequestGate
from campusgraph.schema.idempotency import IdempotencyResults
from campusgraph.schema.journal import Journal, resolve_journal
from campusgraph.schema.journal_mutations import JournalMutations, Substitution
from campusgraph.schema.journal_rules import (
    JournalRulesQuery,
    fetch_thematic_plan,
    fetch_thematic_plan_topic,
)
from campusgraph.schema.live import Subscription
from campusgraph.schema.movement import MovementMutations, MovementOrder, MovementQueries
from campusgraph.schema.people import Employee, Parent, Student
from campusgraph.schema.people_mutations import PeopleMutations
from campusgraph.schema.portfolios import (
    PortfolioMutations,
    PortfolioQueries,
    fetch_entry,
    fetch_file,
)
from campusgraph.schema.region import RegionQueries
from campusgraph.schema.report_files import ReportFileQueries
from campusgraph.schema.reports_administration import AdministrationReportQueries
from campusgraph.schema.reports_curator import CuratorReportQueries
from campusgraph.schema.reports_marks import MarksReportQueries
from campusgraph.schema.rulesets import RulesetMutations, RulesetQueries
from campusgraph.schema.structure import (
    AcademicYear,
    Curriculum,
    Department,
    Discipline,
    EducationalProgram,
    Group,
    Institution,
    Period,
    Room,
    Speciality,
    Subgroup,
)
from campusgraph.schema.structure_mutations import Position, StructureMutations
from campusgraph.schema.teaching import (
    Attendance,
    FinalMark,
    Lesson,
    Mark,
    TeachingAssignment,
    TimetableEntry,
    Work,
)
from campusgraph.schema.thematic_plan_mutations import ThematicPlanMutations
from campusgraph.schema.timetable import (
    BellSlot,
    CalendarMutations,
    DayOff,
    DayTransfer,
    TimetableMutations,
    TimetableQueries,
)
from campusgraph.schema.viewer import Viewer, viewer_of
from campusgraph.settings import Settings

SCHEMA_FILE = Path(__file__).with_name("schema.graphql")

NodeFetcher = Callable[[GraphQLInfo, int], Awaitable[Any]]


def _entity(obj: str, model: Any, make: Callable[[Any], Any]) -> NodeFetcher:
    async def fetch(info: GraphQLInfo, pk: int) -> Any:
        row = await info.context.loaders.entity_by_id(obj, model).load(pk)
        return make(row[0]) if row else None

    return fetch


def _people(loader: str, make: Callable[[Any, Any], Any]) -> NodeFetcher:
    async def fetch(info: GraphQLInfo, pk: int) -> Any:
        row = await getattr(info.context.loaders, loader).load(pk)
        return make(row[0], row[1]) if row else None

    return fetch


def _calendar(model: Any, make: Callable[[Any], Any]) -> NodeFetcher:
    """A bell slot, a day off or a day transfer: a ``calendar`` row, anchored at its
    institution as the lists of ``Institution`` read them."""

    async def fetch(info: GraphQLInfo, pk: int) -> Any:
        anchors = SqlAnchors(institution=model.institution_id)
        stmt = select(model).where(model.id == pk)
        rows = await reads.all_rows(info.context, "calendar", stmt, anchors=anchors)
        return make(rows[0][0]) if rows else None

    return fetch


NODES: dict[str, NodeFetcher] = {
    "Institution": _entity("institution", m.Institution, Institution.of),
    "Department": _entity("department", m.Department, Department.of),
    "Speciality": _entity("speciality", m.Speciality, Speciality.of),
    "EducationalProgram": _entity("program", m.EducationalProgram, EducationalProgram.of),
    "Curriculum": _entity("curriculum", m.Curriculum, Curriculum.of),
    "Discipline": _entity("discipline", m.Discipline, Discipline.of),
    "AcademicYear": _entity("academic_year", m.AcademicYear, AcademicYear.of),
    "Period": _entity("period", m.Period, Period.of),
    "Room": _entity("room", m.Room, Room.of),
    "Group": _entity("group", m.StudyGroup, Group.of),
    "Subgroup": _entity("subgroup", m.Subgroup, Subgroup.of),
    "TeachingAssignment": _entity(
        "teaching_assignment", m.TeachingAssignment, TeachingAssignment.of
    ),
    "TimetableEntry": _entity("timetable", m.TimetableEntry, TimetableEntry.of),
    "Lesson": _entity("lesson", m.Lesson, Lesson.of),
    "Work": _entity("work", m.Work, Work.of),
    "Mark": _entity("mark", m.Mark, Mark.of),
    "Attendance": _entity("attendance", m.Attendance, Attendance.of),
    "FinalMark": _entity("final_mark", m.FinalMark, FinalMark.of),
    "Student": _people("student_by_id", Student.of),
    "Employee": _people("employee_by_id", Employee.of),
    "Parent": _people("parent_by_id", Parent.of),
    "Applicant": _entity("applicant", m.Applicant, Applicant.of),
    "MovementOrder": _entity("movement_order", m.MovementOrder, MovementOrder.of),
    "Announcement": fetch_announcement,
    "Thread": fetch_thread,
    "Message": fetch_message,
    "Position": _entity("position", m.Position, Position.of),
    "DayOff": _calendar(m.DayOff, DayOff.of),
    "DayTransfer": _calendar(m.DayTransfer, DayTransfer.of),
    "BellSlot": _calendar(m.BellSlot, BellSlot.of),
    "Substitution": _entity("substitution", m.Substitution, Substitution.of),
    "ThematicPlan": fetch_thematic_plan,
    "ThematicPlanTopic": fetch_thematic_plan_topic,
    "PortfolioEntry": fetch_entry,
    "PortfolioFile": fetch_file,
}


async def resolve_node(info: GraphQLInfo, gid: strawberry.ID) -> Node | None:
    type_name, pk = from_global_id(gid, info.context.language)
    fetch = NODES.get(type_name)
    if fetch is None:
        raise ApiError(ErrorCode.VALIDATION, message("bad_id", info.context.language, value=gid))
    node: Node | None = await fetch(info, pk)
    return node


@strawberry.type(description="Core queries.")
class CoreQuery:
    @strawberry.field(permission_classes=signed_in, description="Who is signed in.")
    def viewer(self, info: GraphQLInfo) -> Viewer | None:
        return viewer_of(info)

    @strawberry.field(
        permission_classes=signed_in,
        description="Any object by global id; null when it does not exist or is not yours to see.",
    )
    async def node(
        self,
        info: GraphQLInfo,
        id: Annotated[strawberry.ID, strawberry.argument(description="A global id.")],
    ) -> Node | None:
        return await resolve_node(info, id)

    @strawberry.field(
        permission_classes=signed_in,
        description="Several objects by global id, in the order asked; each fails alone: null "
        "where `node(id:)` would be null, null with an error at its index for a malformed id.",
    )
    async def nodes(
        self,
        info: GraphQLInfo,
        ids: Annotated[
            list[strawberry.ID],
            strawberry.argument(
                description="Global ids; beyond the server's page size, the rest are not looked up."
            ),
        ],
    ) -> list[Node | None]:
        found = await asyncio.gather(
            *(resolve_node(info, gid) for gid in ids[: info.context.settings.max_page_size]),
            return_exceptions=True,
        )
        # graphql-core reports an exception item as that index's error, the others stand.
        return cast(list[Node | None], found)

    @strawberry.field(permission_classes=signed_in, description="The institution signed in to.")
    async def institution(self, info: GraphQLInfo) -> Institution | None:
        v = info.context.viewer
        if v is None or v.institution_id is None:
            return None
        return await NODES["Institution"](info, v.institution_id)  # type: ignore[no-any-return]

    @strawberry.field(
        permission_classes=signed_in,
        description="Institutions visible to the viewer (several for a region's authority).",
    )
    async def institutions(self, info: GraphQLInfo) -> list[Institution]:
        from sqlalchemy import select

        from campusgraph.resolvers import reads

        rows = await reads.all_rows(
            info.context, "institution", select(m.Institution).order_by(m.Institution.name)
        )
        return [Institution.of(r[0]) for r in rows]

    @strawberry.field(
        permission_classes=signed_in,
        description="The journal of a group in one discipline and period (columnar); null, "
        "with a NOT_FOUND or FORBIDDEN error at its path, when there is none or it is not "
        "yours to read.",
    )
    async def journal(
        self,
        info: GraphQLInfo,
        group: Annotated[
            strawberry.ID, strawberry.argument(description="The group (its global id).")
        ],
        discipline: Annotated[
            strawberry.ID, strawberry.argument(description="The discipline (its global id).")
        ],
        period: Annotated[
            strawberry.ID, strawberry.argument(description="The period (its global id).")
        ],
    ) -> Journal | None:
        return await resolve_journal(info, group, discipline, period)


@strawberry.type(description="Everything starts at `viewer`, `institution` or `node`.")
class Query(
    CoreQuery,
    RulesetQueries,
    RegionQueries,
    MovementQueries,
    TimetableQueries,
    JournalRulesQuery,
    ApplicantQueries,
    ExchangeQueries,
    MarksReportQueries,
    AnalyticsQuery,
    ReportFileQueries,
    AdministrationReportQueries,
    CuratorReportQueries,
    PortfolioQueries,
    AnnouncementQueries,
    CorrespondenceQueries,
):
    pass


@idempotency.bound
@strawberry.type(description="Every change: one `input`, a payload with `errors`.")
class Mutation(
    AuthMutations,
    CorrespondenceMutations,
    RulesetMutations,
    PeopleMutations,
    AccountMutations,
    MovementMutations,
    StructureMutations,
    ThematicPlanMutations,
    CalendarMutations,
    TimetableMutations,
    ApplicantMutations,
    ExchangeMutations,
    JournalMutations,
    PortfolioMutations,
    AnnouncementMutations,
):
    pass


TYPES = [Employee, Parent, Student, Mark, Attendance, FinalMark, Work, Lesson]


def _validation_rules(settings: Settings) -> list[Any]:
    """Depth and alias rules are built ONCE: a fresh rule class per request would defeat
    the validation cache (strawberry issue #4635)."""
    rules: list[Any] = []
    rules += QueryDepthLimiter(max_depth=settings.max_query_depth).validation_rules
    rules += MaxAliasesLimiter(max_alias_count=settings.max_aliases).validation_rules
    if not settings.allow_introspection:
        rules += DisableIntrospection().validation_rules
    return rules


#: What the fields every mutation shares mean, said once for all of them.
CONVENTIONS: dict[tuple[str, str], str] = {
    ("Input", "clientMutationId"): (
        "Your key for this change: a retry with the same key and input answers the first "
        "result and never applies the change twice (the key is kept for a day)."
    ),
    ("Payload", "clientMutationId"): "The key sent with the input, as sent.",
    ("Payload", "errors"): "Why the change did not happen; empty when it did.",
}


def _describe_conventions(schema: strawberry.Schema) -> strawberry.Schema:
    """Give the shared fields of inputs and payloads their one description, where a type
    does not say more: 79 mutations declare them, and GraphiQL shows each."""
    for name, gtype in schema._schema.type_map.items():
        kind = "Input" if name.endswith("Input") else "Payload" if name.endswith("Payload") else ""
        for fname, field in (getattr(gtype, "fields", None) or {}).items() if kind else ():
            text = CONVENTIONS.get((kind, fname))
            if text is not None and not field.description:
                field.description = text
    mutation = schema._schema.mutation_type
    for field in mutation.fields.values() if mutation is not None else ():
        argument = field.args.get("input")
        if argument is not None and not argument.description:
            argument.description = "What to change: its type says each field's meaning."
    return schema


def build_schema(settings: Settings) -> strawberry.Schema:
    rules = tuple(_validation_rules(settings))
    max_tokens = settings.max_tokens
    # Each extension is built and its hooks run for every request: the request counters
    # only where they are shown (RequestStats answers nothing in production).
    stats = [RequestStats] if settings.mode != "production" else []
    return _describe_conventions(_strawberry_schema(rules, max_tokens, stats))


def _strawberry_schema(
    rules: tuple[Any, ...], max_tokens: int, stats: list[Any]
) -> strawberry.Schema:
    return Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=TYPES,
        extensions=[
            ErrorPolicy,
            *stats,
            IdempotencyResults,
            # The token limit, the depth/alias/introspection rules and the parser cache.
            lambda: DocumentLimits(max_tokens, rules),
            # The gate (anonymous callers, one-time passwords, structure, cost) runs
            # between parsing and validation, and validates through its own cache.
            RequestGate,
        ],
        # Lists of scalars and enums (the journal's aligned rows) completed in one pass.
        execution_context_class=ExecutionContext,
        scalar_overrides={dt.date: DATE_SCALAR},
    )


@lru_cache(maxsize=1)
def sdl() -> str:
    """The schema as committed in schema.graphql (dev settings: introspection is a rule,
    not a type, so the SDL is the same in every mode)."""
    return build_schema(Settings(mode="dev")).as_str() + "\n"
