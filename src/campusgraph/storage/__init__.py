"""Where the bytes of uploaded files live, behind one interface.

``FileStorage`` is what the portfolio code writes through; the setting
``portfolio_storage`` picks the implementation: :class:`DatabaseStorage` (the ``stored_blob``
table, written in the same transaction as the file's metadata row — one backup holds
everything, and a refused or failed upload leaves nothing) or :class:`DiskStorage` (a
folder, for files too many or too large for the database; the caller removes the file
again when its transaction does not commit).

What a file *is* is decided from its bytes (:func:`detect_type`), never from its name or
the Content-Type the client sent: a program renamed ``diploma.pdf`` is still a program.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import filetype  # type: ignore[import-untyped]
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from campusgraph.db import models as m
from campusgraph.settings import Settings

#: What a file whose bytes match no known signature is called in messages.
UNKNOWN_TYPE = "application/octet-stream"


def detect_type(content: bytes) -> str:
    """The content type the bytes' signature says (``application/octet-stream`` when none
    is recognised: plain text, HTML, anything without magic bytes)."""
    guess = filetype.guess(content[:8192] if len(content) > 8192 else content)
    if guess is None:
        return UNKNOWN_TYPE
    mime: str = guess.mime
    return mime


def new_key() -> str:
    """A storage key: random, so it says nothing of the file and cannot be guessed."""
    return secrets.token_hex(20)


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


class FileStorage(Protocol):
    """Bytes kept under a key. ``session`` is the write transaction of the metadata row:
    a storage that lives in the database writes in it; one that does not must be undone
    by the caller (:meth:`discard`) when that transaction does not commit."""

    @property
    def outside_transaction(self) -> bool:
        """Whether a write outlives a rolled-back transaction (the caller discards it)."""

    async def put(
        self, session: AsyncSession, institution_id: int, key: str, content: bytes
    ) -> None: ...

    async def get(self, session: AsyncSession, key: str) -> bytes | None: ...

    async def delete(self, session: AsyncSession, key: str) -> None: ...

    async def discard(self, key: str) -> None:
        """Remove what :meth:`put` wrote outside the transaction (nothing for the database)."""


@dataclass(frozen=True, slots=True)
class DatabaseStorage:
    outside_transaction: bool = False

    async def put(
        self, session: AsyncSession, institution_id: int, key: str, content: bytes
    ) -> None:
        session.add(m.StoredBlob(key=key, institution_id=institution_id, content=content))
        await session.flush()

    async def get(self, session: AsyncSession, key: str) -> bytes | None:
        found = await session.scalar(select(m.StoredBlob.content).where(m.StoredBlob.key == key))
        return None if found is None else bytes(found)

    async def delete(self, session: AsyncSession, key: str) -> None:
        await session.execute(delete(m.StoredBlob).where(m.StoredBlob.key == key))

    async def discard(self, key: str) -> None:
        return None


@dataclass(frozen=True, slots=True)
class DiskStorage:
    """Files under ``root``, two levels of folders by the key's first characters (no folder
    grows to millions of entries). Written to a temporary name and renamed, so a reader
    never sees half a file."""

    root: Path
    outside_transaction: bool = True

    def path(self, key: str) -> Path:
        if not key.isalnum():  # keys are ours (hex); never a path from outside
            raise ValueError("bad storage key")
        return self.root / key[:2] / key[2:4] / key

    async def put(
        self, session: AsyncSession, institution_id: int, key: str, content: bytes
    ) -> None:
        await asyncio.to_thread(self._write, self.path(key), content)

    @staticmethod
    def _write(path: Path, content: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(path.name + ".part")
        with open(temporary, "wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)

    async def get(self, session: AsyncSession, key: str) -> bytes | None:
        path = self.path(key)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            return None

    async def delete(self, session: AsyncSession, key: str) -> None:
        # After the metadata row is gone; a crash in between leaves a file no row names,
        # never a row without its file.
        await self.discard(key)

    async def discard(self, key: str) -> None:
        await asyncio.to_thread(self.path(key).unlink, missing_ok=True)


def storage_for(settings: Settings) -> FileStorage:
    if settings.portfolio_storage == "disk":
        return DiskStorage(settings.portfolio_storage_path)
    return DatabaseStorage()
