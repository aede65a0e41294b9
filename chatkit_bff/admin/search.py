"""Prefix search over the users directory: name words and email, case-folded, in one sorted set.

Every member of `bff:users:search` (all scores 0) is `<term>\\x00<user id>`, where a term is a
case-folded word of the user's name or their whole case-folded email. A prefix query is one
ZRANGEBYLEX from `[prefix` to `[prefix\\xff` (0xFF never occurs in UTF-8), so the first page
costs O(log N + page) however large the directory. A user matching through two terms is
listed once, at the smaller term. The index is a single shared key (no multi-key command).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import redis
from redis.client import Pipeline

from chatkit_bff import redis_keys as keys

_SEPARATOR = b"\x00"
_TOP = b"\xff"
_PART = re.compile(r"[^\W_]+")  # letters and digits
_WORD = re.compile(r"[^\W_]+(?:['.-][^\W_]+)*")  # and joined: O'Neil, Jean-Luc, J.R.R
MAX_TERM_BYTES = 200


def terms_of(name: str, email: str | None) -> set[str]:
    """The index terms of a user: the name from each word on, each part of a word, the email."""
    words = _WORD.findall(normalize(name or ""))
    found = {" ".join(words[start:]) for start in range(len(words))}
    for word in words:
        found.update(_PART.findall(word))
    if email:
        found.add(email.strip().casefold())
    return {
        term
        for term in found
        if term and "\x00" not in term and len(term.encode()) <= MAX_TERM_BYTES
    }


def normalize(text: str) -> str:
    """Case-folded, one kind of apostrophe, NUL as a space: how terms and queries compare."""
    return text.replace("\u2019", "'").replace("\x00", " ").casefold()


def query_prefix(query: str) -> str:
    """The index prefix a query asks for: its words, single-spaced, as in the terms."""
    words = normalize(query).split()
    if len(words) == 1:
        return words[0]  # an email or a word, as typed
    return " ".join(" ".join(_WORD.findall(word)) or word for word in words)


def _member(term: str, user_id: str) -> bytes:
    return term.encode() + _SEPARATOR + user_id.encode()


def _split(member: bytes) -> tuple[str, str]:
    term, _, user_id = member.rpartition(_SEPARATOR)
    return term.decode(), user_id.decode()


@dataclass(frozen=True)
class Match:
    """One index entry: the term that matched, its user, and where the next read continues."""

    term: str
    user_id: str
    member: bytes


class SearchIndex:
    def __init__(self, client: redis.Redis) -> None:
        self._redis = client

    def update(self, user_id: str, old: Iterable[str], new: Iterable[str]) -> None:
        """Replace a user's terms `old` by `new` (one pipeline on the one index key)."""
        stale = [_member(term, user_id) for term in set(old) - set(new)]
        fresh = {_member(term, user_id): 0 for term in new}
        with self._redis.pipeline(transaction=False) as pipe:
            if stale:
                pipe.zrem(keys.USERS_SEARCH_INDEX, *stale)
            if fresh:
                pipe.zadd(keys.USERS_SEARCH_INDEX, fresh)
            pipe.execute()

    def remove(self, user_id: str, terms: Iterable[str]) -> None:
        members = [_member(term, user_id) for term in terms]
        if members:
            self._redis.zrem(keys.USERS_SEARCH_INDEX, *members)

    def matches(self, prefix: str, after: bytes | None, count: int) -> list[Match]:
        """Up to `count` entries whose term starts with `prefix`, after the entry `after`."""
        with self._redis.pipeline(transaction=False) as pipe:
            self._queue_matches(pipe, prefix, after, count)
            (rows,) = pipe.execute()
        return [Match(*_split(row), row) for row in rows]

    def matches_with_record(
        self, prefix: str, count: int, user_id: str
    ) -> tuple[dict[bytes, bytes], list[Match]]:
        """`matches` from the start, and the record of `user_id` (an exact id), at once."""
        with self._redis.pipeline(transaction=False) as pipe:
            pipe.hgetall(keys.user_record(user_id))
            self._queue_matches(pipe, prefix, None, count)
            record, rows = pipe.execute()
        return record, [Match(*_split(row), row) for row in rows]

    @staticmethod
    def _queue_matches(pipe: Pipeline, prefix: str, after: bytes | None, count: int) -> None:
        start = b"(" + after if after is not None else b"[" + prefix.encode()
        pipe.zrangebylex(
            keys.USERS_SEARCH_INDEX, start, b"[" + prefix.encode() + _TOP, start=0, num=count
        )
