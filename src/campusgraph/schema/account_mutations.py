"""Credentials and sessions: issue, change, revoke."""

from __future__ import annotations

from typing import Any

import strawberry
from sqlalchemy import select

from campusgraph.context import Context
from campusgraph.db import models as m
from campusgraph.ids import from_global_id
from campusgraph.policies.facts import Target
from campusgraph.policies.targets import target_of
from campusgraph.resolvers import accounts
from campusgraph.schema.base import GraphQLInfo, signed_in
from campusgraph.schema.errors import MutationError
from campusgraph.schema.mutations import ValidationFailed, guarded

#: Who is given credentials, by GraphQL type: (policy object, person table, default role).
HOLDERS: dict[str, tuple[str, Any, str | None]] = {
    "Student": ("student", m.Student, "student"),
    "Parent": ("parent", m.Parent, "parent"),
    "Employee": ("employee", m.Employee, None),
}


@strawberry.input(description="Issue logins and one-time passwords to people.")
class IssueCredentialsInput:
    people: list[strawberry.ID] = strawberry.field(description="Student, Parent or Employee ids.")
    role: str | None = strawberry.field(
        default=None,
        description="Role for employees (a role of the ruleset); students and "
        "parents get `student` / `parent`.",
    )
    client_mutation_id: str | None = None


@strawberry.type(description="A login and its one-time password: shown once, never stored.")
class IssuedCredential:
    person: strawberry.ID
    login: str
    one_time_password: str


@strawberry.type(description="The result of `issueCredentials`.")
class IssueCredentialsPayload:
    credentials: list[IssuedCredential] | None = None
    errors: list[MutationError] = strawberry.field(default_factory=list)


@strawberry.input(description="Change your own password (required after a one-time one).")
class ChangePasswordInput:
    old_password: str
    new_password: str


@strawberry.type(description="The result of `changePassword`.")
class ChangePasswordPayload:
    ok: bool = False
    errors: list[MutationError] = strawberry.field(default_factory=list)


@strawberry.input(description="Revoke every session of an account (a suspected leak).")
class RevokeSessionsInput:
    account_login: str | None = strawberry.field(
        default=None, description="Another account's login (administrators); default: yours."
    )
    client_mutation_id: str | None = None


@strawberry.type(description="The result of `revokeSessions`.")
class RevokeSessionsPayload:
    revoked: int | None = None
    errors: list[MutationError] = strawberry.field(default_factory=list)


async def _holders(ctx: Context, input: IssueCredentialsInput) -> list[tuple[str, Target]]:
    out: list[tuple[str, Target]] = []
    async with ctx.session() as session:
        for gid in input.people:
            try:
                type_name, pk = from_global_id(gid)
            except ValueError:
                raise ValidationFailed(("input.people", f"Неверный идентификатор: {gid}")) from None
            holder = HOLDERS.get(type_name)
            if holder is None:
                raise ValidationFailed(
                    ("input.people", "Ожидается обучающийся, родитель или сотрудник.")
                )
            found = await target_of(session, holder[0], pk)
            if found is None:
                return []
            out.append((holder[0], found))
    return out


async def _account_id(ctx: Context, input: RevokeSessionsInput) -> int | None:
    viewer = ctx.viewer
    assert viewer is not None
    login = input.account_login or viewer.login
    async with ctx.session() as session:
        found: int | None = (
            await session.execute(
                select(m.UserAccount.id).where(
                    m.UserAccount.institution_id == viewer.institution_id,
                    m.UserAccount.login == login,
                )
            )
        ).scalar_one_or_none()
    return found


async def _account_target(ctx: Context, input: RevokeSessionsInput) -> Target | None:
    account = await _account_id(ctx, input)
    if account is None:
        return None
    async with ctx.session() as session:
        return await target_of(session, "account", account)


@strawberry.type(description="Accounts and sessions.")
class AccountMutations:
    @strawberry.mutation(
        permission_classes=signed_in,
        description="Create logins with one-time passwords (reset them for existing accounts).",
    )
    @guarded("student", "issue_credentials", IssueCredentialsPayload, _holders)
    async def issue_credentials(
        self, info: GraphQLInfo, input: IssueCredentialsInput
    ) -> IssueCredentialsPayload:
        ctx = info.context
        ruleset = ctx.registry.get(ctx.ruleset_slug or "").ruleset
        people: list[tuple[int, str]] = []
        async with ctx.session() as session:
            for gid in input.people:
                type_name, pk = from_global_id(gid)
                _, table, default_role = HOLDERS[type_name]
                role = default_role or input.role
                if role is None or role not in ruleset.roles or ruleset.roles[role].get("abstract"):
                    raise ValidationFailed(("input.role", "Укажите роль сотрудника из регламента."))
                person = (
                    await session.execute(select(table.person_id).where(table.id == pk))
                ).scalar_one()
                people.append((person, role))
        issued = await accounts.issue_credentials(ctx, people, input.client_mutation_id)
        return IssueCredentialsPayload(
            credentials=[
                IssuedCredential(person=gid, login=i.login, one_time_password=i.password)
                for gid, i in zip(input.people, issued, strict=True)
            ]
        )

    @strawberry.mutation(
        permission_classes=signed_in, description="Change your password; other sessions end."
    )
    async def change_password(
        self, info: GraphQLInfo, input: ChangePasswordInput
    ) -> ChangePasswordPayload:
        problems = await accounts.change_password(
            info.context, input.old_password, input.new_password
        )
        if problems:
            return ChangePasswordPayload(errors=ValidationFailed(*problems).errors)
        return ChangePasswordPayload(ok=True)

    @strawberry.mutation(
        permission_classes=signed_in,
        description="Revoke all sessions of your account (or, for administrators, another's).",
    )
    @guarded("account", "revoke_sessions", RevokeSessionsPayload, _account_target)
    async def revoke_sessions(
        self, info: GraphQLInfo, input: RevokeSessionsInput
    ) -> RevokeSessionsPayload:
        ctx = info.context
        user_id = await _account_id(ctx, input)
        assert user_id is not None  # the guard found it
        return RevokeSessionsPayload(
            revoked=await accounts.revoke_sessions(ctx, user_id, input.client_mutation_id)
        )
