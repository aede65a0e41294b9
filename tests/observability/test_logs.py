"""Logs of a whole sign-in-to-logout session: one JSON object per line, no secret in any."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import redis
import requests

from testing.emulator import UPSTREAM_KEY, Emulator
from testing.oidc_provider import ProviderClient, ProviderUser, running_provider
from testing.servers import free_port, gunicorn_app
from tests.auth.oidc_flows import CLIENT_ID, CLIENT_SECRET, answer_at_provider, query
from tests.conftest import TEST_SECRET_KEY

from .conftest import served_env
from .support import METRICS_TOKEN, json_lines, scrape_text

_CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')


def csrf(http: requests.Session, url: str) -> str:
    match = _CSRF.search(http.get(url, timeout=10).text)
    assert match
    return match.group(1)


def test_a_whole_session_leaves_no_secret_token_code_or_cookie_in_the_logs(
    app_config: dict[str, Any], redis_client: redis.Redis, emulator: Emulator, tmp_path: Path
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    grace = ProviderUser("grace-sub", "Grace Hopper", "grace@example.com")
    registration = ProviderClient(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        redirect_uris=[f"{base}/auth/callback"],
        post_logout_redirect_uris=[f"{base}/signed-out"],
        backchannel_logout_uri=f"{base}/auth/backchannel-logout",
    )
    log = tmp_path / "server.log"
    created: list[str] = [UPSTREAM_KEY, TEST_SECRET_KEY, CLIENT_SECRET, METRICS_TOKEN]
    with running_provider([grace], [registration]) as provider:
        config = {
            **app_config,
            "OIDC_ISSUER": provider.issuer,
            "OIDC_CLIENT_ID": CLIENT_ID,
            "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        }
        with gunicorn_app(served_env(config, tmp_path), log, port=port) as url:
            http = requests.Session()
            start = http.get(f"{url}/login?next=/", timeout=10, allow_redirects=False)
            callback = answer_at_provider(start.headers["Location"], grace)
            signed_in = http.get(callback, timeout=10, allow_redirects=False)
            assert signed_in.status_code == 302
            created += [query(callback)["code"], query(callback)["state"]]
            created += list(provider.state.tokens)  # access tokens (the app drops them)
            created.append(http.cookies["session"])

            token = csrf(http, url)
            created.append(token)
            headers = {"X-CSRFToken": token}
            endpoint = f"{url}/api/chatkit/session"
            first = http.post(endpoint, json={"current_client_secret": None}, headers=headers)
            secret = first.json()["client_secret"]
            refreshed = http.post(endpoint, json={"current_client_secret": secret}, headers=headers)
            created += [secret, refreshed.json()["client_secret"]]
            wrong = http.post(endpoint, json={}, headers={"X-CSRFToken": "forged-csrf-token-1"})
            assert wrong.status_code == 400
            created.append("forged-csrf-token-1")
            http.get(f"{url}/?after=cthr_query_must_not_be_logged", timeout=10)
            created.append("cthr_query_must_not_be_logged")
            scrape_text(url)

            forged = requests.post(f"{url}/auth/backchannel-logout", data={"logout_token": "x.y.z"})
            assert forged.status_code == 400
            ended = provider.state.send_backchannel_logout(CLIENT_ID, sub=grace.sub)
            assert ended.status_code == 200
            assert http.get(f"{url}/api/me", timeout=10).status_code == 401

    text = log.read_text()
    for value in created:
        assert value not in text
    # Nothing even tried to write a token: the credential-shape scrubber never had to act.
    assert "eyJ" not in text
    assert "[redacted]" not in text

    lines = list(json_lines(log))  # every line, gunicorn's own included, is one JSON object
    assert not [line for line in lines if line["logger"] == "gunicorn.access"]  # ours instead
    access = [line for line in lines if line["logger"] == "chatkit_bff.access"]
    callback_lines = [line for line in access if line["route"] == "/auth/callback"]
    assert [line["path"] for line in callback_lines] == ["/auth/callback"]
    assert all(re.fullmatch(r"[0-9a-f]{32}", line["request_id"]) for line in access)
    assert {"time", "level", "logger", "message", "route", "status", "duration_ms"} <= set(
        access[0]
    )
    assert len({line["request_id"] for line in access}) == len(access)
