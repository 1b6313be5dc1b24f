"""Accounts: issuing credentials, changing passwords, revoking sessions, disabling."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from campusgraph import live
from campusgraph.context import Context
from campusgraph.db import models as m
from campusgraph.db.base import utcnow
from campusgraph.i18n import message
from campusgraph.resolvers.audit import record
from campusgraph.security import one_time_password, password_checks
from campusgraph.text import translit

MIN_PASSWORD = 8


@dataclass(frozen=True, slots=True)
class Issued:
    """A new account with its one-time password, or (``password`` None) a role given to
    an account the person already had: its password is left alone."""

    person_id: int | None
    login: str
    password: str | None
    role: str
    added: bool = True


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


async def _account_of(session: AsyncSession, institution_id: int, person_id: int) -> Any:
    found = await session.execute(
        select(m.UserAccount).where(
            m.UserAccount.institution_id == institution_id, m.UserAccount.person_id == person_id
        )
    )
    return found.scalar_one_or_none()


async def issue_credentials(
    ctx: Context, people: list[tuple[int, str]], client_mutation_id: str | None
) -> list[Issued]:
    """``people``: (person id, role), every role already decided grantable by the guard.
    A person without an account gets one with a one-time password; a person who has one
    gets the role added and keeps his password — a new password for an existing account
    is :func:`reset_password`, an action of its own, never a side effect of this one."""
    viewer = ctx.viewer
    assert viewer is not None
    inst = viewer.institution_id
    assert inst is not None
    async with ctx.session() as session:
        existing = {
            person_id for person_id, _ in people if await _account_of(session, inst, person_id)
        }
    fresh = [person_id for person_id, _ in people if person_id not in existing]
    passwords = {person_id: one_time_password() for person_id in fresh}
    checks = password_checks(ctx.settings)
    hashes = dict(
        zip(
            passwords,
            await asyncio.gather(*(checks.hash(p, ctx.settings) for p in passwords.values())),
            strict=True,
        )
    )
    issued: list[Issued] = []
    async with ctx.session(write=True) as session:
        for person_id, role in people:
            person = (
                await session.execute(select(m.Person).where(m.Person.id == person_id))
            ).scalar_one()
            account = await _account_of(session, inst, person_id)
            password: str | None = None
            if account is None:
                if person_id not in hashes:  # its account vanished meanwhile: a rare path
                    passwords[person_id] = one_time_password()
                    hashes[person_id] = await checks.hash(passwords[person_id], ctx.settings)
                login = await _unique_login(session, inst, person)
                account = m.UserAccount(
                    institution_id=inst,
                    person_id=person_id,
                    login=login,
                    password_hash=hashes.pop(person_id),
                    must_change_password=True,
                )
                session.add(account)
                await session.flush()
                password = passwords[person_id]
                action = "create"
            else:  # had one already (or got one meanwhile): the role only
                action = "grant"
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
            if password is not None or has_role is None:
                await record(
                    session,
                    viewer=viewer,
                    action=action,
                    object_type="account",
                    object_id=account.id,
                    institution_id=inst,
                    after={
                        "login": account.login,
                        "role": role,
                        "one_time_password": password is not None,
                    },
                    client_mutation_id=client_mutation_id,
                )
            issued.append(Issued(person_id, account.login, password, role, has_role is None))
        await session.commit()
    return issued


async def account_roles(session: AsyncSession, institution_id: int, user_id: int) -> list[str]:
    """The roles an account holds at the institution: what a reset of its password hands
    over to whoever receives the one-time password."""
    found = await session.execute(
        select(m.RoleAssignment.role)
        .where(
            m.RoleAssignment.user_id == user_id, m.RoleAssignment.institution_id == institution_id
        )
        .order_by(m.RoleAssignment.role)
    )
    return list(found.scalars())


async def reset_password(ctx: Context, user_id: int, client_mutation_id: str | None) -> Issued:
    """A new one-time password for an existing account; its sessions end, and it must be
    changed at the next sign-in. Audited with the roles it handed over."""
    viewer = ctx.viewer
    assert viewer is not None
    inst = viewer.institution_id
    assert inst is not None
    password = one_time_password()
    digest = await password_checks(ctx.settings).hash(password, ctx.settings)
    async with ctx.session(write=True) as session:
        account = (
            await session.execute(
                select(m.UserAccount).where(
                    m.UserAccount.id == user_id, m.UserAccount.institution_id == inst
                )
            )
        ).scalar_one()
        roles = await account_roles(session, inst, user_id)
        account.password_hash = digest
        account.must_change_password = True
        revoked = await _revoke(session, account.id)
        await record(
            session,
            viewer=viewer,
            action="reset_password",
            object_type="account",
            object_id=account.id,
            institution_id=inst,
            after={
                "login": account.login,
                "roles": roles,
                "one_time_password": True,
                "sessions_revoked": revoked,
            },
            client_mutation_id=client_mutation_id,
        )
        await session.commit()
        return Issued(account.person_id, account.login, password, ",".join(roles), False)


async def _revoke(session: AsyncSession, user_id: int, *, keep: int | None = None) -> int:
    stmt = (
        update(m.AuthSession)
        .where(m.AuthSession.user_id == user_id, m.AuthSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    if keep is not None:
        stmt = stmt.where(m.AuthSession.id != keep)
    result = await session.execute(stmt)
    live.emit_sessions(session, (user_id,))
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
    if len(new) < MIN_PASSWORD:
        return [
            (
                "input.newPassword",
                message("password_too_short", ctx.language, least=MIN_PASSWORD),
            )
        ]
    if new == old:
        return [
            (
                "input.newPassword",
                message("password_same_as_old", ctx.language),
            )
        ]
    # Argon2 runs with no transaction open (a write session held across it stalled every
    # writer on SQLite): read the hash, check and hash in the bounded line, then write only
    # if the hash is still the one that was checked.
    checks = password_checks(ctx.settings)
    wrong = [("input.oldPassword", message("password_wrong", ctx.language))]
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
    live.emit_sessions(session, (await session.execute(ids)).scalars())
