"""Global ids: ``base64("Type:pk")``. Shared by the schema and the resolvers that build
columnar payloads directly."""

from __future__ import annotations

import base64


def to_global_id(type_name: str, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode()


def from_global_id(gid: str) -> tuple[str, int]:
    """Raises ValueError on anything malformed."""
    type_name, raw = base64.urlsafe_b64decode(gid.encode()).decode().split(":", 1)
    return type_name, int(raw)
