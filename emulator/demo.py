"""Demo conversations for a development user, covering every thread item type and field.

They live in ``demo.json``: the emulator's seed format without the ``user``, with each thread's
``age_seconds`` (how long ago it started) and each item's ``after_seconds`` (how long after the
thread's start) instead of timestamps, and ``{first_name}`` where the user is greeted.

Together they hold every item type and every optional field: Markdown with lists, code, tables
and links; file and URL annotations; image and file attachments; quoted text; inference
options; a widget card; client tool calls in progress and completed; custom and thought tasks;
a task group; a locked thread, a closed thread and an untitled one.
"""

from __future__ import annotations

import functools
import json
import time
from importlib import resources
from typing import Any

_FIRST_NAME = "{first_name}"


@functools.cache
def _demo_file() -> str:
    return resources.files(__package__).joinpath("demo.json").read_text(encoding="utf-8")


def demo_threads(user_id: str, display_name: str, now: int | None = None) -> list[dict[str, Any]]:
    """Seed threads (the emulator's seed format) for ``user_id``, oldest first."""
    now = int(time.time()) if now is None else now
    first_name = display_name.split()[0] if display_name.strip() else "there"
    # Substituted in the JSON text, so the name is escaped as JSON wherever it lands.
    name = json.dumps(first_name)[1:-1]
    templates: list[dict[str, Any]] = json.loads(_demo_file().replace(_FIRST_NAME, name))["threads"]
    threads = []
    for template in templates:
        start = now - int(template.pop("age_seconds"))
        items = []
        for item in template.pop("items"):
            created_at = start + int(item.pop("after_seconds"))
            items.append({**item, "created_at": created_at})
        threads.append({"user": user_id, **template, "created_at": start, "items": items})
    return threads
