"""Sign-in, sign-out and resolving a bearer token into a :class:`Viewer`.

Token lookups run before any tenant is known, so they use an unscoped session; what they
return fixes the tenant for the rest of the request.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Engine, Select, String, and_, bindparam, cast, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased
from sqlalchemy.util import greenlet_spawn

from campusgraph import live
from campusgraph.context import AuthProblem
from campusgraph.db import driver
from campusgraph.db import models as m
from campusgraph.db.base import utcnow
from campusgraph.db.tenancy import single_read_options, unscoped
from campusgraph.i18n import message
from campusgraph.policies.facts import Viewer
from campusgraph.resolvers import throttle as throttling
from campusgraph.resolvers.audit import record
from campusgraph.resolvers.throttle import ADDRESS, LOGIN, Counted, Throttle
from campusgraph.security import Busy, dummy_hash, new_token, password_checks, token_digest
from campusgraph.settings import Settings


def problem(code: str, key: str) -> AuthProblem:
    return AuthProblem(code, message(key, "ru"), message(key, "en"))


@dataclass(frozen=True, slots=True)
class Authenticated:
    viewer: Viewer | None
    ruleset: str | None
    problem: AuthProblem | None


def _lookup_statement(by_session_id: bool = False) -> Select[*tuple[Any, ...]]:
    """Built once: the session, account, roles, realm, person links and (for a region's
    session) the region's institutions of one token hash (or, for a file link that names
    its session, of one session id).

    A statement built per request cost more CPU than running it (SQLAlchemy's coercions
    and cache key); a prebuilt one with a bound parameter compiles once and is reused.
    """
    s, u, ra, i, r = m.AuthSession, m.UserAccount, m.RoleAssignment, m.Institution, m.Region
    e, st, p = m.Employee, m.Student, m.Parent
    i2 = aliased(m.Institution)
    return (
        select(
            s.id.label("session_id"),
            s.expires_at,
            s.revoked_at,
            s.institution_id,
            s.region_id,
            u.id.label("user_id"),
            u.login,
            u.disabled_at,
            u.person_id,
            u.must_change_password,
            ra.role,
            i.ruleset.label("institution_ruleset"),
            i.timezone.label("institution_timezone"),
            r.ruleset.label("region_ruleset"),
            e.id.label("employee_id"),
            st.id.label("student_id"),
            p.id.label("parent_id"),
            # A region's session is confined to the region's institutions: read here,
            # not by a second statement (NULL for an institution's session).
            select(func.aggregate_strings(cast(i2.id, String), ","))
            .where(i2.region_id == s.region_id)
            .scalar_subquery()
            .label("region_institutions"),
        )
        .join(u, u.id == s.user_id)
        .outerjoin(i, i.id == s.institution_id)
        .outerjoin(r, r.id == s.region_id)
        .outerjoin(
            ra,
            and_(
                ra.user_id == u.id,
                or_(
                    and_(s.institution_id.is_not(None), ra.institution_id == s.institution_id),
                    and_(s.region_id.is_not(None), ra.region_id == s.region_id),
                ),
            ),
        )
        .outerjoin(e, and_(u.person_id.is_not(None), e.person_id == u.person_id))
        .outerjoin(st, and_(u.person_id.is_not(None), st.person_id == u.person_id))
        .outerjoin(p, and_(u.person_id.is_not(None), p.person_id == u.person_id))
        .where(
            s.id == bindparam("session_id")
            if by_session_id
            else s.token_hash == bindparam("token_hash")
        )
    )


_LOOKUP = _lookup_statement()
_LOOKUP_SESSION = _lookup_statement(by_session_id=True)


async def _read(
    engine: AsyncEngine, stmt: Select[*tuple[Any, ...]], params: dict[str, Any]
) -> Sequence[Mapping[Any, Any]]:
    """The rows of one SELECT on a connection of its own, with no transaction (one
    statement is its own snapshot). On PostgreSQL on asyncpg's connection itself
    (``db/driver.py``: SQLAlchemy's execution around it cost twice the statement); on
    SQLite in one hop into SQLAlchemy's greenlet: an ``AsyncConnection`` would take four
    (connect, execute, close, and close again in a task of its own), which cost more than
    the lookup on every request."""
    if driver.runs_on_driver(engine):
        return await driver.fetch(engine, stmt, params)
    options = single_read_options(engine)

    def run(sync: Engine) -> Sequence[Mapping[Any, Any]]:
        with sync.connect().execution_options(**options) as conn:
            return conn.execute(stmt, params).mappings().all()

    return await greenlet_spawn(run, engine.sync_engine)


def local_today(timezone: str | None, now: dt.datetime | None = None) -> dt.date:
    """Today where the institution is: the region's institutions span time zones (Altai and
    Tomsk are four hours ahead of Armavir), and "current" periods, groups and curators turn
    over at the institution's midnight, not the server's. A region's account (no
    institution) and an unknown zone take the server's date."""
    moment = now or dt.datetime.now(dt.UTC)
    if timezone:
        try:
            return moment.astimezone(ZoneInfo(timezone)).date()
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return moment.astimezone().date()


