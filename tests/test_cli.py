"""The ``campusgraph`` command: every bad input is one line in the run's language with what
to do next, exit status 2, never a traceback.

Each error case runs the real command (``python -m campusgraph``) in a subprocess, in
Russian and in English; the runs of the cases selected are started together (a pool of
four) because each pays a second of interpreter start-up. The line is compared with the
catalog's message for that language AND with a hand-written fragment, so a wrong catalog
entry fails too.
"""

from __future__ import annotations

import ast
import os
import re
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from campusgraph import cli
from campusgraph.cli import CommandError, Phrase, build_parser, run_language
from campusgraph.db.migrate import known_revisions, upgrade
from campusgraph.i18n import LANGUAGES, keys, message
from campusgraph.ids import to_global_id
from campusgraph.policies.ruleset import available, search_dirs

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "src" / "campusgraph"
CYRILLIC = re.compile(r"[А-Яа-яЁё]")


@dataclass(frozen=True)
class Where:
    """The places a case's command is pointed at (made once per module)."""

    tmp: Path
    migrated: str  # a migrated, empty SQLite database
    closed_port: int  # bound, not listening: a connection is refused at once

    def fresh(self, lang: str) -> str:
        """A database file no migration ran on (one per language: the runs are concurrent)."""
        return f"sqlite+aiosqlite:///{self.tmp / f'fresh-{lang}.db'}"

    def postgresql(self, password: str = "secret") -> str:
        return f"postgresql+asyncpg://campus:{password}@127.0.0.1:{self.closed_port}/campus"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def usage(lang: str, command: str, argument: str, problem: str) -> CommandError:
    """argparse's "argument X: …" as the boundary says it."""
    said = message("cli_argparse_argument", lang) % {"argument_name": argument, "message": problem}
    prog = f"campusgraph {command}" if command else "campusgraph"
    return CommandError("cli_usage", problem=said, help=f"{prog} --help")


@dataclass(frozen=True)
class Case:
    name: str
    argv: Callable[[Where], list[str]]
    #: The error the line must say, for a language.
    expected: Callable[[Where, str], CommandError]
    #: Hand-written: what the line says in each language (independent of the catalog).
    fragments: dict[str, str]
    url: Callable[[Where, str], str] = lambda where, lang: where.migrated
    env: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.name


def _explain(gid: str, obj: str = "mark") -> list[str]:
    return [
        *("policy", "explain", "--institution", "altai-college-2016", "--login", "teacher"),
        *("--object", obj, "--action", "update", "--id", gid),
    ]


WORK_ID = to_global_id("Work", 2)
COMMANDS = ", ".join(
    repr(name)
    for name in build_parser("en")._subparsers._group_actions[0].choices  # type: ignore[union-attr]
)

