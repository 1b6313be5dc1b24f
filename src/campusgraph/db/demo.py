"""The demo region: five institutions, one per shipped regulation, with a term of journal.

Why it exists: a frontend developer, an analyst or a college evaluating a ruleset must be
able to sign in as every role of every regulation and see a believable journal — real
discipline codes, a clash-free timetable, topics taken in order from the thematic plan,
marks that follow each student's ability, absences in illness spells with reasons that
the curator has (or has not yet) set. The test-suite relies on the same data, so the
seed is deterministic (``seed`` and ``today`` fix every row) and states a few guarantees
about the demo accounts (see ``_InstitutionSeed.check_guarantees``).

Speed matters (the suite seeds a template per backend, the CLI seeds on first start), so
rows are built as dicts with ids assigned here and written with bulk INSERTs.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import random
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import holidays
from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from campusgraph.db import models as m
from campusgraph.db.base import Base
from campusgraph.db.enums import (
    AbsenceReason,
    AttendanceStatus,
    AttestationForm,
    DisciplineKind,
    FundingSource,
    InstitutionKind,
    LessonType,
    MovementKind,
    ParentKind,
    PeriodKind,
    Sex,
    StudentStatus,
    StudyForm,
    TimetableKind,
    WorkKind,
)
from campusgraph.db.tenancy import unscoped
from campusgraph.i18n import message, plural
from campusgraph.security import hash_password
from campusgraph.text import TRANSLIT
from campusgraph.validators import format_snils, snils_checksum

try:
    from faker import Faker
except ModuleNotFoundError as error:  # the demo extra is not installed
    from campusgraph.extras import MissingExtra

    raise MissingExtra("demo", error) from None

DEMO_PASSWORD = "demo"
REGION_SLUG = "demo-region"
REGION_NAME = "Демонстрационный регион"
CHUNK = 5000

Row = dict[str, Any]


# =====================================================================================
# Public result
# =====================================================================================


@dataclass(frozen=True, slots=True)
class DemoAccount:
    """A known login of the demo (password ``demo``)."""

    realm: str  # institution slug, or the region slug for the authority account
    login: str
    role: str
    title: str
    #: The title for an English run of the command (names stay as they are: they are data).
    title_en: str = ""

    def title_in(self, lang: str) -> str:
        return self.title_en if lang == "en" and self.title_en else self.title


@dataclass(slots=True)
class DemoSummary:
    seeded: bool
    institutions: dict[str, int] = field(default_factory=dict)
    accounts: list[DemoAccount] = field(default_factory=list)
    students: int = 0
    lessons: int = 0
    marks: int = 0
    attendance: int = 0
    #: Row counts per institution slug and table, for reports and benchmarks.
    per_institution: dict[str, dict[str, int]] = field(default_factory=dict)
    seconds: float = 0.0

    def render(self, lang: str = "ru") -> str:
        """What the demo command prints, in the run's language (Russian by default)."""
        if not self.seeded:
            return message("cli_demo_already", lang)
        header = (
            message("cli_demo_column_realm", lang),
            message("cli_demo_column_login", lang),
            message("cli_demo_column_role", lang),
            message("cli_demo_column_who", lang),
        )
        rows = [(a.realm, a.login, a.role, a.title_in(lang)) for a in self.accounts]
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(3)]

        def line(cells: tuple[str, str, str, str]) -> str:
            head = "  ".join(c.ljust(w) for c, w in zip(cells[:3], widths, strict=True))
            return f"{head}  {cells[3]}".rstrip()

        rule = "  ".join("-" * w for w in widths) + "  " + "-" * 20
        out = [
            message(
                "cli_demo_seeded",
                lang,
                seconds=f"{self.seconds:.1f}",
                institutions=plural("count_institutions", len(self.institutions), lang),
                students=plural("count_students", self.students, lang),
                lessons=plural("count_lessons", self.lessons, lang),
                marks=plural("count_marks", self.marks, lang),
                attendance=plural("count_attendance_records", self.attendance, lang),
            ),
            message("cli_demo_password", lang, password=DEMO_PASSWORD),
            "",
            line(header),
            rule,
        ]
        previous = ""
        for row in rows:
            if previous and row[0] != previous:
                out.append("")
            out.append(line(row))
            previous = row[0]
        return "\n".join(out)


# =====================================================================================
# Reference data: institutions and roles
# =====================================================================================


@dataclass(frozen=True, slots=True)
class InstitutionSpec:
    slug: str
    kind: InstitutionKind
    name: str
    short_name: str
    address: str
    locality: str  # where students live, for their addresses
    license: str
    accreditation: str
    timezone: str
    roles: tuple[str, ...]
    teaching_role: str
    curating_role: str
    #: College: (department name, speciality keys); school: empty.
    departments: tuple[tuple[str, tuple[str, ...]], ...]
    #: (speciality key or None, course/grade, letter or number suffix)
    groups: tuple[tuple[str | None, int, str], ...]
    curated_group: str
    #: Discipline keys the demo ``teaching_role`` teaches.
    teacher_disciplines: tuple[str, ...]
    email_domain: str
    passport_region: int
    foreign_citizenship: str
    order_suffix: str
    native_language: bool = False


ALTAI = InstitutionSpec(
    slug="altai-college-2016",
    kind=InstitutionKind.COLLEGE,
    name="КГБПОУ «Алтайский политехнический колледж»",
    short_name="АПК",
    address="656015, Алтайский край, г. Барнаул, пр-т Ленина, д. 68",
    locality="г. Барнаул",
    license="Лицензия № 098 от 24.02.2016, серия 22Л01 № 0002012, Минобрнауки Алтайского края",
    accreditation="Свидетельство о государственной аккредитации № 053 от 11.05.2016, "
    "серия 22А01 № 0000894",
    timezone="Asia/Barnaul",
    roles=(
        "administrator",
        "hr_specialist",
        "curator",
        "teacher",
        "deputy_director",
        "director",
        "student",
        "parent",
    ),
    teaching_role="teacher",
    curating_role="curator",
    departments=(
        ("Отделение информационных технологий", ("ИС",)),
        ("Отделение машиностроения", ("ТМ",)),
        ("Автомобильное отделение", ("АТ",)),
    ),
    groups=(
        ("ИС", 1, "1"),
        ("ИС", 2, "1"),
        ("ИС", 3, "1"),
        ("ТМ", 1, "1"),
        ("ТМ", 2, "1"),
        ("АТ", 1, "1"),
        ("АТ", 2, "1"),
    ),
    curated_group="ИС-11",
    teacher_disciplines=("ОУД.04", "ОУД.08"),
    email_domain="altpk.ru",
    passport_region=1,
    foreign_citizenship="Республика Казахстан",
    order_suffix="к",
)

ARMAVIR = InstitutionSpec(
    slug="armavir-technikum-2025",
    kind=InstitutionKind.COLLEGE,
    name="ГБПОУ КК «Армавирский техникум технологии и сервиса»",
    short_name="АТТС",
    address="352900, Краснодарский край, г. Армавир, ул. Кирова, д. 52",
    locality="Краснодарский край, г. Армавир",
    license="Выписка из реестра лицензий № Л035-01218-23/00273469 от 14.02.2025, "
    "Минобрнауки Краснодарского края",
    accreditation="Свидетельство о государственной аккредитации № 04215 от 22.04.2025",
    timezone="Europe/Moscow",
    roles=(
        "administrator",
        "hr_specialist",
        "curator",
        "teacher",
        "secretary_of_studies",
        "admission_secretary",
        "deputy_studies",
        "deputy_methodology",
        "department_head",
        "director",
        "student",
        "parent",
    ),
    teaching_role="teacher",
    curating_role="curator",
    departments=(
        ("Отделение общественного питания", ("ПК",)),
        ("Отделение сервиса и туризма", ("ТГ", "ТИК")),
    ),
    groups=(
        ("ПК", 1, "1"),
        ("ПК", 2, "1"),
        ("ПК", 3, "1"),
        ("ТГ", 1, "1"),
        ("ТГ", 2, "1"),
        ("ТИК", 1, "1"),
        ("ТИК", 2, "1"),
    ),
    curated_group="ПК-11",
    teacher_disciplines=("ОУД.04", "ОУД.08"),
    email_domain="atts-armavir.ru",
    passport_region=3,
    foreign_citizenship="Республика Армения",
    order_suffix="к",
)

BARNAUL = InstitutionSpec(
    slug="barnaul-school6-2016",
    kind=InstitutionKind.SCHOOL,
    name="КГБОУ «Барнаульская общеобразовательная школа-интернат № 6»",
    short_name="Школа-интернат № 6",
    address="656065, Алтайский край, г. Барнаул, ул. Панфиловцев, д. 3",
    locality="г. Барнаул",
    license="Лицензия № 418 от 30.06.2016, серия 22Л01 № 0002471, Минобрнауки Алтайского края",
    accreditation="Свидетельство о государственной аккредитации № 219 от 12.09.2016, "
    "серия 22А01 № 0001013",
    timezone="Asia/Barnaul",
    roles=(
        "administrator",
        "head_teacher",
        "hr_specialist",
        "secretary",
        "teacher",
        "class_teacher",
        "student",
        "parent",
    ),
    teaching_role="teacher",
    curating_role="class_teacher",
    departments=(),
    groups=(
        (None, 3, "А"),
        (None, 4, "А"),
        (None, 5, "А"),
        (None, 6, "А"),
        (None, 7, "А"),
        (None, 8, "А"),
        (None, 9, "А"),
    ),
    curated_group="6А",
    teacher_disciplines=("РЯ", "ЛИТ"),
    email_domain="internat6-brn.ru",
    passport_region=1,
    foreign_citizenship="Республика Казахстан",
    order_suffix="о",
)

TOMSK = InstitutionSpec(
    slug="tomsk-technikum-2023",
    kind=InstitutionKind.COLLEGE,
    name="ОГБПОУ «Томский промышленно-гуманитарный техникум»",
    short_name="ТПГТ",
    address="634021, Томская область, г. Томск, ул. Герцена, д. 28",
    locality="г. Томск",
    license="Выписка из реестра лицензий № Л035-01240-70/00196655 от 17.03.2023, "
    "Комитет по контролю, надзору и лицензированию в сфере образования Томской области",
    accreditation="Выписка из реестра аккредитованных организаций № А007-01240-70/01103811 "
    "от 05.05.2023",
    timezone="Asia/Tomsk",
    roles=(
        "administrator",
        "schedule_dispatcher",
        "deputy_methodology",
        "head_of_studies",
        "hr_head",
        "deputy_control",
        "head_of_upbringing",
        "commission_chair",
        "curator",
        "teacher",
        "student",
        "parent",
    ),
    teaching_role="teacher",
    curating_role="curator",
    departments=(
        ("Отделение информационных технологий", ("ИСП",)),
        ("Отделение экономики и права", ("ЭБ", "ЮР")),
    ),
    groups=(
        ("ИСП", 1, "1"),
        ("ИСП", 2, "1"),
        ("ИСП", 3, "1"),
        ("ЭБ", 1, "1"),
        ("ЭБ", 2, "1"),
        ("ЮР", 1, "1"),
        ("ЮР", 2, "1"),
    ),
    curated_group="ИСП-11",
    teacher_disciplines=("ОУД.03", "СГ.02"),
    email_domain="tpgt.tomsk.ru",
    passport_region=69,
    foreign_citizenship="Республика Таджикистан",
    order_suffix="к",
)

NSHDS12 = InstitutionSpec(
    slug="nshds12-2021",
    kind=InstitutionKind.SCHOOL,
    name="МКОУ «Начальная школа – детский сад № 12» ст. Александровской",
    short_name="НШДС № 12",
    address="361104, Кабардино-Балкарская Республика, Майский район, "
    "ст. Александровская, ул. Ленина, д. 12",
    locality="КБР, Майский район, ст. Александровская",
    license="Лицензия № 1890 от 11.03.2021, Минпросвещения КБР",
    accreditation="Свидетельство о государственной аккредитации № 0927 от 20.05.2021",
    timezone="Europe/Moscow",
    roles=(
        "director",
        "system_admin",
        "methodist",
        "secretary",
        "class_teacher",
        "subject_teacher",
        "authority",
        "student",
        "parent",
    ),
    teaching_role="subject_teacher",
    curating_role="class_teacher",
    departments=(),
    groups=(
        (None, 1, "А"),
        (None, 1, "Б"),
        (None, 2, "А"),
        (None, 2, "Б"),
        (None, 3, "А"),
        (None, 3, "Б"),
        (None, 4, "А"),
        (None, 4, "Б"),
    ),
    curated_group="3А",
    teacher_disciplines=("ИЯ", "МУЗ"),
    email_domain="nshds12-kbr.ru",
    passport_region=83,
    foreign_citizenship="Республика Абхазия",
    order_suffix="о",
    native_language=True,
)

INSTITUTIONS: tuple[InstitutionSpec, ...] = (ALTAI, ARMAVIR, BARNAUL, TOMSK, NSHDS12)

#: Roles that are not staff of the institution.
NON_STAFF_ROLES = frozenset({"student", "parent", "authority"})

ROLE_POSITIONS: dict[str, str] = {
    "administrator": "Инженер-программист",
    "system_admin": "Системный администратор",
    "hr_specialist": "Специалист по кадрам",
    "hr_head": "Начальник отдела кадров",
    "director": "Директор",
    "deputy_director": "Заместитель директора по учебной работе",
    "deputy_studies": "Заместитель директора по учебной работе",
    "deputy_methodology": "Заместитель директора по научно-методической работе",
    "deputy_control": "Заместитель директора по учебно-производственной работе",
    "head_teacher": "Заместитель директора по учебно-воспитательной работе",
    "methodist": "Методист",
    "secretary": "Секретарь учебной части",
    "secretary_of_studies": "Секретарь учебной части",
    "admission_secretary": "Ответственный секретарь приёмной комиссии",
    "department_head": "Заведующий отделением",
    "schedule_dispatcher": "Диспетчер образовательного учреждения",
    "head_of_studies": "Заведующий учебной частью",
    "head_of_upbringing": "Руководитель отдела воспитательной работы",
    "commission_chair": "Председатель предметно-цикловой комиссии",
}

ROLE_TITLES: dict[str, str] = {
    "administrator": "Администратор",
    "system_admin": "Системный администратор",
    "hr_specialist": "Специалист по кадрам",
    "hr_head": "Начальник отдела кадров",
    "director": "Директор",
    "deputy_director": "Заместитель директора",
    "deputy_studies": "Заместитель директора по учебной работе",
    "deputy_methodology": "Заместитель директора по методической работе",
    "deputy_control": "Заместитель директора (контроль журналов)",
    "head_teacher": "Завуч",
    "methodist": "Методист",
    "secretary": "Секретарь",
    "secretary_of_studies": "Секретарь учебной части",
    "admission_secretary": "Секретарь приёмной комиссии",
    "department_head": "Заведующий отделением",
    "schedule_dispatcher": "Диспетчер расписания",
    "head_of_studies": "Заведующий учебной частью",
    "head_of_upbringing": "Руководитель воспитательной работы",
    "commission_chair": "Председатель ПЦК",
    "curator": "Куратор",
    "class_teacher": "Классный руководитель",
    "teacher": "Преподаватель",
    "subject_teacher": "Учитель-предметник",
    "authority": "Представитель органа управления образованием",
    "student": "Обучающийся",
    "parent": "Родитель",
}

#: The same titles for an English run of the demo command's summary.
ROLE_TITLES_EN: dict[str, str] = {
    "administrator": "Administrator",
    "system_admin": "System administrator",
    "hr_specialist": "HR specialist",
    "hr_head": "Head of HR",
    "director": "Director",
    "deputy_director": "Deputy director",
    "deputy_studies": "Deputy director for studies",
    "deputy_methodology": "Deputy director for methodology",
    "deputy_control": "Deputy director (journal control)",
    "head_teacher": "Head teacher",
    "methodist": "Methodologist",
    "secretary": "Secretary",
    "secretary_of_studies": "Secretary of studies",
    "admission_secretary": "Admission secretary",
    "department_head": "Head of department",
    "schedule_dispatcher": "Timetable dispatcher",
    "head_of_studies": "Head of studies",
    "head_of_upbringing": "Head of pastoral work",
    "commission_chair": "Chair of the subject commission",
    "curator": "Curator",
    "class_teacher": "Class teacher",
    "teacher": "Teacher",
    "subject_teacher": "Subject teacher",
    "authority": "Representative of the education authority",
    "student": "Student",
    "parent": "Parent",
}

OTHER_STAFF: tuple[str, ...] = (
    "Педагог-психолог",
    "Социальный педагог",
    "Библиотекарь",
    "Педагог дополнительного образования",
    "Методист",
    "Лаборант",
)

# =====================================================================================
# Reference data: people
# =====================================================================================

#: (name, patronymic of a son, patronymic of a daughter): a child's patronymic is made
#: from the father's name, so families stay consistent.
MALE_NAMES: tuple[tuple[str, str, str], ...] = (
    ("Александр", "Александрович", "Александровна"),
    ("Алексей", "Алексеевич", "Алексеевна"),
    ("Анатолий", "Анатольевич", "Анатольевна"),
    ("Андрей", "Андреевич", "Андреевна"),
    ("Антон", "Антонович", "Антоновна"),
    ("Артём", "Артёмович", "Артёмовна"),
    ("Борис", "Борисович", "Борисовна"),
    ("Вадим", "Вадимович", "Вадимовна"),
    ("Валерий", "Валерьевич", "Валерьевна"),
    ("Василий", "Васильевич", "Васильевна"),
    ("Виктор", "Викторович", "Викторовна"),
    ("Виталий", "Витальевич", "Витальевна"),
    ("Владимир", "Владимирович", "Владимировна"),
    ("Владислав", "Владиславович", "Владиславовна"),
    ("Геннадий", "Геннадьевич", "Геннадьевна"),
    ("Георгий", "Георгиевич", "Георгиевна"),
    ("Григорий", "Григорьевич", "Григорьевна"),
    ("Денис", "Денисович", "Денисовна"),
    ("Дмитрий", "Дмитриевич", "Дмитриевна"),
    ("Евгений", "Евгеньевич", "Евгеньевна"),
    ("Егор", "Егорович", "Егоровна"),
    ("Иван", "Иванович", "Ивановна"),
    ("Игорь", "Игоревич", "Игоревна"),
    ("Илья", "Ильич", "Ильинична"),
    ("Кирилл", "Кириллович", "Кирилловна"),
    ("Константин", "Константинович", "Константиновна"),
    ("Максим", "Максимович", "Максимовна"),
    ("Михаил", "Михайлович", "Михайловна"),
    ("Никита", "Никитич", "Никитична"),
    ("Николай", "Николаевич", "Николаевна"),
    ("Олег", "Олегович", "Олеговна"),
    ("Павел", "Павлович", "Павловна"),
    ("Пётр", "Петрович", "Петровна"),
    ("Роман", "Романович", "Романовна"),
    ("Руслан", "Русланович", "Руслановна"),
    ("Сергей", "Сергеевич", "Сергеевна"),
    ("Станислав", "Станиславович", "Станиславовна"),
    ("Фёдор", "Фёдорович", "Фёдоровна"),
    ("Юрий", "Юрьевич", "Юрьевна"),
    ("Ярослав", "Ярославович", "Ярославовна"),
)

ADULT_FEMALE_NAMES: tuple[str, ...] = (
    "Елена", "Ольга", "Наталья", "Татьяна", "Ирина", "Светлана", "Юлия", "Анна",
    "Екатерина", "Марина", "Оксана", "Евгения", "Мария", "Надежда", "Людмила", "Галина",
    "Анастасия", "Виктория", "Ксения", "Алёна", "Дарья", "Валентина", "Любовь",
    "Кристина", "Вера", "Жанна", "Лариса", "Инна", "Яна", "Александра",
)  # fmt: skip

