"""A slow or failing upstream costs each call at most its deadline, then nothing at all for a while.

The deadline and breaker run against the live emulator (its scripted delays and errors); the
breaker's state machine also runs on a hand-driven clock.
"""

from __future__ import annotations

import threading
import time

import pytest

from chatkit_bff.upstream import (
    BadRequestError,
    BreakerConfig,
    ChatKitClient,
    CircuitOpenError,
    InternalServerError,
    NotFoundError,
    UpstreamSaturatedError,
    UpstreamTimeout,
)
from chatkit_bff.upstream.breaker import CircuitBreaker
from testing.clock import Clock

from .conftest import Emulator, MakeClient

THREADS = "/v1/chatkit/threads"


def test_a_read_gives_up_at_its_deadline_across_retries(
    make_client: MakeClient, emulator: Emulator
) -> None:
    # Each attempt would wait 5 s for an answer that takes 3 s; three attempts used to take 9 s+.
    client = make_client(read_timeout=5.0, deadline=1.0)
    emulator.script_faults({"status": 200, "delay_ms": 3000, "count": 3, "method": "GET"})
    started = time.monotonic()
    with pytest.raises(UpstreamTimeout):
        client.list_threads(user="alice")
    assert time.monotonic() - started < 2.5


def test_a_create_is_bounded_by_the_read_timeout(
    make_client: MakeClient, emulator: Emulator
) -> None:
    client = make_client(read_timeout=0.5, deadline=30.0)
    emulator.script_faults({"status": 200, "delay_ms": 3000, "count": 1, "method": "POST"})
    started = time.monotonic()
    with pytest.raises(UpstreamTimeout):
        client.create_session({"user": "alice", "workflow": {"id": "wf_x"}})
    assert time.monotonic() - started < 2.0


def test_repeated_failures_open_the_circuit_and_calls_stop_reaching_the_upstream(
    make_client: MakeClient, emulator: Emulator
) -> None:
    client = make_client(breaker=BreakerConfig(failures=2, window=30, cool_down=30))
    emulator.script_faults({"status": 500, "count": 2, "method": "GET"})
    for _ in range(2):
        with pytest.raises(InternalServerError):
            client.list_threads(user="alice")
    emulator.clear_requests()
    with pytest.raises(CircuitOpenError) as raised:
        client.list_threads(user="alice")
    assert raised.value.retry_after is not None
    assert 1 <= raised.value.retry_after <= 30
    assert emulator.requests() == []
    # Another kind of operation has its own breaker: creating sessions still works.
    client.create_session({"user": "alice", "workflow": {"id": "wf_x"}})


def test_answers_that_are_the_callers_fault_do_not_open_the_circuit(
    make_client: MakeClient, emulator: Emulator
) -> None:
    client = make_client(breaker=BreakerConfig(failures=2, window=30, cool_down=30))
    for _ in range(4):
        with pytest.raises(NotFoundError):
            client.retrieve_thread("cthr_missing")
    with pytest.raises(BadRequestError):
        client.list_threads(user="alice", after="cthr_nope")
    assert client.list_threads(user="alice")["data"] == []


def test_the_cap_on_concurrent_calls_fails_the_extra_call_after_a_short_wait(
    make_client: MakeClient, emulator: Emulator
) -> None:
    client = make_client(max_concurrency=1, slot_wait=0.2)
    emulator.script_faults({"status": 200, "delay_ms": 2000, "count": 1, "method": "GET"})
    slow = threading.Thread(target=lambda: client.list_threads(user="alice"))
    slow.start()
    time.sleep(0.3)
    started = time.monotonic()
    with pytest.raises(UpstreamSaturatedError):
        client.list_threads(user="alice")
    assert time.monotonic() - started < 1.2  # the wait, not the slow call's 2 s
    slow.join()
    assert client.list_threads(user="alice")["data"] == []


def test_a_burst_waits_for_a_slot_instead_of_failing(
    make_client: MakeClient, emulator: Emulator
) -> None:
    client = make_client(max_concurrency=1, slot_wait=5.0)
    emulator.script_faults({"status": 200, "delay_ms": 300, "count": 1, "method": "GET"})
    first = threading.Thread(target=lambda: client.list_threads(user="alice"))
    first.start()
    time.sleep(0.1)
    assert client.list_threads(user="alice")["data"] == []  # waited for the first to end
    first.join()


def test_every_attempt_of_a_call_carries_one_client_request_id(
    client: ChatKitClient, emulator: Emulator
) -> None:
    emulator.script_faults({"status": 503, "count": 1, "method": "GET"})
    client.list_threads(user="request-ids")
    client.list_threads(user="request-ids")
    ids = [  # (delayed calls of earlier tests may still be logged: keep this test's own)
        entry["headers"].get("x-client-request-id")
        for entry in emulator.requests()
        if entry["query"].get("user") == "request-ids"
    ]
    assert len(ids) == 3
    assert all(ids)
    assert ids[0] == ids[1] != ids[2]


def breaker_on(clock: Clock, failures: int) -> CircuitBreaker:
    """A read breaker that opens after `failures` in 10 s and cools down for 5 s."""
    return CircuitBreaker("read", BreakerConfig(failures=failures, window=10, cool_down=5), clock)


def test_the_breaker_opens_on_failures_within_the_window_only() -> None:
    clock = Clock()
    breaker = breaker_on(clock, failures=3)
    for _ in range(2):
        breaker.failed(breaker.admit())
    clock.now += 11  # the first two fall out of the window
    breaker.failed(breaker.admit())
    assert breaker.state == "closed"
    breaker.failed(breaker.admit())
    breaker.failed(breaker.admit())
    assert breaker.state == "open"


def test_half_open_lets_one_probe_through_and_its_outcome_decides() -> None:
    clock = Clock()
    breaker = breaker_on(clock, failures=1)
    breaker.failed(breaker.admit())
    with pytest.raises(CircuitOpenError):
        breaker.admit()
    clock.now += 5
    assert breaker.state == "half-open"
    probe = breaker.admit()
    assert probe is True
    with pytest.raises(CircuitOpenError):
        breaker.admit()  # only one probe at a time
    breaker.failed(probe)
    assert breaker.state == "open"
    clock.now += 5
    probe = breaker.admit()
    breaker.succeeded(probe)
    assert breaker.state == "closed"
    assert breaker.admit() is False


def test_successes_in_between_do_not_hide_failures_within_the_window() -> None:
    clock = Clock()
    breaker = breaker_on(clock, failures=3)
    for _ in range(2):
        breaker.failed(breaker.admit())
        breaker.succeeded(breaker.admit())
    breaker.failed(breaker.admit())
    assert breaker.state == "open"
