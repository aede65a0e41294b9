"""POST /api/chatkit/session: per-user secrets from a Redis cache, minted once, never shared."""

from __future__ import annotations

import time
from typing import Any

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from chatkit_bff import redis_keys
from chatkit_bff.auth.dev_users import demo_user
from testing.clock import Clock
from testing.emulator import Emulator
from tests.support.flows import ApiCaller, dev_sign_in, user_id
from tests.support.policies import override_policy

pytestmark = pytest.mark.all_topologies


def signed_in(client: FlaskClient, user: str = "grace") -> ApiCaller:
    assert dev_sign_in(client, user).status_code == 302
    return ApiCaller(client)


def creates(emulator: Emulator) -> list[dict[str, Any]]:
    return [
        r
        for r in emulator.requests()
        if r["method"] == "POST" and r["path"] == "/v1/chatkit/sessions"
    ]


def test_signed_out_call_is_refused_with_json_401(client: FlaskClient, emulator: Emulator) -> None:
    response = client.post("/api/chatkit/session", json={"current_client_secret": None})
    assert response.status_code == 401
    assert response.json == {
        "error": {"message": "Sign in to continue.", "code": "sign_in_required"}
    }
    assert creates(emulator) == []


def test_first_call_mints_and_later_calls_hit_the_cache(
    client: FlaskClient, emulator: Emulator
) -> None:
    api = signed_in(client)
    first = api.new_secret()
    assert first.status_code == 200
    assert first.headers["Cache-Control"] == "no-store"
    secret = first.json["client_secret"]
    assert secret.startswith("ek_")
    assert first.json["expires_at"] > time.time() + 500

    reload = api.new_secret()  # e.g. the page is opened again: served from the cache
    assert reload.json == first.json
    assert len(creates(emulator)) == 1


def test_a_refresh_of_the_current_secret_mints_a_new_session_once(
    app: Flask, emulator: Emulator
) -> None:
    tab = signed_in(app.test_client())
    first = tab.new_secret().json["client_secret"]

    refreshed = tab.new_secret(current=first).json["client_secret"]
    assert refreshed != first
    # Another tab still holding the old secret gets the new one, not a third session.
    assert tab.new_secret(current=first).json["client_secret"] == refreshed
    assert tab.new_secret().json["client_secret"] == refreshed
    bodies = [c["json"] for c in creates(emulator)]
    assert len(bodies) == 2
    assert bodies[0]["user"] == bodies[1]["user"] == user_id("grace")


def test_create_body_carries_identity_policy_and_state_variables(
    client: FlaskClient, emulator: Emulator
) -> None:
    signed_in(client, "grace").new_secret()
    (create,) = creates(emulator)
    body = create["json"]
    assert body["user"] == user_id("grace")
    assert body["workflow"] == {"id": "wf_test_support_agent", "state_variables": {"plan": "team"}}
    assert body["expires_after"] == {"anchor": "created_at", "seconds": 600}
    assert body["rate_limits"] == {"max_requests_per_1_minute": 10}
    assert body["chatkit_configuration"] == {
        "automatic_thread_titling": {"enabled": True},
        "file_upload": {"enabled": False, "max_files": 10, "max_file_size": 512},
        "history": {"enabled": True},
    }


@pytest.mark.parametrize(
    ("session_seconds", "margin"),
    [(600, 60), (100, 50)],  # min(60 s, half the lifetime) before expiry
)
def test_near_expiry_a_new_session_is_minted_for_the_same_user(
    app_config: dict[str, Any],
    redis_client: redis.Redis,
    emulator: Emulator,
    session_seconds: int,
    margin: int,
) -> None:
    clock = Clock()
    application = create_app(app_config, clock=clock)
    try:
        override_policy(redis_client, user_id("grace"), {"session_seconds": session_seconds})
        api = signed_in(application.test_client())

        def at(moment: float) -> None:
            clock.now = moment
            emulator.shift_clock(round(moment - time.time()))  # upstream time moves along

        at(time.time())  # our clock and upstream's agree when the secret is minted
        first = api.new_secret().json
        serve_until = first["expires_at"] - margin
        assert abs(first["expires_at"] - (clock.now + session_seconds)) < 2  # the policy's

        # A first call each time (no current secret): only the clock decides. Two seconds of
        # slack: upstream's clock runs on while a slow machine mints, lengthening the lifetime.
        at(serve_until - 2)
        assert api.new_secret().json == first
        assert len(creates(emulator)) == 1

        at(serve_until + 2)
        second = api.new_secret().json
        assert second["client_secret"] != first["client_secret"]
        assert api.new_secret().json == second
        bodies = [c["json"] for c in creates(emulator)]
        assert len(bodies) == 2
        assert bodies[0]["user"] == bodies[1]["user"] == user_id("grace")
    finally:
        application.extensions["chatkit_bff"].close()


