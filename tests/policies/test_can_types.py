"""``viewer.can`` names a row of every type with a global id — and answers on it what the
mutation acting on that row would: the row's object is the one the mutation decides on,
even where the row decides it (a student's portfolio entry is a ``portfolio`` row, an
employee's a ``portfolio.teacher`` one; an announcement is its audience's; a thread is,
for a participant, his own messages in it and, for anyone else, nothing)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from campusgraph.db import models as m
from campusgraph.db.tenancy import unscoped
from campusgraph.ids import to_global_id
from campusgraph.resolvers.permissions import nameable_types
from tests.support.id_types import (
    ID_OF_ANOTHER_TYPE,
    NOT_A_ROW,
    first_row_of_each,
    types_with_an_id,
)
from tests.support.journal import institution_id

ALTAI = "altai-college-2016"
TOMSK = "tomsk-technikum-2023"
#: A key no demo row has: the row is named, and is not there.
MISSING = 999_999_999
#: Fields aliased in one request, within the server's limit (``max_aliases``).
ALIASES = 25


CAN = """
query ($object: String!, $action: String!, $id: ID) {
  viewer { can(object: $object, action: $action, id: $id) { allowed rule } }
}
"""
CAN_EVERY = "query {{ viewer {{ {fields} }} }}"
CREATE_ENTRY = """
mutation ($input: CreatePortfolioEntryInput!) {
  createPortfolioEntry(input: $input) { entry { id } errors { code message } }
}
"""
UPDATE_ENTRY = """
mutation ($input: UpdatePortfolioEntryInput!) {
  updatePortfolioEntry(input: $input) { entry { id } errors { code } }
}
"""
CONFIRM_ENTRY = """
mutation ($input: ConfirmPortfolioEntryInput!) {
  confirmPortfolioEntry(input: $input) { entry { id status } errors { code } }
}
"""
START = """
mutation ($input: StartThreadInput!) {
  startThread(input: $input) { thread { id } errors { code message } }
}
"""
REPLY = """
mutation ($input: ReplyInput!) {
  reply(input: $input) { thread { id } errors { code } }
}
"""
MARK_READ = """
mutation ($input: MarkThreadReadInput!) {
  markThreadRead(input: $input) { thread { id } errors { code } }
}
"""
PUBLISH = """
mutation ($input: CreateAnnouncementInput!) {
  createAnnouncement(input: $input) { announcement { id } errors { code message } }
}
"""
UPDATE_ANNOUNCEMENT = """
mutation ($input: UpdateAnnouncementInput!) {
  updateAnnouncement(input: $input) { announcement { id } errors { code } }
}
"""
DELETE_ANNOUNCEMENT = """
mutation ($input: DeleteInput!) {
  deleteAnnouncement(input: $input) { deletedId errors { code } }
}
"""
CURATED = "{ viewer { employee { curatedGroups { id department { id } } } } }"
GROUPS = "{ institution { groups(first: 50) { nodes { id } } } }"


def _named_in_ids() -> set[str]:
    """The types whose names global ids carry: each type with an id of its own, and the
    types the others carry ids of."""
    own = {n for n in types_with_an_id() if n not in ID_OF_ANOTHER_TYPE and n not in NOT_A_ROW}
    return own | {t for named in ID_OF_ANOTHER_TYPE.values() for t in named}


def test_every_type_with_an_id_is_nameable_or_names_one_that_is() -> None:
    # Given every object type of the schema with an id
    types = types_with_an_id()
    nameable = nameable_types()

    # Then each is a type viewer.can names, or carries the id of types it names, or is
    # declared as no row at all
    unnamed = {
        name
        for name in types
        if name not in nameable and name not in ID_OF_ANOTHER_TYPE and name not in NOT_A_ROW
    }
    assert unnamed == set(), f"viewer.can cannot name these types: {sorted(unnamed)}"
    carried = {t for named in ID_OF_ANOTHER_TYPE.values() for t in named}
    assert carried <= nameable, sorted(carried - nameable)
    # and every Node is nameable itself (a Node's id is its own)
    assert {n for n, node in types.items() if node} <= nameable
    # and the declarations hold no type the schema no longer has
    assert set(ID_OF_ANOTHER_TYPE) | set(NOT_A_ROW) <= set(types)


def _alias(type_name: str, suffix: str) -> str:
    return f"{type_name[0].lower()}{type_name[1:]}{suffix}"


async def test_viewer_can_names_a_row_of_every_type_through_the_endpoint(
    db: Any, sign_in: Any
) -> None:
    # Given a deputy director of Altai, a row of each type the demo has, and a key of
    # each type that is no row
    deputy = await sign_in(ALTAI, "deputy_director")
    rows = await first_row_of_each(db, ALTAI, _named_in_ids())
    fields = []
    for type_name in sorted(_named_in_ids()):
        for suffix, pk in (("Missing", MISSING), ("Row", rows.get(type_name))):
            if pk is None:
                continue
            gid = to_global_id(type_name, pk)
            fields.append(
                f'{_alias(type_name, suffix)}: can(object: "institution", action: "read", '
                f'id: "{gid}") {{ allowed }}'
            )

    # When viewer.can is asked about all of them (as many to a request as it may alias)
    can: dict[str, Any] = {}
    for start in range(0, len(fields), ALIASES):
        answer = await deputy.query(CAN_EVERY.format(fields=" ".join(fields[start:][:ALIASES])))
        # Then none is refused as an unknown name
        assert "errors" not in answer, answer.get("errors")
        can.update(answer["data"]["viewer"])

    # and a missing row is null, an existing one decided (a thread only exists for its
    # participants: he takes part in none)
    for type_name in _named_in_ids():
        assert can[_alias(type_name, "Missing")] is None, type_name
        if type_name in rows and type_name != "Thread":
            assert can[_alias(type_name, "Row")] is not None, type_name
    assert len(rows) >= 25, sorted(rows)


# -- the same answer as the mutation ------------------------------------------------------


async def _can(client: Any, obj: str, action: str, gid: str) -> Any:
    return (await client.data(CAN, {"object": obj, "action": action, "id": gid}))["viewer"]["can"]


def _codes(payload: dict[str, Any]) -> list[str]:
    return [e["code"] for e in payload["errors"]]


async def _curated_student(db: Any, slug: str) -> str:
    from tests.test_portfolios import _curated_student as curated

    return to_global_id("Student", await curated(db, slug, "curator"))


async def test_a_portfolio_entry_is_decided_as_its_mutations_decide(db: Any, sign_in: Any) -> None:
    # Given a Tomsk curator's entry in his student's portfolio (п. 4.8.8), and the head
    # of upbringing who controls it (п. 4.7.4)
    curator = await sign_in(TOMSK, "curator")
    controller = await sign_in(TOMSK, "head_of_upbringing")
    created = (
        await curator.data(
            CREATE_ENTRY,
            {
                "input": {
                    "owner": await _curated_student(db, TOMSK),
                    "kind": "COMPETITION_RESULT",
                    "title": "Диплом регионального чемпионата",
                    "date": "2026-10-20",
                }
            },
        )
    )["createPortfolioEntry"]
    assert created["errors"] == []
    entry = created["entry"]["id"]

    # When each asks viewer.can about updating and confirming the entry, then acts
    asked = {
        (who, action): await _can(client, "portfolio", action, entry)
        for who, client in (("curator", curator), ("controller", controller))
        for action in ("update", "approve")
    }
    updated = (
        await curator.data(UPDATE_ENTRY, {"input": {"id": entry, "title": "Диплом I степени"}})
    )["updatePortfolioEntry"]
    by_curator = (await curator.data(CONFIRM_ENTRY, {"input": {"id": entry}}))[
        "confirmPortfolioEntry"
    ]
    by_controller = (await controller.data(CONFIRM_ENTRY, {"input": {"id": entry}}))[
        "confirmPortfolioEntry"
    ]

    # Then viewer.can said what the mutations did: the curator fills but does not confirm,
    # the controller confirms
    assert asked[("curator", "update")]["allowed"] is True
    assert _codes(updated) == []
    assert asked[("curator", "approve")]["allowed"] is False
    assert _codes(by_curator) == ["FORBIDDEN"]
    assert asked[("controller", "approve")]["allowed"] is True
    assert _codes(by_controller) == []


async def test_an_employees_entry_is_decided_as_a_portfolio_teacher_row(
    db: Any, sign_in: Any
) -> None:
    # Given an entry the Tomsk HR head made in a teacher's portfolio (п. 4.5.4), the
    # deputy for studies' control who confirms teachers' entries (п. 4.6.4) and the head
    # of upbringing who confirms students' ones only (п. 4.7.4)
    hr_head = await sign_in(TOMSK, "hr_head")
    inst = await institution_id(db, TOMSK)
    async with unscoped(db.factory) as s:
        employee = await s.scalar(
            select(m.Employee.id)
            .join(m.UserAccount, m.UserAccount.person_id == m.Employee.person_id)
            .where(m.UserAccount.institution_id == inst, m.UserAccount.login == "teacher")
        )
    created = (
        await hr_head.data(
            CREATE_ENTRY,
            {
                "input": {
                    "owner": to_global_id("Employee", int(employee or 0)),
                    "kind": "PUBLICATION",
                    "title": "Статья о проектном обучении",
                    "date": "2026-09-01",
                }
            },
        )
    )["createPortfolioEntry"]
    assert created["errors"] == []
    entry = created["entry"]["id"]
    upbringing = await sign_in(TOMSK, "head_of_upbringing")
    control = await sign_in(TOMSK, "deputy_control")

    # When both ask viewer.can about confirming it — as an entry of a portfolio, not
    # saying whose — then confirm it
    asked = {
        who: await _can(client, "portfolio", "approve", entry)
        for who, client in (("upbringing", upbringing), ("control", control))
    }
    by_upbringing = (await upbringing.data(CONFIRM_ENTRY, {"input": {"id": entry}}))[
        "confirmPortfolioEntry"
    ]
    by_control = (await control.data(CONFIRM_ENTRY, {"input": {"id": entry}}))[
        "confirmPortfolioEntry"
    ]

    # Then viewer.can answered on the object the entry is, as the mutation decided: the
    # head of upbringing may not, the deputy for control may, by a portfolio.teacher line
    assert asked["upbringing"]["allowed"] is False
    assert _codes(by_upbringing) == ["FORBIDDEN"]
    assert asked["control"]["allowed"] is True
    assert "portfolio.teacher" in asked["control"]["rule"]
    assert _codes(by_control) == []


async def test_a_thread_is_its_participants_only(db: Any, sign_in: Any) -> None:
    # Given a thread the demo parent started with his child's curator (Altai п. 3.4)
    parent = await sign_in(ALTAI, "parent")
    curator = await sign_in(ALTAI, "curator")
    teacher = await sign_in(ALTAI, "teacher")
    inst = await institution_id(db, ALTAI)
    async with unscoped(db.factory) as s:
        curator_user = await s.scalar(
            select(m.UserAccount.id).where(
                m.UserAccount.institution_id == inst, m.UserAccount.login == "curator"
            )
        )
    started = (
        await parent.data(
            START,
            {
                "input": {
                    "recipient": to_global_id("UserAccount", int(curator_user or 0)),
                    "subject": "Оценка по математике",
                    "body": "Добрый день",
                }
            },
        )
    )["startThread"]
    assert started["errors"] == []
    thread = started["thread"]["id"]

    for client, takes_part in ((parent, True), (curator, True), (teacher, False)):
        # When each asks viewer.can about writing in it and reading it, then does both
        may_write = await _can(client, "message", "create", thread)
        may_read = await _can(client, "message", "read", thread)
        replied = (await client.data(REPLY, {"input": {"thread": thread, "body": "Да"}}))["reply"]
        read = (await client.data(MARK_READ, {"input": {"thread": thread}}))["markThreadRead"]

        # Then a participant may, as the mutations let him; for anyone else the thread
        # is not there, as the mutations answer NOT_FOUND
        if takes_part:
            assert may_write["allowed"] is True
            assert _codes(replied) == []
            assert may_read["allowed"] is True
            assert _codes(read) == []
        else:
            assert may_write is None
            assert _codes(replied) == ["NOT_FOUND"]
            assert may_read is None
            assert _codes(read) == ["NOT_FOUND"]


async def test_an_announcement_is_decided_on_its_audiences_object(sign_in: Any) -> None:
    # Given the Altai curator's announcement for his group, and the deputy director's
    # for another group and for the curator's department (п. 3.4, 4.5, 4.7)
    curator = await sign_in(ALTAI, "curator")
    deputy = await sign_in(ALTAI, "deputy_director")
    own = (await curator.data(CURATED))["viewer"]["employee"]["curatedGroups"][0]
    groups = (await deputy.data(GROUPS))["institution"]["groups"]["nodes"]
    other = next(g["id"] for g in groups if g["id"] != own["id"])
    ids: dict[str, str] = {}
    for name, client, audience in (
        ("own group", curator, {"group": own["id"]}),
        ("other group", deputy, {"group": other}),
        ("department", deputy, {"department": own["department"]["id"]}),
    ):
        payload = {"title": name, "body": name, "startsOn": "2031-03-10", "audience": audience}
        published = (await client.data(PUBLISH, {"input": payload}))["createAnnouncement"]
        assert published["errors"] == [], (name, published)
        ids[name] = published["announcement"]["id"]

    for name, obj in (
        ("own group", "announcement"),
        ("other group", "announcement"),
        ("department", "announcement.department"),
    ):
        # When the curator asks viewer.can about changing and withdrawing each, then tries
        may_update = await _can(curator, obj, "update", ids[name])
        may_delete = await _can(curator, obj, "delete", ids[name])
        updated = (
            await curator.data(UPDATE_ANNOUNCEMENT, {"input": {"id": ids[name], "title": "new"}})
        )["updateAnnouncement"]
        deleted = (await curator.data(DELETE_ANNOUNCEMENT, {"input": {"id": ids[name]}}))[
            "deleteAnnouncement"
        ]

        # Then viewer.can said what the mutations did: his own group's, not the others
        mine = name == "own group"
        assert may_update["allowed"] is mine, (name, may_update)
        assert may_delete["allowed"] is mine, (name, may_delete)
        assert _codes(updated) == ([] if mine else ["FORBIDDEN"]), name
        assert _codes(deleted) == ([] if mine else ["FORBIDDEN"]), name
