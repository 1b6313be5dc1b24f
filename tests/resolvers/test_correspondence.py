"""Correspondence through the endpoint: who may write to whom is the ruleset's (Altai
п. 3.4, 4.4, 4.5: a parent writes to his child's curator and teachers, a student to his
curator and teachers, a curator to his group's students and parents), read receipts and
unread counts, and the answer term of a parent's question (Altai п. 3.4: «в течение 3-х
дней») on the thread and in the compliance report."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from campusgraph.db import models as m
from campusgraph.db.tenancy import unscoped
from campusgraph.ids import to_global_id
from tests.support.journal import institution_id, period_id

ALTAI = "altai-college-2016"
ARMAVIR = "armavir-technikum-2025"
NSHDS = "nshds12-2021"
TOMSK = "tomsk-technikum-2023"

CORRESPONDENTS = "{ correspondents { id name reachedAs } }"
START = """
mutation ($input: StartThreadInput!) {
  startThread(input: $input) {
    thread { id subject unreadCount answered answerDueOn overdue startedByMe }
    errors { code message field }
  }
}
"""
REPLY = """
mutation ($input: ReplyInput!) {
  reply(input: $input) { thread { id unreadCount answered overdue } errors { code message } }
}
"""
MARK_READ = """
mutation ($input: MarkThreadReadInput!) {
  markThreadRead(input: $input) { thread { id unreadCount } errors { code message } }
}
"""
THREADS = """
query ($first: Int) {
  threads(first: $first) {
    totalCount
    nodes {
      id subject correspondent unreadCount answered answerDueOn overdue
      messages(first: 1) { nodes { body fromMe } pageInfo { hasNextPage } }
    }
  }
}
"""
REPORT = """
query ($period: ID!) {
  institution {
    compliance(period: $period) {
      checks { kind rule days fromRuleset clause count
               examples { date deadline doneOn groupName studentName teacherName text } }
      byGroup { name counts { unansweredQuestion total } }
    }
  }
}
"""
NODE = "query ($id: ID!) { node(id: $id) { ... on Thread { subject unreadCount } } }"


# -- given: the demo's people ---------------------------------------------------------------
async def _user(db: Any, login: str, slug: str = ALTAI) -> int:
    inst = await institution_id(db, slug)
    async with unscoped(db.factory) as s:
        return int(
            (
                await s.execute(
                    select(m.UserAccount.id).where(
                        m.UserAccount.institution_id == inst, m.UserAccount.login == login
                    )
                )
            ).scalar_one()
        )


async def _child_group(db: Any) -> int:
    """The group of the demo parent's child."""
    inst = await institution_id(db, ALTAI)
    async with unscoped(db.factory) as s:
        parent_person = (
            await s.execute(
                select(m.UserAccount.person_id).where(
                    m.UserAccount.institution_id == inst, m.UserAccount.login == "parent"
                )
            )
        ).scalar_one()
        gm, pl, pa = m.GroupMembership, m.ParentLink, m.Parent
        return int(
            (
                await s.execute(
                    select(gm.group_id)
                    .join(pl, pl.student_id == gm.student_id)
                    .join(pa, pa.id == pl.parent_id)
                    .where(pa.person_id == parent_person, gm.ends_on.is_(None))
                    .limit(1)
                )
            ).scalar_one()
        )


async def _account_for(db: Any, person_id: int, login: str) -> int:
    """An account for a demo person who has none (the demo has one account per role)."""
    inst = await institution_id(db, ALTAI)
    async with unscoped(db.factory) as s, s.begin():
        found = (
            await s.execute(select(m.UserAccount.id).where(m.UserAccount.person_id == person_id))
        ).scalar()
        if found is not None:
            return int(found)
        account = m.UserAccount(
            institution_id=inst, person_id=person_id, login=login, password_hash="x"
        )
        s.add(account)
        await s.flush()
        return int(account.id)


async def _other_groups_curator(db: Any, group: int) -> int:
    """An account of the curator of another group than ``group``."""
    inst = await institution_id(db, ALTAI)
    async with unscoped(db.factory) as s:
        cu, em = m.Curatorship, m.Employee
        person = (
            await s.execute(
                select(em.person_id)
                .join(cu, cu.curator_id == em.id)
                .where(
                    cu.institution_id == inst,
                    cu.group_id != group,
                    cu.ends_on.is_(None),
                    ~cu.curator_id.in_(select(cu.curator_id).where(cu.group_id == group)),
                )
                .order_by(cu.id)
                .limit(1)
            )
        ).scalar_one()
    return await _account_for(db, person, "other-curator")


