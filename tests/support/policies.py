"""Set a user's policy overrides the way an admin's change stores them, for test set-up."""

from __future__ import annotations

from typing import Any

import redis

from chatkit_bff.identity import Actor
from chatkit_bff.policy.model import validate_overrides
from chatkit_bff.policy.store import PolicyStore

TEST_ACTOR = Actor("test", "Test set-up")


def override_policy(where: PolicyStore | redis.Redis, user_id: str, values: dict[str, Any]) -> None:
    """Replace ``user_id``'s overrides with ``values`` (checked as an admin's would be)."""
    policies = where if isinstance(where, PolicyStore) else PolicyStore(where)
    policies.replace_overrides(user_id, validate_overrides(values), actor=TEST_ACTOR)
