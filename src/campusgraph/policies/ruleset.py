"""Reading ruleset folders: ``policy.csv`` + ``ruleset.toml``, with ``extends`` and lint.

A line of ``policy.csv``::

    p, ROLE, OBJECT, ACTION, SCOPE, CONDITION, EFFECT, CLAUSE
    g, ROLE, INHERITED_ROLE, CLAUSE

The clause is the rest of the line (it may contain commas) and cites the regulation, or
says ``no clause: …`` where the regulation is silent and least privilege was chosen.
``#`` starts a comment line. A child ruleset's lines come after its parent's; a child
may ``drop`` parent lines in ``ruleset.toml`` (``drop = ["p, curator, mark, read, …"]``,
matched on the first six fields).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from campusgraph.policies.vocabulary import (
    Action,
    Condition,
    Effect,
    Scope,
    condition_fits,
    granted_role,
    object_spec,
    scope_fits,
    split_conditions,
)

SHIPPED = Path(__file__).with_name("rulesets")


@dataclass(frozen=True, slots=True)
class PolicyLine:
    role: str
    obj: str
    act: str
    scope: str
    cond: str
    effect: str
    clause: str
    source: str  # "<slug>/policy.csv:<line>"

    def key(self) -> str:
        return f"p, {self.role}, {self.obj}, {self.act}, {self.scope}, {self.cond}"

    def as_casbin(self) -> list[str]:
        return [self.role, self.obj, self.act, self.scope, self.cond, self.effect, self.clause]


@dataclass(frozen=True, slots=True)
class RoleLink:
    role: str
    inherits: str
    clause: str
    source: str


@dataclass(frozen=True, slots=True)
class LintError:
    source: str
    message: str

    def __str__(self) -> str:
        return f"{self.source}: {self.message}"


@dataclass
class Ruleset:
    slug: str
    path: Path
    meta: dict[str, Any]
    lines: list[PolicyLine] = field(default_factory=list)
    links: list[RoleLink] = field(default_factory=list)
    chain: list[str] = field(default_factory=list)
    errors: list[LintError] = field(default_factory=list)
    #: This folder's own ruleset.toml, before its parent's tables were merged in.
    own: dict[str, Any] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return str(self.meta.get("title", self.slug))

    @property
    def roles(self) -> dict[str, dict[str, Any]]:
        roles: dict[str, dict[str, Any]] = self.meta.get("roles", {})
        return roles

    def rule(self, *path: str, default: Any = None) -> Any:
        """A non-permission rule of the regulation (``[rules]`` in ruleset.toml)."""
        node: Any = self.meta.get("rules", {})
        for part in path:
            if not isinstance(node, dict) or part not in node:
                return default
            node = node[part]
        return node


def search_dirs(extra: list[Path] | None = None) -> list[Path]:
    return [*(extra or []), SHIPPED]


def find(slug: str, dirs: list[Path]) -> Path | None:
    for d in dirs:
        candidate = d / slug
        if (candidate / "ruleset.toml").is_file():
            return candidate
    return None


def available(dirs: list[Path]) -> list[str]:
    seen: dict[str, None] = {}
    for d in dirs:
        if d.is_dir():
            for child in sorted(d.iterdir()):
                if (child / "ruleset.toml").is_file():
                    seen.setdefault(child.name, None)
    return list(seen)


def why_unreadable(exc: OSError | UnicodeDecodeError | tomllib.TOMLDecodeError) -> str:
    """Why a ruleset file could not be read, without the server's path to it: lint
    messages reach administrators through GraphQL (``switchRuleset``, ``reloadRulesets``)."""
    if isinstance(exc, UnicodeDecodeError):
        return f"not UTF-8 text (byte {exc.start})"
    if isinstance(exc, OSError):
        return exc.strerror or type(exc).__name__
    return str(exc)  # TOML syntax: line and column only


def parse_policy(
    path: Path, label: str
) -> tuple[list[PolicyLine], list[RoleLink], list[LintError]]:
    lines: list[PolicyLine] = []
    links: list[RoleLink] = []
    errors: list[LintError] = []
    if not path.is_file():
        return lines, links, [LintError(label, "policy.csv is missing")]
    try:
        text_lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        return lines, links, [LintError(label, f"unreadable: {why_unreadable(exc)}")]
    for number, raw in enumerate(text_lines, start=1):
        text = raw.strip()
        source = f"{label}:{number}"
        if not text or text.startswith("#"):
            continue
        kind = text.split(",", 1)[0].strip()
        if kind == "p":
            parts = [x.strip() for x in text.split(",", 7)]
            if len(parts) != 8:
                errors.append(
                    LintError(
                        source,
                        f"a p line has 8 fields (p, role, object, action, scope, condition, "
                        f"effect, clause); this one has {len(parts)}",
                    )
                )
                continue
            _, role, obj, act, scope, cond, effect, clause = parts
            line = PolicyLine(role, obj, act, scope, cond, effect, clause, source)
            errors.extend(lint_line(line))
            lines.append(line)
        elif kind == "g":
            parts = [x.strip() for x in text.split(",", 3)]
            if len(parts) != 4:
                errors.append(
                    LintError(source, "a g line has 4 fields (g, role, inherited role, clause)")
                )
                continue
            _, role, parent, clause = parts
            if not clause:
                errors.append(LintError(source, "the line cites no clause"))
            links.append(RoleLink(role, parent, clause, source))
        else:
            errors.append(LintError(source, f"unknown line type {kind!r} (expected p or g)"))
    return lines, links, errors


def lint_line(line: PolicyLine) -> list[LintError]:
    errors: list[LintError] = []

    def bad(message: str) -> None:
        errors.append(LintError(line.source, message))

    spec = object_spec(line.obj)
    if spec is None:
        bad(f"unknown object {line.obj!r}")
    if granted_role(line.obj) is not None and line.act != Action.GRANT:
        bad(f"a role object ({line.obj!r}) takes only the action 'grant', not {line.act!r}")
    if line.obj == "role_assignment" and line.act == Action.GRANT:
        bad(
            "grants name the role they give: write one line per role on 'role.<name>' "
            "(e.g. 'p, administrator, role.teacher, grant, …'), not 'role_assignment, grant'"
        )
    if line.act not in Action.__members__.values():
        bad(f"unknown action {line.act!r}")
    if line.effect not in Effect.__members__.values():
        bad(f"effect must be 'allow' or 'deny', not {line.effect!r}")
    scope_ok = line.scope in Scope.__members__.values()
    if not scope_ok:
        bad(f"unknown scope {line.scope!r}")
    if spec is not None and scope_ok and not scope_fits(Scope(line.scope), spec.anchors):
        bad(f"scope {line.scope!r} cannot apply to object {line.obj!r}")
    for cond in split_conditions(line.cond):
        if cond not in Condition.__members__.values():
            bad(f"unknown condition {cond!r}")
        elif spec is not None and not condition_fits(Condition(cond), spec.anchors):
            bad(f"condition {cond!r} cannot apply to object {line.obj!r}")
    if not line.clause:
        bad("the line cites no clause (write 'no clause: …' where the regulation is silent)")
    return errors


def load(slug: str, dirs: list[Path], _seen: tuple[str, ...] = ()) -> Ruleset:
    """Load a ruleset and everything it extends; lint errors are collected, not raised."""
    path = find(slug, dirs)
    if path is None:
        rs = Ruleset(slug, Path(slug), {})
        # The folders searched are the operator's business (``policy lint`` prints them),
        # not an answer's: this message reaches GraphQL clients.
        rs.errors.append(LintError(slug, f"no ruleset {slug!r} among the installed ones"))
        return rs
    return load_path(path, dirs, _seen)


def load_path(path: Path, dirs: list[Path], _seen: tuple[str, ...] = ()) -> Ruleset:
    slug = path.name
    label = f"{slug}/policy.csv"
    try:
        meta = tomllib.loads((path / "ruleset.toml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        rs = Ruleset(slug, path, {})
        rs.errors.append(LintError(f"{slug}/ruleset.toml", f"unreadable: {why_unreadable(exc)}"))
        return rs
    rs = Ruleset(slug, path, meta, own=meta)
    parent_slug = meta.get("extends")
    if parent_slug:
        if parent_slug in (*_seen, slug):
            rs.errors.append(LintError(f"{slug}/ruleset.toml", f"extends cycle via {parent_slug}"))
        else:
            parent = load(str(parent_slug), dirs, (*_seen, slug))
            rs.errors.extend(parent.errors)
            rs.chain = [*parent.chain, parent.slug]
            dropped = {str(k).strip() for k in meta.get("drop", [])}
            parent_keys = {line.key() for line in parent.lines}
            for key in dropped - parent_keys:
                rs.errors.append(
                    LintError(f"{slug}/ruleset.toml", f"drop names no parent line: {key!r}")
                )
            rs.lines = [line for line in parent.lines if line.key() not in dropped]
            rs.links = list(parent.links)
            merged_roles = dict(parent.roles)
            merged_roles.update(rs.roles)
            merged_rules = _deep_merge(parent.meta.get("rules", {}), meta.get("rules", {}))
            # [lint] exemptions (policies/coverage.py) are inherited like the rules.
            merged_lint = _deep_merge(parent.meta.get("lint", {}), meta.get("lint", {}))
            rs.meta = {**meta, "roles": merged_roles, "rules": merged_rules, "lint": merged_lint}
    rs.errors.extend(_lint_rules(slug, meta, rs.meta))
    lines, links, errors = parse_policy(path / "policy.csv", label)
    rs.lines.extend(lines)
    rs.links.extend(links)
    rs.errors.extend(errors)
    own_keys: dict[str, str] = {}
    broken = {e.source for e in errors}
    for line in lines:
        if line.source in broken:
            continue
        if line.key() in own_keys:
            rs.errors.append(
                LintError(
                    line.source,
                    f"duplicates {own_keys[line.key()]} (same role, object, action, scope, condition)",
                )
            )
        own_keys.setdefault(line.key(), line.source)
    roles = set(rs.roles)
    for line in lines:
        if roles and line.role not in roles:
            rs.errors.append(LintError(line.source, f"role {line.role!r} is not declared"))
        granted = granted_role(line.obj)
        if granted is not None and granted not in roles:
            rs.errors.append(
                LintError(
                    line.source, f"{line.obj!r} grants role {granted!r}, which is not declared"
                )
            )
        elif granted is not None and rs.roles[granted].get("abstract"):
            rs.errors.append(
                LintError(
                    line.source,
                    f"{line.obj!r} grants the abstract role {granted!r}, which no account holds: "
                    "grant the roles that inherit it",
                )
            )
    for link in links:
        for r in (link.role, link.inherits):
            if roles and r not in roles:
                rs.errors.append(LintError(link.source, f"role {r!r} is not declared"))
    # The administration is a list of role names (resolvers/correspondence.py): a name
    # that is no role of the ruleset would silently leave its holders unreachable.
    own_rules = meta.get("rules", {})
    correspondence = own_rules.get("correspondence") if isinstance(own_rules, dict) else None
    named = correspondence.get("administration") if isinstance(correspondence, dict) else None
    for r in named if isinstance(named, list) else []:
        if roles and r not in roles:
            rs.errors.append(
                LintError(
                    f"{slug}/ruleset.toml",
                    f"rules.correspondence.administration: role {r!r} is not declared",
                )
            )
    return rs


def _lint_rules(slug: str, own: dict[str, Any], merged: dict[str, Any]) -> list[LintError]:
    """``[rules]`` against the keys the code declares it reads (:mod:`.rule_keys`)."""
    # Imported here: the modules that declare rule keys import the policy engine.
    from campusgraph.policies.rule_keys import lint_rules

    own_rules = own.get("rules", {})
    merged_rules = merged.get("rules", {})
    if not isinstance(own_rules, dict) or not isinstance(merged_rules, dict):
        return [LintError(f"{slug}/ruleset.toml", "[rules] must be a table of tables")]
    return [
        LintError(source, text)
        for source, text in lint_rules(own_rules, merged_rules, f"{slug}/ruleset.toml")
    ]


def _deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _deep_merge(out[k], v)
        else:
            out[k] = v
    return out
