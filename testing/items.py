"""Seed items of every type (the emulator's seed format), for long mixed conversations."""

from __future__ import annotations

from typing import Any

KINDS = (
    "chatkit.user_message",
    "chatkit.assistant_message",
    "chatkit.widget",
    "chatkit.client_tool_call",
    "chatkit.task",
    "chatkit.task_group",
)

_ANSWER = """\
Here is what I found for **step {n}**:

1. The *first* point, with `inline code`.
2. A second point and a [reference](https://docs.example.com/step/{n}).

| metric | value |
|--------|------:|
| items  | {n}   |
"""


def seed_item(n: int, created_at: int, label: str = "") -> dict[str, Any]:
    """The `n`th item of a mixed conversation: every type in turn, each with its details.

    `label` goes into every text, so that conversations with different labels differ.
    """
    kind = KINDS[n % len(KINDS)]
    tag = f"{label}{n}"
    base: dict[str, Any] = {"type": kind, "created_at": created_at}
    if kind == "chatkit.user_message":
        attachments = (
            [{"type": "file", "name": f"notes-{tag}.pdf", "mime_type": "application/pdf"}]
            if n % 4 == 0
            else []
        )
        return base | {
            "content": [{"type": "input_text", "text": f"Question number {tag}: what next?"}],
            "attachments": attachments,
        }
    if kind == "chatkit.assistant_message":
        url = f"https://docs.example.com/step/{tag}"
        return base | {
            "content": [
                {
                    "type": "output_text",
                    "text": _ANSWER.format(n=tag),
                    "annotations": [{"type": "url", "source": {"type": "url", "url": url}}],
                }
            ]
        }
    if kind == "chatkit.widget":
        return base | {
            "widget": {
                "type": "Card",
                "children": [
                    {"type": "Title", "value": f"Summary card {tag}"},
                    {"type": "Text", "value": "All checks passed."},
                    {"type": "Badge", "label": "done", "color": "success"},
                ],
            }
        }
    if kind == "chatkit.client_tool_call":
        return base | {
            "name": "lookup_order",
            "call_id": f"call_{n}",
            "arguments": {"order": n, "fields": ["status", "total"]},
            "output": {"status": "shipped", "total": 12.5},
            "status": "completed",
        }
    if kind == "chatkit.task":
        return base | {"task_type": "thought", "heading": f"Thinking {tag}", "summary": "Weighing."}
    return base | {
        "tasks": [
            {"type": "custom", "heading": f"Searched {tag}", "summary": "3 results"},
            {"type": "thought", "heading": "Compared", "summary": None},
        ]
    }


def mixed_items(count: int, start: int = 1_750_000_000, label: str = "") -> list[dict[str, Any]]:
    return [seed_item(n, start + n, label) for n in range(count)]
