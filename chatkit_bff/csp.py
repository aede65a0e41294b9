"""The security headers every response carries, computed once per app from the settings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from chatkit_bff.settings import Settings

#: Where the hosted ChatKit web component comes from; it renders inside a frame from here.
CHATKIT_CDN = "https://cdn.platform.openai.com"
CHATKIT_API = "https://api.openai.com"

HSTS = "max-age=63072000; includeSubDomains"
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()"
)


def origin(url: str) -> str | None:
    """`scheme://host[:port]` of an absolute http(s) URL, else None."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def _join(*sources: str | None) -> str:
    seen: list[str] = []
    for source in sources:
        if source and source not in seen:
            seen.append(source)
    return " ".join(seen)


def content_security_policy(
    settings: Settings, frame_ancestors: tuple[str, ...] | None = None
) -> str:
    """No inline script or style; only our origin and what the ChatKit component loads.

    `form-action` also names the identity provider: the sign-out form is answered with a
    redirect to its end-session endpoint, and browsers hold redirects to the same rule.
    """
    provider = origin(settings.oidc_issuer) if settings.oidc_issuer else None
    upstream = origin(settings.chatkit_api_base)
    if upstream == CHATKIT_API:
        upstream = None
    ancestors = " ".join(frame_ancestors or settings.frame_ancestors) or "'self'"
    directives = {
        "default-src": "'self'",
        "script-src": _join("'self'", CHATKIT_CDN),
        "style-src": _join("'self'", CHATKIT_CDN),
        "font-src": _join("'self'", CHATKIT_CDN),
        "img-src": "'self' https: data:",
        "connect-src": _join("'self'", CHATKIT_API, CHATKIT_CDN, upstream),
        "frame-src": CHATKIT_CDN,
        "worker-src": "'self'",
        "manifest-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'none'",
        "form-action": _join("'self'", provider),
        "frame-ancestors": ancestors,
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def _frame_options(frame_ancestors: tuple[str, ...]) -> str | None:
    """The legacy header, when it can say the same thing as `frame-ancestors`."""
    if frame_ancestors == ("'self'",):
        return "SAMEORIGIN"
    if frame_ancestors == ("'none'",):
        return "DENY"
    return None


def security_headers(settings: Settings) -> Mapping[str, str]:
    """Headers for every response: pages, API, errors and static files."""
    headers = {
        "Content-Security-Policy": content_security_policy(settings),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Cross-Origin-Resource-Policy": "same-origin",
        "Permissions-Policy": PERMISSIONS_POLICY,
    }
    frame_options = _frame_options(settings.frame_ancestors)
    if frame_options:
        headers["X-Frame-Options"] = frame_options
    if settings.is_production:
        headers["Strict-Transport-Security"] = HSTS
    return headers


def framed_by(settings: Settings, origins: tuple[str, ...]) -> dict[str, str]:
    """A response only this origin and `origins` may frame.

    `frame-ancestors` replaces the global `FRAME_ANCESTORS` here, and the legacy
    X-Frame-Options (which cannot name other origins) is left out.
    """
    headers = dict(security_headers(settings))
    headers["Content-Security-Policy"] = content_security_policy(
        settings, frame_ancestors=("'self'", *origins)
    )
    headers.pop("X-Frame-Options", None)
    return headers


def embed_security_headers(settings: Settings, embed_origins: tuple[str, ...]) -> dict[str, str]:
    """An app's embed page: framed by this origin and the app's `embed_origins` only."""
    return framed_by(settings, embed_origins)