CASES = [
    Case(
        "a nonsense database URL",
        lambda w: ["db", "upgrade"],
        lambda w, lang: CommandError("cli_db_url_bad", url="nonsense"),
        {"ru": "«nonsense» — не адрес базы данных", "en": "«nonsense» is not a database URL"},
        url=lambda w, lang: "nonsense",
    ),
    Case(
        "sqlite:// (no async driver)",
        lambda w: ["db", "upgrade"],
        lambda w, lang: CommandError(
            "cli_db_url_driver", url="sqlite://", example="sqlite+aiosqlite:///"
        ),
        {"ru": "нет асинхронного драйвера", "en": "names no async driver"},
        url=lambda w, lang: "sqlite://",
    ),
    Case(
        "an SQLite URL naming no file",
        lambda w: ["seed", "region", "--institutions", "1", "--students", "1"],
        lambda w, lang: CommandError("cli_db_url_no_file", url="sqlite+aiosqlite://"),
        {"ru": "не называет файл", "en": "names no file"},
        url=lambda w, lang: "sqlite+aiosqlite://",
    ),
    Case(
        "a missing folder in the SQLite path",
        lambda w: ["serve", "--port", str(free_port())],
        lambda w, lang: CommandError(
            "cli_db_folder_missing",
            folder=w.tmp / "missing",
            url=f"sqlite+aiosqlite:///{w.tmp / 'missing' / 'campusgraph.db'}",
        ),
        {"ru": "для файла базы данных нет", "en": "of the database file does not exist"},
        url=lambda w, lang: f"sqlite+aiosqlite:///{w.tmp / 'missing' / 'campusgraph.db'}",
    ),
    Case(
        "PostgreSQL refusing the connection (serve)",
        lambda w: ["serve", "--port", str(free_port())],
        lambda w, lang: CommandError(
            "cli_db_unreachable",
            url=w.postgresql("***"),
            reason=Phrase("cli_errno_econnrefused"),
        ),
        {"ru": "соединение отвергнуто", "en": "connection refused"},
        url=lambda w, lang: w.postgresql(),
    ),
    Case(
        "a database neither SQLite nor PostgreSQL",
        lambda w: ["db", "upgrade"],
        lambda w, lang: CommandError(
            "cli_db_url_unsupported", url="mysql+aiomysql://u@h/db", backend="mysql"
        ),
        {"ru": "работает с SQLite и PostgreSQL", "en": "works with SQLite and PostgreSQL"},
        url=lambda w, lang: "mysql+aiomysql://u@h/db",
    ),
    Case(
        "a setting of a bad value",
        lambda w: ["db", "upgrade"],
        lambda w, lang: CommandError(
            "cli_setting_bad",
            variable="CAMPUSGRAPH_MODE",
            value="nonsense",
            reason=Phrase("cli_setting_one_of", choices="production, dev, demo"),
        ),
        {"ru": "неверное значение CAMPUSGRAPH_MODE", "en": "is not a valid value"},
        env={"CAMPUSGRAPH_MODE": "nonsense"},
    ),
    Case(
        "db upgrade to a revision that does not exist",
        lambda w: ["db", "upgrade", "nosuchrev"],
        lambda w, lang: CommandError(
            "cli_db_no_revision",
            revision="nosuchrev",
            known=", ".join(known_revisions(w.migrated)),
        ),
        {"ru": "ревизии «nosuchrev» нет", "en": "there is no revision «nosuchrev»"},
    ),
    Case(
        "a database never migrated",
        lambda w: _explain("1"),
        lambda w, lang: CommandError("cli_db_not_migrated", url=w.fresh(lang)),
        {"ru": "Выполните: campusgraph db upgrade", "en": "Run: campusgraph db upgrade"},
        url=lambda w, lang: w.fresh(lang),
    ),
    Case(
        "policy explain --id garbage",
        lambda w: _explain("garbage"),
        lambda w, lang: usage(
            lang, "policy explain", "--id", message("cli_bad_id", lang, value="garbage")
        ),
        {"ru": "«garbage» — не идентификатор", "en": "«garbage» is not an id"},
    ),
    Case(
        "policy explain --object mark --id <a Work's id>",
        lambda w: _explain(WORK_ID),
        lambda w, lang: CommandError(
            "cli_id_wrong_type", value=WORK_ID, got="Work", expected="Mark", option="--id"
        ),
        {"ru": "id объекта Work, а --id ждёт id объекта Mark", "en": "is the id of a Work"},
    ),
    Case(
        "seed region --institutions 0",
        lambda w: ["seed", "region", "--institutions", "0", "--students", "5"],
        lambda w, lang: usage(
            lang, "seed", "--institutions", message("cli_not_positive", lang, value="0")
        ),
        {"ru": "нужно целое число больше 0", "en": "expected a whole number above 0"},
    ),
    Case(
        "a date that does not exist (31.02.2010)",
        lambda w: (
            ["seed", "region", "--institutions", "1", "--students", "1", "--today", "31.02.2010"]
        ),
        lambda w, lang: usage(
            lang,
            "seed",
            "--today",
            CommandError("cli_date_not_exist", value="31.02.2010").text(lang),
        ),
        {"ru": "даты «31.02.2010» не существует", "en": "the date «31.02.2010» does not exist"},
    ),
    Case(
        "a date of the wrong shape",
        lambda w: ["report", "journal", "--date-from", "2010/02/01"],
        lambda w, lang: usage(
            lang,
            "report",
            "--date-from",
            CommandError("cli_date_shape", value="2010/02/01").text(lang),
        ),
        {"ru": "«2010/02/01» — не дата", "en": "«2010/02/01» is not a date"},
    ),
    Case(
        "a ruleset that is not installed (matrix)",
        lambda w: ["policy", "matrix", "no-such-ruleset"],
        lambda w, lang: CommandError(
            "cli_ruleset_missing",
            slug="no-such-ruleset",
            available=", ".join(available(search_dirs([]))),
        ),
        {"ru": "регламента «no-such-ruleset» нет", "en": "there is no ruleset «no-such-ruleset»"},
    ),
    Case(
        "a ruleset that is not installed (test)",
        lambda w: ["policy", "test", "no-such-ruleset"],
        lambda w, lang: CommandError(
            "cli_ruleset_missing",
            slug="no-such-ruleset",
            available=", ".join(available(search_dirs([]))),
        ),
        {"ru": "Установленные регламенты", "en": "Installed rulesets"},
    ),
    Case(
        "required arguments missing",
        lambda w: ["seed", "region"],
        lambda w, lang: CommandError(
            "cli_usage",
            problem=message("cli_argparse_required", lang) % "--institutions, --students",
            help="campusgraph seed --help",
        ),
        {"ru": "не указаны обязательные аргументы", "en": "the following arguments are required"},
    ),
    Case(
        "an unknown command",
        lambda w: ["sed"],
        lambda w, lang: usage(
            lang,
            "",
            "COMMAND",
            message("cli_argparse_choice", lang) % {"value": "sed", "choices": COMMANDS},
        ),
        {"ru": "недопустимое значение 'sed'", "en": "invalid choice: 'sed'"},
    ),
    Case(
        "an institution that does not exist",
        lambda w: ["export", "students", "--institution", "no-such-college"],
        lambda w, lang: CommandError("cli_institution_missing", slug="no-such-college"),
        {
            "ru": "организации «no-such-college» нет",
            "en": "there is no institution «no-such-college»",
        },
    ),
    Case(
        "a folder to read that does not exist",
        lambda w: ["documents", "manifest", str(w.tmp / "nowhere")],
        lambda w, lang: CommandError(
            "cli_file", path=str(w.tmp / "nowhere"), reason=Phrase("cli_errno_enoent")
        ),
        {"ru": "нет такого файла или папки", "en": "no such file or folder"},
    ),
    Case(
        "a file to write in a folder that does not exist",
        lambda w: ["schema", "export", str(w.tmp / "missing" / "schema.graphql")],
        lambda w, lang: CommandError(
            "cli_file",
            path=str(w.tmp / "missing" / "schema.graphql"),
            reason=Phrase("cli_errno_enoent"),
        ),
        {"ru": "нет такого файла или папки", "en": "no such file or folder"},
    ),
    Case(
        "a report that does not exist",
        lambda w: ["report", "no_such_report", "--institution", "x", "--as", "y"],
        lambda w, lang: CommandError("cli_report_unknown", name="no_such_report"),
        {"ru": "нет отчёта «no_such_report»", "en": "no report «no_such_report»"},
    ),
    Case(
        "a list to import that is no CSV or XLSX",
        lambda w: ["import", "students", str(w.tmp / "list.txt"), "--institution", "x"],
        lambda w, lang: CommandError("cli_import_format", path=w.tmp / "list.txt"),
        {"ru": "загружаются только файлы .csv и .xlsx", "en": "only .csv and .xlsx files"},
    ),
]


