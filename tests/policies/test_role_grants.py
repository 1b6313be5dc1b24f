"""The role-granting matrix of every shipped ruleset holds end to end, through the endpoint.

For every demo account (one per role) and every role of its ruleset, ``issueCredentials``
gives that role to a new person — and to the caller himself — exactly when the policy
engine says so: the holder line (``student|parent|employee, issue_credentials``) and a
``role.<name>, grant`` line for the role and every concrete role it inherits. The
expectation comes from the engine (an Authorizer for the same account, inheritance read
from the ruleset's ``g`` lines by ``policy matrix``'s own walk), never from a table here.
A granted new account signs in holding exactly that role; the caller, after granting
himself what he may, signs in with his unchanged password holding his role and those.
"""

from __future__ import annotations

import ast
import dataclasses
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

import campusgraph
from campusgraph.db import models as m
from campusgraph.db.tenancy import scoped, unscoped
from campusgraph.ids import to_global_id
from campusgraph.policies.engine import Authorizer, Decision, compile_ruleset
from campusgraph.policies.explain import viewer_for_login
from campusgraph.policies.facts import Facts, Target, membership_current
from campusgraph.policies.matrix import ancestors, concrete_roles, is_abstract
from campusgraph.policies.reasons import clause_text
from campusgraph.policies.ruleset import search_dirs
from campusgraph.policies.targets import target_of
from campusgraph.policies.vocabulary import role_object
from tests.policies.golden.pickers import CURATOR, SHORT, SLUGS
from tests.support import DEMO_TODAY
from tests.support.client import GraphQLClient
from tests.support.databases import Database

FIELDS = """
  credentials { person login oneTimePassword }
  granted { person login role added }
  errors { code field message ruleset rule clause }
"""
ISSUE = f"""
mutation ($input: IssueCredentialsInput!) {{
  issueCredentials(input: $input) {{ {FIELDS} }}
}}
"""
CHANGE = """
mutation ($old: String!, $new: String!) {
  changePassword(input: {oldPassword: $old, newPassword: $new}) { ok errors { code } }
}
"""
ROLES = "query { viewer { login roles { name } } }"
#: issueCredentials fields per request, under the server's alias limit.
BATCH = 20
#: GraphQL type of the card that receives each kind of role.
HOLDER_TYPES = {"student": "Student", "parent": "Parent"}
OBJECTS_OF = {"Student": "student", "Parent": "parent", "Employee": "employee"}


@dataclass(frozen=True)
class Card:
    type_name: str  # Student, Parent or Employee
    pk: int

    @property
    def gid(self) -> str:
        return to_global_id(self.type_name, self.pk)


@dataclass
class Expected:
    allowed: bool
    decision: Decision  # the refusing decision, or the grant that allowed it
    by_grant: bool  # refused by a grant line (not by the holder line)


@dataclass
class GrantCase:
    login: str
    role: str
    card: Card
    expected: Expected


def batches(items: list[Any], size: int = BATCH) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def issue_document(count: int) -> str:
    params = ", ".join(f"$i{n}: IssueCredentialsInput!" for n in range(count))
    fields = " ".join(f"g{n}: issueCredentials(input: $i{n}) {{ {FIELDS} }}" for n in range(count))
    return f"mutation ({params}) {{ {fields} }}"


class Oracle:
    """The engine's answer for one demo account: an Authorizer as its sign-in would have."""

    def __init__(self, db: Database, slug: str) -> None:
        self.db = db
        self.slug = slug
        self.compiled = compile_ruleset(slug, search_dirs())
        self.ruleset = self.compiled.ruleset
        self._auth: dict[str, Authorizer] = {}

    async def authorizer(self, login: str) -> Authorizer:
        if login not in self._auth:
            found = await viewer_for_login(self.db.factory, self.slug, login)
            assert found is not None, login
            viewer = dataclasses.replace(found[0], today=DEMO_TODAY)
            facts = Facts(viewer, lambda: scoped(self.db.factory, viewer.institution_ids))
            self._auth[login] = Authorizer(self.compiled, viewer, facts)
        return self._auth[login]

    def handed_over(self, role: str) -> list[str]:
        """The role and every concrete role it inherits (the matrix's own walk of g lines)."""
        return [
            role,
            *(r for r in ancestors(self.ruleset, role) if not is_abstract(self.ruleset, r)),
        ]

    async def grant(self, login: str, role: str, target: Target) -> Decision:
        """The first refusing grant of the roles handed over, else the last allowing one."""
        auth = await self.authorizer(login)
        decision: Decision | None = None
        for given in self.handed_over(role):
            obj = role_object(given)
            decision = await auth.check(obj, "grant", auth.retarget(target, obj))
            if not decision.allowed:
                break
        assert decision is not None
        return decision

    async def expect(self, login: str, role: str, card: Card, target: Target) -> Expected:
        auth = await self.authorizer(login)
        obj = OBJECTS_OF[card.type_name]
        holder = await auth.check(obj, "issue_credentials", auth.retarget(target, obj))
        if not holder.allowed:
            return Expected(False, holder, by_grant=False)
        decision = await self.grant(login, role, target)
        return Expected(decision.allowed, decision, by_grant=not decision.allowed)


