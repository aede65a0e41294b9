"""The provider's memory and the handles tests use to steer and inspect it."""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import requests

from .claims import DEFAULT, Removed
from .config import ProviderClient, ProviderConfig, ProviderUser
from .keys import SigningKeys
from .logout_tokens import LOGOUT_TOKEN_TYP, logout_token_claims
from .records import (
    TOKEN_ENDPOINT_AUTH_METHODS,
    IssuedCode,
    IssuedToken,
    RegisteredClient,
    SignIn,
)


@dataclass
class ProviderState:
    """Everything the provider remembers; safe to use from the serving threads and tests."""

    config: ProviderConfig
    keys: SigningKeys = field(default_factory=SigningKeys)
    #: Laid over the claims of the next ID token only (``REMOVE`` drops a claim).
    id_token_overrides: dict[str, Any] = field(default_factory=dict)
    #: Laid over the claims of the next UserInfo answer only (``REMOVE`` drops a claim).
    userinfo_overrides: dict[str, Any] = field(default_factory=dict)
    #: While set, the UserInfo endpoint answers with this HTTP status and no claims.
    userinfo_failure_status: int | None = None
    #: Sign UserInfo answers with a key that is not in the JWKS.
    sign_userinfo_with_foreign_key: bool = False
    #: Seconds the UserInfo endpoint waits before answering.
    userinfo_delay: float = 0.0
    #: Sign the next ID token only with a key that is not in the JWKS.
    sign_with_foreign_key_next: bool = False
    #: What the discovery document lists as `token_endpoint_auth_methods_supported` (None: the
    #: field is left out, which means client_secret_basic).
    advertised_token_auth_methods: tuple[str, ...] | None = TOKEN_ENDPOINT_AUTH_METHODS
    #: Also send Back-Channel Logout to the session's clients when the end-session endpoint ends it.
    backchannel_logout_on_end_session: bool = False
    #: Live provider login sessions: sid -> sub.
    sessions: dict[str, str] = field(default_factory=dict)
    issued_codes: dict[str, IssuedCode] = field(default_factory=dict)
    tokens: dict[str, IssuedToken] = field(default_factory=dict)
    #: One entry per end-session request, in arrival order.
    end_session_calls: list[dict[str, Any]] = field(default_factory=list)
    #: One entry per logout token POSTed to a client: client_id, sub, sid, status (or error).
    backchannel_logout_calls: list[dict[str, Any]] = field(default_factory=list)
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    @property
    def issuer(self) -> str:
        return self.config.issuer

    @issuer.setter
    def issuer(self, value: str) -> None:
        self.config.issuer = value.rstrip("/")

    # Users and clients

    def register_client(self, client: ProviderClient) -> None:
        """Add ``client``, replacing any registered client with the same id."""
        with self._lock:
            self.config.clients = [
                c for c in self.config.clients if c.client_id != client.client_id
            ] + [client]

    def find_client(self, client_id: str | None) -> RegisteredClient | None:
        for client in self.config.clients:
            if client.client_id == client_id:
                return RegisteredClient(client)
        return None

    def find_user(self, username: str) -> ProviderUser | None:
        """The user whose ``sub`` (or email) is ``username``."""
        for user in self.config.users:
            if username in (user.sub, user.email):
                return user
        return None

    # Login sessions

    def sign_in(self, user: ProviderUser) -> SignIn:
        """Open a new provider login session for ``user``."""
        sign_in = SignIn(user=user, sid=secrets.token_urlsafe(16), auth_time=int(time.time()))
        with self._lock:
            self.sessions[sign_in.sid] = user.sub
        return sign_in

    def current_sid(self, sub: str) -> str:
        """The sid of ``sub``'s most recent live login session."""
        with self._lock:
            for sid, session_sub in reversed(self.sessions.items()):
                if session_sub == sub:
                    return sid
        raise LookupError(f"{sub!r} has no live session at the provider")

    def end_session(self, sid: str | None) -> None:
        """End the login session ``sid`` and revoke the access tokens issued in it."""
        if sid is None:
            return
        with self._lock:
            self.sessions.pop(sid, None)
            tokens = [t for t in self.tokens.values() if t.sign_in.sid == sid]
            for token in tokens:
                token.revoked = True
        if self.backchannel_logout_on_end_session:
            notified = {t.client.client_id: t.sign_in.user.sub for t in tokens}
            for client_id, sub in notified.items():
                self._notify_client(client_id, sub, sid)

    def record_end_session(self, call: dict[str, Any]) -> None:
        with self._lock:
            self.end_session_calls.append(call)

    # Codes and tokens

    def save_code(self, code: IssuedCode) -> None:
        with self._lock:
            self.issued_codes[code.code] = code

    def redeemable_code(self, code: str, client_id: str) -> IssuedCode | None:
        """The code if ``client_id`` may still redeem it; replaying a code revokes its tokens."""
        with self._lock:
            issued = self.issued_codes.get(code)
            if issued is None or issued.client_id != client_id or issued.is_expired:
                return None
            if issued.used:
                for token in self.tokens.values():
                    if token.code == code:
                        token.revoked = True
                return None
            return issued

    def mark_code_used(self, code: IssuedCode) -> None:
        with self._lock:
            code.used = True

    def nonce_was_used(self, client_id: str, nonce: str) -> bool:
        with self._lock:
            return any(
                c.client_id == client_id and c.nonce == nonce for c in self.issued_codes.values()
            )

    def save_token(self, token: IssuedToken) -> None:
        with self._lock:
            self.tokens[token.access_token] = token

    def take_id_token_tweaks(self) -> tuple[dict[str, Any], bool]:
        """The overrides and foreign-key flag for this ID token, cleared for the next one."""
        with self._lock:
            overrides, self.id_token_overrides = self.id_token_overrides, {}
            foreign, self.sign_with_foreign_key_next = self.sign_with_foreign_key_next, False
        return overrides, foreign

    def take_userinfo_overrides(self) -> dict[str, Any]:
        with self._lock:
            overrides, self.userinfo_overrides = self.userinfo_overrides, {}
        return overrides

    # Back-Channel Logout

    def make_logout_token(
        self,
        *,
        sub: str | None = None,
        sid: str | None = None,
        aud: str | list[str] | Removed | None = None,
        iss: str | Removed | None = None,
        iat: int | Removed | None = None,
        exp: int | Removed | None = None,
        jti: str | Removed | None = None,
        events: Any = DEFAULT,
        nonce: str | None = None,
        typ: str | None = LOGOUT_TOKEN_TYP,
        foreign_key: bool = False,
        extra: dict[str, Any] | None = None,
    ) -> str:
        """A signed Back-Channel Logout token; any claim can be replaced or ``REMOVE``d.

        ``aud`` defaults to the first registered client, ``iss`` to the issuer; ``typ=None``
        leaves the header's typ out and ``foreign_key`` signs with a key not in the JWKS.
        """
        if aud is None:
            if not self.config.clients:
                raise LookupError("no client is registered to be the logout token's audience")
            aud = self.config.clients[0].client_id
        claims = logout_token_claims(
            iss=self.issuer if iss is None else iss,
            aud=aud,
            sub=sub,
            sid=sid,
            iat=iat,
            exp=exp,
            jti=jti,
            events=events,
            nonce=nonce,
            extra=extra,
        )
        return self.keys.sign(claims, foreign=foreign_key, typ=typ)

    def send_backchannel_logout(
        self, client_id: str, *, sub: str | None = None, sid: str | None = None, **overrides: Any
    ) -> requests.Response:
        """POST a logout token for ``client_id`` to its ``backchannel_logout_uri``."""
        client = self.find_client(client_id)
        if client is None or not client.registration.backchannel_logout_uri:
            raise LookupError(f"{client_id!r} has no backchannel_logout_uri registered")
        overrides.setdefault("aud", client_id)
        token = self.make_logout_token(sub=sub, sid=sid, **overrides)
        response = requests.post(
            client.registration.backchannel_logout_uri,
            data={"logout_token": token},
            timeout=10,
            allow_redirects=False,
        )
        self._record_backchannel(
            {"client_id": client_id, "sub": sub, "sid": sid, "status": response.status_code}
        )
        return response

    def frontchannel_logout_urls(self, sid: str) -> list[str]:
        """What the provider's logout page for login session `sid` loads in iframes: each
        client's ``frontchannel_logout_uri`` with ``iss`` and ``sid`` added (Front-Channel
        Logout 1.0 §2, session required)."""
        urls = []
        for client in self.config.clients:
            if client.frontchannel_logout_uri:
                joiner = "&" if "?" in client.frontchannel_logout_uri else "?"
                query = urlencode({"iss": self.issuer, "sid": sid})
                urls.append(f"{client.frontchannel_logout_uri}{joiner}{query}")
        return urls

    def _notify_client(self, client_id: str, sub: str, sid: str) -> None:
        client = self.find_client(client_id)
        if client is None or not client.registration.backchannel_logout_uri:
            return
        try:
            self.send_backchannel_logout(client_id, sub=sub, sid=sid)
        except requests.RequestException as error:
            self._record_backchannel(
                {"client_id": client_id, "sub": sub, "sid": sid, "error": repr(error)}
            )

    def _record_backchannel(self, call: dict[str, Any]) -> None:
        with self._lock:
            self.backchannel_logout_calls.append(call)
