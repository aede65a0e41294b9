"""WCAG 2.2 AA in the browser: axe-core on every page kind, phone and desktop, light and dark.

Serious and critical violations fail the test. A minor or moderate one fails it too unless it
is named in ACCEPTED with the reason it stays.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page

from testing.emulator import Emulator
from testing.servers import LiveServer
from tests.history.browser_support import DESKTOP, PHONE, install_fake_chatkit, sign_in
from tests.history.conftest import user_id_of

pytestmark = pytest.mark.browser

AXE = Axe()
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]},
    "resultTypes": ["violations"],
}
FAILING_IMPACTS = {"serious", "critical"}
# rule id -> why a minor/moderate finding of it is accepted (none today).
ACCEPTED: dict[str, str] = {}


def _violations(page: Page, label: str) -> list[str]:
    # The ChatKit web component is OpenAI's (here a stand-in for its CDN script): audit our page.
    results = AXE.run(page, context={"exclude": [["openai-chatkit"]]}, options=AXE_OPTIONS)
    found = []
    for violation in results.response["violations"]:
        impact = violation.get("impact") or "minor"
        if impact not in FAILING_IMPACTS and violation["id"] in ACCEPTED:
            continue
        targets = [node["target"] for node in violation["nodes"]][:3]
        found.append(f"{label}: {violation['id']} ({impact}) {violation['help']} at {targets}")
    return found


@pytest.fixture
def demo_thread_ids(emulator: Emulator) -> list[str]:
    """Grace's demo conversations, which together hold every item type."""
    seeded = emulator.seed_demo(user_id_of("grace"), "Grace Hopper")
    return [thread["id"] for thread in seeded]


Viewer = Callable[[str], Page]


@pytest.fixture(params=["desktop-light", "desktop-dark", "phone-light", "phone-dark"])
def viewer(
    request: pytest.FixtureRequest, browser: Browser, live_app: LiveServer
) -> Iterator[Viewer]:
    """A fresh browser in one viewport and colour scheme; call it with a demo user's name."""
    size, scheme = request.param.split("-")
    contexts = []

    def open_as(name: str) -> Page:
        context = browser.new_context(
            base_url=live_app.url,
            viewport=DESKTOP if size == "desktop" else PHONE,
            color_scheme=scheme,  # type: ignore[arg-type]
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        install_fake_chatkit(page)
        if name:
            sign_in(page, name)
        return page

    yield open_as
    for context in contexts:
        context.close()


def test_signed_out_pages_have_no_serious_violations(viewer: Viewer) -> None:
    page = viewer("")
    problems = []
    for path in ("/login", "/signed-out", "/api/docs", "/apps/default/embed"):
        page.goto(path)
        problems += _violations(page, path)
    assert problems == []


def test_chat_pages_have_no_serious_violations(viewer: Viewer, demo_thread_ids: list[str]) -> None:
    page = viewer("Grace Hopper")
    problems = []
    for path in (
        "/",
        *(f"/threads/{thread_id}" for thread_id in demo_thread_ids),
        f"/threads/{demo_thread_ids[0]}/delete",
        "/threads/cthr_doesnotexist",
        "/api/docs",
        "/account/sessions",
        "/account/conversations/delete-all",
        "/apps/default/embed",
    ):
        page.goto(path)
        problems += _violations(page, path)
    assert problems == []


def test_admin_pages_have_no_serious_violations(viewer: Viewer) -> None:
    grace = user_id_of("grace")
    viewer("Grace Hopper")  # Grace appears in the directory
    page = viewer("Ada Lovelace")
    problems = []
    for path in (
        "/admin",
        "/admin/users",
        f"/admin/users/{grace}",
        f"/admin/users/{grace}/revoke",
        f"/admin/users/{grace}/erase",
        "/admin/defaults",
        "/admin/apps",
        "/admin/apps/default",
        "/admin/setup",
        "/admin/audit",
    ):
        page.goto(path)
        problems += _violations(page, path)
    assert problems == []