class People:
    """Cards without accounts: a shared decoy per kind for the refusals (a refusal writes
    nothing), and a card of its own for every grant the engine allows."""

    def __init__(self, session: AsyncSession, institution_id: int, group_id: int) -> None:
        self.session = session
        self.inst = institution_id
        self.group = group_id
        self.students: list[int] = []
        self.parents: list[int] = []
        self.hired = 0
        self.decoy_employee: int | None = None

    async def load(self) -> None:
        with_account = select(m.UserAccount.person_id).where(m.UserAccount.person_id.is_not(None))
        gm = m.GroupMembership
        in_group = select(gm.student_id).where(
            gm.group_id == self.group, membership_current(DEMO_TODAY)
        )
        self.students = list(
            (
                await self.session.execute(
                    select(m.Student.id)
                    .where(m.Student.id.in_(in_group), m.Student.person_id.not_in(with_account))
                    .order_by(m.Student.id)
                )
            ).scalars()
        )
        pl = m.ParentLink
        self.parents = list(
            (
                await self.session.execute(
                    select(m.Parent.id)
                    .join(pl, pl.parent_id == m.Parent.id)
                    .where(pl.student_id.in_(in_group), m.Parent.person_id.not_in(with_account))
                    .group_by(m.Parent.id)
                    .order_by(m.Parent.id)
                )
            ).scalars()
        )
        assert len(self.students) >= 8, "too small a demo group"
        assert len(self.parents) >= 8, "too few parents in the demo group"

    async def hire(self) -> int:
        """A new employee: a person hired today, with no account yet."""
        self.hired += 1
        person = m.Person(institution_id=self.inst, surname="Новикова", name=f"Анна{self.hired}")
        self.session.add(person)
        await self.session.flush()
        employee = m.Employee(institution_id=self.inst, person_id=person.id, hired_on=DEMO_TODAY)
        self.session.add(employee)
        await self.session.flush()
        return employee.id

    async def decoy(self, type_name: str) -> Card:
        if type_name == "Student":
            return Card(type_name, self.students[0])
        if type_name == "Parent":
            return Card(type_name, self.parents[0])
        if self.decoy_employee is None:
            self.decoy_employee = await self.hire()
        return Card(type_name, self.decoy_employee)

    async def fresh(self, type_name: str) -> Card:
        if type_name == "Student":
            return Card(type_name, self.students.pop())
        if type_name == "Parent":
            return Card(type_name, self.parents.pop())
        return Card(type_name, await self.hire())


async def _curated_group(session: AsyncSession, slug: str) -> tuple[int, int]:
    """The institution and the group its demo curator curates today."""
    inst = (
        await session.execute(select(m.Institution.id).where(m.Institution.slug == slug))
    ).scalar_one()
    cur = m.Curatorship
    group = (
        await session.execute(
            select(cur.group_id)
            .join(m.Employee, m.Employee.id == cur.curator_id)
            .join(m.UserAccount, m.UserAccount.person_id == m.Employee.person_id)
            .where(
                m.UserAccount.institution_id == inst,
                m.UserAccount.login == CURATOR[slug],
                cur.starts_on <= DEMO_TODAY,
                or_(cur.ends_on.is_(None), cur.ends_on >= DEMO_TODAY),
            )
            .order_by(cur.group_id)
            .limit(1)
        )
    ).scalar_one()
    return inst, group


async def _own_card(session: AsyncSession, person_id: int) -> Card | None:
    for type_name, model in (
        ("Employee", m.Employee),
        ("Student", m.Student),
        ("Parent", m.Parent),
    ):
        pk = (
            await session.execute(select(model.id).where(model.person_id == person_id))
        ).scalar_one_or_none()
        if pk is not None:
            return Card(type_name, pk)
    return None


async def _target(session: AsyncSession, card: Card) -> Target:
    found = await target_of(session, OBJECTS_OF[card.type_name], card.pk)
    assert found is not None, card
    return found


def _check_refusal(case: GrantCase, result: dict[str, Any]) -> None:
    exp = case.expected
    where = f"{case.login} giving {case.role} to {case.card}"
    assert not result["credentials"], f"{where}: {result}"
    assert not result["granted"], f"{where}: {result}"
    [error] = result["errors"]
    assert error["code"] == "FORBIDDEN", f"{where}: {error}"
    assert error["rule"] == exp.decision.rule, f"{where}: {error}"
    assert error["clause"] == clause_text(exp.decision, "ru"), f"{where}: {error}"
    if exp.by_grant:
        assert error["field"] == "input.role", f"{where}: {error}"
        assert case.role in error["message"], f"{where}: {error}"


