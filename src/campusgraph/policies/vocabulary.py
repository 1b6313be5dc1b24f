"""The words a ruleset may use: objects, actions, scopes and conditions.

A ruleset line reads ``p, ROLE, OBJECT, ACTION, SCOPE, CONDITION, EFFECT, CLAUSE``.
Objects name what is protected, and say which *anchors* a row of that object has (its
group, discipline, student, lesson, date …). A scope or condition may only be used on an
object that has the anchors it needs; ``policy lint`` checks that, so a ruleset can never
ask for a filter the engine cannot build.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from campusgraph.i18n import message


class Anchor(enum.StrEnum):
    INSTITUTION = "institution"
    GROUP = "group"
    DISCIPLINE = "discipline"
    STUDENT = "student"
    PERSON = "person"
    LESSON = "lesson"
    DATE = "date"
    AUTHOR = "author"
    #: The row may be addressed to no group — the whole institution's (an announcement of
    #: the institution, not of one group): its group column is then NULL.
    GENERAL = "general"
    #: The department a row is addressed to (an announcement for one department): NULL
    #: on the rows addressed otherwise.
    DEPARTMENT = "department"
    #: The role a row is addressed to (an announcement for the parents, for the teachers).
    ROLE = "role"


A = Anchor


class Scope(enum.StrEnum):
    """Whose rows a line reaches."""

    INSTITUTION = "institution"  # every row of the viewer's institution
    REGION = "region"  # every institution of the viewer's region (education authority)
    DEPARTMENT = "department"  # groups of the department the viewer heads
    CURATED_GROUP = "curated_group"  # the group(s) the viewer curates, and their students
    TAUGHT = "taught"  # group × discipline the viewer teaches (group-level where no discipline)
    SUBSTITUTE = "substitute"  # lessons the viewer was granted as a substitute
    OWN_CHILD = "own_child"  # the viewer's children (parent)
    SELF = "self"  # the viewer himself (and, for a student, his own group's lessons)
    AUTHOR = "author"  # rows the viewer wrote
    GENERAL = "general"  # rows of the viewer's institution addressed to no one in particular (its general events)


class Condition(enum.StrEnum):
    """What must hold of the row's state for the line to apply."""

    ALWAYS = "always"
    PERIOD_OPEN = "period_open"  # the row's date lies in no closed period
    FINAL_NOT_SET = "final_not_set"  # no period/semester/year mark of the student yet
    ATTESTATION_NOT_SET = "attestation_not_set"  # no attestation/exam mark of the student yet


class Effect(enum.StrEnum):
    ALLOW = "allow"
    DENY = "deny"


#: Anchors a scope needs: any one of the alternatives suffices.
SCOPE_NEEDS: dict[Scope, tuple[frozenset[Anchor], ...]] = {
    Scope.INSTITUTION: (frozenset(),),
    Scope.REGION: (frozenset(),),
    # A row addressed to a department (``announcement.department``) is reached through the
    # groups of the scope: the department the viewer heads, the department of the group he
    # curates, of his child's group, of his own group. Last of each scope's alternatives,
    # so no object anchored otherwise changes its meaning.
    Scope.DEPARTMENT: (frozenset({A.GROUP}), frozenset({A.STUDENT}), frozenset({A.DEPARTMENT})),
    Scope.CURATED_GROUP: (
        frozenset({A.GROUP}),
        frozenset({A.STUDENT}),
        frozenset({A.DEPARTMENT}),
    ),
    Scope.TAUGHT: (frozenset({A.GROUP}), frozenset({A.STUDENT})),
    Scope.SUBSTITUTE: (frozenset({A.LESSON}),),
    Scope.OWN_CHILD: (frozenset({A.STUDENT}), frozenset({A.GROUP}), frozenset({A.DEPARTMENT})),
    # ``self`` on a row addressed to a role: one of the roles the viewer holds.
    Scope.SELF: (
        frozenset({A.PERSON}),
        frozenset({A.STUDENT}),
        frozenset({A.GROUP}),
        frozenset({A.DEPARTMENT}),
        frozenset({A.ROLE}),
    ),
    Scope.AUTHOR: (frozenset({A.AUTHOR}),),
    Scope.GENERAL: (frozenset({A.GENERAL}),),
}

CONDITION_NEEDS: dict[Condition, frozenset[Anchor]] = {
    Condition.ALWAYS: frozenset(),
    Condition.PERIOD_OPEN: frozenset({A.DATE}),
    Condition.FINAL_NOT_SET: frozenset({A.STUDENT, A.DISCIPLINE, A.DATE}),
    Condition.ATTESTATION_NOT_SET: frozenset({A.STUDENT, A.DISCIPLINE, A.DATE}),
}


