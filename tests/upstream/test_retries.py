"""Which failures the client repeats, how long it waits, and when it gives up.

Attempts are counted on the emulator's request log; waits are recorded, not slept.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from chatkit_bff.upstream import (
    ChatKitClient,
    ClientConfig,
    InternalServerError,
    RateLimitError,
    SessionCreateParams,
    UpstreamConnectionError,
    UpstreamTimeout,
)
from testing.servers import free_port

from .conftest import API_KEY, WORKFLOW_ID, Emulator, MakeClient

CREATE: SessionCreateParams = {"user": "user_123", "workflow": {"id": WORKFLOW_ID}}
THREADS = "/v1/chatkit/threads"
SESSIONS = "/v1/chatkit/sessions"


def calls(emulator: Emulator, method: str) -> list[dict[str, Any]]:
    return [entry for entry in emulator.requests() if entry["method"] == method]


def test_503_on_get_is_retried_then_given_up(
    client: ChatKitClient, emulator: Emulator, sleeps: list[float]
) -> None:
    thread = emulator.seed_thread("alice")
    emulator.script_faults({"status": 503, "count": 3, "method": "GET", "path_prefix": THREADS})

    with pytest.raises(InternalServerError) as caught:
        client.retrieve_thread(thread["id"])

    assert caught.value.status == 503
    assert [entry["status"] for entry in calls(emulator, "GET")] == [503, 503, 503]
    assert len(sleeps) == 2
    # full jitter under an exponential ceiling: 0.25 s, then 0.5 s
    assert 0 <= sleeps[0] <= 0.25
    assert 0 <= sleeps[1] <= 0.5


@pytest.mark.parametrize("status", [502, 503, 504])
def test_transient_failure_on_get_recovers(
    client: ChatKitClient, emulator: Emulator, sleeps: list[float], status: int
) -> None:
    emulator.seed_thread("alice")
    emulator.script_faults({"status": status, "count": 2, "path_prefix": THREADS})

    page = client.list_threads(user="alice")

    assert len(page["data"]) == 1
    assert [entry["status"] for entry in calls(emulator, "GET")] == [status, status, 200]
    assert len(sleeps) == 2


def test_503_on_delete_is_retried(
    client: ChatKitClient, emulator: Emulator, sleeps: list[float]
) -> None:
    thread = emulator.seed_thread("alice")
    emulator.script_faults({"status": 503, "count": 1, "method": "DELETE"})

    assert client.delete_thread(thread["id"])["deleted"] is True
    assert [entry["status"] for entry in calls(emulator, "DELETE")] == [503, 200]


def test_500_is_not_retried(client: ChatKitClient, emulator: Emulator, sleeps: list[float]) -> None:
    emulator.script_faults({"status": 500, "count": 1, "path_prefix": THREADS})
    with pytest.raises(InternalServerError):
        client.list_threads(user="alice")
    assert len(calls(emulator, "GET")) == 1
    assert sleeps == []


def test_no_retries_when_disabled(
    make_client: MakeClient, emulator: Emulator, sleeps: list[float]
) -> None:
    client = make_client(max_retries=0)
    emulator.script_faults({"status": 503, "count": 1, "path_prefix": THREADS})
    with pytest.raises(InternalServerError):
        client.list_threads(user="alice")
    assert len(calls(emulator, "GET")) == 1


def test_503_on_create_is_not_retried(
    client: ChatKitClient, emulator: Emulator, sleeps: list[float]
) -> None:
    emulator.script_faults({"status": 503, "count": 1, "method": "POST", "path_prefix": SESSIONS})

    with pytest.raises(InternalServerError):
        client.create_session(CREATE)

    assert len(calls(emulator, "POST")) == 1
    assert sleeps == []
    assert emulator.sessions() == []


def test_503_on_cancel_is_not_retried(
    client: ChatKitClient, emulator: Emulator, sleeps: list[float]
) -> None:
    session = client.create_session(CREATE)
    emulator.clear_requests()
    emulator.script_faults({"status": 503, "count": 1, "method": "POST"})

    with pytest.raises(InternalServerError):
        client.cancel_session(session["id"])

    assert len(calls(emulator, "POST")) == 1


def test_429_waits_as_asked_then_succeeds(
    client: ChatKitClient, emulator: Emulator, sleeps: list[float]
) -> None:
    emulator.script_faults({"status": 429, "count": 1, "method": "POST", "retry_after": 1})

    session = client.create_session(CREATE)

    assert session["status"] == "active"
    assert sleeps == [pytest.approx(1.0)]
    assert [entry["status"] for entry in calls(emulator, "POST")] == [429, 200]
    assert len(emulator.sessions()) == 1


def test_429_without_retry_after_backs_off(
    client: ChatKitClient, emulator: Emulator, sleeps: list[float]
) -> None:
    emulator.script_faults({"status": 429, "count": 1, "path_prefix": THREADS})
    client.list_threads(user="alice")
    assert len(sleeps) == 1
    assert 0 <= sleeps[0] <= 0.25


def test_429_beyond_the_wait_budget_gives_up_at_once(
    make_client: MakeClient, emulator: Emulator, sleeps: list[float]
) -> None:
    client = make_client(max_retry_wait=5.0)
    emulator.script_faults({"status": 429, "count": 1, "retry_after": 30})

    started = time.monotonic()
    with pytest.raises(RateLimitError) as caught:
        client.create_session(CREATE)

    assert time.monotonic() - started < 1.0
    assert caught.value.status == 429
    assert caught.value.retry_after == 30
    assert len(calls(emulator, "POST")) == 1
    assert sleeps == []


def test_repeated_429_spends_the_budget_then_gives_up(
    make_client: MakeClient, emulator: Emulator, sleeps: list[float]
) -> None:
    client = make_client(max_retries=5, max_retry_wait=2.5)
    emulator.script_faults({"status": 429, "count": 10, "retry_after": 1})

    with pytest.raises(RateLimitError) as caught:
        client.list_threads(user="alice")

    # 1 s + 1 s fit in 2.5 s; a third wait would not
    assert sleeps == [1.0, 1.0]
    assert len(calls(emulator, "GET")) == 3
    assert caught.value.retry_after == 1


def test_429_retries_stay_within_max_retries(
    client: ChatKitClient, emulator: Emulator, sleeps: list[float]
) -> None:
    emulator.script_faults({"status": 429, "count": 5, "retry_after": 0})
    with pytest.raises(RateLimitError):
        client.create_session(CREATE)
    assert len(calls(emulator, "POST")) == 3
    assert sleeps == [0.0, 0.0]


def test_read_timeout_on_get_is_retried_up_to_the_bound(
    make_client: MakeClient, emulator: Emulator, sleeps: list[float]
) -> None:
    client = make_client(read_timeout=0.3)
    emulator.script_faults({"status": 200, "count": 3, "delay_ms": 600, "path_prefix": THREADS})

    started = time.monotonic()
    with pytest.raises(UpstreamTimeout):
        client.list_threads(user="alice")
    elapsed = time.monotonic() - started

    assert 0.9 <= elapsed < 2.0
    assert len(sleeps) == 2
    assert len(emulator.requests_once_settled(3)) == 3


def test_read_timeout_on_create_is_not_retried(
    make_client: MakeClient, emulator: Emulator, sleeps: list[float]
) -> None:
    client = make_client(read_timeout=0.3)
    emulator.script_faults({"status": 200, "count": 3, "delay_ms": 600, "method": "POST"})

    with pytest.raises(UpstreamTimeout):
        client.create_session(CREATE)

    assert sleeps == []
    # the upstream still created the session the client gave up on: repeating would make two
    entries = emulator.requests_once_settled(1)
    time.sleep(0.7)
    assert len(emulator.requests()) == len(entries) == 1
    assert len(emulator.sessions()) == 1


def test_refused_connection_is_retried_for_every_method(sleeps: list[float]) -> None:
    # nothing listens there, so no request was ever sent and repeating cannot duplicate one
    config = ClientConfig(api_key=API_KEY, base_url=f"http://127.0.0.1:{free_port()}/v1")
    with ChatKitClient(config, sleep=sleeps.append) as client:
        with pytest.raises(UpstreamConnectionError):
            client.create_session(CREATE)
        assert len(sleeps) == 2
        with pytest.raises(UpstreamConnectionError):
            client.list_threads(user="alice")
        assert len(sleeps) == 4


def test_waits_never_exceed_the_backoff_cap(
    make_client: MakeClient, emulator: Emulator, sleeps: list[float]
) -> None:
    client = make_client(max_retries=6, backoff_base=1.0, backoff_max=1.5, max_retry_wait=100)
    emulator.script_faults({"status": 503, "count": 7, "path_prefix": THREADS})
    with pytest.raises(InternalServerError):
        client.list_threads(user="alice")
    assert len(sleeps) == 6
    assert all(0 <= wait <= 1.5 for wait in sleeps)
    assert len(calls(emulator, "GET")) == 7
