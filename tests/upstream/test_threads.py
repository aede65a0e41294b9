"""Listing, reading and deleting threads and their items."""

from __future__ import annotations

from typing import Any, Literal

import pytest

from chatkit_bff.upstream import (
    BadRequestError,
    ChatKitClient,
    InvalidIdentifierError,
    NotFoundError,
)

from .conftest import Emulator

Order = Literal["asc", "desc"]


def seed_threads(
    emulator: Emulator, user: str, count: int, start: int = 1_700_000_000
) -> list[str]:
    """Ids of `count` threads of `user`, oldest first, one minute apart."""
    return [
        emulator.seed_thread(user, title=f"{user} #{index}", created_at=start + 60 * index)["id"]
        for index in range(count)
    ]


def walk_threads(client: ChatKitClient, user: str, order: Order, limit: int) -> list[list[str]]:
    pages: list[list[str]] = []
    after: str | None = None
    while True:
        page = client.list_threads(user=user, limit=limit, order=order, after=after)
        ids = [thread["id"] for thread in page["data"]]
        assert page["object"] == "list"
        assert page["first_id"] == (ids[0] if ids else None)
        assert page["last_id"] == (ids[-1] if ids else None)
        pages.append(ids)
        if not page["has_more"]:
            return pages
        after = page["last_id"]


@pytest.mark.parametrize("order", ["asc", "desc"])
def test_thread_pages_walk_to_the_end(
    client: ChatKitClient, emulator: Emulator, order: Order
) -> None:
    oldest_first = seed_threads(emulator, "alice", 7)
    seed_threads(emulator, "bob", 3, start=1_700_000_030)

    pages = walk_threads(client, "alice", order, limit=3)

    expected = oldest_first if order == "asc" else list(reversed(oldest_first))
    assert pages == [expected[0:3], expected[3:6], expected[6:7]]


def test_threads_default_to_newest_first(client: ChatKitClient, emulator: Emulator) -> None:
    oldest_first = seed_threads(emulator, "alice", 3)
    page = client.list_threads(user="alice")
    assert [thread["id"] for thread in page["data"]] == list(reversed(oldest_first))
    assert page["has_more"] is False


def test_before_cursor_pages_backwards(client: ChatKitClient, emulator: Emulator) -> None:
    oldest_first = seed_threads(emulator, "alice", 5)
    page = client.list_threads(user="alice", order="asc", before=oldest_first[3], limit=2)
    assert [thread["id"] for thread in page["data"]] == oldest_first[1:3]
    assert page["has_more"] is True


def test_unknown_cursor_is_a_bad_request(client: ChatKitClient, emulator: Emulator) -> None:
    seed_threads(emulator, "alice", 2)
    with pytest.raises(BadRequestError) as caught:
        client.list_threads(user="alice", after="cthr_missing")
    assert caught.value.param == "after"


def test_limit_above_100_is_a_bad_request(client: ChatKitClient) -> None:
    with pytest.raises(BadRequestError) as caught:
        client.list_threads(user="alice", limit=101)
    assert caught.value.param == "limit"


def test_listing_only_ever_shows_one_users_threads(
    client: ChatKitClient, emulator: Emulator
) -> None:
    alice = seed_threads(emulator, "alice", 2)
    seed_threads(emulator, "bob", 2)

    page = client.list_threads(user="alice", limit=100)

    assert sorted(thread["id"] for thread in page["data"]) == sorted(alice)
    assert {thread["user"] for thread in page["data"]} == {"alice"}
    assert emulator.requests()[-1]["query"]["user"] == "alice"


@pytest.mark.parametrize("user", ["", "u" * 513])
def test_client_refuses_to_list_without_a_proper_user(
    client: ChatKitClient, emulator: Emulator, user: str
) -> None:
    with pytest.raises(ValueError, match="user"):
        client.list_threads(user=user)
    assert emulator.requests() == []


def test_client_cannot_list_without_a_user(client: ChatKitClient, emulator: Emulator) -> None:
    with pytest.raises(TypeError):
        client.list_threads()  # type: ignore[call-arg]
    assert emulator.requests() == []


def test_retrieve_thread(client: ChatKitClient, emulator: Emulator) -> None:
    seeded = emulator.seed_thread(
        "alice",
        title="Customer escalation",
        created_at=1_712_345_600,
        status={"type": "locked", "reason": "resolved"},
    )

    thread = client.retrieve_thread(seeded["id"])

    assert thread == {
        "id": seeded["id"],
        "object": "chatkit.thread",
        "created_at": 1_712_345_600,
        "title": "Customer escalation",
        "status": {"type": "locked", "reason": "resolved"},
        "user": "alice",
    }


