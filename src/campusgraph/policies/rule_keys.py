"""The typed schema of ``[rules]`` in ``ruleset.toml``: every key a ruleset may carry is
declared next to the code that reads it, and is read only through its declaration.

Why: a regulation's rule written as data that no code reads is a promise the service
does not keep (issue 12: ``student_card_days`` and ``attestation_mark_days`` sat in
two rulesets for a year while nothing checked them). Declaring and reading are one act —
``STUDENT_CARD_DAYS = rule_key("deadlines", "student_card_days", int, default=None, …)``
at module level, ``STUDENT_CARD_DAYS.read(ruleset)`` where it is used — so the registry
cannot drift from the code, and :func:`lint_rules` (part of every ruleset's load, hence
of ``campusgraph policy lint``, ``switchRuleset`` and ``reloadRulesets``) fails:

- on a key (or a whole table) under ``[rules]`` that no declaration names: nothing would
  read it;
- on a value of the wrong type: the reader would fall back to its default silently;
- on a key declared without a default (``REQUIRED``) that the ruleset, with what it
  extends, lacks: the reader would have nothing to go on.

A table read as a whole (``[rules.final_mark]``, ``[rules.lesson_topic]``) is declared
with :func:`rule_table`; its :meth:`RuleTable.read` hands out only the declared keys.

The modules that declare keys are listed in :data:`READERS` and imported when the lint
first runs (they import the policy engine, which imports this module's caller: a
module-level import would be circular). A module missing from the list makes its keys
unknown, so every ruleset using them fails the lint — the drift is loud, not silent; a
test also checks that every module calling :func:`rule_key` or :func:`rule_table` is
listed.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

#: Modules whose declarations make up the registry.
READERS: Final = (
    "campusgraph.resolvers.compliance",
    "campusgraph.resolvers.correspondence",
    "campusgraph.resolvers.journal_rules",
)


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


#: The default of a key every ruleset (with what it extends) must set.
REQUIRED: Final = _Required()

#: Value types a key may declare, as TOML gives them.
ValueType = type | tuple[type, ...]


class RuleMissing(LookupError):
    """A REQUIRED key absent at run time: the ruleset was loaded around its lint."""


@dataclass(frozen=True, slots=True)
class RuleKey:
    table: str
    name: str
    kind: ValueType
    default: Any
    reader: str  # the module that reads it
    doc: str

    @property
    def path(self) -> str:
        return f"rules.{self.table}.{self.name}"

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    def fits(self, value: Any) -> bool:
        kinds = self.kind if isinstance(self.kind, tuple) else (self.kind,)
        if isinstance(value, bool) and bool not in kinds:
            return False  # TOML's true is not a day count
        if float in kinds and isinstance(value, int) and not isinstance(value, bool):
            return True
        return isinstance(value, kinds)

    def read_from(self, rules: Mapping[str, Any]) -> Any:
        table = rules.get(self.table)
        value = table.get(self.name, REQUIRED) if isinstance(table, Mapping) else REQUIRED
        if value is REQUIRED or not self.fits(value):
            if self.required:
                raise RuleMissing(self.path)
            return self.default
        return value

    def read(self, ruleset: Any) -> Any:
        """The key's value in ``ruleset`` (a :class:`~campusgraph.policies.ruleset.Ruleset`),
        or its default where the ruleset has none (or one of the wrong type)."""
        rules: Any = ruleset.meta.get("rules", {})
        return self.read_from(rules if isinstance(rules, Mapping) else {})

    def is_set(self, ruleset: Any) -> bool:
        """Whether the ruleset (with what it extends) sets the key itself."""
        rules: Any = ruleset.meta.get("rules", {})
        table = rules.get(self.table) if isinstance(rules, Mapping) else None
        return isinstance(table, Mapping) and self.fits(table.get(self.name, REQUIRED))


@dataclass(frozen=True, slots=True)
class RuleTable:
    """A ``[rules.<table>]`` read as a whole; only its declared keys are handed out."""

    table: str
    keys: Mapping[str, RuleKey] = field(default_factory=dict)

    def read(self, ruleset: Any) -> dict[str, Any] | None:
        """The declared keys the ruleset sets (wrong types left out), or None when it
        has no such table."""
        rules: Any = ruleset.meta.get("rules", {})
        table = rules.get(self.table) if isinstance(rules, Mapping) else None
        if not isinstance(table, Mapping):
            return None
        return {k: v for k, v in table.items() if k in self.keys and self.keys[k].fits(v)}


_REGISTRY: dict[tuple[str, str], RuleKey] = {}


def _declare(key: RuleKey) -> RuleKey:
    known = _REGISTRY.get((key.table, key.name))
    if known is not None and known != key:
        raise ValueError(f"{key.path} is declared twice: by {known.reader} and {key.reader}")
    _REGISTRY[(key.table, key.name)] = key
    return key


def rule_key(
    table: str, name: str, kind: ValueType, *, default: Any = REQUIRED, reader: str, doc: str
) -> RuleKey:
    """Declare ``rules.<table>.<name>``, read by module ``reader`` (pass ``__name__``)."""
    return _declare(RuleKey(table, name, kind, default, reader, doc))


def rule_table(table: str, *, reader: str, keys: Mapping[str, tuple[ValueType, str]]) -> RuleTable:
    """Declare ``[rules.<table>]``, read as a whole: ``keys`` maps each key to (type, what
    it means). Every key of such a table is optional: the reader decides its default."""
    declared = {
        name: _declare(RuleKey(table, name, kind, None, reader, doc))
        for name, (kind, doc) in keys.items()
    }
    return RuleTable(table, declared)


def registry() -> dict[tuple[str, str], RuleKey]:
    """Every declared key, the reader modules imported first."""
    for module in READERS:
        importlib.import_module(module)
    return dict(_REGISTRY)


def lint_rules(
    own: Mapping[str, Any], merged: Mapping[str, Any], source: str
) -> list[tuple[str, str]]:
    """Problems of a ruleset's ``[rules]`` as (source, message): ``own`` is what its
    ruleset.toml says (unknown keys and wrong types are reported where written),
    ``merged`` what it has with everything it extends (a REQUIRED key must be there)."""
    keys = registry()
    tables = {table for table, _ in keys}
    problems: list[tuple[str, str]] = []
    for table, body in own.items():
        if table not in tables:
            problems.append(
                (
                    source,
                    f"[rules.{table}]: no code reads this table (declare each key where it is read, or remove it)",
                )
            )
            continue
        if not isinstance(body, Mapping):
            problems.append((source, f"rules.{table} must be a table"))
            continue
        for name, value in body.items():
            key = keys.get((table, name))
            if key is None:
                problems.append(
                    (
                        source,
                        f"rules.{table}.{name}: no code reads this key (declare it where it is read, or remove it)",
                    )
                )
            elif not key.fits(value):
                problems.append(
                    (
                        source,
                        f"{key.path}: {value!r} is not {_kind_name(key.kind)} (read by {key.reader})",
                    )
                )
    for key in keys.values():
        if key.required:
            merged_table = merged.get(key.table)
            if not isinstance(merged_table, Mapping) or key.name not in merged_table:
                problems.append(
                    (
                        source,
                        f"{key.path} is read by {key.reader} with no default, and this ruleset lacks it",
                    )
                )
    return problems


def _kind_name(kind: ValueType) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(k.__name__ for k in kinds)
