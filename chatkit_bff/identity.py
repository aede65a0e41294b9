"""Who the signed-in user is, and the opaque upstream user id derived from it."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Collection, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from chatkit_bff.json_input import storable_text

# Claim paths: find a claim by the name providers give it. Keycloak nests roles
# (`realm_access.roles`), Auth0 insists on URL-named custom claims (`https://example.com/roles`,
# dots and all), Okta and Entra ID use flat `groups`/`roles`, and ZITADEL sends its roles as
# an object keyed by role (`urn:zitadel:iam:org:project:roles`: {role: {org id: org domain}}).


def claim_at(claims: Mapping[str, Any], path: str) -> Any:
    """The value at `path`: the claim named exactly so, else the dotted path into objects."""
    if path in claims:
        return claims[path]
    value: Any = claims
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def claims_held_elsewhere(claims: Mapping[str, Any]) -> frozenset[str]:
    """Claims the provider sent only as a reference (Core §5.6.2, aggregated or distributed:
    `_claim_names`), such as Entra ID's groups past 200; their values are not fetched."""
    names = claims.get("_claim_names")
    if not isinstance(names, Mapping):
        return frozenset()
    return frozenset(str(name) for name in names)


def held_elsewhere(claims: Mapping[str, Any], path: str) -> bool:
    """Whether the claim `path` names (or the claim its dotted path starts in) came by
    reference only (see `claims_held_elsewhere`)."""
    held = claims_held_elsewhere(claims)
    return path in held or path.split(".")[0] in held


def claim_strings(claims: Mapping[str, Any], path: str) -> tuple[str, ...]:
    """The value at `path` as a list of strings: a JSON list, a space-separated string, or the
    roles of a ZITADEL role object."""
    value = claim_at(claims, path)
    if isinstance(value, str):
        return tuple(value.split())
    if isinstance(value, list | tuple):
        return tuple(str(v) for v in value if isinstance(v, str | int) and not isinstance(v, bool))
    if _keyed_by_role(value):
        return tuple(value)
    return ()


def _keyed_by_role(value: object) -> bool:
    """ZITADEL's shape, {role: {org id: org domain}}: every value an object of strings. Keycloak's
    containers (`realm_access`, `resource_access`) hold lists, so they are not read as roles."""
    return (
        isinstance(value, Mapping)
        and bool(value)
        and all(
            isinstance(role, str)
            and isinstance(orgs, Mapping)
            and all(isinstance(org, str) for org in orgs.values())
            for role, orgs in value.items()
        )
    )


def claim_scalar(claims: Mapping[str, Any], path: str) -> str | int | float | bool | None:
    """The value at `path` as one workflow state value; a list of strings is joined by spaces."""
    value = claim_at(claims, path)
    if isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return " ".join(value)
    if _keyed_by_role(value):
        return " ".join(value)
    return None


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
    admin_claim: str = "groups",
    variable_claims: Collection[str] = (),
) -> Identity:
    """Build the identity from verified claims; the admin flag is recomputed each time.

    `admin_claim` and `variable_claims` are claim paths (see `claim_at`); the values
    of the latter are kept under their path, for the workflow's state variables. Claim text
    is made storable first: a provider's JSON may carry lone surrogates.
    """
    claims = {k: storable_text(v) if isinstance(v, str) else v for k, v in claims.items()}
    issuer, subject = str(claims["iss"]), str(claims["sub"])
    email = claims.get("email")
    # Some providers (Amazon Cognito's UserInfo) send the boolean as the string "true".
    verified = claims.get("email_verified")
    email_verified = verified is True or (isinstance(verified, str) and verified.lower() == "true")
    groups = tuple(storable_text(g) for g in claim_strings(claims, admin_claim))
    is_admin = bool(set(groups) & set(admin_groups)) or (
        email_verified and isinstance(email, str) and email.lower() in admin_emails
    )
    name = claims.get("name") or claims.get("preferred_username") or email or "Signed-in user"
    kept: dict[str, Any] = {
        k: v for k, v in claims.items() if isinstance(v, str | int | float | bool)
    }
    for path in variable_claims:
        value = claim_scalar(claims, path)
        if value is not None:
            kept[path] = value
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
        claims=kept,
    )
