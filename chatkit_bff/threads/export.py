"""Conversation exports: a Markdown transcript a person can read, and the raw JSON."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from chatkit_bff.errors import TooManyItems
from chatkit_bff.rendering.items import (
    annotation_sources,
    datetime_human,
    item_kind,
    mappings,
    pretty_json,
    unlisted_status,
)
from chatkit_bff.settings import DEFAULT_EXPORT_MAX_ITEMS
from chatkit_bff.upstream import ChatKitThread, ThreadItem

EXPORT_FORMATS: dict[str, str] = {
    "md": "text/markdown; charset=utf-8",
    "json": "application/json",
}
UNTITLED = "Untitled conversation"
# Items one export request may hold: the cost of one download in upstream calls and memory.
EXPORT_MAX_ITEMS = DEFAULT_EXPORT_MAX_ITEMS
_SLUG_LENGTH = 60
# Keys of widget components whose values are words a person reads.
_WIDGET_TEXT_KEYS = ("title", "value", "label", "text", "alt", "placeholder")


def too_many_items(max_items: int) -> TooManyItems:
    return TooManyItems(
        f"This conversation has more than {max_items} items, more than one export may hold. "
        "Read it page by page instead."
    )


def thread_title(thread: Mapping[str, Any]) -> str:
    title = thread.get("title")
    return title.strip() if isinstance(title, str) and title.strip() else UNTITLED


def slug(text: str) -> str:
    """Lowercase ASCII words joined by hyphens (safe in any filename); "" when there are none."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    return "-".join(words)[:_SLUG_LENGTH].strip("-")


def export_filename(thread: ChatKitThread, extension: str) -> str:
    """E.g. `conversation-q3-revenue-report-2025-04-05.md` (the thread's creation date)."""
    created = datetime.fromtimestamp(thread["created_at"], tz=UTC).date().isoformat()
    words = slug(thread["title"] or "")
    return "-".join(part for part in ("conversation", words, created) if part) + f".{extension}"


