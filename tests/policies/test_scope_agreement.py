"""Each scope and condition is implemented twice — a row check over facts and an SQL
filter for lists. On generated situations (who is asking, which object, which periods are
closed, which final marks and substitutions exist) the two must select the same rows.

Hypothesis drives the examples from a worker thread; the database work runs on the test's
event loop (hypothesis has no async runner of its own).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, insert, select, update

from campusgraph.db import models as m
from campusgraph.db.tenancy import scoped, unscoped
from campusgraph.policies.anchors import OBJECT_MODELS, anchors_for
from campusgraph.policies.facts import Facts, Viewer
from campusgraph.policies.scopes import condition_row, condition_sql, scope_row, scope_sql
from campusgraph.policies.targets import target_of
from campusgraph.policies.vocabulary import (
    CONDITION_NEEDS,
    OBJECTS,
    Condition,
    Scope,
    condition_fits,
    scope_fits,
)
from tests.support import DEMO_TODAY

#: Objects whose rows live in a table we can sample (not aliases of another object's rows).
SAMPLED = sorted(
    o for o in OBJECTS if o in OBJECT_MODELS and not o.endswith((".personal", ".health"))
)
PAIRS = [
    (obj, scope, cond)
    for obj in SAMPLED
    for scope in Scope
    for cond in Condition
    if scope_fits(scope, OBJECTS[obj].anchors) and condition_fits(cond, OBJECTS[obj].anchors)
]


async def _viewers(db: Any) -> list[Viewer]:
    """Every demo account of one institution, as the viewer it signs in as."""
    async with unscoped(db.factory) as s:
        inst = (
            await s.execute(
                select(m.Institution).where(m.Institution.slug == "tomsk-technikum-2023")
            )
        ).scalar_one()
        accounts = (
            (await s.execute(select(m.UserAccount).where(m.UserAccount.institution_id == inst.id)))
            .scalars()
            .all()
        )
        out = []
        for a in accounts:
            links = {}
            for name, model in (
                ("employee", m.Employee),
                ("student", m.Student),
                ("parent", m.Parent),
            ):
                links[name] = (
                    await s.execute(select(model.id).where(model.person_id == a.person_id))
                ).scalar_one_or_none()
            out.append(
                Viewer(
                    user_id=a.id,
                    session_id=None,
                    login=a.login,
                    institution_ids=(inst.id,),
                    institution_id=inst.id,
                    region_id=inst.region_id,
                    roles=frozenset({a.login}),
                    person_id=a.person_id,
                    employee_id=links["employee"],
                    student_id=links["student"],
                    parent_id=links["parent"],
                    today=DEMO_TODAY,
                )
            )
        return out


async def _vary_state(db: Any, inst_id: int, close_first_quarter: bool, extra: int) -> None:
    """Closed periods, final marks and substitutions: the state conditions depend on."""
    async with unscoped(db.factory, write=True) as s:
        period = (
            (
                await s.execute(
                    select(m.Period)
                    .where(m.Period.institution_id == inst_id)
                    .order_by(m.Period.starts_on, m.Period.ends_on)
                )
            )
            .scalars()
            .first()
        )
        assert period is not None
        await s.execute(update(m.Period).where(m.Period.id == period.id).values(closed_at=None))
        marks = (
            await s.execute(
                select(m.Mark.student_id, m.Mark.discipline_id, m.Mark.group_id)
                .where(m.Mark.institution_id == inst_id)
                .distinct()
                .order_by(m.Mark.student_id)
                .limit(extra)
            )
        ).all()
        top = (await s.execute(select(func.coalesce(func.max(m.FinalMark.id), 0)))).scalar_one()
        await s.execute(m.FinalMark.__table__.delete().where(m.FinalMark.institution_id == inst_id))
        for i, (student, discipline, group) in enumerate(marks, start=1):
            await s.execute(
                insert(m.FinalMark).values(
                    id=top + i,
                    institution_id=inst_id,
                    student_id=student,
                    discipline_id=discipline,
                    group_id=group,
                    period_id=period.id,
                    date=period.ends_on,
                    kind="period" if i % 2 else "attestation",
                    value="4",
                    version=1,
                    updated_at=dt.datetime.now(dt.UTC),
                    needs_approval=False,
                )
            )
        if close_first_quarter:  # after the writes: the database refuses writes into it
            await s.execute(
                update(m.Period)
                .where(m.Period.id == period.id)
                .values(closed_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
            )
        await s.commit()


async def _agreement(
    db: Any, viewer: Viewer, obj: str, scope: Scope, cond: Condition, sample: int
) -> None:
    model: Any = OBJECT_MODELS[obj]
    anchors = OBJECTS[obj].anchors
    a = anchors_for(obj)
    async with scoped(db.factory, viewer.institution_ids) as s:
        ids = (
            (await s.execute(select(model.id).order_by(func.random()).limit(sample)))
            .scalars()
            .all()
        )
        selected = set(
            (
                await s.execute(
                    select(model.id).where(
                        model.id.in_(ids),
                        scope_sql(scope, viewer, anchors, a),
                        condition_sql(cond, viewer, a),
                    )
                )
            ).scalars()
        )
        facts = Facts(viewer, lambda: scoped(db.factory, viewer.institution_ids))
        checked = set()
        for pk in ids:
            target = await target_of(s, obj, pk)
            assert target is not None
            await facts.preload({scope}, {cond}, target)
            if scope_row(scope, facts, target) and condition_row(cond, facts, target):
                checked.add(pk)
    assert checked == selected, (
        viewer.login,
        obj,
        scope.value,
        cond.value,
        sorted(checked ^ selected),
    )


async def test_row_checks_agree_with_sql_filters(db: Any) -> None:
    loop = asyncio.get_running_loop()
    viewers = await _viewers(db)
    inst_id = viewers[0].institution_id
    assert inst_id is not None
    # substitutions exist for the teacher, so `substitute` selects something
    async with unscoped(db.factory, write=True) as s:
        teacher = next(v for v in viewers if v.login == "teacher")
        lessons = (
            (
                await s.execute(
                    select(m.Lesson.id).where(m.Lesson.institution_id == inst_id).limit(5)
                )
            )
            .scalars()
            .all()
        )
        for i, lesson in enumerate(lessons, start=1):
            s.add(
                m.Substitution(
                    id=10_000 + i,
                    institution_id=inst_id,
                    lesson_id=lesson,
                    teacher_id=teacher.employee_id,
                )
            )
        await s.commit()

    def run(coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, loop).result(timeout=120)

    @settings(
        max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True
    )
    @given(
        viewer=st.sampled_from(viewers),
        pair=st.sampled_from(PAIRS),
        closed=st.booleans(),
        finals=st.integers(min_value=0, max_value=40),
    )
    def check(
        viewer: Viewer, pair: tuple[str, Scope, Condition], closed: bool, finals: int
    ) -> None:
        obj, scope, cond = pair
        if CONDITION_NEEDS[cond]:
            run(_vary_state(db, inst_id, closed, finals))
        run(_agreement(db, viewer, obj, scope, cond, sample=40))

    await asyncio.to_thread(check)


async def test_every_scope_and_condition_is_exercised() -> None:
    """The generated pairs cover every scope and every condition at least once."""
    assert {scope for _, scope, _ in PAIRS} == set(Scope)
    assert {cond for _, _, cond in PAIRS} == set(Condition)
