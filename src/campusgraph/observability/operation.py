"""Which operation a request ran — its type and name, known only once the document is
parsed, deep inside Strawberry — for the endpoint that counts and times the request."""

from __future__ import annotations

from collections.abc import Iterator
from contextvars import ContextVar

from strawberry.extensions import SchemaExtension


class Observed:
    __slots__ = ("name", "type")

    def __init__(self) -> None:
        self.type = "unknown"
        self.name: str | None = None


#: Set by the endpoint around one operation; filled by :class:`ObserveOperation`.
OPERATION: ContextVar[Observed | None] = ContextVar("campusgraph_operation", default=None)


def operation_type(extension: SchemaExtension) -> str | None:
    """The parsed operation's type (``query``, ``mutation``…), or None before parsing
    succeeded (Strawberry raises when there is no operation to name)."""
    try:
        return extension.execution_context.operation_type.value
    except Exception:  # no document, or no operation in it
        return None


class ObserveOperation(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        yield
        observed = OPERATION.get()
        if observed is not None:
            observed.type = operation_type(self) or "unknown"
            observed.name = self.execution_context.operation_name
