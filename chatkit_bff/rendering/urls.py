"""URL checks for links and images built from upstream (attacker-controlled) data."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

MAX_URL_LENGTH = 2048

# Browsers silently drop tabs/newlines inside URLs and treat "\" like "/", which is how
# "jav\tascript:" and "https:\\evil" tricks get past naive checks: refuse them outright.
_UNSAFE_CHARACTERS = re.compile(r"[\x00-\x20\x7f-\x9f\\\u2028\u2029\ufeff]")


def _checked_url(url: object, schemes: frozenset[str]) -> str | None:
    if not isinstance(url, str) or not url or len(url) > MAX_URL_LENGTH:
        return None
    if _UNSAFE_CHARACTERS.search(url):
        return None
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
        port_is_valid = parts.port is None or 0 < parts.port < 65536
    except ValueError:
        return None
    if parts.scheme.lower() not in schemes or not hostname or not port_is_valid:
        return None
    if "@" in parts.netloc:
        return None
    return url


def safe_http_url(url: object) -> str | None:
    """The URL itself when it is an absolute http(s) URL without credentials, else None."""
    return _checked_url(url, frozenset({"http", "https"}))


def safe_image_url(url: object) -> str | None:
    """The URL itself when it is an absolute https URL without credentials, else None."""
    return _checked_url(url, frozenset({"https"}))
