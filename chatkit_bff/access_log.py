"""Access-log values made safe to write: no raw control characters, so no forged log lines."""

from __future__ import annotations

import re

# C0 and C1 controls, DEL, and the quote and backslash that delimit and escape a log field.
_UNSAFE = re.compile(r'[\x00-\x1f\x7f-\x9f"\\\u2028\u2029]')


def _escape_one(match: re.Match[str]) -> str:
    char = match.group()
    if char in ('"', "\\"):
        return "\\" + char
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def escape_log_value(value: str) -> str:
    """`value` with every control character written as `\\xNN` (and `"`, `\\` escaped)."""
    return _UNSAFE.sub(_escape_one, value)