async def authenticate(
    factory: async_sessionmaker[AsyncSession], token: str | None, *, today: dt.date | None = None
) -> Authenticated:
    """One statement for the usual case, on a plain connection: the lookup runs before
    any tenant is known, and an ORM session would only add its bookkeeping."""
    if not token:
        return Authenticated(None, None, None)
    engine: AsyncEngine = factory.kw["bind"]
    rows = await _read(engine, _LOOKUP, {"token_hash": token_digest(token)})
    return _authenticated(rows, today)


async def authenticate_session(
    factory: async_sessionmaker[AsyncSession], session_id: int, *, today: dt.date | None = None
) -> Authenticated:
    """The viewer of session ``session_id``, checked as :func:`authenticate` checks a bearer
    token (revoked, expired, account disabled): a file link names its session, so signing
    out or revoking the session ends the link too."""
    engine: AsyncEngine = factory.kw["bind"]
    rows = await _read(engine, _LOOKUP_SESSION, {"session_id": session_id})
    return _authenticated(rows, today)


def _authenticated(rows: Sequence[Mapping[Any, Any]], today: dt.date | None) -> Authenticated:
    if not rows:
        return Authenticated(None, None, problem("TOKEN_UNKNOWN", "token_unknown"))
    first = rows[0]
    if first["revoked_at"] is not None:
        return Authenticated(None, None, problem("TOKEN_REVOKED", "token_revoked"))
    now = utcnow()
    if first["expires_at"] <= now:
        return Authenticated(None, None, problem("TOKEN_EXPIRED", "token_expired"))
    if first["disabled_at"] is not None and first["disabled_at"] <= now:
        return Authenticated(None, None, problem("ACCOUNT_DISABLED", "account_disabled"))
    roles = frozenset(row["role"] for row in rows if row["role"] is not None)
    inst_id = first["institution_id"]
    if inst_id is not None:
        institution_ids: tuple[int, ...] = (inst_id,)
        ruleset = first["institution_ruleset"]
    else:
        listed = first["region_institutions"] or ""
        institution_ids = tuple(sorted(int(pk) for pk in listed.split(",") if pk))
        ruleset = first["region_ruleset"]
    viewer = Viewer(
        user_id=first["user_id"],
        session_id=first["session_id"],
        login=first["login"],
        institution_ids=institution_ids,
        institution_id=inst_id,
        region_id=first["region_id"],
        roles=roles,
        person_id=first["person_id"],
        employee_id=first["employee_id"],
        student_id=first["student_id"],
        parent_id=first["parent_id"],
        today=today or local_today(first["institution_timezone"]),
        must_change_password=bool(first["must_change_password"]),
    )
    return Authenticated(viewer, ruleset, None)


@dataclass(frozen=True, slots=True)
class SignIn:
    token: str | None
    expires_at: dt.datetime | None
    must_change_password: bool
    problem: AuthProblem | None
    #: Seconds to wait before trying again, when the sign-in was refused unchecked.
    retry_after: int | None = None


