"""Loading the anchors of an existing row, to decide on it with a row check."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from campusgraph.db import models as m
from campusgraph.policies.anchors import OBJECT_MODELS, anchors_for
from campusgraph.policies.facts import Target
from campusgraph.policies.vocabulary import OBJECTS, Anchor


async def target_of(session: AsyncSession, obj: str, pk: int, model: Any = None) -> Target | None:
    """The row's anchors as a :class:`Target`, or None when there is no such row (or it
    lies outside the session's institutions).

    ``model``: a table holding rows of ``obj`` other than its own (``OBJECT_MODELS``) — a
    bell slot or a day transfer is a ``calendar`` row as a day off is. Only an object
    anchored at the institution alone can have such rows: its anchor is the table's
    ``institution_id`` whatever the table."""
    if model is not None and model is not OBJECT_MODELS[obj]:
        if OBJECTS[obj].anchors != {Anchor.INSTITUTION}:
            raise ValueError(f"{obj!r} has anchors beyond the institution: no other table")
        found = await session.scalar(select(model.institution_id).where(model.id == pk))
        if found is None:
            return None
        return Target(object_anchors=OBJECTS[obj].anchors, institution_id=found)
    model = OBJECT_MODELS[obj]
    a = anchors_for(obj)
    cols: dict[str, Any] = {
        name: getattr(a, name)
        for name in (
            "institution",
            "group",
            "discipline",
            "student",
            "person",
            "lesson",
            "date",
            "author",
            "department",
            "role",
        )
        if getattr(a, name) is not None
    }
    if not cols:
        cols["institution"] = model.id
    stmt = select(*(c.label(n) for n, c in cols.items())).where(model.id == pk)
    row = (await session.execute(stmt)).mappings().first()
    if row is None:
        return None
    students: frozenset[int] = frozenset()
    if "student" in row and row["student"] is not None:
        students = frozenset({row["student"]})
    elif a.student_in is not None and obj.startswith("parent"):
        links = await session.execute(
            select(m.ParentLink.student_id).where(m.ParentLink.parent_id == pk)
        )
        students = frozenset(links.scalars().all())
    elif a.student_in is not None and row.get("person") is not None:
        # A portfolio entry is about a person: the student(s) that person is, as its SQL
        # anchor has it (without them a curator's row check never reached his students'
        # entries, while his lists showed them).
        found = await session.execute(
            select(m.Student.id).where(m.Student.person_id == row["person"])
        )
        students = frozenset(found.scalars().all())
    return Target(
        object_anchors=OBJECTS[obj].anchors,
        institution_id=row.get("institution"),
        group_id=row.get("group"),
        discipline_id=row.get("discipline"),
        student_ids=students,
        person_id=row.get("person"),
        lesson_id=row.get("lesson"),
        date=row.get("date"),
        author_id=row.get("author"),
        department_id=row.get("department"),
        role=row.get("role"),
    )
