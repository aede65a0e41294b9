"""The whole sign-in and sign-out in headless Chromium, against the live provider."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, Route, expect

from testing.oidc_provider import ProviderClient, ProviderUser, RunningProvider
from testing.servers import LiveServer
from tests.support.browser import screenshot_path

from .oidc_flows import CLIENT_ID, CLIENT_SECRET

pytestmark = pytest.mark.browser


@pytest.fixture
def registered(provider: RunningProvider, live_app: LiveServer) -> None:
    """The provider knows the live app's real address as our redirect targets."""
    provider.state.register_client(
        ProviderClient(
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            redirect_uris=[f"{live_app.url}/auth/callback"],
            post_logout_redirect_uris=[f"{live_app.url}/signed-out"],
        )
    )


def _offline_chatkit(route: Route) -> None:
    # No internet here: the hosted component's script is served empty.
    route.fulfill(status=200, content_type="application/javascript", body="")


@pytest.mark.usefixtures("registered")
def test_sign_in_at_the_provider_then_sign_out_everywhere(
    page: Page,
    csp_violations: list[str],
    live_app: LiveServer,
    provider: RunningProvider,
    grace: ProviderUser,
) -> None:
    page.route("https://cdn.platform.openai.com/**", _offline_chatkit)

    page.goto("/")
    sign_in_button = page.get_by_role("button", name="Sign in as Grace Hopper")
    expect(sign_in_button).to_be_visible()
    assert page.url.startswith(f"{provider.issuer}/authorize?")
    sign_in_button.click()

    expect(page.get_by_test_id("user-name")).to_have_text("Grace Hopper")
    assert page.url == f"{live_app.url}/"
    assert page.request.get("/api/me").json()["name"] == "Grace Hopper"
    page.screenshot(path=screenshot_path("auth-signed-in"), full_page=True)

    page.get_by_role("button", name="Sign out").click()

    expect(page.get_by_role("heading", name="You are signed out")).to_be_visible()
    assert page.url.startswith(f"{live_app.url}/signed-out?state=")
    (call,) = provider.state.end_session_calls
    assert call["error"] is None
    assert call["redirected_to"].startswith(f"{live_app.url}/signed-out?")
    assert provider.state.sessions == {}
    assert page.request.get("/api/me").status == 401
    page.screenshot(path=screenshot_path("auth-signed-out"), full_page=True)

    assert csp_violations == []


@pytest.mark.usefixtures("registered")
def test_cancelling_at_the_provider_shows_a_way_back(page: Page, live_app: LiveServer) -> None:
    page.goto("/")
    page.get_by_role("button", name="Cancel").click()
    expect(page.get_by_role("heading", name="Sign-in was cancelled")).to_be_visible()
    page.get_by_role("link", name="Try signing in again").click()
    expect(page.get_by_role("button", name="Sign in as Grace Hopper")).to_be_visible()
