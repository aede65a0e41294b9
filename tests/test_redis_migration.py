"""`flask redis migrate-keys` moves a populated old-layout dataset; the app then serves it."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from flask import Flask

from app import create_app
from chatkit_bff import redis_keys
from chatkit_bff.auth.dev_users import demo_user
from chatkit_bff.redis_connection import connect, parse_redis_url
from testing.servers import redis_server

GRACE = demo_user("grace")
assert GRACE is not None
GRACE_ID = GRACE.identity().user_id
OLD_SIGN_IN = "A" * 43  # a sign-in id as the previous layout issued them (no user part)


def populate_old_layout(client: redis.Redis) -> None:
    """What the previous version left in Redis for one signed-in user, with an admin's work."""
    now = time.time()
    identity = GRACE.identity().to_session()
    client.set(
        "bff:session:" + OLD_SIGN_IN,
        json.dumps({"identity": identity, "signed_in_at": now}),
        ex=3600,
    )
    client.sadd("bff:sessions-of:" + GRACE_ID, OLD_SIGN_IN)
    client.expire("bff:sessions-of:" + GRACE_ID, 7200)
    record = {"sign_in": OLD_SIGN_IN, "provider_sid": "sid-1", "user_agent": "Firefox",
              "signed_in_at": now}  # fmt: skip
    client.hset("bff:sign-in-records:" + GRACE_ID, "handle-1", json.dumps(record))
    client.expire("bff:sign-in-records:" + GRACE_ID, 7200)
    client.set("bff:provider-sid-user:sid-1", GRACE_ID, ex=7200)
    client.sadd("bff:sessions-of-sid:sid-1", OLD_SIGN_IN)
    layer = {"values": {"mint_requests_per_minute": 7}, "updated_by": "u_ada"}
    client.set("bff:policy:user:" + GRACE_ID, json.dumps(layer))
    client.sadd("bff:policy:overridden-users", GRACE_ID)
    client.set("bff:policy:defaults", json.dumps({"values": {"session_seconds": 900}}))
    client.xadd("bff:audit", {"actor_id": "u_ada", "actor_name": "Ada", "action": "policy.update",
                              "target_id": GRACE_ID, "target_name": "Grace Hopper",
                              "before": "{}", "after": json.dumps(layer["values"]),
                              "details": "{}"})  # fmt: skip
    client.hset(
        "bff:user:" + GRACE_ID,
        mapping={"user_id": GRACE_ID, "name": "Grace Hopper", "email": "grace@example.com",
                 "is_admin": "0", "last_sign_in_at": repr(now), "first_seen_at": repr(now),
                 "sign_ins": "3"},
    )  # fmt: skip
    client.zadd("bff:users", {GRACE_ID: int(now * 1000)})
    client.zadd("bff:users:search", {f"grace\x00{GRACE_ID}": 0, f"hopper\x00{GRACE_ID}": 0})
    client.set(f"bff:secret:{GRACE_ID}:default:fp", b"sealed", ex=600)
    client.sadd("bff:secrets-of:" + GRACE_ID, f"bff:secret:{GRACE_ID}:default:fp")
    client.set(f"bff:lock:secret:{GRACE_ID}:default:fp", "token", ex=60)
    client.zadd("bff:upstream-sessions:" + GRACE_ID, {"cksess_1": now + 600})
    # A chat app's defaults set by an admin, a create whose answer never came, a sign-out.
    client.set("bff:policy:app:default", json.dumps({"values": {"session_seconds": 300}}))
    client.zadd("bff:maybe-created:" + GRACE_ID, {"req-1": now + 600})
    client.set("bff:sessions-ended-at:" + GRACE_ID, repr(now - 60), ex=3600)
    client.set("bff:retention:cursor", "cthr_kept")


@pytest.fixture
def old_single_node() -> Iterator[str]:
    with redis_server() as url:
        client = redis.Redis.from_url(url)
        populate_old_layout(client)
        client.close()
        yield url


