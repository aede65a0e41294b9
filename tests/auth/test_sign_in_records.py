"""The sign-in registry behind "my sessions" works where a user's keys share one cluster slot."""

from __future__ import annotations

import pytest
import redis

from chatkit_bff import redis_keys
from chatkit_bff.auth.sign_ins import SignInRegistry

pytestmark = pytest.mark.all_topologies

USER = "u_records"


def _signed_in(client: redis.Redis, registry: SignInRegistry, random_part: str, sid: str) -> str:
    """A sign-in as the store leaves it (`<user id>.<random>`), indexed; returns its handle."""
    sign_in_id = f"{USER}{redis_keys.SIGN_IN_ID_SEPARATOR}{random_part}"
    client.set(redis_keys.sign_in(sign_in_id), "{}", ex=3600)
    return registry.add(sign_in_id, USER, sid, user_agent=f"browser {random_part}")


def test_a_user_lists_ends_one_and_then_all_sign_ins(redis_client: redis.Redis) -> None:
    registry = SignInRegistry(redis_client, idle_seconds=3600)
    first = _signed_in(redis_client, registry, "a" * 43, "sid-1")
    second = _signed_in(redis_client, registry, "b" * 43, "sid-2")

    listed = registry.sign_ins_of(USER)
    assert {r.handle for r in listed} == {first, second}

    registry.end(USER, next(r for r in listed if r.handle == first))
    assert [r.handle for r in registry.sign_ins_of(USER)] == [second]
    assert redis_client.exists(redis_keys.sign_in(f"{USER}.{'a' * 43}")) == 0

    assert registry.end_user(USER) == 1
    assert registry.sign_ins_of(USER) == []
    assert redis_client.exists(redis_keys.sign_in_records(USER)) == 0


def test_a_sign_in_ended_elsewhere_drops_out_of_the_list(redis_client: redis.Redis) -> None:
    registry = SignInRegistry(redis_client, idle_seconds=3600)
    kept = _signed_in(redis_client, registry, "c" * 43, "sid-3")
    _signed_in(redis_client, registry, "d" * 43, "sid-4")
    # Back-channel logout of one provider session ends its sign-in only.
    assert registry.end_provider_session(USER, "sid-4") == 1
    assert [r.handle for r in registry.sign_ins_of(USER)] == [kept]
