"""``node(id:)`` / ``nodes(ids:)`` resolve every type that has a global id of its own — a
row of its own table — under that row's read filter, within the viewer's institution: a
client refetches whatever the API handed it an id of (issue 15: portfolio entries and
files, substitutions, thematic plans and their topics were not Nodes; positions and
calendar rows were Nodes no lookup knew)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from campusgraph.db import models as m
from campusgraph.db.tenancy import unscoped
from campusgraph.ids import to_global_id
from campusgraph.schema.root import NODES
from tests.support.client import GraphQLClient
from tests.support.id_types import (
    ID_OF_ANOTHER_TYPE,
    NOT_A_ROW,
    NOT_ROWS,
    first_row_of_each,
    tables_by_type,
    types_with_an_id,
)
from tests.support.journal import free_cell, institution_id
from tests.test_portfolios import PDF, _curated_student, _new_entry, _upload

ALTAI = "altai-college-2016"
TOMSK = "tomsk-technikum-2023"
#: A key no demo row has.
MISSING = 999_999_999

#: Object types with an ``id`` that are no row of their own table, and why: views and
#: events carrying another type's id (which is the Node to refetch), or no row at all.

NODES_QUERY = """
query ($ids: [ID!]!) { nodes(ids: $ids) { __typename ... on Node { id } } }
"""
NODE = """
query ($id: ID!) {
  node(id: $id) {
    __typename id
    ... on PortfolioEntry { title files { id } }
    ... on PortfolioFile { sha256 }
    ... on Substitution { lesson { id } }
    ... on ThematicPlan { topics { id } }
    ... on ThematicPlanTopic { title }
  }
}
"""
GRANT = """
mutation ($input: GrantSubstitutionInput!) {
  grantSubstitution(input: $input) { substitution { id } errors { code message } }
}
"""
EMPLOYEE = "query { viewer { employee { id } } }"
CREATE_ENTRY = """
mutation ($input: CreatePortfolioEntryInput!) {
  createPortfolioEntry(input: $input) { entry { id } errors { code message } }
}
"""
ENTRY = {"kind": "PUBLICATION", "title": "Методическая разработка", "date": "2026-09-15"}


def _row_types() -> list[str]:
    """The types with a global id of their own: every type with an id but the exclusions."""
    return sorted(name for name in types_with_an_id() if name not in NOT_ROWS)


async def _node(client: GraphQLClient, gid: str) -> Any:
    return (await client.data(NODE, {"id": gid}))["node"]


def test_every_type_with_its_own_id_is_a_node_the_lookup_knows() -> None:
    # Given every object type with an id
    types = types_with_an_id()

    # Then each one that is a row is a Node and node(id:) has a fetcher for it
    rows = set(_row_types())
    assert sorted(n for n in rows if not types[n]) == [], "not Nodes"
    assert sorted(rows - set(NODES)) == [], "Nodes node(id:) cannot resolve"
    assert sorted(set(NODES) - rows) == [], "fetchers of no type"
    # and every exclusion is a type of the schema, no Node, and no table's rows
    tables = tables_by_type()
    for name in sorted(NOT_ROWS):
        reason = NOT_A_ROW.get(name) or f"carries the id of {ID_OF_ANOTHER_TYPE[name]}"
        assert name in types, name
        assert not types[name], name
        assert name not in tables, f"{name} has a table: {reason}?"


async def test_nodes_resolves_every_type_in_its_institution_only(
    shared_db: Any, shared_sign_in: Any
) -> None:
    # Given a row of every row type the Altai demo has, and a key of each that is none
    rows = await first_row_of_each(shared_db, ALTAI, _row_types())
    ids = [to_global_id(t, pk) for t, pk in sorted(rows.items())]
    missing = [to_global_id(t, MISSING) for t in _row_types()]
    deputy = await shared_sign_in(ALTAI, "deputy_director")
    tomsk = await shared_sign_in(TOMSK, "administrator")

    # When Altai's deputy director and Tomsk's administrator refetch them
    own = await deputy.query(NODES_QUERY, {"ids": ids + missing})
    foreign = await tomsk.query(NODES_QUERY, {"ids": ids})

    # Then no id is refused, a missing row is null, a row is itself where it is readable
    assert "errors" not in own, own.get("errors")
    found = own["data"]["nodes"]
    assert found[len(ids) :] == [None] * len(missing)
    seen = {n["__typename"] for n in found[: len(ids)] if n is not None}
    for gid, node in zip(ids, found, strict=False):
        assert node is None or node["id"] == gid
    # (among them those no lookup knew before: the deputy reads every one the demo has)
    unresolved_before = {"ThematicPlan", "ThematicPlanTopic", "Position", "BellSlot"}
    assert unresolved_before <= set(rows)
    assert (unresolved_before | {"DayOff", "DayTransfer"}) & set(rows) <= seen
    # and another institution's account gets none of them
    assert "errors" not in foreign, foreign.get("errors")
    assert foreign["data"]["nodes"] == [None] * len(ids)


async def test_a_thematic_plan_and_its_topic_refetch_under_the_plans_filter(
    shared_db: Any, shared_sign_in: Any
) -> None:
    # Given a topic of an Altai plan
    inst = await institution_id(shared_db, ALTAI)
    tp, t = m.ThematicPlan, m.ThematicPlanTopic
    async with unscoped(shared_db.factory) as s:
        plan, topic = (
            await s.execute(
                select(tp.id, t.id)
                .join(t, t.plan_id == tp.id)
                .where(tp.institution_id == inst)
                .order_by(t.id)
                .limit(1)
            )
        ).one()
    plan_id, topic_id = to_global_id("ThematicPlan", plan), to_global_id("ThematicPlanTopic", topic)

    # When the deputy director (who controls every plan), a student and Tomsk's deputy
    # for methodology (every plan of his own) refetch them
    deputy = await shared_sign_in(ALTAI, "deputy_director")
    student = await shared_sign_in(ALTAI, "student")
    tomsk = await shared_sign_in(TOMSK, "deputy_methodology")

    # Then the deputy gets the plan with that topic, and the topic; the others nothing
    got_plan = await _node(deputy, plan_id)
    assert got_plan["__typename"] == "ThematicPlan"
    assert topic_id in [x["id"] for x in got_plan["topics"]]
    assert (await _node(deputy, topic_id))["id"] == topic_id
    for other in (student, tomsk):
        assert await _node(other, plan_id) is None
        assert await _node(other, topic_id) is None


async def _another_groups_student(db: Any, student: int) -> int:
    """A student of the same institution in none of ``student``'s groups."""
    gm = m.GroupMembership
    async with unscoped(db.factory) as s:
        inst = await s.scalar(select(m.Student.institution_id).where(m.Student.id == student))
        groups = select(gm.group_id).where(gm.student_id == student)
        other = await s.scalar(
            select(gm.student_id)
            .join(m.Student, m.Student.id == gm.student_id)
            .where(m.Student.institution_id == inst, gm.group_id.not_in(groups))
            .where(gm.student_id.not_in(select(gm.student_id).where(gm.group_id.in_(groups))))
            .order_by(gm.student_id)
            .limit(1)
        )
    assert other is not None
    return int(other)


