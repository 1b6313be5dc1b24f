"""``campusgraph report``: a report's (or the journal's) file from the command line.

Whose rights: the command acts **as an account of the institution** (``--as LOGIN``), not
as an all-powerful operator — a report is the ruleset's to give, and an operator mode
would print what no role of the regulation may see. The command opens a session for that
account (marked ``campusgraph report (cli)``), decides ``export`` exactly as a file link
does, writes the same audit event (``"source": "cli"``), and revokes the session at the
end. An administrator who must print for someone else signs in as a role that may.

Rows are named as people name them: ``--group ИС-21`` (the current academic year's group
of that name), ``--discipline`` by code, name or short name, ``--period`` by name (the
current year's), ``--department`` by name; ``--student`` and ``--teacher`` take global ids
(as the API shows them). Any of them also takes a global id.

Exit codes: 0 written; 2 the command could not run (unknown report, institution, login or
row, bad dates, a format not offered); 3 refused by the ruleset. Failures are raised as
:class:`~campusgraph.cli.CommandError` and said in one line, in the run's language, by the
command's boundary.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
from pathlib import Path
from typing import Any

from graphql import GraphQLError
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from campusgraph.cli import REFUSED, USAGE, CommandError, parse_date
from campusgraph.context import Context
from campusgraph.db import models as m
from campusgraph.db.base import utcnow
from campusgraph.db.engine import create_engine, session_factory
from campusgraph.db.tenancy import unscoped
from campusgraph.i18n import message, plural
from campusgraph.ids import from_global_id
from campusgraph.policies.engine import Forbidden, PolicyRegistry
from campusgraph.policies.reasons import forbidden_text
from campusgraph.policies.ruleset import search_dirs
from campusgraph.reports import file_kinds
from campusgraph.reports.access import ReportNotFound
from campusgraph.reports.downloads import FormatNotOffered, build_file
from campusgraph.reports.files import FileFormat
from campusgraph.reports.of import BadReportOf, ReportOf
from campusgraph.reports.registry import REPORTS, ReportName
from campusgraph.resolvers.journal import JournalNotFound
from campusgraph.security import new_token, token_digest
from campusgraph.settings import Settings

JOURNAL = "journal"


def list_reports(lang: str) -> str:
    import campusgraph.reports.catalog  # noqa: F401  (fills REPORTS)

    lines = [f"{JOURNAL:<28} {message('cli_report_journal_title', lang)}"]
    for name in ReportName:
        spec = REPORTS.get(name)
        if spec is not None:
            printable = " (PDF)" if spec.printable else ""
            lines.append(f"{name.value:<28} {spec.title(lang)}{printable}")
    return "\n".join(lines)


def _date(value: str | dt.date | None) -> dt.date | None:
    """A date the parser already read (``cli.date_argument``), or one given as text."""
    if value is None or isinstance(value, dt.date):
        return value
    return parse_date(value)


def _global(value: str, type_name: str, option: str | None = None) -> int | None:
    """The key of a global id of ``type_name``; None for a name. A global id of another
    type is refused (``option`` named), never read as a key of this one."""
    try:
        kind, pk = from_global_id(value)
    except ValueError:
        return None
    if kind != type_name:
        raise CommandError(
            "cli_id_wrong_type", value=value, got=kind, expected=type_name, option=option or ""
        )
    return pk


class _Rows:
    """Finds the rows named on the command line within the one institution."""

    def __init__(self, session: AsyncSession, institution_id: int, slug: str, lang: str) -> None:
        self.session = session
        self.institution_id = institution_id
        self.slug = slug
        self.lang = lang

    def _missing(self, what: str, value: str) -> CommandError:
        return CommandError(f"cli_missing_{what}", value=value, slug=self.slug)

    async def _one(self, stmt: Any, what: str, value: str) -> int:
        found = (await self.session.execute(stmt)).all()
        if not found:
            raise self._missing(what, value)
        return int(found[0][0])

    async def current_year(self) -> int | None:
        y = m.AcademicYear
        stmt = select(y.id).where(y.institution_id == self.institution_id, y.is_current)
        found = (await self.session.execute(stmt)).scalars().first()
        return None if found is None else int(found)

    async def group(self, value: str) -> int:
        g = m.StudyGroup
        pk = _global(value, "Group", "--group")
        year = await self.current_year()
        stmt = select(g.id).where(g.institution_id == self.institution_id)
        stmt = stmt.where(g.id == pk) if pk is not None else stmt.where(g.name == value)
        stmt = stmt.order_by((g.academic_year_id == (year or -1)).desc(), g.id.desc())
        return await self._one(stmt, "group", value)

    async def discipline(self, value: str) -> int:
        d = m.Discipline
        pk = _global(value, "Discipline", "--discipline")
        stmt = select(d.id).where(d.institution_id == self.institution_id)
        if pk is not None:
            stmt = stmt.where(d.id == pk)
        else:
            stmt = stmt.where((d.code == value) | (d.name == value) | (d.short_name == value))
        return await self._one(stmt.order_by(d.id), "discipline", value)

    async def department(self, value: str) -> int:
        d = m.Department
        pk = _global(value, "Department", "--department")
        stmt = select(d.id).where(d.institution_id == self.institution_id)
        stmt = stmt.where(d.id == pk) if pk is not None else stmt.where(d.name == value)
        return await self._one(stmt.order_by(d.id), "department", value)

    async def period(self, value: str) -> int:
        p = m.Period
        pk = _global(value, "Period", "--period")
        year = await self.current_year()
        stmt = select(p.id).where(p.institution_id == self.institution_id)
        stmt = stmt.where(p.id == pk) if pk is not None else stmt.where(p.name == value)
        stmt = stmt.order_by((p.academic_year_id == (year or -1)).desc(), p.starts_on.desc())
        return await self._one(stmt, "period", value)

    async def by_global(self, value: str, type_name: str, what: str) -> int:
        pk = _global(value, type_name, f"--{what}")
        if pk is None:
            raise CommandError("cli_id_needed", value=value, option=f"--{what}", type=type_name)
        return pk


async def _institution(factory: async_sessionmaker[AsyncSession], slug: str) -> int | None:
    async with unscoped(factory) as session:
        found = await session.execute(select(m.Institution.id).where(m.Institution.slug == slug))
        pk = found.scalar_one_or_none()
        return None if pk is None else int(pk)


async def _open_session(
    factory: async_sessionmaker[AsyncSession], institution_id: int, login: str
) -> int | None:
    """A session of ``login`` for this run (the audit names it), or None: no such account."""
    u = m.UserAccount
    async with unscoped(factory) as session:
        account = (
            await session.execute(
                select(u).where(u.institution_id == institution_id, u.login == login)
            )
        ).scalar_one_or_none()
        if account is None:
            return None
        auth = m.AuthSession(
            user_id=account.id,
            token_hash=token_digest(new_token()),
            institution_id=institution_id,
            expires_at=utcnow() + dt.timedelta(hours=1),
            user_agent="campusgraph report (cli)",
        )
        session.add(auth)
        await session.commit()
        return int(auth.id)


async def _close_session(factory: async_sessionmaker[AsyncSession], session_id: int) -> None:
    async with unscoped(factory) as session:
        s = m.AuthSession
        await session.execute(update(s).where(s.id == session_id).values(revoked_at=utcnow()))
        await session.commit()


async def _payload(args: argparse.Namespace, rows: _Rows, lang: str) -> tuple[str, dict[str, Any]]:
    if args.name == JOURNAL:
        if not (args.group and args.discipline and args.period):
            raise CommandError("cli_journal_needs")
        return JOURNAL, file_kinds.journal_payload(
            await rows.group(args.group),
            await rows.discipline(args.discipline),
            await rows.period(args.period),
        )
    name = ReportName(args.name)
    of = ReportOf(
        institution_id=None,
        department_id=await rows.department(args.department) if args.department else None,
        group_id=await rows.group(args.group) if args.group else None,
        discipline_id=await rows.discipline(args.discipline) if args.discipline else None,
        teacher_id=(
            await rows.by_global(args.teacher, "Employee", "teacher") if args.teacher else None
        ),
        student_id=(
            await rows.by_global(args.student, "Student", "student") if args.student else None
        ),
        period_id=await rows.period(args.period) if args.period else None,
        date_from=_date(args.date_from),
        date_to=_date(args.date_to),
    )
    return "report", file_kinds.report_payload(name, of)


async def run_report(settings: Settings, args: argparse.Namespace, err: Console) -> int:
    import campusgraph.reports.catalog  # noqa: F401  (fills REPORTS)

    lang = getattr(args, "lang", None) or settings.language
    if args.name != JOURNAL and args.name not in {n.value for n in REPORTS}:
        raise CommandError("cli_report_unknown", name=args.name)
    if not args.institution or not args.login:
        raise CommandError("cli_report_needs_account")
    _date(args.date_from)
    _date(args.date_to)
    engine = create_engine(settings.database_url)
    factory = session_factory(engine)
    session_id: int | None = None
    try:
        institution_id = await _institution(factory, args.institution)
        if institution_id is None:
            raise CommandError("cli_institution_missing", slug=args.institution)
        session_id = await _open_session(factory, institution_id, args.login)
        if session_id is None:
            raise CommandError("cli_login_missing", slug=args.institution, login=args.login)
        from campusgraph.resolvers.auth import authenticate_session

        signed = await authenticate_session(factory, session_id, today=settings.today)
        if signed.viewer is None:
            problem = signed.problem
            reason = (
                ""
                if problem is None
                else (problem.message_en if lang == "en" else problem.message_ru)
            )
            raise CommandError("cli_refused", REFUSED, reason=reason)
        ctx = Context(
            settings=settings,
            factory=factory,
            registry=PolicyRegistry(search_dirs(settings.ruleset_dirs())),
            viewer=signed.viewer,
            ruleset_slug=signed.ruleset,
            request=_Language(lang),
        )
        columns = (TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
        with Progress(
            *columns, console=err, transient=True, disable=not err.is_terminal
        ) as progress:
            task = progress.add_task(message("cli_report_stage_find", lang), total=2)
            async with ctx.session() as session:
                rows = _Rows(session, institution_id, args.institution, lang)
                kind, payload = await _payload(args, rows, lang)
            progress.update(task, advance=1, description=message("cli_report_stage_build", lang))
            built = await build_file(ctx, kind, payload, FileFormat(args.format), source="cli")
            progress.update(task, advance=1)
    except Forbidden as refused:
        raise CommandError(
            "cli_refused", REFUSED, reason=forbidden_text(refused.decision, lang)
        ) from None
    except (ReportNotFound, JournalNotFound):
        raise CommandError("cli_report_not_found") from None
    except BadReportOf as exc:
        raise CommandError("cli_reason_only", reason=message(exc.key, lang)) from None
    except FormatNotOffered as exc:
        formats = ", ".join(sorted(f.value.upper() for f in exc.offered))
        raise CommandError(
            "cli_reason_only",
            reason=message(
                "file_format_not_offered", lang, format=args.format.upper(), formats=formats
            ),
        ) from None
    except GraphQLError as exc:  # the report's access said the API's way
        code = (exc.extensions or {}).get("code")
        raise CommandError(
            "cli_reason_only", REFUSED if code == "FORBIDDEN" else USAGE, reason=exc.message
        ) from None
    finally:
        if session_id is not None:
            await _close_session(factory, session_id)
        await engine.dispose()
    target = Path(args.output or built.filename)
    if str(target) == "-":
        sys.stdout.buffer.write(built.content)
        sys.stdout.buffer.flush()
        return 0
    await asyncio.to_thread(target.write_bytes, built.content)
    err.print(
        message(
            "cli_report_written", lang, path=target, rows=plural("count_rows", built.rows, lang)
        ),
        markup=False,
        highlight=False,
    )
    return 0


class _Language:
    def __init__(self, language: str) -> None:
        self.headers = {"accept-language": language}


def main(settings: Settings, args: argparse.Namespace) -> int:
    err = Console(stderr=True, soft_wrap=True)
    lang = getattr(args, "lang", None) or settings.language
    if args.list:
        print(list_reports(lang))
        return 0
    if not args.name:
        raise CommandError("cli_report_needs_name")
    return asyncio.run(run_report(settings, args, err))
