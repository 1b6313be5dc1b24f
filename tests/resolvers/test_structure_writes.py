"""Structure and calendar writes: who may is the ruleset's; invalid input names the field;
nothing still referred to is deleted."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from campusgraph.db import models as m
from campusgraph.db.enums import AttestationForm
from campusgraph.db.tenancy import unscoped
from campusgraph.ids import from_global_id

ALTAI, ARMAVIR, TOMSK = "altai-college-2016", "armavir-technikum-2025", "tomsk-technikum-2023"

CATALOGUE = """
{
  institution {
    academicYears { id name startsOn endsOn }
    departments { id name }
    specialities { id code }
    rooms { id name }
    positions { id name }
    disciplines { id name kind }
    groups(first: 50) {
      nodes { id name students { id } timetable { discipline { id } room { id } } }
    }
  }
}
"""
CREATE_GROUP = """
mutation ($input: CreateGroupInput!) {
  createGroup(input: $input) {
    group { id name studyYear department { name } }
    errors { code message field ruleset rule clause }
  }
}
"""
CREATE_DEPARTMENT = """
mutation ($input: CreateDepartmentInput!) {
  createDepartment(input: $input) { department { id name } errors { code message field rule } }
}
"""
CREATE_DISCIPLINE = """
mutation ($input: CreateDisciplineInput!) {
  createDiscipline(input: $input) {
    discipline { id name kind parent { name kind } }
    errors { code message field }
  }
}
"""
DELETE = """
mutation ($input: DeleteInput!) {
  %s(input: $input) { deletedId errors { code message field rule } }
}
"""
CREATE_CURRICULUM = """
mutation ($input: CreateCurriculumInput!) {
  createCurriculum(input: $input) {
    curriculum { id name periodKind }
    errors { code message field }
  }
}
"""
CREATE_SUBGROUP = """
mutation ($input: CreateSubgroupInput!) {
  createSubgroup(input: $input) {
    subgroup { id name members { id } }
    errors { code message field rule }
  }
}
"""
CREATE_ROOM = """
mutation ($input: CreateRoomInput!) {
  createRoom(input: $input) { room { id name capacity } errors { code message field } }
}
"""
CREATE_BELL = """
mutation ($input: CreateBellSlotInput!) {
  createBellSlot(input: $input) { bellSlot { id number } errors { code message field rule } }
}
"""
CREATE_PERIOD = """
mutation ($input: CreatePeriodInput!) {
  createPeriod(input: $input) { period { id name } errors { code message field } }
}
"""
CREATE_DAY_OFF = """
mutation ($input: CreateDayOffInput!) {
  createDayOff(input: $input) { dayOff { id } errors { code message field rule } }
}
"""
CREATE_TRANSFER = """
mutation ($input: CreateDayTransferInput!) {
  createDayTransfer(input: $input) { dayTransfer { id } errors { code message field } }
}
"""


async def _catalogue(client: Any) -> dict[str, Any]:
    return (await client.data(CATALOGUE))["institution"]  # type: ignore[no-any-return]


async def _count(db: Any, model: Any, *where: Any) -> int:
    async with unscoped(db.factory) as s:
        return int((await s.execute(select(func.count(model.id)).where(*where))).scalar_one())


def _fields(result: dict[str, Any]) -> list[tuple[str, str]]:
    return [(e["code"], e["field"]) for e in result["errors"]]


# -- groups and departments: who creates them differs by regulation -------------------------


@pytest.mark.parametrize(
    ("slug", "login"),
    [(ALTAI, "hr_specialist"), (ARMAVIR, "administrator"), (TOMSK, "head_of_studies")],
)
async def test_the_role_the_regulation_names_creates_groups(
    db: Any, sign_in: Any, slug: str, login: str
) -> None:
    staff = await sign_in(slug, login)
    cat = await _catalogue(staff)
    before = await _count(db, m.StudyGroup)

    result = (
        await staff.data(
            CREATE_GROUP,
            {
                "input": {
                    "name": "  ТЕСТ-11  ",
                    "studyYear": 1,
                    "academicYear": cat["academicYears"][0]["id"],
                    "department": cat["departments"][0]["id"],
                    "admissionYear": 2026,
                }
            },
        )
    )["createGroup"]

    assert result["errors"] == []
    assert result["group"]["name"] == "ТЕСТ-11"
    assert result["group"]["department"]["name"] == cat["departments"][0]["name"]
    assert await _count(db, m.StudyGroup) == before + 1
    pk = from_global_id(result["group"]["id"])[1]
    assert (
        await _count(
            db, m.AuditEvent, m.AuditEvent.object_type == "group", m.AuditEvent.object_id == pk
        )
        == 1
    )


@pytest.mark.parametrize(
    ("slug", "login"),
    [(ALTAI, "administrator"), (ARMAVIR, "hr_specialist"), (TOMSK, "schedule_dispatcher")],
)
async def test_other_roles_may_not_create_groups(
    db: Any, sign_in: Any, slug: str, login: str
) -> None:
    staff = await sign_in(slug, login)
    cat = await _catalogue(staff)
    before = await _count(db, m.StudyGroup)

    result = (
        await staff.data(
            CREATE_GROUP,
            {
                "input": {
                    "name": "ТЕСТ-11",
                    "studyYear": 1,
                    "academicYear": cat["academicYears"][0]["id"],
                }
            },
        )
    )["createGroup"]

    assert result["group"] is None
    [error] = result["errors"]
    assert (error["code"], error["ruleset"], error["rule"]) == ("FORBIDDEN", slug, "default deny")
    assert await _count(db, m.StudyGroup) == before


@pytest.mark.parametrize(
    ("slug", "login", "allowed"),
    [
        (ALTAI, "hr_specialist", True),
        (ALTAI, "deputy_director", False),
        (ARMAVIR, "administrator", True),
        (ARMAVIR, "hr_specialist", False),
    ],
)
async def test_departments_are_created_by_the_regulations_role(
    sign_in: Any, slug: str, login: str, allowed: bool
) -> None:
    staff = await sign_in(slug, login)

    result = (await staff.data(CREATE_DEPARTMENT, {"input": {"name": "Отделение дизайна"}}))[
        "createDepartment"
    ]

    if allowed:
        assert result["errors"] == []
        assert result["department"]["name"] == "Отделение дизайна"
    else:
        assert result["department"] is None
        assert [e["code"] for e in result["errors"]] == ["FORBIDDEN"]


async def test_an_invalid_group_names_every_field_and_writes_nothing(db: Any, sign_in: Any) -> None:
    hr = await sign_in(ALTAI, "hr_specialist")
    cat = await _catalogue(hr)
    before = await _count(db, m.StudyGroup)
    year = cat["academicYears"][0]["id"]

    blank = (
        await hr.data(
            CREATE_GROUP,
            {"input": {"name": "   ", "studyYear": 0, "academicYear": year}},
        )
    )["createGroup"]
    taken = (
        await hr.data(
            CREATE_GROUP,
            {
                "input": {
                    "name": cat["groups"]["nodes"][0]["name"],
                    "studyYear": 2,
                    "academicYear": year,
                }
            },
        )
    )["createGroup"]
    wrong_id = (
        await hr.data(
            CREATE_GROUP,
            {"input": {"name": "X-1", "studyYear": 1, "academicYear": year, "department": year}},
        )
    )["createGroup"]

    assert _fields(blank) == [("VALIDATION", "input.name"), ("VALIDATION", "input.studyYear")]
    assert blank["errors"][0]["message"] == "Поле обязательно."
    assert blank["errors"][1]["message"] == "Допустимо от 1 до 11."
    assert _fields(taken) == [("VALIDATION", "input.name")]
    assert taken["errors"][0]["message"] == (
        "Группа с таким названием в этом учебном году уже есть."
    )
    assert _fields(wrong_id) == [("VALIDATION", "input.department")]
    assert await _count(db, m.StudyGroup) == before


# -- disciplines: МДК belong to a ПМ; a referenced discipline stays ------------------------


async def test_an_mdk_needs_its_professional_module(sign_in: Any) -> None:
    methodist = await sign_in(TOMSK, "deputy_methodology")
    cat = await _catalogue(methodist)
    ud = next(d for d in cat["disciplines"] if d["kind"] != "PM")

    module = (
        await methodist.data(
            CREATE_DISCIPLINE,
            {"input": {"name": "Разработка модулей ПО", "kind": "PM", "code": "ПМ.77"}},
        )
    )["createDiscipline"]
    orphan = (
        await methodist.data(
            CREATE_DISCIPLINE, {"input": {"name": "Системное программирование", "kind": "MDK"}}
        )
    )["createDiscipline"]
    wrong_parent = (
        await methodist.data(
            CREATE_DISCIPLINE,
            {"input": {"name": "Системное программирование", "kind": "MDK", "parent": ud["id"]}},
        )
    )["createDiscipline"]
    mdk = (
        await methodist.data(
            CREATE_DISCIPLINE,
            {
                "input": {
                    "name": "Системное программирование",
                    "kind": "MDK",
                    "code": "МДК.77.01",
                    "parent": module["discipline"]["id"],
                }
            },
        )
    )["createDiscipline"]
    same_code = (
        await methodist.data(
            CREATE_DISCIPLINE, {"input": {"name": "Другой", "kind": "PM", "code": "ПМ.77"}}
        )
    )["createDiscipline"]

    assert module["errors"] == []
    assert _fields(orphan) == [("VALIDATION", "input.parent")]
    assert orphan["errors"][0]["message"] == "Для МДК укажите профессиональный модуль (ПМ)."
    assert _fields(wrong_parent) == [("VALIDATION", "input.parent")]
    assert mdk["errors"] == []
    assert mdk["discipline"]["parent"] == {"name": "Разработка модулей ПО", "kind": "PM"}
    assert _fields(same_code) == [("VALIDATION", "input.code")]


async def test_a_discipline_still_referred_to_is_not_deleted(db: Any, sign_in: Any) -> None:
    deputy = await sign_in(ALTAI, "deputy_director")
    cat = await _catalogue(deputy)
    used = cat["groups"]["nodes"][0]["timetable"][0]["discipline"]["id"]
    module = (await deputy.data(CREATE_DISCIPLINE, {"input": {"name": "Модуль", "kind": "PM"}}))[
        "createDiscipline"
    ]["discipline"]
    await deputy.data(
        CREATE_DISCIPLINE,
        {"input": {"name": "Практика", "kind": "PRACTICE", "parent": module["id"]}},
    )
    spare = (
        await deputy.data(CREATE_DISCIPLINE, {"input": {"name": "Факультатив", "kind": "UD"}})
    )["createDiscipline"]["discipline"]

    refused = (await deputy.data(DELETE % "deleteDiscipline", {"input": {"id": used}}))[
        "deleteDiscipline"
    ]
    parent = (await deputy.data(DELETE % "deleteDiscipline", {"input": {"id": module["id"]}}))[
        "deleteDiscipline"
    ]
    deleted = (await deputy.data(DELETE % "deleteDiscipline", {"input": {"id": spare["id"]}}))[
        "deleteDiscipline"
    ]

    assert refused["deletedId"] is None
    assert _fields(refused) == [("VALIDATION", "input.id")]
    assert refused["errors"][0]["message"].startswith("Нельзя удалить: на запись ссылаются ")
    assert "расписание (" in refused["errors"][0]["message"]
    assert "занятия (" in refused["errors"][0]["message"]
    assert parent["errors"][0]["message"] == (
        "Нельзя удалить: на запись ссылаются МДК и практики модуля (1)."
    )
    assert deleted == {"deletedId": spare["id"], "errors": []}
    assert await _count(db, m.Discipline, m.Discipline.id == from_global_id(used)[1]) == 1
    assert await _count(db, m.Discipline, m.Discipline.id == from_global_id(spare["id"])[1]) == 0


# -- curricula ---------------------------------------------------------------------------


async def test_a_curriculum_is_written_with_its_items(db: Any, sign_in: Any) -> None:
    deputy = await sign_in(ALTAI, "deputy_director")
    cat = await _catalogue(deputy)
    first, second = cat["disciplines"][:2]
    item = {"studyYear": 1, "term": 1, "hours": 72, "attestationForm": "EXAM"}

    bad = (
        await deputy.data(
            CREATE_CURRICULUM,
            {
                "input": {
                    "name": "План 2027",
                    "admissionYear": 2027,
                    "periodKind": "SEMESTER",
                    "items": [
                        {**item, "discipline": first["id"]},
                        {**item, "discipline": second["id"], "term": 3},
                        {**item, "discipline": first["id"], "hours": 0},
                    ],
                }
            },
        )
    )["createCurriculum"]
    good = (
        await deputy.data(
            CREATE_CURRICULUM,
            {
                "input": {
                    "name": "План 2027",
                    "admissionYear": 2027,
                    "periodKind": "SEMESTER",
                    "items": [
                        {**item, "discipline": first["id"]},
                        {
                            **item,
                            "discipline": second["id"],
                            "term": 2,
                            "attestationForm": "CREDIT",
                        },
                    ],
                }
            },
        )
    )["createCurriculum"]

    assert bad["curriculum"] is None
    assert _fields(bad) == [
        ("VALIDATION", "input.items[1].term"),
        ("VALIDATION", "input.items[2].hours"),
        ("VALIDATION", "input.items[2].discipline"),
    ]
    assert good["errors"] == []
    assert good["curriculum"]["periodKind"] == "SEMESTER"
    # No `curriculum` read for the deputy in this ruleset: the items are checked in the table.
    async with unscoped(db.factory) as s:
        items = (
            await s.execute(
                select(
                    m.CurriculumItem.discipline_id,
                    m.CurriculumItem.study_year,
                    m.CurriculumItem.term,
                    m.CurriculumItem.hours,
                    m.CurriculumItem.attestation_form,
                )
                .where(
                    m.CurriculumItem.curriculum_id == from_global_id(good["curriculum"]["id"])[1]
                )
                .order_by(m.CurriculumItem.term)
            )
        ).all()
    assert [tuple(i) for i in items] == [
        (from_global_id(first["id"])[1], 1, 1, 72, AttestationForm.EXAM),
        (from_global_id(second["id"])[1], 1, 2, 72, AttestationForm.CREDIT),
    ]


# -- subgroups ---------------------------------------------------------------------------


async def test_subgroup_members_come_from_the_group_only(db: Any, sign_in: Any) -> None:
    secretary = await sign_in(ARMAVIR, "secretary_of_studies")
    cat = await _catalogue(secretary)
    group, other = cat["groups"]["nodes"][:2]
    discipline = group["timetable"][0]["discipline"]["id"]
    mine = [s["id"] for s in group["students"][:3]]

    refused = (
        await secretary.data(
            CREATE_SUBGROUP,
            {
                "input": {
                    "group": group["id"],
                    "discipline": discipline,
                    "name": "1 подгруппа",
                    "members": [mine[0], other["students"][0]["id"]],
                }
            },
        )
    )["createSubgroup"]
    made = (
        await secretary.data(
            CREATE_SUBGROUP,
            {
                "input": {
                    "group": group["id"],
                    "discipline": discipline,
                    "name": "1 подгруппа",
                    "members": mine,
                }
            },
        )
    )["createSubgroup"]

    assert _fields(refused) == [("VALIDATION", "input.members[1]")]
    assert refused["errors"][0]["message"] == f"Обучающийся не состоит в группе «{group['name']}»."
    assert made["errors"] == []
    assert sorted(s["id"] for s in made["subgroup"]["members"]) == sorted(mine)
    # The secretary forms subgroups but has no `subgroup` read: the row is checked in the table.
    async with unscoped(db.factory) as s:
        row = (
            await s.execute(
                select(m.Subgroup).where(m.Subgroup.id == from_global_id(made["subgroup"]["id"])[1])
            )
        ).scalar_one()
    assert (row.group_id, row.discipline_id, row.name) == (
        from_global_id(group["id"])[1],
        from_global_id(discipline)[1],
        "1 подгруппа",
    )


async def test_a_teacher_splits_only_a_group_he_teaches(sign_in: Any) -> None:
    teacher = await sign_in(ALTAI, "teacher")
    taught = (
        await teacher.data(
            "{ viewer { employee { teachingAssignments { group { id } discipline { id } } } } }"
        )
    )["viewer"]["employee"]["teachingAssignments"][0]
    hr = await sign_in(ALTAI, "hr_specialist")
    others = [
        g["id"]
        for g in (await _catalogue(hr))["groups"]["nodes"]
        if g["id"] != taught["group"]["id"]
    ]
    teaches = set()
    for a in (
        await teacher.data("{ viewer { employee { teachingAssignments { group { id } } } } }")
    )["viewer"]["employee"]["teachingAssignments"]:
        teaches.add(a["group"]["id"])
    foreign = next(g for g in others if g not in teaches)

    own = (
        await teacher.data(
            CREATE_SUBGROUP,
            {"input": {"group": taught["group"]["id"], "name": "Английский, 1 подгруппа"}},
        )
    )["createSubgroup"]
    theirs = (
        await teacher.data(CREATE_SUBGROUP, {"input": {"group": foreign, "name": "1 подгруппа"}})
    )["createSubgroup"]

    assert own["errors"] == []
    assert [e["code"] for e in theirs["errors"]] == ["FORBIDDEN"]


# -- rooms, positions ----------------------------------------------------------------------


async def test_a_room_in_use_is_not_deleted_and_a_new_one_is(db: Any, sign_in: Any) -> None:
    admin = await sign_in(ALTAI, "administrator")
    cat = await _catalogue(admin)
    used = cat["groups"]["nodes"][0]["timetable"][0]["room"]["id"]

    zero = (await admin.data(CREATE_ROOM, {"input": {"name": "Коворкинг", "capacity": 0}}))[
        "createRoom"
    ]
    duplicate = (await admin.data(CREATE_ROOM, {"input": {"name": cat["rooms"][0]["name"]}}))[
        "createRoom"
    ]
    new = (await admin.data(CREATE_ROOM, {"input": {"name": "Коворкинг", "capacity": 40}}))[
        "createRoom"
    ]
    refused = (await admin.data(DELETE % "deleteRoom", {"input": {"id": used}}))["deleteRoom"]
    deleted = (await admin.data(DELETE % "deleteRoom", {"input": {"id": new["room"]["id"]}}))[
        "deleteRoom"
    ]

    assert _fields(zero) == [("VALIDATION", "input.capacity")]
    assert _fields(duplicate) == [("VALIDATION", "input.name")]
    assert new["room"] == {"id": new["room"]["id"], "name": "Коворкинг", "capacity": 40}
    assert _fields(refused) == [("VALIDATION", "input.id")]
    assert "расписание" in refused["errors"][0]["message"]
    assert deleted["errors"] == []
    assert await _count(db, m.Room, m.Room.id == from_global_id(used)[1]) == 1


async def test_a_position_someone_holds_is_not_deleted(sign_in: Any) -> None:
    admin = await sign_in(ARMAVIR, "administrator")
    held = (await _catalogue(admin))["positions"][0]

    refused = (await admin.data(DELETE % "deletePosition", {"input": {"id": held["id"]}}))[
        "deletePosition"
    ]

    assert _fields(refused) == [("VALIDATION", "input.id")]
    assert "сотрудники на должности (" in refused["errors"][0]["message"]


# -- the calendar ------------------------------------------------------------------------


async def test_bell_slots_do_not_overlap(sign_in: Any) -> None:
    dispatcher = await sign_in(TOMSK, "schedule_dispatcher")
    bells = (await dispatcher.data("{ institution { bellSchedule { number startsAt endsAt } } }"))[
        "institution"
    ]["bellSchedule"]
    last = bells[-1]

    overlapping = (
        await dispatcher.data(
            CREATE_BELL,
            {"input": {"number": 7, "startsAt": last["startsAt"], "endsAt": "23:00:00"}},
        )
    )["createBellSlot"]
    backwards = (
        await dispatcher.data(
            CREATE_BELL, {"input": {"number": 7, "startsAt": "23:00:00", "endsAt": "22:00:00"}}
        )
    )["createBellSlot"]
    fine = (
        await dispatcher.data(
            CREATE_BELL, {"input": {"number": 7, "startsAt": "22:00:00", "endsAt": "22:45:00"}}
        )
    )["createBellSlot"]

    assert _fields(overlapping) == [("VALIDATION", "input.startsAt")]
    assert overlapping["errors"][0]["message"] == (
        f"Пересекается с уроком № {last['number']} ({last['startsAt'][:5]}–{last['endsAt'][:5]})."
    )
    assert _fields(backwards) == [("VALIDATION", "input.endsAt")]
    assert fine["errors"] == []
    assert fine["bellSlot"]["number"] == 7


async def test_periods_lie_inside_their_year_and_do_not_overlap_their_kind(
    sign_in: Any,
) -> None:
    dispatcher = await sign_in(TOMSK, "schedule_dispatcher")
    year = (await _catalogue(dispatcher))["academicYears"][0]
    base = {"academicYear": year["id"], "kind": "QUARTER", "name": "1 четверть"}

    outside = (
        await dispatcher.data(
            CREATE_PERIOD,
            {"input": {**base, "number": 1, "startsOn": "2026-09-01", "endsOn": "2027-08-01"}},
        )
    )["createPeriod"]
    first = (
        await dispatcher.data(
            CREATE_PERIOD,
            {"input": {**base, "number": 1, "startsOn": "2026-09-01", "endsOn": "2026-10-24"}},
        )
    )["createPeriod"]
    overlapping = (
        await dispatcher.data(
            CREATE_PERIOD,
            {
                "input": {
                    **base,
                    "number": 2,
                    "name": "2 четверть",
                    "startsOn": "2026-10-20",
                    "endsOn": "2026-12-27",
                }
            },
        )
    )["createPeriod"]

    assert _fields(outside) == [("VALIDATION", "input.endsOn")]
    assert year["name"] in outside["errors"][0]["message"]
    assert first["errors"] == []
    assert _fields(overlapping) == [("VALIDATION", "input.startsOn")]
    assert overlapping["errors"][0]["message"] == (
        "Пересекается с периодом «1 четверть» (01.09.2026–24.10.2026)."
    )


async def test_days_off_and_transfers_are_checked(sign_in: Any) -> None:
    dispatcher = await sign_in(TOMSK, "schedule_dispatcher")

    off = (
        await dispatcher.data(
            CREATE_DAY_OFF, {"input": {"date": "2026-12-02", "reason": "Актированный день"}}
        )
    )["createDayOff"]
    twice = (
        await dispatcher.data(CREATE_DAY_OFF, {"input": {"date": "2026-12-02", "reason": "Ещё"}})
    )["createDayOff"]
    no_reason = (
        await dispatcher.data(CREATE_DAY_OFF, {"input": {"date": "2026-12-09", "reason": " "}})
    )["createDayOff"]
    from_saturday = (
        await dispatcher.data(
            CREATE_TRANSFER, {"input": {"fromDate": "2026-12-05", "toDate": "2026-12-07"}}
        )
    )["createDayTransfer"]
    onto_day_off = (
        await dispatcher.data(
            CREATE_TRANSFER, {"input": {"fromDate": "2026-12-03", "toDate": "2026-12-02"}}
        )
    )["createDayTransfer"]

    assert off["errors"] == []
    assert _fields(twice) == [("VALIDATION", "input.date")]
    assert twice["errors"][0]["message"] == "02.12.2026 уже выходной."
    assert _fields(no_reason) == [("VALIDATION", "input.reason")]
    assert _fields(from_saturday) == [("VALIDATION", "input.fromDate")]
    assert _fields(onto_day_off) == [("VALIDATION", "input.toDate")]


@pytest.mark.parametrize(
    ("slug", "login", "allowed"),
    [
        (TOMSK, "schedule_dispatcher", True),
        (ARMAVIR, "administrator", True),
        (TOMSK, "teacher", False),
    ],
)
async def test_the_calendar_is_kept_by_the_regulations_role(
    sign_in: Any, slug: str, login: str, allowed: bool
) -> None:
    staff = await sign_in(slug, login)

    result = (
        await staff.data(CREATE_DAY_OFF, {"input": {"date": "2026-12-02", "reason": "Мороз"}})
    )["createDayOff"]

    assert [e["code"] for e in result["errors"]] == ([] if allowed else ["FORBIDDEN"])


UPDATE_GROUP = """
mutation ($input: UpdateGroupInput!) {
  updateGroup(input: $input) {
    group { name studyYear department { name } }
    errors { code message field }
  }
}
"""


async def test_an_update_changes_only_what_is_given_and_null_clears_a_reference(
    sign_in: Any,
) -> None:
    admin = await sign_in(ARMAVIR, "administrator")
    cat = await _catalogue(admin)
    made = (
        await admin.data(
            CREATE_GROUP,
            {
                "input": {
                    "name": "ТЕСТ-21",
                    "studyYear": 1,
                    "academicYear": cat["academicYears"][0]["id"],
                    "department": cat["departments"][0]["id"],
                }
            },
        )
    )["createGroup"]["group"]

    renamed = (await admin.data(UPDATE_GROUP, {"input": {"id": made["id"], "name": "ТЕСТ-22"}}))[
        "updateGroup"
    ]
    cleared = (await admin.data(UPDATE_GROUP, {"input": {"id": made["id"], "department": None}}))[
        "updateGroup"
    ]
    invalid = (await admin.data(UPDATE_GROUP, {"input": {"id": made["id"], "studyYear": 12}}))[
        "updateGroup"
    ]

    assert renamed["group"] == {
        "name": "ТЕСТ-22",
        "studyYear": 1,
        "department": {"name": cat["departments"][0]["name"]},
    }
    assert cleared["group"] == {"name": "ТЕСТ-22", "studyYear": 1, "department": None}
    assert _fields(invalid) == [("VALIDATION", "input.studyYear")]
