"""Checks for identifiers and contacts kept on cards: people's and the institution's.

СНИЛС (the pension insurance number) is the one the regulations name: student and parent
cards carry it, and a mistyped number must be caught at entry, not at the next export to
the pension fund. Its last two digits are a checksum over the first nine.

E-mail addresses, phone numbers and websites are checked the same way wherever they are
entered (a person's card, the institution's details), so one spelling is accepted or
refused everywhere.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import Any
from urllib.parse import urlsplit

from campusgraph.i18n import message, plural

_FORMATTED = re.compile(r"^(\d{3})-(\d{3})-(\d{3}) (\d{2})$")
_PLAIN = re.compile(r"^\d{11}$")

#: Numbers up to 001-001-998 were issued before the checksum rule and are not checked.
_UNCHECKED_UP_TO = 1_001_998


def snils_checksum(digits9: str) -> str:
    """The two check digits of a СНИЛС whose first nine digits are ``digits9``."""
    if len(digits9) != 9 or not digits9.isascii() or not digits9.isdigit():
        raise ValueError(f"expected nine digits, got {digits9!r}")
    total = sum(int(d) * (9 - i) for i, d in enumerate(digits9))
    if total < 100:
        return f"{total:02d}"
    if total in (100, 101):
        return "00"
    rest = total % 101
    return "00" if rest == 100 else f"{rest:02d}"


def _digits(value: str) -> str | None:
    match = _FORMATTED.match(value)
    if match:
        return "".join(match.groups())
    if _PLAIN.match(value):
        return value
    return None


def is_valid_snils(value: str) -> bool:
    """True for «123-456-789 01» or eleven digits whose checksum agrees."""
    digits = _digits(value)
    if digits is None:
        return False
    if int(digits[:9]) <= _UNCHECKED_UP_TO:
        return True
    return snils_checksum(digits[:9]) == digits[9:]


def format_snils(digits11: str) -> str:
    """«XXX-XXX-XXX YY», the spelling printed on cards and exported to reports."""
    digits = _digits(digits11)
    if digits is None:
        raise ValueError(f"expected eleven digits of a СНИЛС, got {digits11!r}")
    return f"{digits[0:3]}-{digits[3:6]}-{digits[6:9]} {digits[9:11]}"


def snils_problem(value: str) -> str | None:
    """Why ``value`` is not a СНИЛС: ``"format"`` (neither spelling), ``"checksum"``, or None."""
    digits = _digits(value)
    if digits is None:
        return "format"
    return None if is_valid_snils(value) else "checksum"


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[\d\s()\-]+$")
#: Digits a phone number has: a short internal number up to the international maximum (E.164).
PHONE_DIGITS = (5, 15)


def is_valid_email(value: str) -> bool:
    """One «@», no spaces, a dot in the domain: what a mail client can send to."""
    return _EMAIL.match(value) is not None


def is_valid_phone(value: str) -> bool:
    """Digits with an optional leading «+», spaces, brackets and dashes; 5 to 15 digits."""
    digits = sum(c.isdigit() for c in value)
    low, high = PHONE_DIGITS
    return _PHONE.match(value) is not None and low <= digits <= high


def is_valid_website(value: str) -> bool:
    """An http(s) address with a dotted host (``https://college.ru``, ``http://колледж.рф/``):
    a screen shows it as a link, so it must open as one."""
    if any(c.isspace() for c in value):
        return False
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or not host:
        return False
    labels = host.split(".")
    return len(labels) >= 2 and all(labels)


#: How a date may be spelled where people type one: (pattern, order of day/month/year),
#: the first spelling being the one a message asks for.
DATE_SPELLINGS: dict[str, tuple[re.Pattern[str], str]] = {
    "DD.MM.YYYY": (re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$"), "dmy"),
    "YYYY-MM-DD": (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"), "ymd"),
    "DD/MM/YYYY": (re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$"), "dmy"),
    "DD-MM-YYYY": (re.compile(r"^(\d{1,2})-(\d{1,2})-(\d{4})$"), "dmy"),
}


def parse_date(text: str, spellings: tuple[str, ...] = ("DD.MM.YYYY",)) -> dt.date:
    """The date ``text`` spells in one of ``spellings`` (keys of :data:`DATE_SPELLINGS`).

    Raises :class:`DateProblem`: a date that is spelled right but does not exist
    («31.02.2010») is told apart from one that is not spelled as a date at all — the first
    needs the calendar, the second the expected format.
    """
    for spelling in spellings:
        pattern, order = DATE_SPELLINGS[spelling]
        match = pattern.match(text.strip())
        if match is None:
            continue
        parts = dict(zip(order, (int(g) for g in match.groups()), strict=True))
        year, month, day = parts["y"], parts["m"], parts["d"]
        if not 1 <= month <= 12:
            raise DateProblem("date_no_such_month", value=text, month=month)
        if year < 1:
            raise DateProblem("date_no_such_year", value=text)
        days = calendar.monthrange(year, month)[1]
        if not 1 <= day <= days:
            raise DateProblem("date_no_such_day", value=text, month=month, year=year, days=days)
        return dt.date(year, month, day)
    raise DateProblem("date_malformed", value=text, expected=spellings[0])


class DateProblem(ValueError):
    """Why a typed date cannot be read; :meth:`text` says it in a language."""

    def __init__(self, key: str, **fields: Any) -> None:
        super().__init__(key)
        self.key = key
        self.fields = fields

    def text(self, language: str) -> str:
        f = dict(self.fields)
        if self.key == "date_no_such_day":
            f["days"] = plural("count_days", int(f["days"]), language)
            f["month_in"] = message(f"month_in_{f['month']}", language)
        if self.key == "date_malformed":
            f["expected"] = message(f"date_spelling_{_spelling_key(str(f['expected']))}", language)
        return message(self.key, language, **f)


def _spelling_key(spelling: str) -> str:
    return spelling.lower().replace(".", "_dot_").replace("-", "_dash_").replace("/", "_slash_")