async def _other_students_parent(db: Any, group: int) -> int:
    """An account of a parent of a student of another group than ``group``."""
    inst = await institution_id(db, ALTAI)
    async with unscoped(db.factory) as s:
        pa, pl, gm = m.Parent, m.ParentLink, m.GroupMembership
        person = (
            await s.execute(
                select(pa.person_id)
                .join(pl, pl.parent_id == pa.id)
                .join(gm, gm.student_id == pl.student_id)
                .where(pa.institution_id == inst, gm.group_id != group, gm.ends_on.is_(None))
                .order_by(pa.id)
                .limit(1)
            )
        ).scalar_one()
    return await _account_for(db, person, "other-parent")


def _account(user: int) -> str:
    return str(to_global_id("UserAccount", user))


async def _start(client: Any, to: int, subject: str, body: str = "Добрый день") -> Any:
    started = await client.data(
        START, {"input": {"recipient": _account(to), "subject": subject, "body": body}}
    )
    return started["startThread"]


# -- who may write to whom ----------------------------------------------------------------
async def test_a_parent_writes_to_his_childs_curator_not_to_another_groups(
    db: Any, sign_in: Any
) -> None:
    # Given the demo parent, his child's curator, and the curator of another group
    group = await _child_group(db)
    curator = await _user(db, "curator")
    other = await _other_groups_curator(db, group)
    parent = await sign_in(ALTAI, "parent")
    had = (await parent.data(THREADS, {"first": 10}))["threads"]["totalCount"]  # the demo's

    # When the parent asks whom he may write to, and writes to both curators
    offered = {c["id"]: c for c in (await parent.data(CORRESPONDENTS))["correspondents"]}
    to_own = await _start(parent, curator, "Оценка по математике")
    to_other = await _start(parent, other, "Вопрос")

    # Then his child's curator is offered (as a curator) and the thread starts
    assert "curator" in offered[_account(curator)]["reachedAs"]
    assert _account(other) not in offered
    assert to_own["errors"] == []
    assert to_own["thread"]["subject"] == "Оценка по математике"
    assert to_own["thread"]["startedByMe"] is True
    # and the other group's curator is refused by the ruleset, nothing started
    assert [e["code"] for e in to_other["errors"]] == ["FORBIDDEN"]
    assert to_other["thread"] is None
    threads = (await parent.data(THREADS, {"first": 10}))["threads"]
    assert threads["totalCount"] == had + 1


async def test_a_student_cannot_write_to_another_students_parent(db: Any, sign_in: Any) -> None:
    # Given the demo student and a parent of a student of another group
    group = await _child_group(db)
    other_parent = await _other_students_parent(db, group)
    curator = await _user(db, "curator")
    student = await sign_in(ALTAI, "student")

    # When the student writes to that parent, and to his own curator
    refused = await _start(student, other_parent, "Привет")
    allowed = await _start(student, curator, "Расписание")
    offered = {c["id"] for c in (await student.data(CORRESPONDENTS))["correspondents"]}

    # Then the parent is refused (FORBIDDEN, in the request's language) and never offered
    assert [e["code"] for e in refused["errors"]] == ["FORBIDDEN"]
    assert _account(other_parent) not in offered
    # while his curator is written to
    assert allowed["errors"] == []
    assert _account(curator) in offered


