"""Server-side sessions: cookie flags, idle and absolute lifetimes, and revocation that sticks."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import pytest
import redis
from flask import Flask, Response
from flask.testing import FlaskClient
from werkzeug.http import parse_set_header

from app import create_app
from blueprints._sign_in_store import RedisSignInInterface, ServerSignIn
from chatkit_bff import redis_keys
from testing.clock import Clock
from testing.emulator import UPSTREAM_KEY, Emulator
from testing.oidc_provider import ProviderUser, RunningProvider
from tests.conftest import TEST_SECRET_KEY, WORKFLOW_ID

from .oidc_flows import CLIENT_ID, CLIENT_SECRET, me, session_cookie, signed_in

pytestmark = pytest.mark.all_topologies


def _cookie_attributes(set_cookie: str) -> tuple[str, dict[str, str]]:
    name_value, *attributes = (part.strip() for part in set_cookie.split(";"))
    parsed = {}
    for attribute in attributes:
        key, _, value = attribute.partition("=")
        parsed[key.lower()] = value
    return name_value.split("=", 1)[0], parsed


def _signed_in_cookie(client: FlaskClient, user: ProviderUser) -> tuple[str, dict[str, str]]:
    """Sign `user` in; the name and attributes of the one cookie the sign-in sets."""
    flow = signed_in(client, user)
    (set_cookie,) = flow.response.headers.getlist("Set-Cookie")
    return _cookie_attributes(set_cookie)


@pytest.fixture
def make_app(app_config: dict[str, Any], redis_client: redis.Redis) -> Iterator[Any]:
    made: list[Flask] = []

    def make(*, clock: Callable[[], float] = time.time, **overrides: Any) -> Flask:
        application = create_app({**app_config, **overrides}, clock=clock)
        made.append(application)
        return application

    yield make
    for application in made:
        application.extensions["chatkit_bff"].close()


def test_development_cookie_is_http_only_lax_and_host_wide(
    client: FlaskClient, grace: ProviderUser
) -> None:
    name, attributes = _signed_in_cookie(client, grace)
    assert name == "session"
    assert "httponly" in attributes
    assert attributes["samesite"] == "Lax"
    assert attributes["path"] == "/"
    assert "domain" not in attributes
    assert "secure" not in attributes  # plain http on a developer's machine
    assert "expires" in attributes


def test_production_cookie_is_a_secure_host_only_cookie(
    redis_url: str,
    redis_client: redis.Redis,
    emulator: Emulator,
    provider: RunningProvider,
) -> None:
    """A full production configuration (https everywhere), pointing at the test servers."""
    https_emulator = emulator.api_url.replace("http://", "https://")
    https_issuer = provider.issuer.replace("http://", "https://")
    application = create_app(
        {
            "APP_ENV": "production",
            "SECRET_KEY": TEST_SECRET_KEY,
            "OPENAI_API_KEY": UPSTREAM_KEY,
            "CHATKIT_API_BASE": https_emulator,
            "CHATKIT_WORKFLOW_ID": WORKFLOW_ID,
            "REDIS_URL": redis_url,
            "OIDC_ISSUER": https_issuer,
            "OIDC_CLIENT_ID": CLIENT_ID,
            "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        }
    )
    client = application.test_client()
    # The signed-out page hands out a CSRF token, so it starts an anonymous session.
    response = client.get("/signed-out", base_url="https://chat.example.com")
    (set_cookie,) = response.headers.getlist("Set-Cookie")
    name, attributes = _cookie_attributes(set_cookie)
    assert name == "__Host-session"
    assert "secure" in attributes
    assert "httponly" in attributes
    assert attributes["samesite"] == "Lax"
    assert attributes["path"] == "/"
    assert "domain" not in attributes
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    # Sign-in would send the browser to the provider, and come back over https.
    assert application.config["PREFERRED_URL_SCHEME"] == "https"
    application.extensions["chatkit_bff"].close()


def test_the_session_in_redis_is_plain_json_with_an_idle_ttl(
    client: FlaskClient, redis_client: redis.Redis, grace: ProviderUser
) -> None:
    signed_in(client, grace)
    key = redis_keys.sign_in(str(session_cookie(client)))
    data = json.loads(redis_client.get(key) or b"")
    assert data["identity"]["name"] == "Grace Hopper"
    assert 3590 < redis_client.ttl(key) <= 3600


def test_the_cookie_lasts_the_sign_in_and_is_not_sent_again_with_every_answer(
    client: FlaskClient, grace: ProviderUser
) -> None:
    _, attributes = _signed_in_cookie(client, grace)
    lifetime = client.application.config["SETTINGS"].session_absolute_seconds
    expires_in = parsedate_to_datetime(attributes["expires"]).timestamp() - time.time()
    assert lifetime - 60 < expires_in <= lifetime + 1
    # The idle timer is pushed back in Redis; the browser's cookie needs no refresh.
    answer = me(client)
    assert answer.status_code == 200
    assert answer.headers.getlist("Set-Cookie") == []


def test_an_idle_session_ends(make_app: Any, grace: ProviderUser) -> None:
    client = make_app(SESSION_IDLE_TIMEOUT="1").test_client()
    signed_in(client, grace)
    for _ in range(3):  # activity keeps it alive well past one idle period
        time.sleep(0.5)
        assert me(client).status_code == 200
    time.sleep(1.3)
    assert me(client).status_code == 401
    assert client.get("/").status_code == 302


def test_a_session_ends_at_its_absolute_lifetime_however_active(
    make_app: Any, redis_client: redis.Redis, grace: ProviderUser
) -> None:
    clock = Clock()
    client = make_app(SESSION_ABSOLUTE_LIFETIME="2", clock=clock).test_client()
    signed_in(client, grace)
    sid = session_cookie(client)
    assert me(client).json["session_expires_in"] == 2
    clock.now += 1.9  # activity all along: the idle timeout never strikes
    assert me(client).status_code == 200
    assert me(client).json["session_expires_in"] == 1
    clock.now += 0.1
    assert me(client).status_code == 401
    assert redis_client.exists(redis_keys.sign_in(str(sid))) == 0


def test_an_unknown_session_cookie_is_dropped(client: FlaskClient) -> None:
    client.set_cookie("session", "x" * 43)
    response = client.get("/signed-out")
    assert me(client).status_code == 401
    assert session_cookie(client) != "x" * 43
    assert "Cookie" in parse_set_header(response.headers.get("Vary", ""))


class TestRevocationSticks:
    """A request that was already running when the session ended must not bring it back."""

    @pytest.fixture
    def signed_in_sid(self, client: FlaskClient, grace: ProviderUser) -> str:
        signed_in(client, grace)
        sid = session_cookie(client)
        assert sid is not None
        return sid

    def _in_flight(self, app: Flask, sid: str) -> tuple[RedisSignInInterface, ServerSignIn]:
        interface = app.session_interface
        assert isinstance(interface, RedisSignInInterface)
        with app.test_request_context("/", headers={"Cookie": f"session={sid}"}) as ctx:
            opened = interface.open_session(app, ctx.request)
        assert opened.get("identity")
        return interface, opened

    @pytest.mark.parametrize("changes_session", [False, True])
    def test_an_in_flight_request_does_not_resurrect_a_revoked_session(
        self,
        app: Flask,
        client: FlaskClient,
        redis_client: redis.Redis,
        signed_in_sid: str,
        changes_session: bool,
    ) -> None:
        interface, in_flight = self._in_flight(app, signed_in_sid)

        # Meanwhile: signed out everywhere (back-channel logout, admin revoke, another tab).
        user_id = in_flight["identity"]["user_id"]
        assert app.extensions["chatkit_bff"].sign_ins.end_user(user_id) == 1

        if changes_session:
            in_flight["csrf_token"] = "fresh"
        response = Response()
        with app.test_request_context("/"):
            interface.save_session(app, in_flight, response)

        assert redis_client.exists(redis_keys.sign_in(signed_in_sid)) == 0
        if changes_session:  # the failed in-place write tells us: the browser forgets it
            assert "session=;" in response.headers["Set-Cookie"]
        assert me(client).status_code == 401


def test_signed_in_at_is_reset_by_a_new_sign_in(
    make_app: Any, provider: RunningProvider, grace: ProviderUser
) -> None:
    clock = Clock()
    application = make_app(SESSION_ABSOLUTE_LIFETIME="3", clock=clock)
    client = application.test_client()
    flow = signed_in(client, grace)
    assert urlsplit(flow.response.headers["Location"]).path == "/"
    clock.now += 1
    second = application.test_client()
    signed_in(second, grace)
    assert me(second).json["session_expires_in"] > me(client).json["session_expires_in"]
