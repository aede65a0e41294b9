"""The OpenID Connect relying party: authlib's Flask client, configured strictly.

Authorization code flow with S256 PKCE, `state` and `nonce`; the ID token's signature is
checked against the provider's JWKS and its `iss` against the configured issuer (not just
whatever the discovery document says), `aud` against our client id, `exp` and `nonce`.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import requests
from authlib.integrations.base_client.errors import MismatchingStateError, OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Flask
from joserfc.errors import ExpiredTokenError, JoseError
from joserfc.jwk import KeySet

from chatkit_bff.auth.client_auth import (
    NoUsableTokenAuthMethod,
    encode_client_secret_basic,
    token_auth_method,
)
from chatkit_bff.auth.pushed_authorization import (
    push_authorization_request,
    short_authorize_url,
)
from chatkit_bff.auth.userinfo import (
    UserInfoRejected,
    UserInfoUnavailable,
    fetch_userinfo,
    merge_claims,
    verify_signed_userinfo,
)
from chatkit_bff.settings import Settings

log = logging.getLogger(__name__)

CLIENT_NAME = "oidc"
_EXTENSION = "chatkit_bff.auth.oidc"
HTTP_TIMEOUT_SECONDS = 10
#: Clock skew tolerated on `exp`/`iat` of ID and logout tokens.
LEEWAY_SECONDS = 60
#: An unknown signing key makes us fetch the JWKS again, but not more often than this.
JWKS_REFRESH_INTERVAL_SECONDS = 30


class ProviderMisconfigured(Exception):
    """The provider's metadata cannot be used (wrong issuer, no endpoints, bad JSON)."""


class MissingIdToken(Exception):
    """The token response carried no ID token."""


class WrongResponseIssuer(Exception):
    """The authorization response names another issuer, or none where ours always names one."""


class WrongInitiatingIssuer(Exception):
    """A third-party-initiated sign-in (Core §4) names another issuer than ours."""


#: A `login_hint` passed on to the provider: an email, a user name or an opaque hint.
_MAX_LOGIN_HINT = 256


def login_hint(hint: str | None) -> dict[str, str]:
    """The `login_hint` authorization parameter for a hint sent to the login initiation
    endpoint; none for a missing, overlong or unprintable one."""
    if not hint or len(hint) > _MAX_LOGIN_HINT or not hint.isprintable():
        return {}
    return {"login_hint": hint}


def discovery_url(issuer: str) -> str:
    return issuer.rstrip("/") + "/.well-known/openid-configuration"


