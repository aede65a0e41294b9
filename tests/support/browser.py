"""Headless Chromium (Debian's build) driven by Playwright."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, sync_playwright

CHROMIUM = os.environ.get("CHROMIUM_PATH") or next(
    (path for path in ("/usr/bin/chromium", "/usr/bin/chromium-browser") if os.path.exists(path)),
    "/usr/bin/chromium",
)
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS", "test-artifacts"))
_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@contextmanager
def chromium(extra_flags: Sequence[str] = ()) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=[*_FLAGS, *extra_flags]
        )
        try:
            yield browser
        finally:
            browser.close()


def screenshot_path(name: str) -> str:
    """Where a test writes a screenshot for people to look at (not committed)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return str(ARTIFACTS / f"{name}.png")
