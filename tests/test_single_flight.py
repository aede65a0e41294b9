"""Many concurrent first calls, over two app processes, cause exactly one upstream create."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from threading import Barrier
from typing import Any

import pytest
import redis
import requests

from chatkit_bff.auth.dev_users import demo_user
from testing.emulator import Emulator
from testing.servers import free_port, wait_for_app, wait_for_port
from tests.support.policies import override_policy

pytestmark = pytest.mark.all_topologies

CALLERS = 50


@pytest.fixture
def two_app_processes(
    app_config: dict[str, Any], redis_client: redis.Redis, emulator: Emulator
) -> Iterator[list[str]]:
    env = {**os.environ, **{k: str(v) for k, v in app_config.items() if k != "TESTING"}}
    urls = []
    with ExitStack() as stack:
        for _ in range(2):
            port = free_port()
            proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "--workers",
                    "1",
                    "--threads",
                    "32",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--log-level",
                    "warning",
                    "app:create_app()",
                ],
                env=env,
            )
            stack.callback(proc.wait, 10)
            stack.callback(proc.terminate)
            wait_for_port(port, timeout=20)
            # The port opens before the worker has booted the app (slow on a busy machine).
            wait_for_app(f"http://127.0.0.1:{port}", timeout=120)
            urls.append(f"http://127.0.0.1:{port}")
        yield urls


def signed_in_browser(base: str) -> tuple[requests.Session, str]:
    browser = requests.Session()
    # The first request waits for the worker to boot, slow on a loaded machine.
    page = browser.get(f"{base}/login", timeout=60).text
    token = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert token
    form = {"user": "grace", "next": "/", "csrf_token": token.group(1)}
    browser.post(f"{base}/login/dev", data=form, timeout=5, allow_redirects=False)
    fresh = re.search(r'name="csrf-token" content="([^"]+)"', browser.get(base, timeout=5).text)
    assert fresh
    return browser, fresh.group(1)


def test_fifty_concurrent_first_calls_over_two_processes_mint_once(
    two_app_processes: list[str], emulator: Emulator, redis_client: redis.Redis
) -> None:
    grace = demo_user("grace")
    assert grace is not None
    override_policy(redis_client, grace.identity().user_id, {"mint_requests_per_minute": CALLERS})
    browser, token = signed_in_browser(two_app_processes[0])
    start = Barrier(CALLERS)

    def call(index: int) -> tuple[int, str]:
        session = requests.Session()
        session.cookies.update(browser.cookies)
        base = two_app_processes[index % 2]  # the session lives in Redis: any process serves it
        start.wait()
        response = session.post(
            f"{base}/api/chatkit/session",
            json={"current_client_secret": None},
            headers={"X-CSRFToken": token},
            timeout=20,
        )
        return response.status_code, response.json().get("client_secret", "")

    with ThreadPoolExecutor(CALLERS) as pool:
        results = list(pool.map(call, range(CALLERS)))

    assert {status for status, _ in results} == {200}
    assert len({secret for _, secret in results}) == 1
    creates = [
        r
        for r in emulator.requests()
        if r["path"] == "/v1/chatkit/sessions" and r["json"]["user"] == grace.identity().user_id
    ]
    assert len(creates) == 1
