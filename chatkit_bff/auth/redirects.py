"""Where it is safe to send a browser after sign-in."""

from __future__ import annotations

from urllib.parse import urlsplit


def safe_next(target: str | None, default: str = "/") -> str:
    """Accept only a same-origin relative path; anything else becomes `default`."""
    if not target or len(target) > 2048:
        return default
    if not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    if any(ord(ch) < 0x20 or ch == "\\" for ch in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


def same_origin_path(target: str | None, origin: str, default: str = "/") -> str:
    """The path (and query) of an absolute URL on `origin` ("https://host[:port]"), made safe
    as by `safe_next`; any other URL becomes `default`.

    For `target_link_uri` (Core §4): the provider names where to go by an absolute URL, and the
    app must not become an open redirector.
    """
    if not target or len(target) > 2048:
        return default
    try:
        parts = urlsplit(target)
    except ValueError:  # a malformed host, such as "http://[x"
        return default
    if f"{parts.scheme}://{parts.netloc}".lower() != origin.rstrip("/").lower():
        return default
    path = parts.path or "/"
    return safe_next(f"{path}?{parts.query}" if parts.query else path, default)
