"""Two chat apps for one user in Chromium: separate lists, secrets and web component options."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from chatkit_bff.apps import upstream_user
from testing.emulator import Emulator
from tests.apps.conftest import chat_app, identity
from tests.history.browser_support import chatkit_settled, install_fake_chatkit, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def watched(page: Page) -> Iterator[Page]:
    """The page, failing the test on any script error or CSP violation."""
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on(
        "console",
        lambda message: (
            problems.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    yield page
    assert problems == []


def test_one_user_in_two_apps_has_two_histories_two_secrets_and_two_policies(
    watched: Page, app: Flask, emulator: Emulator
) -> None:
    page = watched
    grace = identity("grace")
    emulator.seed_thread(upstream_user(grace, chat_app(app, "support")), title="Parcel late")
    emulator.seed_thread(upstream_user(grace, chat_app(app, "sales")), title="Volume pricing")
    emulator.seed_thread(grace.user_id, title="From before the apps")
    install_fake_chatkit(page)

    sign_in(page, path="/apps/support/")
    expect(page.get_by_role("link", name="Support", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    assert page.locator(".thread-link__title").all_inner_texts() == ["Parcel late"]
    support = chatkit_settled(page)
    assert support["errors"] == []
    assert support["options"]["composer"]["attachments"]["enabled"] is True  # the app's policy
    page.get_by_role("link", name="Parcel late").click()
    expect(page.get_by_role("heading", level=1, name="Parcel late")).to_be_visible()
    assert "/apps/support/threads/cthr_" in page.url  # links stay inside the app

    page.goto("/apps/sales/")
    assert page.locator(".thread-link__title").all_inner_texts() == ["Volume pricing"]
    sales = chatkit_settled(page)
    assert sales["errors"] == []
    assert sales["options"]["composer"]["attachments"]["enabled"] is False  # not support's
    assert set(sales["secrets"]).isdisjoint(support["secrets"])

    page.goto("/")
    assert page.locator(".thread-link__title").all_inner_texts() == ["From before the apps"]
