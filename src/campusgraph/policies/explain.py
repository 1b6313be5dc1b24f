"""``policy explain``: which line allows or denies an action of a user, and why."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from campusgraph import ids
from campusgraph.db import models as m
from campusgraph.db.tenancy import scoped, unscoped
from campusgraph.i18n import message
from campusgraph.policies.engine import Authorizer, Decision, compile_ruleset
from campusgraph.policies.facts import Facts, Target, Viewer
from campusgraph.policies.reasons import clause_text, reason_text
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
    language: str = "ru",
) -> tuple[str, int]:
    """The lines of the user's roles for (obj, act) and, given a row, the decision: for a
    denial, per line, whether its scope held and which condition failed and why (the
    closed period with its date and who closed it, the mark already set), in
    ``language`` — the same words as the API's FORBIDDEN."""

    def say(key: str, **values: object) -> str:
        return message(key, language, **values)

    if object_spec(obj) is None:
        return say("explain_unknown_object", obj=obj), 2
    found = await viewer_for_login(factory, institution, login)
    if found is None:
        return say("explain_no_account", login=login, institution=institution), 2
    viewer, slug = found
    compiled = compile_ruleset(slug, dirs)
    facts = Facts(viewer, lambda: scoped(factory, viewer.institution_ids))
    auth = Authorizer(compiled, viewer, facts)
    allow, deny = auth.lines(obj, act)
    role = granted_role(obj)
    implied = compiled.granted_with(role)[1:] if role in compiled.ruleset.roles else []
    out = [
        say("explain_ruleset", slug=slug),
        say(
            "explain_user",
            login=login,
            institution=institution,
            roles=sorted(viewer.roles),
            all=sorted(auth.roles),
        ),
        say("explain_lines", obj=obj, act=act),
    ]
    out += [
        f"  {line.source}: {line.effect} {line.scope}·{line.cond} — {line.clause}"
        for line in allow + deny
    ]
    if not allow + deny:
        out.append(say("explain_no_lines"))
    if role is not None and implied:
        out.append(say("explain_grant_implies", role=role, implied=implied))
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
        out.append(say("explain_row_missing", gid=gid, institution=institution))
        return "\n".join(out), 1
    if role is not None:
        decision = await auth.check_grant(role, auth.retarget(target, obj))
        obj, target = decision.object, auth.retarget(target, decision.object)
    else:
        decision = await auth.check(obj, act, target)
    verdict = say("explain_allow" if decision.allowed else "explain_deny")
    out.append(say("explain_decision", obj=obj, pk=pk, verdict=verdict, rule=decision.rule))
    if not decision.allowed:
        out.append(say("explain_why"))
        out += [f"  {text}" for text in await _line_reasons(auth, obj, act, target, language)]
        out.append(say("explain_reason", reason=reason_text(decision, language)))
    out.append(say("explain_clause", clause=clause_text(decision, language)))
    return "\n".join(out), 0 if decision.allowed else 1


async def _line_reasons(
    auth: Authorizer, obj: str, act: str, target: Target, language: str
) -> list[str]:
    """One sentence per line of the viewer's: its scope did not hold; or it held and these
    conditions failed, each with its reason; or it applied."""
    out: list[str] = []
    for line, held, failed in auth.line_states(obj, act, target):
        where = line.source
        if not held:
            out.append(message("explain_out_of_scope", language, line=where, scope=line.scope))
            continue
        if not failed:
            out.append(message("explain_applied", language, line=where, scope=line.scope))
            continue
        for condition in failed:
            refusal = await auth.condition_refusal(line, (condition,), target)
            denial = Decision(False, auth.compiled.slug, obj, act, None, refusal)
            out.append(
                message(
                    "explain_condition_failed",
                    language,
                    line=where,
                    scope=line.scope,
                    condition=condition.value,
                    reason=reason_text(denial, language),
                )
            )
    return out
