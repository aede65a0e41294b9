"""Limits, cursors and ids from query strings and paths, parsed strictly in one place.

Strict means: the whole value must match (`fullmatch`, so no trailing newline slips past a `$`),
digits are ASCII digits only (`str.isdigit` also takes "²" and Arabic-Indic digits, which `int`
refuses or misreads), and numbers are range-checked before they reach Redis or the upstream.
"""

from __future__ import annotations

import re

from chatkit_bff.errors import InvalidRequest

ASCII_DIGITS = re.compile(r"[0-9]{1,20}")
# A Redis stream id is two unsigned 64-bit numbers, `<milliseconds>-<sequence>`.
_STREAM_ID = re.compile(r"([0-9]{1,20})-([0-9]{1,20})")
_UINT64_MAX = 2**64 - 1


def invalid(name: str, problem: str) -> InvalidRequest:
    """A 400 naming the parameter, with the problem as its field message."""
    return InvalidRequest(f"Invalid '{name}': {problem}.", fields={name: problem})


def ascii_int(raw: str) -> int | None:
    """The value of a string of ASCII digits, or None for anything else."""
    return int(raw) if ASCII_DIGITS.fullmatch(raw) else None


def parse_limit(raw: str | None, *, maximum: int, default: int, name: str = "limit") -> int:
    """A page size from 1 to `maximum`; blank or missing means `default`."""
    value = parse_optional_limit(raw, maximum=maximum, name=name)
    return default if value is None else value


def parse_optional_limit(raw: str | None, *, maximum: int, name: str = "limit") -> int | None:
    """A page size from 1 to `maximum`, or None when blank or missing."""
    if raw is None or raw == "":
        return None
    value = ascii_int(raw)
    if value is None or not 1 <= value <= maximum:
        raise invalid(name, f"must be a whole number from 1 to {maximum}")
    return value


def parse_stream_id(raw: str | None, *, name: str = "before", problem: str) -> str | None:
    """A Redis stream id usable as an exclusive bound (so not `0-0`), or None when blank."""
    if raw is None or raw == "":
        return None
    match = _STREAM_ID.fullmatch(raw)
    if match is None:
        raise InvalidRequest(f"{name} {problem}.", fields={name: problem})
    milliseconds, sequence = int(match.group(1)), int(match.group(2))
    if milliseconds > _UINT64_MAX or sequence > _UINT64_MAX or milliseconds + sequence == 0:
        raise InvalidRequest(f"{name} {problem}.", fields={name: problem})
    return f"{milliseconds}-{sequence}"


def parse_pattern(
    raw: str | None, pattern: re.Pattern[str], *, name: str, problem: str
) -> str | None:
    """`raw` if all of it matches `pattern`, None when blank, else a 400 naming `name`."""
    if raw is None or raw == "":
        return None
    if not pattern.fullmatch(raw):
        raise invalid(name, problem)
    return raw
