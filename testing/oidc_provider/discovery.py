"""The OpenID Provider Metadata document served at /.well-known/openid-configuration."""

from __future__ import annotations

from typing import Any

from .claims import SUPPORTED_CLAIMS, SUPPORTED_SCOPES
from .keys import ALGORITHM
from .records import TOKEN_ENDPOINT_AUTH_METHODS


def provider_metadata(
    issuer: str, token_auth_methods: tuple[str, ...] | None = TOKEN_ENDPOINT_AUTH_METHODS
) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/authorize",
        "token_endpoint": f"{issuer}/token",
        "jwks_uri": f"{issuer}/jwks",
        "userinfo_endpoint": f"{issuer}/userinfo",
        "end_session_endpoint": f"{issuer}/end_session",
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code"],
        "subject_types_supported": ["public"],
        "code_challenge_methods_supported": ["S256"],
        "id_token_signing_alg_values_supported": [ALGORITHM],
        "userinfo_signing_alg_values_supported": [ALGORITHM],
        "scopes_supported": list(SUPPORTED_SCOPES),
        "claims_supported": list(SUPPORTED_CLAIMS),
        "backchannel_logout_supported": True,
        "backchannel_logout_session_supported": True,
        "frontchannel_logout_supported": True,
        "frontchannel_logout_session_supported": True,
    }
    if token_auth_methods is not None:  # absent means client_secret_basic (Discovery §3)
        metadata["token_endpoint_auth_methods_supported"] = list(token_auth_methods)
    return metadata
