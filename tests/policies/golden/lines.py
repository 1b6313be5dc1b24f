"""Golden coverage per line: every line of every shipped ruleset decides at least one case.

Casbin names the *last* matching allow line (the first matching deny line) as the one that
decided; :class:`~campusgraph.policies.engine.Decision` carries it as ``rule``. A line that
is never the deciding line of any case is a line no test can tell apart from its absence:
drop it and every case still passes. So each line — its own and those inherited through
``extends``, counted for the ruleset that uses them — must be named by the ``rule`` of a
case answered through ``viewer.can``, or be listed here with the reason it cannot be:

- :data:`UNHELD_ROLES`: no demo account of the ruleset holds the line's role (the region's
  authority is governed by ``base``; no institution runs ``base`` itself);
- :data:`SHADOWED`: for every account holding the role, a *later* line of the same object
  and action, held by the same account, reaches every row the line reaches (a scope at
  least as wide, no more conditions): Casbin always cites that one. These are findings
  (a line that changes nothing) and are checked to be exactly what the analysis finds;
- :data:`UNREACHABLE`: ``viewer.can`` has no row to name (written reason per line).

Cases for lines the hand-written tables miss are generated (:func:`generated_cases`): the
first account holding the role for which the line is not shadowed, and a row of the demo,
found by the line's own SQL filter, that the line reaches and no later line (or deny line)
of that account does — the row check through ``viewer.can`` must then cite exactly it.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import and_, false, not_, or_, select

from campusgraph.db import models as m
from campusgraph.db.demo import INSTITUTIONS
from campusgraph.ids import to_global_id
from campusgraph.policies.anchors import OBJECT_MODELS, anchors_for
from campusgraph.policies.engine import CompiledRuleset, compile_ruleset
from campusgraph.policies.facts import Viewer
from campusgraph.policies.ruleset import PolicyLine, search_dirs
from campusgraph.policies.scopes import Expr, SqlAnchors, condition_sql, scope_sql
from campusgraph.policies.vocabulary import (
    CONDITION_NEEDS,
    Anchor,
    Condition,
    Scope,
    alternative,
    object_spec,
    split_conditions,
)
from campusgraph.resolvers.permissions import TYPE_OBJECTS
from tests.policies.golden.cases import ALLOW, DENY, Case
from tests.policies.golden.pickers import REGION, SLUGS, TEACHER, Need, Pick, Picker, Rows
from tests.support import DEMO_TODAY

BASE = "base"
#: Every shipped ruleset whose lines are counted: base (the region's) and the five children.
RULESETS = (BASE, *SLUGS)
#: Cases of the region's authority are asked in this institution's table (any would do).
REGION_TABLE = SLUGS[0]


@functools.cache
def compiled(slug: str) -> CompiledRuleset:
    return compile_ruleset(slug, search_dirs())


def lines_of(slug: str) -> list[PolicyLine]:
    """The effective lines of ``slug``: the parent's (minus ``drop``) then its own."""
    return list(compiled(slug).ruleset.lines)


def key_of(slug: str, line: PolicyLine) -> tuple[str, str]:
    """How a line is named here: ruleset and line key (line numbers move as files grow)."""
    return slug, f"{line.key()}, {line.effect}"


@functools.cache
def accounts(slug: str) -> dict[str, frozenset[str]]:
    """Demo logins of ``slug`` (the region's for base) → the roles each holds, inherited
    ones included. Every demo account holds the one role it is named after."""
    if slug == BASE:
        logins: Iterable[str] = ("authority",)
    else:
        logins = next(spec.roles for spec in INSTITUTIONS if spec.slug == slug)
    rules = compiled(slug)
    return {login: rules.expand_roles([login]) for login in logins}


def _conds(line: PolicyLine) -> frozenset[str]:
    return frozenset(split_conditions(line.cond)) - {Condition.ALWAYS.value}


def _wider(broad: PolicyLine, narrow: PolicyLine, regional: bool) -> bool:
    """Whether ``broad`` reaches every row ``narrow`` reaches, whatever the data."""
    same = broad.scope == narrow.scope
    everything = broad.scope == Scope.REGION or (
        broad.scope == Scope.INSTITUTION and not regional and narrow.scope != Scope.REGION
    )
    return (same or everything) and _conds(broad) <= _conds(narrow)


def later_lines(slug: str, line: PolicyLine, roles: frozenset[str]) -> list[PolicyLine]:
    """Allow lines of the same object and action after ``line``, held by ``roles``: when
    one of them also matches, Casbin cites it instead."""
    order = compiled(slug).index.get((line.obj, line.act), [])
    after = order[order.index(line) + 1 :]
    return [x for x in after if x.effect == "allow" and x.role in roles]


