"""The timetable: who builds it is the ruleset's; clashes are refused naming the clash;
the weekly grid applies the calendar; lessons are generated onto the right dates."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select, update

from campusgraph.db import models as m
from campusgraph.db.tenancy import unscoped
from campusgraph.ids import from_global_id

TOMSK = "tomsk-technikum-2023"

GROUPS = """
{
  institution {
    rooms { id name }
    groups(first: 50) {
      nodes {
        id name
        students { id }
        timetable {
          id weekday slot validFrom validTo
          discipline { id name } group { id name } teacher { id shortName } room { id name }
        }
      }
    }
  }
}
"""
CREATE = """
mutation ($input: CreateTimetableEntryInput!) {
  createTimetableEntry(input: $input) {
    entry { id kind weekday slot validFrom validTo group { name } room { name } }
    errors { code message field rule clause }
  }
}
"""
UPDATE = """
mutation ($input: UpdateTimetableEntryInput!) {
  updateTimetableEntry(input: $input) {
    entry { id weekday slot }
    errors { code message field }
  }
}
"""
DELETE = """
mutation ($input: DeleteInput!) {
  deleteTimetableEntry(input: $input) { deletedId errors { code message field } }
}
"""
SUBGROUP = """
mutation ($input: CreateSubgroupInput!) {
  createSubgroup(input: $input) { subgroup { id name } errors { code message field } }
}
"""
GRID = """
query ($group: ID, $teacher: ID, $room: ID, $on: Date) {
  timetable(group: $group, teacher: $teacher, room: $room, on: $on) {
    weekStart weekEnd
    days {
      date weekday dayOff lessonsOf movedTo
      cells { slot startsAt endsAt entry { id weekday discipline { name } group { name } } }
    }
  }
}
"""
DAY_OFF = """
mutation ($input: CreateDayOffInput!) {
  createDayOff(input: $input) { dayOff { id date reason } errors { code message field } }
}
"""
TRANSFER = """
mutation ($input: CreateDayTransferInput!) {
  createDayTransfer(input: $input) {
    dayTransfer { id fromDate toDate } errors { code message field }
  }
}
"""
GENERATE = """
mutation ($input: GenerateLessonsInput!) {
  generateLessons(input: $input) {
    created dates alreadyThere notPermitted
    errors { code message field rule }
  }
}
"""
ME = "{ viewer { employee { id } } }"


async def _world(client: Any) -> dict[str, Any]:
    return (await client.data(GROUPS))["institution"]  # type: ignore[no-any-return]


def _entries(world: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for g in world["groups"]["nodes"] for e in g["timetable"]]


def _free_entry(world: dict[str, Any], group: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """An entry in a cell no demo entry uses (colleges study slots 1–4; bells go to 6)."""
    some = group["timetable"][0]
    return {
        "group": group["id"],
        "discipline": some["discipline"]["id"],
        "teacher": some["teacher"]["id"],
        "room": world["rooms"][-1]["id"],
        "weekday": 1,
        "slot": 6,
        "validFrom": "2026-09-01",
        "validTo": "2026-12-28",
        **extra,
    }


async def _count(db: Any, model: Any, *where: Any) -> int:
    async with unscoped(db.factory) as s:
        return int((await s.execute(select(func.count(model.id)).where(*where))).scalar_one())


# -- who builds the timetable ------------------------------------------------------------


@pytest.mark.parametrize(
    ("slug", "login"),
    [
        ("altai-college-2016", "deputy_director"),
        ("armavir-technikum-2025", "secretary_of_studies"),
        (TOMSK, "schedule_dispatcher"),
    ],
)
async def test_the_role_the_regulation_names_builds_the_timetable(
    db: Any, sign_in: Any, slug: str, login: str
) -> None:
    builder = await sign_in(slug, login)
    world = await _world(builder)
    group = world["groups"]["nodes"][0]

    result = (await builder.data(CREATE, {"input": _free_entry(world, group)}))[
        "createTimetableEntry"
    ]

    assert result["errors"] == []
    assert result["entry"]["kind"] == "LESSON"
    assert (result["entry"]["weekday"], result["entry"]["slot"]) == (1, 6)
    assert result["entry"]["group"]["name"] == group["name"]
    _, pk = from_global_id(result["entry"]["id"])
    assert await _count(db, m.TimetableEntry, m.TimetableEntry.id == pk) == 1


@pytest.mark.parametrize(
    ("slug", "login"),
    [
        (TOMSK, "teacher"),
        ("barnaul-school6-2016", "teacher"),
        ("altai-college-2016", "hr_specialist"),
    ],
)
async def test_teachers_and_others_may_not_build_it(
    db: Any, sign_in: Any, slug: str, login: str
) -> None:
    someone = await sign_in(slug, login)
    world = await _world(someone)
    group = next(g for g in world["groups"]["nodes"] if g["timetable"])
    before = await _count(db, m.TimetableEntry)

    result = (await someone.data(CREATE, {"input": _free_entry(world, group)}))[
        "createTimetableEntry"
    ]

    assert result["entry"] is None
    [error] = result["errors"]
    assert error["code"] == "FORBIDDEN"
    assert error["rule"] == "default deny"
    assert await _count(db, m.TimetableEntry) == before


# -- clashes -----------------------------------------------------------------------------


BELLS = "{ institution { bellSchedule { number startsAt endsAt } } }"


async def test_a_room_teacher_and_group_clash_is_refused_naming_each(sign_in: Any) -> None:
    dispatcher = await sign_in(TOMSK, "schedule_dispatcher")
    world = await _world(dispatcher)
    bells = (await dispatcher.data(BELLS))["institution"]["bellSchedule"]
    sixth = next(b for b in bells if b["number"] == 6)
    group_a, group_b = world["groups"]["nodes"][:2]
    teacher_1 = group_a["timetable"][0]["teacher"]
    teacher_2 = next(
        e["teacher"] for e in group_b["timetable"] if e["teacher"]["id"] != teacher_1["id"]
    )
    room_1, room_2 = world["rooms"][-2:]
    discipline = group_a["timetable"][0]["discipline"]
    base = {
        "discipline": discipline["id"],
        "weekday": 1,
        "slot": 6,
        "validFrom": "2026-09-01",
        "validTo": "2026-12-28",
    }
    made = (
        await dispatcher.data(
            CREATE,
            {
                "input": {
                    **base,
                    "group": group_a["id"],
                    "teacher": teacher_1["id"],
                    "room": room_1["id"],
                }
            },
        )
    )["createTimetableEntry"]
    assert made["errors"] == []
    the_entry = (
        f"понедельник, урок № 6 ({sixth['startsAt'][:5]}–{sixth['endsAt'][:5]}): "
        f"«{discipline['name']}», группа «{group_a['name']}», "
        f"преподаватель {teacher_1['shortName']}, аудитория {room_1['name']}; "
        "действует с 01.09.2026 по 28.12.2026."
    )

    async def clash(group: Any, teacher: Any, room: Any) -> list[tuple[str, str, str]]:
        entry = {
            **base,
            "validFrom": "2026-11-30",
            "group": group["id"],
            "teacher": teacher["id"],
            "room": room["id"],
        }
        result = (await dispatcher.data(CREATE, {"input": entry}))["createTimetableEntry"]
        assert result["entry"] is None
        return [(e["code"], e["field"], e["message"]) for e in result["errors"]]

    assert await clash(group_b, teacher_2, room_1) == [
        (
            "CONFLICT",
            "input.room",
            f"Накладка: аудитория «{room_1['name']}» уже занята — {the_entry}",
        )
    ]
    assert await clash(group_b, teacher_1, room_2) == [
        (
            "CONFLICT",
            "input.teacher",
            f"Накладка: преподаватель {teacher_1['shortName']} уже ведёт занятие — {the_entry}",
        )
    ]
    assert await clash(group_a, teacher_2, room_2) == [
        (
            "CONFLICT",
            "input.group",
            f"Накладка: у группы «{group_a['name']}» уже есть занятие — {the_entry}",
        )
    ]
    assert [f for _, f, _ in await clash(group_a, teacher_1, room_1)] == [
        "input.room",
        "input.teacher",
        "input.group",
    ]


async def test_entries_that_do_not_overlap_in_time_do_not_clash(sign_in: Any) -> None:
    dispatcher = await sign_in(TOMSK, "schedule_dispatcher")
    world = await _world(dispatcher)
    taken = next(e for e in _entries(world) if e["room"] is not None)
    second_term = {
        "group": taken["group"]["id"],
        "discipline": taken["discipline"]["id"],
        "teacher": taken["teacher"]["id"],
        "room": taken["room"]["id"],
        "weekday": taken["weekday"],
        "slot": taken["slot"],
        "validFrom": "2027-01-12",
        "validTo": "2027-06-30",
    }

    result = (await dispatcher.data(CREATE, {"input": second_term}))["createTimetableEntry"]

    assert result["errors"] == []
    assert result["entry"]["validFrom"] == "2027-01-12"


async def test_subgroups_of_one_group_share_a_slot_only_when_they_differ(sign_in: Any) -> None:
    dispatcher = await sign_in(TOMSK, "schedule_dispatcher")
    world = await _world(dispatcher)
    group = world["groups"]["nodes"][0]
    discipline = group["timetable"][0]["discipline"]["id"]
    half = len(group["students"]) // 2
    subgroups = []
    for name, members in (
        ("1 подгруппа", group["students"][:half]),
        ("2 подгруппа", group["students"][half:]),
    ):
        made = (
            await dispatcher.data(
                SUBGROUP,
                {
                    "input": {
                        "group": group["id"],
                        "discipline": discipline,
                        "name": name,
                        "members": [s["id"] for s in members],
                    }
                },
            )
        )["createSubgroup"]
        assert made["errors"] == []
        subgroups.append(made["subgroup"]["id"])
    teachers = list({e["teacher"]["id"]: e["teacher"] for e in _entries(world)}.values())
    rooms = world["rooms"]

    def entry(n: int, subgroup: str) -> dict[str, Any]:
        return {
            "group": group["id"],
            "subgroup": subgroup,
            "discipline": discipline,
            "teacher": teachers[n]["id"],
            "room": rooms[-1 - n]["id"],
            "weekday": 2,
            "slot": 6,
            "validFrom": "2026-09-01",
            "validTo": "2026-12-28",
        }

    first = (await dispatcher.data(CREATE, {"input": entry(0, subgroups[0])}))[
        "createTimetableEntry"
    ]
    second = (await dispatcher.data(CREATE, {"input": entry(1, subgroups[1])}))[
        "createTimetableEntry"
    ]
    again = (await dispatcher.data(CREATE, {"input": entry(2, subgroups[0])}))[
        "createTimetableEntry"
    ]
    whole = (
        await dispatcher.data(CREATE, {"input": {**entry(3, subgroups[0]), "subgroup": None}})
    )["createTimetableEntry"]

    assert first["errors"] == []
    assert second["errors"] == []
    assert [(e["code"], e["field"]) for e in again["errors"]] == [("CONFLICT", "input.group")]
    assert "(1 подгруппа)" in again["errors"][0]["message"]
    assert [(e["code"], e["field"]) for e in whole["errors"]] == [
        ("CONFLICT", "input.group"),
        ("CONFLICT", "input.group"),
    ]


async def test_an_update_into_a_taken_cell_is_refused_and_a_delete_frees_it(
    db: Any, sign_in: Any
) -> None:
    dispatcher = await sign_in(TOMSK, "schedule_dispatcher")
    world = await _world(dispatcher)
    group = world["groups"]["nodes"][0]
    taken = group["timetable"][0]
    created = (await dispatcher.data(CREATE, {"input": _free_entry(world, group, room=None)}))[
        "createTimetableEntry"
    ]["entry"]

    moved = (
        await dispatcher.data(
            UPDATE,
            {"input": {"id": created["id"], "weekday": taken["weekday"], "slot": taken["slot"]}},
        )
    )["updateTimetableEntry"]
    gone = (await dispatcher.data(DELETE, {"input": {"id": taken["id"]}}))["deleteTimetableEntry"]
    moved_again = (
        await dispatcher.data(
            UPDATE,
            {"input": {"id": created["id"], "weekday": taken["weekday"], "slot": taken["slot"]}},
        )
    )["updateTimetableEntry"]

    assert moved["entry"] is None
    assert "input.group" in [e["field"] for e in moved["errors"]]
    assert gone == {"deletedId": taken["id"], "errors": []}
    assert moved_again["errors"] == []
    assert (moved_again["entry"]["weekday"], moved_again["entry"]["slot"]) == (
        taken["weekday"],
        taken["slot"],
    )
    assert (
        await _count(db, m.TimetableEntry, m.TimetableEntry.id == from_global_id(taken["id"])[1])
        == 0
    )


async def test_an_exam_sits_on_one_date_and_clashes_with_that_weekdays_lessons(
    sign_in: Any,
) -> None:
    builder = await sign_in("armavir-technikum-2025", "secretary_of_studies")
    world = await _world(builder)
    group = next(g for g in world["groups"]["nodes"] if g["timetable"])
    thursday = next(e for e in group["timetable"] if e["weekday"] == 4)
    exam = {
        "group": group["id"],
        "discipline": thursday["discipline"]["id"],
        "teacher": thursday["teacher"]["id"],
        "kind": "EXAM",
        "slot": thursday["slot"],
        "validFrom": "2026-12-24",
        "validTo": "2026-12-24",
    }

    clash = (await builder.data(CREATE, {"input": exam}))["createTimetableEntry"]
    placed = (await builder.data(CREATE, {"input": {**exam, "slot": 6}}))["createTimetableEntry"]
    two_days = (
        await builder.data(CREATE, {"input": {**exam, "slot": 5, "validTo": "2026-12-25"}})
    )["createTimetableEntry"]

    assert ("CONFLICT", "input.group") in [(e["code"], e["field"]) for e in clash["errors"]]
    assert "четверг" in clash["errors"][0]["message"]
    assert placed["errors"] == []
    assert (placed["entry"]["kind"], placed["entry"]["weekday"]) == ("EXAM", 4)
    assert [(e["code"], e["field"]) for e in two_days["errors"]] == [
        ("VALIDATION", "input.validTo")
    ]


async def test_invalid_entries_name_the_field(db: Any, sign_in: Any) -> None:
    dispatcher = await sign_in(TOMSK, "schedule_dispatcher")
    world = await _world(dispatcher)
    group = world["groups"]["nodes"][0]
    before = await _count(db, m.TimetableEntry)

    result = (
        await dispatcher.data(
            CREATE,
            {
                "input": _free_entry(
                    world, group, weekday=8, slot=9, validFrom="2026-12-28", validTo="2026-12-01"
                )
            },
        )
    )["createTimetableEntry"]

    assert result["entry"] is None
    assert {(e["code"], e["field"]) for e in result["errors"]} == {
        ("VALIDATION", "input.weekday"),
        ("VALIDATION", "input.slot"),
        ("VALIDATION", "input.validTo"),
    }
    slot = next(e for e in result["errors"] if e["field"] == "input.slot")
    assert slot["message"] == "Урока № 9 нет в расписании звонков."
    assert await _count(db, m.TimetableEntry) == before


# -- the weekly grid and generated lessons -------------------------------------------------


async def _calendar(dispatcher: Any) -> None:
    """Wednesday Dec 2 off; Thursday Dec 3's lessons held on Saturday Dec 5."""
    off = (
        await dispatcher.data(
            DAY_OFF, {"input": {"date": "2026-12-02", "reason": "Актированный день (мороз)"}}
        )
    )["createDayOff"]
    moved = (
        await dispatcher.data(
            TRANSFER,
            {"input": {"fromDate": "2026-12-03", "toDate": "2026-12-05", "reason": "Субботник"}},
        )
    )["createDayTransfer"]
    assert off["errors"] == []
    assert moved["errors"] == []


