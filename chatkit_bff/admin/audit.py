"""The admin audit trail: a capped Redis Stream, read newest first in pages by stream id."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import redis

from chatkit_bff import redis_keys
from chatkit_bff.errors import InvalidRequest
from chatkit_bff.identity import Actor
from chatkit_bff.policy.model import flatten
from chatkit_bff.redis_durable import durable_transaction

AuditAction = Literal[
    "policy.update",  # a user's overrides replaced
    "policy.reset",  # a user's overrides removed
    "defaults.update",  # the global defaults replaced
    "sessions.revoke",  # a user's browser and chat sessions ended by an admin
]

_STREAM_ID = re.compile(r"^\d{1,20}-\d{1,20}$")
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
    if value in (None, ""):
        return None
    assert value is not None
    if not _STREAM_ID.match(value):
        raise InvalidRequest(
            f"{name} must be an audit entry id.", fields={name: "must be an audit entry id"}
        )
    return value


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
        fields = {
            "actor_id": actor.user_id,
            "actor_name": actor.name,
            "action": action,
            "target_id": target_user_id or "",
            "target_name": target_name or "",
            "before": json.dumps(before) if before is not None else "",
            "after": json.dumps(after) if after is not None else "",
            "details": json.dumps(dict(details or {})),
        }

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
