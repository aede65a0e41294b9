"""Who the signed-in user is, and the opaque upstream user id derived from it."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Collection, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from chatkit_bff.json_input import storable_text


def upstream_user_id(issuer: str, subject: str) -> str:
    """Stable, opaque id for ChatKit's `user`: never an email or a name, 44 characters."""
    digest = hashlib.sha256(f"{issuer}\n{subject}".encode()).digest()
    return "u_" + base64.urlsafe_b64encode(digest).decode().rstrip("=")


@dataclass(frozen=True)
class Actor:
    """Who made a change (an admin, or a script): recorded with policies and in the audit trail."""

    user_id: str
    name: str

    @classmethod
    def of(cls, identity: Identity) -> Actor:
        return cls(identity.user_id, identity.name)


@dataclass(frozen=True)
class Identity:
    user_id: str
    issuer: str
    subject: str
    name: str
    email: str | None = None
    email_verified: bool = False
    groups: tuple[str, ...] = ()
    is_admin: bool = False
    sid: str | None = None
    claims: Mapping[str, Any] = field(default_factory=dict)

    def to_session(self) -> dict[str, Any]:
        data = asdict(self)
        data["groups"] = list(self.groups)
        data["claims"] = dict(self.claims)
        return data

    @classmethod
    def from_session(cls, data: Mapping[str, Any]) -> Identity:
        return cls(
            user_id=str(data["user_id"]),
            issuer=str(data["issuer"]),
            subject=str(data["subject"]),
            name=str(data.get("name") or ""),
            email=data.get("email"),
            email_verified=bool(data.get("email_verified")),
            groups=tuple(data.get("groups") or ()),
            is_admin=bool(data.get("is_admin")),
            sid=data.get("sid"),
            claims=dict(data.get("claims") or {}),
        )


def identity_from_claims(
    claims: Mapping[str, Any],
    *,
    admin_groups: Collection[str],
    admin_emails: Collection[str],
) -> Identity:
    """Build the identity from verified ID-token claims; the admin flag is recomputed each time.

    Claim text is made storable first: a provider's JSON may carry lone surrogates.
    """
    claims = {k: storable_text(v) if isinstance(v, str) else v for k, v in claims.items()}
    issuer, subject = str(claims["iss"]), str(claims["sub"])
    email = claims.get("email")
    email_verified = claims.get("email_verified") is True
    raw_groups = claims.get("groups") or []
    groups = (
        tuple(storable_text(str(g)) for g in raw_groups) if isinstance(raw_groups, list) else ()
    )
    is_admin = bool(set(groups) & set(admin_groups)) or (
        email_verified and isinstance(email, str) and email.lower() in admin_emails
    )
    name = claims.get("name") or claims.get("preferred_username") or email or "Signed-in user"
    return Identity(
        user_id=upstream_user_id(issuer, subject),
        issuer=issuer,
        subject=subject,
        name=str(name),
        email=email if isinstance(email, str) else None,
        email_verified=email_verified,
        groups=groups,
        is_admin=is_admin,
        sid=claims.get("sid") if isinstance(claims.get("sid"), str) else None,
        claims={k: v for k, v in claims.items() if isinstance(v, str | int | float | bool)},
    )
