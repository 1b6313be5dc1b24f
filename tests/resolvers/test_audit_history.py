"""History shows references as a reader knows them: global ids (what ``node(id:)`` takes)
under the reference's name, users by login — never the internal numbers the audit trail
stores (``work_id: 12``, ``author_user_id: 3``).

The class: every foreign key (and every ``*_user_id``) of every table the service writes
and audits, checked over the metadata, not a list of the columns someone remembered."""

from __future__ import annotations

from typing import Any

from campusgraph.db.base import Base
from campusgraph.ids import from_global_id
from campusgraph.resolvers.audit import USER_TABLE, readable, reference_name, references
from tests.support.documents import schema
from tests.support.journal import free_cell

ALTAI = "altai-college-2016"
ARMAVIR = "armavir-technikum-2025"
#: Referenced tables with no type of their own in the schema, and why that is fine.
INTERNAL = {
    "Person": "the card (Student, Employee, Parent) is the person to a reader",
    "Region": "a region is known by its slug; no reader lists regions",
    "ThematicPlan": "read as Group.thematicPlan; its topics have ids",
}

#: Tables no mutation records in the trail.
NOT_AUDITED = {"audit_event": "the trail itself", "idempotency_key": "a request's replay record"}

SET_MARK = """
mutation ($input: SetMarkInput!) { setMark(input: $input) { mark { id } errors { code } } }
"""
SET_ATTENDANCE = """
mutation ($input: SetAttendanceInput!) {
  setAttendance(input: $input) { attendance { id version } errors { code } }
}
"""
SET_REASON = """
mutation ($input: SetAbsenceReasonInput!) {
  setAbsenceReason(input: $input) { attendance { id } errors { code } }
}
"""
HISTORY = """
query ($id: ID!) {
  node(id: $id) {
    ... on Mark { history { login before after changes { field } } }
    ... on Attendance { history { login before after changes { field } } }
  }
}
"""


def test_every_reference_of_every_table_reads_as_a_global_id_or_a_login() -> None:
    # Given a snapshot of each table with a number in every column
    types = set(schema().type_map)
    wrong = []
    for table in Base.metadata.sorted_tables:
        if table.name in NOT_AUDITED:
            continue
        refs = references(table)
        snapshot = {column.key: 7 for column in table.columns}
        # When it is shown to a reader
        shown = readable(table.name, snapshot, {7: "someone"})
        assert shown is not None
        for column, target in refs.items():
            value = shown[reference_name(column)]
            if target == USER_TABLE:
                ok = value == "someone"
            else:
                kind, pk = from_global_id(value)
                ok = pk == 7 and (kind in types or kind in INTERNAL)
            if not ok:
                wrong.append(f"{table.name}.{column} → {value!r}")
        # Then no reference keeps its column name or its number
        numbers = [k for k in shown if k.endswith("_id") and k != "client_mutation_id"]
        assert numbers == [], table.name
    assert wrong == []


def test_every_table_with_references_is_covered() -> None:
    # Given the foreign keys of the metadata
    keyed = {
        (table.name, column.key)
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if column.foreign_keys
    }
    # Then each is among the references the history renders
    covered = {
        (table.name, column)
        for table in Base.metadata.sorted_tables
        for column in references(table)
    }
    assert keyed <= covered
    assert keyed


async def test_a_marks_history_names_its_work_student_and_author(db: Any, sign_in: Any) -> None:
    # Given a mark the Altai teacher gave
    teacher = await sign_in(ALTAI, "teacher")
    cell = await free_cell(db, ALTAI, "ИС-11", "Информатика")
    mark = (
        await teacher.data(
            SET_MARK, {"input": {"work": cell.work, "student": cell.student, "value": "4"}}
        )
    )["setMark"]["mark"]

    # When its history is read
    [created] = (await teacher.data(HISTORY, {"id": mark["id"]}))["node"]["history"]

    # Then the row names its work, student and author as the API knows them
    after = created["after"]
    assert (after["work"], after["student"]) == (cell.work, cell.student)
    assert after["author"] == created["login"] == "teacher"
    assert [k for k in after if k.endswith("_id")] == []


async def test_an_absence_history_names_who_gave_the_reason(db: Any, sign_in: Any) -> None:
    # Given an absence the Armavir teacher marked and the curator explained (п. 4.3)
    teacher = await sign_in(ARMAVIR, "teacher")
    curator = await sign_in(ARMAVIR, "curator")
    cell = await free_cell(db, ARMAVIR, "ПК-11", "Математика")
    where = {"lesson": cell.lesson, "student": cell.student}
    absent = (await teacher.data(SET_ATTENDANCE, {"input": {**where, "status": "ABSENT"}}))[
        "setAttendance"
    ]["attendance"]
    reason = {**where, "reason": "ILLNESS", "expectedVersion": absent["version"]}
    assert (await curator.data(SET_REASON, {"input": reason}))["setAbsenceReason"]["errors"] == []

    # When the history is read
    history = (await curator.data(HISTORY, {"id": absent["id"]}))["node"]["history"]

    # Then the reason's change names the curator by login, the lesson by its global id
    last = history[-1]["after"]
    assert (last["reason_set_by"], last["author"], last["lesson"]) == (
        "curator",
        "teacher",
        cell.lesson,
    )
    assert {"field": "reason"} in history[-1]["changes"]
    assert {"field": "reason_set_by"} not in history[-1]["changes"]
