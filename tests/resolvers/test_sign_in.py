"""Signing in, and the clear errors for everything that is not a valid session."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from sqlalchemy import select, update

from campusgraph.db import models as m
from campusgraph.db.tenancy import unscoped
from campusgraph.security import token_digest

LOGIN = """
mutation ($input: LoginInput!) {
  login(input: $input) { token expiresAt viewer { login roles { name title } } errors { code message } }
}
"""
VIEWER = "query { viewer { login roles { name } institution { slug } } }"
LOGOUT = "mutation { logout { ok errors { code } } }"


def _no_leak(payload: dict[str, Any]) -> None:
    text = json.dumps(payload, ensure_ascii=False)
    for marker in ("Traceback", "sqlalchemy", 'File "', "asyncpg", "sqlite3"):
        assert marker not in text, text


async def test_known_account_signs_in_and_sees_its_roles(client: Any) -> None:
    payload = await client.query(
        LOGIN,
        {"input": {"institution": "altai-college-2016", "login": "teacher", "password": "demo"}},
    )
    login = payload["data"]["login"]
    assert login["errors"] == []
    assert login["token"]
    assert login["viewer"]["login"] == "teacher"
    assert [r["name"] for r in login["viewer"]["roles"]] == ["teacher"]
    assert login["viewer"]["roles"][0]["title"].startswith("Преподаватель")


@pytest.mark.parametrize(
    ("institution", "login", "password"),
    [
        ("altai-college-2016", "teacher", "wrong"),
        ("altai-college-2016", "nobody", "demo"),
        ("no-such-college", "teacher", "demo"),
    ],
)
async def test_wrong_credentials_get_one_clear_error(
    client: Any, institution: str, login: str, password: str
) -> None:
    payload = await client.query(
        LOGIN, {"input": {"institution": institution, "login": login, "password": password}}
    )
    result = payload["data"]["login"]
    assert result["token"] is None
    assert result["viewer"] is None
    assert result["errors"] == [
        {"code": "UNAUTHENTICATED", "message": "Неверное имя пользователя или пароль."}
    ]
    _no_leak(payload)


async def test_english_messages_on_request(client: Any) -> None:
    response = await client.post(
        LOGIN,
        {"input": {"institution": "altai-college-2016", "login": "teacher", "password": "x"}},
        headers={"Accept-Language": "en"},
    )
    assert response.json()["data"]["login"]["errors"][0]["message"] == "Wrong login or password."


async def test_no_token_no_data(client: Any) -> None:
    payload = await client.query(VIEWER)
    assert payload["data"] is None
    assert payload["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    _no_leak(payload)


async def test_unknown_token_is_refused(client: Any) -> None:
    payload = await client.query(VIEWER, token="not-a-token")
    assert payload["data"] is None
    assert payload["errors"][0]["extensions"] == {
        "requestId": payload["errors"][0]["extensions"]["requestId"],
        "code": "UNAUTHENTICATED",
        "reason": "TOKEN_UNKNOWN",
    }


async def test_expired_token_is_refused(db: Any, client: Any) -> None:
    teacher = await client.as_("altai-college-2016", "teacher")
    assert (await teacher.data(VIEWER))["viewer"]["login"] == "teacher"
    async with unscoped(db.factory, write=True) as session:
        await session.execute(
            update(m.AuthSession)
            .where(m.AuthSession.token_hash == token_digest(teacher.token))
            .values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1))
        )
        await session.commit()

    payload = await teacher.query(VIEWER)

    assert payload["data"] is None
    assert payload["errors"][0]["extensions"]["reason"] == "TOKEN_EXPIRED"
    assert payload["errors"][0]["message"] == "Сеанс истёк: войдите снова."


async def test_revoked_token_is_refused(client: Any) -> None:
    teacher = await client.as_("altai-college-2016", "teacher")
    assert (await teacher.data(LOGOUT))["logout"]["ok"] is True

    payload = await teacher.query(VIEWER)

    assert payload["data"] is None
    assert payload["errors"][0]["extensions"]["reason"] == "TOKEN_REVOKED"


async def test_tokens_are_stored_hashed(db: Any, client: Any) -> None:
    teacher = await client.as_("altai-college-2016", "teacher")
    async with unscoped(db.factory) as session:
        stored = (await session.execute(select(m.AuthSession.token_hash))).scalars().all()
    assert teacher.token not in stored
    assert token_digest(teacher.token) in stored


@pytest.mark.parametrize(
    "document",
    [
        "query { viewer { login ",  # syntax error
        "query { viewer { noSuchField } }",  # validation error
        "query { " + "viewer { institution { groups { nodes { students { group { " * 4 + "}" * 28,
    ],
)
async def test_malformed_queries_get_a_clear_error_and_no_data(client: Any, document: str) -> None:
    teacher = await client.as_("altai-college-2016", "teacher")
    payload = await teacher.query(document)
    assert payload.get("data") is None
    assert payload["errors"]
    assert payload["errors"][0]["message"]
    _no_leak(payload)


async def test_sign_in_to_the_region_as_its_authority(client: Any) -> None:
    authority = await client.as_("demo-region", "authority")
    data = await authority.data("query { institutions { slug } viewer { roles { name } } }")
    assert {i["slug"] for i in data["institutions"]} == {
        "altai-college-2016",
        "armavir-technikum-2025",
        "barnaul-school6-2016",
        "tomsk-technikum-2023",
        "nshds12-2021",
    }
    assert data["viewer"]["roles"] == [{"name": "authority"}]
