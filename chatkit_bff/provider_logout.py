"""Act on a verified logout token: end the browser sessions and the user's ChatKit sessions."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import redis

from . import keys
from .identity import Identity, upstream_user_id
from .logout_token import LogoutClaims
from .session_broker import SessionBroker
from .session_registry import SessionRegistry

log = logging.getLogger(__name__)


class ReplayedLogoutToken(Exception):
    """This logout token (its `jti`) was already acted on."""


@dataclass(frozen=True)
class EndedSessions:
    user_id: str | None
    browser_sessions: int
    chat_sessions: int


class ProviderLogout:
    def __init__(
        self,
        client: redis.Redis,
        sessions: SessionRegistry,
        broker: SessionBroker,
        *,
        sign_in_ttl_seconds: int,
    ) -> None:
        self._redis = client
        self._sessions = sessions
        self._broker = broker
        self._ttl = max(int(sign_in_ttl_seconds), 1)

    def remember_sign_in(self, identity: Identity) -> None:
        """Note whose provider session `sid` is, for logout tokens that name only the sid."""
        if identity.sid:
            self._redis.set(
                keys.provider_session_user(identity.sid), identity.user_id, ex=self._ttl
            )

    def end(self, claims: LogoutClaims) -> EndedSessions:
        """End what the token names, once: a replayed `jti` raises `ReplayedLogoutToken`."""
        seen = keys.logout_token_seen(claims.issuer, claims.jti)
        ttl = max(claims.remember_until - int(time.time()), 1)
        if not self._redis.set(seen, b"1", nx=True, ex=ttl):
            raise ReplayedLogoutToken(claims.jti)
        try:
            return self._end(claims)
        except Exception:
            # Not acted on, so the provider may retry with the same token.
            self._redis.delete(seen)
            raise

    def _end(self, claims: LogoutClaims) -> EndedSessions:
        subject_user = upstream_user_id(claims.issuer, claims.subject) if claims.subject else None
        if claims.sid:
            mapping = keys.provider_session_user(claims.sid)
            raw = self._redis.get(mapping)
            sid_user = raw.decode() if isinstance(raw, bytes) else raw
            if subject_user and sid_user and sid_user != subject_user:
                log.warning("logout token names a sid that belongs to another subject; ignored")
                return EndedSessions(None, 0, 0)
            browser = self._sessions.end_provider_session(claims.sid)
            self._redis.delete(mapping)
            user_id = sid_user or subject_user
        else:
            assert subject_user is not None
            browser = self._sessions.end_user(subject_user)
            user_id = subject_user
        chat = self._broker.end_sessions(user_id) if user_id else 0
        log.info(
            "back-channel logout ended %d browser and %d chat sessions of %s",
            browser,
            chat,
            user_id or "an unknown user",
        )
        return EndedSessions(user_id, browser, chat)
