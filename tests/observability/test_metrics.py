"""Each event moves its metric by exactly the right amount, summed over two gunicorn workers."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import redis
import requests

from chatkit_bff.auth.dev_users import demo_user
from chatkit_bff.observability import metrics
from testing.emulator import Emulator
from testing.servers import free_port, gunicorn_app, wait_for_port
from tests.support.policies import override_policy

from .conftest import Served, served_env
from .support import METRICS_TOKEN, Browser, json_lines, parse, scrape_text, value

SESSIONS = "/v1/chatkit/sessions"


def user_id(name: str) -> str:
    user = demo_user(name)
    assert user is not None
    return user.identity().user_id


def test_each_event_moves_its_metric_by_exactly_its_amount_over_two_workers(
    served: Served, emulator: Emulator, redis_client: redis.Redis
) -> None:
    before = parse(scrape_text(served.url))
    override_policy(redis_client, user_id("ada"), {"mint_requests_per_minute": 1})
    grace, alan, ada = (Browser(served.url, name) for name in ("grace", "alan", "ada"))

    # Two first calls at once, each held 0.8 s upstream: two sync workers serve one each.
    emulator.script_faults(
        {"status": 200, "count": 2, "method": "POST", "path_prefix": SESSIONS, "delay_ms": 800}
    )
    with ThreadPoolExecutor(2) as pool:
        first_grace, first_alan = pool.map(lambda b: b.secret(), (grace, alan))
    assert (first_grace.status_code, first_alan.status_code) == (200, 200)

    assert grace.secret().json() == first_grace.json()  # a cache hit
    refreshed = grace.secret(first_grace.json()["client_secret"])  # a refresh: a new session
    assert refreshed.status_code == 200
    assert refreshed.json()["client_secret"] != first_grace.json()["client_secret"]

    emulator.script_faults({"status": 500, "count": 1, "method": "POST", "path_prefix": SESSIONS})
    assert alan.secret(first_alan.json()["client_secret"]).status_code == 502  # upstream 500

    assert ada.secret().status_code == 200
    assert ada.secret().status_code == 429  # over her 1 per minute

    after = parse(scrape_text(served.url))

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("chatkit_bff_sign_ins_total", outcome="succeeded") == 3
    assert moved("chatkit_bff_chat_session_mints_total", outcome="created") == 4
    assert moved("chatkit_bff_chat_session_mints_total", outcome="failed") == 1
    assert moved("chatkit_bff_secret_cache_requests_total", result="miss") == 3
    assert moved("chatkit_bff_secret_cache_requests_total", result="hit") == 1
    assert moved("chatkit_bff_secret_cache_requests_total", result="refresh") == 2
    upstream = "chatkit_bff_upstream_request_duration_seconds_count"
    assert moved(upstream, operation="sessions.create", status="200") == 4
    assert moved(upstream, operation="sessions.create", status="500") == 1
    assert (
        moved("chatkit_bff_upstream_retries_total", operation="sessions.create", reason="500") == 0
    )
    assert moved("chatkit_bff_rate_limited_total", limit="mint") == 1
    http = "chatkit_bff_http_request_duration_seconds_count"
    route = {"endpoint": "/api/chatkit/session", "method": "POST"}
    assert moved(http, **route, status="200") == 5
    assert moved(http, **route, status="502") == 1
    assert moved(http, **route, status="429") == 1
    held = "chatkit_bff_upstream_request_duration_seconds_bucket"
    assert moved(held, operation="sessions.create", status="200", le="0.5") == 2  # not the slow 2

    # The two held calls were served by two different worker processes.
    slow = [
        line
        for line in json_lines(served.log)
        if line.get("route") == "/api/chatkit/session" and line.get("duration_ms", 0) >= 700
    ]
    assert len(slow) == 2
    assert slow[0]["pid"] != slow[1]["pid"]


def test_metrics_need_the_token_and_name_no_user_thread_or_secret(
    served: Served, emulator: Emulator
) -> None:
    grace = Browser(served.url, "grace")
    secret = grace.secret().json()["client_secret"]
    thread = emulator.seed_thread(user_id("grace"), title="Quarterly plan")
    assert requests.get(f"{served.url}/threads/{thread['id']}", cookies=grace.http.cookies).ok

    assert requests.get(f"{served.url}/metrics", timeout=10).status_code == 404
    wrong = {"Authorization": "Bearer not-the-metrics-token-at-all"}
    assert requests.get(f"{served.url}/metrics", headers=wrong, timeout=10).status_code == 404

    text = scrape_text(served.url)
    assert 'endpoint="/threads/<thread_id>"' in text  # the route rule, never the path
    for private in (user_id("grace"), "grace", "Grace", secret, thread["id"], METRICS_TOKEN):
        assert private not in text


def test_without_a_metrics_token_the_route_is_not_there(client: Any) -> None:
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer x" * 3}).status_code == 404


def test_metrics_port_serves_every_workers_metrics_without_a_token(
    app_config: dict[str, Any], redis_client: redis.Redis, emulator: Emulator, tmp_path: Path
) -> None:
    port = free_port()
    env = served_env(app_config, tmp_path)
    env.pop("METRICS_TOKEN")
    env["METRICS_PORT"] = f"127.0.0.1:{port}"
    with gunicorn_app(env, tmp_path / "server.log", workers=2) as url:
        Browser(url, "grace").secret()
        assert requests.get(f"{url}/metrics", timeout=10).status_code == 404  # not on the app
        wait_for_port(port)
        text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    assert value(parse(text), "chatkit_bff_sign_ins_total", outcome="succeeded") == 1
    assert value(parse(text), "chatkit_bff_chat_session_mints_total", outcome="created") == 1


def test_a_call_waiting_for_another_requests_mint_is_counted_once(
    live_app: Any, emulator: Emulator, redis_client: redis.Redis
) -> None:
    first = Browser(live_app.url, "grace")
    second = requests.Session()
    second.cookies.update(first.http.cookies)  # the same sign-in, another tab
    waits = metrics.SINGLE_FLIGHT_WAITS._value.get()  # this process's counter
    emulator.script_faults(
        {"status": 200, "count": 1, "method": "POST", "path_prefix": SESSIONS, "delay_ms": 1500}
    )

    def call(http: requests.Session) -> str:
        answer = http.post(
            f"{live_app.url}/api/chatkit/session",
            json={"current_client_secret": None},
            headers={"X-CSRFToken": first.token},
            timeout=20,
        )
        assert answer.status_code == 200, answer.text
        return str(answer.json()["client_secret"])

    with ThreadPoolExecutor(2) as pool:
        minting = pool.submit(call, first.http)
        deadline = time.monotonic() + 10
        while not list(redis_client.scan_iter(match="*lock*")):
            assert time.monotonic() < deadline  # the first call holds the mint lock...
            time.sleep(0.02)
        waiting = pool.submit(call, second)  # ...so this one finds the lock held
        assert minting.result() == waiting.result()
    assert metrics.SINGLE_FLIGHT_WAITS._value.get() - waits == 1