async def test_a_portfolio_entry_refetches_for_whom_its_owners_object_lets_read(
    db: Any, client: GraphQLClient
) -> None:
    # Given a Tomsk curator's entry (with a file) in his student's portfolio, an entry in
    # another group's student's, and the methodologist's entry in a teacher's
    # (a portfolio.teacher row)
    curator = await client.as_(TOMSK, "curator")
    mine = await _curated_student(db, TOMSK, "curator")
    entry = await _new_entry(curator, mine)
    uploaded = await _upload(curator, entry, "diploma.pdf", PDF)
    file = uploaded.json()["data"]["addPortfolioFile"]["file"]["id"]
    controller = await client.as_(TOMSK, "head_of_upbringing")
    other = await _another_groups_student(db, mine)
    elsewhere = await _new_entry(controller, other)
    teacher = await client.as_(TOMSK, "teacher")
    me = (await teacher.data(EMPLOYEE))["viewer"]["employee"]["id"]
    methodologist = await client.as_(TOMSK, "deputy_methodology")
    created = await methodologist.data(CREATE_ENTRY, {"input": {**ENTRY, "owner": me}})
    assert created["createPortfolioEntry"]["errors"] == []
    own = created["createPortfolioEntry"]["entry"]["id"]
    altai = await client.as_(ALTAI, "deputy_director")

    # When each refetches them
    # Then the curator gets his student's entry with its file, not the other group's
    got = await _node(curator, entry)
    assert (got["__typename"], got["files"]) == ("PortfolioEntry", [{"id": file}])
    assert (await _node(curator, file))["sha256"]
    assert await _node(curator, elsewhere) is None
    # (the controller reads every student's portfolio)
    assert (await _node(controller, elsewhere))["id"] == elsewhere
    # the teacher his own entry (a portfolio.teacher row), not the student's nor its file;
    # the curator not the teacher's
    assert (await _node(teacher, own))["id"] == own
    assert await _node(teacher, entry) is None
    assert await _node(teacher, file) is None
    assert await _node(curator, own) is None
    # and another institution's account none of them
    for gid in (entry, file, elsewhere, own):
        assert await _node(altai, gid) is None


async def test_a_substitution_refetches_for_the_administrator_and_the_substitute(
    db: Any, sign_in: Any
) -> None:
    # Given the Tomsk administrator's grant of a Математика lesson to the teacher
    admin = await sign_in(TOMSK, "administrator")
    teacher = await sign_in(TOMSK, "teacher")
    me = (await teacher.data(EMPLOYEE))["viewer"]["employee"]["id"]
    cell = await free_cell(db, TOMSK, "ИСП-11", "Математика")
    granted = (await admin.data(GRANT, {"input": {"lesson": cell.lesson, "teacher": me}}))[
        "grantSubstitution"
    ]
    assert granted["errors"] == []
    gid = granted["substitution"]["id"]

    # When the administrator, the substitute, a curator and Altai's administrator refetch it
    curator = await sign_in(TOMSK, "curator")
    altai = await sign_in(ALTAI, "administrator")

    # Then the first two get it with its lesson, the others nothing
    for reader in (admin, teacher):
        got = await _node(reader, gid)
        assert (got["__typename"], got["lesson"]) == ("Substitution", {"id": cell.lesson})
    assert await _node(curator, gid) is None
    assert await _node(altai, gid) is None
