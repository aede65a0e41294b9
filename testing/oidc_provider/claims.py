"""Claim sets for ID tokens and userinfo, and the overrides tests use to corrupt them."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any, Final, Literal

from authlib.oauth2.rfc6749 import scope_to_list

from .config import ProviderUser


class Sentinel(enum.Enum):
    REMOVE = "remove"
    DEFAULT = "default"


#: As an override value: drop the claim (or header parameter) altogether.
REMOVE: Final = Sentinel.REMOVE
#: As an argument value: use what a well-behaved provider would send.
DEFAULT: Final = Sentinel.DEFAULT

Removed = Literal[Sentinel.REMOVE]
Defaulted = Literal[Sentinel.DEFAULT]

SUPPORTED_SCOPES: Final = ("openid", "profile", "email", "groups")
SUPPORTED_CLAIMS: Final = (
    "iss",
    "aud",
    "sub",
    "exp",
    "iat",
    "auth_time",
    "nonce",
    "sid",
    "at_hash",
    "name",
    "email",
    "email_verified",
    "groups",
)


def user_claims(user: ProviderUser, scope: str) -> dict[str, Any]:
    """Claims about ``user`` that ``scope`` grants (Core §5.4; ``groups`` is a custom scope)."""
    scopes = scope_to_list(scope) or []
    claims: dict[str, Any] = {"sub": user.sub}
    if "groups" in scopes:
        claims["groups"] = list(user.groups)
        claims.update(user.extra_claims)
    if "profile" in scopes:
        claims["name"] = user.name
    if "email" in scopes:
        claims["email"] = user.email
        claims["email_verified"] = user.email_verified
    return claims


def apply_overrides(claims: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Return ``claims`` with ``overrides`` laid over it; a ``REMOVE`` value drops the claim."""
    result = dict(claims)
    for name, value in overrides.items():
        if value is REMOVE:
            result.pop(name, None)
        else:
            result[name] = value
    return result
