"""Credentials and sessions: issue, change, revoke."""

from __future__ import annotations

from typing import Any

import strawberry
from sqlalchemy import select

from campusgraph.context import Context
from campusgraph.db import models as m
from campusgraph.i18n import message
from campusgraph.ids import from_global_id
from campusgraph.policies.facts import Target
from campusgraph.policies.targets import target_of
from campusgraph.resolvers import accounts
from campusgraph.schema.base import GraphQLInfo, signed_in
from campusgraph.schema.errors import MutationError
from campusgraph.schema.mutations import ValidationFailed, guarded

#: Who is given credentials, by GraphQL type: (policy object, person table, default role).
#: ``issueCredentials`` is guarded as ``student issue_credentials``, but its targets are
#: the cards of :data:`HOLDERS`, each checked on its own object: declared here for
#: ``policy lint`` (see :mod:`campusgraph.policies.operations`).
EXERCISES = (
    ("student", "issue_credentials"),
    ("parent", "issue_credentials"),
    ("employee", "issue_credentials"),
)
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
        "parents get `student` / `parent`. The ruleset must let you grant it "
        "(`role.<name>, grant`), and every role it inherits.",
    )
    client_mutation_id: str | None = None


@strawberry.type(description="A login and its one-time password: shown once, never stored.")
class IssuedCredential:
    person: strawberry.ID = strawberry.field(description="The person's card (global id).")
    login: str = strawberry.field(description="The new login.")
    one_time_password: str = strawberry.field(
        description="Its one-time password: hand it over, it is not kept."
    )


@strawberry.type(
    description="A role given to a person who already had an account: his password is left "
    "alone (a new one is `resetPassword`)."
)
class GrantedRole:
    person: strawberry.ID = strawberry.field(description="The person's card (global id).")
    login: str = strawberry.field(description="His existing account's login.")
    role: str = strawberry.field(description="The role given, by its ruleset name.")
    added: bool = strawberry.field(description="False when the account already held the role.")


@strawberry.type(description="The result of `issueCredentials`.")
class IssueCredentialsPayload:
    credentials: list[IssuedCredential] | None = strawberry.field(
        default=None, description="New accounts, with their one-time passwords."
    )
    granted: list[GrantedRole] | None = strawberry.field(
        default=None, description="Accounts the people already had, given the role."
    )
    errors: list[MutationError] = strawberry.field(default_factory=list)


@strawberry.input(
    description="A new one-time password for an existing account of your institution; its "
    "sessions end. Allowed only where the ruleset lets you grant every role the account holds."
)
class ResetPasswordInput:
    account_login: str = strawberry.field(description="The login of the account to reset.")
    client_mutation_id: str | None = None


@strawberry.type(description="The result of `resetPassword`: shown once, never stored.")
class ResetPasswordPayload:
    login: str | None = strawberry.field(default=None, description="The account reset.")
    one_time_password: str | None = strawberry.field(
        default=None, description="Its new one-time password: hand it over, it is not kept."
    )
    errors: list[MutationError] = strawberry.field(default_factory=list)


@strawberry.input(description="Change your own password (required after a one-time one).")
class ChangePasswordInput:
    old_password: str = strawberry.field(description="Your current (or one-time) password.")
    new_password: str = strawberry.field(description="The new password.")


@strawberry.type(description="The result of `changePassword`.")
class ChangePasswordPayload:
    ok: bool = strawberry.field(default=False, description="True when the password was changed.")
    errors: list[MutationError] = strawberry.field(default_factory=list)


@strawberry.input(description="Revoke every session of an account (a suspected leak).")
class RevokeSessionsInput:
    account_login: str | None = strawberry.field(
        default=None, description="Another account's login (administrators); default: yours."
    )
    client_mutation_id: str | None = None


@strawberry.type(description="The result of `revokeSessions`.")
class RevokeSessionsPayload:
    revoked: int | None = strawberry.field(
        default=None, description="Sessions ended; null when the change did not happen."
    )
    errors: list[MutationError] = strawberry.field(default_factory=list)


async def _holders(ctx: Context, input: IssueCredentialsInput) -> list[tuple[str, Target]]:
    out: list[tuple[str, Target]] = []
    async with ctx.session() as session:
        for gid in input.people:
            try:
                type_name, pk = from_global_id(gid)
            except ValueError:
                raise ValidationFailed(
                    ("input.people", message("bad_id", ctx.language, value=gid))
                ) from None
            holder = HOLDERS.get(type_name)
            if holder is None:
                raise ValidationFailed(
                    ("input.people", message("credentials_holder_kind", ctx.language))
                )
            found = await target_of(session, holder[0], pk)
            if found is None:
                return []
            out.append((holder[0], found))
    return out


