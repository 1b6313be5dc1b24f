"""The GraphQL IDE (GraphiQL with its explorer), served from the installed package.

Schools run closed networks, where a page that loads React and GraphiQL from a CDN stays
white. Every file this page loads ships in the package: GraphiQL, its explorer and React,
copied unchanged from npm into ``static/`` (``vendor.toml`` names each package, version
and sha256; ``bin/ide-assets`` checks and updates them), and our own ``ide.js`` and
``ide.css``. They are served under one path that changes whenever any of them changes
(``/ide/<digest>/…``), so a browser may keep them for good, and the page's
Content-Security-Policy needs nothing but ``'self'``.
"""

from __future__ import annotations

import functools
import hashlib
import html
import json
import tomllib
from pathlib import Path
from string import Template
from typing import Final

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response

from campusgraph.i18n import message

HERE: Final = Path(__file__).parent
STATIC: Final = HERE / "static"
#: Where the assets are served: ``/ide/<digest>/<name>``.
PREFIX: Final = "/ide"
#: The digest is in the path, so a file under it never changes.
CACHE_FOREVER: Final = "public, max-age=31536000, immutable"

#: What the page loads, by template field: the vendored files (paths under ``static/``)
#: and ours (beside this module).
PAGE_ASSETS: Final = {
    "react_js": "react/react.production.min.js",
    "react_dom_js": "react-dom/react-dom.production.min.js",
    "graphiql_js": "graphiql/graphiql.min.js",
    "graphiql_css": "graphiql/graphiql.min.css",
    "explorer_js": "plugin-explorer/index.umd.js",
    "explorer_css": "plugin-explorer/style.css",
    "ide_js": "ide.js",
    "ide_css": "ide.css",
}
OWN: Final = frozenset({"ide.js", "ide.css"})


def vendored() -> list[dict[str, str]]:
    """The entries of ``vendor.toml``: package, version, path in the package, shipped
    path under ``static/``, sha256."""
    with (HERE / "vendor.toml").open("rb") as listed:
        entries: list[dict[str, str]] = tomllib.load(listed)["file"]
    return entries


def asset_path(name: str) -> Path:
    return HERE / name if name in OWN else STATIC / name


@functools.cache
def digest() -> str:
    """A short hash of every file the page loads, read once: the assets' path segment."""
    hashed = hashlib.sha256()
    for name in sorted(PAGE_ASSETS.values()):
        hashed.update(name.encode())
        hashed.update(hashlib.sha256(asset_path(name).read_bytes()).digest())
    return hashed.hexdigest()[:16]


def asset_url(name: str, root: str = "") -> str:
    return f"{root}{PREFIX}/{digest()}/{name}"


@functools.cache
def _template() -> Template:
    return Template((HERE / "page.html").read_text(encoding="utf-8"))


def _json_in_html(value: object) -> str:
    """JSON safe inside a ``<script type="application/json">`` block."""
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


@functools.cache
def page(language: str, root: str = "") -> str:
    """The IDE page in the reader's language (the first document it shows explains how to
    sign in and where the token goes), for the app mounted at ``root`` (ASGI root_path)."""
    config = {
        "endpoint": f"{root}/graphql",
        "defaultQuery": message("ide_default_query", language),
    }
    fields = {field: asset_url(name, root) for field, name in PAGE_ASSETS.items()}
    return _template().substitute(
        fields,
        lang=language,
        loading=html.escape(message("ide_loading", language)),
        config=_json_in_html(config),
    )


async def serve_asset(request: Request) -> Response:
    """One of the page's files, only under the current digest (a stale digest is a 404,
    never another version's file under a forever-cached path)."""
    name = request.path_params["name"]
    if request.path_params["digest"] != digest() or name not in PAGE_ASSETS.values():
        return PlainTextResponse("Not Found", status_code=404)
    return FileResponse(asset_path(name), headers={"cache-control": CACHE_FOREVER})
