"""``clientMutationId`` as an idempotency key, for every mutation that takes one.

A client names a write with a ``clientMutationId`` so that sending it again (a timeout, a
lost answer, a reload) cannot write twice. The key is bound to what it named:

- the key is (user, mutation, clientMutationId): another user's identical key, or the
  same key on another mutation, is a different key;
- it is stored with a hash of the mutation's canonical input (every argument but the key
  itself). The same key with OTHER input is refused (VALIDATION on
  ``input.clientMutationId``) — never a silent ok that answers about another row;
- once the first request finished, the payload as it was answered is kept: a retry
  with the same input gets exactly that, even if the row changed since (a retry that
  asks for other fields than the first did is told to send the first document);
- while the first request runs, a second one with the key waits for it (in process: an
  event; across processes: polling), at most ``Settings.idempotency_wait_seconds`` from
  the claim, and then answers its result;
- whether the first request's write committed is known, atomically with that write: the
  claim carries a random fencing ``token``, and every write transaction of the keyed
  mutation (each ``ctx.session(write=True)`` it opens: ``Context.write_guard``) sets the
  claim's ``applied`` flag, guarded by the token, in the same transaction as its rows.
  So a claim left without an answer (the process was killed, the answer could not be
  stored) is settled by the retry that finds it after the wait:

  - not applied: the first write never committed. The retry takes the claim over (a new
    token, compare-and-set on the old one) and runs the mutation itself. Should the first
    request still be alive and try to commit later, its guard finds the token changed and
    that transaction rolls back (the first request is answered CONFLICT, reason
    ``RETRY_TOOK_OVER``): one write, never two;
  - applied: the write committed but its answer is lost. The retry is told so —
    CONFLICT on ``input.clientMutationId``, reason ``APPLIED_ANSWER_LOST`` ("the
    operation was applied, its answer was lost: read the data again") — and nothing is
    run again. The client counts the operation as done and rereads what it needs;
- a mutation that answered errors and committed nothing does not bind its key (its
  claim is deleted only while not applied): the client may correct the input and send it
  again under the same key. One that committed a write and then answered errors keeps
  that answer like any other;
- a payload that carries a secret (a one-time password: shown once, never stored) keeps
  no answer: a retry is told CONFLICT, reason ``ANSWER_NOT_KEPT`` — done once, the secret
  not shown again;
- keys expire after ``Settings.idempotency_ttl_hours`` (then the key may be used anew);
  the stored answers, which may hold personal data, go with them (and with their
  institution).

Requests without a key pay nothing for this; a keyed one runs one more statement per
write transaction (the guard's UPDATE) and, after a crash, the takeover.

One :class:`IdempotentMutation` field extension is put on every such field by
:func:`bind` (at schema build, inside the permission check: an anonymous caller never
reaches it), and :class:`IdempotencyResults` stores the completed answer after
execution. Resolvers know nothing of it.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import enum
import hashlib
import itertools
import json
import logging
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar, cast

import strawberry
from graphql import Node, print_ast
from sqlalchemy import Table, bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from strawberry.extensions import FieldExtension, SchemaExtension

from campusgraph.db.base import utcnow
from campusgraph.db.models import IdempotencyKey
from campusgraph.db.models.idempotency import new_token
from campusgraph.db.tenancy import scoped
from campusgraph.i18n import message
from campusgraph.schema.errors import ErrorCode, ErrorReason, MutationError

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable

    from sqlalchemy.orm import Session
    from strawberry.types import Info
    from strawberry.types.field import StrawberryField

    from campusgraph.context import Context

log = logging.getLogger("campusgraph.idempotency")
T = TypeVar("T")
R = TypeVar("R")

#: The longest key stored (the column's width).
KEY_LIMIT = 128
#: ``Context.extras`` entry: what the results extension must do after execution.
EXTRAS = "idempotency"
#: One claim in this many also deletes its institution's expired keys.
PURGE_EVERY = 256
#: ``response_selection`` of a finished key whose answer held a secret and was not kept.
NOT_KEPT = "-"
#: Field names that mark a secret in a payload (at any depth): its answer is never kept.
SECRET_WORDS = ("password", "token", "secret")
#: How often a waiter looks at a key another process is running.
POLL_SECONDS = 0.05

_TABLE = cast(Table, IdempotencyKey.__table__)
_K = IdempotencyKey
_claims = itertools.count()
#: Keys being run by this process: a second request with one waits on its event.
_running: dict[tuple[int, str, str], asyncio.Event] = {}


# =====================================================================================
# Canonical input
# =====================================================================================


def canonical(value: Any) -> Any:
    """A JSON-ready form that is equal exactly when the input is: omitted fields
    (``UNSET``) are left out, an explicit null is kept, the key itself is dropped."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, enum.Enum):
        return canonical(value.value)
    if isinstance(value, dt.date | dt.time):  # datetime is a date
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [canonical(v) for v in value]
    if isinstance(value, dict):
        return {str(k): canonical(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: canonical(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.name != "client_mutation_id" and getattr(value, f.name) is not strawberry.UNSET
        }
    return {"__type__": type(value).__name__, "value": str(value)}


def input_hash(mutation: str, arguments: dict[str, Any]) -> str:
    text = json.dumps(
        {"mutation": mutation, "arguments": canonical(arguments)},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(text.encode()).hexdigest()


def selection_hash(info: Info[Any, Any]) -> str:
    """What the answer is shaped by: the field's selection set and the document's
    fragments (a retry sends the same document; another one would need another shape).
    Their text as sent, sliced from the source (printing them again costs as much as
    the rest of the key's work)."""
    raw = info._raw_info
    nodes: list[Node] = [node.selection_set for node in raw.field_nodes if node.selection_set]
    nodes += [raw.fragments[name] for name in sorted(raw.fragments)]
    parts = [_text(node) for node in nodes]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _text(node: Node) -> str:
    loc = node.loc
    if loc is None:  # a document built without locations
        return print_ast(node)
    return loc.source.body[loc.start : loc.end]


# =====================================================================================
# The store
# =====================================================================================


class ClaimTakenOver(Exception):
    """A keyed mutation's write transaction found its claim's token replaced: a retry
    took the key over, so this transaction must not commit (it is rolled back)."""


@dataclasses.dataclass(frozen=True, slots=True)
class Stored:
    id: int
    input_hash: str
    created_at: dt.datetime
    selection: str | None  # None: the first request is still running
    response: Any
    token: str
    applied: bool


@dataclasses.dataclass(frozen=True, slots=True)
class Pending:
    """A key this request claimed and whose answer is stored after execution."""

    response_key: str
    key_id: int
    token: str
    selection: str
    local: tuple[int, str, str]


@dataclasses.dataclass(frozen=True, slots=True)
class Replay:
    """An answer to give again in place of the field's value."""

    response_key: str
    response: Any


_INSERT = insert(_TABLE).returning(_K.id)
_MINE = (_K.id == bindparam("key_id")) & (_K.token == bindparam("claim_token"))
_FINISH = (
    update(_TABLE)
    .where(_MINE)
    .values(response_selection=bindparam("selection"), response=bindparam("response"))
)
_DROP = delete(_TABLE).where(_MINE)
#: A first request that answered errors or failed lets its key go, unless a write of it
#: committed: then the key stays bound (its answer kept, or a retry told it was applied).
_RELEASE = delete(_TABLE).where(_MINE, _K.applied.is_(False))
#: In the mutation's own write transaction (see :func:`_guard`).
_APPLY = update(_TABLE).where(_MINE).values(applied=True)
#: A retry's takeover of a claim whose write never committed.
_TAKE_OVER = (
    update(_TABLE)
    .where(_MINE, _K.applied.is_(False), _K.response_selection.is_(None))
    .values(token=bindparam("new_token"), created_at=bindparam("claimed_at"))
)
_FIND = select(
    _K.id,
    _K.input_hash,
    _K.created_at,
    _K.response_selection,
    _K.response,
    _K.token,
    _K.applied,
).where(
    _K.user_id == bindparam("user_id"),
    _K.mutation == bindparam("mutation"),
    _K.client_mutation_id == bindparam("key"),
)


async def _alone(
    ctx: Context, statement: Any, params: dict[str, Any], read: Callable[[Any], R]
) -> R:
    """Run one statement that commits by itself; ``read`` takes what it needs from the
    result. PostgreSQL: autocommit, one round trip instead of BEGIN, statement, COMMIT.
    SQLite: a write session, whose writers queue in the loop (not ``ctx.session``: the
    key's own statements are not the mutation's writes its guard marks)."""
    engine = ctx.factory.kw["bind"]
    if engine.dialect.name == "postgresql":
        async with engine.connect() as conn:
            alone = await conn.execution_options(isolation_level="AUTOCOMMIT")
            return read(await alone.execute(statement, params))
    assert ctx.viewer is not None
    async with scoped(ctx.factory, ctx.viewer.institution_ids, write=True) as session:
        out = read(await (await session.connection()).execute(statement, params))
        await session.commit()
        return out


def _nothing(_result: Any) -> None:
    return None


def _rows(result: Any) -> int:
    return int(result.rowcount)


async def _claim(ctx: Context, mutation: str, key: str, digest: str) -> tuple[int, str] | None:
    """Insert the key as running: its id and token, or None when the user holds it."""
    viewer = ctx.viewer
    assert viewer is not None
    now = utcnow()
    if next(_claims) % PURGE_EVERY == 0:
        cutoff = now - dt.timedelta(hours=ctx.settings.idempotency_ttl_hours)
        inst = viewer.institution_id
        purge = delete(_TABLE).where(
            _K.institution_id == inst if inst is not None else _K.institution_id.is_(None),
            _K.created_at < cutoff,
        )
        await _alone(ctx, purge, {}, _nothing)
    token = new_token()
    row = {
        "institution_id": viewer.institution_id,
        "user_id": viewer.user_id,
        "mutation": mutation,
        "client_mutation_id": key,
        "input_hash": digest,
        "created_at": now,
        "token": token,
    }
    try:
        key_id = await _alone(ctx, _INSERT, row, lambda result: result.scalar_one())
    except IntegrityError:
        return None
    return int(key_id), token


async def _take_over(ctx: Context, stored: Stored) -> str | None:
    """Claim a key whose first request left no answer and no committed write: the new
    token, or None when that request committed (or another retry took it) meanwhile. The
    claim's time restarts, so other retries wait for this one as for a first request."""
    token = new_token()
    params = {
        "key_id": stored.id,
        "claim_token": stored.token,
        "new_token": token,
        "claimed_at": utcnow(),
    }
    return token if await _alone(ctx, _TAKE_OVER, params, _rows) == 1 else None


def _guard(key_id: int, token: str) -> Callable[[Session], None]:
    """The ``before_commit`` hook of a keyed mutation's write sessions: mark the claim
    applied in the transaction that writes, or refuse to commit it if the claim was taken
    over (a retry runs the mutation instead)."""
    params = {"key_id": key_id, "claim_token": token}

    def guard(session: Session) -> None:
        if session.connection().execute(_APPLY, params).rowcount != 1:
            raise ClaimTakenOver(key_id)

    return guard


async def _stored(ctx: Context, mutation: str, key: str) -> Stored | None:
    viewer = ctx.viewer
    assert viewer is not None
    params = {"user_id": viewer.user_id, "mutation": mutation, "key": key}
    async with ctx.session() as session:
        row = (await (await session.connection()).execute(_FIND, params)).first()
    return Stored(*row) if row is not None else None


async def _drop(ctx: Context, key_id: int, token: str) -> None:
    await _alone(ctx, _DROP, {"key_id": key_id, "claim_token": token}, _nothing)


async def _release(ctx: Context, key_id: int, token: str) -> bool:
    """Let the key go if nothing of its request committed; whether it was let go."""
    params = {"key_id": key_id, "claim_token": token}
    return await _alone(ctx, _RELEASE, params, _rows) == 1


async def _finish(ctx: Context, key_id: int, token: str, selection: str, response: Any) -> None:
    params = {
        "key_id": key_id,
        "claim_token": token,
        "selection": selection,
        "response": response,
    }
    await _alone(ctx, _FINISH, params, _nothing)


def _settled(local: tuple[int, str, str]) -> None:
    event = _running.pop(local, None)
    if event is not None:
        event.set()


async def _wait(ctx: Context, mutation: str, key: str, first: Stored) -> Stored | None:
    """The key once its first request finished (or was released: None), or as it is when
    the wait ran out: ``Settings.idempotency_wait_seconds`` after the first request
    began, so a key whose request died is answered at once."""
    viewer = ctx.viewer
    assert viewer is not None
    deadline = first.created_at + dt.timedelta(seconds=ctx.settings.idempotency_wait_seconds)
    stored: Stored | None = first
    while stored is not None and stored.selection is None:
        left = (deadline - utcnow()).total_seconds()
        if left <= 0:
            break
        event = _running.get((viewer.user_id, mutation, key))
        if event is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), left)
        else:
            await asyncio.sleep(min(POLL_SECONDS, left))
        stored = await _stored(ctx, mutation, key)
    return stored


# =====================================================================================
# The field extension and the results extension
# =====================================================================================


def _error(code: ErrorCode, text: str, reason: ErrorReason | None = None) -> MutationError:
    return MutationError(code=code, message=text, field="input.clientMutationId", reason=reason)


class IdempotentMutation(FieldExtension):
    """Runs a mutation at most once per (user, mutation, clientMutationId); see the
    module's docstring."""

    def __init__(self, payload: Callable[..., Any], *, keeps_answer: bool = True) -> None:
        self.payload = payload
        #: False for a payload that carries a secret (a one-time password is shown once):
        #: its answer is not stored, and a retry is told so instead of seeing it again.
        self.keeps_answer = keeps_answer

    def _answer(self, key: str | None, *errors: MutationError) -> Any:
        return self.payload(client_mutation_id=key, errors=list(errors))

    async def resolve_async(
        self,
        next_: Callable[..., Awaitable[Any]],
        source: Any,
        info: Info[Any, Any],
        **kwargs: Any,
    ) -> Any:
        arguments = kwargs.get("input")
        key: str | None = getattr(arguments, "client_mutation_id", None)
        if not key:  # none, or empty: the client asked for no idempotency
            return await next_(source, info, **kwargs)
        ctx: Context = info.context
        lang = ctx.language
        if len(key) > KEY_LIMIT:
            text = message("idempotency_key_length", lang, limit=KEY_LIMIT)
            return self._answer(key, _error(ErrorCode.VALIDATION, text))
        viewer = ctx.viewer
        assert viewer is not None
        mutation = info.field_name
        digest = input_hash(mutation, kwargs)
        selection = selection_hash(info)
        response_key = str(info.path.key)
        kept = selection if self.keeps_answer else NOT_KEPT
        for _ in range(3):
            claimed = await _claim(ctx, mutation, key, digest)
            if claimed is not None:
                return await self._first(next_, source, info, kwargs, key, *claimed, kept)
            stored = await _stored(ctx, mutation, key)
            if stored is None:
                continue  # released meanwhile: claim it
            ttl = dt.timedelta(hours=ctx.settings.idempotency_ttl_hours)
            if stored.created_at < utcnow() - ttl:
                await _drop(ctx, stored.id, stored.token)
                continue
            if stored.input_hash != digest:
                text = message("idempotency_key_reused", lang, id=key, mutation=mutation)
                return self._answer(key, _error(ErrorCode.VALIDATION, text))
            if stored.selection is None:
                if any(
                    isinstance(p, Pending) and p.key_id == stored.id
                    for p in ctx.extras.get(EXTRAS, [])
                ):
                    break  # twice in one request: its first answer is not complete yet
                stored = await _wait(ctx, mutation, key, stored)
                if stored is None:
                    continue  # the first request was refused and let the key go
                if stored.selection is None:
                    if stored.applied:  # committed, the answer lost: never run again
                        text = message("idempotency_applied", lang, id=key)
                        return self._answer(
                            key, _error(ErrorCode.CONFLICT, text, ErrorReason.APPLIED_ANSWER_LOST)
                        )
                    token = await _take_over(ctx, stored)
                    if token is not None:  # never committed: run it here
                        return await self._first(
                            next_, source, info, kwargs, key, stored.id, token, kept
                        )
                    continue  # it committed, or another retry took it, meanwhile
            if stored.selection == NOT_KEPT:
                text = message("idempotency_answer_not_kept", lang, id=key)
                return self._answer(
                    key, _error(ErrorCode.CONFLICT, text, ErrorReason.ANSWER_NOT_KEPT)
                )
            if stored.selection != selection:
                text = message("idempotency_other_selection", lang, id=key)
                return self._answer(key, _error(ErrorCode.VALIDATION, text))
            ctx.extras.setdefault(EXTRAS, []).append(Replay(response_key, stored.response))
            return self._answer(key)
        text = message("idempotency_key_running", lang, id=key)
        return self._answer(key, _error(ErrorCode.CONFLICT, text, ErrorReason.STILL_RUNNING))

    async def _first(
        self,
        next_: Callable[..., Awaitable[Any]],
        source: Any,
        info: Info[Any, Any],
        kwargs: dict[str, Any],
        key: str,
        key_id: int,
        token: str,
        selection: str,
    ) -> Any:
        ctx: Context = info.context
        assert ctx.viewer is not None
        local = (ctx.viewer.user_id, info.field_name, key)
        _running[local] = asyncio.Event()
        ctx.write_guard = _guard(key_id, token)
        try:
            result = await next_(source, info, **kwargs)
        except asyncio.CancelledError:
            _settled(local)  # the write may have committed: its claim's flag tells a retry
            raise
        except ClaimTakenOver:
            _settled(local)  # a retry runs it: this attempt's write was rolled back
            text = message("idempotency_taken_over", ctx.language, id=key)
            return self._answer(key, _error(ErrorCode.CONFLICT, text, ErrorReason.RETRY_TOOK_OVER))
        except Exception:
            try:  # the key stays bound, without answer, if a write of it committed
                await _release(ctx, key_id, token)
            finally:
                _settled(local)
            raise
        finally:
            ctx.write_guard = None
        if getattr(result, "errors", None) and await _release(ctx, key_id, token):
            _settled(local)  # nothing was written: the key stays free
        else:  # answered, or answered errors after a write committed: keep the answer
            pending = Pending(str(info.path.key), key_id, token, selection, local)
            ctx.extras.setdefault(EXTRAS, []).append(pending)
        return result


class IdempotencyResults(SchemaExtension):
    """After execution: keep the answers of keys claimed in this request, and put the
    stored answers of replayed keys in place of the placeholders their fields gave."""

    async def on_execute(self) -> AsyncIterator[None]:
        ctx = self.execution_context.context
        try:
            yield
        except BaseException:
            # No answer to keep: the keys claimed stay without one (their flags say
            # whether they wrote), and whoever waits for them is let go.
            for item in ctx.extras.pop(EXTRAS, []) if ctx is not None else []:
                if isinstance(item, Pending):
                    _settled(item.local)
            raise
        items = ctx.extras.pop(EXTRAS, None) if ctx is not None else None
        if not items:
            return
        result = self.execution_context.result
        data = getattr(result, "data", None)
        for item in items:
            if isinstance(item, Replay):
                if data is not None:
                    data[item.response_key] = item.response
                continue
            response = data.get(item.response_key) if data is not None else None
            if item.selection == NOT_KEPT:
                response = None
            try:
                await _finish(ctx, item.key_id, item.token, item.selection, response)
            except Exception:
                # The write stands; the key stays without an answer, and applied if the
                # mutation wrote: a retry is told so instead of writing again.
                log.exception("could not store the answer of idempotency key %s", item.key_id)
            finally:
                _settled(item.local)


def bind(mutation_type: type) -> list[str]:
    """Put :class:`IdempotentMutation` on every field of ``mutation_type`` whose ``input``
    has a ``clientMutationId``; the names of those fields (GraphQL names)."""
    bound: list[str] = []
    definition = mutation_type.__strawberry_definition__  # type: ignore[attr-defined]
    for field in definition.fields:
        payload = _payload_of(field)
        if payload is None:
            continue
        if not any(isinstance(e, IdempotentMutation) for e in field.extensions):
            # First in the list = innermost: the permission check runs before it.
            keeps = not _holds_secret(field.type, set())
            field.extensions.insert(0, IdempotentMutation(payload, keeps_answer=keeps))
        bound.append(field.graphql_name or _camel(field.python_name))
    return bound


def bound(mutation_type: T) -> T:
    """Class decorator form of :func:`bind`, below ``@strawberry.type``."""
    bind(mutation_type)  # type: ignore[arg-type]
    return mutation_type


def _payload_of(field: StrawberryField) -> Callable[..., Any] | None:
    argument = next((a for a in field.arguments if a.python_name == "input"), None)
    if argument is None or "client_mutation_id" not in _field_names(argument.type):
        return None
    payload: Any = field.type
    names = _field_names(payload)
    if "errors" not in names:
        raise TypeError(f"{field.python_name}: its payload has no errors to answer with")
    if "client_mutation_id" in names:
        return cast("Callable[..., Any]", payload)

    def without_key(client_mutation_id: str | None, errors: list[MutationError]) -> Any:
        del client_mutation_id  # the payload does not echo it
        return payload(errors=errors)

    return without_key


def _holds_secret(kind: Any, seen: set[Any]) -> bool:
    """Whether a payload type has a field named like a secret, at any depth."""
    while hasattr(kind, "of_type"):  # optional, list
        kind = kind.of_type
    definition = getattr(kind, "__strawberry_definition__", None)
    if definition is None or kind in seen:
        return False
    seen.add(kind)
    for field in definition.fields:
        if any(word in field.python_name for word in SECRET_WORDS):
            return True
        if _holds_secret(field.type, seen):
            return True
    return False


def _field_names(value: Any) -> set[str]:
    if not _is_class(value):
        return set()
    return {f.name for f in dataclasses.fields(value)}


def _is_class(value: Any) -> bool:
    return isinstance(value, type) and dataclasses.is_dataclass(value)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)
