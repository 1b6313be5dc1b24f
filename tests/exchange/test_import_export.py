"""Import and export of lists: all or nothing, every bad row named, CSV as Russian Excel
writes it and XLSX, the ruleset's permissions, export → import round trips, and the
command line (progress on stderr, a non-zero exit on a bad file)."""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from campusgraph.db import models as m
from campusgraph.db.enums import InstitutionKind
from campusgraph.db.tenancy import unscoped
from campusgraph.exchange.command import run_export, run_import
from campusgraph.exchange.formats import FileFormat, read
from campusgraph.exchange.lists import ListKind
from campusgraph.settings import Settings
from campusgraph.validators import format_snils, snils_checksum
from tests.support import DEMO_TODAY

IMPORT = """
mutation ($input: ImportListInput!) {
  importList(input: $input) {
    report { imported rows dryRun problems { row column value message } }
    errors { code field message rule }
  }
}
"""
EXPORT = """
query ($kind: ListKind!, $format: FileFormat!) {
  exportList(kind: $kind, format: $format) { filename contentType content rows personalData }
}
"""

ARMAVIR = "armavir-technikum-2025"
STUDENT_HEADERS = [
    "Фамилия",
    "Имя",
    "Отчество",
    "Пол",
    "Дата рождения",
    "Группа",
    "Гражданство",
    "Номер зачётной книжки",
    "Номер приказа о зачислении",
    "Дата зачисления",
    "Источник финансирования",
    "Форма обучения",
    "Уровень образования",
    "СНИЛС",
    "Адрес проживания",
    "Адрес регистрации",
]
GROUPS = ["ПК-11", "ПК-21", "ПК-31", "ТГ-11", "ТГ-21", "ТИК-11", "ТИК-21"]
SURNAMES = [
    "Абрамов", "Белов", "Воронин", "Галкин", "Дьячков", "Ершов", "Жуков", "Зуев", "Исаев",
    "Калинин", "Лапин", "Мухин", "Носков", "Осипов", "Панфилов", "Рябов", "Суханов",
    "Тихонов", "Уваров", "Фомичёв",
]  # fmt: skip
NAMES = ["Артём", "Богдан", "Василий", "Глеб", "Денис", "Егор", "Захар", "Игорь", "Кирилл", "Лев"]
#: Four bad rows: index in the data (the user sees index + 2) → what is wrong. A row with a
#: group needs its enrolment order (a row without one is a card alone, as exported).
BAD_SNILS_AT, NO_SURNAME_AT, UNKNOWN_GROUP_AT, NO_ORDER_AT = 10, 57, 143, 171


def _snils(i: int, *, wrong: bool = False) -> str:
    digits = f"{600_000_000 + i * 1013:09d}"
    check = int(snils_checksum(digits))
    return format_snils(digits + f"{(check + 1) % 100 if wrong else check:02d}")


