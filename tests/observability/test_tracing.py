"""Tracing: spans for requests, upstream calls and Redis when asked for; nothing otherwise."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterable, Iterator
from typing import Any

import pytest
import redis
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from app import create_app
from chatkit_bff.observability.tracing import EXTENSION, REQUEST_ID_ATTRIBUTE, shutdown_tracing
from testing.emulator import Emulator
from testing.servers import ROOT, serve_in_thread
from tests.support.flows import ApiCaller, dev_sign_in


def collector(received: list[str]) -> Any:
    """An OTLP/HTTP endpoint that accepts every export (a fake at the network edge)."""

    def wsgi(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        received.append(environ["PATH_INFO"])
        environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        start_response("200 OK", [("Content-Type", "application/x-protobuf")])
        return [b""]

    return wsgi


@pytest.fixture
def exported(app_config: dict[str, Any], redis_client: redis.Redis) -> Iterator[Any]:
    received: list[str] = []
    with serve_in_thread(collector(received)) as otlp:
        app = create_app({**app_config, "OTEL_EXPORTER_OTLP_ENDPOINT": otlp.url})
        spans = InMemorySpanExporter()
        provider = app.extensions[EXTENSION]
        provider.add_span_processor(SimpleSpanProcessor(spans))
        yield app, spans, provider, received
        app.extensions["chatkit_bff"].close()
        shutdown_tracing()  # other tests in this process must not be traced


def test_a_request_is_traced_with_its_upstream_and_redis_calls_and_its_id(
    exported: Any, emulator: Emulator
) -> None:
    app, spans, provider, received = exported
    client = app.test_client()
    dev_sign_in(client, "grace")
    spans.clear()

    answer = ApiCaller(client).new_secret()
    assert answer.status_code == 200
    request_id = answer.headers["X-Request-ID"]

    finished = spans.get_finished_spans()
    server = [s for s in finished if s.name == "POST /api/chatkit/session"]
    assert len(server) == 1
    assert server[0].attributes[REQUEST_ID_ATTRIBUTE] == request_id
    trace_id = server[0].context.trace_id
    upstream = [
        s
        for s in finished
        if (s.attributes.get("http.request.method") or s.attributes.get("http.method")) == "POST"
        and "/chatkit/sessions" in str(s.attributes.get("url.full") or s.attributes.get("http.url"))
    ]
    assert upstream, [
        (s.name, dict(s.attributes)) for s in finished if "db.system" not in s.attributes
    ]
    assert upstream[0].context.trace_id == trace_id
    assert upstream[0].attributes[REQUEST_ID_ATTRIBUTE] == request_id
    redis_spans = [s for s in finished if s.attributes.get("db.system") == "redis"]
    # The policy and cached-secret reads and the limiter's count, inside the request's trace.
    assert len([s for s in redis_spans if s.context.trace_id == trace_id]) >= 2

    provider.force_flush()
    assert "/v1/traces" in received  # the OTLP exporter reached the collector


def test_without_an_endpoint_no_tracing_is_imported_or_installed(
    app_config: dict[str, Any], redis_client: redis.Redis
) -> None:
    env = {**os.environ, **{k: str(v) for k, v in app_config.items() if k != "TESTING"}}
    env.pop("OTEL_EXPORTER_OTLP_ENDPOINT", None)
    script = (
        "import json, sys; from app import create_app; app = create_app();"
        "app.test_client().get('/healthz');"
        "print(json.dumps(sorted(sys.modules)))"
    )
    run = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    loaded = json.loads(run.stdout.strip().splitlines()[-1])
    # (redis-py looks for the OpenTelemetry API on its own when it is installed; the tracing
    # set-up, the SDK's tracer, exporters and instrumentations are never loaded.)
    assert "chatkit_bff.observability.tracing" not in loaded
    unwanted = (
        "opentelemetry.instrumentation",
        "opentelemetry.exporter",
        "opentelemetry.sdk.trace",
    )
    assert not [m for m in loaded if m.startswith(unwanted)]
