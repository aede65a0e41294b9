"""Sign-in fixtures: a live OpenID provider and the app configured as its relying party."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from testing.oidc_provider import ProviderClient, ProviderUser, RunningProvider, running_provider
from testing.panva_provider import PanvaProvider, running_panva

from .oidc_flows import CLIENT_ID, CLIENT_SECRET, TEST_CLIENT_ORIGIN
from .providers import FakeProvider, OpenIDProvider, Panva, register, unregister

#: Custom claims some test users carry, the way Keycloak, Auth0, ZITADEL and others name them.
EXTRA_CLAIMS = (
    "realm_access",
    "https://example.com/roles",
    "urn:zitadel:iam:org:project:roles",
    "plan",
    "department",
)


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


@pytest.fixture(scope="session")
def panva_server() -> Iterator[PanvaProvider]:
    with running_panva(EXTRA_CLAIMS) as server:
        yield server


@pytest.fixture
def provider_kind() -> str:
    """Which provider `op` is; `parametrize("provider_kind", BOTH)` runs a test on both."""
    return "fake"


@pytest.fixture
def op(
    request: pytest.FixtureRequest, provider_kind: str, grace: ProviderUser, ada: ProviderUser
) -> Iterator[OpenIDProvider]:
    """The OpenID provider this test signs in with."""
    chosen: OpenIDProvider
    if provider_kind == "panva":
        chosen = Panva(request.getfixturevalue("panva_server"), [grace, ada])
    else:
        chosen = FakeProvider(request.getfixturevalue("provider"))
    register(chosen)
    yield chosen
    unregister(chosen)


@pytest.fixture
def app_config(app_config: dict[str, Any], op: OpenIDProvider) -> dict[str, Any]:
    """The shared development config, signing in through the live provider instead of demo users."""
    return {
        **app_config,
        "OIDC_ISSUER": op.issuer,
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_SCOPES": "openid email profile groups",
        "ADMIN_GROUPS": "chat-admins",
    }
