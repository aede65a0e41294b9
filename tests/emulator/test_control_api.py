"""Seeding threads and items through the control API, and its own validation."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from .conftest import Emulator


def control_error(emulator: Emulator, method: str, path: str, body: Any) -> dict[str, Any]:
    response = requests.request(method, f"{emulator.url}/_emulator{path}", json=body, timeout=5)
    assert 400 <= response.status_code < 500, response.text
    error: dict[str, Any] = response.json()["error"]
    error["status"] = response.status_code
    return error


def test_seed_adds_every_thread_with_items(emulator: Emulator) -> None:
    seeded = emulator.control(
        "POST",
        "/seed",
        {
            "threads": [
                {"id": "cthr_fixed", "user": "u1", "title": "A", "created_at": 10},
                {"user": "u2", "items": [{"type": "chatkit.user_message", "content": "hi"}]},
            ]
        },
    )["threads"]
    assert seeded[0]["id"] == "cthr_fixed"
    assert [thread["user"] for thread in seeded] == ["u1", "u2"]
    listed = emulator.api("GET", "/chatkit/threads", params={"order": "asc"}).json()["data"]
    assert listed == seeded
    items = emulator.api("GET", f"/chatkit/threads/{seeded[1]['id']}/items").json()["data"]
    assert items[0]["content"] == [{"type": "input_text", "text": "hi"}]


def test_a_bad_seed_adds_nothing(emulator: Emulator) -> None:
    error = control_error(
        emulator,
        "POST",
        "/seed",
        {"threads": [{"user": "ok"}, {"user": "bad", "items": [{"type": "chatkit.nope"}]}]},
    )
    assert (error["status"], error["param"]) == (400, "threads[1].items[0].type")
    assert emulator.api("GET", "/chatkit/threads").json()["data"] == []


def test_thread_ids_are_unique(emulator: Emulator) -> None:
    emulator.seed_thread(id="cthr_same", user="u")
    error = control_error(emulator, "POST", "/threads", {"id": "cthr_same", "user": "u"})
    assert error["status"] == 409


def test_adding_items_to_an_unknown_thread_is_404(emulator: Emulator) -> None:
    error = control_error(emulator, "POST", "/threads/cthr_missing/items", {"items": []})
    assert error["status"] == 404


@pytest.mark.parametrize(
    ("item", "param"),
    [
        ({}, "items[0].type"),
        (
            {"type": "chatkit.user_message", "content": [{"type": "image", "text": "x"}]},
            "items[0].content[0].type",
        ),
        (
            {"type": "chatkit.user_message", "attachments": [{"type": "file", "name": "a"}]},
            "items[0].attachments[0].mime_type",
        ),
        (
            {"type": "chatkit.user_message", "inference_options": {"tool_choice": {}}},
            "items[0].inference_options.tool_choice.id",
        ),
        (
            {
                "type": "chatkit.assistant_message",
                "content": [{"text": "x", "annotations": [{"type": "page", "source": {}}]}],
            },
            "items[0].content[0].annotations[0].type",
        ),
        (
            {
                "type": "chatkit.assistant_message",
                "content": [
                    {"text": "x", "annotations": [{"type": "url", "source": {"type": "url"}}]}
                ],
            },
            "items[0].content[0].annotations[0].source.url",
        ),
        ({"type": "chatkit.widget"}, "items[0].widget"),
        ({"type": "chatkit.client_tool_call"}, "items[0].name"),
        ({"type": "chatkit.client_tool_call", "name": "x", "status": "failed"}, "items[0].status"),
        ({"type": "chatkit.task", "task_type": "plan"}, "items[0].task_type"),
        ({"type": "chatkit.task_group", "tasks": [{"type": "plan"}]}, "items[0].tasks[0].type"),
        ({"type": "chatkit.task", "colour": "red"}, "items[0].colour"),
        ({"type": "chatkit.task", "thread_id": "cthr_other"}, "items[0].thread_id"),
    ],
)
def test_malformed_items_are_rejected_with_their_path(
    emulator: Emulator, item: dict[str, Any], param: str
) -> None:
    thread = emulator.seed_thread(user="u")
    error = control_error(emulator, "POST", f"/threads/{thread['id']}/items", {"items": [item]})
    assert (error["status"], error["param"]) == (400, param)


@pytest.mark.parametrize(
    ("thread", "param"),
    [
        ({}, "user"),
        ({"user": ""}, "user"),
        ({"user": "u", "status": "archived"}, "status.type"),
        ({"user": "u", "status": {"type": "active", "reason": "x"}}, "status.reason"),
        ({"user": "u", "created_at": "yesterday"}, "created_at"),
        ({"user": "u", "workflow": "wf_1"}, "workflow"),
    ],
)
def test_malformed_threads_are_rejected(
    emulator: Emulator, thread: dict[str, Any], param: str
) -> None:
    error = control_error(emulator, "POST", "/threads", thread)
    assert (error["status"], error["param"]) == (400, param)


def test_clock_shift_moves_default_timestamps(emulator: Emulator) -> None:
    before = emulator.seed_thread(user="u")
    emulator.control("PUT", "/clock", {"offset_seconds": 86_400})
    after = emulator.seed_thread(user="u")
    assert after["created_at"] - before["created_at"] >= 86_400
    assert control_error(emulator, "PUT", "/clock", {"offset_seconds": "1d"})["status"] == 400
