"""The whole sign-in and sign-out in headless Chromium, against the live provider."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from testing.oidc_provider import ProviderClient, ProviderUser, RunningProvider
from testing.servers import LiveServer
from tests.support.browser import screenshot_path

from .oidc_flows import CLIENT_ID, CLIENT_SECRET

pytestmark = pytest.mark.browser

FIREFOX_ON_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
)
SAFARI_ON_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Safari/605.1.15"
)


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


def _sign_in_in(page: Page, name: str) -> None:
    page.goto("/")
    page.get_by_role("button", name=f"Sign in as {name}").click()
    expect(page.get_by_test_id("user-name")).to_have_text(name)


@pytest.mark.usefixtures("registered")
def test_my_sessions_shows_the_other_device_and_ends_it(
    browser: Browser, live_app: LiveServer, grace: ProviderUser
) -> None:
    contexts = [
        browser.new_context(base_url=live_app.url, user_agent=agent)
        for agent in (FIREFOX_ON_WINDOWS, SAFARI_ON_MAC)
    ]
    try:
        laptop, desktop = (context.new_page() for context in contexts)
        for tab in (laptop, desktop):
            tab.set_default_timeout(10_000)
            tab.route("https://cdn.platform.openai.com/**", _offline_chatkit)
        _sign_in_in(laptop, grace.name)
        _sign_in_in(desktop, grace.name)

        laptop.get_by_role("link", name="Your sessions").click()
        rows = laptop.get_by_test_id("sign-in")
        expect(rows).to_have_count(2)
        this_one = rows.filter(has=laptop.get_by_test_id("this-device"))
        expect(this_one).to_contain_text("Firefox on Windows")
        other = rows.filter(has_text="Safari on Mac OS X")
        expect(other).to_have_count(1)
        laptop.screenshot(path=screenshot_path("account-sessions"), full_page=True)

        other.get_by_role("button", name="Sign out").click()

        expect(laptop.get_by_text("That device is signed out.")).to_be_visible()
        expect(laptop.get_by_test_id("sign-in")).to_have_count(1)
        assert desktop.request.get("/api/me").status == 401
        desktop.goto("/")
        expect(desktop.get_by_role("button", name="Sign in as Grace Hopper")).to_be_visible()
        assert laptop.request.get("/api/me").status == 200
    finally:
        for context in contexts:
            context.close()
