"""Liveness while ChatKit is slow: `/healthz` latency with a healthy and a 20 s upstream.

Run: ``python bench/slow_upstream_bench.py [--slow 20] [--seconds 30] [--pause 1]``

Starts a private Redis, the emulator (own process) and the app under gunicorn with the
production config (2 gthread workers of `--threads`, 8 as in production), signs 3 users in,
then measures `/healthz` from one client for `--seconds`: (a) baseline, upstream answering at
once; (b) while `--slow` (default 20, more than the 16 threads) clients call `GET /api/threads`,
each pausing `--pause` seconds (default 1) after every answer, and every upstream call takes
20 s. Prints p50/p99 of both, their ratio, and how the slow requests were answered (status,
slowest). Exits 1 when (b)'s `/healthz` p99 misses the 100 ms target.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere

from testing.gunicorn_app import emulator_process, gunicorn_app
from testing.servers import redis_server

TARGET_P99_MS = 100.0


def probe(url: str, seconds: float) -> list[float]:
    """Sequential `/healthz` calls on fresh connections, as a load balancer's probe makes."""
    latencies: list[float] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        started = time.perf_counter()
        response = requests.get(f"{url}/healthz", timeout=60)
        latencies.append(time.perf_counter() - started)
        assert response.status_code == 200
        time.sleep(0.02)
    return latencies


def pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] * 1000


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--slow", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--threads", type=int, default=8, help="gunicorn threads per worker")
    parser.add_argument("--pause", type=float, default=1.0, help="seconds between a client's calls")
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as tmp,
        redis_server() as redis_url,
        emulator_process(Path(tmp) / "emulator.log") as emulator,
        gunicorn_app(
            Path(tmp),
            redis_url=redis_url,
            api_url=emulator.api_url,
            env={"GUNICORN_THREADS": str(args.threads)},
        ) as app,
    ):
        users = [app.signed_in(name) for name in ("grace", "alan", "ada")]
        baseline = probe(app.url, args.seconds)

        emulator._send("PUT", "/faults", {"latency_ms": 20_000})
        stop = threading.Event()
        answers: Counter[int] = Counter()
        slowest = [0.0]

        def slow_client(index: int) -> None:
            http = requests.Session()
            http.cookies.update(users[index % len(users)].cookies)
            while not stop.is_set():
                started = time.perf_counter()
                status = http.get(f"{app.url}/api/threads", timeout=60).status_code
                slowest[0] = max(slowest[0], time.perf_counter() - started)
                answers[status] += 1
                stop.wait(args.pause)

        clients = [threading.Thread(target=slow_client, args=(i,)) for i in range(args.slow)]
        for client in clients:
            client.start()
        time.sleep(0.5)
        slow = probe(app.url, args.seconds)
        stop.set()
        for client in clients:
            client.join()

    for name, values in (("(a) upstream healthy", baseline), ("(b) upstream 20 s", slow)):
        print(
            f"{name:<24} /healthz p50 {pct(values, 50):7.2f} ms  p99 {pct(values, 99):7.2f} ms"
            f"  n={len(values)}"
        )
    print(f"b/a p99 = {pct(slow, 99) / pct(baseline, 99):.2f}; target p99 < {TARGET_P99_MS:g} ms")
    print(f"{args.slow} clients on GET /api/threads: {dict(answers)}, slowest {slowest[0]:.2f} s")
    return 0 if pct(slow, 99) < TARGET_P99_MS else 1


if __name__ == "__main__":
    sys.exit(main())
