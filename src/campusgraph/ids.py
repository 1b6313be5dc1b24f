"""Global ids: ``base64("Type:pk")``. Shared by the schema and the resolvers that build
columnar payloads directly."""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from sqlalchemy import func

from campusgraph.arguments import MAX_INT64, InvalidArgument, shown

#: Longer than any id the service hands out ("TeachingAssignment:" and 19 digits).
MAX_LENGTH = 80
_DECODED = re.compile(r"([A-Z][A-Za-z]{0,39}):([0-9]{1,19})")


def to_global_id(type_name: str, pk: int) -> str:
    """The URL-safe base64 of ``Type:pk``, as ids have always been, without
    ``base64.urlsafe_b64encode``'s layers of calls and its translation of ``+`` and ``/``:
    a journal hands out some 700 ids per request (every mark's), and the wrappers were
    half their cost. The translation has nothing to do here: a base64 digit is 62 or 63
    only from a byte whose low six bits are ``>``, ``?``, ``~`` or DEL, and an id's text
    is letters, digits and one colon (tests/test_ids.py checks every case)."""
    return binascii.b2a_base64(f"{type_name}:{pk}".encode(), newline=False).decode()


def global_id_sql(type_name: str, key: Any) -> Any:
    """:func:`to_global_id` computed by PostgreSQL (``encode(…, 'base64')``), for rows built
    as JSON by the database (the journal's marks): the same text, whose line breaks every
    76 characters no id comes near (tests/db/test_global_id_sql.py compares the two)."""
    return func.encode(func.convert_to(func.concat(f"{type_name}:", key), "UTF8"), "base64")


def from_global_id(gid: str) -> tuple[str, int]:
    """The type and key of a global id. Anything else — too long, not base64, not
    ``Type:digits``, a key beyond 64 bits — raises :class:`InvalidArgument` (a
    ``ValueError``), before the key can reach the database and overflow there."""
    if not isinstance(gid, str) or not gid.isascii() or len(gid) > MAX_LENGTH:
        raise InvalidArgument("bad_id", value=shown(gid))
    try:
        raw = base64.b64decode(gid + "=" * (-len(gid) % 4), altchars=b"-_", validate=True)
        match = _DECODED.fullmatch(raw.decode("ascii"))
    except (binascii.Error, ValueError):
        match = None
    if match is None or int(match[2]) > MAX_INT64:
        raise InvalidArgument("bad_id", value=shown(gid))
    return match[1], int(match[2])
