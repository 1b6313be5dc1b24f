"""A parent's screen kept live: sign in, subscribe to ``journalUpdates``, print each new
mark or absence as the teacher sets it.

    pip install "gql[httpx,websockets]"          # or: pip install -e ".[examples]"
    python examples/live.py --url http://127.0.0.1:8000/graphql \
        --institution altai-college-2016 --login parent --password demo

The subscription runs over WebSocket with the graphql-transport-ws protocol; the token
travels in ``connection_init``'s payload (browsers cannot set headers on a WebSocket).
Only what the parent may read arrives: his child's marks, never another child's.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import AsyncIterator
from typing import Any

from gql import Client, GraphQLRequest
from gql.transport.httpx import HTTPXAsyncTransport
from gql.transport.websockets import WebsocketsTransport

LOGIN = """
mutation ($input: LoginInput!) { login(input: $input) { token errors { code message } } }
"""
UPDATES = """
subscription ($student: ID) {
  journalUpdates(student: $student) {
    __typename
    ... on MarkChanged { action mark { id value date student { fullName } } }
    ... on AttendanceChanged { action attendance { id status reason date } }
  }
}
"""


async def sign_in(url: str, institution: str, login: str, password: str) -> str:
    async with Client(transport=HTTPXAsyncTransport(url=url)) as session:
        variables = {"input": {"institution": institution, "login": login, "password": password}}
        result = (await session.execute(GraphQLRequest(LOGIN, variable_values=variables)))["login"]
    if not result["token"]:
        raise SystemExit(f"sign-in refused: {result['errors']}")
    return str(result["token"])


async def updates(
    url: str, token: str, student: str | None = None
) -> AsyncIterator[dict[str, Any]]:
    """Each ``journalUpdates`` event, as it is committed on the server."""
    transport = WebsocketsTransport(
        url=url.replace("http", "ws", 1),
        init_payload={"Authorization": f"Bearer {token}"},
        subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],  # graphql-transport-ws
    )
    async with Client(transport=transport) as session:
        request = GraphQLRequest(UPDATES, variable_values={"student": student})
        async for result in session.subscribe(request):
            yield result["journalUpdates"]


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000/graphql")
    parser.add_argument("--institution", default="altai-college-2016")
    parser.add_argument("--login", default="parent")
    parser.add_argument("--password", default="demo")
    parser.add_argument("--student", help="only this student's (a Student id)")
    args = parser.parse_args(argv)
    token = await sign_in(args.url, args.institution, args.login, args.password)
    print("listening; Ctrl-C to stop", file=sys.stderr)
    async for update in updates(args.url, token, args.student):
        print(update, flush=True)
    return 0


if __name__ == "__main__":
    try:
        raise SystemExit(asyncio.run(main()))
    except KeyboardInterrupt:
        raise SystemExit(0) from None