async def test_the_weekly_grid_applies_days_off_and_transfers(sign_in: Any) -> None:
    dispatcher = await sign_in(TOMSK, "schedule_dispatcher")
    await _calendar(dispatcher)
    world = await _world(dispatcher)
    group = world["groups"]["nodes"][0]

    week = (await dispatcher.data(GRID, {"group": group["id"], "on": "2026-12-03"}))["timetable"]

    days = {d["date"]: d for d in week["days"]}
    assert (week["weekStart"], week["weekEnd"]) == ("2026-11-30", "2026-12-06")
    assert days["2026-12-02"]["dayOff"] == "Актированный день (мороз)"
    assert days["2026-12-02"]["cells"] == []
    assert days["2026-12-03"]["movedTo"] == "2026-12-05"
    assert days["2026-12-03"]["cells"] == []
    assert days["2026-12-05"]["lessonsOf"] == "2026-12-03"
    thursday = sorted((e["slot"], e["id"]) for e in group["timetable"] if e["weekday"] == 4)
    assert thursday
    assert [(c["slot"], c["entry"]["id"]) for c in days["2026-12-05"]["cells"]] == thursday
    assert days["2026-12-06"]["cells"] == []
    monday = sorted((e["slot"], e["id"]) for e in group["timetable"] if e["weekday"] == 1)
    assert [(c["slot"], c["entry"]["id"]) for c in days["2026-11-30"]["cells"]] == monday
    assert days["2026-11-30"]["cells"][0]["startsAt"] is not None


