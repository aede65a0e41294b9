"""State-changing calls without the CSRF token are refused and change nothing."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from testing.emulator import Emulator
from testing.oidc_provider import ProviderUser

from .oidc_flows import me, mint_secret, page_csrf_token, sign_out, signed_in


@pytest.fixture
def signed_in_client(client: FlaskClient, grace: ProviderUser, emulator: Emulator) -> FlaskClient:
    signed_in(client, grace)
    emulator.clear_requests()
    return client


@pytest.mark.parametrize("token", [None, "", "not-a-token", "IjEyMyI.Zz.Zz"])
def test_minting_without_a_valid_token_is_refused_as_json(
    signed_in_client: FlaskClient, emulator: Emulator, token: str | None
) -> None:
    headers = {} if token is None else {"X-CSRFToken": token}
    response = signed_in_client.post(
        "/api/chatkit/session", json={"current_client_secret": None}, headers=headers
    )
    assert response.status_code == 400
    assert response.json["error"]["code"] == "csrf_failed"
    assert "Reload the page" in response.json["error"]["message"]
    assert emulator.requests() == []
    assert me(signed_in_client).status_code == 200


def test_another_sessions_token_does_not_do(
    signed_in_client: FlaskClient, emulator: Emulator, ada: ProviderUser
) -> None:
    attacker = signed_in_client.application.test_client()
    signed_in(attacker, ada)
    attacker_token = page_csrf_token(attacker)
    response = signed_in_client.post(
        "/api/chatkit/session",
        json={"current_client_secret": None},
        headers={"X-CSRFToken": attacker_token},
    )
    assert response.status_code == 400
    assert not [r for r in emulator.requests() if r["path"] == "/v1/chatkit/sessions"]


@pytest.mark.parametrize("form", [{}, {"csrf_token": "forged"}])
def test_sign_out_without_a_valid_token_is_refused_and_keeps_you_signed_in(
    signed_in_client: FlaskClient, emulator: Emulator, form: dict[str, str]
) -> None:
    assert mint_secret(signed_in_client).status_code == 200
    emulator.clear_requests()

    response = signed_in_client.post("/logout", data=form)

    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert "The request was refused" in response.get_data(as_text=True)
    assert me(signed_in_client).status_code == 200
    assert emulator.requests() == []
    assert [s["status"] for s in emulator.sessions()] == ["active"]


def test_the_token_in_the_page_works(signed_in_client: FlaskClient, emulator: Emulator) -> None:
    assert mint_secret(signed_in_client).status_code == 200
    assert len([r for r in emulator.requests() if r["path"] == "/v1/chatkit/sessions"]) == 1


def test_a_token_from_before_sign_in_is_no_good_after(
    client: FlaskClient, grace: ProviderUser, emulator: Emulator, ada: ProviderUser
) -> None:
    """The token is bound to the session, and sign-in starts a new one."""
    anonymous_token = page_csrf_token(client, "/signed-out")
    signed_in(client, grace)
    response = client.post(
        "/api/chatkit/session",
        json={"current_client_secret": None},
        headers={"X-CSRFToken": anonymous_token},
    )
    assert response.status_code == 400


def _mint_with(client: FlaskClient, token: str) -> int:
    response = client.post(
        "/api/chatkit/session",
        json={"current_client_secret": None},
        headers={"X-CSRFToken": token},
    )
    return response.status_code


def test_a_token_that_worked_still_works_only_for_its_own_session(
    signed_in_client: FlaskClient, grace: ProviderUser, ada: ProviderUser
) -> None:
    """A token's checked signature is remembered; whose session it belongs to is not."""
    token = page_csrf_token(signed_in_client)
    assert _mint_with(signed_in_client, token) == 200
    assert _mint_with(signed_in_client, token) == 200

    attacker = signed_in_client.application.test_client()
    signed_in(attacker, ada)
    attackers_own = page_csrf_token(attacker)  # so the attacker's session holds a value too
    assert _mint_with(attacker, token) == 400
    assert _mint_with(attacker, attackers_own) == 200

    # Signing in again starts a new session with a new value: the old token is no good.
    sign_out(signed_in_client)
    signed_in(signed_in_client, grace)
    new_token = page_csrf_token(signed_in_client)
    assert _mint_with(signed_in_client, token) == 400
    assert _mint_with(signed_in_client, new_token) == 200


@pytest.mark.parametrize(
    ("referrer", "status"),
    [
        (None, 400),
        ("https://evil.example/signed-out", 400),
        ("https://chat.example.com/signed-out", 302),
    ],
)
def test_over_https_a_form_must_come_from_this_site(
    client: FlaskClient, referrer: str | None, status: int
) -> None:
    client.application.config["WTF_CSRF_SSL_STRICT"] = True  # as in production
    site = "https://chat.example.com"
    page = client.get("/signed-out", base_url=site).get_data(as_text=True)
    token = page.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
    headers = {} if referrer is None else {"Referer": referrer}
    response = client.post("/logout", data={"csrf_token": token}, headers=headers, base_url=site)
    assert response.status_code == status