async def _send(caller: GraphQLClient, cases: list[GrantCase]) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    for chunk in batches(cases):
        variables = {
            f"i{n}": {
                "people": [c.card.gid],
                "role": c.role if c.card.type_name == "Employee" else None,
            }
            for n, c in enumerate(chunk)
        }
        payload = await caller.data(issue_document(len(chunk)), variables)
        results += [payload[f"g{n}"] for n in range(len(chunk))]
    return results


async def _signs_in_holding(
    client: GraphQLClient, slug: str, login: str, password: str
) -> set[str]:
    """Sign in with a one-time password, change it, and read the roles the account holds."""
    user = await client.as_(slug, login, password)
    changed = await user.data(CHANGE, {"old": password, "new": "a-long-new-secret"})
    assert changed["changePassword"] == {"ok": True, "errors": []}
    user = await client.as_(slug, login, "a-long-new-secret")
    viewer = (await user.data(ROLES))["viewer"]
    return {r["name"] for r in viewer["roles"]}


@pytest.mark.parametrize("slug", SLUGS, ids=SHORT.get)
async def test_the_role_granting_matrix_holds_end_to_end(
    db: Database, client: GraphQLClient, slug: str
) -> None:
    # given: every demo account of the ruleset, every role it has, the engine's answers
    oracle = Oracle(db, slug)
    roles = concrete_roles(oracle.ruleset)
    async with unscoped(db.factory) as session:
        inst, group = await _curated_group(session, slug)
        rows = await session.execute(
            select(m.UserAccount.login, m.UserAccount.person_id)
            .where(m.UserAccount.institution_id == inst)
            .order_by(m.UserAccount.id)
        )
        accounts: dict[str, int] = {row[0]: row[1] for row in rows}
    assert set(accounts) == set(roles) - {"authority"} | ({"authority"} & set(accounts))
    new_cases: dict[str, list[GrantCase]] = {}
    self_cases: dict[str, list[GrantCase]] = {}
    async with unscoped(db.factory, write=True) as session:
        people = People(session, inst, group)
        await people.load()
        for login, person_id in accounts.items():
            new_cases[login], self_cases[login] = [], []
            own = await _own_card(session, person_id)
            for role in roles:
                type_name = HOLDER_TYPES.get(role, "Employee")
                card = await people.decoy(type_name)
                expected = await oracle.expect(login, role, card, await _target(session, card))
                if expected.allowed:
                    card = await people.fresh(type_name)
                    expected = await oracle.expect(login, role, card, await _target(session, card))
                new_cases[login].append(GrantCase(login, role, card, expected))
                if own is not None and HOLDER_TYPES.get(role, "Employee") == own.type_name:
                    target = await _target(session, own)
                    mine = await oracle.expect(login, role, own, target)
                    self_cases[login].append(GrantCase(login, role, own, mine))
        await session.commit()
    allowed = [c for cases in new_cases.values() for c in cases if c.expected.allowed]
    refused = [c for cases in new_cases.values() for c in cases if not c.expected.allowed]
    assert allowed, "a matrix that allows nothing proves little"
    assert refused, "a matrix that refuses nothing proves little"

    # when: each account gives every role to a new person, then to himself
    granted_to: dict[str, set[str]] = {}
    for login in accounts:
        caller = await client.as_(slug, login)
        for case, result in zip(
            new_cases[login], await _send(caller, new_cases[login]), strict=True
        ):
            if not case.expected.allowed:
                _check_refusal(case, result)
                continue
            # then: the new account signs in holding exactly the role given
            assert result["errors"] == [], (case, result)
            assert result["granted"] == [], (case, result)
            [credential] = result["credentials"]
            assert credential["person"] == case.card.gid
            held = await _signs_in_holding(
                client, slug, credential["login"], credential["oneTimePassword"]
            )
            assert held == {case.role}, (case, held)
        granted_to[login] = {login}
        for case, result in zip(
            self_cases[login], await _send(caller, self_cases[login]), strict=True
        ):
            if not case.expected.allowed:
                _check_refusal(case, result)
                continue
            assert result["errors"] == [], (case, result)
            assert result["credentials"] == [], (case, result)
            [granted] = result["granted"]
            assert granted == {
                "person": case.card.gid,
                "login": login,
                "role": case.role,
                "added": case.role != login,
            }
            granted_to[login].add(case.role)

    # then: every caller still signs in with his own password, holding what he was given
    for login, expected_roles in granted_to.items():
        again = await client.as_(slug, login)
        held = {r["name"] for r in (await again.data(ROLES))["viewer"]["roles"]}
        assert held == expected_roles, (login, held)