def earlier_denies(slug: str, line: PolicyLine, roles: frozenset[str]) -> list[PolicyLine]:
    order = compiled(slug).index.get((line.obj, line.act), [])
    before = order[: order.index(line)] if line.effect == "deny" else order
    return [x for x in before if x.effect == "deny" and x.role in roles and x is not line]


def shadowing(slug: str, line: PolicyLine, login: str) -> PolicyLine | None:
    """The later line that always wins over ``line`` for ``login``, if any."""
    if line.effect != "allow":
        return None
    roles = accounts(slug)[login]
    for other in later_lines(slug, line, roles):
        if _wider(other, line, regional=slug == BASE):
            return other
    return None


def holders(slug: str, line: PolicyLine) -> list[str]:
    """Accounts holding the line's role; for the author scope the teaching account first
    (the demo's journal cells, the only typed rows with an author, are the teachers')."""
    found = [login for login, roles in accounts(slug).items() if line.role in roles]
    if line.scope == Scope.AUTHOR and slug in TEACHER and TEACHER[slug] in found:
        found.remove(TEACHER[slug])
        found.insert(0, TEACHER[slug])
    return found


@dataclass(frozen=True)
class Target:
    """A line to be covered, and the account a generated case asks as."""

    slug: str
    line: PolicyLine
    login: str | None  # None: no account can have it decide (see the reason)
    reason: str = ""


def plan(slug: str, line: PolicyLine) -> Target:
    """Who asks for ``line``, or why nobody can."""
    who = holders(slug, line)
    if not who:
        return Target(slug, line, None, f"no demo account of {slug} holds {line.role!r}")
    for login in who:
        if shadowing(slug, line, login) is None:
            return Target(slug, line, login)
    winners = sorted({shadowing(slug, line, login).source for login in who})  # type: ignore[union-attr]
    return Target(slug, line, None, f"shadowed by {', '.join(winners)}")


# -- what cannot decide, and why ------------------------------------------------------------

#: Roles no demo account of the ruleset holds, with the reason. Checked against the demo.
UNHELD_ROLES: dict[str, dict[str, str]] = {
    BASE: dict.fromkeys(
        ("student", "parent", "staff_member", "journal_teacher", "group_curator"),
        "no institution runs base: its lines for institution roles decide in every "
        "child ruleset that inherits them, and are counted there",
    ),
    **{
        slug: {
            "authority": "the region's authority signs in to demo-region and is governed by "
            "base; no account of this institution holds the role"
        }
        for slug in SLUGS
        if slug != "nshds12-2021"
    },
}

#: Lines a later, at least as wide line of the same role always wins over (findings: each
#: changes nothing in its ruleset). Checked to equal what :func:`shadowing` finds.
SHADOWED: dict[tuple[str, str], str] = {}

#: Lines ``viewer.can`` cannot name a row for, with the reason.
UNREACHABLE: dict[tuple[str, str], str] = {
    ("altai-college-2016", "p, parent, announcement, read, general, always, allow"): (
        "a generated case names a demo row of the line's object by a typed row (pickers: "
        "an announcement by its Group), and a general announcement has no group: the "
        "hand-written altai case asks with no id (the institution's own), and the scope's "
        "two halves are compared in tests/support/scope_agreement.py"
    ),
}


def exemption(slug: str, line: PolicyLine) -> str | None:
    """The written reason ``line`` of ``slug`` needs no case, or None."""
    if not holders(slug, line):
        return UNHELD_ROLES.get(slug, {}).get(line.role)
    key = key_of(slug, line)
    return SHADOWED.get(key) or UNREACHABLE.get(key)


# -- generated cases ------------------------------------------------------------------------


#: GraphQL types that can stand for a row of an object in ``viewer.can`` (their object).
CARRIERS = dict(TYPE_OBJECTS)


def _anchors(obj: str) -> frozenset[Anchor]:
    """The object's anchors (a role grant ``role.<name>`` is an object of its own)."""
    spec = object_spec(obj)
    assert spec is not None, obj
    return spec.anchors


def _provides(a: SqlAnchors) -> frozenset[Anchor]:
    have = {
        anchor
        for anchor in Anchor
        if anchor is not Anchor.STUDENT and getattr(a, anchor.value, None) is not None
    }
    if a.student is not None or a.student_in is not None:
        have.add(Anchor.STUDENT)
    return frozenset(have)


def _needs(line: PolicyLine) -> frozenset[Anchor]:
    anchors = _anchors(line.obj)
    need = set(alternative(Scope(line.scope), anchors))
    for cond in split_conditions(line.cond):
        need |= CONDITION_NEEDS[Condition(cond)]
    return frozenset(need)


def carriers(line: PolicyLine) -> list[str]:
    """GraphQL types whose rows carry what ``line`` needs, best first: the object's own
    type, then those carrying most of the object's anchors."""
    wanted = _anchors(line.obj)
    model = OBJECT_MODELS.get(line.obj)
    found = []
    for type_name, source in CARRIERS.items():
        have = _provides(anchors_for(source))
        if not _needs(line) <= have:
            continue
        own = source == line.obj or OBJECT_MODELS[source] is model
        found.append((not own, -len(have & wanted), type_name))
    return [type_name for *_, type_name in sorted(found)]


