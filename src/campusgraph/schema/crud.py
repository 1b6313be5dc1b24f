"""A writable type's create, update and delete declared once (as saleor's ModelMutation
does): its policy object, its inputs and payload, where each action finds the row's
anchors, and the write behind each. :func:`model_mutations` turns one
:class:`ModelMutations` into the three GraphQL mutations, each guarded by
:func:`~campusgraph.schema.mutations.guarded` with the object and its action — so a new
writable type is one declaration, and every action is decided by the ruleset's lines.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import strawberry

from campusgraph.schema.base import GraphQLInfo, signed_in
from campusgraph.schema.mutations import TargetFor, guarded

Body = Callable[[GraphQLInfo, Any], Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class Action:
    """One action of the type: its input, payload, target, write and description."""

    input: type
    payload: type
    target: TargetFor
    run: Body
    description: str


@dataclass(frozen=True, slots=True)
class ModelMutations:
    """``name`` gives the mutations' names (``create<Name>``, ``update<Name>``,
    ``delete<Name>``); ``obj`` is the policy object every action is asked of."""

    name: str
    obj: str
    create: Action
    update: Action
    delete: Action


@dataclass(frozen=True, slots=True)
class Fields:
    """The three strawberry fields, to set on a ``@strawberry.type`` class."""

    create: Any
    update: Any
    delete: Any


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")


def _field(spec: ModelMutations, act: str, action: Action) -> Any:
    run = action.run

    async def resolver(self: Any, info: Any, input: Any) -> Any:
        return await run(info, input)

    # Real classes, not the strings ``from __future__`` would leave: strawberry reads the
    # input and payload types from here (guarded's wrapper copies them).
    resolver.__annotations__ = {
        "info": GraphQLInfo,
        "input": action.input,
        "return": action.payload,
    }
    resolver.__name__ = f"{act}_{_snake(spec.name)}"
    resolver.__qualname__ = resolver.__name__
    wrapped = guarded(spec.obj, act, action.payload, action.target)(resolver)
    return strawberry.mutation(permission_classes=signed_in, description=action.description)(
        wrapped
    )


def model_mutations(spec: ModelMutations) -> Fields:
    return Fields(
        create=_field(spec, "create", spec.create),
        update=_field(spec, "update", spec.update),
        delete=_field(spec, "delete", spec.delete),
    )
