"""Signing in through the OpenID provider, and every way a sign-in must fail safely."""

from __future__ import annotations

import json
import logging
import time
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from chatkit_bff import redis_keys
from chatkit_bff.identity import upstream_user_id
from testing.oidc_provider import REMOVE, ProviderUser, RunningProvider

from .oidc_flows import (
    CLIENT_ID,
    TEST_CLIENT_ORIGIN,
    answer_at_provider,
    deliver,
    me,
    query,
    session_cookie,
    sign_in,
    signed_in,
    start_sign_in,
)
from .providers import BOTH, OpenIDProvider, browser_at_provider

pytestmark = pytest.mark.all_topologies


def test_sign_in_sends_the_browser_to_the_provider_with_pkce_state_and_nonce(
    client: FlaskClient, provider: RunningProvider
) -> None:
    location = start_sign_in(client)
    assert location.startswith(f"{provider.issuer}/authorize?")
    params = query(location)
    assert params["response_type"] == "code"
    assert params["client_id"] == CLIENT_ID
    assert params["redirect_uri"] == f"{TEST_CLIENT_ORIGIN}/auth/callback"
    assert params["code_challenge_method"] == "S256"
    assert len(params["code_challenge"]) == 43
    assert params["state"]
    assert params["nonce"]
    assert set(params["scope"].split()) == {"openid", "email", "profile", "groups"}


@pytest.mark.parametrize("provider_kind", BOTH)
def test_the_whole_flow_signs_in_and_lands_where_the_user_was_going(
    client: FlaskClient, op: OpenIDProvider, grace: ProviderUser
) -> None:
    flow = signed_in(client, grace, next_url="/threads?x=1")
    assert flow.response.headers["Location"] == "/threads?x=1"

    who = me(client)
    assert who.status_code == 200
    assert who.json == {
        "user_id": upstream_user_id(op.issuer, grace.sub),
        "name": "Grace Hopper",
        "email": "grace@example.com",
        "is_admin": False,
        "session_expires_in": pytest.approx(43200, abs=5),
    }
    page = client.get("/")
    assert page.status_code == 200
    assert 'data-testid="user-name">Grace Hopper<' in page.get_data(as_text=True)


@pytest.mark.parametrize("provider_kind", BOTH)
def test_the_id_token_stays_on_the_server(
    client: FlaskClient, redis_client: redis.Redis, grace: ProviderUser
) -> None:
    flow = signed_in(client, grace)
    sid = session_cookie(client)
    assert sid is not None
    stored = redis_client.get(redis_keys.sign_in(sid))
    assert stored is not None
    assert b'"id_token":"ey' in stored
    id_token = json.loads(stored)["id_token"]
    cookies = flow.response.headers.getlist("Set-Cookie")
    assert len(cookies) == 1
    name_and_value = cookies[0].split(";")[0]
    assert name_and_value == f"{name_and_value.split('=')[0]}={sid}"  # only the random id
    assert id_token not in cookies[0]


@pytest.mark.parametrize("provider_kind", BOTH)
def test_the_session_id_changes_at_sign_in(
    client: FlaskClient, redis_client: redis.Redis, grace: ProviderUser
) -> None:
    authorize_url = start_sign_in(client)
    before = session_cookie(client)
    assert before is not None  # the flow's state lives in the anonymous session
    deliver(client, answer_at_provider(authorize_url, grace, browser_at_provider(client)))
    after = session_cookie(client)
    assert after is not None
    assert after != before
    assert redis_client.exists(redis_keys.sign_in(before)) == 0
    assert me(client).status_code == 200


def test_a_planted_session_id_is_not_kept_by_the_victim(
    app: Flask, redis_client: redis.Redis, grace: ProviderUser
) -> None:
    attacker = app.test_client()
    start_sign_in(attacker)
    planted = session_cookie(attacker)
    assert planted is not None

    victim = app.test_client()
    victim.set_cookie("session", planted)
    signed_in(victim, grace)
    assert session_cookie(victim) != planted
    # The attacker's copy of the id is worth nothing.
    assert me(attacker).status_code == 401


@pytest.mark.parametrize("provider_kind", BOTH)
def test_admin_is_decided_by_the_groups_at_each_sign_in(
    app: Flask, grace: ProviderUser, ada: ProviderUser
) -> None:
    admin = app.test_client()
    signed_in(admin, ada)
    assert me(admin).json["is_admin"] is True

    user = app.test_client()
    signed_in(user, grace)
    assert me(user).json["is_admin"] is False

    # The provider's groups change; the next sign-in (a new session) reflects it.
    grace.groups.append("chat-admins")
    ada.groups.clear()
    user, admin = app.test_client(), app.test_client()
    signed_in(user, grace)
    signed_in(admin, ada)
    assert me(user).json["is_admin"] is True
    assert me(admin).json["is_admin"] is False


