"""How upstream failures surface: error classes, their fields, and no credential in sight."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from flask import Flask, Response

from chatkit_bff.upstream import (
    AuthenticationError,
    ChatKitClient,
    ClientConfig,
    NotFoundError,
    RateLimitError,
    SessionCreateParams,
    UpstreamError,
    UpstreamProtocolError,
    UpstreamTimeout,
)
from testing.servers import serve_in_thread

from .conftest import API_KEY, WORKFLOW_ID, Emulator, MakeClient

CREATE: SessionCreateParams = {"user": "user_123", "workflow": {"id": WORKFLOW_ID}}


def test_wrong_api_key_is_an_authentication_error(make_client: MakeClient) -> None:
    wrong_key = "sk-this-key-is-wrong-987654321"
    client = make_client(api_key=wrong_key)

    with pytest.raises(AuthenticationError) as caught:
        client.list_threads(user="alice")

    assert caught.value.status == 401
    assert caught.value.code == "invalid_api_key"
    assert wrong_key not in str(caught.value)
    assert wrong_key[-4:] not in str(caught.value)  # not even the masked tail the upstream echoes


def test_missing_thread_is_not_found(client: ChatKitClient) -> None:
    with pytest.raises(NotFoundError) as caught:
        client.list_items("cthr_" + "f" * 48)
    assert caught.value.status == 404
    assert caught.value.message


def test_secrets_never_reach_logs_or_error_text(
    make_client: MakeClient, emulator: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client = make_client(read_timeout=0.3)
    client_secrets: list[str] = []
    errors: list[UpstreamError] = []

    first = client.create_session(CREATE)
    client_secrets.append(first["client_secret"])
    client.cancel_session(first["id"])
    emulator.script_faults({"status": 429, "count": 1, "retry_after": 0})
    second = client.create_session(CREATE)
    client_secrets.append(second["client_secret"])
    client.cancel_session(second["id"])

    emulator.script_faults({"status": 503, "count": 1, "method": "POST"})
    with pytest.raises(UpstreamError) as unavailable:
        client.create_session(CREATE)
    errors.append(unavailable.value)
    emulator.script_faults({"status": 200, "count": 1, "delay_ms": 500, "method": "POST"})
    with pytest.raises(UpstreamTimeout) as timed_out:
        client.create_session(CREATE)
    errors.append(timed_out.value)
    with pytest.raises(AuthenticationError) as unauthorised:
        make_client(api_key=API_KEY + "x").create_session(CREATE)
    errors.append(unauthorised.value)
    with pytest.raises(NotFoundError) as missing:
        client.cancel_session("cksess_" + "0" * 48)
    errors.append(missing.value)
    assert len(emulator.requests_once_settled(9)) == 9  # the timed-out create logs as it ends
    client_secrets.extend(session["client_secret"] for session in emulator.sessions())

    secrets = [API_KEY, API_KEY + "x", *filter(None, client_secrets)]
    assert len(secrets) >= 4
    assert any(record.name == "chatkit_bff.upstream" for record in caplog.records)
    for record in caplog.records:
        text = record.getMessage() + repr(record.args) + repr(record.__dict__)
        for secret in secrets:
            assert secret not in text, f"a secret leaked into the log of {record.name}"
    for error in errors:
        for secret in secrets:
            assert secret not in str(error)
            assert secret not in repr(error)
    assert API_KEY not in repr(client)
    assert API_KEY not in repr(ClientConfig(api_key=API_KEY, base_url=emulator.api_url))


def test_retries_are_logged_as_warnings(
    client: ChatKitClient, emulator: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="chatkit_bff.upstream")
    emulator.script_faults({"status": 503, "count": 1, "path_prefix": "/v1/chatkit/threads"})

    client.list_threads(user="alice")

    ours = [record for record in caplog.records if record.name == "chatkit_bff.upstream"]
    warnings = [record for record in ours if record.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "GET /chatkit/threads" in warnings[0].getMessage()
    assert "503" in warnings[0].getMessage()
    # the query (which names the user) stays out of the client's own log lines
    assert not any("alice" in record.getMessage() for record in ours)


# --- an upstream that breaks the contract ------------------------------------------------


def _misbehaving_upstream() -> Flask:
    app = Flask("misbehaving_upstream")

    @app.get("/v1/chatkit/threads/cthr_html")
    def html_page() -> Response:
        return Response("<html>maintenance</html>", status=200, mimetype="text/html")

    @app.get("/v1/chatkit/threads/cthr_wrong")
    def wrong_shape() -> Response:
        return Response('{"id": "cthr_wrong", "object": "chatkit.thread"}', status=200)

    @app.get("/v1/chatkit/threads")
    def other_users_threads() -> dict[str, object]:
        thread = {
            "id": "cthr_1",
            "object": "chatkit.thread",
            "created_at": 1,
            "title": None,
            "status": {"type": "active"},
            "user": "mallory",
        }
        return {
            "object": "list",
            "data": [thread],
            "first_id": "cthr_1",
            "last_id": "cthr_1",
            "has_more": False,
        }

    @app.post("/v1/chatkit/sessions")
    def rate_limited_until_a_date() -> Response:
        later = format_datetime(datetime.now(UTC) + timedelta(seconds=120), usegmt=True)
        return Response("slow down", status=429, headers={"Retry-After": later})

    @app.post("/v1/chatkit/sessions/<session_id>/cancel")
    def gateway_error(session_id: str) -> Response:
        return Response("<html>502 Bad Gateway</html>", status=502, mimetype="text/html")

    @app.delete("/v1/chatkit/threads/<thread_id>")
    def redirect(thread_id: str) -> Response:
        return Response("", status=302, headers={"Location": "https://elsewhere.test/"})

    return app


@pytest.fixture(scope="module")
def misbehaving_url() -> Iterator[str]:
    with serve_in_thread(_misbehaving_upstream()) as live:
        yield f"{live.url}/v1"


@pytest.fixture
def misbehaving_client(misbehaving_url: str, sleeps: list[float]) -> Iterator[ChatKitClient]:
    config = ClientConfig(api_key=API_KEY, base_url=misbehaving_url, max_retry_wait=10)
    with ChatKitClient(config, sleep=sleeps.append) as client:
        yield client


def test_non_json_success_is_a_protocol_error(misbehaving_client: ChatKitClient) -> None:
    with pytest.raises(UpstreamProtocolError, match="not JSON"):
        misbehaving_client.retrieve_thread("cthr_html")


def test_wrong_shaped_success_is_a_protocol_error(misbehaving_client: ChatKitClient) -> None:
    with pytest.raises(UpstreamProtocolError, match=r"thread\.user is missing"):
        misbehaving_client.retrieve_thread("cthr_wrong")


def test_another_users_thread_in_a_listing_is_refused(misbehaving_client: ChatKitClient) -> None:
    with pytest.raises(UpstreamProtocolError, match="another user"):
        misbehaving_client.list_threads(user="alice")


def test_retry_after_as_http_date_beyond_budget(
    misbehaving_client: ChatKitClient, sleeps: list[float]
) -> None:
    with pytest.raises(RateLimitError) as caught:
        misbehaving_client.create_session(CREATE)
    assert caught.value.retry_after is not None
    assert 100 < caught.value.retry_after <= 120
    assert caught.value.message == "the upstream answered HTTP 429"
    assert sleeps == []


def test_non_json_error_body_still_maps_by_status(misbehaving_client: ChatKitClient) -> None:
    with pytest.raises(UpstreamError) as caught:
        misbehaving_client.cancel_session("cksess_1")
    assert caught.value.status == 502
    assert caught.value.message == "the upstream answered HTTP 502"


def test_redirects_are_not_followed(misbehaving_client: ChatKitClient) -> None:
    with pytest.raises(UpstreamProtocolError, match="redirect"):
        misbehaving_client.delete_thread("cthr_1")
