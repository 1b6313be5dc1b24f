"""Credentials: who issues them is the ruleset's; one-time passwords must be changed;
sessions can be revoked; a dismissed employee cannot sign in."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from campusgraph.db import models as m
from campusgraph.db.tenancy import unscoped
from campusgraph.policies.ruleset import SHIPPED

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


# -- role grants and password resets -------------------------------------------------------

OWN_CARD = "query { viewer { login roles { name } employee { id } } }"
ISSUE_ROLE = """
mutation ($input: IssueCredentialsInput!) {
  issueCredentials(input: $input) {
    credentials { person login oneTimePassword }
    granted { person login role added }
    errors { code field message ruleset rule clause }
  }
}
"""
RESET = """
mutation ($login: String!) {
  resetPassword(input: {accountLogin: $login}) {
    login oneTimePassword errors { code field message ruleset rule clause }
  }
}
"""
PERIODS = "query { institution { academicYears { isCurrent periods { id } } } }"
CLOSE = "mutation ($p: ID!) { closePeriod(input: {period: $p}) { errors { code } } }"
BARNAUL = "barnaul-school6-2016"


async def _roles(session: Any) -> set[str]:
    return {r["name"] for r in (await session.data(OWN_CARD))["viewer"]["roles"]}


async def _sign_in_fails(client: Any, slug: str, login: str, password: str) -> bool:
    payload = await client.query(
        "mutation ($i: LoginInput!) { login(input: $i) { token errors { code } } }",
        {"i": {"institution": slug, "login": login, "password": password}},
    )
    return payload["data"]["login"]["token"] is None


async def test_barnaul_hr_specialist_cannot_make_himself_administrator(client: Any) -> None:
    # given: the hr specialist, who issues staff accounts but may not appoint the admin
    hr = await client.as_(BARNAUL, "hr_specialist")
    own = (await hr.data(OWN_CARD))["viewer"]["employee"]["id"]

    # when: he issues himself credentials with the administrator role (in English)
    response = await hr.post(
        ISSUE_ROLE,
        {"input": {"people": [own], "role": "administrator"}},
        headers={"Accept-Language": "en"},
    )
    result = response.json()["data"]["issueCredentials"]

    # then: refused by the deny line of п. 3.2, and nothing was given
    assert result["credentials"] is None
    assert result["granted"] is None
    [error] = result["errors"]
    assert error["code"] == "FORBIDDEN"
    assert error["field"] == "input.role"
    assert error["ruleset"] == BARNAUL
    assert error["rule"].startswith(f"{BARNAUL}/policy.csv:")
    assert error["rule"].endswith(
        "p, hr_specialist, role.administrator, grant, institution, always, deny"
    )
    assert "п. 3.2" in error["clause"]
    assert error["message"].startswith("You may not grant the role «administrator»")
    again = await client.as_(BARNAUL, "hr_specialist")
    assert await _roles(again) == {"hr_specialist"}
    years = (await again.data(PERIODS))["institution"]["academicYears"]
    period = next(y for y in years if y["isCurrent"])["periods"][0]["id"]
    closed = (await again.data(CLOSE, {"p": period}))["closePeriod"]
    assert closed["errors"] == [{"code": "FORBIDDEN"}]


async def test_a_role_inheriting_another_needs_the_right_to_grant_both(
    make_client: Any, tmp_path: Path
) -> None:
    """Granting a role hands over what it inherits: where ``teacher`` inherits
    ``head_teacher``, the hr specialist's grant of teacher is a grant of head teacher too."""
    # given: barnaul's ruleset with one more g line (its golden cases no longer apply)
    folder = tmp_path / BARNAUL
    shutil.copytree(SHIPPED / BARNAUL, folder)
    (folder / "golden.toml").unlink()
    with (folder / "policy.csv").open("a", encoding="utf-8") as policy:
        policy.write("g, teacher, head_teacher, no clause: a test of inherited grants\n")
    async with make_client(rulesets_path=str(tmp_path)) as anonymous:
        hr = await anonymous.as_(BARNAUL, "hr_specialist")
        admin = await anonymous.as_(BARNAUL, "administrator")
        colleague = (await admin.data(OWN_CARD))["viewer"]["employee"]["id"]

        # when: he gives the administrator the teacher role, then the class teacher role
        teacher = await hr.data(ISSUE_ROLE, {"input": {"people": [colleague], "role": "teacher"}})
        curator = await hr.data(
            ISSUE_ROLE, {"input": {"people": [colleague], "role": "class_teacher"}}
        )

        # then: teacher is refused for head_teacher, by default deny; class teacher is given
        [error] = teacher["issueCredentials"]["errors"]
        assert error["code"] == "FORBIDDEN"
        assert error["rule"] == "default deny"
        assert "«teacher»" in error["message"]
        assert "«head_teacher»" in error["message"]
        assert curator["issueCredentials"]["errors"] == []
        assert curator["issueCredentials"]["granted"] == [
            {"person": colleague, "login": "administrator", "role": "class_teacher", "added": True}
        ]
        assert await _roles(await anonymous.as_(BARNAUL, "administrator")) == {
            "administrator",
            "class_teacher",
        }