@dataclass
class RelyingParty:
    """One app's client at the provider, plus what the app needs around it."""

    client: Any  # authlib FlaskOAuth2App
    issuer: str
    client_id: str
    #: `OIDC_TOKEN_AUTH_METHOD`, or None to follow the discovery document.
    configured_token_auth_method: str | None = None
    #: `OIDC_PUSHED_AUTHORIZATION`: auto (when the provider requires it), on or off.
    pushed_authorization: str = "auto"
    _jwks_refreshed_at: float = float("-inf")
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def metadata(self) -> dict[str, Any]:
        """The discovery document, fetched once; its issuer must be the configured one."""
        try:
            metadata: dict[str, Any] = self.client.load_server_metadata()
        except ValueError as error:
            raise ProviderMisconfigured("the discovery document is not JSON") from error
        advertised = metadata.get("issuer")
        if not isinstance(advertised, str) or advertised.rstrip("/") != self.issuer:
            # OpenID Connect Discovery §4.3: a mismatch means another issuer's document.
            self.client.server_metadata.pop("_loaded_at", None)
            raise ProviderMisconfigured("the discovery document names another issuer")
        for endpoint in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            if not isinstance(metadata.get(endpoint), str):
                self.client.server_metadata.pop("_loaded_at", None)
                raise ProviderMisconfigured(f"the discovery document has no {endpoint}")
        if "token_endpoint_auth_method" not in self.client.client_kwargs:
            self._choose_token_auth_method(metadata)
        return metadata

    def _choose_token_auth_method(self, metadata: dict[str, Any]) -> None:
        """Once per discovery document: authlib reads it from `client_kwargs` at each call."""
        try:
            method = token_auth_method(self.configured_token_auth_method, metadata)
        except NoUsableTokenAuthMethod as error:
            raise ProviderMisconfigured(str(error)) from error
        self.client.client_kwargs["token_endpoint_auth_method"] = method

    @property
    def exact_issuer(self) -> str:
        """The issuer exactly as the provider spells it (tokens carry this `iss`)."""
        return str(self.metadata()["issuer"])

    def check_response_issuer(self, iss: str | None) -> None:
        """RFC 9207 §2.4: an authorization response's `iss`, when present, must be exactly our
        issuer, and one from a provider that says it always sends `iss` must have it."""
        if iss is None:
            if self.metadata().get("authorization_response_iss_parameter_supported") is True:
                raise WrongResponseIssuer("the authorization response has no iss")
            return
        if iss != self.exact_issuer:
            raise WrongResponseIssuer("the authorization response names another issuer")

    def authorization_url(self, redirect_uri: str, **parameters: Any) -> dict[str, Any]:
        """authlib's authorization request (`url`, `state`, `nonce`, PKCE verifier…); its URL
        names a pushed request (RFC 9126) when the provider requires one or it is turned on."""
        flow: dict[str, Any] = self.client.create_authorization_url(redirect_uri, **parameters)
        metadata = self.metadata()
        required = metadata.get("require_pushed_authorization_requests") is True
        if self.pushed_authorization == "off" or (
            self.pushed_authorization == "auto" and not required
        ):
            return flow
        endpoint = metadata.get("pushed_authorization_request_endpoint")
        if not isinstance(endpoint, str):
            raise ProviderMisconfigured(
                "OIDC_PUSHED_AUTHORIZATION is on, but the discovery document has no "
                "pushed_authorization_request_endpoint"
            )
        with self.client._get_oauth_client() as session:
            request_uri = push_authorization_request(
                session,
                endpoint,
                flow["url"],
                auth_method=self.client.client_kwargs["token_endpoint_auth_method"],
                timeout=HTTP_TIMEOUT_SECONDS,
            )
        flow["url"] = short_authorize_url(
            metadata["authorization_endpoint"], self.client_id, request_uri
        )
        return flow

    def check_initiating_issuer(self, iss: str | None) -> None:
        """Core §4: a login initiation names the issuer that sends it; only ours may."""
        if iss is not None and iss != self.exact_issuer:
            raise WrongInitiatingIssuer("the login initiation names another issuer")

    def id_token_claims_options(self) -> dict[str, dict[str, Any]]:
        return {
            "iss": {"essential": True, "value": self.exact_issuer},
            "aud": {"essential": True, "value": self.client_id},
            "sub": {"essential": True},
        }

    def signing_algorithms(self) -> list[str]:
        advertised = self.metadata().get("id_token_signing_alg_values_supported")
        algorithms = [a for a in advertised or ["RS256"] if isinstance(a, str) and a != "none"]
        return algorithms or ["RS256"]

    def end_session_endpoint(self) -> str | None:
        endpoint = self.metadata().get("end_session_endpoint")
        return endpoint if isinstance(endpoint, str) and endpoint else None

    def userinfo_endpoint(self) -> str | None:
        endpoint = self.metadata().get("userinfo_endpoint")
        return endpoint if isinstance(endpoint, str) and endpoint else None

    def userinfo_algorithms(self) -> list[str]:
        advertised = self.metadata().get("userinfo_signing_alg_values_supported")
        algorithms = [a for a in advertised or [] if isinstance(a, str) and a != "none"]
        return algorithms or self.signing_algorithms()

    def claims_of(self, token: dict[str, Any]) -> dict[str, Any]:
        """The verified ID token's claims joined with the UserInfo answer (Core §5.3.2, §5.4).

        The access token is used for this one call and then forgotten with the rest of
        the token response.
        """
        id_claims = token.get("userinfo")
        if not token.get("id_token") or not id_claims:
            raise MissingIdToken
        endpoint = self.userinfo_endpoint()
        access_token = token.get("access_token")
        if endpoint is None or not isinstance(access_token, str):
            return dict(id_claims)

        def verify(signed: str) -> dict[str, Any]:
            return verify_signed_userinfo(
                signed,
                issuer=self.exact_issuer,
                client_id=self.client_id,
                keys=lambda refresh: self.signing_keys(refresh=refresh),
                algorithms=self.userinfo_algorithms(),
            )

        userinfo = fetch_userinfo(
            endpoint, access_token, timeout=HTTP_TIMEOUT_SECONDS, verify_jwt=verify
        )
        return merge_claims(id_claims, userinfo)

    def signing_keys(self, *, refresh: bool = False) -> KeySet:
        """The provider's public keys; `refresh` re-reads them (rate-limited)."""
        self.metadata()
        if refresh:
            with self._lock:
                now = time.monotonic()
                if now - self._jwks_refreshed_at < JWKS_REFRESH_INTERVAL_SECONDS:
                    refresh = False
                else:
                    self._jwks_refreshed_at = now
        return KeySet.import_key_set(self.client.fetch_jwk_set(force=refresh))