# -- the administration (Altai п. 4.5, NSHDS п. 3.3, 3.4; who it is: rules.correspondence) -----
async def test_a_parent_writes_to_his_colleges_administration_not_to_anothers(
    db: Any, sign_in: Any
) -> None:
    # Given the Altai parent, the college's director and deputy director (its
    # administration, п. 4.7, 4.8), the module's administrator (not the administration,
    # п. 3.3) and the director of another institution
    director = await _user(db, "director")
    deputy = await _user(db, "deputy_director")
    administrator = await _user(db, "administrator")
    elsewhere = await _user(db, "director", ARMAVIR)
    parent = await sign_in(ALTAI, "parent")
    head = await sign_in(ALTAI, "director")
    had = (await parent.data(THREADS, {"first": 10}))["threads"]["totalCount"]  # the demo's
    inbox_had = {
        t["subject"] for t in (await head.data(THREADS, {"first": 10}))["threads"]["nodes"]
    }

    # When the parent asks whom he may write to, and writes to each of them
    offered = {c["id"]: c for c in (await parent.data(CORRESPONDENTS))["correspondents"]}
    to_director = await _start(parent, director, "Заявление")
    to_administrator = await _start(parent, administrator, "Пароль")
    to_elsewhere = await _start(parent, elsewhere, "Вопрос")

    # Then the director and his deputy are offered as the administration, the thread to
    # the director starts and is the director's to read
    assert offered[_account(director)]["reachedAs"] == ["administration"]
    assert offered[_account(deputy)]["reachedAs"] == ["administration"]
    assert to_director["errors"] == []
    assert to_director["thread"]["subject"] == "Заявление"
    inbox = (await head.data(THREADS, {"first": 10}))["threads"]["nodes"]
    new = [(t["subject"], t["unreadCount"]) for t in inbox if t["subject"] not in inbox_had]
    assert new == [("Заявление", 1)]
    # while the administrator (no administration of п. 4.5) and another institution's
    # director are never offered, and refused by the ruleset, nothing started
    assert _account(administrator) not in offered
    assert _account(elsewhere) not in offered
    for refused in (to_administrator, to_elsewhere):
        assert [e["code"] for e in refused["errors"]] == ["FORBIDDEN"], refused
        assert refused["thread"] is None
    # the error saying why: no line lets a parent write to an employee as such; the
    # administration line (п. 4.5) reaches his own institution only
    assert "«Адресат переписки: сотрудник»" in to_administrator["errors"][0]["message"]
    assert "только для вашей организации" in to_elsewhere["errors"][0]["message"]
    assert "п. 4.5" in to_elsewhere["errors"][0]["message"]
    assert (await parent.data(THREADS, {"first": 10}))["threads"]["totalCount"] == had + 1


async def test_a_student_writes_to_the_administration_where_his_regulation_says_so(
    db: Any, sign_in: Any
) -> None:
    # Given the directors of three institutions: NSHDS 12 (п. 3.4: students «ведут переписку
    # с … администрацией»), Altai (п. 4.4 names the curator and teachers only), Tomsk (no
    # clause gives correspondence)
    directors = {slug: await _user(db, "director", slug) for slug in (NSHDS, ALTAI)}
    deputy = await _user(db, "deputy_control", TOMSK)

    # When each institution's student asks whom he may write to, and writes to the head
    answers = {}
    for slug, head in (*directors.items(), (TOMSK, deputy)):
        student = await sign_in(slug, "student")
        offered = {
            c["id"]: c["reachedAs"] for c in (await student.data(CORRESPONDENTS))["correspondents"]
        }
        answers[slug] = (offered.get(_account(head)), await _start(student, head, "Вопрос"))

    # Then NSHDS 12's student reaches his director as the administration
    reached, started = answers[NSHDS]
    assert reached == ["administration"]
    assert started["errors"] == []
    # and Altai's and Tomsk's are refused, the head never offered
    for slug in (ALTAI, TOMSK):
        reached, started = answers[slug]
        assert reached is None, slug
        assert [e["code"] for e in started["errors"]] == ["FORBIDDEN"], slug


async def _untaught_parent(db: Any, teacher_login: str) -> int:
    """An account of a parent of a student in none of the groups ``teacher_login`` teaches."""
    inst = await institution_id(db, ALTAI)
    async with unscoped(db.factory) as s:
        ua, em, ta = m.UserAccount, m.Employee, m.TeachingAssignment
        pa, pl, gm = m.Parent, m.ParentLink, m.GroupMembership
        taught = (
            select(ta.group_id)
            .join(em, em.id == ta.teacher_id)
            .join(ua, ua.person_id == em.person_id)
            .where(ua.institution_id == inst, ua.login == teacher_login)
        )
        person = (
            await s.execute(
                select(pa.person_id)
                .join(pl, pl.parent_id == pa.id)
                .join(gm, gm.student_id == pl.student_id)
                .where(pa.institution_id == inst, ~gm.group_id.in_(taught))
                .order_by(pa.id)
                .limit(1)
            )
        ).scalar_one()
    return await _account_for(db, person, "untaught-parent")


