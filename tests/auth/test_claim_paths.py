"""Claim paths: the shapes providers give roles, groups and custom claims."""

from __future__ import annotations

from typing import Any

import pytest

from chatkit_bff.identity import claim_scalar, claim_strings

CLAIMS: dict[str, Any] = {
    "groups": ["chat-admins", "staff"],
    "scope_like": "read write  admin",
    "realm_access": {"roles": ["offline_access", "chat-admins"]},
    "resource_access": {"chatkit-bff": {"roles": ["editor"]}},
    "https://example.com/roles": ["owner"],
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
        ("mixed", None),
        ("realm_access", None),
        ("nowhere", None),
    ],
)
def test_claim_scalar(path: str, expected: object) -> None:
    assert claim_scalar(CLAIMS, path) == expected
