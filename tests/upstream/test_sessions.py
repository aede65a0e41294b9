"""Creating and cancelling ChatKit sessions, and the bounds the upstream enforces."""

from __future__ import annotations

import time
from typing import Any, cast

import pytest

from chatkit_bff.upstream import (
    BadRequestError,
    ChatKitClient,
    InvalidIdentifierError,
    NotFoundError,
    SessionCreateParams,
)

from .conftest import WORKFLOW_ID, Emulator


def params(**overrides: Any) -> SessionCreateParams:
    body: dict[str, Any] = {"user": "user_123", "workflow": {"id": WORKFLOW_ID}}
    body.update(overrides)
    return cast(SessionCreateParams, body)


def test_create_session_with_defaults(client: ChatKitClient) -> None:
    before = int(time.time())
    session = client.create_session(params())

    assert session["object"] == "chatkit.session"
    assert session["id"].startswith("cksess_")
    assert session["client_secret"].startswith("ek_")
    assert session["status"] == "active"
    assert session["user"] == "user_123"
    assert before + 600 <= session["expires_at"] <= int(time.time()) + 600
    assert session["workflow"] == {
        "id": WORKFLOW_ID,
        "version": None,
        "state_variables": None,
        "tracing": {"enabled": True},
    }
    assert session["rate_limits"] == {"max_requests_per_1_minute": 10}
    assert session["max_requests_per_1_minute"] == 10
    assert session["chatkit_configuration"] == {
        "automatic_thread_titling": {"enabled": True},
        "file_upload": {"enabled": False, "max_file_size": 512, "max_files": 10},
        "history": {"enabled": True, "recent_threads": None},
    }


def test_create_session_sends_every_setting(client: ChatKitClient, emulator: Emulator) -> None:
    body = params(
        user="user_456",
        workflow={
            "id": WORKFLOW_ID,
            "version": "3",
            "state_variables": {"plan": "pro", "seats": 5, "ratio": 0.5, "beta": True},
            "tracing": {"enabled": False},
        },
        chatkit_configuration={
            "automatic_thread_titling": {"enabled": False},
            "file_upload": {"enabled": True, "max_file_size": 20, "max_files": 3},
            "history": {"enabled": True, "recent_threads": 5},
        },
        expires_after={"anchor": "created_at", "seconds": 120},
        rate_limits={"max_requests_per_1_minute": 42},
    )
    session = client.create_session(body)

    assert emulator.requests()[-1]["json"] == body
    assert session["workflow"]["version"] == "3"
    assert session["workflow"]["state_variables"] == {
        "plan": "pro",
        "seats": 5,
        "ratio": 0.5,
        "beta": True,
    }
    assert session["workflow"]["tracing"] == {"enabled": False}
    assert session["chatkit_configuration"]["file_upload"] == {
        "enabled": True,
        "max_file_size": 20,
        "max_files": 3,
    }
    assert session["chatkit_configuration"]["history"]["recent_threads"] == 5
    assert session["chatkit_configuration"]["automatic_thread_titling"] == {"enabled": False}
    assert session["max_requests_per_1_minute"] == 42
    assert abs(session["expires_at"] - (int(time.time()) + 120)) <= 2


def test_requests_carry_the_documented_headers(client: ChatKitClient, emulator: Emulator) -> None:
    session = client.create_session(params())
    client.cancel_session(session["id"])
    client.list_threads(user="user_123")

    create, cancel, listing = emulator.requests()
    for call in (create, cancel, listing):
        headers = call["headers"]
        assert headers["authorization"] == "Bearer ***"
        assert headers["openai-beta"] == "chatkit_beta=v1"
        assert headers["accept"] == "application/json"
        assert headers["user-agent"].startswith("chatkit-bff/")
    assert create["headers"]["content-type"] == "application/json"
    assert "content-type" not in cancel["headers"]
    assert "content-type" not in listing["headers"]
    assert cancel["json"] is None


def test_unknown_workflow_is_not_found(client: ChatKitClient) -> None:
    with pytest.raises(NotFoundError) as caught:
        client.create_session(params(workflow={"id": "nope"}))
    assert caught.value.status == 404
    assert "nope" in caught.value.message


def test_cancel_session(client: ChatKitClient, emulator: Emulator) -> None:
    session = client.create_session(params())

    cancelled = client.cancel_session(session["id"])

    assert cancelled["id"] == session["id"]
    assert cancelled["status"] == "cancelled"
    assert cancelled["client_secret"] == ""
    assert emulator.sessions()[0]["status"] == "cancelled"
    # cancelling again is harmless
    assert client.cancel_session(session["id"])["status"] == "cancelled"


def test_cancel_unknown_session_is_not_found(client: ChatKitClient) -> None:
    with pytest.raises(NotFoundError) as caught:
        client.cancel_session("cksess_" + "0" * 48)
    assert caught.value.status == 404


@pytest.mark.parametrize("session_id", ["", "../threads", "cksess_1/cancel", "a b", "%2e%2e"])
def test_malformed_session_id_never_reaches_the_upstream(
    client: ChatKitClient, emulator: Emulator, session_id: str
) -> None:
    with pytest.raises(InvalidIdentifierError):
        client.cancel_session(session_id)
    assert emulator.requests() == []


def test_session_expires_when_its_time_has_passed(
    client: ChatKitClient, emulator: Emulator
) -> None:
    session = client.create_session(params(expires_after={"anchor": "created_at", "seconds": 60}))
    assert emulator.sessions()[0]["status"] == "active"

    emulator.shift_clock(61)

    assert emulator.sessions()[0]["status"] == "expired"
    # an expired session can still be cancelled, and then reads as cancelled
    assert client.cancel_session(session["id"])["status"] == "cancelled"


