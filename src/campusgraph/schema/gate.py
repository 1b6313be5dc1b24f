"""The request gate: what a document may ask for, decided before graphql-core validates it.

graphql-core's validation is not linear: ``OverlappingFieldsCanBeMerged`` compares every
pair of fields that share a response name, so a 16 KB document of overlapping fields held
the event loop for seconds — from an anonymous caller, before sign-in was looked at, and
one extra byte defeats the validation cache. Execution is not bounded either: a list
nested in a list multiplies, so ten aliases of groups → students → marks answered 5 MB.

So between parsing and validation, :class:`RequestGate` walks the parsed document once,
in time linear in its size (named fragments are measured once each, however often they
are spread), and refuses it before anything expensive runs:

1. an anonymous caller's operation selecting anything but ``login`` (UNAUTHENTICATED);
2. a document whose fragments spread themselves, which nests too deep, or which — named
   and inline fragments counted as expanded, the way an alias limiter that looks only
   at the text is bypassed (GHSA-fr49-mhgj-crfc) — holds too many fields, aliases or
   directives, or the same response key too often in one place (the quadratic case);
3. introspection where it is off (before validation, so a circular one costs nothing);
4. a caller holding a one-time password reaching any field outside :data:`OTP_FIELDS`;
5. a document whose estimated cost is over ``settings.max_query_cost``.

Only then is the document validated (cached per document), and in production with
introspection off the "Did you mean …" suggestions are taken out of every message.

**The cost** is an upper bound of the objects a response could hold, computed statically
(IBM's ``@cost``/``@listSize`` and GraphQL Armor's cost limit, simplified): each field
returning an object counts 1 per item; a list's size is the ``first`` of its connection
(the variable's value when sent, else the page cap), the argument list's length for
``nodes(ids:)``, or the bound declared in :data:`LIST_SIZES`; sizes multiply down the
nesting; leaves are free except ``totalCount`` (a count statement). Introspection is free
(it is refused in production). The shape of a document is computed once per document and
its cost once per document and sizing variables, never per field at run time.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    VariableNode,
    Visitor,
    get_named_type,
    get_operation_ast,
    is_leaf_type,
    parse,
    visit,
)
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

from campusgraph.i18n import message
from campusgraph.schema.base import unauthenticated
from campusgraph.schema.errors import ApiError, ErrorCode

#: Declared sizes of the lists that are not connections (``Type.field`` → the most items
#: one such list is taken to hold). They are estimates for the budget, not limits the
#: resolvers enforce; tests/schema/test_cost.py requires one for every list of objects.
LIST_SIZES: dict[str, int] = {
    # structure of one institution
    "Query.institutions": 50,  # a region's authority: the institutions of one region
    # everyone the viewer may write to: at most a large college's staff, or a curator's
    # group with its parents
    "Query.correspondents": 500,
    "Query.regionReport": 50,
    # the report constructor: rows capped by settings.analytics_max_rows (its default)
    "AnalyticsTable.rows": 1000,
    "AnalyticsTable.columns": 18,  # 11 dimensions + 7 measures, each at most once
    "AnalyticsRow.keys": 11,
    "Institution.departments": 20,
    "Institution.specialities": 50,
    "Institution.programs": 50,
    "Institution.curricula": 100,
    "Institution.disciplines": 200,
    "Institution.academicYears": 20,
    "Institution.periods": 60,
    "Institution.rooms": 100,
    "Institution.bellSchedule": 12,
    "Institution.daysOff": 60,
    "Institution.dayTransfers": 20,
    "Institution.positions": 50,
    "AcademicYear.periods": 4,
    "Curriculum.items": 100,
    "Group.students": 40,
    "Group.subgroups": 4,
    "Group.teachingAssignments": 30,
    "Group.timetable": 60,
    "Subgroup.members": 40,
    "Promotion.groups": 100,
    # people
    "Employee.positions": 5,
    "Employee.teachingAssignments": 30,
    "Employee.curatedGroups": 3,
    "Student.memberships": 10,
    "Student.parents": 4,
    "Student.finalMarks": 50,
    "Parent.children": 6,
    "Viewer.roles": 10,
    "Viewer.children": 6,
    # teaching and the journal
    "Lesson.works": 5,
    "ThematicPlan.topics": 200,
    "FinalMarkSuggestion.conditions": 6,
    "Journal.lessons": 100,
    "Journal.columns": 150,
    "Journal.rows": 40,
    "JournalLesson.works": 5,
    "JournalRow.finalMarks": 3,
    "Diary.days": 31,
    "Diary.finalMarks": 30,
    "DiaryDay.lessons": 10,
    "DiaryLesson.works": 5,
    "TimetableWeek.days": 7,
    "TimetableDay.cells": 12,
    "FreeSlots.slots": 12,
    "FreeSlot.rooms": 100,
    "MovementOrder.items": 40,
    # history and reports
    "Mark.history": 20,
    "Attendance.history": 20,
    "FinalMark.history": 20,
    "AuditEntry.changes": 20,
    "ComplianceReport.checks": 20,
    "ComplianceReport.byGroup": 100,
    "ComplianceReport.byTeacher": 200,
    "ComplianceCheck.examples": 10,
    "ComplianceBreakdown.examples": 10,
    "ImportReport.problems": 100,
    # marks reports (reports/marks.py): a group's students, its disciplines in a period
    "GroupResults.disciplines": 40,
    "GroupResults.rows": 40,
    "GroupResults.disciplineTotals": 40,
    "GroupResultsRow.cells": 40,
    "AchievementQuality.groups": 100,
    "AchievementQuality.disciplines": 200,
    "StudentAverage.students": 40,
    "StudentAverageRow.disciplines": 40,
    "MarkSummarySheet.disciplines": 40,
    "MarkSummarySheet.rows": 40,
    "MarkSummaryRow.cells": 40,
    "AttestationSheet.rows": 40,
    "AttestationSheet.totals": 6,
    # the administration's reports (reports/administration.py)
    "ClassOccupancy.rooms": 100,
    "StudentMovement.groups": 200,
    "TeacherHours.rows": 1000,
    "UserActivity.accounts": 2000,
    "JournalFilling.rows": 1000,
    "HrList.employees": 300,
    "HrRow.positions": 5,
    # curators', parents' and teachers' reports (schema/reports_curator.py)
    "AttendanceSummarySheet.rows": 40,
    "AttendanceSummaryRow.byReason": 4,
    "CuratorPreliminary.atRisk": 400,
    "CuratorPeriod.students": 40,
    "CuratorStudentRow.results": 30,
    "ParentLetter.disciplines": 30,
    "ParentLetter.byReason": 4,
    "LetterDiscipline.marks": 60,
    "TeacherReport.rows": 60,
    "StudyCertificate.finalMarks": 200,
    # mutation payloads
    "IssueCredentialsPayload.credentials": 200,
    "IssueCredentialsPayload.granted": 200,
    "ReloadRulesetsPayload.results": 20,
    # A person's portfolio: a few entries a year over the years of study or work, each
    # with its scans.
    "Query.portfolio": 200,
    "PortfolioEntry.files": 20,
}
#: Payloads' ``errors`` lists: a few problems with one input.
MUTATION_ERRORS_SIZE = 10
#: Lists sized by the length of one of their arguments (capped by the page size, as
#: their resolvers cap it).
LIST_ARGUMENT_SIZES: dict[str, str] = {"Query.nodes": "ids"}
#: Leaves that cost a statement of their own, by field name on any ``…Connection`` type.
CONNECTION_LEAF_WEIGHTS: dict[str, int] = {"totalCount": 1}

#: Fields (with fragments expanded) one document may select.
MAX_SELECTIONS = 2000
#: Fields one place of the response (a response key under one parent) may be asked by:
#: validation compares them pairwise.
MAX_SAME_KEY = 20
#: Directives one document may carry, fragments expanded; and one field or fragment.
MAX_DIRECTIVES = 50
MAX_DIRECTIVES_PER_SELECTION = 4
#: Selection sets nested in one another, fragment spreads and inline fragments included.
MAX_NESTING = 64

#: Root fields an anonymous caller may select (introspection only where it is allowed).
ANONYMOUS_ROOT_FIELDS = frozenset({"login", "__typename"})
INTROSPECTION_ROOT_FIELDS = frozenset({"__schema", "__type"})
#: Everything a session holding a one-time password may reach: what changing the password
#: needs. ``"*"``: every field of that type. ``__typename`` is allowed everywhere.
OTP_FIELDS: dict[str, frozenset[str]] = {
    "Query": frozenset({"viewer"}),
    "Mutation": frozenset({"changePassword", "logout", "login"}),
    "Viewer": frozenset({"login", "mustChangePassword"}),
    "ChangePasswordPayload": frozenset({"*"}),
    "LogoutPayload": frozenset({"*"}),
    "LoginPayload": frozenset({"*"}),
    "MutationError": frozenset({"*"}),
    "RefusalDetails": frozenset({"*"}),
}

SUGGESTION = re.compile(r"\s*Did you mean .*\?\s*$", re.DOTALL)

#: Documents' shapes and costs kept (LRU): the parser cache hands out the same document
#: for the same text, and a client's variables rarely change the sizes.
CACHE_SIZE = 512


class Refused(Exception):
    """The document may not run: ``code`` for ``extensions.code``, a message key of
    :mod:`campusgraph.i18n` with its values, and for a structural limit what it limits
    (a message key too, ``query_limit_<what>``)."""

    def __init__(self, code: str, key: str, what: str | None = None, **values: Any) -> None:
        super().__init__(key)
        self.code = code
        self.key = key
        self.what = what
        self.values = values

    def error(self, language: str) -> GraphQLError:
        values = dict(self.values)
        extensions: dict[str, Any] = {"code": self.code, **values}
        if self.what is not None:
            values["what"] = message(self.what, language)
            extensions["limit_of"] = message(self.what, "en")
        return GraphQLError(message(self.key, language, **values), extensions=extensions)


def _complex(what: str, value: int, limit: int) -> Refused:
    return Refused("QUERY_TOO_COMPLEX", "query_too_complex", what, value=value, limit=limit)


@dataclass
class Shape:
    """What a document's operation is, whatever the caller and variables."""

    #: The operation to run (None: the document names no such operation).
    operation: OperationDefinitionNode | None
    fragments: dict[str, FragmentDefinitionNode]
    root_fields: frozenset[str]
    #: Variables whose values size lists (``first``, ``ids``): part of the cost's key.
    size_variables: tuple[str, ...]
    #: The structural refusal, if any (raised for every caller but the anonymous one,
    #: who is refused first for selecting more than ``login``).
    refusal: Refused | None
    #: The first field outside :data:`OTP_FIELDS` ("" when none), computed when first asked.
    otp_outside: str | None = None
    costs: OrderedDict[tuple[Any, ...], int] = field(default_factory=OrderedDict)


