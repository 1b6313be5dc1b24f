"""The document limits through the endpoint, with their verdicts cached per document text
(schema/gate.py, ``DocumentLimits`` and the parse, shape and validation caches): the token,
depth and alias limits refuse a document every time it is sent, a text one character
away is judged on its own, and who may run a cached document is decided per request.

Each pair shares its first several hundred characters and differs at its end, so a cache
keyed by anything less than the whole text would hand one document the other's verdict.
"""

from __future__ import annotations

from typing import Any

import pytest

from campusgraph.settings import Settings

ALTAI = "altai-college-2016"
LIMITS = Settings()

#: A long operation name: the pairs share their first several hundred characters.
NAME = "Padded" + "_" * 400


def aliased(count: int) -> str:
    """The teacher's login under ``count`` aliases: the alias limit counts them."""
    fields = " ".join(f"a{n}: login" for n in range(count))
    return f"query {NAME} {{ viewer {{ login {fields} }} }}"


def nested(depth: int) -> str:
    """Fields nested deeper than ``depth`` (groups → students → groups …, valid fields)."""
    inner = "id"
    for _ in range(depth // 4 + 1):
        inner = f"groups(first: 1) {{ nodes {{ students(first: 1) {{ nodes {{ {inner} }} }} }} }}"
    return f"query {NAME} {{ institution {{ {inner} }} }}"


def tokens(count: int, gid: str) -> str:
    """About ``count`` tokens: one id, repeated, in ``nodes(ids:)`` (each string is one
    token; only the first page of them is looked up)."""
    ids = ", ".join(f'"{gid}"' for _ in range(count - 12))
    return f"query {NAME} {{ viewer {{ login }} nodes(ids: [{ids}]) {{ id }} }}"


def code(payload: dict[str, Any]) -> str | None:
    errors = payload.get("errors") or []
    return errors[0]["extensions"]["code"] if errors else None


#: How each limit refuses: the gate's structure check, or the parser's token count.
REFUSED = {"aliases": "QUERY_TOO_COMPLEX", "tokens": "GRAPHQL_PARSE_FAILED"}


def pair(limit: str, gid: str) -> tuple[str, str]:
    if limit == "aliases":
        return aliased(LIMITS.max_aliases), aliased(LIMITS.max_aliases + 1)
    return tokens(LIMITS.max_tokens - 20, gid), tokens(LIMITS.max_tokens + 20, gid)


@pytest.mark.parametrize("limit", ["aliases", "tokens"])
async def test_a_cached_verdict_belongs_to_its_own_text(sign_in: Any, limit: str) -> None:
    # given two documents sharing all but their end: one within the limit, one over it
    teacher = await sign_in(ALTAI, "teacher")
    institution = (await teacher.data("query { institution { id } }"))["institution"]["id"]
    within, over = pair(limit, institution)
    assert within[:300] == over[:300]

    # when each is sent twice, in turn (the second time from the caches)
    answers = [await teacher.query(text) for text in (within, over, within, over)]

    # then the one within ran each time, and the one over was refused each time
    codes = [code(answer) for answer in answers]
    assert codes == [None, REFUSED[limit], None, REFUSED[limit]], answers[1]
    assert answers[0]["data"]["viewer"]["login"] == "teacher"
    assert answers[2] == answers[0]
    assert [answers[1]["data"], answers[3]["data"]] == [None, None]


async def test_the_depth_limit_refuses_every_time(sign_in: Any) -> None:
    # given a document nested deeper than allowed
    teacher = await sign_in(ALTAI, "teacher")
    deep = nested(LIMITS.max_query_depth + 1)

    # when the deep one is sent twice
    first, second = await teacher.query(deep), await teacher.query(deep)

    # then it is refused both times, with the same error
    assert code(first) == "QUERY_TOO_COMPLEX", first
    assert first["data"] is None
    assert second["errors"][0]["message"] == first["errors"][0]["message"]
    assert code(second) == "QUERY_TOO_COMPLEX"


async def test_who_may_run_a_cached_document_is_decided_per_request(
    client: Any, sign_in: Any
) -> None:
    # given a document the teacher ran (parsed, shaped and validated: all cached)
    teacher = await sign_in(ALTAI, "teacher")
    document = "query Rooms { institution { rooms { name } } }"
    assert code(await teacher.query(document)) is None

    # when an anonymous caller sends the same text
    anonymous = await client.query(document)

    # then he is refused as if it were new, and the teacher still runs it
    assert code(anonymous) == "UNAUTHENTICATED"
    assert anonymous["data"] is None
    assert code(await teacher.query(document)) is None
