"""The lists that are imported and exported, column by column.

Each column has a Russian header (what the file carries), the card field it fills (the
camelCase input name the card checks use, so a card problem lands in its column), a kind
that says how a cell is read and written, and whether it is personal data (152-ФЗ: the
``*.personal`` object of the ruleset guards it). Headers are matched loosely: case, «ё»,
an asterisk and doubled spaces do not matter, and the field name itself is accepted too.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from dataclasses import dataclass
from typing import Any

from campusgraph.db.enums import DisciplineKind, FundingSource, ParentKind, Sex, StudyForm
from campusgraph.exchange.formats import DATE_FORMAT, Cell, cell_text
from campusgraph.i18n import message
from campusgraph.validators import parse_date


class ListKind(enum.StrEnum):
    STAFF = "staff"
    STUDENTS = "students"
    PARENTS = "parents"
    DISCIPLINES = "disciplines"


class ColumnKind(enum.StrEnum):
    TEXT = "text"
    DATE = "date"
    SNILS = "snils"
    NAMES = "names"  # several names separated by «;» (further positions)
    SEX = "sex"
    FUNDING = "funding"
    STUDY_FORM = "study_form"
    PARENT_KIND = "parent_kind"
    DISCIPLINE_KIND = "discipline_kind"


#: How each choice is written, and the spellings read (lower case, «ё» as «е»).
CHOICES: dict[ColumnKind, dict[Any, tuple[str, ...]]] = {
    ColumnKind.SEX: {
        Sex.MALE: ("М", "м", "муж", "муж.", "мужской", "male", "m"),
        Sex.FEMALE: ("Ж", "ж", "жен", "жен.", "женский", "female", "f"),
    },
    ColumnKind.FUNDING: {
        FundingSource.BUDGET: (
            "бюджет",
            "бюджетная",
            "бюджетная основа",
            "за счет бюджета",
            "budget",
        ),
        FundingSource.CONTRACT: (
            "договор",
            "по договору",
            "платная",
            "платно",
            "внебюджет",
            "с оплатой стоимости обучения",
            "contract",
        ),
    },
    ColumnKind.STUDY_FORM: {
        StudyForm.FULL_TIME: ("очная", "full_time"),
        StudyForm.PART_TIME: ("очно-заочная", "part_time"),
        StudyForm.EXTRAMURAL: ("заочная", "extramural"),
    },
    ColumnKind.PARENT_KIND: {
        ParentKind.MOTHER: ("мать", "mother"),
        ParentKind.FATHER: ("отец", "father"),
        ParentKind.GUARDIAN: (
            "опекун",
            "законный представитель",
            "попечитель",
            "опекун (попечитель)",
            "guardian",
        ),
    },
    ColumnKind.DISCIPLINE_KIND: {
        DisciplineKind.SUBJECT: ("предмет", "учебный предмет", "subject"),
        DisciplineKind.UD: ("УД", "уд", "учебная дисциплина", "дисциплина", "ud"),
        DisciplineKind.MDK: ("МДК", "мдк", "междисциплинарный курс", "mdk"),
        DisciplineKind.PM: ("ПМ", "пм", "профессиональный модуль", "pm"),
        DisciplineKind.PRACTICE: (
            "практика",
            "учебная практика",
            "производственная практика",
            "practice",
        ),
    },
}


def _norm(text: str) -> str:
    text = text.replace("ё", "е").replace("Ё", "Е").replace("*", " ").strip().lower()
    return re.sub(r"\s+", " ", text).strip(" .:")


_READ: dict[ColumnKind, dict[str, Any]] = {
    kind: {_norm(s): value for value, spellings in table.items() for s in spellings}
    for kind, table in CHOICES.items()
}


def choice_text(kind: ColumnKind, value: Any) -> str:
    return CHOICES[kind][value][0]


def choices_hint(kind: ColumnKind, language: str = "ru") -> str:
    """The spellings a column takes, as a reader of ``language`` would type them: the
    first (Russian) spelling, or in English the first in Latin letters («male»)."""

    def shown(spellings: tuple[str, ...]) -> str:
        if language == "en":
            return next((s for s in spellings if s.isascii()), spellings[0])
        return spellings[0]

    return ", ".join(f"«{shown(spellings)}»" for spellings in CHOICES[kind].values())


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    header: str
    kind: ColumnKind = ColumnKind.TEXT
    required: bool = False
    #: The column must be in the header, but a row may leave it blank: a student card
    #: not yet enrolled in a group has no group and no enrolment order (as exported).
    may_be_blank: bool = False
    personal: bool = False
    width: int = 16


@dataclass(frozen=True, slots=True)
class ListSpec:
    kind: ListKind
    obj: str
    title: str
    stem: str
    columns: tuple[Column, ...]

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    @property
    def personal_keys(self) -> frozenset[str]:
        return frozenset(c.key for c in self.columns if c.personal)

    def match(self, header: str) -> Column | None:
        wanted = _norm(header)
        for column in self.columns:
            if wanted in (_norm(column.header), column.key.lower()):
                return column
        return None


C, K = Column, ColumnKind

_PERSON = (
    C("surname", "Фамилия", required=True),
    C("name", "Имя", required=True, width=14),
    C("patronymic", "Отчество"),
)

STUDENTS = ListSpec(
    ListKind.STUDENTS,
    "student",
    "Обучающиеся",
    "students",
    (
        *_PERSON,
        C("sex", "Пол", K.SEX, required=True, width=6),
        C("birthDate", "Дата рождения", K.DATE, required=True, width=14),
        C("group", "Группа", required=True, may_be_blank=True, width=10),
        C("citizenship", "Гражданство", width=22),
        C("recordBookNumber", "Номер зачётной книжки"),
        C("enrolmentOrderNumber", "Номер приказа о зачислении", required=True, may_be_blank=True),
        C("enrolmentDate", "Дата зачисления", K.DATE, required=True, may_be_blank=True, width=14),
        C("fundingSource", "Источник финансирования", K.FUNDING),
        C("studyForm", "Форма обучения", K.STUDY_FORM),
        C("educationLevel", "Уровень образования", width=28),
        C("snils", "СНИЛС", K.SNILS, personal=True),
        C("address", "Адрес проживания", personal=True, width=36),
        C("registrationAddress", "Адрес регистрации", personal=True, width=36),
    ),
)

STAFF = ListSpec(
    ListKind.STAFF,
    "employee",
    "Сотрудники",
    "staff",
    (
        *_PERSON,
        C("sex", "Пол", K.SEX, width=6),
        C("birthDate", "Дата рождения", K.DATE, width=14),
        C("position", "Должность", required=True, width=30),
        C("otherPositions", "Другие должности", K.NAMES, width=30),
        C("category", "Категория", width=20),
        C("diplomaSpeciality", "Специальность по диплому", width=28),
        C("hiredOn", "Дата приёма на работу", K.DATE, width=14),
        C("dismissedOn", "Дата увольнения", K.DATE, width=14),
        C("phone", "Телефон"),
        C("email", "Электронная почта", width=24),
        C("snils", "СНИЛС", K.SNILS, personal=True),
        C("address", "Адрес", personal=True, width=36),
    ),
)

PARENTS = ListSpec(
    ListKind.PARENTS,
    "parent",
    "Родители",
    "parents",
    (
        *_PERSON,
        C("sex", "Пол", K.SEX, width=6),
        C("birthDate", "Дата рождения", K.DATE, width=14),
        C("phone", "Телефон"),
        C("email", "Электронная почта", width=24),
        C("workPlace", "Место работы", width=28),
        C("snils", "СНИЛС", K.SNILS, personal=True),
        C("address", "Адрес", personal=True, width=36),
        C("child", "Обучающийся (ФИО)", width=32),
        C("childBirthDate", "Дата рождения обучающегося", K.DATE, width=14),
        C("relation", "Кем приходится", K.PARENT_KIND, width=12),
    ),
)

DISCIPLINES = ListSpec(
    ListKind.DISCIPLINES,
    "discipline",
    "Дисциплины",
    "disciplines",
    (
        C("code", "Индекс", width=12),
        C("name", "Наименование", required=True, width=44),
        C("shortName", "Краткое наименование", width=20),
        C("kind", "Вид", K.DISCIPLINE_KIND, required=True, width=10),
        C("moduleCode", "Индекс модуля", width=12),
        C("module", "Модуль", width=40),
    ),
)

SPECS: dict[ListKind, ListSpec] = {s.kind: s for s in (STAFF, STUDENTS, PARENTS, DISCIPLINES)}

#: Longest value of the columns that are not card fields (card fields: people_writes.LIMITS).
EXTRA_LIMITS: dict[tuple[ListKind, str], int] = {
    (ListKind.STUDENTS, "group"): 64,
    (ListKind.STAFF, "position"): 255,
    (ListKind.PARENTS, "child"): 400,
    (ListKind.DISCIPLINES, "code"): 32,
    (ListKind.DISCIPLINES, "name"): 255,
    (ListKind.DISCIPLINES, "shortName"): 64,
    (ListKind.DISCIPLINES, "moduleCode"): 32,
    (ListKind.DISCIPLINES, "module"): 255,
}


# -- reading one cell -------------------------------------------------------------------------

_DATE_SPELLINGS = ("DD.MM.YYYY", "YYYY-MM-DD", "DD/MM/YYYY", "DD-MM-YYYY")


class BadCell(ValueError):
    """A cell that cannot be read as its column's kind; ``key`` names the message."""

    def __init__(self, key: str, **kwargs: object) -> None:
        super().__init__(key)
        self.key = key
        self.kwargs = kwargs

    def text(self, language: str) -> str:
        fields = dict(self.kwargs)
        kind = fields.get("choices")
        if isinstance(kind, ColumnKind):
            fields["choices"] = choices_hint(kind, language)
        return message(self.key, language, **fields)