def _refused(code: str, key: str, seconds: int) -> SignIn:
    text = AuthProblem(
        code, message(key, "ru", seconds=seconds), message(key, "en", seconds=seconds)
    )
    return SignIn(None, None, False, text, seconds)


def _bad_credentials() -> SignIn:
    return SignIn(None, None, False, problem("BAD_CREDENTIALS", "bad_credentials"))


#: Seconds a sign-in refused for a full password-check line is told to wait.
BUSY_RETRY_SECONDS = 2


@dataclass(frozen=True, slots=True)
class _Found:
    institution_id: int | None
    region_id: int | None
    account: m.UserAccount | None
    #: The account's person is a dismissed employee (as of the realm's today).
    dismissed: bool = False


def _find_statement() -> Select[*tuple[Any, ...]]:
    """Built once: the realm (an institution's slug, else a region's) and the account of
    that login in it, in one statement (it was two or three)."""
    u, i, r = m.UserAccount, m.Institution, m.Region
    realm_name: Any = bindparam("realm")
    realm = select(
        select(i.id).where(i.slug == realm_name).scalar_subquery().label("institution_id"),
        select(r.id).where(r.slug == realm_name).scalar_subquery().label("region_id"),
    ).subquery("realm")
    in_realm = or_(
        u.institution_id == realm.c.institution_id,
        and_(realm.c.institution_id.is_(None), u.region_id == realm.c.region_id),
    )
    e = m.Employee
    dismissed = (
        select(e.id)
        .where(
            e.person_id == u.person_id,
            e.dismissed_on.is_not(None),
            e.dismissed_on <= bindparam("today"),
        )
        .exists()
        .label("dismissed")
    )
    return (
        select(realm.c.institution_id, realm.c.region_id, dismissed, u)
        .select_from(realm)
        .outerjoin(u, and_(in_realm, u.login == bindparam("login")))
    )


_FIND = _find_statement()


async def _find(
    factory: async_sessionmaker[AsyncSession], realm: str, login: str, today: dt.date
) -> _Found:
    """The realm, the account and whether its person was dismissed, in a read of its own:
    no write lock, closed before the password is checked."""
    async with unscoped(factory, read=True) as session:
        params = {"realm": realm, "login": login, "today": today}
        inst, region, dismissed, account = (await session.execute(_FIND, params)).one()
    return _Found(inst, None if inst is not None else region, account, bool(dismissed))


async def sign_in(
    factory: async_sessionmaker[AsyncSession],
    settings: Settings,
    *,
    realm: str,
    login: str,
    password: str,
    user_agent: str | None = None,
    remote_addr: str | None = None,
) -> SignIn:
    """Same answer and about the same time for an unknown realm, login or password, and
    the same throttling (resolvers/throttle.py).

    No transaction is open while argon2 runs: a read finds the account, the check runs
    on a worker thread in the worker's bounded line, and short writes count the attempt
    before and record the outcome after. (Sign-in used to check the password inside its
    write transaction, and on SQLite two password guessers held the writer lock for
    everyone: mark writes fell from ~1,500 to ~100 per 10 s.)
    """
    checks = password_checks(settings)
    throttle = Throttle(settings)
    engine: AsyncEngine = factory.kw["bind"]
    at = throttling.now()
    keys = [throttling.login_key(realm, login)]
    if remote_addr:
        keys.append(throttling.address_key(remote_addr))
    if throttle.enabled:
        # Hammering a blocked login or address costs this one read: no lock, no argon2.
        async with engine.connect() as conn:
            await conn.execution_options(**single_read_options(engine))
            until = await throttle.blocked(conn, keys, at)
        if until is not None:
            seconds = throttling.wait_seconds(until, at)
            return _refused("SIGN_IN_THROTTLED", "sign_in_throttled", seconds)
    try:
        with checks.admit():
            reserved: Counted | None = None
            if throttle.enabled:
                async with unscoped(factory, write=True) as session:
                    conn = await session.connection()
                    counted = await throttle.count(conn, keys[0], LOGIN, at, refuse=True)
                    await session.commit()
                if not isinstance(counted, Counted):
                    seconds = throttling.wait_seconds(counted, at)
                    return _refused("SIGN_IN_THROTTLED", "sign_in_throttled", seconds)
                reserved = counted
            found = await _find(factory, realm, login, settings.current_date())
            account = found.account
            stored = account.password_hash if account is not None else dummy_hash(settings)
            ok = await checks.verify(stored, password, settings)
    except Busy:
        return _refused("SIGN_IN_BUSY", "sign_in_busy", BUSY_RETRY_SECONDS)
    if account is None or not ok:
        if throttle.enabled:
            await _count_failure(factory, throttle, found, reserved, keys, remote_addr)
        return _bad_credentials()
    return await _open_session(
        factory, settings, throttle, found, account, keys[0], user_agent, remote_addr
    )


