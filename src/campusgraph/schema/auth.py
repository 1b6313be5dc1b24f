"""Sign-in and sign-out mutations."""

from __future__ import annotations

import datetime as dt
import logging

import strawberry

from campusgraph.observability.metrics import SIGN_IN_FAILURES
from campusgraph.resolvers import auth
from campusgraph.resolvers.throttle import client_address
from campusgraph.schema.base import GraphQLInfo, signed_in
from campusgraph.schema.errors import ErrorCode, MutationError
from campusgraph.schema.viewer import Viewer, viewer_of

log = logging.getLogger("campusgraph.auth")


def sign_in_failed(reason: str, realm: str) -> None:
    """Counted by reason and logged at INFO with the realm asked for (quoted: it is the
    caller's text) — never the login or the password: the log is not where guesses
    should be collected."""
    SIGN_IN_FAILURES.labels(reason).inc()
    log.info("sign-in refused: %s, realm %r", reason, realm[:64], extra={"reason": reason})


@strawberry.input(description="Sign in to an institution (or a region, for authority accounts).")
class LoginInput:
    institution: str = strawberry.field(description="Slug of the institution or region.")
    login: str = strawberry.field(description="Your login.")
    password: str = strawberry.field(
        description="Your password (or the one-time password handed to you)."
    )


@strawberry.type(description="The result of `login`: a token and the viewer, or errors.")
class LoginPayload:
    token: str | None = strawberry.field(description="Bearer token: `Authorization: Bearer …`.")
    expires_at: dt.datetime | None = strawberry.field(
        description="When the token expires; null when no token was issued."
    )
    must_change_password: bool = strawberry.field(
        description="True after a one-time password: `changePassword` before anything else."
    )
    viewer: Viewer | None = strawberry.field(
        description="Who signed in; null while the password must be changed."
    )
    errors: list[MutationError]
    retry_after: int | None = strawberry.field(
        default=None,
        description="Seconds to wait before signing in again, when the attempt was refused "
        "unchecked (too many failed attempts for this login or address, or a busy server).",
    )


@strawberry.type(description="The result of `logout`.")
class LogoutPayload:
    ok: bool = strawberry.field(description="True when the session was ended.")
    errors: list[MutationError]


@strawberry.type(description="Sign-in and sign-out.")
class AuthMutations:
    @strawberry.mutation(description="Sign in; returns a bearer token. The only open operation.")
    async def login(self, info: GraphQLInfo, input: LoginInput) -> LoginPayload:
        ctx = info.context
        req = ctx.request
        result = await auth.sign_in(
            ctx.factory,
            ctx.settings,
            realm=input.institution,
            login=input.login,
            password=input.password,
            user_agent=req.headers.get("user-agent") if req is not None else None,
            remote_addr=client_address(req, ctx.settings),
        )
        if result.token is None:
            assert result.problem is not None
            sign_in_failed(result.problem.code, input.institution)
            text = result.problem.message_en if ctx.language == "en" else result.problem.message_ru
            code = (
                ErrorCode.UNAUTHENTICATED if result.retry_after is None else ErrorCode.RATE_LIMITED
            )
            return LoginPayload(
                token=None,
                expires_at=None,
                must_change_password=False,
                viewer=None,
                errors=[MutationError(code=code, message=text)],
                retry_after=result.retry_after,
            )
        signed = await auth.authenticate(ctx.factory, result.token, today=ctx.settings.today)
        ctx.viewer, ctx.ruleset_slug, ctx.token = signed.viewer, signed.ruleset, result.token
        return LoginPayload(
            token=result.token,
            expires_at=result.expires_at,
            must_change_password=result.must_change_password,
            # A one-time password reaches nothing but changing it (schema/gate.py).
            viewer=None if result.must_change_password else viewer_of(info),
            errors=[],
        )

    @strawberry.mutation(permission_classes=signed_in, description="Revoke this session's token.")
    async def logout(self, info: GraphQLInfo) -> LogoutPayload:
        assert info.context.viewer is not None
        await auth.sign_out(info.context.factory, info.context.viewer)
        return LogoutPayload(ok=True, errors=[])
