"""Two lints over a loaded ruleset, beside the per-line ones of :mod:`.ruleset`:

- **write without read**: a role that creates, changes or deletes rows of an object must be
  able to read them back — a curriculum written by someone who cannot see it is written
  blind. For every role an account can hold (abstract roles are held only through
  concrete ones), each of its allow lines (its own and inherited through ``g`` lines)
  that writes must be matched by an allow ``read`` line of the same object that covers
  it: a scope reaching at least the written rows (the same scope, ``institution``, or
  ``region``; scopes are not combined — ``taught`` and ``curated_group`` together do not
  cover ``department``), with no condition beyond the write's own, and not cancelled by a
  ``read`` deny line of the role with condition ``always`` whose scope reaches the
  written rows.
- **unexercised**: a line whose (object, action) no operation of the API can ask about
  (:mod:`campusgraph.policies.operations` reads which from the code).

A line may stay despite a finding only with a written reason, kept in ``ruleset.toml``
(children inherit their parent's)::

    [lint.write_without_read]
    "ROLE OBJECT" = "no clause: … / the clause that says so"
    [lint.unexercised]
    "OBJECT ACTION" = "why the line stays"     # or "OBJECT" for all its actions

Reasons must not outlive their cause: a ``write_without_read`` exemption whose role now
reads back what it writes is an error, and so is an ``unexercised`` one for a pair the API
has come to exercise (an exemption a child's lines do not need is not: it may have
dropped them).
"""

from __future__ import annotations

from campusgraph.policies.operations import Pair, Site, is_exercised
from campusgraph.policies.ruleset import LintError, PolicyLine, Ruleset
from campusgraph.policies.vocabulary import (
    Action,
    Condition,
    Effect,
    Scope,
    granted_role,
    split_conditions,
)

WRITES = frozenset({Action.CREATE, Action.UPDATE, Action.DELETE})
#: Scopes that reach every row of the viewer's institution (region: of his region).
_WIDEST: dict[Scope, frozenset[Scope]] = {
    Scope.REGION: frozenset(Scope),
    Scope.INSTITUTION: frozenset(Scope) - {Scope.REGION},
}


def covers(read_scope: str, write_scope: str) -> bool:
    """Whether every row a ``write_scope`` line reaches is reached by ``read_scope``."""
    if read_scope == write_scope:
        return True
    try:
        wider = _WIDEST.get(Scope(read_scope), frozenset())
        return Scope(write_scope) in wider
    except ValueError:
        return False


def _conditions(line: PolicyLine) -> set[str]:
    return {c for c in split_conditions(line.cond) if c != Condition.ALWAYS}


def _exemptions(ruleset: Ruleset, table: str) -> dict[str, str]:
    found = ruleset.meta.get("lint", {}).get(table, {})
    return {str(k).strip(): str(v) for k, v in found.items()} if isinstance(found, dict) else {}


def _inheritance(ruleset: Ruleset) -> dict[str, set[str]]:
    """Each role and the roles it holds through ``g`` lines (itself included)."""
    parents: dict[str, set[str]] = {}
    for link in ruleset.links:
        parents.setdefault(link.role, set()).add(link.inherits)
    roles = set(ruleset.roles) | set(parents) | {line.role for line in ruleset.lines}
    held: dict[str, set[str]] = {}
    for role in roles:
        seen, todo = {role}, [role]
        while todo:
            for parent in parents.get(todo.pop(), ()):
                if parent not in seen:
                    seen.add(parent)
                    todo.append(parent)
        held[role] = seen
    return held


def _holders(ruleset: Ruleset) -> dict[str, set[str]]:
    """Concrete role → every role whose lines apply to its accounts."""
    held = _inheritance(ruleset)
    declared = ruleset.roles
    return {
        role: roles for role, roles in held.items() if not declared.get(role, {}).get("abstract")
    }


def _read_back(write: PolicyLine, lines: list[PolicyLine]) -> bool:
    reads = [line for line in lines if line.obj == write.obj and line.act == Action.READ]
    for deny in (r for r in reads if r.effect == Effect.DENY):
        if not _conditions(deny) and covers(deny.scope, write.scope):
            return False
    return any(
        r.effect == Effect.ALLOW
        and covers(r.scope, write.scope)
        and _conditions(r) <= _conditions(write)
        for r in reads
    )


def write_without_read(ruleset: Ruleset) -> list[LintError]:
    exempt = _exemptions(ruleset, "write_without_read")
    used: set[str] = set()
    by_line: dict[PolicyLine, list[str]] = {}
    for role, held in sorted(_holders(ruleset).items()):
        lines = [line for line in ruleset.lines if line.role in held]
        for line in lines:
            if line.effect != Effect.ALLOW or line.act not in WRITES:
                continue
            if granted_role(line.obj) is not None or _read_back(line, lines):
                continue
            key = next(
                (k for k in (f"{role} {line.obj}", f"{line.role} {line.obj}") if k in exempt), None
            )
            if key is not None:
                used.add(key)
            else:
                by_line.setdefault(line, []).append(role)
    errors = [
        LintError(
            line.source,
            f"{', '.join(roles)} may {line.act} {line.obj} ({line.scope}) but read no such "
            f"row back: add a '{line.obj}, read' line covering scope {line.scope!r} with its "
            f"clause, or say why not in ruleset.toml [lint.write_without_read] "
            f'"{line.role} {line.obj}"',
        )
        for line, roles in by_line.items()
    ]
    for key in sorted(_own(ruleset, "write_without_read") - used):
        errors.append(
            LintError(
                f"{ruleset.slug}/ruleset.toml",
                f"[lint.write_without_read] {key!r}: that role reads back every row it writes",
            )
        )
    return errors


def unexercised(
    ruleset: Ruleset, exercised: dict[Pair, list[Site]] | None = None
) -> list[LintError]:
    exempt = _exemptions(ruleset, "unexercised")
    errors: list[LintError] = []
    for line in ruleset.lines:
        if is_exercised(line.obj, line.act, exercised):
            continue
        if f"{line.obj} {line.act}" in exempt or line.obj in exempt:
            continue
        errors.append(
            LintError(
                line.source,
                f"no operation of the API exercises '{line.obj} {line.act}': delete the line, "
                f'or say why it stays in ruleset.toml [lint.unexercised] "{line.obj} '
                f'{line.act}"',
            )
        )
    for key in sorted(_own(ruleset, "unexercised")):
        obj, _, act = key.partition(" ")
        if act and is_exercised(obj, act, exercised):
            errors.append(
                LintError(
                    f"{ruleset.slug}/ruleset.toml",
                    f"[lint.unexercised] {key!r}: the API exercises it now, drop the exemption",
                )
            )
    return errors


def _own(ruleset: Ruleset, table: str) -> set[str]:
    """The exemptions this ruleset's own file declares: a child need not use every one of
    its parent's (it may have dropped the lines), but each of its own must be needed."""
    found = ruleset.own.get("lint", {}).get(table, {})
    return {str(k).strip() for k in found} if isinstance(found, dict) else set()


def lint(ruleset: Ruleset) -> list[LintError]:
    """Both lints; ``policy lint`` and the registry's reload run them."""
    return [*write_without_read(ruleset), *unexercised(ruleset)]
