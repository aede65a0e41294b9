"""Pushed Authorization Requests (RFC 9126): the authorization request goes to the provider
first, server to server, and the browser carries only `client_id` and a `request_uri`.

Providers that require it (FAPI 2.0 profiles, or a client registered with
`require_pushed_authorization_requests`) refuse a plain authorization request. The parameters
pushed are exactly those authlib put in the authorization URL (state, nonce, PKCE challenge,
scope, redirect URI and any hints), with the client authentication of the token endpoint.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import requests
from authlib.integrations.base_client.errors import OAuthError

#: The authorization request's parameters; the browser's request names only these.
SHORT_PARAMETERS = ("client_id", "request_uri")


def push_authorization_request(
    session: Any,
    endpoint: str,
    authorize_url: str,
    *,
    auth_method: str,
    timeout: float,
) -> str:
    """POST the parameters of `authorize_url` to `endpoint` (an authlib OAuth2Session with
    the client's credentials); the `request_uri` the provider answers with."""
    parameters = dict(parse_qsl(urlsplit(authorize_url).query, keep_blank_values=True))
    if auth_method == "client_secret_post":
        parameters.pop("client_id", None)  # the authentication adds it to the body once
    response: requests.Response = session.post(
        endpoint,
        data=parameters,
        auth=session.client_auth(auth_method),
        timeout=timeout,
        allow_redirects=False,
    )
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code not in (200, 201) or not isinstance(body, dict):
        error = body.get("error") if isinstance(body, dict) else None
        description = body.get("error_description") if isinstance(body, dict) else None
        raise OAuthError(
            error=str(error or f"pushed_authorization_http_{response.status_code}"),
            description=str(description or "the pushed authorization request was refused"),
        )
    request_uri = body.get("request_uri")
    if not isinstance(request_uri, str) or not request_uri:
        raise OAuthError(error="invalid_response", description="no request_uri in the answer")
    return request_uri


def short_authorize_url(authorization_endpoint: str, client_id: str, request_uri: str) -> str:
    """Where the browser goes: the authorization endpoint with the pushed request's handle."""
    joiner = "&" if "?" in authorization_endpoint else "?"
    query = urlencode({"client_id": client_id, "request_uri": request_uri})
    return f"{authorization_endpoint}{joiner}{query}"
