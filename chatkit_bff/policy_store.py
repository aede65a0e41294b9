"""Admin-set policy layers in Redis: global defaults and per-user overrides."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import redis

from . import keys
from .policy import Policy, effective_policy, validate_overrides


@dataclass(frozen=True)
class StoredLayer:
    values: dict[str, Any]
    updated_by: str | None = None
    updated_at: float | None = None

    @classmethod
    def load(cls, raw: bytes | str | None) -> StoredLayer:
        if not raw:
            return cls(values={})
        data = json.loads(raw)
        return cls(data.get("values", {}), data.get("updated_by"), data.get("updated_at"))

    def dump(self) -> str:
        return json.dumps(
            {"values": self.values, "updated_by": self.updated_by, "updated_at": self.updated_at}
        )


@dataclass(frozen=True)
class PolicyLayers:
    defaults: StoredLayer
    overrides: StoredLayer

    @property
    def effective(self) -> Policy:
        return effective_policy(self.defaults.values, self.overrides.values)


class PolicyStore:
    def __init__(self, client: redis.Redis) -> None:
        self._redis = client

    def layers(self, user_id: str) -> PolicyLayers:
        """Both layers in one round trip."""
        defaults, overrides = self._redis.mget(
            [keys.POLICY_DEFAULTS, keys.policy_overrides(user_id)]
        )
        return PolicyLayers(StoredLayer.load(defaults), StoredLayer.load(overrides))

    def effective(self, user_id: str) -> Policy:
        return self.layers(user_id).effective

    def defaults(self) -> StoredLayer:
        return StoredLayer.load(self._redis.get(keys.POLICY_DEFAULTS))

    def overrides(self, user_id: str) -> StoredLayer:
        return StoredLayer.load(self._redis.get(keys.policy_overrides(user_id)))

    def set_defaults(self, values: Any, *, actor: str) -> StoredLayer:
        layer = StoredLayer(validate_overrides(values), actor, time.time())
        self._redis.set(keys.POLICY_DEFAULTS, layer.dump())
        return layer

    def set_overrides(self, user_id: str, values: Any, *, actor: str) -> StoredLayer:
        layer = StoredLayer(validate_overrides(values), actor, time.time())
        self._redis.set(keys.policy_overrides(user_id), layer.dump())
        return layer

    def clear_overrides(self, user_id: str) -> None:
        self._redis.delete(keys.policy_overrides(user_id))
