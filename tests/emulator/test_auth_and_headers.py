"""Credentials and the beta header guard every emulated operation, with upstream errors."""

from __future__ import annotations

import pytest
import requests

from .conftest import API_KEY, Emulator

OPERATIONS = [
    ("POST", "/chatkit/sessions"),
    ("POST", "/chatkit/sessions/cksess_x/cancel"),
    ("GET", "/chatkit/threads"),
    ("GET", "/chatkit/threads/cthr_x"),
    ("DELETE", "/chatkit/threads/cthr_x"),
    ("GET", "/chatkit/threads/cthr_x/items"),
]
BETA = {"OpenAI-Beta": "chatkit_beta=v1"}


def assert_error_shape(response: requests.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"message", "type", "param", "code"}
    assert isinstance(body["error"]["message"], str)
    assert body["error"]["message"]
    error: dict[str, object] = body["error"]
    return error


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer sk-wrong", f"Basic {API_KEY}", API_KEY, "Bearer"],
)
def test_missing_or_wrong_key_is_401_invalid_api_key(
    emulator: Emulator, method: str, path: str, authorization: str | None
) -> None:
    headers = dict(BETA)
    if authorization is not None:
        headers["Authorization"] = authorization
    error = assert_error_shape(emulator.api(method, path, headers=headers), 401)
    assert error["code"] == "invalid_api_key"
    assert error["type"] == "invalid_request_error"
    assert API_KEY not in str(error["message"])


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
@pytest.mark.parametrize("beta", [None, "", "chatkit_beta=v2", "assistants=v2"])
def test_missing_or_wrong_beta_header_is_400(
    emulator: Emulator, method: str, path: str, beta: str | None
) -> None:
    headers = {"Authorization": f"Bearer {API_KEY}"}
    if beta is not None:
        headers["OpenAI-Beta"] = beta
    error = assert_error_shape(emulator.api(method, path, headers=headers), 400)
    assert error["type"] == "invalid_request_error"
    assert "chatkit_beta=v1" in str(error["message"])


def test_reads_and_deletes_need_neither_content_type_nor_accept(emulator: Emulator) -> None:
    thread = emulator.seed_thread(user="u1")
    bare = {"Authorization": f"Bearer {API_KEY}", **BETA}
    session = requests.Session()
    session.headers.clear()  # requests would otherwise add Accept: */* and friends
    base = emulator.api_url + "/chatkit/threads"
    for method, url in [
        ("GET", base),
        ("GET", f"{base}/{thread['id']}"),
        ("GET", f"{base}/{thread['id']}/items"),
        ("DELETE", f"{base}/{thread['id']}"),
    ]:
        response = session.request(method, url, headers=bare, timeout=10)
        assert response.status_code == 200, response.text
    sent = emulator.requests()
    assert all("accept" not in entry["headers"] for entry in sent)
    assert all("content-type" not in entry["headers"] for entry in sent)


def test_cancel_needs_no_body(emulator: Emulator) -> None:
    session = emulator.api(
        "POST", "/chatkit/sessions", json={"user": "u", "workflow": {"id": "wf_1"}}
    )
    cancelled = emulator.api("POST", f"/chatkit/sessions/{session.json()['id']}/cancel")
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"


def test_unknown_api_paths_answer_in_the_error_shape(emulator: Emulator) -> None:
    error = assert_error_shape(emulator.api("GET", "/chatkit/nothing-here"), 404)
    assert error["message"] == "Invalid URL (GET /v1/chatkit/nothing-here)"
    assert_error_shape(emulator.api("PUT", "/chatkit/threads"), 405)
