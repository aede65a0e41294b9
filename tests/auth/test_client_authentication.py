"""How the app authenticates at the provider's token endpoint (RFC 6749 §2.3.1)."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from flask.testing import FlaskClient

from chatkit_bff.auth.client_auth import NoUsableTokenAuthMethod, token_auth_method
from chatkit_bff.settings import ConfigError, load_settings
from testing.oidc_provider import ProviderUser, RunningProvider

from .oidc_flows import CLIENT_ID, TEST_CLIENT_ORIGIN, me, sign_in, signed_in
from .providers import OpenIDProvider

#: Every character RFC 6749 §2.3.1 needs encoded in HTTP Basic, and a space.
RESERVED_SECRET = "s3cret+with%25 percent:colon/slash&amp=equals"


def _register_at_panva(op: Any, secret: str, method: str) -> None:
    op.server.register_client(
        CLIENT_ID,
        {
            "client_secret": secret,
            "redirect_uris": [f"{TEST_CLIENT_ORIGIN}/auth/callback"],
            "post_logout_redirect_uris": [f"{TEST_CLIENT_ORIGIN}/signed-out"],
            "grant_types": ["authorization_code"],
            "response_types": ["code"],
            "token_endpoint_auth_method": method,
        },
    )


@pytest.fixture
def secret() -> str:
    return RESERVED_SECRET


@pytest.fixture
def configured_method() -> str:
    return ""


@pytest.fixture
def app_config(app_config: dict[str, Any], secret: str, configured_method: str) -> dict[str, Any]:
    return {**app_config, "OIDC_CLIENT_SECRET": secret, "OIDC_TOKEN_AUTH_METHOD": configured_method}


@pytest.mark.parametrize("provider_kind", ["panva"])
def test_a_secret_with_reserved_characters_signs_in_over_http_basic(
    client: FlaskClient, op: OpenIDProvider, grace: ProviderUser
) -> None:
    """The certified provider form-decodes Basic credentials, as §2.3.1 says they are sent."""
    _register_at_panva(op, RESERVED_SECRET, "client_secret_basic")
    signed_in(client, grace)
    assert me(client).get_json()["name"] == "Grace Hopper"


@pytest.mark.parametrize(("provider_kind", "configured_method"), [("panva", "client_secret_post")])
def test_a_client_registered_for_client_secret_post_signs_in_when_configured_so(
    client: FlaskClient, op: OpenIDProvider, grace: ProviderUser
) -> None:
    _register_at_panva(op, RESERVED_SECRET, "client_secret_post")
    signed_in(client, grace)
    assert me(client).status_code == 200


@pytest.fixture
def registered_for_post(provider: RunningProvider) -> None:
    """Our client is registered at the provider for client_secret_post only (RFC 7591 §2)."""
    for registered in provider.state.config.clients:
        registered.client_secret = RESERVED_SECRET
        registered.token_endpoint_auth_method = "client_secret_post"


@pytest.mark.usefixtures("registered_for_post")
def test_a_refused_client_is_a_clear_502_for_the_user_and_an_error_for_the_operator(
    client: FlaskClient, op: OpenIDProvider, grace: ProviderUser, caplog: pytest.LogCaptureFixture
) -> None:
    # The discovery document lists Basic too, which is what the app uses by default.
    with caplog.at_level(logging.ERROR, logger="chatkit_bff.auth.oidc"):
        flow = sign_in(client, grace)
    assert flow.response.status_code == 502
    page = flow.response.get_data(as_text=True)
    assert "Sign-in is not set up correctly" in page
    assert RESERVED_SECRET not in page
    assert "OIDC_TOKEN_AUTH_METHOD" in caplog.text
    assert RESERVED_SECRET not in caplog.text
    assert me(client).status_code == 401


@pytest.mark.usefixtures("registered_for_post")
@pytest.mark.parametrize("configured_method", ["client_secret_post"])
def test_the_setting_sends_the_secret_in_the_body_for_such_a_client(
    client: FlaskClient, op: OpenIDProvider, grace: ProviderUser
) -> None:
    signed_in(client, grace)
    assert me(client).status_code == 200


@pytest.mark.usefixtures("registered_for_post")
def test_a_provider_listing_only_client_secret_post_gets_it_without_the_setting(
    client: FlaskClient, provider: RunningProvider, op: OpenIDProvider, grace: ProviderUser
) -> None:
    provider.state.advertised_token_auth_methods = ("client_secret_post",)
    signed_in(client, grace)
    assert me(client).status_code == 200


@pytest.mark.parametrize(
    ("advertised", "chosen"),
    [
        (None, "client_secret_basic"),  # Discovery §3: absent means client_secret_basic
        ([], "client_secret_basic"),
        (["private_key_jwt", "client_secret_post"], "client_secret_post"),
        (["client_secret_post", "client_secret_basic"], "client_secret_basic"),
    ],
)
def test_the_method_follows_the_discovery_document(
    advertised: list[str] | None, chosen: str
) -> None:
    metadata = {} if advertised is None else {"token_endpoint_auth_methods_supported": advertised}
    assert token_auth_method(None, metadata) == chosen
    assert token_auth_method("client_secret_post", metadata) == "client_secret_post"


def test_a_provider_taking_neither_secret_method_is_named_as_the_problem() -> None:
    with pytest.raises(NoUsableTokenAuthMethod, match="neither client_secret_basic"):
        token_auth_method(None, {"token_endpoint_auth_methods_supported": ["private_key_jwt"]})


def test_an_unknown_method_stops_start_up_with_one_line(app_config: dict[str, Any]) -> None:
    with pytest.raises(ConfigError, match="OIDC_TOKEN_AUTH_METHOD must be client_secret_basic or"):
        load_settings({**app_config, "OIDC_TOKEN_AUTH_METHOD": "tls_client_auth"})
