"""Embedding in Chromium with real host names: a same-site product page and a cross-site one.

The BFF is `chat.example.test`, the product's page `www.example.test` (same site) or
`other.test` (cross site); Chromium resolves them all to loopback.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Frame, Page, expect

from chatkit_bff.apps import upstream_user
from testing.emulator import Emulator
from testing.servers import LiveServer, serve_in_thread
from tests.apps.conftest import SUPPORT_WORKFLOW, chat_app, identity
from tests.apps.embed_support import (
    BROWSER_FLAGS,
    CHAT_HOST,
    CROSS_SITE_HOST,
    SAME_SITE_HOST,
    host_app,
    stand_in_for_chatkit,
)
from tests.support.browser import chromium, screenshot_path

pytestmark = pytest.mark.browser

#: A browser context, the CSP violations and script errors it saw, the threads chatted into.
Browsing = tuple[BrowserContext, list[str], list[dict[str, Any]]]


@pytest.fixture(scope="module")
def sites_browser() -> Iterator[Browser]:
    with chromium(BROWSER_FLAGS) as browser:
        yield browser


@pytest.fixture
def bff_address() -> list[str]:
    """Filled in once the BFF serves: the host pages point their script at it."""
    return []


@pytest.fixture
def host_server(bff_address: list[str]) -> Iterator[LiveServer]:
    with serve_in_thread(host_app(lambda: bff_address[0])) as live:
        yield live


@pytest.fixture
def embed_origins(host_server: LiveServer) -> list[str]:
    return [f"http://{SAME_SITE_HOST}:{host_server.server.server_port}"]


@pytest.fixture
def bff(live_app: LiveServer, bff_address: list[str]) -> str:
    bff_address.append(f"http://{CHAT_HOST}:{live_app.server.server_port}")
    return bff_address[0]


@pytest.fixture
def browsing(
    sites_browser: Browser, emulator: Emulator
) -> Iterator[tuple[BrowserContext, list[str], list[dict[str, Any]]]]:
    """A fresh context with the stand-in ChatKit; collects every CSP violation and script error."""
    context = sites_browser.new_context(viewport={"width": 1000, "height": 800})
    context.set_default_timeout(15_000)
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            problems.append(f"{message.page.url if message.page else '?'}: {message.text}")

    def on_page(tab: Page) -> None:
        tab.on("console", on_console)
        tab.on("pageerror", lambda error: problems.append(f"page error: {error}"))

    context.on("page", on_page)
    threads = stand_in_for_chatkit(context, emulator)
    yield context, problems, threads
    context.close()


def events(page: Page) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = page.evaluate("() => window.__events || []")
    return found


def wait_for_event(page: Page, kind: str, count: int = 1, timeout: float = 15.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        heard = [e for e in events(page) if e["type"] == kind]
        if len(heard) >= count:
            return heard[count - 1]
        if time.monotonic() > deadline:
            raise AssertionError(f"the host page never heard {kind} x{count}: {events(page)}")
        page.wait_for_timeout(50)


def chat_frame(page: Page) -> Frame:
    handle = page.wait_for_selector("#chat iframe")
    assert handle is not None
    frame = handle.content_frame()
    assert frame is not None
    return frame


def test_a_same_site_embed_signs_in_through_a_popup_chats_and_shows_only_its_history(
    app: Flask,
    emulator: Emulator,
    bff: str,
    host_server: LiveServer,
    browsing: Browsing,
) -> None:
    context, problems, started = browsing
    grace = identity("grace")
    emulator.seed_thread(grace.user_id, title="Billing question (default app)")
    emulator.seed_thread(
        upstream_user(grace, chat_app(app, "sales")), title="Volume pricing (sales app)"
    )
    # The frame's fallback (polling /api/me) is cut off: the popup itself must reach the frame.
    context.route(f"{bff}/api/me", lambda route: route.abort())
    page = context.new_page()
    page.goto(f"http://{SAME_SITE_HOST}:{host_server.server.server_port}/")

    iframe = page.locator("#chat iframe")
    expect(iframe).to_have_attribute("title", "Support chat")
    expect(iframe).to_have_attribute("allow", "clipboard-write")
    box = iframe.bounding_box()
    assert box is not None
    assert (round(box["width"]), round(box["height"])) == (420, 640)  # sized to the container
    assert wait_for_event(page, "chatkit-bff:ready")["detail"] == {"signedIn": False}

    frame = chat_frame(page)
    with context.expect_page() as popup_opened:
        frame.get_by_role("button", name="Sign in").click()
    popup = popup_opened.value
    popup.get_by_role("button", name="Sign in as Grace Hopper").click()
    popup.wait_for_event("close", timeout=15_000)

    wait_for_event(page, "chatkit-bff:signed-in")
    assert wait_for_event(page, "chatkit-bff:ready", count=2)["detail"] == {"signedIn": True}
    frame = chat_frame(page)
    expect(frame.get_by_text("No conversations yet")).to_be_attached()  # not the other apps'
    expect(frame.locator("header.topbar")).to_have_count(0)  # the chat without our header

    thread_id = frame.evaluate("() => window.__chatkitSend('Where is my parcel?')")
    change = wait_for_event(page, "chatkit-bff:thread-change")
    assert change["detail"] == {"threadId": thread_id}
    assert [(t["id"], t["workflow"], t["user"]) for t in started] == [
        (thread_id, SUPPORT_WORKFLOW, upstream_user(grace, chat_app(app, "support")))
    ]

    page.reload()
    wait_for_event(page, "chatkit-bff:ready")
    frame = chat_frame(page)
    frame.locator("details summary").click()
    titles = frame.locator(".thread-link__title").all_inner_texts()
    assert titles == ["Where is my parcel?"]  # this app's history only
    page.screenshot(path=screenshot_path("embed-same-site"), full_page=True)
    assert problems == []


def test_a_cross_site_embed_is_refused_by_the_browser(
    bff: str,
    host_server: LiveServer,
    browsing: Browsing,
) -> None:
    context, problems, _ = browsing
    refusals: list[str] = []
    page = context.new_page()
    page.on(
        "console",
        lambda message: (
            refusals.append(message.text) if "frame-ancestors" in message.text else None
        ),
    )
    page.goto(f"http://{CROSS_SITE_HOST}:{host_server.server.server_port}/")
    expect(page.locator("#chat iframe")).to_be_attached()  # the script loaded (CORP allows it)
    page.wait_for_timeout(1500)
    frame = chat_frame(page)
    assert not frame.url.startswith(bff)
    assert frame.locator("[data-sign-in]").count() == 0
    assert events(page) == []
    assert any("frame-ancestors" in text for text in refusals), refusals
    # The refusal is the only CSP report (and shows that reports are collected at all).
    assert problems
    assert all("frame-ancestors" in problem for problem in problems)
