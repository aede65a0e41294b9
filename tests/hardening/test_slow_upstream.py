"""A ChatKit that takes 20 s per call cannot take the app down (real gunicorn, gthread workers).

More requests that need the upstream than the workers have threads run at once; meanwhile the
liveness probe and pages that need no upstream keep answering, and the upstream-bound requests
get a 503 within the deadline (or at once, once the circuit is open).
"""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import redis
import requests

from testing.emulator import Emulator
from testing.gunicorn_app import GunicornApp, emulator_process, gunicorn_app

DEADLINE = 3.0
THREADS_TOTAL = 2 * 8  # WEB_CONCURRENCY times GUNICORN_THREADS (the production default)
SLOW_REQUESTS = 20


@pytest.fixture
def slow_emulator(tmp_path: Path) -> Iterator[Emulator]:
    with emulator_process(tmp_path / "emulator.log") as emulator:
        yield emulator


@pytest.fixture
def served(
    tmp_path: Path, redis_url: str, redis_client: redis.Redis, slow_emulator: Emulator
) -> Iterator[GunicornApp]:
    env = {
        "UPSTREAM_DEADLINE": str(DEADLINE),
        "UPSTREAM_READ_TIMEOUT": str(DEADLINE),
        "UPSTREAM_BREAKER_FAILURES": "3",
    }
    with gunicorn_app(tmp_path, redis_url=redis_url, api_url=slow_emulator.api_url, env=env) as app:
        yield app


def _timed_get(http: requests.Session, url: str) -> tuple[int, float, requests.Response]:
    started = time.monotonic()
    response = http.get(url, timeout=60, allow_redirects=False)
    return response.status_code, time.monotonic() - started, response


def _until_refused_at_once(
    served: GunicornApp, cookies: requests.cookies.RequestsCookieJar, tries: int = 16
) -> list[tuple[int, float, requests.Response]]:
    """Requests on new connections (so both workers see them) until four in a row are fast."""
    results: list[tuple[int, float, requests.Response]] = []
    for _ in range(tries):
        with requests.Session() as http:
            http.cookies.update(cookies)
            results.append(_timed_get(http, f"{served.url}/api/threads"))
        if len(results) >= 4 and all(took < 1.0 for _, took, _ in results[-4:]):
            break
    return results


def test_a_20_second_upstream_leaves_health_and_pages_answering(
    served: GunicornApp, slow_emulator: Emulator
) -> None:
    users = [served.signed_in(name) for name in ("grace", "alan", "ada")]
    slow_emulator.control("PUT", "/faults", {"latency_ms": 20_000})

    slow_results: list[tuple[int, float, requests.Response]] = []
    health: list[float] = []
    pages: list[int] = []
    done = threading.Event()

    def probe() -> None:
        http = requests.Session()
        while not done.is_set():
            status, took, _ = _timed_get(http, f"{served.url}/healthz")
            assert status == 200
            health.append(took)
            pages.append(_timed_get(http, f"{served.url}/login")[0])
            time.sleep(0.02)

    prober = threading.Thread(target=probe)
    with ThreadPoolExecutor(max_workers=SLOW_REQUESTS) as pool:
        prober.start()
        futures = [
            pool.submit(_timed_get, users[i % len(users)], f"{served.url}/api/threads")
            for i in range(SLOW_REQUESTS)
        ]
        slow_results = [future.result() for future in futures]
        # Once each worker's circuit is open, a request that needs ChatKit is refused at once.
        after = _until_refused_at_once(served, users[0].cookies)
        done.set()
        prober.join()

    assert SLOW_REQUESTS > THREADS_TOTAL
    for status, took, response in slow_results:
        assert status == 503, response.text[:200]
        assert took < DEADLINE + 3.0  # the deadline, plus a loaded machine's slack
        assert response.json()["error"]["code"] == "upstream_unavailable"
    for status, took, _response in after:
        assert status == 503
        assert took < DEADLINE + 3.0
    for _status, took, response in after[-4:]:
        assert took < 1.0
        assert int(response.headers["Retry-After"]) >= 1
    # bench/slow_upstream_bench.py measures the 100 ms p99 target. Here, on a machine that may be
    # shared: no probe ever waited as long as an upstream call does, and the typical one is quick
    # (without the cap, probes queued behind the slow requests for the whole deadline or more).
    assert len(health) >= 5
    assert max(health) < DEADLINE, f"a /healthz took {max(health):.2f} s"
    assert statistics.median(health) < 0.25
    assert set(pages) == {200}


def test_access_log_lines_cannot_be_forged_and_carry_no_query(served: GunicornApp) -> None:
    requests.get(
        f"{served.url}/api/threads/cthr_ab%0d%0aX-Evil:1%00?token=secret-in-query", timeout=10
    )
    requests.get(f"{served.url}/healthz?who=probe", timeout=10)
    deadline = time.monotonic() + 5
    text = ""
    while time.monotonic() < deadline and "/healthz" not in text:
        time.sleep(0.1)
        text = served.access_log.read_text("utf-8", "replace")
    lines = text.splitlines()
    assert any("/healthz" in line for line in lines)
    assert not any(line.startswith("X-Evil") for line in lines)
    assert "\x00" not in text
    assert any("cthr_ab\\x0d\\x0aX-Evil:1\\x00" in line for line in lines), lines
    assert "secret-in-query" not in text
    assert "who=probe" not in text
