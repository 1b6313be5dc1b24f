"""Ruleset administration through the endpoint: ``reloadRulesets`` acts on — and reports —
the caller's own rulesets only (an institution's, or a region authority's region), and no
answer of the ruleset mutations shows where the service keeps its files, whatever is
wrong with a ruleset."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from campusgraph.policies.ruleset import SHIPPED

ROOT = Path(__file__).parents[2]
EXAMPLE = ROOT / "examples" / "rulesets" / "example-college"
ARMAVIR = "armavir-technikum-2025"
ALTAI = "altai-college-2016"

RELOAD = """
mutation { reloadRulesets(input: {}) { results { slug status } errors { code message } } }
"""
SWITCH = """
mutation ($slug: String!) {
  switchRuleset(input: {ruleset: $slug}) { ruleset { slug source } errors { code message field } }
}
"""
RULESET = "query { ruleset { slug lines source } }"

#: How a ruleset's label names its own files: the ruleset's vocabulary, not a server path.
RULESET_FILE = re.compile(r"[\w.-]+/(?:policy\.csv|ruleset\.toml|golden\.toml)")


def assert_no_paths(text: str, *folders: Path) -> None:
    """No folder of the server, no absolute or relative path, no OS error detail: the
    only '/' allowed is inside a ruleset's label of its own file (``slug/policy.csv``)."""
    for folder in (*folders, SHIPPED, ROOT):
        assert str(folder) not in text, text
    assert "Errno" not in text, text
    assert "/" not in RULESET_FILE.sub("", text), text


def _copy(source: Path, folder: Path, slug: str) -> Path:
    target = folder / slug
    shutil.copytree(source, target)
    return target


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


#: Every way a ruleset folder can be broken, as (name, damage to a copy of a good one).
BREAKAGES: list[tuple[str, Callable[[Path], None]]] = [
    (
        "unknown scope",
        lambda d: _append(
            d / "policy.csv", "\np, curator, mark, update, taugth, always, allow, x\n"
        ),
    ),
    ("policy line of 3 fields", lambda d: _append(d / "policy.csv", "\np, curator, mark\n")),
    ("policy not UTF-8", lambda d: (d / "policy.csv").write_bytes(b"p, \xff\xfe, mark\n")),
    ("policy missing", lambda d: (d / "policy.csv").unlink()),
    ("policy is a folder", lambda d: ((d / "policy.csv").unlink(), (d / "policy.csv").mkdir())),
    ("toml syntax", lambda d: _append(d / "ruleset.toml", "\n[roles\n")),
    ("toml not UTF-8", lambda d: (d / "ruleset.toml").write_bytes(b"title = '\xff'\n")),
    ("parent missing", lambda d: _replace_extends(d, "no-such-parent")),
    ("extends itself", lambda d: _replace_extends(d, d.name)),
    (
        "golden fails",
        lambda d: _append(
            d / "golden.toml",
            '\n[[case]]\nroles = ["student"]\nobject = "mark"\naction = "update"\n'
            'in = ["self"]\nstate = ["period_open"]\nexpect = "allow"\n',
        ),
    ),
    ("golden syntax", lambda d: _append(d / "golden.toml", "\n[[case\n")),
    ("golden not UTF-8", lambda d: (d / "golden.toml").write_bytes(b"# \xff\n")),
]


def _replace_extends(folder: Path, parent: str) -> None:
    toml = folder / "ruleset.toml"
    text = re.sub(r'(?m)^extends = ".*"$', f'extends = "{parent}"', toml.read_text("utf-8"))
    toml.write_text(text, encoding="utf-8")