def _role_of(ctx: Context, type_name: str, input: IssueCredentialsInput) -> str:
    """The role ``input`` gives a holder of ``type_name``: a student's and a parent's are
    fixed, an employee's is named and must be a concrete role of the ruleset."""
    roles = ctx.authorizer.compiled.ruleset.roles
    default_role = HOLDERS[type_name][2]
    if default_role is not None:
        if input.role not in (None, default_role):
            raise ValidationFailed(("input.role", message("role_fixed", ctx.language)))
        return default_role
    role = input.role
    if role is None or role not in roles or roles[role].get("abstract"):
        raise ValidationFailed(("input.role", message("role_required", ctx.language)))
    return role


async def _grants(
    ctx: Context, input: IssueCredentialsInput, targets: list[Any]
) -> list[tuple[str, Target]]:
    """Each person's role, given to him (the guard's targets are the people, in order)."""
    out: list[tuple[str, Target]] = []
    for gid, (_obj, target) in zip(input.people, targets, strict=True):
        type_name, _ = from_global_id(gid)
        out.append((_role_of(ctx, type_name, input), target))
    return out


async def _account_id(ctx: Context, input: RevokeSessionsInput | ResetPasswordInput) -> int | None:
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


async def _account_target(
    ctx: Context, input: RevokeSessionsInput | ResetPasswordInput
) -> Target | None:
    account = await _account_id(ctx, input)
    if account is None:
        return None
    async with ctx.session() as session:
        return await target_of(session, "account", account)


async def _held_roles(
    ctx: Context, input: ResetPasswordInput, targets: list[Any]
) -> list[tuple[str, Target]]:
    """Whoever receives an account's new password holds all its roles: each must be one
    the caller may grant, to this person — seen through the card the role goes with (a
    student's role through his student card, so a grant scoped to a curator's group
    reaches the resets of that group's accounts only)."""
    viewer = ctx.viewer
    assert viewer is not None and viewer.institution_id is not None
    user_id = await _account_id(ctx, input)
    assert user_id is not None  # the guard found the account
    account: Target = targets[0]
    out: list[tuple[str, Target]] = []
    async with ctx.session() as session:
        roles = await accounts.account_roles(session, viewer.institution_id, user_id)
        cards: dict[str, Target | None] = {}
        for role in roles:
            obj, table, _ = HOLDERS[_CARD_OF.get(role, "Employee")]
            if obj not in cards:
                pk = None
                if account.person_id is not None:
                    pk = (
                        await session.execute(
                            select(table.id).where(table.person_id == account.person_id)
                        )
                    ).scalar_one_or_none()
                cards[obj] = None if pk is None else await target_of(session, obj, pk)
            out.append((role, cards[obj] or account))
    return out


#: The card a role goes with (every other role goes with an employee card).
_CARD_OF = {"student": "Student", "parent": "Parent"}


@strawberry.type(description="Accounts and sessions.")
class AccountMutations:
    @strawberry.mutation(
        permission_classes=signed_in,
        description="Create logins with one-time passwords and give each person his role. A "
        "person who already has an account is given the role only: his password stays "
        "(a new one is `resetPassword`).",
    )
    @guarded("student", "issue_credentials", IssueCredentialsPayload, _holders, grants=_grants)
    async def issue_credentials(
        self, info: GraphQLInfo, input: IssueCredentialsInput
    ) -> IssueCredentialsPayload:
        ctx = info.context
        people: list[tuple[int, str]] = []
        async with ctx.session() as session:
            for gid in input.people:
                type_name, pk = from_global_id(gid)
                table = HOLDERS[type_name][1]
                person = (
                    await session.execute(select(table.person_id).where(table.id == pk))
                ).scalar_one()
                people.append((person, _role_of(ctx, type_name, input)))
        issued = await accounts.issue_credentials(ctx, people, input.client_mutation_id)
        pairs = list(zip(input.people, issued, strict=True))
        return IssueCredentialsPayload(
            credentials=[
                IssuedCredential(person=gid, login=i.login, one_time_password=i.password)
                for gid, i in pairs
                if i.password is not None
            ],
            granted=[
                GrantedRole(person=gid, login=i.login, role=i.role, added=i.added)
                for gid, i in pairs
                if i.password is None
            ],
        )

    @strawberry.mutation(
        permission_classes=signed_in,
        description="A new one-time password for an existing account (its sessions end). "
        "The ruleset must allow `account, reset_password` and let you grant every role the "
        "account holds.",
    )
    @guarded("account", "reset_password", ResetPasswordPayload, _account_target, grants=_held_roles)
    async def reset_password(
        self, info: GraphQLInfo, input: ResetPasswordInput
    ) -> ResetPasswordPayload:
        ctx = info.context
        user_id = await _account_id(ctx, input)
        assert user_id is not None  # the guard found it
        issued = await accounts.reset_password(ctx, user_id, input.client_mutation_id)
        return ResetPasswordPayload(login=issued.login, one_time_password=issued.password)

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
