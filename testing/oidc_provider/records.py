"""In-memory records the provider keeps, shaped as authlib's model mixins expect."""

from __future__ import annotations

import hmac
import time
from dataclasses import dataclass, field
from typing import Any

from .claims import SUPPORTED_SCOPES
from .config import ProviderClient, ProviderUser

AUTHORIZATION_CODE_TTL = 600
TOKEN_ENDPOINT_AUTH_METHODS = ("client_secret_basic", "client_secret_post")


@dataclass
class RegisteredClient:
    """authlib's view of a ``ProviderClient``; reads it live so tests can mutate it."""

    registration: ProviderClient

    @property
    def client_id(self) -> str:
        return self.registration.client_id

    @property
    def client_metadata(self) -> dict[str, Any]:
        metadata: dict[str, Any] = {
            "post_logout_redirect_uris": list(self.registration.post_logout_redirect_uris)
        }
        if alg := self.registration.userinfo_signed_response_alg:
            metadata["userinfo_signed_response_alg"] = alg
        return metadata

    def get_client_id(self) -> str:
        return self.registration.client_id

    def get_default_redirect_uri(self) -> None:
        # OpenID Connect makes redirect_uri mandatory, so there is no default.
        return None

    def get_allowed_scope(self, scope: str | None) -> str:
        requested = (scope or "").split()
        return " ".join(s for s in requested if s in SUPPORTED_SCOPES)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.registration.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return hmac.compare_digest(client_secret, self.registration.client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        registered = self.registration.token_endpoint_auth_method
        return (
            endpoint == "token"
            and method in TOKEN_ENDPOINT_AUTH_METHODS
            and registered in (None, method)
        )

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


@dataclass(frozen=True)
class SignIn:
    """One sign-in at the provider: the provider's login session ``sid``."""

    user: ProviderUser
    sid: str
    auth_time: int


@dataclass
class IssuedCode:
    """An authorization code and everything bound to it."""

    code: str
    client_id: str
    redirect_uri: str
    scope: str
    sign_in: SignIn
    nonce: str | None
    code_challenge: str
    code_challenge_method: str
    issued_at: float = field(default_factory=time.time)
    used: bool = False

    @property
    def is_expired(self) -> bool:
        return time.time() - self.issued_at > AUTHORIZATION_CODE_TTL

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.sign_in.auth_time

    def get_acr(self) -> None:
        return None

    def get_amr(self) -> None:
        return None


@dataclass
class IssuedToken:
    """An access token, as authlib's TokenMixin sees it."""

    access_token: str
    client: RegisteredClient
    sign_in: SignIn
    scope: str
    expires_in: int
    code: str
    issued_at: float = field(default_factory=time.time)
    revoked: bool = False

    def check_client(self, client: RegisteredClient) -> bool:
        return client.client_id == self.client.client_id

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return self.expires_in

    def is_expired(self) -> bool:
        return time.time() >= self.issued_at + self.expires_in

    def is_revoked(self) -> bool:
        return self.revoked

    def get_user(self) -> SignIn:
        return self.sign_in

    def get_client(self) -> RegisteredClient:
        return self.client
