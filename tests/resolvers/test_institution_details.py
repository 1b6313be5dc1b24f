"""The institution's own details (name, address, licence, accreditation, contacts): changed
by the roles its regulation names, refused to every other role and to other institutions,
recorded in the audit trail, contacts checked by their spelling."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from campusgraph.db import models as m
from campusgraph.db.tenancy import unscoped
from campusgraph.ids import from_global_id, to_global_id
from tests.policies.golden.lines import accounts
from tests.support.client import GraphQLClient

ALTAI, ARMAVIR = "altai-college-2016", "armavir-technikum-2025"

#: Who may change the institution's details, by the regulation's own words (policy.csv cites
#: each): Tomsk's Порядок names nobody, so nobody may.
ALLOWED: dict[str, set[str]] = {
    "altai-college-2016": {"administrator"},  # п. 4.1 «первичное заполнение данных о Колледже»
    "armavir-technikum-2025": {"administrator", "director"},  # п. 4.1; п. 4.11
    "barnaul-school6-2016": {"administrator"},  # п. 2.1 «заполнение карточки ОО»
    "nshds12-2021": {"system_admin"},  # разд. 4 «ведение актуальной информации об ОУ»
    "tomsk-technikum-2023": set(),
}

DETAILS = """
{ institution { id name shortName address license accreditation phone email website } }
"""
UPDATE = """
mutation ($input: UpdateInstitutionInput!) {
  updateInstitution(input: $input) {
    institution { id name shortName address license accreditation phone email website }
    clientMutationId
    errors { code message field ruleset rule clause }
  }
}
"""


async def _details(client: GraphQLClient) -> dict[str, Any]:
    return (await client.data(DETAILS))["institution"]  # type: ignore[no-any-return]


async def _stored(db: Any, pk: int) -> m.Institution:
    async with unscoped(db.factory) as s:
        return (await s.execute(select(m.Institution).where(m.Institution.id == pk))).scalar_one()


async def _gid(db: Any, slug: str) -> str:
    async with unscoped(db.factory) as s:
        pk = (
            await s.execute(select(m.Institution.id).where(m.Institution.slug == slug))
        ).scalar_one()
    return to_global_id("Institution", pk)


async def _audit(db: Any, pk: int) -> list[tuple[Any, Any, str | None]]:
    ae = m.AuditEvent
    async with unscoped(db.factory) as s:
        rows = await s.execute(
            select(ae.before, ae.after, ae.client_mutation_id)
            .where(ae.object_type == "institution", ae.object_id == pk, ae.action == "update")
            .order_by(ae.id)
        )
        return [(r[0], r[1], r[2]) for r in rows.all()]


async def test_each_ruleset_lets_exactly_the_roles_its_regulation_names(
    db: Any, client: GraphQLClient
) -> None:
    """Given every demo account of every shipped institution, when each changes its own
    institution's phone, then the roles the regulation names succeed and every other role
    (teachers, parents, students, the other staff) is refused FORBIDDEN by its ruleset,
    nothing written."""
    problems: list[str] = []
    for slug, allowed in ALLOWED.items():
        logins = sorted(accounts(slug))
        assert allowed <= set(logins), (slug, allowed, logins)
        assert "parent" in logins, logins
        assert {"teacher", "subject_teacher"} & set(logins), logins
        gid = await _gid(db, slug)
        for n, login in enumerate(logins):
            user = await client.as_(slug, login)
            phone = f"+7 (999) 000-{n:02d}-{len(slug):02d}"
            answer = (await user.data(UPDATE, {"input": {"id": gid, "phone": phone}}))[
                "updateInstitution"
            ]
            stored = await _stored(db, from_global_id(gid)[1])
            if login in allowed:
                if answer["errors"] or answer["institution"]["phone"] != phone:
                    problems.append(f"{slug}/{login} refused: {answer}")
                if stored.phone != phone:
                    problems.append(f"{slug}/{login}: phone not stored")
                continue
            codes = [e["code"] for e in answer["errors"]]
            if codes != ["FORBIDDEN"] or answer["institution"] is not None:
                problems.append(f"{slug}/{login} not refused: {answer}")
            elif answer["errors"][0]["ruleset"] != slug:
                problems.append(f"{slug}/{login}: refusal names {answer['errors'][0]}")
            if stored.phone == phone:
                problems.append(f"{slug}/{login}: refused, yet written")
    assert not problems, "\n".join(problems)


async def test_another_institution_and_the_region_are_refused(
    db: Any, client: GraphQLClient
) -> None:
    """Given Armavir's id, when Altai's administrator (allowed at home) or the region's
    authority (reads every institution) changes it, then FORBIDDEN and Armavir unchanged."""
    armavir = await _details(await client.as_(ARMAVIR, "director"))
    before = await _stored(db, from_global_id(armavir["id"])[1])
    for who in (
        await client.as_(ALTAI, "administrator"),
        await client.as_("demo-region", "authority"),
    ):
        answer = (
            await who.data(UPDATE, {"input": {"id": armavir["id"], "name": "Чужое название"}})
        )["updateInstitution"]
        assert [e["code"] for e in answer["errors"]] == ["FORBIDDEN"], (who, answer)
        assert answer["institution"] is None
    after = await _stored(db, from_global_id(armavir["id"])[1])
    assert after.name == before.name == armavir["name"]
    assert await _audit(db, after.id) == []


async def test_a_change_is_audited_readable_and_idempotent(db: Any, client: GraphQLClient) -> None:
    """Given Armavir's director (п. 4.11), when he changes the details under a
    clientMutationId and sends it again, then the change is stored once, the audit event
    holds before and after with the key, a teacher reads the new details, and the retry
    answers the first answer."""
    director = await client.as_(ARMAVIR, "director")
    old = await _details(director)
    change = {
        "id": old["id"],
        "name": "  ГБПОУ КК «Армавирский техникум технологии и сервиса»  ",
        "address": "352900, Краснодарский край, г. Армавир, ул. Кирова, д. 54",
        "license": "Л035-01218-23/00273469 от 14.02.2025",
        "accreditation": "",  # an empty text clears it
        "phone": "+7 (86137) 3-22-11",
        "email": "info@attis.example.ru",
        "website": "https://attis.example.ru",
        "clientMutationId": "details-1",
    }
    first = (await director.data(UPDATE, {"input": change}))["updateInstitution"]
    assert first["errors"] == []
    got = first["institution"]
    assert got["name"] == change["name"].strip()
    assert got["accreditation"] is None
    assert (got["phone"], got["email"], got["website"]) == (
        change["phone"],
        change["email"],
        change["website"],
    )
    assert got["shortName"] == old["shortName"]  # not given: unchanged

    again = (await director.data(UPDATE, {"input": change}))["updateInstitution"]
    assert again == first

    teacher = await client.as_(ARMAVIR, "teacher")
    assert await _details(teacher) == got

    events = await _audit(db, from_global_id(old["id"])[1])
    assert len(events) == 1, events
    before, after, key = events[0]
    assert key == "details-1"
    assert (before["address"], after["address"]) == (old["address"], change["address"])
    assert (before["accreditation"], after["accreditation"]) == (old["accreditation"], None)
    assert (before["email"], after["email"]) == (None, change["email"])


async def test_malformed_contacts_are_refused_naming_the_field(
    db: Any, client: GraphQLClient
) -> None:
    """Given Altai's administrator, when he sends a malformed e-mail, phone and website and
    a blank name, then VALIDATION errors name each field (Russian by default, English by
    Accept-Language) and nothing is written."""
    admin = await client.as_(ALTAI, "administrator")
    old = await _details(admin)
    bad = {
        "id": old["id"],
        "name": "   ",
        "email": "info@college",
        "phone": "12-34",
        "website": "college.ru",
    }
    answer = (await admin.data(UPDATE, {"input": bad}))["updateInstitution"]
    assert answer["institution"] is None
    by_field = {e["field"]: e for e in answer["errors"]}
    assert set(by_field) == {"input.name", "input.email", "input.phone", "input.website"}
    assert {e["code"] for e in answer["errors"]} == {"VALIDATION"}
    assert by_field["input.email"]["message"] == "Неверный адрес электронной почты."
    assert "https://college.ru" in by_field["input.website"]["message"]

    response = await admin.post(
        UPDATE,
        {"input": {"id": old["id"], "email": "not an address"}},
        headers={"Accept-Language": "en"},
    )
    errors = response.json()["data"]["updateInstitution"]["errors"]
    assert [(e["code"], e["field"], e["message"]) for e in errors] == [
        ("VALIDATION", "input.email", "Invalid e-mail address.")
    ]
    stored = await _stored(db, from_global_id(old["id"])[1])
    assert (stored.name, stored.email, stored.phone, stored.website) == (
        old["name"],
        old["email"],
        old["phone"],
        old["website"],
    )
    assert await _audit(db, stored.id) == []
