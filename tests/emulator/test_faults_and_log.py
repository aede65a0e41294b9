"""Injected faults are deterministic for tests, and every API call is logged in order."""

from __future__ import annotations

import time

import pytest
import requests

from .conftest import API_KEY, Emulator


def statuses(emulator: Emulator, calls: list[tuple[str, str]]) -> list[int]:
    return [emulator.api(method, path).status_code for method, path in calls]


def test_scripted_faults_are_consumed_in_order(emulator: Emulator) -> None:
    emulator.control(
        "PUT",
        "/faults",
        {"scripted": [{"status": 503, "count": 2}, {"status": 500}, {"status": 502, "count": 1}]},
    )
    calls = [("GET", "/chatkit/threads")] * 5
    assert statuses(emulator, calls) == [503, 503, 500, 502, 200]
    assert emulator.control("GET", "/faults")["scripted"] == []


def test_scripted_faults_only_hit_matching_calls(emulator: Emulator) -> None:
    emulator.control(
        "PUT",
        "/faults",
        {
            "scripted": [
                {"status": 503, "count": 2, "method": "GET"},
                {"status": 500, "path_prefix": "/v1/chatkit/sessions"},
            ]
        },
    )
    create = ("POST", "/chatkit/sessions")
    listing = ("GET", "/chatkit/threads")
    assert statuses(emulator, [create, listing, create, listing, listing]) == [
        500,
        503,
        400,  # the fault was used up; the empty body then fails validation
        503,
        200,
    ]


def test_rate_limit_fault_sends_retry_after_and_the_error_shape(emulator: Emulator) -> None:
    emulator.control("PUT", "/faults", {"scripted": [{"status": 429, "retry_after": 3}]})
    response = emulator.api("GET", "/chatkit/threads")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "3"
    assert response.json()["error"] == {
        "message": response.json()["error"]["message"],
        "type": "requests",
        "param": None,
        "code": "rate_limit_exceeded",
    }
    server_error = {"scripted": [{"status": 500}]}
    emulator.control("PUT", "/faults", server_error)
    body = emulator.api("GET", "/chatkit/threads").json()
    assert body["error"]["type"] == "server_error"


def test_faults_come_before_authentication(emulator: Emulator) -> None:
    emulator.control("PUT", "/faults", {"scripted": [{"status": 503}]})
    assert emulator.api("GET", "/chatkit/threads", headers={}).status_code == 503
    assert emulator.api("GET", "/chatkit/threads", headers={}).status_code == 401


def test_a_delay_can_make_a_client_time_out(emulator: Emulator) -> None:
    emulator.control("PUT", "/faults", {"scripted": [{"status": 200, "delay_ms": 600}]})
    with pytest.raises(requests.ReadTimeout):
        emulator.api("GET", "/chatkit/threads", timeout=0.2)
    # the delayed call is logged once it ends: then it no longer holds up the next test's reset
    assert len(emulator.requests_once_settled(1)) == 1
    assert emulator.api("GET", "/chatkit/threads").status_code == 200


def test_a_call_still_running_at_a_reset_is_not_logged_after_it(emulator: Emulator) -> None:
    # One test's slow call must not turn up in the next test's log (the reset between them).
    emulator.control("PUT", "/faults", {"scripted": [{"status": 200, "delay_ms": 500}]})
    with pytest.raises(requests.ReadTimeout):
        emulator.api("POST", "/chatkit/sessions", timeout=0.1)
    emulator.reset()
    time.sleep(0.7)  # the slow call has ended by now
    assert emulator.requests() == []
    assert emulator.api("GET", "/chatkit/threads").status_code == 200
    assert [call["path"] for call in emulator.requests()] == ["/v1/chatkit/threads"]


