"""Mutations on people's cards: students, employees, parents, and parent ↔ student links.

Each card is guarded part by part: an update declares the permission of exactly the parts
its input touches — the card (``student`` / ``employee`` / ``parent`` update), its personal
part (``*.personal`` update: СНИЛС, addresses) and, for students, health and military
registration (``student.health`` update) — so a role granted only one part (Tomsk's head of
upbringing and ``student.health``) can change that part and nothing else. An update changes
only the fields given; ``null`` clears an optional one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import strawberry

from campusgraph import ids
from campusgraph.context import Context
from campusgraph.db.enums import FundingSource, ParentKind, Sex, StudyForm
from campusgraph.i18n import message
from campusgraph.policies.facts import Target
from campusgraph.policies.targets import target_of
from campusgraph.resolvers import people_writes as pw
from campusgraph.schema.base import GraphQLInfo, signed_in
from campusgraph.schema.errors import ApiError, ErrorCode, MutationError
from campusgraph.schema.mutations import TargetFor, ValidationFailed, guarded, institution_target
from campusgraph.schema.people import Employee, Parent, Student

UNSET: Any = strawberry.UNSET


def _snake(name: str) -> str:
    return re.sub(r"([A-Z])", r"_\1", name).lower()


def given(card: str, input: Any) -> dict[str, Any]:
    """camelCase field → value for the card fields the input carries (UNSET: not given)."""
    out: dict[str, Any] = {}
    for name in pw.FIELDS[card]:
        value = getattr(input, _snake(name), UNSET)
        if value is not UNSET:
            out[name] = value
    return out


def pk_of(gid: str, type_name: str, field: str, language: str) -> int:
    """The primary key of a global id of ``type_name``, or VALIDATION on ``field``."""
    try:
        kind, pk = ids.from_global_id(gid)
    except (ValueError, UnicodeDecodeError):
        raise ValidationFailed((field, message("bad_id", language, value=gid))) from None
    if kind != type_name:
        raise ValidationFailed((field, message("wrong_type", language)))
    return pk


@contextmanager
def card_errors(language: str) -> Iterator[None]:
    """The card writers' exceptions as the payload's errors."""
    try:
        yield
    except pw.CardInvalid as exc:
        raise ValidationFailed(*pw.prefixed(exc.problems)) from None
    except pw.CardNotFound:
        raise ApiError(ErrorCode.NOT_FOUND, message("not_found", language)) from None


#: A card's update is checked per part the input touches (``pw.objects_touched``: the card,
#: its personal part, a student's health), a create's personal part by ``also``: the
#: objects are computed, so they are declared here for ``policy lint`` (see
#: :mod:`campusgraph.policies.operations`).
EXERCISES = (
    ("student.personal", "create"),
    ("student.personal", "update"),
    ("student.health", "update"),
    ("employee.personal", "create"),
    ("employee.personal", "update"),
    ("parent.personal", "create"),
    ("parent.personal", "update"),
)


def _parts_target(card: str, type_name: str, id_attr: str) -> TargetFor:
    """The card's anchors, once per policy object the input touches."""

    async def target(ctx: Context, input: Any) -> list[tuple[str, Target]] | None:
        field = f"input.{id_attr}"
        pk = pk_of(getattr(input, id_attr), type_name, field, ctx.language)
        async with ctx.session() as session:
            found = await target_of(session, card, pk)
        if found is None:
            return None
        return [(obj, found) for obj in pw.objects_touched(card, given(card, input))]

    return target


def _personal_on_create(card: str) -> Any:
    personal = pw.personal_fields(card)

    def also(input: Any) -> list[tuple[str, str]]:
        values = given(card, input)
        if any(pw.clean(values.get(name)) is not None for name in personal):
            return [(f"{card}.personal", "create")]
        return []

    return also


# -- students ---------------------------------------------------------------------------------


