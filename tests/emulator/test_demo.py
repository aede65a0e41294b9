"""The demo conversations seed cleanly and cover every item type and optional field."""

from __future__ import annotations

import json
from typing import Any

import openai
import requests

from testing.items import KINDS

from .conftest import Emulator, assert_complete


def seeded_demo(emulator: Emulator) -> list[dict[str, Any]]:
    return emulator.seed_demo("oidc|user-1", "Ada Lovelace")


def all_items(emulator: Emulator, threads: list[dict[str, Any]]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for thread in threads:
        page = emulator.api(
            "GET", f"/chatkit/threads/{thread['id']}/items", params={"limit": 100, "order": "asc"}
        ).json()
        assert page["has_more"] is False
        items += page["data"]
    return items


def test_demo_threads_cover_every_thread_status_and_an_untitled_one(emulator: Emulator) -> None:
    threads = seeded_demo(emulator)
    assert {thread["user"] for thread in threads} == {"oidc|user-1"}
    assert {thread["status"]["type"] for thread in threads} == {"active", "locked", "closed"}
    assert None in [thread["title"] for thread in threads]
    assert any(thread["status"].get("reason") for thread in threads)


def test_demo_items_cover_every_type_and_field(emulator: Emulator) -> None:
    items = all_items(emulator, seeded_demo(emulator))
    types = {item["type"] for item in items}
    assert types == set(KINDS)  # every item type there is
    users = [item for item in items if item["type"] == "chatkit.user_message"]
    assert {part["type"] for item in users for part in item["content"]} == {
        "input_text",
        "quoted_text",
    }
    attachments = [file for item in users for file in item["attachments"]]
    assert {file["type"] for file in attachments} == {"image", "file"}
    assert {file["preview_url"] is None for file in attachments} == {True, False}
    options = [item["inference_options"] for item in users if item["inference_options"]]
    assert any(option["model"] for option in options)
    assert any(option["tool_choice"] for option in options)

    texts = [
        part
        for item in items
        if item["type"] == "chatkit.assistant_message"
        for part in item["content"]
    ]
    assert {note["type"] for part in texts for note in part["annotations"]} == {"file", "url"}
    markdown = "\n".join(part["text"] for part in texts)
    for construct in ("\n- ", "\n1. ", "```python", "| ---", "](https://", "**", "> "):
        assert construct in markdown.replace("|-", "| -"), construct

    tool_calls = [item for item in items if item["type"] == "chatkit.client_tool_call"]
    assert {call["status"] for call in tool_calls} == {"in_progress", "completed"}
    tasks = [item for item in items if item["type"] == "chatkit.task"]
    assert {task["task_type"] for task in tasks} == {"custom", "thought"}
    groups = [item for item in items if item["type"] == "chatkit.task_group"]
    assert {task["type"] for group in groups for task in group["tasks"]} == {"custom", "thought"}


def test_demo_widget_is_a_serialized_card_with_the_common_components(emulator: Emulator) -> None:
    items = all_items(emulator, seeded_demo(emulator))
    [widget_item] = [item for item in items if item["type"] == "chatkit.widget"]
    widget = json.loads(widget_item["widget"])
    assert widget["type"] == "Card"

    def component_types(node: Any) -> set[str]:
        found = {node["type"]} if isinstance(node, dict) and "type" in node else set()
        children = node.get("children", []) if isinstance(node, dict) else []
        for child in children:
            found |= component_types(child)
        return found

    assert {"Title", "Text", "ListView", "ListViewItem", "Button", "Badge", "Image"} <= (
        component_types(widget)
    )


def test_demo_threads_parse_completely_with_the_sdk(emulator: Emulator, sdk: openai.OpenAI) -> None:
    seeded_demo(emulator)
    threads = list(sdk.beta.chatkit.threads.list(user="oidc|user-1"))
    assert len(threads) == 6
    for thread in threads:
        assert_complete(thread)
        for item in sdk.beta.chatkit.threads.list_items(thread.id, limit=100):
            assert_complete(item, f"{thread.title}:{item.type}")


def test_display_name_greets_the_user(emulator: Emulator) -> None:
    items = all_items(emulator, emulator.seed_demo("u", 'Grace "Amazing" Hopper'))
    texts = [part["text"] for item in items for part in item.get("content", [])]
    assert any(text.startswith("Hi Grace! ") for text in texts)
    assert any(text.startswith("Hello Grace! ") for text in texts)
    assert "{first_name}" not in json.dumps(items)


def test_without_a_display_name_the_user_is_greeted_generically(emulator: Emulator) -> None:
    texts = json.dumps(all_items(emulator, emulator.seed_demo("u")))
    assert "Hi there! " in texts


def test_demo_threads_start_in_the_past_of_the_emulator_clock(emulator: Emulator) -> None:
    now = emulator.control("GET", "/clock")["now"]
    threads = emulator.seed_demo("u", "Ada")
    created = [thread["created_at"] for thread in threads]
    assert created == sorted(created)
    assert now - 10 * 86_400 < created[0]
    assert created[-1] < now
    items = all_items(emulator, threads)
    assert all(now - 10 * 86_400 < item["created_at"] <= now for item in items)


def test_demo_needs_a_user(emulator: Emulator) -> None:
    response = requests.post(f"{emulator.url}/_emulator/demo", json={}, timeout=10)
    assert response.status_code == 400
    assert "user" in response.json()["error"]["message"]
    assert emulator.api("GET", "/chatkit/threads", params={"user": "u"}).json()["data"] == []
