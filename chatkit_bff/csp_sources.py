"""CSP source expressions: which values settings may put into a Content-Security-Policy."""

from __future__ import annotations

import re

_KEYWORD_SOURCES = {"'self'", "'none'"}
# scheme-source (https:), or [scheme://]host[:port] with an optional leading wildcard label.
_HOST_SOURCE = re.compile(
    r"(?:[a-z][a-z0-9+.-]*:)"
    r"|(?:(?:[a-z][a-z0-9+.-]*://)?(?:\*\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*(?::(?:\d{1,5}|\*))?)",
    re.IGNORECASE,
)


def is_valid_frame_ancestor(source: str) -> bool:
    """A single CSP source expression that cannot smuggle another directive in."""
    return source in _KEYWORD_SOURCES or bool(_HOST_SOURCE.fullmatch(source))
