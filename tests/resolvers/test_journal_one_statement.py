"""The journal on PostgreSQL reads its header and four row sets in one statement, the rows
built as JSON (resolvers/journal.py ``_whole_statement``; several journals: the headers,
then ``_one_statement``): it must answer exactly what the five selects answer — every
cell, date, enum, final mark and absence reason, one journal or several."""

from __future__ import annotations

from typing import Any

import pytest

from campusgraph.resolvers import journal as journal_module
from tests.resolvers.test_journal_read import (
    DISCIPLINES,
    JOURNAL,
    _give_final_marks,
    _summary,
    _teacher_journal_ids,
)

ALTAI = "altai-college-2016"


async def _both_ways(
    monkeypatch: pytest.MonkeyPatch, who: Any, document: str, variables: dict[str, Any]
) -> tuple[Any, Any]:
    one = await who.data(document, variables)
    with monkeypatch.context() as patched:
        patched.setattr(journal_module, "ONE_STATEMENT_BACKENDS", frozenset())
        separate = await who.data(document, variables)
    return one, separate


async def test_one_statement_answers_what_the_four_selects_answer(
    db: Any, sign_in: Any, backend: str, sql_counter: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given the director, a group's current semester, five of its journals, and final
    # marks in two of them
    teacher = await sign_in(ALTAI, "teacher")
    ids = await _teacher_journal_ids(teacher)
    director = await sign_in(ALTAI, "director")
    disciplines = [
        d["id"] for d in (await director.data(DISCIPLINES))["institution"]["disciplines"]
    ]
    chosen = [ids["discipline"], *[d for d in disciplines if d != ids["discipline"]][:4]]
    place = {"group": ids["group"], "period": ids["period"]}
    rows = (await director.data(JOURNAL, {**place, "discipline": chosen[0]}))["journal"]["rows"]
    await _give_final_marks(
        db, place, [(rows[0]["studentId"], chosen[0]), (rows[1]["studentId"], chosen[1])]
    )

    # when each journal, and all five at once, are read both ways
    for discipline in chosen:
        variables = {**place, "discipline": discipline}
        with sql_counter() as sql:
            one, separate = await _both_ways(monkeypatch, director, JOURNAL, variables)
        # then the answers are the same
        assert one == separate, discipline
        # (and on PostgreSQL the first way was the lookup and one statement, header and
        # row sets; the second the lookup, the header and four selects)
        if backend == "postgresql":
            assert sql.count == 2 + 6, sql
    variables = {**place, **{f"d{i}": d for i, d in enumerate(chosen)}}
    one, separate = await _both_ways(monkeypatch, director, _summary(len(chosen)), variables)
    assert one == separate

    # and what was compared holds every kind of value (or the test would prove nothing)
    grids = [one[f"d{i}"] for i in range(len(chosen))]
    cells = [row for grid in grids for row in grid["rows"]]
    assert any(v is not None for row in cells for v in row["marks"])
    assert any(v is not None for row in cells for v in row["attendance"])
    assert any(v is not None for row in cells for v in row["absenceReasons"])
    assert sum(len(row["finalMarks"]) for row in cells) >= 2
    assert any(work for grid in grids for lesson in grid["lessons"] for work in lesson["works"])
