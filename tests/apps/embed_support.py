"""Host pages on other sites, a stand-in ChatKit that chats, and a browser that resolves them."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from playwright.sync_api import BrowserContext, Route

from testing.emulator import Emulator

#: Every name of the test sites is loopback; ports tell the servers apart.
HOST_RULES = "--host-resolver-rules=MAP *.example.test 127.0.0.1, MAP other.test 127.0.0.1"
BROWSER_FLAGS = (HOST_RULES, "--disable-features=HttpsUpgrades")
CHAT_HOST = "chat.example.test"
SAME_SITE_HOST = "www.example.test"
CROSS_SITE_HOST = "other.test"
EVENTS = ("chatkit-bff:ready", "chatkit-bff:signed-in", "chatkit-bff:thread-change")
FAKE_CONVERSATION = "https://api.openai.com/v1/chatkit/fake-conversation"

# Records the host page's events, from a file (the host page's CSP allows no inline script).
HOST_JS = """
(function () {
  var target = document.getElementById("chat");
  window.__events = [];
  EVENT_NAMES.forEach(function (name) {
    target.addEventListener(name, function (event) {
      window.__events.push({ type: event.type, detail: event.detail });
    });
  });
})();
""".replace("EVENT_NAMES", json.dumps(list(EVENTS)))

# The web component's stand-in: asks for a secret as ChatKit does, and "chats" on demand by
# sending the secret to the (intercepted) upstream, which starts a thread for that secret's user.
FAKE_CHATKIT_JS = """
(() => {
  class FakeChatKit extends HTMLElement {
    setOptions(options) {
      const element = this;
      window.__chatkit = { options: { initialThread: options.initialThread,
                                      startScreen: options.startScreen } };
      window.__chatkitSend = async (text) => {
        const secret = await options.api.getClientSecret(null);
        // A simple request (no preflight): the secret travels in the body.
        const response = await fetch("FAKE_CONVERSATION", {
          method: "POST",
          headers: { "Content-Type": "text/plain" },
          body: JSON.stringify({ secret: secret, text: text }),
        });
        const { thread_id } = await response.json();
        element.dispatchEvent(new CustomEvent("chatkit.thread.change",
          { detail: { threadId: thread_id } }));
        return thread_id;
      };
    }
  }
  customElements.define("openai-chatkit", FakeChatKit);
})();
""".replace("FAKE_CONVERSATION", FAKE_CONVERSATION)


def host_page(bff: str, app: str) -> str:
    """A product's page: the embed snippet, the CSP lines it needs, no inline script."""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Product page</title>
<link rel="stylesheet" href="/host.css"></head>
<body><h1>Help centre</h1>
<div id="chat"></div>
<script src="/host.js"></script>
<script src="{bff}/embed.js" data-app="{app}" data-target="#chat" data-title="Support chat"
  async></script>
</body></html>"""


def host_app(bff: Callable[[], str], app: str = "support") -> Callable[..., Any]:
    """A WSGI app for the product's site; its CSP admits the BFF's script and frame only."""

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        path = environ.get("PATH_INFO", "/")
        base = bff()
        if path == "/host.js":
            body, kind = HOST_JS, "text/javascript"
        elif path == "/host.css":
            body, kind = "#chat { width: 420px; height: 640px; }", "text/css"
        else:
            body, kind = host_page(base, app), "text/html"
        csp = f"default-src 'self'; script-src 'self' {base}; frame-src {base}"
        start_response(
            "200 OK",
            [("Content-Type", f"{kind}; charset=utf-8"), ("Content-Security-Policy", csp)],
        )
        return [body.encode()]

    return application


def stand_in_for_chatkit(context: BrowserContext, emulator: Emulator) -> list[dict[str, Any]]:
    """Serve the stand-in script; answer its chat call like the upstream would. Returns threads."""
    started: list[dict[str, Any]] = []
    context.route(
        "https://cdn.platform.openai.com/**",
        lambda route: route.fulfill(
            status=200, content_type="application/javascript", body=FAKE_CHATKIT_JS
        ),
    )

    def conversation(route: Route) -> None:
        body = json.loads(route.request.post_data or "{}")
        sessions = [s for s in emulator.sessions() if s["client_secret"] == body.get("secret")]
        if len(sessions) != 1:
            route.fulfill(status=401, json={"error": {"message": "unknown client secret"}})
            return
        text = str(body.get("text", ""))
        thread = emulator.seed_thread(
            sessions[0]["user"],
            title=text,
            items=[{"type": "chatkit.user_message", "content": text}],
        )
        started.append({**thread, "workflow": sessions[0]["workflow"]["id"]})
        route.fulfill(
            status=200,
            json={"thread_id": thread["id"]},
            headers={"Access-Control-Allow-Origin": "*"},
        )

    context.route(FAKE_CONVERSATION, conversation)
    return started
