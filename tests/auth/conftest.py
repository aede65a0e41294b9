"""Sign-in fixtures: a live OpenID provider and the app configured as its relying party."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from testing.oidc_provider import ProviderClient, ProviderUser, RunningProvider, running_provider

from .oidc_flows import CLIENT_ID, CLIENT_SECRET, TEST_CLIENT_ORIGIN


@pytest.fixture
def grace() -> ProviderUser:
    return ProviderUser("grace-sub", "Grace Hopper", "grace@example.com")


@pytest.fixture
def ada() -> ProviderUser:
    """An administrator by group membership."""
    return ProviderUser("ada-sub", "Ada Lovelace", "ada@example.com", groups=["chat-admins"])


@pytest.fixture
def provider(grace: ProviderUser, ada: ProviderUser) -> Iterator[RunningProvider]:
    """A fresh provider per test, knowing the test client's origin as our redirect target."""
    registration = ProviderClient(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        redirect_uris=[f"{TEST_CLIENT_ORIGIN}/auth/callback"],
        post_logout_redirect_uris=[f"{TEST_CLIENT_ORIGIN}/signed-out"],
    )
    with running_provider([grace, ada], [registration]) as running:
        yield running


@pytest.fixture
def app_config(app_config: dict[str, Any], provider: RunningProvider) -> dict[str, Any]:
    """The shared development config, signing in through the live provider instead of demo users."""
    return {
        **app_config,
        "OIDC_ISSUER": provider.issuer,
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_SCOPES": "openid email profile groups",
        "ADMIN_GROUPS": "chat-admins",
    }
