"""The test OpenID provider behaves as a strict real provider would, over real HTTP."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session, OAuthError
from flask import Flask, request
from joserfc import jwt
from joserfc.errors import BadSignatureError
from joserfc.jwk import KeySet

from testing.oidc_provider import (
    BACKCHANNEL_LOGOUT_EVENT,
    REMOVE,
    ProviderClient,
    ProviderConfig,
    ProviderUser,
    RunningProvider,
    create_provider,
    running_provider,
)
from testing.servers import serve_in_thread

CALLBACK = "http://127.0.0.1:9/auth/callback"
SIGNED_OUT = "http://127.0.0.1:9/signed-out"
ALICE = ProviderUser("alice-sub", "Alice Liddell", "alice@example.com", groups=["chat-admins"])
BOB = ProviderUser("bob-sub", "Bob Builder", "bob@example.com", email_verified=False)


@dataclass
class Receiver:
    """A relying party's back-channel logout endpoint that records what it is sent."""

    url: str
    forms: list[dict[str, str]]


@pytest.fixture(scope="module")
def receiver_server() -> Iterator[Receiver]:
    forms: list[dict[str, str]] = []
    app = Flask("receiver")

    @app.post("/auth/backchannel-logout")
    def backchannel_logout() -> tuple[str, int]:
        forms.append(request.form.to_dict())
        return "", 200

    with serve_in_thread(app) as live:
        yield Receiver(f"{live.url}/auth/backchannel-logout", forms)


@pytest.fixture
def receiver(receiver_server: Receiver) -> Receiver:
    receiver_server.forms.clear()
    return receiver_server


@pytest.fixture
def provider(receiver: Receiver) -> Iterator[RunningProvider]:
    client = ProviderClient(
        client_id="bff",
        client_secret="bff-secret",
        redirect_uris=[CALLBACK],
        post_logout_redirect_uris=[SIGNED_OUT],
        backchannel_logout_uri=receiver.url,
    )
    with running_provider([ALICE, BOB], [client]) as running:
        yield running


@pytest.fixture
def metadata(provider: RunningProvider) -> dict[str, Any]:
    response = requests.get(f"{provider.url}/.well-known/openid-configuration", timeout=5)
    response.raise_for_status()
    document: dict[str, Any] = response.json()
    return document


@dataclass
class Flow:
    """One sign-in attempt as a relying party runs it."""

    session: OAuth2Session
    authorize_url: str
    state: str
    nonce: str
    verifier: str


def start_flow(
    metadata: dict[str, Any],
    *,
    client_id: str = "bff",
    secret: str = "bff-secret",
    **params: Any,
) -> Flow:
    session = OAuth2Session(
        client_id,
        secret,
        scope="openid email profile groups",
        redirect_uri=CALLBACK,
        code_challenge_method="S256",
    )
    verifier = secrets.token_urlsafe(48)
    nonce = secrets.token_urlsafe(16)
    url, state = session.create_authorization_url(
        metadata["authorization_endpoint"], nonce=nonce, code_verifier=verifier, **params
    )
    return Flow(session, url, state, nonce, verifier)


def choose(flow: Flow, form: dict[str, str]) -> str:
    """Submit the sign-in form; return where the provider sends the browser."""
    response = requests.post(flow.authorize_url, data=form, allow_redirects=False, timeout=5)
    assert response.status_code == 302, response.text
    location: str = response.headers["Location"]
    return location


def sign_in(flow: Flow, user: ProviderUser = ALICE) -> str:
    return choose(flow, {"username": user.sub})


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def redeem(metadata: dict[str, Any], flow: Flow, location: str, **kwargs: Any) -> dict[str, Any]:
    token: dict[str, Any] = flow.session.fetch_token(
        metadata["token_endpoint"],
        authorization_response=location,
        code_verifier=kwargs.pop("code_verifier", flow.verifier),
        **kwargs,
    )
    return token


