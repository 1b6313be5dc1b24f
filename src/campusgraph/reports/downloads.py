"""Files of reports, the group journal and analytics tables, fetched by a short-lived link.

Why a link and not the file inside the GraphQL answer: a PDF in base64 is a third larger,
sits in the client's JSON cache and logs, and cannot be opened by the browser itself. The
query (``reportFile``, ``journalFile``, ``analyticsFile``) decides access, then answers
``/files/<token>``: the token is signed with the server's key (HMAC-SHA256,
``settings.file_link_secret``) and names the viewer's *session*, the kind, its arguments,
the format, the language and the expiry (``settings.file_link_ttl_seconds``). It carries
no right of its own: ``GET /files/<token>`` (:func:`serve`) checks the signature and the
expiry, loads the session the way a bearer token is loaded (signed out, revoked or expired
→ 401) and decides ``export`` again under the ruleset of that moment, then builds the
file and writes an audit event. So a link copied elsewhere is worth nothing once its
session ends, and a right withdrawn in between applies.

Kinds: ``report`` (payload: ``name`` + ``of``, :meth:`ReportOf.to_json`), ``journal``
(payload: group, discipline, period ids) and ``analytics`` (registered by the analytics
module with :func:`register_kind`) build a table and render it in the link's format;
``portfolio_file`` (registered by campusgraph.portfolios with :func:`register_stored_kind`)
is a file kept as uploaded: its link has no format, the fetch answers the stored bytes.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import datetime as dt
import hashlib
import hmac
import secrets
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import quote

import orjson

from campusgraph.context import Context
from campusgraph.reports.files import FileFormat, render
from campusgraph.reports.table import ReportTable
from campusgraph.settings import Settings

#: kind → build the table of a download, deciding ``export`` access itself (raise
#: Forbidden / ReportNotFound like the query does). Arguments: context, payload, language.
TableBuilder = Callable[[Context, Mapping[str, Any], str], Awaitable[ReportTable]]
KINDS: dict[str, TableBuilder] = {}
#: Decide access when the link is asked for (raise like the builder), so a viewer who may
#: not have the file gets FORBIDDEN from the query, not a link that fails.
AccessCheck = Callable[[Context, Mapping[str, Any]], Awaitable[None]]
#: The formats a payload of the kind may be downloaded in.
Formats = Callable[[Mapping[str, Any]], frozenset[FileFormat]]
#: The file's name without the extension (ASCII: it travels in a header).
Stem = Callable[[Mapping[str, Any]], str]

SPREADSHEETS = frozenset({FileFormat.XLSX, FileFormat.CSV})


@dataclasses.dataclass(frozen=True, slots=True)
class StoredFile:
    """A file kept as it was uploaded, as a stored kind's fetch answers it."""

    filename: str
    content_type: str
    content: bytes


#: kind → fetch the stored file of a download, deciding access itself (raise Forbidden, or
#: :class:`FileGone` when it is not there for this viewer). Arguments: context, payload.
StoredFetch = Callable[[Context, Mapping[str, Any]], Awaitable[StoredFile]]
STORED_KINDS: dict[str, StoredFetch] = {}


class FileGone(Exception):
    """The stored file is not there (deleted, or not this viewer's institution's): 404."""


@dataclasses.dataclass(frozen=True, slots=True)
class KindOptions:
    check: AccessCheck | None = None
    formats: Formats = lambda _payload: SPREADSHEETS
    stem: Stem | None = None


OPTIONS: dict[str, KindOptions] = {}


def register_kind(
    kind: str,
    build: TableBuilder,
    *,
    check: AccessCheck | None = None,
    formats: Formats | None = None,
    stem: Stem | None = None,
) -> None:
    """Declare a download kind. Without ``formats`` it offers XLSX and CSV (no PDF)."""
    if kind in KINDS:
        raise ValueError(f"download kind {kind} registered twice")
    KINDS[kind] = build
    OPTIONS[kind] = KindOptions(
        check=check, formats=formats or (lambda _p: SPREADSHEETS), stem=stem
    )


