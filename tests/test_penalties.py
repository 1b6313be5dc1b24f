"""A caller whose requests keep being refused before execution waits before the next."""

from __future__ import annotations

from typing import Any

import pytest

from campusgraph import penalties

ALTAI = "altai-college-2016"
#: Costly at the page cap: a director's groups → students → marks, ten times over.
COSTLY = (
    "query {"
    + " ".join(
        f"a{i}: viewer {{ institution {{ groups {{ nodes {{ students {{ "
        f"marks(first: 200) {{ nodes {{ value }} }} }} }} }} }} }}"
        for i in range(10)
    )
    + " }"
)
CHEAP = "query { viewer { login } }"


@pytest.fixture
def pauses(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    asked: list[float] = []

    async def record(seconds: float) -> None:
        asked.append(seconds)

    monkeypatch.setattr(penalties, "sleep", record)
    return asked


async def test_refusals_past_the_allowance_earn_a_growing_pause_for_that_caller_only(
    make_client: Any, pauses: list[float]
) -> None:
    # given a production server that allows two refusals, and two signed-in callers
    async with make_client(mode="production", refusals_free=2) as anonymous:
        director = await anonymous.as_(ALTAI, "director")
        teacher = await anonymous.as_(ALTAI, "teacher")
        # when the director sends five documents the gate refuses as too costly
        codes = []
        for _ in range(5):
            answer = await director.query(COSTLY)
            codes.append(answer["errors"][0]["extensions"]["code"])
        paused_director = list(pauses)
        # and the teacher then asks something cheap
        await teacher.data(CHEAP)

    # then each was refused, the director's requests past the allowance waited longer
    # and longer, and the teacher did not wait at all
    assert codes == ["QUERY_TOO_COSTLY"] * 5
    assert paused_director == [0.05, 0.1]
    assert pauses == paused_director


async def test_answered_requests_earn_no_pause(make_client: Any, pauses: list[float]) -> None:
    # given a production server that allows no refusal at all
    async with make_client(mode="production", refusals_free=0) as anonymous:
        teacher = await anonymous.as_(ALTAI, "teacher")
        # when a caller's requests are answered
        for _ in range(5):
            await teacher.data(CHEAP)
    # then none of them waited
    assert pauses == []
