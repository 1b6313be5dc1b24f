"""Credentials: who issues them is the ruleset's; one-time passwords must be changed;
sessions can be revoked; a dismissed employee cannot sign in."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select, update

from campusgraph.db import models as m
from campusgraph.db.tenancy import unscoped

CURATED = "query { viewer { employee { curatedGroups { students { id } } } } }"
ISSUE = """
mutation ($input: IssueCredentialsInput!) {
  issueCredentials(input: $input) {
    credentials { person login oneTimePassword }
    errors { code field ruleset rule clause }
  }
}
"""
CHANGE = """
mutation ($old: String!, $new: String!) {
  changePassword(input: {oldPassword: $old, newPassword: $new}) { ok errors { code field } }
}
"""
REVOKE = "mutation { revokeSessions(input: {}) { revoked errors { code } } }"
VIEWER = "query { viewer { login } }"


async def _curated_students(curator: Any) -> list[str]:
    groups = (await curator.data(CURATED))["viewer"]["employee"]["curatedGroups"]
    return [s["id"] for s in groups[0]["students"]]


async def test_curator_issues_credentials_first_sign_in_forces_a_new_password(
    client: Any,
) -> None:
    curator = await client.as_("tomsk-technikum-2023", "curator")
    student_id = (await _curated_students(curator))[3]

    issued = (await curator.data(ISSUE, {"input": {"people": [student_id]}}))["issueCredentials"]

    assert issued["errors"] == []
    [credential] = issued["credentials"]
    assert credential["person"] == student_id
    login, password = credential["login"], credential["oneTimePassword"]
    student = await client.as_("tomsk-technikum-2023", login, password)
    refused = await student.query("query { viewer { student { id } } institution { name } }")
    assert refused["data"] is None
    assert refused["errors"][0]["extensions"]["reason"] == "MUST_CHANGE_PASSWORD"

    changed = await student.data(CHANGE, {"old": password, "new": "a-long-new-secret"})
    assert changed["changePassword"] == {"ok": True, "errors": []}
    again = await client.as_("tomsk-technikum-2023", login, "a-long-new-secret")
    assert (await again.data("query { viewer { student { id } } }"))["viewer"]["student"][
        "id"
    ] == student_id


async def test_teacher_cannot_issue_credentials(client: Any) -> None:
    curator = await client.as_("altai-college-2016", "curator")
    student_id = (await _curated_students(curator))[0]
    teacher = await client.as_("altai-college-2016", "teacher")

    result = (await teacher.data(ISSUE, {"input": {"people": [student_id]}}))["issueCredentials"]

    assert result["credentials"] is None
    assert result["errors"][0]["code"] == "FORBIDDEN"


async def test_weak_new_password_is_refused(client: Any) -> None:
    teacher = await client.as_("altai-college-2016", "teacher")
    result = (await teacher.data(CHANGE, {"old": "demo", "new": "short"}))["changePassword"]
    assert result == {"ok": False, "errors": [{"code": "VALIDATION", "field": "input.newPassword"}]}


async def test_revoked_sessions_cannot_query(client: Any) -> None:
    first = await client.as_("altai-college-2016", "teacher")
    second = await client.as_("altai-college-2016", "teacher")

    revoked = (await first.data(REVOKE))["revokeSessions"]

    assert revoked["errors"] == []
    assert revoked["revoked"] >= 2
    for session in (first, second):
        payload = await session.query(VIEWER)
        assert payload["data"] is None
        assert payload["errors"][0]["extensions"]["reason"] == "TOKEN_REVOKED"


async def test_a_dismissed_employee_cannot_sign_in(db: Any, client: Any) -> None:
    async with unscoped(db.factory, write=True) as s:
        person = (
            await s.execute(
                select(m.UserAccount.person_id)
                .join(m.Institution, m.Institution.id == m.UserAccount.institution_id)
                .where(m.Institution.slug == "altai-college-2016", m.UserAccount.login == "teacher")
            )
        ).scalar_one()
        await s.execute(
            update(m.Employee)
            .where(m.Employee.person_id == person)
            .values(dismissed_on=dt.date(2026, 11, 1))
        )
        await s.commit()

    payload = await client.query(
        """mutation { login(input: {institution: "altai-college-2016", login: "teacher", password: "demo"}) {
          token errors { code message } } }"""
    )

    assert payload["data"]["login"]["token"] is None
    assert payload["data"]["login"]["errors"][0]["message"] == "Учётная запись отключена."
