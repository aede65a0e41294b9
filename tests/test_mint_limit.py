"""The per-user limit on chat session calls, counted in the sign-in's round trip."""

from __future__ import annotations

import pytest
import redis
from flask.testing import FlaskClient

from chatkit_bff import redis_keys
from tests.support.flows import ApiCaller, signed_in, user_id
from tests.support.policies import override_policy

pytestmark = pytest.mark.all_topologies


def statuses(api: ApiCaller, count: int) -> list[int]:
    return [api.new_secret().status_code for _ in range(count)]


def test_a_made_up_cookie_for_someone_with_a_known_limit_does_not_use_it_up(
    client: FlaskClient, redis_client: redis.Redis
) -> None:
    # Once grace has called, her calls are counted with her sign-in's read: a made-up sign-in
    # id naming her must still not count against her limit.
    override_policy(redis_client, user_id("grace"), {"mint_requests_per_minute": 3})
    grace = signed_in(client)
    assert statuses(grace, 1) == [200]
    forger = client.application.test_client()
    forger.set_cookie("session", f"{user_id('grace')}.{'A' * 43}")
    for _ in range(3):
        refused = forger.post("/api/chatkit/session", json={"current_client_secret": None})
        assert refused.status_code in (400, 401)
    assert statuses(grace, 3) == [200, 200, 429]


def test_a_lowered_limit_takes_back_the_call_counted_under_the_old_one(
    client: FlaskClient, redis_client: redis.Redis
) -> None:
    grace = signed_in(client)
    override_policy(redis_client, user_id("grace"), {"mint_requests_per_minute": 4})
    assert statuses(grace, 1) == [200]
    override_policy(redis_client, user_id("grace"), {"mint_requests_per_minute": 2})
    assert statuses(grace, 3) == [200, 200, 429]
    # Back at 4: only the first call counts under it (a new limit counts afresh, as in
    # flask-limiter), so three more are accepted, not two.
    override_policy(redis_client, user_id("grace"), {"mint_requests_per_minute": 4})
    assert statuses(grace, 4) == [200, 200, 200, 429]


def test_refused_calls_are_not_counted_and_say_when_to_retry(
    client: FlaskClient, redis_client: redis.Redis
) -> None:
    override_policy(redis_client, user_id("grace"), {"mint_requests_per_minute": 2})
    grace = signed_in(client)
    assert statuses(grace, 5) == [200, 200, 429, 429, 429]
    refused = grace.new_secret()
    assert refused.json["error"]["message"].startswith("Too many requests: at most 2 per 1 minute.")
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    calls = redis_keys.mint_calls(user_id("grace"), "default", 2)
    assert redis_client.llen(calls) == 2
    assert 0 < redis_client.ttl(calls) <= 60


def test_each_user_has_a_count_of_their_own(client: FlaskClient, redis_client: redis.Redis) -> None:
    override_policy(redis_client, user_id("grace"), {"mint_requests_per_minute": 1})
    grace = signed_in(client)
    assert statuses(grace, 2) == [200, 429]
    alan = signed_in(client.application.test_client(), "alan")
    assert statuses(alan, 1) == [200]
