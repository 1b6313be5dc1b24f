"""Global ids: the shape clients have stored since the first release, and the round trip."""

from __future__ import annotations

import base64
import itertools
import string

from hypothesis import given
from hypothesis import strategies as st

from campusgraph.arguments import MAX_INT64
from campusgraph.ids import from_global_id, to_global_id

TYPE_NAMES = st.from_regex(r"[A-Z][A-Za-z]{0,39}", fullmatch=True)
KEYS = st.integers(min_value=0, max_value=MAX_INT64)


@given(TYPE_NAMES, KEYS)
def test_an_id_is_the_url_safe_base64_of_type_and_key(type_name: str, pk: int) -> None:
    # given any type and key, when encoded, then the text is what ids always were
    expected = base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode()
    assert to_global_id(type_name, pk) == expected


@given(TYPE_NAMES, KEYS)
def test_an_id_decodes_to_its_type_and_key(type_name: str, pk: int) -> None:
    assert from_global_id(to_global_id(type_name, pk)) == (type_name, pk)


def test_no_text_an_id_can_hold_needs_the_url_safe_alphabet() -> None:
    # given every three characters an id's text can hold, at each position base64 groups
    # them by (a base64 digit depends on at most two bytes: three cover every pairing)
    alphabet = string.ascii_letters + string.digits + ":"
    texts = ("".join(chars).encode() for chars in itertools.product(alphabet, repeat=3))

    # when encoded, then none needs "+" or "/": plain and URL-safe base64 agree
    unsafe = [text for text in texts if set(base64.b64encode(text)) & set(b"+/")]
    assert unsafe == []
    # (and the check can fail: a character outside the alphabet does need them)
    assert set(base64.b64encode(b"ab?")) & set(b"+/")
