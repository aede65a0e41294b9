"""The users directory: everyone seen at sign-in, listed by last sign-in, searchable, paged.

Layout: a hash per user (`bff:{<id>}:profile`, in the user's slot), one sorted set (`bff:users`)
of user ids scored by last sign-in in milliseconds, and the prefix index of `admin.search`
(`bff:users:search`). The two sorted sets are single keys in slots of their own, so a sign-in
writes them in plain pipelines, never one transaction with the user's record. Listing walks
`bff:users` newest first with ZREVRANGEBYSCORE ... LIMIT, a page at a time, never KEYS. The
listing cursor is the position of the last user shown, `<score>:<user id>`, so pages stay
stable while other users sign in (they move ahead of it).

A search is a case-insensitive prefix of the name from any of its words on ("lov", "ada lo"),
of a part of a joined word, or of the email, or an exact user id. It reads the prefix index in
order of the matching term, so its first page costs two round trips and O(log N + page) work
however many users there are; one page examines at most `max_scanned` index entries (only a
user matching through several terms is skipped). Its cursor is the last entry examined.
"""

from __future__ import annotations

import base64
import binascii
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import redis

from chatkit_bff import redis_keys
from chatkit_bff.admin.search import SearchIndex, query_prefix, terms_of
from chatkit_bff.errors import InvalidRequest
from chatkit_bff.identity import Identity

MAX_PAGE = 100
_CURSOR = re.compile(r"^(\d{1,16}):([A-Za-z0-9_.\-]{1,512})$")
_SEARCH_CURSOR = re.compile(r"^t\.([A-Za-z0-9_\-]{1,1200}={0,2})$")
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

    @property
    def terms(self) -> set[str]:
        """What a search finds this user by (besides the exact id)."""
        return terms_of(self.name, self.email)

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
    match = _CURSOR.fullmatch(raw)
    if not match:
        raise InvalidRequest("cursor is not valid.", fields={"cursor": "is not a valid cursor"})
    return int(match.group(1)), match.group(2)


def _format_cursor(position: Position) -> str:
    return f"{position[0]}:{position[1]}"


def _parse_search_cursor(raw: str | None) -> bytes | None:
    if not raw:
        return None
    match = _SEARCH_CURSOR.match(raw)
    try:
        if match:
            return base64.urlsafe_b64decode(match.group(1))
    except (binascii.Error, ValueError):
        pass
    raise InvalidRequest("cursor is not valid.", fields={"cursor": "is not a valid cursor"})


def _format_search_cursor(member: bytes) -> str:
    return "t." + base64.urlsafe_b64encode(member).decode()


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
        self._search = SearchIndex(client)

    def record_sign_in(self, identity: Identity, at: float | None = None) -> None:
        now = time.time() if at is None else at
        key = redis_keys.user_record(identity.user_id)
        old_name, old_email = self._redis.hmget(key, ["name", "email"])
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
        self._search.update(
            identity.user_id,
            terms_of(_decode(old_name or b""), _decode(old_email or b"")),
            terms_of(identity.name, identity.email),
        )

    def remove(self, user_id: str) -> bool:
        """Remove a user from the directory: their record, listing entry and search terms.

        For erasure; returns whether the user was listed. Their sign-ins, cached secrets and
        policy are other stores' business.
        """
        user = self.get(user_id)
        if user is not None:
            self._search.remove(user_id, user.terms)
        with self._redis.pipeline(transaction=False) as pipe:
            pipe.zrem(redis_keys.USERS_INDEX, user_id)
            pipe.delete(redis_keys.user_record(user_id))
            removed, _ = pipe.execute()
        return bool(removed) or user is not None

    def rebuild_search_index(self) -> int:
        """Index every listed user (idempotent: for directories filled before the index)."""
        indexed = 0
        for chunk in self._chunks_after(None, self._chunk):
            for user in self._load([user_id for _, user_id in chunk]):
                if user is not None:
                    self._search.update(user.user_id, (), user.terms)
                    indexed += 1
        return indexed

    def get(self, user_id: str) -> DirectoryUser | None:
        if not USER_ID.fullmatch(user_id):
            return None
        return _user(self._redis.hgetall(redis_keys.user_record(user_id)))  # type: ignore[arg-type]

    def count(self) -> int:
        return int(self._redis.zcard(redis_keys.USERS_INDEX))

    def page(self, query: str = "", cursor: str | None = None, limit: int = 20) -> UserPage:
        """Newest sign-in first; `query` finds users by name/email word prefix or exact user id."""
        limit = max(1, min(limit, MAX_PAGE))
        if query.strip():
            return self._search_page(query.strip(), query_prefix(query), cursor, limit)
        start = parse_cursor(cursor)
        found: list[DirectoryUser] = []
        last: Position | None = None
        for chunk in self._chunks_after(start, limit + 1):  # one more: is there a next page?
            for position, user in zip(chunk, self._load([u for _, u in chunk]), strict=True):
                if len(found) == limit:
                    return UserPage(found, _format_cursor(last) if last else None)
                last = position
                if user is not None:
                    found.append(user)
        return UserPage(found, None)

    def _search_page(self, query: str, prefix: str, cursor: str | None, limit: int) -> UserPage:
        after = _parse_search_cursor(cursor)
        exact_id = query if USER_ID.match(query) else None
        if after is None and exact_id is not None:
            raw, batch = self._search.matches_with_record(prefix, limit + 1, exact_id)
            exact = _user(raw)
        else:
            exact, batch = None, self._search.matches(prefix, after, limit + 1)
        found: list[DirectoryUser] = [exact] if exact is not None else []
        examined = 0
        while True:
            users = self._load([match.user_id for match in batch])
            for match, user in zip(batch, users, strict=True):
                if len(found) == limit:
                    return UserPage(found, _format_search_cursor(after) if after else None)
                after = match.member
                examined += 1
                if user is None or user.user_id == exact_id:
                    continue  # gone meanwhile, or listed first as the exact id
                terms = user.terms
                # Listed once: at the smallest of its terms with this prefix.
                if match.term in terms and not any(
                    t.startswith(prefix) and t < match.term for t in terms
                ):
                    found.append(user)
            if not batch or examined >= self._max_scanned:
                done = not batch
                return UserPage(found, None if done else _format_search_cursor(after))  # type: ignore[arg-type]
            want = min(limit + 1 - len(found), self._max_scanned - examined)
            batch = self._search.matches(prefix, after, max(want, 1))

    def _load(self, user_ids: list[str]) -> list[DirectoryUser | None]:
        with self._redis.pipeline(transaction=False) as pipe:
            for user_id in user_ids:
                pipe.hgetall(redis_keys.user_record(user_id))
            return [_user(data) for data in pipe.execute()]

    def _chunks_after(self, start: Position | None, size: int) -> Iterator[list[Position]]:
        """The sorted set after `start`, newest first, in chunks (ties by id, descending)."""
        max_score: str | int = "+inf" if start is None else start[0]
        offset = 0  # rows at exactly max_score already passed over
        while True:
            rows: list[tuple[bytes, float]] = self._redis.zrevrangebyscore(  # type: ignore[assignment]
                redis_keys.USERS_INDEX,
                max_score,
                "-inf",
                start=offset,
                num=size,
                withscores=True,
            )
            if not rows:
                return
            chunk = [(int(score), _decode(member)) for member, score in rows]
            yield [position for position in chunk if start is None or position < start]
            if len(rows) < size:
                return
            last_score = chunk[-1][0]
            if last_score == max_score:
                offset += len(rows)
            else:
                max_score = last_score
                offset = sum(1 for score, _ in chunk if score == last_score)
