"""Applicants: Armavir's admission secretary keeps them; enrolment makes the student card and
puts the student into the group by an ENROLMENT order, in one transaction."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from campusgraph.db import models as m
from campusgraph.db.enums import MovementKind
from campusgraph.db.tenancy import unscoped
from campusgraph.ids import from_global_id, to_global_id

CREATE = """
mutation ($input: CreateApplicantInput!) {
  createApplicant(input: $input) {
    applicant { id fullName averageGrade fundingSource studyForm speciality { code } enrolled }
    errors { code field message rule }
  }
}
"""
UPDATE = """
mutation ($input: UpdateApplicantInput!) {
  updateApplicant(input: $input) { applicant { id averageGrade } errors { code field } }
}
"""
LIST = """
query ($speciality: ID, $enrolled: Boolean) {
  applicants(first: 200, speciality: $speciality, enrolled: $enrolled) {
    totalCount
    nodes { id fullName appliedOn speciality { code } }
  }
}
"""
ENROL = """
mutation ($input: EnrolApplicantInput!) {
  enrolApplicant(input: $input) {
    applicant { id enrolled student { id } }
    student { id fullName status enrolmentOrderNumber enrolmentDate group { id name } }
    errors { code field message rule }
  }
}
"""
GROUP = """
query ($id: ID!, $on: Date) {
  node(id: $id) { ... on Group { name students(on: $on) { id fullName } } }
}
"""

APPLICANT = {
    "surname": "Соколова",
    "name": "Дарья",
    "patronymic": "Андреевна",
    "birthDate": "2010-05-17",
    "educationLevel": "Основное общее образование (9 классов)",
    "fundingSource": "BUDGET",
    "studyForm": "FULL_TIME",
    "appliedOn": "2026-07-10",
    "averageGrade": 4.375,
}


async def _ids(db: Any, slug: str, model: Any, **where: Any) -> list[int]:
    async with unscoped(db.factory) as s:
        inst = (
            await s.execute(select(m.Institution.id).where(m.Institution.slug == slug))
        ).scalar_one()
        stmt = select(model.id).where(model.institution_id == inst).order_by(model.id)
        for name, value in where.items():
            stmt = stmt.where(getattr(model, name) == value)
        return list((await s.execute(stmt)).scalars().all())


async def _count(db: Any, model: Any) -> int:
    async with unscoped(db.factory) as s:
        return int((await s.execute(select(func.count(model.id)))).scalar_one())


async def test_the_admission_secretary_keeps_applicants_by_speciality(
    db: Any, sign_in: Any
) -> None:
    secretary = await sign_in("armavir-technikum-2025", "admission_secretary")
    [speciality] = await _ids(db, "armavir-technikum-2025", m.Speciality, code="43.02.15")
    sid = to_global_id("Speciality", speciality)
    before = (await secretary.data(LIST, {"speciality": sid}))["applicants"]["totalCount"]

    created = (await secretary.data(CREATE, {"input": {**APPLICANT, "speciality": sid}}))[
        "createApplicant"
    ]
    updated = (
        await secretary.data(
            UPDATE, {"input": {"applicant": created["applicant"]["id"], "averageGrade": 4.5}}
        )
    )["updateApplicant"]
    listed = (await secretary.data(LIST, {"speciality": sid}))["applicants"]

    assert created["errors"] == []
    assert created["applicant"] == {
        "id": created["applicant"]["id"],
        "fullName": "Соколова Дарья Андреевна",
        "averageGrade": 4.375,
        "fundingSource": "BUDGET",
        "studyForm": "FULL_TIME",
        "speciality": {"code": "43.02.15"},
        "enrolled": False,
    }
    assert updated == {
        "applicant": {"id": created["applicant"]["id"], "averageGrade": 4.5},
        "errors": [],
    }
    assert listed["totalCount"] == before + 1
    assert {n["speciality"]["code"] for n in listed["nodes"]} == {"43.02.15"}
    assert created["applicant"]["id"] in {n["id"] for n in listed["nodes"]}


@pytest.mark.parametrize(
    ("grade", "applied", "fields"),
    [
        (5.2, "2026-07-10", ["input.averageGrade"]),
        (2.999, "2026-07-10", ["input.averageGrade"]),
        (4.1234, "2026-07-10", ["input.averageGrade"]),
        (3.0, "2027-01-10", ["input.appliedOn"]),  # after "today"
    ],
)
async def test_an_average_grade_is_3_to_5_and_the_application_not_in_the_future(
    db: Any, sign_in: Any, grade: float, applied: str, fields: list[str]
) -> None:
    secretary = await sign_in("armavir-technikum-2025", "admission_secretary")
    before = await _count(db, m.Applicant)

    result = (
        await secretary.data(
            CREATE, {"input": {**APPLICANT, "averageGrade": grade, "appliedOn": applied}}
        )
    )["createApplicant"]

    assert result["applicant"] is None
    assert [e["field"] for e in result["errors"]] == fields
    assert await _count(db, m.Applicant) == before


@pytest.mark.parametrize(
    ("slug", "login"),
    [("armavir-technikum-2025", "teacher"), ("armavir-technikum-2025", "administrator")],
)
async def test_other_roles_neither_add_nor_see_applicants(
    db: Any, sign_in: Any, slug: str, login: str
) -> None:
    staff = await sign_in(slug, login)

    result = (await staff.data(CREATE, {"input": APPLICANT}))["createApplicant"]
    listed = (await staff.data(LIST))["applicants"]

    assert [e["code"] for e in result["errors"]] == ["FORBIDDEN"]
    assert listed == {"totalCount": 0, "nodes": []}


async def test_an_enrolled_applicant_is_a_student_of_the_group(db: Any, sign_in: Any) -> None:
    admin = await sign_in("nshds12-2021", "system_admin")
    [group, *_] = await _ids(db, "nshds12-2021", m.StudyGroup, name="1А")
    gid = to_global_id("Group", group)
    young = {**APPLICANT, "birthDate": "2019-06-01", "educationLevel": "Дошкольное"}
    applicant = (await admin.data(CREATE, {"input": young}))["createApplicant"]["applicant"]
    before = (await admin.data(GROUP, {"id": gid, "on": "2026-11-23"}))["node"]["students"]

    result = (
        await admin.data(
            ENROL,
            {
                "input": {
                    "applicant": applicant["id"],
                    "group": gid,
                    "orderNumber": "77-у",
                    "orderDate": "2026-11-20",
                    "effectiveOn": "2026-11-23",
                    "sex": "FEMALE",
                }
            },
        )
    )["enrolApplicant"]
    after = (await admin.data(GROUP, {"id": gid, "on": "2026-11-23"}))["node"]["students"]
    again = (
        await admin.data(
            ENROL,
            {
                "input": {
                    "applicant": applicant["id"],
                    "group": gid,
                    "orderNumber": "78-у",
                    "orderDate": "2026-11-20",
                    "sex": "FEMALE",
                }
            },
        )
    )["enrolApplicant"]

    assert result["errors"] == []
    student = result["student"]
    assert student["fullName"] == "Соколова Дарья Андреевна"
    assert student["status"] == "STUDYING"
    assert (student["enrolmentOrderNumber"], student["enrolmentDate"]) == ("77-у", "2026-11-23")
    assert student["group"] == {"id": gid, "name": "1А"}
    assert result["applicant"] == {
        "id": applicant["id"],
        "enrolled": True,
        "student": {"id": student["id"]},
    }
    assert {s["id"] for s in after} == {s["id"] for s in before} | {student["id"]}
    assert len(after) == len(before) + 1
    async with unscoped(db.factory) as s:
        order = (
            await s.execute(select(m.MovementOrder).where(m.MovementOrder.number == "77-у"))
        ).scalar_one()
    assert order.kind is MovementKind.ENROLMENT
    assert [(e["code"], e["field"]) for e in again["errors"]] == [("CONFLICT", "input.applicant")]


async def test_a_failed_enrolment_writes_nothing(db: Any, sign_in: Any) -> None:
    admin = await sign_in("nshds12-2021", "system_admin")
    [group, *_] = await _ids(db, "nshds12-2021", m.StudyGroup, name="1Б")
    async with unscoped(db.factory) as s:
        taken = (
            await s.execute(
                select(m.MovementOrder)
                .join(m.Institution, m.Institution.id == m.MovementOrder.institution_id)
                .where(m.Institution.slug == "nshds12-2021")
                .limit(1)
            )
        ).scalar_one()
    young = {**APPLICANT, "birthDate": "2019-06-01", "educationLevel": "Дошкольное"}
    applicant = (await admin.data(CREATE, {"input": young}))["createApplicant"]["applicant"]
    students = await _count(db, m.Student)

    result = (
        await admin.data(
            ENROL,
            {
                "input": {
                    "applicant": applicant["id"],
                    "group": to_global_id("Group", group),
                    "orderNumber": taken.number,
                    "orderDate": taken.signed_on.isoformat(),
                    "effectiveOn": "2026-11-23",
                    "sex": "MALE",
                }
            },
        )
    )["enrolApplicant"]

    assert result["student"] is None
    assert ("VALIDATION", "input.orderNumber") in [
        (e["code"], e["field"]) for e in result["errors"]
    ]
    assert await _count(db, m.Student) == students
    async with unscoped(db.factory) as s:
        enrolled = (
            await s.execute(
                select(m.Applicant.enrolled_student_id).where(
                    m.Applicant.id == from_global_id(applicant["id"])[1]
                )
            )
        ).scalar_one()
    assert enrolled is None


async def test_armavir_admission_secretary_cannot_enrol(db: Any, sign_in: Any) -> None:
    """Enrolment makes a student card: in Armavir that is the administrator's (who may not
    touch applicants), so nobody there holds all three permissions — see the report."""
    secretary = await sign_in("armavir-technikum-2025", "admission_secretary")
    [applicant, *_] = await _ids(db, "armavir-technikum-2025", m.Applicant)
    [group, *_] = await _ids(db, "armavir-technikum-2025", m.StudyGroup, name="ПК-11")

    result = (
        await secretary.data(
            ENROL,
            {
                "input": {
                    "applicant": to_global_id("Applicant", applicant),
                    "group": to_global_id("Group", group),
                    "orderNumber": "300-к",
                    "orderDate": "2026-11-20",
                    "sex": "MALE",
                }
            },
        )
    )["enrolApplicant"]

    assert [(e["code"], e["rule"]) for e in result["errors"]] == [("FORBIDDEN", "default deny")]
