"""Identity provider checks: discovery, issuer, JWKS, userinfo; the URLs to register there."""

from __future__ import annotations

from typing import Any

import requests

from chatkit_bff.auth.client_auth import NoUsableTokenAuthMethod, token_auth_method
from chatkit_bff.auth.oidc import discovery_url
from chatkit_bff.settings import Settings

from .report import Check, Verdict

TIMEOUT_SECONDS = 5


def urls_to_register(base_url: str) -> dict[str, str]:
    base = base_url.rstrip("/")
    return {
        "redirect URI": f"{base}/auth/callback",
        "post-logout redirect URI": f"{base}/signed-out",
        "back-channel logout URI": f"{base}/auth/backchannel-logout",
        "front-channel logout URI (if no back-channel)": f"{base}/auth/frontchannel-logout",
        "initiate login URI (optional)": f"{base}/login",
    }


def check_provider(settings: Settings, http: requests.Session | None = None) -> list[Check]:
    if settings.dev_login or not settings.oidc_issuer:
        return [
            Check(
                "provider",
                "sign-in",
                "fail" if settings.is_production else "info",
                "demo sign-in: no OIDC_ISSUER, anyone can pick a demo user",
                "Set OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET for real sign-in.",
            )
        ]
    http = http or requests.Session()
    url = discovery_url(settings.oidc_issuer)
    try:
        answer = http.get(url, timeout=TIMEOUT_SECONDS)
        answer.raise_for_status()
        metadata: Any = answer.json()
    except (requests.RequestException, ValueError) as error:
        return [
            Check(
                "provider",
                "discovery",
                "fail",
                f"{url} could not be read ({type(error).__name__})",
                "Check OIDC_ISSUER (the issuer URL, without /.well-known/...) and that this "
                "host may reach it.",
            )
        ]
    if not isinstance(metadata, dict):
        return [Check("provider", "discovery", "fail", f"{url} is not a JSON object", None)]
    checks = [Check("provider", "discovery", "ok", f"{url} read")]
    advertised = metadata.get("issuer")
    if not isinstance(advertised, str) or advertised.rstrip("/") != settings.oidc_issuer:
        checks.append(
            Check(
                "provider",
                "issuer",
                "fail",
                f"the discovery document names issuer {advertised!r}, "
                f"OIDC_ISSUER is {settings.oidc_issuer!r}",
                f"Set OIDC_ISSUER to exactly {advertised!r}, or fix the provider's issuer.",
            )
        )
    else:
        checks.append(Check("provider", "issuer", "ok", f"{advertised} matches OIDC_ISSUER"))
    checks.append(_jwks(http, metadata.get("jwks_uri")))
    for endpoint, why in (
        ("authorization_endpoint", "sign-in"),
        ("token_endpoint", "sign-in"),
        ("userinfo_endpoint", "claims beyond the ID token"),
        ("end_session_endpoint", "signing out at the provider"),
    ):
        present = isinstance(metadata.get(endpoint), str)
        required = endpoint in ("authorization_endpoint", "token_endpoint")
        verdict: Verdict = "ok" if present else ("fail" if required else "info")
        checks.append(
            Check(
                "provider",
                endpoint,
                verdict,
                "present" if present else f"absent: no {why}",
                None if present or not required else "Use a provider with the code flow.",
            )
        )
    checks.append(_token_auth(settings.oidc_token_auth_method, metadata))
    checks.append(_pushed_authorization(settings.oidc_pushed_authorization, metadata))
    if not settings.oidc_client_secret:
        checks.append(
            Check(
                "provider",
                "client secret",
                "warn",
                "OIDC_CLIENT_SECRET is empty: the provider must accept a public client",
                "Register a confidential client and set OIDC_CLIENT_SECRET.",
            )
        )
    return checks


def _jwks(http: requests.Session, jwks_uri: object) -> Check:
    if not isinstance(jwks_uri, str):
        return Check("provider", "JWKS", "fail", "the discovery document has no jwks_uri", None)
    try:
        answer = http.get(jwks_uri, timeout=TIMEOUT_SECONDS)
        answer.raise_for_status()
        keys = answer.json().get("keys")
    except (requests.RequestException, ValueError, AttributeError) as error:
        return Check(
            "provider",
            "JWKS",
            "fail",
            f"{jwks_uri} could not be read ({type(error).__name__})",
            "The provider's signing keys must be reachable from this host.",
        )
    if not isinstance(keys, list) or not keys:
        return Check("provider", "JWKS", "fail", f"{jwks_uri} holds no keys", None)
    return Check("provider", "JWKS", "ok", f"{len(keys)} signing key(s) at {jwks_uri}")


def _pushed_authorization(mode: str, metadata: dict[str, Any]) -> Check:
    """Whether sign-ins push their authorization request first (RFC 9126)."""
    offered = isinstance(metadata.get("pushed_authorization_request_endpoint"), str)
    required = metadata.get("require_pushed_authorization_requests") is True
    name = "pushed authorization"
    if mode == "on" and not offered:
        return Check(
            "provider", name, "fail",
            "OIDC_PUSHED_AUTHORIZATION is on, but the provider offers no "
            "pushed_authorization_request_endpoint",
            "Set OIDC_PUSHED_AUTHORIZATION=auto, or enable pushed requests at the provider.",
        )  # fmt: skip
    if mode == "off" and required:
        return Check(
            "provider", name, "fail",
            "the provider requires pushed authorization requests; OIDC_PUSHED_AUTHORIZATION is off",
            "Set OIDC_PUSHED_AUTHORIZATION=auto.",
        )  # fmt: skip
    used = mode == "on" or (mode == "auto" and required)
    detail = "used" if used else "not used"
    if mode == "auto":
        detail += " (the provider requires them)" if required else " (not required)"
    return Check("provider", name, "ok", f"{detail}; OIDC_PUSHED_AUTHORIZATION={mode}")


def _token_auth(configured: str | None, metadata: dict[str, Any]) -> Check:
    """How the client will authenticate at the token endpoint, and whether the provider says so."""
    try:
        method = token_auth_method(configured, metadata)
    except NoUsableTokenAuthMethod as error:
        return Check(
            "provider",
            "token endpoint auth",
            "fail",
            str(error),
            "Allow client_secret_basic or client_secret_post for this client at the provider.",
        )
    advertised = metadata.get("token_endpoint_auth_methods_supported")
    if configured and isinstance(advertised, list) and configured not in advertised:
        return Check(
            "provider",
            "token endpoint auth",
            "warn",
            f"OIDC_TOKEN_AUTH_METHOD is {configured}, which the discovery document does not list",
            f"The provider lists {', '.join(map(str, advertised))}.",
        )
    source = "OIDC_TOKEN_AUTH_METHOD" if configured else "the discovery document"
    return Check("provider", "token endpoint auth", "ok", f"{method} (from {source})")
