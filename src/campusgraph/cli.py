"""The ``campusgraph`` command.

One error boundary (:func:`main`) answers every failure the user can fix — a bad argument,
an unusable database URL, an unreachable server, a busy port, a missing file — with one
line on stderr in the run's language, ``campusgraph: <what went wrong>. <what to do
next>``, and exit status 2; a traceback helps nobody who mistyped a URL. A failure nobody
foresaw is a bug: it still gets one line (exit status 70), and ``CAMPUSGRAPH_DEBUG=1``
adds the traceback for the report.

One language per run (:func:`run_language`): ``--lang`` > ``CAMPUSGRAPH_LANGUAGE`` > the
POSIX locale (``LC_ALL``, ``LC_MESSAGES``, ``LANG``) > Russian. Every line the command
prints comes from the gettext catalogs in that language; argparse's own help text
(``usage:``, ``options:``) stays English, its error messages are translated.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import errno
import os
import re
import socket
import sys
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, cast

from campusgraph.extras import MissingExtra
from campusgraph.i18n import DEFAULT_LANGUAGE, LANGUAGES, message

if TYPE_CHECKING:
    from sqlalchemy import exc as sa_exc

    from campusgraph.settings import Settings

PROG = "campusgraph"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000

#: Exit statuses: done; a check failed (lint, golden cases, bad rows, schema drift); bad
#: input or usage; refused by the ruleset (``report``); a bug; interrupted (128 + SIGINT).
OK, FAILED, USAGE, REFUSED, SOFTWARE, INTERRUPTED = 0, 1, 2, 3, 70, 130

#: Set to show the traceback beside the one line (for a bug report).
DEBUG_VARIABLE = "CAMPUSGRAPH_DEBUG"


# -- errors ---------------------------------------------------------------------------------


class Phrase:
    """A piece of a message rendered in the run's language (a reason inside a sentence)."""

    def __init__(self, key: str, **fields: object) -> None:
        self.key = key
        self.fields = fields

    def text(self, lang: str) -> str:
        return message(self.key, lang, **_rendered(self.fields, lang))


class CommandError(Exception):
    """A failure the user can fix: the catalog message ``key`` (what went wrong and what
    to do next) with its ``fields``, said in one line; the run exits with ``code``."""

    def __init__(self, key: str, code: int = USAGE, **fields: object) -> None:
        super().__init__(key, fields)
        self.key = key
        self.code = code
        self.fields = fields

    def text(self, lang: str) -> str:
        return message(self.key, lang, **_rendered(self.fields, lang))


def _rendered(fields: Mapping[str, object], lang: str) -> dict[str, object]:
    return {k: v.text(lang) if isinstance(v, Phrase) else v for k, v in fields.items()}


def _one_line(text: str) -> str:
    return " ".join(text.split())


def say_error(text: str) -> None:
    print(f"{PROG}: {_one_line(text)}", file=sys.stderr, flush=True)


#: errno → the catalog's words for it (the OS's strerror is English whatever the run's language).
_ERRNO_KEYS = {
    errno.ENOENT: "cli_errno_enoent",
    errno.EACCES: "cli_errno_eacces",
    errno.EPERM: "cli_errno_eacces",
    errno.EISDIR: "cli_errno_eisdir",
    errno.ENOTDIR: "cli_errno_enotdir",
    errno.ENOSPC: "cli_errno_enospc",
    errno.EROFS: "cli_errno_erofs",
    errno.ECONNREFUSED: "cli_errno_econnrefused",
    errno.EHOSTUNREACH: "cli_errno_ehostunreach",
    errno.ENETUNREACH: "cli_errno_ehostunreach",
    errno.ETIMEDOUT: "cli_errno_etimedout",
    errno.EADDRINUSE: "cli_errno_eaddrinuse",
    errno.EADDRNOTAVAIL: "cli_errno_eaddrnotavail",
}


def os_reason(error: BaseException) -> Phrase:
    """Why an operating-system call failed, in the catalog's words where it has them."""
    if isinstance(error, socket.gaierror):
        return Phrase("cli_errno_host_unknown")
    if isinstance(error, TimeoutError):
        return Phrase("cli_errno_etimedout")
    key = _ERRNO_KEYS.get(getattr(error, "errno", None) or -1)
    if key is not None:
        return Phrase(key)
    return Phrase(
        "cli_reason", reason=getattr(error, "strerror", None) or str(error) or repr(error)
    )