class Action(enum.StrEnum):
    READ = "read"
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    CLOSE = "close"  # close a period or a year for edits
    REOPEN = "reopen"
    APPROVE = "approve"  # e.g. a final mark rounded in the student's favour
    ISSUE_CREDENTIALS = "issue_credentials"
    REVOKE_SESSIONS = "revoke_sessions"
    EXPORT = "export"
    IMPORT = "import"
    GRANT = "grant"  # grant a substitution; grant a role (object ``role.<name>``)
    RESET_PASSWORD = "reset_password"  # a new one-time password for an existing account
    SWITCH = "switch"  # switch the institution's ruleset
    RELOAD = "reload"  # reload rulesets at run time
    #: Count, average, share over rows (the ``analytics`` constructor), apart from reading
    #: them: counting rows you may not see is a way of seeing them (as Hasura keeps
    #: ``allow_aggregations`` apart from select). Granted where a regulation grants reports.
    AGGREGATE = "aggregate"


@dataclass(frozen=True, slots=True)
class ObjectSpec:
    name: str
    anchors: frozenset[Anchor]

    def title(self, language: str) -> str:
        """What the object is called on screen: ``object_<name>`` in the catalogs, or for
        a role grant ``object_role_grant`` with the role's name."""
        role = granted_role(self.name)
        if role is not None:
            return message("object_role_grant", language, role=role)
        return message(f"object_{self.name}", language)


def _obj(name: str, anchors: set[Anchor]) -> ObjectSpec:
    return ObjectSpec(name, frozenset(anchors | {A.INSTITUTION}))


_JOURNAL_CELL = {A.GROUP, A.DISCIPLINE, A.STUDENT, A.LESSON, A.DATE, A.AUTHOR}

OBJECTS: dict[str, ObjectSpec] = {
    o.name: o
    for o in [
        _obj("institution", set()),
        _obj("ruleset", set()),
        _obj("region_report", set()),
        _obj("academic_year", set()),
        _obj("period", set()),
        _obj("calendar", set()),
        _obj("room", set()),
        _obj("position", set()),
        _obj("department", set()),
        _obj("speciality", set()),
        _obj("program", set()),
        _obj("curriculum", set()),
        _obj("discipline", set()),
        _obj("group", {A.GROUP}),
        _obj("subgroup", {A.GROUP}),
        _obj("student", {A.STUDENT, A.PERSON}),
        _obj(
            "student.personal",
            {A.STUDENT, A.PERSON},
        ),
        _obj(
            "student.health",
            {A.STUDENT, A.PERSON},
        ),
        _obj("parent", {A.STUDENT, A.PERSON}),
        _obj(
            "parent.personal",
            {A.STUDENT, A.PERSON},
        ),
        _obj("employee", {A.PERSON}),
        _obj("employee.personal", {A.PERSON}),
        _obj("applicant", set()),
        _obj("account", {A.PERSON}),
        _obj("role_assignment", {A.PERSON}),
        _obj(
            "teaching_assignment",
            {A.GROUP, A.DISCIPLINE},
        ),
        _obj("curatorship", {A.GROUP}),
        _obj(
            "substitution",
            {A.GROUP, A.DISCIPLINE, A.LESSON},
        ),
        _obj("thematic_plan", {A.GROUP, A.DISCIPLINE}),
        _obj("timetable", {A.GROUP, A.DISCIPLINE}),
        _obj("journal", {A.GROUP, A.DISCIPLINE}),
        _obj(
            "lesson",
            {A.GROUP, A.DISCIPLINE, A.LESSON, A.DATE},
        ),
        _obj("work", {A.GROUP, A.DISCIPLINE, A.LESSON, A.DATE}),
        _obj("mark", _JOURNAL_CELL),
        _obj("attendance", _JOURNAL_CELL),
        _obj("attendance.reason", _JOURNAL_CELL),
        _obj(
            "final_mark",
            {A.GROUP, A.DISCIPLINE, A.STUDENT, A.DATE, A.AUTHOR},
        ),
        _obj("movement_order", set()),
        _obj("message", {A.AUTHOR, A.PERSON}),
        # Announcements and events by audience, one object per kind of audience (as the
        # report levels): the whole institution's (``general``) and a group's; a
        # department's; a role's. A line's scope then says whose audience it reaches, and
        # a ruleset grants publishing to a department or a role apart from a group.
        _obj("announcement", {A.GROUP, A.GENERAL, A.AUTHOR}),
        _obj("announcement.department", {A.DEPARTMENT, A.AUTHOR}),
        _obj("announcement.role", {A.ROLE, A.AUTHOR}),
        # A student's portfolio (anchored at the student: curators, teachers, parents reach
        # it by their scopes) and an employee's (anchored at the person only: ``self`` is
        # one's own); the regulations give them to different people (Tomsk п. 4.3.4,
        # 4.5.4, 4.6.4 against п. 4.7.1, 4.7.4, 4.8.8).
        # Who may write to whom (issue 15): a correspondent is an account one may start a
        # thread with, reached through the row that links it to the writer — a curatorship
        # or teaching assignment (the curator's or teacher's group: a parent's
        # ``own_child``, a student's ``self``), a student card or a parent link (the
        # student: a curator's ``curated_group``, a teacher's ``taught``), an employee
        # card (his person: colleagues by ``institution``). ``create`` on any one row
        # linking the recipient lets the viewer write to him. The administration
        # (``correspondent.administration``) is reached through a role assignment of one
        # of the roles the ruleset names as the administration (``[rules.correspondence]
        # administration``): anchored at its institution and the holder's person.
        _obj("correspondent.curator", {A.GROUP}),
        _obj("correspondent.teacher", {A.GROUP}),
        _obj("correspondent.student", {A.STUDENT}),
        _obj("correspondent.parent", {A.STUDENT}),
        _obj("correspondent.employee", {A.PERSON}),
        _obj("correspondent.administration", {A.PERSON}),
        _obj("portfolio", {A.STUDENT, A.PERSON, A.AUTHOR}),
        _obj("portfolio.teacher", {A.PERSON, A.AUTHOR}),
        # Reports by level (barnaul п. 7.1: the whole school to «Завуч», a class and
        # subject to the teachers working in that class, a student to his parents and his
        # teachers): one object per level, anchored at it, so a line's scope decides who
        # sees which level and lint refuses a scope the level has no anchor for
        # (``report.institution, taught``). ``report`` is the class's (group's) level.
        _obj("report", {A.GROUP}),
        _obj(
            "report.institution",
            set(),
        ),
        _obj(
            "report.subject",
            {A.GROUP, A.DISCIPLINE},
        ),
        _obj("report.student", {A.STUDENT}),
        # A teacher's own report (altai п. 4.6 «отчет преподавателя»): anchored at the
        # teacher's person, so ``self`` is his own and ``institution`` everyone's.
        _obj("report.teacher", {A.PERSON}),
        _obj("audit", set()),
    ]
}


