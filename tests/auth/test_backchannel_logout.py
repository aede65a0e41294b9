"""OpenID Connect Back-Channel Logout: the provider ends sessions; forgeries end nothing."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from testing.emulator import Emulator
from testing.oidc_provider import (
    BACKCHANNEL_LOGOUT_EVENT,
    REMOVE,
    ProviderUser,
    RunningProvider,
)
from testing.oidc_provider.keys import SigningKeys
from testing.servers import LiveServer

from .oidc_flows import CLIENT_ID, me, mint_secret, signed_in
from .providers import BOTH, OpenIDProvider, browser_at_provider, our_client

pytestmark = pytest.mark.all_topologies

ENDPOINT = "/auth/backchannel-logout"


def _statuses(emulator: Emulator) -> list[str]:
    return sorted(s["status"] for s in emulator.sessions())


def _post(app: Flask, token: str) -> Any:
    """The provider's POST: no cookies, no CSRF token, just the form field."""
    return app.test_client().post(ENDPOINT, data={"logout_token": token})


@pytest.fixture
def grace_chatting(client: FlaskClient, grace: ProviderUser, emulator: Emulator) -> FlaskClient:
    signed_in(client, grace)
    assert mint_secret(client).status_code == 200
    return client


@pytest.fixture
def provider_notifies(provider: RunningProvider, live_app: LiveServer) -> None:
    """Register our back-channel logout URI (the live app) with the provider."""
    provider.state.register_client(our_client(backchannel_logout_uri=f"{live_app.url}{ENDPOINT}"))


def test_a_logout_for_the_provider_session_ends_it_here(
    app: Flask,
    grace_chatting: FlaskClient,
    provider: RunningProvider,
    grace: ProviderUser,
    emulator: Emulator,
) -> None:
    token = provider.state.make_logout_token(sid=provider.state.current_sid(grace.sub))
    response = _post(app, token)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert me(grace_chatting).status_code == 401
    assert _statuses(emulator) == ["cancelled"]


@pytest.mark.parametrize("typ", ["JWT", "jwt", "application/logout+jwt", None])
def test_a_logout_token_typed_only_as_a_jwt_or_not_typed_is_accepted(
    app: Flask,
    grace_chatting: FlaskClient,
    provider: RunningProvider,
    grace: ProviderUser,
    typ: str | None,
) -> None:
    """Keycloak before 25 sends "typ": "JWT"; the claims say what the token is."""
    token = provider.state.make_logout_token(sub=grace.sub, typ=typ)  # None: no typ at all
    response = _post(app, token)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert me(grace_chatting).status_code == 401


@pytest.mark.usefixtures("provider_notifies")
def test_the_provider_signs_a_user_out_everywhere_over_http(
    app: Flask,
    grace_chatting: FlaskClient,
    provider: RunningProvider,
    grace: ProviderUser,
    ada: ProviderUser,
    emulator: Emulator,
) -> None:
    laptop = grace_chatting
    phone = app.test_client()
    signed_in(phone, grace)
    someone_else = app.test_client()
    signed_in(someone_else, ada)

    response = provider.state.send_backchannel_logout(CLIENT_ID, sub=grace.sub)

    assert response.status_code == 200
    assert me(laptop).status_code == 401
    assert me(phone).status_code == 401
    assert me(someone_else).status_code == 200
    assert _statuses(emulator) == ["cancelled"]


@pytest.mark.usefixtures("provider_notifies")
def test_a_logout_naming_one_provider_session_leaves_the_others(
    app: Flask,
    grace_chatting: FlaskClient,
    provider: RunningProvider,
    grace: ProviderUser,
) -> None:
    laptop_sid = provider.state.current_sid(grace.sub)
    phone = app.test_client()
    signed_in(phone, grace)
    assert provider.state.current_sid(grace.sub) != laptop_sid

    response = provider.state.send_backchannel_logout(CLIENT_ID, sid=laptop_sid)

    assert response.status_code == 200
    assert me(grace_chatting).status_code == 401
    assert me(phone).status_code == 200


def test_ending_a_session_at_the_provider_can_notify_us(
    app: Flask,
    grace_chatting: FlaskClient,
    provider: RunningProvider,
    provider_notifies: None,
    emulator: Emulator,
) -> None:
    """The provider's own sign-out page (another application signing out) reaches us too."""
    provider.state.backchannel_logout_on_end_session = True
    provider.state.end_session(next(iter(provider.state.sessions)))
    assert provider.state.backchannel_logout_calls[-1]["status"] == 200
    assert me(grace_chatting).status_code == 401
    assert _statuses(emulator) == ["cancelled"]


def _unsigned(claims: dict[str, Any]) -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'alg': 'none', 'typ': 'logout+jwt'})}.{part(claims)}."