def _chain(error: BaseException) -> Iterator[BaseException]:
    """The error and the ones it was raised from or while handling (a wrapped driver error)."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url


def known_failure(error: BaseException, settings_url: str | None) -> CommandError | None:
    """The user-fixable failure an exception means, or None: a bug.

    Walks the chain, so a refused connection raised inside Alembic inside ``asyncio.run``
    is still a refused connection."""
    # Classes of modules the run imported: a module never imported raised nothing, and
    # importing Alembic only to rule it out costs the one-line answer most of a second.
    unavailable = _loaded("campusgraph.db.outage", "DatabaseUnavailable")
    validation = _loaded("pydantic", "ValidationError")
    unknown_revision = _loaded("campusgraph.db.migrate", "UnknownRevision")
    alembic_error = _loaded("alembic.util", "CommandError")
    url_error = _loaded("sqlalchemy.exc", "ArgumentError", "NoSuchModuleError")
    dbapi_error = _loaded("sqlalchemy.exc", "DBAPIError")
    invalid_argument = _loaded("campusgraph.arguments", "InvalidArgument")

    url = _safe_url(settings_url) if settings_url else "?"
    for cause in _chain(error):
        if isinstance(cause, CommandError):
            return cause
        if isinstance(cause, unavailable):
            inner = cause.__cause__ or cause
            return CommandError("cli_db_unreachable", url=url, reason=_db_reason(inner))
        if isinstance(cause, validation):
            return _settings_failure(cause)
        if isinstance(cause, unknown_revision):
            return CommandError(
                "cli_db_no_revision",
                revision=getattr(cause, "revision", ""),
                known=", ".join(getattr(cause, "known", ())),
            )
        if isinstance(cause, alembic_error):
            return CommandError("cli_db_migration", reason=str(cause))
        if isinstance(cause, url_error):
            return CommandError("cli_db_url_bad", url=url)
        if isinstance(cause, dbapi_error):
            cause = cast("sa_exc.DBAPIError", cause)
            text = str(cause.orig).lower()
            if "unable to open database file" in text:
                return CommandError("cli_db_open", url=url)
            if "no such table" in text or ("does not exist" in text and "relation" in text):
                return CommandError("cli_db_not_migrated", url=url)
            from campusgraph.db.outage import is_unavailable

            if cause.connection_invalidated:
                return CommandError(
                    "cli_db_unreachable", url=url, reason=_db_reason(cause.orig or cause)
                )
            if is_unavailable(cause):  # locked by another process, disk full, a restart
                return CommandError("cli_db_busy", url=url, reason=_db_reason(cause.orig or cause))
        if isinstance(cause, invalid_argument):
            key, params = getattr(cause, "key", ""), getattr(cause, "params", {})
            return CommandError("cli_reason_only", reason=Phrase(key, **params))
        if isinstance(cause, OSError) and cause.filename is not None:
            return CommandError("cli_file", path=cause.filename, reason=os_reason(cause))
    return None


def _loaded(module: str, *names: str) -> tuple[type, ...]:
    """The named classes of ``module`` if the run imported it, else none (``isinstance``
    of an empty tuple is False)."""
    found = sys.modules.get(module)
    return tuple(getattr(found, name) for name in names) if found is not None else ()


def _db_reason(error: BaseException) -> Phrase:
    name = type(error).__name__
    if name in ("InvalidPasswordError", "InvalidAuthorizationSpecificationError"):
        return Phrase("cli_db_reason_auth")
    if name == "InvalidCatalogNameError":
        return Phrase("cli_db_reason_no_database")
    if "locked" in str(error) or "busy" in str(error):  # SQLite's BUSY / LOCKED
        return Phrase("cli_db_reason_locked")
    if isinstance(error, OSError):
        return os_reason(error)
    return Phrase("cli_reason", reason=_one_line(str(error)) or name)


def _settings_failure(error: Any) -> CommandError:
    """A setting's bad value, named by its environment variable; the values it may take
    when they are few (a ``Literal``), else pydantic's (English) words for the problem."""
    import typing

    from campusgraph.settings import Settings

    first = error.errors()[0]
    field = str(first["loc"][0]) if first.get("loc") else "?"
    variable = f"CAMPUSGRAPH_{field.upper()}"
    reason: object = Phrase("cli_reason", reason=first.get("msg", ""))
    info = Settings.model_fields.get(field)
    if info is not None and typing.get_origin(info.annotation) is typing.Literal:
        choices = ", ".join(str(c) for c in typing.get_args(info.annotation))
        reason = Phrase("cli_setting_one_of", choices=choices)
    return CommandError(
        "cli_setting_bad",
        variable=variable,
        value=os.environ.get(variable, first.get("input", "")),
        reason=reason,
    )