async def _count_failure(
    factory: async_sessionmaker[AsyncSession],
    throttle: Throttle,
    found: _Found,
    reserved: Counted | None,
    keys: list[str],
    remote_addr: str | None,
) -> None:
    """The address's count, and an audit event for each lockout this failure began."""
    at = throttling.now()
    account = found.account
    async with unscoped(factory, write=True) as session:
        conn = await session.connection()
        locks = [reserved] if reserved is not None and reserved.locks else []
        if len(keys) > 1:
            counted = await throttle.count(conn, keys[1], ADDRESS, at, refuse=False)
            assert isinstance(counted, Counted)
            if counted.locks:
                locks.append(counted)
        for lock in locks:
            await record(
                session,
                viewer=None,
                user_id=account.id if account is not None else None,
                action="lockout",
                object_type="sign_in",
                object_id=account.id if account is not None else None,
                institution_id=found.institution_id,
                after={
                    "kind": lock.kind,
                    "key": lock.key,
                    "failures": lock.failures,
                    "until": lock.blocked_until.isoformat() if lock.blocked_until else None,
                    "address": remote_addr,
                },
            )
        await throttle.prune(conn, at)
        await session.commit()


async def _open_session(
    factory: async_sessionmaker[AsyncSession],
    settings: Settings,
    throttle: Throttle,
    found: _Found,
    account: m.UserAccount,
    login_key: str,
    user_agent: str | None,
    remote_addr: str | None,
) -> SignIn:
    """The right password: the login's count is cleared, and a session row and its audit
    event are written in one short transaction."""
    u = m.UserAccount
    async with unscoped(factory, write=True) as session:
        if throttle.enabled:
            await throttle.clear(await session.connection(), login_key)
        disabled = account.disabled_at is not None and account.disabled_at <= utcnow()
        if disabled or found.dismissed:
            await session.commit()
            return SignIn(None, None, False, problem("ACCOUNT_DISABLED", "account_disabled"))
        token = new_token()
        expires = utcnow() + dt.timedelta(hours=settings.session_ttl_hours)
        auth = m.AuthSession(
            user_id=account.id,
            token_hash=token_digest(token),
            institution_id=found.institution_id,
            region_id=found.region_id,
            expires_at=expires,
            user_agent=(user_agent or "")[:255] or None,
            remote_addr=remote_addr,
        )
        session.add(auth)
        await session.flush()
        await session.execute(update(u).where(u.id == account.id).values(last_login_at=utcnow()))
        await record(
            session,
            viewer=None,
            user_id=account.id,
            session_id=auth.id,
            action="login",
            object_type="account",
            object_id=account.id,
            institution_id=found.institution_id,
        )
        await session.commit()
        return SignIn(token, expires, account.must_change_password, None)


async def sign_out(factory: async_sessionmaker[AsyncSession], viewer: Viewer) -> None:
    async with unscoped(factory, write=True) as session:
        await session.execute(
            update(m.AuthSession)
            .where(m.AuthSession.id == viewer.session_id, m.AuthSession.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
        live.emit_sessions(session, (viewer.user_id,))
        await record(
            session,
            viewer=viewer,
            action="logout",
            object_type="account",
            object_id=viewer.user_id,
            institution_id=viewer.institution_id,
        )
        await session.commit()