@strawberry.input(description="A new student card (карточка обучающегося).")
class CreateStudentCardInput:
    surname: str = strawberry.field(description="Surname (фамилия).")
    name: str = strawberry.field(description="Given name (имя).")
    patronymic: str | None = strawberry.field(
        default=None, description="Patronymic (отчество), if any."
    )
    birth_date: dt.date = strawberry.field(description="Date of birth.")
    sex: Sex = strawberry.field(description="Sex, if recorded.")
    citizenship: str = strawberry.field(default="Российская Федерация", description="Citizenship.")
    snils: str | None = strawberry.field(
        default=None, description="«123-456-789 01» or 11 digits; the checksum is verified."
    )
    address: str | None = strawberry.field(default=None, description="Home address.")
    registration_address: str | None = strawberry.field(
        default=None, description="Registered address (адрес регистрации), if other."
    )
    record_book_number: str | None = strawberry.field(
        default=None, description="The record book's number (номер зачётной книжки), if any."
    )
    enrolment_order_number: str | None = strawberry.field(
        default=None, description="The enrolment order's number, if recorded."
    )
    enrolment_date: dt.date | None = strawberry.field(
        default=None, description="The day of enrolment, if recorded."
    )
    funding_source: FundingSource = strawberry.field(
        default=FundingSource.BUDGET, description="Budget or contract place."
    )
    study_form: StudyForm = strawberry.field(
        default=StudyForm.FULL_TIME, description="Form of study."
    )
    education_level: str | None = strawberry.field(
        default=None, description="Education received before enrolment, if recorded."
    )
    client_mutation_id: str | None = None


@strawberry.type(description="The result of `createStudentCard`.")
class CreateStudentCardPayload:
    student: Student | None = strawberry.field(
        default=None,
        description="As the change left it; null when it did not happen (see `errors`).",
    )
    errors: list[MutationError] = strawberry.field(default_factory=list)


@strawberry.input(
    description="Change a student card: only the fields given change; null clears an optional "
    "one. Card fields need `student` update, СНИЛС and addresses `student.personal` update, "
    "health and military registration `student.health` update."
)
class UpdateStudentCardInput:
    student: strawberry.ID = strawberry.field(description="The student to change (global id).")
    surname: str | None = strawberry.field(
        default=UNSET, description="Surname (фамилия); omitted: unchanged."
    )
    name: str | None = strawberry.field(
        default=UNSET, description="Given name (имя); omitted: unchanged."
    )
    patronymic: str | None = strawberry.field(
        default=UNSET, description="Patronymic (отчество), if any; omitted: unchanged."
    )
    birth_date: dt.date | None = strawberry.field(
        default=UNSET, description="Date of birth; omitted: unchanged."
    )
    sex: Sex | None = strawberry.field(
        default=UNSET, description="Sex, if recorded; omitted: unchanged."
    )
    citizenship: str | None = strawberry.field(
        default=UNSET, description="Citizenship; omitted: unchanged."
    )
    record_book_number: str | None = strawberry.field(
        default=UNSET,
        description="The record book's number (номер зачётной книжки), if any; omitted: unchanged.",
    )
    enrolment_order_number: str | None = strawberry.field(
        default=UNSET, description="The enrolment order's number, if recorded; omitted: unchanged."
    )
    enrolment_date: dt.date | None = strawberry.field(
        default=UNSET, description="The day of enrolment, if recorded; omitted: unchanged."
    )
    funding_source: FundingSource | None = strawberry.field(
        default=UNSET, description="Budget or contract place; omitted: unchanged."
    )
    study_form: StudyForm | None = strawberry.field(
        default=UNSET, description="Form of study; omitted: unchanged."
    )
    education_level: str | None = strawberry.field(
        default=UNSET, description="Education received before enrolment; omitted: unchanged."
    )
    snils: str | None = strawberry.field(
        default=UNSET, description="«123-456-789 01» or 11 digits; the checksum is verified."
    )
    address: str | None = strawberry.field(
        default=UNSET, description="Home address; omitted: unchanged."
    )
    registration_address: str | None = strawberry.field(
        default=UNSET,
        description="Registered address (адрес регистрации), if other; omitted: unchanged.",
    )
    health_group: str | None = strawberry.field(
        default=UNSET,
        description="Health group (группа здоровья), if recorded; omitted: unchanged.",
    )
    health_notes: str | None = strawberry.field(
        default=UNSET, description="Health notes, if any; omitted: unchanged."
    )
    disability: str | None = strawberry.field(
        default=UNSET,
        description="Disability (инвалидность, ОВЗ), if recorded; omitted: unchanged.",
    )
    military_registration: str | None = strawberry.field(
        default=UNSET,
        description="Military registration (воинский учёт), if recorded; omitted: unchanged.",
    )
    client_mutation_id: str | None = None


