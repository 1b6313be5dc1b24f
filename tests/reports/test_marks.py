"""The marks reports against a small fixture whose figures are worked out by hand below.

The fixture (:func:`_seed`), the same in a college (altai-college-2016, semester) and a
school (barnaul-school6-2016, quarter): a fresh group of five students, two disciplines,
the demo «teacher» teaching D1 only, in the current period:

=========  ==============  =====================  =============  ==============
student    D1 marks        D1 period mark         D2 marks       final marks
=========  ==============  =====================  =============  ==============
Авдеев     5, 4            «5»                    5              exam D1 «5», credit D2 pass
Борисова   3, 3            —                      4, 3           exam D1 «3», credit D2 fail
Волков     2, 3            «2»                    4              —
Галкина    5, 5            —                      —              exam D1 «4»
Дмитриев   4               —                      —              —
=========  ==============  =====================  =============  ==============

plus a «2» for Авдеев in D1 the day before the period (never counted).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from campusgraph.db import models as m
from campusgraph.db.enums import DisciplineKind, FinalMarkKind, WorkKind
from campusgraph.db.tenancy import unscoped
from campusgraph.ids import to_global_id
from campusgraph.policies.vocabulary import ReportLevel
from campusgraph.reports import marks as r
from campusgraph.reports.access import ReportAccess
from campusgraph.reports.of import ReportOf
from campusgraph.reports.registry import REPORTS, ReportName
from campusgraph.reports.table import InstitutionDetails
from tests.support import DEMO_TODAY
from tests.support.journal import institution_id, period_id

ALTAI = "altai-college-2016"
BARNAUL = "barnaul-school6-2016"
PERIOD_KIND = {ALTAI: "semester", BARNAUL: "quarter"}
#: The demo login made the fixture group's curator (the base ruleset's ``group_curator``
#: reads every report of his group: base policy, altai п. 4.3, barnaul п. 7.3).
CURATOR = {ALTAI: "curator", BARNAUL: "class_teacher"}

HEADER = "header { title group { name } discipline { name } periodName }"
GROUP_RESULTS = f"""
query ($of: ReportOfInput!) {{ groupResults(of: $of) {{
  {HEADER}
  disciplines {{ id name }}
  rows {{ student {{ fullName }} cells {{ marks average finalMark }} marks average }}
  disciplineTotals {{ marks average finalMarks failing }}
  total {{ marks average finalMarks failing }}
}} }}
"""
ACHIEVEMENT_QUALITY = f"""
query ($of: ReportOfInput!) {{ achievementQuality(of: $of) {{
  {HEADER}
  groups {{ group {{ name }} students achieving good achievement quality suppressed }}
  disciplines {{
    discipline {{ name }} students achieving good achievement quality suppressed
  }}
  total {{ students achieving good achievement quality suppressed }}
}} }}
"""
STUDENT_AVERAGE = f"""
query ($of: ReportOfInput!) {{ studentAverage(of: $of) {{
  {HEADER}
  students {{
    student {{ fullName }} disciplines {{ discipline {{ name }} marks average }} marks average
  }}
}} }}
"""
MARK_SUMMARY_SHEET = f"""
query ($of: ReportOfInput!) {{ markSummarySheet(of: $of) {{
  {HEADER}
  disciplines {{ name }}
  rows {{ student {{ fullName }} cells {{ finalMark average isAverage }} }}
}} }}
"""
EXAM_SHEET = f"""
query ($of: ReportOfInput!) {{ examSheet(of: $of) {{
  {HEADER}
  teachers
  rows {{ student {{ fullName }} mark date teacher }}
  totals {{ mark count }}
  notSet
  average
}} }}
"""
CREDIT_SHEET = EXAM_SHEET.replace("examSheet", "creditSheet")
DOCUMENTS = {
    "groupResults": GROUP_RESULTS,
    "achievementQuality": ACHIEVEMENT_QUALITY,
    "studentAverage": STUDENT_AVERAGE,
    "markSummarySheet": MARK_SUMMARY_SHEET,
    "examSheet": EXAM_SHEET,
    "creditSheet": CREDIT_SHEET,
}

NAMES = ["Авдеев", "Борисова", "Волков", "Галкина", "Дмитриев"]
D1, D2 = "Отчётная математика", "Отчётная история"


@dataclasses.dataclass(frozen=True)
class Fixture:
    group: str
    d1: str
    d2: str
    period: str
    students: list[str]
    teacher: str  # the demo teacher's full name
    first_day: dt.date

    def of(self, **more: Any) -> dict[str, Any]:
        return {"group": self.group, "period": self.period, **more}


async def _seed(db: Any, slug: str) -> Fixture:
    inst = await institution_id(db, slug)
    pid = await period_id(db, slug, DEMO_TODAY, PERIOD_KIND[slug])
    days = [DEMO_TODAY - dt.timedelta(days=n) for n in (3, 2, 1)]
    async with unscoped(db.factory) as s:
        period = await s.get(m.Period, pid)
        assert period is not None
        ua, e, p = m.UserAccount, m.Employee, m.Person
        user, employee, surname, name, patronymic = (
            await s.execute(
                select(ua.id, e.id, p.surname, p.name, p.patronymic)
                .join(e, e.person_id == ua.person_id)
                .join(p, p.id == ua.person_id)
                .where(ua.institution_id == inst, ua.login == "teacher")
            )
        ).one()
        curator = (
            await s.execute(
                select(e.id)
                .join(ua, ua.person_id == e.person_id)
                .where(ua.institution_id == inst, ua.login == CURATOR[slug])
            )
        ).scalar_one()
        group = m.StudyGroup(
            institution_id=inst,
            name="Отчёт-1",
            study_year=1,
            academic_year_id=period.academic_year_id,
        )
        d1 = m.Discipline(institution_id=inst, code="ОТЧ.01", name=D1, kind=DisciplineKind.SUBJECT)
        d2 = m.Discipline(institution_id=inst, code="ОТЧ.02", name=D2, kind=DisciplineKind.SUBJECT)
        s.add_all([group, d1, d2])
        await s.flush()
        s.add(
            m.Curatorship(
                institution_id=inst,
                group_id=group.id,
                curator_id=curator,
                starts_on=period.starts_on,
            )
        )
        s.add(
            m.TeachingAssignment(
                institution_id=inst,
                teacher_id=employee,
                discipline_id=d1.id,
                group_id=group.id,
                academic_year_id=period.academic_year_id,
            )
        )
        students = []
        for surname_ in NAMES:
            person = m.Person(institution_id=inst, surname=surname_, name="Тест")
            s.add(person)
            await s.flush()
            student = m.Student(institution_id=inst, person_id=person.id)
            s.add(student)
            await s.flush()
            s.add(
                m.GroupMembership(
                    institution_id=inst,
                    student_id=student.id,
                    group_id=group.id,
                    starts_on=period.starts_on,
                )
            )
            students.append(student.id)

        async def work(discipline: int, day: dt.date, slot: int) -> tuple[int, int]:
            lesson = m.Lesson(
                institution_id=inst,
                group_id=group.id,
                discipline_id=discipline,
                teacher_id=employee,
                date=day,
                slot=slot,
            )
            s.add(lesson)
            await s.flush()
            w = m.Work(
                institution_id=inst,
                lesson_id=lesson.id,
                group_id=group.id,
                discipline_id=discipline,
                date=day,
                kind=WorkKind.CLASSWORK,
            )
            s.add(w)
            await s.flush()
            return lesson.id, w.id

        w1 = await work(d1.id, days[0], 7)
        w2 = await work(d1.id, days[1], 7)
        w3 = await work(d2.id, days[0], 8)
        w4 = await work(d2.id, days[2], 8)
        before = await work(d1.id, period.starts_on - dt.timedelta(days=1), 7)
        a, b, v, g, d = students
        given = [
            (w1, d1, a, "5", days[0]),
            (w2, d1, a, "4", days[1]),
            (w1, d1, b, "3", days[0]),
            (w2, d1, b, "3", days[1]),
            (w1, d1, v, "2", days[0]),
            (w2, d1, v, "3", days[1]),
            (w1, d1, g, "5", days[0]),
            (w2, d1, g, "5", days[1]),
            (w1, d1, d, "4", days[0]),
            (w3, d2, a, "5", days[0]),
            (w3, d2, b, "4", days[0]),
            (w4, d2, b, "3", days[2]),
            (w3, d2, v, "4", days[0]),
            (before, d1, a, "2", period.starts_on - dt.timedelta(days=1)),
        ]
        for (lesson, w), discipline, student, value, day in given:
            s.add(
                m.Mark(
                    institution_id=inst,
                    work_id=w,
                    lesson_id=lesson,
                    student_id=student,
                    group_id=group.id,
                    discipline_id=discipline.id,
                    date=day,
                    value=value,
                    version=1,
                )
            )
        finals = [
            (d1, a, FinalMarkKind.PERIOD, "5"),
            (d1, v, FinalMarkKind.PERIOD, "2"),
            (d1, a, FinalMarkKind.EXAM, "5"),
            (d1, b, FinalMarkKind.EXAM, "3"),
            (d1, g, FinalMarkKind.EXAM, "4"),
            (d2, a, FinalMarkKind.ATTESTATION, "pass"),
            (d2, b, FinalMarkKind.ATTESTATION, "fail"),
        ]
        for discipline, student, kind, value in finals:
            s.add(
                m.FinalMark(
                    institution_id=inst,
                    student_id=student,
                    discipline_id=discipline.id,
                    group_id=group.id,
                    period_id=pid,
                    date=period.ends_on,
                    kind=kind,
                    value=value,
                    version=1,
                    author_user_id=user,
                    set_on=days[2],
                )
            )
        await s.commit()
        ids = (group.id, d1.id, d2.id)
    return Fixture(
        group=to_global_id("Group", ids[0]),
        d1=to_global_id("Discipline", ids[1]),
        d2=to_global_id("Discipline", ids[2]),
        period=to_global_id("Period", pid),
        students=[to_global_id("Student", x) for x in students],
        teacher=" ".join(x for x in (surname, name, patronymic) if x),
        first_day=days[0],
    )


def _names(rows: list[dict[str, Any]]) -> list[str]:
    return [row["student"]["fullName"].split()[0] for row in rows]


def _refused(payload: dict[str, Any], field: str) -> str:
    assert payload["data"] == {field: None}, payload
    (error,) = payload["errors"]
    assert error["path"] == [field]
    return str(error["extensions"]["code"])


# -- figures --------------------------------------------------------------------------------


@pytest.mark.parametrize("slug", [ALTAI, BARNAUL])
async def test_the_figures_are_the_hand_computed_ones(db: Any, sign_in: Any, slug: str) -> None:
    # given the fixture and the group's curator (who may read every report of his group)
    fx = await _seed(db, slug)
    head = await sign_in(slug, CURATOR[slug])

    # when the group's results for the period are asked
    results = (await head.data(GROUP_RESULTS, {"of": fx.of()}))["groupResults"]
    # then the columns are D1, D2 (by code), the students by surname
    assert [d["name"] for d in results["disciplines"]] == [D1, D2]
    assert _names(results["rows"]) == NAMES
    assert results["header"]["group"] == {"name": "Отчёт-1"}
    cells = [
        [(c["marks"], c["average"], c["finalMark"]) for c in row["cells"]]
        for row in results["rows"]
    ]
    assert cells == [
        # Авдеев: D1 (5+4)/2 = 4.50, period mark «5» (the «2» before the period is not his);
        # D2 5/1
        [(2, 4.5, "5"), (1, 5.0, None)],
        [(2, 3.0, None), (2, 3.5, None)],  # Борисова: (3+3)/2; (4+3)/2
        [(2, 2.5, "2"), (1, 4.0, None)],  # Волков: (2+3)/2 with «2» for the period; 4
        [(2, 5.0, None), (0, None, None)],  # Галкина
        [(1, 4.0, None), (0, None, None)],  # Дмитриев
    ]
    overall = [(row["marks"], row["average"]) for row in results["rows"]]
    # 14/3 = 4.666… → 4.67; 13/4 = 3.25; 9/3 = 3; 10/2; 4/1 — all numeric marks, not
    # the mean of the disciplines' averages (Авдеев's would be 4.75)
    assert overall == [(3, 4.67), (4, 3.25), (3, 3.0), (2, 5.0), (1, 4.0)]
    totals = [
        (t["marks"], t["average"], t["finalMarks"], t["failing"])
        for t in results["disciplineTotals"]
    ]
    # D1: 9 marks summing 9+6+5+10+4 = 34, 34/9 = 3.777… → 3.78, period marks «5» and «2»;
    # D2: 4 marks, (5+7+4)/4 = 4.00
    assert totals == [(9, 3.78, 2, 1), (4, 4.0, 0, 0)]
    # the group: 13 marks, 50/13 = 3.846… → 3.85
    assert results["total"] == {"marks": 13, "average": 3.85, "finalMarks": 2, "failing": 1}

    # when achievement and quality of the group are asked
    aq = (await head.data(ACHIEVEMENT_QUALITY, {"of": fx.of()}))["achievementQuality"]
    # then results: Авдеев 5 (period) and 5; Борисова 3 and 4 (3.5 half up); Волков «2»
    # (the period mark wins over 2.5 → 3) and 4; Галкина 5; Дмитриев 4.
    # Achieving: all but Волков = 4/5 = 80 %; good: Авдеев, Галкина, Дмитриев = 3/5 = 60 %
    whole = {
        "students": 5,
        "achieving": 4,
        "good": 3,
        "achievement": 80.0,
        "quality": 60.0,
        "suppressed": False,
    }
    assert aq["groups"] == [{"group": {"name": "Отчёт-1"}, **whole}]
    assert aq["total"] == whole
    assert aq["disciplines"] == [
        # D1: 5, 3, 2, 5, 4 → 4 achieving (80 %), 3 good (60 %)
        {"discipline": {"name": D1}, **whole},
        # D2: Авдеев 5, Борисова 4, Волков 4 → 3 of 3
        {
            "discipline": {"name": D2},
            "students": 3,
            "achieving": 3,
            "good": 3,
            "achievement": 100.0,
            "quality": 100.0,
            "suppressed": False,
        },
    ]

    # when the whole institution is asked by who reads it, then the group's row is the
    # same as asked alone, among the demo groups, and no group × discipline rows
    reader = await sign_in(slug, "deputy_director" if slug == ALTAI else "head_teacher")
    school = await reader.data(ACHIEVEMENT_QUALITY, {"of": {"period": fx.period}})
    everywhere = school["achievementQuality"]
    assert [g for g in everywhere["groups"] if g["group"]["name"] == "Отчёт-1"] == aq["groups"]
    assert len(everywhere["groups"]) > 1
    assert everywhere["disciplines"] == []
    assert everywhere["total"]["students"] > 5

    # when one student's average is asked, then his disciplines and all his marks
    one = {"of": {"student": fx.students[0], "period": fx.period}}
    average = (await head.data(STUDENT_AVERAGE, one))["studentAverage"]["students"]
    assert average == [
        {
            "student": {"fullName": "Авдеев Тест"},
            "disciplines": [
                {"discipline": {"name": D1}, "marks": 2, "average": 4.5},
                {"discipline": {"name": D2}, "marks": 1, "average": 5.0},
            ],
            "marks": 3,
            "average": 4.67,
        }
    ]
    # … and by the group, every student, the same figures as the group's results
    by_group = (await head.data(STUDENT_AVERAGE, {"of": fx.of()}))["studentAverage"]
    assert [(x["marks"], x["average"]) for x in by_group["students"]] == overall
    assert [len(x["disciplines"]) for x in by_group["students"]] == [2, 2, 2, 1, 1]

    # when the summary sheet is asked: the period mark, else the average marked as such
    sheet = (await head.data(MARK_SUMMARY_SHEET, {"of": fx.of()}))["markSummarySheet"]
    assert [
        [(c["finalMark"], c["average"], c["isAverage"]) for c in row["cells"]]
        for row in sheet["rows"]
    ] == [
        [("5", 4.5, False), (None, 5.0, True)],
        [(None, 3.0, True), (None, 3.5, True)],
        [("2", 2.5, False), (None, 4.0, True)],
        [(None, 5.0, True), (None, None, False)],
        [(None, 4.0, True), (None, None, False)],
    ]

    # when the exam sheet of D1 is asked: exam marks only (not the period marks)
    exam = (await head.data(EXAM_SHEET, {"of": fx.of(discipline=fx.d1)}))["examSheet"]
    assert exam["teachers"] == [fx.teacher]
    assert [(x["mark"], x["teacher"]) for x in exam["rows"]] == [
        ("5", fx.teacher),
        ("3", fx.teacher),
        (None, None),
        ("4", fx.teacher),
        (None, None),
    ]
    assert exam["rows"][0]["date"] == (DEMO_TODAY - dt.timedelta(days=1)).isoformat()
    # «5», «4», «3» once each, no «2», two not given; (5+3+4)/3 = 4
    assert exam["totals"] == [
        {"mark": "5", "count": 1},
        {"mark": "4", "count": 1},
        {"mark": "3", "count": 1},
        {"mark": "2", "count": 0},
    ]
    assert (exam["notSet"], exam["average"]) == (2, 4.0)

    # when the credit sheet of D2 is asked: pass and fail, three not given, no average
    credit = (await head.data(CREDIT_SHEET, {"of": fx.of(discipline=fx.d2)}))["creditSheet"]
    assert [x["mark"] for x in credit["rows"]] == ["pass", "fail", None, None, None]
    assert credit["totals"][-2:] == [{"mark": "pass", "count": 1}, {"mark": "fail", "count": 1}]
    assert (credit["notSet"], credit["average"]) == (3, None)
    assert credit["teachers"] == []  # nobody is assigned D2


# -- access ---------------------------------------------------------------------------------


@pytest.mark.parametrize("slug", [ALTAI, BARNAUL])
async def test_each_report_is_given_or_refused_by_the_ruleset(
    db: Any, sign_in: Any, slug: str
) -> None:
    # given the fixture; the Barnaul teacher teaches D1 of the group (п. 7.1: «по классу и
    # предмету – педагогам … которые работают в этих классах»), Altai's curator curates it
    # (п. 4.3); a parent is no one's reader of a group's reports
    fx = await _seed(db, slug)
    may = await sign_in(slug, "curator" if slug == ALTAI else "teacher")
    parent = await sign_in(slug, "parent")
    asked = {
        "groupResults": fx.of(),
        "achievementQuality": fx.of(),
        "studentAverage": {"student": fx.students[0], "period": fx.period},
        "markSummarySheet": fx.of(),
        "examSheet": fx.of(discipline=fx.d1),
        "creditSheet": fx.of(discipline=fx.d1),
    }
    for field, of in asked.items():
        # when the reader asks, then data; when the parent asks, then FORBIDDEN
        assert (await may.data(DOCUMENTS[field], {"of": of}))[field] is not None, field
        refused = await parent.query(DOCUMENTS[field], {"of": of})
        assert _refused(refused, field) == "FORBIDDEN", field
    if slug == BARNAUL:
        # the teacher gets his class × subject, not another subject of the class, not the
        # school
        refused = await may.query(CREDIT_SHEET, {"of": fx.of(discipline=fx.d2)})
        assert _refused(refused, "creditSheet") == "FORBIDDEN"
        school = await may.query(ACHIEVEMENT_QUALITY, {"of": {"period": fx.period}})
        assert _refused(school, "achievementQuality") == "FORBIDDEN"


async def test_the_authority_sees_aggregates_with_small_cells_hidden(db: Any, sign_in: Any) -> None:
    # given the fixture at Altai and the region's authority (small cells: under 5 students)
    fx = await _seed(db, ALTAI)
    authority = await sign_in("demo-region", "authority")
    # when the authority asks achievement and quality of the group
    aq = (await authority.data(ACHIEVEMENT_QUALITY, {"of": fx.of()}))["achievementQuality"]
    # then the group's five students show (5 is not under 5) …
    assert aq["groups"][0]["achievement"] == 80.0
    assert aq["groups"][0]["suppressed"] is False
    # … and D2, over three students, is hidden
    d2 = aq["disciplines"][1]
    assert d2 == {
        "discipline": {"name": D2},
        "students": 3,
        "achieving": None,
        "good": None,
        "achievement": None,
        "quality": None,
        "suppressed": True,
    }
    # when it asks any report listing students, then FORBIDDEN, never the rows
    for field in ("groupResults", "markSummarySheet", "studentAverage"):
        payload = await authority.query(DOCUMENTS[field], {"of": fx.of()})
        assert _refused(payload, field) == "FORBIDDEN"


async def test_a_report_takes_the_same_statements_for_five_students_as_for_a_full_group(
    db: Any, sign_in: Any, sql_counter: Any
) -> None:
    # given the fixture's five students and the demo group with the most marks
    fx = await _seed(db, ALTAI)
    head = await sign_in(ALTAI, "deputy_director")
    inst = await institution_id(db, ALTAI)
    async with unscoped(db.factory) as s:
        big = (
            await s.execute(
                select(m.Mark.group_id)
                .where(m.Mark.institution_id == inst)
                .group_by(m.Mark.group_id)
                .order_by(func.count().desc())
                .limit(1)
            )
        ).scalar_one()
    counts = []
    for group in (fx.group, to_global_id("Group", big)):
        for document, field in (
            (GROUP_RESULTS, "groupResults"),
            (ACHIEVEMENT_QUALITY, "achievementQuality"),
        ):
            # when each report is asked of each group
            with sql_counter() as sql:
                data = await head.data(document, {"of": {"group": group, "period": fx.period}})
            assert data[field] is not None
            counts.append(sql.count)
    # then the big group's report (hundreds of marks) takes as many statements as five
    # students' do, and a few at that
    assert counts[:2] == counts[2:], counts
    assert max(counts) <= 16, counts


async def test_the_title_follows_the_language(db: Any, sign_in: Any, client: Any) -> None:
    fx = await _seed(db, ALTAI)
    head = await sign_in(ALTAI, "curator")
    for language, title in (("en", "Exam sheet"), ("ru", "Экзаменационная ведомость")):
        response = await head.post(
            EXAM_SHEET,
            {"of": fx.of(discipline=fx.d1)},
            headers={"Accept-Language": language},
        )
        assert response.json()["data"]["examSheet"]["header"]["title"] == title


# -- the printed tables -----------------------------------------------------------------------

ACCESS = ReportAccess(
    of=ReportOf(group_id=1, discipline_id=2, period_id=3),
    level=ReportLevel.SUBJECT,
    institution_id=1,
    group_ids=(),
    person_id=None,
    period=None,
    date_from=dt.date(2026, 9, 1),
    date_to=dt.date(2026, 12, 28),
    suppress_below=5,
)
HEAD = r.Header(
    institution=InstitutionDetails(name="Колледж"),
    group=r.Named(1, "Отчёт-1"),
    discipline=r.Named(2, D1),
    period_name="1 семестр",
    date_from=dt.date(2026, 9, 1),
    date_to=dt.date(2026, 12, 28),
)


def test_the_summary_sheet_reads_in_russian_or_english_and_marks_averages() -> None:
    # given a summary sheet of two students and two disciplines
    data = r.MarkSummarySheet(
        header=HEAD,
        disciplines=[r.Named(2, D1), r.Named(3, D2)],
        rows=[
            r.SummaryRow(
                r.Named(1, "Авдеев Тест"),
                [
                    r.SummaryCell("5", Decimal("4.50"), False),
                    r.SummaryCell(None, Decimal("3.50"), True),
                ],
            ),
            r.SummaryRow(
                r.Named(2, "Борисова Тест"),
                [r.SummaryCell("pass", None, False), r.SummaryCell(None, None, False)],
            ),
        ],
    )
    spec = REPORTS[ReportName.MARK_SUMMARY_SHEET]
    # when it is printed in English and in Russian
    en = spec.table(data, ACCESS, "en")
    ru = spec.table(data, ACCESS, "ru")
    # then the headers and words are the language's, the average marked as such
    assert (en.title, ru.title) == ("Summary sheet of marks", "Сводная ведомость отметок")
    assert [c.title for c in en.columns] == ["No.", "Student", D1, D2]
    assert [c.title for c in ru.columns] == ["№", "Обучающийся", D1, D2]
    assert en.rows == [[1, "Авдеев Тест", "5", "avg 3.50"], [2, "Борисова Тест", "pass", None]]
    assert ru.rows[0][3] == "ср. 3,50"
    assert ru.rows[1][2] == "зачтено"
    assert en.landscape
    assert spec.printable
    assert "Period: 1 семестр" in en.subtitle


def test_a_suppressed_row_prints_empty_with_a_note() -> None:
    hidden = r.QualityRow(r.Named(1, "Отчёт-1"), r.Named(3, D2), 3, None, None, None, None, True)
    shown = r.QualityRow(
        r.Named(1, "Отчёт-1"), None, 5, 4, 3, Decimal("80.0"), Decimal("60.0"), False
    )
    data = r.AchievementQuality(header=HEAD, groups=[shown], disciplines=[hidden], total=shown)
    table = REPORTS[ReportName.ACHIEVEMENT_QUALITY].table(data, ACCESS, "en")
    assert [c.title for c in table.columns][-2:] == ["Achievement, %", "Quality, %"]
    assert table.rows == [
        ["Отчёт-1", "all", 5, 4, 3, Decimal("80.0"), Decimal("60.0")],
        ["Отчёт-1", D2, 3, None, None, None, None],
    ]
    assert table.footer[-1] == "Figures over fewer than 5 students are hidden."