CHILD_MALE_NAMES: tuple[str, ...] = (
    "Александр", "Максим", "Артём", "Михаил", "Иван", "Дмитрий", "Даниил", "Кирилл",
    "Андрей", "Егор", "Никита", "Илья", "Алексей", "Матвей", "Тимофей", "Роман",
    "Владимир", "Ярослав", "Фёдор", "Георгий", "Константин", "Лев", "Марк", "Арсений",
    "Степан", "Владислав", "Денис", "Глеб", "Сергей", "Тимур", "Макар", "Захар",
    "Савелий", "Платон", "Богдан",
)  # fmt: skip

CHILD_FEMALE_NAMES: tuple[str, ...] = (
    "Анастасия", "Мария", "Анна", "Виктория", "Екатерина", "Софья", "Дарья", "Алиса",
    "Полина", "Елизавета", "Ксения", "Варвара", "Александра", "Вероника", "Арина",
    "Валерия", "Милана", "Ульяна", "Кира", "Ева", "Алина", "Василиса", "Маргарита",
    "Юлия", "Диана", "Таисия", "Злата", "Ангелина", "Есения", "Мирослава", "Ярослава",
    "Кристина", "Олеся",
)  # fmt: skip

WORK_PLACES: tuple[str, ...] = (
    "ПАО «Сбербанк»",
    "ОАО «РЖД»",
    "АО «Почта России»",
    "ООО «Агроторг»",
    "ГБУЗ «Городская больница № 2»",
    "МБДОУ «Детский сад № 45»",
    "ООО «Стройинвест»",
    "Индивидуальный предприниматель",
    "ООО «Автотранс»",
    "МВД России",
    "ПАО «Ростелеком»",
    "ООО «Вайлдберриз»",
    "Не работает",
    "Пенсионер",
    "ООО «Торговый дом «Сибирь»",
    "ГУП «Водоканал»",
)


# =====================================================================================
# Reference data: calendar, rooms
# =====================================================================================

COLLEGE_BELLS: tuple[tuple[str, str], ...] = (
    ("08:30", "10:00"),
    ("10:10", "11:40"),
    ("12:20", "13:50"),
    ("14:00", "15:30"),
    ("15:40", "17:10"),
    ("17:20", "18:50"),
)
SCHOOL_BELLS: tuple[tuple[str, str], ...] = (
    ("08:30", "09:15"),
    ("09:25", "10:10"),
    ("10:30", "11:15"),
    ("11:35", "12:20"),
    ("12:30", "13:15"),
    ("13:25", "14:10"),
    ("14:20", "15:05"),
)

#: (name, kind, capacity); kind None is an ordinary classroom.
COMMON_ROOMS: tuple[tuple[str, str | None, int], ...] = (
    ("101", None, 30),
    ("102", None, 30),
    ("103", None, 30),
    ("104", None, 28),
    ("105", None, 28),
    ("201", None, 30),
    ("202", None, 30),
    ("203", None, 26),
    ("Лаб. 204", "lab", 24),
    ("Лаб. 205", "lab", 24),
    ("301", None, 30),
    ("302", None, 30),
    ("Компьютерный класс 303", "computer", 16),
    ("Компьютерный класс 304", "computer", 16),
    ("Спортзал", "gym", 60),
    ("Малый спортзал", "gym", 30),
    ("Актовый зал", "hall", 200),
    ("Библиотека", "library", 40),
)
EXTRA_ROOMS: dict[str, tuple[tuple[str, str | None, int], ...]] = {
    ALTAI.slug: (("Мастерская 01", "workshop", 20), ("Лаб. автомобилей 02", "workshop", 20)),
    ARMAVIR.slug: (
        ("Учебная кухня", "kitchen", 16),
        ("Учебный кондитерский цех", "kitchen", 16),
        ("Салон-парикмахерская", "salon", 14),
    ),
    BARNAUL.slug: (("Кабинет музыки", "music", 30), ("Кабинет ИЗО", "art", 30)),
    TOMSK.slug: (("Кабинет права 306", None, 30), ("Учебная бухгалтерия 307", "computer", 16)),
    NSHDS12.slug: (("Кабинет музыки", "music", 30), ("Мастерская", "workshop", 20)),
}

# =====================================================================================
# Reference data: disciplines
# =====================================================================================


@dataclass(frozen=True, slots=True)
class DisciplineDef:
    key: str
    code: str | None
    name: str
    short: str
    kind: DisciplineKind
    area: str  # which teachers can teach it
    room: str | None  # the room kind it needs
    style: str  # graded works and homework style
    parent: str | None = None  # key of the ПМ an МДК or practice belongs to


def _ud(
    code: str, name: str, short: str, area: str, style: str, room: str | None = None
) -> DisciplineDef:
    return DisciplineDef(code, code, name, short, DisciplineKind.UD, area, room, style)


