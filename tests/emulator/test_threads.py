"""Listing, retrieving and deleting threads and their items, over the wire."""

from __future__ import annotations

import re
from typing import Any

import pytest

from .conftest import Emulator

THREAD_FIELDS = {"id", "object", "created_at", "title", "status", "user"}
PAGE_FIELDS = {"object", "data", "first_id", "last_id", "has_more"}


def get_page(emulator: Emulator, path: str, **query: Any) -> dict[str, Any]:
    response = emulator.api("GET", path, params=query)
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    assert set(page) == PAGE_FIELDS
    assert page["object"] == "list"
    ids = [entry["id"] for entry in page["data"]]
    assert page["first_id"] == (ids[0] if ids else None)
    assert page["last_id"] == (ids[-1] if ids else None)
    return page


def walk(emulator: Emulator, path: str, **query: Any) -> tuple[list[str], int]:
    """Follow ``after=last_id`` until ``has_more`` is false; the ids seen and pages fetched."""
    seen: list[str] = []
    pages = 0
    after = None
    while True:
        page = get_page(emulator, path, **query, **({"after": after} if after else {}))
        pages += 1
        seen += [entry["id"] for entry in page["data"]]
        if not page["has_more"]:
            return seen, pages
        after = page["last_id"]


@pytest.fixture
def five_threads(emulator: Emulator) -> list[str]:
    """Oldest first; two share a timestamp, so insertion order must break the tie."""
    stamps = [100, 200, 200, 300, 400]
    return [
        emulator.seed_thread(user="alice", title=f"T{n}", created_at=stamp)["id"]
        for n, stamp in enumerate(stamps)
    ]


def test_seeded_thread_has_the_upstream_shape(emulator: Emulator) -> None:
    created = emulator.seed_thread(user="alice", title="Hello")
    assert set(created) == THREAD_FIELDS
    assert re.fullmatch(r"cthr_[0-9a-f]{48}", created["id"])
    assert created["status"] == {"type": "active"}
    response = emulator.api("GET", f"/chatkit/threads/{created['id']}")
    assert response.status_code == 200
    assert response.json() == created


def test_locked_and_closed_threads_carry_a_reason(emulator: Emulator) -> None:
    locked = emulator.seed_thread(user="a", status={"type": "locked", "reason": "Escalated"})
    closed = emulator.seed_thread(user="a", status="closed")
    assert locked["status"] == {"type": "locked", "reason": "Escalated"}
    assert closed["status"] == {"type": "closed", "reason": None}


