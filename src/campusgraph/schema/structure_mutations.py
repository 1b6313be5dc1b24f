"""Mutations on the institution's own details and its structure: departments,
specialities, programs, curricula with items, disciplines, groups, subgroups with members,
rooms, positions.

Each is guarded by the matching policy object (``institution``, ``department``,
``speciality``, ``program``, ``curriculum``, ``discipline``, ``group``, ``subgroup``,
``room``, ``position``) and action ``create`` / ``update`` / ``delete``. Update inputs change only
the fields given; for a nullable reference, an explicit ``null`` clears it. A delete is
refused with a VALIDATION error (field ``input.id``) while anything refers to the row.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import contextmanager
from typing import Any, TypeVar

import strawberry
from sqlalchemy import select

from campusgraph.context import Context
from campusgraph.db import models as m
from campusgraph.db.enums import AttestationForm, DisciplineKind, PeriodKind
from campusgraph.i18n import message
from campusgraph.ids import from_global_id
from campusgraph.policies.facts import Target
from campusgraph.policies.targets import target_of
from campusgraph.resolvers import structure_writes as sw
from campusgraph.schema.base import GraphQLInfo, Node, signed_in, to_global_id
from campusgraph.schema.errors import MutationError
from campusgraph.schema.mutations import ValidationFailed, guarded, institution_target
from campusgraph.schema.structure import (
    Curriculum,
    Department,
    Discipline,
    EducationalProgram,
    Group,
    Institution,
    Room,
    Speciality,
    Subgroup,
)

T = TypeVar("T")


# =====================================================================================
# Shared helpers (also used by schema/timetable.py)
# =====================================================================================


def pk_of(gid: str, type_name: str, where: str, language: str) -> int:
    """A global id of ``type_name`` as a primary key, else a VALIDATION error on ``where``."""
    try:
        kind, pk = from_global_id(gid)
    except (ValueError, UnicodeDecodeError):
        raise ValidationFailed((where, message("bad_id", language, value=gid))) from None
    if kind != type_name:
        raise ValidationFailed((where, message("wrong_type", language)))
    return pk


def opt_pk(gid: str | None, type_name: str, where: str, language: str) -> int | None:
    return None if gid is None else pk_of(gid, type_name, where, language)


def given(value: Any) -> bool:
    return value is not strawberry.UNSET


@contextmanager
def validation() -> Any:
    """Domain problems from the resolvers become VALIDATION errors in the payload."""
    try:
        yield
    except sw.Invalid as exc:
        raise ValidationFailed(*exc.problems) from None


def row_target(obj: str, model: Any, type_name: str) -> Callable[[Context, Any], Awaitable[Any]]:
    """The anchors of the existing row named by ``input.id`` (institution-level objects)."""

    async def target(ctx: Context, input: Any) -> Target | None:
        pk = pk_of(input.id, type_name, "input.id", ctx.language)
        async with ctx.session() as session:
            found = (
                await session.execute(select(model.institution_id).where(model.id == pk))
            ).first()
        if found is None:
            return None
        return ctx.authorizer.target(obj, institution_id=found[0])

    return target


def anchored_target(obj: str, type_name: str) -> Callable[[Context, Any], Awaitable[Any]]:
    """The anchors of an existing group-anchored row (group, subgroup) named by ``input.id``."""

    async def target(ctx: Context, input: Any) -> Target | None:
        pk = pk_of(input.id, type_name, "input.id", ctx.language)
        async with ctx.session() as session:
            return await target_of(session, obj, pk)

    return target


@strawberry.input(description="Delete one object by id.")
class DeleteInput:
    id: strawberry.ID = strawberry.field(description="The one to delete (global id).")
    client_mutation_id: str | None = None


@strawberry.type(description="The result of a delete: the id deleted, or why not.")
class DeletePayload:
    deleted_id: strawberry.ID | None = strawberry.field(
        default=None, description="The global id of what was deleted; null when nothing was."
    )
    client_mutation_id: str | None = None
    errors: list[MutationError] = strawberry.field(default_factory=list)


async def run_delete(
    info: GraphQLInfo, input: DeleteInput, kind: sw.Kind, type_name: str, cascade: Any = ()
) -> DeletePayload:
    ctx = info.context
    pk = pk_of(input.id, type_name, "input.id", ctx.language)
    with validation():
        await sw.delete_row(ctx, kind, pk, input.client_mutation_id, cascade)
    return DeletePayload(deleted_id=input.id, client_mutation_id=input.client_mutation_id)


# =====================================================================================
# Types this module adds
# =====================================================================================


@strawberry.type(description="A staff position (должность).")
class Position(Node):
    name: str = strawberry.field(description="The position's name.")

    @classmethod
    def of(cls, row: m.Position) -> Position:
        return cls(id=to_global_id("Position", row.id), name=row.name)


# =====================================================================================
# Inputs and payloads
# =====================================================================================


@strawberry.input(
    description="Change the institution's own details (the regulations' «карточка ОО»): only "
    "the fields given change; for an optional one an explicit null or an empty text clears it."
)
class UpdateInstitutionInput:
    id: strawberry.ID = strawberry.field(
        description="The institution (`institution { id }`): only your own can be yours to change."
    )
    name: str | None = strawberry.field(default=None, description="Full name, as in the charter.")
    short_name: str | None = strawberry.field(default=None, description="Short name.")
    address: str | None = strawberry.field(default=strawberry.UNSET, description="Postal address.")
    license: str | None = strawberry.field(
        default=strawberry.UNSET, description="The education licence: number, date, issuer."
    )
    accreditation: str | None = strawberry.field(
        default=strawberry.UNSET, description="The state accreditation: number and date."
    )
    phone: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="5 to 15 digits; «+», spaces, brackets and dashes allowed.",
    )
    email: str | None = strawberry.field(default=strawberry.UNSET, description="E-mail address.")
    website: str | None = strawberry.field(
        default=strawberry.UNSET, description="An http(s) address, e.g. «https://college.ru»."
    )
    client_mutation_id: str | None = None


@strawberry.type(description="The result of changing the institution's details.")
class InstitutionPayload:
    institution: Institution | None = strawberry.field(
        default=None, description="The institution as it now stands; null when refused."
    )
    client_mutation_id: str | None = None
    errors: list[MutationError] = strawberry.field(default_factory=list)


#: Optional details of the institution (input name = column name).
INSTITUTION_OPTIONAL = ("address", "license", "accreditation", "phone", "email", "website")


@strawberry.input(description="A new department (отделение).")
class CreateDepartmentInput:
    name: str = strawberry.field(description="The department's name.")
    head: strawberry.ID | None = strawberry.field(
        default=None, description="Employee who heads the department."
    )
    client_mutation_id: str | None = None


@strawberry.input(description="Change a department; only the fields given change.")
class UpdateDepartmentInput:
    id: strawberry.ID = strawberry.field(description="The one to change (global id).")
    name: str | None = strawberry.field(
        default=None, description="The department's name; omitted: unchanged."
    )
    head: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="Employee id; null removes the head."
    )
    client_mutation_id: str | None = None


@strawberry.type(description="The result of creating or changing a department.")
class DepartmentPayload:
    department: Department | None = strawberry.field(
        default=None,
        description="As the change left it; null when it did not happen (see `errors`).",
    )
    client_mutation_id: str | None = None
    errors: list[MutationError] = strawberry.field(default_factory=list)


@strawberry.input(description="A new speciality or profession.")
class CreateSpecialityInput:
    code: str = strawberry.field(description="ФГОС code, e.g. «09.02.07».")
    name: str = strawberry.field(description="The speciality's name.")
    qualification: str | None = strawberry.field(
        default=None, description="The qualification it gives, if recorded."
    )
    client_mutation_id: str | None = None


@strawberry.input(description="Change a speciality; only the fields given change.")
class UpdateSpecialityInput:
    id: strawberry.ID = strawberry.field(description="The one to change (global id).")
    code: str | None = strawberry.field(
        default=None, description="ФГОС code, e.g. «09.02.07»; omitted: unchanged."
    )
    name: str | None = strawberry.field(
        default=None, description="The speciality's name; omitted: unchanged."
    )
    qualification: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="The qualification it gives, if recorded; omitted: unchanged.",
    )
    client_mutation_id: str | None = None


@strawberry.type(description="The result of creating or changing a speciality.")
class SpecialityPayload:
    speciality: Speciality | None = strawberry.field(
        default=None,
        description="As the change left it; null when it did not happen (see `errors`).",
    )
    client_mutation_id: str | None = None
    errors: list[MutationError] = strawberry.field(default_factory=list)


@strawberry.input(description="A new educational program (ППССЗ, ППКРС, ООП …).")
class CreateEducationalProgramInput:
    name: str = strawberry.field(description="The program's name.")
    level: str = strawberry.field(description="ППССЗ, ППКРС, НОО, ООО, СОО …")
    duration_years: int = strawberry.field(default=4, description="Its length in years.")
    speciality: strawberry.ID | None = strawberry.field(
        default=None, description="The speciality it trains for, if any (global id)."
    )
    client_mutation_id: str | None = None


@strawberry.input(description="Change an educational program; only the fields given change.")
class UpdateEducationalProgramInput:
    id: strawberry.ID = strawberry.field(description="The one to change (global id).")
    name: str | None = strawberry.field(
        default=None, description="The program's name; omitted: unchanged."
    )
    level: str | None = strawberry.field(
        default=None, description="Its level of education; omitted: unchanged."
    )
    duration_years: int | None = strawberry.field(
        default=None, description="Its length in years; omitted: unchanged."
    )
    speciality: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="The speciality it trains for (global id); omitted: unchanged.",
    )
    client_mutation_id: str | None = None


@strawberry.type(description="The result of creating or changing an educational program.")
class EducationalProgramPayload:
    program: EducationalProgram | None = strawberry.field(
        default=None,
        description="As the change left it; null when it did not happen (see `errors`).",
    )
    client_mutation_id: str | None = None
    errors: list[MutationError] = strawberry.field(default_factory=list)


@strawberry.input(description="One discipline of a curriculum in one term of a year of study.")
class CurriculumItemInput:
    discipline: strawberry.ID = strawberry.field(description="The discipline (global id).")
    study_year: int = strawberry.field(description="Year of study (course or grade).")
    term: int = strawberry.field(description="Number of the period within the year.")
    hours: int = strawberry.field(description="Academic hours planned.")
    attestation_form: AttestationForm = strawberry.field(description="How it is attested.")


@strawberry.input(description="A new curriculum (учебный план) with its items.")
class CreateCurriculumInput:
    name: str = strawberry.field(description="The curriculum's name.")
    admission_year: int = strawberry.field(description="The year of admission it is for.")
    period_kind: PeriodKind = strawberry.field(description="What a term of the plan is.")
    program: strawberry.ID | None = strawberry.field(
        default=None, description="The educational program it belongs to, if any (global id)."
    )
    items: list[CurriculumItemInput] = strawberry.field(
        description="Disciplines by year of study and term.", default_factory=list
    )
    client_mutation_id: str | None = None


@strawberry.input(description="Change a curriculum; `items`, when given, replace all items.")
class UpdateCurriculumInput:
    id: strawberry.ID = strawberry.field(description="The one to change (global id).")
    name: str | None = strawberry.field(
        default=None, description="The curriculum's name; omitted: unchanged."
    )
    admission_year: int | None = strawberry.field(
        default=None, description="The year of admission it is for; omitted: unchanged."
    )
    period_kind: PeriodKind | None = strawberry.field(
        default=None,
        description="The periods its terms are counted in (semesters, quarters …); omitted: unchanged.",
    )
    program: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="The educational program it belongs to (global id); omitted: unchanged.",
    )
    items: list[CurriculumItemInput] | None = strawberry.field(
        default=None, description="Disciplines by year of study and term; omitted: unchanged."
    )
    client_mutation_id: str | None = None


@strawberry.type(description="The result of creating or changing a curriculum.")
class CurriculumPayload:
    curriculum: Curriculum | None = strawberry.field(
        default=None,
        description="As the change left it; null when it did not happen (see `errors`).",
    )
    client_mutation_id: str | None = None
    errors: list[MutationError] = strawberry.field(default_factory=list)


@strawberry.input(description="A new discipline: subject, УД, МДК (with its ПМ), ПМ or practice.")
class CreateDisciplineInput:
    name: str = strawberry.field(description="The discipline's full name.")
    kind: DisciplineKind = strawberry.field(description="Subject, УД, МДК, ПМ or practice.")
    code: str | None = strawberry.field(default=None, description="«ОП.01», «МДК.01.01» …")
    short_name: str | None = strawberry.field(
        default=None, description="A short name for narrow columns, if any."
    )
    parent: strawberry.ID | None = strawberry.field(
        default=None, description="The professional module (ПМ) of an МДК or a practice."
    )
    client_mutation_id: str | None = None


@strawberry.input(description="Change a discipline; only the fields given change.")
class UpdateDisciplineInput:
    id: strawberry.ID = strawberry.field(description="The one to change (global id).")
    name: str | None = strawberry.field(
        default=None, description="The discipline's full name; omitted: unchanged."
    )
    kind: DisciplineKind | None = strawberry.field(
        default=None, description="Subject, УД, МДК, ПМ or practice; omitted: unchanged."
    )
    code: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="Its code in the curriculum (ОП.01, МДК.01.01 …), if any; omitted: unchanged.",
    )
    short_name: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="A short name for narrow columns, if any; omitted: unchanged.",
    )
    parent: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="The professional module (ПМ) of an МДК or a practice (global id); omitted: unchanged.",
    )
    client_mutation_id: str | None = None


@strawberry.type(description="The result of creating or changing a discipline.")
class DisciplinePayload:
    discipline: Discipline | None = strawberry.field(
        default=None,
        description="As the change left it; null when it did not happen (see `errors`).",
    )
    client_mutation_id: str | None = None
    errors: list[MutationError] = strawberry.field(default_factory=list)


@strawberry.input(description="A new group (class).")
class CreateGroupInput:
    name: str = strawberry.field(description="The group's or class's name: «ИС-21», «5А».")
    study_year: int = strawberry.field(description="Course (college) or grade (school).")
    academic_year: strawberry.ID = strawberry.field(
        description="The academic year it is formed in (global id)."
    )
    department: strawberry.ID | None = strawberry.field(
        default=None, description="Its department (college), if any (global id)."
    )
    speciality: strawberry.ID | None = strawberry.field(
        default=None, description="The speciality it trains for (college), if any (global id)."
    )
    curriculum: strawberry.ID | None = strawberry.field(
        default=None, description="The curriculum it follows, if set (global id)."
    )
    admission_year: int | None = strawberry.field(
        default=None, description="The year its students were admitted, if recorded."
    )
    client_mutation_id: str | None = None


@strawberry.input(description="Change a group; only the fields given change.")
class UpdateGroupInput:
    id: strawberry.ID = strawberry.field(description="The one to change (global id).")
    name: str | None = strawberry.field(
        default=None, description="The group's or class's name: «ИС-21», «5А»; omitted: unchanged."
    )
    study_year: int | None = strawberry.field(
        default=None, description="Course (college) or grade (school); omitted: unchanged."
    )
    academic_year: strawberry.ID | None = strawberry.field(
        default=None, description="The academic year (global id); omitted: unchanged."
    )
    department: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="Its department (college), if any (global id); omitted: unchanged.",
    )
    speciality: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="The speciality it trains for (college), if any (global id); omitted: unchanged.",
    )
    curriculum: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="The curriculum it follows, if set (global id); omitted: unchanged.",
    )
    admission_year: int | None = strawberry.field(
        default=strawberry.UNSET,
        description="The year its students were admitted, if recorded; omitted: unchanged.",
    )
    client_mutation_id: str | None = None


@strawberry.type(description="The result of creating or changing a group.")
class GroupPayload:
    group: Group | None = strawberry.field(
        default=None,
        description="As the change left it; null when it did not happen (see `errors`).",
    )
    client_mutation_id: str | None = None
    errors: list[MutationError] = strawberry.field(default_factory=list)


@strawberry.input(description="A new subgroup of a group, for one discipline, with its members.")
class CreateSubgroupInput:
    group: strawberry.ID = strawberry.field(description="The group split (global id).")
    name: str = strawberry.field(description="The subgroup's name.")
    discipline: strawberry.ID | None = strawberry.field(
        default=None, description="The discipline the group is split for (global id)."
    )
    members: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Students of the group."
    )
    client_mutation_id: str | None = None


@strawberry.input(description="Change a subgroup; `members`, when given, replace all members.")
class UpdateSubgroupInput:
    id: strawberry.ID = strawberry.field(description="The one to change (global id).")
    name: str | None = strawberry.field(
        default=None, description="The subgroup's name; omitted: unchanged."
    )
    discipline: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="The discipline the group is split for (global id); omitted: unchanged.",
    )
    members: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Students of the subgroup (global id); omitted: unchanged."
    )
    client_mutation_id: str | None = None


@strawberry.type(description="The result of creating or changing a subgroup.")
class SubgroupPayload:
    subgroup: Subgroup | None = strawberry.field(
        default=None,
        description="As the change left it; null when it did not happen (see `errors`).",
    )
    client_mutation_id: str | None = None
    errors: list[MutationError] = strawberry.field(default_factory=list)


@strawberry.input(description="A new room (аудитория, кабинет).")
class CreateRoomInput:
    name: str = strawberry.field(description="The room's name or number.")
    capacity: int | None = strawberry.field(default=None, description="Seats, if recorded.")
    note: str | None = strawberry.field(default=None, description="A note, if any.")
    client_mutation_id: str | None = None


@strawberry.input(description="Change a room; only the fields given change.")
class UpdateRoomInput:
    id: strawberry.ID = strawberry.field(description="The one to change (global id).")
    name: str | None = strawberry.field(
        default=None, description="The room's name or number; omitted: unchanged."
    )
    capacity: int | None = strawberry.field(
        default=strawberry.UNSET, description="Seats, if recorded; omitted: unchanged."
    )
    note: str | None = strawberry.field(
        default=strawberry.UNSET, description="A note; omitted: unchanged."
    )
    client_mutation_id: str | None = None


@strawberry.type(description="The result of creating or changing a room.")
class RoomPayload:
    room: Room | None = strawberry.field(
        default=None,
        description="As the change left it; null when it did not happen (see `errors`).",
    )
    client_mutation_id: str | None = None
    errors: list[MutationError] = strawberry.field(default_factory=list)


@strawberry.input(description="A new staff position.")
class CreatePositionInput:
    name: str = strawberry.field(description="The position's name.")
    client_mutation_id: str | None = None


@strawberry.input(description="Rename a staff position.")
class UpdatePositionInput:
    id: strawberry.ID = strawberry.field(description="The one to change (global id).")
    name: str = strawberry.field(description="The position's name.")
    client_mutation_id: str | None = None


@strawberry.type(description="The result of creating or changing a position.")
class PositionPayload:
    position: Position | None = strawberry.field(
        default=None,
        description="As the change left it; null when it did not happen (see `errors`).",
    )
    client_mutation_id: str | None = None
    errors: list[MutationError] = strawberry.field(default_factory=list)


# =====================================================================================
# Turning inputs into column values
# =====================================================================================


def _put(out: dict[str, Any], key: str, value: Any) -> None:
    """Non-nullable columns: absent or null means unchanged."""
    if value is not None and given(value):
        out[key] = value


def _put_nullable(out: dict[str, Any], key: str, value: Any) -> None:
    if given(value):
        out[key] = value


def _put_ref(
    out: dict[str, Any], key: str, gid: Any, type_name: str, where: str, language: str
) -> None:
    if given(gid):
        out[key] = opt_pk(gid, type_name, where, language)


def _items(items: list[CurriculumItemInput], language: str) -> list[sw.CurriculumItemValues]:
    return [
        sw.CurriculumItemValues(
            discipline_id=pk_of(
                i.discipline, "Discipline", f"input.items[{n}].discipline", language
            ),
            study_year=i.study_year,
            term=i.term,
            hours=i.hours,
            attestation_form=i.attestation_form,
        )
        for n, i in enumerate(items)
    ]


def _members(ids: list[strawberry.ID], language: str) -> list[int]:
    return [pk_of(gid, "Student", f"input.members[{n}]", language) for n, gid in enumerate(ids)]


async def _subgroup_create_target(ctx: Context, input: CreateSubgroupInput) -> Target | None:
    group = pk_of(input.group, "Group", "input.group", ctx.language)
    async with ctx.session() as session:
        found = await target_of(session, "group", group)
    if found is None:
        return None
    return ctx.authorizer.retarget(found, "subgroup")


# =====================================================================================
# The mutations
# =====================================================================================


@strawberry.type(description="Departments, specialities, programs, curricula, disciplines, groups.")
class StructureMutations:
    # -- the institution itself ------------------------------------------------------------
    @strawberry.mutation(
        permission_classes=signed_in,
        description="Change the institution's own details: name, address, licence, "
        "accreditation, contacts. Who may is the ruleset's (`institution` update); every "
        "change is in the audit trail. A malformed e-mail, phone or website is a VALIDATION "
        "error naming the field.",
    )
    @guarded(
        "institution", "update", InstitutionPayload, anchored_target("institution", "Institution")
    )
    async def update_institution(
        self, info: GraphQLInfo, input: UpdateInstitutionInput
    ) -> InstitutionPayload:
        ctx = info.context
        changes: dict[str, Any] = {}
        _put(changes, "name", input.name)
        _put(changes, "short_name", input.short_name)
        for key in INSTITUTION_OPTIONAL:
            value = getattr(input, key)
            _put_nullable(changes, key, value.strip() or None if isinstance(value, str) else value)
        pk = pk_of(input.id, "Institution", "input.id", ctx.language)
        with validation():
            row = await sw.update_row(ctx, sw.INSTITUTION, pk, changes, input.client_mutation_id)
        return InstitutionPayload(
            institution=Institution.of(row), client_mutation_id=input.client_mutation_id
        )

    # -- departments ---------------------------------------------------------------------
    @strawberry.mutation(permission_classes=signed_in, description="Create a department.")
    @guarded("department", "create", DepartmentPayload, institution_target("department"))
    async def create_department(
        self, info: GraphQLInfo, input: CreateDepartmentInput
    ) -> DepartmentPayload:
        ctx = info.context
        values = {
            "name": input.name,
            "head_employee_id": opt_pk(input.head, "Employee", "input.head", ctx.language),
        }
        with validation():
            row = await sw.create(ctx, sw.DEPARTMENT, values, input.client_mutation_id)
        return DepartmentPayload(
            department=Department.of(row), client_mutation_id=input.client_mutation_id
        )

    @strawberry.mutation(permission_classes=signed_in, description="Change a department.")
    @guarded(
        "department",
        "update",
        DepartmentPayload,
        row_target("department", m.Department, "Department"),
    )
    async def update_department(
        self, info: GraphQLInfo, input: UpdateDepartmentInput
    ) -> DepartmentPayload:
        ctx = info.context
        changes: dict[str, Any] = {}
        _put(changes, "name", input.name)
        _put_ref(changes, "head_employee_id", input.head, "Employee", "input.head", ctx.language)
        pk = pk_of(input.id, "Department", "input.id", ctx.language)
        with validation():
            row = await sw.update_row(ctx, sw.DEPARTMENT, pk, changes, input.client_mutation_id)
        return DepartmentPayload(
            department=Department.of(row), client_mutation_id=input.client_mutation_id
        )

    @strawberry.mutation(
        permission_classes=signed_in, description="Delete a department no group belongs to."
    )
    @guarded(
        "department", "delete", DeletePayload, row_target("department", m.Department, "Department")
    )
    async def delete_department(self, info: GraphQLInfo, input: DeleteInput) -> DeletePayload:
        return await run_delete(info, input, sw.DEPARTMENT, "Department")

    # -- specialities --------------------------------------------------------------------
    @strawberry.mutation(permission_classes=signed_in, description="Create a speciality.")
    @guarded("speciality", "create", SpecialityPayload, institution_target("speciality"))
    async def create_speciality(
        self, info: GraphQLInfo, input: CreateSpecialityInput
    ) -> SpecialityPayload:
        values = {"code": input.code, "name": input.name, "qualification": input.qualification}
        with validation():
            row = await sw.create(info.context, sw.SPECIALITY, values, input.client_mutation_id)
        return SpecialityPayload(
            speciality=Speciality.of(row), client_mutation_id=input.client_mutation_id
        )

    @strawberry.mutation(permission_classes=signed_in, description="Change a speciality.")
    @guarded(
        "speciality",
        "update",
        SpecialityPayload,
        row_target("speciality", m.Speciality, "Speciality"),
    )
    async def update_speciality(
        self, info: GraphQLInfo, input: UpdateSpecialityInput
    ) -> SpecialityPayload:
        ctx = info.context
        changes: dict[str, Any] = {}
        _put(changes, "code", input.code)
        _put(changes, "name", input.name)
        _put_nullable(changes, "qualification", input.qualification)
        pk = pk_of(input.id, "Speciality", "input.id", ctx.language)
        with validation():
            row = await sw.update_row(ctx, sw.SPECIALITY, pk, changes, input.client_mutation_id)
        return SpecialityPayload(
            speciality=Speciality.of(row), client_mutation_id=input.client_mutation_id
        )

    @strawberry.mutation(
        permission_classes=signed_in,
        description="Delete a speciality no program, group or applicant refers to.",
    )
    @guarded(
        "speciality", "delete", DeletePayload, row_target("speciality", m.Speciality, "Speciality")
    )
    async def delete_speciality(self, info: GraphQLInfo, input: DeleteInput) -> DeletePayload:
        return await run_delete(info, input, sw.SPECIALITY, "Speciality")

    # -- educational programs ------------------------------------------------------------
    @strawberry.mutation(permission_classes=signed_in, description="Create an educational program.")
    @guarded("program", "create", EducationalProgramPayload, institution_target("program"))
    async def create_educational_program(
        self, info: GraphQLInfo, input: CreateEducationalProgramInput
    ) -> EducationalProgramPayload:
        ctx = info.context
        values = {
            "name": input.name,
            "level": input.level,
            "duration_years": input.duration_years,
            "speciality_id": opt_pk(
                input.speciality, "Speciality", "input.speciality", ctx.language
            ),
        }
        with validation():
            row = await sw.create(ctx, sw.PROGRAM, values, input.client_mutation_id)
        return EducationalProgramPayload(
            program=EducationalProgram.of(row), client_mutation_id=input.client_mutation_id
        )

    @strawberry.mutation(permission_classes=signed_in, description="Change an educational program.")
    @guarded(
        "program",
        "update",
        EducationalProgramPayload,
        row_target("program", m.EducationalProgram, "EducationalProgram"),
    )
    async def update_educational_program(
        self, info: GraphQLInfo, input: UpdateEducationalProgramInput
    ) -> EducationalProgramPayload:
        ctx = info.context
        changes: dict[str, Any] = {}
        _put(changes, "name", input.name)
        _put(changes, "level", input.level)
        _put(changes, "duration_years", input.duration_years)
        _put_ref(
            changes,
            "speciality_id",
            input.speciality,
            "Speciality",
            "input.speciality",
            ctx.language,
        )
        pk = pk_of(input.id, "EducationalProgram", "input.id", ctx.language)
        with validation():
            row = await sw.update_row(ctx, sw.PROGRAM, pk, changes, input.client_mutation_id)
        return EducationalProgramPayload(
            program=EducationalProgram.of(row), client_mutation_id=input.client_mutation_id
        )

    @strawberry.mutation(
        permission_classes=signed_in, description="Delete a program no curriculum refers to."
    )
    @guarded(
        "program",
        "delete",
        DeletePayload,
        row_target("program", m.EducationalProgram, "EducationalProgram"),
    )
    async def delete_educational_program(
        self, info: GraphQLInfo, input: DeleteInput
    ) -> DeletePayload:
        return await run_delete(info, input, sw.PROGRAM, "EducationalProgram")

    # -- curricula -----------------------------------------------------------------------
    @strawberry.mutation(
        permission_classes=signed_in, description="Create a curriculum with its items."
    )
    @guarded("curriculum", "create", CurriculumPayload, institution_target("curriculum"))
    async def create_curriculum(
        self, info: GraphQLInfo, input: CreateCurriculumInput
    ) -> CurriculumPayload:
        ctx = info.context
        values = {
            "name": input.name,
            "admission_year": input.admission_year,
            "period_kind": input.period_kind,
            "program_id": opt_pk(
                input.program, "EducationalProgram", "input.program", ctx.language
            ),
        }
        items = _items(input.items, ctx.language)
        with validation():
            row = await sw.save_curriculum(ctx, None, values, items, input.client_mutation_id)
        return CurriculumPayload(
            curriculum=Curriculum.of(row), client_mutation_id=input.client_mutation_id
        )

    @strawberry.mutation(
        permission_classes=signed_in, description="Change a curriculum (and replace its items)."
    )
    @guarded(
        "curriculum",
        "update",
        CurriculumPayload,
        row_target("curriculum", m.Curriculum, "Curriculum"),
    )
    async def update_curriculum(
        self, info: GraphQLInfo, input: UpdateCurriculumInput
    ) -> CurriculumPayload:
        ctx = info.context
        changes: dict[str, Any] = {}
        _put(changes, "name", input.name)
        _put(changes, "admission_year", input.admission_year)
        _put(changes, "period_kind", input.period_kind)
        _put_ref(
            changes,
            "program_id",
            input.program,
            "EducationalProgram",
            "input.program",
            ctx.language,
        )
        items = None if input.items is None else _items(input.items, ctx.language)
        pk = pk_of(input.id, "Curriculum", "input.id", ctx.language)
        with validation():
            row = await sw.save_curriculum(ctx, pk, changes, items, input.client_mutation_id)
        return CurriculumPayload(
            curriculum=Curriculum.of(row), client_mutation_id=input.client_mutation_id
        )

    @strawberry.mutation(
        permission_classes=signed_in,
        description="Delete a curriculum (with its items) no group follows.",
    )
    @guarded(
        "curriculum", "delete", DeletePayload, row_target("curriculum", m.Curriculum, "Curriculum")
    )
    async def delete_curriculum(self, info: GraphQLInfo, input: DeleteInput) -> DeletePayload:
        return await run_delete(
            info, input, sw.CURRICULUM, "Curriculum", cascade=(m.CurriculumItem.curriculum_id,)
        )

    # -- disciplines ---------------------------------------------------------------------
    @strawberry.mutation(
        permission_classes=signed_in,
        description="Create a discipline; an МДК needs its ПМ as `parent`.",
    )
    @guarded("discipline", "create", DisciplinePayload, institution_target("discipline"))
    async def create_discipline(
        self, info: GraphQLInfo, input: CreateDisciplineInput
    ) -> DisciplinePayload:
        ctx = info.context
        values = {
            "name": input.name,
            "kind": input.kind,
            "code": input.code or None,
            "short_name": input.short_name or None,
            "parent_id": opt_pk(input.parent, "Discipline", "input.parent", ctx.language),
        }
        with validation():
            row = await sw.create(ctx, sw.DISCIPLINE, values, input.client_mutation_id)
        return DisciplinePayload(
            discipline=Discipline.of(row), client_mutation_id=input.client_mutation_id
        )

    @strawberry.mutation(permission_classes=signed_in, description="Change a discipline.")
    @guarded(
        "discipline",
        "update",
        DisciplinePayload,
        row_target("discipline", m.Discipline, "Discipline"),
    )
    async def update_discipline(
        self, info: GraphQLInfo, input: UpdateDisciplineInput
    ) -> DisciplinePayload:
        ctx = info.context
        changes: dict[str, Any] = {}
        _put(changes, "name", input.name)
        _put(changes, "kind", input.kind)
        _put_nullable(changes, "code", input.code or None if given(input.code) else input.code)
        _put_nullable(
            changes,
            "short_name",
            input.short_name or None if given(input.short_name) else input.short_name,
        )
        _put_ref(changes, "parent_id", input.parent, "Discipline", "input.parent", ctx.language)
        pk = pk_of(input.id, "Discipline", "input.id", ctx.language)
        with validation():
            row = await sw.update_row(ctx, sw.DISCIPLINE, pk, changes, input.client_mutation_id)
        return DisciplinePayload(
            discipline=Discipline.of(row), client_mutation_id=input.client_mutation_id
        )

    @strawberry.mutation(
        permission_classes=signed_in,
        description="Delete a discipline nothing refers to (plans, timetable, lessons …).",
    )
    @guarded(
        "discipline", "delete", DeletePayload, row_target("discipline", m.Discipline, "Discipline")
    )
    async def delete_discipline(self, info: GraphQLInfo, input: DeleteInput) -> DeletePayload:
        return await run_delete(info, input, sw.DISCIPLINE, "Discipline")

    # -- groups --------------------------------------------------------------------------
    @strawberry.mutation(permission_classes=signed_in, description="Create a group (class).")
    @guarded("group", "create", GroupPayload, institution_target("group"))
    async def create_group(self, info: GraphQLInfo, input: CreateGroupInput) -> GroupPayload:
        ctx = info.context
        lang = ctx.language
        values = {
            "name": input.name,
            "study_year": input.study_year,
            "academic_year_id": pk_of(
                input.academic_year, "AcademicYear", "input.academicYear", lang
            ),
            "department_id": opt_pk(input.department, "Department", "input.department", lang),
            "speciality_id": opt_pk(input.speciality, "Speciality", "input.speciality", lang),
            "curriculum_id": opt_pk(input.curriculum, "Curriculum", "input.curriculum", lang),
            "admission_year": input.admission_year,
        }
        with validation():
            row = await sw.create(ctx, sw.GROUP, values, input.client_mutation_id)
        return GroupPayload(group=Group.of(row), client_mutation_id=input.client_mutation_id)

    @strawberry.mutation(permission_classes=signed_in, description="Change a group.")
    @guarded("group", "update", GroupPayload, anchored_target("group", "Group"))
    async def update_group(self, info: GraphQLInfo, input: UpdateGroupInput) -> GroupPayload:
        ctx = info.context
        lang = ctx.language
        changes: dict[str, Any] = {}
        _put(changes, "name", input.name)
        _put(changes, "study_year", input.study_year)
        if input.academic_year is not None:
            changes["academic_year_id"] = pk_of(
                input.academic_year, "AcademicYear", "input.academicYear", lang
            )
        _put_ref(changes, "department_id", input.department, "Department", "input.department", lang)
        _put_ref(changes, "speciality_id", input.speciality, "Speciality", "input.speciality", lang)
        _put_ref(changes, "curriculum_id", input.curriculum, "Curriculum", "input.curriculum", lang)
        _put_nullable(changes, "admission_year", input.admission_year)
        pk = pk_of(input.id, "Group", "input.id", lang)
        with validation():
            row = await sw.update_row(ctx, sw.GROUP, pk, changes, input.client_mutation_id)
        return GroupPayload(group=Group.of(row), client_mutation_id=input.client_mutation_id)

    @strawberry.mutation(
        permission_classes=signed_in,
        description="Delete a group with no students, timetable, lessons or other records.",
    )
    @guarded("group", "delete", DeletePayload, anchored_target("group", "Group"))
    async def delete_group(self, info: GraphQLInfo, input: DeleteInput) -> DeletePayload:
        return await run_delete(info, input, sw.GROUP, "Group")

    # -- subgroups -----------------------------------------------------------------------
    @strawberry.mutation(
        permission_classes=signed_in,
        description="Split a group: a subgroup for a discipline, members from the group only.",
    )
    @guarded("subgroup", "create", SubgroupPayload, _subgroup_create_target)
    async def create_subgroup(
        self, info: GraphQLInfo, input: CreateSubgroupInput
    ) -> SubgroupPayload:
        ctx = info.context
        lang = ctx.language
        values = {
            "group_id": pk_of(input.group, "Group", "input.group", lang),
            "name": input.name,
            "discipline_id": opt_pk(input.discipline, "Discipline", "input.discipline", lang),
        }
        members = _members(input.members, lang)
        with validation():
            row = await sw.save_subgroup(ctx, None, values, members, input.client_mutation_id)
        return SubgroupPayload(
            subgroup=Subgroup.of(row), client_mutation_id=input.client_mutation_id
        )

    @strawberry.mutation(
        permission_classes=signed_in, description="Rename a subgroup or replace its members."
    )
    @guarded("subgroup", "update", SubgroupPayload, anchored_target("subgroup", "Subgroup"))
    async def update_subgroup(
        self, info: GraphQLInfo, input: UpdateSubgroupInput
    ) -> SubgroupPayload:
        ctx = info.context
        lang = ctx.language
        changes: dict[str, Any] = {}
        _put(changes, "name", input.name)
        _put_ref(changes, "discipline_id", input.discipline, "Discipline", "input.discipline", lang)
        members = None if input.members is None else _members(input.members, lang)
        pk = pk_of(input.id, "Subgroup", "input.id", lang)
        with validation():
            row = await sw.save_subgroup(ctx, pk, changes, members, input.client_mutation_id)
        return SubgroupPayload(
            subgroup=Subgroup.of(row), client_mutation_id=input.client_mutation_id
        )

    @strawberry.mutation(
        permission_classes=signed_in,
        description="Delete a subgroup (and its member list) no timetable or lesson uses.",
    )
    @guarded("subgroup", "delete", DeletePayload, anchored_target("subgroup", "Subgroup"))
    async def delete_subgroup(self, info: GraphQLInfo, input: DeleteInput) -> DeletePayload:
        return await run_delete(
            info, input, sw.SUBGROUP, "Subgroup", cascade=(m.SubgroupMember.subgroup_id,)
        )

    # -- rooms ---------------------------------------------------------------------------
    @strawberry.mutation(permission_classes=signed_in, description="Create a room.")
    @guarded("room", "create", RoomPayload, institution_target("room"))
    async def create_room(self, info: GraphQLInfo, input: CreateRoomInput) -> RoomPayload:
        values = {"name": input.name, "capacity": input.capacity, "note": input.note}
        with validation():
            row = await sw.create(info.context, sw.ROOM, values, input.client_mutation_id)
        return RoomPayload(room=Room.of(row), client_mutation_id=input.client_mutation_id)

    @strawberry.mutation(permission_classes=signed_in, description="Change a room.")
    @guarded("room", "update", RoomPayload, row_target("room", m.Room, "Room"))
    async def update_room(self, info: GraphQLInfo, input: UpdateRoomInput) -> RoomPayload:
        ctx = info.context
        changes: dict[str, Any] = {}
        _put(changes, "name", input.name)
        _put_nullable(changes, "capacity", input.capacity)
        _put_nullable(changes, "note", input.note)
        pk = pk_of(input.id, "Room", "input.id", ctx.language)
        with validation():
            row = await sw.update_row(ctx, sw.ROOM, pk, changes, input.client_mutation_id)
        return RoomPayload(room=Room.of(row), client_mutation_id=input.client_mutation_id)

    @strawberry.mutation(
        permission_classes=signed_in, description="Delete a room no timetable or lesson uses."
    )
    @guarded("room", "delete", DeletePayload, row_target("room", m.Room, "Room"))
    async def delete_room(self, info: GraphQLInfo, input: DeleteInput) -> DeletePayload:
        return await run_delete(info, input, sw.ROOM, "Room")

    # -- positions -----------------------------------------------------------------------
    @strawberry.mutation(permission_classes=signed_in, description="Create a staff position.")
    @guarded("position", "create", PositionPayload, institution_target("position"))
    async def create_position(
        self, info: GraphQLInfo, input: CreatePositionInput
    ) -> PositionPayload:
        with validation():
            row = await sw.create(
                info.context, sw.POSITION, {"name": input.name}, input.client_mutation_id
            )
        return PositionPayload(
            position=Position.of(row), client_mutation_id=input.client_mutation_id
        )

    @strawberry.mutation(permission_classes=signed_in, description="Rename a staff position.")
    @guarded("position", "update", PositionPayload, row_target("position", m.Position, "Position"))
    async def update_position(
        self, info: GraphQLInfo, input: UpdatePositionInput
    ) -> PositionPayload:
        ctx = info.context
        pk = pk_of(input.id, "Position", "input.id", ctx.language)
        with validation():
            row = await sw.update_row(
                ctx, sw.POSITION, pk, {"name": input.name}, input.client_mutation_id
            )
        return PositionPayload(
            position=Position.of(row), client_mutation_id=input.client_mutation_id
        )

    @strawberry.mutation(
        permission_classes=signed_in, description="Delete a position no employee holds."
    )
    @guarded("position", "delete", DeletePayload, row_target("position", m.Position, "Position"))
    async def delete_position(self, info: GraphQLInfo, input: DeleteInput) -> DeletePayload:
        return await run_delete(info, input, sw.POSITION, "Position")