@strawberry.type(description="The result of `updateStudentCard`.")
class UpdateStudentCardPayload:
    student: Student | None = strawberry.field(
        default=None,
        description="As the change left it; null when it did not happen (see `errors`).",
    )
    errors: list[MutationError] = strawberry.field(default_factory=list)


# -- employees --------------------------------------------------------------------------------


@strawberry.input(
    description="A position held, by its name in the institution's list of positions."
)
class EmployeePositionInput:
    name: str = strawberry.field(description="The position's name.")
    is_main: bool = strawberry.field(
        default=False, description="The main position; default: the first one listed."
    )


@strawberry.input(description="A new employee card (личная карточка сотрудника).")
class CreateEmployeeCardInput:
    surname: str = strawberry.field(description="Surname (фамилия).")
    name: str = strawberry.field(description="Given name (имя).")
    patronymic: str | None = strawberry.field(
        default=None, description="Patronymic (отчество), if any."
    )
    sex: Sex | None = strawberry.field(default=None, description="Sex, if recorded.")
    birth_date: dt.date | None = strawberry.field(default=None, description="Date of birth.")
    positions: list[EmployeePositionInput] = strawberry.field(
        description="At least one; each must be in the institution's list of positions."
    )
    category: str | None = strawberry.field(
        default=None, description="Qualification category: «высшая», «первая» …"
    )
    diploma_speciality: str | None = strawberry.field(
        default=None, description="The speciality of his diploma, if recorded."
    )
    hired_on: dt.date | None = strawberry.field(
        default=None, description="Date of hiring, if recorded."
    )
    dismissed_on: dt.date | None = strawberry.field(
        default=None, description="Date of dismissal; null while employed."
    )
    phone: str | None = strawberry.field(default=None, description="Phone, if any.")
    email: str | None = strawberry.field(default=None, description="E-mail, if any.")
    snils: str | None = strawberry.field(
        default=None, description="Needs `employee.personal` create; the checksum is verified."
    )
    address: str | None = strawberry.field(
        default=None, description="Needs `employee.personal` create."
    )
    client_mutation_id: str | None = None


@strawberry.type(description="The result of `createEmployeeCard` / `updateEmployeeCard`.")
class EmployeeCardPayload:
    employee: Employee | None = strawberry.field(
        default=None,
        description="As the change left it; null when it did not happen (see `errors`).",
    )
    errors: list[MutationError] = strawberry.field(default_factory=list)


@strawberry.input(
    description="Change an employee card: only the fields given change. A dismissal date "
    "that has come disables the employee's accounts and ends their sessions from that "
    "day; a later one refuses sign-in from its day."
)
class UpdateEmployeeCardInput:
    employee: strawberry.ID = strawberry.field(description="The employee to change (global id).")
    surname: str | None = strawberry.field(
        default=UNSET, description="Surname (фамилия); omitted: unchanged."
    )
    name: str | None = strawberry.field(
        default=UNSET, description="Given name (имя); omitted: unchanged."
    )
    patronymic: str | None = strawberry.field(
        default=UNSET, description="Patronymic (отчество), if any; omitted: unchanged."
    )
    sex: Sex | None = strawberry.field(default=UNSET, description="Sex; omitted: unchanged.")
    birth_date: dt.date | None = strawberry.field(
        default=UNSET, description="Date of birth; omitted: unchanged."
    )
    positions: list[EmployeePositionInput] | None = strawberry.field(
        default=UNSET, description="Replaces the positions held."
    )
    category: str | None = strawberry.field(
        default=UNSET, description="Qualification category, if any; omitted: unchanged."
    )
    diploma_speciality: str | None = strawberry.field(
        default=UNSET, description="The speciality of his diploma, if recorded; omitted: unchanged."
    )
    hired_on: dt.date | None = strawberry.field(
        default=UNSET, description="Date of hiring, if recorded; omitted: unchanged."
    )
    dismissed_on: dt.date | None = strawberry.field(
        default=UNSET, description="Date of dismissal; null while employed; omitted: unchanged."
    )
    phone: str | None = strawberry.field(default=UNSET, description="Phone; omitted: unchanged.")
    email: str | None = strawberry.field(default=UNSET, description="E-mail; omitted: unchanged.")
    snils: str | None = strawberry.field(default=UNSET, description="Needs `employee.personal`.")
    address: str | None = strawberry.field(default=UNSET, description="Needs `employee.personal`.")
    client_mutation_id: str | None = None


