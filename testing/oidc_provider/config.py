"""What the test provider knows: its issuer, its users and its registered clients."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ProviderUser:
    """An end user who can sign in at the provider."""

    sub: str
    name: str
    email: str
    email_verified: bool = True
    groups: list[str] = field(default_factory=list)


@dataclass
class ProviderClient:
    """A registered relying party (confidential client)."""

    client_id: str
    client_secret: str
    redirect_uris: list[str]
    post_logout_redirect_uris: list[str]
    backchannel_logout_uri: str | None = None


@dataclass
class ProviderConfig:
    """Issuer, users and clients; an empty issuer is taken from the first request's host."""

    issuer: str
    users: list[ProviderUser]
    clients: list[ProviderClient]
    id_token_ttl: int = 300
