"""Hostile upstream data in every field the transcript shows: the output must stay inert."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from chatkit_bff.rendering.markdown import render_markdown
from tests.rendering import factories as f
from tests.rendering.conftest import RenderItems
from tests.rendering.html_inspect import assert_inert

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
    "'><svg/onload=alert(1)>",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "jav&#x09;ascript:alert(1)",
    "jav\tascript:alert(1)",
    " \x01javascript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    '<a href="javascript:alert(1)">x</a>',
    "<iframe src=javascript:alert(1)></iframe>",
    "<style>*{display:none}</style>",
    "</pre></details></article><script>alert(1)</script>",
    "-->\u202e<!--<script>alert(1)</script>",
    "{{ 7*7 }}{% raw %}",
    "red;background:url(javascript:alert(1))",
]

MARKDOWN_PAYLOADS = [
    "[click](javascript:alert(1))",
    "[click](jav&#x09;ascript:alert(1))",
    "[click](JAVASCRIPT:alert(1))",
    "[click](%6Aavascript:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD4=)",
    "[click](vbscript:msgbox(1))",
    "[click](&#106;avascript:alert(1))",
    "![x](javascript:alert(1))",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    '![x](https://x.example/a.png "t\\" onerror=\\"alert(1)")',
    '[x](https://a.example "a\\" onmouseover=\\"alert(1)")',
    "<javascript:alert(1)>",
    "[a]: javascript:alert(1)\n\n[a]",
    "<img src=x onerror=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "```\n</code><script>alert(1)</script>\n```",
    "<details open ontoggle=alert(1)>",
    "| a |\n|---|\n| <img src=x onerror=alert(1)> |",
    *PAYLOADS,
]


def hostile_widget(p: str) -> dict[str, Any]:
    """A widget with the payload in every field a component has, and as type names."""
    return {
        "type": "Card",
        "size": p,
        "background": p,
        "padding": p,
        "status": {"text": p, "favicon": p, "icon": p},
        "confirm": {"label": p, "action": {"type": p}},
        "children": [
            {"type": "Title", "value": p, "color": p, "size": p, "weight": p},
            {"type": "Text", "value": p, "color": p, "textAlign": p},
            {"type": "Caption", "value": p},
            {"type": "Markdown", "value": f"[link]({p}) {p}"},
            {"type": "Image", "src": p, "alt": p},
            {"type": "Badge", "label": p, "color": p, "variant": p},
            {"type": "Button", "label": p, "onClickAction": {"type": p, "payload": {"u": p}}},
            {"type": "Icon", "name": p},
            {
                "type": "ListView",
                "children": [
                    {
                        "type": "ListViewItem",
                        "onClickAction": {"type": "open_url", "payload": {"url": p}},
                        "gap": p,
                        "align": p,
                        "children": [{"type": "Text", "value": p}],
                    }
                ],
            },
            {"type": "Box", "direction": p, "gap": p, "children": [{"type": p, "value": p}]},
            {"type": "Input", "name": p, "placeholder": p, "defaultValue": p},
            {"type": "Select", "name": p, "options": [{"value": p, "label": p}]},
            {"type": "Chart", "data": [{p: p}], "series": [{"dataKey": p, "label": p}], "xAxis": p},
            {"type": p, "children": [{"type": "Text", "value": p}]},
        ],
    }


def hostile_items(p: str) -> list[dict[str, Any]]:
    md = f"{p} [link]({p}) ![img]({p})"
    return [
        f.user_message(
            p,
            quoted=p,
            model=p,
            item_id=p,
            attachments=[
                f.attachment(p, kind="image", mime_type=p, preview_url=p),
                f.attachment(p, mime_type=p, preview_url=p),
            ],
        ),
        f.assistant_message(md, annotations=[f.url_annotation(p), f.file_annotation(p)]),
        f.widget_item(hostile_widget(p)),
        f.widget_item(p),
        f.tool_call(p, arguments=p, output=json.dumps({"html": p}), status=p),
        f.tool_call(p, arguments=json.dumps({"x": p}), output=p, status="completed"),
        f.task(p, md, task_type=p),
        f.task_group(f.group_task(p, md, kind=p)),
        {"id": p, "type": p, "created_at": p},
    ]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_every_item_field_stays_inert(render_items: RenderItems, payload: str) -> None:
    html = render_items(*hostile_items(payload))
    parsed = assert_inert(html)
    assert len(parsed.find_all("article")) == 9


@pytest.mark.parametrize("payload", MARKDOWN_PAYLOADS)
def test_markdown_stays_inert(payload: str) -> None:
    assert_inert(render_markdown(payload))


@pytest.mark.parametrize("payload", MARKDOWN_PAYLOADS)
def test_markdown_inside_assistant_messages_and_tasks_stays_inert(
    render_items: RenderItems, payload: str
) -> None:
    assert_inert(
        render_items(
            f.assistant_message(payload),
            f.task("t", payload),
            f.widget_item({"type": "Markdown", "value": payload}),
        )
    )


def test_template_syntax_in_data_is_shown_not_run(render_items: RenderItems) -> None:
    parsed = assert_inert(render_items(f.user_message("{{ 7*7 }} {% if true %}x{% endif %}")))
    assert "{{ 7*7 }} {% if true %}x{% endif %}" in parsed.text
    assert "49" not in parsed.text


@pytest.mark.parametrize(
    ("make_item", "place"),
    [
        (lambda p: f.user_message(p), "user text"),
        (lambda p: f.user_message("x", attachments=[f.attachment(p)]), "attachment name"),
        (lambda p: f.tool_call(p), "tool name"),
        (lambda p: f.task(p), "task heading"),
        (lambda p: f.widget_item({"type": "Title", "value": p}), "widget title"),
    ],
)
def test_hostile_text_is_still_readable(
    render_items: RenderItems, make_item: Callable[[str], dict[str, Any]], place: str
) -> None:
    payload = '"><svg onload=alert(1)>'
    parsed = assert_inert(render_items(make_item(payload)))
    assert payload in parsed.text, place
