"""The admin audit trail: a capped Redis Stream, read newest first in pages by stream id."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import redis

from chatkit_bff import redis_keys
from chatkit_bff.identity import Actor
from chatkit_bff.policy.model import flatten
from chatkit_bff.query_params import parse_stream_id
from chatkit_bff.redis_durable import durable_transaction

AuditAction = Literal[
    "policy.update",  # a user's overrides replaced
    "policy.reset",  # a user's overrides removed
    "defaults.update",  # the global defaults replaced
    "app_defaults.update",  # a chat app's defaults replaced (details.app names it)
    "app_defaults.reset",  # a chat app's defaults back to the apps file's values
    "sessions.revoke",  # a user's browser and chat sessions ended by an admin
    "retention.delete",  # the retention job deleted a user's old conversations (a count)
    "retention.run",  # one run of the retention job: totals, finished or not
    "user.erase",  # an admin erased a user: the only entry about them that is kept
]

MAX_PAGE = 100


@dataclass(frozen=True)
class FieldChange:
    """One dotted policy path; `was_set`/`is_set` are False where the layer left it inherited."""

    path: str
    before: Any
    after: Any
    was_set: bool
    is_set: bool


@dataclass(frozen=True)
class AuditEntry:
    id: str
    actor: Actor
    action: AuditAction
    target_user_id: str | None = None
    target_name: str | None = None
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def at(self) -> float:
        """When it happened: the stream id carries the Redis server time in milliseconds."""
        return int(self.id.split("-", 1)[0]) / 1000

    @property
    def changes(self) -> list[FieldChange]:
        return changed_fields(self.before or {}, self.after or {})

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at,
            "actor": {"user_id": self.actor.user_id, "name": self.actor.name},
            "action": self.action,
            "target": (
                {"user_id": self.target_user_id, "name": self.target_name}
                if self.target_user_id
                else None
            ),
            "before": self.before,
            "after": self.after,
            "changes": [_change_json(c) for c in self.changes],
            "details": self.details,
        }


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    next_before: str | None  # pass as `before` for the next (older) page; None at the end


def changed_fields(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[FieldChange]:
    old, new = flatten(before), flatten(after)
    return [
        FieldChange(path, old.get(path), new.get(path), path in old, path in new)
        for path in sorted(old.keys() | new.keys())
        if path not in old or path not in new or old[path] != new[path]
    ]


def _change_json(change: FieldChange) -> dict[str, Any]:
    data: dict[str, Any] = {"field": change.path}
    if change.was_set:
        data["before"] = change.before
    if change.is_set:
        data["after"] = change.after
    return data


def check_cursor(value: str | None, name: str = "before") -> str | None:
    """An audit entry id to page before (checked so Redis never sees a malformed one)."""
    return parse_stream_id(value, name=name, problem="must be an audit entry id")


class AuditLog:
    def __init__(self, client: redis.Redis, *, max_entries: int) -> None:
        self._redis = client
        self._max_entries = max_entries

    def add(
        self,
        actor: Actor,
        action: AuditAction,
        *,
        target_user_id: str | None = None,
        target_name: str | None = None,
        before: Mapping[str, Any] | None = None,
        after: Mapping[str, Any] | None = None,
        details: Mapping[str, Any] | None = None,
        pipe: redis.Redis | None = None,
    ) -> None:
        """Append one entry; inside `pipe`'s transaction when given, to commit with the change."""
        fields = _fields(actor, action, target_user_id, target_name, before, after, details)

        def append(target: redis.Redis) -> None:
            target.xadd(
                redis_keys.AUDIT_STREAM,
                fields,  # type: ignore[arg-type]  # redis-py's field type is invariant
                maxlen=self._max_entries,
                approximate=True,
            )

        if pipe is not None:
            append(pipe)
            return
        # On its own: confirmed by a replica before the action is acknowledged.
        durable_transaction(self._redis, redis_keys.AUDIT_STREAM, lambda _conn: (None, append))

    def erase_user(
        self,
        actor: Actor,
        user_id: str,
        *,
        target_name: str | None,
        details: Mapping[str, Any],
    ) -> AuditScrub:
        """Leave one entry about `user_id` (this erasure) and nothing else.

        Entries whose target is the user are removed; entries the user made as an admin stay
        (other users' changes must remain accountable) with the actor replaced by
        `ERASED_ACTOR`. A stream entry cannot be edited, so the stream is rewritten with the
        same entry ids in one transaction under WATCH (retried if an entry lands meanwhile).
        """
        erasure = _fields(actor, "user.erase", user_id, target_name, None, None, details)

        def rewrite(conn: redis.Redis) -> tuple[AuditScrub, Callable[[redis.Redis], None]]:
            rows: list[tuple[bytes, dict[bytes, bytes]]] = conn.xrange(  # type: ignore[assignment]
                redis_keys.AUDIT_STREAM, "-", "+"
            )
            kept, scrub = _without_user(rows, user_id)

            def write(conn: redis.Redis) -> None:
                if scrub.removed or scrub.anonymized:
                    conn.delete(redis_keys.AUDIT_STREAM)
                    for entry_id, data in kept:
                        conn.xadd(redis_keys.AUDIT_STREAM, data, id=entry_id)  # type: ignore[arg-type]
                conn.xadd(
                    redis_keys.AUDIT_STREAM,
                    erasure,  # type: ignore[arg-type]
                    maxlen=self._max_entries,
                    approximate=True,
                )

            return scrub, write

        # One key, so one slot; confirmed by a replica like every audit write.
        return durable_transaction(
            self._redis, redis_keys.AUDIT_STREAM, rewrite, watch=[redis_keys.AUDIT_STREAM]
        )

    def page(self, *, before: str | None = None, limit: int = 50) -> AuditPage:
        """Newest first; `before` (an entry id, exclusive) continues an earlier page."""
        before = check_cursor(before)
        limit = max(1, min(limit, MAX_PAGE))
        rows: list[tuple[bytes, dict[bytes, bytes]]] = self._redis.xrevrange(  # type: ignore[assignment]
            redis_keys.AUDIT_STREAM, max=f"({before}" if before else "+", min="-", count=limit + 1
        )
        entries = [_entry(entry_id, data) for entry_id, data in rows[:limit]]
        has_more = len(rows) > limit
        return AuditPage(entries, entries[-1].id if has_more and entries else None)

    def __len__(self) -> int:
        return int(self._redis.xlen(redis_keys.AUDIT_STREAM))


