"""Every item type through the transcript renderer, as a reader of the page would see it."""

from __future__ import annotations

import pytest

from tests.rendering import factories as f
from tests.rendering.conftest import RenderItems
from tests.rendering.html_inspect import assert_inert, parse_html


def test_each_item_is_an_article_with_id_label_and_time(render_items: RenderItems) -> None:
    parsed = parse_html(render_items(f.user_message(item_id="cthi_1")))
    (article,) = parsed.find_all("article")
    assert article.attrs["id"] == "cthi_1"
    assert article.attrs["class"] == "item item--user_message"
    assert article.attrs["aria-label"] == "Your message"
    (time_element,) = parsed.find_all("time")
    assert time_element.attrs["datetime"] == "2024-04-05T19:33:20Z"
    assert "5 Apr 2024, 19:33 UTC" in parsed.text


def test_user_message_text_quote_model_and_attachments(render_items: RenderItems) -> None:
    item = f.user_message(
        "Can you check\nthis invoice?",
        quoted="Total: 42 EUR",
        model="gpt-5",
        attachments=[
            f.attachment(
                "scan.png",
                kind="image",
                mime_type="image/png",
                preview_url="https://cdn.example.com/s.png",
            ),
            f.attachment("invoice.pdf"),
            f.attachment(
                "tracker.png", kind="image", mime_type="image/png", preview_url="http://x/t.png"
            ),
        ],
    )
    parsed = assert_inert(render_items(item))
    assert "Can you check this invoice?" in parsed.text
    assert parsed.find_all("blockquote")
    assert "Total: 42 EUR" in parsed.text
    assert "Model: gpt-5" in parsed.text
    (img,) = parsed.find_all("img")
    assert img.attrs == {
        "src": "https://cdn.example.com/s.png",
        "alt": "scan.png",
        "loading": "lazy",
        "decoding": "async",
        "referrerpolicy": "no-referrer",
    }
    assert "invoice.pdf application/pdf" in parsed.text
    assert "tracker.png image/png" in parsed.text  # shown as a chip, not loaded


def test_assistant_message_markdown_and_numbered_sources(render_items: RenderItems) -> None:
    item = f.assistant_message(
        "The **answer** is in the docs.",
        "More detail.",
        annotations=[
            f.url_annotation("https://docs.example.com/a"),
            f.file_annotation("handbook.pdf"),
            f.url_annotation("https://docs.example.com/a"),
        ],
    )
    parsed = assert_inert(render_items(item))
    assert parsed.find_all("strong")
    assert "The answer is in the docs. More detail." in parsed.text
    assert parsed.find_all("ol", class_="sources")
    (link,) = [
        a for a in parsed.find_all("a") if a.attrs.get("href") == "https://docs.example.com/a"
    ]
    assert link.attrs["target"] == "_blank"
    assert set(link.attrs["rel"].split()) >= {"noopener", "noreferrer"}
    assert len(parsed.find_all("li", class_="source source--url")) == 1
    assert "handbook.pdf" in parsed.text


def test_assistant_message_without_sources_has_no_list(render_items: RenderItems) -> None:
    parsed = parse_html(render_items(f.assistant_message("Just text")))
    assert not parsed.find_all("ol")


def test_widget_item(render_items: RenderItems) -> None:
    widget = {"type": "Card", "children": [{"type": "Title", "value": "Trip to Lisbon"}]}
    parsed = assert_inert(render_items(f.widget_item(widget)))
    assert parsed.find_all("article", class_="item item--widget")
    assert "Trip to Lisbon" in parsed.text


def test_broken_widget_item_falls_back(render_items: RenderItems) -> None:
    parsed = assert_inert(render_items(f.widget_item("{oops")))
    assert "This widget could not be shown." in parsed.text
    assert "{oops" in parsed.text