class ReportLevel(enum.StrEnum):
    """The level a report is asked at; each is an object of its own (see ``OBJECTS``)."""

    INSTITUTION = "institution"
    #: A department's groups: ``report`` read on every one of them (a department head's
    #: ``department`` scope covers them all; a curator's covers his group only: refused).
    DEPARTMENT = "department"
    GROUP = "group"
    SUBJECT = "subject"
    TEACHER = "teacher"
    STUDENT = "student"


#: The object whose ``read`` (``export``) a report at each level needs.
REPORT_OBJECTS: dict[ReportLevel, str] = {
    ReportLevel.INSTITUTION: "report.institution",
    ReportLevel.DEPARTMENT: "report",
    ReportLevel.GROUP: "report",
    ReportLevel.SUBJECT: "report.subject",
    ReportLevel.TEACHER: "report.teacher",
    ReportLevel.STUDENT: "report.student",
}


def action_title(action: str, language: str) -> str:
    """How an action reads (``action_<action>`` in the catalogs: «выгрузка» in Russian; in
    English the action's own name, as rulesets spell it); an unknown action as given."""
    key = f"action_{action}"
    return message(key, language) if action in Action.__members__.values() else action


#: Role grants are objects of their own, one per role of the ruleset: ``role.teacher``.
#: A line ``p, hr_specialist, role.teacher, grant, institution, always, allow, …`` lets
#: the hr specialist give the teacher role to anyone of his institution; the target is
#: the person who receives it (his card's anchors: the person, a student's own student
#: id or a parent's children), so a ruleset may narrow a grant by scope like any line.
ROLE_OBJECT_PREFIX = "role."
ROLE_ANCHORS = frozenset({A.INSTITUTION, A.PERSON, A.STUDENT})


def role_object(role: str) -> str:
    """The object whose ``grant`` gives ``role``."""
    return ROLE_OBJECT_PREFIX + role


def granted_role(obj: str) -> str | None:
    """The role a ``role.<name>`` object grants; None for every other object."""
    if obj.startswith(ROLE_OBJECT_PREFIX) and len(obj) > len(ROLE_OBJECT_PREFIX):
        return obj[len(ROLE_OBJECT_PREFIX) :]
    return None


def object_spec(obj: str) -> ObjectSpec | None:
    """The object's spec: a fixed object of :data:`OBJECTS`, or a role grant (whose role
    names come from the ruleset, so ``policy lint`` checks them against its roles)."""
    spec = OBJECTS.get(obj)
    if spec is not None:
        return spec
    role = granted_role(obj)
    if role is None:
        return None
    return ObjectSpec(obj, ROLE_ANCHORS)


def scope_fits(scope: Scope, anchors: frozenset[Anchor]) -> bool:
    return any(need <= anchors for need in SCOPE_NEEDS[scope])


def condition_fits(condition: Condition, anchors: frozenset[Anchor]) -> bool:
    return CONDITION_NEEDS[condition] <= anchors


def split_conditions(text: str) -> list[str]:
    """A line's condition may be a conjunction: ``period_open&final_not_set``."""
    return [part.strip() for part in text.split("&")]


def alternative(scope: Scope, anchors: frozenset[Anchor]) -> frozenset[Anchor]:
    """The first alternative of ``scope`` the object's anchors satisfy (both halves of a
    scope, the row check and the SQL filter, and the fact preloads go by it)."""
    for need in SCOPE_NEEDS[scope]:
        if need <= anchors:
            return need
    raise ValueError(f"scope {scope} does not fit an object with anchors {sorted(anchors)}")
