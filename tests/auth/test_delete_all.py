"""Delete all my conversations: only after a fresh sign-in, and only the user's own threads."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests
from flask.testing import FlaskClient

from chatkit_bff.identity import upstream_user_id
from testing.emulator import UPSTREAM_KEY, Emulator
from testing.oidc_provider import ProviderUser, RunningProvider

from .oidc_flows import (
    answer_at_provider,
    deliver,
    page_csrf_token,
    query,
    signed_in,
)
from .providers import BOTH, OpenIDProvider, browser_at_provider

PAGE = "/account/conversations/delete-all"
API = "/api/me/conversations/delete-all"
REAUTH_URL = "/auth/reauthenticate?next=%2Faccount%2Fconversations%2Fdelete-all"


def _threads_of(emulator: Emulator, user_id: str) -> list[str]:
    answer = requests.get(
        f"{emulator.api_url}/chatkit/threads",
        params={"user": user_id, "limit": 100},
        headers={"Authorization": f"Bearer {UPSTREAM_KEY}", "OpenAI-Beta": "chatkit_beta=v1"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    return [t["id"] for t in answer.json()["data"]]


@pytest.fixture
def seeded(emulator: Emulator, op: OpenIDProvider, grace: ProviderUser, ada: ProviderUser) -> None:
    for n in range(3):
        emulator.seed_thread(upstream_user_id(op.issuer, grace.sub), title=f"Grace {n}")
    for n in range(2):
        emulator.seed_thread(upstream_user_id(op.issuer, ada.sub), title=f"Ada {n}")


def _stale_sign_in(client: FlaskClient, op: OpenIDProvider, user: ProviderUser) -> None:
    """A sign-in whose authentication is long past (the provider's session was reused)."""
    op.age_next_authentication()
    signed_in(client, user)


def _reauthenticate(client: FlaskClient, start: str, user: ProviderUser) -> Any:
    """Follow the app to the provider, sign in again there, come back."""
    reauth = client.get(start)
    assert reauth.status_code == 302
    authorize_url = reauth.headers["Location"]
    params = query(authorize_url)
    assert params["prompt"] == "login"
    assert params["max_age"] == "0"
    return deliver(client, answer_at_provider(authorize_url, user, browser_at_provider(client)))


@pytest.mark.parametrize("provider_kind", BOTH)
@pytest.mark.usefixtures("seeded")
def test_delete_all_asks_for_a_fresh_sign_in_then_deletes_only_the_users_threads(
    client: FlaskClient, op: OpenIDProvider, emulator: Emulator, grace: ProviderUser
) -> None:
    _stale_sign_in(client, op, grace)

    ask = client.get(PAGE)
    assert ask.status_code == 302
    assert (
        ask.headers["Location"]
        == "/auth/reauthenticate?next=%2Faccount%2Fconversations%2Fdelete-all"
    )
    # Posting straight away is refused the same way: nothing is deleted.
    token = page_csrf_token(client)
    assert client.post(PAGE, data={"csrf_token": token}).status_code == 302
    assert len(_threads_of(emulator, upstream_user_id(op.issuer, grace.sub))) == 3

    back = _reauthenticate(client, ask.headers["Location"], grace)
    assert back.status_code == 302
    assert back.headers["Location"] == PAGE
    confirm = client.get(PAGE)
    assert confirm.status_code == 200
    assert "Delete all your conversations?" in confirm.get_data(as_text=True)

    done = client.post(PAGE, data={"csrf_token": page_csrf_token(client)})
    assert done.status_code == 302
    assert "Deleted 3 conversations." in client.get("/").get_data(as_text=True)
    assert _threads_of(emulator, upstream_user_id(op.issuer, grace.sub)) == []
    assert len(_threads_of(emulator, upstream_user_id(op.issuer, "ada-sub"))) == 2


@pytest.mark.usefixtures("seeded")
def test_the_api_says_how_to_reauthenticate_then_deletes(
    client: FlaskClient, op: OpenIDProvider, emulator: Emulator, grace: ProviderUser
) -> None:
    _stale_sign_in(client, op, grace)
    headers = {"X-CSRFToken": page_csrf_token(client)}

    refused = client.post(API, headers=headers)
    assert refused.status_code == 401
    error = refused.json["error"]
    assert error["code"] == "reauthentication_required"
    assert (
        error["reauth_url"] == "/auth/reauthenticate?next=%2Faccount%2Fconversations%2Fdelete-all"
    )
    assert len(_threads_of(emulator, upstream_user_id(op.issuer, grace.sub))) == 3

    _reauthenticate(client, error["reauth_url"], grace)
    done = client.post(API, headers={"X-CSRFToken": page_csrf_token(client)})
    assert done.status_code == 200
    assert done.json["deleted"] == 3
    assert _threads_of(emulator, upstream_user_id(op.issuer, grace.sub)) == []


@pytest.mark.usefixtures("seeded")
def test_a_provider_that_does_not_authenticate_again_is_not_enough(
    client: FlaskClient, provider: RunningProvider, emulator: Emulator, grace: ProviderUser
) -> None:
    """It ignored prompt=login and max_age=0: the new ID token's auth_time is old."""
    provider.state.id_token_overrides = {"auth_time": int(time.time()) - 3600}
    signed_in(client, grace)
    provider.state.id_token_overrides = {"auth_time": int(time.time()) - 3600}
    refused = _reauthenticate(
        client, "/auth/reauthenticate?next=/account/conversations/delete-all", grace
    )
    assert refused.status_code == 403
    assert "You were not asked to sign in again" in refused.get_data(as_text=True)
    assert client.get(PAGE).status_code == 302  # still not recent
    assert client.get("/api/me").status_code == 200  # and still signed in


@pytest.mark.usefixtures("seeded")
def test_reauthenticating_as_someone_else_is_refused(
    client: FlaskClient,
    provider: RunningProvider,
    emulator: Emulator,
    grace: ProviderUser,
    ada: ProviderUser,
) -> None:
    provider.state.id_token_overrides = {"auth_time": int(time.time()) - 3600}
    signed_in(client, grace)
    refused = _reauthenticate(
        client, "/auth/reauthenticate?next=/account/conversations/delete-all", ada
    )
    assert refused.status_code == 403
    assert client.get("/api/me").json["name"] == "Grace Hopper"
    assert client.get(PAGE).status_code == 302
    assert len(_threads_of(emulator, upstream_user_id(provider.issuer, ada.sub))) == 2


def test_a_recent_sign_in_needs_no_second_one(client: FlaskClient, grace: ProviderUser) -> None:
    signed_in(client, grace)  # the test provider says the user authenticated just now
    assert client.get(PAGE).status_code == 200