def jwks(metadata: dict[str, Any]) -> KeySet:
    response = requests.get(metadata["jwks_uri"], timeout=5)
    response.raise_for_status()
    return KeySet.import_key_set(response.json())


def verified(metadata: dict[str, Any], token: str) -> jwt.Token:
    return jwt.decode(token, jwks(metadata), algorithms=["RS256"])


def full_sign_in(metadata: dict[str, Any], user: ProviderUser = ALICE) -> dict[str, Any]:
    flow = start_flow(metadata)
    return redeem(metadata, flow, sign_in(flow, user))


def test_discovery_describes_a_code_pkce_provider_with_back_channel_logout(
    provider: RunningProvider, metadata: dict[str, Any]
) -> None:
    assert metadata["issuer"] == provider.issuer == provider.url
    for name, path in [
        ("authorization_endpoint", "/authorize"),
        ("token_endpoint", "/token"),
        ("jwks_uri", "/jwks"),
        ("userinfo_endpoint", "/userinfo"),
        ("end_session_endpoint", "/end_session"),
    ]:
        assert metadata[name] == provider.url + path
    assert metadata["response_types_supported"] == ["code"]
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert metadata["id_token_signing_alg_values_supported"] == ["RS256"]
    assert metadata["backchannel_logout_supported"] is True
    assert metadata["backchannel_logout_session_supported"] is True
    assert set(metadata["token_endpoint_auth_methods_supported"]) == {
        "client_secret_basic",
        "client_secret_post",
    }
    assert {"openid", "email", "profile"} <= set(metadata["scopes_supported"])
    assert {"sub", "sid", "groups", "email_verified"} <= set(metadata["claims_supported"])
    assert metadata["grant_types_supported"] == ["authorization_code"]
    assert [key["kid"] for key in jwks(metadata).as_dict()["keys"]] == [provider.state.keys.kid]


def test_sign_in_page_offers_every_user_and_a_cancel_button(metadata: dict[str, Any]) -> None:
    flow = start_flow(metadata)
    page = requests.get(flow.authorize_url, timeout=5)
    assert page.status_code == 200
    assert "<form method=post>" in page.text
    assert ">Sign in as Alice Liddell</button>" in page.text
    assert ">Sign in as Bob Builder</button>" in page.text
    assert ">Cancel</button>" in page.text


def test_code_flow_issues_an_id_token_that_verifies_against_the_jwks(
    provider: RunningProvider, metadata: dict[str, Any]
) -> None:
    flow = start_flow(metadata)
    location = sign_in(flow)
    assert location.startswith(CALLBACK + "?")
    assert query(location)["state"] == flow.state

    token = redeem(metadata, flow, location)
    assert token["token_type"] == "Bearer"
    assert token["expires_in"] > 0
    id_token = verified(metadata, token["id_token"])

    claims = id_token.claims
    now = time.time()
    assert id_token.header["kid"] == provider.state.keys.kid
    assert claims["iss"] == provider.issuer
    assert claims["aud"] == "bff"
    assert claims["sub"] == ALICE.sub
    assert claims["nonce"] == flow.nonce
    assert claims["sid"] == provider.state.current_sid(ALICE.sub)
    assert claims["exp"] - claims["iat"] == 300
    assert abs(claims["iat"] - now) < 5
    assert abs(claims["auth_time"] - now) < 5
    # Core §5.4: in the code flow the scopes' claims come from UserInfo, not the ID token.
    assert not {"name", "email", "email_verified", "groups"} & set(claims)


def test_userinfo_answers_a_bearer_of_the_access_token_only(metadata: dict[str, Any]) -> None:
    token = full_sign_in(metadata, BOB)

    answer = requests.get(
        metadata["userinfo_endpoint"],
        headers={"Authorization": f"Bearer {token['access_token']}"},
        timeout=5,
    )
    assert answer.json() == {
        "sub": BOB.sub,
        "name": "Bob Builder",
        "email": "bob@example.com",
        "email_verified": False,
        "groups": [],
    }
    stranger = requests.get(
        metadata["userinfo_endpoint"], headers={"Authorization": "Bearer nope"}, timeout=5
    )
    assert stranger.status_code == 401


