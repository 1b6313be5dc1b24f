"""The golden cases' database and client, shared by every golden module on one backend.

``golden_db`` is the folder's own copy of the seeded demo (one per backend per session),
with the rows the demo lacks inserted once before any case reads it (final marks,
subgroups, a substitution: :func:`tests.policies.golden.pickers.enrich`). Nothing writes
to it afterwards: tests that change state (closing a period, inserting a final mark) use
the per-test ``db``. ``golden`` signs in each demo account once, finds each target row
once, and memoises every answer, so the coverage test reads the answers the case tests got.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.conftest import make_settings
from tests.policies.golden.asking import Golden
from tests.policies.golden.pickers import enrich
from tests.support.client import GraphQLClient, http_client, serving
from tests.support.databases import Database, DatabaseManager


@pytest.fixture(scope="session")
async def golden_db(backend: str, databases: DatabaseManager) -> AsyncIterator[Database]:
    async with databases.clone(backend) as database:
        await enrich(database.factory)
        yield database


@pytest.fixture(scope="session")
async def golden(golden_db: Database) -> AsyncIterator[Golden]:
    from campusgraph.app import create_app

    # The suite's settings (tests/conftest.py): a loaded machine's slow answer must not turn
    # into TIMEOUT, which a batch of one account's cases would all share.
    settings = make_settings(golden_db)
    async with serving(create_app(settings)) as running, http_client(running) as http:
        yield Golden(golden_db, GraphQLClient(http))