CAN_FIELD = 'c{n}: can(object: $o{n}, action: "grant", id: $i{n}) {{ allowed rule clause }}'


@pytest.mark.parametrize("slug", SLUGS, ids=SHORT.get)
async def test_every_account_asks_can_grant_every_role(
    shared_db: Database, shared_sign_in: Any, slug: str
) -> None:
    """The grant lines alone (whoever holds the card): ``viewer.can`` on ``role.<name>``
    answers, with the deciding line, what the engine decides for every account × role."""
    # given: a new employee's, a student's and a parent's card of the curator's group
    oracle = Oracle(shared_db, slug)
    roles = concrete_roles(oracle.ruleset)
    expected: dict[str, list[tuple[str, Card, Decision]]] = {}
    async with unscoped(shared_db.factory) as session:
        inst, group = await _curated_group(session, slug)
        people = People(session, inst, group)
        await people.load()
        with_account = select(m.UserAccount.person_id).where(m.UserAccount.person_id.is_not(None))
        employee = (
            await session.execute(
                select(m.Employee.id)
                .where(m.Employee.person_id.not_in(with_account))
                .where(m.Employee.institution_id == inst)
                .order_by(m.Employee.id)
                .limit(1)
            )
        ).scalar_one()
        cards = {
            "Student": Card("Student", people.students[0]),
            "Parent": Card("Parent", people.parents[0]),
            "Employee": Card("Employee", employee),
        }
        targets = {name: await _target(session, card) for name, card in cards.items()}
        logins = (
            await session.execute(
                select(m.UserAccount.login).where(m.UserAccount.institution_id == inst)
            )
        ).scalars()
        for login in logins:
            expected[login] = []
            for role in roles:
                kind = HOLDER_TYPES.get(role, "Employee")
                decision = await oracle.grant(login, role, targets[kind])
                expected[login].append((role, cards[kind], decision))
    answers = [d.allowed for cases in expected.values() for _, _, d in cases]
    assert any(answers), "no account may grant anything"
    assert not all(answers), "every account may grant everything"

    for login, cases in expected.items():
        # when: the account asks can() about every role, in one request
        user = await shared_sign_in(slug, login)
        params = ", ".join(f"$o{n}: String!, $i{n}: ID" for n in range(len(cases)))
        fields = " ".join(CAN_FIELD.format(n=n) for n in range(len(cases)))
        variables: dict[str, Any] = {}
        for n, (role, card, _) in enumerate(cases):
            variables |= {f"o{n}": role_object(role), f"i{n}": card.gid}
        document = f"query ({params}) {{ viewer {{ {fields} }} }}"
        viewer = (await user.data(document, variables))["viewer"]

        # then: the answer and its line are the engine's
        for n, (role, _, decision) in enumerate(cases):
            assert viewer[f"c{n}"] == {
                "allowed": decision.allowed,
                "rule": decision.rule,
                "clause": clause_text(decision, "ru"),
            }, (login, role)


SRC = Path(campusgraph.__file__).parent
#: Who may write role assignments: the credentials resolver (its mutations are guarded by
#: the grant decision, checked below) and the operator's seeds (the CLI bypasses roles).
ROLE_WRITERS = {"resolvers/accounts.py", "db/demo.py", "db/region_seed.py"}
_WRITES_ROLE = re.compile(
    r"(insert\(\s*m\.RoleAssignment|(?<!class )RoleAssignment\(|add\(\s*m\.RoleAssignment)"
)
#: resolvers.accounts functions that give roles or hand over accounts.
HANDING_OVER = {"issue_credentials", "reset_password"}


def test_only_guarded_paths_give_roles() -> None:
    """Every path that gives a role (or a password, which hands over the account's roles)
    is a mutation whose guard decides the grant: a new path cannot skip it unnoticed."""
    writers = {
        path.relative_to(SRC).as_posix()
        for path in SRC.rglob("*.py")
        if "migrations" not in path.parts and _WRITES_ROLE.search(path.read_text("utf-8"))
    }
    assert writers == ROLE_WRITERS
    callers: dict[str, bool] = {}
    for path in SRC.rglob("*.py"):
        tree = ast.parse(path.read_text("utf-8"))
        for fn in ast.walk(tree):
            if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            calls = {
                node.func.attr
                for node in ast.walk(fn)
                if isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "accounts"
                and node.func.attr in HANDING_OVER
            }
            if not calls:
                continue
            guarded_with_grants = any(
                isinstance(d, ast.Call)
                and isinstance(d.func, ast.Name)
                and d.func.id == "guarded"
                and any(k.arg == "grants" for k in d.keywords)
                for d in fn.decorator_list
            )
            callers[f"{path.relative_to(SRC).as_posix()}:{fn.name}"] = guarded_with_grants
    assert callers, "no caller of the credentials resolver found"
    assert all(callers.values()), callers