def _positions(items: list[EmployeePositionInput] | None) -> list[pw.PositionChoice]:
    return [pw.PositionChoice(p.name, p.is_main) for p in items or []]


# -- parents ----------------------------------------------------------------------------------


@strawberry.input(
    description="A new parent (legal guardian) card; link children with `linkParent`."
)
class CreateParentCardInput:
    surname: str = strawberry.field(description="Surname (фамилия).")
    name: str = strawberry.field(description="Given name (имя).")
    patronymic: str | None = strawberry.field(
        default=None, description="Patronymic (отчество), if any."
    )
    sex: Sex | None = strawberry.field(default=None, description="Sex, if recorded.")
    birth_date: dt.date | None = strawberry.field(
        default=None, description="Date of birth, if recorded."
    )
    phone: str | None = strawberry.field(default=None, description="Phone, if recorded.")
    email: str | None = strawberry.field(default=None, description="E-mail, if any.")
    work_place: str | None = strawberry.field(
        default=None, description="Place of work, if recorded."
    )
    snils: str | None = strawberry.field(
        default=None, description="Needs `parent.personal` create; the checksum is verified."
    )
    address: str | None = strawberry.field(
        default=None, description="Needs `parent.personal` create."
    )
    client_mutation_id: str | None = None


@strawberry.type(description="The result of `createParentCard` / `updateParentCard`.")
class ParentCardPayload:
    parent: Parent | None = strawberry.field(
        default=None,
        description="As the change left it; null when it did not happen (see `errors`).",
    )
    errors: list[MutationError] = strawberry.field(default_factory=list)


@strawberry.input(description="Change a parent card: only the fields given change.")
class UpdateParentCardInput:
    parent: strawberry.ID = strawberry.field(description="The parent to change (global id).")
    surname: str | None = strawberry.field(
        default=UNSET, description="Surname (фамилия); omitted: unchanged."
    )
    name: str | None = strawberry.field(
        default=UNSET, description="Given name (имя); omitted: unchanged."
    )
    patronymic: str | None = strawberry.field(
        default=UNSET, description="Patronymic (отчество), if any; omitted: unchanged."
    )
    sex: Sex | None = strawberry.field(default=UNSET, description="Sex; omitted: unchanged.")
    birth_date: dt.date | None = strawberry.field(
        default=UNSET, description="Date of birth; omitted: unchanged."
    )
    phone: str | None = strawberry.field(
        default=UNSET, description="Phone, if recorded; omitted: unchanged."
    )
    email: str | None = strawberry.field(default=UNSET, description="E-mail; omitted: unchanged.")
    work_place: str | None = strawberry.field(
        default=UNSET, description="Place of work; omitted: unchanged."
    )
    snils: str | None = strawberry.field(default=UNSET, description="Needs `parent.personal`.")
    address: str | None = strawberry.field(default=UNSET, description="Needs `parent.personal`.")
    client_mutation_id: str | None = None


@strawberry.input(
    description="Link a parent to a student of the same institution (one parent, several "
    "children). Linking again changes the kind. Needs `parent` update on the parent as "
    "a parent of that student."
)
class LinkParentInput:
    parent: strawberry.ID = strawberry.field(description="The parent (global id).")
    student: strawberry.ID = strawberry.field(description="The child (global id).")
    kind: ParentKind = strawberry.field(description="Mother, father or guardian.")
    client_mutation_id: str | None = None


