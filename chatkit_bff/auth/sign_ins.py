"""Which browser sign-ins a user (or a provider session) holds, so they can be ended."""

from __future__ import annotations

from typing import Any

import redis

from chatkit_bff import redis_keys


def _decode(values: Any) -> list[str]:
    return [v.decode() if isinstance(v, bytes) else v for v in values]


class SignInRegistry:
    """The indexes live in the user's slot, beside the sign-ins they name (see redis_keys)."""

    def __init__(self, client: redis.Redis, ttl_seconds: int = 13 * 3600) -> None:
        self._redis = client
        self._ttl = ttl_seconds

    def add(self, sign_in_id: str, user_id: str, provider_sid: str | None) -> None:
        by_user = redis_keys.sign_ins_of_user(user_id)
        with self._redis.pipeline(transaction=True) as pipe:
            pipe.sadd(by_user, sign_in_id)
            pipe.expire(by_user, self._ttl)
            if provider_sid:
                by_sid = redis_keys.sign_ins_of_provider_session(user_id, provider_sid)
                pipe.sadd(by_sid, sign_in_id)
                pipe.expire(by_sid, self._ttl)
            pipe.execute()

    def remove(self, sign_in_id: str, user_id: str, provider_sid: str | None) -> None:
        with self._redis.pipeline(transaction=True) as pipe:
            pipe.srem(redis_keys.sign_ins_of_user(user_id), sign_in_id)
            if provider_sid:
                pipe.srem(
                    redis_keys.sign_ins_of_provider_session(user_id, provider_sid), sign_in_id
                )
            pipe.execute()
        # Its own command: a sign-in made before the user-slot layout lives in its own slot.
        self._redis.delete(redis_keys.sign_in(sign_in_id))

    def end_user(self, user_id: str) -> int:
        """End every sign-in of a user; returns how many existed."""
        return self._end(user_id, redis_keys.sign_ins_of_user(user_id))

    def end_provider_session(self, user_id: str, provider_sid: str) -> int:
        """End the user's sign-ins made under one provider session."""
        return self._end(user_id, redis_keys.sign_ins_of_provider_session(user_id, provider_sid))

    def _end(self, user_id: str, index_key: str) -> int:
        """Delete the sign-ins and their index in one transaction on the user's slot."""
        slot_prefix = f"{redis_keys.PREFIX}{redis_keys.user_tag(user_id)}:"
        with self._redis.pipeline(transaction=True) as pipe:
            while True:
                try:
                    pipe.watch(index_key)  # type: ignore[no-untyped-call]
                    keys = [redis_keys.sign_in(i) for i in _decode(pipe.smembers(index_key))]
                    own = [k for k in keys if k.startswith(slot_prefix)]
                    pipe.multi()
                    if own:
                        pipe.delete(*own)
                    pipe.delete(index_key)
                    results = pipe.execute()
                    break
                except redis.WatchError:
                    continue
        ended = int(results[0]) if own else 0
        for legacy in (k for k in keys if not k.startswith(slot_prefix)):
            ended += int(self._redis.delete(legacy))
        return ended
