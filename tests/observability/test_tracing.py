"""With ``tracing`` on, a request is one span and its operation's stages one span each —
parse, validate, execute — never one per field; with it off, nothing is recorded."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

ALTAI = "altai-college-2016"
#: Many fields (a list of rooms, each with three), for per-field spans to show if any.
ROOMS = "query Rooms { viewer { login } institution { slug rooms { name capacity } } }"


@pytest.fixture(scope="module")
def exporter() -> Iterator[InMemorySpanExporter]:
    """An SDK provider for the process (the first one set stays: OpenTelemetry allows
    one), with the test's exporter added to it."""
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    memory = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(memory))
    yield memory
    memory.shutdown()


async def test_a_request_is_a_span_and_each_stage_one_under_it(
    make_client: Any, exporter: InMemorySpanExporter
) -> None:
    async with make_client(tracing=True) as anonymous:
        teacher = await anonymous.as_(ALTAI, "teacher")
        exporter.clear()
        # when the teacher asks for many fields
        response = await teacher.post(ROOMS, operation_name="Rooms")
        assert len(response.json()["data"]["institution"]["rooms"]) > 5, response.text
    # then exactly five spans: the request, the operation, its three stages
    spans = {span.name: span for span in exporter.get_finished_spans()}
    assert sorted(spans) == sorted(
        [
            "POST /graphql",
            "graphql.operation",
            "graphql.parse",
            "graphql.validate",
            "graphql.execute",
        ]
    )
    assert len(exporter.get_finished_spans()) == 5
    request, operation = spans["POST /graphql"], spans["graphql.operation"]
    assert operation.parent is not None
    assert operation.parent.span_id == request.context.span_id
    for stage in ("graphql.parse", "graphql.validate", "graphql.execute"):
        parent = spans[stage].parent
        assert parent is not None
        assert parent.span_id == operation.context.span_id
    # with the request id, the operation's name and type, the answer's status
    rid = response.headers["x-request-id"]
    assert request.attributes is not None
    assert operation.attributes is not None
    assert request.attributes["campusgraph.request_id"] == rid
    assert request.attributes["http.response.status_code"] == 200
    assert operation.attributes["campusgraph.request_id"] == rid
    assert operation.attributes["graphql.operation.name"] == "Rooms"
    assert operation.attributes["graphql.operation.type"] == "query"


async def test_no_spans_when_tracing_is_off(
    make_client: Any, exporter: InMemorySpanExporter
) -> None:
    async with make_client() as anonymous:
        teacher = await anonymous.as_(ALTAI, "teacher")
        exporter.clear()
        await teacher.data(ROOMS)
    assert exporter.get_finished_spans() == ()
