"""Applicants of the admission campaign (абитуриенты) and their enrolment.

Armavir's admission secretary keeps the fields its regulation lists (п. 4.8): name, birth
date, citizenship, education level, funding source, study form, speciality, the date the
documents were handed in and the average grade of the certificate (3.000–5.000).

Enrolling an applicant makes the student card (and person) from the applicant's data and
puts the student into a group the way every student gets into a group: by an ENROLMENT
movement order written with :func:`campusgraph.resolvers.movement.apply_order` (its checks:
the order number free on that date, the group of an open year containing the effective
date, no closed year …), in the same transaction; the applicant is then marked enrolled.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select

from campusgraph.context import Context
from campusgraph.db import models as m
from campusgraph.db.enums import MovementKind, Sex
from campusgraph.i18n import message
from campusgraph.resolvers import people_writes as pw
from campusgraph.resolvers.audit import plain, record
from campusgraph.resolvers.movement import Invalid, ItemInput, OrderInput, apply_order

Problem = tuple[str, str]

#: camelCase field → column of the applicant row.
APPLICANT_FIELDS: dict[str, str] = {
    "surname": "surname",
    "name": "name",
    "patronymic": "patronymic",
    "birthDate": "birth_date",
    "citizenship": "citizenship",
    "educationLevel": "education_level",
    "fundingSource": "funding_source",
    "studyForm": "study_form",
    "speciality": "speciality_id",
    "appliedOn": "applied_on",
    "averageGrade": "average_grade",
}
REQUIRED = (
    "surname",
    "name",
    "birthDate",
    "citizenship",
    "educationLevel",
    "fundingSource",
    "studyForm",
    "appliedOn",
)
LIMITS = {"surname": 128, "name": 128, "patronymic": 128, "citizenship": 64, "educationLevel": 128}
GRADE_MIN, GRADE_MAX = Decimal("3.000"), Decimal("5.000")
#: Plausible age of an applicant on the day the documents are handed in.
AGES = (4, 80)


class ApplicantInvalid(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(text for _, text in problems))
        self.problems = problems


class ApplicantNotFound(Exception):
    pass


class AlreadyEnrolled(Exception):
    pass


def grade(value: float | Decimal | None) -> Decimal | None:
    """An average grade as kept: three decimals. Raises ValueError for more decimals."""
    if value is None:
        return None
    try:
        exact = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(value) from None
    if exact != exact.quantize(Decimal("0.001")):
        raise ValueError(value)
    return exact.quantize(Decimal("0.001"))


def applicant_problems(v: Mapping[str, Any], today: dt.date, lang: str = "ru") -> list[Problem]:
    problems: list[Problem] = []
    for name in REQUIRED:
        if pw.clean(v.get(name)) is None:
            problems.append((name, message("card_required", lang)))
    for name, limit in LIMITS.items():
        value = v.get(name)
        if isinstance(value, str) and len(value.strip()) > limit:
            problems.append((name, message("card_too_long", lang, limit=limit)))
    birth, applied = v.get("birthDate"), v.get("appliedOn")
    if birth is not None:
        age = ((applied or today) - birth).days / 365.25
        if not AGES[0] <= age <= AGES[1]:
            problems.append(("birthDate", message("card_birth_implausible", lang)))
    if applied is not None and applied > today:
        problems.append(("appliedOn", message("applicant_applied_future", lang)))
    raw = v.get("averageGrade")
    if raw is not None:
        try:
            value = grade(raw)
        except ValueError:
            problems.append(("averageGrade", message("applicant_grade_range", lang)))
        else:
            if value is not None and not GRADE_MIN <= value <= GRADE_MAX:
                problems.append(("averageGrade", message("applicant_grade_range", lang)))
    order = list(APPLICANT_FIELDS)
    return sorted(problems, key=lambda p: order.index(p[0]))


def _stored(name: str, value: Any) -> Any:
    value = pw.clean(value)
    if name == "averageGrade":
        return grade(value)
    return value


async def _speciality_exists(session: Any, speciality_id: int | None) -> bool:
    if speciality_id is None:
        return True
    found = await session.execute(select(m.Speciality.id).where(m.Speciality.id == speciality_id))
    return found.first() is not None


async def create_applicant(
    ctx: Context, values: Mapping[str, Any], client_mutation_id: str | None
) -> m.Applicant:
    viewer = ctx.viewer
    assert viewer is not None and viewer.institution_id is not None
    problems = applicant_problems(values, ctx.settings.current_date(), ctx.language)
    async with ctx.session(write=True) as session:
        if not await _speciality_exists(session, values.get("speciality")):
            problems.append(("speciality", message("not_found", ctx.language)))
        if problems:
            raise ApplicantInvalid(problems)
        row = m.Applicant(
            institution_id=viewer.institution_id,
            **{
                APPLICANT_FIELDS[k]: _stored(k, v)
                for k, v in values.items()
                if k in APPLICANT_FIELDS
            },
        )
        session.add(row)
        await session.flush()
        await record(
            session,
            viewer=viewer,
            action="create",
            object_type="applicant",
            object_id=row.id,
            institution_id=viewer.institution_id,
            after={k: plain(_stored(k, v)) for k, v in values.items() if k in APPLICANT_FIELDS},
            client_mutation_id=client_mutation_id,
        )
        await session.commit()
    return row


async def update_applicant(
    ctx: Context, applicant_id: int, changes: Mapping[str, Any], client_mutation_id: str | None
) -> m.Applicant:
    viewer = ctx.viewer
    assert viewer is not None and viewer.institution_id is not None
    changes = {k: v for k, v in changes.items() if k in APPLICANT_FIELDS}
    async with ctx.session(write=True) as session:
        row = (
            await session.execute(select(m.Applicant).where(m.Applicant.id == applicant_id))
        ).scalar_one_or_none()
        if row is None:
            raise ApplicantNotFound
        before = {k: getattr(row, c) for k, c in APPLICANT_FIELDS.items()}
        merged = {**before, **changes}
        today = ctx.settings.current_date()
        problems = [p for p in applicant_problems(merged, today, ctx.language) if p[0] in changes]
        if "speciality" in changes and not await _speciality_exists(session, changes["speciality"]):
            problems.append(("speciality", message("not_found", ctx.language)))
        if problems:
            raise ApplicantInvalid(problems)
        stored = {k: _stored(k, v) for k, v in changes.items()}
        changed = [k for k, v in stored.items() if before.get(k) != v]
        for name in changed:
            setattr(row, APPLICANT_FIELDS[name], stored[name])
        if changed:
            await record(
                session,
                viewer=viewer,
                action="update",
                object_type="applicant",
                object_id=applicant_id,
                institution_id=viewer.institution_id,
                before={k: plain(before[k]) for k in changed},
                after={k: plain(stored[k]) for k in changed},
                client_mutation_id=client_mutation_id,
            )
        await session.commit()
    return row


#: apply_order's field paths → the enrolApplicant input's.
_ORDER_PATHS = {
    "input.number": "input.orderNumber",
    "input.signedOn": "input.orderDate",
    "input.effectiveOn": "input.effectiveOn",
}


def _order_path(path: str) -> str:
    if path.startswith("input.items"):
        return "input.group"
    return _ORDER_PATHS.get(path, path)


async def enrol_applicant(
    ctx: Context,
    applicant_id: int,
    *,
    group_id: int,
    order_number: str,
    order_date: dt.date,
    effective_on: dt.date | None,
    sex: Sex,
    record_book_number: str | None,
    client_mutation_id: str | None,
) -> tuple[m.Applicant, m.Student, m.Person]:
    """Create the student card from the applicant and enrol it into ``group_id`` by an
    ENROLMENT order, in one transaction; mark the applicant enrolled."""
    viewer = ctx.viewer
    assert viewer is not None and viewer.institution_id is not None
    inst, lang = viewer.institution_id, ctx.language
    today = ctx.settings.current_date()
    async with ctx.session(write=True) as session:
        applicant = (
            await session.execute(select(m.Applicant).where(m.Applicant.id == applicant_id))
        ).scalar_one_or_none()
        if applicant is None:
            raise ApplicantNotFound
        if applicant.enrolled_student_id is not None:
            raise AlreadyEnrolled
        card = pw.StudentCardFields(
            surname=applicant.surname,
            name=applicant.name,
            patronymic=applicant.patronymic,
            birth_date=applicant.birth_date,
            sex=sex,
            citizenship=applicant.citizenship,
            snils=None,
            address=None,
            enrolment_order_number=None,
            enrolment_date=None,
            record_book_number=record_book_number,
            funding_source=applicant.funding_source,
            study_form=applicant.study_form,
            education_level=applicant.education_level,
        )
        problems = pw.prefixed(pw.student_problems(card.values(), today, lang))
        if problems:
            raise ApplicantInvalid(problems)
        [(student, person)] = await pw.insert_students(
            session, inst, [card], created_on=today, created_by_user_id=viewer.user_id
        )
        fio = " ".join(x for x in (person.surname, person.name, person.patronymic) if x)
        order = OrderInput(
            kind=MovementKind.ENROLMENT,
            number=order_number,
            signed_on=order_date,
            effective_on=effective_on or order_date,
            note=message("applicant_order_note", lang, name=fio),
            items=[ItemInput(student_id=student.id, to_group_id=group_id)],
        )
        try:
            await apply_order(
                session,
                institution_id=inst,
                viewer=viewer,
                order=order,
                today=today,
                language=lang,
                client_mutation_id=client_mutation_id,
            )
        except Invalid as exc:
            raise ApplicantInvalid([(_order_path(p), text) for p, text in exc.problems]) from None
        applicant.enrolled_student_id = student.id
        await record(
            session,
            viewer=viewer,
            action="create",
            object_type="student",
            object_id=student.id,
            institution_id=inst,
            after={**{k: plain(v) for k, v in card.values().items()}, "applicant": applicant_id},
            client_mutation_id=client_mutation_id,
        )
        await record(
            session,
            viewer=viewer,
            action="enrol",
            object_type="applicant",
            object_id=applicant_id,
            institution_id=inst,
            after={"student": student.id, "group": group_id, "order": order.number.strip()},
            client_mutation_id=client_mutation_id,
        )
        await session.commit()
        await session.refresh(student)
    return applicant, student, person