def environment(url: str, lang: str | None, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The test process's environment, its language settings replaced by the case's."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE", "CAMPUSGRAPH_DEBUG")
        and not k.startswith("CAMPUSGRAPH_")
    }
    env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT / "src"), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    env["CAMPUSGRAPH_DATABASE_URL"] = url
    if lang is not None:
        env["CAMPUSGRAPH_LANGUAGE"] = lang
    env.update(extra or {})
    return env


def campusgraph(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "campusgraph", *argv],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def where(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Where]:
    tmp = tmp_path_factory.mktemp("cli")
    migrated = f"sqlite+aiosqlite:///{tmp / 'migrated.db'}"
    upgrade(migrated)
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))  # never listens: PostgreSQL "there" refuses at once
    try:
        yield Where(tmp, migrated, int(closed.getsockname()[1]))
    finally:
        closed.close()


#: Each case also runs as a real process, in one language (alternating, so both are).
SUBPROCESS_LANGUAGE = {case.name: LANGUAGES[i % len(LANGUAGES)] for i, case in enumerate(CASES)}


@pytest.fixture(scope="module")
def runs(
    request: pytest.FixtureRequest, where: Where
) -> dict[str, subprocess.CompletedProcess[str]]:
    """The real process of every selected case, started together (start-up is the cost)."""
    module = sys.modules[__name__]
    wanted = [
        item.callspec.params["case"]
        for item in request.session.items
        if isinstance(item, pytest.Function)
        and item.module is module
        and item.originalname == "test_a_bad_input_fails_the_same_in_a_real_process"
    ]

    def run(case: Case) -> subprocess.CompletedProcess[str]:
        lang = SUBPROCESS_LANGUAGE[case.name]
        return campusgraph(case.argv(where), environment(case.url(where, lang), lang, case.env))

    with ThreadPoolExecutor(4) as pool:
        futures = {case.name: pool.submit(run, case) for case in wanted}
        return {name: future.result() for name, future in futures.items()}