def student_rows(n: int = 200, *, bad: bool) -> list[dict[str, Any]]:
    rows = []
    for i in range(n):
        rows.append(
            {
                "Фамилия": SURNAMES[i % 20],
                "Имя": NAMES[(i // 20) % 10],
                "Отчество": "Сергеевич",
                "Пол": "м" if i % 3 else "М",
                "Дата рождения": dt.date(2008, 1, 1) + dt.timedelta(days=i * 3),
                "Группа": GROUPS[i % len(GROUPS)],
                "Гражданство": "Российская Федерация" if i % 5 else "",
                "Номер зачётной книжки": f"26-{i:04d}",
                "Номер приказа о зачислении": "И-501",
                "Дата зачисления": dt.date(2026, 9, 1),
                "Источник финансирования": "бюджет" if i % 4 else "договор",
                "Форма обучения": "очная",
                "Уровень образования": "Основное общее образование",
                "СНИЛС": _snils(i),
                "Адрес проживания": f"г. Армавир, ул. Кирова, {i + 1}",
                "Адрес регистрации": "",
            }
        )
    if bad:
        rows[BAD_SNILS_AT]["СНИЛС"] = _snils(BAD_SNILS_AT, wrong=True)
        rows[NO_SURNAME_AT]["Фамилия"] = ""
        rows[UNKNOWN_GROUP_AT]["Группа"] = "ПК-99"
        rows[NO_ORDER_AT]["Номер приказа о зачислении"] = ""
    return rows


def to_csv(rows: list[dict[str, Any]], headers: list[str], delimiter: str = ";") -> str:
    """As Russian Excel saves «CSV UTF-8»: BOM, «;», CRLF, dates ДД.ММ.ГГГГ."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow(
            [
                v.strftime("%d.%m.%Y") if isinstance(v := row.get(h, ""), dt.date) else v
                for h in headers
            ]
        )
    return "\ufeff" + out.getvalue()


def to_xlsx(rows: list[dict[str, Any]], headers: list[str]) -> bytes:
    """As a user fills a sheet: dates as date cells, the rest as typed."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h) or None for h in headers])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def content(fmt: str, rows: list[dict[str, Any]], headers: list[str]) -> str:
    if fmt == "CSV":
        return to_csv(rows, headers)
    return base64.b64encode(to_xlsx(rows, headers)).decode()


async def _count(db: Any, model: Any, slug: str = ARMAVIR) -> int:
    async with unscoped(db.factory) as s:
        inst = (
            await s.execute(select(m.Institution.id).where(m.Institution.slug == slug))
        ).scalar_one()
        return int(
            (
                await s.execute(select(func.count(model.id)).where(model.institution_id == inst))
            ).scalar_one()
        )


async def _import(client: Any, kind: str, fmt: str, text: str, dry_run: bool = False) -> Any:
    variables = {"input": {"kind": kind, "format": fmt, "content": text, "dryRun": dry_run}}
    return (await client.data(IMPORT, variables))["importList"]


EXPECTED_PROBLEMS = [
    {
        "row": BAD_SNILS_AT + 2,
        "column": "СНИЛС",
        "value": _snils(BAD_SNILS_AT, wrong=True),
        "message": "Неверный СНИЛС: не сходится контрольное число.",
    },
    {"row": NO_SURNAME_AT + 2, "column": "Фамилия", "value": "", "message": "Поле обязательно."},
    {
        "row": UNKNOWN_GROUP_AT + 2,
        "column": "Группа",
        "value": "ПК-99",
        "message": "Группы «ПК-99» нет среди групп открытого учебного года.",
    },
    {
        "row": NO_ORDER_AT + 2,
        "column": "Номер приказа о зачислении",
        "value": "",
        "message": "Поле обязательно.",
    },
]


# -- all or nothing -----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["CSV", "XLSX"])
async def test_a_file_with_four_bad_rows_imports_nothing_and_names_them(
    db: Any, sign_in: Any, fmt: str
) -> None:
    admin = await sign_in(ARMAVIR, "administrator")
    students, memberships = await _count(db, m.Student), await _count(db, m.GroupMembership)

    bad = await _import(
        admin, "STUDENTS", fmt, content(fmt, student_rows(bad=True), STUDENT_HEADERS)
    )

    assert bad["errors"] == []
    assert bad["report"] == {
        "imported": 0,
        "rows": 200,
        "dryRun": False,
        "problems": EXPECTED_PROBLEMS,
    }
    assert await _count(db, m.Student) == students
    assert await _count(db, m.GroupMembership) == memberships

    good = await _import(
        admin, "STUDENTS", fmt, content(fmt, student_rows(bad=False), STUDENT_HEADERS)
    )

    assert good["errors"] == []
    assert good["report"] == {"imported": 200, "rows": 200, "dryRun": False, "problems": []}
    assert await _count(db, m.Student) == students + 200
    assert await _count(db, m.GroupMembership) == memberships + 200
    async with unscoped(db.factory) as s:
        in_pk11 = (
            await s.execute(
                select(
                    m.Person.surname,
                    m.Person.name,
                    m.StudentPersonal.snils,
                    m.Student.funding_source,
                )
                .join(m.Student, m.Student.person_id == m.Person.id)
                .join(m.StudentPersonal, m.StudentPersonal.student_id == m.Student.id)
                .join(m.GroupMembership, m.GroupMembership.student_id == m.Student.id)
                .join(m.StudyGroup, m.StudyGroup.id == m.GroupMembership.group_id)
                .where(m.StudyGroup.name == "ПК-11", m.Student.record_book_number == "26-0000")
            )
        ).one()
        order = (
            await s.execute(select(m.MovementOrder).where(m.MovementOrder.number == "И-501"))
        ).scalar_one()
    assert tuple(in_pk11) == ("Абрамов", "Артём", _snils(0), in_pk11[3])
    assert in_pk11[3].value == "contract"  # row 0: «договор»
    assert (order.kind.value, order.effective_on) == ("enrolment", dt.date(2026, 9, 1))

    again = await _import(
        admin, "STUDENTS", fmt, content(fmt, student_rows(bad=False), STUDENT_HEADERS), True
    )
    assert again["report"]["imported"] == 0
    assert len(again["report"]["problems"]) == 400  # each student and each СНИЛС is there now
    assert {p["column"] for p in again["report"]["problems"]} == {"Фамилия", "СНИЛС"}


async def test_a_comma_separated_file_and_a_dry_run(db: Any, sign_in: Any) -> None:
    admin = await sign_in(ARMAVIR, "administrator")
    students = await _count(db, m.Student)
    text = to_csv(student_rows(30, bad=False), STUDENT_HEADERS, delimiter=",")

    checked = await _import(admin, "STUDENTS", "CSV", text, dry_run=True)

    assert checked["report"] == {"imported": 0, "rows": 30, "dryRun": True, "problems": []}
    assert await _count(db, m.Student) == students


async def test_a_file_without_a_required_column_or_unreadable_is_refused(
    db: Any, sign_in: Any
) -> None:
    admin = await sign_in(ARMAVIR, "administrator")
    headers = [h for h in STUDENT_HEADERS if h != "Группа"]

    no_group = await _import(admin, "STUDENTS", "CSV", to_csv(student_rows(3, bad=False), headers))
    garbage = await _import(admin, "STUDENTS", "XLSX", base64.b64encode(b"not a workbook").decode())

    assert no_group["report"]["problems"] == [
        {"row": 1, "column": "Группа", "value": "", "message": "Нет обязательного столбца."}
    ]
    assert garbage["report"] is None
    assert [(e["code"], e["field"]) for e in garbage["errors"]] == [("VALIDATION", "input.content")]
    assert "XLSX" in garbage["errors"][0]["message"]


async def test_a_closed_year_is_not_rewritten_by_an_import(db: Any, sign_in: Any) -> None:
    """The card keeps the enrolment of 2025; the membership starts after the closed year."""
    admin = await sign_in(ARMAVIR, "administrator")
    async with unscoped(db.factory, write=True) as s:
        inst = (
            await s.execute(select(m.Institution.id).where(m.Institution.slug == ARMAVIR))
        ).scalar_one()
        s.add(
            m.AcademicYear(
                institution_id=inst,
                name="2025/2026",
                starts_on=dt.date(2025, 9, 1),
                ends_on=dt.date(2026, 6, 30),
                closed_at=dt.datetime(2026, 7, 1, tzinfo=dt.UTC),
            )
        )
        await s.commit()
    [row] = student_rows(1, bad=False)
    row["Дата зачисления"] = dt.date(2025, 9, 1)

    result = await _import(admin, "STUDENTS", "CSV", to_csv([row], STUDENT_HEADERS))

    assert result["report"]["imported"] == 1
    async with unscoped(db.factory) as s:
        card, starts = (
            await s.execute(
                select(m.Student.enrolment_date, m.GroupMembership.starts_on)
                .join(m.GroupMembership, m.GroupMembership.student_id == m.Student.id)
                .where(m.Student.record_book_number == "26-0000")
            )
        ).one()
    assert (card, starts) == (dt.date(2025, 9, 1), dt.date(2026, 7, 1))


# -- who may import and export ------------------------------------------------------------------


async def test_personal_columns_need_the_personal_permission(db: Any, sign_in: Any) -> None:
    """Altai's administrator imports students (п. 4.1) but holds no `student.personal`:
    a file with СНИЛС is refused, the same file without it is accepted."""
    admin = await sign_in("altai-college-2016", "administrator")
    rows = student_rows(5, bad=False)
    for row in rows:
        row["Группа"] = "ИС-11"
    no_personal = [h for h in STUDENT_HEADERS if h not in ("СНИЛС", "Адрес проживания")]

    refused = await _import(admin, "STUDENTS", "CSV", to_csv(rows, STUDENT_HEADERS), True)
    accepted = await _import(admin, "STUDENTS", "CSV", to_csv(rows, no_personal), True)

    assert refused["report"] is None
    assert [(e["code"], e["rule"]) for e in refused["errors"]] == [("FORBIDDEN", "default deny")]
    assert accepted["errors"] == []
    assert accepted["report"]["problems"] == []


@pytest.mark.parametrize(
    ("slug", "login", "kind", "allowed"),
    [
        (ARMAVIR, "administrator", "DISCIPLINES", True),  # `discipline import`, п. 4.1
        (ARMAVIR, "deputy_studies", "DISCIPLINES", False),  # creates disciplines, no import
        (ARMAVIR, "hr_specialist", "STAFF", False),  # Armavir names import: administrator's
        ("barnaul-school6-2016", "secretary", "PARENTS", True),  # no import lines: create
        ("barnaul-school6-2016", "teacher", "PARENTS", False),
        ("tomsk-technikum-2023", "head_of_studies", "PARENTS", True),
    ],
)
async def test_import_needs_import_or_where_the_ruleset_is_silent_create(
    db: Any, sign_in: Any, slug: str, login: str, kind: str, allowed: bool
) -> None:
    staff = await sign_in(slug, login)
    text = {
        "DISCIPLINES": "Индекс;Наименование;Вид\r\nОП.99;Основы импорта;УД\r\n",
        "STAFF": "Фамилия;Имя;Должность\r\nИванов;Иван;Преподаватель\r\n",
        "PARENTS": "Фамилия;Имя;Отчество;Телефон\r\nИванова;Мария;Петровна;+7 900 000-00-00\r\n",
    }[kind]

    result = await _import(staff, kind, "CSV", text, dry_run=True)

    if allowed:
        assert result["errors"] == []
        assert result["report"]["problems"] == []
    else:
        assert [e["code"] for e in result["errors"]] == ["FORBIDDEN"]


async def test_export_is_filtered_by_the_line_that_allows_it(db: Any, sign_in: Any) -> None:
    """Tomsk has no `student export` line: `student read` decides, so a curator exports
    his own group (with the personal data a curator reads); Armavir names employee export,
    so a teacher may not export staff."""
    curator = await sign_in("tomsk-technikum-2023", "curator")
    teacher = await sign_in(ARMAVIR, "teacher")
    group = (
        await curator.data(
            "query { viewer { employee { curatedGroups { name students { id } } } } }"
        )
    )["viewer"]["employee"]["curatedGroups"][0]

    exported = (await curator.data(EXPORT, {"kind": "STUDENTS", "format": "CSV"}))["exportList"]
    refused = await teacher.query(EXPORT, {"kind": "STAFF", "format": "CSV"})

    sheet = read(base64.b64decode(exported["content"]), FileFormat.CSV)
    assert exported["rows"] == len(group["students"]) == len(sheet.rows)
    assert {row[5] for _, row in sheet.rows} == {group["name"]}
    assert all(row[13] for _, row in sheet.rows)  # СНИЛС filled
    assert exported["personalData"] is True
    assert exported["filename"] == f"students-tomsk-technikum-2023-{DEMO_TODAY.isoformat()}.csv"
    assert refused["data"] == {"exportList": None}
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"


CREATE_CARD = """
mutation ($input: CreateStudentCardInput!) {
  createStudentCard(input: $input) { student { id } errors { code field } }
}
"""


async def test_a_card_not_yet_in_a_group_is_exported_with_an_empty_group(
    db: Any, sign_in: Any
) -> None:
    # Given a card Armavir's administrator created today (п. 4.1), not yet placed in a group
    admin = await sign_in(ARMAVIR, "administrator")
    card = {"surname": "Негруппова", "name": "Ольга", "birthDate": "2009-03-04", "sex": "FEMALE"}
    created = (await admin.data(CREATE_CARD, {"input": card}))["createStudentCard"]
    assert created["errors"] == []

    # When the students are exported
    exported = (await admin.data(EXPORT, {"kind": "STUDENTS", "format": "CSV"}))["exportList"]
    sheet = read(base64.b64decode(exported["content"]), FileFormat.CSV)
    rows = [row for _, row in sheet.rows]

    # Then every studying card is there, the new one last, with its group column empty
    assert exported["rows"] == len(rows) == await _count(db, m.Student)
    assert [(row[0], row[5]) for row in rows if row[0] == "Негруппова"] == [("Негруппова", "")]
    assert rows[-1][0] == "Негруппова"
    assert all(row[5] for row in rows[:-1])


# -- export → import round trip ---------------------------------------------------------------


async def _fresh_institution(db: Any, slug: str, groups: list[str], positions: list[str]) -> None:
    """A new, empty college of the demo region with the given groups and positions."""
    async with unscoped(db.factory, write=True) as s:
        region = (await s.execute(select(m.Region.id).limit(1))).scalar_one()
        inst = m.Institution(
            region_id=region,
            slug=slug,
            name="Колледж для проверки загрузки",
            short_name="Проверка",
            kind=InstitutionKind.COLLEGE,
            ruleset=ARMAVIR,
        )
        s.add(inst)
        await s.flush()
        year = m.AcademicYear(
            institution_id=inst.id,
            name="2026/2027",
            starts_on=dt.date(2026, 9, 1),
            ends_on=dt.date(2027, 6, 30),
            is_current=True,
        )
        s.add(year)
        await s.flush()
        for i, name in enumerate(groups):
            s.add(
                m.StudyGroup(
                    institution_id=inst.id,
                    name=name,
                    study_year=1 + i % 3,
                    academic_year_id=year.id,
                )
            )
        for name in positions:
            s.add(m.Position(institution_id=inst.id, name=name))
        await s.commit()


def _settings(db: Any) -> Settings:
    return Settings(database_url=db.url, today=DEMO_TODAY)


@pytest.mark.parametrize("fmt", ["CSV", "XLSX"])
async def test_exported_lists_import_into_a_fresh_institution_unchanged(
    db: Any, sign_in: Any, tmp_path: Path, fmt: str
) -> None:
    admin = await sign_in(ARMAVIR, "administrator")
    await _import(admin, "STUDENTS", "CSV", to_csv(student_rows(bad=False), STUDENT_HEADERS))
    # … and a card not yet in a group (exported with its group and order blank)
    card = {"surname": "Негруппова", "name": "Ольга", "birthDate": "2009-03-04", "sex": "FEMALE"}
    assert (await admin.data(CREATE_CARD, {"input": card}))["createStudentCard"]["errors"] == []
    async with unscoped(db.factory) as s:
        positions = list((await s.execute(select(m.Position.name).distinct())).scalars().all())
    await _fresh_institution(db, "import-check", GROUPS, positions)
    settings = _settings(db)
    suffix = fmt.lower()

    for kind in ("STUDENTS", "STAFF", "DISCIPLINES", "PARENTS"):  # parents need the students
        source = tmp_path / f"{kind}-armavir.{suffix}"
        copy = tmp_path / f"{kind}-copy.{suffix}"
        if kind == "STUDENTS":  # the administrator's export, through GraphQL
            exported = (await admin.data(EXPORT, {"kind": kind, "format": fmt}))["exportList"]
            source.write_bytes(base64.b64decode(exported["content"]))
            assert exported["rows"] == await _count(db, m.Student)
        else:  # the operator's, from the command line
            code = await run_export(
                settings, ListKind(kind.lower()), ARMAVIR, FileFormat(suffix), str(source)
            )
            assert code == 0

        imported = await run_import(
            settings, ListKind(kind.lower()), source, "import-check", dry_run=False
        )
        assert imported == 0, kind
        code = await run_export(
            settings, ListKind(kind.lower()), "import-check", FileFormat(suffix), str(copy)
        )
        assert code == 0

        original = read(source.read_bytes(), FileFormat(suffix))
        again = read(copy.read_bytes(), FileFormat(suffix))
        assert again.headers == original.headers
        assert [r for _, r in again.rows] == [r for _, r in original.rows], kind
        assert len(original.rows) > 0
    assert await _count(db, m.Student, "import-check") == await _count(db, m.Student)
    assert await _count(db, m.ParentLink, "import-check") == await _count(db, m.ParentLink)


# -- parents and disciplines: what their checks catch ----------------------------------------


async def test_parent_rows_link_one_card_to_several_children_and_name_unknown_ones(
    db: Any, sign_in: Any
) -> None:
    secretary = await sign_in("barnaul-school6-2016", "secretary")
    async with unscoped(db.factory) as s:
        kids = (
            await s.execute(
                select(m.Person.surname, m.Person.name, m.Person.patronymic, m.Person.birth_date)
                .join(m.Student, m.Student.person_id == m.Person.id)
                .join(m.Institution, m.Institution.id == m.Student.institution_id)
                .where(m.Institution.slug == "barnaul-school6-2016")
                .order_by(m.Student.id)
                .limit(2)
            )
        ).all()
    headers = ["Фамилия", "Имя", "Отчество", "СНИЛС", "Обучающийся (ФИО)",
               "Дата рождения обучающегося", "Кем приходится"]  # fmt: skip
    parent = {"Фамилия": "Лебедева", "Имя": "Ольга", "Отчество": "Петровна", "СНИЛС": _snils(900)}

    def child(k: Any, relation: str = "мать") -> dict[str, Any]:
        return {
            "Обучающийся (ФИО)": f"{k[0]} {k[1]} {k[2]}",
            "Дата рождения обучающегося": k[3],
            "Кем приходится": relation,
        }

    bad = [
        {**parent, **child(kids[0])},
        {**parent, **child(kids[1]), "Кем приходится": "тётя"},
        {**parent, **child(kids[1]), "Обучающийся (ФИО)": "Несуществующий Ученик"},
    ]
    good = [{**parent, **child(kids[0])}, {**parent, **child(kids[1], "опекун")}]
    parents = await _count(db, m.Parent, "barnaul-school6-2016")

    refused = await _import(secretary, "PARENTS", "CSV", to_csv(bad, headers))
    done = await _import(secretary, "PARENTS", "CSV", to_csv(good, headers))

    assert [(p["row"], p["column"]) for p in refused["report"]["problems"]] == [
        (3, "Кем приходится"),
        (4, "Обучающийся (ФИО)"),
    ]
    assert "«мать», «отец», «опекун»" in refused["report"]["problems"][0]["message"]
    assert done["report"]["imported"] == 2
    assert await _count(db, m.Parent, "barnaul-school6-2016") == parents + 1
    async with unscoped(db.factory) as s:
        links = (
            (
                await s.execute(
                    select(m.ParentLink.kind)
                    .join(m.ParentPersonal, m.ParentPersonal.parent_id == m.ParentLink.parent_id)
                    .where(m.ParentPersonal.snils == _snils(900))
                    .order_by(m.ParentLink.id)
                )
            )
            .scalars()
            .all()
        )
    assert [k.value for k in links] == ["mother", "guardian"]


async def test_discipline_rows_follow_the_module_rules(db: Any, sign_in: Any) -> None:
    admin = await sign_in(ARMAVIR, "administrator")
    text = (
        "Индекс;Наименование;Вид;Индекс модуля\r\n"
        "ПМ.99;Модуль импорта;ПМ;\r\n"
        "МДК.99.01;Курс модуля;МДК;ПМ.99\r\n"
        "МДК.99.02;Курс без модуля;МДК;\r\n"
        "УП.99;Практика чужого модуля;практика;ОП.99\r\n"
        "ОУД.01;Русский язык;УД;\r\n"  # already there
        "МДК.77.01;Курс;МДК;ПМ.01\r\n"  # each speciality has its own ПМ.01
    )

    result = await _import(admin, "DISCIPLINES", "CSV", text)

    assert [(p["row"], p["column"]) for p in result["report"]["problems"]] == [
        (4, "Индекс модуля"),
        (5, "Индекс модуля"),
        (6, "Наименование"),
        (7, "Индекс модуля"),
    ]
    assert "укажите и индекс, и наименование" in result["report"]["problems"][3]["message"]
    fixed = "\r\n".join(text.split("\r\n")[:3]) + "\r\n"
    assert (await _import(admin, "DISCIPLINES", "CSV", fixed))["report"]["imported"] == 2


# -- the command line ---------------------------------------------------------------------------


def _cli(db: Any, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "CAMPUSGRAPH_DATABASE_URL": db.url,
        "CAMPUSGRAPH_TODAY": DEMO_TODAY.isoformat(),
    }
    return subprocess.run(
        [sys.executable, "-m", "campusgraph", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_the_command_line_shows_progress_and_fails_on_a_bad_file(
    db: Any, tmp_path: Path
) -> None:
    bad, good = tmp_path / "bad.csv", tmp_path / "good.xlsx"
    bad.write_text(to_csv(student_rows(bad=True), STUDENT_HEADERS), encoding="utf-8")
    good.write_bytes(to_xlsx(student_rows(bad=False), STUDENT_HEADERS))
    students = await _count(db, m.Student)

    failed = _cli(db, "import", "students", str(bad), "--institution", ARMAVIR)

    assert failed.returncode == 1, failed.stderr
    assert "Проверка строк" in failed.stderr
    assert "200/200" in failed.stderr
    for problem in EXPECTED_PROBLEMS:
        assert f"│ {problem['row']} " in failed.stdout
    assert "Ничего не загружено" in failed.stdout
    assert await _count(db, m.Student) == students

    checked = _cli(db, "import", "students", str(good), "--institution", ARMAVIR, "--dry-run")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert await _count(db, m.Student) == students

    done = _cli(db, "import", "students", str(good), "--institution", ARMAVIR)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Запись" in done.stderr
    assert "Загружено: 200 строк." in done.stdout
    assert await _count(db, m.Student) == students + 200
    async with unscoped(db.factory) as s:
        event = (
            await s.execute(
                select(m.AuditEvent)
                .where(m.AuditEvent.action == "import")
                .order_by(m.AuditEvent.id.desc())
                .limit(1)
            )
        ).scalar_one()
    assert event.user_id is None
    assert event.after is not None
    assert event.after["source"] == "cli"
    assert len(event.after["created"]) == 200

    unknown = _cli(db, "import", "students", str(good), "--institution", "no-such-college")
    assert unknown.returncode == 2