@pytest.mark.parametrize("provider_kind", BOTH)
def test_admin_by_verified_email_only(
    app_config: dict[str, Any], redis_client: redis.Redis, grace: ProviderUser
) -> None:
    application = create_app({**app_config, "ADMIN_EMAILS": "grace@example.com"})
    client = application.test_client()
    signed_in(client, grace)
    assert me(client).json["is_admin"] is True

    grace.email_verified = False
    client = application.test_client()
    signed_in(client, grace)
    assert me(client).json["is_admin"] is False
    application.extensions["chatkit_bff"].close()


# Failures: each one leaves the browser signed out, on a page that says what to do next.


def _assert_refused(client: FlaskClient, response: Any, *, status: int, says: str) -> None:
    body = response.get_data(as_text=True)
    assert response.status_code == status, body
    assert response.mimetype == "text/html"
    assert says in body
    assert 'href="/login"' in body  # a way to start again
    assert "Traceback" not in body
    assert "eyJ" not in body  # no token contents
    assert me(client).status_code == 401


@pytest.mark.parametrize("provider_kind", BOTH)
def test_cancel_at_the_provider_is_a_clear_page(client: FlaskClient) -> None:
    callback = answer_at_provider(start_sign_in(client), None)
    assert query(callback)["error"] == "access_denied"
    _assert_refused(client, deliver(client, callback), status=403, says="Sign-in was cancelled")


def test_a_tampered_state_is_refused(client: FlaskClient, grace: ProviderUser) -> None:
    callback = answer_at_provider(start_sign_in(client), grace)
    params = query(callback)
    params["state"] = params["state"][:-2] + "xx"
    response = client.get("/auth/callback?" + urlencode(params))
    _assert_refused(client, response, status=400, says="no longer valid")


def test_a_missing_state_is_refused(client: FlaskClient, grace: ProviderUser) -> None:
    callback = answer_at_provider(start_sign_in(client), grace)
    response = client.get("/auth/callback?" + urlencode({"code": query(callback)["code"]}))
    _assert_refused(client, response, status=400, says="no longer valid")


@pytest.mark.parametrize("provider_kind", ["panva"])
@pytest.mark.parametrize("iss", ["https://evil.example", None], ids=["other-issuer", "no-iss"])
def test_an_authorization_response_not_from_our_issuer_is_refused(
    client: FlaskClient, op: OpenIDProvider, grace: ProviderUser, iss: str | None
) -> None:
    """RFC 9207: this provider always names itself in `iss`; a mix-up attack would not."""
    callback = answer_at_provider(start_sign_in(client), grace, browser_at_provider(client))
    params = query(callback)
    assert params["iss"] == op.issuer
    if iss is None:
        del params["iss"]
    else:
        params["iss"] = iss
    response = client.get("/auth/callback?" + urlencode(params))
    _assert_refused(client, response, status=400, says="did not come from the identity provider")
    # The genuine answer still completes the sign-in it belongs to.
    assert deliver(client, callback).status_code == 302
    assert me(client).status_code == 200


def test_a_callback_from_another_browser_is_refused(app: Flask, grace: ProviderUser) -> None:
    """Login CSRF: a code obtained by someone else cannot be pushed into this browser."""
    attacker = app.test_client()
    callback = answer_at_provider(start_sign_in(attacker), grace)
    victim = app.test_client()
    start_sign_in(victim)
    _assert_refused(victim, deliver(victim, callback), status=400, says="no longer valid")


@pytest.mark.parametrize("provider_kind", BOTH)
def test_a_callback_used_twice_does_not_sign_in_again(
    app: Flask, client: FlaskClient, grace: ProviderUser
) -> None:
    flow = signed_in(client, grace)
    other = app.test_client()
    start_sign_in(other)
    _assert_refused(other, deliver(other, flow.callback_url), status=400, says="no longer valid")


def test_a_replayed_code_is_refused_by_the_provider(
    app: Flask, client: FlaskClient, grace: ProviderUser
) -> None:
    flow = signed_in(client, grace)
    used_code = query(flow.callback_url)["code"]
    # A fresh flow in another browser, carrying its own valid state but the spent code.
    other = app.test_client()
    state = query(start_sign_in(other))["state"]
    response = other.get("/auth/callback?" + urlencode({"code": used_code, "state": state}))
    _assert_refused(other, response, status=400, says="did not complete")


