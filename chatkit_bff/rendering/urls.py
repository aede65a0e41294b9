"""URL checks for links and images built from upstream (attacker-controlled) data."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

MAX_URL_LENGTH = 2048
HTTP_SCHEMES = frozenset({"http", "https"})
IMAGE_SCHEMES = frozenset({"https"})

# Browsers silently drop tabs/newlines inside URLs and treat "\" like "/", which is how
# "jav\tascript:" and "https:\\evil" tricks get past naive checks: refuse them outright.
_UNSAFE_CHARACTERS = re.compile(r"[\x00-\x20\x7f-\x9f\\\u2028\u2029\ufeff]")
# Most URLs are plain: a scheme, a host of letters, digits, dots and dashes, maybe a port, then
# printable ASCII. For these the answer of the full check below is known without parsing.
_PLAIN_URL = re.compile(r"([A-Za-z]+)://[A-Za-z0-9.-]+(?::([0-9]{1,5}))?(?:[/?#][!-\[\]-~]*)?")


def _checked_url(url: object, schemes: frozenset[str]) -> str | None:
    if not isinstance(url, str) or not url or len(url) > MAX_URL_LENGTH:
        return None
    if plain := _PLAIN_URL.fullmatch(url):
        scheme, port = plain.groups()
        if scheme.lower() not in schemes or (port is not None and not 0 < int(port) < 65536):
            return None
        return url
    return checked_by_parsing(url, schemes)


def checked_by_parsing(url: str, schemes: frozenset[str]) -> str | None:
    """The full check, for URLs that are not plain (and for comparing with the shortcut)."""
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
    return _checked_url(url, HTTP_SCHEMES)


def safe_image_url(url: object) -> str | None:
    """The URL itself when it is an absolute https URL without credentials, else None."""
    return _checked_url(url, IMAGE_SCHEMES)
