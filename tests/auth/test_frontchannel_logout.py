"""OpenID Connect Front-Channel Logout 1.0: the provider's logout page loads our logout URI in
an iframe with `iss` and `sid`; that provider session's sign-ins end here, and nothing else."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from chatkit_bff.observability import metrics
from testing.emulator import Emulator
from testing.oidc_provider import ProviderUser, RunningProvider

from .oidc_flows import TEST_CLIENT_ORIGIN, me, mint_secret, signed_in
from .providers import our_client

pytestmark = pytest.mark.all_topologies

ENDPOINT = "/auth/frontchannel-logout"


@pytest.fixture
def frontchannel_uri(provider: RunningProvider) -> None:
    """Register our front-channel logout URI (session required) with the provider."""
    provider.state.register_client(
        our_client(frontchannel_logout_uri=f"{TEST_CLIENT_ORIGIN}{ENDPOINT}")
    )


def _counted(outcome: str) -> float:
    """chatkit_bff_frontchannel_logouts_total for `outcome`, as /metrics would show it."""
    value = metrics.REGISTRY.get_sample_value(
        "chatkit_bff_frontchannel_logouts_total", {"outcome": outcome}
    )
    return value or 0.0


def _load_frame(app: Flask, url: str) -> TestResponse:
    """The iframe's request: cross-site, so it carries no cookie of ours."""
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == TEST_CLIENT_ORIGIN
    return app.test_client().get(f"{parts.path}?{parts.query}")


@pytest.mark.usefixtures("frontchannel_uri")
def test_the_provider_logout_page_ends_that_sign_in_and_its_chat_sessions(
    app: Flask,
    client: FlaskClient,
    provider: RunningProvider,
    grace: ProviderUser,
    ada: ProviderUser,
    emulator: Emulator,
) -> None:
    signed_in(client, grace)
    assert mint_secret(client).status_code == 200
    other = app.test_client()
    signed_in(other, ada)
    [frame_url] = provider.state.frontchannel_logout_urls(provider.state.current_sid(grace.sub))
    ended_before = _counted("ended")

    frame = _load_frame(app, frame_url)
    assert frame.status_code == 200
    assert frame.mimetype == "text/html"
    assert frame.headers["Cache-Control"] == "no-cache, no-store"
    assert frame.headers["Pragma"] == "no-cache"
    # The provider's page may frame it; the global FRAME_ANCESTORS ('self') would forbid that.
    policy = frame.headers["Content-Security-Policy"]
    assert f"frame-ancestors 'self' {provider.issuer}" in policy
    assert "X-Frame-Options" not in frame.headers

    assert me(client).status_code == 401
    grace_sessions = [s for s in emulator.sessions() if s["status"] == "cancelled"]
    assert len(grace_sessions) == 1
    assert me(other).status_code == 200  # another provider session is left alone
    assert _load_frame(app, frame_url).status_code == 200  # a reload ends nothing more
    assert _counted("ended") == ended_before + 2


@pytest.mark.parametrize(
    "query",
    [
        {"iss": "https://other-provider.example", "sid": "s1"},
        {"sid": "s1"},
        {"iss": "{issuer}"},
        {"iss": "{issuer}", "sid": "x" * 300},
    ],
    ids=["another-issuer", "no-issuer", "no-sid", "overlong-sid"],
)
def test_a_front_channel_logout_without_our_issuer_and_a_sid_ends_nothing(
    app: Flask,
    client: FlaskClient,
    provider: RunningProvider,
    grace: ProviderUser,
    query: dict[str, str],
) -> None:
    signed_in(client, grace)
    fields = {name: value.format(issuer=provider.issuer) for name, value in query.items()}
    rejected_before = _counted("rejected")
    refused = app.test_client().get(f"{ENDPOINT}?{urlencode(fields)}")
    assert refused.status_code == 400
    assert _counted("rejected") == rejected_before + 1
    assert me(client).status_code == 200
