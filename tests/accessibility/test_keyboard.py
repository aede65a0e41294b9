"""Keyboard use: a skip link, visible focus, every action reachable by Tab, confirmations first."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from testing.emulator import Emulator
from tests.history.browser_support import DESKTOP, install_fake_chatkit, sign_in
from tests.history.conftest import user_id_of

pytestmark = pytest.mark.browser

# Everything a keyboard user can act on, as the browser lays it out (visible, enabled).
_ACTIONABLE = """() => Array.from(document.querySelectorAll(
    'a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]), select, textarea,'
    + ' summary, [tabindex]:not([tabindex="-1"])'))
  .filter(el => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden'
                && !el.closest('openai-chatkit'))
  .map(el => el.outerHTML.slice(0, 120))"""
_FOCUSED = "() => document.activeElement ? document.activeElement.outerHTML.slice(0, 120) : null"
_FOCUS_VISIBLE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return false;
  const style = getComputedStyle(el);
  return (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0)
      || style.boxShadow !== 'none';
}"""


@pytest.fixture
def grace_thread(emulator: Emulator) -> str:
    seeded = emulator.seed_demo(user_id_of("grace"), "Grace Hopper")
    thread_id: str = seeded[-1]["id"]
    return thread_id


@pytest.fixture
def keyboard_page(page: Page) -> Page:
    page.set_viewport_size(DESKTOP)
    install_fake_chatkit(page)
    return page


def _tab_through(page: Page, stops: int) -> list[str | None]:
    """Press Tab `stops` times; what had focus after each press (each must show it has it)."""
    seen = []
    for _ in range(stops):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement === document.body"):
            continue  # past the last stop, focus leaves the page for the browser's own UI
        focused = page.evaluate(_FOCUSED)
        assert page.evaluate(_FOCUS_VISIBLE), f"focus is not visible on {focused}"
        seen.append(focused)
    return seen


def test_the_skip_link_comes_first_and_moves_focus_to_the_content(keyboard_page: Page) -> None:
    page = keyboard_page
    sign_in(page, "Grace Hopper")
    page.goto("/")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent.trim()") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"


@pytest.mark.parametrize("path", ["/", "/threads/{thread}", "/admin", "/admin/defaults"])
def test_every_action_is_reachable_by_tab_with_visible_focus(
    keyboard_page: Page, grace_thread: str, path: str
) -> None:
    page = keyboard_page
    sign_in(page, "Ada Lovelace" if path.startswith("/admin") else "Grace Hopper")
    page.goto(path.format(thread=grace_thread))
    actionable = page.evaluate(_ACTIONABLE)
    reached = _tab_through(page, len(actionable) + 3)
    missing = [element for element in actionable if element not in reached]
    assert missing == []


def test_the_delete_confirmation_has_focus_first(keyboard_page: Page, grace_thread: str) -> None:
    page = keyboard_page
    sign_in(page, "Grace Hopper")
    page.goto(f"/threads/{grace_thread}/delete")
    # Browsers apply `autofocus` when they next render, which may come after the load event.
    page.wait_for_function(
        "() => document.activeElement.closest('.confirm') !== null", timeout=2000
    )  # raises when the confirmation does not get focus
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent.trim()") == "Delete conversation"
