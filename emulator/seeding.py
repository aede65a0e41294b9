"""Threads and items from the emulator's seed format, with omitted fields filled in.

A seed thread is ``{"user", "title"?, "status"?, "created_at"?, "id"?, "items"?: [...]}``; a seed
item is any upstream thread item whose ``id``, ``object``, ``created_at`` and ``thread_id`` may be
left out, and whose nested defaults (empty attachments, null inference options...) may be
omitted too. For convenience, message ``content`` may be a plain string, and a widget or tool
``arguments``/``output`` may be given as JSON values instead of serialized strings.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from .fields import (
    as_integer,
    as_object,
    as_string,
    invalid_type,
    invalid_value,
    join,
    reject_unknown,
    required,
)
from .ids import ATTACHMENT_PREFIX, ITEM_PREFIX, THREAD_PREFIX, TOOL_CALL_PREFIX, new_id
from .models import (
    AnnotationFile,
    AnnotationURL,
    ChatKitAttachment,
    ChatKitClientToolCall,
    ChatKitResponseOutputText,
    ChatKitTask,
    ChatKitTaskGroup,
    ChatKitTaskGroupTask,
    ChatKitThread,
    ChatKitThreadAssistantMessageItem,
    ChatKitThreadUserMessageItem,
    ChatKitWidgetItem,
    InferenceOptions,
    InferenceOptionsToolChoice,
    TaskType,
    ThreadItem,
    ThreadStatus,
    UserMessageContent,
)

_COMMON_ITEM_FIELDS = ("id", "object", "created_at", "thread_id", "type")


def build_thread(raw: object, path: str, now: int) -> tuple[ChatKitThread, list[object]]:
    """The thread described by ``raw`` and its raw seed items (built with ``build_item``)."""
    fields = as_object(raw, path)
    reject_unknown(fields, path, ("id", "user", "title", "status", "created_at", "items"))
    thread_id = as_string(fields.get("id") or new_id(THREAD_PREFIX), join(path, "id"), min_length=1)
    title = fields.get("title")
    raw_items = fields.get("items", [])
    if not isinstance(raw_items, list):
        raise invalid_type(raw_items, join(path, "items"), "an array")
    thread: ChatKitThread = {
        "id": thread_id,
        "object": "chatkit.thread",
        "created_at": as_integer(fields.get("created_at", now), join(path, "created_at")),
        "title": None if title is None else as_string(title, join(path, "title")),
        "status": _thread_status(fields.get("status", "active"), join(path, "status")),
        "user": as_string(required(fields, "user", path), join(path, "user"), min_length=1),
    }
    return thread, raw_items


def build_item(raw: object, path: str, thread_id: str, default_created_at: int) -> ThreadItem:
    fields = as_object(raw, path)
    item_type = as_string(required(fields, "type", path), f"{path}.type")
    builder = _BUILDERS.get(item_type)
    if builder is None:
        raise invalid_value(item_type, f"{path}.type", tuple(_BUILDERS))
    if fields.get("object", "chatkit.thread_item") != "chatkit.thread_item":
        raise invalid_value(str(fields["object"]), f"{path}.object", ("chatkit.thread_item",))
    if fields.get("thread_id", thread_id) != thread_id:
        raise invalid_value(str(fields["thread_id"]), f"{path}.thread_id", (thread_id,))
    item = builder(fields, path)
    item["id"] = as_string(fields.get("id") or new_id(ITEM_PREFIX), f"{path}.id")
    item["object"] = "chatkit.thread_item"
    item["created_at"] = as_integer(
        fields.get("created_at", default_created_at), f"{path}.created_at"
    )
    item["thread_id"] = thread_id
    return item


def _thread_status(raw: object, path: str) -> ThreadStatus:
    if isinstance(raw, str):
        raw = {"type": raw}
    fields = as_object(raw, path)
    reject_unknown(fields, path, ("type", "reason"))
    status_type = as_string(required(fields, "type", path), f"{path}.type")
    if status_type == "active":
        reject_unknown(fields, path, ("type",))
        return {"type": "active"}
    reason = fields.get("reason")
    reason = None if reason is None else as_string(reason, f"{path}.reason")
    if status_type == "locked":
        return {"type": "locked", "reason": reason}
    if status_type == "closed":
        return {"type": "closed", "reason": reason}
    raise invalid_value(status_type, f"{path}.type", ("active", "locked", "closed"))


def _user_message(fields: dict[str, object], path: str) -> ChatKitThreadUserMessageItem:
    reject_unknown(
        fields, path, (*_COMMON_ITEM_FIELDS, "content", "attachments", "inference_options")
    )
    content: list[UserMessageContent] = []
    for index, part in enumerate(
        _list(fields.get("content", []), f"{path}.content", text_type="input_text")
    ):
        part_path = f"{path}.content[{index}]"
        reject_unknown(part, part_path, ("type", "text"))
        part_type = as_string(part.get("type", "input_text"), f"{part_path}.type")
        text = as_string(required(part, "text", part_path), f"{part_path}.text")
        if part_type == "input_text":
            content.append({"type": "input_text", "text": text})
        elif part_type == "quoted_text":
            content.append({"type": "quoted_text", "text": text})
        else:
            raise invalid_value(part_type, f"{part_path}.type", ("input_text", "quoted_text"))
    attachments = [
        _attachment(raw, f"{path}.attachments[{index}]")
        for index, raw in enumerate(_list(fields.get("attachments", []), f"{path}.attachments"))
    ]
    options = fields.get("inference_options")
    return {
        "id": "",
        "object": "chatkit.thread_item",
        "created_at": 0,
        "thread_id": "",
        "type": "chatkit.user_message",
        "content": content,
        "attachments": attachments,
        "inference_options": None
        if options is None
        else _inference_options(options, f"{path}.inference_options"),
    }


def _attachment(fields: dict[str, object], path: str) -> ChatKitAttachment:
    reject_unknown(fields, path, ("id", "type", "name", "mime_type", "preview_url"))
    kind = as_string(required(fields, "type", path), f"{path}.type")
    if kind not in ("image", "file"):
        raise invalid_value(kind, f"{path}.type", ("image", "file"))
    preview_url = fields.get("preview_url")
    return {
        "id": as_string(fields.get("id") or new_id(ATTACHMENT_PREFIX), f"{path}.id"),
        "type": "image" if kind == "image" else "file",
        "name": as_string(required(fields, "name", path), f"{path}.name"),
        "mime_type": as_string(required(fields, "mime_type", path), f"{path}.mime_type"),
        "preview_url": None
        if preview_url is None
        else as_string(preview_url, f"{path}.preview_url"),
    }


def _inference_options(raw: object, path: str) -> InferenceOptions:
    fields = as_object(raw, path)
    reject_unknown(fields, path, ("model", "tool_choice"))
    model = fields.get("model")
    tool_choice = fields.get("tool_choice")
    return {
        "model": None if model is None else as_string(model, f"{path}.model"),
        "tool_choice": None
        if tool_choice is None
        else _tool_choice(tool_choice, f"{path}.tool_choice"),
    }


def _tool_choice(raw: object, path: str) -> InferenceOptionsToolChoice:
    fields = as_object(raw, path)
    reject_unknown(fields, path, ("id",))
    return {"id": as_string(required(fields, "id", path), f"{path}.id")}


def _assistant_message(fields: dict[str, object], path: str) -> ChatKitThreadAssistantMessageItem:
    reject_unknown(fields, path, (*_COMMON_ITEM_FIELDS, "content"))
    content: list[ChatKitResponseOutputText] = []
    for index, part in enumerate(
        _list(fields.get("content", []), f"{path}.content", text_type="output_text")
    ):
        part_path = f"{path}.content[{index}]"
        reject_unknown(part, part_path, ("type", "text", "annotations"))
        part_type = as_string(part.get("type", "output_text"), f"{part_path}.type")
        if part_type != "output_text":
            raise invalid_value(part_type, f"{part_path}.type", ("output_text",))
        annotations = [
            _annotation(raw, f"{part_path}.annotations[{position}]")
            for position, raw in enumerate(
                _list(part.get("annotations", []), f"{part_path}.annotations")
            )
        ]
        text = as_string(required(part, "text", part_path), f"{part_path}.text")
        content.append({"type": "output_text", "text": text, "annotations": annotations})
    return {
        "id": "",
        "object": "chatkit.thread_item",
        "created_at": 0,
        "thread_id": "",
        "type": "chatkit.assistant_message",
        "content": content,
    }


def _annotation(fields: dict[str, object], path: str) -> AnnotationFile | AnnotationURL:
    reject_unknown(fields, path, ("type", "source"))
    kind = as_string(required(fields, "type", path), f"{path}.type")
    source_path = f"{path}.source"
    source = as_object(required(fields, "source", path), source_path)
    if as_string(source.get("type", kind), f"{source_path}.type") != kind:
        raise invalid_value(str(source["type"]), f"{source_path}.type", (kind,))
    if kind == "file":
        reject_unknown(source, source_path, ("type", "filename"))
        filename = as_string(required(source, "filename", source_path), f"{source_path}.filename")
        return {"type": "file", "source": {"type": "file", "filename": filename}}
    if kind == "url":
        reject_unknown(source, source_path, ("type", "url"))
        url = as_string(required(source, "url", source_path), f"{source_path}.url")
        return {"type": "url", "source": {"type": "url", "url": url}}
    raise invalid_value(kind, f"{path}.type", ("file", "url"))


def _widget(fields: dict[str, object], path: str) -> ChatKitWidgetItem:
    reject_unknown(fields, path, (*_COMMON_ITEM_FIELDS, "widget"))
    return {
        "id": "",
        "object": "chatkit.thread_item",
        "created_at": 0,
        "thread_id": "",
        "type": "chatkit.widget",
        "widget": _serialized(required(fields, "widget", path)),
    }


def _client_tool_call(fields: dict[str, object], path: str) -> ChatKitClientToolCall:
    reject_unknown(
        fields, path, (*_COMMON_ITEM_FIELDS, "call_id", "name", "arguments", "output", "status")
    )
    raw_output = fields.get("output")
    output = None if raw_output is None else _serialized(raw_output)
    status = as_string(
        fields.get("status", "in_progress" if output is None else "completed"), f"{path}.status"
    )
    if status not in ("in_progress", "completed"):
        raise invalid_value(status, f"{path}.status", ("in_progress", "completed"))
    return {
        "id": "",
        "object": "chatkit.thread_item",
        "created_at": 0,
        "thread_id": "",
        "type": "chatkit.client_tool_call",
        "call_id": as_string(fields.get("call_id") or new_id(TOOL_CALL_PREFIX), f"{path}.call_id"),
        "name": as_string(required(fields, "name", path), f"{path}.name"),
        "arguments": _serialized(fields.get("arguments", {})),
        "output": output,
        "status": "completed" if status == "completed" else "in_progress",
    }


def _task(fields: dict[str, object], path: str) -> ChatKitTask:
    reject_unknown(fields, path, (*_COMMON_ITEM_FIELDS, "task_type", "heading", "summary"))
    task_type = as_string(fields.get("task_type", "custom"), f"{path}.task_type")
    heading, summary = _heading_and_summary(fields, path)
    return {
        "id": "",
        "object": "chatkit.thread_item",
        "created_at": 0,
        "thread_id": "",
        "type": "chatkit.task",
        "task_type": _task_kind(task_type, f"{path}.task_type"),
        "heading": heading,
        "summary": summary,
    }


def _task_group(fields: dict[str, object], path: str) -> ChatKitTaskGroup:
    reject_unknown(fields, path, (*_COMMON_ITEM_FIELDS, "tasks"))
    tasks: list[ChatKitTaskGroupTask] = []
    for index, task in enumerate(_list(required(fields, "tasks", path), f"{path}.tasks")):
        task_path = f"{path}.tasks[{index}]"
        reject_unknown(task, task_path, ("type", "heading", "summary"))
        kind = as_string(task.get("type", "custom"), f"{task_path}.type")
        heading, summary = _heading_and_summary(task, task_path)
        tasks.append(
            {"type": _task_kind(kind, f"{task_path}.type"), "heading": heading, "summary": summary}
        )
    return {
        "id": "",
        "object": "chatkit.thread_item",
        "created_at": 0,
        "thread_id": "",
        "type": "chatkit.task_group",
        "tasks": tasks,
    }


def _task_kind(kind: str, path: str) -> TaskType:
    if kind == "custom":
        return "custom"
    if kind == "thought":
        return "thought"
    raise invalid_value(kind, path, ("custom", "thought"))


def _heading_and_summary(fields: dict[str, object], path: str) -> tuple[str | None, str | None]:
    heading = fields.get("heading")
    summary = fields.get("summary")
    return (
        None if heading is None else as_string(heading, f"{path}.heading"),
        None if summary is None else as_string(summary, f"{path}.summary"),
    )


def _list(raw: object, path: str, *, text_type: str | None = None) -> list[dict[str, object]]:
    """A list of objects; with ``text_type``, a bare string stands for one text part."""
    if text_type is not None and isinstance(raw, str):
        return [{"type": text_type, "text": raw}]
    if not isinstance(raw, list):
        raise invalid_type(raw, path, "an array")
    return [as_object(entry, f"{path}[{index}]") for index, entry in enumerate(raw)]


def _serialized(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value)


_BUILDERS: dict[str, Callable[[dict[str, object], str], ThreadItem]] = {
    "chatkit.user_message": _user_message,
    "chatkit.assistant_message": _assistant_message,
    "chatkit.widget": _widget,
    "chatkit.client_tool_call": _client_tool_call,
    "chatkit.task": _task,
    "chatkit.task_group": _task_group,
}
