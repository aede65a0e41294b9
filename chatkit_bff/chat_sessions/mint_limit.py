"""Each user's limit on chat-session calls: a moving one-minute window in a Redis sorted set.

Its commands ride in the same pipeline as the policy and cached-secret reads, so a cached
call costs no extra round trip for the limit. The window's key carries the limit it counts
against, so a new limit starts a fresh window (as flask-limiter does with its limit strings).
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass

import redis
from redis.client import Pipeline

from chatkit_bff import redis_keys as keys

WINDOW_SECONDS = 60
_COMMANDS = 4  # queued by `queue_hit`, read back by `Hit.from_results`


@dataclass(frozen=True)
class Hit:
    """One recorded call: how many calls the window held with it."""

    user_id: str
    limit: int
    member: str
    count: int

    @property
    def allowed(self) -> bool:
        return self.count <= self.limit


class MintLimiter:
    def __init__(self, client: redis.Redis) -> None:
        self._redis = client

    def queue_hit(self, pipe: Pipeline, user_id: str, limit: int, now: float) -> str:
        """Queue recording one call at `now`; returns the member to pass to `read_hit`."""
        key = keys.mint_window(user_id, limit)
        member = f"{now:.6f}:{secrets.token_hex(4)}"
        pipe.zremrangebyscore(key, "-inf", now - WINDOW_SECONDS)
        pipe.zadd(key, {member: now})
        pipe.zcard(key)
        pipe.pexpire(key, WINDOW_SECONDS * 1000)
        return member

    @staticmethod
    def read_hit(results: list[object], user_id: str, limit: int, member: str) -> Hit:
        """The `Hit` from the results of the commands `queue_hit` queued (the last four)."""
        count = results[-_COMMANDS + 2]
        return Hit(user_id, limit, member, int(count))  # type: ignore[call-overload]

    def hit(self, user_id: str, limit: int, now: float) -> Hit:
        """Record one call on its own round trip (when the limit was not known in advance)."""
        with self._redis.pipeline(transaction=False) as pipe:
            member = self.queue_hit(pipe, user_id, limit, now)
            return self.read_hit(pipe.execute(), user_id, limit, member)

    def refuse(self, hit: Hit, now: float) -> int:
        """Take back a refused call (refusals do not count) and say when to retry, in seconds."""
        key = keys.mint_window(hit.user_id, hit.limit)
        with self._redis.pipeline(transaction=False) as pipe:
            pipe.zrem(key, hit.member)
            pipe.zrange(key, 0, 0, withscores=True)
            _, oldest = pipe.execute()
        if not oldest:
            return 1
        _, first_at = oldest[0]
        wait = math.ceil(float(first_at) + WINDOW_SECONDS - now)
        return min(max(wait, 1), WINDOW_SECONDS)
