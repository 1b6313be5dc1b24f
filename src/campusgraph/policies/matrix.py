"""Readable Markdown views of rulesets: the permission matrix of one, the diff of two.

``matrix_markdown`` is what a college attaches to its regulation (``campusgraph policy
matrix SLUG``): the roles, an overview table (object × action against the roles) and, per
role, every line that reaches it — directly or through ``g`` inheritance — with its scope,
condition, effect and the clause it encodes. ``diff_markdown`` (``policy diff A B``)
compares the effective lines of the roles two rulesets share, plus their ``[rules]``.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from campusgraph.i18n import DEFAULT_LANGUAGE, LANGUAGES, message, plural
from campusgraph.i18n import keys as catalog_keys
from campusgraph.policies.ruleset import PolicyLine, Ruleset
from campusgraph.policies.vocabulary import (
    OBJECTS,
    Action,
    action_title,
    granted_role,
    object_spec,
)


class _Words:
    """The matrix's words in one language, from the catalogs (``matrix_<word>``)."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def __getitem__(self, word: str) -> str:
        return message(f"matrix_{word}", self.lang)

    def scope(self, scope: str) -> str:
        return _known(f"matrix_scope_{scope}", self.lang, scope)

    def condition(self, condition: str) -> str:
        return _known(f"matrix_condition_{condition}", self.lang, condition)


def _known(key: str, lang: str, fallback: str) -> str:
    return message(key, lang) if key in catalog_keys(lang) else fallback


_REF = re.compile(r"(?:п\.|разд\.)\s*\d[\d.]*(?:\s*[–-]\s*\d[\d.]*)?")


