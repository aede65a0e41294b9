"""The official openai SDK runs every operation against the emulator and parses every reply."""

from __future__ import annotations

import json

import openai
import pytest
from openai.types.beta.chatkit import (
    ChatKitAttachment,
    ChatKitResponseOutputText,
    ChatKitThread,
    ChatKitThreadAssistantMessageItem,
    ChatKitThreadUserMessageItem,
    ChatKitWidgetItem,
    ChatSession,
    ThreadDeleteResponse,
)
from openai.types.beta.chatkit.chatkit_response_output_text import AnnotationFile, AnnotationURL
from openai.types.beta.chatkit.chatkit_thread import StatusActive, StatusClosed, StatusLocked
from openai.types.beta.chatkit.chatkit_thread_item_list import (
    DataChatKitClientToolCall,
    DataChatKitTask,
    DataChatKitTaskGroup,
)
from openai.types.beta.chatkit.chatkit_thread_user_message_item import (
    ContentInputText,
    ContentQuotedText,
    InferenceOptions,
)

from .conftest import Emulator, assert_complete

EVERY_ITEM_KIND = [
    {
        "type": "chatkit.user_message",
        "content": [
            {"type": "input_text", "text": "Summarize this"},
            {"type": "quoted_text", "text": "a quote"},
        ],
        "attachments": [
            {
                "type": "image",
                "name": "a.png",
                "mime_type": "image/png",
                "preview_url": "https://x/a",
            },
            {"type": "file", "name": "b.pdf", "mime_type": "application/pdf"},
        ],
        "inference_options": {"model": "gpt-4.1", "tool_choice": {"id": "file_search"}},
    },
    {"type": "chatkit.user_message", "content": "minimal"},
    {
        "type": "chatkit.assistant_message",
        "content": [
            {
                "type": "output_text",
                "text": "See [docs](https://example.com).",
                "annotations": [
                    {"type": "file", "source": {"type": "file", "filename": "b.pdf"}},
                    {"type": "url", "source": {"type": "url", "url": "https://example.com"}},
                ],
            }
        ],
    },
    {"type": "chatkit.widget", "widget": {"type": "Card", "children": []}},
    {
        "type": "chatkit.client_tool_call",
        "name": "get_weather",
        "arguments": {"city": "Oslo"},
        "output": {"temp": 4},
    },
    {"type": "chatkit.client_tool_call", "name": "add_event", "arguments": "{}"},
    {"type": "chatkit.task", "task_type": "thought", "heading": "Thinking", "summary": "Done"},
    {"type": "chatkit.task"},
    {
        "type": "chatkit.task_group",
        "tasks": [{"type": "custom", "heading": "Searched"}, {"type": "thought", "summary": "Hm"}],
    },
]


def test_sdk_creates_and_cancels_a_session_with_every_field(
    sdk: openai.OpenAI, emulator: Emulator
) -> None:
    created = sdk.beta.chatkit.sessions.create(
        user="user_123",
        workflow={"id": "wf_abc", "version": "3", "state_variables": {"plan": "pro", "seats": 5}},
        chatkit_configuration={"file_upload": {"enabled": True, "max_files": 3}},
        expires_after={"anchor": "created_at", "seconds": 120},
        rate_limits={"max_requests_per_1_minute": 30},
    )
    assert isinstance(created, ChatSession)
    assert_complete(created)
    assert created.status == "active"
    assert created.workflow.state_variables == {"plan": "pro", "seats": 5}
    assert created.chatkit_configuration.file_upload.max_files == 3
    assert created.max_requests_per_1_minute == created.rate_limits.max_requests_per_1_minute == 30

    cancelled = sdk.beta.chatkit.sessions.cancel(created.id)
    assert isinstance(cancelled, ChatSession)
    assert_complete(cancelled)
    assert (cancelled.id, cancelled.status, cancelled.client_secret) == (
        created.id,
        "cancelled",
        "",
    )


def test_sdk_sends_the_beta_header_itself(sdk: openai.OpenAI, emulator: Emulator) -> None:
    sdk.beta.chatkit.threads.list()
    sdk.beta.chatkit.sessions.create(user="u", workflow={"id": "wf_1"})
    for entry in emulator.requests():
        assert entry["headers"]["openai-beta"] == "chatkit_beta=v1"
        assert entry["status"] == 200


def test_sdk_reads_threads_of_every_status(sdk: openai.OpenAI, emulator: Emulator) -> None:
    emulator.seed_thread(user="u1", title="Open", created_at=100)
    emulator.seed_thread(user="u1", title=None, status={"type": "locked"}, created_at=200)
    emulator.seed_thread(user="u1", title="Done", status="closed", created_at=300)
    emulator.seed_thread(user="u1", status={"type": "closed", "reason": "Resolved"}, created_at=400)

    threads = list(sdk.beta.chatkit.threads.list(user="u1", order="asc"))

    assert all(isinstance(thread, ChatKitThread) for thread in threads)
    for thread in threads:
        assert_complete(thread)
    statuses = [type(thread.status) for thread in threads]
    assert statuses == [StatusActive, StatusLocked, StatusClosed, StatusClosed]
    assert [thread.title for thread in threads] == ["Open", None, "Done", None]
    assert isinstance(threads[3].status, StatusClosed)
    assert threads[3].status.reason == "Resolved"
    retrieved = sdk.beta.chatkit.threads.retrieve(threads[1].id)
    assert_complete(retrieved)
    assert retrieved == threads[1]