@dataclass(frozen=True)
class AuditScrub:
    removed: int  # entries about the erased user
    anonymized: int  # entries the erased user made, now by `ERASED_ACTOR`


# Who an erased admin's past changes are attributed to.
ERASED_ACTOR = Actor("erased", "Erased user")


def _fields(
    actor: Actor,
    action: AuditAction,
    target_user_id: str | None,
    target_name: str | None,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    details: Mapping[str, Any] | None,
) -> dict[str, str]:
    return {
        "actor_id": actor.user_id,
        "actor_name": actor.name,
        "action": action,
        "target_id": target_user_id or "",
        "target_name": target_name or "",
        "before": json.dumps(before) if before is not None else "",
        "after": json.dumps(after) if after is not None else "",
        "details": json.dumps(dict(details or {})),
    }


def _without_user(
    rows: list[tuple[bytes, dict[bytes, bytes]]], user_id: str
) -> tuple[list[tuple[bytes, dict[bytes, bytes]]], AuditScrub]:
    kept: list[tuple[bytes, dict[bytes, bytes]]] = []
    removed = anonymized = 0
    for entry_id, data in rows:
        if _text(data, "target_id") == user_id:
            removed += 1
            continue
        if _text(data, "actor_id") == user_id:
            anonymized += 1
            data = {
                **data,
                b"actor_id": ERASED_ACTOR.user_id.encode(),
                b"actor_name": ERASED_ACTOR.name.encode(),
            }
        kept.append((entry_id, data))
    return kept, AuditScrub(removed, anonymized)


def _text(data: Mapping[bytes, bytes], name: str) -> str:
    return data.get(name.encode(), b"").decode()


def _json(data: Mapping[bytes, bytes], name: str) -> Any:
    raw = _text(data, name)
    return json.loads(raw) if raw else None


def _entry(entry_id: bytes | str, data: Mapping[bytes, bytes]) -> AuditEntry:
    action: Any = _text(data, "action")
    return AuditEntry(
        id=entry_id.decode() if isinstance(entry_id, bytes) else entry_id,
        actor=Actor(_text(data, "actor_id"), _text(data, "actor_name")),
        action=action,
        target_user_id=_text(data, "target_id") or None,
        target_name=_text(data, "target_name") or None,
        before=_json(data, "before"),
        after=_json(data, "after"),
        details=_json(data, "details") or {},
    )