def _esc(text: str) -> str:
    """Make text safe inside a Markdown table cell."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").strip()


def short_clause(clause: str, lang: str = "ru") -> str:
    """A compact reference to the clause: ``п. 4.3``, ``разд. 6``, ``общее`` or ``без основания``."""
    words = _Words(_lang(lang))
    text = clause.strip()
    if text.lower().startswith("no clause"):
        return words["no_clause"]
    if text.lower().startswith("common"):
        return words["common"]
    match = _REF.search(text)
    if match:
        return match.group(0).rstrip(".").replace("  ", " ")
    head = text.split(":", 1)[0].strip()
    return head[:40]


def _lang(lang: str) -> str:
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def _object_title(obj: str, lang: str, ruleset: Ruleset | None = None) -> str:
    role = granted_role(obj)
    if role is not None and ruleset is not None and role in ruleset.roles:
        name = _role_title(ruleset, role, lang)
        return f"{message('matrix_role_named', lang, name=name)} (`{obj}`)"
    spec = object_spec(obj)
    if spec is None:
        return f"`{obj}`"
    return f"{spec.title(lang)} (`{obj}`)"


def _action_title(act: str, lang: str) -> str:
    if lang == "ru" and act in Action.__members__.values():
        return f"{action_title(act, lang)} (`{act}`)"
    return f"`{act}`"


def _role_title(ruleset: Ruleset, role: str, lang: str) -> str:
    info = ruleset.roles.get(role, {})
    key = "title_ru" if lang == "ru" else "title_en"
    return str(info.get(key) or info.get("title_ru") or role)


# -- roles and inheritance -------------------------------------------------------------
def ancestors(ruleset: Ruleset, role: str) -> list[str]:
    """The roles ``role`` inherits through ``g`` lines, transitively, nearest first."""
    parents: dict[str, list[str]] = {}
    for link in ruleset.links:
        parents.setdefault(link.role, []).append(link.inherits)
    out: list[str] = []
    queue = list(parents.get(role, []))
    while queue:
        current = queue.pop(0)
        if current in out or current == role:
            continue
        out.append(current)
        queue.extend(parents.get(current, []))
    return out


def is_abstract(ruleset: Ruleset, role: str) -> bool:
    return bool(ruleset.roles.get(role, {}).get("abstract", False))


def ordered_roles(ruleset: Ruleset) -> list[str]:
    """Declared roles: the ruleset's own order first, then inherited declarations; then
    any role that only appears in lines."""
    order: list[str] = []
    own = ruleset.path / "ruleset.toml"
    if own.is_file():
        try:
            declared = tomllib.loads(own.read_text(encoding="utf-8")).get("roles", {})
        except (OSError, tomllib.TOMLDecodeError):
            declared = {}
        if isinstance(declared, dict):
            order.extend(str(r) for r in declared)
    for role in ruleset.roles:
        if role not in order:
            order.append(role)
    for line in ruleset.lines:
        if line.role not in order:
            order.append(line.role)
    return order


def concrete_roles(ruleset: Ruleset) -> list[str]:
    return [r for r in ordered_roles(ruleset) if not is_abstract(ruleset, r)]


@dataclass(frozen=True, slots=True)
class EffectiveLine:
    """A line as it reaches a role: ``via`` names the inherited role that holds it."""

    line: PolicyLine
    via: str | None

    def shape(self) -> tuple[str, str, str, str, str]:
        ln = self.line
        return (ln.obj, ln.act, ln.scope, ln.cond, ln.effect)


def effective_lines(ruleset: Ruleset, role: str) -> list[EffectiveLine]:
    """Every line reaching ``role`` (its own and its ancestors'), without repeats."""
    holders = [role, *ancestors(ruleset, role)]
    seen: set[tuple[str, str, str, str, str]] = set()
    out: list[EffectiveLine] = []
    for holder in holders:
        for line in ruleset.lines:
            if line.role != holder:
                continue
            eff = EffectiveLine(line, None if holder == role else holder)
            if eff.shape() in seen:
                continue
            seen.add(eff.shape())
            out.append(eff)
    return out


def _pair_order(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    objects = list(OBJECTS)
    actions = [a.value for a in Action]

    def key(pair: tuple[str, str]) -> tuple[int, str, int, str]:
        obj, act = pair
        oi = objects.index(obj) if obj in objects else len(objects)
        ai = actions.index(act) if act in actions else len(actions)
        return (oi, obj, ai, act)

    return sorted(set(pairs), key=key)


def _cell(lines: list[EffectiveLine], lang: str) -> str:
    parts: list[str] = []
    for eff in sorted(lines, key=lambda e: (e.line.effect != "deny", e.line.scope, e.line.cond)):
        ln = eff.line
        mark = "✗" if ln.effect == "deny" else "✓"
        cond = "" if ln.cond == "always" else f"·{ln.cond}"
        parts.append(f"{mark} {ln.scope}{cond} [{_esc(short_clause(ln.clause, lang))}]")
    return "<br>".join(parts)


# -- the matrix ------------------------------------------------------------------------
def matrix_markdown(ruleset: Ruleset, lang: str = "ru") -> str:
    """The permission matrix of ``ruleset`` as Markdown (``lang`` is ``"ru"`` or ``"en"``)."""
    lang = _lang(lang)
    w = _Words(lang)
    meta = ruleset.meta
    title = str(meta.get("title" if lang == "ru" else "title_en") or ruleset.title)
    out: list[str] = [f"# {title}", ""]
    if meta.get("source"):
        out.append(f"**{w['source']}:** {meta['source']}")
        out.append("")
    facts = [f"**{w['ruleset']}:** `{ruleset.slug}`"]
    if ruleset.chain:
        facts.append(f"{w['extends']}: " + " → ".join(f"`{s}`" for s in reversed(ruleset.chain)))
    if meta.get("kind"):
        facts.append(f"{w['kind']}: {meta['kind']}")
    out += [" · ".join(facts), "", w["legend"], ""]

    roles = concrete_roles(ruleset)
    per_role = {role: effective_lines(ruleset, role) for role in roles}

    out += [f"## {w['roles']}", ""]
    out.append(f"| {w['role']} | {w['title']} | {w['inherits']} | {w['description']} |")
    out.append("|---|---|---|---|")
    for role in ordered_roles(ruleset):
        info = ruleset.roles.get(role, {})
        inherits = ", ".join(f"`{r}`" for r in ancestors(ruleset, role))
        desc = str(info.get("description_ru") or "") if lang == "ru" else ""
        if is_abstract(ruleset, role):
            desc = f"*{w['abstract']}*. {desc}".strip()
        out.append(
            f"| `{role}` | {_esc(_role_title(ruleset, role, lang))} | {inherits} | {_esc(desc)} |"
        )
    out.append("")

    out += [f"## {w['overview']}", ""]
    header = [w["object"], w["action"], *(f"`{r}`" for r in roles)]
    out.append("| " + " | ".join(header) + " |")
    out.append("|" + "---|" * len(header))
    pairs = _pair_order((e.line.obj, e.line.act) for lines in per_role.values() for e in lines)
    for obj, act in pairs:
        cells = [
            _cell([e for e in per_role[r] if e.line.obj == obj and e.line.act == act], lang)
            for r in roles
        ]
        out.append(f"| `{obj}` | `{act}` | " + " | ".join(cells) + " |")
    out.append("")

    for role in roles:
        out += [f"## {_esc(_role_title(ruleset, role, lang))} (`{role}`)", ""]
        lines = per_role[role]
        if not lines:
            out += [w["none"], ""]
            continue
        out.append(
            f"| {w['object']} | {w['action']} | {w['scope']} | {w['condition']} "
            f"| {w['effect']} | {w['clause']} | {w['via']} |"
        )
        out.append("|---|---|---|---|---|---|---|")
        order = {
            pair: i for i, pair in enumerate(_pair_order((e.line.obj, e.line.act) for e in lines))
        }
        for eff in sorted(lines, key=lambda e: (order[(e.line.obj, e.line.act)], e.line.scope)):
            ln = eff.line
            scope = w.scope(ln.scope)
            cond = w.condition(ln.cond)
            effect = ("✗ " + w["deny"]) if ln.effect == "deny" else ("✓ " + w["allow"])
            via = f"`{eff.via}`" if eff.via else ""
            out.append(
                f"| {_object_title(ln.obj, lang, ruleset)} | {_action_title(ln.act, lang)} "
                f"| {scope} (`{ln.scope}`) | {cond} | {effect} | {_esc(ln.clause)} | {via} |"
            )
        out.append("")
    return "\n".join(out).rstrip() + "\n"


# -- the diff --------------------------------------------------------------------------
def _flatten(node: Any, prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    if isinstance(node, dict):
        for k, v in node.items():
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
    else:
        out[prefix] = node
    return out


def _variants(lines: list[EffectiveLine]) -> str:
    parts = []
    for eff in sorted(lines, key=lambda e: (e.line.effect, e.line.scope, e.line.cond)):
        ln = eff.line
        mark = "✗" if ln.effect == "deny" else "✓"
        parts.append(f"{mark} {ln.scope}·{ln.cond}")
    return "<br>".join(parts)


def diff_markdown(a: Ruleset, b: Ruleset, lang: str = "ru") -> str:
    """What differs between two rulesets, as Markdown: for every role both declare, the
    effective lines only in A, only in B, and (role, object, action) pairs whose scope,
    condition or effect changed; then the roles only one side has, and ``[rules]``."""
    lang = _lang(lang)
    w = _Words(lang)
    out: list[str] = [
        f"# {message('matrix_ruleset_diff', lang)}: `{a.slug}` → `{b.slug}`",
        "",
        f"- **A:** {a.title} (`{a.slug}`)",
        f"- **B:** {b.title} (`{b.slug}`)",
        "",
    ]
    roles_a, roles_b = concrete_roles(a), concrete_roles(b)
    shared = [r for r in roles_a if r in roles_b]
    only_a = [r for r in roles_a if r not in roles_b]
    only_b = [r for r in roles_b if r not in roles_a]

    out += [f"## {w['roles']}", ""]
    out.append(
        f"- {message('matrix_shared', lang)}: " + (", ".join(f"`{r}`" for r in shared) or "—")
    )
    for label, rs, names in (("A", a, only_a), ("B", b, only_b)):
        items = [
            f"`{r}` ({_esc(_role_title(rs, r, lang))}, "
            f"{plural('count_ruleset_lines', len(effective_lines(rs, r)), lang)})"
            for r in names
        ]
        out.append(f"- {message('matrix_only', lang)} {label}: " + (", ".join(items) or "—"))
    out.append("")

    only_in_a: list[tuple[str, EffectiveLine]] = []
    only_in_b: list[tuple[str, EffectiveLine]] = []
    changed: list[tuple[str, str, str, list[EffectiveLine], list[EffectiveLine]]] = []
    for role in shared:
        la, lb = effective_lines(a, role), effective_lines(b, role)
        pairs = _pair_order([(e.line.obj, e.line.act) for e in la + lb])
        for obj, act in pairs:
            xa = [e for e in la if e.line.obj == obj and e.line.act == act]
            xb = [e for e in lb if e.line.obj == obj and e.line.act == act]
            sa = {e.shape() for e in xa}
            sb = {e.shape() for e in xb}
            if sa == sb:
                continue
            if xa and xb:
                changed.append((role, obj, act, xa, xb))
            elif xa:
                only_in_a.extend((role, e) for e in xa)
            else:
                only_in_b.extend((role, e) for e in xb)

    def table(rows: list[tuple[str, EffectiveLine]]) -> list[str]:
        if not rows:
            return ["—", ""]
        lines = [
            f"| {w['role']} | {w['object']} | {w['action']} | {w['scope']} | {w['condition']} "
            f"| {w['effect']} | {w['clause']} |",
            "|---|---|---|---|---|---|---|",
        ]
        for role, eff in rows:
            ln = eff.line
            lines.append(
                f"| `{role}` | `{ln.obj}` | `{ln.act}` | `{ln.scope}` | `{ln.cond}` "
                f"| {ln.effect} | {_esc(ln.clause)} |"
            )
        return [*lines, ""]

    out += [f"## {message('matrix_only', lang)} A (`{a.slug}`)", "", *table(only_in_a)]
    out += [f"## {message('matrix_only', lang)} B (`{b.slug}`)", "", *table(only_in_b)]
    title = message("matrix_changed_scope_condition_or_effect", lang)
    out += [f"## {title}", ""]
    if changed:
        out.append(f"| {w['role']} | {w['object']} | {w['action']} | A | B |")
        out.append("|---|---|---|---|---|")
        for role, obj, act, xa, xb in changed:
            out.append(f"| `{role}` | `{obj}` | `{act}` | {_variants(xa)} | {_variants(xb)} |")
        out.append("")
    else:
        out += ["—", ""]

    rules_a = _flatten(a.meta.get("rules", {}))
    rules_b = _flatten(b.meta.get("rules", {}))
    keys = sorted(k for k in set(rules_a) | set(rules_b) if rules_a.get(k) != rules_b.get(k))
    out += [f"## {message('matrix_rules', lang)} (`[rules]`)", ""]
    if keys:
        out.append(f"| {message('matrix_key', lang)} | A | B |")
        out.append("|---|---|---|")
        for key in keys:
            va = "—" if key not in rules_a else f"`{rules_a[key]!r}`"
            vb = "—" if key not in rules_b else f"`{rules_b[key]!r}`"
            out.append(f"| `{key}` | {_esc(va)} | {_esc(vb)} |")
        out.append("")
    else:
        out += ["—", ""]
    return "\n".join(out).rstrip() + "\n"