def test_a_replayed_code_is_refused_and_its_tokens_revoked(metadata: dict[str, Any]) -> None:
    flow = start_flow(metadata)
    location = sign_in(flow)
    token = redeem(metadata, flow, location)

    with pytest.raises(OAuthError) as refused:
        redeem(metadata, flow, location)

    assert refused.value.error == "invalid_grant"
    userinfo = requests.get(
        metadata["userinfo_endpoint"],
        headers={"Authorization": f"Bearer {token['access_token']}"},
        timeout=5,
    )
    assert userinfo.status_code == 401


@pytest.mark.parametrize(
    "pkce",
    [
        {},
        {"code_challenge": "x" * 43, "code_challenge_method": "plain"},
        {"code_challenge": "x" * 43},
    ],
    ids=["missing", "plain", "method-defaults-to-plain"],
)
def test_authorization_without_s256_pkce_is_refused(
    metadata: dict[str, Any], pkce: dict[str, str]
) -> None:
    session = OAuth2Session("bff", "bff-secret", scope="openid", redirect_uri=CALLBACK)
    url, state = session.create_authorization_url(metadata["authorization_endpoint"], **pkce)

    answer = requests.get(url, allow_redirects=False, timeout=5)

    assert answer.status_code == 302
    assert query(answer.headers["Location"])["error"] == "invalid_request"
    assert query(answer.headers["Location"])["state"] == state


def test_a_wrong_code_verifier_is_refused(metadata: dict[str, Any]) -> None:
    flow = start_flow(metadata)
    location = sign_in(flow)

    with pytest.raises(OAuthError) as refused:
        redeem(metadata, flow, location, code_verifier=secrets.token_urlsafe(48))

    assert refused.value.error == "invalid_grant"


def test_a_client_with_a_wrong_secret_gets_no_tokens(metadata: dict[str, Any]) -> None:
    flow = start_flow(metadata, secret="guessed")
    location = sign_in(flow)

    with pytest.raises(OAuthError) as refused:
        redeem(metadata, flow, location)

    assert refused.value.error == "invalid_client"


def test_cancel_sends_access_denied_back_to_the_client(metadata: dict[str, Any]) -> None:
    flow = start_flow(metadata)

    location = choose(flow, {"action": "cancel"})

    assert location.startswith(CALLBACK + "?")
    assert query(location)["error"] == "access_denied"
    assert query(location)["state"] == flow.state


def test_scope_without_openid_is_refused(metadata: dict[str, Any]) -> None:
    flow = start_flow(metadata, scope="email profile")

    answer = requests.get(flow.authorize_url, allow_redirects=False, timeout=5)

    assert query(answer.headers["Location"])["error"] == "invalid_scope"


def test_prompt_none_without_a_provider_session_asks_for_login(metadata: dict[str, Any]) -> None:
    flow = start_flow(metadata, prompt="none")

    answer = requests.get(flow.authorize_url, allow_redirects=False, timeout=5)

    assert query(answer.headers["Location"])["error"] == "login_required"


@pytest.mark.parametrize(
    "params",
    [{"redirect_uri": "http://127.0.0.1:9/elsewhere"}, {"client_id": "unknown"}],
    ids=["unregistered-redirect-uri", "unknown-client"],
)
def test_an_untrusted_redirect_uri_is_never_followed(
    metadata: dict[str, Any], params: dict[str, str]
) -> None:
    flow = start_flow(metadata, **params)

    answer = requests.get(flow.authorize_url, allow_redirects=False, timeout=5)

    assert answer.status_code == 400
    assert "Location" not in answer.headers
    assert "Sign-in error" in answer.text


