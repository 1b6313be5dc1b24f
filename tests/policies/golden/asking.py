"""Asking ``viewer.can`` for the golden cases: each demo account signs in once, each
target row is picked once, each answer is memoised per backend (the coverage test reads
the answers the case tests got, and asks only what a filtered run skipped)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from campusgraph.db.tenancy import unscoped
from tests.policies.golden.cases import Answer, Case, case_id
from tests.policies.golden.pickers import (
    REGION,
    SLUGS,
    Account,
    Demo,
    Need,
    Pick,
    Rows,
    load_demo,
    row_authored,
    self_row,
)
from tests.support.client import GraphQLClient
from tests.support.databases import Database

#: Pickers and objects whose row depends on who asks (his own row, what he wrote, a
#: colleague other than himself); other picks are shared by every account.
VIEWER_PICKERS = (self_row, row_authored)
VIEWER_OBJECTS = frozenset(
    {"employee", "employee.personal", "account", "role_assignment", "message"}
)

#: ``can`` fields per request: the server's alias limit (Settings.max_aliases).
MAX_FIELDS = 30


class Golden:
    """Signed-in clients, demo facts, picked rows and answers, all memoised."""

    def __init__(self, db: Database, anonymous: GraphQLClient) -> None:
        self.db = db
        self.anonymous = anonymous
        self._clients: dict[tuple[str, str], GraphQLClient] = {}
        self._demos: dict[str, Demo] = {}
        self._picks: dict[tuple[Any, ...], Pick] = {}
        self.answers: dict[str, Answer] = {}

    async def client(self, realm: str, login: str) -> GraphQLClient:
        key = (realm, login)
        if key not in self._clients:
            self._clients[key] = await self.anonymous.as_(realm, login)
        return self._clients[key]

    async def demo(self, slug: str) -> Demo:
        if slug not in self._demos:
            async with unscoped(self.db.factory) as session:
                self._demos[slug] = await load_demo(session, slug)
        return self._demos[slug]

    async def account(self, slug: str, realm: str, login: str) -> Account | None:
        if realm == REGION:
            return None
        return (await self.demo(slug)).accounts[login]

    async def pick(self, session: AsyncSession, case: Case) -> Pick:
        realm = case.realm or case.slug
        who = case.login if case.pick in VIEWER_PICKERS or case.obj in VIEWER_OBJECTS else ""
        key = (case.slug, realm, who, case.pick.label, case.obj, case.act)
        if key not in self._picks:
            slug = case.slug
            if case.pick.other_institution:
                slug = SLUGS[(SLUGS.index(slug) + 1) % len(SLUGS)]
            viewer = await self.account(case.slug, realm, case.login)
            rows = Rows(session, await self.demo(slug))
            self._picks[key] = await case.pick.fn(rows, Need(case.obj, case.act, viewer))
        return self._picks[key]

    async def ask(self, case: Case, table: Sequence[Case] = ()) -> Answer:
        """The answer to one golden case, asked once per backend. The first case of an
        account asks, in the same request, every unanswered case of ``table`` that account
        has (one ``can`` field each): one sign-in and one request per account and table."""
        key = case_id(case)
        if key not in self.answers:
            realm = case.realm or case.slug
            batch: dict[str, Case] = {key: case}
            for other in table:
                if (other.slug, other.realm or other.slug, other.login) == (
                    case.slug,
                    realm,
                    case.login,
                ) and case_id(other) not in self.answers:
                    batch.setdefault(case_id(other), other)
            keys = list(batch)
            for start in range(0, len(keys), MAX_FIELDS):
                chunk = {k: batch[k] for k in keys[start : start + MAX_FIELDS]}
                await self._ask_all(realm, case.login, chunk)
        return self.answers[key]

    async def _ask_all(self, realm: str, login: str, batch: dict[str, Case]) -> None:
        client = await self.client(realm, login)
        params: list[str] = []
        fields: list[str] = []
        variables: dict[str, Any] = {}
        aliases: dict[str, str] = {}
        async with unscoped(self.db.factory) as session:
            for n, (key, case) in enumerate(batch.items()):
                try:
                    target, on = await self.pick(session, case)
                except LookupError as error:
                    self.answers[key] = Answer(None, error=f"no target row: {error}")
                    continue
                params.append(f"$o{n}: String!, $a{n}: String!, $i{n}: ID, $n{n}: ID")
                fields.append(
                    f"c{n}: can(object: $o{n}, action: $a{n}, id: $i{n}, on: $n{n}) "
                    "{ allowed ruleset rule clause }"
                )
                variables.update({f"o{n}": case.obj, f"a{n}": case.act, f"i{n}": target})
                variables[f"n{n}"] = on
                aliases[f"c{n}"] = key
        if not fields:
            return
        document = f"query ({', '.join(params)}) {{ viewer {{ {' '.join(fields)} }} }}"
        payload = await client.query(document, variables)
        errors: dict[str, str] = {}
        for error in payload.get("errors") or []:
            path = error.get("path") or []
            alias = path[1] if len(path) > 1 else None
            for name in [alias] if alias in aliases else list(aliases):
                errors.setdefault(name, str(error.get("message")))
        viewer = (payload.get("data") or {}).get("viewer") or {}
        for alias, key in aliases.items():
            found = viewer.get(alias)
            if alias in errors:
                self.answers[key] = Answer(None, error=errors[alias])
            elif found is None:
                self.answers[key] = Answer(None)
            else:
                self.answers[key] = Answer(
                    found["allowed"], found["ruleset"], found["rule"], found["clause"]
                )
