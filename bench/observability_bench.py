"""What the per-request instrumentation costs, against one Redis round trip measured alongside.

Per request the app observes two histograms (the request, each upstream attempt) in
multiprocess mode (memory-mapped files, as under gunicorn), bumps a counter or two, and formats
one access line. This times those against a PING to a private Redis, the cheapest thing every
request already does.

    .venv/bin/python bench/observability_bench.py --runs 20000
"""

from __future__ import annotations

import argparse
import io
import logging
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def per_call_us(action: Callable[[], object], runs: int) -> float:
    """Median over 5 batches of the mean time of one call, in microseconds."""
    batches = []
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(runs):
            action()
        batches.append((time.perf_counter() - started) / runs * 1e6)
    return statistics.median(batches)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20000)
    runs = parser.parse_args().runs
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="bench-metrics-")

    import redis

    from chatkit_bff.observability import metrics
    from chatkit_bff.observability.logs import JsonFormatter, RequestContextFilter
    from testing.servers import redis_server

    access = logging.getLogger("bench.access")
    access.propagate = False
    handler = logging.StreamHandler(io.StringIO())
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestContextFilter())
    access.addHandler(handler)
    access.setLevel(logging.INFO)
    extra = {"method": "POST", "route": "/api/chatkit/session", "path": "/api/chatkit/session",
             "status": 200, "duration_ms": 7.5}  # fmt: skip

    def instrumentation() -> None:
        metrics.HTTP_REQUEST_DURATION.labels("/api/chatkit/session", "POST", "200").observe(0.007)
        metrics.SECRET_CACHE_REQUESTS.labels("hit").inc()
        access.info("POST /api/chatkit/session 200 7.5 ms", extra=extra)

    def upstream_attempt() -> None:
        metrics.UPSTREAM_REQUEST_DURATION.labels("sessions.create", "200").observe(0.15)

    with redis_server() as url:
        client = redis.Redis.from_url(url)
        client.ping()
        ping = per_call_us(client.ping, max(runs // 10, 1000))
        request_cost = per_call_us(instrumentation, runs)
        attempt_cost = per_call_us(upstream_attempt, runs)
        client.close()

    print(f"one Redis PING (baseline):             {ping:8.1f} us")
    for name, cost in (
        ("per request (2 metrics + access line)", request_cost),
        ("per upstream attempt (1 histogram)", attempt_cost),
    ):
        print(f"{name + ':':39} {cost:8.1f} us = {cost / ping:.2f} x PING")


if __name__ == "__main__":
    main()
