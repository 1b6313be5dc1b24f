"""СНИЛС checksum, validation and formatting; the spellings of contacts."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from campusgraph.validators import (
    format_snils,
    is_valid_email,
    is_valid_phone,
    is_valid_snils,
    is_valid_website,
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
