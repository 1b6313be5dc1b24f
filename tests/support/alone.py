"""Whether each refusal in an answer failed alone.

GraphQL answers an error with null at the nearest nullable field above it: a non-null
field refused for one row takes its parent — its siblings — and, at the root, the whole
``data`` with it. The rule that prevents it is tests/schema/test_nullability.py's; this
checks an answer: every FORBIDDEN or NOT_FOUND error left null exactly at its own path,
its parent still there.
"""

from __future__ import annotations

from typing import Any

#: Refusals of one row: what the viewer may not read, or what is not there.
ONE_ROW = frozenset({"FORBIDDEN", "NOT_FOUND"})


def spread(payload: dict[str, Any]) -> list[str]:
    """The one-row refusals that nulled more than their own field, described."""
    out: list[str] = []
    data = payload.get("data")
    for error in payload.get("errors") or []:
        code = (error.get("extensions") or {}).get("code")
        path = error.get("path")
        if code not in ONE_ROW or not path:
            continue
        parent: Any = data
        for key in path[:-1]:
            if parent is None:
                break
            parent = parent[key]
        if parent is None:
            out.append(f"{code} at {path} nulled its parent: {error.get('message')}")
        elif parent[path[-1]] is not None:
            out.append(f"{code} at {path} left a value there: {parent[path[-1]]!r}")
    return out