def assert_one_line(case: Case, lang: str, where: Where, code: int, out: str, err: str) -> None:
    # then: exit status 2, no traceback, exactly one line on stderr, nothing on stdout
    assert "Traceback" not in err, err
    assert code == 2, err
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    # … and it is the catalog's message, as hand-written in that language
    assert lines[0] == f"campusgraph: {case.expected(where, lang).text(lang)}"
    assert case.fragments[lang] in lines[0]
    # … in that language only (paths and values quoted from the input aside)
    said = lines[0]
    for quoted in re.findall(r"«[^»]*»|'[^']*'|/\S+", said):
        said = said.replace(quoted, "")
    assert bool(CYRILLIC.search(said)) == (lang == "ru"), lines[0]


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("case", CASES, ids=str)
def test_a_bad_input_is_one_line_in_the_runs_language(
    case: Case,
    lang: str,
    where: Where,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # given: the environment of the case, in the language
    for variable in list(os.environ):
        if variable.startswith(("CAMPUSGRAPH_", "LC_")) or variable in ("LANG", "LANGUAGE"):
            monkeypatch.delenv(variable)
    for variable, value in environment(case.url(where, lang), lang, case.env).items():
        if variable not in ("PYTHONPATH",):
            monkeypatch.setenv(variable, value)

    # when: the command runs (main() is what ``python -m campusgraph`` calls)
    code = cli.main(case.argv(where))

    # then
    captured = capsys.readouterr()
    assert_one_line(case, lang, where, code, captured.out, captured.err)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_a_bad_input_fails_the_same_in_a_real_process(
    case: Case, runs: dict[str, subprocess.CompletedProcess[str]], where: Where
) -> None:
    result = runs[case.name]
    lang = SUBPROCESS_LANGUAGE[case.name]
    assert_one_line(case, lang, where, result.returncode, result.stdout, result.stderr)


def test_a_refused_postgresql_password_is_not_shown(
    where: Where, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAMPUSGRAPH_DATABASE_URL", where.postgresql("secret"))
    assert cli.main(["db", "upgrade"]) == 2
    err = capsys.readouterr().err
    assert "secret" not in err
    assert "campus:***@" in err


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_taken_port_is_named_with_another_to_try_before_any_url(lang: str, where: Where) -> None:
    # given: a program listening on a port
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = int(taken.getsockname()[1])

        # when: the service is asked to serve there
        result = campusgraph(["serve", "--port", str(port)], environment(where.migrated, lang))

    # then: one line naming the port and a free one to try; no URL was printed
    assert "Traceback" not in result.stderr
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    other = re.search(r"--port (\d+)$", lines[0])
    assert other is not None, lines[0]
    assert int(other[1]) != port
    expected = CommandError("cli_port_taken", host="127.0.0.1", port=port, other=int(other[1]))
    assert lines[0] == f"campusgraph: {expected.text(lang)}"
    assert {
        "ru": f"порт {port} на 127.0.0.1 занят",
        "en": f"the port {port} on 127.0.0.1 is taken",
    }[lang] in lines[0]


def test_db_upgrade_says_from_which_revision_to_which(where: Where) -> None:
    # given: a database no migration ran on
    url = f"sqlite+aiosqlite:///{where.tmp / 'upgraded.db'}"
    head = known_revisions(url)[-1]

    # when: upgraded (in Russian), then upgraded again (in English)
    first = campusgraph(["db", "upgrade"], environment(url, "ru"))
    again = campusgraph(["--lang", "en", "db", "upgrade"], environment(url, "ru"))

    # then: each says what it did, in its language
    assert first.returncode == 0, first.stderr
    assert first.stdout == f"campusgraph: база данных обновлена: с пустой базы до ревизии {head}.\n"
    assert again.returncode == 0, again.stderr
    assert again.stdout == (
        f"campusgraph: the database is already at revision {head}: nothing to upgrade.\n"
    )


def test_version_is_the_installed_packages() -> None:
    from importlib.metadata import version

    result = campusgraph(["--version"], environment("nonsense", None))
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"campusgraph {version('campusgraph')}\n"


def test_schema_export_dash_writes_the_sdl_to_standard_output(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from campusgraph.schema.root import SCHEMA_FILE, sdl

    before = SCHEMA_FILE.stat().st_mtime_ns
    assert cli.main(["schema", "export", "-"]) == 0
    assert capsys.readouterr().out == sdl()
    assert SCHEMA_FILE.stat().st_mtime_ns == before


# -- the boundary, in the process --------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
def test_an_interrupt_is_one_line_and_status_130(
    lang: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupted(args: Any) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "cmd_schema", interrupted)
    assert cli.main(["--lang", lang, "schema", "export", "-"]) == 130
    err = capsys.readouterr().err
    assert err == f"campusgraph: {message('cli_interrupted', lang)}\n"
    assert err == {"ru": "campusgraph: прервано.\n", "en": "campusgraph: interrupted.\n"}[lang]


@pytest.mark.parametrize("debug", ["", "1"])
def test_a_bug_is_one_line_naming_the_debug_switch(
    debug: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(args: Any) -> int:
        raise RuntimeError("the invariant\nbroke")

    monkeypatch.setattr(cli, "cmd_schema", broken)
    monkeypatch.setenv("CAMPUSGRAPH_DEBUG", debug)
    assert cli.main(["--lang", "en", "schema", "export", "-"]) == 70
    err = capsys.readouterr().err
    last = err.splitlines()[-1]
    assert last == (
        "campusgraph: unexpected error RuntimeError: the invariant broke. This is a bug: run "
        "again with CAMPUSGRAPH_DEBUG=1 to see the traceback, and report it"
    )
    # then: the traceback only when asked for
    assert ("Traceback" in err) == bool(debug)
    assert len(err.splitlines()) == 1 or debug


# -- the language of a run -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "environ", "expected"),
    [
        ([], {}, "ru"),
        (["--lang", "en", "db"], {"CAMPUSGRAPH_LANGUAGE": "ru", "LANG": "ru_RU.UTF-8"}, "en"),
        (["policy", "matrix", "x", "--lang=en"], {"CAMPUSGRAPH_LANGUAGE": "ru"}, "en"),
        (["--lang", "de"], {"CAMPUSGRAPH_LANGUAGE": "en"}, "en"),
        (["--", "--lang", "en"], {}, "ru"),
        ([], {"CAMPUSGRAPH_LANGUAGE": "en", "LC_ALL": "ru_RU.UTF-8"}, "en"),
        ([], {"LANG": "en_US.UTF-8"}, "en"),
        ([], {"LC_MESSAGES": "en_GB", "LANG": "ru_RU.UTF-8"}, "en"),
        ([], {"LC_ALL": "ru_RU.UTF-8", "LANG": "en_US.UTF-8"}, "ru"),
        ([], {"LC_ALL": "C", "LANG": "en_US.UTF-8"}, "ru"),  # LC_ALL decides: no language
        ([], {"LANG": "de_DE.UTF-8"}, "ru"),
        ([], {"LANG": "en"}, "en"),
    ],
)
def test_the_language_of_a_run(argv: list[str], environ: dict[str, str], expected: str) -> None:
    assert run_language(argv, environ) == expected


def test_the_locale_chooses_the_language_of_a_subprocess(where: Where) -> None:
    env = environment(where.migrated, None, {"LANG": "en_US.UTF-8"})
    result = campusgraph(["db", "upgrade", "nosuchrev"], env)
    assert result.returncode == 2
    assert result.stderr.startswith("campusgraph: there is no revision «nosuchrev»")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_run_prints_in_one_language(lang: str, capsys: pytest.CaptureFixture[str]) -> None:
    # when: a shipped ruleset is linted and the reports are listed
    folder = next(d for d in search_dirs([]) if (d / "altai-college-2016").is_dir())
    assert cli.main(["--lang", lang, "policy", "lint", str(folder / "altai-college-2016")]) == 0
    assert cli.main(["report", "--list", "--lang", lang]) == 0
    out = capsys.readouterr().out
    # then: the English run has no Russian word, the Russian run says its counts in Russian
    if lang == "en":
        assert not CYRILLIC.search(out), out
        assert re.search(r"✓ altai-college-2016: \d+ lines, \d+ role links", out)
    else:
        assert re.search(r"✓ altai-college-2016: \d+ строк\w?, \d+ связ\w+ ролей", out)


def test_help_shows_no_rst_markup() -> None:
    # given: the help of the command and of every subcommand
    parser = build_parser("en")
    texts = [parser.format_help()]
    texts += [p.format_help() for p in cli._subcommands(parser)]
    # then: no ``literal``, :role:`…` or `…` markup
    assert len(texts) > 10
    for text in texts:
        assert "``" not in text
        assert not re.search(r":\w+:`", text)
        assert not re.search(r"`[^`]+`", text), text


# -- every key the command says is in both catalogs ---------------------------------------------


def _keys_said() -> dict[str, str]:
    """The constant first argument of each CommandError(…) and Phrase(…) in the package."""
    said: dict[str, str] = {}
    for path in sorted(SOURCE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("CommandError", "Phrase")
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                said.setdefault(node.args[0].value, f"{path.name}:{node.lineno}")
    return said


def test_every_key_the_command_says_is_in_both_catalogs() -> None:
    said = _keys_said()
    assert len(said) > 40
    for lang in LANGUAGES:
        assert {k: v for k, v in said.items() if k not in keys(lang)} == {}, lang
    stages = ("calendar", "structure", "students", "staff", "timetable", "journal", "check")
    for stage in (*stages, "writing", "done"):
        for lang in LANGUAGES:
            assert f"cli_demo_stage_{stage}" in keys(lang)
    for what in ("group", "discipline", "department", "period"):
        for lang in LANGUAGES:
            assert f"cli_missing_{what}" in keys(lang)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_database_another_process_holds_is_one_line(lang: str, where: Where) -> None:
    # given: a migrated database file that another process holds locked
    path = where.tmp / f"held-{lang}.db"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade(url)
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("PRAGMA locking_mode=EXCLUSIVE")
        holder.execute("BEGIN EXCLUSIVE")

        # when: a migration is asked for
        result = campusgraph(["db", "downgrade"], environment(url, lang))
    finally:
        holder.close()

    # then: one line saying so and to try again, no traceback
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 2
    expected = CommandError("cli_db_busy", url=url, reason=Phrase("cli_db_reason_locked"))
    assert result.stderr == f"campusgraph: {expected.text(lang)}\n"
    assert {"ru": "файл занят другим процессом", "en": "another process holds the file"}[
        lang
    ] in result.stderr