async def test_a_teacher_writes_to_the_parents_of_the_groups_he_teaches(
    db: Any, sign_in: Any
) -> None:
    # Given the Altai teacher and the demo parent (п. 2.6 with п. 4.5: a parent's child's
    # teachers are his correspondents, and the teacher his), and a parent whose child is in
    # no group the teacher teaches
    parent = await _user(db, "parent")
    stranger = await _untaught_parent(db, "teacher")
    teacher = await sign_in(ALTAI, "teacher")

    # When the teacher asks whom he may write to, and writes to both parents
    offered = {
        c["id"]: c["reachedAs"] for c in (await teacher.data(CORRESPONDENTS))["correspondents"]
    }
    started = await _start(teacher, parent, "Контрольная работа")
    refused = await _start(teacher, stranger, "Контрольная работа")

    # Then the parent is offered as a parent and the thread starts
    assert "parent" in offered[_account(parent)]
    assert started["errors"] == []
    # and the other group's parent is neither offered nor written to
    assert _account(stranger) not in offered
    assert [e["code"] for e in refused["errors"]] == ["FORBIDDEN"]


# -- read receipts, unread counts -----------------------------------------------------------
async def test_unread_counts_follow_the_read_receipts(db: Any, sign_in: Any) -> None:
    # Given a parent's thread to his child's curator
    curator_id = await _user(db, "curator")
    parent = await sign_in(ALTAI, "parent")
    curator = await sign_in(ALTAI, "curator")
    thread = (await _start(parent, curator_id, "Пропуски"))["thread"]["id"]

    # When the curator lists his threads, then marks the thread read, and the parent writes again
    before = (await curator.data(THREADS, {"first": 10}))["threads"]["nodes"]
    read = (await curator.data(MARK_READ, {"input": {"thread": thread}}))["markThreadRead"]
    again = (await parent.data(REPLY, {"input": {"thread": thread, "body": "И ещё"}}))["reply"]
    after = (await curator.data(THREADS, {"first": 10}))["threads"]["nodes"]
    # the newest first, before the demo's own threads

    # Then one unread message, none once read, one again after the parent's second message
    assert [(t["id"], t["unreadCount"]) for t in before[:1]] == [(thread, 1)]
    assert before[0]["messages"]["nodes"] == [{"body": "Добрый день", "fromMe": False}]
    assert read["thread"]["unreadCount"] == 0
    assert again["errors"] == []
    assert again["thread"]["unreadCount"] == 0  # the parent's own message is read by him
    assert (after[0]["id"], after[0]["unreadCount"]) == (thread, 1)
    assert after[0]["messages"]["pageInfo"]["hasNextPage"] is True
    # and someone outside the thread can neither reply nor mark it read
    student = await sign_in(ALTAI, "student")
    stranger = (await student.data(REPLY, {"input": {"thread": thread, "body": "?"}}))["reply"]
    assert [e["code"] for e in stranger["errors"]] == ["NOT_FOUND"]
    assert (await curator.data(NODE, {"id": thread}))["node"] == {
        "subject": "Пропуски",
        "unreadCount": 1,
    }
    assert (await student.data(NODE, {"id": thread}))["node"] is None


async def test_the_thread_list_costs_the_same_statements_for_one_thread_or_many(
    db: Any, sign_in: Any, sql_counter: Any
) -> None:
    # Given a curator with one thread from the parent
    curator_id = await _user(db, "curator")
    parent = await sign_in(ALTAI, "parent")
    curator = await sign_in(ALTAI, "curator")
    await _start(parent, curator_id, "Первый")
    with sql_counter() as one:
        first = (await curator.data(THREADS, {"first": 50}))["threads"]["nodes"]
    # When four more threads arrive
    for n in range(4):
        await _start(parent, curator_id, f"Вопрос {n}")
    with sql_counter() as five:
        listed = (await curator.data(THREADS, {"first": 50}))["threads"]["nodes"]

    # Then the list of five more costs what the list of one more did (no statement per thread)
    assert len(listed) == len(first) + 4
    assert five.count == one.count, str(five)


