"""Prometheus metrics through the real app: a few requests, then /metrics read before and
after shows each counter moved by exactly what was asked; /metrics is nobody's in
production without the operators' token."""

from __future__ import annotations

from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

ALTAI = "altai-college-2016"
VIEWER = "query Viewer { viewer { login } }"
NOT_A_FIELD = "query { viewer { loginn } }"
SYNTAX = "query { viewer { login "
LOGIN = """
mutation Login($input: LoginInput!) { login(input: $input) { token errors { code } } }
"""
RELOAD = "mutation { reloadRulesets(input: {}) { errors { code ruleset } } }"

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def scrape(http: httpx.AsyncClient, **headers: str) -> Samples:
    response = await http.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def moved(before: Samples, after: Samples, name: str, **labels: str) -> float:
    key = (name, frozenset(labels.items()))
    return after.get(key, 0.0) - before.get(key, 0.0)


async def test_the_counters_move_by_exactly_what_was_asked(
    client: Any, backend: str, sql_counter: Any
) -> None:
    # given a signed-in student and the metrics as they stand
    student = await client.as_(ALTAI, "student")
    before = await scrape(client.http)

    with sql_counter(transaction_control=True) as sql:
        # when a sign-in fails, a ruleset refuses the student, he reads his own login,
        # sends a field that does not exist and a document that does not parse
        wrong = {"institution": ALTAI, "login": "teacher", "password": "not-demo"}
        failed = await client.query(LOGIN, {"input": wrong})
        refused = await student.data(RELOAD)
        assert (await student.data(VIEWER))["viewer"]["login"] == "student"
        await student.query(NOT_A_FIELD)
        await student.query(SYNTAX)
        after = await scrape(client.http)

    # then every counter moved by exactly that
    assert failed["data"]["login"]["errors"][0]["code"] == "UNAUTHENTICATED"
    assert moved(before, after, "campusgraph_sign_in_failures_total", reason="BAD_CREDENTIALS") == 1
    assert refused["reloadRulesets"]["errors"] == [{"code": "FORBIDDEN", "ruleset": ALTAI}]
    denials = {"ruleset": ALTAI, "object": "ruleset", "action": "reload"}
    assert moved(before, after, "campusgraph_policy_denials_total", **denials) == 1
    requests = "campusgraph_requests_total"
    assert moved(before, after, requests, operation_type="mutation", outcome="ok") == 2
    assert moved(before, after, requests, operation_type="query", outcome="ok") == 1
    assert moved(before, after, requests, operation_type="query", outcome="refused") == 1
    assert moved(before, after, requests, operation_type="unknown", outcome="refused") == 1
    assert moved(before, after, "campusgraph_request_seconds_count", operation_type="query") == 2
    # and the statements counted are the ones the database received
    assert sql.count > 0
    assert moved(before, after, "campusgraph_sql_statements_total", backend=backend) == sql.count


async def test_metrics_are_closed_in_production_without_the_operators_token(
    make_client: Any,
) -> None:
    # given production without a token, and production with one
    async with make_client(mode="production") as anonymous:
        # then /metrics is not there
        assert (await anonymous.http.get("/metrics")).status_code == 404
    async with make_client(mode="production", metrics_token="s3cret-scrape") as anonymous:
        http = anonymous.http
        # then only a scrape bearing the token reads it
        assert (await http.get("/metrics")).status_code == 404
        wrong = {"Authorization": "Bearer s3cret-scrapE"}
        assert (await http.get("/metrics", headers=wrong)).status_code == 404
        right = await scrape(http, Authorization="Bearer s3cret-scrape")
        assert any(name == "campusgraph_requests_total" for name, _ in right)
    # and in dev it is open unless switched off
    async with make_client(metrics_enabled=False) as anonymous:
        assert (await anonymous.http.get("/metrics")).status_code == 404