@strawberry.input(description="Remove a parent ↔ student link (the cards stay).")
class UnlinkParentInput:
    parent: strawberry.ID = strawberry.field(description="The parent (global id).")
    student: strawberry.ID = strawberry.field(description="The child (global id).")
    client_mutation_id: str | None = None


@strawberry.type(description="The result of `linkParent` / `unlinkParent`.")
class ParentLinkPayload:
    parent: Parent | None = strawberry.field(
        default=None,
        description="As the change left it; null when it did not happen (see `errors`).",
    )
    student: Student | None = strawberry.field(
        default=None,
        description="As the change left it; null when it did not happen (see `errors`).",
    )
    errors: list[MutationError] = strawberry.field(default_factory=list)


async def _link_target(ctx: Context, input: LinkParentInput | UnlinkParentInput) -> Target | None:
    """The parent's anchors as a parent of the student named (so a curator may link his
    group's students' parents)."""
    parent = pk_of(input.parent, "Parent", "input.parent", ctx.language)
    student = pk_of(input.student, "Student", "input.student", ctx.language)
    async with ctx.session() as session:
        found = await target_of(session, "parent", parent)
        child = await target_of(session, "student", student)
    if found is None or child is None:
        return None
    return dataclasses.replace(found, student_ids=frozenset({student}))


def _linked(linked: pw.Linked) -> ParentLinkPayload:
    return ParentLinkPayload(
        parent=Parent.of(linked.parent, linked.parent_person, linked.kind),
        student=Student.of(linked.student, linked.student_person),
    )


def _student_fields(input: CreateStudentCardInput) -> pw.StudentCardFields:
    return pw.StudentCardFields(
        surname=input.surname,
        name=input.name,
        patronymic=input.patronymic,
        birth_date=input.birth_date,
        sex=input.sex,
        citizenship=input.citizenship,
        snils=input.snils,
        address=input.address,
        enrolment_order_number=input.enrolment_order_number,
        enrolment_date=input.enrolment_date,
        registration_address=input.registration_address,
        record_book_number=input.record_book_number,
        funding_source=input.funding_source,
        study_form=input.study_form,
        education_level=input.education_level,
    )