async def test_issuing_credentials_to_an_account_holder_keeps_his_password(client: Any) -> None:
    # given: altai's administrator, and the teacher, who has an account
    admin = await client.as_("altai-college-2016", "administrator")
    teacher = await client.as_("altai-college-2016", "teacher")
    card = (await teacher.data(OWN_CARD))["viewer"]["employee"]["id"]

    # when: the administrator issues the teacher credentials with his role, then another
    same = await admin.data(ISSUE_ROLE, {"input": {"people": [card], "role": "teacher"}})
    more = await admin.data(ISSUE_ROLE, {"input": {"people": [card], "role": "curator"}})

    # then: no password is handed over, the role is added, the teacher's password still works
    assert same["issueCredentials"] == {
        "credentials": [],
        "granted": [{"person": card, "login": "teacher", "role": "teacher", "added": False}],
        "errors": [],
    }
    assert more["issueCredentials"]["credentials"] == []
    assert more["issueCredentials"]["granted"][0]["added"] is True
    assert await teacher.data(VIEWER) == {"viewer": {"login": "teacher"}}
    assert await _roles(await client.as_("altai-college-2016", "teacher")) == {"teacher", "curator"}


async def test_a_student_card_gets_the_student_role_only(client: Any) -> None:
    curator = await client.as_("altai-college-2016", "curator")
    student_id = (await _curated_students(curator))[1]
    admin = await client.as_("altai-college-2016", "administrator")

    result = await admin.data(
        ISSUE_ROLE, {"input": {"people": [student_id], "role": "administrator"}}
    )

    [error] = result["issueCredentials"]["errors"]
    assert error["code"] == "VALIDATION"
    assert error["field"] == "input.role"