def register_stored_kind(kind: str, fetch: StoredFetch, *, check: AccessCheck) -> None:
    """Declare a kind of stored files (served as uploaded, no format): ``check`` decides
    access when the link is asked for, ``fetch`` again when it is fetched."""
    if kind in KINDS or kind in STORED_KINDS:
        raise ValueError(f"download kind {kind} registered twice")
    STORED_KINDS[kind] = fetch
    OPTIONS[kind] = KindOptions(check=check, formats=lambda _p: frozenset())


class FormatNotOffered(ValueError):
    """The kind's payload is not offered in that format (a PDF of a non-printable report)."""

    def __init__(self, offered: frozenset[FileFormat]) -> None:
        super().__init__("format not offered")
        self.offered = offered


@dataclasses.dataclass(frozen=True, slots=True)
class IssuedFile:
    """What ``reportFile`` and its kin answer."""

    url: str
    filename: str
    content_type: str
    expires_at: dt.datetime


@dataclasses.dataclass(frozen=True, slots=True)
class Link:
    """A verified token's contents."""

    session_id: int
    kind: str
    payload: dict[str, Any]
    #: None for a stored kind's file (served as it was uploaded).
    format: FileFormat | None
    language: str
    expires: float


class BadLink(Exception):
    """The token is not one this server signed (or was altered): 403."""


class ExpiredLink(Exception):
    """A genuine token past its expiry: 410."""


# -- the token --------------------------------------------------------------------------

_PROCESS_SECRET = secrets.token_bytes(32)
#: The clock links are issued and checked by (a module attribute, so a test can move it).
now: Callable[[], float] = time.time


def _secret(settings: Settings) -> bytes:
    if settings.file_link_secret is not None:
        return settings.file_link_secret.get_secret_value().encode()
    return _PROCESS_SECRET


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(settings: Settings, body: str) -> str:
    return _b64(hmac.new(_secret(settings), body.encode("ascii"), hashlib.sha256).digest())


def sign(settings: Settings, link: Link) -> str:
    body = _b64(
        orjson.dumps(
            {
                "s": link.session_id,
                "k": link.kind,
                "p": link.payload,
                "f": None if link.format is None else link.format.value,
                "l": link.language,
                "e": link.expires,
            },
            option=orjson.OPT_SORT_KEYS,
        )
    )
    return f"{body}.{_signature(settings, body)}"


def verify(settings: Settings, token: str) -> Link:
    """The link's contents, or :class:`BadLink` / :class:`ExpiredLink`. The signature is
    checked first and in constant time: nothing in an unsigned token is even parsed."""
    body, dot, signature = token.partition(".")
    if not dot or not hmac.compare_digest(signature, _signature(settings, body)):
        raise BadLink
    try:
        data = orjson.loads(_unb64(body))
        link = Link(
            session_id=int(data["s"]),
            kind=str(data["k"]),
            payload=dict(data["p"]),
            format=None if data["f"] is None else FileFormat(data["f"]),
            language="en" if data["l"] == "en" else "ru",
            expires=float(data["e"]),
        )
    except (ValueError, KeyError, TypeError):
        raise BadLink from None
    if link.kind not in KINDS and link.kind not in STORED_KINDS:
        raise BadLink
    if (link.format is None) != (link.kind in STORED_KINDS):
        raise BadLink
    if now() >= link.expires:
        raise ExpiredLink
    return link


def filename(kind: str, payload: Mapping[str, Any], fmt: FileFormat) -> str:
    stem_of = OPTIONS[kind].stem
    stem = stem_of(payload) if stem_of is not None else kind
    return f"{stem}.{fmt.value}"


def offered(kind: str, payload: Mapping[str, Any]) -> frozenset[FileFormat]:
    return OPTIONS[kind].formats(payload)


