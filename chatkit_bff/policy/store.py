"""Admin-set policy layers in Redis: global defaults, chat apps' defaults, per-user overrides."""

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


# Queues more commands (the audit record) in the same MULTI as the policy write.
AlsoInTransaction = Callable[[Pipeline, LayerChange], None]


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

    def layers(self, user_id: str, app: str | None = None) -> PolicyLayers:
        """Every layer in one round trip (the app's too, when one is named)."""
        return self.parse_layers(self._redis.mget(_layer_keys(user_id, app)), app)

    @staticmethod
    def queue_layers(pipe: Pipeline, user_id: str, app: str | None = None) -> None:
        """Queue the read of `layers` on a pipeline; `parse_layers` its result."""
        pipe.mget(_layer_keys(user_id, app))

    def parse_layers(self, result: Any, app: str | None = None) -> PolicyLayers:
        defaults, overrides, *app_raw = result
        layers = PolicyLayers(StoredLayer.load(defaults), StoredLayer.load(overrides))
        if app is None:
            return layers
        return PolicyLayers(layers.defaults, layers.overrides, self._app_layer(app, app_raw[0]))

    def effective(self, user_id: str, app: str | None = None) -> Policy:
        return self.layers(user_id, app).effective

    def app_defaults(self, app: str) -> PolicyLayers:
        """The global defaults and the app's: as admins last set them, else from the apps file."""
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

        def write(pipe: Pipeline) -> LayerChange:
            defaults = StoredLayer.load(pipe.get(redis_keys.POLICY_DEFAULTS))
            user_ids = sorted(_decode(m) for m in pipe.smembers(redis_keys.USERS_WITH_OVERRIDES))
            override_keys = [redis_keys.policy_overrides(u) for u in user_ids]
            if override_keys:
                pipe.watch(*override_keys)  # type: ignore[no-untyped-call]
            problem = self._state_variable_problem(
                merge_state_variables(defaults.values, values),
                [StoredLayer.load(raw).values for raw in _mget(pipe, override_keys)],
            )
            if problem:
                raise InvalidRequest(
                    "Some policy values are out of bounds.", fields={"state_variables": problem}
                )
            after = StoredLayer(values, actor, self._clock())
            change = LayerChange(
                self._app_layer(app, pipe.get(key)), after, PolicyLayers(defaults, app=after)
            )
            pipe.multi()
            pipe.set(key, after.dump())
            if also is not None:
                also(pipe, change)
            return change

        return _atomically(
            self._redis, write, key, redis_keys.POLICY_DEFAULTS, redis_keys.USERS_WITH_OVERRIDES
        )

    def reset_app_defaults(
        self, app: str, *, actor: Actor, also: AlsoInTransaction | None = None
    ) -> LayerChange:
        """Back to the apps file's values for this app."""
        key = redis_keys.policy_app_defaults(app)

        def write(pipe: Pipeline) -> LayerChange:
            raw_defaults, raw_before = pipe.mget([redis_keys.POLICY_DEFAULTS, key])
            file_layer = StoredLayer(dict(self._file_app_defaults.get(app, {})))
            change = LayerChange(
                self._app_layer(app, raw_before),
                StoredLayer(file_layer.values, actor, self._clock()),
                PolicyLayers(StoredLayer.load(raw_defaults), app=file_layer),
            )
            pipe.multi()
            pipe.delete(key)
            if also is not None:
                also(pipe, change)
            return change

        return _atomically(self._redis, write, redis_keys.POLICY_DEFAULTS, key)

    def defaults(self) -> PolicyLayers:
        """The admin defaults alone, as layers with no overrides."""
        return PolicyLayers(StoredLayer.load(self._redis.get(redis_keys.POLICY_DEFAULTS)))

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
        """Store a user's overrides; atomic with `also` and with the defaults read."""
        key = redis_keys.policy_overrides(user_id)

        def write(pipe: Pipeline) -> LayerChange:
            raw_defaults, raw_before = pipe.mget([redis_keys.POLICY_DEFAULTS, key])
            defaults = StoredLayer.load(raw_defaults)
            problem = check_merged_state_variables(defaults.values, values, self._claim_variables)
            if problem:
                raise InvalidRequest(
                    "Some policy values are out of bounds.", fields={"state_variables": problem}
                )
            after = StoredLayer(values, actor, self._clock())
            change = LayerChange(StoredLayer.load(raw_before), after, PolicyLayers(defaults, after))
            pipe.multi()
            pipe.set(key, after.dump())
            if values:
                pipe.sadd(redis_keys.USERS_WITH_OVERRIDES, user_id)
            else:
                pipe.srem(redis_keys.USERS_WITH_OVERRIDES, user_id)
            if also is not None:
                also(pipe, change)
            return change

        return _atomically(self._redis, write, redis_keys.POLICY_DEFAULTS, key)

    def remove_overrides(
        self, user_id: str, *, actor: Actor, also: AlsoInTransaction | None = None
    ) -> LayerChange:
        """Back to the defaults for this user."""
        key = redis_keys.policy_overrides(user_id)

        def write(pipe: Pipeline) -> LayerChange:
            raw_defaults, raw_before = pipe.mget([redis_keys.POLICY_DEFAULTS, key])
            change = LayerChange(
                StoredLayer.load(raw_before),
                StoredLayer({}, actor, self._clock()),
                PolicyLayers(StoredLayer.load(raw_defaults)),  # nothing is stored for the user
            )
            pipe.multi()
            pipe.delete(key)
            pipe.srem(redis_keys.USERS_WITH_OVERRIDES, user_id)
            if also is not None:
                also(pipe, change)
            return change

        return _atomically(self._redis, write, redis_keys.POLICY_DEFAULTS, key)

    def replace_defaults(
        self, values: PartialPolicy, *, actor: Actor, also: AlsoInTransaction | None = None
    ) -> LayerChange:
        """Store the global defaults; refused if any user would exceed the caps."""

        def write(pipe: Pipeline) -> LayerChange:
            user_ids = sorted(_decode(m) for m in pipe.smembers(redis_keys.USERS_WITH_OVERRIDES))
            override_keys = [redis_keys.policy_overrides(u) for u in user_ids]
            if override_keys:
                pipe.watch(*override_keys)  # type: ignore[no-untyped-call]
            problem = self._state_variable_problem(
                values, [StoredLayer.load(raw).values for raw in _mget(pipe, override_keys)]
            )
            if problem:
                raise InvalidRequest(
                    "Some policy values are out of bounds.", fields={"state_variables": problem}
                )
            after = StoredLayer(values, actor, self._clock())
            change = LayerChange(
                StoredLayer.load(pipe.get(redis_keys.POLICY_DEFAULTS)), after, PolicyLayers(after)
            )
            pipe.multi()
            pipe.set(redis_keys.POLICY_DEFAULTS, after.dump())
            if also is not None:
                also(pipe, change)
            return change

        return _atomically(
            self._redis, write, redis_keys.POLICY_DEFAULTS, redis_keys.USERS_WITH_OVERRIDES
        )

    def anonymize_author(self, user_id: str, *, replacement: Actor) -> int:
        """Credit layers last changed by `user_id` (an erased admin) to `replacement` instead."""
        layer_keys = [redis_keys.POLICY_DEFAULTS]
        layer_keys += [
            _decode(k)
            for k in self._redis.scan_iter(match=redis_keys.POLICY_OVERRIDES_PATTERN, count=500)
        ]
        changed = 0
        with self._redis.pipeline() as pipe:
            for key in layer_keys:
                while True:
                    try:
                        pipe.watch(key)  # type: ignore[no-untyped-call]
                        layer = StoredLayer.load(pipe.get(key))
                        if layer.updated_by is None or layer.updated_by.user_id != user_id:
                            pipe.unwatch()
                            break
                        after = StoredLayer(layer.values, replacement, layer.updated_at)
                        pipe.multi()
                        pipe.set(key, after.dump())
                        pipe.execute()
                        changed += 1
                        break
                    except redis.WatchError:
                        continue
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


def _atomically(
    client: redis.Redis, write: Callable[[Pipeline], LayerChange], *watched: str
) -> LayerChange:
    """Optimistic transaction: read under WATCH, queue writes after MULTI, retry on conflict."""
    with client.pipeline() as pipe:
        while True:
            try:
                pipe.watch(*watched)  # type: ignore[no-untyped-call]
                change = write(pipe)
                pipe.execute()
                return change
            except redis.WatchError:
                continue


def _decode(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _mget(pipe: Pipeline, names: list[str]) -> list[Any]:
    return list(pipe.mget(names)) if names else []