async def test_a_password_reset_never_hands_over_a_role_the_caller_cannot_grant(
    db: Any, client: Any
) -> None:
    # given: barnaul's hr specialist may reset passwords of the accounts whose roles he grants
    hr = await client.as_(BARNAUL, "hr_specialist")
    teacher = await client.as_(BARNAUL, "teacher")

    # when: he resets the administrator's, the secretary's and the teacher's passwords
    admin = (await hr.data(RESET, {"login": "administrator"}))["resetPassword"]
    secretary = (await hr.data(RESET, {"login": "secretary"}))["resetPassword"]
    reset = (await hr.data(RESET, {"login": "teacher"}))["resetPassword"]

    # then: administrator (deny line, п. 3.2) and secretary (no grant line) are refused
    assert admin["oneTimePassword"] is None
    [error] = admin["errors"]
    assert error["code"] == "FORBIDDEN"
    assert error["rule"].endswith(
        "p, hr_specialist, role.administrator, grant, institution, always, deny"
    )
    assert "п. 3.2" in error["clause"]
    assert secretary["oneTimePassword"] is None
    assert [e["rule"] for e in secretary["errors"]] == ["default deny"]
    assert not await _sign_in_fails(client, BARNAUL, "administrator", "demo")
    assert not await _sign_in_fails(client, BARNAUL, "secretary", "demo")
    # and: the teacher's is reset: his sessions end, the old password fails, the new works
    assert reset["errors"] == []
    assert reset["login"] == "teacher"
    assert (await teacher.query(VIEWER))["errors"][0]["extensions"]["reason"] == "TOKEN_REVOKED"
    assert await _sign_in_fails(client, BARNAUL, "teacher", "demo")
    fresh = await client.as_(BARNAUL, "teacher", reset["oneTimePassword"])
    changed = await fresh.data(CHANGE, {"old": reset["oneTimePassword"], "new": "a-long-secret"})
    assert changed["changePassword"] == {"ok": True, "errors": []}
    # and: audited, with the roles it handed over
    async with unscoped(db.factory) as s:
        events = (
            await s.execute(
                select(m.AuditEvent.action, m.AuditEvent.after).where(
                    m.AuditEvent.action == "reset_password"
                )
            )
        ).all()
    assert [(a, after["login"], after["roles"]) for a, after in events] == [
        ("reset_password", "teacher", ["teacher"])
    ]


async def test_a_password_reset_needs_its_own_line(client: Any) -> None:
    # altai's curator issues his students' credentials but resets no password
    curator = await client.as_("altai-college-2016", "curator")

    result = (await curator.data(RESET, {"login": "student"}))["resetPassword"]

    assert result["oneTimePassword"] is None
    [error] = result["errors"]
    assert error["code"] == "FORBIDDEN"
    assert error["rule"] == "default deny"
    assert not await _sign_in_fails(client, "altai-college-2016", "student", "demo")


GROUPS = "query { institution { groups(first: 50) { nodes { id students { id } } } } }"


async def test_a_reset_reaches_only_the_people_the_caller_may_give_the_roles_to(
    make_client: Any, tmp_path: Path
) -> None:
    """A curator's grants of the student role reach his group only: where a ruleset lets
    curators reset passwords, they reset his students' accounts and no other student's."""
    # given: altai, where curators may also reset passwords (a local order's line)
    slug = "altai-college-2016"
    folder = tmp_path / slug
    shutil.copytree(SHIPPED / slug, folder)
    (folder / "golden.toml").unlink()
    with (folder / "policy.csv").open("a", encoding="utf-8") as policy:
        policy.write(
            "p, curator, account, reset_password, institution, always, allow, no clause: a test\n"
        )
    async with make_client(rulesets_path=str(tmp_path)) as anonymous:
        curator = await anonymous.as_(slug, "curator")
        admin = await anonymous.as_(slug, "administrator")
        mine = (await _curated_students(curator))[2]
        groups = (await admin.data(GROUPS))["institution"]["groups"]["nodes"]
        group = await _curated_students(curator)
        other = next(s["id"] for g in groups for s in g["students"] if s["id"] not in group)
        issued = await admin.data(ISSUE_ROLE, {"input": {"people": [mine, other]}})
        [own_login, other_login] = [c["login"] for c in issued["issueCredentials"]["credentials"]]

        # when: the curator resets both students' passwords
        own = (await curator.data(RESET, {"login": own_login}))["resetPassword"]
        foreign = (await curator.data(RESET, {"login": other_login}))["resetPassword"]

        # then: his student's is reset; the other's is refused by the grant's scope
        assert own["errors"] == []
        assert own["oneTimePassword"]
        assert foreign["oneTimePassword"] is None
        [error] = foreign["errors"]
        assert error["code"] == "FORBIDDEN"
        assert error["field"] == "input.role"
        assert "«student»" in error["message"]
