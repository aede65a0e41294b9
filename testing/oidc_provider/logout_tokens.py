"""Claims of OpenID Connect Back-Channel Logout tokens, well-formed or deliberately not."""

from __future__ import annotations

import secrets
import time
from typing import Any, Final

from .claims import DEFAULT, REMOVE, Defaulted, Removed, apply_overrides

BACKCHANNEL_LOGOUT_EVENT: Final = "http://schemas.openid.net/event/backchannel-logout"
LOGOUT_TOKEN_TYP: Final = "logout+jwt"
LOGOUT_TOKEN_TTL: Final = 120


def logout_token_claims(
    *,
    iss: str | Removed,
    aud: str | list[str] | Removed,
    sub: str | None = None,
    sid: str | None = None,
    iat: int | Removed | None = None,
    exp: int | Removed | None = None,
    jti: str | Removed | None = None,
    events: Any = DEFAULT,
    nonce: str | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Claims per Back-Channel Logout 1.0 §2.4; ``None`` means the usual value, ``REMOVE`` none.

    ``sub``, ``sid`` and ``nonce`` are left out when None (a real logout token never has a
    nonce); ``extra`` is laid over the result last and may also ``REMOVE`` claims.
    """
    issued_at = int(time.time()) if iat is None else iat
    claims: dict[str, Any] = {
        "iss": iss,
        "aud": aud,
        "iat": issued_at,
        "exp": _default_exp(issued_at) if exp is None else exp,
        "jti": secrets.token_urlsafe(16) if jti is None else jti,
        "events": _events(events),
    }
    if sub is not None:
        claims["sub"] = sub
    if sid is not None:
        claims["sid"] = sid
    if nonce is not None:
        claims["nonce"] = nonce
    return apply_overrides(claims, {k: v for k, v in claims.items() if v is REMOVE} | (extra or {}))


def _default_exp(issued_at: int | Removed) -> int:
    base = int(time.time()) if issued_at is REMOVE else issued_at
    return base + LOGOUT_TOKEN_TTL


def _events(events: Defaulted | Removed | Any) -> Any:
    if events is DEFAULT:
        return {BACKCHANNEL_LOGOUT_EVENT: {}}
    return events
