"""The users directory: everyone seen at sign-in, listed by last sign-in, searchable, paged.

Layout: a hash per user (`bff:{<id>}:profile`, in the user's slot) and one sorted set (`bff:users`)
of user ids scored by last sign-in in milliseconds. Listing walks the sorted set newest first in
chunks with ZREVRANGEBYSCORE ... LIMIT, never KEYS. A search (case-insensitive substring of name or
email, or an exact user id) filters those chunks as it walks them; one page examines at most
`max_scanned` users, so a rare match in a huge directory can yield a short (even empty) page with a
cursor to continue. The cursor is the position of the last user examined, `<score>:<user id>`, so
pages stay stable while other users sign in (they move ahead of it).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import redis

from chatkit_bff import redis_keys
from chatkit_bff.errors import InvalidRequest
from chatkit_bff.identity import Identity

MAX_PAGE = 100
_CURSOR = re.compile(r"^(\d{1,16}):([A-Za-z0-9_.\-]{1,512})$")
USER_ID = re.compile(r"^[A-Za-z0-9_.\-]{1,512}$")


@dataclass(frozen=True)
class DirectoryUser:
    user_id: str
    name: str
    email: str | None
    is_admin: bool
    last_sign_in_at: float
    first_seen_at: float
    sign_ins: int

    def matches(self, needle: str) -> bool:
        """`needle` is already case-folded."""
        return (
            needle in self.name.casefold()
            or needle in (self.email or "").casefold()
            or needle == self.user_id.casefold()
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "user_id": self.user_id,
            "name": self.name,
            "email": self.email,
            "is_admin": self.is_admin,
            "last_sign_in_at": self.last_sign_in_at,
            "first_seen_at": self.first_seen_at,
            "sign_ins": self.sign_ins,
        }


@dataclass(frozen=True)
class UserPage:
    users: list[DirectoryUser]
    next_cursor: str | None  # None: nothing more to see


Position = tuple[int, str]  # (score, user id) in the sorted set


def parse_cursor(raw: str | None) -> Position | None:
    if not raw:
        return None
    match = _CURSOR.match(raw)
    if not match:
        raise InvalidRequest("cursor is not valid.", fields={"cursor": "is not a valid cursor"})
    return int(match.group(1)), match.group(2)


def _format_cursor(position: Position) -> str:
    return f"{position[0]}:{position[1]}"


def _decode(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _user(data: dict[bytes, bytes]) -> DirectoryUser | None:
    if not data:
        return None
    text = {_decode(k): _decode(v) for k, v in data.items()}
    return DirectoryUser(
        user_id=text["user_id"],
        name=text.get("name", ""),
        email=text.get("email") or None,
        is_admin=text.get("is_admin") == "1",
        last_sign_in_at=float(text.get("last_sign_in_at", 0)),
        first_seen_at=float(text.get("first_seen_at", 0)),
        sign_ins=int(text.get("sign_ins", 0)),
    )


class UserDirectory:
    def __init__(
        self, client: redis.Redis, *, chunk_size: int = 200, max_scanned: int = 2000
    ) -> None:
        self._redis = client
        self._chunk = chunk_size
        self._max_scanned = max_scanned

    def record_sign_in(self, identity: Identity, at: float | None = None) -> None:
        now = time.time() if at is None else at
        key = redis_keys.user_record(identity.user_id)
        # Two slots (the user's record, the shared index): a plain pipeline, not a transaction.
        with self._redis.pipeline(transaction=False) as pipe:
            pipe.hset(
                key,
                mapping={
                    "user_id": identity.user_id,
                    "name": identity.name,
                    "email": identity.email or "",
                    "is_admin": "1" if identity.is_admin else "0",
                    "last_sign_in_at": repr(now),
                },
            )
            pipe.hsetnx(key, "first_seen_at", repr(now))
            pipe.hincrby(key, "sign_ins", 1)
            pipe.zadd(redis_keys.USERS_INDEX, {identity.user_id: int(now * 1000)})
            pipe.execute()

    def get(self, user_id: str) -> DirectoryUser | None:
        if not USER_ID.match(user_id):
            return None
        return _user(self._redis.hgetall(redis_keys.user_record(user_id)))  # type: ignore[arg-type]

    def count(self) -> int:
        return int(self._redis.zcard(redis_keys.USERS_INDEX))

    def page(self, query: str = "", cursor: str | None = None, limit: int = 20) -> UserPage:
        """Newest sign-in first; `query` filters by name/email substring or exact user id."""
        start = parse_cursor(cursor)
        limit = max(1, min(limit, MAX_PAGE))
        needle = query.strip().casefold()
        found: list[DirectoryUser] = []
        scanned = 0
        last: Position | None = None
        for chunk in self._chunks_after(start):
            users = self._load([user_id for _, user_id in chunk])
            for position, user in zip(chunk, users, strict=True):
                if len(found) == limit or scanned == self._max_scanned:
                    return UserPage(found, _format_cursor(last) if last else None)
                scanned += 1
                last = position
                if user is not None and (not needle or user.matches(needle)):
                    found.append(user)
        return UserPage(found, None)

    def _load(self, user_ids: list[str]) -> list[DirectoryUser | None]:
        with self._redis.pipeline(transaction=False) as pipe:
            for user_id in user_ids:
                pipe.hgetall(redis_keys.user_record(user_id))
            return [_user(data) for data in pipe.execute()]

    def _chunks_after(self, start: Position | None) -> Iterator[list[Position]]:
        """The sorted set after `start`, newest first, in chunks (ties by id, descending)."""
        max_score: str | int = "+inf" if start is None else start[0]
        offset = 0  # rows at exactly max_score already passed over
        while True:
            rows: list[tuple[bytes, float]] = self._redis.zrevrangebyscore(  # type: ignore[assignment]
                redis_keys.USERS_INDEX,
                max_score,
                "-inf",
                start=offset,
                num=self._chunk,
                withscores=True,
            )
            if not rows:
                return
            chunk = [(int(score), _decode(member)) for member, score in rows]
            yield [position for position in chunk if start is None or position < start]
            if len(rows) < self._chunk:
                return
            last_score = chunk[-1][0]
            if last_score == max_score:
                offset += len(rows)
            else:
                max_score = last_score
                offset = sum(1 for score, _ in chunk if score == last_score)
