"""Erasing a user: nothing of them is left in Redis or upstream but one audit entry."""

from __future__ import annotations

from typing import Any

import pytest
import redis
import requests
from flask import Flask

from chatkit_bff import redis_keys
from chatkit_bff.admin.audit import AuditLog
from chatkit_bff.identity import Actor
from testing.emulator import UPSTREAM_KEY, Emulator
from tests.admin.conftest import user_id
from tests.support.flows import ApiCaller, signed_in

pytestmark = pytest.mark.all_topologies

GRACE_TRACES = ("Grace Hopper", "grace@example.com")


def _upstream_threads(emulator: Emulator, user: str | None = None) -> list[dict[str, Any]]:
    params: dict[str, Any] = {"limit": 100}
    if user is not None:
        params["user"] = user
    body = requests.get(
        f"{emulator.api_url}/chatkit/threads",
        params=params,
        headers={"Authorization": f"Bearer {UPSTREAM_KEY}", "OpenAI-Beta": "chatkit_beta=v1"},
        timeout=5,
    ).json()
    threads: list[dict[str, Any]] = body["data"]
    return threads


def _everything(client: redis.Redis) -> dict[bytes, bytes]:
    """Every key of the database and a dump of what it holds (any type), for searching."""
    found: dict[bytes, bytes] = {}
    for key in client.scan_iter(count=1000):
        kind = client.type(key)
        value: Any
        if kind == b"string":
            value = client.get(key)
        elif kind == b"hash":
            value = client.hgetall(key)
        elif kind == b"set":
            value = sorted(client.smembers(key))
        elif kind == b"zset":
            value = client.zrange(key, 0, -1)
        elif kind == b"list":
            value = client.lrange(key, 0, -1)
        elif kind == b"stream":
            value = client.xrange(key)
        else:
            raise AssertionError(f"unexpected type {kind!r} of {key!r}")
        found[key] = repr(value).encode()
    return found


def _mentions(blob: bytes, needles: tuple[str, ...]) -> bool:
    return any(needle.encode() in blob for needle in needles)


@pytest.fixture
def grace_with_history(
    app: Flask, emulator: Emulator, admin: ApiCaller, grace: ApiCaller, alan: ApiCaller
) -> list[str]:
    """Grace with threads, a live chat session, owner memos, limits and audit entries."""
    grace_id = user_id("grace")
    ids = [emulator.seed_thread(grace_id, title=f"Grace {n}")["id"] for n in range(3)]
    emulator.seed_thread(user_id("alan"), title="Alan's own")
    assert grace.new_secret().status_code == 200
    assert grace.get("/api/threads").status_code == 200  # remembers thread owners
    assert grace.get(f"/api/threads/{ids[0]}").status_code == 200
    assert (
        admin.put(f"/admin/api/users/{grace_id}/policy", {"retention_days": 30}).status_code == 200
    )
    assert admin.post(f"/admin/api/users/{grace_id}/revoke").status_code == 200
    grace = signed_in(app.test_client(), "grace")  # revoked: sign in again, mint again
    assert grace.new_secret().status_code == 200
    # Another user's entry that must survive untouched.
    assert (
        admin.put(f"/admin/api/users/{user_id('alan')}/policy", {"session_seconds": 60}).status_code
        == 200
    )
    return ids


def test_erasure_leaves_one_audit_entry_and_no_thread(
    app: Flask,
    emulator: Emulator,
    admin: ApiCaller,
    redis_client: redis.Redis,
    grace_with_history: list[str],
) -> None:
    grace_id = user_id("grace")
    needles = (grace_id, *GRACE_TRACES)
    before = _everything(redis_client)
    assert any(_mentions(k + v, needles) for k, v in before.items())  # the scan can see her

    response = admin.post(f"/admin/api/users/{grace_id}/erase")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.json["threads_deleted"] == 3
    assert response.json["chat_sessions_cancelled"] >= 1
    assert response.json["audit_entries_removed"] == 2

    left = {k: v for k, v in _everything(redis_client).items() if _mentions(k + v, needles)}
    assert list(left) == [redis_keys.AUDIT_STREAM.encode()]
    about_her = [
        entry
        for _, entry in redis_client.xrange(redis_keys.AUDIT_STREAM)
        if _mentions(repr(entry).encode(), needles)
    ]
    assert len(about_her) == 1
    assert about_her[0][b"action"] == b"user.erase"
    assert about_her[0][b"actor_name"] == b"Ada Lovelace"

    assert _upstream_threads(emulator, grace_id) == []
    assert [t["title"] for t in _upstream_threads(emulator)] == ["Alan's own"]
    assert all(s["status"] == "cancelled" for s in emulator.sessions() if s["user"] == grace_id)
    alan_policy = admin.get(f"/admin/api/users/{user_id('alan')}/policy").json
    assert alan_policy["overrides"] == {"session_seconds": 60}