COLLEGE_GENERAL: tuple[DisciplineDef, ...] = (
    _ud("ОУД.01", "Русский язык", "Рус. яз.", "rus", "humanities"),
    _ud("ОУД.02", "Литература", "Лит-ра", "rus", "reading"),
    _ud("ОУД.03", "Иностранный язык", "Ин. яз.", "lang", "language"),
    _ud("ОУД.04", "Математика", "Матем.", "math", "exact"),
    _ud("ОУД.05", "История", "История", "hist", "humanities"),
    _ud("ОУД.06", "Физическая культура", "Физ-ра", "pe", "sport", "gym"),
    _ud("ОУД.07", "Основы безопасности и защиты Родины", "ОБЗР", "pe", "humanities"),
    _ud("ОУД.08", "Информатика", "Информ.", "math", "practical", "computer"),
    _ud("ОУД.09", "Физика", "Физика", "science", "science", "lab"),
    _ud("ОУД.10", "Химия", "Химия", "science", "science", "lab"),
    _ud("ОУД.11", "Биология", "Биология", "science", "science", "lab"),
    _ud("ОУД.12", "Обществознание", "Общество", "hist", "humanities"),
    _ud("ОУД.13", "География", "География", "science", "humanities"),
    _ud("СГ.01", "История России", "Ист. России", "hist", "humanities"),
    _ud("СГ.02", "Иностранный язык в профессиональной деятельности", "Ин. яз. в ПД", "lang", "language"),
    _ud("СГ.03", "Безопасность жизнедеятельности", "БЖД", "pe", "humanities"),
    _ud("СГ.04", "Физическая культура", "Физ-ра", "pe", "sport", "gym"),
    _ud("СГ.05", "Основы финансовой грамотности", "Фин. грам.", "hist", "humanities"),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class SpecialityDef:
    key: str  # group prefix
    code: str
    name: str
    qualification: str
    profile: str  # the profile ОУД of the first course
    room: str | None  # the room kind of its professional disciplines
    op: tuple[str, ...]  # ОП.01 … ОП.06
    pm1: str
    mdk1: tuple[str, str]
    pm2: str
    mdk2: str
    diploma: str


SPECIALITIES: dict[str, SpecialityDef] = {
    s.key: s
    for s in (
        SpecialityDef(
            "ИС",
            "09.02.07",
            "Информационные системы и программирование",
            "Программист",
            "ОУД.09",
            "computer",
            (
                "Операционные системы и среды",
                "Архитектура аппаратных средств",
                "Информационные технологии",
                "Основы алгоритмизации и программирования",
                "Правовое обеспечение профессиональной деятельности",
                "Основы проектирования баз данных",
            ),
            "Разработка модулей программного обеспечения для компьютерных систем",
            ("Разработка программных модулей", "Поддержка и тестирование программных модулей"),
            "Осуществление интеграции программных модулей",
            "Технология разработки программного обеспечения",
            "Инженер-программист",
        ),
        SpecialityDef(
            "ТМ",
            "15.02.16",
            "Технология машиностроения",
            "Техник-технолог",
            "ОУД.09",
            "workshop",
            (
                "Инженерная графика",
                "Компьютерная графика",
                "Техническая механика",
                "Материаловедение",
                "Метрология, стандартизация и сертификация",
                "Процессы формообразования и инструменты",
            ),
            "Разработка технологических процессов изготовления деталей машин",
            (
                "Технологические процессы изготовления деталей машин",
                "Системы автоматизированного проектирования и программирования в машиностроении",
            ),
            "Участие в организации производственной деятельности структурного подразделения",
            "Планирование и организация работы структурного подразделения",
            "Инженер-механик",
        ),
        SpecialityDef(
            "АТ",
            "23.02.07",
            "Техническое обслуживание и ремонт двигателей, систем и агрегатов автомобилей",
            "Специалист",
            "ОУД.09",
            "workshop",
            (
                "Инженерная графика",
                "Техническая механика",
                "Электротехника и электроника",
                "Материаловедение",
                "Метрология, стандартизация и сертификация",
                "Правила безопасности дорожного движения",
            ),
            "Техническое обслуживание и ремонт автомобильных двигателей",
            (
                "Устройство автомобилей",
                "Техническое обслуживание и ремонт автомобильных двигателей",
            ),
            "Техническое обслуживание и ремонт электрооборудования и электронных систем автомобилей",
            "Техническое обслуживание и ремонт электрооборудования и электронных систем автомобилей",
            "Инженер по эксплуатации автомобильного транспорта",
        ),
        SpecialityDef(
            "ПК",
            "43.02.15",
            "Поварское и кондитерское дело",
            "Специалист по поварскому и кондитерскому делу",
            "ОУД.10",
            "kitchen",
            (
                "Микробиология, физиология питания, санитария и гигиена",
                "Организация хранения и контроль запасов и сырья",
                "Техническое оснащение организаций питания",
                "Организация обслуживания",
                "Основы экономики, менеджмента и маркетинга",
                "Охрана труда",
            ),
            "Организация и ведение процессов приготовления и подготовки к реализации "
            "полуфабрикатов для блюд, кулинарных изделий сложного ассортимента",
            (
                "Организация приготовления, подготовки к реализации и хранения кулинарных "
                "полуфабрикатов",
                "Процессы приготовления, подготовки к реализации кулинарных полуфабрикатов",
            ),
            "Организация и ведение процессов приготовления, оформления и подготовки к "
            "реализации горячих блюд, кулинарных изделий, закусок сложного ассортимента",
            "Организация процессов приготовления, подготовки к реализации горячих блюд, "
            "кулинарных изделий, закусок сложного ассортимента",
            "Технолог продукции общественного питания",
        ),
        SpecialityDef(
            "ТГ",
            "43.02.16",
            "Туризм и гостеприимство",
            "Специалист по туризму и гостеприимству",
            "ОУД.13",
            None,
            (
                "Менеджмент и управление персоналом в организациях сферы гостеприимства",
                "Основы маркетинга сферы гостеприимства",
                "Экономика и бухгалтерский учёт гостиничного предприятия",
                "Правовое и документационное обеспечение профессиональной деятельности",
                "Иностранный язык (второй)",
                "Информационные технологии в профессиональной деятельности",
            ),
            "Организация и контроль текущей деятельности сотрудников службы приёма и размещения",
            (
                "Организация и контроль текущей деятельности сотрудников службы приёма и "
                "размещения",
                "Организация деятельности службы бронирования",
            ),
            "Организация и контроль текущей деятельности сотрудников службы питания",
            "Организация и контроль текущей деятельности сотрудников службы питания",
            "Менеджер по туризму",
        ),
        SpecialityDef(
            "ТИК",
            "43.02.17",
            "Технологии индустрии красоты",
            "Специалист индустрии красоты",
            "ОУД.10",
            "salon",
            (
                "Сервисная деятельность",
                "Основы физиологии кожи и волос",
                "Санитария и гигиена",
                "Основы маркетинга сферы услуг",
                "Пластическая анатомия",
                "Эстетика",
            ),
            "Предоставление современных парикмахерских услуг",
            (
                "Современные технологии парикмахерских услуг",
                "Стилизация и художественное моделирование причёсок",
            ),
            "Предоставление современных услуг по моделированию и дизайну ногтей",
            "Технологии выполнения маникюра и педикюра",
            "Технолог индустрии красоты",
        ),
        SpecialityDef(
            "ИСП",
            "09.02.07",
            "Информационные системы и программирование",
            "Разработчик веб и мультимедийных приложений",
            "ОУД.09",
            "computer",
            (
                "Операционные системы и среды",
                "Архитектура аппаратных средств",
                "Информационные технологии",
                "Основы алгоритмизации и программирования",
                "Правовое обеспечение профессиональной деятельности",
                "Основы проектирования баз данных",
            ),
            "Разработка модулей программного обеспечения для компьютерных систем",
            ("Разработка программных модулей", "Поддержка и тестирование программных модулей"),
            "Проектирование и разработка веб-приложений",
            "Проектирование и дизайн веб-приложений",
            "Инженер-программист",
        ),
        SpecialityDef(
            "ЭБ",
            "38.02.01",
            "Экономика и бухгалтерский учёт (по отраслям)",
            "Бухгалтер",
            "ОУД.13",
            None,
            (
                "Экономика организации",
                "Финансы, денежное обращение и кредит",
                "Налоги и налогообложение",
                "Основы бухгалтерского учёта",
                "Аудит",
                "Информационные технологии в профессиональной деятельности",
            ),
            "Документирование хозяйственных операций и ведение бухгалтерского учёта активов "
            "организации",
            (
                "Практические основы бухгалтерского учёта активов организации",
                "Бухгалтерская технология проведения и оформления инвентаризации",
            ),
            "Ведение бухгалтерского учёта источников формирования активов",
            "Практические основы бухгалтерского учёта источников формирования активов организации",
            "Экономист",
        ),
        SpecialityDef(
            "ЮР",
            "40.02.04",
            "Юриспруденция",
            "Юрист",
            "ОУД.13",
            None,
            (
                "Теория государства и права",
                "Конституционное право России",
                "Административное право",
                "Гражданское право",
                "Трудовое право",
                "Информационные технологии в профессиональной деятельности",
            ),
            "Обеспечение реализации прав граждан в сфере пенсионного обеспечения и социальной "
            "защиты",
            ("Право социального обеспечения", "Психология социально-правовой деятельности"),
            "Организационное обеспечение деятельности учреждений социальной защиты населения",
            "Организация работы органов и учреждений социальной защиты населения",
            "Юрист",
        ),
    )
}

#: One line of a college curriculum: (discipline key, weekly pairs in term 1, in term 2,
#: attestation form at the end of term 1, of term 2). Keys: a general code, "PROFILE" (the
#: speciality's profile ОУД), or a speciality code («ОП.01», «МДК.01.01», «УП.01», «ПМ.01»).
PlanLine = tuple[str, int, int, AttestationForm, AttestationForm]

_N, _E, _C, _G = (
    AttestationForm.NONE,
    AttestationForm.EXAM,
    AttestationForm.CREDIT,
    AttestationForm.GRADED_CREDIT,
)

COLLEGE_PLAN: dict[int, tuple[PlanLine, ...]] = {
    1: (
        ("ОУД.01", 2, 2, _N, _E),
        ("ОУД.02", 2, 2, _N, _G),
        ("ОУД.03", 2, 2, _N, _G),
        ("ОУД.04", 4, 4, _N, _E),
        ("ОУД.05", 2, 2, _N, _G),
        ("ОУД.06", 2, 2, _C, _G),
        ("ОУД.07", 1, 1, _N, _G),
        ("ОУД.08", 2, 2, _N, _G),
        ("ОУД.12", 1, 1, _N, _G),
        ("PROFILE", 2, 2, _N, _E),
    ),
    2: (
        ("СГ.01", 1, 1, _N, _G),
        ("СГ.02", 2, 2, _N, _G),
        ("СГ.04", 2, 2, _C, _C),
        ("ОП.01", 4, 2, _N, _E),
        ("ОП.02", 3, 3, _G, _N),
        ("ОП.03", 4, 4, _N, _E),
        ("ОП.04", 4, 4, _G, _G),
        ("СГ.05", 0, 2, _N, _C),
    ),
    3: (
        ("СГ.02", 2, 2, _N, _G),
        ("СГ.04", 2, 2, _C, _C),
        ("ОП.05", 2, 0, _E, _N),
        ("ОП.06", 2, 2, _N, _G),
        ("МДК.01.01", 4, 4, _N, _E),
        ("МДК.01.02", 4, 4, _G, _E),
        ("МДК.02.01", 2, 4, _N, _G),
        ("УП.01", 2, 2, _C, _C),
        ("ПМ.01", 0, 0, _N, _E),
    ),
}


def _subj(
    code: str, name: str, short: str, area: str, style: str, room: str | None = None
) -> DisciplineDef:
    return DisciplineDef(code, code, name, short, DisciplineKind.SUBJECT, area, room, style)


SCHOOL_SUBJECTS: tuple[DisciplineDef, ...] = (
    _subj("РЯ", "Русский язык", "Рус. яз.", "rus", "humanities"),
    _subj("ЛЧ", "Литературное чтение", "Лит. чтение", "rus", "reading"),
    _subj("ЛИТ", "Литература", "Лит-ра", "rus", "reading"),
    _subj("РОДЯ", "Родной язык (русский)", "Родн. яз.", "native", "humanities"),
    _subj("РОДЛ", "Литературное чтение на родном языке (русском)", "Лит. чт. на родн. яз.", "native", "reading"),
    _subj("ИЯ", "Иностранный язык (английский)", "Англ. яз.", "lang", "language"),
    _subj("МА", "Математика", "Матем.", "math", "exact"),
    _subj("АЛ", "Алгебра", "Алгебра", "math", "exact"),
    _subj("ГМ", "Геометрия", "Геометрия", "math", "exact"),
    _subj("ВС", "Вероятность и статистика", "Вер. и стат.", "math", "exact"),
    _subj("ИНФ", "Информатика", "Информ.", "inf", "practical", "computer"),
    _subj("ОМ", "Окружающий мир", "Окр. мир", "nature", "humanities"),
    _subj("ИС", "История", "История", "hist", "humanities"),
    _subj("ОБЩ", "Обществознание", "Общество", "hist", "humanities"),
    _subj("ОДНКНР", "Основы духовно-нравственной культуры народов России", "ОДНКНР", "hist", "humanities"),
    _subj("ОРКСЭ", "Основы религиозных культур и светской этики", "ОРКСЭ", "hist", "humanities"),
    _subj("ГЕО", "География", "География", "nature", "humanities"),
    _subj("БИО", "Биология", "Биология", "nature", "science", "lab"),
    _subj("ФИЗ", "Физика", "Физика", "phys", "science", "lab"),
    _subj("ХИМ", "Химия", "Химия", "nature", "science", "lab"),
    _subj("МУЗ", "Музыка", "Музыка", "music", "creative", "music"),
    _subj("ИЗО", "Изобразительное искусство", "ИЗО", "art", "creative", "art"),
    _subj("ТР", "Труд (технология)", "Труд", "tech", "creative", "workshop"),
    _subj("ФК", "Физическая культура", "Физ-ра", "pe", "sport", "gym"),
    _subj("ОБЗР", "Основы безопасности и защиты Родины", "ОБЗР", "pe", "humanities"),
)  # fmt: skip

#: In grades 1–4 one teacher teaches the class most subjects.
PRIMARY_AREA_SUBJECTS = frozenset({"РЯ", "ЛЧ", "МА", "ОМ", "ИЗО", "ТР", "ОРКСЭ"})

#: Weekly lessons per grade (a five-day week, ФОП НОО / ФОП ООО).
SCHOOL_WEEKLY: dict[int, tuple[tuple[str, int], ...]] = {
    1: (("РЯ", 5), ("ЛЧ", 4), ("МА", 4), ("ОМ", 2), ("ИЗО", 1), ("МУЗ", 1), ("ТР", 1), ("ФК", 2)),
    2: (("РЯ", 5), ("ЛЧ", 4), ("ИЯ", 2), ("МА", 4), ("ОМ", 2), ("ИЗО", 1), ("МУЗ", 1), ("ТР", 1), ("ФК", 2)),
    3: (("РЯ", 5), ("ЛЧ", 4), ("ИЯ", 2), ("МА", 4), ("ОМ", 2), ("ИЗО", 1), ("МУЗ", 1), ("ТР", 1), ("ФК", 2)),
    4: (("РЯ", 5), ("ЛЧ", 3), ("ИЯ", 2), ("МА", 4), ("ОМ", 2), ("ОРКСЭ", 1), ("ИЗО", 1), ("МУЗ", 1), ("ТР", 1), ("ФК", 2)),
    5: (("РЯ", 5), ("ЛИТ", 3), ("ИЯ", 3), ("МА", 5), ("ИС", 2), ("ГЕО", 1), ("БИО", 1), ("МУЗ", 1), ("ИЗО", 1), ("ТР", 2), ("ФК", 2), ("ОДНКНР", 1)),
    6: (("РЯ", 6), ("ЛИТ", 3), ("ИЯ", 3), ("МА", 5), ("ИС", 2), ("ОБЩ", 1), ("ГЕО", 1), ("БИО", 1), ("МУЗ", 1), ("ИЗО", 1), ("ТР", 2), ("ФК", 2)),
    7: (("РЯ", 4), ("ЛИТ", 2), ("ИЯ", 3), ("АЛ", 3), ("ГМ", 2), ("ВС", 1), ("ИНФ", 1), ("ИС", 2), ("ОБЩ", 1), ("ГЕО", 2), ("БИО", 1), ("ФИЗ", 2), ("МУЗ", 1), ("ИЗО", 1), ("ТР", 2), ("ФК", 2)),
    8: (("РЯ", 3), ("ЛИТ", 2), ("ИЯ", 3), ("АЛ", 3), ("ГМ", 2), ("ВС", 1), ("ИНФ", 1), ("ИС", 2), ("ОБЩ", 1), ("ГЕО", 2), ("БИО", 2), ("ФИЗ", 2), ("ХИМ", 2), ("ТР", 1), ("ОБЗР", 1), ("ФК", 2)),
    9: (("РЯ", 3), ("ЛИТ", 3), ("ИЯ", 3), ("АЛ", 3), ("ГМ", 2), ("ВС", 1), ("ИНФ", 1), ("ИС", 2), ("ОБЩ", 1), ("ГЕО", 2), ("БИО", 2), ("ФИЗ", 2), ("ХИМ", 2), ("ОБЗР", 1), ("ФК", 2)),
}  # fmt: skip

#: The native language (ФОП НОО) takes hours from Russian and reading where it is taught.
NATIVE_WEEKLY: dict[int, tuple[tuple[str, int], ...]] = {
    2: (("РЯ", 4), ("ЛЧ", 3), ("РОДЯ", 1), ("РОДЛ", 1)),
    3: (("РЯ", 4), ("ЛЧ", 3), ("РОДЯ", 1), ("РОДЛ", 1)),
    4: (("РЯ", 4), ("ЛЧ", 3), ("РОДЯ", 1)),
}

SCHOOL_PROGRAMS: tuple[tuple[str, str, int, int], ...] = (
    ("НОО", "Основная образовательная программа начального общего образования", 1, 4),
    ("ООО", "Основная образовательная программа основного общего образования", 5, 9),
)

AREA_DIPLOMAS: dict[str, str] = {
    "rus": "Учитель русского языка и литературы",
    "lang": "Учитель иностранного языка",
    "math": "Учитель математики и информатики",
    "inf": "Учитель информатики",
    "hist": "Учитель истории и обществознания",
    "pe": "Педагог по физической культуре и спорту",
    "science": "Учитель физики",
    "phys": "Учитель физики",
    "nature": "Учитель биологии и химии",
    "music": "Учитель музыки",
    "art": "Учитель изобразительного искусства",
    "tech": "Учитель технологии",
    "native": "Учитель родного языка и литературы",
    "primary": "Учитель начальных классов",
}

# =====================================================================================
# Reference data: thematic plans, homework, community texts
# =====================================================================================

#: Topics per discipline key; «:нач» is the primary-school variant of a subject.
TOPICS: dict[str, tuple[str, ...]] = {
    "ОУД.01": (
        "Язык как средство общения и форма существования национальной культуры",
        "Фонетика, орфоэпия, графика",
        "Лексика и фразеология",
        "Морфемика и словообразование",
        "Морфология и орфография: имя существительное",
        "Морфология и орфография: глагол и его формы",
        "Служебные части речи",
        "Синтаксис простого предложения",
        "Обособленные члены предложения",
        "Сложное предложение",
        "Функциональные стили речи",
        "Текст и его строение",
    ),
    "ОУД.02": (
        "Русская литература первой половины XIX века",
        "А. С. Пушкин. Лирика. Поэма «Медный всадник»",
        "М. Ю. Лермонтов. Лирика",
        "Н. В. Гоголь. «Петербургские повести»",
        "А. Н. Островский. Драма «Гроза»",
        "И. А. Гончаров. Роман «Обломов»",
        "И. С. Тургенев. Роман «Отцы и дети»",
        "Ф. И. Тютчев и А. А. Фет. Лирика",
        "Н. А. Некрасов. Поэма «Кому на Руси жить хорошо»",
        "Ф. М. Достоевский. Роман «Преступление и наказание»",
        "Л. Н. Толстой. Роман-эпопея «Война и мир»",
        "А. П. Чехов. Рассказы и пьеса «Вишнёвый сад»",
    ),
    "ОУД.03": (
        "Introducing yourself. Знакомство и общение",
        "My family. Семья и семейные традиции",
        "My college. Образование в России и за рубежом",
        "Daily routine. Распорядок дня студента",
        "Present Simple и Present Continuous",
        "Hobbies and leisure. Досуг и увлечения",
        "Past Simple: правильные и неправильные глаголы",
        "Healthy lifestyle. Здоровый образ жизни",
        "Travelling. Путешествия",
        "Future forms. Способы выражения будущего времени",
        "Russia: geography and culture",
        "Great Britain: geography and culture",
    ),
    "ОУД.04": (
        "Действительные числа. Приближённые вычисления",
        "Степени с рациональным показателем",
        "Корни n-й степени и их свойства",
        "Показательная функция, её свойства и график",
        "Показательные уравнения и неравенства",
        "Логарифм числа. Свойства логарифмов",
        "Логарифмические уравнения и неравенства",
        "Радианная мера угла. Синус, косинус, тангенс",
        "Основные тригонометрические тождества",
        "Тригонометрические уравнения",
        "Прямые и плоскости в пространстве",
        "Производная и её геометрический смысл",
        "Исследование функции с помощью производной",
        "Первообразная и интеграл",
        "Многогранники: призма, пирамида",
        "Элементы комбинаторики и теории вероятностей",
    ),
    "ОУД.05": (
        "Россия в начале XX века",
        "Первая мировая война",
        "Великая российская революция 1917 года",
        "Гражданская война в России",
        "СССР в 1920-е годы. Новая экономическая политика",
        "Индустриализация и коллективизация",
        "Великая Отечественная война 1941–1945 годов",
        "Коренной перелом в ходе войны",
        "СССР в 1945–1953 годах",
        "«Оттепель» середины 1950-х – середины 1960-х годов",
        "СССР в 1970-е – начале 1980-х годов",
        "Российская Федерация в 1990-е годы",
    ),
    "ОУД.06": (
        "Инструктаж по технике безопасности. Лёгкая атлетика: бег на короткие дистанции",
        "Лёгкая атлетика: бег на средние дистанции",
        "Прыжки в длину с разбега",
        "Волейбол: передачи мяча, подача",
        "Баскетбол: ведение, передачи, броски",
        "Гимнастика: строевые упражнения, акробатика",
        "Общая физическая подготовка",
        "Сдача нормативов ГТО",
    ),
    "ОУД.07": (
        "Основы комплексной безопасности",
        "Защита населения Российской Федерации от опасных и чрезвычайных ситуаций",
        "Безопасность в быту",
        "Безопасность на транспорте",
        "Основы обороны государства",
        "Военная служба — особый вид федеральной государственной службы",
        "Основы медицинских знаний. Первая помощь",
        "Противодействие терроризму и экстремизму",
    ),
    "ОУД.08": (
        "Информация и информационные процессы",
        "Системы счисления",
        "Кодирование текстовой и графической информации",
        "Логические основы компьютера",
        "Устройство компьютера. Программное обеспечение",
        "Компьютерные сети. Интернет",
        "Информационная безопасность",
        "Текстовый процессор: оформление документов",
        "Электронные таблицы: формулы и функции",
        "Базы данных. Запросы",
        "Алгоритмы и исполнители",
        "Программирование: линейные алгоритмы, ветвления, циклы",
    ),
    "ОУД.09": (
        "Кинематика материальной точки",
        "Законы Ньютона",
        "Законы сохранения в механике",
        "Основы молекулярно-кинетической теории",
        "Основы термодинамики",
        "Электростатика",
        "Законы постоянного тока",
        "Магнитное поле",
        "Электромагнитная индукция",
        "Колебания и волны",
    ),
    "ОУД.10": (
        "Строение атома. Периодический закон Д. И. Менделеева",
        "Химическая связь и строение вещества",
        "Классификация неорганических веществ",
        "Химические реакции. Скорость реакции",
        "Растворы. Электролитическая диссоциация",
        "Металлы и их соединения",
        "Неметаллы и их соединения",
        "Основы органической химии. Углеводороды",
        "Кислородсодержащие органические соединения",
        "Азотсодержащие органические соединения. Белки",
    ),
    "ОУД.11": (
        "Биология как наука. Уровни организации живого",
        "Клетка — единица живого",
        "Обмен веществ и превращение энергии",
        "Размножение и индивидуальное развитие организмов",
        "Основы генетики",
        "Эволюционное учение",
        "Экология и охрана природы",
    ),
    "ОУД.12": (
        "Человек как биосоциальное существо",
        "Общество как сложная система",
        "Духовная культура",
        "Экономика и экономическая наука",
        "Рынок и рыночный механизм",
        "Социальные отношения",
        "Политика и власть",
        "Право в системе социальных норм",
        "Конституция Российской Федерации",
    ),
    "ОУД.13": (
        "Источники географической информации",
        "Политическая карта мира",
        "География мировых природных ресурсов",
        "География населения мира",
        "Мировое хозяйство",
        "География отраслей мирового хозяйства",
        "Регионы и страны мира",
        "Россия в современном мире",
    ),
    "СГ.01": (
        "Россия в системе международных отношений",
        "Распад СССР и становление новой России",
        "Россия на рубеже XX–XXI веков",
        "Внешняя политика России в XXI веке",
        "Культура и духовная жизнь современной России",
        "Россия в современном мире: вызовы и перспективы",
    ),
    "СГ.02": (
        "Professional communication. Деловое общение",
        "My future profession",
        "Job interview. Собеседование",
        "Business correspondence. Деловая переписка",
        "Technical documentation. Чтение технической документации",
        "Safety at work. Охрана труда",
        "Presentations. Подготовка презентации",
        "Professional terminology. Профессиональная лексика",
    ),
    "СГ.03": (
        "Чрезвычайные ситуации мирного и военного времени",
        "Организация защиты населения",
        "Устойчивость производств в условиях чрезвычайных ситуаций",
        "Основы военной службы",
        "Основы медицинских знаний",
    ),
    "СГ.04": (
        "Инструктаж по технике безопасности. Лёгкая атлетика",
        "Волейбол: техника игры",
        "Баскетбол: тактика игры",
        "Профессионально-прикладная физическая подготовка",
        "Общая физическая подготовка",
        "Сдача контрольных нормативов",
    ),
    "СГ.05": (
        "Личное финансовое планирование",
        "Банковская система. Депозиты и кредиты",
        "Расчётно-кассовые операции",
        "Страхование",
        "Инвестиции",
        "Налоги для физических лиц",
        "Защита от финансового мошенничества",
    ),
    "ИС:ОП.01": (
        "Понятие операционной системы. Классификация ОС",
        "Архитектура операционной системы",
        "Управление процессами и потоками",
        "Управление памятью",
        "Файловые системы",
        "Интерфейс командной строки Linux",
        "Управление пользователями и правами доступа",
        "Виртуализация и контейнеры",
    ),
    "ИС:ОП.02": (
        "Представление информации в ЭВМ",
        "Логические основы ЭВМ",
        "Архитектура процессора",
        "Организация памяти",
        "Периферийные устройства",
        "Интерфейсы и шины",
    ),
    "ИС:ОП.03": (
        "Информационные технологии: понятие и классификация",
        "Технологии обработки текстовой информации",
        "Технологии обработки табличной информации",
        "Мультимедийные технологии",
        "Сетевые технологии",
        "Облачные сервисы",
        "Технологии защиты информации",
    ),
    "ИС:ОП.04": (
        "Алгоритмы и способы их описания",
        "Основные типы данных и переменные",
        "Линейные программы. Ввод и вывод",
        "Ветвления",
        "Циклы с предусловием и постусловием",
        "Массивы",
        "Строки",
        "Подпрограммы: процедуры и функции",
        "Рекурсия",
        "Сортировка и поиск",
        "Файлы",
        "Основы объектно-ориентированного программирования",
    ),
    "ИС:ОП.05": (
        "Право и законодательство в сфере информационных технологий",
        "Правовая охрана программ для ЭВМ и баз данных",
        "Трудовые правоотношения",
        "Защита персональных данных (152-ФЗ)",
        "Административная ответственность",
    ),
    "ИС:ОП.06": (
        "Основные понятия баз данных",
        "Реляционная модель данных",
        "Нормализация отношений",
        "Проектирование базы данных. ER-диаграммы",
        "Язык SQL: выборка данных",
        "Язык SQL: соединения и подзапросы",
        "Индексы и транзакции",
    ),
    "ИС:МДК.01.01": (
        "Жизненный цикл программного обеспечения",
        "Объектно-ориентированное программирование: классы и объекты",
        "Наследование и полиморфизм",
        "Обработка исключений",
        "Коллекции и обобщённое программирование",
        "Разработка графического интерфейса",
        "Работа с файлами и потоками данных",
        "Многопоточное программирование",
        "Модульное тестирование",
        "Работа с базой данных из приложения",
    ),
    "ИС:МДК.01.02": (
        "Виды и методы тестирования",
        "Тест-кейсы и тест-планы",
        "Отладка программ",
        "Системы контроля версий. Git",
        "Рефакторинг кода",
        "Инспекция и ревью кода",
        "Документирование программного обеспечения",
    ),
    "ИС:МДК.02.01": (
        "Модели жизненного цикла программного обеспечения",
        "Анализ требований",
        "Проектирование архитектуры приложения",
        "UML-диаграммы",
        "Гибкие методологии разработки",
        "Интеграция программных модулей",
        "Сборка и развёртывание приложений",
    ),
    "ИС:УП.01": (
        "Инструктаж по охране труда. Знакомство с рабочим местом",
        "Разработка технического задания на программный модуль",
        "Разработка программного модуля",
        "Тестирование и отладка модуля",
        "Оформление отчёта по практике",
    ),
    "ПК:ОП.01": (
        "Основы микробиологии",
        "Микрофлора пищевых продуктов",
        "Пищевые инфекции и отравления",
        "Физиология пищеварения",
        "Рациональное питание",
        "Санитарные требования к организациям питания",
        "Личная гигиена персонала",
    ),
    "ПК:ОП.02": (
        "Классификация и ассортимент сырья",
        "Условия и сроки хранения продуктов",
        "Приёмка товаров по количеству и качеству",
        "Складское хозяйство организации питания",
        "Инвентаризация и контроль запасов",
    ),
    "ПК:ОП.03": (
        "Механическое оборудование: классификация",
        "Оборудование для обработки овощей",
        "Тепловое оборудование: плиты и жарочные шкафы",
        "Пароконвектоматы",
        "Холодильное оборудование",
        "Весоизмерительное оборудование",
    ),
    "ПК:ОП.04": (
        "Виды и формы обслуживания",
        "Подготовка зала к обслуживанию",
        "Столовая посуда, приборы, столовое бельё",
        "Меню и карта вин",
        "Обслуживание банкетов и приёмов",
    ),
    "ПК:МДК.01.01": (
        "Организация работы овощного цеха",
        "Организация работы мясо-рыбного цеха",
        "Требования к качеству полуфабрикатов",
        "Условия и сроки хранения полуфабрикатов",
        "Технологическая документация",
    ),
    "ПК:МДК.01.02": (
        "Обработка овощей и грибов",
        "Приготовление полуфабрикатов из рыбы",
        "Приготовление полуфабрикатов из мяса",
        "Приготовление полуфабрикатов из птицы",
        "Полуфабрикаты из котлетной массы",
        "Оформление и подача",
    ),
    "ПК:МДК.02.01": (
        "Приготовление супов",
        "Приготовление соусов",
        "Блюда из овощей и грибов",
        "Блюда из круп и макаронных изделий",
        "Блюда из рыбы",
        "Блюда из мяса и птицы",
    ),
    "ПК:УП.01": (
        "Инструктаж по охране труда на учебной кухне",
        "Первичная обработка овощей",
        "Приготовление полуфабрикатов из мяса",
        "Приготовление полуфабрикатов из рыбы",
        "Зачётное занятие",
    ),
    "РЯ:нач": (
        "Звуки и буквы",
        "Гласные и согласные звуки",
        "Ударение. Ударные и безударные гласные",
        "Правописание сочетаний жи–ши, ча–ща, чу–щу",
        "Разделительный мягкий знак",
        "Состав слова. Корень",
        "Приставка и суффикс",
        "Имя существительное",
        "Род и число имён существительных",
        "Имя прилагательное",
        "Глагол. Время глагола",
        "Предложение. Главные члены предложения",
        "Текст. Типы текстов",
        "Правописание парных согласных в корне",
    ),
    "РЯ": (
        "Язык и речь",
        "Фонетика и орфоэпия",
        "Правописание корней",
        "Морфемика и словообразование",
        "Лексика. Однозначные и многозначные слова",
        "Имя существительное как часть речи",
        "Склонение имён существительных",
        "Имя прилагательное",
        "Глагол. Спряжение глаголов",
        "Причастие и причастный оборот",
        "Деепричастие и деепричастный оборот",
        "Словосочетание",
        "Простое предложение. Грамматическая основа",
        "Однородные члены предложения",
        "Сложное предложение",
        "Прямая речь. Знаки препинания при прямой речи",
    ),
    "ЛЧ": (
        "Устное народное творчество. Русские народные сказки",
        "Малые жанры фольклора: пословицы и загадки",
        "А. С. Пушкин. «Сказка о рыбаке и рыбке»",
        "И. А. Крылов. Басни",
        "Л. Н. Толстой. Рассказы для детей",
        "Стихи русских поэтов о природе",
        "К. Г. Паустовский. «Растрёпанный воробей»",
        "Н. Н. Носов. Рассказы",
        "Литературная сказка. Г.-Х. Андерсен",
        "В. В. Бианки. Рассказы о животных",
        "Поэзия С. Я. Маршака",
        "Произведения о детях и дружбе",
    ),
    "ЛИТ": (
        "Мифы народов мира",
        "Русские народные сказки",
        "А. С. Пушкин. «Сказка о мёртвой царевне и о семи богатырях»",
        "М. Ю. Лермонтов. «Бородино»",
        "Н. В. Гоголь. «Ночь перед Рождеством»",
        "И. С. Тургенев. «Муму»",
        "Н. А. Некрасов. «Крестьянские дети»",
        "Л. Н. Толстой. «Кавказский пленник»",
        "А. П. Чехов. Рассказы",
        "Поэзия о Великой Отечественной войне",
        "В. П. Астафьев. «Васюткино озеро»",
        "А. С. Пушкин. «Капитанская дочка»",
        "Н. В. Гоголь. «Ревизор»",
        "М. Ю. Лермонтов. «Мцыри»",
    ),
    "РОДЯ": (
        "Русский язык — родной язык русского народа",
        "Слова, называющие предметы традиционного быта",
        "Пословицы и поговорки о труде",
        "Секреты речи и текста",
        "Как люди общаются друг с другом",
    ),
    "РОДЛ": (
        "Русские народные сказки о животных",
        "Произведения о родной природе",
        "Произведения о семье и доме",
        "Детские журналы и книги",
        "Произведения о родном крае",
    ),
    "ИЯ": (
        "Hello! Приветствие и знакомство",
        "My family. Моя семья",
        "My school. Моя школа",
        "Colours and numbers. Цвета и числа",
        "My toys. Мои игрушки",
        "Animals. Животные",
        "Food. Еда",
        "My day. Мой день",
        "Seasons and weather. Времена года и погода",
        "My house. Мой дом",
        "Holidays. Праздники",
        "Present Simple. Настоящее простое время",
    ),
    "МА:нач": (
        "Числа от 1 до 100. Нумерация",
        "Сложение и вычитание в пределах 100",
        "Таблица умножения",
        "Деление",
        "Внетабличное умножение и деление",
        "Деление с остатком",
        "Числа от 1 до 1000",
        "Единицы длины, массы и времени",
        "Периметр и площадь прямоугольника",
        "Решение текстовых задач в два действия",
        "Геометрические фигуры",
        "Письменные приёмы вычислений",
    ),
    "МА": (
        "Натуральные числа и шкалы",
        "Сложение и вычитание натуральных чисел",
        "Умножение и деление натуральных чисел",
        "Делимость чисел. Признаки делимости",
        "Обыкновенные дроби",
        "Сложение и вычитание дробей с разными знаменателями",
        "Умножение и деление обыкновенных дробей",
        "Десятичные дроби",
        "Проценты",
        "Отношения и пропорции",
        "Положительные и отрицательные числа",
        "Координатная плоскость",
        "Площади и объёмы",
    ),
    "АЛ": (
        "Выражения. Тождества",
        "Линейное уравнение с одной переменной",
        "Функции. Линейная функция и её график",
        "Степень с натуральным показателем",
        "Многочлены",
        "Формулы сокращённого умножения",
        "Системы линейных уравнений",
        "Квадратные корни",
        "Квадратные уравнения. Теорема Виета",
        "Неравенства",
    ),
    "ГМ": (
        "Начальные геометрические сведения",
        "Треугольники. Признаки равенства треугольников",
        "Параллельные прямые",
        "Соотношения между сторонами и углами треугольника",
        "Четырёхугольники",
        "Площадь многоугольника",
        "Подобные треугольники",
        "Окружность",
    ),
    "ВС": (
        "Представление данных: таблицы и диаграммы",
        "Описательная статистика: среднее, медиана, размах",
        "Случайная изменчивость",
        "Введение в теорию графов",
        "Вероятность и частота случайного события",
    ),
    "ИНФ": (
        "Информация и информационные процессы",
        "Компьютер — универсальное устройство обработки данных",
        "Файлы и файловая система",
        "Системы счисления",
        "Кодирование информации",
        "Алгоритмы и исполнители",
        "Программирование на Python: ветвления и циклы",
        "Электронные таблицы",
    ),
    "ОМ": (
        "Человек и природа. Природа вокруг нас",
        "Неживая и живая природа",
        "Растения: разнообразие и значение",
        "Животные: разнообразие и значение",
        "Человек и общество. Наша Родина — Россия",
        "Родной край",
        "Правила безопасной жизнедеятельности",
        "Организм человека и здоровье",
        "Погода и климат",
        "Страницы истории России",
    ),
    "ИС": (
        "История Древнего мира. Первобытность",
        "Древний Египет",
        "Древняя Греция",
        "Древний Рим",
        "Средневековье: Европа в V–XV веках",
        "Русь в IX – начале XII века",
        "Русские земли в XII–XIII веках",
        "Образование единого Русского государства",
        "Россия в XVI–XVII веках",
        "Эпоха Петра I",
        "Россия в XVIII веке",
    ),
    "ОБЩ": (
        "Человек в социальном измерении",
        "Человек среди людей",
        "Нравственные основы жизни",
        "Регулирование поведения людей в обществе",
        "Человек в экономических отношениях",
        "Гражданин и государство",
    ),
    "ОДНКНР": (
        "В мире культуры",
        "Нравственные ценности российского народа",
        "Религия и культура",
        "Как сохранить духовные ценности предков",
        "Твой духовный мир",
    ),
    "ОРКСЭ": (
        "Россия — наша Родина",
        "Культура и мораль",
        "Добро и зло",
        "Дружба и взаимопомощь",
        "Семья и семейные ценности",
        "Праздники народов России",
    ),
    "ГЕО": (
        "Географическое познание Земли",
        "План местности и географическая карта",
        "Литосфера",
        "Гидросфера",
        "Атмосфера и климаты Земли",
        "Биосфера",
        "Природа России",
        "Население России",
    ),
    "БИО": (
        "Биология — наука о живой природе",
        "Клеточное строение организмов",
        "Многообразие организмов",
        "Строение и жизнедеятельность растений",
        "Животные и их многообразие",
        "Человек и его здоровье",
    ),
    "ФИЗ": (
        "Физика и её роль в познании окружающего мира",
        "Первоначальные сведения о строении вещества",
        "Движение и взаимодействие тел",
        "Давление твёрдых тел, жидкостей и газов",
        "Работа и мощность. Энергия",
        "Тепловые явления",
        "Электрические явления",
        "Электромагнитные явления",
    ),
    "ХИМ": (
        "Первоначальные химические понятия",
        "Атомы химических элементов",
        "Простые вещества",
        "Соединения химических элементов",
        "Изменения, происходящие с веществами",
        "Растворение. Растворы",
    ),
    "МУЗ": (
        "Музыка вокруг нас",
        "Народная музыка России",
        "Музыкальные инструменты",
        "Классическая музыка",
        "Музыка театра и кино",
        "Песни о Родине",
    ),
    "ИЗО": (
        "Ты изображаешь, украшаешь и строишь",
        "Искусство и ты",
        "Цвет и его выразительные возможности",
        "Народные промыслы",
        "Пейзаж",
        "Портрет",
    ),
    "ТР": (
        "Технологии вокруг нас",
        "Материалы и их свойства",
        "Работа с бумагой и картоном",
        "Работа с тканью",
        "Конструирование и моделирование",
        "Основы робототехники",
    ),
    "ФК": (
        "Инструктаж по технике безопасности. Лёгкая атлетика",
        "Подвижные игры",
        "Гимнастика с элементами акробатики",
        "Спортивные игры: пионербол и баскетбол",
        "Общая физическая подготовка",
        "Сдача нормативов ГТО",
    ),
    "ОБЗР": (
        "Безопасное поведение в быту",
        "Безопасность на транспорте",
        "Безопасность в общественных местах",
        "Основы медицинских знаний. Первая помощь",
        "Безопасность в информационном пространстве",
    ),
}
TOPICS["ИСП:ОП.01"] = TOPICS["ИС:ОП.01"]
TOPICS["ИСП:ОП.02"] = TOPICS["ИС:ОП.02"]
TOPICS["ИСП:ОП.03"] = TOPICS["ИС:ОП.03"]
TOPICS["ИСП:ОП.04"] = TOPICS["ИС:ОП.04"]
TOPICS["ИСП:ОП.05"] = TOPICS["ИС:ОП.05"]
TOPICS["ИСП:ОП.06"] = TOPICS["ИС:ОП.06"]
TOPICS["ИСП:МДК.01.01"] = TOPICS["ИС:МДК.01.01"]
TOPICS["ИСП:МДК.01.02"] = TOPICS["ИС:МДК.01.02"]
TOPICS["ИСП:УП.01"] = TOPICS["ИС:УП.01"]

#: A discipline without its own list gets these, applied to its name.
GENERIC_TOPICS: tuple[str, ...] = (
    "Введение. Предмет и задачи дисциплины «{name}»",
    "Основные понятия и терминология",
    "Нормативно-правовая база",
    "Классификация и характеристика объектов изучения",
    "Организация рабочего места. Охрана труда",
    "Технологическая и нормативная документация",
    "Современные технологии и оборудование",
    "Контроль качества и стандарты",
    "Анализ профессиональных ситуаций",
    "Перспективы развития отрасли",
)

#: How the lessons after the first on one topic are named (never a bare «Повторение»),
#: by (college?, style); a style missing here takes the "humanities" line.
VARIANTS: dict[tuple[bool, str], tuple[str, ...]] = {
    (True, "exact"): (". Практическое занятие", ". Решение задач", ". Семинар"),
    (True, "science"): (". Практическое занятие", ". Решение задач"),
    (True, "humanities"): (". Семинар", ". Практическое занятие", ". Работа с источниками"),
    (True, "reading"): (". Анализ произведения", ". Семинар"),
    (True, "language"): (
        ". Практика устной речи",
        ". Грамматический практикум",
        ". Чтение и перевод текстов",
    ),
    (True, "practical"): (
        ". Практическое занятие",
        ". Решение профессиональных задач",
        ". Анализ практических ситуаций",
    ),
    (True, "prof"): (
        ". Практическое занятие",
        ". Решение профессиональных задач",
        ". Анализ практических ситуаций",
    ),
    (True, "sport"): (". Совершенствование техники", ". Учебно-тренировочное занятие"),
    (False, "exact"): (
        ". Решение задач",
        ". Закрепление",
        ". Практикум",
        ". Обобщение и систематизация знаний",
    ),
    (False, "humanities"): (". Закрепление", ". Практикум", ". Обобщение и систематизация знаний"),
    (False, "reading"): (". Анализ произведения", ". Выразительное чтение", ". Обсуждение"),
    (False, "language"): (
        ". Закрепление лексики",
        ". Практика чтения и говорения",
        ". Грамматический практикум",
    ),
    (False, "science"): (". Закрепление", ". Решение задач", ". Обобщение"),
    (False, "practical"): (". Практикум", ". Закрепление"),
    (False, "creative"): (". Творческое задание", ". Продолжение работы"),
    (False, "sport"): (". Совершенствование навыков", ". Подвижные игры"),
}

#: Numbered graded works by style, cycled every sixth lesson.
WORK_CYCLES: dict[str, tuple[WorkKind, ...]] = {
    "exact": (WorkKind.INDEPENDENT, WorkKind.CONTROL),
    "science": (WorkKind.LABORATORY, WorkKind.INDEPENDENT, WorkKind.CONTROL),
    "humanities": (WorkKind.TEST, WorkKind.CONTROL),
    "reading": (WorkKind.TEST, WorkKind.CONTROL),
    "language": (WorkKind.TEST, WorkKind.CONTROL),
    "practical": (WorkKind.PRACTICAL, WorkKind.PRACTICAL, WorkKind.TEST),
    "prof": (WorkKind.PRACTICAL, WorkKind.TEST, WorkKind.CONTROL),
    "sport": (WorkKind.TEST,),
    "creative": (WorkKind.PRACTICAL, WorkKind.TEST),
}
WORK_TITLES: dict[WorkKind, str] = {
    WorkKind.CONTROL: "Контрольная работа",
    WorkKind.INDEPENDENT: "Самостоятельная работа",
    WorkKind.PRACTICAL: "Практическая работа",
    WorkKind.LABORATORY: "Лабораторная работа",
    WorkKind.TEST: "Тест",
}
WORK_LESSON_TYPES: dict[WorkKind, LessonType] = {
    WorkKind.CONTROL: LessonType.CONTROL,
    WorkKind.TEST: LessonType.CONTROL,
    WorkKind.INDEPENDENT: LessonType.PRACTICAL,
    WorkKind.PRACTICAL: LessonType.PRACTICAL,
    WorkKind.LABORATORY: LessonType.LABORATORY,
}

#: Share of lessons with homework, by style (physical training rarely has any).
HOMEWORK_SHARE: dict[str, float] = {"sport": 0.1, "creative": 0.35}
#: Homework by (college?, style); a style missing here takes the "humanities" line.
HOMEWORK: dict[tuple[bool, str], tuple[str, ...]] = {
    (False, "exact"): (
        "§ {n}, № {m}, {k}",
        "Учебник, с. {p}, № {m}–{k}",
        "Рабочая тетрадь, с. {p}, задания {m}–{k}",
    ),
    (False, "humanities"): (
        "§ {n}, упр. {m}",
        "Учебник, с. {p}–{q}, ответить на вопросы",
        "Выучить правило на с. {p}, упр. {m}",
    ),
    (False, "reading"): (
        "Прочитать с. {p}–{q}, ответить на вопросы",
        "Выразительное чтение, с. {p}–{q}",
        "Выучить наизусть стихотворение (с. {p})",
        "Пересказ текста, с. {p}–{q}",
    ),
    (False, "language"): (
        "Учебник, с. {p}, упр. {m}",
        "Выучить новые слова, с. {p}",
        "Рабочая тетрадь, с. {p}, упр. {m}–{k}",
    ),
    (False, "science"): ("§ {n}, вопросы после параграфа", "§ {n}, задачи {m}–{k}"),
    (False, "practical"): ("§ {n}, задания {m}–{k}", "Выполнить задание в тетради, с. {p}"),
    (False, "creative"): ("Принести материалы для практической работы", "Закончить работу"),
    (False, "sport"): ("Комплекс упражнений утренней гимнастики",),
    (True, "exact"): (
        "Решить задачи № {m}–{k} из сборника",
        "Изучить материал учебника, гл. {n}, с. {p}–{q}",
        "Выполнить индивидуальное задание № {m}",
    ),
    (True, "science"): (
        "Решить задачи № {m}–{k} из сборника",
        "Изучить § {n}, ответить на вопросы",
        "Оформить отчёт по лабораторной работе",
    ),
    (True, "humanities"): (
        "Конспект лекции; ответить на контрольные вопросы",
        "Изучить материал учебника, гл. {n}, с. {p}–{q}",
        "Подготовить сообщение по теме занятия",
    ),
    (True, "reading"): (
        "Прочитать произведение, подготовиться к обсуждению",
        "Выучить наизусть стихотворение",
        "Подготовить сообщение по теме занятия",
    ),
    (True, "language"): (
        "Выучить лексику занятия",
        "Перевести текст, с. {p}",
        "Упр. {m}–{k}, с. {p}",
    ),
    (True, "practical"): (
        "Оформить отчёт по практической работе",
        "Конспект лекции; ответить на контрольные вопросы",
        "Выполнить индивидуальное задание № {m}",
    ),
    (True, "prof"): (
        "Конспект лекции; ответить на контрольные вопросы",
        "Изучить материал учебника, гл. {n}, с. {p}–{q}",
        "Оформить отчёт по практической работе",
    ),
    (True, "sport"): ("Комплекс общеразвивающих упражнений",),
}
INDIVIDUAL_HOMEWORK: tuple[str, ...] = (
    "Работа над ошибками: выполнить дополнительно упражнения № {m}–{k}",
    "Подготовить доклад по теме «{topic}»",
    "Выполнить индивидуальную карточку № {m}",
    "Сдать пропущенную работу по теме «{topic}» до конца недели",
)

PORTFOLIO_STUDENT: tuple[tuple[str, str], ...] = (
    ("competition_result", "Диплом призёра муниципального этапа олимпиады по математике"),
    ("competition_result", "Сертификат участника школьного этапа ВсОШ по русскому языку"),
    ("competition_result", "Диплом II степени регионального конкурса «Профессионалы»"),
    ("achievement", "Грамота за I место в городских соревнованиях по волейболу"),
    ("achievement", "Знак отличия ВФСК «ГТО» (серебряный)"),
    ("achievement", "Диплом лауреата конкурса чтецов «Живая классика»"),
    ("achievement", "Благодарность за участие в акции «Чистый город»"),
    ("project", "Сертификат участника научно-практической конференции"),
)
PORTFOLIO_STAFF: tuple[tuple[str, str], ...] = (
    (
        "certificate",
        "Удостоверение о повышении квалификации «Цифровая образовательная среда», 72 ч",
    ),
    ("certificate", "Удостоверение о повышении квалификации «Реализация ФГОС», 36 ч"),
    ("achievement", "Почётная грамота Министерства образования"),
    ("publication", "Публикация методической разработки урока"),
)

ANNOUNCEMENTS_COLLEGE: tuple[tuple[int, int, str, str], ...] = (
    # (days from today to the start, duration in days, title, body)
    (-20, 0, "Посвящение в студенты", "Торжественное посвящение первокурсников в студенты в актовом зале."),
    (9, 0, "День открытых дверей", "Приглашаем выпускников 9-х классов и их родителей познакомиться с колледжем, специальностями и правилами приёма."),
    (18, 8, "Зимняя промежуточная аттестация", "Расписание экзаменов и зачётов размещено в разделе «Расписание». Допуск — при отсутствии задолженностей."),
    (3, 0, "Региональный чемпионат «Профессионалы»", "Отборочный этап по компетенциям колледжа. Участники — по списку заведующих отделениями."),
)  # fmt: skip
ANNOUNCEMENTS_SCHOOL: tuple[tuple[int, int, str, str], ...] = (
    (-25, 0, "Школьный этап всероссийской олимпиады школьников", "Результаты опубликованы, поздравляем победителей и призёров!"),
    (5, 0, "Общешкольное родительское собрание", "Собрание состоится в актовом зале в 18:00. Повестка: итоги четверти, питание, безопасность."),
    (21, 10, "Новогодние мероприятия", "Праздничные утренники и концерты по графику классов."),
    (12, 4, "Неделя математики", "Конкурсы, викторины и математические бои для всех классов."),
)  # fmt: skip


# =====================================================================================
# Small helpers
# =====================================================================================


def _utc(day: dt.date, hour: int = 6, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=dt.UTC)


def _clock(hhmm: str) -> dt.time:
    hours, minutes = hhmm.split(":")
    return dt.time(int(hours), int(minutes))


def _female_surname(male: str) -> str:
    """Russian surnames agree with sex; a family keeps one stem."""
    for suffix, replacement in (("ский", "ская"), ("цкий", "цкая"), ("ой", "ая"), ("ый", "ая")):
        if male.endswith(suffix):
            return male[: -len(suffix)] + replacement
    if male.endswith(("ов", "ев", "ёв", "ин", "ын")):
        return male + "а"
    return male


def _translit(text_ru: str) -> str:
    out = []
    for char in text_ru.lower():
        latin = TRANSLIT.get(char, char)
        out.append("" if latin == "-" else latin)
    return "".join(c for c in "".join(out) if c.isalnum())


def _friday_on_or_before(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=(day.weekday() - 4) % 7)


def _monday_on_or_after(day: dt.date) -> dt.date:
    return day + dt.timedelta(days=(7 - day.weekday()) % 7)


def _age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _fio(surname: str, name: str, patronymic: str | None) -> str:
    return " ".join(p for p in (surname, name, patronymic) if p)


def _table(model: type[Base]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


class _Ids:
    """Explicit primary keys, continuing after what the database already holds, so rows
    can reference each other before anything is written."""

    def __init__(self, start: dict[str, int]) -> None:
        self._next = dict(start)

    def take(self, table: str) -> int:
        value = self._next.get(table, 1)
        self._next[table] = value + 1
        return value


class _Rows:
    """Rows waiting for the bulk INSERT, by table."""

    def __init__(self, ids: _Ids) -> None:
        self.ids = ids
        self.by_table: dict[str, list[Row]] = defaultdict(list)

    def add(self, model: type[Base], **values: Any) -> int:
        table = _table(model)
        if "id" in table.c and "id" not in values:
            values["id"] = self.ids.take(table.name)
        self.by_table[table.name].append(values)
        return int(values.get("id", 0))


def _normalise(table: Table, rows: list[Row]) -> None:
    """Give every row the same keys, so each chunk is one executemany."""
    keys: dict[str, None] = {}
    for row in rows:
        keys.update(dict.fromkeys(row))
    for row in rows:
        if len(row) == len(keys):
            continue
        for key in keys:
            if key not in row:
                column = table.c[key]
                default = column.default
                if default is not None and default.is_scalar:
                    row[key] = default.arg  # type: ignore[attr-defined]
                elif column.nullable:
                    row[key] = None
                else:
                    raise ValueError(f"{table.name}.{key} missing in a demo row")


# =====================================================================================
# The calendar
# =====================================================================================


@dataclass(slots=True)
class _Term:
    """A stretch of study days: a semester or quarter, or the school year for timetables."""

    id: int
    kind: PeriodKind
    number: int
    starts_on: dt.date
    ends_on: dt.date

    def __contains__(self, day: dt.date) -> bool:
        return self.starts_on <= day <= self.ends_on


@dataclass(slots=True)
class _Calendar:
    year_id: int
    starts_on: dt.date
    ends_on: dt.date
    #: The periods lessons run in: semesters (college) or quarters (school).
    terms: list[_Term]
    #: The periods a timetable is valid for: semesters, or the whole school year.
    timetable_terms: list[_Term]
    days_off: dict[dt.date, str]
    transfer_from: dt.date
    transfer_to: dt.date

    def follows(self, day: dt.date) -> int | None:
        """The weekday whose timetable ``day`` follows, or None when there are no lessons."""
        if day in self.days_off or day == self.transfer_from:
            return None
        if not any(day in term for term in self.terms):
            return None
        if day == self.transfer_to:
            return self.transfer_from.isoweekday()
        weekday = day.isoweekday()
        return weekday if weekday <= 5 else None

    def study_days(self, first: dt.date, last: dt.date) -> Iterator[tuple[dt.date, int]]:
        day = first
        while day <= last:
            weekday = self.follows(day)
            if weekday is not None:
                yield day, weekday
            day += dt.timedelta(days=1)

    def weeks(self, term: _Term) -> int:
        days = sum(1 for _ in self.study_days(term.starts_on, term.ends_on))
        return max(1, math.ceil(days / 5))


def academic_year_bounds(today: dt.date) -> tuple[dt.date, dt.date]:
    """Sep 1 – Jun 30 around ``today``; in July and August, the coming year."""
    start_year = today.year if today.month >= 7 else today.year - 1
    return dt.date(start_year, 9, 1), dt.date(start_year + 1, 6, 30)


def school_quarters(start: dt.date) -> list[tuple[dt.date, dt.date]]:
    """Quarter bounds as Russian schools set them on a five-day week: autumn holidays
    around Unity Day, winter from Dec 29 to Jan 8, spring around Mar 22, last bell May 26."""
    year = start.year
    q1_end = _friday_on_or_before(dt.date(year, 10, 25))
    q2_start = _monday_on_or_after(q1_end + dt.timedelta(days=3)) + dt.timedelta(days=7)
    q2_end = _friday_on_or_before(dt.date(year, 12, 27))
    q3_start = _monday_on_or_after(dt.date(year + 1, 1, 9))
    q3_end = _friday_on_or_before(dt.date(year + 1, 3, 21))
    q4_start = _monday_on_or_after(q3_end + dt.timedelta(days=3))
    q4_end = dt.date(year + 1, 5, 26)
    return [(start, q1_end), (q2_start, q2_end), (q3_start, q3_end), (q4_start, q4_end)]


def _day_transfer(start: dt.date, days_off: dict[dt.date, str]) -> tuple[dt.date, dt.date]:
    """Teacher's Day (Oct 5) is a day of self-government; its lessons move to the Saturday
    before — the kind of transfer a head teacher announces three working days ahead."""
    day = dt.date(start.year, 10, 5)
    while day.weekday() >= 5 or day in days_off:
        day += dt.timedelta(days=1)
    saturday = day - dt.timedelta(days=day.weekday() + 2)
    return day, saturday


# =====================================================================================
# Building one institution
# =====================================================================================


@dataclass(slots=True)
class _Discipline:
    id: int
    d: DisciplineDef


@dataclass(slots=True)
class _Student:
    id: int
    person_id: int
    fio: str
    sex: Sex
    birth: dt.date
    ability: float
    absence: float  # how prone to fall ill


@dataclass(slots=True)
class _Group:
    id: int
    name: str
    year: int  # course or grade
    spec: SpecialityDef | None
    admission_year: int
    department_id: int | None
    students: list[_Student] = field(default_factory=list)
    #: per timetable term: (discipline key, lessons a week)
    weekly: list[list[tuple[str, int]]] = field(default_factory=list)
    #: discipline keys marked pass/fail (credit-only in the group's year)
    pass_fail: set[str] = field(default_factory=set)


@dataclass(slots=True)
class _Employee:
    id: int
    person_id: int
    fio: str
    sex: Sex
    position: str
    areas: set[str] = field(default_factory=set)
    role: str | None = None
    load: int = 0
    home_room: int | None = None
    user_id: int | None = None


@dataclass(slots=True)
class _PlanTopic:
    id: int
    title: str
    lesson_type: LessonType
    work: WorkKind | None
    number: int | None
    base: str


@dataclass(slots=True)
class _Entry:
    group: _Group
    key: str
    teacher: _Employee
    room_id: int | None
    weekday: int
    slot: int


Step = Callable[[str], None]


class _InstitutionSeed:
    """Builds every row of one institution in memory, deterministically from its seed."""

    COLLEGE_TEACHER_CAP = 16
    SCHOOL_TEACHER_CAP = 22
    COLLEGE_DEMO_CAP = 14
    SCHOOL_DEMO_CAP = 22

    def __init__(
        self,
        spec: InstitutionSpec,
        *,
        rows: _Rows,
        region_id: int,
        today: dt.date,
        seed: int,
        password_hash: str,
        snils_used: set[str],
    ) -> None:
        self.spec = spec
        self.rows = rows
        self.region_id = region_id
        self.today = today
        self.rng = random.Random(f"{seed}:{spec.slug}")
        self.fake = Faker("ru_RU")
        self.fake.seed_instance(f"{seed}:{spec.slug}")
        self.password_hash = password_hash
        self.snils_used = snils_used
        self.college = spec.kind is InstitutionKind.COLLEGE
        self.id = 0
        self.cal: _Calendar
        self.positions: dict[str, int] = {}
        self.rooms: list[tuple[int, str, str | None]] = []
        self.disciplines: dict[str, _Discipline] = {}
        self.department_rows: dict[str, Row] = {}
        self.groups: list[_Group] = []
        self.group_hours: dict[tuple[int, str], int] = {}
        self.employees: list[_Employee] = []
        self.teaching: dict[tuple[int, str], _Employee] = {}
        self.curators: dict[int, _Employee] = {}
        self.timetable: list[list[_Entry]] = []
        self.plans: dict[tuple[int, str], list[_PlanTopic]] = {}
        self.accounts: list[DemoAccount] = []
        self.users: dict[str, int] = {}
        self.demo_group: _Group
        self.demo_student: _Student
        self.demo_parent_person = 0
        self.demo_parent_fio = ""
        self.demo_teacher: _Employee
        self.demo_curator: _Employee
        self.staff: dict[str, _Employee] = {}
        self.order_numbers: set[int] = set()
        self.record_seq = 0
        # the journal's running state
        self.taught_count: dict[tuple[int, str], int] = defaultdict(int)
        self.ill: dict[int, AbsenceReason | None] = {}  # student → reason of the spell
        self.offsets: dict[tuple[int, str], float] = {}  # (student, discipline) → bias
        self.individual: list[tuple[int, _Group, str]] = []

    # -- the whole run ------------------------------------------------------------------

    def build(self, step: Step) -> None:
        self.institution()
        self.calendar()
        step("calendar")
        self.structure()
        step("structure")
        self.students()
        step("students")
        self.staff_and_accounts()
        step("staff")
        self.build_timetable()
        self.thematic_plans()
        step("timetable")
        self.lessons()
        step("journal")
        self.community()
        self.check_guarantees()
        step("check")

    def counts(self) -> dict[str, int]:
        return {name: len(batch) for name, batch in sorted(self.rows.by_table.items())}

    # -- people helpers -----------------------------------------------------------------

    def new_snils(self) -> str:
        while True:
            digits = f"{self.rng.randint(2_000_000, 999_999_999):09d}"
            value = format_snils(digits + snils_checksum(digits))
            if value not in self.snils_used:
                self.snils_used.add(value)
                return value

    def phone(self) -> str:
        r = self.rng.randint
        return f"+7 9{r(0, 99):02d} {r(0, 999):03d}-{r(0, 99):02d}-{r(0, 99):02d}"

    def address(self) -> str:
        street = self.fake.street_name()
        house = self.rng.randint(1, 140)
        if "ст." in self.spec.locality:
            return f"{self.spec.locality}, {street}, д. {house}"
        return f"{self.spec.locality}, {street}, д. {house}, кв. {self.rng.randint(1, 180)}"

    def person(
        self,
        *,
        surname: str,
        name: str,
        patronymic: str,
        sex: Sex,
        birth: dt.date,
        email: str | None = None,
        phone: str | None = None,
    ) -> int:
        return self.rows.add(
            m.Person,
            institution_id=self.id,
            surname=surname,
            name=name,
            patronymic=patronymic,
            birth_date=birth,
            sex=sex,
            email=email,
            phone=phone,
        )

    def adult_name(self, sex: Sex) -> tuple[str, str, str]:
        """Surname, name and patronymic of an adult of the given sex."""
        stem = self.fake.last_name_male()
        grandfather = self.rng.choice(MALE_NAMES)
        if sex is Sex.MALE:
            return stem, self.rng.choice(MALE_NAMES)[0], grandfather[1]
        return _female_surname(stem), self.rng.choice(ADULT_FEMALE_NAMES), grandfather[2]

    def position(self, name: str) -> int:
        if name not in self.positions:
            self.positions[name] = self.rows.add(m.Position, institution_id=self.id, name=name)
        return self.positions[name]

    # -- institution and calendar -------------------------------------------------------

    def institution(self) -> None:
        spec = self.spec
        start, _ = academic_year_bounds(self.today)
        self.id = self.rows.add(
            m.Institution,
            region_id=self.region_id,
            slug=spec.slug,
            name=spec.name,
            short_name=spec.short_name,
            kind=spec.kind,
            ruleset=spec.slug,
            address=spec.address,
            license=spec.license,
            accreditation=spec.accreditation,
            timezone=spec.timezone,
            created_at=_utc(start - dt.timedelta(days=60)),
        )

    def calendar(self) -> None:
        start, end = academic_year_bounds(self.today)
        year_id = self.rows.add(
            m.AcademicYear,
            institution_id=self.id,
            name=f"{start.year}/{start.year + 1}",
            starts_on=start,
            ends_on=end,
            is_current=True,
            closed_at=None,
            closed_by_user_id=None,
        )

        def period(kind: PeriodKind, number: int, name: str, a: dt.date, b: dt.date) -> _Term:
            pid = self.rows.add(
                m.Period,
                institution_id=self.id,
                academic_year_id=year_id,
                kind=kind,
                number=number,
                name=name,
                starts_on=a,
                ends_on=b,
                closed_at=None,
                closed_by_user_id=None,
            )
            return _Term(pid, kind, number, a, b)

        if self.college:
            terms = [
                period(PeriodKind.SEMESTER, 1, "1 семестр", start, dt.date(start.year, 12, 28)),
                period(PeriodKind.SEMESTER, 2, "2 семестр", dt.date(end.year, 1, 12), end),
            ]
            year = period(PeriodKind.YEAR, 1, f"Учебный год {start.year}/{end.year}", start, end)
            timetable_terms = terms
        else:
            bounds = school_quarters(start)
            terms = [
                period(PeriodKind.QUARTER, n, f"{n} четверть", a, b)
                for n, (a, b) in enumerate(bounds, 1)
            ]
            period(PeriodKind.HALF_YEAR, 1, "1 полугодие", bounds[0][0], bounds[1][1])
            period(PeriodKind.HALF_YEAR, 2, "2 полугодие", bounds[2][0], bounds[3][1])
            year = period(PeriodKind.YEAR, 1, f"Учебный год {start.year}/{end.year}", start, end)
            timetable_terms = [_Term(year.id, PeriodKind.YEAR, 1, start, bounds[3][1])]

        ru = holidays.country_holidays("RU", years=(start.year, end.year), language="ru")
        days_off = {day: str(name) for day, name in sorted(ru.items()) if start <= day <= end}
        for day, reason in days_off.items():
            self.rows.add(m.DayOff, institution_id=self.id, date=day, reason=reason)
        transfer_from, transfer_to = _day_transfer(start, days_off)
        self.rows.add(
            m.DayTransfer,
            institution_id=self.id,
            from_date=transfer_from,
            to_date=transfer_to,
            reason=f"День учителя: занятия {transfer_from:%d.%m} перенесены "
            f"на субботу {transfer_to:%d.%m}",
        )
        self.cal = _Calendar(
            year_id, start, end, terms, timetable_terms, days_off, transfer_from, transfer_to
        )

        for number, (a, b) in enumerate(COLLEGE_BELLS if self.college else SCHOOL_BELLS, 1):
            self.rows.add(
                m.BellSlot,
                institution_id=self.id,
                number=number,
                starts_at=_clock(a),
                ends_at=_clock(b),
            )
        for name, kind, capacity in COMMON_ROOMS + EXTRA_ROOMS.get(self.spec.slug, ()):
            rid = self.rows.add(
                m.Room, institution_id=self.id, name=name, capacity=capacity, note=None
            )
            self.rooms.append((rid, name, kind))

    # -- departments, specialities, programs, curricula, disciplines, groups ------------

    def add_discipline(self, d: DisciplineDef) -> None:
        parent = self.disciplines[d.parent].id if d.parent else None
        did = self.rows.add(
            m.Discipline,
            institution_id=self.id,
            code=d.code,
            name=d.name,
            short_name=d.short,
            kind=d.kind,
            parent_id=parent,
        )
        self.disciplines[d.key] = _Discipline(did, d)

    def speciality_disciplines(self, s: SpecialityDef) -> list[DisciplineDef]:
        area, k = f"prof:{s.key}", s.key
        style = "practical" if s.room == "computer" else "prof"
        out = [
            DisciplineDef(
                f"{k}:ОП.{n:02d}",
                f"ОП.{n:02d}",
                name,
                f"ОП.{n:02d}",
                DisciplineKind.UD,
                area,
                "computer" if s.room == "computer" else None,
                style,
            )
            for n, name in enumerate(s.op, 1)
        ]
        pm1, pm2 = f"{k}:ПМ.01", f"{k}:ПМ.02"
        out += [
            DisciplineDef(pm1, "ПМ.01", s.pm1, "ПМ.01", DisciplineKind.PM, area, None, style),
            DisciplineDef(
                f"{k}:МДК.01.01", "МДК.01.01", s.mdk1[0], "МДК.01.01",
                DisciplineKind.MDK, area, s.room, style, pm1,
            ),
            DisciplineDef(
                f"{k}:МДК.01.02", "МДК.01.02", s.mdk1[1], "МДК.01.02",
                DisciplineKind.MDK, area, s.room, style, pm1,
            ),
            DisciplineDef(
                f"{k}:УП.01", "УП.01", "Учебная практика по ПМ.01", "УП.01",
                DisciplineKind.PRACTICE, area, s.room, "practical", pm1,
            ),
            DisciplineDef(pm2, "ПМ.02", s.pm2, "ПМ.02", DisciplineKind.PM, area, None, style),
            DisciplineDef(
                f"{k}:МДК.02.01", "МДК.02.01", s.mdk2, "МДК.02.01",
                DisciplineKind.MDK, area, s.room, style, pm2,
            ),
        ]  # fmt: skip
        return out

    def structure(self) -> None:
        if self.college:
            self.college_structure()
        else:
            self.school_structure()
        self.demo_group = next(g for g in self.groups if g.name == self.spec.curated_group)

    def college_structure(self) -> None:
        spec, start = self.spec, self.cal.starts_on
        for d in COLLEGE_GENERAL:
            self.add_discipline(d)
        department_of: dict[str, int] = {}
        for name, keys in spec.departments:
            row_id = self.rows.add(
                m.Department, institution_id=self.id, name=name, head_employee_id=None
            )
            self.department_rows[name] = self.rows.by_table["department"][-1]
            for key in keys:
                department_of[key] = row_id
        programs: dict[str, tuple[int, int]] = {}
        for spec_key in dict.fromkeys(k for k, _, _ in spec.groups if k):
            s = SPECIALITIES[spec_key]
            sid = self.rows.add(
                m.Speciality,
                institution_id=self.id,
                code=s.code,
                name=s.name,
                qualification=s.qualification,
            )
            pid = self.rows.add(
                m.EducationalProgram,
                institution_id=self.id,
                speciality_id=sid,
                name=f"Программа подготовки специалистов среднего звена по специальности "
                f"{s.code} «{s.name}»",
                level="ППССЗ",
                duration_years=len(COLLEGE_PLAN),
            )
            programs[spec_key] = (sid, pid)
            for d in self.speciality_disciplines(s):
                self.add_discipline(d)
        for maybe_key, course, suffix in spec.groups:
            assert maybe_key is not None
            key = maybe_key
            s = SPECIALITIES[key]
            admission = start.year - course + 1
            sid, pid = programs[key]
            curriculum = self.rows.add(
                m.Curriculum,
                institution_id=self.id,
                program_id=pid,
                name=f"Учебный план {s.code} «{s.name}», набор {admission} г.",
                admission_year=admission,
                period_kind=PeriodKind.SEMESTER,
            )
            self.college_curriculum_items(curriculum, s)
            group = _Group(
                id=0,
                name=f"{key}-{course}{suffix}",
                year=course,
                spec=s,
                admission_year=admission,
                department_id=department_of.get(key),
            )
            group.id = self.rows.add(
                m.StudyGroup,
                institution_id=self.id,
                name=group.name,
                study_year=course,
                academic_year_id=self.cal.year_id,
                department_id=group.department_id,
                speciality_id=sid,
                curriculum_id=curriculum,
                admission_year=admission,
                graduated_on=None,
            )
            lines = COLLEGE_PLAN[course]
            for term in range(len(self.cal.timetable_terms)):
                weekly = []
                for line in lines:
                    dkey = self.plan_key(line[0], s)
                    count = line[1] if term == 0 else line[2]
                    if self.disciplines[dkey].d.kind is not DisciplineKind.PM and count:
                        weekly.append((dkey, count))
                group.weekly.append(weekly)
            for line in lines:
                forms = {line[3], line[4]}
                if AttestationForm.CREDIT in forms and forms <= {_C, _N}:
                    group.pass_fail.add(self.plan_key(line[0], s))
                dkey = self.plan_key(line[0], s)
                self.group_hours[(group.id, dkey)] = 2 * (17 * line[1] + 22 * line[2])
            self.groups.append(group)

    def plan_key(self, code: str, s: SpecialityDef) -> str:
        if code == "PROFILE":
            return s.profile
        if code.startswith(("ОУД", "СГ")):
            return code
        return f"{s.key}:{code}"

    def college_curriculum_items(self, curriculum: int, s: SpecialityDef) -> None:
        for study_year, lines in COLLEGE_PLAN.items():
            for term in (1, 2):
                hours: dict[str, int] = {}
                for code, w1, w2, _, _ in lines:
                    key = self.plan_key(code, s)
                    hours[key] = (w1 if term == 1 else w2) * 2 * (17 if term == 1 else 22)
                for code, _, _, a1, a2 in lines:
                    key = self.plan_key(code, s)
                    d = self.disciplines[key]
                    h = hours[key]
                    if d.d.kind is DisciplineKind.PM:
                        h = sum(v for k, v in hours.items() if self.disciplines[k].d.parent == key)
                    form = a1 if term == 1 else a2
                    if h == 0:
                        continue
                    self.rows.add(
                        m.CurriculumItem,
                        institution_id=self.id,
                        curriculum_id=curriculum,
                        discipline_id=d.id,
                        study_year=study_year,
                        term=term,
                        hours=h,
                        attestation_form=form,
                    )

    def school_weekly(self, grade: int) -> list[tuple[str, int]]:
        weekly = dict(SCHOOL_WEEKLY[grade])
        if self.spec.native_language:
            weekly.update(NATIVE_WEEKLY.get(grade, ()))
        return list(weekly.items())

    def school_structure(self) -> None:
        spec, start = self.spec, self.cal.starts_on
        grades = {grade for _, grade, _ in spec.groups}
        programs = [p for p in SCHOOL_PROGRAMS if any(p[2] <= g <= p[3] for g in grades)]
        used = {
            key
            for _, _, first, last in programs
            for grade in range(first, last + 1)
            for key, _ in self.school_weekly(grade)
        }
        for d in SCHOOL_SUBJECTS:
            if d.key in used:
                self.add_discipline(d)
        program_ids = {
            level: self.rows.add(
                m.EducationalProgram,
                institution_id=self.id,
                speciality_id=None,
                name=name,
                level=level,
                duration_years=last - first + 1,
            )
            for level, name, first, last in programs
        }
        curricula: dict[tuple[str, int], int] = {}
        quarter_weeks = [self.cal.weeks(t) for t in self.cal.terms]
        for _, grade, letter in spec.groups:
            level, _, first, last = next(p for p in programs if p[2] <= grade <= p[3])
            entered = start.year - (grade - first)
            if (level, entered) not in curricula:
                cid = self.rows.add(
                    m.Curriculum,
                    institution_id=self.id,
                    program_id=program_ids[level],
                    name=f"Учебный план {level}, поступившие в {first} класс в {entered} г.",
                    admission_year=entered,
                    period_kind=PeriodKind.QUARTER,
                )
                curricula[(level, entered)] = cid
                for g in range(first, last + 1):
                    for key, weekly in self.school_weekly(g):
                        for q, weeks in enumerate(quarter_weeks, 1):
                            form = AttestationForm.NONE
                            if q == 4 and g > 1:
                                form = _C if key == "ОРКСЭ" else _G
                            self.rows.add(
                                m.CurriculumItem,
                                institution_id=self.id,
                                curriculum_id=cid,
                                discipline_id=self.disciplines[key].id,
                                study_year=g - first + 1,
                                term=q,
                                hours=weekly * weeks,
                                attestation_form=form,
                            )
            group = _Group(
                id=0,
                name=f"{grade}{letter}",
                year=grade,
                spec=None,
                admission_year=start.year - grade + 1,
                department_id=None,
            )
            group.id = self.rows.add(
                m.StudyGroup,
                institution_id=self.id,
                name=group.name,
                study_year=grade,
                academic_year_id=self.cal.year_id,
                department_id=None,
                speciality_id=None,
                curriculum_id=curricula[(level, entered)],
                admission_year=group.admission_year,
                graduated_on=None,
            )
            group.weekly.append(self.school_weekly(grade))
            if "ОРКСЭ" in dict(group.weekly[0]):
                group.pass_fail.add("ОРКСЭ")
            for key, weekly in group.weekly[0]:
                self.group_hours[(group.id, key)] = weekly * sum(quarter_weeks)
            self.groups.append(group)

    # -- students, their cards, orders and parents --------------------------------------

    def students(self) -> None:
        for group in self.groups:
            number = self.rng.randint(20, 30)
            order_id, order_number, effective = self.enrolment_order(group)
            for i in range(number):
                demo = group is self.demo_group and i == 0
                student = self.student(group, order_number, effective, demo=demo)
                group.students.append(student)
                self.rows.add(
                    m.MovementOrderItem,
                    institution_id=self.id,
                    order_id=order_id,
                    student_id=student.id,
                    from_group_id=None,
                    to_group_id=group.id,
                )
                self.rows.add(
                    m.GroupMembership,
                    institution_id=self.id,
                    student_id=student.id,
                    group_id=group.id,
                    starts_on=effective,
                    ends_on=None,
                    on_leave=False,
                    start_order_id=order_id,
                    end_order_id=None,
                )
                if demo:
                    self.demo_student = student

    def enrolment_order(self, group: _Group) -> tuple[int, str, dt.date]:
        """The group's members all come from one enrolment order of its admission year."""
        while True:
            n = self.rng.randint(40, 260)
            if n not in self.order_numbers:
                self.order_numbers.add(n)
                break
        number = f"{n}-{self.spec.order_suffix}"
        signed = dt.date(group.admission_year, 8, self.rng.randint(20, 28))
        effective = dt.date(group.admission_year, 9, 1)
        what = f"на 1 курс в группу {group.name}" if self.college else "в 1 класс"
        order_id = self.rows.add(
            m.MovementOrder,
            institution_id=self.id,
            kind=MovementKind.ENROLMENT,
            number=number,
            signed_on=signed,
            effective_on=effective,
            note=f"О зачислении {what}",
            created_by_user_id=None,
            created_at=_utc(signed, 7),
        )
        return order_id, number, effective

    def student(
        self, group: _Group, order_number: str, enrolled: dt.date, *, demo: bool
    ) -> _Student:
        rng = self.rng
        sex = Sex.MALE if rng.random() < (0.55 if self.college else 0.5) else Sex.FEMALE
        stem = self.fake.last_name_male()
        father = rng.choice(MALE_NAMES)
        if sex is Sex.MALE:
            surname, name, patronymic = stem, rng.choice(CHILD_MALE_NAMES), father[1]
        else:
            surname = _female_surname(stem)
            name, patronymic = rng.choice(CHILD_FEMALE_NAMES), father[2]
        age = (
            (14 + group.year + rng.uniform(0.15, 1.1))
            if self.college
            else (5 + group.year + rng.uniform(0.55, 1.45))
        )
        birth = self.cal.starts_on - dt.timedelta(days=int(age * 365.25))
        phone = self.phone() if self.college or group.year >= 5 else None
        person_id = self.person(
            surname=surname, name=name, patronymic=patronymic, sex=sex, birth=birth, phone=phone
        )
        self.record_seq += 1
        if self.college:
            record = f"{group.admission_year % 100:02d}-{self.record_seq:04d}"
        else:
            record = f"{surname[0]}-{self.record_seq}"
        citizenship = "Российская Федерация"
        if rng.random() < 0.02 and not demo:
            citizenship = self.spec.foreign_citizenship
        student_id = self.rows.add(
            m.Student,
            institution_id=self.id,
            person_id=person_id,
            status=StudentStatus.STUDYING,
            citizenship=citizenship,
            record_book_number=record,
            enrolment_order_number=order_number,
            enrolment_date=enrolled,
            funding_source=FundingSource.BUDGET if rng.random() < 0.9 else FundingSource.CONTRACT,
            study_form=StudyForm.FULL_TIME,
            education_level="Основное общее образование" if self.college else None,
        )
        home = self.address()
        disability = None
        notes = None
        if self.spec is BARNAUL and rng.random() < 0.3:
            disability = "Ребёнок-инвалид"
            notes = "Обучение по адаптированной программе (ОВЗ)"
        military = None
        if self.college and sex is Sex.MALE and _age_on(birth, self.today) >= 17:
            military = f"Состоит на воинском учёте, военный комиссариат {self.spec.locality}"
        self.rows.add(
            m.StudentPersonal,
            institution_id=self.id,
            student_id=student_id,
            snils=self.new_snils(),
            address=home,
            registration_address=home,
            health_group=rng.choices(("I", "II", "III", "IV"), (20, 60, 15, 5))[0],
            health_notes=notes,
            disability=disability,
            military_registration=military,
        )
        student = _Student(
            id=student_id,
            person_id=person_id,
            fio=_fio(surname, name, patronymic),
            sex=sex,
            birth=birth,
            ability=min(4.9, max(2.7, rng.gauss(3.85, 0.5))),
            absence=rng.lognormvariate(0, 0.5),
        )
        self.parents(student, stem, father, home, demo=demo)
        return student

    def parents(
        self,
        student: _Student,
        stem: str,
        father: tuple[str, str, str],
        home: str,
        *,
        demo: bool,
    ) -> None:
        rng = self.rng
        r = 0.7 if demo else rng.random()
        kinds: list[ParentKind] = []
        if r < 0.60:
            kinds = [ParentKind.MOTHER]
        elif r < 0.85:
            kinds = [ParentKind.MOTHER, ParentKind.FATHER]
        elif r < 0.95:
            kinds = [ParentKind.FATHER]
        else:
            kinds = [ParentKind.GUARDIAN]
        for kind in kinds:
            if kind is ParentKind.FATHER:
                sex, surname, name = Sex.MALE, stem, father[0]
                patronymic = rng.choice(MALE_NAMES)[1]
                years = rng.uniform(23, 42)
            else:
                sex = Sex.FEMALE
                surname = _female_surname(stem)
                if rng.random() < 0.1:
                    surname = _female_surname(self.fake.last_name_male())
                name = rng.choice(ADULT_FEMALE_NAMES)
                patronymic = rng.choice(MALE_NAMES)[2]
                years = rng.uniform(45, 62) if kind is ParentKind.GUARDIAN else rng.uniform(20, 40)
            birth = student.birth - dt.timedelta(days=int(years * 365.25))
            email = None
            if rng.random() < 0.4:
                email = f"{_translit(surname)}{rng.randint(1, 99)}@mail.ru"
            person_id = self.person(
                surname=surname,
                name=name,
                patronymic=patronymic,
                sex=sex,
                birth=birth,
                email=email,
                phone=self.phone(),
            )
            parent_id = self.rows.add(
                m.Parent,
                institution_id=self.id,
                person_id=person_id,
                work_place=rng.choice(WORK_PLACES),
            )
            self.rows.add(
                m.ParentPersonal,
                institution_id=self.id,
                parent_id=parent_id,
                snils=self.new_snils(),
                address=home,
            )
            self.rows.add(
                m.ParentLink,
                institution_id=self.id,
                parent_id=parent_id,
                student_id=student.id,
                kind=kind,
            )
            if demo and not self.demo_parent_person:
                self.demo_parent_person = person_id
                self.demo_parent_fio = _fio(surname, name, patronymic)

    # -- staff, teaching load, curators, accounts ---------------------------------------

    def employee(
        self,
        position: str,
        *,
        role: str | None = None,
        areas: Sequence[str] = (),
        diploma: str | None = None,
    ) -> _Employee:
        rng = self.rng
        if "pe" in areas:
            female = rng.random() < 0.3
        elif role is not None or not areas:
            female = rng.random() < 0.6
        else:
            female = rng.random() < (0.78 if self.college else 0.9)
        sex = Sex.FEMALE if female else Sex.MALE
        surname, name, patronymic = self.adult_name(sex)
        birth = self.today - dt.timedelta(days=int(rng.uniform(25, 63) * 365.25))
        email = f"{_translit(surname)}.{_translit(name)[:1]}@{self.spec.email_domain}"
        person_id = self.person(
            surname=surname,
            name=name,
            patronymic=patronymic,
            sex=sex,
            birth=birth,
            email=email,
            phone=self.phone(),
        )
        if diploma is None:
            diploma = next((AREA_DIPLOMAS[a] for a in areas if a in AREA_DIPLOMAS), None)
        if diploma is None:
            diploma = "Менеджмент в образовании" if role else "Педагогическое образование"
        employee_id = self.rows.add(
            m.Employee,
            institution_id=self.id,
            person_id=person_id,
            category=rng.choice(
                ("высшая", "первая", "соответствие занимаемой должности", "без категории")
            ),
            diploma_speciality=diploma,
            hired_on=self.cal.starts_on - dt.timedelta(days=rng.randint(20, 9000)),
            dismissed_on=None,
        )
        self.rows.add(
            m.EmployeePersonal,
            institution_id=self.id,
            employee_id=employee_id,
            snils=self.new_snils(),
            address=self.address(),
            passport=f"{self.spec.passport_region:02d}{rng.randint(0, 99):02d} "
            f"{rng.randint(100000, 999999)}",
        )
        self.add_position(employee_id, position, main=True)
        emp = _Employee(
            id=employee_id,
            person_id=person_id,
            fio=_fio(surname, name, patronymic),
            sex=sex,
            position=position,
            areas=set(areas),
            role=role,
        )
        self.employees.append(emp)
        return emp

    def add_position(self, employee_id: int, position: str, *, main: bool) -> None:
        self.rows.add(
            m.EmployeePosition,
            institution_id=self.id,
            employee_id=employee_id,
            position_id=self.position(position),
            is_main=main,
            rate=Decimal("1.00") if main else Decimal("0.50"),
        )

    def area_of(self, group: _Group, key: str) -> str:
        if not self.college and group.year <= 4 and key in PRIMARY_AREA_SUBJECTS:
            return "primary"
        return self.disciplines[key].d.area

    def teacher_position(self, area: str) -> str:
        if self.college:
            return "Преподаватель"
        return "Учитель начальных классов" if area == "primary" else "Учитель"

    def new_teacher(self, area: str, *, role: str | None = None) -> _Employee:
        diploma = None
        if area.startswith("prof:"):
            diploma = SPECIALITIES[area[5:]].diploma
        return self.employee(self.teacher_position(area), role=role, areas=[area], diploma=diploma)

    def staff_and_accounts(self) -> None:
        spec = self.spec
        for role in spec.roles:
            if role in NON_STAFF_ROLES or role in (spec.teaching_role, spec.curating_role):
                continue
            self.staff[role] = self.employee(ROLE_POSITIONS[role], role=role)
        self.demo_curator = self.employee("Педагог-организатор", role=spec.curating_role)
        areas = [self.area_of(self.demo_group, k) for k in spec.teacher_disciplines]
        self.demo_teacher = self.new_teacher(areas[0], role=spec.teaching_role)
        self.demo_teacher.areas.update(areas)
        self.assign_teachers()
        self.assign_curators()
        self.assign_department_heads()
        for position in OTHER_STAFF:
            if len(self.employees) >= 15:
                break
            self.employee(position)
        self.assign_home_rooms()
        for (group_id, key), teacher in self.teaching.items():
            self.rows.add(
                m.TeachingAssignment,
                institution_id=self.id,
                teacher_id=teacher.id,
                discipline_id=self.disciplines[key].id,
                group_id=group_id,
                subgroup_id=None,
                academic_year_id=self.cal.year_id,
                hours=self.group_hours.get((group_id, key)),
            )
        self.create_accounts()

    def terms_in_use(self) -> int:
        """Timetables are built for every term that has begun (at least the first)."""
        started = sum(1 for t in self.cal.timetable_terms if t.starts_on < self.today)
        return max(1, started)

    def assign_teachers(self) -> None:
        """Fill each teacher up to a weekly cap, keeping a group's subjects of one area
        with one teacher; the demo teacher takes his two disciplines group by group,
        starting with the curated group (so he teaches the demo student)."""
        spec = self.spec
        weekly: dict[tuple[int, str], int] = {}
        for group in self.groups:
            for term in range(self.terms_in_use()):
                for key, count in group.weekly[term]:
                    weekly[(group.id, key)] = max(weekly.get((group.id, key), 0), count)
        by_id = {g.id: g for g in self.groups}
        demo_cap = self.COLLEGE_DEMO_CAP if self.college else self.SCHOOL_DEMO_CAP
        for group in [self.demo_group, *(g for g in self.groups if g is not self.demo_group)]:
            mine = [
                (key, count)
                for (gid, key), count in weekly.items()
                if gid == group.id
                and key in spec.teacher_disciplines
                and self.area_of(group, key) in self.demo_teacher.areas
            ]
            need = sum(c for _, c in mine)
            if mine and self.demo_teacher.load + need <= demo_cap:
                for key, count in mine:
                    self.teach(self.demo_teacher, group, key, count)
        rest = [
            (by_id[gid], key, c)
            for (gid, key), c in weekly.items()
            if (gid, key) not in self.teaching
        ]
        area_rank = {
            a: i for i, a in enumerate(dict.fromkeys(self.area_of(g, k) for g, k, _ in rest))
        }
        rest.sort(key=lambda p: area_rank[self.area_of(p[0], p[1])])
        for group, key, count in rest:
            area = self.area_of(group, key)
            cap = (
                18
                if area == "primary"
                else (self.COLLEGE_TEACHER_CAP if self.college else self.SCHOOL_TEACHER_CAP)
            )
            fits = [
                t
                for t in self.employees
                if area in t.areas and t is not self.demo_teacher and t.load + count <= cap
            ]
            same = [t for t in fits if any(gid == group.id for gid, _ in self.taught_by(t))]
            if same:
                teacher = same[0]
            elif fits:
                teacher = max(fits, key=lambda t: t.load)
            else:
                teacher = self.new_teacher(area)
            self.teach(teacher, group, key, count)

    def teach(self, teacher: _Employee, group: _Group, key: str, count: int) -> None:
        self.teaching[(group.id, key)] = teacher
        teacher.load += count

    def taught_by(self, teacher: _Employee) -> list[tuple[int, str]]:
        return [pair for pair, t in self.teaching.items() if t is teacher]

    def assign_curators(self) -> None:
        """The demo curator curates the demo group and teaches nothing; every other group
        is curated by one of its own teachers, as colleges and schools usually do."""
        busy = {self.demo_teacher.id, self.demo_curator.id}
        for group in self.groups:
            if group is self.demo_group:
                curator = self.demo_curator
            else:
                load: dict[int, int] = defaultdict(int)
                for (gid, key), t in self.teaching.items():
                    if gid == group.id:
                        load[t.id] += dict(group.weekly[0]).get(key, 1)
                ranked = sorted(
                    (t for t in self.employees if t.id in load and t.id not in busy),
                    key=lambda t: -load[t.id],
                )
                if not ranked:
                    ranked = [t for t in self.employees if t.areas and t.id not in busy]
                curator = ranked[0] if ranked else self.employee("Педагог-организатор")
            busy.add(curator.id)
            self.curators[group.id] = curator
            self.rows.add(
                m.Curatorship,
                institution_id=self.id,
                group_id=group.id,
                curator_id=curator.id,
                starts_on=self.cal.starts_on,
                ends_on=None,
            )

    def assign_department_heads(self) -> None:
        heads: set[int] = set()
        demo_ids = {self.demo_teacher.id, self.demo_curator.id}
        for name, keys in self.spec.departments:
            head = self.staff.get("department_head")
            demo_spec = self.demo_group.spec
            if head is None or demo_spec is None or demo_spec.key not in keys:
                candidates = [
                    t
                    for t in self.employees
                    if f"prof:{keys[0]}" in t.areas and t.id not in demo_ids | heads
                ] or [t for t in self.employees if t.areas and t.id not in demo_ids | heads]
                head = candidates[0]
                self.add_position(head.id, ROLE_POSITIONS["department_head"], main=False)
            heads.add(head.id)
            self.department_rows[name]["head_employee_id"] = head.id

    def assign_home_rooms(self) -> None:
        """Each teacher gets a room of the kind his disciplines need, else a classroom."""
        taken: set[int] = set()
        for teacher in self.employees:
            pairs = self.taught_by(teacher)
            if not pairs:
                continue
            kinds = [self.disciplines[k].d.room for _, k in pairs if self.disciplines[k].d.room]
            kind = max(dict.fromkeys(kinds), key=kinds.count) if kinds else None
            same_kind = [r for r in self.rooms if r[2] == kind]
            free = [r[0] for r in same_kind if r[0] not in taken]
            choices = free or [r[0] for r in same_kind]
            if choices:
                taken.add(choices[0])
                teacher.home_room = choices[0]

    def create_accounts(self) -> None:
        spec = self.spec
        created = _utc(self.cal.starts_on - dt.timedelta(days=10))
        student = self.demo_student
        for role in spec.roles:
            person_id: int
            employee: _Employee | None = None
            if role == spec.teaching_role:
                employee = self.demo_teacher
                names = dict.fromkeys(
                    self.disciplines[k].d.name for _, k in self.taught_by(employee)
                )
                groups = dict.fromkeys(
                    g.name
                    for g in self.groups
                    for gid, _ in self.taught_by(employee)
                    if gid == g.id
                )
                who = ROLE_TITLES[role] if self.college or role != "teacher" else "Учитель"
                taught = f"{', '.join(names)} ({', '.join(groups)}) — {employee.fio}"
                title = f"{who}: {taught}"
                title_en = f"{ROLE_TITLES_EN[role]}: {taught}"

            elif role == spec.curating_role:
                employee = self.demo_curator
                title = f"{ROLE_TITLES[role]} {self.demo_group.name} — {employee.fio}"
                title_en = f"{ROLE_TITLES_EN[role]} of {self.demo_group.name} — {employee.fio}"
            elif role == "student":
                person_id = student.person_id
                who = "Студент" if self.college else "Ученик"
                if student.sex is Sex.FEMALE:
                    who = "Студентка" if self.college else "Ученица"
                age = _age_on(student.birth, self.today)
                title = (
                    f"{who} {self.demo_group.name} — {student.fio}, {plural('count_years', age)}"
                )
                title_en = (
                    f"Student of {self.demo_group.name} — {student.fio}, "
                    f"{plural('count_years', age, 'en')} old"
                )
            elif role == "parent":
                person_id = self.demo_parent_person
                title = f"Родитель — {self.demo_parent_fio} (ребёнок: {student.fio})"
                title_en = f"Parent — {self.demo_parent_fio} (child: {student.fio})"
            elif role == "authority":
                sex = Sex.FEMALE if self.rng.random() < 0.6 else Sex.MALE
                surname, name, patronymic = self.adult_name(sex)
                person_id = self.person(
                    surname=surname,
                    name=name,
                    patronymic=patronymic,
                    sex=sex,
                    birth=self.today - dt.timedelta(days=int(self.rng.uniform(30, 60) * 365.25)),
                    email=f"{_translit(surname)}@uo-mayskiy.ru",
                )
                title = (
                    "Представитель управления образования Майского района — "
                    f"{_fio(surname, name, patronymic)}"
                )
                title_en = (
                    "Representative of the Mayskiy district's education office — "
                    f"{_fio(surname, name, patronymic)}"
                )
            else:
                employee = self.staff[role]
                title = f"{ROLE_TITLES[role]} — {employee.fio}"
                title_en = f"{ROLE_TITLES_EN[role]} — {employee.fio}"
            if employee is not None:
                person_id = employee.person_id
            user_id = self.rows.add(
                m.UserAccount,
                institution_id=self.id,
                region_id=None,
                person_id=person_id,
                login=role,
                password_hash=self.password_hash,
                must_change_password=False,
                disabled_at=None,
                created_at=created,
                last_login_at=None,
            )
            self.rows.add(
                m.RoleAssignment,
                institution_id=self.id,
                region_id=None,
                user_id=user_id,
                role=role,
            )
            self.users[role] = user_id
            if employee is not None:
                employee.user_id = user_id
            self.accounts.append(DemoAccount(spec.slug, role, role, title, title_en))

    # -- the weekly timetable -----------------------------------------------------------

    def build_timetable(self) -> None:
        for index in range(self.terms_in_use()):
            term = self.cal.timetable_terms[index]
            entries = self.schedule_term(index)
            self.timetable.append(entries)
            for e in entries:
                self.rows.add(
                    m.TimetableEntry,
                    institution_id=self.id,
                    kind=TimetableKind.LESSON,
                    group_id=e.group.id,
                    subgroup_id=None,
                    discipline_id=self.disciplines[e.key].id,
                    teacher_id=e.teacher.id,
                    room_id=e.room_id,
                    weekday=e.weekday,
                    slot=e.slot,
                    valid_from=term.starts_on,
                    valid_to=term.ends_on,
                    note=None,
                )

    def schedule_term(self, index: int) -> list[_Entry]:
        """Groups study slots 1..n every day without windows; each (weekday, slot) is a
        bipartite matching of groups to teachers, the teachers with the least slack
        first. A dead end restarts the week with other day lengths."""
        rng = random.Random(self.rng.random())
        for _ in range(500):
            placed = self.try_week(index, rng)
            if placed is not None:
                return self.place_rooms(placed)
        raise RuntimeError(f"{self.spec.slug}: no clash-free timetable found")

    def try_week(
        self, index: int, rng: random.Random
    ) -> list[tuple[_Group, str, _Employee, int, int]] | None:
        slots = 6
        days: dict[int, list[int]] = {}
        remaining: dict[int, dict[str, int]] = {}
        teacher_left: dict[int, int] = defaultdict(int)
        teachers: dict[int, _Employee] = {}
        for g in self.groups:
            weekly = g.weekly[index]
            base, extra = divmod(sum(c for _, c in weekly), 5)
            days[g.id] = [base] * 5
            for d in rng.sample(range(5), extra):
                days[g.id][d] += 1
            remaining[g.id] = dict(weekly)
            for key, count in weekly:
                t = self.teaching[(g.id, key)]
                teacher_left[t.id] += count
                teachers[t.id] = t
        by_id = {g.id: g for g in self.groups}
        placed: list[tuple[_Group, str, _Employee, int, int]] = []
        for d in range(5):
            today_count: dict[tuple[int, str], int] = defaultdict(int)
            for s in range(1, slots + 1):
                active = [g for g in self.groups if days[g.id][d] >= s]
                if not active:
                    continue
                future = self.future_cells(d, s, days, remaining)
                candidates: dict[int, list[tuple[int, str]]] = {}
                for g in active:
                    options = []
                    for key, left in remaining[g.id].items():
                        if left == 0 or today_count[(g.id, key)] >= 2:
                            continue
                        t = self.teaching[(g.id, key)]
                        slack = future[t.id] - teacher_left[t.id]
                        if slack < 0:
                            return None
                        options.append(
                            (slack, today_count[(g.id, key)], -left, rng.random(), t.id, key)
                        )
                    options.sort()
                    edges: list[tuple[int, str]] = []
                    seen: set[int] = set()
                    for option in options:
                        if option[4] not in seen:
                            seen.add(option[4])
                            edges.append((option[4], option[5]))
                    if not edges:
                        return None
                    candidates[g.id] = edges
                match = _match(candidates)
                if match is None:
                    return None
                for gid, (tid, key) in match.items():
                    remaining[gid][key] -= 1
                    teacher_left[tid] -= 1
                    today_count[(gid, key)] += 1
                    placed.append((by_id[gid], key, teachers[tid], d + 1, s))
        return placed

    def future_cells(
        self, day: int, slot: int, days: dict[int, list[int]], remaining: dict[int, dict[str, int]]
    ) -> dict[int, int]:
        """For each teacher: the cells from here to the week's end in which at least one
        of the groups still waiting for him has a lesson."""
        groups_of: dict[int, set[int]] = defaultdict(set)
        for g in self.groups:
            for key, left in remaining[g.id].items():
                if left:
                    groups_of[self.teaching[(g.id, key)].id].add(g.id)
        out: dict[int, int] = {}
        for tid, gids in groups_of.items():
            count = 0
            for d in range(day, 5):
                longest = max(days[g][d] for g in gids)
                count += max(0, longest - slot + 1) if d == day else longest
            out[tid] = count
        return out

    def place_rooms(self, placed: list[tuple[_Group, str, _Employee, int, int]]) -> list[_Entry]:
        """Disciplines that need a special room (gym, lab, computers) choose first; then
        the teacher's own room; then any free classroom."""
        cells: dict[tuple[int, int], list[tuple[_Group, str, _Employee, int, int]]] = defaultdict(
            list
        )
        for item in placed:
            cells[(item[3], item[4])].append(item)
        entries: list[_Entry] = []
        for (weekday, slot), items in sorted(cells.items()):
            taken: set[int] = set()
            items.sort(key=lambda it: self.disciplines[it[1]].d.room is None)
            for group, key, teacher, _, _ in items:
                kind = self.disciplines[key].d.room
                choices: list[int] = []
                if kind is not None:
                    choices += [
                        r[0] for r in self.rooms if r[2] == kind and r[0] == teacher.home_room
                    ]
                    choices += [r[0] for r in self.rooms if r[2] == kind]
                if teacher.home_room is not None:
                    choices.append(teacher.home_room)
                choices += [r[0] for r in self.rooms if r[2] is None]
                choices += [r[0] for r in self.rooms]
                room = next(r for r in choices if r not in taken)
                taken.add(room)
                entries.append(_Entry(group, key, teacher, room, weekday, slot))
        entries.sort(key=lambda e: (e.group.id, e.weekday, e.slot))
        return entries

    # -- thematic plans -----------------------------------------------------------------

    def thematic_plans(self) -> None:
        by_id = {g.id: g for g in self.groups}
        weeks = [self.cal.weeks(t) for t in self.cal.timetable_terms]
        for (gid, key), teacher in self.teaching.items():
            group = by_id[gid]
            count = sum(
                dict(group.weekly[i]).get(key, 0) * weeks[i] for i in range(len(group.weekly))
            )
            plan_id = self.rows.add(
                m.ThematicPlan,
                institution_id=self.id,
                group_id=gid,
                discipline_id=self.disciplines[key].id,
                academic_year_id=self.cal.year_id,
                author_id=teacher.id,
            )
            topics = []
            for position, (title, lesson_type, work, number, base) in enumerate(
                self.plan_topics(group, key, count), 1
            ):
                topic_id = self.rows.add(
                    m.ThematicPlanTopic,
                    institution_id=self.id,
                    plan_id=plan_id,
                    position=position,
                    title=title,
                    hours=2 if self.college else 1,
                    lesson_type=lesson_type,
                )
                topics.append(_PlanTopic(topic_id, title, lesson_type, work, number, base))
            self.plans[(gid, key)] = topics

    def marks_given(self, group: _Group) -> bool:
        """First-graders are not marked (безотметочное обучение)."""
        return self.college or group.year > 1

    def plan_topics(
        self, group: _Group, key: str, count: int
    ) -> list[tuple[str, LessonType, WorkKind | None, int | None, str]]:
        """Each topic of the list gets a run of lessons; every sixth lesson is a numbered
        graded work on the topic just studied (Tomsk: such works carry topic and number)."""
        d = self.disciplines[key].d
        topic_key = f"{key}:нач" if group.year <= 4 and f"{key}:нач" in TOPICS else key
        base = list(TOPICS.get(topic_key, ())) or [t.format(name=d.name) for t in GENERIC_TOPICS]
        cycle = WORK_CYCLES.get(d.style, ()) if self.marks_given(group) else ()
        variants = VARIANTS.get((self.college, d.style)) or VARIANTS[(self.college, "humanities")]
        out: list[tuple[str, LessonType, WorkKind | None, int | None, str]] = []
        numbers: dict[WorkKind, int] = defaultdict(int)
        graded = 0
        previous, run = -1, 0
        for p in range(1, count + 1):
            index = (p - 1) * len(base) // count
            run = run + 1 if index == previous else 0
            previous = index
            topic = base[index]
            if p % 6 == 0 and cycle:
                kind = cycle[graded % len(cycle)]
                graded += 1
                numbers[kind] += 1
                studied = base[(p - 2) * len(base) // count]
                title = f"{WORK_TITLES[kind]} № {numbers[kind]} по теме «{studied}»"
                lesson_type = WORK_LESSON_TYPES[kind]
                if not self.college and kind is WorkKind.INDEPENDENT:
                    lesson_type = LessonType.LESSON
                out.append((title, lesson_type, kind, numbers[kind], studied))
                continue
            title = topic if run == 0 else topic + variants[(run - 1) % len(variants)]
            if not self.college:
                lesson_type = LessonType.LESSON
            elif d.style == "sport" or d.kind is DisciplineKind.PRACTICE:
                lesson_type = LessonType.PRACTICAL
            elif run == 0:
                lesson_type = LessonType.LECTURE
            else:
                lesson_type = LessonType.PRACTICAL if run % 2 else LessonType.SEMINAR
            out.append((title, lesson_type, None, None, topic))
        return out

    # -- the journal: lessons, works, marks, attendance ---------------------------------

    def lessons(self) -> None:
        """Every study day from the year's start to yesterday, from the timetable."""
        rng = self.rng
        last = self.today - dt.timedelta(days=1)
        by_weekday: list[dict[int, list[_Entry]]] = []
        for entries in self.timetable:
            days: dict[int, list[_Entry]] = defaultdict(list)
            for e in entries:
                days[e.weekday].append(e)
            by_weekday.append(days)
        terms = self.cal.timetable_terms[: len(self.timetable)]
        for day, weekday in self.cal.study_days(self.cal.starts_on, last):
            index = next((i for i, t in enumerate(terms) if day in t), None)
            if index is None:
                continue
            for group in self.groups:
                for student in group.students:
                    if student.id in self.ill:
                        if rng.random() >= 0.6:
                            del self.ill[student.id]
                    elif rng.random() < 0.022 * student.absence:
                        self.ill[student.id] = self.spell_reason(day)
            for entry in by_weekday[index].get(weekday, ()):
                self.lesson(entry, day)
        self.individual_homework()

    def spell_reason(self, day: dt.date) -> AbsenceReason | None:
        """Older absences mostly have their reason set; last week's are often still open."""
        if (self.today - day).days <= 7 and self.rng.random() < 0.7:
            return None
        return self.rng.choices((AbsenceReason.ILLNESS, AbsenceReason.EXCUSED, None), (50, 20, 30))[
            0
        ]

    def homework_text(self, d: DisciplineDef, position: int, topic: str) -> str | None:
        rng = self.rng
        if rng.random() >= HOMEWORK_SHARE.get(d.style, 0.9):
            return None
        templates = HOMEWORK.get((self.college, d.style)) or HOMEWORK[(self.college, "humanities")]
        p = 4 + position * 2 + rng.randint(0, 2)
        m_ = rng.randint(1, 12) + position
        return rng.choice(templates).format(
            n=position // 2 + 1, m=m_, k=m_ + rng.randint(2, 5), p=p, q=p + rng.randint(2, 5),
            topic=topic,
        )  # fmt: skip

    def lesson(self, entry: _Entry, day: dt.date) -> None:
        rng, rows, inst = self.rng, self.rows, self.id
        group, key, teacher = entry.group, entry.key, entry.teacher
        d = self.disciplines[key]
        position = self.taught_count[(group.id, key)]
        self.taught_count[(group.id, key)] = position + 1
        plan = self.plans[(group.id, key)]
        topic = plan[position] if position < len(plan) else None
        stamp = _utc(day, 8 + entry.slot)
        homework = None
        if self.marks_given(group) or self.college:
            homework = self.homework_text(d.d, position, topic.base if topic else d.d.name)
        lesson_id = rows.add(
            m.Lesson,
            institution_id=inst,
            group_id=group.id,
            subgroup_id=None,
            discipline_id=d.id,
            teacher_id=teacher.id,
            date=day,
            slot=entry.slot,
            room_id=entry.room_id,
            topic=topic.title if topic else None,
            plan_topic_id=topic.id if topic else None,
            lesson_type=topic.lesson_type if topic else LessonType.LESSON,
            homework=homework,
            version=1,
            updated_at=stamp,
        )
        if homework and rng.random() < 0.006:
            self.individual.append((lesson_id, group, topic.base if topic else d.d.name))
        author = teacher.user_id
        curator_user = self.curators[group.id].user_id
        present: list[_Student] = []
        for student in group.students:
            status: AttendanceStatus | None = None
            reason: AbsenceReason | None = None
            if student.id in self.ill:
                status, reason = AttendanceStatus.ABSENT, self.ill[student.id]
            else:
                r = rng.random()
                if r < 0.013:
                    status = AttendanceStatus.ABSENT
                    if rng.random() < 0.45 and (self.today - day).days > 7:
                        reason = AbsenceReason.UNEXCUSED
                elif r < 0.033:
                    status = AttendanceStatus.LATE
            if status is None or status is AttendanceStatus.LATE:
                present.append(student)
            if status is not None:
                rows.add(
                    m.Attendance,
                    institution_id=inst,
                    lesson_id=lesson_id,
                    student_id=student.id,
                    group_id=group.id,
                    discipline_id=d.id,
                    date=day,
                    status=status,
                    reason=reason,
                    reason_set_by_user_id=curator_user if reason else None,
                    author_user_id=author,
                    version=1,
                    updated_at=stamp,
                )
        if not self.marks_given(group):
            return
        if topic is not None and topic.work is not None:
            kind, number = topic.work, topic.number
            title = f"{WORK_TITLES[kind]} № {number}"
            graded = [s for s in present if rng.random() < 0.92]
        else:
            kind, number = (
                (WorkKind.CLASSWORK, None) if rng.random() < 0.6 else (WorkKind.ORAL, None)
            )
            if kind is WorkKind.CLASSWORK:
                title = "Работа на занятии" if self.college else "Работа на уроке"
            else:
                title = "Устный опрос" if self.college else "Устный ответ"
            graded = rng.sample(present, round(len(present) * rng.uniform(0.15, 0.3)))
        work_id = rows.add(
            m.Work,
            institution_id=inst,
            lesson_id=lesson_id,
            group_id=group.id,
            discipline_id=d.id,
            date=day,
            kind=kind,
            number=number,
            title=title,
        )
        pass_fail = key in group.pass_fail
        for student in graded:
            if pass_fail:
                value = "pass" if rng.random() < 0.8 + (student.ability - 3.5) * 0.12 else "fail"
            else:
                offset = self.offsets.get((student.id, key))
                if offset is None:
                    offset = self.offsets[(student.id, key)] = rng.gauss(0, 0.3)
                value = str(min(5, max(2, round(rng.gauss(student.ability + offset, 0.7)))))
            rows.add(
                m.Mark,
                institution_id=inst,
                work_id=work_id,
                lesson_id=lesson_id,
                student_id=student.id,
                group_id=group.id,
                discipline_id=d.id,
                date=day,
                value=value,
                comment=None,
                author_user_id=author,
                version=1,
                updated_at=stamp,
            )

    def individual_homework(self) -> None:
        for lesson_id, group, topic in self.individual:
            weak = sorted(group.students, key=lambda s: s.ability)[:6]
            student = self.rng.choice(weak)
            m_ = self.rng.randint(3, 20)
            self.rows.add(
                m.IndividualHomework,
                institution_id=self.id,
                lesson_id=lesson_id,
                student_id=student.id,
                text=self.rng.choice(INDIVIDUAL_HOMEWORK).format(m=m_, k=m_ + 3, topic=topic),
            )

    # -- announcements, messages, portfolios, applicants --------------------------------

    def community(self) -> None:
        today = self.today
        head = self.users.get("director") or next(iter(self.users.values()))
        texts = ANNOUNCEMENTS_COLLEGE if self.college else ANNOUNCEMENTS_SCHOOL
        for delta, length, title, body in texts:
            starts = today + dt.timedelta(days=delta)
            self.rows.add(
                m.Announcement,
                institution_id=self.id,
                title=title,
                body=body,
                starts_on=starts,
                ends_on=starts + dt.timedelta(days=length) if length else None,
                group_id=None,
                author_user_id=head,
                created_at=_utc(min(starts, today) - dt.timedelta(days=7)),
                published_at=_utc(min(starts, today) - dt.timedelta(days=7)),
            )
        curator_user = self.users[self.spec.curating_role]
        self.rows.add(
            m.Announcement,
            institution_id=self.id,
            title=f"Родительское собрание {'группы' if self.college else 'класса'} "
            f"{self.demo_group.name}",
            body="Итоги успеваемости и посещаемости, подготовка к промежуточной аттестации. "
            "Начало в 18:30.",
            starts_on=today + dt.timedelta(days=4),
            ends_on=None,
            group_id=self.demo_group.id,
            author_user_id=curator_user,
            created_at=_utc(today - dt.timedelta(days=2)),
            published_at=_utc(today - dt.timedelta(days=2)),
            kind="class_meeting",
        )
        # One for the demo group's department (colleges) and one for the parents: every
        # audience has a row to show (announcement.department, announcement.role).
        if self.demo_group.department_id is not None:
            self.rows.add(
                m.Announcement,
                institution_id=self.id,
                title="Неделя специальности",
                body="Открытые занятия, мастер-классы и встреча с работодателями.",
                starts_on=today + dt.timedelta(days=6),
                ends_on=today + dt.timedelta(days=10),
                department_id=self.demo_group.department_id,
                author_user_id=head,
                created_at=_utc(today - dt.timedelta(days=3)),
                published_at=_utc(today - dt.timedelta(days=3)),
            )
        self.rows.add(
            m.Announcement,
            institution_id=self.id,
            title="Встреча с выпускниками",
            body="Выпускники прошлых лет расскажут о профессии и трудоустройстве.",
            starts_on=today + dt.timedelta(days=8),
            audience_role="student",
            author_user_id=head,
            created_at=_utc(today - dt.timedelta(days=1)),
            published_at=_utc(today - dt.timedelta(days=1)),
            kind="other",
        )
        self.rows.add(
            m.Announcement,
            institution_id=self.id,
            title="Собрание для родителей",
            body="Общее родительское собрание: итоги полугодия, каникулы, безопасность.",
            starts_on=today + dt.timedelta(days=5),
            audience_role="parent",
            author_user_id=head,
            created_at=_utc(today - dt.timedelta(days=1)),
            published_at=_utc(today - dt.timedelta(days=1)),
            kind="class_meeting",
        )
        self.messages()
        self.portfolios()
        if self.college:
            self.applicants()

    def messages(self) -> None:
        """Correspondence as the service keeps it: threads with their participants' read
        receipts and messages (what ``startThread`` and ``reply`` write), so the demo's
        ``threads`` are not empty. A parent's questions to the curator — one answered in
        time, one left unanswered past the ruleset's term (Altai п. 3.4: 3 days), which the
        compliance report shows — and one to the administration where the ruleset names it.
        A thread is seeded only where a line of the ruleset lets its starter's role start
        it (Tomsk's and Barnaul's regulations give no one correspondence: none there)."""
        from campusgraph.policies.ruleset import load, search_dirs
        from campusgraph.resolvers.compliance import DEADLINE_KEYS, ComplianceKind
        from campusgraph.resolvers.correspondence import ADMINISTRATION

        ruleset = load(self.spec.slug, search_dirs())
        term = DEADLINE_KEYS[ComplianceKind.UNANSWERED_QUESTION].read(ruleset)

        def may_start(role: str, obj: str) -> bool:
            """A ``create`` line on ``obj`` for the role or one it inherits (any scope: the
            demo's pairs are the ones its scopes reach)."""
            held, grew = {role}, True
            while grew:
                more = {link.inherits for link in ruleset.links if link.role in held}
                grew = not more <= held
                held |= more
            return any(
                line.role in held and line.obj == obj and line.act == "create"
                for line in ruleset.lines
                if line.effect == "allow"
            )

        u, today, student = self.users, self.today, self.demo_student
        parent, curator = u["parent"], u[self.spec.curating_role]
        teacher = u[self.spec.teaching_role]
        controller_role = next(
            (r for r in ("deputy_control", "head_teacher", "deputy_director", "methodist",
                         "deputy_studies", "director") if r in u),
            self.spec.teaching_role,
        )  # fmt: skip
        controller = u[controller_role]
        admin_role = next((r for r in ADMINISTRATION.read(ruleset) if r in u), None)
        starters = {
            parent: "parent",
            teacher: self.spec.teaching_role,
            u["student"]: "student",
            controller: controller_role,
        }
        child = student.fio.split()[1]
        # (days ago, hour): when; each thread: its starter, the other participant, subject,
        # messages as (sender is the starter, days ago, hour, body), and whether the other
        # participant, and the starter, have read it all.
        Note = tuple[bool, int, int, str]
        threads: list[tuple[int, int, str, str, list[Note], tuple[bool, bool]]] = [
            (parent, curator, "correspondent.curator", "Пропуск занятий", [
                (True, 5, 10, f"Здравствуйте! {child} болел(а) три дня, справку из поликлиники "
                 "передадим в понедельник."),
                (False, 4, 12, "Спасибо, отметку о причине пропуска поставлю после получения "
                 "справки."),
            ], (True, True)),
            (parent, curator, "correspondent.curator", "Пересдача контрольной работы", [
                (True, 6, 19, f"Добрый вечер! Когда {child} может переписать контрольную "
                 "работу, пропущенную по болезни?"),
            ], (False, True)),
            (teacher, u["student"], "correspondent.student", "Задолженность", [
                (True, 2, 9, "Нужно сдать пропущенную работу до конца недели."),
                (False, 2, 15, "Хорошо, сдам в четверг."),
            ], (True, False)),
            (u["student"], teacher, "correspondent.teacher", "Вопрос по домашнему заданию", [
                (True, 1, 16, "Подскажите, пожалуйста, какие задания нужно сделать к "
                 "следующему занятию?"),
            ], (False, True)),
            (controller, teacher, "correspondent.employee", "Проверка заполнения журнала", [
                (True, 5, 11, "Прошу до пятницы заполнить темы занятий и домашние задания за "
                 "прошлую неделю."),
            ], (True, True)),
        ]  # fmt: skip
        if admin_role is not None:
            threads.append(
                (parent, u[admin_role], "correspondent.administration", "Справка об обучении", [
                    (True, 2, 8, "Здравствуйте! Прошу подготовить справку об обучении для "
                     "предоставления по месту работы."),
                    (False, 1, 14, "Справка будет готова в пятницу, её можно получить в "
                     "учебной части."),
                ], (True, False))
            )  # fmt: skip
        for starter, other, obj, subject, notes, (other_read, starter_read) in threads:
            if not may_start(starters[starter], obj):
                continue
            sent = [_utc(today - dt.timedelta(days=d), h) for _, d, h, _ in notes]
            own = [at for (mine, *_), at in zip(notes, sent, strict=True) if mine]
            replies = [at for (mine, *_), at in zip(notes, sent, strict=True) if not mine]
            asked = starter == parent and term is not None
            thread = self.rows.add(
                m.Thread,
                institution_id=self.id,
                subject=subject,
                created_by_user_id=starter,
                created_at=sent[0],
                answer_due=asked,
                answered_at=replies[0] if asked and replies else None,
                last_message_at=sent[-1],
            )
            # what each has read up to: his own last message at least (the service's
            # receipt on sending), everything two hours after the last one when read
            done = sent[-1] + dt.timedelta(hours=2)
            for user, read_all, floor in (
                (starter, starter_read, own[-1]),
                (other, other_read, replies[-1] if replies else None),
            ):
                self.rows.add(
                    m.ThreadParticipant,
                    institution_id=self.id,
                    thread_id=thread,
                    user_id=user,
                    last_read_at=done if read_all else floor,
                )
            for (mine, _, _, body), at in zip(notes, sent, strict=True):
                self.rows.add(
                    m.Message,
                    institution_id=self.id,
                    thread_id=thread,
                    sender_user_id=starter if mine else other,
                    recipient_user_id=other if mine else starter,
                    subject=subject,
                    body=body,
                    sent_at=at,
                    read_at=done if (other_read if mine else starter_read) else None,
                )

    def portfolios(self) -> None:
        rng = self.rng
        everyone = [s for g in self.groups for s in g.students]
        chosen = [self.demo_student, self.demo_student, *rng.sample(everyone, 6)]
        for student, (kind, title) in zip(chosen, rng.sample(PORTFOLIO_STUDENT, 8), strict=True):
            self.rows.add(
                m.PortfolioEntry,
                institution_id=self.id,
                person_id=student.person_id,
                title=title,
                kind=kind,
                date=self.cal.starts_on + dt.timedelta(days=rng.randint(5, 60)),
                description=None,
                author_user_id=self.users[self.spec.curating_role],
            )
        teachers = [t for t in self.employees if t.areas]
        for teacher, (kind, title) in zip(
            [self.demo_teacher, *rng.sample(teachers, 2)], PORTFOLIO_STAFF, strict=False
        ):
            self.rows.add(
                m.PortfolioEntry,
                institution_id=self.id,
                person_id=teacher.person_id,
                title=title,
                kind=kind,
                date=self.cal.starts_on - dt.timedelta(days=rng.randint(10, 400)),
                description=None,
                author_user_id=None,
            )

    def applicants(self) -> None:
        """This year's admission campaign: most applicants became first-year students."""
        rng, start = self.rng, self.cal.starts_on
        first_year = [(g, s) for g in self.groups if g.year == 1 for s in g.students]
        speciality_ids = {
            g.spec.key: row["speciality_id"]
            for g in self.groups
            for row in self.rows.by_table["study_group"]
            if row["id"] == g.id and g.spec is not None
        }
        people: list[tuple[str, str, str, dt.date, str | None, int | None]] = []
        for group, student in rng.sample(first_year, 14):
            surname, name, patronymic = student.fio.split(" ", 2)
            assert group.spec is not None
            people.append((surname, name, patronymic, student.birth, group.spec.key, student.id))
        keys = list(speciality_ids)
        for _ in range(6):
            sex = Sex.MALE if rng.random() < 0.5 else Sex.FEMALE
            stem, father = self.fake.last_name_male(), rng.choice(MALE_NAMES)
            if sex is Sex.MALE:
                fio = (stem, rng.choice(CHILD_MALE_NAMES), father[1])
            else:
                fio = (_female_surname(stem), rng.choice(CHILD_FEMALE_NAMES), father[2])
            birth = start - dt.timedelta(days=int(rng.uniform(15.1, 16.0) * 365.25))
            people.append((*fio, birth, rng.choice(keys), None))
        for surname, name, patronymic, birth, key, enrolled in people:
            applied = dt.date(start.year, 6, 20) + dt.timedelta(days=rng.randint(0, 55))
            grade = rng.uniform(3.9, 4.95) if enrolled else rng.uniform(3.2, 4.0)
            self.rows.add(
                m.Applicant,
                institution_id=self.id,
                surname=surname,
                name=name,
                patronymic=patronymic,
                birth_date=birth,
                citizenship="Российская Федерация",
                education_level="Основное общее образование (9 классов)",
                funding_source=FundingSource.BUDGET if enrolled or rng.random() < 0.5
                else FundingSource.CONTRACT,
                study_form=StudyForm.FULL_TIME,
                speciality_id=speciality_ids.get(key) if key else None,
                applied_on=applied,
                average_grade=Decimal(f"{grade:.3f}"),
                enrolled_student_id=enrolled,
                created_at=_utc(applied, 7),
            )  # fmt: skip

    # -- what the test-suite and the policy goldens rely on -----------------------------

    def check_guarantees(self) -> None:
        spec = self.spec

        def need(condition: bool, what: str) -> None:
            if not condition:
                raise RuntimeError(f"demo data of {spec.slug}: {what}")

        taught = self.taught_by(self.demo_teacher)
        need(len({k for _, k in taught}) >= 2, "the teacher teaches two disciplines")
        need(len({g for g, _ in taught}) >= 2, "the teacher teaches two groups")
        need(self.demo_teacher not in self.curators.values(), "the teacher curates nothing")
        curated = [gid for gid, c in self.curators.items() if c is self.demo_curator]
        need(curated == [self.demo_group.id], "the curator curates exactly the demo group")
        need(not self.taught_by(self.demo_curator), "the curator teaches nothing")
        need(self.demo_student in self.demo_group.students, "the student is in the demo group")
        need(_age_on(self.demo_student.birth, self.today) < 18, "the student is a minor")
        need(bool(self.demo_parent_person), "the student has a parent")
        if "department_head" in self.staff:
            head = self.staff["department_head"].id
            rows = self.rows.by_table["department"]
            need(
                any(r["id"] == self.demo_group.department_id and r["head_employee_id"] == head
                    for r in rows),
                "the department head heads the curated group's department",
            )  # fmt: skip
        for entries in self.timetable:
            for what, cells in (
                ("teacher", [(e.teacher.id, e.weekday, e.slot) for e in entries]),
                ("room", [(e.room_id or 0, e.weekday, e.slot) for e in entries]),
                ("group", [(e.group.id, e.weekday, e.slot) for e in entries]),
            ):
                need(len(cells) == len(set(cells)), f"no {what} twice in one slot")
        for group in self.groups:
            need(20 <= len(group.students) <= 30, f"{group.name} has 20–30 students")


def _match(candidates: dict[int, list[tuple[int, str]]]) -> dict[int, tuple[int, str]] | None:
    """A matching of every group to a distinct teacher (Kuhn's augmenting paths), trying
    each group's candidates in the order given; None if some group cannot be served."""
    owner: dict[int, int] = {}
    choice: dict[int, tuple[int, str]] = {}

    def attempt(group: int, seen: set[int]) -> bool:
        for teacher, key in candidates[group]:
            if teacher in seen:
                continue
            seen.add(teacher)
            if teacher not in owner or attempt(owner[teacher], seen):
                owner[teacher] = group
                choice[group] = (teacher, key)
                return True
        return False

    for group in sorted(candidates, key=lambda g: len(candidates[g])):
        if not attempt(group, set()):
            return None
    return choice


# =====================================================================================
# Writing
# =====================================================================================


def _step(bar: _Progress, task: int, stage: str) -> None:
    bar.advance(task, 1, stage)


class _Progress:
    """A rich progress bar per institution on stderr, or nothing; its stage labels are the
    catalog's ``cli_demo_stage_<stage>`` in the run's language."""

    def __init__(self, enabled: bool, lang: str = "ru") -> None:
        self._bar: Any = None
        self._lang = lang
        if enabled:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
            )

            self._bar = Progress(
                TextColumn("{task.description:<24}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[stage]}"),
                TimeElapsedColumn(),
                console=Console(stderr=True),
            )

    def __enter__(self) -> _Progress:
        if self._bar is not None:
            self._bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()

    def add(self, name: str, total: int) -> int:
        if self._bar is None:
            return 0
        return int(self._bar.add_task(name, total=total, stage=""))

    def advance(self, task: int, amount: int, stage: str, **fields: object) -> None:
        if self._bar is not None:
            label = message(f"cli_demo_stage_{stage}", self._lang, **fields)
            self._bar.update(task, advance=amount, stage=label)


async def _next_ids(session: AsyncSession) -> dict[str, int]:
    out: dict[str, int] = {}
    for table in Base.metadata.sorted_tables:
        if "id" in table.c:
            top = (await session.execute(select(func.max(table.c.id)))).scalar()
            out[table.name] = int(top or 0) + 1
    return out


async def _flush(
    session: AsyncSession, rows: _Rows, advance: Callable[[int], None] | None = None
) -> None:
    """Bulk INSERTs in dependency order, ``CHUNK`` rows per statement."""
    for table in Base.metadata.sorted_tables:
        batch = rows.by_table.get(table.name)
        if not batch:
            continue
        _normalise(table, batch)
        # A Core INSERT on the table: the ORM's bulk path (insert(Model)) costs three
        # times as much per row here, for nothing a seed needs.
        statement = insert(table)
        for start in range(0, len(batch), CHUNK):
            chunk = batch[start : start + CHUNK]
            await session.execute(statement, chunk)
            if advance is not None:
                advance(len(chunk))


async def _advance_sequences(session: AsyncSession) -> None:
    """Explicit ids leave PostgreSQL's sequences behind; move them past the seeded rows."""
    for table in Base.metadata.sorted_tables:
        if "id" in table.c:
            await session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"(SELECT MAX(id) FROM {table.name}))"
                )
            )