async def test_a_student_sees_only_his_own_groups_grid(sign_in: Any) -> None:
    student = await sign_in(TOMSK, "student")
    dispatcher = await sign_in(TOMSK, "schedule_dispatcher")
    own = (await student.data("{ viewer { student { group { id } } } }"))["viewer"]["student"][
        "group"
    ]["id"]
    other = next(g["id"] for g in (await _world(dispatcher))["groups"]["nodes"] if g["id"] != own)

    mine = (await student.data(GRID, {"group": own, "on": "2026-11-30"}))["timetable"]
    theirs = (await student.data(GRID, {"group": other, "on": "2026-11-30"}))["timetable"]

    assert sum(len(d["cells"]) for d in mine["days"]) > 0
    assert sum(len(d["cells"]) for d in theirs["days"]) == 0


async def test_the_grid_wants_exactly_one_of_group_teacher_room(sign_in: Any) -> None:
    dispatcher = await sign_in(TOMSK, "schedule_dispatcher")

    answer = await dispatcher.query(GRID, {})

    assert answer["data"] is None
    assert answer["errors"][0]["extensions"]["code"] == "VALIDATION"


async def test_generated_lessons_land_on_study_days_and_follow_transfers(
    db: Any, sign_in: Any
) -> None:
    dispatcher = await sign_in(TOMSK, "schedule_dispatcher")
    teacher = await sign_in(TOMSK, "teacher")
    await _calendar(dispatcher)
    me = (await teacher.data(ME))["viewer"]["employee"]["id"]
    week = (await teacher.data(GRID, {"teacher": me, "on": "2026-11-30"}))["timetable"]
    held = {d["date"]: d["cells"] for d in week["days"]}
    # The demo teacher teaches on Monday, Tuesday, Thursday and Friday.
    assert all(held[d] for d in ("2026-11-30", "2026-12-01", "2026-12-04", "2026-12-05"))
    range_ = {"from": "2026-11-30", "to": "2026-12-06"}

    first = (await teacher.data(GENERATE, {"input": range_}))["generateLessons"]
    again = (await teacher.data(GENERATE, {"input": range_}))["generateLessons"]

    assert first["errors"] == []
    assert first["dates"] == ["2026-11-30", "2026-12-01", "2026-12-04", "2026-12-05"]
    assert first["created"] > 0
    assert first["notPermitted"] > 0  # other teachers' lessons are theirs to create
    assert (again["created"], again["dates"], again["alreadyThere"]) == (0, [], first["created"])
    async with unscoped(db.factory) as s:
        teacher_id = from_global_id(me)[1]
        rows = (
            await s.execute(
                select(m.Lesson.date, m.Lesson.slot, m.Lesson.discipline_id)
                .where(m.Lesson.date >= dt.date(2026, 11, 30), m.Lesson.teacher_id == teacher_id)
                .order_by(m.Lesson.date, m.Lesson.slot)
            )
        ).all()
    saturday = [(slot, d) for day, slot, d in rows if day == dt.date(2026, 12, 5)]
    expected = sorted((c["slot"], c["entry"]["discipline"]["name"]) for c in held["2026-12-05"])
    async with unscoped(db.factory) as s:
        names = dict((await s.execute(select(m.Discipline.id, m.Discipline.name))).all())
    assert sorted((slot, names[d]) for slot, d in saturday) == expected
    assert {day for day, _, _ in rows} == {
        dt.date(2026, 11, 30),
        dt.date(2026, 12, 1),
        dt.date(2026, 12, 4),
        dt.date(2026, 12, 5),
    }
    assert len(rows) == first["created"]


