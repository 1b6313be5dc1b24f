"""A refused or missing item fails alone, everywhere in the schema.

GraphQL answers an error with null at the nearest *nullable* field above it. A non-null
field refused for one row therefore takes its parent with it — its siblings too — and at
the root the whole ``data``: two journals asked in one document, one refused, answered
``data: null``. So the schema keeps one rule, checked here on the schema itself (for every
field, the ones added later included) and through the endpoint on both backends.

THE RULE (apply it to every new field)
--------------------------------------
1. A field that has a resolver (a root field, or a nested field that looks something up)
   and returns ONE object, interface or scalar is NULLABLE: its resolver may find nothing
   (NOT_FOUND) or be refused (FORBIDDEN) for the row it names, and then it is null with
   its error at its own path.
   Exceptions are listed in :data:`CANNOT_FAIL`, each with the reason it provably cannot
   fail for one row. Reasons that count:
   - it only filters: a connection or grid built from the policy's SQL list filter (rows
     the viewer may not read are absent, never refused), and the only error it raises is
     VALIDATION of its own arguments (a malformed id, cursor, page size) — the document's
     mistake, the same for every viewer and every row;
   - it counts or computes from what its parent already holds.
   A resolver that takes no ``info`` and is not async reaches no database and no policy:
   it computes from its own object and needs no entry.
2. A LIST field may be non-null, with non-null items: lists are filtered in SQL, never
   refused item by item. But a list that NAMES its items by an argument (``nodes(ids:)``:
   an argument of a list of IDs) resolves them one by one: its items are nullable, and an
   item that fails is null with its error at its index (``["nodes", 1]``).
3. A field without a resolver is an attribute of the object its parent's resolver built:
   it cannot fail on its own (``Journal.group: Group!`` is fine). A permission class
   other than ``SignedIn`` would make it refusable: then rule 1 applies to it.
4. Mutations answer with a payload (``errors: [MutationError!]!``): ``guarded`` turns
   every refusal into a payload error, so a mutation field is non-null; the payload's own
   nested fields follow rules 1–3.
5. Failures of the whole request — UNAUTHENTICATED (``SignedIn`` on every root field),
   TIMEOUT, UNAVAILABLE, the gate's refusals — null the whole answer whatever the types
   say: they do not decide nullability.

``tests/schema/test_sweep.py`` checks the same from the other side: every demo account
runs every root field, every viewer field and every example document, and no FORBIDDEN or
NOT_FOUND error may null more than its own field (``tests.support.alone.spread``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from graphql import (
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    get_named_type,
)

from campusgraph.ids import to_global_id
from campusgraph.schema.base import SignedIn
from campusgraph.schema.root import build_schema
from campusgraph.settings import Settings
from tests.support import DEMO_TODAY
from tests.support.alone import spread

_FILTERED = (
    "a connection filtered by the policy's SQL list filter: a row the viewer may not read "
    "is absent, not refused; it fails only on a malformed first/after/id argument "
    "(VALIDATION), the document's own mistake"
)

#: Non-null fields with a resolver, and why each cannot fail for one row. A key is
#: ``Type.field``, or ``PythonClass.field`` for a field declared once on a generic class.
_TODAY = (
    "computes from its own row's dates and the viewer's today (schema/base.within_dates): "
    "takes ``info`` only for the date, reaches no database and no policy"
)
_LIVE = (
    "a subscription's events are re-read through the query's SQL read filter "
    "(schema/live.reread): an event the viewer may not read is skipped, never refused"
)
CANNOT_FAIL: dict[str, str] = {
    "Connection.totalCount": "counts the rows of the same filtered list its connection holds",
    "Query.movementOrders": _FILTERED,
    "Query.applicants": _FILTERED,
    "Query.announcements": _FILTERED,
    "Query.threads": _FILTERED,
    "Thread.messages": _FILTERED,
    "Institution.groups": _FILTERED,
    "Group.lessons": _FILTERED,
    "Student.marks": _FILTERED,
    "Student.attendance": _FILTERED,
    "Period.isCurrent": _TODAY,
    "GroupMembership.isCurrent": _TODAY,
    "TimetableEntry.isCurrent": _TODAY,
    "Announcement.isCurrent": _TODAY,
    "Thread.overdue": (
        "computes from its own row (asked by a parent, answered or not), the ruleset's "
        "answer term and the viewer's institution's calendar (resolvers/correspondence."
        "answer_due): no policy, no row looked up, nothing to refuse or miss"
    ),
    "Query.timetable": (
        "a week's grid of the entries the viewer may read: a group, teacher or room not "
        "his to read gives an empty week, not a refusal; fails only on its arguments "
        "(exactly one of group/teacher/room, well-formed: VALIDATION)"
    ),
    "Subscription.journalUpdates": _LIVE,
    "Subscription.announcementUpdates": _LIVE,
    "Subscription.messageUpdates": _LIVE,
}


def _schema() -> GraphQLSchema:
    return build_schema(Settings(mode="dev"))._schema


def _fields(schema: GraphQLSchema) -> Iterator[tuple[GraphQLObjectType, str, GraphQLField]]:
    for named in schema.type_map.values():
        if isinstance(named, GraphQLObjectType) and not named.name.startswith("__"):
            for name, field_ in named.fields.items():
                yield named, name, field_


def _definition(field_: GraphQLField) -> Any:
    return (field_.extensions or {}).get("strawberry-definition")


def _keys(owner: GraphQLObjectType, name: str, field_: GraphQLField) -> set[str]:
    keys = {f"{owner.name}.{name}"}
    origin = getattr(_definition(field_), "origin", None)
    if origin is not None:
        keys.add(f"{origin.__name__}.{name}")
    return keys


def _may_fail(field_: GraphQLField) -> bool:
    """Whether resolving this field may raise for the row it is about (rules 1, 3)."""
    definition = _definition(field_)
    if definition is None:
        return False
    if any(p is not SignedIn for p in definition.permission_classes):
        return True
    resolver = definition.base_resolver
    if resolver is None:
        return False
    return bool(resolver.is_async or resolver.info_parameter is not None)


def _rule_breaks(schema: GraphQLSchema) -> tuple[list[str], set[str]]:
    """Fields that break the rule, and the CANNOT_FAIL keys that excused one."""
    breaks: list[str] = []
    used: set[str] = set()
    mutation = schema.mutation_type
    for owner, name, field_ in _fields(schema):
        if owner is mutation:
            continue  # rule 4, checked by its own test
        type_ = field_.type
        inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
        if isinstance(inner, GraphQLList):
            names_items = any(
                get_named_type(arg.type).name == "ID"
                and isinstance(
                    arg.type.of_type if isinstance(arg.type, GraphQLNonNull) else arg.type,
                    GraphQLList,
                )
                for arg in field_.args.values()
            )
            if names_items and isinstance(inner.of_type, GraphQLNonNull):
                breaks.append(f"{owner.name}.{name}: {type_} names its items: [T], not [T!]")
            continue
        if not isinstance(type_, GraphQLNonNull) or not _may_fail(field_):
            continue
        excused = _keys(owner, name, field_) & CANNOT_FAIL.keys()
        if excused:
            used |= excused
            continue
        breaks.append(f"{owner.name}.{name}: {type_} can fail for one row: make it nullable")
    return breaks, used


def test_every_field_that_can_fail_for_one_row_is_nullable() -> None:
    # given the schema as the code builds it
    schema = _schema()
    # when every field is held against the rule
    breaks, _ = _rule_breaks(schema)
    # then none breaks it
    assert not breaks, "\n".join(breaks)


def test_every_excuse_is_still_needed_and_reasoned() -> None:
    # given the non-null fields excused from the rule
    _, used = _rule_breaks(_schema())
    # then each excuses a field that still needs it, and says why
    assert set(CANNOT_FAIL) == used, set(CANNOT_FAIL) - used
    assert all(len(reason.split()) >= 5 for reason in CANNOT_FAIL.values())


def test_the_rule_sees_a_non_null_lookup() -> None:
    """The check is not vacuous: the old ``Query.journal: Journal!`` breaks it, and so
    does a list naming its items with non-null items."""
    schema = _schema()
    query = schema.query_type
    assert query is not None
    journal, nodes = query.fields["journal"], query.fields["nodes"]
    assert _may_fail(journal)
    assert _may_fail(nodes)
    query.fields["journal"] = GraphQLField(
        GraphQLNonNull(journal.type), journal.args, extensions=journal.extensions
    )
    assert isinstance(nodes.type, GraphQLNonNull)
    assert isinstance(nodes.type.of_type, GraphQLList)
    query.fields["nodes"] = GraphQLField(
        GraphQLNonNull(GraphQLList(GraphQLNonNull(nodes.type.of_type.of_type))),
        nodes.args,
        extensions=nodes.extensions,
    )
    breaks, _ = _rule_breaks(schema)
    assert {b.split(":")[0] for b in breaks} == {"Query.journal", "Query.nodes"}, breaks


def test_every_mutation_answers_with_a_payload_that_carries_errors() -> None:
    """Rule 4: a mutation may be non-null because its refusals are payload errors."""
    schema = _schema()
    assert schema.mutation_type is not None
    without = [
        name
        for name, field_ in schema.mutation_type.fields.items()
        if not isinstance(
            payload := get_named_type(field_.type), GraphQLObjectType | GraphQLInterfaceType
        )
        or "errors" not in payload.fields
    ]
    assert without == []


# -- through the endpoint --------------------------------------------------------------------

ALTAI = "altai-college-2016"

TEACHER = """
query {
  viewer {
    employee { teachingAssignments { group { id } discipline { id } } }
    institution { academicYears { isCurrent periods { id kind startsOn endsOn } } }
  }
}
"""
GROUPS = "query { institution { groups(first: 100) { nodes { id } } } }"

#: Two journals of different groups (each takes the one-journal path) and one of no group.
JOURNALS = """
query ($mine: ID!, $theirs: ID!, $none: ID!, $discipline: ID!, $period: ID!) {
  mine: journal(group: $mine, discipline: $discipline, period: $period) {
    group { id }
    rows { studentId }
  }
  theirs: journal(group: $theirs, discipline: $discipline, period: $period) { group { id } }
  none: journal(group: $none, discipline: $discipline, period: $period) { group { id } }
  viewer { login }
}
"""

#: Group.journal, nested: the group and the journal he teaches stay.
GROUP_JOURNALS = """
query ($group: ID!, $discipline: ID!, $other: ID!, $period: ID!) {
  node(id: $group) {
    id
    ... on Group {
      taught: journal(discipline: $discipline, period: $period) { rows { studentId } }
      other: journal(discipline: $other, period: $period) { rows { studentId } }
    }
  }
}
"""
DISCIPLINES = "query { institution { disciplines { id } } }"

NODES = "query ($ids: [ID!]!) { nodes(ids: $ids) { id } }"

COMPLIANCE = """
query ($period: ID!) { institution { name compliance(period: $period) { total } } }
"""

EXPORTS = """
query {
  students: exportList(kind: STUDENTS) { rows }
  parents: exportList(kind: PARENTS) { rows }
}
"""


async def _teaching(teacher: Any) -> dict[str, Any]:
    """A group and discipline the teacher teaches, the groups he teaches, and the current
    semester."""
    viewer = (await teacher.data(TEACHER))["viewer"]
    assignments = viewer["employee"]["teachingAssignments"]
    year = next(y for y in viewer["institution"]["academicYears"] if y["isCurrent"])
    period = next(
        p
        for p in year["periods"]
        if p["kind"] != "YEAR" and p["startsOn"] <= DEMO_TODAY.isoformat() <= p["endsOn"]
    )
    return {
        "group": assignments[0]["group"]["id"],
        "discipline": assignments[0]["discipline"]["id"],
        "period": period["id"],
        "taught": {(a["group"]["id"], a["discipline"]["id"]) for a in assignments},
    }


@pytest.fixture(scope="module")
async def altai(shared_sign_in: Any) -> dict[str, Any]:
    teacher = await shared_sign_in(ALTAI, "teacher")
    director = await shared_sign_in(ALTAI, "director")
    return {
        "teacher": teacher,
        "director": director,
        "teaching": await _teaching(teacher),
        "groups": [
            g["id"] for g in (await director.data(GROUPS))["institution"]["groups"]["nodes"]
        ],
        "disciplines": [
            d["id"] for d in (await director.data(DISCIPLINES))["institution"]["disciplines"]
        ],
    }


def _error_at(payload: dict[str, Any], path: list[Any]) -> dict[str, Any]:
    [error] = [e for e in payload.get("errors") or [] if e.get("path") == path]
    return error


async def test_a_refused_and_a_missing_journal_fail_alone(altai: dict[str, Any]) -> None:
    # given the teacher's group, another group he does not teach in that discipline, none
    t = altai["teaching"]
    theirs = next(g for g in altai["groups"] if (g, t["discipline"]) not in t["taught"])
    variables = {
        "mine": t["group"],
        "theirs": theirs,
        "none": to_global_id("Group", 10**9),
        "discipline": t["discipline"],
        "period": t["period"],
    }
    # when he asks for the three journals in one document
    payload = await altai["teacher"].query(JOURNALS, variables)
    # then his journal and the viewer are answered; each other journal is null with its error
    data = payload["data"]
    assert data["mine"]["group"]["id"] == t["group"]
    assert data["mine"]["rows"]
    assert data["viewer"]["login"] == "teacher"
    assert data["theirs"] is None
    assert data["none"] is None
    assert _error_at(payload, ["theirs"])["extensions"]["code"] == "FORBIDDEN"
    assert _error_at(payload, ["none"])["extensions"]["code"] == "NOT_FOUND"
    assert len(payload["errors"]) == 2
    assert spread(payload) == []


async def test_a_refused_journal_of_a_group_fails_alone(altai: dict[str, Any]) -> None:
    # given the teacher's group, a discipline he teaches there and one he does not
    t = altai["teaching"]
    other = next(d for d in altai["disciplines"] if (t["group"], d) not in t["taught"])
    variables = {
        "group": t["group"],
        "discipline": t["discipline"],
        "other": other,
        "period": t["period"],
    }
    # when he asks for both journals under the group
    payload = await altai["teacher"].query(GROUP_JOURNALS, variables)
    # then the group and his journal stay; the other is null with FORBIDDEN at its path
    group = payload["data"]["node"]
    assert group["id"] == t["group"]
    assert group["taught"]["rows"]
    assert group["other"] is None
    assert _error_at(payload, ["node", "other"])["extensions"]["code"] == "FORBIDDEN"
    assert spread(payload) == []


async def test_nodes_fail_one_by_one(altai: dict[str, Any]) -> None:
    # given a group he may read, one that does not exist, a malformed id, and a discipline
    t = altai["teaching"]
    ids = [t["group"], to_global_id("Group", 10**9), "not-an-id", t["discipline"]]
    # when he asks for all four at once
    payload = await altai["teacher"].query(NODES, {"ids": ids})
    # then each is answered in its place: null for the missing one (as node(id:) answers),
    # null with VALIDATION at its index for the malformed one
    nodes = payload["data"]["nodes"]
    assert nodes == [{"id": t["group"]}, None, None, {"id": t["discipline"]}]
    [error] = payload["errors"]
    assert error["path"] == ["nodes", 2]
    assert error["extensions"]["code"] == "VALIDATION"


async def test_nodes_are_loaded_together(
    altai: dict[str, Any], shared_db: Any, sql_counter: Any
) -> None:
    """Each id fails alone, yet the ids are not fetched one by one: one statement per type
    however many are asked (before, one per id)."""
    # given one group, then every group of the institution
    groups = altai["groups"]
    assert len(groups) > 3
    counts = []
    for ids in (groups[:1], groups):
        # when the director asks for them by id
        with sql_counter() as sql:
            nodes = (await altai["director"].data(NODES, {"ids": ids}))["nodes"]
        assert [n["id"] for n in nodes] == ids
        counts.append(sql.count)
    # then as many statements are run for all as for one
    assert counts[0] == counts[1], counts


async def test_a_refused_compliance_report_leaves_the_institution(
    shared_sign_in: Any, altai: dict[str, Any]
) -> None:
    # given the HR specialist, whom the ruleset grants no report
    hr = await shared_sign_in(ALTAI, "hr_specialist")
    # when he asks for the institution's name and its compliance report
    payload = await hr.query(COMPLIANCE, {"period": altai["teaching"]["period"]})
    # then the name is answered and the report is null with its refusal at its path
    institution = payload["data"]["institution"]
    assert institution["name"]
    assert institution["compliance"] is None
    error = _error_at(payload, ["institution", "compliance"])["extensions"]
    assert (error["code"], error["object"]) == ("FORBIDDEN", "report.institution")
    assert spread(payload) == []


async def test_a_refused_export_leaves_the_other(shared_sign_in: Any) -> None:
    # given Altai's administrator: students' lists are his to export, parents' are not
    administrator = await shared_sign_in(ALTAI, "administrator")
    # when he asks for both in one document
    payload = await administrator.query(EXPORTS)
    # then the students' list is exported and the parents' refused alone
    assert payload["data"]["students"]["rows"] > 0
    assert payload["data"]["parents"] is None
    assert _error_at(payload, ["parents"])["extensions"]["code"] == "FORBIDDEN"
    assert spread(payload) == []


def test_spread_reads_a_nulled_parent() -> None:
    """The answer check itself: an error whose parent is null spread; one alone did not."""
    alone = {"data": {"a": None, "b": 1}, "errors": [_refusal(["a"])]}
    wiped = {"data": None, "errors": [_refusal(["a"])]}
    nested = {"data": {"node": None}, "errors": [_refusal(["node", "other"])]}
    assert spread(alone) == []
    assert len(spread(wiped)) == len(spread(nested)) == 1


def _refusal(path: list[Any]) -> dict[str, Any]:
    return {"message": "x", "path": path, "extensions": {"code": "FORBIDDEN"}}
