"""Claims from the UserInfo endpoint: joined with the ID token's, checked, and failing safely."""

from __future__ import annotations

import pytest
import redis
from flask.testing import FlaskClient

from chatkit_bff import redis_keys
from chatkit_bff.auth import oidc
from chatkit_bff.identity import upstream_user_id
from testing.oidc_provider import ProviderClient, ProviderUser, RunningProvider

from .oidc_flows import CLIENT_ID, CLIENT_SECRET, TEST_CLIENT_ORIGIN, me, sign_in, signed_in
from .providers import BOTH, OpenIDProvider


def _nothing_stored_for(redis_client: redis.Redis, user_id: str) -> None:
    """No sign-in, directory entry or index of the user exists in Redis."""
    names = [k.decode() for k in redis_client.scan_iter(match="bff:*")]
    assert not [k for k in names if user_id in k], names
    assert redis_keys.USERS_INDEX not in names


def _refused(client: FlaskClient, response: object, *, status: int, says: str) -> None:
    body = response.get_data(as_text=True)  # type: ignore[attr-defined]
    assert response.status_code == status, body  # type: ignore[attr-defined]
    assert says in body
    assert 'href="/login"' in body
    assert "Traceback" not in body
    assert me(client).status_code == 401


@pytest.mark.parametrize("provider_kind", BOTH)
def test_name_email_and_groups_come_from_userinfo_when_the_id_token_has_none(
    client: FlaskClient, ada: ProviderUser
) -> None:
    signed_in(client, ada)
    who = me(client).json
    assert who["name"] == "Ada Lovelace"
    assert who["email"] == "ada@example.com"
    assert who["is_admin"] is True  # `groups` is only in the UserInfo answer


def test_the_id_token_stays_authoritative_for_who_signed_in(
    client: FlaskClient, provider: RunningProvider, grace: ProviderUser
) -> None:
    provider.state.userinfo_overrides = {"iss": "https://evil.example", "sid": "forged"}
    signed_in(client, grace)
    assert me(client).json["user_id"] == upstream_user_id(provider.issuer, grace.sub)
    # Back-channel logout by the ID token's sid still finds this sign-in.
    sid = provider.state.current_sid(grace.sub)
    token = provider.state.make_logout_token(sid=sid)
    assert (
        client.application.test_client()
        .post("/auth/backchannel-logout", data={"logout_token": token})
        .status_code
        == 200
    )
    assert me(client).status_code == 401


@pytest.mark.parametrize("provider_kind", BOTH)
def test_a_userinfo_answer_for_another_subject_fails_the_sign_in(
    client: FlaskClient,
    op: OpenIDProvider,
    grace: ProviderUser,
    redis_client: redis.Redis,
    caplog: pytest.LogCaptureFixture,
) -> None:
    op.answer_userinfo_for("ada-sub")
    flow = sign_in(client, grace)
    _refused(client, flow.response, status=400, says="could not be verified")
    _nothing_stored_for(redis_client, upstream_user_id(op.issuer, grace.sub))
    assert "UserInfo sub" in caplog.text


@pytest.mark.parametrize("provider_kind", BOTH)
@pytest.mark.parametrize("status", [401, 500, 503])
def test_a_userinfo_error_is_a_failure_page_and_stores_nothing(
    client: FlaskClient,
    op: OpenIDProvider,
    grace: ProviderUser,
    redis_client: redis.Redis,
    status: int,
) -> None:
    op.fail_userinfo(status)
    flow = sign_in(client, grace)
    _refused(client, flow.response, status=502, says="Your profile could not be read")
    _nothing_stored_for(redis_client, upstream_user_id(op.issuer, grace.sub))


def test_a_userinfo_timeout_is_a_failure_page(
    client: FlaskClient,
    provider: RunningProvider,
    grace: ProviderUser,
    redis_client: redis.Redis,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(oidc, "HTTP_TIMEOUT_SECONDS", 0.5)
    provider.state.userinfo_delay = 2.0
    flow = sign_in(client, grace)
    _refused(client, flow.response, status=502, says="Your profile could not be read")
    _nothing_stored_for(redis_client, upstream_user_id(provider.issuer, grace.sub))


def _signed_userinfo_client() -> ProviderClient:
    return ProviderClient(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        redirect_uris=[f"{TEST_CLIENT_ORIGIN}/auth/callback"],
        post_logout_redirect_uris=[f"{TEST_CLIENT_ORIGIN}/signed-out"],
        userinfo_signed_response_alg="RS256",
    )


def test_a_signed_userinfo_answer_is_verified_and_used(
    client: FlaskClient, provider: RunningProvider, ada: ProviderUser
) -> None:
    provider.state.register_client(_signed_userinfo_client())
    signed_in(client, ada)
    who = me(client).json
    assert who["email"] == "ada@example.com"
    assert who["is_admin"] is True


def test_a_signed_userinfo_answer_with_a_foreign_signature_is_refused(
    client: FlaskClient,
    provider: RunningProvider,
    grace: ProviderUser,
    redis_client: redis.Redis,
) -> None:
    provider.state.register_client(_signed_userinfo_client())
    provider.state.sign_userinfo_with_foreign_key = True
    flow = sign_in(client, grace)
    _refused(client, flow.response, status=400, says="could not be verified")
    _nothing_stored_for(redis_client, upstream_user_id(provider.issuer, grace.sub))