async def _write_institution(
    session: AsyncSession, builder: _InstitutionSeed, bar: _Progress, task: int
) -> dict[str, int]:
    counts = builder.counts()
    total, written = sum(counts.values()), 0

    def advance(n: int) -> None:
        nonlocal written
        written += n
        bar.advance(task, 0, "writing", percent=written * 100 // total)

    await _flush(session, builder.rows, advance)
    bar.advance(task, 1, "done")
    return counts


def _region_account(rows: _Rows, region_id: int, password_hash: str, today: dt.date) -> None:
    """The education authority signs in at the region and reads every institution."""
    user_id = rows.add(
        m.UserAccount,
        institution_id=None,
        region_id=region_id,
        person_id=None,
        login="authority",
        password_hash=password_hash,
        must_change_password=False,
        disabled_at=None,
        created_at=_utc(academic_year_bounds(today)[0] - dt.timedelta(days=10)),
        last_login_at=None,
    )
    rows.add(
        m.RoleAssignment,
        user_id=user_id,
        institution_id=None,
        region_id=region_id,
        role="authority",
    )


async def _seed_region(
    session: AsyncSession, *, today: dt.date, seed: int, progress: bool, language: str = "ru"
) -> DemoSummary:
    ids = _Ids(await _next_ids(session))
    # One argon2 hash for every account: hashing is deliberately slow.
    password_hash = hash_password(DEMO_PASSWORD)
    summary = DemoSummary(seeded=True)
    region = _Rows(ids)
    region_id = region.add(m.Region, slug=REGION_SLUG, name=REGION_NAME, ruleset="base")
    _region_account(region, region_id, password_hash, today)
    await _flush(session, region)
    snils_used: set[str] = set()
    with _Progress(progress, language) as bar:
        for spec in INSTITUTIONS:
            task = bar.add(spec.slug, 8)  # seven stages of building, then the writing
            builder = _InstitutionSeed(
                spec,
                rows=_Rows(ids),
                region_id=region_id,
                today=today,
                seed=seed,
                password_hash=password_hash,
                snils_used=snils_used,
            )
            builder.build(functools.partial(_step, bar, task))
            counts = await _write_institution(session, builder, bar, task)
            summary.institutions[spec.slug] = builder.id
            summary.accounts.extend(builder.accounts)
            summary.per_institution[spec.slug] = counts
            summary.students += counts.get("student", 0)
            summary.lessons += counts.get("lesson", 0)
            summary.marks += counts.get("mark", 0)
            summary.attendance += counts.get("attendance", 0)
    summary.accounts.append(
        DemoAccount(
            REGION_SLUG,
            "authority",
            "authority",
            "Представитель регионального органа управления образованием (все учреждения)",
            "Representative of the regional education authority (every institution)",
        )
    )
    if (await session.connection()).dialect.name == "postgresql":
        await _advance_sequences(session)
    return summary


async def seed_demo(
    factory: async_sessionmaker[AsyncSession],
    *,
    today: dt.date | None = None,
    seed: int = 2026,
    progress: bool = False,
    language: str = "ru",
) -> DemoSummary:
    """Seed the demo region in one transaction, unless the database already has a region.

    Everything — names, marks, absences, dates — follows from ``seed`` and ``today``
    (default: the real date), so two runs with the same arguments write the same rows.
    ``progress`` shows a bar per institution on stderr.
    """
    started = time.perf_counter()
    today = today or dt.date.today()
    async with unscoped(factory, write=True) as session, session.begin():
        if (await session.execute(select(m.Region.id).limit(1))).first() is not None:
            existing = await session.execute(select(m.Institution.slug, m.Institution.id))
            return DemoSummary(seeded=False, institutions=dict(existing.all()))
        summary = await _seed_region(
            session, today=today, seed=seed, progress=progress, language=language
        )
    summary.seconds = time.perf_counter() - started
    return summary
