"""Upstream bodies of the wrong shape are refused with the field's path, never its value."""

from __future__ import annotations

from typing import Any

import pytest

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
