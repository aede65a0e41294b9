"""Admin changes reach the next upstream session of the right users, at once, and are audited."""

from __future__ import annotations

from typing import Any

import pytest
import redis
from flask import Flask

from app import create_app
from chatkit_bff import redis_keys
from testing.emulator import Emulator
from tests.admin.conftest import policy_url, user_id
from tests.support.flows import ApiCaller, creates, signed_in

pytestmark = pytest.mark.all_topologies


def _last_create_for(emulator: Emulator, who: str) -> dict[str, Any]:
    bodies = [b for b in creates(emulator) if b["user"] == user_id(who)]
    assert bodies, f"no session created for {who}"
    return bodies[-1]


def _session_id(emulator: Emulator, secret: str) -> str:
    (found,) = [s["id"] for s in emulator.sessions() if s["client_secret"] == secret]
    return str(found)


def _status(emulator: Emulator) -> dict[str, str]:
    """Upstream session id -> status (a cancelled session no longer shows its secret)."""
    return {s["id"]: s["status"] for s in emulator.sessions()}


def test_the_next_session_of_that_user_carries_the_new_policy_and_no_one_else_changes(
    admin: ApiCaller, grace: ApiCaller, alan: ApiCaller, emulator: Emulator
) -> None:
    grace.new_secret()
    alan_first = alan.new_secret().json["client_secret"]
    saved = admin.put(
        policy_url("grace"),
        {
            "session_seconds": 120,
            "max_requests_per_1_minute": 3,
            "file_upload": {"enabled": True, "max_files": 2, "max_file_size": 8},
            "history": {"recent_threads": 5},
            "automatic_thread_titling": False,
            "state_variables": {"tier": "gold", "seats": 4},
        },
    )
    assert saved.status_code == 200
    emulator.clear_requests()

    assert grace.new_secret().status_code == 200
    body = _last_create_for(emulator, "grace")
    assert body["expires_after"] == {"anchor": "created_at", "seconds": 120}
    assert body["rate_limits"] == {"max_requests_per_1_minute": 3}
    assert body["chatkit_configuration"] == {
        "automatic_thread_titling": {"enabled": False},
        "file_upload": {"enabled": True, "max_files": 2, "max_file_size": 8},
        "history": {"enabled": True, "recent_threads": 5},
    }
    assert body["workflow"]["state_variables"] == {"plan": "team", "tier": "gold", "seats": 4}

    # Alan keeps his cached secret, and nothing was minted for him.
    assert alan.new_secret().json["client_secret"] == alan_first
    assert [b["user"] for b in creates(emulator)] == [user_id("grace")]


def test_get_policy_shows_overrides_effective_values_and_their_sources(
    admin: ApiCaller, grace: ApiCaller
) -> None:
    admin.put("/admin/api/defaults", {"max_requests_per_1_minute": 20})
    admin.put(policy_url("grace"), {"session_seconds": 300, "history": {"enabled": False}})
    policy = admin.get(policy_url("grace")).json
    assert policy["overrides"] == {"session_seconds": 300, "history": {"enabled": False}}
    assert policy["effective"]["session_seconds"] == 300
    assert policy["effective"]["max_requests_per_1_minute"] == 20
    assert policy["effective"]["history"] == {"enabled": False, "recent_threads": None}
    assert policy["sources"]["session_seconds"] == "override"
    assert policy["sources"]["history.enabled"] == "override"
    assert policy["sources"]["history.recent_threads"] == "built-in"
    assert policy["sources"]["max_requests_per_1_minute"] == "default"
    assert policy["updated_by"] == {"user_id": user_id("ada"), "name": "Ada Lovelace"}
    assert policy["updated_at"] > 0


def test_a_defaults_change_reaches_users_without_an_override_for_that_field(
    admin: ApiCaller, grace: ApiCaller, alan: ApiCaller, emulator: Emulator
) -> None:
    admin.put(policy_url("alan"), {"session_seconds": 90})
    grace.new_secret()
    alan.new_secret()
    emulator.clear_requests()

    assert admin.put("/admin/api/defaults", {"session_seconds": 300}).status_code == 200
    grace.new_secret()
    alan.new_secret()
    assert _last_create_for(emulator, "grace")["expires_after"]["seconds"] == 300
    assert _last_create_for(emulator, "alan")["expires_after"]["seconds"] == 90


