"""``viewer.can`` answers on real rows with the deciding line and clause."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from campusgraph.db import models as m
from campusgraph.db.tenancy import unscoped
from campusgraph.ids import to_global_id

CAN = """
query ($object: String!, $action: String!, $id: ID, $on: ID) {
  viewer { can(object: $object, action: $action, id: $id, on: $on) { allowed ruleset rule clause } }
}
"""


async def _absence_in_curated_group(db: Any, slug: str) -> str:
    async with unscoped(db.factory) as s:
        row = (
            await s.execute(
                select(m.Attendance.id)
                .join(m.Curatorship, m.Curatorship.group_id == m.Attendance.group_id)
                .join(m.Employee, m.Employee.id == m.Curatorship.curator_id)
                .join(m.UserAccount, m.UserAccount.person_id == m.Employee.person_id)
                .join(m.Institution, m.Institution.id == m.Attendance.institution_id)
                .where(m.Institution.slug == slug, m.UserAccount.login == "curator")
                .limit(1)
            )
        ).scalar_one()
    return to_global_id("Attendance", row)


async def test_curators_absence_reasons_differ_between_altai_and_armavir(
    db: Any, sign_in: Any
) -> None:
    for slug, expected in (("altai-college-2016", False), ("armavir-technikum-2025", True)):
        curator = await sign_in(slug, "curator")
        absence = await _absence_in_curated_group(db, slug)
        can = (
            await curator.data(
                CAN, {"object": "attendance.reason", "action": "update", "id": absence}
            )
        )["viewer"]["can"]
        assert can["allowed"] is expected, (slug, can)
        assert can["ruleset"] == slug
        if expected:
            assert "п. 4.3" in can["clause"]


async def test_a_row_of_another_institution_is_not_found(db: Any, sign_in: Any) -> None:
    curator = await sign_in("altai-college-2016", "curator")
    foreign = await _absence_in_curated_group(db, "armavir-technikum-2025")
    data = await curator.data(
        CAN, {"object": "attendance.reason", "action": "update", "id": foreign}
    )
    assert data["viewer"]["can"] is None


async def test_unknown_object_is_a_validation_error(sign_in: Any) -> None:
    teacher = await sign_in("altai-college-2016", "teacher")
    payload = await teacher.query(CAN, {"object": "marks", "action": "read"})
    assert payload["errors"][0]["extensions"]["code"] == "VALIDATION"