def test_id_token_overrides_apply_to_the_next_token_only(
    provider: RunningProvider, metadata: dict[str, Any]
) -> None:
    provider.state.id_token_overrides = {"nonce": "wrong", "iss": "https://evil", "sid": REMOVE}

    tampered = verified(metadata, full_sign_in(metadata)["id_token"]).claims
    flow = start_flow(metadata)
    honest = verified(metadata, redeem(metadata, flow, sign_in(flow))["id_token"]).claims

    assert tampered["nonce"] == "wrong"
    assert tampered["iss"] == "https://evil"
    assert "sid" not in tampered
    assert honest["nonce"] == flow.nonce
    assert honest["iss"] == provider.issuer
    assert "sid" in honest


def test_a_foreign_key_signs_the_next_id_token_only(
    provider: RunningProvider, metadata: dict[str, Any]
) -> None:
    provider.state.sign_with_foreign_key_next = True

    forged = full_sign_in(metadata)["id_token"]
    genuine = full_sign_in(metadata)["id_token"]

    with pytest.raises(BadSignatureError):
        verified(metadata, forged)
    assert verified(metadata, genuine).claims["sub"] == ALICE.sub


def test_an_expired_id_token_can_be_issued_on_request(
    provider: RunningProvider, metadata: dict[str, Any]
) -> None:
    past = int(time.time()) - 60
    provider.state.id_token_overrides = {"exp": past}

    claims = verified(metadata, full_sign_in(metadata)["id_token"]).claims

    assert claims["exp"] == past
    with pytest.raises(Exception, match="expired"):
        jwt.JWTClaimsRegistry().validate(claims)


def test_a_logout_token_has_the_back_channel_logout_shape(
    provider: RunningProvider, metadata: dict[str, Any]
) -> None:
    full_sign_in(metadata)
    sid = provider.state.current_sid(ALICE.sub)

    token = verified(metadata, provider.state.make_logout_token(sub=ALICE.sub, sid=sid))

    assert token.header["typ"] == "logout+jwt"
    assert token.header["kid"] == provider.state.keys.kid
    claims = token.claims
    assert claims["iss"] == provider.issuer
    assert claims["aud"] == "bff"
    assert claims["sub"] == ALICE.sub
    assert claims["sid"] == sid
    assert claims["events"] == {BACKCHANNEL_LOGOUT_EVENT: {}}
    assert claims["jti"]
    assert "nonce" not in claims
    assert 0 < claims["exp"] - claims["iat"] <= 300
    second = verified(metadata, provider.state.make_logout_token(sid=sid)).claims
    assert second["jti"] != claims["jti"]
    assert "sub" not in second


def test_a_logout_token_can_be_forged_in_every_way_a_client_must_refuse(
    provider: RunningProvider, metadata: dict[str, Any]
) -> None:
    make = provider.state.make_logout_token
    forged = verified(
        metadata,
        make(
            sub=ALICE.sub,
            aud="other",
            iss="https://evil",
            exp=1,
            events=REMOVE,
            nonce="n",
            typ=None,
            extra={"jti": REMOVE, "extra": 1},
        ),
    )

    assert "typ" not in forged.header
    assert forged.claims["aud"] == "other"
    assert forged.claims["iss"] == "https://evil"
    assert forged.claims["exp"] == 1
    assert forged.claims["nonce"] == "n"
    assert forged.claims["extra"] == 1
    assert "events" not in forged.claims
    assert "jti" not in forged.claims
    with pytest.raises(BadSignatureError):
        verified(metadata, make(sub=ALICE.sub, foreign_key=True))


def test_send_backchannel_logout_posts_the_token_to_the_client(
    provider: RunningProvider, metadata: dict[str, Any], receiver: Receiver
) -> None:
    full_sign_in(metadata)
    sid = provider.state.current_sid(ALICE.sub)

    answer = provider.state.send_backchannel_logout("bff", sub=ALICE.sub, sid=sid)

    assert answer.status_code == 200
    [form] = receiver.forms
    assert list(form) == ["logout_token"]
    claims = verified(metadata, form["logout_token"]).claims
    assert (claims["aud"], claims["sub"], claims["sid"]) == ("bff", ALICE.sub, sid)