async def test_reload_by_an_administrator_touches_and_shows_only_his_institutions_rulesets(
    make_client: Any, tmp_path: Path
) -> None:
    # given armavir's ruleset served from a folder of its own, loaded while it was good
    own = _copy(SHIPPED / ARMAVIR, tmp_path, ARMAVIR)
    async with make_client(rulesets_path=str(tmp_path)) as anonymous:
        armavir = await anonymous.as_(ARMAVIR, "administrator")
        altai = await anonymous.as_(ALTAI, "administrator")
        lines_before = (await armavir.data(RULESET))["ruleset"]["lines"]

        # when armavir's ruleset is broken on disk and altai's administrator reloads
        _append(own / "policy.csv", "\np, curator, mark, update, taugth, always, allow, x\n")
        by_altai = (await altai.data(RELOAD))["reloadRulesets"]

        # then only altai's ruleset was reloaded and reported: nothing of armavir shows
        assert by_altai == {"results": [{"slug": ALTAI, "status": "ok"}], "errors": []}

        # when it is fixed with one more line and altai's administrator reloads again
        shutil.rmtree(own)
        _copy(SHIPPED / ARMAVIR, tmp_path, ARMAVIR)
        _append(
            own / "policy.csv",
            "\np, student, room, read, region, always, allow, test: one more line\n",
        )
        await altai.data(RELOAD)
        # then armavir still runs the ruleset it had (altai's reload did not touch it)
        assert (await armavir.data(RULESET))["ruleset"]["lines"] == lines_before

        # when armavir's administrator reloads, then armavir's ruleset — only — is new
        by_armavir = (await armavir.data(RELOAD))["reloadRulesets"]
        assert by_armavir == {"results": [{"slug": ARMAVIR, "status": "ok"}], "errors": []}
        assert (await armavir.data(RULESET))["ruleset"]["lines"] == lines_before + 1


async def test_a_region_authority_granted_reload_reloads_its_regions_rulesets(
    make_client: Any, tmp_path: Path
) -> None:
    # given a base ruleset (the region's) that lets the region's authority reload
    base = _copy(SHIPPED / "base", tmp_path, "base")
    _append(
        base / "policy.csv",
        "\np, authority, ruleset, reload, region, always, allow, test: the region reloads\n",
    )
    async with make_client(rulesets_path=str(tmp_path)) as anonymous:
        authority = await anonymous.as_("demo-region", "authority")
        teacher = await anonymous.as_(ALTAI, "teacher")

        # when the authority reloads, and a teacher tries
        done = (await authority.data(RELOAD))["reloadRulesets"]
        refused = (await teacher.data(RELOAD))["reloadRulesets"]

    # then the region's own ruleset and every ruleset of its institutions are reloaded
    assert done["errors"] == []
    assert {r["status"] for r in done["results"]} == {"ok"}
    slugs = {r["slug"] for r in done["results"]}
    assert {"base", ALTAI, ARMAVIR, "barnaul-school6-2016", "nshds12-2021"} <= slugs
    # and the teacher is still refused (the line grants the authority only)
    assert refused["results"] is None
    assert refused["errors"][0]["code"] == "FORBIDDEN"


async def test_no_ruleset_answer_shows_a_server_path_whatever_is_broken(
    make_client: Any, tmp_path: Path
) -> None:
    # given one broken copy of a good ruleset per way of breaking it, and armavir's own
    # ruleset served from a folder the test can break
    extra = tmp_path / "rulesets"
    extra.mkdir()
    broken: dict[str, str] = {}
    for number, (name, damage) in enumerate(BREAKAGES):
        slug = f"broken-{number}"
        damage(_copy(EXAMPLE, extra, slug))
        broken[slug] = name
    own = _copy(SHIPPED / ARMAVIR, extra, ARMAVIR)
    pristine = tmp_path / "pristine"
    shutil.copytree(own, pristine)

    async with make_client(rulesets_path=str(extra)) as anonymous:
        admin = await anonymous.as_(ARMAVIR, "administrator")
        seen: list[str] = []

        # when the administrator switches to each broken ruleset, and to none at all
        for slug in [*broken, "no-such-ruleset"]:
            payload = (await admin.data(SWITCH, {"slug": slug}))["switchRuleset"]
            # then each is refused as invalid input, never as an internal error
            assert payload["ruleset"] is None, (broken.get(slug), payload)
            assert [e["code"] for e in payload["errors"]] == ["VALIDATION"], payload
            seen += [e["message"] for e in payload["errors"]]

        # when his own ruleset breaks on disk in each way and he reloads it
        for name, damage in BREAKAGES:
            shutil.rmtree(own)
            shutil.copytree(pristine, own)
            damage(own)
            results = (await admin.data(RELOAD))["reloadRulesets"]["results"]
            # then the old one is kept and the status says why
            assert [r["slug"] for r in results] == [ARMAVIR], (name, results)
            assert results[0]["status"] != "ok", name
            seen.append(results[0]["status"])

        shutil.rmtree(own)
        shutil.copytree(pristine, own)
        # and a ruleset's description names its regulation, not a file of the server
        seen.append((await admin.data(RULESET))["ruleset"]["source"])

    # then no message shows a folder of the server, a path or an OS error
    assert len(seen) == 2 * len(BREAKAGES) + 2
    for text in seen:
        assert_no_paths(text, tmp_path, extra)