def test_a_defaults_change_drops_every_cached_secret(
    admin: ApiCaller, grace: ApiCaller, alan: ApiCaller, redis_client: redis.Redis
) -> None:
    grace.new_secret()
    alan.new_secret()
    assert len(list(redis_client.scan_iter(redis_keys.CACHED_SECRET_PATTERN))) == 2
    admin.put("/admin/api/defaults", {"history": {"recent_threads": 10}})
    assert list(redis_client.scan_iter(redis_keys.CACHED_SECRET_PATTERN)) == []


def test_save_drops_the_cached_secret_and_apply_now_also_cancels_upstream(
    admin: ApiCaller, grace: ApiCaller, emulator: Emulator
) -> None:
    first = _session_id(emulator, grace.new_secret().json["client_secret"])
    admin.put(policy_url("grace"), {"max_requests_per_1_minute": 7})
    second = _session_id(emulator, grace.new_secret().json["client_secret"])
    assert second != first
    assert _status(emulator)[first] == "active"  # a plain save lets the running session finish

    admin.put(policy_url("grace") + "?apply_now=true", {"max_requests_per_1_minute": 8})
    assert _status(emulator)[first] == "cancelled"
    assert _status(emulator)[second] == "cancelled"
    assert _last_create_for(emulator, "grace")["rate_limits"]["max_requests_per_1_minute"] == 7
    grace.new_secret()
    assert _last_create_for(emulator, "grace")["rate_limits"]["max_requests_per_1_minute"] == 8


def test_reset_returns_the_user_to_the_defaults(
    admin: ApiCaller, grace: ApiCaller, emulator: Emulator
) -> None:
    admin.put("/admin/api/defaults", {"session_seconds": 400})
    admin.put(policy_url("grace"), {"session_seconds": 100})
    grace.new_secret()
    reset = admin.delete(policy_url("grace"))
    assert reset.status_code == 200
    assert reset.json["overrides"] == {}
    assert reset.json["sources"]["session_seconds"] == "default"
    grace.new_secret()
    assert _last_create_for(emulator, "grace")["expires_after"]["seconds"] == 400


def test_every_change_answers_what_is_now_stored_and_who_stored_it(
    admin: ApiCaller, grace: ApiCaller
) -> None:
    ada = {"user_id": user_id("ada"), "name": "Ada Lovelace"}
    defaults = admin.put("/admin/api/defaults", {"session_seconds": 300}).json
    assert defaults == admin.get("/admin/api/defaults").json
    assert defaults["updated_by"] == ada

    policy = admin.put(policy_url("grace"), {"max_requests_per_1_minute": 3}).json
    assert policy == admin.get(policy_url("grace")).json
    assert policy["updated_by"] == ada
    assert policy["effective"]["session_seconds"] == 300  # the defaults just stored
    assert policy["effective"]["max_requests_per_1_minute"] == 3

    reset = admin.delete(policy_url("grace")).json
    assert reset == admin.get(policy_url("grace")).json
    assert reset["overrides"] == {}
    assert reset["effective"]["max_requests_per_1_minute"] == 10


def test_every_change_is_audited_with_before_and_after(admin: ApiCaller, grace: ApiCaller) -> None:
    admin.put(policy_url("grace"), {"session_seconds": 100})
    admin.put(policy_url("grace"), {"session_seconds": 200, "file_upload": {"enabled": True}})
    admin.delete(policy_url("grace"))
    admin.put("/admin/api/defaults", {"mint_requests_per_minute": 12})
    admin.post(f"/admin/api/users/{user_id('grace')}/revoke")

    entries = admin.get("/admin/api/audit").json["data"]
    assert [e["action"] for e in entries] == [
        "sessions.revoke",
        "defaults.update",
        "policy.reset",
        "policy.update",
        "policy.update",
    ]
    ada = {"user_id": user_id("ada"), "name": "Ada Lovelace"}
    target = {"user_id": user_id("grace"), "name": "Grace Hopper"}
    assert all(e["actor"] == ada for e in entries)
    revoke, defaults, reset, second, first = entries
    assert first["target"] == target
    assert first["before"] == {}
    assert first["after"] == {"session_seconds": 100}
    assert first["changes"] == [{"field": "session_seconds", "after": 100}]
    assert second["changes"] == [
        {"field": "file_upload.enabled", "after": True},
        {"field": "session_seconds", "before": 100, "after": 200},
    ]
    assert reset["before"] == {"session_seconds": 200, "file_upload": {"enabled": True}}
    assert reset["after"] == {}
    assert defaults["target"] is None
    assert defaults["changes"] == [{"field": "mint_requests_per_minute", "after": 12}]
    assert revoke["target"] == target
    assert revoke["details"] == {"sign_ins_ended": 1, "chat_sessions_cancelled": 0}
    assert entries[0]["at"] >= entries[-1]["at"]


