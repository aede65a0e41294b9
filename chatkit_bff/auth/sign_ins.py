"""Which browser sign-ins a user (or a provider session) holds, so they can be ended."""

from __future__ import annotations

from typing import Any

import redis

from chatkit_bff import redis_keys


def _decode(values: Any) -> list[str]:
    return [v.decode() if isinstance(v, bytes) else v for v in values]


class SignInRegistry:
    def __init__(self, client: redis.Redis, ttl_seconds: int = 13 * 3600) -> None:
        self._redis = client
        self._ttl = ttl_seconds

    def add(self, session_id: str, user_id: str, provider_sid: str | None) -> None:
        with self._redis.pipeline(transaction=False) as pipe:
            pipe.sadd(redis_keys.sign_ins_of_user(user_id), session_id)
            pipe.expire(redis_keys.sign_ins_of_user(user_id), self._ttl)
            if provider_sid:
                pipe.sadd(redis_keys.sign_ins_of_provider_session(provider_sid), session_id)
                pipe.expire(redis_keys.sign_ins_of_provider_session(provider_sid), self._ttl)
            pipe.execute()

    def remove(self, session_id: str, user_id: str, provider_sid: str | None) -> None:
        with self._redis.pipeline(transaction=False) as pipe:
            pipe.srem(redis_keys.sign_ins_of_user(user_id), session_id)
            if provider_sid:
                pipe.srem(redis_keys.sign_ins_of_provider_session(provider_sid), session_id)
            pipe.delete(redis_keys.SIGN_IN_PREFIX + session_id)
            pipe.execute()

    def end_user(self, user_id: str) -> int:
        """End every sign-in of a user; returns how many existed."""
        return self._end(redis_keys.sign_ins_of_user(user_id))

    def end_provider_session(self, provider_sid: str) -> int:
        return self._end(redis_keys.sign_ins_of_provider_session(provider_sid))

    def _end(self, index_key: str) -> int:
        ids = _decode(self._redis.smembers(index_key))
        with self._redis.pipeline() as pipe:
            if ids:
                pipe.delete(*[redis_keys.SIGN_IN_PREFIX + i for i in ids])
            pipe.delete(index_key)
            results = pipe.execute()
        return int(results[0]) if ids else 0
