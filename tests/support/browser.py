"""Headless Chromium (Debian's build) driven by Playwright."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, Playwright, sync_playwright

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


# One Playwright driver per process, shared by every browser open at the same time: a second
# `sync_playwright()` in a thread whose driver runs already is refused by Playwright.
_driver: list[Playwright] = []
_open = [0]


@contextmanager
def chromium(extra_flags: Sequence[str] = ()) -> Iterator[Browser]:
    if not _driver:
        _driver.append(sync_playwright().start())
    _open[0] += 1
    try:
        browser = _driver[0].chromium.launch(
            executable_path=CHROMIUM, headless=True, args=[*_FLAGS, *extra_flags]
        )
        try:
            yield browser
        finally:
            browser.close()
    finally:
        _open[0] -= 1
        if not _open[0]:
            _driver.pop().stop()


def screenshot_path(name: str) -> str:
    """Where a test writes a screenshot for people to look at (not committed)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return str(ARTIFACTS / f"{name}.png")
