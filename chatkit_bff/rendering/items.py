"""Helpers the transcript templates use to show thread items."""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from json.encoder import encode_basestring as _json_string
from typing import Any, Literal

from chatkit_bff.rendering.urls import safe_http_url, safe_image_url

__all__ = [
    "Source",
    "annotation_sources",
    "datetime_human",
    "datetime_iso",
    "item_dom_id",
    "item_kind",
    "mappings",
    "pretty_json",
    "safe_http_url",
    "safe_image_url",
    "timestamps",
    "unlisted_status",
]

_KINDS = {
    "chatkit.user_message": "user_message",
    "chatkit.assistant_message": "assistant_message",
    "chatkit.widget": "widget",
    "chatkit.client_tool_call": "client_tool_call",
    "chatkit.task": "task",
    "chatkit.task_group": "task_group",
}
_ITEM_ID = re.compile(r"cthi_[A-Za-z0-9_-]{1,200}")
# Pretty-printing a huge tool payload costs more than it helps whoever reads it.
_PRETTY_JSON_LIMIT = 200_000
# Indenting JSON is slow in the standard library; transcripts are re-rendered on every visit.
_CACHEABLE_LENGTH = 16_384


@dataclass(frozen=True, slots=True)
class Source:
    """One numbered source cited by an assistant message."""

    number: int
    kind: Literal["url", "file"]
    label: str
    href: str | None


def item_kind(item: object) -> str:
    """The item's type without its "chatkit." prefix, or "unknown" (safe as a CSS class)."""
    if not isinstance(item, Mapping):
        return "unknown"
    return _KINDS.get(str(item.get("type")), "unknown")


def unlisted_status(item: Mapping[str, Any]) -> str | None:
    """A tool call's status the API reference does not list (one ChatKit added later), in
    words; None for `completed`, `in_progress` or none."""
    status = item.get("status")
    if isinstance(status, str) and status not in ("completed", "in_progress"):
        return status.replace("_", " ")
    return None


def item_dom_id(value: object) -> str:
    """The item id when it has upstream's shape, else "" (so no id can clobber page names)."""
    if isinstance(value, str) and _ITEM_ID.fullmatch(value):
        return value
    return ""


def mappings(value: object) -> list[Mapping[str, Any]]:
    """The objects in a list from upstream, skipping anything else (None gives [])."""
    if not isinstance(value, (list, tuple)):
        return []
    # Upstream objects are dicts: the exact type test spares most of the Mapping ABC checks.
    return [entry for entry in value if type(entry) is dict or isinstance(entry, Mapping)]


def _annotations(item: Mapping[str, Any]) -> Iterable[Mapping[str, Any]]:
    content = item.get("content")
    if not isinstance(content, list):
        return
    for part in content:
        if isinstance(part, Mapping) and isinstance(part.get("annotations"), list):
            yield from (a for a in part["annotations"] if isinstance(a, Mapping))


def _source_of(annotation: Mapping[str, Any]) -> tuple[Literal["url", "file"], str] | None:
    source = annotation.get("source")
    if not isinstance(source, Mapping):
        return None
    kind = source.get("type") or annotation.get("type")
    if kind == "url" and isinstance(source.get("url"), str) and source["url"]:
        return "url", source["url"]
    if kind == "file" and isinstance(source.get("filename"), str) and source["filename"]:
        return "file", source["filename"]
    return None


def annotation_sources(item: Mapping[str, Any]) -> list[Source]:
    """The distinct sources an assistant message cites, numbered from 1 in order of use."""
    seen: set[tuple[str, str]] = set()
    sources: list[Source] = []
    for annotation in _annotations(item):
        found = _source_of(annotation)
        if found is None or found in seen:
            continue
        seen.add(found)
        kind, value = found
        href = safe_http_url(value) if kind == "url" else None
        sources.append(Source(number=len(sources) + 1, kind=kind, label=value, href=href))
    return sources


