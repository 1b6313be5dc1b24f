"""Events announced later than the regulation's lead time are in the compliance report
(barnaul п. 5.4: school events and holidays 2 weeks ahead; п. 5.5: a day transfer 3
working days before the day; п. 5.6: class events 1 week ahead), as ruleset data
(``[rules.deadlines]`` ``event_notice_days`` …); a ruleset without them has no such check."""

from __future__ import annotations

import datetime as dt
from typing import Any

from campusgraph.ids import to_global_id
from tests.support.journal import period_id

BARNAUL = "barnaul-school6-2016"
ALTAI = "altai-college-2016"

PUBLISH = """
mutation ($input: CreateAnnouncementInput!) {
  createAnnouncement(input: $input) { announcement { id publishedAt } errors { code message } }
}
"""
CURATED = "{ viewer { employee { curatedGroups { id name } } } }"
REPORT = """
query ($period: ID!) {
  institution {
    compliance(period: $period) {
      checks { kind rule days fromRuleset clause count
               examples { date deadline doneOn groupId groupName teacherName text } }
      byGroup { id counts { lateAnnouncement total } }
    }
  }
}
"""


async def _publish(client: Any, title: str, kind: str, starts_on: dt.date, **more: Any) -> None:
    payload = {"title": title, "body": title, "kind": kind, "startsOn": starts_on.isoformat()}
    published = (await client.data(PUBLISH, {"input": {**payload, **more}}))["createAnnouncement"]
    assert published["errors"] == [], (title, published)


async def _late(client: Any, period: str) -> tuple[Any, Any]:
    """The report's late_announcement check (None: the ruleset has none), and its groups."""
    report = (await client.data(REPORT, {"period": period}))["institution"]["compliance"]
    check = next((c for c in report["checks"] if c["kind"] == "LATE_ANNOUNCEMENT"), None)
    return check, report["byGroup"]


def _titled(check: Any, title: str) -> list[Any]:
    return [e for e in check["examples"] if f"«{title}»" in e["text"]]


async def test_events_announced_later_than_their_lead_time_are_in_barnauls_report(
    db: Any, make_client: Any
) -> None:
    period = to_global_id("Period", await period_id(db, BARNAUL, dt.date(2027, 2, 1), "half_year"))
    # Given, on Monday 1 February, the head teacher announcing the holidays of Thursday the
    # 4th (3 days ahead) and of 22 February (3 weeks ahead), and the class teacher a class
    # meeting of the 4th (3 days ahead)
    async with make_client(today=dt.date(2027, 2, 1)) as client:
        head = await client.as_(BARNAUL, "head_teacher")
        await _publish(head, "Каникулы поздно", "HOLIDAY", dt.date(2027, 2, 4))
        await _publish(head, "Каникулы вовремя", "HOLIDAY", dt.date(2027, 2, 22))
        teacher = await client.as_(BARNAUL, "class_teacher")
        own = (await teacher.data(CURATED))["viewer"]["employee"]["curatedGroups"][0]
        await _publish(
            teacher,
            "Классный час",
            "CLASS_MEETING",
            dt.date(2027, 2, 4),
            audience={"group": own["id"]},
        )
    # and a transfer of Tuesday the 16th's day announced on Wednesday the 10th (4 working
    # days ahead: Thu, Fri, Mon, Tue) and another on Friday the 12th (2: Mon, Tue — over
    # the weekend)
    async with make_client(today=dt.date(2027, 2, 10)) as client:
        head = await client.as_(BARNAUL, "head_teacher")
        await _publish(head, "Перенос вовремя", "DAY_TRANSFER", dt.date(2027, 2, 16))
    async with make_client(today=dt.date(2027, 2, 12)) as client:
        head = await client.as_(BARNAUL, "head_teacher")
        await _publish(head, "Перенос поздно", "DAY_TRANSFER", dt.date(2027, 2, 16))

    # When the head teacher reads the half-year's compliance report on the 17th
    async with make_client(today=dt.date(2027, 2, 17)) as client:
        head = await client.as_(BARNAUL, "head_teacher")
        check, by_group = await _late(head, period)
        english = await head.post(REPORT, {"period": period}, headers={"Accept-Language": "en"})

    # Then the check is the ruleset's, citing п. 5.4
    assert (check["rule"], check["days"], check["fromRuleset"]) == (
        "rules.deadlines.event_notice_days",
        14,
        True,
    )
    assert check["clause"].startswith("п. 5.4: «расписание школьных мероприятий")
    # and lists the holiday, the class meeting and the transfer announced late — each with
    # its own term and clause — and not those announced in time
    [holiday] = _titled(check, "Каникулы поздно")
    assert (holiday["date"], holiday["deadline"], holiday["doneOn"]) == (
        "2027-02-04",
        "2027-01-21",
        "2027-02-01",
    )
    assert holiday["groupId"] is None
    assert holiday["text"].endswith(check["clause"])
    [meeting] = _titled(check, "Классный час")
    assert (meeting["deadline"], meeting["groupId"]) == ("2027-01-28", own["id"])
    assert "п. 5.6" in meeting["text"]
    [transfer] = _titled(check, "Перенос поздно")
    assert (transfer["date"], transfer["deadline"], transfer["doneOn"]) == (
        "2027-02-16",
        "2027-02-11",
        "2027-02-12",
    )
    assert "п. 5.5: «Перенос учебных дней" in transfer["text"]
    assert _titled(check, "Каникулы вовремя") == []
    assert _titled(check, "Перенос вовремя") == []
    assert check["count"] == 3
    # the class meeting counts under its class
    assert [g["counts"]["lateAnnouncement"] for g in by_group if g["id"] == own["id"]] == [1]
    # and reads in English too
    english_check = next(
        c
        for c in english.json()["data"]["institution"]["compliance"]["checks"]
        if c["kind"] == "LATE_ANNOUNCEMENT"
    )
    assert any(
        "«Перенос поздно» (16.02.2027) was published 12.02.2027, due by 11.02.2027" in e["text"]
        for e in english_check["examples"]
    )


async def test_a_ruleset_without_lead_times_has_no_such_check(db: Any, make_client: Any) -> None:
    period = to_global_id("Period", await period_id(db, ALTAI, dt.date(2027, 2, 1), "semester"))
    # Given an Altai holiday announced 3 days ahead (Altai's regulation names no lead time)
    async with make_client(today=dt.date(2027, 2, 1)) as client:
        deputy = await client.as_(ALTAI, "deputy_director")
        await _publish(deputy, "Каникулы поздно", "HOLIDAY", dt.date(2027, 2, 4))

    # When the deputy director reads the semester's compliance report
    async with make_client(today=dt.date(2027, 2, 17)) as client:
        deputy = await client.as_(ALTAI, "deputy_director")
        check, by_group = await _late(deputy, period)

    # Then there is no late-announcement check, and nothing counted as one
    assert check is None
    assert all(g["counts"]["lateAnnouncement"] == 0 for g in by_group)
