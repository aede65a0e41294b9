"""What the test provider knows: its issuer, its users and its registered clients."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class ProviderUser:
    """An end user who can sign in at the provider."""

    sub: str
    name: str
    email: str
    email_verified: bool = True
    groups: list[str] = field(default_factory=list)
    #: More claims, granted with the ``groups`` scope (custom claims: nested, URL-named ...).
    extra_claims: dict[str, Any] = field(default_factory=dict)


@dataclass
class ProviderClient:
    """A registered relying party (confidential client)."""

    client_id: str
    client_secret: str
    redirect_uris: list[str]
    post_logout_redirect_uris: list[str]
    backchannel_logout_uri: str | None = None
    #: Front-Channel Logout 1.0: the page the provider's logout page loads in an iframe.
    frontchannel_logout_uri: str | None = None
    #: Answer UserInfo as a signed JWT (``application/jwt``) with this algorithm.
    userinfo_signed_response_alg: str | None = None
    #: The one token endpoint auth method accepted from this client (RFC 7591 §2); None: any
    #: the provider supports.
    token_endpoint_auth_method: str | None = None


@dataclass
class ProviderConfig:
    """Issuer, users and clients; an empty issuer is taken from the first request's host."""

    issuer: str
    users: list[ProviderUser]
    clients: list[ProviderClient]
    id_token_ttl: int = 300
    #: Also put the user's claims in the ID token. Off by default, as OpenID Connect Core
    #: §5.4 has it for the code flow: the scopes' claims come from the UserInfo endpoint.
    claims_in_id_token: bool = False
