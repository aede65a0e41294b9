"""Admin-set policy layers in Redis: global defaults and per-user overrides."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

import redis
from redis.client import Pipeline

from chatkit_bff import redis_keys
from chatkit_bff.errors import InvalidRequest
from chatkit_bff.policy.model import (
    MAX_STATE_VARIABLES,
    Policy,
    check_merged_state_variables,
    effective_policy,
    merged_state_variable_count,
    validate_overrides,
)
from chatkit_bff.redis_durable import durable_transaction


@dataclass(frozen=True)
class StoredLayer:
    values: dict[str, Any]
    updated_by: str | None = None
    updated_at: float | None = None
    updated_by_name: str | None = None

    @classmethod
    def load(cls, raw: bytes | str | None) -> StoredLayer:
        if not raw:
            return cls(values={})
        data = json.loads(raw)
        return cls(
            data.get("values", {}),
            data.get("updated_by"),
            data.get("updated_at"),
            data.get("updated_by_name"),
        )

    def dump(self) -> str:
        return json.dumps(
            {
                "values": self.values,
                "updated_by": self.updated_by,
                "updated_at": self.updated_at,
                "updated_by_name": self.updated_by_name,
            }
        )


@dataclass(frozen=True)
class PolicyLayers:
    defaults: StoredLayer
    overrides: StoredLayer

    @property
    def effective(self) -> Policy:
        return effective_policy(self.defaults.values, self.overrides.values)


@dataclass(frozen=True)
class LayerChange:
    """One layer before and after a write (an empty `after` means the layer was removed)."""

    before: StoredLayer
    after: StoredLayer


# Queues more commands (the audit record) in the MULTI on the shared `{bff}` slot that records
# the change (redis_keys.SHARED): on a cluster a user's overrides live in the user's own slot.
AlsoInTransaction = Callable[[redis.Redis, LayerChange], None]


class PolicyStore:
    def __init__(self, client: redis.Redis, *, claim_variables: Collection[str] = ()) -> None:
        self._redis = client
        # Variables filled from sign-in claims count toward the upstream cap of 64.
        self._claim_variables = frozenset(claim_variables)

    def layers(self, user_id: str) -> PolicyLayers:
        """Both layers in one round trip (two slots, so two GETs in one pipeline)."""
        with self._redis.pipeline(transaction=False) as pipe:
            self.queue_layers(pipe, user_id)
            return self.parse_layers(pipe.execute())

    #: How many results `queue_layers` adds to a pipeline.
    LAYER_READS = 2

    @staticmethod
    def queue_layers(pipe: Pipeline, user_id: str) -> None:
        """Queue the read of `layers` on a pipeline; `parse_layers` its `LAYER_READS` results."""
        pipe.get(redis_keys.POLICY_DEFAULTS)
        pipe.get(redis_keys.policy_overrides(user_id))

    @staticmethod
    def parse_layers(results: Any) -> PolicyLayers:
        defaults, overrides = results[: PolicyStore.LAYER_READS]
        return PolicyLayers(StoredLayer.load(defaults), StoredLayer.load(overrides))

    def effective(self, user_id: str) -> Policy:
        return self.layers(user_id).effective

    def defaults(self) -> StoredLayer:
        return StoredLayer.load(self._redis.get(redis_keys.POLICY_DEFAULTS))

    def overrides(self, user_id: str) -> StoredLayer:
        return StoredLayer.load(self._redis.get(redis_keys.policy_overrides(user_id)))

    def count_users_with_overrides(self) -> int:
        return int(self._redis.scard(redis_keys.USERS_WITH_OVERRIDES))

    def set_defaults(self, values: Any, *, actor: str) -> StoredLayer:
        return self.replace_defaults(values, actor=actor).after

    def set_overrides(self, user_id: str, values: Any, *, actor: str) -> StoredLayer:
        return self.replace_overrides(user_id, values, actor=actor).after

    def replace_overrides(
        self,
        user_id: str,
        values: Any,
        *,
        actor: str,
        actor_name: str | None = None,
        also: AlsoInTransaction | None = None,
    ) -> LayerChange:
        """Validate and store a user's overrides, then record the change (and `also`)."""
        validated = validate_overrides(values)
        # Read apart from the write: the defaults live in another slot. A defaults change at the
        # same instant checks every user's overrides again on its side.
        defaults = self.defaults()
        problem = check_merged_state_variables(defaults.values, validated, self._claim_variables)
        if problem:
            raise InvalidRequest(
                "Some policy values are out of bounds.", fields={"state_variables": problem}
            )
        after = StoredLayer(validated, actor, time.time(), actor_name)
        return self._write_user_layer(user_id, after, also, remove=False)

    def remove_overrides(
        self,
        user_id: str,
        *,
        actor: str,
        actor_name: str | None = None,
        also: AlsoInTransaction | None = None,
    ) -> LayerChange:
        """Back to the defaults for this user."""
        after = StoredLayer({}, actor, time.time(), actor_name)
        return self._write_user_layer(user_id, after, also, remove=True)

    def _write_user_layer(
        self, user_id: str, after: StoredLayer, also: AlsoInTransaction | None, *, remove: bool
    ) -> LayerChange:
        """Two transactions, each confirmed by a replica: the user's slot, then the shared one."""
        key = redis_keys.policy_overrides(user_id)

        def swap(conn: redis.Redis) -> tuple[LayerChange, Callable[[redis.Redis], None]]:
            change = LayerChange(StoredLayer.load(conn.get(key)), after)

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
        self,
        values: Any,
        *,
        actor: str,
        actor_name: str | None = None,
        also: AlsoInTransaction | None = None,
    ) -> LayerChange:
        """Validate and store the global defaults; refused if any user would exceed the caps."""
        validated = validate_overrides(values)

        def swap(conn: redis.Redis) -> tuple[LayerChange, Callable[[redis.Redis], None]]:
            user_ids = sorted(_decode(m) for m in conn.smembers(redis_keys.USERS_WITH_OVERRIDES))
            # The overrides live in their users' slots: read through the cluster-aware client.
            overrides = [self.overrides(u).values for u in user_ids]
            problem = self._state_variable_problem(validated, overrides)
            if problem:
                raise InvalidRequest(
                    "Some policy values are out of bounds.", fields={"state_variables": problem}
                )
            change = LayerChange(
                StoredLayer.load(conn.get(redis_keys.POLICY_DEFAULTS)),
                StoredLayer(validated, actor, time.time(), actor_name),
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


def _decode(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