@pytest.mark.parametrize(
    ("overrides", "why"),
    [
        pytest.param({"nonce": "not-the-nonce-we-sent"}, "nonce", id="wrong-nonce"),
        pytest.param({"nonce": REMOVE}, "nonce", id="missing-nonce"),
        pytest.param({"aud": "another-client"}, "aud", id="wrong-aud"),
        pytest.param({"aud": ["another-client"], "azp": CLIENT_ID}, "aud", id="aud-via-azp"),
        pytest.param(
            {"aud": [CLIENT_ID, "another-client"], "azp": "another-client"}, "azp", id="wrong-azp"
        ),
        pytest.param({"aud": [CLIENT_ID, "another-client"]}, "azp", id="several-aud-no-azp"),
        pytest.param({"iss": "https://evil.example"}, "iss", id="wrong-iss"),
        pytest.param({"sub": REMOVE}, "sub", id="missing-sub"),
        pytest.param({"iat": int(time.time()) + 3600}, "iat", id="issued-in-future"),
    ],
)
def test_an_id_token_failing_a_check_is_refused(
    client: FlaskClient,
    provider: RunningProvider,
    grace: ProviderUser,
    overrides: dict[str, Any],
    why: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="chatkit_bff")
    provider.state.id_token_overrides = overrides
    flow = sign_in(client, grace)
    _assert_refused(client, flow.response, status=400, says="could not be verified")
    assert why in caplog.text  # the log names the failed check ...
    assert "eyJ" not in caplog.text  # ... but never a token


def test_an_id_token_for_several_audiences_authorized_to_us_signs_in(
    client: FlaskClient, provider: RunningProvider, grace: ProviderUser
) -> None:
    """Core §3.1.3.7: several audiences are fine when `azp` names this client."""
    provider.state.id_token_overrides = {"aud": [CLIENT_ID, "an-api"], "azp": CLIENT_ID}
    signed_in(client, grace)
    assert me(client).status_code == 200


@pytest.mark.parametrize("admin_claim", ["groups", "https://chat.example.com/roles"])
def test_groups_sent_by_reference_only_are_named_in_the_log(
    app_config: dict[str, Any],
    redis_client: redis.Redis,
    provider: RunningProvider,
    ada: ProviderUser,
    caplog: pytest.LogCaptureFixture,
    admin_claim: str,
) -> None:
    """Entra ID past 200 groups sends `_claim_names` instead of them (Core §5.6.2); a claim
    named by URL (Auth0's form) has dots of its own that are not a path."""
    ada.groups.clear()
    provider.state.id_token_overrides = {
        "_claim_names": {admin_claim: "src1"},
        "_claim_sources": {"src1": {"endpoint": "https://graph.example/v1.0/me/memberOf"}},
    }
    application = create_app({**app_config, "ADMIN_CLAIM": admin_claim})
    client = application.test_client()
    with caplog.at_level(logging.WARNING):
        signed_in(client, ada)
    assert me(client).json["is_admin"] is False
    assert f"sent the {admin_claim} claim by reference only" in caplog.text
    assert "ADMIN_CLAIM" in caplog.text
    application.extensions["chatkit_bff"].close()


def test_an_expired_id_token_is_refused(
    client: FlaskClient, provider: RunningProvider, grace: ProviderUser
) -> None:
    provider.state.id_token_overrides = {"exp": int(time.time()) - 3600}
    flow = sign_in(client, grace)
    _assert_refused(client, flow.response, status=400, says="has expired")


def test_an_id_token_signed_with_a_foreign_key_is_refused(
    client: FlaskClient, provider: RunningProvider, grace: ProviderUser
) -> None:
    provider.state.sign_with_foreign_key_next = True
    flow = sign_in(client, grace)
    _assert_refused(client, flow.response, status=400, says="could not be verified")


def test_an_unreachable_provider_is_a_clear_page(
    app_config: dict[str, Any], redis_client: redis.Redis
) -> None:
    application = create_app({**app_config, "OIDC_ISSUER": "http://127.0.0.1:9"})
    client = application.test_client()
    response = client.get("/login")
    assert response.status_code == 503
    assert "identity provider is unavailable" in response.get_data(as_text=True)
    application.extensions["chatkit_bff"].close()


def test_a_discovery_document_for_another_issuer_is_not_trusted(
    app_config: dict[str, Any], redis_client: redis.Redis, provider: RunningProvider
) -> None:
    # The same server, reached under a name that is not the issuer it declares.
    lookalike = provider.issuer.replace("127.0.0.1", "localhost")
    application = create_app({**app_config, "OIDC_ISSUER": lookalike})
    response = application.test_client().get("/login")
    assert response.status_code == 503
    application.extensions["chatkit_bff"].close()


