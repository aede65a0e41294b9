"""State-changing calls without the CSRF token are refused and change nothing."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from testing.emulator import Emulator
from testing.oidc_provider import ProviderUser

from .oidc_flows import me, mint_secret, page_csrf_token, signed_in


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