def test_sdk_parses_every_item_type_completely(sdk: openai.OpenAI, emulator: Emulator) -> None:
    thread = emulator.seed_thread(user="u1", items=EVERY_ITEM_KIND)

    items = list(sdk.beta.chatkit.threads.list_items(thread["id"], order="asc"))

    assert [type(item) for item in items] == [
        ChatKitThreadUserMessageItem,
        ChatKitThreadUserMessageItem,
        ChatKitThreadAssistantMessageItem,
        ChatKitWidgetItem,
        DataChatKitClientToolCall,
        DataChatKitClientToolCall,
        DataChatKitTask,
        DataChatKitTask,
        DataChatKitTaskGroup,
    ]
    for index, item in enumerate(items):
        assert_complete(item, f"items[{index}]")
        assert item.thread_id == thread["id"]
        assert item.id.startswith("cthi_")

    full, minimal, assistant, widget, tool_done, tool_running, thought, task, group = items
    assert isinstance(full, ChatKitThreadUserMessageItem)
    assert [type(part) for part in full.content] == [ContentInputText, ContentQuotedText]
    assert all(isinstance(file, ChatKitAttachment) for file in full.attachments)
    assert [file.preview_url for file in full.attachments] == ["https://x/a", None]
    assert isinstance(full.inference_options, InferenceOptions)
    assert full.inference_options.tool_choice is not None
    assert full.inference_options.tool_choice.id == "file_search"
    assert isinstance(minimal, ChatKitThreadUserMessageItem)
    assert (minimal.attachments, minimal.inference_options) == ([], None)

    assert isinstance(assistant, ChatKitThreadAssistantMessageItem)
    assert isinstance(assistant.content[0], ChatKitResponseOutputText)
    annotation_types = [type(note) for note in assistant.content[0].annotations]
    assert annotation_types == [AnnotationFile, AnnotationURL]

    assert isinstance(widget, ChatKitWidgetItem)
    assert json.loads(widget.widget) == {"type": "Card", "children": []}

    assert isinstance(tool_done, DataChatKitClientToolCall)
    assert (tool_done.status, json.loads(tool_done.output or "null")) == ("completed", {"temp": 4})
    assert json.loads(tool_done.arguments) == {"city": "Oslo"}
    assert isinstance(tool_running, DataChatKitClientToolCall)
    assert (tool_running.status, tool_running.output) == ("in_progress", None)

    assert isinstance(thought, DataChatKitTask)
    assert (thought.task_type, thought.heading, thought.summary) == ("thought", "Thinking", "Done")
    assert isinstance(task, DataChatKitTask)
    assert (task.task_type, task.heading, task.summary) == ("custom", None, None)
    assert isinstance(group, DataChatKitTaskGroup)
    assert [(t.type, t.heading, t.summary) for t in group.tasks] == [
        ("custom", "Searched", None),
        ("thought", None, "Hm"),
    ]


def test_sdk_walks_every_page_of_threads_and_items(sdk: openai.OpenAI, emulator: Emulator) -> None:
    thread_ids = [emulator.seed_thread(user="walker", created_at=1000 + n)["id"] for n in range(7)]
    items = [{"type": "chatkit.task", "created_at": 5000 + n} for n in range(5)]
    emulator.control("POST", f"/threads/{thread_ids[0]}/items", {"items": items})

    walked = [t.id for t in sdk.beta.chatkit.threads.list(user="walker", limit=2)]
    assert walked == list(reversed(thread_ids))
    walked_items = list(sdk.beta.chatkit.threads.list_items(thread_ids[0], limit=2, order="asc"))
    assert [item.created_at for item in walked_items] == [5000, 5001, 5002, 5003, 5004]
    cursor_pages = len([e for e in emulator.requests() if e["path"].endswith("/items")])
    assert cursor_pages == 3


def test_sdk_deletes_a_thread(sdk: openai.OpenAI, emulator: Emulator) -> None:
    thread = emulator.seed_thread(user="u1", items=[{"type": "chatkit.task"}])

    deleted = sdk.beta.chatkit.threads.delete(thread["id"])

    assert isinstance(deleted, ThreadDeleteResponse)
    assert_complete(deleted)
    assert (deleted.id, deleted.object, deleted.deleted) == (
        thread["id"],
        "chatkit.thread.deleted",
        True,
    )
    with pytest.raises(openai.NotFoundError):
        sdk.beta.chatkit.threads.retrieve(thread["id"])
    with pytest.raises(openai.NotFoundError):
        sdk.beta.chatkit.threads.list_items(thread["id"])


def test_sdk_maps_emulated_errors_to_its_error_classes(
    sdk: openai.OpenAI, emulator: Emulator
) -> None:
    with pytest.raises(openai.BadRequestError) as bad:
        sdk.beta.chatkit.sessions.create(user="", workflow={"id": "wf_1"})
    assert bad.value.param == "user"
    with pytest.raises(openai.NotFoundError):
        sdk.beta.chatkit.sessions.create(user="u", workflow={"id": "unknown"})
    with pytest.raises(openai.NotFoundError):
        sdk.beta.chatkit.sessions.cancel("cksess_missing")
    wrong_key = openai.OpenAI(api_key="sk-wrong", base_url=emulator.api_url, max_retries=0)
    with pytest.raises(openai.AuthenticationError) as denied:
        wrong_key.beta.chatkit.threads.list()
    assert denied.value.code == "invalid_api_key"
    emulator.control("PUT", "/faults", {"scripted": [{"status": 429, "retry_after": 7}]})
    with pytest.raises(openai.RateLimitError) as limited:
        sdk.beta.chatkit.threads.list()
    assert limited.value.response.headers["Retry-After"] == "7"
    assert limited.value.code == "rate_limit_exceeded"
    emulator.control("PUT", "/faults", {"scripted": [{"status": 503}]})
    with pytest.raises(openai.InternalServerError):
        sdk.beta.chatkit.threads.list()