@pytest.mark.parametrize("limit", [1, 2, 3, 5, 20])
def test_walking_pages_newest_first_visits_every_thread_once(
    emulator: Emulator, five_threads: list[str], limit: int
) -> None:
    seen, pages = walk(emulator, "/chatkit/threads", limit=limit)
    assert seen == list(reversed(five_threads))
    assert pages == max(1, -(-5 // limit))


@pytest.mark.parametrize("limit", [1, 2, 4])
def test_walking_pages_oldest_first_visits_every_thread_once(
    emulator: Emulator, five_threads: list[str], limit: int
) -> None:
    seen, _ = walk(emulator, "/chatkit/threads", limit=limit, order="asc")
    assert seen == five_threads


def test_default_order_is_desc_and_default_limit_is_20(emulator: Emulator) -> None:
    ids = [emulator.seed_thread(user="bulk", created_at=n)["id"] for n in range(25)]
    page = get_page(emulator, "/chatkit/threads")
    assert [entry["id"] for entry in page["data"]] == list(reversed(ids))[:20]
    assert page["has_more"] is True


def test_before_gives_the_records_just_before_the_cursor(
    emulator: Emulator, five_threads: list[str]
) -> None:
    page = get_page(emulator, "/chatkit/threads", order="asc", before=five_threads[4], limit=2)
    assert [entry["id"] for entry in page["data"]] == five_threads[2:4]
    assert page["has_more"] is True
    page = get_page(emulator, "/chatkit/threads", order="desc", before=five_threads[1], limit=10)
    assert [entry["id"] for entry in page["data"]] == list(reversed(five_threads[2:]))
    assert page["has_more"] is False
    page = get_page(
        emulator, "/chatkit/threads", order="asc", after=five_threads[0], before=five_threads[3]
    )
    assert [entry["id"] for entry in page["data"]] == five_threads[1:3]


def test_limit_zero_returns_an_empty_page(emulator: Emulator, five_threads: list[str]) -> None:
    page = get_page(emulator, "/chatkit/threads", limit=0)
    assert (page["data"], page["first_id"], page["last_id"], page["has_more"]) == (
        [],
        None,
        None,
        True,
    )


def test_user_filter_returns_only_that_users_threads(emulator: Emulator) -> None:
    mine = emulator.seed_thread(user="alice", created_at=1)["id"]
    theirs = emulator.seed_thread(user="bob", created_at=2)["id"]
    also_mine = emulator.seed_thread(user="alice", created_at=3)["id"]

    alice = get_page(emulator, "/chatkit/threads", user="alice")
    assert [entry["id"] for entry in alice["data"]] == [also_mine, mine]
    assert {entry["user"] for entry in alice["data"]} == {"alice"}
    assert get_page(emulator, "/chatkit/threads", user="carol")["data"] == []
    everyone = get_page(emulator, "/chatkit/threads")
    assert [entry["id"] for entry in everyone["data"]] == [also_mine, theirs, mine]


@pytest.mark.parametrize(
    ("query", "param", "code"),
    [
        ({"limit": "101"}, "limit", "integer_above_max_value"),
        ({"limit": "-1"}, "limit", "integer_below_min_value"),
        ({"limit": "ten"}, "limit", "invalid_type"),
        ({"order": "newest"}, "order", "invalid_value"),
        ({"user": ""}, "user", "string_below_min_length"),
        ({"user": "u" * 513}, "user", "string_above_max_length"),
        ({"after": "cthr_unknown"}, "after", "invalid_value"),
        ({"before": "cthr_unknown"}, "before", "invalid_value"),
    ],
)
def test_bad_list_queries_are_400_naming_the_parameter(
    emulator: Emulator, query: dict[str, str], param: str, code: str
) -> None:
    response = emulator.api("GET", "/chatkit/threads", params=query)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert (error["type"], error["param"], error["code"]) == ("invalid_request_error", param, code)


def test_list_query_edges_are_accepted(emulator: Emulator) -> None:
    for query in ({"limit": "0"}, {"limit": "100"}, {"user": "u" * 512}, {"user": "u"}):
        assert emulator.api("GET", "/chatkit/threads", params=query).status_code == 200


def test_items_list_in_both_orders_with_insertion_breaking_ties(emulator: Emulator) -> None:
    thread = emulator.seed_thread(
        user="alice",
        created_at=1000,
        items=[
            {"type": "chatkit.user_message", "content": "first"},
            {"type": "chatkit.assistant_message", "content": "second"},
            {"type": "chatkit.user_message", "content": "third", "created_at": 1005},
        ],
    )
    added = emulator.control(
        "POST",
        f"/threads/{thread['id']}/items",
        {"items": [{"type": "chatkit.assistant_message", "content": "fourth"}]},
    )["items"]
    assert added[0]["created_at"] == 1005

    path = f"/chatkit/threads/{thread['id']}/items"
    oldest_first, _ = walk(emulator, path, order="asc", limit=1)
    newest_first, pages = walk(emulator, path, limit=3)
    assert newest_first == list(reversed(oldest_first))
    assert pages == 2
    texts = [item["content"][0]["text"] for item in get_page(emulator, path, order="asc")["data"]]
    assert texts == ["first", "second", "third", "fourth"]
    default = get_page(emulator, path)["data"]
    assert default[0]["content"][0]["text"] == "fourth"


def test_seeded_items_get_their_common_fields_filled(emulator: Emulator) -> None:
    thread = emulator.seed_thread(
        user="alice", created_at=50, items=[{"type": "chatkit.task", "heading": "Plan"}]
    )
    [item] = get_page(emulator, f"/chatkit/threads/{thread['id']}/items")["data"]
    assert re.fullmatch(r"cthi_[0-9a-f]{48}", item["id"])
    assert item == {
        "id": item["id"],
        "object": "chatkit.thread_item",
        "created_at": 50,
        "thread_id": thread["id"],
        "type": "chatkit.task",
        "task_type": "custom",
        "heading": "Plan",
        "summary": None,
    }


def test_every_item_type_has_exactly_its_fields(emulator: Emulator) -> None:
    common = {"id", "object", "created_at", "thread_id", "type"}
    expected = {
        "chatkit.user_message": {"content", "attachments", "inference_options"},
        "chatkit.assistant_message": {"content"},
        "chatkit.widget": {"widget"},
        "chatkit.client_tool_call": {"call_id", "name", "arguments", "output", "status"},
        "chatkit.task": {"task_type", "heading", "summary"},
        "chatkit.task_group": {"tasks"},
    }
    thread = emulator.seed_thread(
        user="alice",
        items=[
            {"type": "chatkit.user_message", "content": "hi"},
            {"type": "chatkit.assistant_message", "content": "hello"},
            {"type": "chatkit.widget", "widget": '{"type": "Card", "children": []}'},
            {"type": "chatkit.client_tool_call", "name": "lookup"},
            {"type": "chatkit.task"},
            {"type": "chatkit.task_group", "tasks": [{}]},
        ],
    )
    items = get_page(emulator, f"/chatkit/threads/{thread['id']}/items", order="asc")["data"]
    assert {item["type"]: set(item) - common for item in items} == expected
    widget = items[2]
    assert isinstance(widget["widget"], str)
    tool_call = items[3]
    assert (tool_call["arguments"], tool_call["output"], tool_call["status"]) == (
        "{}",
        None,
        "in_progress",
    )
    assert items[5]["tasks"] == [{"type": "custom", "heading": None, "summary": None}]
    assert items[1]["content"] == [{"type": "output_text", "text": "hello", "annotations": []}]


def test_delete_removes_the_thread_and_its_items(emulator: Emulator) -> None:
    doomed = emulator.seed_thread(user="alice", items=[{"type": "chatkit.task"}] * 3)
    kept = emulator.seed_thread(user="alice", items=[{"type": "chatkit.task"}])

    response = emulator.api("DELETE", f"/chatkit/threads/{doomed['id']}")

    assert response.status_code == 200
    assert response.json() == {
        "id": doomed["id"],
        "object": "chatkit.thread.deleted",
        "deleted": True,
    }
    for path in (f"/chatkit/threads/{doomed['id']}", f"/chatkit/threads/{doomed['id']}/items"):
        gone = emulator.api("GET", path)
        assert gone.status_code == 404
        assert gone.json()["error"]["message"] == f"Thread with id '{doomed['id']}' not found."
    assert emulator.api("DELETE", f"/chatkit/threads/{doomed['id']}").status_code == 404
    remaining = get_page(emulator, "/chatkit/threads")["data"]
    assert [thread["id"] for thread in remaining] == [kept["id"]]
    assert len(get_page(emulator, f"/chatkit/threads/{kept['id']}/items")["data"]) == 1


def test_unknown_threads_are_404(emulator: Emulator) -> None:
    for method, path in [
        ("GET", "/chatkit/threads/cthr_missing"),
        ("DELETE", "/chatkit/threads/cthr_missing"),
        ("GET", "/chatkit/threads/cthr_missing/items"),
    ]:
        response = emulator.api(method, path)
        assert response.status_code == 404
        assert response.json()["error"]["type"] == "invalid_request_error"


def test_items_of_another_thread_are_not_valid_cursors(emulator: Emulator) -> None:
    one = emulator.seed_thread(user="a", items=[{"type": "chatkit.task"}])
    other = emulator.seed_thread(user="a", items=[{"type": "chatkit.task"}])
    foreign = get_page(emulator, f"/chatkit/threads/{other['id']}/items")["last_id"]
    response = emulator.api("GET", f"/chatkit/threads/{one['id']}/items", params={"after": foreign})
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "after"
