"""OpenTelemetry tracing, only when OTEL_EXPORTER_OTLP_ENDPOINT is set (the `otel` extra).

Spans for Flask requests, upstream HTTP calls (requests) and Redis commands, exported over
OTLP/HTTP; each request's span and its upstream calls carry the request id. Nothing here is
imported unless tracing is asked for.
"""

from __future__ import annotations

import os
import threading
from typing import Any

from flask import Flask

from .request_ids import current_request_id

EXTENSION = "chatkit_bff.tracer_provider"
REQUEST_ID_ATTRIBUTE = "chatkit_bff.request_id"
#: Probes and scrapes would only drown the traces that matter.
EXCLUDED_URLS = "healthz,readyz,metrics"

_lock = threading.Lock()
_provider: Any = None  # one per process: the requests and Redis instrumentations are global


def install_tracing(app: Flask, endpoint: str) -> Any:
    """Trace this app's requests; the process-wide provider is made on the first call."""
    from opentelemetry import trace
    from opentelemetry.instrumentation.flask import FlaskInstrumentor

    provider = _process_provider(endpoint)
    instrumentor = FlaskInstrumentor()
    instrumentor.instrument_app(  # type: ignore[no-untyped-call]
        app, tracer_provider=provider, excluded_urls=EXCLUDED_URLS
    )

    def tag_request_id() -> None:
        request_id = current_request_id()
        if request_id:
            trace.get_current_span().set_attribute(REQUEST_ID_ATTRIBUTE, request_id)

    app.before_request(tag_request_id)
    app.extensions[EXTENSION] = provider
    return provider


def _process_provider(endpoint: str) -> Any:
    global _provider
    with _lock:
        if _provider is not None:
            return _provider
        from opentelemetry import trace
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.instrumentation.redis import RedisInstrumentor
        from opentelemetry.instrumentation.requests import RequestsInstrumentor
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        service = os.environ.get("OTEL_SERVICE_NAME") or "chatkit-bff"
        provider = TracerProvider(resource=Resource.create({"service.name": service}))
        exporter = OTLPSpanExporter(endpoint=endpoint.rstrip("/") + "/v1/traces")
        provider.add_span_processor(BatchSpanProcessor(exporter))
        trace.set_tracer_provider(provider)

        def tag_upstream_call(span: Any, _request: Any) -> None:
            request_id = current_request_id()
            if request_id and span.is_recording():
                span.set_attribute(REQUEST_ID_ATTRIBUTE, request_id)

        RequestsInstrumentor().instrument(tracer_provider=provider, request_hook=tag_upstream_call)
        RedisInstrumentor().instrument(tracer_provider=provider)
        _provider = provider
        return provider


def shutdown_tracing() -> None:
    """Flush and stop the process's tracing and remove the global instrumentations."""
    global _provider
    with _lock:
        if _provider is None:
            return
        from opentelemetry.instrumentation.redis import RedisInstrumentor
        from opentelemetry.instrumentation.requests import RequestsInstrumentor

        RequestsInstrumentor().uninstrument()
        RedisInstrumentor().uninstrument()
        _provider.shutdown()
        _provider = None
