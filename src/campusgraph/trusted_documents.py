"""Trusted documents: an institution that wants it runs only the GraphQL documents it
registered (``CAMPUSGRAPH_TRUSTED_DOCUMENTS``), so no one — signed in or not — can send
the service a document its own screens never send.

A document is registered by the sha256 of its exact text (hex, as Apollo's persisted
queries and the GraphQL "trusted documents" convention hash it). The registry is either a
folder of ``*.graphql`` files (each file one document, hashed as stored) or a JSON
manifest: ``{"<sha256>": "<text>", …}`` or Apollo's
``{"format": "apollo-persisted-query-manifest", "operations": [{"id", "body"}, …]}``.
``campusgraph documents manifest FOLDER`` writes the first kind from a folder.

A client sends the full text (its hash must be registered) or only the hash, in
``extensions.persistedQuery.sha256Hash`` (the text is then taken from the registry).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from campusgraph.i18n import DEFAULT_LANGUAGE, message


class ManifestError(ValueError):
    """The registry cannot be read, or a hash in it does not match its text; ``key`` names
    the message (``str()`` is the default language's, :meth:`text` any other's)."""

    def __init__(self, key: str, **fields: object) -> None:
        super().__init__(message(key, DEFAULT_LANGUAGE, **fields))
        self.key = key
        self.fields = fields

    def text(self, language: str) -> str:
        return message(self.key, language, **self.fields)


def document_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def from_folder(folder: Path) -> dict[str, str]:
    documents = {}
    for path in sorted(folder.rglob("*.graphql")):
        text = path.read_text(encoding="utf-8")
        documents[document_hash(text)] = text
    return documents


def from_manifest(path: Path) -> dict[str, str]:
    if not path.is_file():
        raise ManifestError("manifest_missing", path=path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ManifestError(
            "manifest_unreadable", path=path, detail=type(error).__name__
        ) from error
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as error:
        raise ManifestError(
            "manifest_not_json", path=path, line=error.lineno, column=error.colno
        ) from error
    pairs: Iterable[tuple[Any, Any]]
    if isinstance(raw, Mapping) and isinstance(raw.get("operations"), list):
        pairs = ((op.get("id"), op.get("body")) for op in raw["operations"])
    elif isinstance(raw, Mapping):
        pairs = raw.items()
    else:
        raise ManifestError("manifest_not_object", path=path)
    documents = {}
    for digest, text in pairs:
        if not isinstance(digest, str) or not isinstance(text, str):
            raise ManifestError("manifest_entry_shape", path=path)
        if document_hash(text) != digest.lower():
            raise ManifestError("manifest_hash_mismatch", path=path, digest=digest)
        documents[digest.lower()] = text
    return documents


def load(path: Path) -> dict[str, str]:
    """The registered documents by hash, from a folder or a manifest file."""
    if path.is_dir():
        return from_folder(path)
    if path.is_file():
        return from_manifest(path)
    raise ManifestError("manifest_missing", path=path)


def manifest(folders: Iterable[Path]) -> str:
    """The JSON manifest of every ``*.graphql`` under the folders (sorted, stable)."""
    documents: dict[str, str] = {}
    for folder in folders:
        documents.update(from_folder(folder) if folder.is_dir() else from_manifest(folder))
    return json.dumps(dict(sorted(documents.items())), ensure_ascii=False, indent=2) + "\n"


def sent_hash(extensions: Mapping[str, Any] | None) -> str | None:
    """The hash a request names (Apollo's ``extensions.persistedQuery.sha256Hash``)."""
    persisted = (extensions or {}).get("persistedQuery")
    if isinstance(persisted, Mapping):
        digest = persisted.get("sha256Hash")
        if isinstance(digest, str):
            return digest.lower()
    return None
