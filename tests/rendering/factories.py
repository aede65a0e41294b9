"""Thread items shaped as upstream sends them."""

from __future__ import annotations

import json
from typing import Any

CREATED_AT = 1712345600  # 2024-04-05T19:33:20Z


def _base(item_id: str, item_type: str) -> dict[str, Any]:
    return {
        "id": item_id,
        "object": "chatkit.thread_item",
        "created_at": CREATED_AT,
        "thread_id": "cthr_test",
        "type": item_type,
    }


def user_message(
    text: str = "Hello",
    *,
    quoted: str | None = None,
    attachments: list[dict[str, Any]] | None = None,
    model: str | None = None,
    item_id: str = "cthi_user",
) -> dict[str, Any]:
    content = [{"type": "input_text", "text": text}]
    if quoted is not None:
        content.append({"type": "quoted_text", "text": quoted})
    return _base(item_id, "chatkit.user_message") | {
        "content": content,
        "attachments": attachments or [],
        "inference_options": {"model": model, "tool_choice": None} if model else None,
    }


def attachment(
    name: str,
    *,
    kind: str = "file",
    mime_type: str = "application/pdf",
    preview_url: str | None = None,
) -> dict[str, Any]:
    return {
        "id": "att_1",
        "type": kind,
        "name": name,
        "mime_type": mime_type,
        "preview_url": preview_url,
    }


def url_annotation(url: str) -> dict[str, Any]:
    return {"type": "url", "source": {"type": "url", "url": url}}


def file_annotation(filename: str) -> dict[str, Any]:
    return {"type": "file", "source": {"type": "file", "filename": filename}}


def assistant_message(
    *texts: str,
    annotations: list[dict[str, Any]] | None = None,
    item_id: str = "cthi_assistant",
) -> dict[str, Any]:
    parts: list[dict[str, Any]] = [
        {"type": "output_text", "text": t, "annotations": []} for t in texts or ("Hi",)
    ]
    parts[-1]["annotations"] = annotations or []
    return _base(item_id, "chatkit.assistant_message") | {"content": parts}


def widget_item(widget: dict[str, Any] | str, *, item_id: str = "cthi_widget") -> dict[str, Any]:
    payload = widget if isinstance(widget, str) else json.dumps(widget)
    return _base(item_id, "chatkit.widget") | {"widget": payload}


def tool_call(
    name: str = "get_weather",
    *,
    arguments: str = '{"city": "Lisbon"}',
    output: str | None = None,
    status: str = "in_progress",
    item_id: str = "cthi_tool",
) -> dict[str, Any]:
    return _base(item_id, "chatkit.client_tool_call") | {
        "call_id": "call_1",
        "name": name,
        "arguments": arguments,
        "output": output,
        "status": status,
    }


def task(
    heading: str | None = "Searching the docs",
    summary: str | None = None,
    *,
    task_type: str = "custom",
    item_id: str = "cthi_task",
) -> dict[str, Any]:
    return _base(item_id, "chatkit.task") | {
        "task_type": task_type,
        "heading": heading,
        "summary": summary,
    }


def task_group(*tasks: dict[str, Any], item_id: str = "cthi_group") -> dict[str, Any]:
    return _base(item_id, "chatkit.task_group") | {"tasks": list(tasks)}


def group_task(heading: str, summary: str | None = None, kind: str = "custom") -> dict[str, Any]:
    return {"type": kind, "heading": heading, "summary": summary}