# -- the shape: linear in the document ------------------------------------------------------


@dataclass
class _Count:
    fields: int = 0
    aliases: int = 0
    directives: int = 0
    depth: int = 0  # as strawberry's QueryDepthLimiter counts it (introspection ignored)


def _root_fields(
    selection_set: SelectionSetNode, fragments: Mapping[str, FragmentDefinitionNode]
) -> set[str]:
    names: set[str] = set()
    seen: set[str] = set()
    pending = [selection_set]
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FieldNode):
                names.add(selection.name.value)
            elif isinstance(selection, InlineFragmentNode):
                pending.append(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = fragments.get(name)
                if fragment is not None and name not in seen:
                    seen.add(name)
                    pending.append(fragment.selection_set)
    return names


class _Measure:
    """Counts of an operation with every fragment expanded; each named fragment is
    measured once (its counts are added wherever it is spread)."""

    def __init__(self, fragments: Mapping[str, FragmentDefinitionNode]) -> None:
        self.fragments = fragments
        self.done: dict[str, _Count] = {}
        self.active: set[str] = set()
        self.size_variables: set[str] = set()

    def selection_set(self, node: SelectionSetNode, nesting: int) -> _Count:
        if nesting > MAX_NESTING:
            raise _complex("query_limit_nesting", nesting, MAX_NESTING)
        total = _Count()
        for selection in node.selections:
            directives = len(selection.directives or ())
            if directives > MAX_DIRECTIVES_PER_SELECTION:
                raise _complex(
                    "query_limit_directives_on_one_field",
                    directives,
                    MAX_DIRECTIVES_PER_SELECTION,
                )
            total.directives += directives
            if isinstance(selection, FieldNode):
                total.fields += 1
                total.aliases += selection.alias is not None
                for argument in selection.arguments or ():
                    if argument.name.value in ("first", "ids"):
                        self._note_variables(argument.value)
                if selection.selection_set is not None:
                    inner = self.selection_set(selection.selection_set, nesting + 1)
                    self._add(total, inner)
                    if not selection.name.value.startswith("__"):
                        total.depth = max(total.depth, 1 + inner.depth)
            elif isinstance(selection, InlineFragmentNode):
                inner = self.selection_set(selection.selection_set, nesting + 1)
                self._add(total, inner)
                total.depth = max(total.depth, inner.depth)
            elif isinstance(selection, FragmentSpreadNode):
                inner = self.fragment(selection.name.value, nesting + 1)
                self._add(total, inner)
                total.depth = max(total.depth, inner.depth)
        return total

    def fragment(self, name: str, nesting: int) -> _Count:
        done = self.done.get(name)
        if done is not None:
            return done
        definition = self.fragments.get(name)
        if definition is None:
            return _Count()  # unknown: validation names it
        if name in self.active:
            raise Refused("GRAPHQL_VALIDATION", "query_fragment_cycle", name=name)
        self.active.add(name)
        count = self.selection_set(definition.selection_set, nesting)
        self.active.discard(name)
        self.done[name] = count
        return count

    def _note_variables(self, value: Any) -> None:
        if isinstance(value, VariableNode):
            self.size_variables.add(value.name.value)
        elif isinstance(value, ListValueNode):
            for item in value.values:
                self._note_variables(item)

    @staticmethod
    def _add(total: _Count, inner: _Count) -> None:
        total.fields += inner.fields
        total.aliases += inner.aliases
        total.directives += inner.directives


def _same_keys(
    selection_sets: list[SelectionSetNode], fragments: Mapping[str, FragmentDefinitionNode]
) -> None:
    """Fields answering one place of the response, fragments expanded, merged by response
    key down the tree (as OverlappingFieldsCanBeMerged compares them). Called only once
    the expanded size is known to be small."""
    by_key: dict[str, list[FieldNode]] = {}
    pending = list(selection_sets)
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FieldNode):
                key = (selection.alias or selection.name).value
                by_key.setdefault(key, []).append(selection)
            elif isinstance(selection, InlineFragmentNode):
                pending.append(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = fragments.get(selection.name.value)
                if fragment is not None:
                    pending.append(fragment.selection_set)
    for nodes in by_key.values():
        if len(nodes) > MAX_SAME_KEY:
            raise _complex("query_limit_repeats_of_one_field", len(nodes), MAX_SAME_KEY)
        children = [n.selection_set for n in nodes if n.selection_set is not None]
        if children:
            _same_keys(children, fragments)


def _shape(
    document: DocumentNode, operation_name: str | None, max_depth: int, max_aliases: int
) -> Shape:
    """Validation looks at every definition of the document, not only the operation that
    runs: so are all of them measured (an unused fragment or another operation could
    otherwise carry the quadratic case past the gate)."""
    operation = get_operation_ast(document, operation_name)
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    roots = frozenset(
        name for each in operations for name in _root_fields(each.selection_set, fragments)
    )
    measure = _Measure(fragments)
    refusal: Refused | None = None
    try:
        counts = [measure.selection_set(each.selection_set, 1) for each in operations]
        unreached = [f for name, f in fragments.items() if name not in measure.done]
        counts += [measure.fragment(f.name.value, 1) for f in unreached]
        fields = sum(c.fields for c in counts)
        aliases = sum(c.aliases for c in counts)
        depth = max((c.depth for c in counts), default=0)
        directives = sum(c.directives for c in counts) + sum(
            len(d.directives or ()) for d in [*operations, *fragments.values()]
        )
        if fields > MAX_SELECTIONS:
            raise _complex("query_limit_fields", fields, MAX_SELECTIONS)
        if depth > max_depth:
            raise _complex("query_limit_depth", depth, max_depth)
        if aliases > max_aliases:
            raise _complex("query_limit_aliases", aliases, max_aliases)
        if directives > MAX_DIRECTIVES:
            raise _complex("query_limit_directives", directives, MAX_DIRECTIVES)
        for each in [*operations, *unreached]:
            _same_keys([each.selection_set], fragments)
    except Refused as refused:
        refusal = refused
    return Shape(
        operation=operation,
        fragments=fragments,
        root_fields=roots,
        size_variables=tuple(sorted(measure.size_variables)),
        refusal=refusal,
    )


# -- what a one-time-password session may reach ---------------------------------------------


def _fields_of(type_: GraphQLNamedType | None) -> Mapping[str, GraphQLField]:
    if isinstance(type_, GraphQLObjectType | GraphQLInterfaceType):
        fields: Mapping[str, GraphQLField] = type_.fields
        return fields
    return {}


def otp_outside(schema: GraphQLSchema, shape: Shape) -> str:
    """The first field (``Type.field``) of the operation outside :data:`OTP_FIELDS`, or ""."""
    operation = shape.operation
    if operation is None:
        return "?"  # nothing to run: nothing allowed
    root = schema.get_root_type(operation.operation)
    seen: set[tuple[str, str]] = set()
    pending: list[tuple[SelectionSetNode, GraphQLNamedType | None]] = [
        (operation.selection_set, root)
    ]
    while pending:
        selection_set, parent = pending.pop()
        parent_name = parent.name if parent is not None else "?"
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                name = selection.name.value
                if name == "__typename":
                    continue
                allowed = OTP_FIELDS.get(parent_name, frozenset())
                if name not in allowed and "*" not in allowed:
                    return f"{parent_name}.{name}"
                definition = _fields_of(parent).get(name)
                if selection.selection_set is not None:
                    child = get_named_type(definition.type) if definition is not None else None
                    pending.append((selection.selection_set, child))
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                target = schema.get_type(condition.name.value) if condition else parent
                pending.append((selection.selection_set, target))
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = shape.fragments.get(name)
                key = (name, parent_name)
                if fragment is not None and key not in seen:
                    seen.add(key)
                    target = schema.get_type(fragment.type_condition.name.value)
                    pending.append((fragment.selection_set, target))
    return ""


# -- the cost ---------------------------------------------------------------------------------


class _Cost:
    """The estimate for one document under given variables (see the module's docstring)."""

    def __init__(
        self,
        schema: GraphQLSchema,
        shape: Shape,
        variables: Mapping[str, Any],
        cap: int,
    ) -> None:
        self.schema = schema
        self.shape = shape
        self.variables = variables
        self.cap = cap
        self.memo: dict[tuple[str, int | None], int] = {}

    def operation(self) -> int:
        operation = self.shape.operation
        if operation is None:
            return 0  # refused before the cost is asked
        root = self.schema.get_root_type(operation.operation)
        return self.selection_set(operation.selection_set, root, None)

    def selection_set(
        self, node: SelectionSetNode, parent: GraphQLNamedType | None, page: int | None
    ) -> int:
        total = 0
        for selection in node.selections:
            if isinstance(selection, FieldNode):
                total += self.field(selection, parent, page)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                target = self.schema.get_type(condition.name.value) if condition else parent
                total += self.selection_set(selection.selection_set, target, page)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.fragment(selection.name.value, page)
        return total

    def fragment(self, name: str, page: int | None) -> int:
        key = (name, page)
        if key not in self.memo:
            definition = self.shape.fragments.get(name)
            self.memo[key] = (
                0
                if definition is None
                else self.selection_set(
                    definition.selection_set,
                    self.schema.get_type(definition.type_condition.name.value),
                    page,
                )
            )
        return self.memo[key]

    def field(self, node: FieldNode, parent: GraphQLNamedType | None, page: int | None) -> int:
        name = node.name.value
        if name.startswith("__") or parent is None:
            return 0  # __typename is free; introspection is refused where it matters
        definition = _fields_of(parent).get(name)
        if definition is None:
            return 0  # validation refuses it
        named = get_named_type(definition.type)
        connection = parent.name.endswith("Connection")
        if is_leaf_type(named):
            return CONNECTION_LEAF_WEIGHTS.get(name, 0) if connection else 0
        child_page: int | None = None
        if named.name.endswith("Connection") and "first" in definition.args:
            child_page = self._argument_int(node, "first", definition)
        size = 1
        if _is_list(definition.type):
            key = f"{parent.name}.{name}"
            if connection and name in ("edges", "nodes"):
                size = page if page is not None else self.cap
            elif key in LIST_ARGUMENT_SIZES:
                size = self._argument_length(node, LIST_ARGUMENT_SIZES[key])
            elif name == "errors" and named.name == "MutationError":
                size = MUTATION_ERRORS_SIZE
            else:
                size = LIST_SIZES.get(key, self.cap)
        inner = (
            self.selection_set(node.selection_set, named, child_page)
            if node.selection_set is not None
            else 0
        )
        return size * (1 + inner)

    def _value(self, node: FieldNode, argument: str) -> Any:
        for given in node.arguments or ():
            if given.name.value == argument:
                value = given.value
                if isinstance(value, VariableNode):
                    return self.variables.get(value.name.value)
                if isinstance(value, IntValueNode):
                    return int(value.value)
                if isinstance(value, ListValueNode):
                    return value.values
                return None
        return None

    def _argument_int(self, node: FieldNode, argument: str, definition: Any) -> int:
        value = self._value(node, argument)
        if value is None:
            default = definition.args[argument].default_value
            value = default if isinstance(default, int) else None
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= self.cap:
            return self.cap  # absent, unknown or out of range: the page cap bounds it
        return value

    def _argument_length(self, node: FieldNode, argument: str) -> int:
        value = self._value(node, argument)
        if isinstance(value, list | tuple):
            return min(len(value), self.cap)
        return self.cap


def _is_list(type_: Any) -> bool:
    if isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    return isinstance(type_, GraphQLList)


def cost_of(
    schema: GraphQLSchema, shape: Shape, variables: Mapping[str, Any] | None, cap: int
) -> int:
    """The estimate, kept per document and the values of its sizing variables."""
    values = variables or {}
    key = (cap, *(repr(values.get(name)) for name in shape.size_variables))
    costs = shape.costs
    if key in costs:
        costs.move_to_end(key)
        return costs[key]
    cost = _Cost(schema, shape, values, cap).operation()
    costs[key] = cost
    if len(costs) > 32:
        costs.popitem(last=False)
    return cost


# -- the extension ---------------------------------------------------------------------------


_SHAPES: OrderedDict[tuple[int, str | None, int, int], tuple[DocumentNode, Shape]] = OrderedDict()


def shape_of(
    document: DocumentNode, operation_name: str | None, max_depth: int, max_aliases: int
) -> Shape:
    """The document's shape, kept with the document (the same text parses, through the
    parser cache, to the same document object; the entry keeps it alive)."""
    key = (id(document), operation_name, max_depth, max_aliases)
    kept = _SHAPES.get(key)
    if kept is not None and kept[0] is document:
        _SHAPES.move_to_end(key)
        return kept[1]
    shape = _shape(document, operation_name, max_depth, max_aliases)
    _SHAPES[key] = (document, shape)
    if len(_SHAPES) > CACHE_SIZE:
        _SHAPES.popitem(last=False)
    return shape


@lru_cache(maxsize=CACHE_SIZE)
def _validate(schema: GraphQLSchema, document: DocumentNode, rules: Any) -> list[GraphQLError]:
    return validate_document(schema, document, rules)


def without_suggestions(text: str) -> str:
    return SUGGESTION.sub("", text)


def _holds_nul(document: DocumentNode, variables: Mapping[str, Any] | None) -> bool:
    """Whether a text the client sends holds U+0000: PostgreSQL cannot store it in any text
    column (SQLite would, and the two backends would disagree), so no input may carry it.
    A literal can only hold it through an escape, so documents without one are not walked."""
    if _nul_in(variables):
        return True
    source = document.loc.source.body if document.loc is not None else ""
    return "\\u" in source and _nul_literal(document)


def _nul_in(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, Mapping):
        return any(_nul_in(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_nul_in(v) for v in value)
    return False


@lru_cache(maxsize=256)
def _nul_literal(document: DocumentNode) -> bool:
    found = False

    class _Strings(Visitor):
        def enter_string_value(self, node: StringValueNode, *_: Any) -> None:
            nonlocal found
            found = found or "\x00" in node.value

    visit(document, _Strings())
    return found


@lru_cache(maxsize=CACHE_SIZE)
def parsed(query: str, max_tokens: int) -> DocumentNode:
    """The document of a text, parsed once (LRU): the same text hands out the same
    document object, which the shape and validation caches above are keyed by. A text over
    the token limit raises here every time (an exception is never cached)."""
    return parse(query, max_tokens=max_tokens)


class DocumentLimits(SchemaExtension):
    """The token limit, the extra validation rules (depth, aliases, introspection) and the
    parser cache in one hook per request. They were Strawberry's ``MaxTokensLimiter``,
    ``AddValidationRules`` and ``ParserCache``: three extension objects and three
    generator hooks per request, each set up and torn down by Strawberry's runner, for
    what is two assignments and a cache lookup. The limits are the same objects; they
    still apply to every document, and their verdicts are cached per document as before
    (the gate's shape and validation caches)."""

    def __init__(self, max_tokens: int, rules: tuple[Any, ...]) -> None:
        super().__init__()
        self.max_tokens = max_tokens
        self.rules = rules

    def on_parse(self) -> Iterator[None]:
        ec = self.execution_context
        ec.parse_options["max_tokens"] = self.max_tokens
        ec.validation_rules = (*ec.validation_rules, *self.rules)
        if ec.graphql_document is None and ec.query:
            ec.graphql_document = parsed(ec.query, self.max_tokens)
        yield


class RequestGate(SchemaExtension):
    """Runs in ``on_validate`` in place of Strawberry's ``ValidationCache`` (which would
    validate first): the checks of the module's docstring, then cached validation."""

    def on_validate(self) -> Iterator[None]:
        ec = self.execution_context
        context = ec.context
        document = ec.graphql_document
        if context is not None and document is not None:
            try:
                self._admit(context, document)
            except Refused as refused:
                ec.pre_execution_errors = [refused.error(context.language)]
            except GraphQLError as error:
                ec.pre_execution_errors = [error]
            else:
                ec.pre_execution_errors = [
                    *(ec.pre_execution_errors or ()),
                    *_validate(ec.schema._schema, document, ec.validation_rules),
                ]
        yield

    def _admit(self, context: Any, document: DocumentNode) -> None:
        ec = self.execution_context
        settings = context.settings
        if _holds_nul(document, ec.variables):
            raise Refused("VALIDATION", "text_nul")
        shape = shape_of(
            document, ec.operation_name, settings.max_query_depth, settings.max_aliases
        )
        introspection = settings.allow_introspection
        viewer = context.viewer
        if viewer is None:
            open_fields = ANONYMOUS_ROOT_FIELDS | (
                INTROSPECTION_ROOT_FIELDS if introspection else frozenset()
            )
            if not shape.root_fields or not shape.root_fields <= open_fields:
                raise unauthenticated(context)
        if shape.refusal is not None:
            raise shape.refusal
        if shape.operation is None:
            raise Refused("GRAPHQL_VALIDATION", "query_unknown_operation")
        if not introspection and shape.root_fields & INTROSPECTION_ROOT_FIELDS:
            raise Refused("GRAPHQL_VALIDATION", "introspection_disabled")
        if viewer is not None and viewer.must_change_password:
            if shape.otp_outside is None:
                shape.otp_outside = otp_outside(ec.schema._schema, shape)
            if shape.otp_outside:
                raise ApiError(
                    ErrorCode.UNAUTHENTICATED,
                    message("must_change_password", context.language),
                    reason="MUST_CHANGE_PASSWORD",
                )
        budget = settings.max_query_cost
        cost = cost_of(ec.schema._schema, shape, ec.variables, settings.max_page_size)
        if cost > budget:
            raise Refused("QUERY_TOO_COSTLY", "query_too_costly", cost=cost, budget=budget)

    def on_operation(self) -> Iterator[None]:
        yield
        ec = self.execution_context
        context = ec.context
        if context is None or context.settings.allow_introspection:
            return
        errors = list(getattr(ec.result, "errors", None) or ()) + list(
            ec.pre_execution_errors or ()
        )
        for error in errors:
            error.message = without_suggestions(error.message)
