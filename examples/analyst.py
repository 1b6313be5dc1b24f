"""An analyst's script: sign in, ask the report constructor, print the table.

    pip install "gql[httpx]"          # or: pip install -e ".[examples]"
    python examples/analyst.py --url http://127.0.0.1:8000/graphql \
        --institution altai-college-2016 --login deputy_director --password demo \
        --measures AVERAGE_MARK ABSENCES --by GROUP DISCIPLINE --csv out.csv

A standard GraphQL client (``gql``) validates the documents against the committed
``schema.graphql`` before sending them, so a typo fails here, not on the server. One
request answers the whole table (the constructor aggregates in the database).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from gql import Client, GraphQLRequest
from gql.transport.httpx import HTTPXAsyncTransport

HERE = Path(__file__).parent
QUERIES = HERE / "queries"
SCHEMA = HERE.parent / "src" / "campusgraph" / "schema" / "schema.graphql"


def _request(name: str, variables: dict[str, Any]) -> GraphQLRequest:
    text = (QUERIES / name).read_text(encoding="utf-8")
    return GraphQLRequest(text, variable_values=variables)


async def analytics_table(
    url: str,
    institution: str,
    login: str,
    password: str,
    measures: Sequence[str],
    by: Sequence[str],
    filter: Mapping[str, Any] | None = None,
    **httpx_options: Any,
) -> tuple[list[str], list[list[Any]]]:
    """The header and rows of the table (``httpx_options`` go to the HTTP client: a
    test passes an in-process transport)."""
    schema = SCHEMA.read_text(encoding="utf-8")
    anonymous = HTTPXAsyncTransport(url=url, **httpx_options)
    async with Client(transport=anonymous, schema=schema) as session:
        signed = await session.execute(
            _request(
                "01-login.graphql",
                {"input": {"institution": institution, "login": login, "password": password}},
            )
        )
    answer = signed["login"]
    if answer["errors"]:
        raise SystemExit(answer["errors"][0]["message"])
    headers = {"Authorization": f"Bearer {answer['token']}"}
    transport = HTTPXAsyncTransport(url=url, headers=headers, **httpx_options)
    async with Client(transport=transport, schema=schema) as session:
        result = await session.execute(
            _request(
                "60-analytics.graphql",
                {"measures": list(measures), "by": list(by), "filter": filter},
            )
        )
    table = result["analytics"]
    header = [c["title"] for c in table["columns"]] + ["Обучающихся"]
    rows = [
        [k["label"] if k["label"] is not None else k["id"] for k in row["keys"]]
        + list(row["values"])
        + [row["students"]]
        for row in table["rows"]
    ]
    if table["suppressedCells"]:
        print(f"{table['suppressedCells']} small cells suppressed", file=sys.stderr)
    return header, rows


def show(header: list[str], rows: list[list[Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    out = Table(*header)
    for row in rows:
        out.add_row(
            *("—" if v is None else f"{v:.2f}" if isinstance(v, float) else str(v) for v in row)
        )
    Console().print(out)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="http://127.0.0.1:8000/graphql")
    parser.add_argument("--institution", default="altai-college-2016")
    parser.add_argument("--login", default="deputy_director")
    parser.add_argument("--password", default="demo")
    parser.add_argument("--measures", nargs="+", default=["AVERAGE_MARK", "ABSENCES"])
    parser.add_argument("--by", nargs="+", default=["GROUP"])
    parser.add_argument("--date-from")
    parser.add_argument("--date-to")
    parser.add_argument("--csv", type=Path, help="also write the table to this CSV file")
    args = parser.parse_args(argv)
    dates = {"dateFrom": args.date_from, "dateTo": args.date_to}
    header, rows = asyncio.run(
        analytics_table(
            args.url,
            args.institution,
            args.login,
            args.password,
            args.measures,
            args.by,
            {k: v for k, v in dates.items() if v} or None,
        )
    )
    show(header, rows)
    if args.csv:
        with args.csv.open("w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows([header, *rows])


if __name__ == "__main__":
    main()
