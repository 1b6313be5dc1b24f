"""The database itself refuses journal rows dated in a closed period (migration 0002), so no
mutation, import or script gets past it; on PostgreSQL a write and a close serialise."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest
from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.exc import DBAPIError

from campusgraph.db import models as m
from campusgraph.db.migrate import downgrade, upgrade
from campusgraph.db.tenancy import unscoped
from tests.support.journal import free_cell, institution_id, period_id

ALTAI = "altai-college-2016"
ARMAVIR = "armavir-technikum-2025"
CLOSED_AT = dt.datetime(2026, 11, 27, 12, tzinfo=dt.UTC)


async def _close(db: Any, period: int, when: dt.datetime | None = CLOSED_AT) -> None:
    async with unscoped(db.factory, write=True) as s:
        await s.execute(update(m.Period).where(m.Period.id == period).values(closed_at=when))
        await s.commit()


async def _refused(db: Any, statement: Any) -> str:
    """Run ``statement`` alone in a transaction; it must be refused by the trigger."""
    async with unscoped(db.factory, write=True) as s:
        with pytest.raises(DBAPIError) as caught:
            await s.execute(statement)
        await s.rollback()
    assert "period_closed" in str(caught.value.orig), caught.value
    return str(caught.value.orig)


async def _accepted(db: Any, statement: Any) -> None:
    async with unscoped(db.factory, write=True) as s:
        await s.execute(statement)
        await s.commit()


async def _a_mark(db: Any, slug: str) -> m.Mark:
    inst = await institution_id(db, slug)
    async with unscoped(db.factory) as s:
        row: m.Mark = (
            await s.execute(
                select(m.Mark).where(m.Mark.institution_id == inst).order_by(m.Mark.id).limit(1)
            )
        ).scalar_one()
    return row


async def test_marks_of_a_closed_period_cannot_be_inserted_changed_or_deleted(db: Any) -> None:
    # Given a mark of the Altai first semester, and the semester closed
    mark = await _a_mark(db, ALTAI)
    semester = await period_id(db, ALTAI, mark.date, "semester")
    await _close(db, semester)

    # Then no UPDATE, DELETE or INSERT of a mark dated in it gets through
    await _refused(db, update(m.Mark).where(m.Mark.id == mark.id).values(value="2"))
    await _refused(db, delete(m.Mark).where(m.Mark.id == mark.id))
    cell = await free_cell(db, ALTAI, "ИС-11", "Математика")
    await _refused(
        db,
        insert(m.Mark).values(
            institution_id=mark.institution_id,
            work_id=cell.work_pk,
            lesson_id=cell.lesson_pk,
            student_id=cell.student_pk,
            group_id=cell.group_pk,
            discipline_id=cell.discipline_pk,
            date=cell.date,
            value="5",
            version=1,
            updated_at=CLOSED_AT,
        ),
    )
    async with unscoped(db.factory) as s:
        stored = (
            await s.execute(select(m.Mark.value, m.Mark.version).where(m.Mark.id == mark.id))
        ).one()
    assert tuple(stored) == (mark.value, mark.version)

    # And when the period is reopened, the same update goes through
    await _close(db, semester, None)
    await _accepted(db, update(m.Mark).where(m.Mark.id == mark.id).values(value="2"))


async def test_every_journal_table_is_locked(db: Any) -> None:
    mark = await _a_mark(db, ALTAI)
    await _close(db, await period_id(db, ALTAI, mark.date, "semester"))
    async with unscoped(db.factory) as s:
        absence = (
            (
                await s.execute(
                    select(m.Attendance.id).where(
                        m.Attendance.institution_id == mark.institution_id
                    )
                )
            )
            .scalars()
            .first()
        )
    assert absence is not None
    messages = [
        await _refused(db, update(m.Lesson).where(m.Lesson.id == mark.lesson_id).values(topic="x")),
        await _refused(db, update(m.Work).where(m.Work.id == mark.work_id).values(title="x")),
        await _refused(
            db, update(m.Attendance).where(m.Attendance.id == absence).values(reason=None)
        ),
        await _refused(db, delete(m.Lesson).where(m.Lesson.id == mark.lesson_id)),
    ]
    assert [msg.split(":")[0].strip() for msg in messages] == ["period_closed"] * 4


async def test_a_final_mark_of_a_closed_period_is_refused(db: Any) -> None:
    mark = await _a_mark(db, ALTAI)
    semester = await period_id(db, ALTAI, mark.date, "semester")
    async with unscoped(db.factory) as s:
        period = (await s.execute(select(m.Period).where(m.Period.id == semester))).scalar_one()
    values = {
        "institution_id": mark.institution_id,
        "student_id": mark.student_id,
        "discipline_id": mark.discipline_id,
        "group_id": mark.group_id,
        "period_id": semester,
        "date": period.ends_on,
        "kind": "semester",
        "value": "4",
        "version": 1,
        "updated_at": CLOSED_AT,
    }
    await _close(db, semester)
    await _refused(db, insert(m.FinalMark).values(**values))
    await _close(db, semester, None)
    await _accepted(db, insert(m.FinalMark).values(**values))


async def test_moving_a_row_into_a_closed_period_is_refused_and_other_rows_are_free(
    db: Any,
) -> None:
    # Given the Barnaul first quarter closed (1 September – 23 October)
    inst = await institution_id(db, "barnaul-school6-2016")
    async with unscoped(db.factory) as s:
        late = (
            await s.execute(
                select(m.Mark)
                .where(m.Mark.institution_id == inst, m.Mark.date > dt.date(2026, 11, 2))
                .limit(1)
            )
        ).scalar_one()
    quarter = await period_id(db, "barnaul-school6-2016", dt.date(2026, 10, 1), "quarter")
    await _close(db, quarter)

    # A mark of the second quarter changes freely, but may not move into the first
    await _accepted(db, update(m.Mark).where(m.Mark.id == late.id).values(value="5"))
    await _refused(db, update(m.Mark).where(m.Mark.id == late.id).values(date=dt.date(2026, 10, 1)))
    # Another institution's closed period does not lock Armavir's rows
    armavir = await _a_mark(db, ARMAVIR)
    await _accepted(db, update(m.Mark).where(m.Mark.id == armavir.id).values(value="5"))


async def test_downgrade_drops_the_triggers_and_upgrade_restores_them(db: Any) -> None:
    mark = await _a_mark(db, ALTAI)
    await _close(db, await period_id(db, ALTAI, mark.date, "semester"))
    await db.engine.dispose()

    await asyncio.to_thread(downgrade, db.url, "0001")
    await _accepted(db, update(m.Mark).where(m.Mark.id == mark.id).values(value="2"))
    await db.engine.dispose()

    await asyncio.to_thread(upgrade, db.url, "head")
    await _refused(db, update(m.Mark).where(m.Mark.id == mark.id).values(value="3"))


@pytest.mark.backends("postgresql")
async def test_a_write_and_a_close_serialise_on_postgresql(db: Any) -> None:
    """READ COMMITTED: a write that checked the period first commits before the close can
    take the period row; a write that comes after the close waits for it and is refused."""
    mark = await _a_mark(db, ALTAI)
    semester = await period_id(db, ALTAI, mark.date, "semester")
    bump = update(m.Mark).where(m.Mark.id == mark.id).values(version=m.Mark.version + 1)

    async with unscoped(db.factory) as writer, unscoped(db.factory) as closer:
        # The writer has written (its trigger holds FOR SHARE on the period) but not committed
        await writer.execute(bump)
        close = asyncio.ensure_future(
            closer.execute(
                update(m.Period).where(m.Period.id == semester).values(closed_at=CLOSED_AT)
            )
        )
        await asyncio.sleep(0.5)
        assert not close.done(), "the close must wait for the writer that got in first"
        await writer.commit()
        await asyncio.wait_for(close, 10)

        # A second write while the close is not yet committed waits, then is refused
        async with unscoped(db.factory) as late:
            refused = asyncio.ensure_future(late.execute(bump))
            await asyncio.sleep(0.5)
            assert not refused.done(), "a write must wait for the uncommitted close"
            await closer.commit()
            with pytest.raises(DBAPIError) as caught:
                await asyncio.wait_for(refused, 10)
            assert "period_closed" in str(caught.value.orig)
            await late.rollback()

    async with unscoped(db.factory) as s:
        version = (await s.execute(select(m.Mark.version).where(m.Mark.id == mark.id))).scalar_one()
        triggers = (
            await s.execute(
                text(
                    "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal "
                    "AND tgname LIKE '%_closed_period'"
                )
            )
        ).scalar_one()
    assert version == mark.version + 1
    assert triggers == 5