def test_revoke_signs_the_user_out_and_cancels_their_chat_sessions(
    app: Flask, admin: ApiCaller, grace: ApiCaller, alan: ApiCaller, emulator: Emulator
) -> None:
    other_browser = signed_in(app.test_client(), "grace")
    session = _session_id(emulator, grace.new_secret().json["client_secret"])
    alans = _session_id(emulator, alan.new_secret().json["client_secret"])

    revoked = admin.post(f"/admin/api/users/{user_id('grace')}/revoke")
    assert revoked.status_code == 200
    assert revoked.json == {"sign_ins_ended": 2, "chat_sessions_cancelled": 1}

    assert grace.get("/api/me").status_code == 401
    assert other_browser.get("/api/me").status_code == 401
    assert grace.new_secret().status_code == 401
    assert _status(emulator)[session] == "cancelled"
    assert _status(emulator)[alans] == "active"
    assert alan.get("/api/me").status_code == 200
    assert admin.get("/api/me").status_code == 200


def test_the_mint_limit_follows_the_policy_at_once(
    admin: ApiCaller, grace: ApiCaller, alan: ApiCaller
) -> None:
    admin.put(policy_url("grace"), {"mint_requests_per_minute": 2})
    assert [grace.new_secret().status_code for _ in range(3)] == [200, 200, 429]
    assert alan.new_secret().status_code == 200  # others keep the default of 30

    admin.put(policy_url("grace"), {"mint_requests_per_minute": 4})
    assert [grace.new_secret().status_code for _ in range(5)] == [200] * 4 + [429]

    admin.put("/admin/api/defaults", {"mint_requests_per_minute": 1})
    assert [alan.new_secret().status_code for _ in range(2)] == [200, 429]


def test_policies_survive_a_restart(
    app_config: dict[str, Any], admin: ApiCaller, grace: ApiCaller
) -> None:
    admin.put("/admin/api/defaults", {"session_seconds": 500})
    admin.put(policy_url("grace"), {"history": {"recent_threads": 3}})
    before = admin.get(policy_url("grace")).json

    restarted = create_app(app_config)
    try:
        again = signed_in(restarted.test_client(), "ada")
        assert again.get(policy_url("grace")).json == before
        assert again.get("/admin/api/defaults").json["defaults"] == {"session_seconds": 500}
        assert len(again.get("/admin/api/audit").json["data"]) == 2
    finally:
        restarted.extensions["chatkit_bff"].close()


def test_unknown_users_are_a_404(admin: ApiCaller) -> None:
    missing = "/admin/api/users/u_nobody/policy"
    assert admin.get(missing).status_code == 404
    assert admin.put(missing, {"session_seconds": 5}).status_code == 404
    assert admin.delete(missing).status_code == 404
    assert admin.post("/admin/api/users/u_nobody/revoke").status_code == 404
    assert admin.get("/admin/api/audit").json["data"] == []


def test_changes_without_the_csrf_header_are_refused(admin: ApiCaller, grace: ApiCaller) -> None:
    refused = admin.client.put(policy_url("grace"), json={"session_seconds": 5})
    assert refused.status_code == 400
    assert refused.json["error"]["code"] == "csrf_failed"
    assert admin.client.post(f"/admin/api/users/{user_id('grace')}/revoke").status_code == 400
    assert admin.client.delete(policy_url("grace")).status_code == 400
    assert admin.client.put("/admin/api/defaults", json={}).status_code == 400
    assert admin.get(policy_url("grace")).json["overrides"] == {}
    assert grace.get("/api/me").status_code == 200
