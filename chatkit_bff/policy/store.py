"""Admin-set policy layers in Redis: global defaults, chat apps' defaults, per-user overrides.

The defaults and the apps' defaults share the `{bff}` slot; a user's overrides live in the
user's slot. Every write is a transaction on one slot, confirmed by a replica (redis_durable).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

import redis
from redis.client import Pipeline

from chatkit_bff import redis_keys
from chatkit_bff.errors import InvalidRequest
from chatkit_bff.identity import Actor
from chatkit_bff.policy.model import (
    MAX_STATE_VARIABLES,
    PartialPolicy,
    Policy,
    PolicySource,
    check_merged_state_variables,
    effective_policy,
    merge_layers,
    merged_state_variable_count,
    value_sources,
)
from chatkit_bff.redis_durable import durable_transaction


@dataclass(frozen=True)
class StoredLayer:
    """One admin-set layer: its values and who changed it last, when."""

    values: dict[str, Any]
    updated_by: Actor | None = None
    updated_at: float | None = None

    @classmethod
    def load(cls, raw: bytes | str | None) -> StoredLayer:
        if not raw:
            return cls(values={})
        data = json.loads(raw)
        by = data.get("updated_by")
        return cls(
            data.get("values", {}),
            Actor(by, data.get("updated_by_name") or "") if by else None,
            data.get("updated_at"),
        )

    def dump(self) -> str:
        by = self.updated_by
        return json.dumps(
            {
                "values": self.values,
                "updated_by": by.user_id if by else None,
                "updated_at": self.updated_at,
                "updated_by_name": by.name if by else None,
            }
        )


_EMPTY = StoredLayer(values={})
_REMEMBERED_POLICIES = 4096


@dataclass(frozen=True)
class PolicyLayers:
    """The admin defaults, a chat app's defaults and one user's overrides (each may be empty)."""

    defaults: StoredLayer
    overrides: StoredLayer = _EMPTY
    #: The chat app's defaults, between the global defaults and the user's overrides.
    app: StoredLayer = _EMPTY

    @property
    def effective(self) -> Policy:
        return effective_policy(self.defaults.values, self.overrides.values, self.app.values)

    @property
    def inherited(self) -> dict[str, Any]:
        """What the user gets without overrides."""
        return merge_layers(self.defaults.values, self.app.values)

    @property
    def sources(self) -> dict[str, PolicySource]:
        """Where each effective value comes from, by dotted path."""
        return value_sources(self.defaults.values, self.overrides.values, self.app.values)


@dataclass(frozen=True)
class LayerChange:
    """One write: the layer before and after it (empty after a removal), and both layers now."""

    before: StoredLayer
    after: StoredLayer
    layers: PolicyLayers


# Queues more commands (the audit record) in the MULTI on the shared `{bff}` slot that records
# the change (redis_keys.SHARED): on a cluster a user's overrides live in the user's own slot.
AlsoInTransaction = Callable[[redis.Redis, LayerChange], None]


class PolicyStore:
    def __init__(
        self,
        client: redis.Redis,
        *,
        claim_variables: Collection[str] = (),
        clock: Callable[[], float] = time.time,
        app_defaults: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        self._redis = client
        # Variables filled from sign-in claims count toward the upstream cap of 64.
        self._claim_variables = frozenset(claim_variables)
        self._clock = clock
        # Each chat app's defaults from the apps file, until an admin replaces them.
        self._file_app_defaults = dict(app_defaults or {})
        self._parsed: dict[tuple[object, ...], Policy] = {}

    def layers(self, user_id: str, app: str | None = None) -> PolicyLayers:
        """Every layer in one round trip (the app's too, when one is named).

        The user's overrides live in the user's slot and the defaults in the shared one, so
        these are GETs in one pipeline, not one MGET.
        """
        with self._redis.pipeline(transaction=False) as pipe:
            self.queue_layers(pipe, user_id, app)
            return self.parse_layers(pipe.execute(), app)

    @staticmethod
    def layer_reads(app: str | None = None) -> int:
        """How many results `queue_layers` adds to a pipeline."""
        return 2 if app is None else 3

    @staticmethod
    def queue_layers(pipe: Pipeline, user_id: str, app: str | None = None) -> None:
        """Queue the reads of `layers` on a pipeline; `parse_layers` its results."""
        for name in _layer_keys(user_id, app):
            pipe.get(name)

    def parse_layers(self, results: Any, app: str | None = None) -> PolicyLayers:
        """The layers from the first `layer_reads(app)` results of a pipeline."""
        defaults, overrides, *app_raw = results[: self.layer_reads(app)]
        layers = PolicyLayers(StoredLayer.load(defaults), StoredLayer.load(overrides))
        if app is None:
            return layers
        return PolicyLayers(layers.defaults, layers.overrides, self._app_layer(app, app_raw[0]))

    def parse_effective(self, results: Any, app: str | None = None) -> Policy:
        """The effective policy from the first `layer_reads(app)` results of a pipeline.

        Remembered by the stored bytes (a few thousand layer combinations per process), so the
        hot path parses and merges a policy only when an admin has changed one of its layers.
        """
        raw = (app, *results[: self.layer_reads(app)])
        policy = self._parsed.get(raw)
        if policy is None:
            policy = self.parse_layers(results, app).effective
            if len(self._parsed) >= _REMEMBERED_POLICIES:
                self._parsed.clear()
            self._parsed[raw] = policy
        return policy

    def effective(self, user_id: str, app: str | None = None) -> Policy:
        return self.layers(user_id, app).effective

    def app_defaults(self, app: str) -> PolicyLayers:
        """The global defaults and the app's: as admins last set them, else from the apps file."""
        # Both in the shared `{bff}` slot: one MGET.
        raw_defaults, raw_app = self._redis.mget(
            [redis_keys.POLICY_DEFAULTS, redis_keys.policy_app_defaults(app)]
        )
        return PolicyLayers(StoredLayer.load(raw_defaults), app=self._app_layer(app, raw_app))

    def _app_layer(self, app: str, raw: bytes | str | None) -> StoredLayer:
        if raw:
            return StoredLayer.load(raw)
        return StoredLayer(dict(self._file_app_defaults.get(app, {})))

    def replace_app_defaults(
        self,
        app: str,
        values: PartialPolicy,
        *,
        actor: Actor,
        also: AlsoInTransaction | None = None,
    ) -> LayerChange:
        """Store one app's defaults (replacing the apps file's values); capped like the defaults."""
        key = redis_keys.policy_app_defaults(app)

        def swap(conn: redis.Redis) -> tuple[LayerChange, Callable[[redis.Redis], None]]:
            defaults = StoredLayer.load(conn.get(redis_keys.POLICY_DEFAULTS))
            user_ids = sorted(_decode(m) for m in conn.smembers(redis_keys.USERS_WITH_OVERRIDES))
            # The overrides live in their users' slots: read through the cluster-aware client.
            problem = self._state_variable_problem(
                merge_state_variables(defaults.values, values),
                [self._overrides(u).values for u in user_ids],
            )
            if problem:
                raise InvalidRequest(
                    "Some policy values are out of bounds.", fields={"state_variables": problem}
                )
            after = StoredLayer(values, actor, self._clock())
            change = LayerChange(
                self._app_layer(app, conn.get(key)), after, PolicyLayers(defaults, app=after)
            )

            def write(conn: redis.Redis) -> None:
                conn.set(key, after.dump())
                if also is not None:
                    also(conn, change)

            return change, write

        return durable_transaction(
            self._redis,
            key,
            swap,
            watch=[key, redis_keys.POLICY_DEFAULTS, redis_keys.USERS_WITH_OVERRIDES],
        )

    def reset_app_defaults(
        self, app: str, *, actor: Actor, also: AlsoInTransaction | None = None
    ) -> LayerChange:
        """Back to the apps file's values for this app."""
        key = redis_keys.policy_app_defaults(app)

        def swap(conn: redis.Redis) -> tuple[LayerChange, Callable[[redis.Redis], None]]:
            raw_defaults, raw_before = conn.mget([redis_keys.POLICY_DEFAULTS, key])
            file_layer = StoredLayer(dict(self._file_app_defaults.get(app, {})))
            change = LayerChange(
                self._app_layer(app, raw_before),
                StoredLayer(file_layer.values, actor, self._clock()),
                PolicyLayers(StoredLayer.load(raw_defaults), app=file_layer),
            )

            def write(conn: redis.Redis) -> None:
                conn.delete(key)
                if also is not None:
                    also(conn, change)

            return change, write

        return durable_transaction(self._redis, key, swap, watch=[redis_keys.POLICY_DEFAULTS, key])

    def defaults(self) -> PolicyLayers:
        """The admin defaults alone, as layers with no overrides."""
        return PolicyLayers(StoredLayer.load(self._redis.get(redis_keys.POLICY_DEFAULTS)))

    def _overrides(self, user_id: str) -> StoredLayer:
        return StoredLayer.load(self._redis.get(redis_keys.policy_overrides(user_id)))

    def count_users_with_overrides(self) -> int:
        return int(self._redis.scard(redis_keys.USERS_WITH_OVERRIDES))

    def replace_overrides(
        self,
        user_id: str,
        values: PartialPolicy,
        *,
        actor: Actor,
        also: AlsoInTransaction | None = None,
    ) -> LayerChange:
        """Store a user's overrides, then record the change (and `also`)."""
        # Read apart from the write: the defaults live in another slot. A defaults change at the
        # same instant checks every user's overrides again on its side.
        defaults = self.defaults().defaults
        problem = check_merged_state_variables(defaults.values, values, self._claim_variables)
        if problem:
            raise InvalidRequest(
                "Some policy values are out of bounds.", fields={"state_variables": problem}
            )
        after = StoredLayer(values, actor, self._clock())
        return self._write_user_layer(
            user_id, after, PolicyLayers(defaults, after), also, remove=False
        )

    def remove_overrides(
        self, user_id: str, *, actor: Actor, also: AlsoInTransaction | None = None
    ) -> LayerChange:
        """Back to the defaults for this user."""
        after = StoredLayer({}, actor, self._clock())
        # Nothing is stored for the user: the layers are the defaults alone.
        return self._write_user_layer(user_id, after, self.defaults(), also, remove=True)

    def _write_user_layer(
        self,
        user_id: str,
        after: StoredLayer,
        layers: PolicyLayers,
        also: AlsoInTransaction | None,
        *,
        remove: bool,
    ) -> LayerChange:
        """Two transactions, each confirmed by a replica: the user's slot, then the shared one."""
        key = redis_keys.policy_overrides(user_id)

        def swap(conn: redis.Redis) -> tuple[LayerChange, Callable[[redis.Redis], None]]:
            change = LayerChange(StoredLayer.load(conn.get(key)), after, layers)

            def write(conn: redis.Redis) -> None:
                if remove:
                    conn.delete(key)
                else:
                    conn.set(key, after.dump())

            return change, write

        change = durable_transaction(self._redis, key, swap, watch=[key])

        def record(conn: redis.Redis) -> tuple[None, Callable[[redis.Redis], None]]:
            def write(conn: redis.Redis) -> None:
                if after.values:
                    conn.sadd(redis_keys.USERS_WITH_OVERRIDES, user_id)
                else:
                    conn.srem(redis_keys.USERS_WITH_OVERRIDES, user_id)
                if also is not None:
                    also(conn, change)

            return None, write

        # Were this one to fail (the primary of {bff} lost right now), the caller answers 503 and
        # the change is in effect but unaudited; an admin who retries records it then.
        durable_transaction(self._redis, redis_keys.USERS_WITH_OVERRIDES, record)
        return change

    def replace_defaults(
        self, values: PartialPolicy, *, actor: Actor, also: AlsoInTransaction | None = None
    ) -> LayerChange:
        """Store the global defaults; refused if any user would exceed the caps."""

        def swap(conn: redis.Redis) -> tuple[LayerChange, Callable[[redis.Redis], None]]:
            user_ids = sorted(_decode(m) for m in conn.smembers(redis_keys.USERS_WITH_OVERRIDES))
            # The overrides live in their users' slots: read through the cluster-aware client.
            overrides = [self._overrides(u).values for u in user_ids]
            problem = self._state_variable_problem(values, overrides)
            if problem:
                raise InvalidRequest(
                    "Some policy values are out of bounds.", fields={"state_variables": problem}
                )
            after = StoredLayer(values, actor, self._clock())
            change = LayerChange(
                StoredLayer.load(conn.get(redis_keys.POLICY_DEFAULTS)), after, PolicyLayers(after)
            )

            def write(conn: redis.Redis) -> None:
                conn.set(redis_keys.POLICY_DEFAULTS, change.after.dump())
                if also is not None:
                    also(conn, change)

            return change, write

        return durable_transaction(
            self._redis,
            redis_keys.POLICY_DEFAULTS,
            swap,
            watch=[redis_keys.POLICY_DEFAULTS, redis_keys.USERS_WITH_OVERRIDES],
        )

    def anonymize_author(self, user_id: str, *, replacement: Actor) -> int:
        """Credit layers last changed by `user_id` (an erased admin) to `replacement` instead.

        The layers are the defaults, every app's and every user's overrides: found by SCAN on
        every primary (never KEYS), each rewritten in a transaction on its own slot.
        """
        layer_keys = [redis_keys.POLICY_DEFAULTS]
        for pattern in (
            redis_keys.POLICY_APP_DEFAULTS_PATTERN,
            redis_keys.POLICY_OVERRIDES_PATTERN,
        ):
            layer_keys += [_decode(k) for k in self._redis.scan_iter(match=pattern, count=500)]
        changed = 0
        for key in layer_keys:
            if not _authored_by(self._redis.get(key), user_id):
                continue

            def swap(
                conn: redis.Redis, key: str = key
            ) -> tuple[bool, Callable[[redis.Redis], None]]:
                layer = StoredLayer.load(conn.get(key))
                mine = layer.updated_by is not None and layer.updated_by.user_id == user_id
                after = StoredLayer(layer.values, replacement, layer.updated_at)

                def write(conn: redis.Redis) -> None:
                    if mine:
                        conn.set(key, after.dump())

                return mine, write

            changed += durable_transaction(self._redis, key, swap, watch=[key])
        return changed

    def _state_variable_problem(
        self, defaults: dict[str, Any], every_overrides: list[dict[str, Any]]
    ) -> str | None:
        own = merged_state_variable_count(defaults, reserved=self._claim_variables)
        if own > MAX_STATE_VARIABLES:
            claims = " with the ones from sign-in claims" if self._claim_variables else ""
            return f"would be {own} state variables{claims}; at most {MAX_STATE_VARIABLES}"
        worst = max(
            (
                merged_state_variable_count(defaults, o, reserved=self._claim_variables)
                for o in every_overrides
            ),
            default=0,
        )
        if worst > MAX_STATE_VARIABLES:
            over = sum(
                merged_state_variable_count(defaults, o, reserved=self._claim_variables)
                > MAX_STATE_VARIABLES
                for o in every_overrides
            )
            return (
                f"would give {over} user(s) with their own state variables up to {worst}; "
                f"at most {MAX_STATE_VARIABLES}"
            )
        return None


def _authored_by(raw: Any, user_id: str) -> bool:
    layer = StoredLayer.load(raw)
    return layer.updated_by is not None and layer.updated_by.user_id == user_id


def _layer_keys(user_id: str, app: str | None) -> list[str]:
    names = [redis_keys.POLICY_DEFAULTS, redis_keys.policy_overrides(user_id)]
    return names if app is None else [*names, redis_keys.policy_app_defaults(app)]


def merge_state_variables(*layers: Mapping[str, Any]) -> dict[str, Any]:
    """A layer holding only the state variables of `layers` together (for the cap check)."""
    merged: dict[str, Any] = {}
    for layer in layers:
        variables = layer.get("state_variables")
        if isinstance(variables, Mapping):
            merged.update(variables)
    return {"state_variables": merged}


def _decode(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