FORGERIES: dict[str, dict[str, Any]] = {
    "foreign-key": {"foreign_key": True},
    "expired": {"iat": int(time.time()) - 200, "exp": int(time.time()) - 100},
    "too-old": {"iat": int(time.time()) - 3600, "exp": REMOVE},
    "issued-in-future": {"iat": int(time.time()) + 3600},
    "no-iat": {"iat": REMOVE},
    "wrong-audience": {"aud": "another-client"},
    "no-audience": {"aud": REMOVE},
    "wrong-issuer": {"iss": "https://evil.example"},
    "with-nonce": {"nonce": "n-0S6_WzA2Mj"},
    "no-events": {"events": REMOVE},
    "other-event": {"events": {"http://schemas.openid.net/event/other": {}}},
    "event-not-an-object": {"events": {BACKCHANNEL_LOGOUT_EVENT: "yes"}},
    "access-token-typ": {"typ": "at+jwt"},
    "no-jti": {"jti": REMOVE},
}


@pytest.mark.parametrize("forgery", FORGERIES.values(), ids=FORGERIES.keys())
def test_a_forged_or_malformed_logout_token_ends_nothing(
    app: Flask,
    grace_chatting: FlaskClient,
    provider: RunningProvider,
    grace: ProviderUser,
    emulator: Emulator,
    forgery: dict[str, Any],
) -> None:
    token = provider.state.make_logout_token(sub=grace.sub, **forgery)
    response = _post(app, token)
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.json["error"] == "invalid_request"
    assert response.json["error_description"]
    assert response.headers["Cache-Control"] == "no-store"
    assert me(grace_chatting).status_code == 200
    assert _statuses(emulator) == ["active"]


@pytest.mark.parametrize(
    "token",
    [
        "",
        "not-a-jwt",
        "a.b.c",
        "eyJhbGciOiJSUzI1NiJ9.e30.c2ln.extra.part",
    ],
)
def test_garbage_is_refused(app: Flask, grace_chatting: FlaskClient, token: str) -> None:
    response = _post(app, token)
    assert response.status_code == 400
    assert response.json["error"] == "invalid_request"
    assert me(grace_chatting).status_code == 200


def test_an_unsigned_token_is_refused(
    app: Flask, grace_chatting: FlaskClient, provider: RunningProvider, grace: ProviderUser
) -> None:
    now = int(time.time())
    claims = {
        "iss": provider.issuer,
        "aud": CLIENT_ID,
        "iat": now,
        "exp": now + 60,
        "jti": "unsigned-1",
        "sub": grace.sub,
        "events": {BACKCHANNEL_LOGOUT_EVENT: {}},
    }
    assert _post(app, _unsigned(claims)).status_code == 400
    assert me(grace_chatting).status_code == 200


def test_a_token_naming_neither_user_nor_session_is_refused(
    app: Flask, grace_chatting: FlaskClient, provider: RunningProvider
) -> None:
    response = _post(app, provider.state.make_logout_token())
    assert response.status_code == 400
    assert "neither sub nor sid" in response.json["error_description"]


def test_a_replayed_token_is_refused(
    app: Flask,
    client: FlaskClient,
    provider: RunningProvider,
    grace: ProviderUser,
    emulator: Emulator,
) -> None:
    signed_in(client, grace)
    token = provider.state.make_logout_token(sub=grace.sub)
    assert _post(app, token).status_code == 200
    assert me(client).status_code == 401

    signed_in(client, grace)
    assert mint_secret(client).status_code == 200
    replay = _post(app, token)
    assert replay.status_code == 400
    assert "already used" in replay.json["error_description"]
    assert me(client).status_code == 200
    assert _statuses(emulator) == ["active"]


def test_the_endpoint_does_not_exist_without_a_provider(
    app_config: dict[str, Any], redis_client: Any
) -> None:
    application = create_app({**app_config, "OIDC_ISSUER": ""})
    response = application.test_client().post(ENDPOINT, data={"logout_token": "x"})
    assert response.status_code == 404
    application.extensions["chatkit_bff"].close()


def test_a_token_signed_with_a_rotated_key_is_accepted(
    app: Flask, grace_chatting: FlaskClient, provider: RunningProvider, grace: ProviderUser
) -> None:
    """The provider rolled its signing key after we cached its JWKS: we read it again."""
    provider.state.keys = SigningKeys()
    response = _post(app, provider.state.make_logout_token(sub=grace.sub))
    assert response.status_code == 200
    assert me(grace_chatting).status_code == 401


@pytest.fixture
def op_notifies(op: OpenIDProvider, live_app: LiveServer) -> OpenIDProvider:
    """Our back-channel logout URI (the live app) registered with whichever provider."""
    op.notify_backchannel_logout(f"{live_app.url}{ENDPOINT}")
    return op


@pytest.mark.parametrize("provider_kind", BOTH)
def test_signing_out_at_the_provider_ends_that_sign_in_here(
    app: Flask,
    op_notifies: OpenIDProvider,
    grace: ProviderUser,
    ada: ProviderUser,
    emulator: Emulator,
) -> None:
    phone = app.test_client()
    signed_in(phone, grace)
    someone_else = app.test_client()
    signed_in(someone_else, ada)
    laptop = app.test_client()
    signed_in(laptop, grace)
    assert mint_secret(laptop).status_code == 200

    # On the laptop, the user signs out at the provider itself (not through us).
    op_notifies.sign_out_at_provider(browser_at_provider(laptop), grace)

    assert me(laptop).status_code == 401
    assert me(phone).status_code == 200  # another provider session
    assert me(someone_else).status_code == 200
