"""Movement orders: who may issue them is the ruleset's; group membership, the student's
status and his accounts follow from the orders; marks stay with the student; a bad order
writes nothing."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, insert, select

from campusgraph.db import models as m
from campusgraph.db.tenancy import unscoped
from campusgraph.ids import from_global_id, to_global_id

ISSUE = """
mutation ($input: IssueMovementOrderInput!) {
  issueMovementOrder(input: $input) {
    order {
      id number kind signedOn effectiveOn
      items { student { id status } fromGroup { name } toGroup { name } }
    }
    errors { code message field ruleset rule clause }
  }
}
"""
CREATE_CARD = """
mutation ($input: CreateStudentCardInput!) {
  createStudentCard(input: $input) { student { id status } errors { code message } }
}
"""
WHERE = """
query ($a: ID!, $b: ID!, $student: ID!, $on: Date!) {
  a: node(id: $a) { ... on Group { students(on: $on) { id } } }
  b: node(id: $b) { ... on Group { students(on: $on) { id } } }
  student: node(id: $student) { ... on Student { status group(on: $on) { name } } }
}
"""
HISTORY = """
query ($student: ID!) {
  node(id: $student) {
    ... on Student {
      memberships {
        group { name } from until orderNumber endOrderNumber
        startOrder { kind } endOrder { kind }
      }
    }
  }
}
"""
JOURNAL = """
query ($group: ID!, $discipline: ID!, $period: ID!) {
  journal(group: $group, discipline: $discipline, period: $period) {
    columns { workId }
    rows { studentId marks inGroupFrom inGroupUntil }
  }
}
"""
ORDERS = """
query ($kind: MovementKind, $from: Date, $to: Date) {
  movementOrders(first: 50, kind: $kind, from: $from, to: $to) {
    totalCount
    nodes { id number kind effectiveOn items { student { id } fromGroup { name } toGroup { name } } }
  }
}
"""
LOGIN = """
mutation ($institution: String!, $login: String!) {
  login(input: {institution: $institution, login: $login, password: "demo"}) {
    token errors { code message }
  }
}
"""

ALTAI = "altai-college-2016"
SEMESTER_1 = dt.date(2026, 9, 1)


async def _institution(s: Any, slug: str) -> int:
    return int(
        (await s.execute(select(m.Institution.id).where(m.Institution.slug == slug))).scalar_one()
    )


async def _groups(db: Any, slug: str) -> dict[str, int]:
    async with unscoped(db.factory) as s:
        inst = await _institution(s, slug)
        rows = await s.execute(
            select(m.StudyGroup.name, m.StudyGroup.id).where(m.StudyGroup.institution_id == inst)
        )
        return {str(name): int(pk) for name, pk in rows.all()}


async def _first_student(db: Any, group_id: int) -> int:
    gm = m.GroupMembership
    async with unscoped(db.factory) as s:
        return int(
            (
                await s.execute(
                    select(gm.student_id)
                    .where(gm.group_id == group_id, gm.ends_on.is_(None))
                    .order_by(gm.student_id)
                    .limit(1)
                )
            ).scalar_one()
        )


async def _counts(db: Any) -> tuple[int, int, int]:
    async with unscoped(db.factory) as s:
        return (
            int((await s.execute(select(func.count(m.MovementOrder.id)))).scalar_one()),
            int((await s.execute(select(func.count(m.GroupMembership.id)))).scalar_one()),
            int(
                (
                    await s.execute(
                        select(func.count(m.AuditEvent.id)).where(
                            m.AuditEvent.object_type == "movement_order"
                        )
                    )
                ).scalar_one()
            ),
        )


def _gid(kind: str, pk: int) -> str:
    return to_global_id(kind, pk)


def _pk(gid: str) -> int:
    return from_global_id(gid)[1]


def _order(
    kind: str, number: str, signed: str, effective: str, *items: dict[str, Any]
) -> dict[str, Any]:
    return {
        "input": {
            "kind": kind,
            "number": number,
            "signedOn": signed,
            "effectiveOn": effective,
            "items": list(items),
        }
    }


async def _issue(client: Any, variables: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = (await client.data(ISSUE, variables))["issueMovementOrder"]
    return result


async def _where(
    client: Any, a: int, b: int, student: str, on: dt.date
) -> tuple[list[str], str | None, str]:
    """Which of groups a, b the student is in on a date, his group by `student.group`, status."""
    found = await client.data(
        WHERE, {"a": _gid("Group", a), "b": _gid("Group", b), "student": student, "on": str(on)}
    )
    groups = [name for name in ("a", "b") if {"id": student} in found[name]["students"]]
    group = found["student"]["group"]
    return groups, group["name"] if group else None, found["student"]["status"]


async def _mark_in_september(db: Any, group_id: int, student_pk: int) -> tuple[int, int, int]:
    """Give the student a «5» for a September work of his first group (there is no setMark
    mutation yet): returns (discipline, work, period)."""
    async with unscoped(db.factory, write=True) as s:
        work = (
            await s.execute(
                select(m.Work)
                .where(
                    m.Work.group_id == group_id,
                    m.Work.date >= dt.date(2026, 9, 7),
                    m.Work.date <= dt.date(2026, 9, 25),
                )
                .order_by(m.Work.date, m.Work.id)
                .limit(1)
            )
        ).scalar_one()
        await s.execute(
            insert(m.Mark).values(
                institution_id=work.institution_id,
                work_id=work.id,
                lesson_id=work.lesson_id,
                student_id=student_pk,
                group_id=group_id,
                discipline_id=work.discipline_id,
                date=work.date,
                value="5",
            )
        )
        period = (
            await s.execute(
                select(m.Period.id).where(
                    m.Period.institution_id == work.institution_id,
                    m.Period.kind == "semester",
                    m.Period.starts_on == SEMESTER_1,
                )
            )
        ).scalar_one()
        await s.commit()
        return work.discipline_id, work.id, period


async def _any_discipline_of(db: Any, group_id: int) -> int:
    async with unscoped(db.factory) as s:
        return int(
            (
                await s.execute(
                    select(m.Lesson.discipline_id)
                    .where(m.Lesson.group_id == group_id, m.Lesson.date >= dt.date(2026, 10, 1))
                    .order_by(m.Lesson.date, m.Lesson.id)
                    .limit(1)
                )
            ).scalar_one()
        )


async def test_enrol_transfer_leave_return_expel_moves_the_student_and_his_marks_stay(
    db: Any, sign_in: Any
) -> None:
    hr = await sign_in(ALTAI, "hr_specialist")
    deputy = await sign_in(ALTAI, "deputy_director")
    groups = await _groups(db, ALTAI)
    first, second = groups["ИС-11"], groups["ИС-21"]
    card = await hr.data(
        CREATE_CARD,
        {
            "input": {
                "surname": "Пахомов",
                "name": "Кирилл",
                "birthDate": "2010-05-02",
                "sex": "MALE",
            }
        },
    )
    student = card["createStudentCard"]["student"]["id"]
    student_pk = _pk(student)
    item = {"student": student}

    enrolled = await _issue(
        hr,
        _order(
            "ENROLMENT",
            "101-к",
            "2026-08-28",
            "2026-09-01",
            {**item, "toGroup": _gid("Group", first)},
        ),
    )
    assert enrolled["errors"] == []
    assert enrolled["order"]["items"] == [
        {
            "student": {"id": student, "status": "STUDYING"},
            "fromGroup": None,
            "toGroup": {"name": "ИС-11"},
        }
    ]
    discipline, work, period = await _mark_in_september(db, first, student_pk)

    transferred = await _issue(
        hr,
        _order(
            "TRANSFER",
            "215-к",
            "2026-09-29",
            "2026-10-01",
            {**item, "fromGroup": _gid("Group", first), "toGroup": _gid("Group", second)},
        ),
    )
    assert transferred["errors"] == []
    assert transferred["order"]["items"][0]["fromGroup"] == {"name": "ИС-11"}
    new_journal = (
        await deputy.data(
            JOURNAL,
            {
                "group": _gid("Group", second),
                "discipline": _gid("Discipline", await _any_discipline_of(db, second)),
                "period": _gid("Period", period),
            },
        )
    )["journal"]
    [row] = [r for r in new_journal["rows"] if r["studentId"] == student]
    assert (row["inGroupFrom"], row["inGroupUntil"]) == ("2026-10-01", None)
    assert all(v is None for v in row["marks"])

    on_leave = await _issue(hr, _order("ACADEMIC_LEAVE", "240-к", "2026-10-19", "2026-10-20", item))
    assert on_leave["errors"] == []
    assert on_leave["order"]["items"] == [
        {
            "student": {"id": student, "status": "ACADEMIC_LEAVE"},
            "fromGroup": {"name": "ИС-21"},
            "toGroup": None,
        }
    ]
    back = await _issue(hr, _order("RETURN", "260-к", "2026-10-30", "2026-11-02", item))
    assert back["errors"] == []
    assert back["order"]["items"][0]["toGroup"] == {"name": "ИС-21"}, "returns where he left"
    assert back["order"]["items"][0]["student"]["status"] == "STUDYING"
    expelled = await _issue(hr, _order("EXPULSION", "281-к", "2026-11-19", "2026-11-20", item))
    assert expelled["errors"] == []
    assert expelled["order"]["items"][0]["student"]["status"] == "EXPELLED"

    expected = {
        dt.date(2026, 8, 31): ([], None, "EXPELLED"),
        dt.date(2026, 9, 1): (["a"], "ИС-11", "EXPELLED"),
        dt.date(2026, 9, 30): (["a"], "ИС-11", "EXPELLED"),
        dt.date(2026, 10, 1): (["b"], "ИС-21", "EXPELLED"),
        dt.date(2026, 10, 19): (["b"], "ИС-21", "EXPELLED"),
        dt.date(2026, 10, 20): ([], None, "EXPELLED"),  # on leave: in no group
        dt.date(2026, 11, 1): ([], None, "EXPELLED"),
        dt.date(2026, 11, 2): (["b"], "ИС-21", "EXPELLED"),
        dt.date(2026, 11, 19): (["b"], "ИС-21", "EXPELLED"),
        dt.date(2026, 11, 20): ([], None, "EXPELLED"),
        dt.date(2026, 11, 27): ([], None, "EXPELLED"),
    }
    for day, answer in expected.items():
        assert await _where(hr, first, second, student, day) == answer, day

    history = (await hr.data(HISTORY, {"student": student}))["node"]["memberships"]
    assert history == [
        {
            "group": {"name": "ИС-11"},
            "from": "2026-09-01",
            "until": "2026-10-01",
            "orderNumber": "101-к",
            "endOrderNumber": "215-к",
            "startOrder": {"kind": "ENROLMENT"},
            "endOrder": {"kind": "TRANSFER"},
        },
        {
            "group": {"name": "ИС-21"},
            "from": "2026-10-01",
            "until": "2026-10-20",
            "orderNumber": "215-к",
            "endOrderNumber": "240-к",
            "startOrder": {"kind": "TRANSFER"},
            "endOrder": {"kind": "ACADEMIC_LEAVE"},
        },
        {
            "group": {"name": "ИС-21"},
            "from": "2026-11-02",
            "until": "2026-11-20",
            "orderNumber": "260-к",
            "endOrderNumber": "281-к",
            "startOrder": {"kind": "RETURN"},
            "endOrder": {"kind": "EXPULSION"},
        },
    ]

    old_journal = (
        await deputy.data(
            JOURNAL,
            {
                "group": _gid("Group", first),
                "discipline": _gid("Discipline", discipline),
                "period": _gid("Period", period),
            },
        )
    )["journal"]
    [row] = [r for r in old_journal["rows"] if r["studentId"] == student]
    column = [c["workId"] for c in old_journal["columns"]].index(_gid("Work", work))
    assert row["marks"][column] == "5"
    assert (row["inGroupFrom"], row["inGroupUntil"]) == ("2026-09-01", "2026-10-01")
    async with unscoped(db.factory) as s:
        kept = (
            await s.execute(
                select(m.Mark.value, m.Mark.group_id).where(m.Mark.student_id == student_pk)
            )
        ).all()
    assert [tuple(r) for r in kept] == [("5", first)]


async def test_the_expelled_student_cannot_sign_in_after_the_effective_date(
    db: Any, client: Any, sign_in: Any
) -> None:
    student = await sign_in(ALTAI, "student")
    me = (await student.data("query { viewer { student { id group { id name } } } }"))["viewer"]
    student_id, group = me["student"]["id"], me["student"]["group"]
    hr = await sign_in(ALTAI, "hr_specialist")

    result = await _issue(
        hr,
        _order(
            "EXPULSION",
            "290-к",
            "2026-11-19",
            "2026-11-20",
            {"student": student_id, "fromGroup": group["id"]},
        ),
    )

    assert result["errors"] == []
    refused = await student.query("query { viewer { login } }")
    assert refused["data"] is None
    assert refused["errors"][0]["extensions"]["reason"] == "TOKEN_REVOKED"
    again = (await client.data(LOGIN, {"institution": ALTAI, "login": "student"}))["login"]
    assert again["token"] is None
    assert again["errors"][0]["message"] == "Учётная запись отключена."
    async with unscoped(db.factory) as s:
        disabled = (
            await s.execute(
                select(m.UserAccount.disabled_at)
                .join(m.Institution, m.Institution.id == m.UserAccount.institution_id)
                .where(m.Institution.slug == ALTAI, m.UserAccount.login == "student")
            )
        ).scalar_one()
    assert disabled is not None
    assert disabled.date() == dt.date(2026, 11, 20)
    group_pk = _pk(group["id"])
    before, _, _ = await _where(hr, group_pk, group_pk, student_id, dt.date(2026, 11, 19))
    after, _, status = await _where(hr, group_pk, group_pk, student_id, dt.date(2026, 11, 20))
    assert (before, after, status) == (["a", "b"], [], "EXPELLED")


@pytest.mark.parametrize(
    ("slug", "login", "source", "target"),
    [
        (ALTAI, "hr_specialist", "ИС-11", "ТМ-11"),
        ("armavir-technikum-2025", "administrator", "ПК-11", "ТГ-11"),
        ("tomsk-technikum-2023", "head_of_studies", "ИСП-11", "ЭБ-11"),
        ("barnaul-school6-2016", "secretary", "5А", "6А"),
        ("barnaul-school6-2016", "head_teacher", "7А", "8А"),
        ("barnaul-school6-2016", "administrator", "3А", "4А"),
        ("nshds12-2021", "system_admin", "1А", "1Б"),
        ("nshds12-2021", "secretary", "2А", "2Б"),
    ],
)
async def test_the_roles_the_regulations_name_issue_orders(
    db: Any, sign_in: Any, slug: str, login: str, source: str, target: str
) -> None:
    staff = await sign_in(slug, login)
    groups = await _groups(db, slug)
    student = _gid("Student", await _first_student(db, groups[source]))
    before = await _counts(db)

    result = await _issue(
        staff,
        _order(
            "TRANSFER",
            "300-к",
            "2026-11-25",
            "2026-11-26",
            {"student": student, "toGroup": _gid("Group", groups[target])},
        ),
    )

    assert result["errors"] == []
    async with unscoped(db.factory) as s:
        item = (
            await s.execute(
                select(m.MovementOrderItem.from_group_id, m.MovementOrderItem.to_group_id).where(
                    m.MovementOrderItem.order_id == _pk(result["order"]["id"])
                )
            )
        ).one()
    assert tuple(item) == (groups[source], groups[target])
    orders, memberships, audits = await _counts(db)
    assert (orders, memberships, audits) == (before[0] + 1, before[1] + 1, before[2] + 1)


@pytest.mark.parametrize(
    ("slug", "login", "source", "target"),
    [
        ("armavir-technikum-2025", "hr_specialist", "ПК-11", "ТГ-11"),
        (ALTAI, "administrator", "ИС-11", "ТМ-11"),
        ("tomsk-technikum-2023", "administrator", "ИСП-11", "ЭБ-11"),
        (ALTAI, "curator", "ИС-11", "ТМ-11"),
    ],
)
async def test_other_roles_are_refused_and_nothing_is_written(
    db: Any, sign_in: Any, slug: str, login: str, source: str, target: str
) -> None:
    staff = await sign_in(slug, login)
    groups = await _groups(db, slug)
    student = _gid("Student", await _first_student(db, groups[source]))
    before = await _counts(db)

    result = await _issue(
        staff,
        _order(
            "TRANSFER",
            "300-к",
            "2026-11-25",
            "2026-11-26",
            {"student": student, "toGroup": _gid("Group", groups[target])},
        ),
    )

    assert result["order"] is None
    [error] = result["errors"]
    assert (error["code"], error["ruleset"], error["rule"]) == ("FORBIDDEN", slug, "default deny")
    assert await _counts(db) == before


async def test_invalid_orders_name_the_field_and_write_nothing(db: Any, sign_in: Any) -> None:
    hr = await sign_in(ALTAI, "hr_specialist")
    groups = await _groups(db, ALTAI)
    in_first = _gid("Student", await _first_student(db, groups["ИС-11"]))
    first, other = _gid("Group", groups["ИС-11"]), _gid("Group", groups["ТМ-11"])
    before = await _counts(db)
    cases = [
        (
            _order(
                "TRANSFER",
                "1-к",
                "2026-11-20",
                "2026-11-23",
                {"student": in_first, "fromGroup": other, "toGroup": first},
            ),
            "input.items.0.fromGroup",
            "На 23.11.2026 обучающийся не состоит в группе «ТМ-11».",
        ),
        (
            _order(
                "ENROLMENT",
                "2-к",
                "2026-11-20",
                "2026-11-23",
                {"student": in_first, "toGroup": other},
            ),
            "input.items.0.student",
            None,
        ),
        (
            _order(
                "TRANSFER",
                "3-к",
                "2026-11-20",
                "2026-11-19",
                {"student": in_first, "toGroup": other},
            ),
            "input.effectiveOn",
            "Приказ не может вступить в силу раньше даты подписания.",
        ),
        (
            _order(
                "TRANSFER",
                "4-к",
                "2026-11-20",
                "2026-11-23",
                {"student": in_first, "toGroup": first},
            ),
            "input.items.0.toGroup",
            "Перевод в ту же группу невозможен.",
        ),
        (
            _order("RETURN", "5-к", "2026-11-20", "2026-11-23", {"student": in_first}),
            "input.items.0.student",
            "На 23.11.2026 обучающийся не находится в академическом отпуске.",
        ),
        (
            _order("EXPULSION", "6-к", "2026-11-20", "2026-11-23", {"student": "bm9wZQ=="}),
            "input.items.0.student",
            None,
        ),
        (
            _order("EXPULSION", "7-к", "2026-11-20", "2026-11-23"),
            "input.items",
            "В приказе нет ни одного обучающегося.",
        ),
    ]
    for variables, field, text in cases:
        result = await _issue(hr, variables)
        assert result["order"] is None
        assert [e["code"] for e in result["errors"]] == ["VALIDATION"], variables
        assert result["errors"][0]["field"] == field
        if text is not None:
            assert result["errors"][0]["message"] == text
    assert await _counts(db) == before


async def test_an_order_number_is_unique_per_date(db: Any, sign_in: Any) -> None:
    hr = await sign_in(ALTAI, "hr_specialist")
    groups = await _groups(db, ALTAI)
    a = _gid("Student", await _first_student(db, groups["ИС-11"]))
    b = _gid("Student", await _first_student(db, groups["ИС-21"]))
    assert (
        await _issue(
            hr, _order("ACADEMIC_LEAVE", "77-к", "2026-11-20", "2026-11-23", {"student": a})
        )
    )["errors"] == []
    before = await _counts(db)

    again = await _issue(
        hr, _order("ACADEMIC_LEAVE", "77-к", "2026-11-20", "2026-11-24", {"student": b})
    )
    other_day = await _issue(
        hr, _order("ACADEMIC_LEAVE", "77-к", "2026-11-21", "2026-11-24", {"student": b})
    )

    assert [(e["code"], e["field"]) for e in again["errors"]] == [("VALIDATION", "input.number")]
    assert other_day["errors"] == []
    assert (await _counts(db))[0] == before[0] + 1


async def test_movement_orders_are_listed_by_the_read_filter(db: Any, sign_in: Any) -> None:
    slug = "armavir-technikum-2025"
    admin = await sign_in(slug, "administrator")
    hr = await sign_in(slug, "hr_specialist")
    groups = await _groups(db, slug)
    student = _gid("Student", await _first_student(db, groups["ПК-21"]))
    issued = await _issue(
        admin,
        _order(
            "TRANSFER",
            "310-к",
            "2026-11-25",
            "2026-11-26",
            {"student": student, "toGroup": _gid("Group", groups["ТГ-21"])},
        ),
    )

    transfers = (await admin.data(ORDERS, {"kind": "TRANSFER", "from": "2026-11-01"}))[
        "movementOrders"
    ]
    everything = (await admin.data(ORDERS, {}))["movementOrders"]
    enrolments = (await admin.data(ORDERS, {"kind": "ENROLMENT", "to": "2026-09-01"}))[
        "movementOrders"
    ]
    hidden = (await hr.data(ORDERS, {}))["movementOrders"]

    assert transfers["totalCount"] == 1
    assert transfers["nodes"] == [
        {
            "id": issued["order"]["id"],
            "number": "310-к",
            "kind": "TRANSFER",
            "effectiveOn": "2026-11-26",
            "items": [
                {
                    "student": {"id": student},
                    "fromGroup": {"name": "ПК-21"},
                    "toGroup": {"name": "ТГ-21"},
                }
            ],
        }
    ]
    assert everything["nodes"][0]["id"] == issued["order"]["id"], "newest first"
    assert everything["totalCount"] == len(groups) + 1, "one enrolment order per demo group"
    assert enrolments["totalCount"] == len(groups)
    assert hidden == {"totalCount": 0, "nodes": []}
    node = await admin.data(
        "query ($id: ID!) { node(id: $id) { ... on MovementOrder { number } } }",
        {"id": issued["order"]["id"]},
    )
    assert node["node"] == {"number": "310-к"}
    assert (
        await hr.data("query ($id: ID!) { node(id: $id) { id } }", {"id": issued["order"]["id"]})
    )["node"] is None


async def test_a_student_on_leave_can_be_expelled_from_the_group_he_left(
    db: Any, sign_in: Any
) -> None:
    hr = await sign_in(ALTAI, "hr_specialist")
    groups = await _groups(db, ALTAI)
    student = _gid("Student", await _first_student(db, groups["ТМ-21"]))
    left = await _issue(
        hr, _order("ACADEMIC_LEAVE", "41-к", "2026-10-01", "2026-10-05", {"student": student})
    )
    assert left["errors"] == []

    expelled = await _issue(
        hr, _order("EXPULSION", "42-к", "2026-11-02", "2026-11-03", {"student": student})
    )
    transfer = await _issue(
        hr,
        _order(
            "TRANSFER",
            "43-к",
            "2026-11-20",
            "2026-11-23",
            {"student": student, "toGroup": _gid("Group", groups["ТМ-11"])},
        ),
    )

    assert expelled["errors"] == []
    assert expelled["order"]["items"] == [
        {
            "student": {"id": student, "status": "EXPELLED"},
            "fromGroup": {"name": "ТМ-21"},
            "toGroup": None,
        }
    ]
    assert [(e["field"], e["message"]) for e in transfer["errors"]] == [
        ("input.items.0.student", "На 23.11.2026 обучающийся не состоит ни в одной группе.")
    ]


async def test_two_racing_orders_about_one_student_cannot_both_move_him(
    db: Any, sign_in: Any
) -> None:
    first_hr = await sign_in(ALTAI, "hr_specialist")
    second_hr = await sign_in(ALTAI, "hr_specialist")
    groups = await _groups(db, ALTAI)
    student = _gid("Student", await _first_student(db, groups["АТ-11"]))

    def transfer(number: str, target: str) -> dict[str, Any]:
        return _order(
            "TRANSFER",
            number,
            "2026-11-25",
            "2026-11-26",
            {"student": student, "toGroup": _gid("Group", groups[target])},
        )

    results = await asyncio.gather(
        _issue(first_hr, transfer("601-к", "ИС-11")), _issue(second_hr, transfer("602-к", "ТМ-11"))
    )

    assert sorted(bool(r["errors"]) for r in results) == [False, True]
    [refused] = [r for r in results if r["errors"]]
    assert [(e["code"], e["field"]) for e in refused["errors"]] == [
        ("VALIDATION", "input.effectiveOn")
    ]
    gm = m.GroupMembership
    async with unscoped(db.factory) as s:
        open_rows = (
            await s.execute(
                select(func.count(gm.id)).where(gm.student_id == _pk(student), gm.ends_on.is_(None))
            )
        ).scalar_one()
    assert open_rows == 1