def test_tool_call_in_progress(render_items: RenderItems) -> None:
    parsed = assert_inert(render_items(f.tool_call("get_weather")))
    (article,) = parsed.find_all("article")
    assert article.attrs["aria-label"] == "Tool call get_weather"
    assert "get_weather" in parsed.text
    assert "Running" in parsed.text
    assert "No output yet." in parsed.text
    assert parsed.find_all("details")
    assert '"city": "Lisbon"' in parsed.text


def test_tool_call_completed_shows_pretty_output(render_items: RenderItems) -> None:
    item = f.tool_call(output='{"temp":21,"sky":"clear"}', status="completed")
    html = render_items(item)
    parsed = assert_inert(html)
    assert "Completed" in parsed.text
    assert parsed.find_all("span", class_="status-badge status-badge--completed")
    assert '{\n  "temp": 21,\n  "sky": "clear"\n}' in html.replace("&#34;", '"')


def test_tool_call_with_non_json_arguments_shows_them_raw(render_items: RenderItems) -> None:
    parsed = assert_inert(render_items(f.tool_call(arguments="city=Lisbon")))
    assert "city=Lisbon" in parsed.text


def test_task_with_summary_is_collapsible(render_items: RenderItems) -> None:
    parsed = assert_inert(
        render_items(
            f.task("Reading the manual", "Found **three** relevant pages.", task_type="thought")
        )
    )
    assert parsed.find_all("details", class_="task")
    assert "Thought Reading the manual" in parsed.text
    assert parsed.find_all("strong")


def test_task_without_summary(render_items: RenderItems) -> None:
    parsed = assert_inert(render_items(f.task("Searching", None)))
    assert not parsed.find_all("details")
    assert "Task Searching" in parsed.text


def test_task_group_lists_its_tasks(render_items: RenderItems) -> None:
    item = f.task_group(
        f.group_task("Search flights"),
        f.group_task("Compare prices", "Cheapest on *Tuesday*", kind="thought"),
    )
    parsed = assert_inert(render_items(item))
    assert parsed.find_all("details", class_="item__body task-group")
    assert "2 steps" in parsed.text
    assert "Search flights" in parsed.text
    assert "Compare prices" in parsed.text
    assert parsed.find_all("em")


def test_unknown_item_types_say_so(render_items: RenderItems) -> None:
    parsed = assert_inert(
        render_items({"id": "cthi_x", "type": "chatkit.hologram", "created_at": 1})
    )
    assert "cannot be shown here" in parsed.text


@pytest.mark.parametrize(
    "item",
    [
        {"type": "chatkit.user_message", "content": "not a list", "attachments": 5},
        {"type": "chatkit.user_message", "content": [None, 3, {"type": "input_text"}]},
        {"type": "chatkit.assistant_message", "content": [{"type": "output_text", "text": 7}]},
        {"type": "chatkit.widget", "widget": None},
        {"type": "chatkit.widget", "widget": {"type": "Text", "value": "parsed already"}},
        {"type": "chatkit.client_tool_call"},
        {"type": "chatkit.task_group", "tasks": "nope"},
        {"type": "chatkit.task", "task_type": None, "heading": None, "summary": None},
        {},
    ],
)
def test_malformed_items_render_without_errors(
    render_items: RenderItems, item: dict[str, object]
) -> None:
    assert_inert(render_items(item))


def test_a_mixed_transcript_renders_in_order(render_items: RenderItems) -> None:
    html = render_items(
        f.user_message("Question?", item_id="cthi_1"),
        f.task("Looking", item_id="cthi_2"),
        f.assistant_message("Answer.", item_id="cthi_3"),
    )
    parsed = assert_inert(html)
    assert [a.attrs["id"] for a in parsed.find_all("article")] == ["cthi_1", "cthi_2", "cthi_3"]


def test_ids_that_could_clobber_page_names_are_left_out(render_items: RenderItems) -> None:
    parsed = parse_html(render_items(f.user_message(item_id="csrf_token")))
    (article,) = parsed.find_all("article")
    assert "id" not in article.attrs