def test_a_user_never_receives_another_users_secret(app: Flask, emulator: Emulator) -> None:
    alice, bob = signed_in(app.test_client(), "grace"), signed_in(app.test_client(), "alan")
    bobs = bob.new_secret().json["client_secret"]
    alices = alice.new_secret(current=bobs).json["client_secret"]
    assert alices != bobs
    assert alice.new_secret(current=bobs).json["client_secret"] == alices
    owners = {s["client_secret"]: s["user"] for s in emulator.sessions()}
    assert owners[alices] == user_id("grace")
    assert owners[bobs] == user_id("alan")


def test_policy_change_changes_the_fingerprint_and_mints_anew(
    client: FlaskClient, emulator: Emulator, redis_client: redis.Redis
) -> None:
    api = signed_in(client)
    before = api.new_secret().json["client_secret"]
    override_policy(
        redis_client,
        user_id("grace"),
        {"max_requests_per_1_minute": 4, "file_upload": {"enabled": True, "max_files": 3}},
    )
    after = api.new_secret().json["client_secret"]
    assert after != before
    latest = creates(emulator)[-1]["json"]
    assert latest["rate_limits"] == {"max_requests_per_1_minute": 4}
    assert latest["chatkit_configuration"]["file_upload"] == {
        "enabled": True,
        "max_files": 3,
        "max_file_size": 512,
    }


def test_upstream_failure_is_a_502_and_nothing_is_cached(
    client: FlaskClient, emulator: Emulator, redis_client: redis.Redis
) -> None:
    api = signed_in(client)
    emulator.script_faults({"status": 500, "count": 1, "path_prefix": "/v1/chatkit/sessions"})
    failed = api.new_secret()
    assert failed.status_code == 502
    assert failed.json["error"]["code"] == "upstream_error"
    assert "try again" in failed.json["error"]["message"]
    assert not list(redis_client.scan_iter(redis_keys.CACHED_SECRET_PATTERN))
    assert api.new_secret().status_code == 200
    assert len(creates(emulator)) == 2


def test_upstream_timeout_is_a_503(
    app_config: dict[str, Any], emulator: Emulator, redis_client: redis.Redis
) -> None:
    from app import create_app

    app = create_app({**app_config, "UPSTREAM_READ_TIMEOUT": "0.3"})
    api = signed_in(app.test_client())
    emulator.script_faults({"status": 200, "count": 1, "delay_ms": 1000, "method": "POST"})
    response = api.new_secret()
    assert response.status_code == 503
    assert response.json["error"]["code"] == "upstream_unavailable"
    assert not list(redis_client.scan_iter(redis_keys.CACHED_SECRET_PATTERN))
    # The emulator logs the slow call when it ends; let it end inside this test.
    settled = emulator.requests_once_settled(2)  # the page's thread list, then the create
    assert [r["path"] for r in settled if r["method"] == "POST"] == ["/v1/chatkit/sessions"]


def test_upstream_rate_limit_is_a_503_with_retry_after(
    client: FlaskClient, emulator: Emulator
) -> None:
    api = signed_in(client)
    emulator.script_faults({"status": 429, "count": 5, "retry_after": 30, "method": "POST"})
    response = api.new_secret()
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) >= 30


