"""Accounts: issuing credentials, changing passwords, revoking sessions, disabling."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from campusgraph.context import Context
from campusgraph.db import models as m
from campusgraph.db.base import utcnow
from campusgraph.resolvers.audit import record
from campusgraph.security import one_time_password, password_checks
from campusgraph.text import translit

MIN_PASSWORD = 8


@dataclass(frozen=True, slots=True)
class Issued:
    person_id: int
    login: str
    password: str


async def _unique_login(session: AsyncSession, institution_id: int, person: m.Person) -> str:
    stem = (
        translit(person.surname)
        + "."
        + translit((person.name or "")[:1] + (person.patronymic or "")[:1])
    )
    stem = stem.strip(".") or "user"
    taken = set(
        (
            await session.execute(
                select(m.UserAccount.login).where(
                    m.UserAccount.institution_id == institution_id,
                    m.UserAccount.login.like(f"{stem}%"),
                )
            )
        ).scalars()
    )
    if stem not in taken:
        return stem
    n = 2
    while f"{stem}{n}" in taken:
        n += 1
    return f"{stem}{n}"


async def issue_credentials(
    ctx: Context, people: list[tuple[int, str]], client_mutation_id: str | None
) -> list[Issued]:
    """``people``: (person id, role). A person who already has an account gets a new
    one-time password; every issued password must be changed at first sign-in."""
    viewer = ctx.viewer
    assert viewer is not None
    inst = viewer.institution_id
    assert inst is not None
    passwords = [one_time_password() for _ in people]
    checks = password_checks(ctx.settings)
    hashes = await asyncio.gather(*(checks.hash(p, ctx.settings) for p in passwords))
    issued: list[Issued] = []
    async with ctx.session(write=True) as session:
        for (person_id, role), password, digest in zip(people, passwords, hashes, strict=True):
            person = (
                await session.execute(select(m.Person).where(m.Person.id == person_id))
            ).scalar_one()
            account = (
                await session.execute(
                    select(m.UserAccount).where(
                        m.UserAccount.institution_id == inst, m.UserAccount.person_id == person_id
                    )
                )
            ).scalar_one_or_none()
            if account is None:
                login = await _unique_login(session, inst, person)
                account = m.UserAccount(
                    institution_id=inst,
                    person_id=person_id,
                    login=login,
                    password_hash=digest,
                    must_change_password=True,
                )
                session.add(account)
                await session.flush()
                action = "create"
            else:
                account.password_hash = digest
                account.must_change_password = True
                action = "update"
                await _revoke(session, account.id)
            has_role = (
                await session.execute(
                    select(m.RoleAssignment.id).where(
                        m.RoleAssignment.user_id == account.id,
                        m.RoleAssignment.institution_id == inst,
                        m.RoleAssignment.role == role,
                    )
                )
            ).first()
            if has_role is None:
                await session.execute(
                    insert(m.RoleAssignment).values(
                        user_id=account.id, institution_id=inst, role=role
                    )
                )
            await record(
                session,
                viewer=viewer,
                action=action,
                object_type="account",
                object_id=account.id,
                institution_id=inst,
                after={"login": account.login, "role": role, "one_time_password": True},
                client_mutation_id=client_mutation_id,
            )
            issued.append(Issued(person_id, account.login, password))
        await session.commit()
    return issued


async def _revoke(session: AsyncSession, user_id: int, *, keep: int | None = None) -> int:
    stmt = (
        update(m.AuthSession)
        .where(m.AuthSession.user_id == user_id, m.AuthSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    if keep is not None:
        stmt = stmt.where(m.AuthSession.id != keep)
    result = await session.execute(stmt)
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def revoke_sessions(ctx: Context, user_id: int, client_mutation_id: str | None) -> int:
    viewer = ctx.viewer
    assert viewer is not None
    async with ctx.session(write=True) as session:
        count = await _revoke(session, user_id)
        await record(
            session,
            viewer=viewer,
            action="revoke_sessions",
            object_type="account",
            object_id=user_id,
            institution_id=viewer.institution_id,
            after={"revoked": count},
            client_mutation_id=client_mutation_id,
        )
        await session.commit()
    return count


async def change_password(ctx: Context, old: str, new: str) -> list[tuple[str, str]]:
    """Returns validation problems; on success the other sessions are revoked."""
    viewer = ctx.viewer
    assert viewer is not None
    en = ctx.language == "en"
    if len(new) < MIN_PASSWORD:
        return [
            (
                "input.newPassword",
                f"At least {MIN_PASSWORD} characters."
                if en
                else f"Не короче {MIN_PASSWORD} символов.",
            )
        ]
    if new == old:
        return [
            (
                "input.newPassword",
                "Must differ from the old one." if en else "Должен отличаться от прежнего.",
            )
        ]
    # Argon2 runs with no transaction open (a write session held across it stalled every
    # writer on SQLite): read the hash, check and hash in the bounded line, then write only
    # if the hash is still the one that was checked.
    checks = password_checks(ctx.settings)
    wrong = [("input.oldPassword", "Wrong password." if en else "Неверный пароль.")]
    async with ctx.session() as session:
        stored = (
            await session.execute(
                select(m.UserAccount.password_hash).where(m.UserAccount.id == viewer.user_id)
            )
        ).scalar_one()
    if not await checks.verify(stored, old, ctx.settings):
        return wrong
    digest = await checks.hash(new, ctx.settings)
    async with ctx.session(write=True) as session:
        account = (
            await session.execute(select(m.UserAccount).where(m.UserAccount.id == viewer.user_id))
        ).scalar_one()
        if account.password_hash != stored:
            return wrong  # changed meanwhile: the old password checked is no longer it
        account.password_hash = digest
        account.must_change_password = False
        await _revoke(session, account.id, keep=viewer.session_id)
        await record(
            session,
            viewer=viewer,
            action="change_password",
            object_type="account",
            object_id=account.id,
            institution_id=viewer.institution_id,
        )
        await session.commit()
    return []


async def disable_accounts_of(session: AsyncSession, person_id: int, on: dt.date) -> None:
    """A dismissed employee or an expelled student cannot sign in from that day."""
    await session.execute(
        update(m.UserAccount)
        .where(m.UserAccount.person_id == person_id, m.UserAccount.disabled_at.is_(None))
        .values(disabled_at=dt.datetime.combine(on, dt.time(), tzinfo=dt.UTC))
    )
    ids = select(m.UserAccount.id).where(m.UserAccount.person_id == person_id)
    await session.execute(
        update(m.AuthSession)
        .where(m.AuthSession.user_id.in_(ids), m.AuthSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
