"""Claim paths: the shapes providers give roles, groups and custom claims."""

from __future__ import annotations

from typing import Any

import pytest

from chatkit_bff.identity import claim_scalar, claim_strings, identity_from_claims

CLAIMS: dict[str, Any] = {
    "groups": ["chat-admins", "staff"],
    "scope_like": "read write  admin",
    "realm_access": {"roles": ["offline_access", "chat-admins"]},
    "resource_access": {"chatkit-bff": {"roles": ["editor"]}},
    "https://example.com/roles": ["owner"],
    "urn:zitadel:iam:org:project:roles": {
        "chat-admins": {"287148811386438145": "acme.zitadel.cloud"},
        "staff": {"287148811386438145": "acme.zitadel.cloud", "2871": "beta.zitadel.cloud"},
    },
    "not_roles": {"chat-admins": {"org": ["a"]}},
    "https://example.com/plan": "team",
    "seats": 5,
    "beta": True,
    "nested": {"flag": False},
    "mixed": ["a", 1, True, {"x": 1}],
}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("groups", ("chat-admins", "staff")),
        ("scope_like", ("read", "write", "admin")),
        ("realm_access.roles", ("offline_access", "chat-admins")),
        ("resource_access.chatkit-bff.roles", ("editor",)),
        ("https://example.com/roles", ("owner",)),
        ("mixed", ("a", "1")),
        ("urn:zitadel:iam:org:project:roles", ("chat-admins", "staff")),
        ("not_roles", ()),
        ("resource_access", ()),
        ("seats", ()),
        ("realm_access", ()),
        ("realm_access.missing", ()),
        ("groups.0", ()),
        ("nowhere", ()),
    ],
)
def test_claim_strings(path: str, expected: tuple[str, ...]) -> None:
    assert claim_strings(CLAIMS, path) == expected


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("https://example.com/plan", "team"),
        ("seats", 5),
        ("beta", True),
        ("nested.flag", False),
        ("realm_access.roles", "offline_access chat-admins"),
        ("urn:zitadel:iam:org:project:roles", "chat-admins staff"),
        ("mixed", None),
        ("realm_access", None),
        ("nowhere", None),
    ],
)
def test_claim_scalar(path: str, expected: object) -> None:
    assert claim_scalar(CLAIMS, path) == expected


@pytest.mark.parametrize(
    ("verified", "admin"),
    [(True, True), ("true", True), ("TRUE", True), (False, False), ("false", False), (1, False),
     (None, False), ("yes", False)],
)  # fmt: skip
def test_an_admin_email_counts_only_when_the_provider_says_it_is_verified(
    verified: object, admin: bool
) -> None:
    claims: dict[str, Any] = {"iss": "https://op.example", "sub": "s1", "email": "Boss@Example.com"}
    if verified is not None:
        claims["email_verified"] = verified
    identity = identity_from_claims(claims, admin_groups=(), admin_emails={"boss@example.com"})
    assert identity.is_admin is admin
    assert identity.email_verified is admin