async def test_no_lessons_in_a_closed_period_or_outside_the_year(db: Any, sign_in: Any) -> None:
    teacher = await sign_in(TOMSK, "teacher")
    async with unscoped(db.factory) as s:
        inst = (
            await s.execute(select(m.Institution.id).where(m.Institution.slug == TOMSK))
        ).scalar_one()
        await s.execute(
            update(m.Period)
            .where(m.Period.institution_id == inst, m.Period.name == "1 семестр")
            .values(closed_at=dt.datetime(2026, 11, 27, tzinfo=dt.UTC))
        )
        await s.commit()
    before = await _count(db, m.Lesson)

    closed = (await teacher.data(GENERATE, {"input": {"from": "2026-11-30", "to": "2026-12-06"}}))[
        "generateLessons"
    ]
    outside = (await teacher.data(GENERATE, {"input": {"from": "2027-06-28", "to": "2027-07-03"}}))[
        "generateLessons"
    ]

    assert [(e["code"], e["field"]) for e in closed["errors"]] == [("VALIDATION", "input.from")]
    assert "«1 семестр»" in closed["errors"][0]["message"]
    assert "закрыт" in closed["errors"][0]["message"]
    assert [(e["code"], e["field"]) for e in outside["errors"]] == [("VALIDATION", "input.to")]
    assert await _count(db, m.Lesson) == before
