"""Export files: names that are safe anywhere, Markdown a person can read, JSON that is whole."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from chatkit_bff.threads.export import export_filename, slug, transcript_json, transcript_markdown
from chatkit_bff.upstream import ChatKitThread

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def thread(title: str | None, status: dict[str, Any] | None = None) -> ChatKitThread:
    return {
        "id": "cthr_abc",
        "object": "chatkit.thread",
        "created_at": 1_712_345_600,  # 2024-04-05
        "title": title,
        "status": status or {"type": "active"},  # type: ignore[typeddict-item]
        "user": "u_1",
    }


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Q3 revenue report review", "conversation-q3-revenue-report-review-2024-04-05.md"),
        ("Café: déjà vu?!", "conversation-cafe-deja-vu-2024-04-05.md"),
        ('../../etc/passwd"; rm -rf /', "conversation-etc-passwd-rm-rf-2024-04-05.md"),
        ("日本語のタイトル", "conversation-2024-04-05.md"),
        (None, "conversation-2024-04-05.md"),
    ],
)
def test_filenames_are_plain_ascii_slugs(title: str | None, expected: str) -> None:
    assert export_filename(thread(title), "md") == expected


def test_a_long_title_makes_a_bounded_slug() -> None:
    assert len(slug("word " * 100)) <= 60
    assert not slug("word " * 100).endswith("-")


def test_markdown_escapes_nothing_but_keeps_fences_closed() -> None:
    tricky = "Here:\n```\nnot the end\n````\nstill inside"
    items: list[Any] = [
        {
            "id": "cthi_1",
            "object": "chatkit.thread_item",
            "created_at": 1_712_345_700,
            "thread_id": "cthr_abc",
            "type": "chatkit.client_tool_call",
            "call_id": "c1",
            "name": "run",
            "arguments": tricky,
            "output": None,
            "status": "in_progress",
        }
    ]
    text = transcript_markdown(thread("Fences", {"type": "closed", "reason": None}), items, NOW)
    assert "Status: Closed." in text
    assert "`````json\n" + tricky + "\n`````" in text
    assert "Status: running." in text


def test_json_holds_the_thread_and_every_item() -> None:
    items: list[Any] = [{"id": f"cthi_{n}", "type": "chatkit.task"} for n in range(3)]
    document = json.loads(transcript_json(thread("T"), items, NOW))
    assert document["thread"]["id"] == "cthr_abc"
    assert document["items"] == items
    assert document["exported_at"] == "2025-06-01T12:00:00Z"
