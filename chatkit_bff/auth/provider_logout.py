"""Act on a provider's logout: a verified logout token (back-channel) or a provider session
named by the provider's logout page (front-channel); end its sign-ins and the user's chat
sessions."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import redis

from chatkit_bff import redis_keys
from chatkit_bff.auth.logout_token import LogoutClaims
from chatkit_bff.auth.sign_ins import SignInRegistry
from chatkit_bff.chat_sessions.broker import SessionBroker
from chatkit_bff.identity import Identity, upstream_user_id

log = logging.getLogger(__name__)


class ReplayedLogoutToken(Exception):
    """This logout token (its `jti`) was already acted on."""


@dataclass(frozen=True)
class EndedSessions:
    user_id: str | None
    sign_ins: int
    chat_sessions: int


class ProviderLogout:
    def __init__(
        self,
        client: redis.Redis,
        sign_ins: SignInRegistry,
        broker: SessionBroker,
        *,
        sign_in_ttl_seconds: int,
    ) -> None:
        self._redis = client
        self._sign_ins = sign_ins
        self._broker = broker
        self._ttl = max(int(sign_in_ttl_seconds), 1)

    def remember_sign_in(self, identity: Identity) -> None:
        """Note whose provider session `sid` is, for logout tokens that name only the sid."""
        if identity.sid:
            self._redis.set(
                redis_keys.provider_session_user(identity.sid), identity.user_id, ex=self._ttl
            )

    def end(self, claims: LogoutClaims) -> EndedSessions:
        """End what the token names, once: a replayed `jti` raises `ReplayedLogoutToken`."""
        seen = redis_keys.logout_token_seen(claims.issuer, claims.jti)
        ttl = max(claims.remember_until - int(time.time()), 1)
        if not self._redis.set(seen, b"1", nx=True, ex=ttl):
            raise ReplayedLogoutToken(claims.jti)
        try:
            return self._end(claims)
        except Exception:
            # Not acted on, so the provider may retry with the same token.
            self._redis.delete(seen)
            raise

    def end_provider_session(self, sid: str) -> EndedSessions:
        """Front-channel logout: end the sign-ins of provider session `sid` (idempotent: a
        session already ended, or never seen here, ends nothing)."""
        return self._end_sid(sid, None, "front-channel")

    def _end(self, claims: LogoutClaims) -> EndedSessions:
        subject_user = upstream_user_id(claims.issuer, claims.subject) if claims.subject else None
        if claims.sid:
            return self._end_sid(claims.sid, subject_user, "back-channel")
        assert subject_user is not None
        browser = self._sign_ins.end_user(subject_user)
        return self._ended("back-channel", subject_user, browser)

    def _end_sid(self, sid: str, subject_user: str | None, channel: str) -> EndedSessions:
        mapping = redis_keys.provider_session_user(sid)
        raw = self._redis.get(mapping)
        sid_user = raw.decode() if isinstance(raw, bytes) else raw
        if subject_user and sid_user and sid_user != subject_user:
            log.warning("logout token names a sid that belongs to another subject; ignored")
            return EndedSessions(None, 0, 0)
        user_id = sid_user or subject_user
        # The sid's sign-ins are indexed in their user's slot, so the user must be known.
        browser = self._sign_ins.end_provider_session(user_id, sid) if user_id else 0
        self._redis.delete(mapping)
        return self._ended(channel, user_id, browser)

    def _ended(self, channel: str, user_id: str | None, browser: int) -> EndedSessions:
        chat = self._broker.end_sessions(user_id) if user_id else 0
        log.info(
            "%s logout ended %d sign-ins and %d chat sessions of %s",
            channel,
            browser,
            chat,
            user_id or "an unknown user",
        )
        return EndedSessions(user_id, browser, chat)
