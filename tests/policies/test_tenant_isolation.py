"""For random viewers of institution A and every document in examples/, no id or value of
institution B appears in any response — even when the variables name B's objects."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from campusgraph.db import models as m
from campusgraph.db.tenancy import unscoped
from campusgraph.ids import to_global_id

EXAMPLES = Path(__file__).parents[2] / "examples" / "queries"
DOCUMENTS = {
    p.name: p.read_text(encoding="utf-8")
    for p in sorted(EXAMPLES.glob("*.graphql"))
    if "mutation" not in p.read_text(encoding="utf-8")
}
A, B = "altai-college-2016", "armavir-technikum-2025"
ROLES_A = [
    "administrator",
    "hr_specialist",
    "curator",
    "teacher",
    "deputy_director",
    "director",
    "student",
    "parent",
]
TYPES = {
    "Group": m.StudyGroup,
    "Student": m.Student,
    "Discipline": m.Discipline,
    "Period": m.Period,
    "Employee": m.Employee,
    "Lesson": m.Lesson,
}


async def _inventory(db: Any, slug: str) -> tuple[dict[str, list[str]], set[str]]:
    """Global ids by type, and the readable values (names) of one institution."""
    async with unscoped(db.factory) as s:
        inst = (
            await s.execute(select(m.Institution.id).where(m.Institution.slug == slug))
        ).scalar_one()
        ids: dict[str, list[str]] = {}
        for name, model in TYPES.items():
            pks = (
                (
                    await s.execute(
                        select(model.id)
                        .where(model.institution_id == inst)
                        .order_by(model.id)
                        .limit(60)
                    )
                )
                .scalars()
                .all()
            )
            ids[name] = [to_global_id(name, pk) for pk in pks]
        people = (
            await s.execute(
                select(m.Person.surname, m.Person.name, m.Person.patronymic).where(
                    m.Person.institution_id == inst
                )
            )
        ).all()
        values = {" ".join(x for x in row if x) for row in people}
        values |= set(
            (
                await s.execute(
                    select(m.StudyGroup.name).where(m.StudyGroup.institution_id == inst)
                )
            ).scalars()
        )
        values |= set(
            (await s.execute(select(m.Institution.name).where(m.Institution.id == inst))).scalars()
        )
        values |= set(
            (
                await s.execute(
                    select(m.StudentPersonal.snils).where(m.StudentPersonal.institution_id == inst)
                )
            ).scalars()
        )
    return ids, {v for v in values if v}


def _variables(document: str) -> list[tuple[str, str]]:
    return re.findall(r"\$(\w+): (\w+)!", document.split("{", 1)[0])


async def test_no_value_of_another_institution_leaks(db: Any, client: Any) -> None:
    loop = asyncio.get_running_loop()
    ids_a, values_a = await _inventory(db, A)
    ids_b, values_b = await _inventory(db, B)
    only_b = values_b - values_a
    forbidden_ids = {gid for gids in ids_b.values() for gid in gids}
    clients = {role: await client.as_(A, role) for role in ROLES_A}
    pool = {name: ids_a[name] + ids_b[name] for name in TYPES}

    def run(coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, loop).result(timeout=120)

    @settings(
        max_examples=80, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True
    )
    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        role = data.draw(st.sampled_from(ROLES_A))
        name = data.draw(st.sampled_from(sorted(DOCUMENTS)))
        document = DOCUMENTS[name]
        variables: dict[str, Any] = {}
        for var, kind in _variables(document):
            if kind == "Date":
                variables[var] = "2026-09-01" if var == "from" else "2026-11-30"
            elif kind == "ID":
                type_name = {"id": "Group" if "Group" in name else "Student"}.get(
                    var, var.capitalize()
                )
                variables[var] = data.draw(st.sampled_from(pool[type_name]))
        payload = run(clients[role].query(document, variables))
        text = json.dumps(payload, ensure_ascii=False)
        leaked_ids = [gid for gid in forbidden_ids if gid in text]
        leaked_values = [v for v in only_b if v in text]
        assert not leaked_ids, (role, name, variables, leaked_ids[:5])
        assert not leaked_values, (role, name, variables, leaked_values[:5])

    await asyncio.to_thread(check)
    assert DOCUMENTS, "examples/queries has documents"
