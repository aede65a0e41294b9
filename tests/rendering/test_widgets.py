from __future__ import annotations

import json
import time
from typing import Any

import pytest
from markupsafe import Markup

from chatkit_bff.rendering.widgets import MAX_DEPTH, MAX_NODES, render_widget
from tests.rendering.html_inspect import assert_inert, parse_html


def render(widget: dict[str, Any]) -> str:
    return str(render_widget(json.dumps(widget)))


ORDER_CARD: dict[str, Any] = {
    "type": "Card",
    "size": "md",
    "status": {"text": "Shop", "favicon": "https://shop.example.com/favicon.ico"},
    "children": [
        {"type": "Title", "value": "Order #1042", "size": "lg", "weight": "bold"},
        {"type": "Caption", "value": "Placed yesterday"},
        {"type": "Divider"},
        {
            "type": "Row",
            "align": "center",
            "justify": "between",
            "gap": 2,
            "children": [
                {"type": "Icon", "name": "calendar"},
                {"type": "Text", "value": "Arrives Friday", "italic": True},
                {"type": "Spacer"},
                {"type": "Badge", "label": "Shipped", "color": "success", "pill": True},
            ],
        },
        {
            "type": "Col",
            "children": [
                {"type": "Markdown", "value": "**Tracking:** [link](https://track.example.com/1)"},
                {"type": "Image", "src": "https://cdn.example.com/box.png", "alt": "The parcel"},
            ],
        },
        {"type": "Box", "direction": "row", "children": [{"type": "Label", "value": "Notes"}]},
        {"type": "Button", "label": "Track parcel", "style": "primary", "submit": True},
    ],
    "confirm": {"label": "Confirm", "action": {"type": "confirm"}},
    "cancel": {"label": "Cancel", "action": {"type": "cancel"}},
}


def test_common_components_render_their_content() -> None:
    parsed = assert_inert(render(ORDER_CARD))
    for text in [
        "Shop", "Order #1042", "Placed yesterday", "Arrives Friday", "Shipped",
        "Tracking:", "link", "Notes", "Track parcel", "Confirm", "Cancel",
    ]:  # fmt: skip
        assert text in parsed.text
    assert parsed.with_class("w-card--md")
    assert parsed.with_class("w-title")[0].attrs["class"] == "w-title w-size-lg w-weight-bold"
    assert parsed.with_class("w-badge--success")
    assert parsed.with_class("w-justify-between")
    assert parsed.with_class("w-divider")
    assert parsed.find_all("img", src="https://cdn.example.com/box.png", alt="The parcel")
    assert parsed.find_all("a", href="https://track.example.com/1")


def test_buttons_are_inert() -> None:
    parsed = assert_inert(render(ORDER_CARD))
    buttons = parsed.find_all("button")
    assert len(buttons) == 3
    assert all(b.attrs["type"] == "button" and "disabled" in b.attrs for b in buttons)


def test_list_view_items_become_list_entries_and_lose_their_actions() -> None:
    widget = {
        "type": "ListView",
        "children": [
            {
                "type": "ListViewItem",
                "onClickAction": {"type": "open", "payload": {"url": "javascript:alert(1)"}},
                "children": [{"type": "Text", "value": f"Row {i}"}],
            }
            for i in range(3)
        ]
        + [{"type": "Text", "value": "Loose text"}],
    }
    html = render(widget)
    parsed = assert_inert(html)
    assert len(parsed.find_all("li")) == 4
    assert parsed.text == "Row 0 Row 1 Row 2 Loose text"
    assert "javascript" not in html
    assert "open" not in html


def test_form_controls_become_readable_text() -> None:
    widget = {
        "type": "Card",
        "asForm": True,
        "children": [
            {
                "type": "Form",
                "onSubmitAction": {"type": "submit"},
                "children": [
                    {
                        "type": "Input",
                        "name": "email",
                        "placeholder": "Email",
                        "defaultValue": "a@b.c",
                    },
                    {
                        "type": "Select",
                        "name": "size",
                        "options": [
                            {"value": "s", "label": "Small"},
                            {"value": "l", "label": "Large"},
                        ],
                        "defaultValue": "l",
                    },
                    {
                        "type": "Checkbox",
                        "name": "gift",
                        "label": "Gift wrap",
                        "defaultChecked": "true",
                    },
                    {"type": "Textarea", "name": "note"},
                    {
                        "type": "RadioGroup",
                        "name": "speed",
                        "options": [{"value": "x", "label": "Express"}],
                    },
                    {"type": "DatePicker", "name": "when"},
                ],
            }
        ],
    }
    parsed = assert_inert(render(widget))
    assert "Email a@b.c" in parsed.text
    assert "size Large" in parsed.text
    assert "Gift wrap Checked" in parsed.text
    assert "Not chosen (options: Express)" in parsed.text
    assert not parsed.find_all("form")
    assert not parsed.find_all("input")


def test_chart_is_shown_as_a_table_of_its_data() -> None:
    widget = {
        "type": "Chart",
        "data": [{"month": "Jan", "sales": 3}, {"month": "Feb", "sales": 5}],
        "series": [{"type": "bar", "dataKey": "sales", "label": "Sales"}],
        "xAxis": {"dataKey": "month"},
    }
    parsed = assert_inert(render(widget))
    assert parsed.text == "month Sales Jan 3 Feb 5"


