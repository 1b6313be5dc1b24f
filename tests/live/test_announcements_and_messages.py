"""Live announcements and messages over a real WebSocket, read through the same filters as
the queries: a parent's subscription gets his child's group's and department's new
announcements, not another group's or department's (``announcements.readable``); a
thread's participant gets its new message, someone outside it does not (``message``
read). Negatives are proven by commit order: a later event the subscriber may read
arrives first, so the earlier one never reached him. On PostgreSQL the writer and the
subscriber are two workers (NOTIFY/LISTEN)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from campusgraph.db import models as m
from campusgraph.db.tenancy import unscoped
from campusgraph.ids import to_global_id
from tests.live import test_subscriptions as journal
from tests.live.test_subscriptions import ALTAI, Worker, http
from tests.support.journal import institution_id
from tests.support.subscriptions import subscribed

#: The same two workers as the journal's subscriptions (one on SQLite).
workers = journal.workers

ANNOUNCEMENT_UPDATES = """
subscription {
  announcementUpdates {
    ... on AnnouncementChanged {
      action
      announcement { id title audience group { id } }
    }
  }
}
"""
MESSAGE_UPDATES = """
subscription {
  messageUpdates {
    message { id body fromMe }
    thread { id subject startedByMe }
  }
}
"""
PUBLISH = """
mutation ($input: CreateAnnouncementInput!) {
  createAnnouncement(input: $input) { announcement { id } errors { code message } }
}
"""
UPDATE = """
mutation ($input: UpdateAnnouncementInput!) {
  updateAnnouncement(input: $input) { announcement { id } errors { code message } }
}
"""
START = """
mutation ($input: StartThreadInput!) {
  startThread(input: $input) { thread { id } errors { code message } }
}
"""
CHILD_GROUP = "{ viewer { children { group { id } } } }"
STRUCTURE = """
{
  institution {
    departments { id }
    groups(first: 50) { nodes { id department { id } } }
  }
}
"""


async def _publish(client: Any, title: str, audience: dict[str, str]) -> str:
    given = {"title": title, "body": title, "startsOn": "2031-03-10", "audience": audience}
    done = (await client.data(PUBLISH, {"input": given}))["createAnnouncement"]
    assert done["errors"] == [], done
    return str(done["announcement"]["id"])


async def _retitle(client: Any, pk: str, title: str) -> None:
    done = (await client.data(UPDATE, {"input": {"id": pk, "title": title}}))["updateAnnouncement"]
    assert done["errors"] == [], done


async def _user(db: Any, login: str) -> str:
    inst = await institution_id(db, ALTAI)
    ua = m.UserAccount
    async with unscoped(db.factory) as s:
        pk = (
            await s.execute(select(ua.id).where(ua.institution_id == inst, ua.login == login))
        ).scalar_one()
    return str(to_global_id("UserAccount", int(pk)))


async def _start(client: Any, to: str, subject: str) -> str:
    given = {"recipient": to, "subject": subject, "body": f"{subject}: текст"}
    done = (await client.data(START, {"input": given}))["startThread"]
    assert done["errors"] == [], done
    return str(done["thread"]["id"])


async def test_a_parent_gets_his_childs_groups_announcements_not_another_groups(
    workers: tuple[Worker, Worker],
) -> None:
    # given: the parent subscribed; his child's group and department, another of each
    writer, reader = workers
    async with http(writer) as client:
        deputy = await client.as_(ALTAI, "deputy_director")
        parent = await client.as_(ALTAI, "parent")
        own = (await parent.data(CHILD_GROUP))["viewer"]["children"][0]["group"]["id"]
        structure = (await deputy.data(STRUCTURE))["institution"]
        groups = structure["groups"]["nodes"]
        other = next(g["id"] for g in groups if g["id"] != own)
        own_department = next(g["department"]["id"] for g in groups if g["id"] == own)
        other_department = next(
            d["id"] for d in structure["departments"] if d["id"] != own_department
        )
        async with subscribed(
            reader.url, parent.token, ANNOUNCEMENT_UPDATES, listening=reader.listening
        ) as mine:
            # when: the deputy director publishes for another group and department, then
            # for the child's department and group
            theirs = await _publish(deputy, "other group", {"group": other})
            await _publish(deputy, "other department", {"department": other_department})
            department = await _publish(deputy, "own department", {"department": own_department})
            group = await _publish(deputy, "own group", {"group": own})
            # then: the parent's first events are his child's department's and group's
            first = (await mine.next(within=1.0))["announcementUpdates"]
            second = (await mine.next(within=1.0))["announcementUpdates"]
            assert first == {
                "action": "CREATED",
                "announcement": {
                    "id": department,
                    "title": "own department",
                    "audience": "DEPARTMENT",
                    "group": None,
                },
            }
            assert second == {
                "action": "CREATED",
                "announcement": {
                    "id": group,
                    "title": "own group",
                    "audience": "GROUP",
                    "group": {"id": own},
                },
            }
            # and: changes follow the same filter — the other group's change never arrives
            await _retitle(deputy, theirs, "other group, moved")
            await _retitle(deputy, group, "own group, moved")
            changed = (await mine.next(within=1.0))["announcementUpdates"]
            assert changed["action"] == "UPDATED"
            assert changed["announcement"]["title"] == "own group, moved"


async def test_a_participant_gets_the_new_message_a_non_participant_does_not(
    db: Any, workers: tuple[Worker, Worker]
) -> None:
    # given: the child's curator and a teacher subscribed
    writer, reader = workers
    curator_account = await _user(db, "curator")
    async with http(writer) as client:
        parent = await client.as_(ALTAI, "parent")
        curator = await client.as_(ALTAI, "curator")
        teacher = await client.as_(ALTAI, "teacher")
        async with (
            subscribed(
                reader.url, curator.token, MESSAGE_UPDATES, listening=reader.listening
            ) as to_curator,
            subscribed(
                reader.url, teacher.token, MESSAGE_UPDATES, listening=reader.listening
            ) as to_teacher,
        ):
            # when: the parent writes to the curator, then the teacher to the curator
            asked = await _start(parent, curator_account, "Оценка по математике")
            own = await _start(teacher, curator_account, "Расписание")
            # then: the curator gets the parent's message, in its thread
            got = (await to_curator.next(within=1.0))["messageUpdates"]
            assert got["message"]["body"] == "Оценка по математике: текст"
            assert got["message"]["fromMe"] is False
            assert got["thread"] == {
                "id": asked,
                "subject": "Оценка по математике",
                "startedByMe": False,
            }
            # and: the teacher's first event is his own message, written after the parent's
            first = (await to_teacher.next(within=1.0))["messageUpdates"]
            assert first["thread"]["id"] == own
            assert first["message"]["fromMe"] is True
