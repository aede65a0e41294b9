"""UserInfo and RP-initiated logout endpoints on top of authlib's implementations."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from authlib.integrations.flask_oauth2 import ResourceProtector
from authlib.oauth2.rfc6749 import InvalidRequestError, OAuth2Request
from authlib.oauth2.rfc6750 import BearerTokenValidator
from authlib.oidc.core import UserInfo, UserInfoEndpoint
from authlib.oidc.rpinitiated import EndSessionEndpoint, EndSessionRequest
from joserfc.jwk import KeySet, RSAKey

from .claims import apply_overrides, user_claims
from .keys import ALGORITHM
from .records import IssuedToken, SignIn

if TYPE_CHECKING:
    from .state import ProviderState


class AccessTokenValidator(BearerTokenValidator):  # type: ignore[misc]
    def __init__(self, state: ProviderState) -> None:
        super().__init__()
        self.state = state

    def authenticate_token(self, token_string: str) -> IssuedToken | None:
        return self.state.tokens.get(token_string)


class ProviderUserInfoEndpoint(UserInfoEndpoint):  # type: ignore[misc]
    def __init__(self, state: ProviderState) -> None:
        protector = ResourceProtector()
        protector.register_token_validator(AccessTokenValidator(state))
        super().__init__(resource_protector=protector)
        self.state = state

    def generate_user_info(self, user: SignIn, scope: str) -> UserInfo:
        claims = user_claims(user.user, scope)
        return UserInfo(apply_overrides(claims, self.state.take_userinfo_overrides()))

    def get_issuer(self) -> str:
        return self.state.issuer

    def resolve_private_key(self) -> RSAKey:
        keys = self.state.keys
        return keys.foreign if self.state.sign_userinfo_with_foreign_key else keys.signing

    def get_supported_algorithms(self) -> list[str]:
        return [ALGORITHM]


class ProviderEndSessionEndpoint(EndSessionEndpoint):  # type: ignore[misc]
    """Ends the provider's login session named by the ID token hint's ``sid``."""

    def __init__(self, state: ProviderState) -> None:
        super().__init__()
        self.state = state

    def validate_request(self, request: OAuth2Request) -> EndSessionRequest:
        validated: EndSessionRequest = super().validate_request(request)
        claims = validated.id_token_claims
        if claims is not None and claims.get("iss") != self.state.issuer:
            raise InvalidRequestError("'id_token_hint' was not issued here.")
        return validated

    def get_server_jwks(self) -> KeySet:
        return self.state.keys.public_key_set()

    def get_algorithms(self) -> list[str]:
        return ["RS256"]

    def end_session(self, end_session_request: EndSessionRequest) -> None:
        claims: dict[str, Any] = end_session_request.id_token_claims or {}
        self.state.end_session(claims.get("sid"))
