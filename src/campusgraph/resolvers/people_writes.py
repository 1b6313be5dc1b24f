"""Writing people's cards: students (with personal data), and validation that names the
field at fault."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import insert

from campusgraph.context import Context
from campusgraph.db import models as m
from campusgraph.db.enums import Sex
from campusgraph.resolvers.audit import record
from campusgraph.validators import format_snils, is_valid_snils


@dataclass(frozen=True, slots=True)
class StudentCardFields:
    surname: str
    name: str
    patronymic: str | None
    birth_date: dt.date
    sex: Sex
    citizenship: str
    snils: str | None
    address: str | None
    enrolment_order_number: str | None
    enrolment_date: dt.date | None


def validate_student_card(
    fields: StudentCardFields, today: dt.date, language: str = "ru"
) -> list[tuple[str, str]]:
    en = language == "en"
    problems: list[tuple[str, str]] = []
    for name in ("surname", "name"):
        if not getattr(fields, name).strip():
            problems.append((f"input.{name}", "Field is required." if en else "Поле обязательно."))
    age = (today - fields.birth_date).days / 365.25
    if not 4 <= age <= 80:
        problems.append(
            (
                "input.birthDate",
                "Implausible birth date." if en else "Неправдоподобная дата рождения.",
            )
        )
    if fields.snils is not None and not is_valid_snils(fields.snils):
        problems.append(
            (
                "input.snils",
                "Invalid СНИЛС: the checksum does not match."
                if en
                else "Неверный СНИЛС: не сходится контрольное число.",
            )
        )
    if fields.enrolment_date is not None and fields.enrolment_date > today:
        problems.append(
            (
                "input.enrolmentDate",
                "Enrolment date is in the future." if en else "Дата зачисления в будущем.",
            )
        )
    return problems


async def create_student_card(
    ctx: Context, fields: StudentCardFields, client_mutation_id: str | None
) -> tuple[m.Student, m.Person]:
    viewer = ctx.viewer
    assert viewer is not None
    inst = viewer.institution_id
    assert inst is not None
    async with ctx.session(write=True) as session:
        person = m.Person(
            institution_id=inst,
            surname=fields.surname.strip(),
            name=fields.name.strip(),
            patronymic=(fields.patronymic or "").strip() or None,
            birth_date=fields.birth_date,
            sex=fields.sex,
        )
        session.add(person)
        await session.flush()
        student = m.Student(
            institution_id=inst,
            person_id=person.id,
            citizenship=fields.citizenship,
            enrolment_order_number=fields.enrolment_order_number,
            enrolment_date=fields.enrolment_date,
        )
        session.add(student)
        await session.flush()
        snils = format_snils(fields.snils) if fields.snils else None
        await session.execute(
            insert(m.StudentPersonal).values(
                institution_id=inst, student_id=student.id, snils=snils, address=fields.address
            )
        )
        await record(
            session,
            viewer=viewer,
            action="create",
            object_type="student",
            object_id=student.id,
            institution_id=inst,
            after={
                "surname": person.surname,
                "name": person.name,
                "patronymic": person.patronymic,
                "birth_date": fields.birth_date.isoformat(),
                "snils_set": snils is not None,
            },
            client_mutation_id=client_mutation_id,
        )
        await session.commit()
    return student, person
