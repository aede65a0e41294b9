"""Browser helpers: sign in, and stand in for the ChatKit script from the CDN."""

from __future__ import annotations

import re
import time
from typing import Any

from playwright.sync_api import Page, Route, expect

CHATKIT_CDN = "https://cdn.platform.openai.com/**"
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}

# Defines <openai-chatkit> like the real script would, records what the page configures in
# window.__chatkit, and asks for a secret twice (mount, then refresh) as ChatKit does.
FAKE_CHATKIT_JS = """
(() => {
  const record = { calls: 0, options: null, secrets: [], errors: [], done: false };
  window.__chatkit = record;
  class FakeChatKit extends HTMLElement {
    connectedCallback() {
      if (this.shadowRoot) return;
      const root = this.attachShadow({ mode: "open" });
      const box = document.createElement("div");
      box.textContent = "ChatKit stand-in: messages and the composer appear here.";
      box.style.cssText = "height:100%;display:grid;place-items:center;padding:1rem;" +
        "border:1px dashed #8a8f98;border-radius:8px;color:#6b7280;font:14px system-ui;" +
        "text-align:center;box-sizing:border-box";
      root.appendChild(box);
    }
    setOptions(options) {
      record.calls += 1;
      record.options = {
        initialThread: options.initialThread,
        history: options.history,
        composer: options.composer,
        theme: options.theme,
        getClientSecretIsFunction:
          typeof (options.api && options.api.getClientSecret) === "function",
      };
      const getClientSecret = options.api.getClientSecret;
      (async () => {
        try {
          const first = await getClientSecret(null);
          record.secrets.push(first);
          const second = await getClientSecret(first);
          record.secrets.push(second);
        } catch (error) {
          record.errors.push(String((error && error.message) || error));
        }
        record.done = true;
      })();
    }
  }
  customElements.define("openai-chatkit", FakeChatKit);
})();
"""


def install_fake_chatkit(page: Page) -> None:
    page.route(
        CHATKIT_CDN,
        lambda route: route.fulfill(
            status=200, content_type="application/javascript", body=FAKE_CHATKIT_JS
        ),
    )


def block_chatkit(page: Page) -> None:
    """The CDN cannot be reached (offline, blocked by a proxy, not allowlisted)."""
    page.route(CHATKIT_CDN, lambda route: route.abort("internetdisconnected"))


def serve_chatkit_without_element(page: Page) -> None:
    """The script loads but never defines the element."""
    page.route(
        CHATKIT_CDN,
        lambda route: route.fulfill(
            status=200, content_type="application/javascript", body="/* nothing */"
        ),
    )


def shorten_chatkit_timeout(page: Page, milliseconds: int) -> None:
    """Rewrite the pages' data-load-timeout-ms, as a slow network test would configure it."""

    def rewrite(route: Route) -> None:
        response = route.fetch()
        body = re.sub(
            r'data-load-timeout-ms="\d+"', f'data-load-timeout-ms="{milliseconds}"', response.text()
        )
        route.fulfill(response=response, body=body)

    page.route(re.compile(r"^http://127\.0\.0\.1:\d+/(threads/[^/?]+)?(\?.*)?$"), rewrite)


def wait_until(page: Page, expression: str, timeout: float = 5.0) -> None:
    """Poll a JS expression (the pages' CSP forbids the eval behind `page.wait_for_function`)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(f"() => Boolean({expression})"):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} s: {expression}")
        page.wait_for_timeout(25)


def chatkit_settled(page: Page) -> dict[str, Any]:
    """What the stand-in recorded once it has asked for both secrets."""
    wait_until(page, "window.__chatkit && window.__chatkit.done")
    record: dict[str, Any] = page.evaluate("() => window.__chatkit")
    return record


def sign_in(page: Page, name: str = "Grace Hopper", path: str = "/") -> None:
    page.goto(path)
    page.get_by_role("button", name=f"Sign in as {name}").click()
    expect(page.get_by_test_id("user-name")).to_have_text(name)
