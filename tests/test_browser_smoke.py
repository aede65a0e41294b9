"""The whole stack in a real browser: demo sign-in, then the page greets the user."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import screenshot_path

pytestmark = pytest.mark.browser


def test_demo_sign_in_greets_the_user(page: Page) -> None:
    page.goto("/")
    assert page.url.endswith("/login?next=%2F")
    page.get_by_role("button", name="Sign in as Grace Hopper").click()
    expect(page.get_by_test_id("user-name")).to_have_text("Grace Hopper")
    page.screenshot(path=screenshot_path("smoke-signed-in"), full_page=True)
