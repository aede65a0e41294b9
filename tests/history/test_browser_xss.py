"""Hostile upstream data on the chat pages, in a real browser: no script ever runs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from testing.emulator import Emulator
from tests.history.browser_support import install_fake_chatkit, sign_in

pytestmark = pytest.mark.browser

RUN = "window.__xss=1"
PAYLOADS = [
    f"<script>{RUN}</script>",
    f'<img src=x onerror="{RUN};alert(1)">',
    f'"><svg onload="{RUN}">',
    f"'><img src=x onerror={RUN}>",
    f"javascript:{RUN}",
    f" JaVaScRiPt:{RUN}",
    f"</title></textarea><script>{RUN}</script>",
    '<iframe srcdoc="<script>parent.__xss=1</script>"></iframe>',
    f'<a href="javascript:{RUN}">click me</a>',
    f"<details open ontoggle={RUN}>",
]


def hostile_items(p: str) -> list[dict[str, Any]]:
    """The payload in every field a transcript shows."""
    js_url = f"javascript:{RUN}"
    return [
        {
            "type": "chatkit.user_message",
            "content": [{"type": "input_text", "text": p}, {"type": "quoted_text", "text": p}],
            "attachments": [
                {"type": "file", "name": p, "mime_type": p},
                {"type": "image", "name": p, "mime_type": "image/png", "preview_url": js_url},
                {"type": "image", "name": p, "mime_type": "image/png", "preview_url": p},
            ],
            "inference_options": {"model": p, "tool_choice": None},
        },
        {
            "type": "chatkit.assistant_message",
            "content": [
                {
                    "type": "output_text",
                    "text": f"{p}\n\n[click]({js_url}) ![img]({js_url}) <{js_url}>",
                    "annotations": [
                        {"type": "url", "source": {"type": "url", "url": js_url}},
                        {"type": "url", "source": {"type": "url", "url": p}},
                        {"type": "file", "source": {"type": "file", "filename": p}},
                    ],
                }
            ],
        },
        {
            "type": "chatkit.widget",
            "widget": {
                "type": "Card",
                "status": {"text": p, "favicon": js_url},
                "children": [
                    {"type": "Title", "value": p},
                    {"type": "Text", "value": p, "color": p},
                    {"type": "Markdown", "value": f"[link]({js_url}) {p}"},
                    {"type": "Image", "src": js_url, "alt": p},
                    {"type": "Button", "label": p, "onClickAction": {"type": p, "payload": {}}},
                    {"type": p, "value": p},
                ],
            },
        },
        {
            "type": "chatkit.client_tool_call",
            "name": p,
            "call_id": "call_x",
            "arguments": p,
            "output": {"html": p},
            "status": "completed",
        },
        {"type": "chatkit.task", "task_type": "thought", "heading": p, "summary": p},
        {
            "type": "chatkit.task_group",
            "tasks": [{"type": "custom", "heading": p, "summary": f"[x]({js_url}) {p}"}],
        },
    ]


# Everything a browser could run: a javascript: URL anywhere, an event-handler attribute,
# a frame, or a script element other than the page's own three.
INSPECT_DOM = """() => {
  const found = [];
  const hostile = (value) =>
    /^\\s*javascript:/i.test((value || "").replace(/[\\u0000-\\u0020]/g, ""));
  for (const el of document.querySelectorAll("*")) {
    for (const attr of el.attributes) {
      if (attr.name.toLowerCase().startsWith("on")) found.push(`${el.tagName} ${attr.name}`);
      if (["href", "src", "action", "formaction", "srcdoc", "xlink:href"].includes(attr.name)
          && hostile(attr.value)) found.push(`${el.tagName} ${attr.name}=${attr.value}`);
    }
    if (["IFRAME", "FRAME", "OBJECT", "EMBED"].includes(el.tagName)) found.push(el.tagName);
  }
  const scripts = [...document.scripts].map((s) => s.src || s.type || "inline");
  return { found, scripts, xss: window.__xss === undefined ? null : window.__xss };
}"""


@pytest.fixture
def guarded(page: Page) -> Iterator[Page]:
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    yield page
    assert dialogs == []


def assert_inert(page: Page, *, scripts: int = 3) -> None:
    page.wait_for_load_state("load")
    page.wait_for_timeout(150)  # leave time for any error/load handler to fire
    result = page.evaluate(INSPECT_DOM)
    assert result["xss"] is None
    assert result["found"] == []
    assert len(result["scripts"]) == scripts, result["scripts"]
    assert "inline" not in result["scripts"]


def test_hostile_titles_texts_links_widgets_and_names_run_no_script(
    guarded: Page, emulator: Emulator, grace_id: str
) -> None:
    page = guarded
    threads = [
        {
            "user": grace_id,
            "title": payload,
            "status": {"type": "locked", "reason": payload},
            "created_at": 1_750_000_000 + n,
            "items": hostile_items(payload),
        }
        for n, payload in enumerate(PAYLOADS)
    ]
    seeded = emulator.seed(threads)
    install_fake_chatkit(page)

    sign_in(page)
    expect(page.locator(".thread-link")).to_have_count(len(PAYLOADS))
    # Titles show as text, exactly as sent.
    assert sorted(page.locator(".thread-link__title").all_inner_texts()) == sorted(
        p.strip() for p in PAYLOADS
    )
    assert_inert(page)

    for thread in seeded:
        page.goto(f"/threads/{thread['id']}")
        expect(page.locator("article.item")).to_have_count(6)
        assert_inert(page)
        page.goto(f"/threads/{thread['id']}/delete")
        assert_inert(page, scripts=0)
