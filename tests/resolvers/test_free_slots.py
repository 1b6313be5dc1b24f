"""``freeSlots``: what a timetable builder may place where, by the rule ``createTimetableEntry``
itself refuses with CONFLICT — every slot and room it returns is accepted, every other one
is refused."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from tests.support.client import GraphQLClient

TOMSK = "tomsk-technikum-2023"
#: A Monday of the demo's autumn term (the demo's "today" is Friday 2026-11-27).
DATE = dt.date(2026, 11, 30)

WORLD = """
{
  institution {
    rooms { id name }
    bellSchedule { number }
    groups(first: 50) {
      nodes {
        id name
        timetable {
          id weekday slot validFrom validTo
          discipline { id } teacher { id } room { id }
        }
      }
    }
  }
}
"""
FREE = """
query ($date: Date!, $group: ID!, $teacher: ID!, $subgroup: ID, $until: Date, $moving: ID) {
  freeSlots(date: $date, group: $group, teacher: $teacher, subgroup: $subgroup,
            until: $until, moving: $moving) {
    date until weekday dayOff lessonsOf movedTo
    slots { slot startsAt endsAt rooms { id name } }
  }
}
"""
CREATE = """
mutation ($input: CreateTimetableEntryInput!) {
  createTimetableEntry(input: $input) { entry { id } errors { code field message } }
}
"""
UPDATE = """
mutation ($input: UpdateTimetableEntryInput!) {
  updateTimetableEntry(input: $input) { entry { id } errors { code field message } }
}
"""
DELETE = """
mutation ($input: DeleteInput!) {
  deleteTimetableEntry(input: $input) { deletedId errors { code message } }
}
"""
SUBGROUP = """
mutation ($input: CreateSubgroupInput!) {
  createSubgroup(input: $input) { subgroup { id } errors { code message field } }
}
"""


def _held(group: dict[str, Any], day: dt.date) -> list[dict[str, Any]]:
    """The group's entries on ``day``'s weekday valid that day."""
    iso = day.isoformat()
    return [
        e
        for e in group["timetable"]
        if e["weekday"] == day.isoweekday() and e["validFrom"] <= iso <= e["validTo"]
    ]


async def _free(client: GraphQLClient, **variables: Any) -> dict[int, set[str]]:
    """freeSlots as slot → its free rooms."""
    answer = (await client.data(FREE, {"date": DATE.isoformat(), **variables}))["freeSlots"]
    assert answer["weekday"] == DATE.isoweekday()
    return {s["slot"]: {r["id"] for r in s["rooms"]} for s in answer["slots"]}


async def _try(client: GraphQLClient, entry: dict[str, Any]) -> list[str]:
    """Create the entry and take it back: the codes of the refusal (empty: accepted)."""
    result = (await client.data(CREATE, {"input": entry}))["createTimetableEntry"]
    if result["entry"] is not None:
        deleted = await client.data(DELETE, {"input": {"id": result["entry"]["id"]}})
        assert deleted["deleteTimetableEntry"]["errors"] == []
    return sorted({e["code"] for e in result["errors"]})


async def _agrees(
    client: GraphQLClient,
    free: dict[int, set[str]],
    bells: list[int],
    rooms: list[str],
    entry: dict[str, Any],
) -> tuple[int, int]:
    """Every slot × room (and no room): accepted exactly where ``free`` says. Returns how
    many places were accepted and refused, so the caller can see both sides were tried."""
    accepted = refused = 0
    for slot in bells:
        # A slot left out is taken for the group or the teacher: refused whatever the room.
        places = [None, *rooms] if slot in free else [None]
        for room in places:
            codes = await _try(client, {**entry, "slot": slot, "room": room})
            fits = slot in free and (room is None or room in free[slot])
            assert codes == ([] if fits else ["CONFLICT"]), (slot, room, codes, free.get(slot))
            accepted += fits
            refused += not fits
    return accepted, refused


async def test_every_free_place_is_accepted_and_every_other_refused(
    db: Any, sign_in: Any, sql_counter: Any
) -> None:
    """Given Tomsk's timetable on a Monday (every group studies slots 1–4), another group
    placed in slot 5 in a room and the teacher placed with a third group in slot 6, when
    freeSlots answers for a group and that teacher, then creating the entry in each slot
    and room it returns succeeds, and in each slot or room it leaves out is CONFLICT —
    slots taken by the group and by the teacher, a room taken in a free slot and free
    rooms all among them."""
    dispatcher = await sign_in(TOMSK, "schedule_dispatcher")
    world = (await dispatcher.data(WORLD))["institution"]
    bells = [b["number"] for b in world["bellSchedule"]]
    rooms = [r["id"] for r in world["rooms"]]
    group, other, third = [g for g in world["groups"]["nodes"] if _held(g, DATE)][:3]
    held = _held(group, DATE)
    teacher = Counter(e["teacher"]["id"] for e in held).most_common(1)[0][0]
    discipline = next(e["discipline"]["id"] for e in held if e["teacher"]["id"] == teacher)
    on_date = {
        "weekday": DATE.isoweekday(),
        "validFrom": DATE.isoformat(),
        "validTo": DATE.isoformat(),
    }
    after_hours = sorted(set(bells) - {e["slot"] for e in held})
    assert len(after_hours) >= 2, after_hours
    in_room, with_teacher = after_hours[:2]
    theirs = next(e for e in _held(other, DATE) if e["teacher"]["id"] != teacher)
    for placed in (
        {
            "group": other["id"],
            "discipline": theirs["discipline"]["id"],
            "teacher": theirs["teacher"]["id"],
            "slot": in_room,
            "room": rooms[0],
        },
        {
            "group": third["id"],
            "discipline": _held(third, DATE)[0]["discipline"]["id"],
            "teacher": teacher,
            "slot": with_teacher,
        },
    ):
        made = await dispatcher.data(CREATE, {"input": {**placed, **on_date}})
        assert made["createTimetableEntry"]["errors"] == []

    with sql_counter() as sql:
        free = await _free(dispatcher, group=group["id"], teacher=teacher)
    # the session, the three ids, the calendar (2), bells, rooms, entries: not per slot
    assert sql.count <= 7, str(sql)

    assert set(free) == set(after_hours) - {with_teacher}, free
    assert rooms[0] not in free[in_room]
    assert free[in_room] == set(rooms) - {rooms[0]}
    entry = {"group": group["id"], "discipline": discipline, "teacher": teacher, **on_date}
    accepted, refused = await _agrees(dispatcher, free, bells, rooms, entry)
    assert accepted == sum(len(r) + 1 for r in free.values())
    assert refused == len(bells) - len(free) + 1


async def test_subgroups_share_a_slot_and_a_moved_entry_frees_its_own(
    db: Any, sign_in: Any
) -> None:
    """Given two subgroups of a group and an entry of the first in a slot free for the
    group, when freeSlots is asked for the second subgroup, then that slot is free (its
    room taken) and creation agrees; for the first subgroup and for the whole group it is
    taken. And an entry being moved does not take its own place."""
    dispatcher = await sign_in(TOMSK, "schedule_dispatcher")
    world = (await dispatcher.data(WORLD))["institution"]
    bells = [b["number"] for b in world["bellSchedule"]]
    rooms = [r["id"] for r in world["rooms"]]
    groups = [g for g in world["groups"]["nodes"] if _held(g, DATE)]
    group = min(groups, key=lambda g: len(_held(g, DATE)))
    held = _held(group, DATE)
    teachers = sorted({e["teacher"]["id"] for e in held})
    assert len(teachers) >= 2, teachers
    first_teacher, second_teacher = teachers[:2]
    discipline = next(e["discipline"]["id"] for e in held if e["teacher"]["id"] == first_teacher)
    subgroups = []
    for name in ("Подгруппа 1", "Подгруппа 2"):
        made = (
            await dispatcher.data(
                SUBGROUP,
                {"input": {"group": group["id"], "name": name, "discipline": discipline}},
            )
        )["createSubgroup"]
        assert made["errors"] == []
        subgroups.append(made["subgroup"]["id"])
    one, two = subgroups
    for_one = await _free(dispatcher, group=group["id"], subgroup=one, teacher=first_teacher)
    slot = min(for_one)
    room = sorted(for_one[slot])[0]
    entry = {
        "group": group["id"],
        "discipline": discipline,
        "weekday": DATE.isoweekday(),
        "validFrom": DATE.isoformat(),
        "validTo": DATE.isoformat(),
    }
    placed = (
        await dispatcher.data(
            CREATE,
            {
                "input": {
                    **entry,
                    "subgroup": one,
                    "teacher": first_teacher,
                    "slot": slot,
                    "room": room,
                }
            },
        )
    )["createTimetableEntry"]
    assert placed["errors"] == []

    for_two = await _free(dispatcher, group=group["id"], subgroup=two, teacher=second_teacher)
    assert slot in for_two
    assert room not in for_two[slot]
    assert slot not in await _free(
        dispatcher, group=group["id"], subgroup=one, teacher=second_teacher
    )
    assert slot not in await _free(dispatcher, group=group["id"], teacher=second_teacher)
    accepted, refused = await _agrees(
        dispatcher, for_two, [slot], rooms, {**entry, "subgroup": two, "teacher": second_teacher}
    )
    assert accepted
    assert refused

    # The entry just placed, moved: its own slot and room count as free.
    mine = placed["entry"]["id"]
    moving = await _free(
        dispatcher, group=group["id"], subgroup=one, teacher=first_teacher, moving=mine
    )
    assert slot in moving
    assert room in moving[slot]
    for other in bells:
        result = (
            await dispatcher.data(UPDATE, {"input": {"id": mine, "slot": other, "room": room}})
        )["updateTimetableEntry"]
        fits = other in moving and room in moving[other]
        codes = sorted({e["code"] for e in result["errors"]})
        assert codes == ([] if fits else ["CONFLICT"]), (other, codes)
    back = await dispatcher.data(UPDATE, {"input": {"id": mine, "slot": slot}})
    assert back["updateTimetableEntry"]["errors"] == []


async def test_what_create_refuses_in_any_slot_is_refused(sign_in: Any) -> None:
    """Given a group id for a teacher, an `until` before `date`, and dates past the
    group's academic year, when freeSlots is asked, then it is null with a VALIDATION
    error naming the argument — as createTimetableEntry would refuse every slot."""
    dispatcher = await sign_in(TOMSK, "schedule_dispatcher")
    world = (await dispatcher.data(WORLD))["institution"]
    group = world["groups"]["nodes"][0]
    teacher = group["timetable"][0]["teacher"]["id"]
    cases = [
        ({"group": group["id"], "teacher": group["id"]}, "teacher"),
        ({"group": group["id"], "teacher": teacher, "until": "2026-11-01"}, "until"),
        ({"group": group["id"], "teacher": teacher, "until": "2027-09-06"}, "until"),
        ({"group": group["id"], "teacher": teacher, "date": "2027-09-06"}, "date"),
    ]
    for variables, field in cases:
        answer = await dispatcher.query(FREE, {"date": DATE.isoformat(), **variables})
        assert answer["data"] == {"freeSlots": None}, variables
        [error] = answer["errors"]
        assert (error["extensions"]["code"], error["extensions"]["field"]) == (
            "VALIDATION",
            field,
        )


MY_GROUP = "{ viewer { student { group { id } } } }"


async def test_an_answer_is_made_of_what_the_viewer_may_read(sign_in: Any) -> None:
    """Given another group placed in slot 5 in a room, when the dispatcher (reads the whole
    timetable) and a student (reads his own) ask freeSlots for the student's group and
    its teacher, then the dispatcher is told the room is taken and the student is not:
    entries come through the viewer's `timetable` read filter, as on the grid."""
    dispatcher = await sign_in(TOMSK, "schedule_dispatcher")
    student = await sign_in(TOMSK, "student")
    mine = (await student.data(MY_GROUP))["viewer"]["student"]["group"]["id"]
    world = (await dispatcher.data(WORLD))["institution"]
    rooms = [r["id"] for r in world["rooms"]]
    group = next(g for g in world["groups"]["nodes"] if g["id"] == mine)
    other = next(g for g in world["groups"]["nodes"] if g["id"] != mine and _held(g, DATE))
    teacher = _held(group, DATE)[0]["teacher"]["id"]
    theirs = next(e for e in _held(other, DATE) if e["teacher"]["id"] != teacher)
    slot = max(b["number"] for b in world["bellSchedule"])
    made = await dispatcher.data(
        CREATE,
        {
            "input": {
                "group": other["id"],
                "discipline": theirs["discipline"]["id"],
                "teacher": theirs["teacher"]["id"],
                "slot": slot,
                "room": rooms[0],
                "weekday": DATE.isoweekday(),
                "validFrom": DATE.isoformat(),
                "validTo": DATE.isoformat(),
            }
        },
    )
    assert made["createTimetableEntry"]["errors"] == []

    seen_by_dispatcher = await _free(dispatcher, group=mine, teacher=teacher)
    seen_by_student = await _free(student, group=mine, teacher=teacher)

    assert set(seen_by_student) == set(seen_by_dispatcher)  # his own group's slots he reads
    assert rooms[0] not in seen_by_dispatcher[slot]
    assert rooms[0] in seen_by_student[slot]