def test_untitled_active_thread(client: ChatKitClient, emulator: Emulator) -> None:
    seeded = emulator.seed_thread("alice")
    thread = client.retrieve_thread(seeded["id"])
    assert thread["title"] is None
    assert thread["status"] == {"type": "active"}


def test_unknown_thread_is_not_found(client: ChatKitClient) -> None:
    with pytest.raises(NotFoundError) as caught:
        client.retrieve_thread("cthr_" + "0" * 48)
    assert caught.value.status == 404


@pytest.mark.parametrize("thread_id", ["", "..", "../sessions", "cthr_1/items", "cthr 1", "c?x=1"])
def test_malformed_thread_id_never_reaches_the_upstream(
    client: ChatKitClient, emulator: Emulator, thread_id: str
) -> None:
    for call in (client.retrieve_thread, client.delete_thread, client.list_items):
        with pytest.raises(InvalidIdentifierError):
            call(thread_id)
    assert emulator.requests() == []


def test_delete_thread_removes_it_and_its_items(client: ChatKitClient, emulator: Emulator) -> None:
    seeded = emulator.seed_thread(
        "alice", items=[{"type": "chatkit.user_message", "content": "hi"}]
    )

    deleted = client.delete_thread(seeded["id"])

    assert deleted == {"id": seeded["id"], "object": "chatkit.thread.deleted", "deleted": True}
    with pytest.raises(NotFoundError):
        client.retrieve_thread(seeded["id"])
    with pytest.raises(NotFoundError):
        client.list_items(seeded["id"])
    with pytest.raises(NotFoundError):
        client.delete_thread(seeded["id"])


EVERY_ITEM_TYPE: list[dict[str, Any]] = [
    {
        "type": "chatkit.user_message",
        "content": [
            {"type": "quoted_text", "text": "earlier answer"},
            {"type": "input_text", "text": "Why?"},
        ],
        "attachments": [
            {
                "id": "atc_1",
                "type": "image",
                "name": "chart.png",
                "mime_type": "image/png",
                "preview_url": "https://example.test/chart.png",
            }
        ],
        "inference_options": {"model": "gpt-5", "tool_choice": {"id": "search"}},
    },
    {
        "type": "chatkit.assistant_message",
        "content": [
            {
                "type": "output_text",
                "text": "Because **reasons**.",
                "annotations": [
                    {"type": "file", "source": {"type": "file", "filename": "report.pdf"}},
                    {"type": "url", "source": {"type": "url", "url": "https://example.test"}},
                ],
            }
        ],
    },
    {"type": "chatkit.widget", "widget": '{"type": "Card", "children": []}'},
    {
        "type": "chatkit.client_tool_call",
        "call_id": "call_1",
        "name": "get_weather",
        "arguments": '{"city": "Paris"}',
        "output": None,
        "status": "in_progress",
    },
    {"type": "chatkit.task", "task_type": "thought", "heading": "Thinking", "summary": None},
    {
        "type": "chatkit.task_group",
        "tasks": [
            {"type": "custom", "heading": "Search", "summary": "3 results"},
            {"type": "thought", "heading": None, "summary": None},
        ],
    },
]


def test_items_of_every_type_arrive_typed(client: ChatKitClient, emulator: Emulator) -> None:
    items = [
        {**item, "created_at": 1_700_000_000 + index} for index, item in enumerate(EVERY_ITEM_TYPE)
    ]
    seeded = emulator.seed_thread("alice", items=items)

    page = client.list_items(seeded["id"], order="asc")

    assert [item["type"] for item in page["data"]] == [item["type"] for item in EVERY_ITEM_TYPE]
    for sent, received in zip(items, page["data"], strict=True):
        assert received["object"] == "chatkit.thread_item"
        assert received["thread_id"] == seeded["id"]
        assert received["id"].startswith("cthi_")
        for key, value in sent.items():
            assert received[key] == value  # type: ignore[literal-required]


@pytest.mark.parametrize("order", ["asc", "desc"])
def test_item_pages_walk_to_the_end(
    client: ChatKitClient, emulator: Emulator, order: Order
) -> None:
    messages = [
        {
            "type": "chatkit.user_message",
            "content": f"message {index}",
            "created_at": 1_700_000_000 + index,
        }
        for index in range(8)
    ]
    seeded = emulator.seed_thread("alice", items=messages)

    texts: list[str] = []
    after: str | None = None
    pages = 0
    while True:
        page = client.list_items(seeded["id"], order=order, limit=3, after=after)
        pages += 1
        for item in page["data"]:
            assert item["type"] == "chatkit.user_message"
            texts.append(item["content"][0]["text"])
        if not page["has_more"]:
            break
        after = page["last_id"]

    expected = [f"message {index}" for index in range(8)]
    assert texts == (expected if order == "asc" else list(reversed(expected)))
    assert pages == 3
