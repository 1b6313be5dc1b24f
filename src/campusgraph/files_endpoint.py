"""``GET /files/<token>``: a file link fetched (see :mod:`campusgraph.reports.downloads`).

The answer is the file, or a JSON error ``{"error": {"code", "message"}}`` with the
status saying which refusal it was: 403 ``LINK_INVALID`` (not signed by this server, or
altered), 410 ``LINK_EXPIRED``, 401 (the session is unknown, signed out, revoked or
expired; the account disabled), 403 ``FORBIDDEN`` (the ruleset refuses ``export`` now),
404, 400 ``VALIDATION``, 504 ``TIMEOUT`` (the request time limit, as for GraphQL).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from campusgraph import portfolios  # noqa: F401  (registers the portfolio file kind)
from campusgraph.context import Context
from campusgraph.deadline import DEADLINE
from campusgraph.i18n import message, negotiate
from campusgraph.policies.engine import Forbidden
from campusgraph.policies.reasons import forbidden_text
from campusgraph.reports import file_kinds  # noqa: F401  (registers the kinds)
from campusgraph.reports.access import ReportNotFound
from campusgraph.reports.downloads import (
    BadLink,
    ExpiredLink,
    FileGone,
    FormatNotOffered,
    build_file,
    verify,
)
from campusgraph.reports.of import BadReportOf
from campusgraph.resolvers.auth import authenticate_session
from campusgraph.resolvers.journal import JournalNotFound
from campusgraph.settings import Settings

STATUS_OF_CODE = {"FORBIDDEN": 403, "NOT_FOUND": 404, "VALIDATION": 400, "UNAUTHENTICATED": 401}


def _error(status: int, code: str, text: str) -> Response:
    return JSONResponse(
        {"error": {"code": code, "message": text}},
        status_code=status,
        headers={"Cache-Control": "no-store"},
    )


def _language(request: Request, settings: Settings) -> str:
    return negotiate(request.headers.get("accept-language"), settings.language)


async def serve_file(request: Request, settings: Settings) -> Response:
    lang = _language(request, settings)
    try:
        link = verify(settings, request.path_params["token"])
    except BadLink:
        return _error(403, "LINK_INVALID", message("file_link_bad", lang))
    except ExpiredLink:
        return _error(410, "LINK_EXPIRED", message("file_link_expired", lang))
    state = request.app.state
    signed = await authenticate_session(state.factory, link.session_id, today=settings.today)
    if signed.viewer is None:
        found = signed.problem
        code = found.code if found is not None else "TOKEN_UNKNOWN"
        text = message("token_unknown", lang) if found is None else found.message_ru
        if found is not None and lang == "en":
            text = found.message_en
        return _error(401, code, text)
    ctx = Context(
        settings=settings,
        factory=state.factory,
        registry=state.registry,
        viewer=signed.viewer,
        ruleset_slug=signed.ruleset,
        request=_LinkRequest(link.language),
    )
    seconds = settings.request_timeout_seconds
    deadline = DEADLINE.set(time.monotonic() + seconds)
    try:
        async with asyncio.timeout(seconds):
            built = await build_file(ctx, link.kind, link.payload, link.format, source="link")
    except TimeoutError:
        text = message("request_timeout", lang, seconds=f"{seconds:g}")
        return _error(504, "TIMEOUT", text)
    except Forbidden as refused:
        return _error(403, "FORBIDDEN", forbidden_text(refused.decision, lang))
    except (ReportNotFound, JournalNotFound, FileGone):
        return _error(404, "NOT_FOUND", message("not_found", lang))
    except BadReportOf as exc:
        return _error(400, "VALIDATION", message(exc.key, lang))
    except FormatNotOffered:
        return _error(400, "VALIDATION", message("file_link_bad", lang))
    except GraphQLError as exc:  # ApiError from the report's access (level not offered …)
        code = str((exc.extensions or {}).get("code", "VALIDATION"))
        return _error(STATUS_OF_CODE.get(code, 400), code, exc.message)
    finally:
        DEADLINE.reset(deadline)
    return Response(
        built.content,
        media_type=built.content_type,
        headers={
            "Content-Disposition": built.disposition,
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


class _LinkRequest:
    """What :attr:`Context.language` reads: the language the link was asked in (the file's
    headers are written in it, whichever browser opens the link)."""

    def __init__(self, language: str) -> None:
        self.headers: dict[str, Any] = {"accept-language": language}