def test_a_user_who_signs_in_again_starts_empty(
    app: Flask, admin: ApiCaller, grace_with_history: list[str]
) -> None:
    grace_id = user_id("grace")
    old_grace = signed_in(app.test_client(), "grace")
    assert admin.post(f"/admin/api/users/{grace_id}/erase").status_code == 200
    assert old_grace.get("/api/me").status_code == 401

    new_grace = signed_in(app.test_client(), "grace")
    assert new_grace.get("/api/threads").json["data"] == []
    (listed,) = admin.get("/admin/api/users?q=grace").json["data"]
    assert listed["sign_ins"] == 1
    assert admin.get(f"/admin/api/users/{grace_id}/policy").json["overrides"] == {}


def test_the_page_asks_first_and_needs_the_csrf_token(
    admin: ApiCaller, grace_with_history: list[str]
) -> None:
    grace_id = user_id("grace")
    user_page = admin.get(f"/admin/users/{grace_id}").get_data(as_text=True)
    assert f"/admin/users/{grace_id}/erase" in user_page
    confirm = admin.get(f"/admin/users/{grace_id}/erase").get_data(as_text=True)
    assert "Erase Grace Hopper?" in confirm
    assert "cannot be undone" in confirm

    refused = admin.client.post(f"/admin/users/{grace_id}/erase", data={})
    assert refused.status_code == 400
    assert admin.get(f"/admin/api/users/{grace_id}/policy").status_code == 200

    done = admin.client.post(f"/admin/users/{grace_id}/erase", data={"csrf_token": admin.token})
    assert done.status_code == 302
    assert done.headers["Location"].endswith("/admin/users")
    listing = admin.get("/admin/users").get_data(as_text=True)
    assert "Grace Hopper was erased: 3 conversation(s) deleted" in listing
    assert admin.get(f"/admin/api/users/{grace_id}/policy").status_code == 404
    audit = admin.get("/admin/audit").get_data(as_text=True)
    assert "Erased user" in audit


def test_only_admins_erase_and_only_known_users(
    admin: ApiCaller, grace: ApiCaller, emulator: Emulator
) -> None:
    assert grace.post(f"/admin/api/users/{user_id('alan')}/erase").status_code == 403
    assert admin.post("/admin/api/users/u_nobody/erase").status_code == 404


def test_an_upstream_failure_erases_nothing_here_and_can_be_retried(
    admin: ApiCaller, emulator: Emulator, grace_with_history: list[str]
) -> None:
    grace_id = user_id("grace")
    emulator.script_faults({"status": 500, "count": 1, "method": "DELETE"})
    failed = admin.post(f"/admin/api/users/{grace_id}/erase")
    assert failed.status_code == 502
    assert admin.get(f"/admin/api/users/{grace_id}/policy").json["overrides"] == {
        "retention_days": 30
    }
    assert admin.post(f"/admin/api/users/{grace_id}/erase").status_code == 200
    assert _upstream_threads(emulator, grace_id) == []


def test_an_erased_admins_past_changes_stay_but_name_no_one(redis_client: redis.Redis) -> None:
    audit = AuditLog(redis_client, max_entries=100)
    admin, other, erased = Actor("u_admin", "Admin"), "u_other", Actor("u_gone", "Gone Admin")
    audit.add(erased, "policy.update", target_user_id=other, target_name="Other", after={"a": 1})
    audit.add(admin, "sessions.revoke", target_user_id=erased.user_id, target_name=erased.name)
    audit.add(admin, "defaults.update", after={"b": 2})

    scrub = audit.erase_user(admin, erased.user_id, target_name=erased.name, details={})
    assert (scrub.removed, scrub.anonymized) == (1, 1)
    entries = audit.page(limit=10).entries
    assert [e.action for e in entries] == ["user.erase", "defaults.update", "policy.update"]
    assert entries[2].actor.name == "Erased user"
    assert entries[2].target_user_id == other
    assert entries[2].after == {"a": 1}
    assert "u_gone" not in repr([e.to_json() for e in entries[1:]])
