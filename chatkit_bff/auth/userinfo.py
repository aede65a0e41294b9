"""The UserInfo endpoint (OpenID Connect Core §5.3) and how its claims join the ID token's.

Providers configured the default way return the `profile`, `email` and custom-scope claims
(`groups`) from UserInfo only (Core §5.4), so a sign-in reads them from there. The ID token
stays authoritative for who signed in and how (§5.3.2: a UserInfo `sub` that differs is not
this user's answer and fails the sign-in).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any

import requests
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jwt import JWTClaimsRegistry

#: Claims whose ID-token value is the only one that counts (UserInfo copies are dropped).
ID_TOKEN_CLAIMS = frozenset(
    {"iss", "sub", "aud", "sid", "nonce", "auth_time", "acr", "amr", "azp", "exp", "iat"}
    | {"at_hash", "c_hash", "jti"}
)
MAX_RESPONSE_BYTES = 256 * 1024


class UserInfoUnavailable(Exception):
    """The UserInfo endpoint could not be reached, timed out or answered with an error."""


class UserInfoRejected(Exception):
    """The UserInfo answer failed a check (another `sub`, a bad signature, not JSON)."""


def fetch_userinfo(
    endpoint: str,
    access_token: str,
    *,
    timeout: float,
    verify_jwt: Callable[[str], dict[str, Any]],
) -> dict[str, Any]:
    """GET the endpoint with the access token; a signed answer goes through `verify_jwt`."""
    try:
        response = requests.get(
            endpoint,
            headers={
                "Authorization": f"Bearer {access_token}",
                "Accept": "application/json, application/jwt",
            },
            timeout=timeout,
            allow_redirects=False,
        )
    except requests.RequestException as error:
        raise UserInfoUnavailable(type(error).__name__) from error
    with response:
        if response.status_code != 200:
            raise UserInfoUnavailable(f"HTTP {response.status_code}")
        if len(response.content) > MAX_RESPONSE_BYTES:
            raise UserInfoRejected("the answer is too large")
        media_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if media_type == "application/jwt":
            return verify_jwt(response.text.strip())
        try:
            body = response.json()
        except ValueError as error:
            raise UserInfoRejected("the answer is not JSON") from error
    if not isinstance(body, dict):
        raise UserInfoRejected("the answer is not a JSON object")
    return body


def verify_signed_userinfo(
    token: str,
    *,
    issuer: str,
    client_id: str,
    keys: Callable[[bool], KeySet],
    algorithms: Collection[str],
) -> dict[str, Any]:
    """A signed UserInfo answer (Core §5.3.2): the provider's signature, `iss` and `aud`."""
    if token.count(".") != 2:
        # Five parts would be an encrypted answer: this client registers no key to read it.
        raise UserInfoRejected("the signed answer is not a JWS")
    try:
        try:
            decoded = jwt.decode(token, keys(False), algorithms=list(algorithms))
        except InvalidKeyIdError:
            decoded = jwt.decode(token, keys(True), algorithms=list(algorithms))
        JWTClaimsRegistry(
            iss={"essential": True, "value": issuer},
            aud={"essential": True, "value": client_id},
        ).validate(decoded.claims)
    except (JoseError, ValueError) as error:
        raise UserInfoRejected(f"the signed answer did not verify ({error})") from error
    return dict(decoded.claims)


def merge_claims(
    id_token_claims: Mapping[str, Any], userinfo: Mapping[str, Any] | None
) -> dict[str, Any]:
    """UserInfo claims under the ID token's; a different `sub` refuses the answer."""
    if userinfo is None:
        return dict(id_token_claims)
    if userinfo.get("sub") != id_token_claims.get("sub"):
        raise UserInfoRejected("the UserInfo sub is not the ID token's")
    merged = {k: v for k, v in userinfo.items() if k not in ID_TOKEN_CLAIMS}
    merged.update(id_token_claims)
    return merged