def test_transition_shows_its_single_child() -> None:
    parsed = parse_html(render({"type": "Transition", "children": {"type": "Text", "value": "In"}}))
    assert parsed.text == "In"


def test_unknown_components_show_their_children_or_their_text() -> None:
    widget = {
        "type": "Card",
        "children": [
            {"type": "Carousel", "children": [{"type": "Text", "value": "Slide 1"}]},
            {"type": "Rating", "value": "4 stars"},
            {"type": "Sparkles"},
        ],
    }
    parsed = assert_inert(render(widget))
    assert "Slide 1" in parsed.text
    assert "4 stars" in parsed.text
    assert "Part of this widget cannot be shown." in parsed.text


@pytest.mark.parametrize("payload", ["{not json", "", "[1, 2, 3]", '"just a string"', "null", "42"])
def test_unreadable_payloads_fall_back_to_a_note_and_the_raw_text(payload: str) -> None:
    html = render_widget(payload)
    parsed = assert_inert(html)
    assert "This widget could not be shown." in parsed.text
    assert parsed.find_all("details")
    assert payload.strip() in parsed.text


def test_fallback_escapes_the_raw_text() -> None:
    html = render_widget('<script>alert(1)</script>{"type": ')
    parsed = assert_inert(html)
    assert "<script>alert(1)</script>" in parsed.text


def test_sizes_and_colours_only_map_to_known_classes() -> None:
    widget = {
        "type": "Card",
        "size": "huge; background:url(x)",
        "background": "url(javascript:alert(1))",
        "children": [
            {
                "type": "Text",
                "value": "styled",
                "color": "red;position:fixed;inset:0",
                "size": 'xl" style="color:red',
                "weight": "bold",
            },
            {"type": "Badge", "label": "b", "color": "expression(alert(1))"},
            {"type": "Box", "padding": "9999px", "width": "100vw", "background": "#f00"},
        ],
    }
    html = render(widget)
    parsed = assert_inert(html)
    for element in parsed.elements:
        for name in element.attrs.get("class", "").split():
            assert name.startswith("w-"), name
            assert all(ch.isalnum() or ch in "-_" for ch in name), name
    assert "url(" not in html
    assert "expression" not in html
    assert parsed.with_class("w-weight-bold")


def test_images_only_from_https() -> None:
    widget = {
        "type": "Card",
        "children": [
            {"type": "Image", "src": "javascript:alert(1)", "alt": "one"},
            {"type": "Image", "src": "data:image/svg+xml,<svg onload=alert(1)>", "alt": "two"},
            {"type": "Image", "src": "http://plain.example.com/x.png", "alt": "three"},
            {"type": "Image", "src": " https://x.example.com/a.png", "alt": "four"},
        ],
    }
    parsed = assert_inert(render(widget))
    assert not parsed.find_all("img")
    assert parsed.text.count("Image not shown") == 4


def nested_boxes(depth: int) -> str:
    return (
        '{"type": "Box", "children": [' * depth
        + '{"type": "Text", "value": "bottom"}'
        + "]}" * depth
    )


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 200])
def test_deep_nesting_is_cut_off_readably(depth: int) -> None:
    parsed = assert_inert(render_widget(nested_boxes(depth)))
    assert "bottom" not in parsed.text
    assert len(parsed.find_all("div")) <= MAX_DEPTH + 3
    assert "Part of this widget is too large to show." in parsed.text


def test_nesting_beyond_what_the_json_parser_takes_falls_back() -> None:
    started = time.perf_counter()
    parsed = assert_inert(render_widget(nested_boxes(100_000)))
    assert time.perf_counter() - started < 1.0
    assert "This widget could not be shown." in parsed.text


def test_moderate_nesting_within_the_limit_is_shown() -> None:
    node: dict[str, Any] = {"type": "Text", "value": "bottom"}
    for _ in range(MAX_DEPTH - 1):
        node = {"type": "Col", "children": [node]}
    assert parse_html(render(node)).text == "bottom"


def test_huge_widgets_are_bounded() -> None:
    widget = {
        "type": "ListView",
        "children": [
            {"type": "ListViewItem", "children": [{"type": "Text", "value": f"row {i}"}]}
            for i in range(5_000)
        ],
    }
    started = time.perf_counter()
    html = render_widget(json.dumps(widget))
    assert time.perf_counter() - started < 1.0
    parsed = assert_inert(html)
    assert len(parsed.find_all("li")) <= MAX_NODES
    assert "Part of this widget is too large to show." in parsed.text


def test_oversized_payload_is_not_parsed() -> None:
    payload = json.dumps({"type": "Text", "value": "x" * 1_000_000})
    parsed = assert_inert(render_widget(payload))
    assert "This widget could not be shown." in parsed.text
    assert len(parsed.text) < 10_000


def test_output_is_markup() -> None:
    assert isinstance(render_widget('{"type": "Text", "value": "a"}'), Markup)
