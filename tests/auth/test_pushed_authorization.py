"""Pushed Authorization Requests (RFC 9126), against panva's certified provider holding our
client to them, and what the app does where a provider offers none."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from chatkit_bff.settings import ConfigError, load_settings
from testing.oidc_provider import ProviderUser

from .oidc_flows import answer_at_provider, deliver, me, start_sign_in
from .providers import Panva, browser_at_provider

Browser = Callable[[str], FlaskClient]


@pytest.fixture
def browser_of_app_in(app_config: dict[str, Any], redis_client: redis.Redis) -> Iterator[Browser]:
    """A browser of an app built with OIDC_PUSHED_AUTHORIZATION set to the mode given."""
    apps: list[Flask] = []

    def browser(mode: str) -> FlaskClient:
        apps.append(create_app({**app_config, "OIDC_PUSHED_AUTHORIZATION": mode}))
        return apps[-1].test_client()

    yield browser
    for application in apps:
        application.extensions["chatkit_bff"].close()


def _parameters(url: str) -> set[str]:
    return set(parse_qs(urlsplit(url).query))


@pytest.mark.parametrize("provider_kind", ["panva"])
def test_a_client_held_to_pushed_requests_signs_in_with_them(
    browser_of_app_in: Browser, op: Panva, grace: ProviderUser
) -> None:
    op.require_pushed_authorization()
    client = browser_of_app_in("on")
    authorize_url = start_sign_in(client)
    # The browser carries only the handle; state, nonce and PKCE went server to server.
    assert _parameters(authorize_url) == {"client_id", "request_uri"}
    landed = deliver(client, answer_at_provider(authorize_url, grace, browser_at_provider(client)))
    assert landed.status_code == 302, landed.get_data(as_text=True)[:500]
    assert me(client).json["email"] == grace.email


@pytest.mark.parametrize("provider_kind", ["panva"])
def test_without_them_that_provider_refuses_the_sign_in(
    browser_of_app_in: Browser, op: Panva
) -> None:
    op.require_pushed_authorization()
    client = browser_of_app_in("off")
    authorize_url = start_sign_in(client)
    assert "code_challenge" in _parameters(authorize_url)
    page = browser_at_provider(client).get(authorize_url, allow_redirects=False, timeout=10)
    back = page.headers.get("Location", "")
    assert "error=invalid_request" in back or page.status_code == 400, (page.status_code, back)


def test_on_with_a_provider_that_offers_none_is_a_clear_failure_page(
    browser_of_app_in: Browser,
) -> None:
    refused = browser_of_app_in("on").get("/login")
    assert refused.status_code == 503
    assert "identity provider" in refused.get_data(as_text=True)


def test_auto_sends_the_usual_request_to_a_provider_that_does_not_require_them(
    browser_of_app_in: Browser,
) -> None:
    assert "code_challenge" in _parameters(start_sign_in(browser_of_app_in("auto")))


def test_an_unknown_mode_stops_start_up_with_one_line(app_config: dict[str, Any]) -> None:
    with pytest.raises(ConfigError, match="OIDC_PUSHED_AUTHORIZATION must be auto, on or off"):
        load_settings({**app_config, "OIDC_PUSHED_AUTHORIZATION": "always"})
