"""Re-authentication before destroying data: a sign-in is "recent" only if the user proved
who they are (the ID token's `auth_time`) within `REAUTH_MAX_AGE` seconds.

A stale sign-in is sent through the provider with `prompt=login` and `max_age=0` (OpenID
Connect Core §3.1.2.1); the new ID token must then carry an `auth_time` from after that request
(§3.1.3.7 point 13: the client checks it), for the same user.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

REAUTH_PATH = "/auth/reauthenticate"


class ReauthenticationFailed(Exception):
    """The provider did not authenticate the same user again just now."""


def is_recent(auth_time: object, max_age_seconds: int, *, now: float | None = None) -> bool:
    """Whether the user authenticated within `max_age_seconds` (unknown: no)."""
    if not isinstance(auth_time, int | float) or isinstance(auth_time, bool):
        return False
    return (time.time() if now is None else now) - float(auth_time) <= max_age_seconds


def reauthentication_url(next_path: str) -> str:
    return f"{REAUTH_PATH}?{urlencode({'next': next_path})}"


def fresh_auth_time(
    claims: Mapping[str, Any],
    *,
    user_id: str,
    expected_user_id: str,
    started_at: float,
    leeway: int,
) -> float:
    """The `auth_time` of a re-authentication, checked; raises `ReauthenticationFailed`."""
    if user_id != expected_user_id:
        raise ReauthenticationFailed("another user signed in")
    auth_time = claims.get("auth_time")
    if not isinstance(auth_time, int | float) or isinstance(auth_time, bool):
        raise ReauthenticationFailed("the ID token has no auth_time")
    if auth_time < started_at - leeway:
        raise ReauthenticationFailed("the provider did not ask for the sign-in again")
    return float(auth_time)
