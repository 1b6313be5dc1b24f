"""Mutations on people's cards."""

from __future__ import annotations

import datetime as dt

import strawberry

from campusgraph.db.enums import Sex
from campusgraph.resolvers.people_writes import (
    StudentCardFields,
    create_student_card,
    validate_student_card,
)
from campusgraph.schema.base import GraphQLInfo, signed_in
from campusgraph.schema.errors import MutationError
from campusgraph.schema.mutations import ValidationFailed, guarded, institution_target
from campusgraph.schema.people import Student


@strawberry.input(description="A new student card (карточка обучающегося).")
class CreateStudentCardInput:
    surname: str
    name: str
    patronymic: str | None = None
    birth_date: dt.date
    sex: Sex
    citizenship: str = "Российская Федерация"
    snils: str | None = strawberry.field(
        default=None, description="«123-456-789 01» or 11 digits; the checksum is verified."
    )
    address: str | None = None
    enrolment_order_number: str | None = None
    enrolment_date: dt.date | None = None
    client_mutation_id: str | None = None


@strawberry.type(description="The result of `createStudentCard`.")
class CreateStudentCardPayload:
    student: Student | None = None
    errors: list[MutationError] = strawberry.field(default_factory=list)


def _personal_needed(input: CreateStudentCardInput) -> list[tuple[str, str]]:
    return [("student.personal", "create")] if input.snils or input.address else []


@strawberry.type(description="People's cards.")
class PeopleMutations:
    @strawberry.mutation(
        permission_classes=signed_in,
        description="Create a student card; СНИЛС and address need `student.personal` create.",
    )
    @guarded(
        "student",
        "create",
        CreateStudentCardPayload,
        institution_target("student"),
        also=_personal_needed,
    )
    async def create_student_card(
        self, info: GraphQLInfo, input: CreateStudentCardInput
    ) -> CreateStudentCardPayload:
        ctx = info.context
        fields = StudentCardFields(
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
        )
        problems = validate_student_card(fields, ctx.settings.current_date(), ctx.language)
        if problems:
            raise ValidationFailed(*problems)
        student, person = await create_student_card(ctx, fields, input.client_mutation_id)
        return CreateStudentCardPayload(student=Student.of(student, person))
