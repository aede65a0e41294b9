"""The chat page tells the truth about live chat, and reads as one scrolling page on a phone."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from testing.emulator import UPSTREAM_KEY
from tests.history.browser_support import PHONE, chatkit_settled, install_fake_chatkit, sign_in
from tests.history.conftest import SeedThreads

pytestmark = pytest.mark.browser


class TestWithTheLocalEmulator:
    @pytest.fixture
    def app_config(self, app_config: dict[str, Any]) -> dict[str, Any]:
        # No OpenAI key: development talks to the emulator, as ./scripts/serve does.
        return {**app_config, "OPENAI_API_KEY": "", "EMULATOR_API_KEY": UPSTREAM_KEY}

    def test_the_page_says_live_chat_needs_an_openai_key(
        self, page: Page, seed_threads: SeedThreads, grace_id: str
    ) -> None:
        seed_threads(grace_id, 2)
        install_fake_chatkit(page)
        sign_in(page)
        notice = page.locator("[data-chatkit-notice]")
        expect(notice).to_contain_text("OPENAI_API_KEY")
        expect(notice).not_to_contain_text("offline")
        expect(page.get_by_role("link", name="Topic 01")).to_be_visible()  # history still served
        assert page.evaluate("() => window.__chatkit.calls") == 0  # no session asked for


def test_with_openai_configured_live_chat_starts_without_a_notice(
    page: Page, grace_id: str
) -> None:
    install_fake_chatkit(page)
    sign_in(page)
    assert chatkit_settled(page)["calls"] == 1
    expect(page.locator("[data-chatkit-notice]")).to_have_text("")


def test_at_phone_width_the_conversation_list_is_not_a_nested_scroll_area(
    page: Page, seed_threads: SeedThreads, grace_id: str
) -> None:
    seed_threads(grace_id, 20)
    page.set_viewport_size(PHONE)
    install_fake_chatkit(page)
    sign_in(page)
    listing = page.locator(".thread-list")
    sizes = listing.evaluate("el => [el.scrollHeight, el.clientHeight]")
    assert sizes[0] <= sizes[1], "the list scrolls inside itself"
    last = page.get_by_role("link", name="Topic 00")
    last.scroll_into_view_if_needed()
    expect(last).to_be_in_viewport()
    assert page.evaluate("() => window.scrollY") > 0  # the page itself scrolled to it
