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
    """The indexes live in the user's slot, beside the sign-ins they name (see redis_keys)."""

    def __init__(
        self, client: redis.Redis, ttl_seconds: int = 13 * 3600, *, idle_seconds: int = 3600
    ) -> None:
        self._redis = client
        self._ttl = ttl_seconds
        self._idle = max(int(idle_seconds), 1)

    def add(
        self,
        sign_in_id: str,
        user_id: str,
        provider_sid: str | None,
        *,
        user_agent: str = "",
        signed_in_at: float | None = None,
    ) -> str:
        """Index a new sign-in; returns its handle."""
        handle = new_handle()
        record = {
            "sign_in": sign_in_id,
            "provider_sid": provider_sid,
            "user_agent": user_agent[:MAX_USER_AGENT],
            "signed_in_at": signed_in_at if signed_in_at is not None else time.time(),
        }
        by_user = redis_keys.sign_ins_of_user(user_id)
        records = redis_keys.sign_in_records(user_id)
        with self._redis.pipeline(transaction=True) as pipe:
            pipe.sadd(by_user, sign_in_id)
            pipe.expire(by_user, self._ttl)
            pipe.hset(records, handle, json.dumps(record, separators=(",", ":")))
            pipe.expire(records, self._ttl)
            if provider_sid:
                by_sid = redis_keys.sign_ins_of_provider_session(user_id, provider_sid)
                pipe.sadd(by_sid, sign_in_id)
                pipe.expire(by_sid, self._ttl)
            pipe.execute()
        return handle

    def remove(
        self,
        sign_in_id: str,
        user_id: str,
        provider_sid: str | None,
        handle: str | None = None,
    ) -> None:
        with self._redis.pipeline(transaction=True) as pipe:
            pipe.srem(redis_keys.sign_ins_of_user(user_id), sign_in_id)
            if provider_sid:
                pipe.srem(
                    redis_keys.sign_ins_of_provider_session(user_id, provider_sid), sign_in_id
                )
            if handle:
                pipe.hdel(redis_keys.sign_in_records(user_id), handle)
            pipe.execute()
        # Its own command: a sign-in made before the user-slot layout lives in its own slot.
        self._redis.delete(redis_keys.sign_in(sign_in_id))

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
                pipe.pttl(redis_keys.sign_in(data["sign_in"]))
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
        ended = self._end(user_id, redis_keys.sign_ins_of_user(user_id))
        self._redis.delete(redis_keys.sign_in_records(user_id))
        return ended

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
