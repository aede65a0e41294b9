"""The load test's simulated people: sign in, open the chat, get and refresh secrets, read history.

Used by `bench/load_test.py` (which starts everything locally), or on its own against a
staging deployment that offers the development sign-in:

    locust -f bench/locustfile.py --headless --host https://staging.example --users 10 \\
        --spawn-rate 5 --run-time 2m

Every person signs in as one of the demo users, then does, with these weights: open the chat
page (3), get their client secret (5), refresh it (1), list their threads (3), open a
transcript (3), export one (1), and `GET /healthz` (1), the baseline each p50 is divided by.
Choices come from random generators seeded with `LOAD_TEST_SEED` (and the person's number),
so a run repeats the same mix.

When `LOAD_TEST_WORKER_PIDS_FROM` names a gunicorn master's pid, the peak resident memory of
its workers is sampled after `LOAD_TEST_CHECKPOINT` requests and at the end, and the run stops
after `LOAD_TEST_REQUESTS` requests. A summary table is printed when the run stops.
"""

from __future__ import annotations

import itertools
import os
import random
import re
from typing import Any

import gevent
from locust import HttpUser, constant, events, task

DEMO_USERS = ("grace", "alan", "ada")  # chatkit_bff.auth.dev_users
SEED = int(os.environ.get("LOAD_TEST_SEED", "16"))
CHECKPOINT = int(os.environ.get("LOAD_TEST_CHECKPOINT", "2000"))
STOP_AFTER = int(os.environ.get("LOAD_TEST_REQUESTS", "0"))  # 0: run for --run-time
MASTER_PID = int(os.environ.get("LOAD_TEST_WORKER_PIDS_FROM", "0"))
BASELINE = "baseline: /healthz"
_CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')
_numbers = itertools.count()
_memory: dict[str, int] = {}
_counted = itertools.count(1)


def _peak_worker_rss() -> int:
    """The largest resident set of the gunicorn master's children, in bytes."""
    import psutil  # installed with locust

    workers = psutil.Process(MASTER_PID).children()
    return max((worker.memory_info().rss for worker in workers), default=0)


@events.request.add_listener
def _count(**_: Any) -> None:
    if not MASTER_PID:
        return
    done = next(_counted)
    if done == CHECKPOINT:
        _memory["checkpoint"] = _peak_worker_rss()
    if STOP_AFTER and done == STOP_AFTER:
        _memory["end"] = _peak_worker_rss()
        runner = _environment.runner if _environment else None
        if runner is not None:
            # Not from this greenlet: quitting kills every user's greenlet, this one included,
            # which would stop the quit halfway and leave locust waiting forever.
            gevent.spawn(runner.quit)


_environment: Any = None


@events.init.add_listener
def _remember(environment: Any, **_: Any) -> None:
    global _environment
    _environment = environment
    random.seed(SEED)  # locust picks each next task with the module's generator


@events.quitting.add_listener
def _summary(environment: Any, **_: Any) -> None:
    stats = environment.stats
    base = next((e for e in stats.entries.values() if e.name == BASELINE), None)
    floor = base.get_response_time_percentile(0.5) if base and base.num_requests else 0
    print(
        f"\n{'endpoint':<34}{'requests':>9}{'req/s':>9}{'p50':>8}{'p95':>8}{'p99':>8}"
        f"{'errors':>8}{'p50 / baseline':>16}"
    )
    for entry in sorted(stats.entries.values(), key=lambda e: e.name):
        _row(entry.name, entry, floor)
    _row("all", stats.total, floor)
    print(f"\nerrors: {stats.total.num_failures} (target 0)")
    if "checkpoint" in _memory:
        before, after = _memory["checkpoint"], _memory.get("end", _peak_worker_rss())
        total = stats.total.num_requests
        print(
            f"peak worker RSS: {before / 2**20:.1f} MiB after {CHECKPOINT:,} requests, "
            f"{after / 2**20:.1f} MiB after {total:,}: x{after / before:.3f} (target <= x1.10)"
        )


def _row(name: str, entry: Any, floor: float) -> None:
    p50 = entry.get_response_time_percentile(0.5)
    ratio = f"x{p50 / floor:.1f}" if floor else "-"
    print(
        f"{name:<34}{entry.num_requests:>9}{entry.total_rps:>9.1f}{p50:>6.0f}ms"
        f"{entry.get_response_time_percentile(0.95):>6.0f}ms"
        f"{entry.get_response_time_percentile(0.99):>6.0f}ms{entry.num_failures:>8}{ratio:>16}"
    )


class Person(HttpUser):
    wait_time = constant(0)

    def on_start(self) -> None:
        number = next(_numbers)
        self.rng = random.Random(SEED * 1000 + number)
        self.secret: str | None = None
        self.threads: list[str] = []
        login = self.client.get("/login", name="sign-in page")
        token = _CSRF.search(login.text)
        user = DEMO_USERS[number % len(DEMO_USERS)]
        form = {"user": user, "next": "/", "csrf_token": token.group(1) if token else ""}
        self.client.post("/login/dev", data=form, name="sign in (dev provider)")
        self._chat_page()

    def _chat_page(self) -> None:
        page = self.client.get("/", name="chat page")
        token = _CSRF.search(page.text)
        if token:
            self.csrf = token.group(1)

    def _secret(self, current: str | None, name: str) -> None:
        response = self.client.post(
            "/api/chatkit/session",
            json={"current_client_secret": current},
            headers={"X-CSRFToken": self.csrf},
            name=name,
        )
        if response.ok:
            self.secret = response.json()["client_secret"]

    @task(1)
    def baseline(self) -> None:
        self.client.get("/healthz", name=BASELINE)

    @task(3)
    def chat_page(self) -> None:
        self._chat_page()

    @task(5)
    def mint(self) -> None:
        self._secret(None, "mint (cached secret)")

    @task(1)
    def refresh(self) -> None:
        self._secret(self.secret, "refresh (new secret)")

    @task(3)
    def list_threads(self) -> None:
        response = self.client.get("/api/threads?limit=20", name="list threads")
        if response.ok:
            self.threads = [thread["id"] for thread in response.json()["data"]]

    @task(3)
    def transcript(self) -> None:
        if self.threads:
            thread = self.rng.choice(self.threads)
            self.client.get(f"/threads/{thread}", name="transcript")

    @task(1)
    def export(self) -> None:
        if self.threads:
            thread = self.rng.choice(self.threads)
            self.client.get(f"/threads/{thread}/export?format=md", name="export")