def test_mint_limit_answers_429_with_retry_after(
    client: FlaskClient, emulator: Emulator, redis_client: redis.Redis
) -> None:
    override_policy(redis_client, user_id("grace"), {"mint_requests_per_minute": 2})
    api = signed_in(client)
    assert [api.new_secret().status_code for _ in range(2)] == [200, 200]
    refused = api.new_secret()
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.json["error"]["code"] == "rate_limited"
    # The limit is per user: someone else is not affected.
    other = signed_in(client.application.test_client(), "alan")
    assert other.new_secret().status_code == 200


def test_a_cookie_naming_someone_else_neither_signs_in_nor_uses_up_their_limit(
    client: FlaskClient, redis_client: redis.Redis
) -> None:
    # A sign-in id names its user, and a cached call reads that user's policy with the
    # sign-in; a made-up id for grace must not count against her limit.
    override_policy(redis_client, user_id("grace"), {"mint_requests_per_minute": 2})
    forger = client.application.test_client()
    forger.set_cookie("session", f"{user_id('grace')}.{'A' * 43}")
    for _ in range(3):
        refused = forger.post("/api/chatkit/session", json={"current_client_secret": None})
        assert refused.status_code in (400, 401)
    api = signed_in(client)
    assert [api.new_secret().status_code for _ in range(3)] == [200, 200, 429]


def test_no_plaintext_secret_anywhere_in_redis(
    app: Flask, emulator: Emulator, redis_client: redis.Redis
) -> None:
    secrets = [
        signed_in(app.test_client(), who).new_secret().json["client_secret"]
        for who in ("grace", "alan", "ada")
    ]
    dumped = b""
    for key in redis_client.scan_iter("*"):
        kind = redis_client.type(key)
        if kind == b"string":
            dumped += redis_client.get(key) or b""
        elif kind == b"set":
            dumped += b"".join(redis_client.smembers(key))
        elif kind == b"zset":
            dumped += b"".join(m for m, _ in redis_client.zrange(key, 0, -1, withscores=True))
        elif kind == b"hash":
            dumped += b"".join(k + v for k, v in redis_client.hgetall(key).items())
        elif kind == b"list":
            dumped += b"".join(redis_client.lrange(key, 0, -1))
        elif kind == b"stream":
            for _, fields in redis_client.xrange(key):
                dumped += b"".join(k + v for k, v in fields.items())
        dumped += key
    assert secrets
    assert all(s.encode() not in dumped for s in secrets)
    assert b"ek_" not in dumped


def test_bad_bodies_get_clear_400s(client: FlaskClient, emulator: Emulator) -> None:
    api = signed_in(client)
    assert api.post("/api/chatkit/session", {"current_client_secret": 42}).status_code == 400
    assert api.post("/api/chatkit/session", ["nope"]).status_code == 400
    not_json = client.post("/api/chatkit/session", data="x", headers={"X-CSRFToken": api.token})
    assert not_json.status_code == 400
    assert "JSON" in not_json.json["error"]["message"]
    assert creates(emulator) == []


def test_a_stuck_mint_elsewhere_gives_a_clear_503_after_a_bounded_wait(
    app_config: dict[str, Any], emulator: Emulator, redis_client: redis.Redis
) -> None:
    from app import create_app
    from chatkit_bff import redis_keys

    app = create_app({**app_config, "SECRET_LOCK_WAIT": "0.3"})
    api = signed_in(app.test_client())
    grace = demo_user("grace")
    assert grace is not None
    with app.app_context():
        fingerprint = app.extensions["chatkit_bff"].broker.prepare(grace.identity()).fingerprint
    # Another process took the lock for this user's secret and never finishes.
    stuck = redis_client.lock(
        redis_keys.secret_lock(user_id("grace"), "default", fingerprint), timeout=30
    )
    assert stuck.acquire(blocking=False)

    started = time.monotonic()
    response = api.new_secret()
    assert response.status_code == 503
    assert response.json["error"]["code"] == "busy"
    assert time.monotonic() - started < 3
    assert creates(emulator) == []

    stuck.release()
    assert api.new_secret().status_code == 200
