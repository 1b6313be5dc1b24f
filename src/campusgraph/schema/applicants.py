"""Applicants (абитуриенты): the list, the card, and enrolment into a group."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import strawberry
from sqlalchemy import select

from campusgraph.context import Context
from campusgraph.db import models as m
from campusgraph.db.enums import FundingSource, Sex, StudyForm
from campusgraph.i18n import message
from campusgraph.policies.facts import Target
from campusgraph.policies.targets import target_of
from campusgraph.resolvers import applicants as ap
from campusgraph.resolvers import reads
from campusgraph.schema.base import (
    After,
    Connection,
    First,
    GraphQLInfo,
    Node,
    expect_id,
    signed_in,
    to_global_id,
)
from campusgraph.schema.errors import ApiError, ErrorCode, MutationError
from campusgraph.schema.mutations import Conflict, ValidationFailed, guarded, institution_target
from campusgraph.schema.people import Student
from campusgraph.schema.people_mutations import UNSET, pk_of
from campusgraph.schema.structure import Speciality


@strawberry.type(description="An applicant of the admission campaign (абитуриент).")
class Applicant(Node):
    surname: str = strawberry.field(description="Surname (фамилия).")
    name: str = strawberry.field(description="Given name (имя).")
    patronymic: str | None = strawberry.field(description="Patronymic (отчество), if any.")
    full_name: str = strawberry.field(
        description="Surname, name and patronymic: «Иванов Иван Иванович»."
    )
    birth_date: dt.date = strawberry.field(description="Date of birth.")
    citizenship: str = strawberry.field(description="Citizenship, as written in the application.")
    education_level: str = strawberry.field(
        description="Education the applicant has: «основное общее», «среднее общее» …"
    )
    funding_source: FundingSource = strawberry.field(
        description="The place applied for: budget or contract."
    )
    study_form: StudyForm = strawberry.field(description="The form of study applied for.")
    applied_on: dt.date = strawberry.field(description="The day the documents were handed in.")
    average_grade: float | None = strawberry.field(
        description="Average grade of the certificate, 3.000–5.000."
    )
    enrolled: bool = strawberry.field(description="Enrolled as a student (see `student`).")
    _pk: strawberry.Private[int]
    _speciality_id: strawberry.Private[int | None]
    _student_id: strawberry.Private[int | None]

    @classmethod
    def of(cls, row: m.Applicant) -> Applicant:
        return cls(
            id=to_global_id("Applicant", row.id),
            surname=row.surname,
            name=row.name,
            patronymic=row.patronymic,
            full_name=" ".join(x for x in (row.surname, row.name, row.patronymic) if x),
            birth_date=row.birth_date,
            citizenship=row.citizenship,
            education_level=row.education_level,
            funding_source=row.funding_source,
            study_form=row.study_form,
            applied_on=row.applied_on,
            average_grade=float(row.average_grade) if row.average_grade is not None else None,
            enrolled=row.enrolled_student_id is not None,
            _pk=row.id,
            _speciality_id=row.speciality_id,
            _student_id=row.enrolled_student_id,
        )

    @strawberry.field(description="The speciality applied for.")
    async def speciality(self, info: GraphQLInfo) -> Speciality | None:
        if self._speciality_id is None:
            return None
        loader = info.context.loaders.entity_by_id("speciality", m.Speciality)
        row = await loader.load(self._speciality_id)
        return Speciality.of(row[0]) if row else None

    @strawberry.field(description="The student card made at enrolment; null before it.")
    async def student(self, info: GraphQLInfo) -> Student | None:
        if self._student_id is None:
            return None
        row = await info.context.loaders.student_by_id.load(self._student_id)
        return Student.of(row[0], row[1]) if row else None


@strawberry.type(description="The admission campaign's lists.")
class ApplicantQueries:
    @strawberry.field(
        permission_classes=signed_in,
        description="Applicants the viewer may read, by the date of application, then name.",
    )
    async def applicants(
        self,
        info: GraphQLInfo,
        first: First = None,
        after: After = None,
        speciality: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Only those applying for this speciality."),
        ] = None,
        enrolled: Annotated[
            bool | None,
            strawberry.argument(
                description="Only enrolled (true) or not yet enrolled (false) ones."
            ),
        ] = None,
    ) -> Connection[Applicant]:
        a = m.Applicant
        stmt = select(a).order_by(a.applied_on, a.surname, a.name, a.id)
        if speciality is not None:
            stmt = stmt.where(
                a.speciality_id == expect_id(speciality, "Speciality", info.context.language)
            )
        if enrolled is not None:
            stmt = stmt.where(
                a.enrolled_student_id.is_not(None) if enrolled else a.enrolled_student_id.is_(None)
            )
        page = await reads.page(info.context, "applicant", stmt, first=first, after=after)
        return Connection.from_page(page, lambda r: Applicant.of(r[0]))


# -- inputs and payloads ----------------------------------------------------------------------


@strawberry.input(description="A new applicant (the fields of Armavir's regulation, п. 4.8).")
class CreateApplicantInput:
    surname: str = strawberry.field(description="Surname (фамилия).")
    name: str = strawberry.field(description="Given name (имя).")
    patronymic: str | None = strawberry.field(
        default=None, description="Patronymic (отчество), if any."
    )
    birth_date: dt.date = strawberry.field(description="Date of birth.")
    citizenship: str = strawberry.field(
        default="Российская Федерация", description="Citizenship, as written in the application."
    )
    education_level: str = strawberry.field(
        description="Education the applicant has: «основное общее», «среднее общее» …"
    )
    funding_source: FundingSource = strawberry.field(
        description="The place applied for: budget or contract."
    )
    study_form: StudyForm = strawberry.field(description="The form of study applied for.")
    speciality: strawberry.ID | None = strawberry.field(
        default=None, description="The speciality applied for (global id)."
    )
    applied_on: dt.date = strawberry.field(description="The day the documents were handed in.")
    average_grade: float | None = strawberry.field(
        default=None, description="3.000–5.000, at most three decimals."
    )
    client_mutation_id: str | None = None


@strawberry.input(description="Change an applicant: only the fields given change.")
class UpdateApplicantInput:
    applicant: strawberry.ID = strawberry.field(description="The applicant to change (global id).")
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
    citizenship: str | None = strawberry.field(
        default=UNSET, description="Citizenship, as written in the application; omitted: unchanged."
    )
    education_level: str | None = strawberry.field(
        default=UNSET,
        description="Education the applicant has: «основное общее», «среднее общее» …; omitted: unchanged.",
    )
    funding_source: FundingSource | None = strawberry.field(
        default=UNSET, description="The place applied for: budget or contract; omitted: unchanged."
    )
    study_form: StudyForm | None = strawberry.field(
        default=UNSET, description="The form of study applied for; omitted: unchanged."
    )
    speciality: strawberry.ID | None = strawberry.field(
        default=UNSET, description="The speciality applied for (global id); omitted: unchanged."
    )
    applied_on: dt.date | None = strawberry.field(
        default=UNSET, description="The day the documents were handed in; omitted: unchanged."
    )
    average_grade: float | None = strawberry.field(
        default=UNSET,
        description="Average grade of the certificate, 3.000–5.000; omitted: unchanged.",
    )
    client_mutation_id: str | None = None


@strawberry.type(description="The result of `createApplicant` / `updateApplicant`.")
class ApplicantPayload:
    applicant: Applicant | None = strawberry.field(
        default=None,
        description="As the change left it; null when it did not happen (see `errors`).",
    )
    errors: list[MutationError] = strawberry.field(default_factory=list)


@strawberry.input(
    description="Enrol an applicant: the student card is made from the applicant and the "
    "student enters the group by an ENROLMENT order. Needs `applicant` update, `student` "
    "create and `movement_order` create."
)
class EnrolApplicantInput:
    applicant: strawberry.ID = strawberry.field(description="The applicant enrolled (global id).")
    group: strawberry.ID = strawberry.field(description="The group he joins (global id).")
    order_number: str = strawberry.field(description="The enrolment order's number.")
    order_date: dt.date = strawberry.field(description="The day the order was signed.")
    effective_on: dt.date | None = strawberry.field(
        default=None, description="The first day in the group; default: the order's date."
    )
    sex: Sex = strawberry.field(description="The applicant list does not hold it; the card does.")
    record_book_number: str | None = strawberry.field(
        default=None, description="The record book's number, if issued."
    )
    client_mutation_id: str | None = None


@strawberry.type(description="The result of `enrolApplicant`.")
class EnrolApplicantPayload:
    applicant: Applicant | None = strawberry.field(
        default=None,
        description="As the change left it; null when it did not happen (see `errors`).",
    )
    student: Student | None = strawberry.field(
        default=None,
        description="As the change left it; null when it did not happen (see `errors`).",
    )
    errors: list[MutationError] = strawberry.field(default_factory=list)


def _values(ctx: Context, input: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, column in ap.APPLICANT_FIELDS.items():
        attr = column.removesuffix("_id") if name == "speciality" else column
        value = getattr(input, attr, UNSET)
        if value is UNSET:
            continue
        if name == "speciality" and value is not None:
            value = pk_of(value, "Speciality", "input.speciality", ctx.language)
        out[name] = value
    return out


@contextmanager
def _errors(language: str) -> Iterator[None]:
    try:
        yield
    except ap.ApplicantInvalid as exc:
        problems = [(p if p.startswith("input.") else f"input.{p}", t) for p, t in exc.problems]
        raise ValidationFailed(*problems) from None
    except ap.ApplicantNotFound:
        raise ApiError(ErrorCode.NOT_FOUND, message("not_found", language)) from None
    except ap.AlreadyEnrolled:
        raise Conflict(message("applicant_enrolled", language), "input.applicant") from None


async def _applicant_target(ctx: Context, input: Any) -> Target | None:
    pk = pk_of(input.applicant, "Applicant", "input.applicant", ctx.language)
    async with ctx.session() as session:
        return await target_of(session, "applicant", pk)


def _enrol_needs(_input: Any) -> list[tuple[str, str]]:
    return [("student", "create"), ("movement_order", "create")]


@strawberry.type(description="The admission campaign.")
class ApplicantMutations:
    @strawberry.mutation(permission_classes=signed_in, description="Add an applicant.")
    @guarded("applicant", "create", ApplicantPayload, institution_target("applicant"))
    async def create_applicant(
        self, info: GraphQLInfo, input: CreateApplicantInput
    ) -> ApplicantPayload:
        ctx = info.context
        with _errors(ctx.language):
            row = await ap.create_applicant(ctx, _values(ctx, input), input.client_mutation_id)
        return ApplicantPayload(applicant=Applicant.of(row))

    @strawberry.mutation(permission_classes=signed_in, description="Change an applicant.")
    @guarded("applicant", "update", ApplicantPayload, _applicant_target)
    async def update_applicant(
        self, info: GraphQLInfo, input: UpdateApplicantInput
    ) -> ApplicantPayload:
        ctx = info.context
        pk = pk_of(input.applicant, "Applicant", "input.applicant", ctx.language)
        with _errors(ctx.language):
            row = await ap.update_applicant(ctx, pk, _values(ctx, input), input.client_mutation_id)
        return ApplicantPayload(applicant=Applicant.of(row))

    @strawberry.mutation(
        permission_classes=signed_in,
        description="Enrol an applicant into a group: student card + ENROLMENT order, at once.",
    )
    @guarded("applicant", "update", EnrolApplicantPayload, _applicant_target, also=_enrol_needs)
    async def enrol_applicant(
        self, info: GraphQLInfo, input: EnrolApplicantInput
    ) -> EnrolApplicantPayload:
        ctx = info.context
        pk = pk_of(input.applicant, "Applicant", "input.applicant", ctx.language)
        group = pk_of(input.group, "Group", "input.group", ctx.language)
        with _errors(ctx.language):
            applicant, student, person = await ap.enrol_applicant(
                ctx,
                pk,
                group_id=group,
                order_number=input.order_number,
                order_date=input.order_date,
                effective_on=input.effective_on,
                sex=input.sex,
                record_book_number=input.record_book_number,
                client_mutation_id=input.client_mutation_id,
            )
        return EnrolApplicantPayload(
            applicant=Applicant.of(applicant), student=Student.of(student, person)
        )
