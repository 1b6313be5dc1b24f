"""A minimal client: sign in, find a group and discipline you teach, print the journal.

    python examples/client.py --url http://127.0.0.1:8000/graphql \
        --institution altai-college-2016 --login teacher --password demo

Standard library only, so any Python 3.11 runs it (the demo's venv included).
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent / "queries"


def call(
    url: str, name: str, variables: dict[str, Any], token: str | None = None
) -> dict[str, Any]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    body = {"query": (HERE / name).read_text(encoding="utf-8"), "variables": variables}
    request = urllib.request.Request(url, json.dumps(body).encode(), headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            payload: dict[str, Any] = json.loads(response.read())
    except urllib.error.HTTPError as error:  # refused before GraphQL: the body says why
        payload = json.loads(error.read() or b"{}")
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise SystemExit(f"{url}: {reason} (is the server running?)") from None
    data = payload.get("data")
    if data is None:  # the request itself was refused (signed out, too costly …)
        raise SystemExit(f"{name}: {payload.get('errors')}")
    # A refused or missing item fails alone: null at its path, the rest is answered.
    for error in payload.get("errors") or []:
        where = ".".join(str(p) for p in error.get("path") or [])
        code = (error.get("extensions") or {}).get("code")
        print(f"{name}: {where}: {code}: {error['message']}", file=sys.stderr)
    return data


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="http://127.0.0.1:8000/graphql")
    parser.add_argument("--institution", default="altai-college-2016")
    parser.add_argument("--login", default="teacher")
    parser.add_argument("--password", default="demo")
    args = parser.parse_args()
    login = call(
        args.url,
        "01-login.graphql",
        {
            "input": {
                "institution": args.institution,
                "login": args.login,
                "password": args.password,
            }
        },
    )["login"] or {"errors": [{"message": "sign-in failed"}]}
    if login["errors"]:
        raise SystemExit(login["errors"][0]["message"])
    if login["mustChangePassword"]:
        raise SystemExit(f"{args.login} must change the one-time password first (changePassword)")
    token = login["token"]
    # Every looked-up object may be null (not there, or not yours to see): check each.
    viewer = call(args.url, "02-viewer.graphql", {}, token)["viewer"] or {}
    assignments = (viewer.get("employee") or {}).get("teachingAssignments") or []
    if not assignments:
        raise SystemExit(f"{args.login} teaches nothing here: sign in as a teacher")
    assignment = assignments[0]
    overview = call(args.url, "04-institution-overview.graphql", {}, token)["institution"]
    current = next((y for y in (overview or {}).get("academicYears") or [] if y["isCurrent"]), None)
    if current is None or not current["periods"]:
        raise SystemExit("the institution has no current academic year with periods")
    period = current["periods"][0]
    journal = call(
        args.url,
        "03-teacher-journal.graphql",
        {
            "group": assignment["group"]["id"],
            "discipline": assignment["discipline"]["id"],
            "period": period["id"],
        },
        token,
    )["journal"]
    if journal is None:  # not found or not yours to read: the error above says which
        raise SystemExit(1)
    print(
        f"{journal['group']['name']} · {journal['discipline']['name']} · {journal['period']['name']}"
    )
    dates = " ".join(c["date"][5:] for c in journal["columns"][:12])
    print(f"{'':32} {dates}")
    for row in journal["rows"]:
        cells = " ".join(f"{m or '·':>5}" for m in row["marks"][:12])
        print(f"{row['fullName'][:32]:32} {cells}  avg {row['average']}")


if __name__ == "__main__":
    main()
