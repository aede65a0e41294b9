"""Erasing a user of several chat apps: their threads go in every app, and so do the mappings."""

from __future__ import annotations

import pytest
import redis
from flask import Flask

from chatkit_bff import redis_keys
from chatkit_bff.apps import AppUser, upstream_user
from testing.emulator import Emulator
from tests.admin.test_erasure import GRACE_TRACES, _everything, _mentions, _upstream_threads
from tests.apps.conftest import chat_app, identity
from tests.support.flows import signed_in

pytestmark = pytest.mark.all_topologies


def test_erasure_deletes_the_users_threads_in_every_app_and_forgets_their_app_users(
    app: Flask, emulator: Emulator, redis_client: redis.Redis
) -> None:
    grace, alan = identity("grace"), identity("alan")
    grace_ids = [grace.user_id] + [
        upstream_user(grace, chat_app(app, slug)) for slug in ("support", "sales")
    ]
    alan_support = upstream_user(alan, chat_app(app, "support"))
    for owner in grace_ids:
        for n in range(2):
            emulator.seed_thread(owner, title=f"Grace {owner[-4:]} {n}")
    emulator.seed_thread(alan_support, title="Alan's support question")

    admin = signed_in(app.test_client(), "ada")
    her = signed_in(app.test_client(), "grace")
    signed_in(app.test_client(), "alan")
    assert her.post("/api/apps/support/chatkit/session", {"current_client_secret": None})
    assert len(her.get("/api/apps/sales/threads").get_json()["data"]) == 2  # owner memos
    needles = (*grace_ids, *GRACE_TRACES)
    assert sum(_mentions(k + v, needles) for k, v in _everything(redis_client).items()) > 3

    erased = admin.post(f"/admin/api/users/{grace.user_id}/erase")
    assert erased.status_code == 200, erased.get_data(as_text=True)
    assert erased.get_json()["threads_deleted"] == 6

    for owner in grace_ids:
        assert _upstream_threads(emulator, owner) == []
    assert [t["title"] for t in _upstream_threads(emulator)] == ["Alan's support question"]
    left = {k for k, v in _everything(redis_client).items() if _mentions(k + v, needles)}
    assert left == {redis_keys.AUDIT_STREAM.encode()}
    # Alan's own mapping stays: the retention job still finds his Support thread's owner.
    owner = app.extensions["chatkit_bff"].app_users.owner(alan_support)
    assert owner == AppUser(alan.user_id, "support")

    # Signed in again, she starts empty in every app.
    again = signed_in(app.test_client(), "grace")
    for path in ("/api/threads", "/api/apps/support/threads", "/api/apps/sales/threads"):
        assert again.get(path).get_json()["data"] == []