def parse_cell(column: Column, cell: Cell) -> Any:
    """The cell's value for the card, None when blank; raises :class:`BadCell`."""
    if column.kind is ColumnKind.DATE:
        if isinstance(cell, dt.date):
            return cell
        text = cell_text(cell)
        if not text:
            return None
        # Raises DateProblem: a date that does not exist is told from a malformed one.
        return parse_date(text, _DATE_SPELLINGS)
    if column.kind is ColumnKind.SNILS and isinstance(cell, int):
        return f"{cell:011d}"
    text = cell_text(cell)
    if not text:
        return None
    if column.kind in (ColumnKind.TEXT, ColumnKind.SNILS):
        return re.sub(r"\s+", " ", text) if column.kind is ColumnKind.TEXT else text
    if column.kind is ColumnKind.NAMES:
        return [n.strip() for n in re.split(r"[;\n]", text) if n.strip()]
    found = _READ[column.kind].get(_norm(text))
    if found is None:
        raise BadCell("import_bad_choice", choices=column.kind)
    return found


def write_cell(column: Column, value: Any) -> Cell:
    """A card value as the file carries it."""
    if value is None:
        return None
    if column.kind in CHOICES:
        return choice_text(column.kind, value)
    if column.kind is ColumnKind.NAMES:
        return "; ".join(value) or None
    if isinstance(value, dt.date):
        return value
    return str(value)


def date_text(day: dt.date | None) -> str:
    return day.strftime(DATE_FORMAT) if day else ""
