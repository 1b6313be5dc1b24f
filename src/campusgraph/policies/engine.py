"""The authorization engine: one Casbin enforcer per ruleset, one Authorizer per request.

- Single rows (a mutation's target, one node) are decided by the ruleset's Casbin enforcer,
  with the named scopes and conditions registered as functions over preloaded facts.
- Lists are never enforced row by row: :meth:`Authorizer.where` turns the lines that
  apply to the viewer's roles into one SQL filter (allow lines OR-ed, deny lines
  subtracted), built once per (object, action) per request.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

import casbin
from casbin.model import Model
from sqlalchemy import and_, false, not_, or_
from sqlalchemy.sql.elements import False_, True_

from campusgraph.db.base import TenantMixin
from campusgraph.policies import ruleset as rs_mod
from campusgraph.policies.anchors import OBJECT_MODELS, anchors_for
from campusgraph.policies.facts import (
    ATTESTATION_KINDS,
    FINAL_KINDS,
    ClosedPeriod,
    Facts,
    FinalSet,
    Target,
    Viewer,
)
from campusgraph.policies.facts_once import ReadOnce
from campusgraph.policies.ruleset import LintError, PolicyLine, Ruleset
from campusgraph.policies.scopes import (
    Expr,
    SqlAnchors,
    condition_row,
    condition_sql,
    scope_row,
    scope_sql,
)
from campusgraph.policies.vocabulary import (
    OBJECTS,
    Action,
    Condition,
    Effect,
    Scope,
    granted_role,
    object_spec,
    role_object,
    split_conditions,
)

log = logging.getLogger("campusgraph.policies")

MODEL_PATH = Path(__file__).with_name("model.conf")


class Reason(enum.StrEnum):
    """Why a decision is a denial, as the API names it (``ErrorReason`` in the schema)."""

    #: An allow line's scope held, its condition ``period_open`` did not.
    PERIOD_CLOSED = "PERIOD_CLOSED"
    #: … its condition ``final_not_set`` did not: the final mark is set.
    FINAL_MARK_SET = "FINAL_MARK_SET"
    #: … its condition ``attestation_not_set`` did not: the attestation mark is set.
    ATTESTATION_MARK_SET = "ATTESTATION_MARK_SET"
    #: Allow lines exist for the viewer's roles, but none of their scopes holds.
    OUT_OF_SCOPE = "OUT_OF_SCOPE"
    #: No allow line of the viewer's roles for the object and action at all.
    NO_LINE = "NO_LINE"
    #: A deny line applied.
    DENIED_BY_LINE = "DENIED_BY_LINE"


#: The reason a failed condition gives.
CONDITION_REASONS: dict[Condition, Reason] = {
    Condition.PERIOD_OPEN: Reason.PERIOD_CLOSED,
    Condition.FINAL_NOT_SET: Reason.FINAL_MARK_SET,
    Condition.ATTESTATION_NOT_SET: Reason.ATTESTATION_MARK_SET,
}


@dataclass(frozen=True, slots=True)
class Refusal:
    """What a denial's answer names: the cause, the line it concerns and the facts behind
    it. Built only for denials (:meth:`Authorizer.check`), never on the allowed path."""

    reason: Reason
    #: The allow line that almost applied (its scope held, ``condition`` failed), the
    #: deny line that applied, or for OUT_OF_SCOPE the first allow line of the viewer's.
    line: PolicyLine | None = None
    #: The failed condition of ``line`` (the first, when several failed).
    condition: Condition | None = None
    #: Every condition of ``line`` that failed.
    conditions: tuple[Condition, ...] = ()
    #: For OUT_OF_SCOPE: the scopes the viewer's allow lines ask for, none of which held.
    scopes: tuple[Scope, ...] = ()
    #: For PERIOD_CLOSED: the closed period holding the row's date.
    period: ClosedPeriod | None = None
    #: For FINAL_MARK_SET / ATTESTATION_MARK_SET: the mark that is already there.
    final: FinalSet | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    ruleset: str
    object: str
    action: str
    #: The line that decided: the allow line that applied, or the deny line.
    line: PolicyLine | None
    #: Why it is a denial (None when allowed, or built by hand without an explanation).
    refusal: Refusal | None = None

    @property
    def clause(self) -> str | None:
        """The regulation's clause the answer cites: the deciding line's, else that of the
        line a refusal concerns; None when no line concerns the request at all (the
        API then says so in the reader's language)."""
        if self.line is not None:
            return self.line.clause
        if self.refusal is not None and self.refusal.line is not None:
            return self.refusal.line.clause
        return None

    @property
    def rule(self) -> str:
        """The deciding line as an identifier (``default deny`` when none decided)."""
        if self.line is None:
            return "default deny"
        return f"{self.line.source}: {self.line.key()}, {self.line.effect}"


class Forbidden(Exception):
    """Raised by :meth:`Authorizer.require`; the API turns it into ``FORBIDDEN``."""

    def __init__(self, decision: Decision) -> None:
        super().__init__(f"{decision.object}:{decision.action} denied ({decision.rule})")
        self.decision = decision


@dataclass
class RowContext:
    """What Casbin's registered functions see as ``r.viewer``."""

    roles: frozenset[str]
    facts: Facts | None


def _holds_role(ctx: RowContext, role: str) -> bool:
    return role in ctx.roles


def _in_scope(ctx: RowContext, target: Target, scope: str) -> bool:
    if target.declared is not None:
        return scope in target.declared
    assert ctx.facts is not None
    return scope_row(Scope(scope), ctx.facts, target)


def _condition_holds(ctx: RowContext, target: Target, cond: str) -> bool:
    if target.declared is not None:
        return all(c == Condition.ALWAYS or c in target.declared for c in split_conditions(cond))
    facts = ctx.facts
    assert facts is not None
    return all(condition_row(Condition(c), facts, target) for c in split_conditions(cond))


def _enforcer(lines: Iterable[PolicyLine], links: Iterable[Any]) -> casbin.Enforcer:
    model = Model()
    model.load_model_from_text(_model_text())
    enforcer = casbin.Enforcer(model)
    enforcer.add_function("holdsRole", _holds_role)
    enforcer.add_function("inScope", _in_scope)
    enforcer.add_function("conditionHolds", _condition_holds)
    casbin_lines = [line.as_casbin() for line in lines]
    if casbin_lines:
        enforcer.add_named_policies("p", casbin_lines)
    pairs = [[link.role, link.inherits] for link in links]
    if pairs:
        enforcer.add_named_grouping_policies("g", pairs)
    return enforcer


@functools.lru_cache(maxsize=1)
def _model_text() -> str:
    return MODEL_PATH.read_text(encoding="utf-8")


T = TypeVar("T")

#: Filters kept per compiled ruleset (a few per signed-in viewer and screen).
FILTER_CACHE_SIZE = 20_000


class CompiledRuleset:
    """A linted ruleset, its Casbin enforcer, and an index of lines by (object, action)."""

    def __init__(self, ruleset: Ruleset) -> None:
        self.ruleset = ruleset
        self.slug = ruleset.slug
        self.enforcer = _enforcer(ruleset.lines, ruleset.links)
        self.by_casbin = {tuple(line.as_casbin()): line for line in ruleset.lines}
        self.index: dict[tuple[str, str], list[PolicyLine]] = {}
        for line in ruleset.lines:
            self.index.setdefault((line.obj, line.act), []).append(line)
        self._implicit: dict[str, frozenset[str]] = {}
        self._enforcers: dict[tuple[str, str], casbin.Enforcer] = {}
        #: Authorizer.where's filters on objects' own tables, by (viewer, obj, act).
        self.filters: dict[tuple[Viewer, str, str], Any] = {}

    def expand_roles(self, roles: Iterable[str]) -> frozenset[str]:
        out: set[str] = set()
        for role in roles:
            if role not in self._implicit:
                inherited = self.enforcer.get_implicit_roles_for_user(role)
                self._implicit[role] = frozenset({role, *inherited})
            out |= self._implicit[role]
        return frozenset(out)

    def granted_with(self, role: str) -> list[str]:
        """The roles an account given ``role`` ends up holding that can be held: ``role``
        and every concrete role it inherits through ``g`` lines. Granting ``role`` hands
        all of their rights over, so each of them must be grantable (abstract roles are
        never held on their own: their rights come only through a concrete role)."""
        declared = self.ruleset.roles
        inherited = sorted(self.expand_roles([role]) - {role})
        return [role, *(r for r in inherited if not declared.get(r, {}).get("abstract"))]

    def lines_for(self, roles: frozenset[str], obj: str, act: str) -> list[PolicyLine]:
        return [line for line in self.index.get((obj, act), ()) if line.role in roles]

    def enforcer_for(self, obj: str, act: str) -> casbin.Enforcer:
        """An enforcer holding only the lines of (obj, act): Casbin evaluates the matcher
        for every line it holds, and the matcher rejects every other line on ``r.obj ==
        p.obj && r.act == p.act`` anyway, so the answer is the same for a fraction of the
        work (a ruleset has a few hundred lines, an (object, action) a handful)."""
        key = (obj, act)
        enforcer = self._enforcers.get(key)
        if enforcer is None:
            enforcer = _enforcer(self.index.get(key, []), self.ruleset.links)
            self._enforcers[key] = enforcer
        return enforcer

    def decide(self, ctx: RowContext, obj: str, act: str, target: Target) -> Decision:
        allowed, explain = self.enforcer_for(obj, act).enforce_ex(ctx, obj, act, target)
        line = self.by_casbin.get(tuple(explain)) if explain else None
        return Decision(bool(allowed), self.slug, obj, act, line)

    def run_golden(self) -> list[str]:
        """Golden cases of ``golden.toml``; returns the failures, empty when all pass."""
        import tomllib

        path = self.ruleset.path / "golden.toml"
        if not path.is_file():
            return []
        failures: list[str] = []
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            return [f"{self.slug}/golden.toml: unreadable: {rs_mod.why_unreadable(exc)}"]
        known_roles = set(self.ruleset.roles)
        known_states = {*Scope.__members__.values(), *Condition.__members__.values()}
        for number, case in enumerate(data.get("case", []), start=1):
            where = f"{self.slug}/golden.toml case {number}"
            unknown = [r for r in case.get("roles", []) if r not in known_roles]
            unknown += [
                x for x in [*case.get("in", []), *case.get("state", [])] if x not in known_states
            ]
            if object_spec(str(case.get("object"))) is None:
                unknown.append(str(case.get("object")))
            if case.get("expect") not in ("allow", "deny"):
                unknown.append(f"expect={case.get('expect')!r}")
            if unknown:
                failures.append(f"{where}: unknown names {unknown}")
                continue
            decision = self.golden_decision(case)
            expect = case.get("expect")
            got = "allow" if decision.allowed else "deny"
            if got != expect:
                failures.append(
                    f"{self.slug}/golden.toml case {number} ({case.get('roles')} "
                    f"{case.get('object')}:{case.get('action')} in {case.get('in', [])}, "
                    f"state {case.get('state', [])}): expected {expect}, got {got} "
                    f"by {decision.rule}"
                )
        return failures

    def golden_decision(self, case: dict[str, Any]) -> Decision:
        obj = str(case["object"])
        spec = object_spec(obj)
        anchors = spec.anchors if spec else frozenset()
        declared = frozenset([*case.get("in", []), *case.get("state", [])])
        target = Target(object_anchors=anchors, declared=declared)
        ctx = RowContext(self.expand_roles(case.get("roles", [])), None)
        act = str(case["action"])
        role = granted_role(obj)
        if role is None or act != Action.GRANT or role not in self.ruleset.roles:
            return self.decide(ctx, obj, act, target)
        # As Authorizer.check_grant: the role and every concrete role it inherits.
        for held in self.granted_with(role):
            decision = self.decide(ctx, role_object(held), act, target)
            if not decision.allowed:
                break
        return decision


class RulesetError(Exception):
    def __init__(self, slug: str, problems: list[str]) -> None:
        super().__init__(f"ruleset {slug!r} is broken: " + "; ".join(problems[:10]))
        self.problems = problems


_COMPILED: dict[tuple[str, tuple[str, ...], str], CompiledRuleset] = {}


def _fingerprint(ruleset: Ruleset, dirs: list[Path]) -> str:
    """Hash of every file the ruleset was built from (its chain included)."""
    digest = hashlib.sha256()
    for slug in [*ruleset.chain, ruleset.slug]:
        folder = rs_mod.find(slug, dirs)
        if folder is None:
            continue
        for name in ("ruleset.toml", "policy.csv", "golden.toml"):
            path = folder / name
            if path.is_file():
                digest.update(path.read_bytes())
    return digest.hexdigest()


def compile_ruleset(slug: str, dirs: list[Path]) -> CompiledRuleset:
    """Load, lint, compile and run golden cases; raise on any problem.

    A compiled ruleset is immutable, so the process keeps one per content fingerprint:
    reloading unchanged files costs a hash, not a recompile and a golden run."""
    ruleset = rs_mod.load(slug, dirs)
    key = (slug, tuple(str(d) for d in dirs), _fingerprint(ruleset, dirs))
    cached = _COMPILED.get(key)
    if cached is not None:
        return cached
    if ruleset.errors:
        raise RulesetError(slug, [str(e) for e in ruleset.errors])
    compiled = CompiledRuleset(ruleset)
    failures = compiled.run_golden()
    if failures:
        raise RulesetError(slug, failures)
    _COMPILED[key] = compiled
    return compiled


class PolicyRegistry:
    """Compiled rulesets by slug. A reload builds aside and swaps the reference whole:
    a request holds the CompiledRuleset it started with, so it never sees a half-load."""

    def __init__(self, dirs: list[Path]) -> None:
        self.dirs = dirs
        self._compiled: dict[str, CompiledRuleset] = {}

    def get(self, slug: str) -> CompiledRuleset:
        compiled = self._compiled.get(slug)
        if compiled is None:
            compiled = compile_ruleset(slug, self.dirs)
            self._compiled = {**self._compiled, slug: compiled}
        return compiled

    def reload(self, slug: str) -> CompiledRuleset:
        compiled = compile_ruleset(slug, self.dirs)  # raises, leaving the old one in place
        self._compiled = {**self._compiled, slug: compiled}
        return compiled

    def reload_all(self) -> dict[str, str]:
        """Reload every loaded ruleset (the operator's SIGHUP); returns slug → "ok" or the
        error, per ruleset."""
        return self.reload_some(list(self._compiled))

    def reload_some(self, slugs: Iterable[str]) -> dict[str, str]:
        """Reload these rulesets only — the ones governing the caller's institutions,
        when an administrator asks over GraphQL: another institution's regulation is not
        his to reload, nor its state his to see."""
        report: dict[str, str] = {}
        for slug in sorted(set(slugs)):
            try:
                self.reload(slug)
                report[slug] = "ok"
                log.info("ruleset %s reloaded", slug, extra={"ruleset": slug})
            except RulesetError as exc:
                report[slug] = str(exc)
                log.error(
                    "ruleset %s not reloaded, the one loaded before stays: %s",
                    slug,
                    exc,
                    extra={"ruleset": slug},
                )
        return report

    def available(self) -> list[str]:
        return rs_mod.available(self.dirs)

    def loaded(self) -> list[str]:
        """The rulesets compiled and serving (readiness counts them)."""
        return list(self._compiled)

    @staticmethod
    def lint(slug: str, dirs: list[Path]) -> list[LintError]:
        return rs_mod.load(slug, dirs).errors


def _covering(lines: list[PolicyLine], obj: str, viewer: Viewer) -> PolicyLine | None:
    """An unconditional allow line that selects every row the viewer's session can see, so
    that in SQL the other allow lines add nothing: scope ``region``, or ``institution`` for
    a session confined to that one institution — on a tenant table, whose rows the session
    already confines to its institutions. ``taught OR institution`` then filters as
    ``institution`` alone, sparing the database a subquery per statement. The row check
    is left alone (its answer is the same)."""
    model = OBJECT_MODELS.get(obj)
    if model is None or not issubclass(model, TenantMixin):
        return None
    only_own = viewer.institution_id is not None and viewer.institution_ids == (
        viewer.institution_id,
    )
    for wanted in (Scope.REGION, Scope.INSTITUTION) if only_own else (Scope.REGION,):
        for line in lines:
            if Scope(line.scope) is wanted and split_conditions(line.cond) == [Condition.ALWAYS]:
                return line
    return None


class Authorizer:
    """Per-request decisions, memoised. ``enforcer_calls`` counts the distinct rule lookups
    and Casbin enforcements this request needed (tests assert it does not grow with rows)."""

    def __init__(self, compiled: CompiledRuleset, viewer: Viewer, facts: Facts) -> None:
        self.compiled = compiled
        self.viewer = viewer
        self.facts = facts
        self.roles = compiled.expand_roles(viewer.roles)
        self.enforcer_calls = 0
        self._lines: dict[tuple[str, str], tuple[list[PolicyLine], list[PolicyLine]]] = {}
        self._decisions: dict[tuple[str, str, tuple[object, ...]], Decision] = {}

    def lines(self, obj: str, act: str) -> tuple[list[PolicyLine], list[PolicyLine]]:
        key = (obj, act)
        found = self._lines.get(key)
        if found is None:
            self.enforcer_calls += 1
            applicable = self.compiled.lines_for(self.roles, obj, act)
            found = (
                [line for line in applicable if line.effect == Effect.ALLOW],
                [line for line in applicable if line.effect == Effect.DENY],
            )
            self._lines[key] = found
        return found

    def may_ever(self, obj: str, act: str) -> bool:
        """Whether any allow line could apply (cheap, no facts): for hiding whole fields."""
        return bool(self.lines(obj, act)[0])

    def where(self, obj: str, act: str = "read", anchors: SqlAnchors | None = None) -> Expr:
        """The SQL filter selecting exactly the rows of ``obj`` the viewer may ``act`` on.

        On an object's own table (no ``anchors`` given) the filter is a pure function of
        the ruleset, the viewer and (obj, act), and SQL expressions are immutable, so it
        is built once and kept on the compiled ruleset for the viewer's next requests:
        building it cost more than running the select it filters.
        """
        if anchors is not None:
            return self._where(obj, act, anchors)
        found: Expr = self._kept((self.viewer, obj, act), lambda: self._where(obj, act, None))
        return found

    def memo(self, name: str, build: Callable[[], T]) -> T:
        """Something built from this viewer's filters only (a screen's statements, with
        their values as bound parameters), kept like the filters themselves."""
        return cast(T, self._kept((self.viewer, name, ""), build))

    def _kept(self, key: tuple[Viewer, str, str], build: Callable[[], Any]) -> Any:
        cache = self.compiled.filters
        found = cache.get(key)
        if found is None:
            found = build()
            if len(cache) >= FILTER_CACHE_SIZE:
                cache.pop(next(iter(cache)))  # the oldest: insertion order
            cache[key] = found
        return found

    def _where(self, obj: str, act: str, anchors: SqlAnchors | None) -> Expr:
        allow, deny = self.lines(obj, act)
        if not allow:
            return false()
        a = anchors or anchors_for(obj)
        spec = OBJECTS[obj].anchors
        v = self.viewer

        def one(line: PolicyLine) -> Expr:
            return and_(
                scope_sql(Scope(line.scope), v, spec, a),
                *(condition_sql(Condition(c), v, a) for c in split_conditions(line.cond)),
            )

        lines = _dedupe(allow)
        widest = _covering(lines, obj, v) if anchors is None and a.institution is not None else None
        allowed = one(widest) if widest is not None else or_(*(one(line) for line in lines))
        if deny:
            allowed = and_(allowed, not_(or_(*(one(line) for line in _dedupe(deny)))))
        if isinstance(allowed, False_ | True_):
            return allowed  # a constant stays one: callers skip a query on false()
        return ReadOnce(allowed)

    def target(self, obj: str, **anchors: Any) -> Target:
        spec = object_spec(obj)
        assert spec is not None, obj
        return Target(object_anchors=spec.anchors, **anchors)

    def retarget(self, target: Target, obj: str) -> Target:
        """The same row's anchors, seen as a row of ``obj`` (e.g. a card's personal part)."""
        spec = object_spec(obj)
        assert spec is not None, obj
        return dataclasses.replace(target, object_anchors=spec.anchors)

    async def check_grant(self, role: str, recipient: Target) -> Decision:
        """Whether the viewer may give ``role`` to the person ``recipient`` (his card's or
        account's anchors): a ``grant`` of ``role.<name>`` for the role and for every
        concrete role it inherits. The first refusal is the answer, naming its line."""
        decision: Decision | None = None
        for held in self.compiled.granted_with(role):
            obj = role_object(held)
            decision = await self.check(obj, Action.GRANT, self.retarget(recipient, obj))
            if not decision.allowed:
                return decision
        assert decision is not None
        return decision

    async def check(self, obj: str, act: str, target: Target) -> Decision:
        key = (obj, act, target.key())
        decision = self._decisions.get(key)
        if decision is not None:
            return decision
        allow, deny = self.lines(obj, act)
        if not allow:
            decision = Decision(False, self.compiled.slug, obj, act, None)
            if deny:
                # No allow line, but a deny line may name the clause that forbids this.
                await self.facts.preload(
                    {Scope(line.scope) for line in deny},
                    {Condition(c) for line in deny for c in split_conditions(line.cond)},
                    target,
                )
                ctx = RowContext(self.roles, self.facts)
                for line in deny:
                    if _in_scope(ctx, target, line.scope) and _condition_holds(
                        ctx, target, line.cond
                    ):
                        decision = dataclasses.replace(decision, line=line)
                        break
        else:
            applicable = allow + deny
            await self.facts.preload(
                {Scope(line.scope) for line in applicable},
                {Condition(c) for line in applicable for c in split_conditions(line.cond)},
                target,
            )
            self.enforcer_calls += 1
            ctx = RowContext(self.roles, self.facts)
            decision = self.compiled.decide(ctx, obj, act, target)
            if not decision.allowed and decision.line is None and deny:
                # Casbin names no line when a deny cancelled the allows: find it.
                for line in deny:
                    if _in_scope(ctx, target, line.scope) and _condition_holds(
                        ctx, target, line.cond
                    ):
                        decision = dataclasses.replace(decision, line=line)
                        break
        if not decision.allowed:
            decision = dataclasses.replace(
                decision, refusal=await self.explain(decision, obj, act, target)
            )
        self._decisions[key] = decision
        return decision

    async def explain(self, decision: Decision, obj: str, act: str, target: Target) -> Refusal:
        """Why ``decision`` (a denial) refused: the deny line; else the allow line whose
        scope held while a condition failed, with the facts behind it; else the scopes
        none of which held; else no line at all. Runs only for denials, after the check
        preloaded the facts every line needs (so only the details cost a query)."""
        if decision.line is not None:
            return Refusal(Reason.DENIED_BY_LINE, line=decision.line)
        allow, _ = self.lines(obj, act)
        if not allow:
            return Refusal(Reason.NO_LINE)
        ctx = RowContext(self.roles, self.facts)
        for line in allow:
            if not _in_scope(ctx, target, line.scope):
                continue
            failed = tuple(
                Condition(c)
                for c in split_conditions(line.cond)
                if not _condition_holds(ctx, target, c)
            )
            if failed:
                return await self.condition_refusal(line, failed, target)
        scopes = tuple(dict.fromkeys(Scope(line.scope) for line in allow))
        return Refusal(Reason.OUT_OF_SCOPE, line=allow[0], scopes=scopes)

    def line_states(
        self, obj: str, act: str, target: Target
    ) -> list[tuple[PolicyLine, bool, tuple[Condition, ...]]]:
        """For ``policy explain``, after :meth:`check` loaded the facts: each allow and deny
        line of the viewer's for (obj, act), whether its scope held, and which of its
        conditions failed."""
        allow, deny = self.lines(obj, act)
        ctx = RowContext(self.roles, self.facts)
        states = []
        for line in allow + deny:
            held = _in_scope(ctx, target, line.scope)
            failed = tuple(
                Condition(c)
                for c in split_conditions(line.cond)
                if not _condition_holds(ctx, target, c)
            )
            states.append((line, held, failed))
        return states

    async def condition_refusal(
        self, line: PolicyLine, failed: tuple[Condition, ...], target: Target
    ) -> Refusal:
        first = failed[0]
        refusal = Refusal(CONDITION_REASONS[first], line=line, condition=first, conditions=failed)
        if target.declared is not None or target.date is None:
            return refusal  # a golden case: no rows behind it
        if first is Condition.PERIOD_OPEN:
            period = await self.facts.closed_period_on(target.date, target.institution_id)
            return dataclasses.replace(refusal, period=period)
        if target.discipline_id is not None and target.student_ids:
            kinds = FINAL_KINDS if first is Condition.FINAL_NOT_SET else ATTESTATION_KINDS
            final = await self.facts.final_set_on(
                target.student_ids, target.discipline_id, target.date, kinds
            )
            return dataclasses.replace(refusal, final=final)
        return refusal

    async def require(self, obj: str, act: str, target: Target) -> Decision:
        decision = await self.check(obj, act, target)
        if not decision.allowed:
            raise Forbidden(decision)
        return decision


def _dedupe(lines: list[PolicyLine]) -> list[PolicyLine]:
    seen: set[tuple[str, str]] = set()
    out: list[PolicyLine] = []
    for line in lines:
        if (line.scope, line.cond) not in seen:
            seen.add((line.scope, line.cond))
            out.append(line)
    return out
