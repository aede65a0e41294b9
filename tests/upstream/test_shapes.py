"""Upstream bodies of the wrong shape are refused with the field's path, never its value."""

from __future__ import annotations

from typing import Any

import pytest

from chatkit_bff.rendering import render_items
from chatkit_bff.upstream import UpstreamProtocolError
from chatkit_bff.upstream.shapes import chatkit_thread, list_page, thread_item


def item(**fields: Any) -> dict[str, Any]:
    body = {
        "object": "chatkit.thread_item",
        "id": "cthi_1",
        "thread_id": "cthr_1",
        "type": "chatkit.user_message",
        "created_at": 1_700_000_000,
        "content": [{"type": "input_text", "text": "hello"}],
        "inference_options": None,
    }
    body.update(fields)
    return body


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (item(created_at=True), r"item\.created_at is not an integer"),
        (item(created_at="1700000000"), r"item\.created_at is not an integer"),
        (item(id=None), r"item\.id is not a string"),
        (item(content=["secret-text"]), r"item\.content\[0\] is not a JSON object"),
        (item(content=[{"type": "input_text"}]), r"item\.content\[0\]\.text is missing"),
        (item(inference_options=[]), r"item\.inference_options is not a null or object"),
    ],
)
def test_a_wrong_field_is_named_by_its_path(body: dict[str, Any], problem: str) -> None:
    with pytest.raises(UpstreamProtocolError, match=problem) as caught:
        thread_item(body)
    assert "secret-text" not in str(caught.value)


def test_absent_nullable_fields_are_filled_with_null() -> None:
    thread = chatkit_thread(
        {"object": "chatkit.thread", "id": "cthr_1", "user": "u", "created_at": 1,
         "status": {"type": "active"}}
    )  # fmt: skip
    page = list_page({"object": "list", "data": [item()], "has_more": False}, thread_item)

    assert thread["title"] is None
    assert (page["first_id"], page["last_id"]) == (None, None)
    assert page["data"][0]["attachments"] == []


def test_an_item_in_a_page_is_named_by_its_place() -> None:
    body = {"object": "list", "data": [item(), item(thread_id=7)], "has_more": False}
    with pytest.raises(UpstreamProtocolError, match=r"list\.data\[1\]\.thread_id is not a string"):
        list_page(body, thread_item)


def _later_kinds() -> list[dict[str, Any]]:
    """Items carrying kinds the API reference does not list yet (ChatKit's SDK has them)."""
    return [
        item(
            content=[{"type": "input_tag", "id": "tag_1", "text": "@Quarterly report"}],
            attachments=[
                {"id": "atc_1", "type": "audio", "name": "memo.m4a", "mime_type": "audio/mp4",
                 "preview_url": None}
            ],
        ),
        item(
            id="cthi_2", type="chatkit.assistant_message",
            content=[{"type": "output_text", "text": "The report says **yes**.",
                      "annotations": [{"type": "entity", "source": {"type": "entity"}}]}],
        ),
        item(id="cthi_3", type="chatkit.task", task_type="web_search",
             heading="Searched the web", summary=None),
        item(id="cthi_4", type="chatkit.task_group",
             tasks=[{"type": "file", "heading": "Read memo.m4a", "summary": None}]),
        item(id="cthi_5", type="chatkit.client_tool_call", call_id="call_1", name="lookup",
             arguments="{}", output=None, status="incomplete"),
    ]  # fmt: skip


def test_kinds_added_upstream_pass_and_the_conversation_stays_readable() -> None:
    body = {"object": "list", "data": _later_kinds(), "has_more": False}
    page = list_page(body, thread_item)
    html = render_items(page["data"])
    for text in ("@Quarterly report", "memo.m4a", "<strong>yes</strong>", "Searched the web",
                 "Read memo.m4a", "lookup", "Incomplete"):  # fmt: skip
        assert text in html
    assert "Running" not in html  # the tool call's status is said as it is


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (item(content=[{"type": 3, "text": "x"}]), r"item\.content\[0\]\.type is not a string"),
        (
            item(type="chatkit.task", task_type=None, heading=None, summary=None),
            r"item\.task_type is not a string",
        ),
        (
            item(
                type="chatkit.client_tool_call",
                call_id="c",
                name="n",
                arguments="{}",
                output=None,
                status=["done"],
            ),
            r"item\.status is not a string",
        ),
    ],
)
def test_a_kind_must_still_be_a_string(body: dict[str, Any], problem: str) -> None:
    with pytest.raises(UpstreamProtocolError, match=problem):
        thread_item(body)


def test_a_thread_status_added_upstream_passes() -> None:
    thread = chatkit_thread(
        {"object": "chatkit.thread", "id": "cthr_1", "user": "u", "created_at": 1,
         "status": {"type": "archived", "reason": None}, "title": "T"}
    )  # fmt: skip
    assert thread["status"]["type"] == "archived"