def test_latency_and_error_rate_apply_to_every_call(emulator: Emulator) -> None:
    emulator.control("PUT", "/faults", {"latency_ms": 150})
    started = time.monotonic()
    assert emulator.api("GET", "/chatkit/threads").status_code == 200
    assert time.monotonic() - started >= 0.15

    emulator.control("PUT", "/faults", {"latency_ms": 0, "error_rate": 1.0, "error_status": 502})
    assert statuses(emulator, [("GET", "/chatkit/threads")] * 3) == [502, 502, 502]
    emulator.control("PUT", "/faults", {"error_rate": 0})
    assert emulator.api("GET", "/chatkit/threads").status_code == 200


def test_reset_clears_faults_and_clock(emulator: Emulator) -> None:
    emulator.control(
        "PUT", "/faults", {"error_rate": 1.0, "latency_ms": 5, "scripted": [{"status": 500}]}
    )
    emulator.control("PUT", "/clock", {"offset_seconds": 3600})
    emulator.control("POST", "/reset")
    assert emulator.control("GET", "/faults") == {
        "latency_ms": 0,
        "error_rate": 0.0,
        "error_status": 500,
        "scripted": [],
    }
    assert emulator.control("GET", "/clock")["offset_seconds"] == 0
    assert emulator.api("GET", "/chatkit/threads").status_code == 200


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"latency_ms": -1}, "latency_ms"),
        ({"error_rate": 1.5}, "error_rate"),
        ({"error_rate": "often"}, "error_rate"),
        ({"error_status": 200}, "error_status"),
        ({"scripted": {"status": 500}}, "scripted"),
        ({"scripted": [{"status": 700}]}, "scripted[0].status"),
        ({"scripted": [{"status": 500, "count": 0}]}, "scripted[0].count"),
        ({"scripted": [{"status": 500, "method": "PATCH"}]}, "scripted[0].method"),
        ({"scripted": [{"status": 500, "when": "now"}]}, "scripted[0].when"),
        ({"chaos": True}, "chaos"),
    ],
)
def test_bad_fault_settings_are_rejected(
    emulator: Emulator, body: dict[str, object], param: str
) -> None:
    response = requests.put(f"{emulator.url}/_emulator/faults", json=body, timeout=5)
    assert response.status_code == 400
    assert response.json()["error"]["param"] == param


def test_request_log_records_calls_in_order_with_the_key_hidden(emulator: Emulator) -> None:
    emulator.api("POST", "/chatkit/sessions", json={"user": "u", "workflow": {"id": "wf_1"}})
    emulator.api("GET", "/chatkit/threads", params={"user": "u", "limit": "5"})
    emulator.api("DELETE", "/chatkit/threads/cthr_missing")
    emulator.control("GET", "/sessions")  # control calls are not logged

    log = emulator.requests()

    assert [(e["method"], e["path"], e["status"]) for e in log] == [
        ("POST", "/v1/chatkit/sessions", 200),
        ("GET", "/v1/chatkit/threads", 200),
        ("DELETE", "/v1/chatkit/threads/cthr_missing", 404),
    ]
    assert [e["query"] for e in log] == [{}, {"user": "u", "limit": "5"}, {}]
    assert [e["json"] for e in log] == [{"user": "u", "workflow": {"id": "wf_1"}}, None, None]
    for entry in log:
        assert set(entry) == {"method", "path", "query", "json", "status", "headers"}
        assert entry["headers"]["authorization"] == "Bearer ***"
        assert entry["headers"]["openai-beta"] == "chatkit_beta=v1"
        assert API_KEY not in str(entry)

    emulator.control("DELETE", "/requests")
    assert emulator.requests() == []


def test_rejected_and_faulted_calls_are_logged_too(emulator: Emulator) -> None:
    emulator.control("PUT", "/faults", {"scripted": [{"status": 503}]})
    emulator.api("GET", "/chatkit/threads")
    emulator.api("GET", "/chatkit/threads", headers={"Authorization": "Bearer wrong"})
    assert [e["status"] for e in emulator.requests()] == [503, 401]
    assert emulator.requests()[1]["headers"]["authorization"] == "Bearer ***"