def transcript_json(thread: ChatKitThread, items: list[ThreadItem], now: datetime) -> str:
    document = {
        "object": "chatkit_bff.export",
        "exported_at": now.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "thread": thread,
        "items": items,
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def status_text(thread: Mapping[str, Any]) -> str | None:
    """ "Locked: reason" / "Closed" for a thread that no longer takes messages, else None."""
    status = thread.get("status")
    if not isinstance(status, Mapping) or status.get("type") not in ("locked", "closed"):
        return None
    label = "Locked" if status["type"] == "locked" else "Closed"
    reason = status.get("reason")
    return f"{label}: {reason}" if isinstance(reason, str) and reason.strip() else label


def transcript_markdown(thread: ChatKitThread, items: list[ThreadItem], now: datetime) -> str:
    lines = [f"# {_one_line(thread_title(thread))}", ""]
    lines.append(f"Started {datetime_human(thread['created_at'])}.")
    status = status_text(thread)
    if status:
        lines.append(f"Status: {_one_line(status)}.")
    lines.append(f"Exported {datetime_human(now.timestamp())}; {len(items)} items.")
    for item in items:
        lines += ["", "---", "", *_item_lines(item)]
    return "\n".join(lines).rstrip() + "\n"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _fence(text: str, language: str = "") -> list[str]:
    """A code fence longer than any backtick run inside, so the text cannot close it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    marker = "`" * max(3, longest + 1)
    return [marker + language, text, marker]


def _quote(text: str) -> list[str]:
    return ["> " + line if line else ">" for line in text.splitlines() or [""]]


def _heading(author: str, item: Mapping[str, Any]) -> str:
    when = datetime_human(item.get("created_at"))
    return f"**{author}**" + (f" · {when}" if when else "")


def _item_lines(item: Mapping[str, Any]) -> list[str]:
    kind = item_kind(item)
    if kind == "user_message":
        return _user_message(item)
    if kind == "assistant_message":
        return _assistant_message(item)
    if kind == "widget":
        return [_heading("Assistant (widget)", item), "", *_widget(item.get("widget"))]
    if kind == "client_tool_call":
        return _tool_call(item)
    if kind == "task":
        return [_heading("Assistant", item), "", *_task(item)]
    if kind == "task_group":
        lines = [_heading("Assistant", item), ""]
        for task in mappings(item.get("tasks")):
            task_lines = _task(task)
            lines += [
                f"- {task_lines[0]}",
                *(f"  {line}" if line else "" for line in task_lines[1:]),
            ]
        return lines
    return [_heading("Conversation", item), "", "(This part of the conversation has no text form.)"]


def _user_message(item: Mapping[str, Any]) -> list[str]:
    lines = [_heading("You", item)]
    for part in mappings(item.get("content")):
        text = part.get("text")
        if not isinstance(text, str) or not text:
            continue
        lines.append("")
        lines += _quote(text) if part.get("type") == "quoted_text" else text.splitlines()
    attachments = mappings(item.get("attachments"))
    if attachments:
        lines.append("")
        for attachment in attachments:
            name = _one_line(str(attachment.get("name") or "Attachment"))
            kind = "Image" if attachment.get("type") == "image" else "File"
            mime = attachment.get("mime_type")
            lines.append(
                f"- {kind}: {name}" + (f" ({mime})" if isinstance(mime, str) and mime else "")
            )
    options = item.get("inference_options")
    if isinstance(options, Mapping) and isinstance(options.get("model"), str):
        lines += ["", f"_Model: {options['model']}_"]
    return lines


def _assistant_message(item: Mapping[str, Any]) -> list[str]:
    lines = [_heading("Assistant", item)]
    for part in mappings(item.get("content")):
        text = part.get("text")
        if isinstance(text, str) and text:
            lines += ["", *text.splitlines()]
    sources = annotation_sources(item)
    if sources:
        lines += ["", "Sources:"]
        lines += [f"{source.number}. {_one_line(source.label)}" for source in sources]
    return lines


def _widget(raw: object) -> list[str]:
    try:
        tree = json.loads(raw) if isinstance(raw, str) else raw
    except (ValueError, RecursionError):
        return _fence(str(raw))
    texts = [_one_line(text) for text in _widget_texts(tree, depth=0) if text.strip()]
    return [f"- {text}" for text in texts] or ["(A widget with no text.)"]


def _widget_texts(node: object, depth: int) -> Iterator[str]:
    if depth > 64:
        return
    if isinstance(node, list):
        for child in node:
            yield from _widget_texts(child, depth + 1)
    elif isinstance(node, Mapping):
        for key in _WIDGET_TEXT_KEYS:
            if isinstance(node.get(key), str):
                yield node[key]
        for key in ("children", "header", "footer", "status"):
            if key in node:
                yield from _widget_texts(node[key], depth + 1)


def _tool_call(item: Mapping[str, Any]) -> list[str]:
    name = _one_line(str(item.get("name") or "unnamed tool"))
    unlisted = unlisted_status(item)
    state = "completed" if item.get("status") == "completed" else "running"
    if unlisted is not None:
        state = _one_line(unlisted)  # a status ChatKit added later, as it is
    lines = [_heading(f"Tool call: {name}", item), "", f"Status: {state}.", "", "Arguments:"]
    lines += _fence(pretty_json(item.get("arguments")), "json")
    output = item.get("output")
    if isinstance(output, str):
        lines += ["", "Output:", *_fence(pretty_json(output), "json")]
    return lines


def _task(task: Mapping[str, Any]) -> list[str]:
    label = "Thought" if (task.get("task_type") or task.get("type")) == "thought" else "Task"
    heading = task.get("heading")
    lines = [
        f"_{label}_" + (f": {_one_line(heading)}" if isinstance(heading, str) and heading else "")
    ]
    summary = task.get("summary")
    if isinstance(summary, str) and summary:
        lines += ["", *summary.splitlines()]
    return lines
