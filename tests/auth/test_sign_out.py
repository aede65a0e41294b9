"""Signing out ends everything: this session, the user's ChatKit sessions, the provider session."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
import redis
import requests
from flask.testing import FlaskClient

from app import create_app
from chatkit_bff import redis_keys
from chatkit_bff.identity import upstream_user_id
from testing.emulator import Emulator
from testing.oidc_provider import ProviderUser, RunningProvider
from tests.support.flows import dev_sign_in

from .oidc_flows import (
    CLIENT_ID,
    TEST_CLIENT_ORIGIN,
    answer_at_provider,
    deliver,
    me,
    mint_secret,
    query,
    session_cookie,
    sign_out,
    signed_in,
    start_sign_in,
)
from .providers import BOTH, OpenIDProvider, browser_at_provider

pytestmark = pytest.mark.all_topologies


def _statuses(emulator: Emulator) -> list[str]:
    return [s["status"] for s in emulator.sessions()]


@pytest.mark.parametrize("provider_kind", BOTH)
def test_sign_out_cancels_chat_sessions_and_signs_out_at_the_provider(
    client: FlaskClient,
    op: OpenIDProvider,
    emulator: Emulator,
    redis_client: redis.Redis,
    grace: ProviderUser,
) -> None:
    signed_in(client, grace)
    assert mint_secret(client).status_code == 200
    user_id = upstream_user_id(op.issuer, grace.sub)
    assert redis_client.scard(redis_keys.user_secrets(user_id)) == 1
    assert _statuses(emulator) == ["active"]
    old_session = session_cookie(client)

    response = sign_out(client)

    # Here: nothing of the session, the cached secret or the upstream session is left.
    assert me(client).status_code == 401
    assert redis_client.exists(redis_keys.sign_in(str(old_session))) == 0
    assert list(redis_client.scan_iter(redis_keys.CACHED_SECRET_PATTERN)) == []
    assert _statuses(emulator) == ["cancelled"]

    # And the browser goes on to the provider to end its session there too.
    assert response.status_code == 302
    location = response.headers["Location"]
    end_session = requests.get(f"{op.issuer}/.well-known/openid-configuration", timeout=10).json()[
        "end_session_endpoint"
    ]
    assert location.startswith(f"{end_session}?")
    params = query(location)
    hint = params["id_token_hint"]  # the ID token this provider signed for us
    assert hint.startswith("eyJ")
    assert hint.count(".") == 2
    assert params["post_logout_redirect_uri"] == f"{TEST_CLIENT_ORIGIN}/signed-out"
    assert params["client_id"] == CLIENT_ID
    assert params["state"]

    landing = op.end_session(browser_at_provider(client), location)
    assert urlsplit(landing).path == "/signed-out"
    assert query(landing)["state"] == params["state"]

    page = deliver(client, landing)
    assert page.status_code == 200
    assert "You are signed out" in page.get_data(as_text=True)
    assert 'href="/login"' in page.get_data(as_text=True)
    # The provider forgot this browser too: signing in again asks who you are.
    authorize_url = start_sign_in(client)
    assert answer_at_provider(authorize_url, grace, browser_at_provider(client))


def test_sign_out_ends_the_provider_session_named_in_the_id_token(
    client: FlaskClient, provider: RunningProvider, grace: ProviderUser
) -> None:
    signed_in(client, grace)
    provider_sid = provider.state.current_sid(grace.sub)
    location = sign_out(client).headers["Location"]
    back = requests.get(location, allow_redirects=False, timeout=10)
    assert back.status_code == 302
    assert provider.state.end_session_calls[-1]["sid"] == provider_sid
    assert provider_sid not in provider.state.sessions


@pytest.mark.parametrize("provider_kind", BOTH)
def test_sign_out_only_ends_this_user(
    client: FlaskClient,
    op: OpenIDProvider,
    emulator: Emulator,
    grace: ProviderUser,
    ada: ProviderUser,
) -> None:
    other = client.application.test_client()
    signed_in(other, ada)
    assert mint_secret(other).status_code == 200
    signed_in(client, grace)
    assert mint_secret(client).status_code == 200

    sign_out(client)

    assert me(other).status_code == 200
    by_user = {s["user"]: s["status"] for s in emulator.sessions()}
    assert by_user == {
        upstream_user_id(op.issuer, ada.sub): "active",
        upstream_user_id(op.issuer, grace.sub): "cancelled",
    }


@pytest.mark.parametrize("provider_kind", BOTH)
def test_sign_out_ends_every_chat_session_the_user_holds(
    client: FlaskClient, emulator: Emulator, grace: ProviderUser
) -> None:
    second_device = client.application.test_client()
    signed_in(client, grace)
    signed_in(second_device, grace)
    assert mint_secret(client).status_code == 200

    sign_out(second_device)

    assert _statuses(emulator) == ["cancelled"]
    # The other browser keeps its own session and gets a fresh chat session when it asks.
    assert me(client).status_code == 200
    assert mint_secret(client).status_code == 200
    assert sorted(_statuses(emulator)) == ["active", "cancelled"]


def test_without_a_provider_sign_out_lands_on_the_signed_out_page(
    app_config: dict[str, Any], redis_client: redis.Redis, emulator: Emulator
) -> None:
    application = create_app({**app_config, "OIDC_ISSUER": ""})
    client = application.test_client()
    dev_sign_in(client, "grace")
    assert mint_secret(client).status_code == 200

    response = sign_out(client)

    assert response.status_code == 302
    assert response.headers["Location"] == "/signed-out"
    assert me(client).status_code == 401
    assert _statuses(emulator) == ["cancelled"]
    application.extensions["chatkit_bff"].close()


def test_signing_out_when_signed_out_is_harmless(client: FlaskClient) -> None:
    response = sign_out(client, from_page="/signed-out")
    assert response.status_code == 302
    assert response.headers["Location"] == "/signed-out"


def test_the_signed_out_page_does_not_claim_so_while_signed_in(
    client: FlaskClient, grace: ProviderUser
) -> None:
    signed_in(client, grace)
    response = client.get("/signed-out")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
