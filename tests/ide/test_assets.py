"""The IDE's files: shipped unchanged as vendor.toml lists them, in the installed package,
served by the app under a digest path that browsers may cache for good — and not at all in
production. (tests/browser/test_ide.py loads them in a real browser with the network cut.)"""

from __future__ import annotations

import fnmatch
import hashlib
import re
import tomllib
from pathlib import Path
from typing import Any

from campusgraph import ide

ROOT = Path(__file__).resolve().parents[2]


def _loaded_by(html: str) -> list[str]:
    scripts = re.findall(r'<script[^>]*\bsrc="([^"]+)"', html)
    sheets = re.findall(r'<link[^>]*rel="stylesheet"[^>]*href="([^"]+)"', html)
    return [*scripts, *sheets]


def test_every_vendored_file_is_the_one_vendor_toml_names() -> None:
    # given the vendored files as vendor.toml lists them (package, version, sha256)
    entries = ide.vendored()
    assert entries
    shipped = {entry["shipped"] for entry in entries}
    # then each shipped file has exactly the listed sha256 (copied unchanged from npm) …
    for entry in entries:
        data = (ide.STATIC / entry["shipped"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], entry["shipped"]
    # … every package ships its license, and nothing unlisted sits in static/
    for folder in {name.split("/")[0] for name in shipped}:
        assert f"{folder}/LICENSE" in shipped or folder == "plugin-explorer", folder
    on_disk = {p.relative_to(ide.STATIC).as_posix() for p in ide.STATIC.rglob("*") if p.is_file()}
    assert on_disk == shipped
    # and every vendored file the page loads is listed
    own = {name for name in ide.PAGE_ASSETS.values() if name not in ide.OWN}
    assert own <= shipped


def test_the_installed_package_carries_every_ide_file() -> None:
    """pyproject's package-data globs (setuptools' fnmatch) cover every IDE file, so a
    non-editable install serves the IDE too."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["campusgraph"]
    package = ide.HERE.parent
    files = [
        p.relative_to(package).as_posix()
        for p in ide.HERE.rglob("*")
        if p.is_file() and p.suffix not in (".py", ".pyc", ".md") and "__pycache__" not in p.parts
    ]
    missing = [f for f in files if not any(fnmatch.fnmatch(f, pattern) for pattern in patterns)]
    assert files
    assert missing == []


async def test_the_ide_serves_its_files_for_good_under_its_digest(make_client: Any) -> None:
    # given the IDE page (dev mode)
    async with make_client(mode="dev") as anonymous:
        http = anonymous.http
        page = await http.get("/graphql", headers={"Accept": "text/html"})
        urls = _loaded_by(page.text)
        # when the browser fetches what the page loads
        answers = {url: await http.get(url) for url in urls}
        # and a stale digest, a file the page does not load, the module's source
        digest = ide.digest()
        stale = await http.get(urls[0].replace(digest, "0" * len(digest)))
        unlisted = await http.get(f"/ide/{digest}/graphiql/LICENSE")
        source = await http.get(f"/ide/{digest}/__init__.py")
    # then each is the file on disk, typed, cacheable forever (its path changes with it)
    assert len(urls) == len(ide.PAGE_ASSETS)
    for url, answer in answers.items():
        assert url.startswith(f"/ide/{digest}/"), url
        assert answer.status_code == 200, url
        name = url.removeprefix(f"/ide/{digest}/")
        assert answer.content == ide.asset_path(name).read_bytes(), url
        assert answer.headers["cache-control"] == "public, max-age=31536000, immutable"
        kind = "text/css" if url.endswith(".css") else "javascript"
        assert kind in answer.headers["content-type"], (url, answer.headers["content-type"])
        assert answer.headers["x-content-type-options"] == "nosniff"
    # and nothing else is served from there
    for refused in (stale, unlisted, source):
        assert refused.status_code == 404, refused.request.url


async def test_the_ide_page_speaks_the_readers_language(make_client: Any) -> None:
    async with make_client(mode="dev") as anonymous:
        russian = await anonymous.http.get("/graphql", headers={"Accept": "text/html"})
        english = await anonymous.http.get(
            "/graphql", headers={"Accept": "text/html", "Accept-Language": "en-GB,en;q=0.9"}
        )
    assert '<html lang="ru">' in russian.text
    assert "Вход: выполните эту мутацию" in russian.text
    assert '<html lang="en">' in english.text
    assert "Sign in: run this mutation" in english.text


async def test_no_ide_files_in_production(make_client: Any) -> None:
    # given the production app, which serves no IDE
    async with make_client(mode="production") as anonymous:
        page = await anonymous.http.get("/graphql", headers={"Accept": "text/html"})
        asset = await anonymous.http.get(f"/ide/{ide.digest()}/graphiql/graphiql.min.js")
    # then neither the page nor its files are there
    assert page.status_code == 404
    assert asset.status_code == 404
