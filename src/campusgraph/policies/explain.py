"""``policy explain``: which line allows or denies an action of a user, and why."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from campusgraph import ids
from campusgraph.db import models as m
from campusgraph.db.tenancy import scoped, unscoped
from campusgraph.policies.engine import Authorizer, compile_ruleset
from campusgraph.policies.facts import Facts, Viewer
from campusgraph.policies.targets import target_of
from campusgraph.policies.vocabulary import granted_role, object_spec


async def viewer_for_login(
    factory: async_sessionmaker[AsyncSession], institution: str, login: str
) -> tuple[Viewer, str] | None:
    """The viewer a sign-in of ``login`` at ``institution`` would produce, and its ruleset."""
    async with unscoped(factory) as session:
        inst = (
            await session.execute(select(m.Institution).where(m.Institution.slug == institution))
        ).scalar_one_or_none()
        if inst is None:
            return None
        account = (
            await session.execute(
                select(m.UserAccount).where(
                    m.UserAccount.institution_id == inst.id, m.UserAccount.login == login
                )
            )
        ).scalar_one_or_none()
        if account is None:
            return None
        roles = (
            await session.execute(
                select(m.RoleAssignment.role).where(
                    m.RoleAssignment.user_id == account.id,
                    m.RoleAssignment.institution_id == inst.id,
                )
            )
        ).scalars()
        links: dict[str, int | None] = {}
        for name, model in (("employee", m.Employee), ("student", m.Student), ("parent", m.Parent)):
            links[name] = (
                await session.execute(select(model.id).where(model.person_id == account.person_id))
            ).scalar_one_or_none()
        viewer = Viewer(
            user_id=account.id,
            session_id=None,
            login=login,
            institution_ids=(inst.id,),
            institution_id=inst.id,
            region_id=inst.region_id,
            roles=frozenset(roles),
            person_id=account.person_id,
            employee_id=links["employee"],
            student_id=links["student"],
            parent_id=links["parent"],
        )
        return viewer, inst.ruleset


async def explain(
    factory: async_sessionmaker[AsyncSession],
    dirs: list[Path],
    *,
    institution: str,
    login: str,
    obj: str,
    act: str,
    gid: str | None,
) -> tuple[str, int]:
    if object_spec(obj) is None:
        return f"unknown object {obj!r}", 2
    found = await viewer_for_login(factory, institution, login)
    if found is None:
        return f"no account {login!r} at {institution!r}", 2
    viewer, slug = found
    compiled = compile_ruleset(slug, dirs)
    facts = Facts(viewer, lambda: scoped(factory, viewer.institution_ids))
    auth = Authorizer(compiled, viewer, facts)
    allow, deny = auth.lines(obj, act)
    role = granted_role(obj)
    implied = compiled.granted_with(role)[1:] if role in compiled.ruleset.roles else []
    out = [
        f"ruleset: {slug}",
        f"user: {login} at {institution}; roles {sorted(viewer.roles)}"
        f" (with inherited: {sorted(auth.roles)})",
        f"lines for {obj}:{act}:",
    ]
    out += [
        f"  {line.source}: {line.effect} {line.scope}·{line.cond} — {line.clause}"
        for line in allow + deny
    ]
    if not allow + deny:
        out.append("  none: denied by default")
    if role is not None and implied:
        out.append(f"granting {role} also grants {implied}: each needs its own grant line")
    if gid is None:
        return "\n".join(out), 0
    try:
        _, pk = ids.from_global_id(gid)
    except ValueError:
        pk = int(gid)
    async with scoped(factory, viewer.institution_ids) as session:
        # A role is granted to an account: --id names the account receiving it.
        target = await target_of(session, "account" if role else obj, pk)
    if target is None:
        out.append(f"row {gid}: not found in {institution}")
        return "\n".join(out), 1
    if role is not None:
        decision = await auth.check_grant(role, auth.retarget(target, obj))
    else:
        decision = await auth.check(obj, act, target)
    verdict = "ALLOW" if decision.allowed else "DENY"
    out.append(f"decision on {obj} {pk}: {verdict} by {decision.rule}")
    out.append(f"clause: {decision.clause}")
    return "\n".join(out), 0 if decision.allowed else 1
