"""Student cards: who may create them is the ruleset's; a bad СНИЛС writes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from campusgraph.db import models as m
from campusgraph.db.tenancy import unscoped

CREATE = """
mutation ($input: CreateStudentCardInput!) {
  createStudentCard(input: $input) {
    student { id fullName personal { snils } }
    errors { code message field ruleset rule clause }
  }
}
"""
CARD = {
    "surname": "Кузнецова",
    "name": "Алина",
    "patronymic": "Игоревна",
    "birthDate": "2010-03-14",
    "sex": "FEMALE",
    "snils": "112-233-445 95",
    "address": "г. Армавир, ул. Мира, 1",
    "enrolmentOrderNumber": "123-к",
    "enrolmentDate": "2026-09-01",
}


async def _students(db: Any) -> int:
    async with unscoped(db.factory) as s:
        return int((await s.execute(select(func.count(m.Student.id)))).scalar_one())


@pytest.mark.parametrize(
    ("slug", "login"),
    [("altai-college-2016", "hr_specialist"), ("armavir-technikum-2025", "administrator")],
)
async def test_the_role_the_regulation_names_creates_student_cards(
    db: Any, sign_in: Any, slug: str, login: str
) -> None:
    staff = await sign_in(slug, login)
    before = await _students(db)

    result = (await staff.data(CREATE, {"input": CARD}))["createStudentCard"]

    assert result["errors"] == []
    assert result["student"]["fullName"] == "Кузнецова Алина Игоревна"
    assert result["student"]["personal"]["snils"] == "112-233-445 95"
    assert await _students(db) == before + 1


@pytest.mark.parametrize(
    ("slug", "login"),
    [("armavir-technikum-2025", "hr_specialist"), ("altai-college-2016", "teacher")],
)
async def test_other_roles_are_refused_with_the_clause(
    db: Any, sign_in: Any, slug: str, login: str
) -> None:
    staff = await sign_in(slug, login)
    before = await _students(db)

    result = (await staff.data(CREATE, {"input": CARD}))["createStudentCard"]

    assert result["student"] is None
    [error] = result["errors"]
    assert error["code"] == "FORBIDDEN"
    assert error["ruleset"] == slug
    assert error["rule"] == "default deny"
    assert error["clause"]
    assert await _students(db) == before


async def test_an_invalid_snils_is_rejected_and_nothing_is_written(db: Any, sign_in: Any) -> None:
    hr = await sign_in("altai-college-2016", "hr_specialist")
    before = await _students(db)

    result = (await hr.data(CREATE, {"input": {**CARD, "snils": "112-233-445 96"}}))[
        "createStudentCard"
    ]

    assert result["student"] is None
    assert [(e["code"], e["field"]) for e in result["errors"]] == [("VALIDATION", "input.snils")]
    assert await _students(db) == before
