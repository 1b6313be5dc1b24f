"""Loaders keep their filtered statements per viewer (resolvers/loaders.py, issue 16): a
statement kept for one viewer must never answer another — not a neighbour of the same
institution whose policy lines are narrower, not a viewer of another institution.

The documents are sent in an order that fills the kept statements first with the widest
viewer's, so a kept statement reused across viewers would show its rows to the others.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from campusgraph.db import models as m
from campusgraph.db.tenancy import unscoped
from campusgraph.ids import to_global_id

COLLEGE = "altai-college-2016"
OTHER = "tomsk-technikum-2023"

STUDENT = "query ($id: ID!) { node(id: $id) { ... on Student { id } } }"
STUDENTS = "query ($ids: [ID!]!) { nodes(ids: $ids) { ... on Student { id } } }"
OWN = "query { viewer { student { id } } }"


async def _students(db: Any, slug: str) -> list[str]:
    async with unscoped(db.factory) as s:
        inst = (
            await s.execute(select(m.Institution.id).where(m.Institution.slug == slug))
        ).scalar_one()
        ids = (
            await s.execute(
                select(m.Student.id).where(m.Student.institution_id == inst).order_by(m.Student.id)
            )
        ).scalars()
        return [to_global_id("Student", pk) for pk in ids]


async def _node(client: Any, gid: str) -> Any:
    return (await client.data(STUDENT, {"id": gid}))["node"]


async def test_a_kept_statement_answers_only_its_own_viewer(db: Any, sign_in: Any) -> None:
    # given the college's director, one of its students, and the other college's administrator
    director = await sign_in(COLLEGE, "director")
    student = await sign_in(COLLEGE, "student")
    stranger = await sign_in(OTHER, "administrator")
    own = (await student.data(OWN))["viewer"]["student"]["id"]
    other = next(gid for gid in await _students(db, COLLEGE) if gid != own)

    # when the director reads both students first (the by-id statement is kept for him)
    seen_by_director = [await _node(director, own), await _node(director, other)]
    # and then the student and the stranger ask for the same rows with the same document
    seen_by_student = [await _node(student, own), await _node(student, other)]
    seen_by_stranger = [await _node(stranger, own), await _node(stranger, other)]
    # and the director once more, after the others' statements were kept
    seen_again = await _node(director, other)

    # then each saw what his own policy lines and institution allow, nothing more
    assert seen_by_director == [{"id": own}, {"id": other}]
    assert seen_by_student == [{"id": own}, None]
    assert seen_by_stranger == [None, None]
    assert seen_again == {"id": other}


async def test_a_batch_of_keys_is_filtered_as_a_single_key(db: Any, sign_in: Any) -> None:
    # given a batch of the college's students (one statement, the keys bound as a list)
    student = await sign_in(COLLEGE, "student")
    director = await sign_in(COLLEGE, "director")
    own = (await student.data(OWN))["viewer"]["student"]["id"]
    batch = (await _students(db, COLLEGE))[:5]
    if own not in batch:
        batch.append(own)

    # when the director loads the batch, then the student the same batch
    by_director = (await director.data(STUDENTS, {"ids": batch}))["nodes"]
    by_student = (await student.data(STUDENTS, {"ids": batch}))["nodes"]

    # then the director got every one of them, in order, and the student only himself
    assert by_director == [{"id": gid} for gid in batch]
    assert by_student == [{"id": gid} if gid == own else None for gid in batch]
