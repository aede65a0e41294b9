"""Creating, cancelling and expiring sessions, with the upstream response shape."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

from .conftest import Emulator

SESSION_FIELDS = {
    "id",
    "object",
    "client_secret",
    "expires_at",
    "workflow",
    "user",
    "rate_limits",
    "max_requests_per_1_minute",
    "status",
    "chatkit_configuration",
}
CLIENT_SECRET = re.compile(r"^ek_[0-9a-f]{48}_00(?P<claims>[A-Za-z0-9+/]+=*)$")


def create(emulator: Emulator, body: dict[str, Any]) -> dict[str, Any]:
    response = emulator.api("POST", "/chatkit/sessions", json=body)
    assert response.status_code == 200, response.text
    session: dict[str, Any] = response.json()
    return session


def test_minimal_body_gets_every_documented_default(emulator: Emulator) -> None:
    now = emulator.control("GET", "/clock")["now"]

    session = create(emulator, {"user": "user_123", "workflow": {"id": "wf_abc"}})

    assert set(session) == SESSION_FIELDS
    assert re.fullmatch(r"cksess_[0-9a-f]{48}", session["id"])
    assert session["object"] == "chatkit.session"
    assert session["status"] == "active"
    assert session["user"] == "user_123"
    assert now + 600 <= session["expires_at"] <= now + 602
    assert session["workflow"] == {
        "id": "wf_abc",
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


def test_client_secret_carries_its_expiry(emulator: Emulator) -> None:
    session = create(
        emulator,
        {
            "user": "u",
            "workflow": {"id": "wf_1"},
            "expires_after": {"anchor": "created_at", "seconds": 30},
        },
    )
    match = CLIENT_SECRET.match(session["client_secret"])
    assert match, session["client_secret"]
    claims = json.loads(base64.b64decode(match["claims"]))
    assert claims == {"expires_at": session["expires_at"]}
    other = create(emulator, {"user": "u", "workflow": {"id": "wf_1"}})
    assert other["client_secret"] != session["client_secret"]
    assert other["id"] != session["id"]


def test_every_option_is_echoed_resolved(emulator: Emulator) -> None:
    body = {
        "user": "user_456",
        "workflow": {
            "id": "wf_full",
            "version": "7",
            "state_variables": {"plan": "pro", "seats": 3, "ratio": 0.5, "trial": False},
            "tracing": {"enabled": False},
        },
        "chatkit_configuration": {
            "automatic_thread_titling": {"enabled": False},
            "file_upload": {"enabled": True, "max_file_size": 20, "max_files": 2},
            "history": {"enabled": False, "recent_threads": 5},
        },
        "expires_after": {"anchor": "created_at", "seconds": 60},
        "rate_limits": {"max_requests_per_1_minute": 99},
    }

    session = create(emulator, body)

    assert session["workflow"] == body["workflow"]
    assert session["chatkit_configuration"] == body["chatkit_configuration"]
    assert session["rate_limits"] == body["rate_limits"]
    assert session["max_requests_per_1_minute"] == 99
    assert "expires_after" not in session


def test_partial_nested_objects_keep_their_other_defaults(emulator: Emulator) -> None:
    session = create(
        emulator,
        {
            "user": "u",
            "workflow": {"id": "wf_1", "tracing": {}, "state_variables": {}},
            "chatkit_configuration": {"file_upload": {"enabled": True}, "history": {}},
            "rate_limits": {},
        },
    )
    assert session["workflow"]["tracing"] == {"enabled": True}
    assert session["workflow"]["state_variables"] is None
    assert session["chatkit_configuration"]["file_upload"] == {
        "enabled": True,
        "max_file_size": 512,
        "max_files": 10,
    }
    assert session["chatkit_configuration"]["history"] == {"enabled": True, "recent_threads": None}
    assert session["rate_limits"] == {"max_requests_per_1_minute": 10}


def test_session_expires_once_the_clock_reaches_expires_at(emulator: Emulator) -> None:
    session = create(
        emulator,
        {
            "user": "u",
            "workflow": {"id": "wf_1"},
            "expires_after": {"anchor": "created_at", "seconds": 90},
        },
    )
    now = emulator.control("GET", "/clock")["now"]
    remaining = session["expires_at"] - now

    emulator.control("PUT", "/clock", {"offset_seconds": remaining - 2})
    assert emulator.control("GET", "/sessions")["sessions"][0]["status"] == "active"

    emulator.control("PUT", "/clock", {"offset_seconds": remaining + 1})
    [expired] = emulator.control("GET", "/sessions")["sessions"]
    assert expired["status"] == "expired"
    assert expired["client_secret"] == session["client_secret"]


def test_cancel_marks_the_session_cancelled_and_blanks_the_secret(emulator: Emulator) -> None:
    session = create(emulator, {"user": "u", "workflow": {"id": "wf_1"}})
    kept = create(emulator, {"user": "u", "workflow": {"id": "wf_1"}})

    response = emulator.api("POST", f"/chatkit/sessions/{session['id']}/cancel")

    assert response.status_code == 200
    cancelled = response.json()
    assert set(cancelled) == SESSION_FIELDS
    assert cancelled["status"] == "cancelled"
    assert cancelled["client_secret"] == ""
    assert {key: cancelled[key] for key in ("id", "user", "expires_at", "workflow")} == {
        key: session[key] for key in ("id", "user", "expires_at", "workflow")
    }
    statuses = {s["id"]: s["status"] for s in emulator.control("GET", "/sessions")["sessions"]}
    assert statuses == {session["id"]: "cancelled", kept["id"]: "active"}
    again = emulator.api("POST", f"/chatkit/sessions/{session['id']}/cancel")
    assert again.status_code == 200
    assert again.json()["status"] == "cancelled"


def test_cancelling_an_unknown_session_is_404(emulator: Emulator) -> None:
    response = emulator.api("POST", "/chatkit/sessions/cksess_nope/cancel")
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "Session with id 'cksess_nope' not found."


def test_unknown_workflow_is_404(emulator: Emulator) -> None:
    response = emulator.api(
        "POST", "/chatkit/sessions", json={"user": "u", "workflow": {"id": "abc"}}
    )
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "Workflow with id 'abc' not found."
    assert emulator.control("GET", "/sessions")["sessions"] == []


def test_invalid_json_is_400(emulator: Emulator) -> None:
    response = emulator.api(
        "POST",
        "/chatkit/sessions",
        data=b'{"user": "u", ',
        headers={**emulator.api_headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert "JSON" in error["message"]


def test_body_must_be_an_object(emulator: Emulator) -> None:
    response = emulator.api("POST", "/chatkit/sessions", json=["user"])
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_type"
