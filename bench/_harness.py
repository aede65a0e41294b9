"""Shared parts of the benchmarks: services on loopback and a closed-loop HTTP load generator."""

from __future__ import annotations

import http.client
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from testing.servers import free_port, wait_for_port  # noqa: E402


@contextmanager
def process(args: list[str], env: dict[str, str], port: int) -> Iterator[str]:
    """Run a server process until the block ends; yield its base URL. Its output (an access
    log line per request) goes to a temporary file, shown only if the server fails to start."""
    with tempfile.TemporaryFile("w+") as output:
        proc = subprocess.Popen(
            args, env={**os.environ, **env}, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT
        )
        try:
            try:
                wait_for_port(port, timeout=30)
            except TimeoutError:
                output.seek(0)
                sys.stderr.write(output.read()[-4000:])
                raise
            yield f"http://127.0.0.1:{port}"
        finally:
            proc.terminate()
            proc.wait(timeout=15)


@contextmanager
def emulator(latency_ms: int, api_key: str) -> Iterator[str]:
    port = free_port()
    env = {"EMULATOR_LATENCY_MS": str(latency_ms), "EMULATOR_API_KEY": api_key}
    # gunicorn rather than `python -m emulator`: the hosted API keeps connections open, and
    # werkzeug's server closes each one, which would add a connect to every call measured.
    # One worker, since the emulator's state lives in its process.
    args = [
        sys.executable, "-m", "gunicorn", "--workers", "1", "--worker-class", "gthread",
        "--threads", "16", "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
        "emulator.app:create_app()",
    ]  # fmt: skip
    with process(args, env, port) as url:
        yield url


@contextmanager
def gunicorn(env: dict[str, str], workers: int = 2, threads: int = 4) -> Iterator[str]:
    """The app under gunicorn with the worker class of deploy/gunicorn.conf.py (gthread)."""
    port = free_port()
    args = [
        sys.executable, "-m", "gunicorn", "--workers", str(workers), "--worker-class", "gthread",
        "--threads", str(threads), "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
        "app:create_app()",
    ]  # fmt: skip
    with process(args, env, port) as url:
        _wait_for_workers(url)
        yield url


def _wait_for_workers(url: str, timeout: float = 60.0) -> None:
    """The port opens before the workers have built the app; wait until one answers."""
    deadline = time.monotonic() + timeout
    host = urlsplit(url)
    while True:
        connection = http.client.HTTPConnection(host.hostname or "127.0.0.1", host.port, timeout=5)
        try:
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        finally:
            connection.close()
        if time.monotonic() > deadline:
            raise TimeoutError(f"{url} did not answer /healthz within {timeout}s")
        time.sleep(0.2)


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None


@dataclass
class Result:
    name: str
    seconds: float
    latencies: list[float]
    errors: int

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.seconds

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(int(q * len(ordered)), len(ordered) - 1)] * 1000 if ordered else 0.0

    def row(self) -> str:
        return (
            f"{self.name:<34} {self.rps:>9.1f} req/s   p50 {self.percentile(0.5):>7.2f} ms"
            f"   p99 {self.percentile(0.99):>7.2f} ms   errors {self.errors}"
        )


def run_load(
    name: str,
    base_url: str,
    requests_for: Callable[[int], Request],
    *,
    seconds: float,
    concurrency: int,
    expect_status: int = 200,
) -> Result:
    """Closed loop: `concurrency` workers send requests back to back for `seconds`."""
    host = urlsplit(base_url)
    hostname = host.hostname or "127.0.0.1"
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    errors = [0] * concurrency
    deadline = time.monotonic() + seconds

    def worker(index: int) -> None:
        sent = 0
        while time.monotonic() < deadline:
            request = requests_for(index + sent * concurrency)
            sent += 1
            started = time.perf_counter()
            connection = http.client.HTTPConnection(hostname, host.port, timeout=30)
            try:
                connection.request(request.method, request.path, request.body, request.headers)
                response = connection.getresponse()
                response.read()
                ok = response.status == expect_status
            except OSError:
                ok = False
            finally:
                connection.close()
            if ok:
                latencies[index].append(time.perf_counter() - started)
            else:
                errors[index] += 1

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    merged = [value for per_worker in latencies for value in per_worker]
    return Result(name, elapsed, merged, sum(errors))


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0
