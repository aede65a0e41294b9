"""Erasing a user: their conversations upstream and everything this app keeps about them.

Order matters. Sign-ins end first (so no request of theirs writes anything back), then chat
sessions are cancelled, then their threads are deleted upstream in every chat app (the default
app's upstream user is the user id; another app's was written down when they used it, see
`apps.AppUsers`). Only when that has worked is what Redis holds removed, so a failed erasure
leaves the user listed and can simply be run again. The audit trail keeps one entry: who
erased whom, and when.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass

import redis

from chatkit_bff import redis_keys
from chatkit_bff.admin.audit import ERASED_ACTOR, AuditLog
from chatkit_bff.admin.directory import UserDirectory
from chatkit_bff.apps import AppUsers
from chatkit_bff.auth.sign_ins import SignInRegistry
from chatkit_bff.chat_sessions.broker import SessionBroker
from chatkit_bff.chat_sessions.ledger import MintLedger
from chatkit_bff.errors import NotFound
from chatkit_bff.identity import Actor
from chatkit_bff.policy.store import PolicyStore
from chatkit_bff.upstream import ChatKitClient, NotFoundError

log = logging.getLogger("chatkit_bff.admin")

_PAGE = 100
_SCAN_COUNT = 500


@dataclass(frozen=True)
class Erased:
    threads_deleted: int
    chat_sessions_cancelled: int
    sign_ins_ended: int
    audit_entries_removed: int
    audit_entries_anonymized: int

    def to_json(self) -> dict[str, int]:
        return {
            "threads_deleted": self.threads_deleted,
            "chat_sessions_cancelled": self.chat_sessions_cancelled,
            "sign_ins_ended": self.sign_ins_ended,
            "audit_entries_removed": self.audit_entries_removed,
            "audit_entries_anonymized": self.audit_entries_anonymized,
        }


class Eraser:
    def __init__(
        self,
        *,
        redis_client: redis.Redis,
        chatkit: ChatKitClient,
        directory: UserDirectory,
        policies: PolicyStore,
        broker: SessionBroker,
        sign_ins: SignInRegistry,
        ledger: MintLedger,
        audit: AuditLog,
        app_users: AppUsers,
    ) -> None:
        self._redis = redis_client
        self._chatkit = chatkit
        self._directory = directory
        self._policies = policies
        self._broker = broker
        self._sign_ins = sign_ins
        self._ledger = ledger
        self._audit = audit
        self._app_users = app_users

    def erase(self, actor: Actor, user_id: str) -> Erased:
        """Erase a user seen at sign-in (any other id is a 404). Upstream failures propagate."""
        user = self._directory.get(user_id)
        if user is None:
            raise NotFound("No user with that id has signed in.")
        sign_ins = self._sign_ins.end_user(user_id)
        cancelled = self._broker.end_sessions(user_id)
        # In every chat app: the default app's upstream user is the user id, the others' were
        # written down when the user used them (`AppUsers`).
        upstream_ids = set(self._app_users.upstream_ids(user_id).values())
        threads = sum(self._delete_threads(upstream) for upstream in sorted(upstream_ids))

        self._policies.remove_overrides(user_id, actor=actor)
        self._policies.anonymize_author(user_id, replacement=ERASED_ACTOR)
        self._ledger.forget_user(user_id)
        self._directory.remove(user_id)
        self._app_users.forget_user(user_id)
        self._forget_memos(user_id, upstream_ids)
        self._delete_keys_naming(user_id)
        counts = {"threads_deleted": threads, "chat_sessions_cancelled": cancelled}
        scrub = self._audit.erase_user(actor, user_id, target_name=user.name, details=counts)
        log.info("user %s erased by %s: %d threads deleted", user_id, actor.user_id, threads)
        return Erased(threads, cancelled, sign_ins, scrub.removed, scrub.anonymized)

    def _delete_threads(self, upstream_user: str) -> int:
        """Delete every thread of one upstream user: the first page again, until it is empty."""
        deleted = 0
        while True:
            page = self._chatkit.list_threads(user=upstream_user, limit=_PAGE)
            for thread in page["data"]:
                try:
                    self._chatkit.delete_thread(thread["id"])
                    deleted += 1
                except NotFoundError:
                    pass  # deleted meanwhile
                self._redis.delete(redis_keys.thread_owner(thread["id"]))
            if not page["data"]:
                return deleted

    def _forget_memos(self, user_id: str, upstream_ids: set[str]) -> None:
        """Short-lived keys whose value (not name) is the user id or one of their upstream ids:
        thread owners, provider sids."""
        for key in self._keys_holding(redis_keys.THREAD_OWNER_PATTERN, upstream_ids):
            self._redis.delete(key)
        prefix = redis_keys.provider_session_user("")
        for key in self._keys_holding(redis_keys.PROVIDER_SESSION_USER_PATTERN, {user_id}):
            sid = key.removeprefix(prefix)
            self._redis.delete(key)
            self._redis.delete(redis_keys.sign_ins_of_provider_session(user_id, sid))

    def _keys_holding(self, pattern: str, values: set[str]) -> Iterator[str]:
        # SCAN walks every primary of a cluster. One GET per key: these keys belong to many
        # users (many slots), so no command may group them.
        wanted = {value.encode() for value in values}
        for raw in self._redis.scan_iter(match=pattern, count=_SCAN_COUNT):
            if self._redis.get(raw) in wanted:
                yield raw.decode() if isinstance(raw, bytes) else raw

    def _delete_keys_naming(self, user_id: str) -> None:
        """Any key left whose name holds the user id (the user's slot `bff:{<id>}:…`, rate-limit
        counters): SCAN on every primary, one DEL per key (they may lie in several slots)."""
        for raw in self._redis.scan_iter(match=f"*{user_id}*", count=_SCAN_COUNT):
            self._redis.delete(raw)
