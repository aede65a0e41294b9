"""An admin sets a user's limits in a real browser; the user's next session carries them."""

from __future__ import annotations

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, expect

from testing.emulator import Emulator
from testing.servers import LiveServer
from tests.admin.conftest import user_id
from tests.support.browser import screenshot_path
from tests.support.flows import creates

pytestmark = pytest.mark.browser


def _sign_in(page: Page, name: str) -> None:
    page.get_by_role("button", name=f"Sign in as {name}").click()
    expect(page.get_by_test_id("user-name")).to_have_text(name)


def _new_session(context: BrowserContext, page: Page) -> int:
    """What the chat page's script does: POST /api/chatkit/session with the CSRF header."""
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    assert token
    response = context.request.post(
        "/api/chatkit/session",
        data={"current_client_secret": None},
        headers={"X-CSRFToken": token},
    )
    return response.status


def test_admin_sets_limits_through_the_form(
    page: Page,
    csp_violations: list[str],
    browser: Browser,
    live_app: LiveServer,
    app: Flask,
    emulator: Emulator,
) -> None:
    grace_context = browser.new_context(base_url=live_app.url)
    try:
        grace = grace_context.new_page()
        grace.goto("/login")
        _sign_in(grace, "Grace Hopper")  # now she is in the users directory

        page.goto("/admin")
        assert page.url.endswith("/login?next=%2Fadmin")
        _sign_in(page, "Ada Lovelace")
        expect(page.get_by_role("heading", name="Admin dashboard")).to_be_visible()
        expect(page.get_by_test_id("figure-users")).to_have_text("2")
        page.screenshot(path=screenshot_path("admin-dashboard"), full_page=True)

        page.get_by_role("navigation", name="Admin").get_by_role("link", name="Users").click()
        page.get_by_role("link", name="Grace Hopper").click()
        expect(page.get_by_role("heading", name="Grace Hopper", level=1)).to_be_visible()

        page.get_by_label("Session lifetime (seconds)").fill("601")
        page.get_by_label("Chat requests per minute").fill("4")
        page.get_by_label("File uploads").select_option("true")
        page.get_by_label("Files per message").fill("3")
        page.get_by_role("button", name="Save", exact=True).click()

        error = page.locator("#f-session_seconds-error")
        expect(error).to_have_text("must be at most 600")
        expect(page.get_by_label("Session lifetime (seconds)")).to_have_attribute(
            "aria-invalid", "true"
        )
        expect(page.get_by_role("alert")).to_contain_text("Nothing was saved")
        page.screenshot(path=screenshot_path("admin-user-error"), full_page=True)
        policies = app.extensions["chatkit_bff"].policies
        assert policies.layers(user_id("grace")).overrides.values == {}

        page.get_by_label("Session lifetime (seconds)").fill("300")
        page.get_by_role("button", name="Save", exact=True).click()
        expect(page.get_by_role("status")).to_contain_text("Saved")
        expect(page.locator('td[data-path="session_seconds"]')).to_have_text("300")
        expect(page.locator('td[data-path="file_upload.enabled"]')).to_have_text("on")

        assert _new_session(grace_context, grace) == 200
        body = creates(emulator)[-1]
        assert body["user"] == user_id("grace")
        assert body["expires_after"] == {"anchor": "created_at", "seconds": 300}
        assert body["rate_limits"] == {"max_requests_per_1_minute": 4}
        assert body["chatkit_configuration"]["file_upload"] == {
            "enabled": True,
            "max_files": 3,
            "max_file_size": 512,
        }

        page.reload()
        expect(page.get_by_test_id("cached-session")).to_contain_text("Cached session")
        page.get_by_role("link", name="Audit log").click()
        expect(page.locator(".audit-table tbody tr")).to_have_count(1)
        expect(page.locator(".changes li")).to_have_count(4)
        page.screenshot(path=screenshot_path("admin-audit"), full_page=True)
        assert csp_violations == []
    finally:
        grace_context.close()