async def issue_download(
    ctx: Context, kind: str, payload: dict[str, Any], fmt: FileFormat
) -> IssuedFile:
    """A link to the file of ``kind`` × ``payload`` in ``fmt`` for the viewer's session,
    access decided now (raises what the kind's check raises) and again when it is fetched.
    Raises :class:`FormatNotOffered` for a format the payload does not come in."""
    viewer = ctx.viewer
    assert viewer is not None
    if viewer.session_id is None:
        raise ValueError("a file link names a session; this viewer has none")
    if kind not in KINDS:
        raise ValueError(f"no download kind {kind!r}")
    formats = offered(kind, payload)
    if fmt not in formats:
        raise FormatNotOffered(formats)
    check = OPTIONS[kind].check
    if check is not None:
        await check(ctx, payload)
    expires = now() + ctx.settings.file_link_ttl_seconds
    link = Link(viewer.session_id, kind, payload, fmt, ctx.language, expires)
    return IssuedFile(
        url=f"/files/{sign(ctx.settings, link)}",
        filename=filename(kind, payload, fmt),
        content_type=fmt.content_type,
        expires_at=dt.datetime.fromtimestamp(expires, dt.UTC),
    )


async def issue_stored_download(
    ctx: Context, kind: str, payload: dict[str, Any], name: str, content_type: str
) -> IssuedFile:
    """A link to a stored file of ``kind`` (see :func:`issue_download`): access decided
    now by the kind's check and again when it is fetched."""
    viewer = ctx.viewer
    assert viewer is not None
    if viewer.session_id is None:
        raise ValueError("a file link names a session; this viewer has none")
    if kind not in STORED_KINDS:
        raise ValueError(f"no stored download kind {kind!r}")
    check = OPTIONS[kind].check
    assert check is not None
    await check(ctx, payload)
    expires = now() + ctx.settings.file_link_ttl_seconds
    link = Link(viewer.session_id, kind, payload, None, ctx.language, expires)
    return IssuedFile(
        url=f"/files/{sign(ctx.settings, link)}",
        filename=name,
        content_type=content_type,
        expires_at=dt.datetime.fromtimestamp(expires, dt.UTC),
    )


@dataclasses.dataclass(frozen=True, slots=True)
class BuiltFile:
    filename: str
    content_type: str
    content: bytes
    rows: int

    @property
    def disposition(self) -> str:
        """``attachment`` with the name twice: plain ASCII, and RFC 5987 for any client."""
        plain = self.filename.encode("ascii", "replace").decode().replace('"', "")
        return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(self.filename)}"


async def build_file(
    ctx: Context,
    kind: str,
    payload: Mapping[str, Any],
    fmt: FileFormat | None,
    *,
    source: str,
) -> BuiltFile:
    """The file, ``export`` decided by the kind's builder, and the export audited (who, which
    file, how many rows, from where: ``link`` or ``cli``). A stored kind's file (``fmt``
    None) is fetched by its kind, which decides access, and its download audited."""
    from campusgraph.resolvers.audit import record

    viewer = ctx.viewer
    assert viewer is not None
    if kind in STORED_KINDS:
        stored = await STORED_KINDS[kind](ctx, payload)
        async with ctx.session(write=True) as session:
            await record(
                session,
                viewer=viewer,
                action="download",
                object_type=kind,
                object_id=None,
                institution_id=viewer.institution_id,
                after={"kind": kind, "payload": dict(payload), "source": source},
            )
            await session.commit()
        return BuiltFile(stored.filename, stored.content_type, stored.content, 0)
    if fmt is None:
        raise FormatNotOffered(offered(kind, payload))
    if fmt not in offered(kind, payload):
        raise FormatNotOffered(offered(kind, payload))
    table = await KINDS[kind](ctx, payload, ctx.language)
    content = await asyncio.to_thread(render, table, fmt, ctx.language)
    async with ctx.session(write=True) as session:
        await record(
            session,
            viewer=viewer,
            action="export",
            object_type=kind,
            object_id=None,
            institution_id=viewer.institution_id,
            after={
                "kind": kind,
                "payload": dict(payload),
                "format": fmt.value,
                "rows": len(table.rows),
                "source": source,
            },
        )
        await session.commit()
    return BuiltFile(filename(kind, payload, fmt), fmt.content_type, content, len(table.rows))
