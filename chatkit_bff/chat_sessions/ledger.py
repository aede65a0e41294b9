"""What was minted for whom: upstream sessions to cancel later, and counts for the admin console."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass

import redis

from chatkit_bff import redis_keys

_KEEP_SECONDS = 24 * 3600
_KEEP_PER_USER = 50
# Long enough to outlive any create still waiting for its answer.
_ENDED_KEEP_SECONDS = 3600


@dataclass(frozen=True)
class MintRecord:
    session_id: str
    user_id: str
    created_at: float
    expires_at: int


class MintLedger:
    def __init__(self, client: redis.Redis, clock: Callable[[], float] = time.time) -> None:
        self._redis = client
        self._clock = clock

    def record(self, record: MintRecord) -> None:
        now = self._clock()
        member = json.dumps(
            {
                "session_id": record.session_id,
                "user_id": record.user_id,
                "expires_at": record.expires_at,
            }
        )
        sessions = redis_keys.upstream_sessions(record.user_id)
        per_user = redis_keys.user_mints(record.user_id)
        with self._redis.pipeline(transaction=False) as pipe:
            pipe.zadd(sessions, {record.session_id: record.expires_at})
            pipe.zremrangebyscore(sessions, "-inf", now)
            pipe.expireat(sessions, record.expires_at + 60)
            pipe.zadd(per_user, {member: record.created_at})
            pipe.zremrangebyrank(per_user, 0, -_KEEP_PER_USER - 1)
            pipe.expire(per_user, _KEEP_SECONDS)
            pipe.zadd(redis_keys.MINT_LOG, {member: record.created_at})
            pipe.zremrangebyscore(redis_keys.MINT_LOG, "-inf", now - _KEEP_SECONDS)
            pipe.execute()

    def take_live_sessions(self, user_id: str) -> list[str]:
        """Remove and return the user's upstream sessions that have not expired yet, and note
        when that happened (a create answered later is then cancelled, see `ended_since`)."""
        key = redis_keys.upstream_sessions(user_id)
        now = self._clock()
        with self._redis.pipeline(transaction=True) as pipe:  # both keys in the user's slot
            pipe.zrangebyscore(key, now, "+inf")
            pipe.delete(key)
            pipe.set(redis_keys.sessions_ended_at(user_id), repr(now), ex=_ENDED_KEEP_SECONDS)
            live, _, _ = pipe.execute()
        return [m.decode() if isinstance(m, bytes) else str(m) for m in live]

    def record_maybe_created(self, user_id: str, request_id: str, until: float) -> None:
        """A create sent with `request_id` whose answer did not come in time: it may exist."""
        key = redis_keys.maybe_created_sessions(user_id)
        with self._redis.pipeline(transaction=False) as pipe:
            pipe.zadd(key, {request_id: until})
            pipe.zremrangebyscore(key, "-inf", self._clock())
            pipe.expireat(key, int(until) + 60)
            pipe.execute()

    def resolve_maybe_created(self, user_id: str, request_id: str) -> None:
        """The create's answer came after all (or surely never will)."""
        self._redis.zrem(redis_keys.maybe_created_sessions(user_id), request_id)

    def maybe_created(self, user_id: str) -> list[str]:
        """Request ids of the user's creates that may have made a session we do not know."""
        key = redis_keys.maybe_created_sessions(user_id)
        members = self._redis.zrangebyscore(key, self._clock(), "+inf")
        return [m.decode() if isinstance(m, bytes) else str(m) for m in members]

    def ended_since(self, user_id: str, since: float) -> bool:
        """Whether the user's sessions were ended (sign-out, revoke) after `since`."""
        raw = self._redis.get(redis_keys.sessions_ended_at(user_id))
        return raw is not None and float(raw) >= since

    def recent(self, user_id: str, limit: int = 10) -> list[MintRecord]:
        rows: list[tuple[bytes, float]] = self._redis.zrevrange(  # type: ignore[assignment]
            redis_keys.user_mints(user_id), 0, limit - 1, withscores=True
        )
        return [_record(member, score) for member, score in rows]

    def forget_user(self, user_id: str) -> int:
        """Remove every record of the user's mints (erasure); returns how many log entries went."""
        members = [
            member
            for member, _ in self._redis.zscan_iter(redis_keys.MINT_LOG, count=500)
            if json.loads(member).get("user_id") == user_id
        ]
        # Not one transaction: the mint log is shared, the user's keys live in the user's slot.
        with self._redis.pipeline(transaction=False) as pipe:
            pipe.delete(redis_keys.user_mints(user_id))
            pipe.delete(redis_keys.upstream_sessions(user_id))
            if members:
                pipe.zrem(redis_keys.MINT_LOG, *members)
            pipe.execute()
        return len(members)

    def count_since(self, since: float) -> int:
        return int(self._redis.zcount(redis_keys.MINT_LOG, since, "+inf"))


def _record(member: bytes | str, score: float) -> MintRecord:
    data = json.loads(member)
    return MintRecord(data["session_id"], data["user_id"], score, int(data["expires_at"]))
