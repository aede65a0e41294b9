"""Which browser sign-ins a user (or a provider session) holds, so they can be listed and ended.

Each sign-in of a user has a record (device, time of sign-in) under an opaque handle, kept in
one hash per user; the handle is what the user sees, never the cookie value. Last activity is
not written on every request: the sign-in's idle timer is pushed back on every read, so its
remaining lifetime says when it was last used.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

import redis

from chatkit_bff import redis_keys

HANDLE_BYTES = 12
MAX_USER_AGENT = 512


def _decode(values: Any) -> list[str]:
    return [v.decode() if isinstance(v, bytes) else v for v in values]


def new_handle() -> str:
    return secrets.token_urlsafe(HANDLE_BYTES)


@dataclass(frozen=True)
class SignInRecord:
    """One live sign-in of a user, as the user may see it."""

    handle: str
    user_agent: str
    signed_in_at: float
    last_seen_at: float
    #: The sign-in store key suffix: server-side only, never shown.
    sign_in_id: str
    provider_sid: str | None


class SignInRegistry:
    def __init__(
        self, client: redis.Redis, ttl_seconds: int = 13 * 3600, *, idle_seconds: int = 3600
    ) -> None:
        self._redis = client
        self._ttl = ttl_seconds
        self._idle = max(int(idle_seconds), 1)

    def add(
        self,
        session_id: str,
        user_id: str,
        provider_sid: str | None,
        *,
        user_agent: str = "",
        signed_in_at: float | None = None,
    ) -> str:
        """Index a new sign-in; returns its handle."""
        handle = new_handle()
        record = {
            "sign_in": session_id,
            "provider_sid": provider_sid,
            "user_agent": user_agent[:MAX_USER_AGENT],
            "signed_in_at": signed_in_at if signed_in_at is not None else time.time(),
        }
        records = redis_keys.sign_in_records(user_id)
        with self._redis.pipeline(transaction=False) as pipe:
            pipe.sadd(redis_keys.sign_ins_of_user(user_id), session_id)
            pipe.expire(redis_keys.sign_ins_of_user(user_id), self._ttl)
            pipe.hset(records, handle, json.dumps(record, separators=(",", ":")))
            pipe.expire(records, self._ttl)
            if provider_sid:
                pipe.sadd(redis_keys.sign_ins_of_provider_session(provider_sid), session_id)
                pipe.expire(redis_keys.sign_ins_of_provider_session(provider_sid), self._ttl)
            pipe.execute()
        return handle

    def remove(
        self,
        session_id: str,
        user_id: str,
        provider_sid: str | None,
        handle: str | None = None,
    ) -> None:
        with self._redis.pipeline(transaction=False) as pipe:
            pipe.srem(redis_keys.sign_ins_of_user(user_id), session_id)
            if provider_sid:
                pipe.srem(redis_keys.sign_ins_of_provider_session(provider_sid), session_id)
            if handle:
                pipe.hdel(redis_keys.sign_in_records(user_id), handle)
            pipe.delete(redis_keys.SIGN_IN_PREFIX + session_id)
            pipe.execute()

    def sign_ins_of(self, user_id: str) -> list[SignInRecord]:
        """The user's live sign-ins, most recently active first; ended ones are forgotten."""
        raw = self._redis.hgetall(redis_keys.sign_in_records(user_id))
        records: list[tuple[str, dict[str, Any]]] = []
        for key, value in raw.items():
            handle = key.decode() if isinstance(key, bytes) else str(key)
            try:
                data = json.loads(value)
            except ValueError:
                data = None
            if isinstance(data, dict) and isinstance(data.get("sign_in"), str):
                records.append((handle, data))
        if not records:
            return []
        with self._redis.pipeline(transaction=False) as pipe:
            for _, data in records:
                pipe.pttl(redis_keys.SIGN_IN_PREFIX + data["sign_in"])
            remaining = pipe.execute()
        now = time.time()
        live: list[SignInRecord] = []
        ended: list[str] = []
        for (handle, data), ttl_ms in zip(records, remaining, strict=True):
            if ttl_ms is None or int(ttl_ms) < 0:
                ended.append(handle)
                continue
            idle_for = max(self._idle - int(ttl_ms) / 1000, 0.0)
            live.append(
                SignInRecord(
                    handle=handle,
                    user_agent=str(data.get("user_agent") or ""),
                    signed_in_at=float(data.get("signed_in_at") or 0),
                    last_seen_at=now - idle_for,
                    sign_in_id=data["sign_in"],
                    provider_sid=data.get("provider_sid"),
                )
            )
        if ended:
            self._redis.hdel(redis_keys.sign_in_records(user_id), *ended)
        live.sort(key=lambda r: r.last_seen_at, reverse=True)
        return live

    def end(self, user_id: str, record: SignInRecord) -> None:
        """End one sign-in at once (its next request is signed out)."""
        self.remove(record.sign_in_id, user_id, record.provider_sid, record.handle)

    def end_user(self, user_id: str) -> int:
        """End every sign-in of a user; returns how many existed."""
        ended = self._end(redis_keys.sign_ins_of_user(user_id))
        self._redis.delete(redis_keys.sign_in_records(user_id))
        return ended

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
