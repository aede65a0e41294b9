"""The one JSON reader for request bodies and JSON form fields: bounded, and never a 500.

`json.loads` recurses once per nesting level, so a body of 30,000 `[` raises `RecursionError`
(which `get_json(silent=True)` does not catch); it also turns `"\\ud800"` into a lone surrogate
that Redis, Jinja and every later UTF-8 encoder refuse. Both are checked here, before a value
reaches any store.
"""

from __future__ import annotations

import json
from typing import Any

from chatkit_bff.errors import InvalidRequest, PayloadTooLarge

MAX_DEPTH = 32
MAX_BODY_BYTES = 64 * 1024

_OPENERS = frozenset(b"[{")
_CLOSERS = frozenset(b"]}")
_QUOTE = ord('"')
_BACKSLASH = ord("\\")


def nests_deeper_than(raw: bytes, limit: int) -> bool:
    """Whether JSON text nests `[`/`{` more than `limit` levels deep.

    A linear scan that skips string contents, so it needs no recursion and stops early; text
    with no more brackets than `limit` cannot nest deeper, and is not scanned at all.
    """
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False
    depth = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == _BACKSLASH:
                escaped = True
            elif byte == _QUOTE:
                in_string = False
        elif byte == _QUOTE:
            in_string = True
        elif byte in _OPENERS:
            depth += 1
            if depth > limit:
                return True
        elif byte in _CLOSERS:
            depth -= 1
    return False


def unencodable_path(value: Any, path: str = "") -> str | None:
    """The dotted path of the first string (key or value) that is not valid UTF-8 text."""
    pending: list[tuple[Any, str]] = [(value, path)]
    while pending:
        current, where = pending.pop()
        if isinstance(current, str):
            if not is_encodable(current):
                return where or "(body)"
        elif isinstance(current, dict):
            for key, item in current.items():
                child = f"{where}.{key}" if where else str(key)
                if not is_encodable(key):
                    return where or "(body)"
                pending.append((item, child))
        elif isinstance(current, list):
            pending.extend((item, f"{where}[{index}]") for index, item in enumerate(current))
    return None


def is_encodable(text: str) -> bool:
    """Whether `text` can be written as UTF-8 (no lone surrogates)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def storable_text(text: str) -> str:
    """`text` with any lone surrogate replaced, so Redis and templates can always encode it."""
    return text if is_encodable(text) else text.encode("utf-8", "replace").decode("utf-8")


def too_large(what: str = "The body", max_bytes: int = MAX_BODY_BYTES) -> PayloadTooLarge:
    """The 413 for a body (or field) over `max_bytes`."""
    return PayloadTooLarge(f"{what} is larger than {max_bytes // 1024} KiB.")


def parse_json(
    raw: bytes | str,
    *,
    what: str = "The body",
    max_bytes: int = MAX_BODY_BYTES,
    max_depth: int = MAX_DEPTH,
) -> Any:
    """JSON text to a value, or a 400/413 that says what is wrong with it."""
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    if len(data) > max_bytes:
        raise too_large(what, max_bytes)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidRequest(f"{what} is not valid UTF-8.") from None
    if nests_deeper_than(data, max_depth):
        raise InvalidRequest(f"{what} is nested more than {max_depth} levels deep.")
    try:
        value = json.loads(text)
    except RecursionError:  # cannot happen after the depth check; never let it become a 500
        raise InvalidRequest(f"{what} is nested too deeply.") from None
    except ValueError as exc:
        raise InvalidRequest(f"{what} is not valid JSON ({_reason(exc)}).") from None
    where = unencodable_path(value)
    if where is not None:
        raise InvalidRequest(
            f"{what} holds text that is not valid Unicode (a lone surrogate) at {where}."
        )
    return value


def parse_json_object(raw: bytes | str, **limits: Any) -> dict[str, Any]:
    """Like `parse_json`, and the value must be an object."""
    what = limits.get("what", "The body")
    value = parse_json(raw, **limits)
    if not isinstance(value, dict):
        raise InvalidRequest(f"{what} must be a JSON object.")
    return value


def _reason(exc: ValueError) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at line {exc.lineno} column {exc.colno}"
    return str(exc)
