"""Every response names its request; error pages, log lines and the upstream see the same id."""

from __future__ import annotations

import re
from typing import Any

import redis
from flask.testing import FlaskClient

from app import create_app
from testing.emulator import Emulator

from .conftest import Served
from .support import Browser, json_lines
from .test_metrics import user_id

GENERATED = re.compile(r"[0-9a-f]{32}")


def test_every_response_carries_a_new_id_unless_a_trusted_proxy_sent_one(
    client: FlaskClient, app_config: dict[str, Any], redis_client: redis.Redis
) -> None:
    first, second = client.get("/healthz"), client.get("/nowhere")
    assert GENERATED.fullmatch(first.headers["X-Request-ID"])
    assert GENERATED.fullmatch(second.headers["X-Request-ID"])
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]
    # No trusted proxy: whatever the client claims is not believed.
    claimed = client.get("/healthz", headers={"X-Request-ID": "made-up-by-the-client"})
    assert GENERATED.fullmatch(claimed.headers["X-Request-ID"])

    behind_proxy = create_app({**app_config, "TRUSTED_PROXY_HOPS": "1"}).test_client()
    passed = behind_proxy.get("/healthz", headers={"X-Request-ID": "lb-4f1c.7"})
    assert passed.headers["X-Request-ID"] == "lb-4f1c.7"
    for unusable in ("two words", "x" * 200, 'quote"d', "tab\there", "<script>"):
        answer = behind_proxy.get("/healthz", headers={"X-Request-ID": unusable})
        assert GENERATED.fullmatch(answer.headers["X-Request-ID"]), unusable


def test_an_error_page_and_its_log_line_show_the_id_the_upstream_saw(
    served: Served, emulator: Emulator
) -> None:
    grace = Browser(served.url, "grace")
    thread = emulator.seed_thread(user_id("grace"), title="Launch checklist")
    path = f"/v1/chatkit/threads/{thread['id']}"
    emulator.script_faults({"status": 500, "count": 1, "method": "GET", "path_prefix": path})
    emulator.clear_requests()

    page = grace.http.get(f"{served.url}/threads/{thread['id']}", timeout=10)

    assert page.status_code == 502
    request_id = page.headers["X-Request-ID"]
    assert f"quote this reference: <code>{request_id}</code>" in page.text
    upstream = [r for r in emulator.requests() if r["path"] == path]
    assert upstream
    assert upstream[0]["headers"]["x-client-request-id"] == request_id
    lines = [line for line in json_lines(served.log) if line.get("request_id") == request_id]
    assert any(
        line["level"] == "WARNING" and "upstream call failed" in line["message"] for line in lines
    )
    access = [line for line in lines if line["logger"] == "chatkit_bff.access"]
    assert [(a["route"], a["status"]) for a in access] == [("/threads/<thread_id>", 502)]
    assert all(line.get("user") for line in lines)  # a hash naming the user...
    assert all(user_id("grace") not in str(line) for line in lines)  # ...never the id itself
