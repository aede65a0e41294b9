""" "My sessions": the user's own sign-ins, listed with their device, and ended from elsewhere."""

from __future__ import annotations

import re

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient

from chatkit_bff import redis_keys
from chatkit_bff.identity import upstream_user_id
from testing.emulator import Emulator
from testing.oidc_provider import ProviderUser

from .oidc_flows import me, mint_secret, page_csrf_token, session_cookie, signed_in
from .providers import BOTH, OpenIDProvider

pytestmark = pytest.mark.all_topologies

FIREFOX_ON_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
)
SAFARI_ON_IOS = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


def _device(app: Flask, user_agent: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = user_agent
    return client


def _sessions(client: FlaskClient) -> list[dict[str, object]]:
    answer = client.get("/api/me/sessions")
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.json["object"] == "list"
    data: list[dict[str, object]] = answer.json["data"]
    return data


def _delete(client: FlaskClient, sign_in_id: object) -> object:
    return client.delete(
        f"/api/me/sessions/{sign_in_id}", headers={"X-CSRFToken": page_csrf_token(client)}
    )


def _statuses(emulator: Emulator) -> list[str]:
    return sorted(s["status"] for s in emulator.sessions())


@pytest.mark.parametrize("provider_kind", BOTH)
def test_each_sign_in_is_listed_with_its_device_and_this_one_marked(
    app: Flask, op: OpenIDProvider, grace: ProviderUser, ada: ProviderUser
) -> None:
    laptop = _device(app, FIREFOX_ON_WINDOWS)
    signed_in(laptop, grace)
    phone = _device(app, SAFARI_ON_IOS)
    signed_in(phone, grace)
    someone_else = _device(app, FIREFOX_ON_WINDOWS)
    signed_in(someone_else, ada)

    listed = _sessions(laptop)
    assert [(s["device"], s["current"]) for s in listed] == [
        ("Firefox on Windows", True),
        ("Mobile Safari on iOS", False),
    ]
    for entry in listed:
        assert set(entry) == {"id", "device", "signed_in_at", "last_seen_at", "current"}
        assert isinstance(entry["signed_in_at"], int)
        assert entry["signed_in_at"] <= entry["last_seen_at"]  # type: ignore[operator]
        # The handle is opaque: never a cookie value that would let someone else in.
        assert entry["id"] not in {session_cookie(laptop), session_cookie(phone)}
    assert [s["device"] for s in _sessions(someone_else)] == ["Firefox on Windows"]


def test_ending_another_device_signs_it_out_at_once_and_keeps_this_one(
    app: Flask, grace: ProviderUser, emulator: Emulator, redis_client: redis.Redis
) -> None:
    laptop = _device(app, FIREFOX_ON_WINDOWS)
    signed_in(laptop, grace)
    phone = _device(app, SAFARI_ON_IOS)
    signed_in(phone, grace)
    assert mint_secret(phone).status_code == 200
    [other] = [s for s in _sessions(laptop) if not s["current"]]

    answer = _delete(laptop, other["id"])

    assert answer.status_code == 200  # type: ignore[attr-defined]
    assert me(phone).status_code == 401
    assert phone.get("/").status_code == 302  # back to sign-in
    assert me(laptop).status_code == 200
    assert [s["current"] for s in _sessions(laptop)] == [True]
    # One sign-in is left: the user's chat session stays usable there.
    assert _statuses(emulator) == ["active"]


def test_ending_the_last_sign_in_drops_the_secret_and_cancels_chat_sessions(
    app: Flask,
    provider: object,
    grace: ProviderUser,
    emulator: Emulator,
    redis_client: redis.Redis,
) -> None:
    laptop = _device(app, FIREFOX_ON_WINDOWS)
    signed_in(laptop, grace)
    phone = _device(app, SAFARI_ON_IOS)
    signed_in(phone, grace)
    assert mint_secret(laptop).status_code == 200
    [this_one] = [s for s in _sessions(laptop) if s["current"]]

    # From the phone, the user signs the laptop out; then the phone itself.
    assert _delete(phone, this_one["id"]).status_code == 200  # type: ignore[attr-defined]
    assert me(laptop).status_code == 401
    assert _statuses(emulator) == ["active"]
    [phone_entry] = _sessions(phone)
    assert _delete(phone, phone_entry["id"]).status_code == 200  # type: ignore[attr-defined]

    assert me(phone).status_code == 401
    assert _statuses(emulator) == ["cancelled"]
    user_id = upstream_user_id(provider.issuer, grace.sub)  # type: ignore[attr-defined]
    assert redis_client.scard(redis_keys.user_secrets(user_id)) == 0
    assert redis_client.hlen(redis_keys.sign_in_records(user_id)) == 0


def test_another_users_sign_in_cannot_be_ended(
    app: Flask, grace: ProviderUser, ada: ProviderUser
) -> None:
    grace_client = _device(app, FIREFOX_ON_WINDOWS)
    signed_in(grace_client, grace)
    ada_client = _device(app, SAFARI_ON_IOS)
    signed_in(ada_client, ada)
    [adas] = _sessions(ada_client)

    answer = _delete(grace_client, adas["id"])
    assert answer.status_code == 404  # type: ignore[attr-defined]
    assert answer.json["error"]["code"] == "not_found"  # type: ignore[attr-defined]
    assert _delete(grace_client, "no-such-sign-in").status_code == 404  # type: ignore[attr-defined]
    assert me(ada_client).status_code == 200


def test_ending_a_sign_in_needs_the_csrf_token(app: Flask, grace: ProviderUser) -> None:
    laptop = _device(app, FIREFOX_ON_WINDOWS)
    signed_in(laptop, grace)
    phone = _device(app, SAFARI_ON_IOS)
    signed_in(phone, grace)
    [other] = [s for s in _sessions(laptop) if not s["current"]]
    refused = laptop.delete(f"/api/me/sessions/{other['id']}")
    assert refused.status_code == 400
    assert refused.json["error"]["code"] == "csrf_failed"
    assert me(phone).status_code == 200


def test_signed_out_callers_get_a_401(client: FlaskClient) -> None:
    assert client.get("/api/me/sessions").status_code == 401
    assert client.get("/account/sessions").headers["Location"].startswith("/login?next=")


def test_the_page_lists_sign_ins_and_signs_out_everywhere_else(
    app: Flask, grace: ProviderUser
) -> None:
    laptop = _device(app, FIREFOX_ON_WINDOWS)
    signed_in(laptop, grace)
    devices = [_device(app, SAFARI_ON_IOS) for _ in range(2)]
    for device in devices:
        signed_in(device, grace)

    page = laptop.get("/account/sessions").get_data(as_text=True)
    assert page.count('data-testid="sign-in"') == 3
    assert page.count('data-testid="this-device"') == 1
    assert "Firefox on Windows" in page
    assert 'href="/account/sessions"' in laptop.get("/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token

    done = laptop.post("/account/sessions/end-others", data={"csrf_token": token.group(1)})

    assert done.status_code == 302
    assert "Signed out everywhere else (2 devices)" in laptop.get(
        done.headers["Location"]
    ).get_data(as_text=True)
    assert [me(device).status_code for device in devices] == [401, 401]
    assert me(laptop).status_code == 200
