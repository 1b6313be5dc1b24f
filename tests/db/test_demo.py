"""The demo seed: the guarantees other tests and the policy goldens rely on, checked with
real queries on a freshly migrated SQLite database, and determinism."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from campusgraph.db.demo import INSTITUTIONS, NON_STAFF_ROLES, DemoSummary, seed_demo
from campusgraph.db.engine import create_engine, session_factory
from campusgraph.db.migrate import upgrade_async
from campusgraph.db.tenancy import unscoped
from campusgraph.security import verify_password
from campusgraph.validators import is_valid_snils

TODAY = dt.date(2026, 11, 27)
SLUGS = [spec.slug for spec in INSTITUTIONS]
SPECS = {spec.slug: spec for spec in INSTITUTIONS}
ROLES = {
    "altai-college-2016": "administrator hr_specialist curator teacher deputy_director "
    "director student parent",
    "armavir-technikum-2025": "administrator hr_specialist curator teacher "
    "secretary_of_studies admission_secretary deputy_studies deputy_methodology "
    "department_head director student parent",
    "barnaul-school6-2016": "administrator head_teacher hr_specialist secretary teacher "
    "class_teacher student parent",
    "tomsk-technikum-2023": "administrator schedule_dispatcher deputy_methodology "
    "head_of_studies hr_head deputy_control head_of_upbringing commission_chair curator "
    "teacher student parent",
    "nshds12-2021": "director system_admin methodist secretary class_teacher "
    "subject_teacher authority student parent",
}


@dataclass
class Seeded:
    url: str
    engine: AsyncEngine
    factory: async_sessionmaker[AsyncSession]
    summary: DemoSummary

    async def all(self, sql: str, **params: Any) -> list[Any]:
        async with unscoped(self.factory) as session:
            return list((await session.execute(text(sql), params)).all())

    async def one(self, sql: str, **params: Any) -> Any:
        rows = await self.all(sql, **params)
        assert len(rows) == 1, (sql, params, rows)
        return rows[0]

    async def scalar(self, sql: str, **params: Any) -> Any:
        return (await self.one(sql, **params))[0]


async def _seed(path: Path) -> Seeded:
    url = f"sqlite+aiosqlite:///{path}"
    await upgrade_async(url)
    engine = create_engine(url)
    factory = session_factory(engine)
    summary = await seed_demo(factory, today=TODAY)
    return Seeded(url, engine, factory, summary)


@pytest.fixture(scope="module")
async def demo(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Seeded]:
    seeded = await _seed(tmp_path_factory.mktemp("demo") / "t.db")
    try:
        yield seeded
    finally:
        await seeded.engine.dispose()


async def _account(demo: Seeded, slug: str, login: str) -> Any:
    return await demo.one(
        """SELECT u.id, u.person_id, u.institution_id, u.password_hash
           FROM user_account u JOIN institution i ON i.id = u.institution_id
           WHERE i.slug = :slug AND u.login = :login""",
        slug=slug,
        login=login,
    )


async def _employee(demo: Seeded, slug: str, login: str) -> int:
    account = await _account(demo, slug, login)
    return int(
        await demo.scalar(
            "SELECT id FROM employee WHERE person_id = :p AND institution_id = :i",
            p=account.person_id,
            i=account.institution_id,
        )
    )


async def _curated_group(demo: Seeded, slug: str) -> int:
    curator = await _employee(demo, slug, SPECS[slug].curating_role)
    return int(
        await demo.scalar("SELECT group_id FROM curatorship WHERE curator_id = :c", c=curator)
    )


# -- the summary and idempotence --------------------------------------------------------


async def test_summary_matches_the_database(demo: Seeded) -> None:
    s = demo.summary
    assert s.seeded
    assert sorted(s.institutions) == sorted(SLUGS)
    assert s.students == await demo.scalar("SELECT count(*) FROM student")
    assert s.lessons == await demo.scalar("SELECT count(*) FROM lesson")
    assert s.marks == await demo.scalar("SELECT count(*) FROM mark")
    assert s.attendance == await demo.scalar("SELECT count(*) FROM attendance")
    ids = dict(await demo.all("SELECT slug, id FROM institution"))
    assert ids == s.institutions
    table = s.render()
    assert "demo" in table
    for account in s.accounts:
        assert account.login in table
        assert account.title in table


async def test_second_seed_changes_nothing(demo: Seeded) -> None:
    before = await demo.scalar("SELECT count(*) FROM person")
    again = await seed_demo(demo.factory, today=TODAY)
    assert not again.seeded
    assert again.institutions == demo.summary.institutions
    assert await demo.scalar("SELECT count(*) FROM person") == before
    assert "уже" in again.render()


async def test_region_and_institutions(demo: Seeded) -> None:
    region = await demo.one("SELECT id, slug, name, ruleset FROM region")
    assert (region.slug, region.name, region.ruleset) == (
        "demo-region",
        "Демонстрационный регион",
        "base",
    )
    rows = await demo.all("SELECT slug, ruleset, kind, region_id, license FROM institution")
    assert {r.slug for r in rows} == set(SLUGS)
    for r in rows:
        assert r.ruleset == r.slug
        assert r.region_id == region.id
        assert r.license
        assert r.kind == SPECS[r.slug].kind.value
    authority = await demo.one(
        "SELECT id, person_id FROM user_account WHERE region_id = :r AND login = 'authority'",
        r=region.id,
    )
    role = await demo.one(
        "SELECT institution_id, role FROM role_assignment WHERE user_id = :u", u=authority.id
    )
    assert (role.institution_id, role.role) == (None, "authority")


# -- accounts and the role guarantees ---------------------------------------------------


@pytest.mark.parametrize("slug", SLUGS)
async def test_one_account_per_role_with_password_demo(demo: Seeded, slug: str) -> None:
    rows = await demo.all(
        """SELECT u.login, r.role, r.institution_id = u.institution_id AS same, u.person_id
           FROM user_account u JOIN institution i ON i.id = u.institution_id
           JOIN role_assignment r ON r.user_id = u.id WHERE i.slug = :slug""",
        slug=slug,
    )
    assert sorted(r.login for r in rows) == sorted(ROLES[slug].split())
    assert all(r.login == r.role and r.same and r.person_id for r in rows)
    for role in ROLES[slug].split():
        if role not in NON_STAFF_ROLES:
            await _employee(demo, slug, role)  # staff roles are employees


async def test_password_is_demo(demo: Seeded) -> None:
    account = await _account(demo, "altai-college-2016", "teacher")
    assert verify_password(account.password_hash, "demo")
    assert not verify_password(account.password_hash, "Demo")


@pytest.mark.parametrize("slug", SLUGS)
async def test_teacher_teaches_two_disciplines_in_two_groups_and_curates_none(
    demo: Seeded, slug: str
) -> None:
    teacher = await _employee(demo, slug, SPECS[slug].teaching_role)
    pairs = await demo.all(
        "SELECT group_id, discipline_id FROM teaching_assignment WHERE teacher_id = :t",
        t=teacher,
    )
    assert len({p.discipline_id for p in pairs}) >= 2
    assert len({p.group_id for p in pairs}) >= 2
    assert (
        await demo.scalar("SELECT count(*) FROM curatorship WHERE curator_id = :t", t=teacher) == 0
    )
    heads = await demo.scalar(
        "SELECT count(*) FROM department WHERE head_employee_id = :t", t=teacher
    )
    assert heads == 0


@pytest.mark.parametrize("slug", SLUGS)
async def test_curator_curates_one_group_and_teaches_nothing_in_it(demo: Seeded, slug: str) -> None:
    curator = await _employee(demo, slug, SPECS[slug].curating_role)
    groups = await demo.all(
        "SELECT g.name FROM curatorship c JOIN study_group g ON g.id = c.group_id "
        "WHERE c.curator_id = :c AND c.starts_on <= :d AND (c.ends_on IS NULL OR c.ends_on > :d)",
        c=curator,
        d=TODAY,
    )
    assert [g.name for g in groups] == [SPECS[slug].curated_group]
    group = await _curated_group(demo, slug)
    taught = await demo.scalar(
        "SELECT count(*) FROM teaching_assignment WHERE teacher_id = :c AND group_id = :g",
        c=curator,
        g=group,
    )
    assert taught == 0
    lessons = await demo.scalar(
        "SELECT count(*) FROM lesson WHERE teacher_id = :c AND group_id = :g", c=curator, g=group
    )
    assert lessons == 0


@pytest.mark.parametrize("slug", SLUGS)
async def test_student_is_a_minor_of_the_curated_group(demo: Seeded, slug: str) -> None:
    account = await _account(demo, slug, "student")
    student = await demo.one(
        "SELECT s.id, p.birth_date FROM student s JOIN person p ON p.id = s.person_id "
        "WHERE s.person_id = :p",
        p=account.person_id,
    )
    group = await demo.scalar(
        "SELECT group_id FROM group_membership WHERE student_id = :s AND starts_on <= :d "
        "AND (ends_on IS NULL OR ends_on > :d)",
        s=student.id,
        d=TODAY,
    )
    assert group == await _curated_group(demo, slug)
    birth = dt.date.fromisoformat(str(student.birth_date))
    assert TODAY.year - birth.year - ((TODAY.month, TODAY.day) < (birth.month, birth.day)) < 18
    marks = await demo.scalar("SELECT count(*) FROM mark WHERE student_id = :s", s=student.id)
    assert marks > 0


@pytest.mark.parametrize("slug", SLUGS)
async def test_parent_has_exactly_the_demo_student(demo: Seeded, slug: str) -> None:
    parent_account = await _account(demo, slug, "parent")
    student_account = await _account(demo, slug, "student")
    children = await demo.all(
        "SELECT s.person_id FROM parent p JOIN parent_link l ON l.parent_id = p.id "
        "JOIN student s ON s.id = l.student_id WHERE p.person_id = :p",
        p=parent_account.person_id,
    )
    assert [c.person_id for c in children] == [student_account.person_id]


async def test_department_head_heads_the_curated_groups_department(demo: Seeded) -> None:
    slug = "armavir-technikum-2025"
    head = await _employee(demo, slug, "department_head")
    group = await _curated_group(demo, slug)
    department = await demo.one(
        "SELECT d.head_employee_id FROM study_group g JOIN department d ON d.id = g.department_id "
        "WHERE g.id = :g",
        g=group,
    )
    assert department.head_employee_id == head


@pytest.mark.parametrize(
    "slug", ["altai-college-2016", "armavir-technikum-2025", "tomsk-technikum-2023"]
)
async def test_every_college_department_has_a_head(demo: Seeded, slug: str) -> None:
    heads = await demo.all(
        "SELECT d.head_employee_id FROM department d JOIN institution i ON i.id = d.institution_id "
        "WHERE i.slug = :slug",
        slug=slug,
    )
    assert 2 <= len(heads) <= 3
    assert all(h.head_employee_id for h in heads)


# -- structure ---------------------------------------------------------------------------


@pytest.mark.parametrize("slug", SLUGS)
async def test_structure(demo: Seeded, slug: str) -> None:
    inst = demo.summary.institutions[slug]
    year = await demo.one(
        "SELECT id, name, starts_on, ends_on, is_current FROM academic_year WHERE institution_id = :i",
        i=inst,
    )
    assert (year.name, str(year.starts_on), str(year.ends_on), bool(year.is_current)) == (
        "2026/2027",
        "2026-09-01",
        "2027-06-30",
        True,
    )
    periods = {
        (p.kind, p.number)
        for p in await demo.all("SELECT kind, number FROM period WHERE institution_id = :i", i=inst)
    }
    if SPECS[slug].kind.value == "college":
        assert periods == {("semester", 1), ("semester", 2), ("year", 1)}
    else:
        assert periods == {("quarter", n) for n in range(1, 5)} | {
            ("half_year", 1),
            ("half_year", 2),
            ("year", 1),
        }
    disciplines = await demo.all(
        "SELECT code, kind FROM discipline WHERE institution_id = :i", i=inst
    )
    assert len(disciplines) >= 12
    assert all(d.code for d in disciplines)
    if SPECS[slug].kind.value == "college":
        assert {d.kind for d in disciplines} == {"ud", "mdk", "pm", "practice"}
        orphans = await demo.scalar(
            "SELECT count(*) FROM discipline m LEFT JOIN discipline p ON p.id = m.parent_id "
            "WHERE m.institution_id = :i AND m.kind = 'mdk' AND (p.id IS NULL OR p.kind != 'pm')",
            i=inst,
        )
        assert orphans == 0
    else:
        assert {d.kind for d in disciplines} == {"subject"}
    sizes = await demo.all(
        "SELECT g.id, count(m.id) AS n FROM study_group g "
        "JOIN group_membership m ON m.group_id = g.id WHERE g.institution_id = :i GROUP BY g.id",
        i=inst,
    )
    assert len(sizes) >= 6
    assert all(20 <= s.n <= 30 for s in sizes)
    assert await demo.scalar("SELECT count(*) FROM room WHERE institution_id = :i", i=inst) >= 18
    assert (
        await demo.scalar("SELECT count(*) FROM bell_slot WHERE institution_id = :i", i=inst) >= 6
    )
    employees = await demo.scalar("SELECT count(*) FROM employee WHERE institution_id = :i", i=inst)
    assert 15 <= employees <= 25
    items = await demo.scalar(
        "SELECT count(*) FROM curriculum_item WHERE institution_id = :i", i=inst
    )
    assert items > 50
    for table in ("day_off", "day_transfer", "announcement", "portfolio_entry"):
        assert await demo.scalar(f"SELECT count(*) FROM {table} WHERE institution_id = :i", i=inst)
    applicants = await demo.scalar(
        "SELECT count(*) FROM applicant WHERE institution_id = :i", i=inst
    )
    assert applicants == (20 if SPECS[slug].kind.value == "college" else 0)


#: The rulesets whose regulation gives someone correspondence (Tomsk's and Barnaul's give
#: no one any: their demo has no threads).
CORRESPONDING = ("altai-college-2016", "armavir-technikum-2025", "nshds12-2021")


@pytest.mark.parametrize("slug", SLUGS)
async def test_messages_are_in_threads_where_the_ruleset_gives_correspondence(
    demo: Seeded, slug: str
) -> None:
    inst = await demo.scalar("SELECT id FROM institution WHERE slug = :s", s=slug)
    threads = await demo.scalar("SELECT count(*) FROM thread WHERE institution_id = :i", i=inst)
    loose = await demo.scalar(
        """SELECT count(*) FROM message m LEFT JOIN thread_participant s
             ON s.thread_id = m.thread_id AND s.user_id = m.sender_user_id
           LEFT JOIN thread_participant r
             ON r.thread_id = m.thread_id AND r.user_id = m.recipient_user_id
           WHERE m.institution_id = :i AND (s.id IS NULL OR r.id IS NULL)""",
        i=inst,
    )
    # every message is in a thread both its sender and recipient take part in
    assert loose == 0
    assert (threads > 0) == (slug in CORRESPONDING)


async def test_altai_parent_has_an_answered_and_an_overdue_question(demo: Seeded) -> None:
    """Altai п. 3.4: «в течение 3-х дней» — one question answered in time, one not
    answered for longer than that (the compliance report's example on the demo)."""
    rows = await demo.all(
        """SELECT t.created_at, t.answered_at FROM thread t
           JOIN institution i ON i.id = t.institution_id
           JOIN user_account a ON a.id = t.created_by_user_id
           WHERE i.slug = 'altai-college-2016' AND a.login = 'parent' AND t.answer_due""",
    )
    asked = [(dt.datetime.fromisoformat(str(c)).date(), a) for c, a in rows]
    assert any(a is not None for _, a in asked)
    assert any(a is None and (TODAY - day).days > 3 for day, a in asked)


async def test_movement_orders_are_the_source_of_membership(demo: Seeded) -> None:
    loose = await demo.scalar(
        """SELECT count(*) FROM group_membership m
           LEFT JOIN movement_order o ON o.id = m.start_order_id
           LEFT JOIN movement_order_item i ON i.order_id = o.id AND i.student_id = m.student_id
           WHERE o.kind != 'enrolment' OR i.id IS NULL OR i.to_group_id != m.group_id
              OR o.effective_on != m.starts_on OR o.institution_id != m.institution_id"""
    )
    assert loose == 0
    cards = await demo.scalar(
        """SELECT count(*) FROM student s JOIN group_membership m ON m.student_id = s.id
           JOIN movement_order o ON o.id = m.start_order_id
           WHERE s.enrolment_order_number != o.number OR s.enrolment_date != o.effective_on"""
    )
    assert cards == 0
    assert await demo.scalar("SELECT count(*) FROM student") == await demo.scalar(
        "SELECT count(DISTINCT student_id) FROM group_membership"
    )


async def test_every_snils_is_valid_and_unique(demo: Seeded) -> None:
    values = [
        r.snils
        for table in ("student_personal", "parent_personal", "employee_personal")
        for r in await demo.all(f"SELECT snils FROM {table}")
    ]
    assert len(values) > 2000
    assert all(v and is_valid_snils(v) for v in values)
    assert len(set(values)) == len(values)


async def test_parents(demo: Seeded) -> None:
    per_student = [
        r.n
        for r in await demo.all(
            "SELECT s.id, count(l.id) AS n FROM student s "
            "LEFT JOIN parent_link l ON l.student_id = s.id GROUP BY s.id"
        )
    ]
    assert min(per_student) >= 1
    assert max(per_student) == 2
    assert per_student.count(1) > len(per_student) / 2
    assert await demo.scalar("SELECT count(*) FROM parent") == await demo.scalar(
        "SELECT count(*) FROM parent_personal"
    )


# -- timetable, lessons, journal ---------------------------------------------------------


async def test_timetable_is_clash_free(demo: Seeded) -> None:
    for column in ("teacher_id", "room_id", "group_id"):
        clashes = await demo.all(
            f"SELECT {column}, weekday, slot, valid_from FROM timetable_entry "
            f"GROUP BY institution_id, {column}, weekday, slot, valid_from HAVING count(*) > 1"
        )
        assert clashes == [], column
    days = await demo.all(
        "SELECT group_id, weekday, count(*) AS n, min(slot) AS first, max(slot) AS last "
        "FROM timetable_entry GROUP BY group_id, weekday, valid_from"
    )
    assert {d.weekday for d in days} == {1, 2, 3, 4, 5}
    assert all(4 <= d.n <= 6 and d.first == 1 and d.last == d.n for d in days)
    unassigned = await demo.scalar(
        """SELECT count(*) FROM timetable_entry e LEFT JOIN teaching_assignment a
           ON a.group_id = e.group_id AND a.discipline_id = e.discipline_id
           AND a.teacher_id = e.teacher_id WHERE a.id IS NULL"""
    )
    assert unassigned == 0


@pytest.mark.parametrize("slug", SLUGS)
async def test_lessons_follow_the_calendar(demo: Seeded, slug: str) -> None:
    inst = demo.summary.institutions[slug]
    dates = [
        dt.date.fromisoformat(str(r.date))
        for r in await demo.all(
            "SELECT DISTINCT date FROM lesson WHERE institution_id = :i ORDER BY date", i=inst
        )
    ]
    days_off = {
        dt.date.fromisoformat(str(r.date))
        for r in await demo.all("SELECT date FROM day_off WHERE institution_id = :i", i=inst)
    }
    transfer = await demo.one(
        "SELECT from_date, to_date FROM day_transfer WHERE institution_id = :i", i=inst
    )
    moved_from = dt.date.fromisoformat(str(transfer.from_date))
    moved_to = dt.date.fromisoformat(str(transfer.to_date))
    assert dates[0] == dt.date(2026, 9, 1)
    assert dates[-1] < TODAY
    assert (dates[-1] - dates[0]).days >= 8 * 7
    assert not set(dates) & days_off
    assert dt.date(2026, 11, 4) in days_off  # Unity Day
    assert moved_from not in dates
    assert moved_to in dates
    assert all(d.isoweekday() <= 5 or d == moved_to for d in dates)
    # the Saturday follows the timetable of the day it replaced
    weekday_of = await demo.all(
        "SELECT DISTINCT l.group_id, l.slot, l.discipline_id FROM lesson l "
        "WHERE l.institution_id = :i AND l.date = :d",
        i=inst,
        d=moved_to,
    )
    planned = await demo.all(
        "SELECT DISTINCT group_id, slot, discipline_id FROM timetable_entry "
        "WHERE institution_id = :i AND weekday = :w",
        i=inst,
        w=moved_from.isoweekday(),
    )
    assert sorted(weekday_of) == sorted(planned)
    if SPECS[slug].kind.value == "school":
        # autumn holidays between the first and second quarter
        assert not [d for d in dates if dt.date(2026, 10, 26) <= d <= dt.date(2026, 11, 1)]


async def test_lessons_match_the_timetable_and_assignments(demo: Seeded) -> None:
    stray = await demo.scalar(
        """SELECT count(*) FROM lesson l LEFT JOIN teaching_assignment a
           ON a.group_id = l.group_id AND a.discipline_id = l.discipline_id
           AND a.teacher_id = l.teacher_id WHERE a.id IS NULL OR l.room_id IS NULL"""
    )
    assert stray == 0
    clashes = await demo.all(
        "SELECT teacher_id, date, slot FROM lesson GROUP BY teacher_id, date, slot HAVING count(*) > 1"
    )
    assert clashes == []


async def test_topics_come_in_order_from_the_thematic_plan(demo: Seeded) -> None:
    wrong = await demo.scalar(
        """SELECT count(*) FROM lesson l JOIN thematic_plan_topic t ON t.id = l.plan_topic_id
           JOIN thematic_plan p ON p.id = t.plan_id
           WHERE p.group_id != l.group_id OR p.discipline_id != l.discipline_id
              OR t.title != l.topic OR t.lesson_type != l.lesson_type"""
    )
    assert wrong == 0
    assert await demo.scalar("SELECT count(*) FROM lesson WHERE plan_topic_id IS NULL") == 0
    rows = await demo.all(
        """SELECT l.group_id, l.discipline_id, t.position FROM lesson l
           JOIN thematic_plan_topic t ON t.id = l.plan_topic_id
           ORDER BY l.group_id, l.discipline_id, l.date, l.slot"""
    )
    expected: dict[tuple[int, int], int] = {}
    for r in rows:
        key = (r.group_id, r.discipline_id)
        expected[key] = expected.get(key, 0) + 1
        assert r.position == expected[key]
    bare = await demo.scalar(
        "SELECT count(*) FROM thematic_plan_topic WHERE title IN ('Повторение', 'Решение задач')"
    )
    assert bare == 0
    share = await demo.scalar(
        "SELECT avg(CASE WHEN homework IS NULL THEN 0.0 ELSE 1.0 END) FROM lesson"
    )
    assert share > 0.6
    assert await demo.scalar("SELECT count(*) FROM individual_homework") > 0


async def test_works_marks_and_attendance_copy_their_lesson(demo: Seeded) -> None:
    for table in ("work", "mark", "attendance"):
        mismatched = await demo.scalar(
            f"""SELECT count(*) FROM {table} x JOIN lesson l ON l.id = x.lesson_id
                WHERE x.group_id != l.group_id OR x.discipline_id != l.discipline_id
                   OR x.date != l.date OR x.institution_id != l.institution_id"""
        )
        assert mismatched == 0, table
    wrong_work = await demo.scalar(
        "SELECT count(*) FROM mark m JOIN work w ON w.id = m.work_id WHERE w.lesson_id != m.lesson_id"
    )
    assert wrong_work == 0
    outsiders = await demo.scalar(
        """SELECT count(*) FROM mark m LEFT JOIN group_membership g
           ON g.student_id = m.student_id AND g.group_id = m.group_id
           WHERE g.id IS NULL"""
    )
    assert outsiders == 0
    absent_marked = await demo.scalar(
        """SELECT count(*) FROM mark m JOIN attendance a
           ON a.lesson_id = m.lesson_id AND a.student_id = m.student_id AND a.status = 'absent'"""
    )
    assert absent_marked == 0


async def test_works_per_lesson(demo: Seeded) -> None:
    per_lesson = await demo.all(
        """SELECT g.study_year, i.kind, count(w.id) AS n FROM lesson l
           JOIN study_group g ON g.id = l.group_id JOIN institution i ON i.id = l.institution_id
           LEFT JOIN work w ON w.lesson_id = l.id GROUP BY l.id, g.study_year, i.kind"""
    )
    for r in per_lesson:
        first_grade = r.kind == "school" and r.study_year == 1
        assert r.n == (0 if first_grade else 1)
    kinds = dict(await demo.all("SELECT kind, count(*) FROM work GROUP BY kind ORDER BY kind"))
    graded = sum(
        kinds.get(k, 0) for k in ("control", "independent", "practical", "laboratory", "test")
    )
    total = sum(kinds.values())
    assert 0.12 < graded / total < 0.22  # about every sixth lesson
    assert kinds["classwork"] + kinds["oral"] > total / 2
    unnumbered = await demo.scalar(
        "SELECT count(*) FROM work WHERE kind NOT IN ('classwork', 'oral') AND number IS NULL"
    )
    assert unnumbered == 0


async def test_mark_and_attendance_rates(demo: Seeded) -> None:
    values = dict(await demo.all("SELECT value, count(*) FROM mark GROUP BY value"))
    assert set(values) <= {"2", "3", "4", "5", "pass", "fail"}
    assert values["5"] > values["2"]
    assert values["4"] > values["2"]
    assert values.get("pass", 0) > 0
    marked = await demo.scalar(
        """SELECT avg(1.0 * marks / students) FROM (
             SELECT w.id, (SELECT count(*) FROM mark m WHERE m.work_id = w.id) AS marks,
                    (SELECT count(*) FROM group_membership g WHERE g.group_id = w.group_id)
                    AS students
             FROM work w) AS per_work"""
    )
    assert 0.25 <= marked <= 0.40
    slots = await demo.scalar(
        """SELECT sum(n) FROM (SELECT (SELECT count(*) FROM group_membership g
           WHERE g.group_id = l.group_id) AS n FROM lesson l) AS per_lesson"""
    )
    rows = dict(await demo.all("SELECT status, count(*) FROM attendance GROUP BY status"))
    assert 0.05 < rows["absent"] / slots < 0.09
    assert 0.01 < rows["late"] / slots < 0.03
    with_reason = await demo.scalar(
        "SELECT avg(CASE WHEN reason IS NULL THEN 0.0 ELSE 1.0 END) FROM attendance "
        "WHERE status = 'absent'"
    )
    assert 0.45 < with_reason < 0.75
    assert (
        await demo.scalar(
            "SELECT count(*) FROM attendance WHERE status = 'late' AND reason IS NOT NULL"
        )
        == 0
    )
    assert await demo.scalar("SELECT count(*) FROM final_mark") == 0


async def test_ability_is_stable_per_student(demo: Seeded) -> None:
    means = [
        r.mean
        for r in await demo.all(
            "SELECT student_id, avg(CAST(value AS REAL)) AS mean FROM mark "
            "WHERE value NOT IN ('pass', 'fail') GROUP BY student_id HAVING count(*) > 20"
        )
    ]
    assert min(means) < 3.4
    assert max(means) > 4.4


async def test_demo_authors(demo: Seeded) -> None:
    slug = "altai-college-2016"
    teacher = await _account(demo, slug, "teacher")
    curator = await _account(demo, slug, "curator")
    authored = await demo.scalar(
        "SELECT count(*) FROM mark WHERE author_user_id = :u", u=teacher.id
    )
    assert authored > 0
    assert await demo.scalar(
        "SELECT count(*) FROM attendance WHERE reason_set_by_user_id = :u", u=curator.id
    )


# -- determinism -------------------------------------------------------------------------


async def test_same_seed_same_data(demo: Seeded, tmp_path: Path) -> None:
    other = await _seed(tmp_path / "again.db")
    try:
        names = "SELECT surname, name, patronymic FROM person ORDER BY id"
        assert await other.all(names) == await demo.all(names)
        counts = (
            "SELECT i.slug, count(m.id) FROM institution i "
            "LEFT JOIN mark m ON m.institution_id = i.id GROUP BY i.slug ORDER BY i.slug"
        )
        assert await other.all(counts) == await demo.all(counts)
        marks = "SELECT student_id, work_id, value FROM mark ORDER BY id"
        assert await other.all(marks) == await demo.all(marks)
        assert other.summary.accounts == demo.summary.accounts
    finally:
        await other.engine.dispose()