def pretty_json(text: str | None) -> str:
    """Indented JSON when the text is JSON, else the text unchanged (None gives "")."""
    if not isinstance(text, str):
        return ""
    if len(text) > _PRETTY_JSON_LIMIT:
        return text
    if len(text) <= _CACHEABLE_LENGTH:
        return _pretty_json_cached(text)
    return _pretty_json(text)


@functools.lru_cache(maxsize=2048)
def _pretty_json_cached(text: str) -> str:
    return _pretty_json(text)


def _pretty_json(text: str) -> str:
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return text
    try:
        return indented_json(value)
    except (ValueError, RecursionError):
        return text


def indented_json(value: object, indent: str = "") -> str:
    """`json.dumps(value, indent=2, ensure_ascii=False)` of what `json.loads` returns, at
    three times its speed (the standard library indents in pure Python, one chunk at a time)."""
    if type(value) is str:
        return _json_string(value)
    if type(value) is dict:
        if not value:
            return "{}"
        inner = indent + "  "
        members = [f"{_json_string(k)}: {indented_json(v, inner)}" for k, v in value.items()]
        return "{\n" + inner + (",\n" + inner).join(members) + "\n" + indent + "}"
    if type(value) is list:
        if not value:
            return "[]"
        inner = indent + "  "
        elements = [indented_json(element, inner) for element in value]
        return "[\n" + inner + (",\n" + inner).join(elements) + "\n" + indent + "]"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if type(value) is int:
        return int.__repr__(value)
    if type(value) is float:
        return _json_float(value)
    raise ValueError(f"not a JSON value: {type(value).__name__}")


def _json_float(value: float) -> str:
    if value != value:
        return "NaN"
    if value == math.inf:
        return "Infinity"
    if value == -math.inf:
        return "-Infinity"
    return float.__repr__(value)


def _as_datetime(value: object) -> datetime | None:
    """Upstream timestamps are unix seconds; ISO strings are accepted too."""
    try:
        if isinstance(value, bool):
            return None
        if isinstance(value, int | float):
            return datetime.fromtimestamp(value, tz=UTC)
        if isinstance(value, str) and value:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except (ValueError, OverflowError, OSError):
        return None
    return None


# Whole seconds from 1970 to the end of year 9999 (what `datetime` can hold).
_LAST_SECOND = 253_402_300_799
_TWO_DIGITS = tuple(f"{number:02}" for number in range(60))
_CLOCK = tuple(f"{hour:02}:{minute:02}" for hour in range(24) for minute in range(60))  # "HH:MM"


def timestamps(value: object) -> tuple[str, str] | None:
    """`datetime_iso` and `datetime_human` of one value, or None when unknown."""
    if type(value) is int and 0 <= value <= _LAST_SECOND:
        # The common case, unix seconds: the date from a small cache, the time from tables.
        day, second = divmod(value, 86_400)
        iso_date, human_date = _day(day)
        minute, second = divmod(second, 60)
        clock = _CLOCK[minute]
        return f"{iso_date}T{clock}:{_TWO_DIGITS[second]}Z", f"{human_date}, {clock} UTC"
    moment = _as_datetime(value)
    if moment is None:
        return None
    moment = moment.astimezone(UTC)
    iso = moment.isoformat(timespec="seconds").replace("+00:00", "Z")
    return iso, f"{moment.day} {moment:%b %Y, %H:%M} UTC"


@functools.lru_cache(maxsize=1024)
def _day(day: int) -> tuple[str, str]:
    """The ISO date and the readable date of a day counted from 1970-01-01."""
    moment = datetime.fromtimestamp(day * 86_400, tz=UTC)
    return moment.date().isoformat(), f"{moment.day} {moment:%b %Y}"


def datetime_iso(value: object) -> str:
    """A machine-readable UTC timestamp for <time datetime>, or "" when unknown."""
    moment = _as_datetime(value)
    if moment is None:
        return ""
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def datetime_human(value: object) -> str:
    """A short readable UTC timestamp such as "5 Apr 2024, 19:33 UTC", or "" when unknown."""
    moment = _as_datetime(value)
    if moment is None:
        return ""
    moment = moment.astimezone(UTC)
    return f"{moment.day} {moment:%b %Y, %H:%M} UTC"