def test_end_session_redirects_to_the_registered_uri_and_ends_the_provider_session(
    provider: RunningProvider, metadata: dict[str, Any]
) -> None:
    id_token = full_sign_in(metadata)["id_token"]
    sid = provider.state.current_sid(ALICE.sub)

    answer = requests.get(
        metadata["end_session_endpoint"],
        params={"id_token_hint": id_token, "post_logout_redirect_uri": SIGNED_OUT, "state": "s1"},
        allow_redirects=False,
        timeout=5,
    )

    assert answer.status_code == 302
    assert answer.headers["Location"] == f"{SIGNED_OUT}?state=s1"
    assert sid not in provider.state.sessions
    with pytest.raises(LookupError):
        provider.state.current_sid(ALICE.sub)
    [call] = provider.state.end_session_calls
    assert call["sid"] == sid
    assert call["post_logout_redirect_uri"] == SIGNED_OUT
    assert call["state"] == "s1"


def test_end_session_never_redirects_to_an_unregistered_uri(
    provider: RunningProvider, metadata: dict[str, Any]
) -> None:
    id_token = full_sign_in(metadata)["id_token"]

    answer = requests.get(
        metadata["end_session_endpoint"],
        params={"id_token_hint": id_token, "post_logout_redirect_uri": "https://evil.example/"},
        allow_redirects=False,
        timeout=5,
    )

    assert answer.status_code == 200
    assert "Signed out" in answer.text
    assert provider.state.end_session_calls[0]["redirected_to"] is None


def test_end_session_refuses_an_id_token_hint_it_did_not_sign(
    provider: RunningProvider, metadata: dict[str, Any]
) -> None:
    provider.state.sign_with_foreign_key_next = True
    forged = full_sign_in(metadata)["id_token"]

    answer = requests.get(
        metadata["end_session_endpoint"],
        params={"id_token_hint": forged, "post_logout_redirect_uri": SIGNED_OUT},
        allow_redirects=False,
        timeout=5,
    )

    assert answer.status_code == 400
    assert "Location" not in answer.headers
    assert provider.state.sessions
    assert provider.state.end_session_calls[0]["error"] == "invalid_request"


def test_end_session_can_notify_clients_by_back_channel(
    provider: RunningProvider, metadata: dict[str, Any], receiver: Receiver
) -> None:
    provider.state.backchannel_logout_on_end_session = True
    id_token = full_sign_in(metadata)["id_token"]
    sid = provider.state.current_sid(ALICE.sub)

    requests.get(
        metadata["end_session_endpoint"],
        params={"id_token_hint": id_token},
        allow_redirects=False,
        timeout=5,
    )

    [form] = receiver.forms
    assert verified(metadata, form["logout_token"]).claims["sid"] == sid


def test_clients_registered_after_start_can_sign_in(
    provider: RunningProvider, metadata: dict[str, Any]
) -> None:
    provider.state.register_client(
        ProviderClient("late", "late-secret", ["http://127.0.0.1:8/cb"], [])
    )
    session = OAuth2Session(
        "late",
        "late-secret",
        scope="openid",
        redirect_uri="http://127.0.0.1:8/cb",
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_post",
    )
    verifier = secrets.token_urlsafe(48)
    url, state = session.create_authorization_url(
        metadata["authorization_endpoint"], code_verifier=verifier
    )
    flow = Flow(session, url, state, "", verifier)

    token = redeem(metadata, flow, sign_in(flow, BOB))

    claims = verified(metadata, token["id_token"]).claims
    assert (claims["aud"], claims["sub"]) == ("late", BOB.sub)
    assert "email" not in claims
    assert "nonce" not in claims


def test_an_empty_issuer_is_taken_from_the_first_request() -> None:
    app = create_provider(ProviderConfig("", [ALICE], []))

    with serve_in_thread(app) as live:
        document = requests.get(f"{live.url}/.well-known/openid-configuration", timeout=5).json()

    assert document["issuer"] == live.url
    assert app.config["PROVIDER"].issuer == live.url
