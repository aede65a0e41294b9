"""Each user's ChatKit client secret, cached in Redis (encrypted) until it nears expiry."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

import redis
from redis.client import Pipeline
from redis.lock import Lock

from chatkit_bff import redis_keys
from chatkit_bff.chat_sessions.sealing import SealedBox

REFRESH_MARGIN_SECONDS = 60


@dataclass(frozen=True)
class CachedSecret:
    client_secret: str
    expires_at: int
    session_id: str
    created_at: int

    @property
    def serve_until(self) -> float:
        """Served while more than min(60 s, half its lifetime) is left."""
        lifetime = max(self.expires_at - self.created_at, 0)
        return self.expires_at - min(REFRESH_MARGIN_SECONDS, lifetime / 2)

    def servable(self, now: float) -> bool:
        return now < self.serve_until


@dataclass(frozen=True)
class CachedSession:
    """A cached secret's metadata; the secret itself stays sealed."""

    session_id: str
    created_at: int
    expires_at: int
    serve_until: float


class SecretCache:
    def __init__(
        self,
        client: redis.Redis,
        box: SealedBox,
        *,
        lock_wait_seconds: float,
        enabled: bool = True,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._redis = client
        self._box = box
        self._lock_wait = lock_wait_seconds
        self.enabled = enabled
        self._clock = clock

    def get(self, user_id: str, app: str, fingerprint: str) -> CachedSecret | None:
        """The cached secret of the user in chat app `app`, if it may still be served."""
        if not self.enabled:
            return None
        key = redis_keys.cached_secret(user_id, app, fingerprint)
        return self.parse(self._redis.get(key), user_id, app, fingerprint)

    def queue_get(self, pipe: Pipeline, user_id: str, app: str, fingerprint: str) -> None:
        """Queue the read of `get` on a pipeline; `parse` its result."""
        pipe.get(redis_keys.cached_secret(user_id, app, fingerprint))

    def parse(self, raw: object, user_id: str, app: str, fingerprint: str) -> CachedSecret | None:
        if not self.enabled or not isinstance(raw, bytes):
            return None
        key = redis_keys.cached_secret(user_id, app, fingerprint)
        plaintext = self._box.open(raw, key.encode())
        if plaintext is None:
            return None
        secret = CachedSecret(**json.loads(plaintext))
        return secret if secret.servable(self._clock()) else None

    def put(self, user_id: str, app: str, fingerprint: str, secret: CachedSecret) -> None:
        if not self.enabled:
            return
        key = redis_keys.cached_secret(user_id, app, fingerprint)
        sealed = self._box.seal(json.dumps(asdict(secret)).encode(), key.encode())
        expire_at_ms = int(secret.serve_until * 1000)
        if expire_at_ms <= int(self._clock() * 1000):
            return
        index = redis_keys.user_secrets(user_id)
        with self._redis.pipeline(transaction=True) as pipe:  # one slot: the user's
            pipe.set(key, sealed, pxat=expire_at_ms)
            pipe.sadd(index, key)
            pipe.expire(index, max(secret.expires_at - int(self._clock()), 1) + 60)
            pipe.execute()

    def drop_user(self, user_id: str) -> int:
        """Forget every cached secret of a user; returns how many were dropped."""
        return self._drop_index(redis_keys.user_secrets(user_id))

    def _drop_index(self, index: str) -> int:
        """Delete the secrets one index names, and the index, in one transaction on its slot."""
        members = self._redis.smembers(index)
        with self._redis.pipeline(transaction=True) as pipe:
            if members:
                pipe.delete(*members)
            pipe.delete(index)
            results = pipe.execute()
        return int(results[0]) if members else 0

    def drop_everyone(self) -> int:
        """Forget every user's cached secrets: SCAN every primary for the per-user indexes."""
        dropped = 0
        for index in self._redis.scan_iter(match=redis_keys.USER_SECRETS_PATTERN, count=500):
            dropped += self._drop_index(index.decode() if isinstance(index, bytes) else index)
        return dropped

    def count_cached(self) -> int:
        """How many secrets are cached right now, across users (SCAN on every primary)."""
        return sum(
            1 for _ in self._redis.scan_iter(match=redis_keys.CACHED_SECRET_PATTERN, count=1000)
        )

    def cached_sessions(self, user_id: str) -> list[CachedSession]:
        """What is cached for a user, without the secrets: for the admin console."""
        found: list[CachedSession] = []
        members: set[bytes] = self._redis.smembers(redis_keys.user_secrets(user_id))  # type: ignore[assignment]
        for key in sorted(members):
            raw = self._redis.get(key)
            plaintext = self._box.open(raw, key) if isinstance(raw, bytes) else None
            if plaintext is None:
                continue
            secret = CachedSecret(**json.loads(plaintext))
            found.append(
                CachedSession(
                    secret.session_id, secret.created_at, secret.expires_at, secret.serve_until
                )
            )
        return found

    def lock(self, user_id: str, app: str, fingerprint: str, hold_seconds: float) -> Lock:
        """A cross-process lock so concurrent misses cause one upstream create."""
        lock: Lock = self._redis.lock(
            redis_keys.secret_lock(user_id, app, fingerprint),
            timeout=hold_seconds,
            sleep=0.02,
            blocking_timeout=self._lock_wait,
        )
        return lock