def _line_sql(line: PolicyLine, v: Viewer, a: SqlAnchors) -> Expr:
    """``line``'s filter over a carrier's columns; false where the carrier lacks an anchor
    the line needs (the row check is false there too: the target has no such anchor)."""
    if not _needs(line) <= _provides(a):
        return false()
    anchors = _anchors(line.obj)
    return and_(
        scope_sql(Scope(line.scope), v, anchors, a),
        *(condition_sql(Condition(c), v, a) for c in split_conditions(line.cond)),
    )


def deciding_filter(slug: str, line: PolicyLine, v: Viewer, a: SqlAnchors) -> Expr:
    """Rows where ``line`` decides for ``v``: it matches, no later allow line of his and
    no (earlier) deny line of his does."""
    roles = compiled(slug).expand_roles(v.roles)
    others = [*earlier_denies(slug, line, roles)]
    if line.effect == "allow":
        others += later_lines(slug, line, roles)
    mine = _line_sql(line, v, a)
    if not others:
        return mine
    return and_(mine, not_(or_(*(_line_sql(x, v, a) for x in others))))


async def region_viewer(rows: Rows) -> Viewer:
    inst = await rows.s.get(m.Institution, rows.demo.institution_id)
    assert inst is not None
    ids = (
        await rows.s.execute(
            select(m.Institution.id)
            .where(m.Institution.region_id == inst.region_id)
            .order_by(m.Institution.id)
        )
    ).scalars()
    account = (
        await rows.s.execute(
            select(m.UserAccount.id).where(
                m.UserAccount.region_id == inst.region_id, m.UserAccount.login == "authority"
            )
        )
    ).scalar_one()
    return Viewer(
        user_id=account,
        session_id=None,
        login="authority",
        institution_ids=tuple(ids),
        institution_id=None,
        region_id=inst.region_id,
        roles=frozenset({"authority"}),
        today=DEMO_TODAY,
    )


def viewer_of(rows: Rows, need: Need, login: str) -> Viewer:
    account = need.viewer
    assert account is not None
    return Viewer(
        user_id=account.user_id,
        session_id=None,
        login=login,
        institution_ids=(rows.demo.institution_id,),
        institution_id=rows.demo.institution_id,
        region_id=None,
        roles=frozenset({login}),
        person_id=account.person_id,
        employee_id=account.employee_id,
        student_id=account.student_id,
        parent_id=account.parent_id,
        today=DEMO_TODAY,
    )


def deciding_row(slug: str, line: PolicyLine, login: str) -> Picker:
    """A picker of a demo row where ``line`` decides for ``login`` (LookupError if none)."""

    async def fn(rows: Rows, need: Need) -> Pick:
        if line.act == "create" and _needs(line) == {Anchor.AUTHOR}:
            # A new row is the viewer's own: ``can`` with no row decides it as such.
            return None, None
        v = await region_viewer(rows) if slug == BASE else viewer_of(rows, need, login)
        tried = []
        for type_name in carriers(line):
            source = CARRIERS[type_name]
            model: Any = OBJECT_MODELS[source]
            a = anchors_for(source)
            where = deciding_filter(slug, line, v, a)
            inst = a.institution if a.institution is not None else model.institution_id
            stmt = (
                select(model.id)
                .where(inst == rows.demo.institution_id, where)
                .order_by(model.id)
                .limit(1)
            )
            pk = (await rows.s.execute(stmt)).scalar()
            if pk is not None:
                return to_global_id(type_name, pk), None
            tried.append(type_name)
        raise LookupError(
            f"no row of {tried or 'any type'} in {rows.demo.slug} where {line.source} "
            f"decides for {login}"
        )

    return Picker(f"decided-by-{line.source.replace('/policy.csv:', ':')}", fn)


def generated_case(target: Target) -> Case:
    """The case asking ``target.line`` on a row where it decides."""
    assert target.login is not None
    line = target.line
    region = target.slug == BASE
    return Case(
        login=target.login,
        obj=line.obj,
        act=line.act,
        pick=deciding_row(target.slug, line, target.login),
        expect=ALLOW if line.effect == "allow" else DENY,
        realm=REGION if region else None,
        line=line.source,
        slug=REGION_TABLE if region else target.slug,
    )


def answered_by(case: Case) -> str:
    """The ruleset whose lines a case's answer cites (base for the region's authority)."""
    return BASE if case.realm == REGION else case.slug


def all_targets() -> list[Target]:
    return [plan(slug, line) for slug in RULESETS for line in lines_of(slug)]


def with_slug(case: Case, slug: str) -> Case:
    return replace(case, slug=slug)
