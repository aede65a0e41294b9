"""A create that times out here but completes upstream is not orphaned: it is recorded as
"maybe created" under the request id we sent, and sign-out or revoke cancels the session the
late answer reveals (the test app waits 2 s for an answer; the emulator takes 3 s)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import redis

from chatkit_bff import redis_keys
from testing.emulator import Emulator
from tests.admin.conftest import user_id
from tests.support.flows import ApiCaller

SLOW_CREATE = {"status": 200, "delay_ms": 3000, "count": 1, "path_prefix": "/v1/chatkit/sessions"}


def _eventually(check: Callable[[], Any], timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("the condition did not come true in time")


def _maybe_created(redis_client: redis.Redis, who: str) -> list[str]:
    members = redis_client.zrange(redis_keys.maybe_created_sessions(user_id(who)), 0, -1)
    return [m.decode() for m in members]  # type: ignore[union-attr]


def _slow_create(grace: ApiCaller, emulator: Emulator) -> None:
    emulator.script_faults(SLOW_CREATE)
    started = time.monotonic()
    response = grace.new_secret()
    assert response.status_code == 503
    assert time.monotonic() - started < 2.9  # the request did not wait for the late answer


def test_a_late_session_is_recorded_and_cancelled_at_sign_out(
    grace: ApiCaller, emulator: Emulator, redis_client: redis.Redis
) -> None:
    _slow_create(grace, emulator)
    (request_id,) = _maybe_created(redis_client, "grace")
    (session,) = _eventually(emulator.sessions)
    assert session["client_request_id"] == request_id
    # Once its answer is read, the session is in the ledger like any other, and no longer "maybe".
    _eventually(lambda: not _maybe_created(redis_client, "grace"))
    key = redis_keys.upstream_sessions(user_id("grace"))
    assert redis_client.zscore(key, session["id"]) is not None

    grace.client.post("/logout", data={"csrf_token": grace.token})
    assert emulator.sessions()[0]["status"] == "cancelled"


def test_a_session_revealed_after_sign_out_is_cancelled_on_arrival(
    grace: ApiCaller, emulator: Emulator, redis_client: redis.Redis
) -> None:
    _slow_create(grace, emulator)
    grace.client.post("/logout", data={"csrf_token": grace.token})
    assert _maybe_created(redis_client, "grace")
    _eventually(lambda: [s for s in emulator.sessions() if s["status"] == "cancelled"])


def test_a_session_revealed_after_an_admin_revoke_is_cancelled_on_arrival(
    admin: ApiCaller, grace: ApiCaller, emulator: Emulator
) -> None:
    _slow_create(grace, emulator)
    revoked = admin.post(f"/admin/api/users/{user_id('grace')}/revoke")
    assert revoked.status_code == 200
    _eventually(lambda: [s for s in emulator.sessions() if s["status"] == "cancelled"])
