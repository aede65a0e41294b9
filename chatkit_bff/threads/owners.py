"""A short-lived Redis memo of who owns which thread, to spare upstream look-ups."""

from __future__ import annotations

from collections.abc import Iterable

import redis

from chatkit_bff import redis_keys
from chatkit_bff.upstream import ChatKitThread

OWNER_TTL_SECONDS = 300


class ThreadOwners:
    """Thread id -> upstream user id, learnt only from what the upstream answered.

    A thread's owner never changes, so a memo can only be wrong about a thread deleted
    meanwhile; the upstream then answers 404 and the memo is dropped.
    """

    def __init__(self, client: redis.Redis, ttl_seconds: int = OWNER_TTL_SECONDS) -> None:
        self._redis = client
        self._ttl = ttl_seconds

    def owner(self, thread_id: str) -> str | None:
        raw = self._redis.get(redis_keys.thread_owner(thread_id))
        if raw is None:
            return None
        return raw.decode() if isinstance(raw, bytes) else str(raw)

    def remember(self, threads: Iterable[ChatKitThread]) -> None:
        pipe = self._redis.pipeline(transaction=False)
        count = 0
        for thread in threads:
            pipe.set(redis_keys.thread_owner(thread["id"]), thread["user"], ex=self._ttl)
            count += 1
        if count:
            pipe.execute()

    def forget(self, thread_id: str) -> None:
        self._redis.delete(redis_keys.thread_owner(thread_id))
