"""Validate OpenID Connect Back-Channel Logout 1.0 logout tokens (§2.4 and §2.6)."""

from __future__ import annotations

import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from joserfc import jws, jwt
from joserfc.errors import BadSignatureError, ExpiredTokenError, InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jwt import JWTClaimsRegistry

BACKCHANNEL_LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"
LOGOUT_TOKEN_TYPES = {"logout+jwt", "application/logout+jwt"}
#: The generic type says only "a JWT" (RFC 7519 §5.1): Keycloak before 25 and others send it on
#: logout tokens. The claims tell such a token from an ID token (`events`, and no `nonce`).
GENERIC_TYPES = {"jwt", "application/jwt"}
#: A logout token older than this is refused even without `exp` (and replay memory ends).
MAX_AGE_SECONDS = 300
MAX_TOKEN_LENGTH = 16 * 1024


class LogoutTokenRejected(Exception):
    """The logout token is not acceptable; the message says which check failed."""


@dataclass(frozen=True)
class LogoutClaims:
    """Who is being signed out: a provider session (`sid`), a user (`sub`), or both."""

    issuer: str
    subject: str | None
    sid: str | None
    jti: str
    #: Until when a replay of this `jti` must be refused.
    remember_until: int


def _header(token: str) -> dict[str, Any]:
    try:
        return dict(jws.extract_compact(token.encode("ascii")).headers())
    except (JoseError, ValueError, UnicodeError) as error:
        raise LogoutTokenRejected("the logout token is not a signed JWT") from error


def _check_type(header: dict[str, Any]) -> None:
    """A token typed as another kind of JWT (an access token, say) is not a logout token."""
    typ = header.get("typ")
    if typ is None:
        return
    if not isinstance(typ, str) or typ.lower() not in LOGOUT_TOKEN_TYPES | GENERIC_TYPES:
        raise LogoutTokenRejected("the logout token's typ header is not logout+jwt")


def _verified_claims(
    token: str, keys: Callable[[bool], KeySet], algorithms: Collection[str]
) -> dict[str, Any]:
    try:
        try:
            decoded = jwt.decode(token, keys(False), algorithms=list(algorithms))
        except InvalidKeyIdError:
            # The provider may have rotated its keys since we last read them.
            decoded = jwt.decode(token, keys(True), algorithms=list(algorithms))
    except (BadSignatureError, InvalidKeyIdError) as error:
        raise LogoutTokenRejected("the logout token's signature is not the provider's") from error
    except (JoseError, ValueError) as error:
        raise LogoutTokenRejected("the logout token could not be verified") from error
    return dict(decoded.claims)


def _check_registered_claims(
    claims: dict[str, Any], *, issuer: str, client_id: str, now: int, leeway: int
) -> None:
    registry = JWTClaimsRegistry(
        now=now,
        leeway=leeway,
        iss={"essential": True, "value": issuer},
        aud={"essential": True, "value": client_id},
        iat={"essential": True},
        jti={"essential": True},
    )
    try:
        registry.validate(claims)
    except ExpiredTokenError as error:
        raise LogoutTokenRejected("the logout token has expired") from error
    except JoseError as error:
        raise LogoutTokenRejected(
            f"the logout token has a bad claim ({error.description})"
        ) from error
    if claims["iat"] < now - MAX_AGE_SECONDS - leeway:
        raise LogoutTokenRejected("the logout token is too old")


def _check_logout_shape(claims: dict[str, Any]) -> None:
    events = claims.get("events")
    if not isinstance(events, dict) or not isinstance(events.get(BACKCHANNEL_LOGOUT_EVENT), dict):
        raise LogoutTokenRejected("the logout token has no back-channel logout event")
    if "nonce" in claims:
        raise LogoutTokenRejected("a logout token must not contain a nonce")
    sub, sid = claims.get("sub"), claims.get("sid")
    if sub is None and sid is None:
        raise LogoutTokenRejected("the logout token names neither sub nor sid")
    for name, value in (("sub", sub), ("sid", sid)):
        if value is not None and (not isinstance(value, str) or not value):
            raise LogoutTokenRejected(f"the logout token's {name} is not a string")


def verify_logout_token(
    token: str,
    *,
    issuer: str,
    client_id: str,
    keys: Callable[[bool], KeySet],
    algorithms: Collection[str] = ("RS256",),
    leeway: int = 60,
    now: float | None = None,
) -> LogoutClaims:
    """Check a logout token; `keys(refresh)` returns the provider's JWKS.

    Replay (`jti` seen before) is the caller's to check, with `remember_until`.
    """
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise LogoutTokenRejected("logout_token is missing")
    if token.count(".") != 2:
        raise LogoutTokenRejected("the logout token is not a signed JWT")
    header = _header(token)
    _check_type(header)
    if header.get("alg") not in algorithms:
        raise LogoutTokenRejected("the logout token is signed with an algorithm we do not accept")
    claims = _verified_claims(token, keys, algorithms)
    current = int(now if now is not None else time.time())
    _check_registered_claims(claims, issuer=issuer, client_id=client_id, now=current, leeway=leeway)
    _check_logout_shape(claims)
    exp = claims.get("exp")
    remember_until = int(exp) if isinstance(exp, int | float) else 0
    remember_until = max(remember_until, int(claims["iat"]) + MAX_AGE_SECONDS) + leeway
    return LogoutClaims(
        issuer=str(claims["iss"]),
        subject=claims.get("sub"),
        sid=claims.get("sid"),
        jti=str(claims["jti"]),
        remember_until=remember_until,
    )
