"""The regulation clauses a ruleset cites, read straight from its ``policy.csv``.

A clause is normalised to the paragraph references it names, so that one clause cited by
several lines is one thing to cover:

- a child's own line ``altai-college-2016 п. 3.4, 4.3: «…»; п. 6.1: …`` cites «п. 3.4»,
  «п. 4.3» and «п. 6.1» (every reference in the text: the explanation's are citations too);
  a reference keeps its qualifier when the regulation numbers two lists alike —
  «п. 4.8.1 (кураторы)» vs «п. 4.8.1 (преподаватели)» (tomsk), «разд. 4 «Директор школы»»
  (nshds12, whose section 4 is split by role, not numbered);
- a base line ``common (altai п. 4.4; armavir …): …`` cites its whole ``common (…)``
  parenthesis: one base clause, to be covered once in every child ruleset;
- every line whose clause starts with ``no clause`` falls under the one key ``no clause``.

The coverage test compares these keys with the clauses the golden cases got back.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections import defaultdict
from dataclasses import dataclass

from campusgraph.policies.ruleset import SHIPPED

NO_CLAUSE = "no clause"

_REFERENCE = re.compile(
    r"(?P<kind>п\.|разд\.)\s*"
    r"(?P<number>\d+(?:\.\d+)*(?:\s*[–-]\s*\d+(?:\.\d+)*)?)"
    r"(?P<qualifier>\s*\([а-яё]+\)|\s*«[^»]+»)?"
    r"(?P<more>(?:,\s*\d+(?:\.\d+)*(?:\s*\([а-яё]+\))?)*)"
)
_MORE = re.compile(r"(\d+(?:\.\d+)*)(\s*\([а-яё]+\))?")


@dataclass(frozen=True)
class Line:
    """One ``p`` line of a policy.csv."""

    source: str  # "<slug>/policy.csv:<line number>", as the engine cites it
    role: str
    obj: str
    act: str
    scope: str
    cond: str
    effect: str
    clause: str

    def key(self) -> str:
        """The first six fields: how ``drop`` in ruleset.toml names a line."""
        return f"p, {self.role}, {self.obj}, {self.act}, {self.scope}, {self.cond}"


def _common_head(clause: str) -> str:
    """``common (…)`` up to its balanced closing parenthesis."""
    depth = 0
    for index, char in enumerate(clause):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return clause[: index + 1]
    return clause


def clause_keys(clause: str) -> frozenset[str]:
    """The clause keys a line's clause text cites (see the module docstring)."""
    text = clause.strip()
    if text.startswith(NO_CLAUSE):
        return frozenset({NO_CLAUSE})
    if text.startswith("common ("):
        return frozenset({_common_head(text)})
    keys: set[str] = set()
    for match in _REFERENCE.finditer(text):
        kind = match["kind"]
        qualifier = (match["qualifier"] or "").strip()
        if qualifier.startswith("«") and kind != "разд.":
            qualifier = ""  # a quotation after «п. N», not a qualifier
        number = re.sub(r"\s*[–-]\s*", "–", match["number"])
        keys.add(f"{kind} {number} {qualifier}".strip())
        for more in _MORE.finditer(match["more"] or ""):
            keys.add(f"{kind} {more[1]} {(more[2] or '').strip()}".strip())
    return frozenset(keys)


@functools.cache
def policy_lines(slug: str) -> tuple[Line, ...]:
    """The ``p`` lines of one ruleset's own policy.csv, in file order (read once)."""
    lines: list[Line] = []
    path = SHIPPED / slug / "policy.csv"
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        text = raw.strip()
        if not text.startswith("p,"):
            continue
        _, role, obj, act, scope, cond, effect, clause = (x.strip() for x in text.split(",", 7))
        lines.append(
            Line(f"{slug}/policy.csv:{number}", role, obj, act, scope, cond, effect, clause)
        )
    return tuple(lines)


def parent_of(slug: str) -> str | None:
    meta = tomllib.loads((SHIPPED / slug / "ruleset.toml").read_text(encoding="utf-8"))
    parent = meta.get("extends")
    return str(parent) if parent else None


def inherited_lines(slug: str) -> list[Line]:
    """The parent's (base's) lines that still apply in ``slug``: its ``drop`` removed."""
    parent = parent_of(slug)
    if parent is None:
        return []
    meta = tomllib.loads((SHIPPED / slug / "ruleset.toml").read_text(encoding="utf-8"))
    dropped = {str(k).strip() for k in meta.get("drop", [])}
    return [line for line in policy_lines(parent) if line.key() not in dropped]


@dataclass(frozen=True)
class Required:
    """What the golden cases of one ruleset must exercise."""

    #: clause key → the lines citing it (own and inherited allow lines)
    allow: dict[str, list[Line]]
    #: deny lines, each to be named by a DENY case's ``rule``
    deny: list[Line]


def required(slug: str) -> Required:
    allow: dict[str, list[Line]] = defaultdict(list)
    deny: list[Line] = []
    for line in [*inherited_lines(slug), *policy_lines(slug)]:
        if line.effect == "deny":
            deny.append(line)
            continue
        for key in clause_keys(line.clause):
            allow[key].append(line)
    return Required(dict(allow), deny)


def line_at(source: str) -> Line:
    """The line a decision's ``rule`` names (``<slug>/policy.csv:<n>: …``)."""
    slug, rest = source.split("/policy.csv:", 1)
    number = rest.split(":", 1)[0]
    for line in policy_lines(slug):
        if line.source == f"{slug}/policy.csv:{number}":
            return line
    raise LookupError(source)


def find_line(slug: str, role: str, obj: str, act: str, scope: str) -> Line:
    """The one line of ``slug``'s policy.csv with these fields (for base case templates)."""
    found = [
        line
        for line in policy_lines(slug)
        if (line.role, line.obj, line.act, line.scope) == (role, obj, act, scope)
    ]
    if len(found) != 1:
        raise LookupError(f"{slug}: {len(found)} lines p, {role}, {obj}, {act}, {scope}")
    return found[0]