# -- the language of the run ----------------------------------------------------------------


def _language_code(value: str) -> str:
    """``en_US.UTF-8`` → ``en``; ``C`` → ``c`` (no language)."""
    return re.split(r"[_.@-]", value.strip(), maxsplit=1)[0].lower()


def run_language(argv: Sequence[str], environ: Mapping[str, str] | None = None) -> str:
    """``--lang`` (anywhere on the line) > ``CAMPUSGRAPH_LANGUAGE`` > the POSIX locale of
    messages (the first of ``LC_ALL``, ``LC_MESSAGES``, ``LANG`` that is set) > Russian.

    Decided before the arguments are parsed, so argparse's own errors are in it too."""
    env = os.environ if environ is None else environ
    for index, arg in enumerate(argv):
        if arg == "--":
            break
        value = None
        if arg == "--lang" and index + 1 < len(argv):
            value = argv[index + 1]
        elif arg.startswith("--lang="):
            value = arg.partition("=")[2]
        if value in LANGUAGES:
            return value
    configured = env.get("CAMPUSGRAPH_LANGUAGE", "").strip().lower()
    if configured in LANGUAGES:
        return configured
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(variable, "")
        if value:
            code = _language_code(value)
            return code if code in LANGUAGES else DEFAULT_LANGUAGE
    return DEFAULT_LANGUAGE


#: argparse's own error messages (it passes each through ``gettext``) → catalog keys.
_ARGPARSE_MESSAGES = {
    "argument %(argument_name)s: %(message)s": "cli_argparse_argument",
    "invalid choice: %(value)r (choose from %(choices)s)": "cli_argparse_choice",
    "the following arguments are required: %s": "cli_argparse_required",
    "unrecognized arguments: %s": "cli_argparse_unrecognized",
    "expected one argument": "cli_argparse_expected_one",
    "expected at least one argument": "cli_argparse_expected_some",
    "expected at most one argument": "cli_argparse_expected_at_most_one",
    "invalid %(type)s value: %(value)r": "cli_argparse_invalid_value",
    "ambiguous option: %(option)s could match %(matches)s": "cli_argparse_ambiguous",
    "ignored explicit argument %r": "cli_argparse_ignored",
    "one of the arguments %s is required": "cli_argparse_one_of",
    "not allowed with argument %s": "cli_argparse_not_allowed",
}


@contextmanager
def _argparse_in(lang: str) -> Iterator[None]:
    """argparse calls ``gettext`` on its messages from the module's global ``_``, which
    reads compiled ``.mo`` files; the catalogs here are compiled in memory, so the global
    is pointed at them for the parse (and restored)."""
    original = argparse._  # type: ignore[attr-defined]

    def translate(text: str) -> str:
        key = _ARGPARSE_MESSAGES.get(text)
        return message(key, lang) if key is not None else str(original(text))

    argparse._ = translate  # type: ignore[attr-defined]
    try:
        yield
    finally:
        argparse._ = original  # type: ignore[attr-defined]


class Parser(argparse.ArgumentParser):
    """An argument error is one line of the boundary, naming the ``--help`` to read."""

    def error(self, message: str) -> NoReturn:
        raise CommandError("cli_usage", problem=message, help=f"{self.prog} --help")


# -- argument types: bad values are refused while parsing, in the run's language -----------