@strawberry.type(description="People's cards.")
class PeopleMutations:
    @strawberry.mutation(
        permission_classes=signed_in,
        description="Create a student card; СНИЛС and addresses need `student.personal` create.",
    )
    @guarded(
        "student",
        "create",
        CreateStudentCardPayload,
        institution_target("student"),
        also=_personal_on_create("student"),
    )
    async def create_student_card(
        self, info: GraphQLInfo, input: CreateStudentCardInput
    ) -> CreateStudentCardPayload:
        ctx = info.context
        fields = _student_fields(input)
        problems = pw.validate_student_card(fields, ctx.settings.current_date(), ctx.language)
        if problems:
            raise ValidationFailed(*problems)
        student, person = await pw.create_student_card(ctx, fields, input.client_mutation_id)
        return CreateStudentCardPayload(student=Student.of(student, person))

    @strawberry.mutation(
        permission_classes=signed_in,
        description="Change fields of a student card (the federal contingent register's "
        "fields the card holds, the personal part, health).",
    )
    @guarded(
        "student",
        "update",
        UpdateStudentCardPayload,
        _parts_target("student", "Student", "student"),
    )
    async def update_student_card(
        self, info: GraphQLInfo, input: UpdateStudentCardInput
    ) -> UpdateStudentCardPayload:
        ctx = info.context
        pk = pk_of(input.student, "Student", "input.student", ctx.language)
        with card_errors(ctx.language):
            student, person = await pw.update_student_card(
                ctx, pk, given("student", input), input.client_mutation_id
            )
        return UpdateStudentCardPayload(student=Student.of(student, person))

    @strawberry.mutation(
        permission_classes=signed_in,
        description="Create an employee card; СНИЛС and address need `employee.personal` create.",
    )
    @guarded(
        "employee",
        "create",
        EmployeeCardPayload,
        institution_target("employee"),
        also=_personal_on_create("employee"),
    )
    async def create_employee_card(
        self, info: GraphQLInfo, input: CreateEmployeeCardInput
    ) -> EmployeeCardPayload:
        ctx = info.context
        values = given("employee", input)
        with card_errors(ctx.language):
            employee, person = await pw.create_employee_card(
                ctx, values, _positions(input.positions), input.client_mutation_id
            )
        return EmployeeCardPayload(employee=Employee.of(employee, person))

    @strawberry.mutation(
        permission_classes=signed_in,
        description="Change fields of an employee card; a dismissal date disables the "
        "employee's accounts from that day.",
    )
    @guarded(
        "employee", "update", EmployeeCardPayload, _parts_target("employee", "Employee", "employee")
    )
    async def update_employee_card(
        self, info: GraphQLInfo, input: UpdateEmployeeCardInput
    ) -> EmployeeCardPayload:
        ctx = info.context
        pk = pk_of(input.employee, "Employee", "input.employee", ctx.language)
        positions = None if input.positions is UNSET else _positions(input.positions)
        with card_errors(ctx.language):
            employee, person = await pw.update_employee_card(
                ctx, pk, given("employee", input), positions, input.client_mutation_id
            )
        return EmployeeCardPayload(employee=Employee.of(employee, person))

    @strawberry.mutation(
        permission_classes=signed_in,
        description="Create a parent card; СНИЛС and address need `parent.personal` create.",
    )
    @guarded(
        "parent",
        "create",
        ParentCardPayload,
        institution_target("parent"),
        also=_personal_on_create("parent"),
    )
    async def create_parent_card(
        self, info: GraphQLInfo, input: CreateParentCardInput
    ) -> ParentCardPayload:
        ctx = info.context
        with card_errors(ctx.language):
            parent, person = await pw.create_parent_card(
                ctx, given("parent", input), input.client_mutation_id
            )
        return ParentCardPayload(parent=Parent.of(parent, person))

    @strawberry.mutation(
        permission_classes=signed_in, description="Change fields of a parent card."
    )
    @guarded("parent", "update", ParentCardPayload, _parts_target("parent", "Parent", "parent"))
    async def update_parent_card(
        self, info: GraphQLInfo, input: UpdateParentCardInput
    ) -> ParentCardPayload:
        ctx = info.context
        pk = pk_of(input.parent, "Parent", "input.parent", ctx.language)
        with card_errors(ctx.language):
            parent, person = await pw.update_parent_card(
                ctx, pk, given("parent", input), input.client_mutation_id
            )
        return ParentCardPayload(parent=Parent.of(parent, person))

    @strawberry.mutation(
        permission_classes=signed_in,
        description="Link a parent to a student (mother, father or guardian).",
    )
    @guarded("parent", "update", ParentLinkPayload, _link_target)
    async def link_parent(self, info: GraphQLInfo, input: LinkParentInput) -> ParentLinkPayload:
        ctx = info.context
        parent = pk_of(input.parent, "Parent", "input.parent", ctx.language)
        student = pk_of(input.student, "Student", "input.student", ctx.language)
        with card_errors(ctx.language):
            linked = await pw.link_parent(
                ctx, parent, student, input.kind, input.client_mutation_id
            )
        return _linked(linked)

    @strawberry.mutation(
        permission_classes=signed_in, description="Remove a parent ↔ student link."
    )
    @guarded("parent", "update", ParentLinkPayload, _link_target)
    async def unlink_parent(self, info: GraphQLInfo, input: UnlinkParentInput) -> ParentLinkPayload:
        ctx = info.context
        parent = pk_of(input.parent, "Parent", "input.parent", ctx.language)
        student = pk_of(input.student, "Student", "input.student", ctx.language)
        with card_errors(ctx.language):
            linked = await pw.unlink_parent(ctx, parent, student, input.client_mutation_id)
        return _linked(linked)