def register_oidc_client(app: Flask, settings: Settings) -> RelyingParty:
    """Register the `oidc` client for this app (discovery from OIDC_ISSUER).

    authlib's module-level registry keeps one client per name for the whole process and
    binds it to the last app it saw; a registry per app keeps apps (and tests) apart.
    """
    assert settings.oidc_issuer
    assert settings.oidc_client_id
    registry = OAuth()
    registry.init_app(app)
    client = registry.register(
        CLIENT_NAME,
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret,
        server_metadata_url=discovery_url(settings.oidc_issuer),
        client_kwargs={
            "scope": settings.oidc_scopes,
            "code_challenge_method": "S256",
            "default_timeout": HTTP_TIMEOUT_SECONDS,
        },
        client_auth_methods=[("client_secret_basic", encode_client_secret_basic)],
    )
    party = RelyingParty(
        client,
        settings.oidc_issuer,
        settings.oidc_client_id,
        configured_token_auth_method=settings.oidc_token_auth_method,
        pushed_authorization=settings.oidc_pushed_authorization,
    )
    app.extensions[_EXTENSION] = party
    return party


def relying_party(app: Flask) -> RelyingParty | None:
    """The app's OIDC client, or None when it uses development sign-in."""
    party = app.extensions.get(_EXTENSION)
    return party if isinstance(party, RelyingParty) else None


@dataclass(frozen=True)
class SignInFailure:
    """What to tell the person whose sign-in did not work (never token contents)."""

    status: int
    code: str
    title: str
    message: str


REAUTHENTICATION_FAILED = SignInFailure(
    403,
    "reauthentication_failed",
    "You were not asked to sign in again",
    "To go on, the identity provider must confirm it is you, just now, as the user already "
    "signed in here. Nothing was changed. Try again.",
)

_PROVIDER_ERRORS = {
    "access_denied": SignInFailure(
        403,
        "sign_in_cancelled",
        "Sign-in was cancelled",
        "The identity provider did not sign you in (the request was cancelled or refused).",
    ),
    "login_required": SignInFailure(
        401,
        "sign_in_required",
        "Please sign in at the identity provider",
        "The identity provider needs you to sign in again.",
    ),
    # The token endpoint refused this site's own credentials (secret or auth method): no one
    # can sign in until the configuration is fixed, and trying again will not help.
    "invalid_client": SignInFailure(
        502,
        "provider_rejected_client",
        "Sign-in is not set up correctly",
        "The identity provider did not accept this site's credentials, so nobody can sign in "
        "until an administrator fixes the configuration.",
    ),
}


