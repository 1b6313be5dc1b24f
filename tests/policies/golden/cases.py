"""Golden cases: a demo account asks ``viewer.can`` about a real row; the answer, the line
and the clause must be the regulation's.

A ruleset's table is its own cases (``test_<ruleset>.py``) plus :data:`BASE`, one template
per line of ``base/policy.csv`` instantiated with the child's concrete roles (the teacher,
the curator, a plain staff member, student, parent, the authority). Base lines a child
drops are skipped; a base line the child shadows (its own line is cited instead: Casbin
explains an allow by the *last* matching line) gets an xfail in the child's overrides.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import pytest

from tests.policies.golden.clauses import (
    NO_CLAUSE,
    Line,
    clause_keys,
    find_line,
    inherited_lines,
)
from tests.policies.golden.pickers import (
    CURATOR,
    REGION,
    SHORT,
    TEACHER,
    Picker,
    any_row,
    no_row,
    row_authored,
    row_in_curated_group,
    row_of_own_child,
    row_taught,
    self_row,
)

ALLOW, DENY, NULL = "allow", "deny", "null"

CAN = """
query ($object: String!, $action: String!, $id: ID, $on: ID) {
  viewer { can(object: $object, action: $action, id: $id, on: $on) { allowed ruleset rule clause } }
}
"""


class WrongDecision(AssertionError):
    """``can`` allowed what it should deny, or the reverse (or null / not null)."""


class WrongCitation(AssertionError):
    """The decision is right, but the line or clause it cites is not the expected one."""


@dataclass(frozen=True)
class Answer:
    allowed: bool | None  # None: ``can`` answered null (row not in the viewer's realm)
    ruleset: str | None = None
    rule: str | None = None
    clause: str | None = None
    error: str | None = None  # the request failed, or no target row was found

    @property
    def source(self) -> str | None:
        """``<slug>/policy.csv:<n>`` of the deciding line, None for the default deny."""
        if not self.rule or self.rule == "default deny":
            return None
        return self.rule.split(": ", 1)[0]


@dataclass(frozen=True)
class Case:
    """``login`` asks whether he may ``act`` on ``obj`` at the row ``pick`` finds.

    ``clause``: for ALLOW a substring of the clause that must come back (e.g. «п. 4.3»);
    for DENY empty when the denial is by omission (``rule`` = "default deny"), else a
    substring of the deny line's clause. ``line``: the exact line expected (base cases).
    ``xfail``: a known ruleset/engine problem — (reason, WrongDecision or WrongCitation).
    """

    login: str
    obj: str
    act: str
    pick: Picker
    expect: str
    clause: str = ""
    realm: str | None = None  # REGION for the region's authority; default: the ruleset
    line: str | None = None  # "base/policy.csv:<n>"
    xfail: tuple[str, type[AssertionError]] | None = None
    slug: str = ""  # filled in by table()
    note: str = field(default="", compare=False)

    @property
    def id(self) -> str:
        who = f"region-{self.login}" if self.realm == REGION else self.login
        return f"{SHORT[self.slug]}/{who}-{self.obj}-{self.act}-{self.pick.label}→{self.expect}"


def allow(login: str, obj: str, act: str, pick: Picker, clause: str, **kw: Any) -> Case:
    return Case(login, obj, act, pick, ALLOW, clause, **kw)


def deny(login: str, obj: str, act: str, pick: Picker, clause: str = "", **kw: Any) -> Case:
    return Case(login, obj, act, pick, DENY, clause, **kw)


def null(login: str, obj: str, act: str, pick: Picker, **kw: Any) -> Case:
    return Case(login, obj, act, pick, NULL, **kw)


def check(case: Case, answer: Answer) -> None:
    """Fail with :class:`WrongDecision` or :class:`WrongCitation`, explaining both."""
    got = NULL if answer.allowed is None else ALLOW if answer.allowed else DENY
    told = f"{case.id}: got {got} by {answer.rule!r}, clause {answer.clause!r}"
    if answer.error is not None:
        raise WrongDecision(f"{case.id}: {answer.error}")
    if got != case.expect:
        raise WrongDecision(told)
    if got == NULL:
        return
    if answer.ruleset != (REGION_RULESET if case.realm == REGION else case.slug):
        raise WrongCitation(f"{told}; decided by ruleset {answer.ruleset!r}")
    if case.line is not None:
        if answer.source != case.line:
            raise WrongCitation(f"{told}; expected the line {case.line}")
    elif got == ALLOW:
        if not (answer.source or "").startswith(f"{case.slug}/"):
            raise WrongCitation(f"{told}; expected a line of {case.slug}/policy.csv")
    elif case.clause:
        if not (answer.source or "").startswith(f"{case.slug}/") or not (
            answer.rule or ""
        ).endswith(", deny"):
            raise WrongCitation(f"{told}; expected a deny line of {case.slug}/policy.csv")
    elif answer.rule != "default deny":
        raise WrongCitation(f"{told}; expected the default deny")
    if case.clause and not cites(answer.clause or "", case.clause):
        raise WrongCitation(f"{told}; expected the clause to cite {case.clause!r}")


def cites(clause: str, wanted: str) -> bool:
    """Whether ``clause`` cites ``wanted``. A paragraph reference («п. 4.1», «разд. 6»,
    «no clause») must be one the clause names — «п. 4.1» is not «п. 4.11», and «п. 4.7,
    6.4» names «п. 6.4»; anything else is a substring."""
    if wanted == NO_CLAUSE or wanted.startswith(("п. ", "разд. ")):
        return wanted in clause_keys(clause)
    return wanted in clause


#: The region's accounts are governed by base alone.
REGION_RULESET = "base"


# -- base: one template per line of base/policy.csv ---------------------------------------


@dataclass(frozen=True)
class B:
    """A base line (role, object, action, scope) and how a child reaches it."""

    role: str
    obj: str
    act: str
    scope: str
    pick: Picker | None = None  # default: by scope
    as_role: str | None = None  # ask as another base role's login (e.g. the teacher)
    xfail: tuple[str, type[AssertionError]] | None = None


BASE: list[B] = [
    # student: the diary, own data only
    B("student", "student", "read", "self"),
    B("student", "group", "read", "self"),
    B("student", "timetable", "read", "self"),
    B("student", "lesson", "read", "self"),
    B("student", "work", "read", "self"),
    B("student", "mark", "read", "self"),
    B("student", "attendance", "read", "self"),
    B("student", "attendance.reason", "read", "self"),
    B("student", "final_mark", "read", "self"),
    B("student", "announcement", "read", "self"),
    B("student", "discipline", "read", "institution"),
    B("student", "period", "read", "institution"),
    B("student", "academic_year", "read", "institution"),
    B("student", "calendar", "read", "institution"),
    B("student", "room", "read", "institution"),
    B("student", "employee", "read", "institution"),
    B("student", "account", "read", "self"),
    B("student", "account", "revoke_sessions", "self"),
    B("student", "message", "read", "self"),
    B("student", "message", "read", "author", pick=row_authored),
    B("student", "message", "create", "author", pick=no_row),
    # parent: his own children only
    B("parent", "student", "read", "own_child"),
    B("parent", "group", "read", "own_child"),
    B("parent", "timetable", "read", "own_child"),
    B("parent", "lesson", "read", "own_child"),
    B("parent", "work", "read", "own_child"),
    B("parent", "mark", "read", "own_child"),
    B("parent", "attendance", "read", "own_child"),
    B("parent", "attendance.reason", "read", "own_child"),
    B("parent", "final_mark", "read", "own_child"),
    B("parent", "announcement", "read", "own_child"),
    B("parent", "discipline", "read", "institution"),
    B("parent", "period", "read", "institution"),
    B("parent", "academic_year", "read", "institution"),
    B("parent", "calendar", "read", "institution"),
    B("parent", "room", "read", "institution"),
    B("parent", "employee", "read", "institution"),
    B("parent", "account", "read", "self"),
    B("parent", "account", "revoke_sessions", "self"),
    B("parent", "message", "read", "self"),
    B("parent", "message", "read", "author", pick=row_authored),
    B("parent", "message", "create", "author", pick=no_row),
    # authority: the region's aggregates
    B("authority", "institution", "read", "region"),
    B("authority", "region_report", "read", "region"),
    B("authority", "region_report", "export", "region"),
    B("authority", "report", "read", "region"),
    B("authority", "group", "read", "region"),
    B("authority", "discipline", "read", "region"),
    B("authority", "period", "read", "region"),
    B("authority", "academic_year", "read", "region"),
    # staff_member: every employee with an account
    B("staff_member", "institution", "read", "institution"),
    B("staff_member", "employee", "read", "institution"),
    B("staff_member", "account", "read", "self"),
    B("staff_member", "account", "revoke_sessions", "self"),
    B("staff_member", "message", "read", "self"),
    B("staff_member", "message", "read", "author", as_role="journal_teacher"),
    B("staff_member", "message", "create", "author", as_role="journal_teacher"),
    B("staff_member", "announcement", "read", "institution"),
    B("staff_member", "timetable", "read", "institution"),
    B("staff_member", "discipline", "read", "institution"),
    B("staff_member", "period", "read", "institution"),
    B("staff_member", "academic_year", "read", "institution"),
    B("staff_member", "calendar", "read", "institution"),
    B("staff_member", "room", "read", "institution"),
    B("staff_member", "department", "read", "institution"),
    B("staff_member", "speciality", "read", "institution"),
    B("staff_member", "position", "read", "institution"),
    # journal_teacher: the journal of what he teaches
    B("journal_teacher", "journal", "read", "taught"),
    B("journal_teacher", "group", "read", "taught"),
    B("journal_teacher", "subgroup", "read", "taught"),
    B("journal_teacher", "student", "read", "taught"),
    B("journal_teacher", "teaching_assignment", "read", "taught"),
    B("journal_teacher", "thematic_plan", "read", "taught"),
    B("journal_teacher", "lesson", "read", "taught"),
    B("journal_teacher", "lesson", "create", "taught"),
    B("journal_teacher", "lesson", "update", "taught"),
    B("journal_teacher", "lesson", "delete", "taught"),
    B("journal_teacher", "work", "read", "taught"),
    B("journal_teacher", "work", "create", "taught"),
    B("journal_teacher", "work", "update", "taught"),
    B("journal_teacher", "work", "delete", "taught"),
    B("journal_teacher", "mark", "read", "taught"),
    B("journal_teacher", "mark", "create", "taught"),
    B("journal_teacher", "mark", "update", "taught"),
    B("journal_teacher", "mark", "delete", "taught"),
    B("journal_teacher", "attendance", "read", "taught"),
    B("journal_teacher", "attendance", "create", "taught"),
    B("journal_teacher", "attendance", "update", "taught"),
    B("journal_teacher", "attendance", "delete", "taught"),
    B("journal_teacher", "attendance.reason", "read", "taught"),
    B("journal_teacher", "final_mark", "read", "taught"),
    B("journal_teacher", "final_mark", "create", "taught"),
    B("journal_teacher", "final_mark", "update", "taught"),
    B("journal_teacher", "final_mark", "delete", "taught"),
    # group_curator: his group, read only, its students' data and credentials
    B("group_curator", "group", "read", "curated_group"),
    B("group_curator", "subgroup", "read", "curated_group"),
    B("group_curator", "teaching_assignment", "read", "curated_group"),
    B("group_curator", "journal", "read", "curated_group"),
    B("group_curator", "lesson", "read", "curated_group"),
    B("group_curator", "work", "read", "curated_group"),
    B("group_curator", "mark", "read", "curated_group"),
    B("group_curator", "attendance", "read", "curated_group"),
    B("group_curator", "attendance.reason", "read", "curated_group"),
    B("group_curator", "final_mark", "read", "curated_group"),
    B("group_curator", "student", "read", "curated_group"),
    B("group_curator", "student.personal", "read", "curated_group"),
    B("group_curator", "parent", "read", "curated_group"),
    B("group_curator", "student", "issue_credentials", "curated_group"),
    B("group_curator", "parent", "issue_credentials", "curated_group"),
    B("group_curator", "role.student", "grant", "curated_group"),
    B("group_curator", "role.parent", "grant", "curated_group"),
    B("group_curator", "report", "read", "curated_group"),
    B("group_curator", "report", "export", "curated_group"),
    B("group_curator", "report.student", "read", "curated_group"),
]

_BY_SCOPE = {
    "self": self_row,
    "own_child": row_of_own_child,
    "taught": row_taught,
    "curated_group": row_in_curated_group,
    "institution": any_row,
    "region": any_row,
    "author": row_authored,
}


def base_cases(
    slug: str,
    staff: str,
    *,
    overrides: dict[tuple[str, str, str, str], dict[str, Any]] | None = None,
) -> list[Case]:
    """The :data:`BASE` templates as ``slug``'s cases. ``staff``: the login that stands for
    ``staff_member`` (one whose own lines do not shadow the common ones). ``overrides``:
    per (role, object, action, scope), Case fields to change (``xfail``, ``login``, …)."""
    logins = {
        "student": "student",
        "parent": "parent",
        "authority": "authority",
        "staff_member": staff,
        "journal_teacher": TEACHER[slug],
        "group_curator": CURATOR[slug],
    }
    effective = {line.key() for line in inherited_lines(slug)}
    unknown = set(overrides or {}) - {(t.role, t.obj, t.act, t.scope) for t in BASE}
    if unknown:
        raise LookupError(f"{slug}: overrides name no base template: {sorted(unknown)}")
    cases: list[Case] = []
    for t in BASE:
        line: Line = find_line("base", t.role, t.obj, t.act, t.scope)
        if line.key() not in effective:
            continue  # dropped by the child (ruleset.toml drop = […])
        local_authority = t.role == "authority" and slug == "nshds12-2021"
        case = Case(
            login=logins[t.as_role or t.role],
            obj=t.obj,
            act=t.act,
            pick=t.pick or _BY_SCOPE[t.scope],
            expect=ALLOW,
            clause=line.clause.split(":", 1)[0] if line.clause.startswith("common") else "",
            realm=REGION if t.role == "authority" and not local_authority else None,
            line=line.source,
            xfail=t.xfail,
            slug=slug,
        )
        change = (overrides or {}).get((t.role, t.obj, t.act, t.scope))
        if change:
            case = replace(case, **change)
        cases.append(case)
    return cases


def line_of(slug: str, role: str, obj: str, act: str, scope: str) -> str:
    """The source (``<slug>/policy.csv:<n>``) of the one line with these fields."""
    return find_line(slug, role, obj, act, scope).source


def table(slug: str, own: list[Case], base: list[Case]) -> list[Case]:
    """The full table: own cases then base cases, ids made unique."""
    out: list[Case] = []
    seen: dict[str, int] = {}
    for case in [*own, *base]:
        case = replace(case, slug=slug)
        n = seen.get(case.id, 0)
        seen[case.id] = n + 1
        if n:
            case = replace(case, note=f"#{n + 1}")
        out.append(case)
    return out


def case_id(case: Case) -> str:
    return case.id + case.note


def params(cases: list[Case]) -> list[Any]:
    """pytest params: readable ids, strict xfail for known problems."""
    out = []
    for case in cases:
        marks = []
        if case.xfail is not None:
            reason, raises = case.xfail
            marks.append(pytest.mark.xfail(strict=True, reason=reason, raises=raises))
        out.append(pytest.param(case, id=case_id(case), marks=marks))
    return out
