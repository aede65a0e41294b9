"""Find a claim by the name providers give it: a plain or URL-named claim, or a dotted path.

Keycloak nests roles (`realm_access.roles`), Auth0 insists on URL-named custom claims
(`https://example.com/roles`, dots and all), Okta and Entra ID use flat `groups`/`roles`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


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


def claim_strings(claims: Mapping[str, Any], path: str) -> tuple[str, ...]:
    """The value at `path` as a list of strings: a JSON list, or a space-separated string."""
    value = claim_at(claims, path)
    if isinstance(value, str):
        return tuple(value.split())
    if isinstance(value, list | tuple):
        return tuple(str(v) for v in value if isinstance(v, str | int) and not isinstance(v, bool))
    return ()


def claim_scalar(claims: Mapping[str, Any], path: str) -> str | int | float | bool | None:
    """The value at `path` as one workflow state value; a list of strings is joined by spaces."""
    value = claim_at(claims, path)
    if isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return " ".join(value)
    return None
