"""Who an app's upstream `user` is: our user and the chat app, for retention and erasure.

An app other than the default one sends ChatKit a one-way hash of issuer, `sub` and slug (see
`users`), so nothing can map its threads back to a person unless the pair is written down when
it is made: at sign-in for every app, and when a chat session or a page is served for an app
(for sign-ins older than the mapping). The default app's upstream user is our user id itself.

Two keys per pair, each written with a single-key command and never in a transaction: the
mapping by upstream id (global, one key each) and the user's own hash of their ids by app (so
erasure finds them all).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

import redis

from chatkit_bff import redis_keys
from chatkit_bff.apps.catalog import DEFAULT_APP, ChatApp
from chatkit_bff.apps.users import upstream_user
from chatkit_bff.identity import Identity

#: Upstream ids this process has written lately: a page view or a mint then costs no write.
_REMEMBERED = 10_000


@dataclass(frozen=True)
class AppUser:
    """The owner of an upstream user id: our user id and the app slug."""

    user_id: str
    app: str


def _text(raw: bytes | str) -> str:
    return raw.decode() if isinstance(raw, bytes) else raw


class AppUsers:
    def __init__(self, client: redis.Redis) -> None:
        self._redis = client
        self._written: set[str] = set()

    def record(self, identity: Identity, app: ChatApp) -> None:
        """Write the pair down unless this process already did (cheap to call per request)."""
        if app.is_default or upstream_user(identity, app) in self._written:
            return
        self.record_apps(identity, [app])

    def record_apps(self, identity: Identity, apps: Iterable[ChatApp]) -> None:
        """Write the pairs of these apps down (at sign-in: every app of the catalog)."""
        pairs = [(app.slug, upstream_user(identity, app)) for app in apps if not app.is_default]
        if not pairs:
            return
        # Not a transaction: each command names one key (the user's hash first, so a mapping
        # by upstream id always has its entry there for erasure to find).
        pipe = self._redis.pipeline(transaction=False)
        pipe.hset(redis_keys.app_users_of(identity.user_id), mapping=dict(pairs))
        for slug, upstream in pairs:
            document = json.dumps({"user_id": identity.user_id, "app": slug})
            pipe.set(redis_keys.app_user(upstream), document)
        pipe.execute()
        if len(self._written) + len(pairs) > _REMEMBERED:
            self._written.clear()
        self._written.update(upstream for _, upstream in pairs)

    def owner(self, upstream_user_id: str) -> AppUser | None:
        """Whose id this is in which app; None when it was never written down."""
        raw = self._redis.get(redis_keys.app_user(upstream_user_id))
        if raw is None:
            return None
        try:
            data = json.loads(raw)
            return AppUser(str(data["user_id"]), str(data["app"]))
        except (ValueError, KeyError, TypeError):
            return None

    def upstream_ids(self, user_id: str) -> dict[str, str]:
        """App slug -> the user's upstream id there, for every app (the default one included)."""
        found = {
            _text(slug): _text(upstream)
            for slug, upstream in self._redis.hgetall(redis_keys.app_users_of(user_id)).items()
        }
        return {DEFAULT_APP: user_id, **found}

    def forget_user(self, user_id: str) -> int:
        """Remove every pair of the user; how many mappings by upstream id were removed."""
        removed = 0
        for slug, upstream in self.upstream_ids(user_id).items():
            if slug == DEFAULT_APP:
                continue
            self._written.discard(upstream)
            owner = self.owner(upstream)
            if owner is not None and owner.user_id == user_id:
                removed += int(self._redis.delete(redis_keys.app_user(upstream)))
        self._redis.delete(redis_keys.app_users_of(user_id))
        return removed