def describe_failure(error: Exception) -> SignInFailure:
    """Turn anything the callback can raise into a page a person can act on."""
    if isinstance(error, MismatchingStateError):
        return SignInFailure(
            400,
            "sign_in_expired",
            "This sign-in link is no longer valid",
            "The sign-in was started in another window, took too long, or was already "
            "finished. Start again.",
        )
    if isinstance(error, OAuthError):
        known = _PROVIDER_ERRORS.get(str(error.error))
        if known:
            return known
        return SignInFailure(
            400,
            "sign_in_failed",
            "Sign-in did not complete",
            "The identity provider did not complete the sign-in. Start again.",
        )
    if isinstance(error, ExpiredTokenError):
        return SignInFailure(
            400,
            "sign_in_expired",
            "The sign-in took too long",
            "The identity provider's answer has expired. Start again.",
        )
    if isinstance(error, WrongResponseIssuer):
        return SignInFailure(
            400,
            "sign_in_failed",
            "Sign-in did not complete",
            "The answer did not come from the identity provider this site uses, so you are not "
            "signed in. Start again.",
        )
    if isinstance(error, WrongInitiatingIssuer):
        return SignInFailure(
            400,
            "sign_in_failed",
            "Sign-in did not start",
            "Another identity provider than the one this site uses asked to sign you in, so "
            "nothing was started. Sign in from this site instead.",
        )
    if isinstance(error, JoseError | MissingIdToken):
        return SignInFailure(
            400,
            "invalid_id_token",
            "Your identity could not be verified",
            "The identity provider's answer did not pass our checks, so you are not signed in.",
        )
    if isinstance(error, UserInfoRejected):
        return SignInFailure(
            400,
            "invalid_userinfo",
            "Your identity could not be verified",
            "The identity provider's profile answer did not match your sign-in, so you are "
            "not signed in.",
        )
    if isinstance(error, UserInfoUnavailable):
        return SignInFailure(
            502,
            "userinfo_unavailable",
            "Your profile could not be read",
            "The identity provider signed you in but did not hand over your profile, so you "
            "are not signed in. Try again in a moment.",
        )
    if isinstance(error, requests.RequestException | ProviderMisconfigured):
        return SignInFailure(
            503,
            "provider_unavailable",
            "The identity provider is unavailable",
            "We could not reach the identity provider. Try again in a moment.",
        )
    raise error


def log_failure(error: Exception) -> None:
    """Log what went wrong, naming the check that failed but never a token or code."""
    if isinstance(error, OAuthError) and error.error == "invalid_client":
        log.error(
            "sign-in unavailable: the provider refused our client credentials (invalid_client):"
            " check OIDC_CLIENT_ID, OIDC_CLIENT_SECRET and OIDC_TOKEN_AUTH_METHOD"
        )
    elif isinstance(error, OAuthError):
        log.warning("sign-in refused: %s (%s)", type(error).__name__, error.error)
    elif isinstance(error, JoseError):
        claim = getattr(error, "claim", None) or "signature"
        log.warning("sign-in refused: ID token check on %s failed: %s", claim, error.description)
    elif isinstance(error, UserInfoRejected | UserInfoUnavailable):
        log.warning("sign-in refused: UserInfo: %s", error)
    elif isinstance(error, WrongResponseIssuer):
        log.warning("sign-in refused: %s (RFC 9207)", error)
    elif isinstance(error, WrongInitiatingIssuer):
        log.warning("sign-in refused: %s (Core 4)", error)
    elif isinstance(error, ProviderMisconfigured):
        log.error("sign-in unavailable: %s", error)
    else:
        log.warning("sign-in failed: %s", type(error).__name__)
