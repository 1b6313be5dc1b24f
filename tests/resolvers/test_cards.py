"""People's cards beyond creating students: updating student cards part by part, employee
cards (a dismissal disables the accounts), parent cards and parent ↔ student links.
Who may do what is each regulation's: the tests go through the demo accounts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select

from campusgraph.db import models as m
from campusgraph.db.tenancy import unscoped
from campusgraph.ids import to_global_id
from tests.support import DEMO_TODAY
from tests.support.client import LoginFailed

CREATE_EMPLOYEE = """
mutation ($input: CreateEmployeeCardInput!) {
  createEmployeeCard(input: $input) {
    employee { id fullName hiredOn positions { name isMain } personal { snils } }
    errors { code field message rule }
  }
}
"""
UPDATE_EMPLOYEE = """
mutation ($input: UpdateEmployeeCardInput!) {
  updateEmployeeCard(input: $input) { employee { id dismissedOn } errors { code field } }
}
"""
UPDATE_STUDENT = """
mutation ($input: UpdateStudentCardInput!) {
  updateStudentCard(input: $input) {
    student { id fullName recordBookNumber personal { snils registrationAddress } }
    errors { code field message rule }
  }
}
"""
CREATE_PARENT = """
mutation ($input: CreateParentCardInput!) {
  createParentCard(input: $input) {
    parent { id fullName personal { snils } }
    errors { code field message rule }
  }
}
"""
UPDATE_PARENT = """
mutation ($input: UpdateParentCardInput!) {
  updateParentCard(input: $input) { parent { id fullName phone } errors { code field } }
}
"""
LINK = """
mutation ($input: LinkParentInput!) {
  linkParent(input: $input) {
    parent { id kind children { id fullName } }
    student { id }
    errors { code field rule }
  }
}
"""
UNLINK = """
mutation ($input: UnlinkParentInput!) {
  unlinkParent(input: $input) { parent { id children { id } } errors { code field } }
}
"""
PARENT = "query ($id: ID!) { node(id: $id) { ... on Parent { id fullName children { id } } } }"
WHO = "query { viewer { login } }"

GOOD_SNILS = "112-233-445 95"
BAD_SNILS = "112-233-445 96"
PERSON = {"surname": "Лебедева", "name": "Ольга", "patronymic": "Петровна", "sex": "FEMALE"}


# -- facts from the demo database --------------------------------------------------------------


async def _institution(db: Any, slug: str) -> int:
    async with unscoped(db.factory) as s:
        return int(
            (
                await s.execute(select(m.Institution.id).where(m.Institution.slug == slug))
            ).scalar_one()
        )


async def _count(db: Any, model: Any, slug: str) -> int:
    inst = await _institution(db, slug)
    async with unscoped(db.factory) as s:
        return int(
            (
                await s.execute(select(func.count(model.id)).where(model.institution_id == inst))
            ).scalar_one()
        )


async def _group_students(db: Any, slug: str) -> dict[str, list[int]]:
    """Group name → its students today, in id order."""
    inst = await _institution(db, slug)
    gm, g = m.GroupMembership, m.StudyGroup
    async with unscoped(db.factory) as s:
        rows = await s.execute(
            select(g.name, gm.student_id)
            .join(g, g.id == gm.group_id)
            .where(g.institution_id == inst, gm.ends_on.is_(None))
            .order_by(g.name, gm.student_id)
        )
        out: dict[str, list[int]] = {}
        for name, student in rows:
            out.setdefault(name, []).append(student)
        return out


async def _curated(db: Any, slug: str, login: str) -> str:
    """The name of the group the account curates."""
    inst = await _institution(db, slug)
    async with unscoped(db.factory) as s:
        return str(
            (
                await s.execute(
                    select(m.StudyGroup.name)
                    .join(m.Curatorship, m.Curatorship.group_id == m.StudyGroup.id)
                    .join(m.Employee, m.Employee.id == m.Curatorship.curator_id)
                    .join(m.UserAccount, m.UserAccount.person_id == m.Employee.person_id)
                    .where(m.UserAccount.institution_id == inst, m.UserAccount.login == login)
                )
            ).scalar_one()
        )


async def _employee_of(db: Any, slug: str, login: str) -> int:
    inst = await _institution(db, slug)
    async with unscoped(db.factory) as s:
        return int(
            (
                await s.execute(
                    select(m.Employee.id)
                    .join(m.UserAccount, m.UserAccount.person_id == m.Employee.person_id)
                    .where(m.UserAccount.institution_id == inst, m.UserAccount.login == login)
                )
            ).scalar_one()
        )


async def _a_position(db: Any, slug: str) -> str:
    inst = await _institution(db, slug)
    async with unscoped(db.factory) as s:
        return str(
            (
                await s.execute(
                    select(m.Position.name)
                    .where(m.Position.institution_id == inst)
                    .order_by(m.Position.id)
                    .limit(1)
                )
            ).scalar_one()
        )


def _sid(pk: int) -> str:
    return to_global_id("Student", pk)


# -- employee cards -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("slug", "login"),
    [
        ("altai-college-2016", "hr_specialist"),
        ("barnaul-school6-2016", "hr_specialist"),
        ("tomsk-technikum-2023", "hr_head"),
    ],
)
async def test_the_hr_role_of_each_regulation_creates_employee_cards(
    db: Any, sign_in: Any, slug: str, login: str
) -> None:
    hr = await sign_in(slug, login)
    position = await _a_position(db, slug)
    before = await _count(db, m.Employee, slug)

    result = (
        await hr.data(
            CREATE_EMPLOYEE,
            {
                "input": {
                    **PERSON,
                    "birthDate": "1985-04-02",
                    "positions": [{"name": position}],
                    "hiredOn": "2026-11-20",
                    "snils": GOOD_SNILS,
                }
            },
        )
    )["createEmployeeCard"]

    assert result["errors"] == []
    employee = result["employee"]
    assert employee["fullName"] == "Лебедева Ольга Петровна"
    assert employee["hiredOn"] == "2026-11-20"
    assert employee["positions"] == [{"name": position, "isMain": True}]
    assert employee["personal"] == {"snils": GOOD_SNILS}
    assert await _count(db, m.Employee, slug) == before + 1


@pytest.mark.parametrize(
    ("slug", "login"),
    [
        ("armavir-technikum-2025", "administrator"),  # Armavir: the HR specialist only
        ("barnaul-school6-2016", "secretary"),  # Barnaul's secretary keeps students and parents
        ("tomsk-technikum-2023", "head_of_studies"),
    ],
)
async def test_roles_the_regulation_does_not_name_cannot_create_employee_cards(
    db: Any, sign_in: Any, slug: str, login: str
) -> None:
    staff = await sign_in(slug, login)
    position = await _a_position(db, slug)
    before = await _count(db, m.Employee, slug)

    result = (
        await staff.data(CREATE_EMPLOYEE, {"input": {**PERSON, "positions": [{"name": position}]}})
    )["createEmployeeCard"]

    assert result["employee"] is None
    assert [(e["code"], e["rule"]) for e in result["errors"]] == [("FORBIDDEN", "default deny")]
    assert await _count(db, m.Employee, slug) == before


async def test_an_employee_card_names_known_positions_and_a_valid_snils(
    db: Any, sign_in: Any
) -> None:
    hr = await sign_in("altai-college-2016", "hr_specialist")
    before = await _count(db, m.Employee, "altai-college-2016")

    result = (
        await hr.data(
            CREATE_EMPLOYEE,
            {
                "input": {
                    **PERSON,
                    "positions": [{"name": "Космонавт"}],
                    "snils": BAD_SNILS,
                    "hiredOn": "2026-09-01",
                    "dismissedOn": "2026-08-01",
                }
            },
        )
    )["createEmployeeCard"]

    assert result["employee"] is None
    assert [(e["code"], e["field"]) for e in result["errors"]] == [
        ("VALIDATION", "input.dismissedOn"),
        ("VALIDATION", "input.positions"),
        ("VALIDATION", "input.snils"),
    ]
    assert "Космонавт" in result["errors"][1]["message"]
    assert await _count(db, m.Employee, "altai-college-2016") == before


async def test_a_dismissal_date_that_has_come_disables_the_accounts(
    db: Any, client: Any, sign_in: Any
) -> None:
    teacher = await sign_in("altai-college-2016", "teacher")
    hr = await sign_in("altai-college-2016", "hr_specialist")
    employee = to_global_id("Employee", await _employee_of(db, "altai-college-2016", "teacher"))

    later = (
        await hr.data(
            UPDATE_EMPLOYEE,
            {"input": {"employee": employee, "dismissedOn": str(DEMO_TODAY + dt.timedelta(7))}},
        )
    )["updateEmployeeCard"]
    assert later["errors"] == []
    assert (await teacher.data(WHO))["viewer"]["login"] == "teacher"  # not yet

    dismissed = (
        await hr.data(
            UPDATE_EMPLOYEE, {"input": {"employee": employee, "dismissedOn": str(DEMO_TODAY)}}
        )
    )["updateEmployeeCard"]

    assert dismissed == {"employee": {"id": employee, "dismissedOn": str(DEMO_TODAY)}, "errors": []}
    refused = await teacher.query(WHO)
    assert refused["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    with pytest.raises(LoginFailed, match="Учётная запись отключена"):
        await client.as_("altai-college-2016", "teacher")

    taken_back = (
        await hr.data(UPDATE_EMPLOYEE, {"input": {"employee": employee, "dismissedOn": None}})
    )["updateEmployeeCard"]
    assert taken_back["errors"] == []
    again = await client.as_("altai-college-2016", "teacher")
    assert (await again.data(WHO))["viewer"]["login"] == "teacher"


# -- student cards: each part by its own permission ---------------------------------------------


async def test_the_administrator_updates_the_register_fields_and_the_personal_part(
    db: Any, sign_in: Any
) -> None:
    admin = await sign_in("armavir-technikum-2025", "administrator")
    student = (await _group_students(db, "armavir-technikum-2025"))["ПК-11"][0]

    result = (
        await admin.data(
            UPDATE_STUDENT,
            {
                "input": {
                    "student": _sid(student),
                    "recordBookNumber": "26-0999",
                    "fundingSource": "CONTRACT",
                    "studyForm": "PART_TIME",
                    "educationLevel": "Среднее общее образование",
                    "citizenship": "Республика Армения",
                    "snils": "11223344595",
                    "registrationAddress": "г. Армавир, ул. Ленина, 5",
                    "clientMutationId": "card-1",
                }
            },
        )
    )["updateStudentCard"]

    assert result["errors"] == []
    assert result["student"]["recordBookNumber"] == "26-0999"
    assert result["student"]["personal"] == {
        "snils": GOOD_SNILS,
        "registrationAddress": "г. Армавир, ул. Ленина, 5",
    }
    async with unscoped(db.factory) as s:
        card = (await s.execute(select(m.Student).where(m.Student.id == student))).scalar_one()
        event = (
            await s.execute(select(m.AuditEvent).where(m.AuditEvent.client_mutation_id == "card-1"))
        ).scalar_one()
    assert (card.funding_source.value, card.study_form.value) == ("contract", "part_time")
    assert (card.education_level, card.citizenship) == (
        "Среднее общее образование",
        "Республика Армения",
    )
    assert event.after is not None
    assert event.after["personal_changed"] == ["registrationAddress", "snils"]
    assert GOOD_SNILS not in str(event.after)  # personal values stay out of the audit trail


async def test_an_invalid_snils_or_a_blank_surname_changes_nothing(db: Any, sign_in: Any) -> None:
    admin = await sign_in("armavir-technikum-2025", "administrator")
    student = (await _group_students(db, "armavir-technikum-2025"))["ПК-11"][1]

    result = (
        await admin.data(
            UPDATE_STUDENT,
            {
                "input": {
                    "student": _sid(student),
                    "surname": "  ",
                    "snils": BAD_SNILS,
                    "recordBookNumber": "26-0001",
                }
            },
        )
    )["updateStudentCard"]

    assert result["student"] is None
    assert [(e["code"], e["field"]) for e in result["errors"]] == [
        ("VALIDATION", "input.surname"),
        ("VALIDATION", "input.snils"),
    ]
    assert "контрольное число" in result["errors"][1]["message"]
    async with unscoped(db.factory) as s:
        card = (await s.execute(select(m.Student).where(m.Student.id == student))).scalar_one()
    assert card.record_book_number != "26-0001"


async def test_tomsk_head_of_upbringing_updates_health_and_nothing_else(
    db: Any, sign_in: Any
) -> None:
    upbringing = await sign_in("tomsk-technikum-2023", "head_of_upbringing")
    student = _sid((await _group_students(db, "tomsk-technikum-2023"))["ИСП-21"][0])

    health = (
        await upbringing.data(
            UPDATE_STUDENT,
            {"input": {"student": student, "healthGroup": "II", "disability": None}},
        )
    )["updateStudentCard"]
    name = (
        await upbringing.data(UPDATE_STUDENT, {"input": {"student": student, "surname": "Другая"}})
    )["updateStudentCard"]

    assert health["errors"] == []
    assert name["student"] is None
    assert [e["code"] for e in name["errors"]] == ["FORBIDDEN"]


async def test_a_curator_updates_his_groups_cards_only(db: Any, sign_in: Any) -> None:
    curator = await sign_in("tomsk-technikum-2023", "curator")
    groups = await _group_students(db, "tomsk-technikum-2023")
    own = await _curated(db, "tomsk-technikum-2023", "curator")
    other = next(name for name in groups if name != own)

    mine = (
        await curator.data(
            UPDATE_STUDENT, {"input": {"student": _sid(groups[own][0]), "patronymic": "Ильич"}}
        )
    )["updateStudentCard"]
    theirs = (
        await curator.data(
            UPDATE_STUDENT, {"input": {"student": _sid(groups[other][0]), "patronymic": "Ильич"}}
        )
    )["updateStudentCard"]

    assert mine["errors"] == []
    assert mine["student"]["fullName"].endswith(" Ильич")
    assert [e["code"] for e in theirs["errors"]] == ["FORBIDDEN"]


# -- parent cards and links ----------------------------------------------------------------------


async def test_barnaul_secretary_keeps_parent_cards_with_snils(db: Any, sign_in: Any) -> None:
    secretary = await sign_in("barnaul-school6-2016", "secretary")
    before = await _count(db, m.Parent, "barnaul-school6-2016")

    bad = (await secretary.data(CREATE_PARENT, {"input": {**PERSON, "snils": BAD_SNILS}}))[
        "createParentCard"
    ]
    created = (
        await secretary.data(
            CREATE_PARENT, {"input": {**PERSON, "snils": GOOD_SNILS, "phone": "+7 913 000-00-00"}}
        )
    )["createParentCard"]
    renamed = (
        await secretary.data(
            UPDATE_PARENT,
            {"input": {"parent": created["parent"]["id"], "surname": "Лебедева-Орлова"}},
        )
    )["updateParentCard"]
    malformed = (
        await secretary.data(
            UPDATE_PARENT, {"input": {"parent": created["parent"]["id"], "snils": "12-34"}}
        )
    )["updateParentCard"]

    assert [(e["code"], e["field"]) for e in bad["errors"]] == [("VALIDATION", "input.snils")]
    assert [(e["code"], e["field"]) for e in malformed["errors"]] == [("VALIDATION", "input.snils")]
    assert created["errors"] == []
    assert created["parent"]["personal"] == {"snils": GOOD_SNILS}
    assert renamed["errors"] == []
    assert renamed["parent"]["fullName"] == "Лебедева-Орлова Ольга Петровна"
    assert renamed["parent"]["phone"] == "+7 913 000-00-00"
    assert await _count(db, m.Parent, "barnaul-school6-2016") == before + 1


@pytest.mark.parametrize(
    ("slug", "login", "snils", "allowed"),
    [
        ("tomsk-technikum-2023", "head_of_studies", None, True),
        # Tomsk's head of studies keeps parent cards, not their personal data.
        ("tomsk-technikum-2023", "head_of_studies", GOOD_SNILS, False),
        ("altai-college-2016", "hr_specialist", None, False),
        ("barnaul-school6-2016", "hr_specialist", None, False),
    ],
)
async def test_who_creates_parent_cards_differs_by_regulation(
    db: Any, sign_in: Any, slug: str, login: str, snils: str | None, allowed: bool
) -> None:
    staff = await sign_in(slug, login)
    before = await _count(db, m.Parent, slug)

    result = (await staff.data(CREATE_PARENT, {"input": {**PERSON, "snils": snils}}))[
        "createParentCard"
    ]

    if allowed:
        assert result["errors"] == []
        assert await _count(db, m.Parent, slug) == before + 1
    else:
        assert result["parent"] is None
        assert [e["code"] for e in result["errors"]] == ["FORBIDDEN"]
        assert await _count(db, m.Parent, slug) == before


async def test_tomsk_head_of_studies_links_one_parent_to_several_children(
    db: Any, sign_in: Any
) -> None:
    head = await sign_in("tomsk-technikum-2023", "head_of_studies")
    groups = await _group_students(db, "tomsk-technikum-2023")
    first, second = _sid(groups["ИСП-11"][0]), _sid(groups["ЮР-21"][0])
    parent = (await head.data(CREATE_PARENT, {"input": PERSON}))["createParentCard"]["parent"]

    await head.data(LINK, {"input": {"parent": parent["id"], "student": first, "kind": "MOTHER"}})
    both = (
        await head.data(
            LINK, {"input": {"parent": parent["id"], "student": second, "kind": "GUARDIAN"}}
        )
    )["linkParent"]
    unlinked = (await head.data(UNLINK, {"input": {"parent": parent["id"], "student": first}}))[
        "unlinkParent"
    ]
    again = (await head.data(UNLINK, {"input": {"parent": parent["id"], "student": first}}))[
        "unlinkParent"
    ]

    assert both["errors"] == []
    assert both["parent"]["kind"] == "GUARDIAN"
    assert {c["id"] for c in both["parent"]["children"]} == {first, second}
    assert unlinked["parent"]["children"] == [{"id": second}]
    assert [(e["code"], e["field"]) for e in again["errors"]] == [("VALIDATION", "input.student")]


async def test_a_parent_with_children_in_two_institutions_has_a_card_in_each(
    db: Any, sign_in: Any
) -> None:
    tomsk = await sign_in("tomsk-technikum-2023", "head_of_studies")
    barnaul = await sign_in("barnaul-school6-2016", "secretary")
    tomsk_child = _sid((await _group_students(db, "tomsk-technikum-2023"))["ИСП-31"][0])
    barnaul_child = _sid((await _group_students(db, "barnaul-school6-2016"))["7А"][0])
    in_tomsk = (await tomsk.data(CREATE_PARENT, {"input": PERSON}))["createParentCard"]["parent"]
    in_barnaul = (await barnaul.data(CREATE_PARENT, {"input": PERSON}))["createParentCard"][
        "parent"
    ]

    across = (
        await tomsk.data(
            LINK, {"input": {"parent": in_tomsk["id"], "student": barnaul_child, "kind": "MOTHER"}}
        )
    )["linkParent"]
    t = (
        await tomsk.data(
            LINK, {"input": {"parent": in_tomsk["id"], "student": tomsk_child, "kind": "MOTHER"}}
        )
    )["linkParent"]
    b = (
        await barnaul.data(
            LINK,
            {"input": {"parent": in_barnaul["id"], "student": barnaul_child, "kind": "MOTHER"}},
        )
    )["linkParent"]

    assert [e["code"] for e in across["errors"]] == ["NOT_FOUND"]
    assert [c["id"] for c in t["parent"]["children"]] == [tomsk_child]
    assert [c["id"] for c in b["parent"]["children"]] == [barnaul_child]
    assert in_tomsk["id"] != in_barnaul["id"]
    assert (await barnaul.data(PARENT, {"id": in_tomsk["id"]}))["node"] is None


async def test_a_class_teacher_links_parents_of_his_own_class_only(db: Any, sign_in: Any) -> None:
    secretary = await sign_in("barnaul-school6-2016", "secretary")
    teacher = await sign_in("barnaul-school6-2016", "class_teacher")
    groups = await _group_students(db, "barnaul-school6-2016")
    own = await _curated(db, "barnaul-school6-2016", "class_teacher")
    other = next(name for name in groups if name != own)
    parent = (await secretary.data(CREATE_PARENT, {"input": PERSON}))["createParentCard"]["parent"]

    mine = (
        await teacher.data(
            LINK,
            {"input": {"parent": parent["id"], "student": _sid(groups[own][0]), "kind": "MOTHER"}},
        )
    )["linkParent"]
    theirs = (
        await teacher.data(
            LINK,
            {
                "input": {
                    "parent": parent["id"],
                    "student": _sid(groups[other][0]),
                    "kind": "MOTHER",
                }
            },
        )
    )["linkParent"]

    assert mine["errors"] == []
    assert [e["code"] for e in theirs["errors"]] == ["FORBIDDEN"]