def positive_int(lang: str) -> Callable[[str], int]:
    def convert(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = 0
        if value < 1:
            raise argparse.ArgumentTypeError(message("cli_not_positive", lang, value=text))
        return value

    convert.__name__ = "positive_int"
    return convert


def any_int(lang: str) -> Callable[[str], int]:
    def convert(text: str) -> int:
        try:
            return int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(message("cli_not_int", lang, value=text)) from None

    return convert


def port_number(lang: str) -> Callable[[str], int]:
    def convert(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = 0
        if not 1 <= value <= 65535:
            raise argparse.ArgumentTypeError(message("cli_bad_port", lang, value=text))
        return value

    return convert


_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_RUSSIAN = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")


def parse_date(text: str) -> dt.date:
    """``YYYY-MM-DD`` or ``DD.MM.YYYY``. A value of that shape naming no day of the
    calendar (``31.02.2010``) is said to be so, not to be of the wrong shape."""
    iso, russian = _ISO.fullmatch(text.strip()), _RUSSIAN.fullmatch(text.strip())
    if iso:
        year, month, day = (int(x) for x in iso.groups())
    elif russian:
        day, month, year = (int(x) for x in russian.groups())
    else:
        raise CommandError("cli_date_shape", value=text)
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise CommandError("cli_date_not_exist", value=text) from None


def date_argument(lang: str) -> Callable[[str], dt.date]:
    def convert(text: str) -> dt.date:
        try:
            return parse_date(text)
        except CommandError as error:
            raise argparse.ArgumentTypeError(error.text(lang)) from None

    return convert


def global_id_or_key(lang: str) -> Callable[[str], str]:
    """A global id as the API shows it, or a row's number (accounts have no global id)."""
    from campusgraph.ids import from_global_id

    def convert(text: str) -> str:
        if text.isdigit() and int(text) > 0:
            return text
        try:
            from_global_id(text)
        except ValueError:
            raise argparse.ArgumentTypeError(message("cli_bad_id", lang, value=text)) from None
        return text

    return convert


# -- settings and the database --------------------------------------------------------------


def load_settings(**overrides: Any) -> Settings:
    from pydantic import ValidationError

    from campusgraph.settings import Settings

    try:
        return Settings(**overrides)
    except ValidationError as error:
        raise _settings_failure(error) from None


def check_database_url(url: str) -> None:
    """Refuse a URL no engine of ours can use before anything connects, naming the fix."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        raise CommandError("cli_db_url_bad", url=url) from None
    backend, driver = parsed.get_backend_name(), parsed.get_driver_name()
    shown = _safe_url(url)
    if backend == "sqlite":
        if driver != "aiosqlite":
            raise CommandError("cli_db_url_driver", url=shown, example="sqlite+aiosqlite:///")
        database = parsed.database or ""
        memory = database in ("", ":memory:") or parsed.query.get("mode") == "memory"
        if memory or database.startswith("file:"):
            if memory:
                raise CommandError("cli_db_url_no_file", url=shown)
            return
        path = Path(database).expanduser()
        if path.is_dir():
            raise CommandError("cli_db_path_is_folder", path=path)
        folder = path.parent
        if not folder.is_dir():
            raise CommandError("cli_db_folder_missing", folder=folder, url=shown)
        return
    if backend == "postgresql":
        if driver != "asyncpg":
            raise CommandError(
                "cli_db_url_driver", url=shown, example="postgresql+asyncpg://user:password@host/db"
            )
        return
    raise CommandError("cli_db_url_unsupported", url=shown, backend=backend)


def database_settings(**overrides: Any) -> Settings:
    settings = load_settings(**overrides)
    check_database_url(settings.database_url)
    return settings


# -- serving --------------------------------------------------------------------------------


def bind(host: str, port: int) -> socket.socket:
    """The listening socket, bound before anything is printed or served: a taken port is
    one line naming it and a free one to try, not uvicorn's ``[Errno 98]`` after a URL."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror:
        raise CommandError("cli_host_unknown", host=host) from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRINUSE:
            raise CommandError(
                "cli_port_taken", host=host, port=port, other=_free_port(host, port)
            ) from None
        raise CommandError(
            "cli_cannot_listen", host=host, port=port, reason=os_reason(error)
        ) from None
    sock.set_inheritable(True)
    return sock


def _free_port(host: str, port: int) -> int:
    """The next port above ``port`` that binds now (a suggestion, not a promise)."""
    for candidate in range(port + 1, min(port + 100, 65535)):
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            try:
                probe.bind((host, candidate))
            except OSError:
                continue
            return candidate
    return port + 1


def _serve(settings: Settings, host: str, port: int, lang: str, workers: int = 1) -> None:
    """One process, or ``workers`` processes sharing the port (campusgraph/workers.py).
    Logging is configured here and, through ``log_config``, in every worker."""
    import uvicorn

    from campusgraph.app import create_app
    from campusgraph.observability import logs, tracing

    log_config = logs.configure(settings)
    sock = bind(host, port)
    url = f"http://{host}:{port}/graphql"
    listening = message("cli_listening", lang, url=url, db=_safe_url(settings.database_url))
    if workers > 1:
        from campusgraph import workers as multiprocess

        print(f"{PROG}: {listening}", flush=True)
        multiprocess.serve(workers, host, port, log_config, sock)
        return
    tracing.configure(settings)

    class Server(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets=sockets)
            if self.started:  # listening now: the address works
                print(f"{PROG}: {listening}", flush=True)

    # proxy_headers=False: uvicorn would otherwise take X-Forwarded-For from any loopback
    # peer as the client's address; who is a proxy is CAMPUSGRAPH_TRUSTED_PROXIES' to say
    # (resolvers/throttle.py client_address), or a local process could spread sign-in
    # guesses over invented addresses.
    config = uvicorn.Config(create_app(settings), log_config=log_config, proxy_headers=False)
    try:
        Server(config).run(sockets=[sock])
    except KeyboardInterrupt:  # Ctrl-C is how a server is stopped: uvicorn re-raises it
        print(f"{PROG}: " + message("cli_stopped", lang), flush=True)


# -- migrations -----------------------------------------------------------------------------


def _revision_phrase(revision: str | None) -> Phrase:
    if revision is None:
        return Phrase("cli_db_revision_none")
    return Phrase("cli_db_revision", revision=revision)


def _migrate(
    settings: Settings, lang: str, revision: str = "head", *, quiet_if_current: bool
) -> None:
    """Upgrade and say from which revision to which (nothing when there was nothing to do
    and ``quiet_if_current``)."""
    from campusgraph.db import migrate

    migrate.check_revision(settings.database_url, revision)
    before = migrate.current(settings.database_url)
    migrate.upgrade(settings.database_url, revision)
    after = migrate.current(settings.database_url)
    if before == after:
        if not quiet_if_current:
            _say(lang, "cli_db_current", revision=_revision_phrase(after))
        return
    _say(lang, "cli_db_upgraded", old=_revision_phrase(before), new=_revision_phrase(after))


def _say(lang: str, key: str, **fields: object) -> None:
    print(f"{PROG}: " + message(key, lang, **_rendered(fields, lang)), flush=True)


# -- commands -------------------------------------------------------------------------------


async def _seed_demo(settings: Settings, lang: str) -> None:
    from campusgraph.db.demo import seed_demo
    from campusgraph.db.engine import create_engine, session_factory

    engine = create_engine(settings.database_url)
    try:
        summary = await seed_demo(session_factory(engine), progress=True, language=lang)
    finally:
        await engine.dispose()
    print(summary.render(lang), flush=True)


def cmd_demo(args: argparse.Namespace) -> int:
    settings = database_settings(mode="demo")
    bind(args.host, args.port).close()  # a taken port is said before minutes of seeding
    _migrate(settings, args.lang, quiet_if_current=True)
    asyncio.run(_seed_demo(settings, args.lang))
    _serve(settings, args.host, args.port, args.lang)
    return OK


def cmd_serve(args: argparse.Namespace) -> int:
    settings = database_settings()
    if args.workers > 1 and settings.is_sqlite:
        raise CommandError("cli_workers_sqlite")
    bind(args.host, args.port).close()  # before migrating: say a taken port at once
    _migrate(settings, args.lang, quiet_if_current=True)
    _serve(settings, args.host, args.port, args.lang, args.workers)
    return OK


def cmd_db(args: argparse.Namespace) -> int:
    settings = database_settings()  # before importing Alembic: a bad URL is said at once
    from campusgraph.db import migrate

    if args.action == "upgrade":
        _migrate(settings, args.lang, args.revision or "head", quiet_if_current=False)
    elif args.action == "downgrade":
        revision = args.revision or "-1"
        migrate.check_revision(settings.database_url, revision)
        before = migrate.current(settings.database_url)
        migrate.downgrade(settings.database_url, revision)
        after = migrate.current(settings.database_url)
        _say(
            args.lang,
            "cli_db_downgraded",
            old=_revision_phrase(before),
            new=_revision_phrase(after),
        )
    return OK


def cmd_schema(args: argparse.Namespace) -> int:
    from campusgraph.schema.root import SCHEMA_FILE, sdl

    text = sdl()
    if args.check:
        current = SCHEMA_FILE.read_text(encoding="utf-8") if SCHEMA_FILE.exists() else ""
        if current != text:
            print(
                f"{PROG}: " + message("cli_schema_stale", args.lang, path=SCHEMA_FILE),
                file=sys.stderr,
            )
            return FAILED
        print(message("cli_schema_current", args.lang, path=SCHEMA_FILE))
        return OK
    if args.target == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return OK
    target = Path(args.target) if args.target else SCHEMA_FILE
    target.write_text(text, encoding="utf-8")
    print(message("cli_file_written", args.lang, path=target))
    return OK


def _dirs(settings: Settings) -> list[Path]:
    from campusgraph.policies.ruleset import search_dirs

    return search_dirs(settings.ruleset_dirs())


def cmd_policy(args: argparse.Namespace) -> int:
    from campusgraph.policies import commands

    needs_db = args.policy_command == "explain"
    settings = database_settings() if needs_db else load_settings()
    return commands.run(args, _dirs(settings), settings)


def cmd_import(args: argparse.Namespace) -> int:
    """Import a list as the operator (no roles; the checks, the tenant and the audit apply)."""
    from campusgraph.exchange.command import run_import
    from campusgraph.exchange.lists import ListKind

    return asyncio.run(
        run_import(
            database_settings(),
            ListKind(args.kind),
            Path(args.file),
            args.institution,
            dry_run=args.dry_run,
            lang=args.lang,
        )
    )


def cmd_export(args: argparse.Namespace) -> int:
    from campusgraph.exchange.command import run_export
    from campusgraph.exchange.formats import FileFormat
    from campusgraph.exchange.lists import ListKind

    return asyncio.run(
        run_export(
            database_settings(),
            ListKind(args.kind),
            args.institution,
            FileFormat(args.format),
            args.output,
            lang=args.lang,
        )
    )


def cmd_report(args: argparse.Namespace) -> int:
    """A report's or the journal's file, as an account of the institution (--as)."""
    from campusgraph.reports import command

    return command.main(load_settings() if args.list else database_settings(), args)


def cmd_seed(args: argparse.Namespace) -> int:
    """Migrate, then generate a region of institutions (load tests and benchmarks)."""
    from campusgraph.db.engine import create_engine, session_factory
    from campusgraph.db.region_seed import RegionExists, seed_region

    settings = database_settings()
    _migrate(settings, args.lang, quiet_if_current=True)
    today = args.today or settings.current_date()

    async def run() -> int:
        engine = create_engine(settings.database_url)
        try:
            summary = await seed_region(
                session_factory(engine),
                institutions=args.institutions,
                students=args.students,
                seed=args.seed,
                today=today,
                region=args.region,
                progress=True,
                language=args.lang,
            )
        except RegionExists:
            raise CommandError("cli_region_exists", region=args.region) from None
        finally:
            await engine.dispose()
        print(summary.render(args.lang), flush=True)
        return OK

    return asyncio.run(run())


def cmd_documents(args: argparse.Namespace) -> int:
    """The trusted-documents manifest (CAMPUSGRAPH_TRUSTED_DOCUMENTS) of the folders given."""
    from campusgraph.trusted_documents import ManifestError, manifest

    for path in args.paths:
        if not Path(path).exists():
            raise CommandError("cli_file", path=path, reason=Phrase("cli_errno_enoent"))
    try:
        text = manifest(Path(p) for p in args.paths)
    except ManifestError as error:
        raise CommandError("cli_manifest", reason=error.text(args.lang)) from None
    if args.output in (None, "-"):
        sys.stdout.write(text)
    else:
        Path(args.output).write_text(text, encoding="utf-8")
    return OK


def cmd_config(args: argparse.Namespace) -> int:
    """The configuration reference (docs/CONFIGURATION.md), rendered from the settings."""
    from campusgraph.config_reference import render

    text = render()
    if args.output in (None, "-"):
        sys.stdout.write(text)
    else:
        Path(args.output).write_text(text, encoding="utf-8")
        print(message("cli_file_written", args.lang, path=args.output))
    return OK


# -- the parser -----------------------------------------------------------------------------


def _language_option(p: argparse.ArgumentParser, help: str) -> None:
    # SUPPRESS: a subcommand's --lang, when not given, leaves the global one standing.
    p.add_argument("--lang", choices=list(LANGUAGES), default=argparse.SUPPRESS, help=help)


def _report_arguments(p: argparse.ArgumentParser, lang: str) -> None:
    p.add_argument("name", nargs="?", help="the report (see --list), or 'journal'")
    p.add_argument("--list", action="store_true", help="list the reports with their titles")
    p.add_argument("--institution", help="the institution's slug")
    p.add_argument(
        "--as",
        dest="login",
        help="the account whose roles decide (the ruleset's 'report export')",
    )
    p.add_argument("--department", help="a department's name")
    p.add_argument("--group", help="a group's name (the current academic year's)")
    p.add_argument("--discipline", help="a discipline's code, name or short name")
    p.add_argument("--teacher", type=global_id_or_key(lang), help="an Employee's global id")
    p.add_argument("--student", type=global_id_or_key(lang), help="a Student's global id")
    p.add_argument("--period", help="a period's name (the current academic year's)")
    p.add_argument("--date-from", type=date_argument(lang), help="YYYY-MM-DD or DD.MM.YYYY")
    p.add_argument("--date-to", type=date_argument(lang), help="YYYY-MM-DD or DD.MM.YYYY")
    p.add_argument("--format", choices=["xlsx", "csv", "pdf"], default="xlsx")
    _language_option(p, "the language of the file and of the messages")
    p.add_argument("-o", "--output", help="file to write (default: the file's own name)")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(PROG)
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def build_parser(lang: str) -> argparse.ArgumentParser:
    parser = Parser(
        prog=PROG,
        description="campusgraph: a GraphQL service of colleges' and schools' journals.",
        epilog="Exit status: 0 done, 1 a check failed, 2 bad input or usage, 3 refused by "
        "the ruleset (report), 70 an unexpected error (a bug; CAMPUSGRAPH_DEBUG=1 shows "
        "the traceback), 130 interrupted.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    _language_option(
        parser, "the language of everything printed (default: CAMPUSGRAPH_LANGUAGE, the locale)"
    )
    sub = parser.add_subparsers(
        dest="command", metavar="COMMAND", required=True, parser_class=Parser
    )
    port = port_number(lang)

    p = sub.add_parser("demo", help="migrate, seed demo data if empty, and serve")
    p.add_argument("--host", default=DEFAULT_HOST)
    p.add_argument("--port", type=port, default=DEFAULT_PORT)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("serve", help="migrate and serve (no seeding)")
    p.add_argument("--host", default=DEFAULT_HOST)
    p.add_argument("--port", type=port, default=DEFAULT_PORT)
    p.add_argument(
        "--workers",
        type=positive_int(lang),
        default=1,
        help="processes serving the port (more than one: PostgreSQL only)",
    )
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("db", help="database migrations")
    p.add_argument("action", choices=["upgrade", "downgrade"])
    p.add_argument("revision", nargs="?", help="a revision id, 'head', or relative: -1, +1")
    p.set_defaults(func=cmd_db)

    p = sub.add_parser("schema", help="export schema.graphql (or --check for drift)")
    p.add_argument("action", choices=["export"])
    p.add_argument(
        "target", nargs="?", help="file to write ('-': standard output; default: the package's)"
    )
    p.add_argument("--check", action="store_true")
    p.set_defaults(func=cmd_schema)

    p = sub.add_parser("policy", help="rulesets: lint, matrix, diff, explain, test")
    psub = p.add_subparsers(
        dest="policy_command", metavar="COMMAND", required=True, parser_class=Parser
    )
    q = psub.add_parser("lint", help="lint a ruleset folder (or all rulesets)")
    q.add_argument("path", nargs="?")
    q = psub.add_parser("matrix", help="role × object × action table in Markdown")
    q.add_argument("ruleset")
    _language_option(q, "language of the table")
    q = psub.add_parser("diff", help="what differs between two rulesets")
    q.add_argument("a")
    q.add_argument("b")
    q = psub.add_parser("test", help="run a ruleset's golden cases")
    q.add_argument("ruleset")
    q = psub.add_parser("explain", help="which line allows or denies, and why")
    q.add_argument("--institution", required=True)
    q.add_argument("--login", required=True)
    q.add_argument("--object", required=True, dest="obj")
    q.add_argument("--action", required=True, dest="act")
    q.add_argument(
        "--id",
        dest="gid",
        type=global_id_or_key(lang),
        help="the row: a global id of the object's type, or its number",
    )
    _language_option(q, "language of the answer")
    p.set_defaults(func=cmd_policy)

    kinds = ["staff", "students", "parents", "disciplines"]
    p = sub.add_parser(
        "import",
        help="import a list (CSV or XLSX) into an institution, all rows or none; as the "
        "operator: roles are not consulted, the checks, the tenant and the audit are",
    )
    p.add_argument("kind", choices=kinds)
    p.add_argument("file", help="a .csv (UTF-8, «;» or «,») or .xlsx file with a header row")
    p.add_argument("--institution", required=True, help="the institution's slug")
    p.add_argument("--dry-run", action="store_true", help="check every row, write nothing")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("export", help="export a list of an institution as CSV or XLSX")
    p.add_argument("kind", choices=kinds)
    p.add_argument("--institution", required=True, help="the institution's slug")
    p.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    p.add_argument("-o", "--output", help="file to write ('-': standard output)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser(
        "report",
        help="a report's file (XLSX, CSV, PDF) as an account of an institution: "
        "campusgraph report NAME --institution SLUG --as LOGIN -o FILE (--list: the names)",
    )
    _report_arguments(p, lang)
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("seed", help="generate load-test data (see campusgraph.db.region_seed)")
    p.add_argument("what", choices=["region"])
    count = positive_int(lang)
    p.add_argument("--institutions", type=count, required=True, help="how many institutions")
    p.add_argument("--students", type=count, required=True, help="students per institution")
    p.add_argument(
        "--seed", type=any_int(lang), default=2026, help="the random seed (default 2026)"
    )
    p.add_argument(
        "--today",
        type=date_argument(lang),
        help="YYYY-MM-DD: lessons up to the day before (default today)",
    )
    p.add_argument("--region", default="bench-region", help="the new region's slug")
    p.set_defaults(func=cmd_seed)

    p = sub.add_parser("documents", help="trusted documents: the sha256 manifest of *.graphql")
    p.add_argument("action", choices=["manifest"])
    p.add_argument("paths", nargs="+", help="folders of .graphql documents (or manifests)")
    p.add_argument("-o", "--output", help="file to write ('-': standard output)")
    p.set_defaults(func=cmd_documents)

    p = sub.add_parser(
        "config", help="the configuration reference: every CAMPUSGRAPH_ variable, in Markdown"
    )
    p.add_argument("action", choices=["reference"])
    p.add_argument("-o", "--output", help="file to write ('-': standard output, the default)")
    p.set_defaults(func=cmd_config)

    for command in _subcommands(parser):  # --lang before or after the subcommand
        if "--lang" not in command._option_string_actions:
            _language_option(command, "the language of everything printed")
    return parser


def _subcommands(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    for action in parser._subparsers._group_actions if parser._subparsers else ():
        for child in getattr(action, "choices", {}).values():
            yield child
            yield from _subcommands(child)


# -- the boundary ---------------------------------------------------------------------------


def _run(argv: list[str], lang: str) -> int:
    with _argparse_in(lang):
        args = build_parser(lang).parse_args(argv)
    args.lang = lang
    result: int = args.func(args)
    return result


def main(argv: list[str] | None = None) -> int:
    """Run the command; every failure ends here as one line and an exit status."""
    arguments = sys.argv[1:] if argv is None else list(argv)
    lang = run_language(arguments)
    debug = os.environ.get(DEBUG_VARIABLE, "").strip() not in ("", "0")
    try:
        return _run(arguments, lang)
    except MissingExtra as missing:  # a SystemExit: said again here in the run's language
        say_error(message("missing_extra", lang, module=missing.module, extra=missing.extra))
        return USAGE
    except KeyboardInterrupt:
        say_error(message("cli_interrupted", lang))
        return INTERRUPTED
    except BrokenPipeError:  # `… | head` closed the pipe: what was wanted was read
        _silence_stdout()
        return OK
    except Exception as error:
        url = os.environ.get("CAMPUSGRAPH_DATABASE_URL", "sqlite+aiosqlite:///./campusgraph.db")
        if debug:
            traceback.print_exc()
        known = known_failure(error, url)
        if known is not None:
            say_error(known.text(lang))
            return known.code
        detail = _one_line(str(error))[:300] or "—"
        say_error(message("cli_unexpected", lang, kind=type(error).__name__, detail=detail))
        return SOFTWARE


def _silence_stdout() -> None:
    # Python flushes stdout at exit and would report the broken pipe again.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


if __name__ == "__main__":
    raise SystemExit(main())