def test_expiry_follows_the_upstream_clock(client: ChatKitClient, emulator: Emulator) -> None:
    emulator.shift_clock(3600)
    session = client.create_session(params(expires_after={"anchor": "created_at", "seconds": 30}))
    assert abs(session["expires_at"] - (int(time.time()) + 3600 + 30)) <= 2


# --- bounds: every limit of the create body, at and past its edge -----------------------------

WORKFLOW: dict[str, Any] = {"id": WORKFLOW_ID}


def _variables(count: int, key_length: int = 8) -> dict[str, str]:
    return {f"{index:0{key_length}d}": "v" for index in range(count)}


REJECTED: list[tuple[str, dict[str, Any], str]] = [
    ("empty user", {"user": ""}, "user"),
    ("missing user", {"user": None}, "user"),
    ("missing workflow id", {"workflow": {}}, "workflow.id"),
    (
        "65 state variables",
        {"workflow": {**WORKFLOW, "state_variables": _variables(65)}},
        "workflow.state_variables",
    ),
    (
        "state variable key of 65 characters",
        {"workflow": {**WORKFLOW, "state_variables": _variables(1, key_length=65)}},
        "workflow.state_variables",
    ),
    (
        "expiry of 0 seconds",
        {"expires_after": {"anchor": "created_at", "seconds": 0}},
        "expires_after.seconds",
    ),
    (
        "expiry of 601 seconds",
        {"expires_after": {"anchor": "created_at", "seconds": 601}},
        "expires_after.seconds",
    ),
    (
        "expiry without seconds",
        {"expires_after": {"anchor": "created_at"}},
        "expires_after.seconds",
    ),
    ("expiry without anchor", {"expires_after": {"seconds": 60}}, "expires_after.anchor"),
    (
        "expiry anchored elsewhere",
        {"expires_after": {"anchor": "now", "seconds": 60}},
        "expires_after.anchor",
    ),
    (
        "0 requests per minute",
        {"rate_limits": {"max_requests_per_1_minute": 0}},
        "rate_limits.max_requests_per_1_minute",
    ),
    (
        "file size of 0 MB",
        {"chatkit_configuration": {"file_upload": {"max_file_size": 0}}},
        "chatkit_configuration.file_upload.max_file_size",
    ),
    (
        "file size of 513 MB",
        {"chatkit_configuration": {"file_upload": {"max_file_size": 513}}},
        "chatkit_configuration.file_upload.max_file_size",
    ),
    (
        "0 files",
        {"chatkit_configuration": {"file_upload": {"max_files": 0}}},
        "chatkit_configuration.file_upload.max_files",
    ),
    (
        "0 recent threads",
        {"chatkit_configuration": {"history": {"recent_threads": 0}}},
        "chatkit_configuration.history.recent_threads",
    ),
]


@pytest.mark.parametrize(
    ("overrides", "param"), [case[1:] for case in REJECTED], ids=[case[0] for case in REJECTED]
)
def test_out_of_bounds_create_is_rejected(
    client: ChatKitClient, emulator: Emulator, overrides: dict[str, Any], param: str
) -> None:
    body = params(**overrides)
    if overrides.get("user", "") is None:
        del cast(dict[str, Any], body)["user"]

    with pytest.raises(BadRequestError) as caught:
        client.create_session(body)

    assert caught.value.status == 400
    assert caught.value.param == param
    assert caught.value.type == "invalid_request_error"
    # a rejected create is not retried
    assert len(emulator.requests()) == 1


ACCEPTED: list[tuple[str, dict[str, Any]]] = [
    ("user of one character", {"user": "u"}),
    ("64 state variables", {"workflow": {**WORKFLOW, "state_variables": _variables(64)}}),
    (
        "state variable key of 64 characters",
        {"workflow": {**WORKFLOW, "state_variables": _variables(1, key_length=64)}},
    ),
    ("expiry of 1 second", {"expires_after": {"anchor": "created_at", "seconds": 1}}),
    ("expiry of 600 seconds", {"expires_after": {"anchor": "created_at", "seconds": 600}}),
    ("1 request per minute", {"rate_limits": {"max_requests_per_1_minute": 1}}),
    ("file size of 1 MB", {"chatkit_configuration": {"file_upload": {"max_file_size": 1}}}),
    ("file size of 512 MB", {"chatkit_configuration": {"file_upload": {"max_file_size": 512}}}),
    ("1 file", {"chatkit_configuration": {"file_upload": {"max_files": 1}}}),
    ("1 recent thread", {"chatkit_configuration": {"history": {"recent_threads": 1}}}),
]


@pytest.mark.parametrize(
    "overrides", [case[1] for case in ACCEPTED], ids=[case[0] for case in ACCEPTED]
)
def test_create_at_the_edge_is_accepted(client: ChatKitClient, overrides: dict[str, Any]) -> None:
    session = client.create_session(params(**overrides))
    received: dict[str, Any] = dict(session)

    assert received["status"] == "active"
    if "user" in overrides:
        assert received["user"] == overrides["user"]
    if "state_variables" in overrides.get("workflow", {}):
        assert received["workflow"]["state_variables"] == overrides["workflow"]["state_variables"]
    if "expires_after" in overrides:
        expected_expiry = int(time.time()) + overrides["expires_after"]["seconds"]
        assert abs(received["expires_at"] - expected_expiry) <= 2
    if "rate_limits" in overrides:
        assert received["max_requests_per_1_minute"] == 1
    for section, values in overrides.get("chatkit_configuration", {}).items():
        for key, value in values.items():
            assert received["chatkit_configuration"][section][key] == value
