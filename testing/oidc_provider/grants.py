"""Authorization code grant with OpenID Connect and mandatory S256 PKCE, on in-memory records."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from authlib.oauth2.rfc6749 import InvalidRequestError, InvalidScopeError, OAuth2Request
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core.grants import OpenIDCode
from authlib.oidc.core.util import create_half_hash

from .claims import apply_overrides, user_claims
from .keys import ALGORITHM
from .records import TOKEN_ENDPOINT_AUTH_METHODS, IssuedCode, RegisteredClient, SignIn

if TYPE_CHECKING:
    from .state import ProviderState


class ProviderCodeGrant(AuthorizationCodeGrant):  # type: ignore[misc]
    """Keeps codes in the provider state; a replayed code also revokes its tokens."""

    TOKEN_ENDPOINT_AUTH_METHODS = list(TOKEN_ENDPOINT_AUTH_METHODS)

    @property
    def state(self) -> ProviderState:
        state: ProviderState = self.server.state
        return state

    def validate_requested_scope(self) -> None:
        scope = self.request.payload.scope or ""
        if "openid" not in scope.split():
            raise InvalidScopeError("The 'openid' scope is required.")

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        data = request.payload.data
        sign_in: SignIn = request.user
        self.state.save_code(
            IssuedCode(
                code=code,
                client_id=request.client.client_id,
                redirect_uri=request.payload.redirect_uri,
                scope=request.scope,
                sign_in=sign_in,
                nonce=data.get("nonce"),
                code_challenge=data["code_challenge"],
                code_challenge_method=data["code_challenge_method"],
            )
        )

    def query_authorization_code(self, code: str, client: RegisteredClient) -> IssuedCode | None:
        return self.state.redeemable_code(code, client.client_id)

    def delete_authorization_code(self, authorization_code: IssuedCode) -> None:
        self.state.mark_code_used(authorization_code)

    def authenticate_user(self, authorization_code: IssuedCode) -> SignIn:
        return authorization_code.sign_in


class S256CodeChallenge(CodeChallenge):  # type: ignore[misc]
    """PKCE as a strict provider enforces it: a challenge is required and must be S256."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant: ProviderCodeGrant, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("Missing 'code_challenge'.")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("'code_challenge_method' must be 'S256'.")
        super().validate_code_challenge(grant, redirect_uri)


class ProviderOpenIDCode(OpenIDCode):  # type: ignore[misc]
    """Issues the ID token, honouring the state's one-shot overrides and foreign key."""

    def __init__(self, state: ProviderState) -> None:
        super().__init__(require_nonce=False)
        self.state = state

    def exists_nonce(self, nonce: str, request: OAuth2Request) -> bool:
        return self.state.nonce_was_used(request.payload.client_id, nonce)

    def encode_id_token(self, token: dict[str, Any], request: OAuth2Request) -> str:
        code: IssuedCode = request.authorization_code
        sign_in = code.sign_in
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.state.issuer,
            "aud": code.client_id,
            "iat": now,
            "exp": now + self.state.config.id_token_ttl,
            "auth_time": sign_in.auth_time,
            "sid": sign_in.sid,
            "sub": sign_in.user.sub,
        }
        if self.state.config.claims_in_id_token:
            claims.update(user_claims(sign_in.user, code.scope))
        if code.nonce:
            claims["nonce"] = code.nonce
        at_hash = create_half_hash(token["access_token"], ALGORITHM)
        if at_hash is not None:
            claims["at_hash"] = at_hash.decode("ascii")
        overrides, foreign_key = self.state.take_id_token_tweaks()
        return self.state.keys.sign(apply_overrides(claims, overrides), foreign=foreign_key)