def run(app: Flask, *args: str) -> str:
    result = app.test_cli_runner().invoke(args=["redis", "migrate-keys", *args])
    assert result.exit_code == 0, result.output
    return result.output


def serves_the_migrated_data(app: Flask) -> None:
    client = app.test_client()
    client.set_cookie("session", OLD_SIGN_IN)
    me = client.get("/api/me")
    assert me.status_code == 200  # still signed in, with the cookie from before
    assert me.json["user_id"] == GRACE_ID  # type: ignore[index]
    services = app.extensions["chatkit_bff"]
    layers = services.policies.layers(GRACE_ID)
    assert layers.overrides.values == {"mint_requests_per_minute": 7}
    assert layers.defaults.values == {"session_seconds": 900}
    assert services.policies.count_users_with_overrides() == 1
    assert [e.target_user_id for e in services.audit.page().entries] == [GRACE_ID]
    assert [u.user_id for u in services.directory.page().users] == [GRACE_ID]
    assert [u.user_id for u in services.directory.page("hop").users] == [GRACE_ID]  # search
    assert services.policies.app_defaults("default").app.values == {"session_seconds": 300}
    assert services.policies.layers(GRACE_ID, "default").effective.session_seconds == 300
    assert services.ledger.maybe_created(GRACE_ID) == ["req-1"]
    assert services.ledger.ended_since(GRACE_ID, time.time() - 120)
    assert services.redis.get(redis_keys.RETENTION_CURSOR) == b"cthr_kept"
    assert services.secrets.count_cached() == 0  # caches are dropped, not moved
    # "My sessions" still lists the sign-in made before the move.
    assert [r.handle for r in services.sign_ins.sign_ins_of(GRACE_ID)] == ["handle-1"]
    # Revoking reaches the sign-in made before the move.
    assert services.sign_ins.end_user(GRACE_ID) == 1
    assert client.get("/api/me").status_code == 401


def test_in_place_migration_is_counted_idempotent_and_keeps_ttls(
    old_single_node: str, app_config: dict[str, Any]
) -> None:
    app = create_app({**app_config, "REDIS_URL": old_single_node})
    raw = redis.Redis.from_url(old_single_node)

    dry = run(app, "--dry-run")
    assert "dry run" in dry
    assert "to move: 13" in dry
    assert raw.exists("bff:session:" + OLD_SIGN_IN)  # nothing changed

    first = run(app)
    assert "moved: 13" in first
    assert "dropped (cache): 3" in first
    assert not raw.exists("bff:session:" + OLD_SIGN_IN)
    assert 3500 < raw.ttl(redis_keys.sign_in(OLD_SIGN_IN)) <= 3600  # the TTL came along
    by_sid = redis_keys.sign_ins_of_provider_session(GRACE_ID, "sid-1")
    assert raw.smembers(by_sid) == {OLD_SIGN_IN.encode()}

    second = run(app)
    assert second.splitlines()[1:] == ["  unchanged: 17"]  # nothing left to do

    serves_the_migrated_data(app)
    app.extensions["chatkit_bff"].close()
    raw.close()


@pytest.mark.parametrize("redis_topology", ["cluster"], indirect=True)
def test_copy_from_a_single_node_into_a_cluster(
    old_single_node: str, app_config: dict[str, Any], redis_client: redis.Redis
) -> None:
    app = create_app(app_config)  # REDIS_URL: the cluster
    first = run(app, "--from", old_single_node)
    assert "copied: 17" in first
    again = run(app, "--from", old_single_node)
    assert "already there: 17" in again  # a second run (or a resumed one) copies nothing twice
    target = connect(parse_redis_url(app_config["REDIS_URL"]))
    assert 3500 < target.ttl(redis_keys.sign_in(OLD_SIGN_IN)) <= 3600
    target.close()
    serves_the_migrated_data(app)
    app.extensions["chatkit_bff"].close()
