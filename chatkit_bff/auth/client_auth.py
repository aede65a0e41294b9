"""How this client proves who it is at the provider's token endpoint (RFC 6749 §2.3.1).

The method is the one configured (`OIDC_TOKEN_AUTH_METHOD`, for providers that hold each client
to the method it was registered with), else the first of `client_secret_basic` and
`client_secret_post` the discovery document lists (OpenID Connect Discovery §3: an absent list
means `client_secret_basic`). HTTP Basic sends the id and secret form-urlencoded, as §2.3.1
asks, so a secret with `+`, `%` or `:` in it reads the same at the provider.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from chatkit_bff.settings import OIDC_TOKEN_AUTH_METHODS

#: Discovery §3: the default when the provider lists none.
DEFAULT_ADVERTISED = ("client_secret_basic",)


class NoUsableTokenAuthMethod(Exception):
    """The provider accepts neither client_secret_basic nor client_secret_post."""


def token_auth_method(configured: str | None, metadata: Mapping[str, Any]) -> str:
    """The method to authenticate with at the token endpoint."""
    if configured:
        return configured
    advertised = metadata.get("token_endpoint_auth_methods_supported")
    if not isinstance(advertised, list) or not advertised:
        advertised = list(DEFAULT_ADVERTISED)
    for method in OIDC_TOKEN_AUTH_METHODS:
        if method in advertised:
            return method
    raise NoUsableTokenAuthMethod(
        "the provider's token endpoint accepts neither client_secret_basic nor client_secret_post"
    )


def _form_encoded(value: str) -> str:
    return quote(value, safe="")


def encode_client_secret_basic(
    client: Any, method: str, uri: str, headers: dict[str, str], body: str
) -> tuple[str, dict[str, str], str]:
    """authlib's client auth hook for `client_secret_basic`, encoding as §2.3.1 says."""
    credentials = f"{_form_encoded(client.client_id)}:{_form_encoded(client.client_secret)}"
    headers["Authorization"] = "Basic " + base64.b64encode(credentials.encode()).decode("ascii")
    return uri, headers, body
