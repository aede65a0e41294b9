"""What admins do: change policies and revoke a user's sign-ins and chat sessions, each audited."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import redis

from chatkit_bff.admin.audit import Actor, AuditAction, AuditLog
from chatkit_bff.admin.directory import DirectoryUser, UserDirectory
from chatkit_bff.auth.sign_ins import SignInRegistry
from chatkit_bff.chat_sessions.broker import SessionBroker
from chatkit_bff.chat_sessions.ledger import MintLedger, MintRecord
from chatkit_bff.chat_sessions.secret_cache import CachedSession, SecretCache
from chatkit_bff.errors import NotFound
from chatkit_bff.policy.model import Policy, PolicySource, merge_layers, value_sources
from chatkit_bff.policy.store import AlsoInTransaction, LayerChange, PolicyStore, StoredLayer


def _stamp(layer: StoredLayer) -> dict[str, Any]:
    by = {"user_id": layer.updated_by, "name": layer.updated_by_name} if layer.updated_by else None
    return {"updated_by": by, "updated_at": layer.updated_at}


@dataclass(frozen=True)
class UserPolicy:
    """A user's overrides and what they add up to, with where each value comes from."""

    user_id: str
    defaults: StoredLayer
    overrides: StoredLayer

    @property
    def effective(self) -> Policy:
        return Policy.from_dict(merge_layers(self.defaults.values, self.overrides.values))

    @property
    def sources(self) -> dict[str, PolicySource]:
        return value_sources(self.defaults.values, self.overrides.values)

    def to_json(self) -> dict[str, Any]:
        return {
            "user_id": self.user_id,
            "overrides": self.overrides.values,
            "effective": self.effective.to_dict(),
            "sources": self.sources,
            **_stamp(self.overrides),
        }


@dataclass(frozen=True)
class Defaults:
    """The admin-set global defaults over the built-in values."""

    layer: StoredLayer

    @property
    def effective(self) -> dict[str, Any]:
        return merge_layers(self.layer.values)

    @property
    def sources(self) -> dict[str, PolicySource]:
        return value_sources(self.layer.values, {})

    def to_json(self) -> dict[str, Any]:
        return {
            "defaults": self.layer.values,
            "effective": self.effective,
            "sources": self.sources,
            **_stamp(self.layer),
        }


@dataclass(frozen=True)
class Revoked:
    sign_ins_ended: int
    chat_sessions_cancelled: int

    def to_json(self) -> dict[str, int]:
        return {
            "sign_ins_ended": self.sign_ins_ended,
            "chat_sessions_cancelled": self.chat_sessions_cancelled,
        }


@dataclass(frozen=True)
class UserOverview:
    """Everything the admin's page for one user shows."""

    user: DirectoryUser
    policy: UserPolicy
    cached: list[CachedSession]
    recent_mints: list[MintRecord]


@dataclass(frozen=True)
class Figures:
    """The dashboard's numbers."""

    users: int
    users_with_overrides: int
    cached_secrets: int
    mints_last_hour: int
    audit_entries: int


class AdminOps:
    def __init__(
        self,
        *,
        policies: PolicyStore,
        audit: AuditLog,
        directory: UserDirectory,
        broker: SessionBroker,
        sign_ins: SignInRegistry,
        secrets: SecretCache,
        ledger: MintLedger,
    ) -> None:
        self._policies = policies
        self._audit = audit
        self._directory = directory
        self._broker = broker
        self._sign_ins = sign_ins
        self._secrets = secrets
        self._ledger = ledger

    def figures(self) -> Figures:
        return Figures(
            users=self._directory.count(),
            users_with_overrides=self._policies.count_users_with_overrides(),
            cached_secrets=self._secrets.count_cached(),
            mints_last_hour=self._ledger.count_since(time.time() - 3600),
            audit_entries=len(self._audit),
        )

    def user(self, user_id: str) -> DirectoryUser:
        """A user seen at sign-in; any other id is a 404."""
        user = self._directory.get(user_id)
        if user is None:
            raise NotFound("No user with that id has signed in.")
        return user

    def user_policy(self, user_id: str) -> UserPolicy:
        self.user(user_id)
        layers = self._policies.layers(user_id)
        return UserPolicy(user_id, layers.defaults, layers.overrides)

    def overview(self, user_id: str, recent: int = 10) -> UserOverview:
        return UserOverview(
            self.user(user_id),
            self.user_policy(user_id),
            self._secrets.cached_sessions(user_id),
            self._ledger.recent(user_id, recent),
        )

    def defaults(self) -> Defaults:
        return Defaults(self._policies.defaults())

    def set_user_policy(
        self, actor: Actor, user_id: str, values: Any, *, apply_now: bool = False
    ) -> UserPolicy:
        """Replace a user's overrides; the next mint uses them (at once with `apply_now`)."""
        user = self.user(user_id)
        self._policies.replace_overrides(
            user_id,
            values,
            actor=actor.user_id,
            actor_name=actor.name,
            also=self._audited(actor, "policy.update", user, apply_now=apply_now),
        )
        self._put_into_effect(user_id, apply_now)
        return self.user_policy(user_id)

    def reset_user_policy(
        self, actor: Actor, user_id: str, *, apply_now: bool = False
    ) -> UserPolicy:
        """Remove a user's overrides: back to the global defaults."""
        user = self.user(user_id)
        self._policies.remove_overrides(
            user_id,
            actor=actor.user_id,
            actor_name=actor.name,
            also=self._audited(actor, "policy.reset", user, apply_now=apply_now),
        )
        self._put_into_effect(user_id, apply_now)
        return self.user_policy(user_id)

    def set_defaults(self, actor: Actor, values: Any) -> Defaults:
        """Replace the global defaults and drop every cached secret, so no one keeps old values."""
        self._policies.replace_defaults(
            values,
            actor=actor.user_id,
            actor_name=actor.name,
            also=self._audited(actor, "defaults.update", None),
        )
        # The policy fingerprint changes for everyone who inherits a changed value, so old
        # entries would never be served again; dropping them all keeps the cache honest.
        self._secrets.drop_everyone()
        return self.defaults()

    def revoke(self, actor: Actor, user_id: str) -> Revoked:
        """Sign the user out everywhere and cancel their live chat sessions upstream."""
        user = self.user(user_id)
        revoked = Revoked(
            sign_ins_ended=self._sign_ins.end_user(user_id),
            chat_sessions_cancelled=self._broker.end_sessions(user_id),
        )
        self._audit.add(
            actor,
            "sessions.revoke",
            target_user_id=user.user_id,
            target_name=user.name,
            details=revoked.to_json(),
        )
        return revoked

    def _put_into_effect(self, user_id: str, apply_now: bool) -> None:
        if apply_now:
            self._broker.end_sessions(user_id)
        else:
            self._broker.drop_cached(user_id)

    def _audited(
        self,
        actor: Actor,
        action: AuditAction,
        user: DirectoryUser | None,
        *,
        apply_now: bool = False,
    ) -> AlsoInTransaction:
        def record(pipe: redis.Redis, change: LayerChange) -> None:
            details: Mapping[str, Any] = {"apply_now": True} if apply_now else {}
            self._audit.add(
                actor,
                action,
                target_user_id=user.user_id if user else None,
                target_name=user.name if user else None,
                before=change.before.values,
                after=change.after.values,
                details=details,
                pipe=pipe,
            )

        return record