# -- the answer term (Altai п. 3.4) -----------------------------------------------------------
async def test_an_unanswered_parents_question_past_its_term_is_in_the_compliance_report(
    db: Any, make_client: Any
) -> None:
    curator_id = await _user(db, "curator")
    semester = to_global_id("Period", await period_id(db, ALTAI, dt.date(2026, 11, 20), "semester"))
    # Given the demo's questions (one of them overdue: the report shows it on the demo)
    async with make_client(today=dt.date(2026, 11, 27)) as client:
        deputy = await client.as_(ALTAI, "deputy_director")
        demo = (await deputy.data(REPORT, {"period": semester}))["institution"]["compliance"]
    demo_late = next(c for c in demo["checks"] if c["kind"] == "UNANSWERED_QUESTION")
    # and two questions of the parent asked on Friday 20 November
    async with make_client(today=dt.date(2026, 11, 20)) as client:
        parent = await client.as_(ALTAI, "parent")
        asked = await _start(parent, curator_id, "Без ответа")
        answered = await _start(parent, curator_id, "С ответом")
    # of which the curator answers one on the 21st
    async with make_client(today=dt.date(2026, 11, 21)) as client:
        curator = await client.as_(ALTAI, "curator")
        reply = await curator.data(
            REPLY, {"input": {"thread": answered["thread"]["id"], "body": "Отвечаю"}}
        )
    # and a third question asked on the 26th, still within its term
    async with make_client(today=dt.date(2026, 11, 26)) as client:
        parent = await client.as_(ALTAI, "parent")
        await _start(parent, curator_id, "Недавний")

    # When, on 27 November, the parent lists his threads and the deputy director reads the
    # semester's compliance report
    async with make_client(today=dt.date(2026, 11, 27)) as client:
        parent = await client.as_(ALTAI, "parent")
        threads = (await parent.data(THREADS, {"first": 10}))["threads"]["nodes"]
        deputy = await client.as_(ALTAI, "deputy_director")
        report = (await deputy.data(REPORT, {"period": semester}))["institution"]["compliance"]
        english = await deputy.post(REPORT, {"period": semester}, headers={"Accept-Language": "en"})

    # Then the question's term is 3 calendar days (23 November), shown on the thread
    assert asked["thread"]["answerDueOn"] == "2026-11-23"
    assert reply["reply"]["errors"] == []
    by_subject = {t["subject"]: t for t in threads}
    assert (by_subject["Без ответа"]["answered"], by_subject["Без ответа"]["overdue"]) == (
        False,
        True,
    )
    assert (by_subject["С ответом"]["answered"], by_subject["С ответом"]["overdue"]) == (
        True,
        False,
    )
    assert (by_subject["Недавний"]["answerDueOn"], by_subject["Недавний"]["overdue"]) == (
        "2026-11-29",
        False,
    )
    # and the report lists the unanswered one only, citing п. 3.4
    check = next(c for c in report["checks"] if c["kind"] == "UNANSWERED_QUESTION")
    assert (check["rule"], check["days"], check["fromRuleset"]) == (
        "rules.deadlines.parent_answer_days",
        3,
        True,
    )
    assert check["clause"].startswith("п. 3.4: «ответ на консультативный вопрос родителей")
    assert demo_late["count"] == 1  # the demo's question unanswered since 21 November
    assert check["count"] == demo_late["count"] + 1
    [example] = [e for e in check["examples"] if e not in demo_late["examples"]]
    assert (example["date"], example["deadline"], example["doneOn"]) == (
        "2026-11-20",
        "2026-11-23",
        None,
    )
    assert example["text"].endswith(check["clause"])
    assert "вопрос родителя обучающегося" in example["text"]
    late_in_groups = sum(g["counts"]["unansweredQuestion"] for g in report["byGroup"])
    assert late_in_groups == demo_late["count"] + 1
    english_check = next(
        c
        for c in english.json()["data"]["institution"]["compliance"]["checks"]
        if c["kind"] == "UNANSWERED_QUESTION"
    )
    assert any("is unanswered (due 23.11.2026)" in e["text"] for e in english_check["examples"])
