"""Optional OpenTelemetry tracing (``pip install campusgraph[tracing]``, setting
``tracing``): a span per HTTP request and, under it, one per stage of the GraphQL
operation — parse, validate, execute — with the operation's name and type and the
request id. Never a span per field: a journal answers thousands of fields, and a span each
(Strawberry's own ``OpenTelemetryExtension``) would cost more than the answer.

Spans go wherever the process's tracer provider sends them: :func:`configure` (called by
the CLI in each worker) installs an SDK provider exporting over OTLP (the standard
``OTEL_EXPORTER_OTLP_*`` variables say where) unless one is installed already, e.g. by
``opentelemetry-instrument``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import SchemaExtension

from campusgraph.observability import request_id
from campusgraph.observability.operation import operation_type
from campusgraph.settings import Settings

if TYPE_CHECKING:
    from opentelemetry.trace import Span, Tracer


TRACER_NAME = "campusgraph"


def _tracer() -> Tracer:
    from opentelemetry import trace

    return trace.get_tracer(TRACER_NAME)


def configure(settings: Settings) -> None:
    """Install an SDK tracer provider exporting over OTLP, when tracing is on and nothing
    installed a provider before (the API's default one records nothing)."""
    if not settings.tracing:
        return
    try:
        from opentelemetry import trace
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError as missing:
        # Refused at startup in one line, rather than every request failing on import.
        raise SystemExit(
            f"campusgraph: CAMPUSGRAPH_TRACING needs the tracing extra ({missing.name} is "
            "missing): pip install 'campusgraph[tracing]'"
        ) from None
    if isinstance(trace.get_tracer_provider(), TracerProvider):
        return
    provider = TracerProvider(resource=Resource.create({"service.name": "campusgraph"}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)


class RequestSpan:
    """ASGI middleware: one SERVER span per HTTP request, current while it runs, so the
    stage spans below are its children."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        from opentelemetry.trace import SpanKind

        method, path = scope["method"], scope["path"]
        with _tracer().start_as_current_span(f"{method} {path}", kind=SpanKind.SERVER) as span:
            span.set_attribute("http.request.method", method)
            span.set_attribute("url.path", path)
            rid = scope.get(request_id.SCOPE_KEY)
            if rid is not None:
                span.set_attribute("campusgraph.request_id", rid)

            async def send_status(msg: Message) -> None:
                if msg["type"] == "http.response.start":
                    span.set_attribute("http.response.status_code", msg["status"])
                await send(msg)

            await self.app(scope, receive, send_status)


class StageSpans(SchemaExtension):
    """``graphql.operation`` with ``graphql.parse``, ``graphql.validate`` and
    ``graphql.execute`` under it. The spans are started with an explicit parent, never
    made current: a hook's generator may be resumed elsewhere than it began, and a
    context attached there could not be detached."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._operation: Span | None = None

    def _stage(self, name: str) -> Iterator[None]:
        from opentelemetry import trace

        parent = trace.set_span_in_context(self._operation) if self._operation else None
        span = _tracer().start_span(name, context=parent)
        try:
            yield
        finally:
            span.end()

    def on_operation(self) -> Iterator[None]:
        span = self._operation = _tracer().start_span("graphql.operation")
        rid = request_id.current()
        if rid is not None:
            span.set_attribute("campusgraph.request_id", rid)
        try:
            yield
        finally:
            kind = operation_type(self)
            if kind is not None:
                span.set_attribute("graphql.operation.type", kind)
            name = self.execution_context.operation_name
            if name:
                span.set_attribute("graphql.operation.name", name)
            span.end()

    def on_parse(self) -> Iterator[None]:
        yield from self._stage("graphql.parse")

    def on_validate(self) -> Iterator[None]:
        yield from self._stage("graphql.validate")

    def on_execute(self) -> Iterator[None]:
        yield from self._stage("graphql.execute")