@pytest.mark.parametrize(
    "target",
    [
        "//evil.com",
        "https://evil.com",
        "/\\evil.com",
        "\\\\evil.com",
        "javascript:alert(1)",
        "http:/evil.com",
        "evil.com",
    ],
)
def test_next_never_leaves_the_site(client: FlaskClient, grace: ProviderUser, target: str) -> None:
    flow = signed_in(client, grace, next_url=target)
    location = flow.response.headers["Location"]
    assert location == "/"
    assert not urlsplit(location).netloc


def test_signed_in_visitors_to_login_go_straight_on(
    client: FlaskClient, grace: ProviderUser
) -> None:
    signed_in(client, grace)
    response = client.get("/login?next=//evil.com")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert client.get("/login?next=/threads").headers["Location"] == "/threads"


def test_sign_in_attempts_are_rate_limited_per_address(
    app_config: dict[str, Any], redis_client: redis.Redis
) -> None:
    application = create_app({**app_config, "LOGIN_RATE_LIMIT": "3/minute"})
    client = application.test_client()
    for _ in range(3):
        assert client.get("/login").status_code == 302
    limited = client.get("/login")
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) > 0
    # Another address is not affected.
    other = client.get("/login", environ_base={"REMOTE_ADDR": "10.0.0.7"})
    assert other.status_code == 302
    # The callback is limited too, separately.
    for _ in range(3):
        assert client.get("/auth/callback?state=x&code=y").status_code == 400
    assert client.get("/auth/callback?state=x&code=y").status_code == 429
    application.extensions["chatkit_bff"].close()


@pytest.mark.parametrize(
    ("hops", "forwarded", "callback"),
    [
        (1, {"Proto": "https", "Host": "chat.example.com"}, "https://chat.example.com/auth/callback"),
        (1, {"Proto": "https", "Host": "chat.example.com", "Port": "8443"},
         "https://chat.example.com:8443/auth/callback"),
        (0, {"Proto": "https", "Host": "evil.example"}, "http://localhost/auth/callback"),
    ],
    ids=["behind-a-proxy", "on-another-port", "untrusted-headers"],
)  # fmt: skip
def test_the_callback_url_is_the_one_the_browser_used_through_trusted_proxies(
    app_config: dict[str, Any],
    redis_client: redis.Redis,
    hops: int,
    forwarded: dict[str, str],
    callback: str,
) -> None:
    application = create_app({**app_config, "TRUSTED_PROXY_HOPS": str(hops)})
    headers = {f"X-Forwarded-{name}": value for name, value in forwarded.items()}
    headers["X-Forwarded-For"] = "203.0.113.9"
    start = application.test_client().get("/login", headers=headers)
    assert start.status_code == 302
    query = parse_qs(urlsplit(start.headers["Location"]).query)
    assert query["redirect_uri"] == [callback]
    application.extensions["chatkit_bff"].close()


def test_an_api_client_gets_json_for_a_failed_callback(client: FlaskClient) -> None:
    response = client.get(
        "/auth/callback?state=nope&code=nope", headers={"Accept": "application/json"}
    )
    assert response.status_code == 400
    assert response.json["error"]["code"] == "sign_in_expired"


def test_an_office_behind_one_address_can_sign_in_and_a_flood_stays_bounded(
    app: Flask, redis_client: redis.Redis, grace: ProviderUser
) -> None:
    # A hundred people behind one NAT start signing in within a minute: none is turned away.
    browsers = [app.test_client() for _ in range(100)]
    assert {b.get("/login").status_code for b in browsers} == {302}
    # Each started sign-in keeps a little state, and not for long.
    pending = list(redis_client.scan_iter(match=redis_keys.sign_in("*")))
    assert len(pending) == len(browsers)
    assert all(0 < redis_client.ttl(key) <= 600 for key in pending)

    # One browser starting sign-in over and over keeps only its newest few flows.
    client = app.test_client()
    for _ in range(30):
        authorize_url = start_sign_in(client)
    stored = redis_client.get(redis_keys.sign_in(str(session_cookie(client))))
    assert stored is not None
    flows = [key for key in json.loads(stored) if key.startswith("_state_")]
    assert len(flows) == 5
    # ... and the newest still completes.
    deliver(client, answer_at_provider(authorize_url, grace, browser_at_provider(client)))
    assert me(client).status_code == 200
    signed_in_key = redis_keys.sign_in(str(session_cookie(client)))
    assert redis_client.ttl(signed_in_key) > 600  # a sign-in lives for the idle timeout
