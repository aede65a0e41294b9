"""What admins do: change policies and revoke a user's sign-ins and chat sessions, each audited."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import redis

from chatkit_bff.admin.audit import AuditAction, AuditLog
from chatkit_bff.admin.directory import DirectoryUser, UserDirectory
from chatkit_bff.apps import AppCatalog, ChatApp
from chatkit_bff.auth.sign_ins import SignInRegistry
from chatkit_bff.chat_sessions.broker import SessionBroker
from chatkit_bff.chat_sessions.ledger import MintLedger, MintRecord
from chatkit_bff.chat_sessions.secret_cache import CachedSession, SecretCache
from chatkit_bff.errors import NotFound
from chatkit_bff.identity import Actor
from chatkit_bff.policy.model import validate_overrides
from chatkit_bff.policy.store import (
    AlsoInTransaction,
    LayerChange,
    PolicyLayers,
    PolicyStore,
    StoredLayer,
)


def _stamp(layer: StoredLayer) -> dict[str, Any]:
    by = layer.updated_by
    return {
        "updated_by": {"user_id": by.user_id, "name": by.name} if by else None,
        "updated_at": layer.updated_at,
    }


def user_policy_json(user_id: str, layers: PolicyLayers, app: str | None = None) -> dict[str, Any]:
    """A user's overrides and what they add up to (in chat app `app`), with each value's source."""
    return {
        "user_id": user_id,
        "app": app,
        "overrides": layers.overrides.values,
        "effective": layers.effective.to_dict(),
        "sources": layers.sources,
        **_stamp(layers.overrides),
    }


def defaults_json(layers: PolicyLayers) -> dict[str, Any]:
    """The admin-set global defaults over the built-in values."""
    return {
        "defaults": layers.defaults.values,
        "effective": layers.effective.to_dict(),
        "sources": layers.sources,
        **_stamp(layers.defaults),
    }


def app_defaults_json(app: ChatApp, layers: PolicyLayers) -> dict[str, Any]:
    """A chat app's defaults over the global ones (from the apps file until an admin edits)."""
    return {
        "app": app.slug,
        "title": app.title,
        "defaults": layers.app.values,
        "from_file": layers.app.updated_at is None,
        "effective": layers.effective.to_dict(),
        "sources": layers.sources,
        **_stamp(layers.app),
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
    policy: PolicyLayers
    #: The effective policy in every chat app (the default app first).
    by_app: list[tuple[ChatApp, PolicyLayers]]
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
        apps: AppCatalog,
    ) -> None:
        self._apps = apps
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

    def chat_app(self, slug: str) -> ChatApp:
        app = self._apps.get(slug)
        if app is None:
            raise NotFound("No chat app with that name.")
        return app

    def user_policy(self, user_id: str, app: str | None = None) -> PolicyLayers:
        """The user's layers in one chat app (default: the default app)."""
        self.user(user_id)
        slug = self.chat_app(app).slug if app else self._apps.default.slug
        return self._policies.layers(user_id, slug)

    def overview(self, user_id: str, recent: int = 10) -> UserOverview:
        by_app = [(app, self._policies.layers(user_id, app.slug)) for app in self._apps]
        return UserOverview(
            self.user(user_id),
            by_app[0][1],
            by_app,
            self._secrets.cached_sessions(user_id),
            self._ledger.recent(user_id, recent),
        )

    def defaults(self) -> PolicyLayers:
        return self._policies.defaults()

    def set_user_policy(
        self, actor: Actor, user_id: str, values: Any, *, apply_now: bool = False
    ) -> PolicyLayers:
        """Replace a user's overrides; the next mint uses them (at once with `apply_now`).

        Every change reads the user once (unknown: 404), validates `values` once (400) and
        reaches the secret cache through `_put_into_effect`.
        """
        user = self.user(user_id)
        change = self._policies.replace_overrides(
            user_id,
            validate_overrides(values),
            actor=actor,
            also=self._audited(actor, "policy.update", user, apply_now=apply_now),
        )
        self._put_into_effect(user_id, apply_now=apply_now)
        return change.layers

    def reset_user_policy(
        self, actor: Actor, user_id: str, *, apply_now: bool = False
    ) -> PolicyLayers:
        """Remove a user's overrides: back to the global defaults."""
        user = self.user(user_id)
        change = self._policies.remove_overrides(
            user_id,
            actor=actor,
            also=self._audited(actor, "policy.reset", user, apply_now=apply_now),
        )
        self._put_into_effect(user_id, apply_now=apply_now)
        return change.layers

    def set_defaults(self, actor: Actor, values: Any) -> PolicyLayers:
        """Replace the global defaults; every user's next mint uses them."""
        change = self._policies.replace_defaults(
            validate_overrides(values),
            actor=actor,
            also=self._audited(actor, "defaults.update", None),
        )
        self._put_into_effect(None)
        return change.layers

    def app_defaults(self, slug: str) -> PolicyLayers:
        return self._policies.app_defaults(self.chat_app(slug).slug)

    def set_app_defaults(self, actor: Actor, slug: str, values: Any) -> PolicyLayers:
        """Replace one app's defaults; like the global defaults, every cached secret is dropped."""
        app = self.chat_app(slug)
        self._policies.replace_app_defaults(
            app.slug,
            validate_overrides(values),
            actor=actor,
            also=self._audited(actor, "app_defaults.update", None, app=app.slug),
        )
        self._put_into_effect(None)
        return self.app_defaults(slug)

    def reset_app_defaults(self, actor: Actor, slug: str) -> PolicyLayers:
        """Back to the apps file's values for this app."""
        app = self.chat_app(slug)
        self._policies.reset_app_defaults(
            app.slug,
            actor=actor,
            also=self._audited(actor, "app_defaults.reset", None, app=app.slug),
        )
        self._put_into_effect(None)
        return self.app_defaults(slug)

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

    def _put_into_effect(self, user_id: str | None, *, apply_now: bool = False) -> None:
        """The one road from a policy change to the secret cache (`None`: every user).

        A cached secret was minted under the old policy, so it is dropped (the next call mints
        under the new one); `apply_now` also cancels the user's live chat sessions.
        """
        if user_id is None:
            # The fingerprint changes for everyone who inherits a changed value, so their old
            # entries would never be served again; dropping them all keeps the cache honest.
            self._broker.drop_everyones_cached()
        elif apply_now:
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
        app: str | None = None,
    ) -> AlsoInTransaction:
        def record(pipe: redis.Redis, change: LayerChange) -> None:
            details: dict[str, Any] = {"apply_now": True} if apply_now else {}
            if app is not None:
                details["app"] = app
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
