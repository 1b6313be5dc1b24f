"""СНИЛС checksum, validation and formatting; the spellings of contacts; typed dates (a day
that does not exist told from a malformed spelling)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from campusgraph.validators import (
    DateProblem,
    format_snils,
    is_valid_email,
    is_valid_phone,
    is_valid_snils,
    is_valid_website,
    parse_date,
    snils_checksum,
)


@pytest.mark.parametrize(
    ("digits9", "weighted_sum", "checksum"),
    [
        ("112233445", 95, "95"),  # the example printed on the pension fund's leaflets
        ("003263353", 97, "97"),  # below 100: the sum itself
        ("141008408", 100, "00"),  # exactly 100
        ("205132059", 101, "00"),  # exactly 101
        ("145274509", 163, "62"),  # above 101: the sum mod 101
        ("952530077", 201, "00"),  # above 101 and the remainder is 100
    ],
)
def test_checksum_rule(digits9: str, weighted_sum: int, checksum: str) -> None:
    assert sum(int(d) * (9 - i) for i, d in enumerate(digits9)) == weighted_sum
    assert snils_checksum(digits9) == checksum


@pytest.mark.parametrize("bad", ["", "12345678", "1234567890", "12345678a", "١٢٣٤٥٦٧٨٩"])
def test_checksum_needs_nine_ascii_digits(bad: str) -> None:
    with pytest.raises(ValueError, match="nine digits"):
        snils_checksum(bad)


@pytest.mark.parametrize("value", ["112-233-445 95", "11223344595", "205-132-059 00"])
def test_valid_numbers_in_both_spellings(value: str) -> None:
    assert is_valid_snils(value)


@pytest.mark.parametrize(
    "value",
    [
        "112-233-445 96",  # wrong checksum
        "11223344594",
        "112-233-44595",  # half formatted
        "112 233 445 95",
        "112-233-445-95",
        " 112-233-445 95",
        "1122334459",  # ten digits
        "112233445950",
        "abc-def-ghi jk",
        "",
    ],
)
def test_invalid_numbers(value: str) -> None:
    assert not is_valid_snils(value)


def test_old_numbers_are_not_checked() -> None:
    assert is_valid_snils("001-001-998 17")
    assert is_valid_snils("000-000-001 99")
    assert not is_valid_snils("001-001-999 17")  # the first checked number
    assert is_valid_snils("001-001-999 " + snils_checksum("001001999"))


def test_format() -> None:
    assert format_snils("11223344595") == "112-233-445 95"
    assert format_snils("112-233-445 95") == "112-233-445 95"
    with pytest.raises(ValueError, match="eleven digits"):
        format_snils("1122334459")


@given(st.integers(min_value=1_001_999, max_value=999_999_999))
def test_generated_numbers_validate_and_a_changed_checksum_does_not(number: int) -> None:
    digits = f"{number:09d}"
    checksum = snils_checksum(digits)
    assert is_valid_snils(digits + checksum)
    assert is_valid_snils(format_snils(digits + checksum))
    wrong = f"{(int(checksum) + 1) % 100:02d}"
    assert not is_valid_snils(digits + wrong)


def test_contacts_are_accepted_as_people_write_them_and_refused_when_unusable() -> None:
    """Given the spellings a card or the institution's details receive, then a mail client,
    a phone and a browser could use the accepted ones and not the refused ones."""
    assert all(map(is_valid_email, ["info@college.ru", "a.b+c@колледж.рф"]))
    assert not any(map(is_valid_email, ["info@college", "in fo@college.ru", "@college.ru"]))
    assert all(map(is_valid_phone, ["+7 (3852) 22-33-44", "83852223344", "22-33-4"]))
    assert not any(map(is_valid_phone, ["12-34", "+7 3852 ext 5", "1234567890123456"]))
    assert all(
        map(is_valid_website, ["https://college.ru", "http://колледж.рф/", "https://a.b/c?d=1"])
    )
    assert not any(
        map(
            is_valid_website,
            [
                "college.ru",
                "ftp://college.ru",
                "https://localhost",
                "https://college .ru",
                "https://",
            ],
        )
    )


# -- dates typed by people ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("31.01.2010", dt.date(2010, 1, 31)),
        ("1.2.2010", dt.date(2010, 2, 1)),
        (" 29.02.2012 ", dt.date(2012, 2, 29)),
        ("29.02.2000", dt.date(2000, 2, 29)),
        ("2010-02-28", dt.date(2010, 2, 28)),
    ],
)
def test_a_real_date_is_read_in_any_accepted_spelling(text: str, expected: dt.date) -> None:
    assert parse_date(text, ("DD.MM.YYYY", "YYYY-MM-DD")) == expected


@pytest.mark.parametrize(
    ("text", "ru", "en"),
    [
        (
            "31.02.2010",
            "31.02.2010: такой даты нет (в феврале 2010 года 28 дней)",
            "31.02.2010: no such date (February 2010 has 28 days)",
        ),
        (
            "29.02.1900",
            "29.02.1900: такой даты нет (в феврале 1900 года 28 дней)",
            "29.02.1900: no such date (February 1900 has 28 days)",
        ),
        (
            "32.01.2010",
            "32.01.2010: такой даты нет (в январе 2010 года 31 день)",
            "32.01.2010: no such date (January 2010 has 31 days)",
        ),
        (
            "31.04.2010",
            "31.04.2010: такой даты нет (в апреле 2010 года 30 дней)",
            "31.04.2010: no such date (April 2010 has 30 days)",
        ),
        (
            "00.05.2010",
            "00.05.2010: такой даты нет (в мае 2010 года 31 день)",
            "00.05.2010: no such date (May 2010 has 31 days)",
        ),
        (
            "10.13.2010",
            "10.13.2010: такой даты нет (месяца 13 нет: их 12)",
            "10.13.2010: no such date (there is no month 13: there are 12)",
        ),
    ],
)
def test_a_date_that_does_not_exist_says_why(text: str, ru: str, en: str) -> None:
    with pytest.raises(DateProblem) as caught:
        parse_date(text)
    assert (caught.value.text("ru"), caught.value.text("en")) == (ru, en)


@pytest.mark.parametrize("text", ["31.02.10", "вчера", "31/02", "", "2010-02-31T00:00"])
def test_a_malformed_date_says_the_expected_spelling(text: str) -> None:
    with pytest.raises(DateProblem) as caught:
        parse_date(text)
    assert caught.value.text("ru") == f"«{text}» — не дата: ожидается ДД.ММ.ГГГГ"
    assert caught.value.text("en") == f"«{text}» is not a date: expected DD.MM.YYYY"
