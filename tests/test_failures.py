"""When Redis or ChatKit fail, callers get a clear answer (JSON for the API, pages for people)."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from app import create_app
from testing.emulator import Emulator
from testing.servers import redis_server
from tests.support.flows import ApiCaller, dev_sign_in


def test_redis_outage_gives_503s_not_500s(app_config: dict[str, Any]) -> None:
    with redis_server() as url:
        app = create_app({**app_config, "REDIS_URL": url})
        client = app.test_client()
        dev_sign_in(client, "grace")
        api = ApiCaller(client)
        assert api.new_secret().status_code == 200
    # The server is gone now; the browser still holds its session cookie.

    api_call = api.new_secret()
    assert api_call.status_code == 503
    assert api_call.json["error"]["code"] == "store_unavailable"
    assert "try again" in api_call.json["error"]["message"]

    page = client.get("/")
    assert page.status_code == 503
    assert page.mimetype == "text/html"
    assert "unavailable" in page.get_data(as_text=True)

    assert client.get("/healthz").status_code == 200
    ready = app.test_client().get("/readyz")
    assert ready.status_code == 503
    assert ready.json == {
        "status": "unavailable",
        "failed": ["redis"],
        "redis": "unreachable",
        "settings": "ok",
    }
    assert url.split("//")[1] not in ready.get_data(as_text=True)  # where Redis is stays private


def test_a_sign_in_started_during_an_outage_is_a_503_not_a_stale_form(
    app_config: dict[str, Any],
) -> None:
    with redis_server() as url:
        app = create_app({**app_config, "REDIS_URL": url})
    # Gone before this visitor's first request: the sign-in form's session is never written.
    visitor = app.test_client()
    refused = dev_sign_in(visitor, "grace")
    assert refused.status_code == 503
    assert refused.mimetype == "text/html"
    assert "try again shortly" in refused.get_data(as_text=True)
    assert "Reload the page" not in refused.get_data(as_text=True)
    assert refused.headers["Retry-After"]


def test_a_form_from_an_ended_session_still_says_to_reload(client: FlaskClient) -> None:
    refused = client.post("/login/dev", data={"user": "grace", "csrf_token": "stale"})
    assert refused.status_code == 400
    assert "Reload the page and try again" in refused.get_data(as_text=True)


def test_chatkit_outage_keeps_the_chat_page_and_says_why_history_is_missing(
    client: FlaskClient, emulator: Emulator
) -> None:
    dev_sign_in(client, "grace")
    emulator.script_faults({"status": 503, "count": 20, "method": "GET"})

    page = client.get("/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'data-testid="history-unavailable"' in text
    assert "The chat service failed; try again shortly." in text
    assert 'id="chatkit-options"' in text  # the live chat is still offered

    api = client.get("/api/threads")
    assert api.status_code == 502
    assert api.json["error"]["code"] == "upstream_error"
