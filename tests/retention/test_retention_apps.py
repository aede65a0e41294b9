"""Retention with chat apps: each thread follows its owner's effective policy in its own app."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import redis
import requests
from flask import Flask
from flask.testing import FlaskClient

from chatkit_bff import redis_keys as keys
from chatkit_bff.apps import AppUser, upstream_user
from chatkit_bff.identity import Identity
from chatkit_bff.policy.model import validate_overrides
from testing.emulator import UPSTREAM_KEY, Emulator
from tests.apps.conftest import chat_app, identity
from tests.support.flows import ApiCaller, dev_sign_in, signed_in
from tests.support.policies import TEST_ACTOR, override_policy

DAY = 86_400
# Sales keeps 60 days (from the apps file); Support gets 14 from an admin below.
APPS_TOML = """
[apps.support]
title = "Support"
workflow_id = "wf_support_agent"

[apps.sales]
title = "Sales"
workflow_id = "wf_sales_agent"
[apps.sales.policy]
retention_days = 60
"""


@pytest.fixture
def app_config(app_config: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    path = tmp_path / "apps.toml"
    path.write_text(APPS_TOML)
    return {**app_config, "CHATKIT_APPS_FILE": str(path)}


def _upstream(app: Flask, key: str, slug: str) -> str:
    return upstream_user(identity(key), chat_app(app, slug))


def _ids(emulator: Emulator) -> set[str]:
    found: set[str] = set()
    after: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 100, **({"after": after} if after else {})}
        page = requests.get(
            f"{emulator.api_url}/chatkit/threads",
            params=params,
            headers={"Authorization": f"Bearer {UPSTREAM_KEY}", "OpenAI-Beta": "chatkit_beta=v1"},
            timeout=5,
        ).json()
        found |= {thread["id"] for thread in page["data"]}
        if not page["has_more"]:
            return found
        after = page["last_id"]


def _run(app: Flask, *args: str) -> Any:
    return app.test_cli_runner().invoke(args=["retention", "run", *args])


@pytest.fixture
def seeded(app: Flask, emulator: Emulator) -> dict[str, set[str]]:
    """Users signed in (which writes down their upstream user in every app), policies in layers,
    threads of many ages in three apps; returns the ids that must go and those that must stay.

    Global default 90 days; Support 14 (admin-set app default); Sales 60 (apps file). Grace
    inherits; Alan overrides 7 (wins in every app); Ada overrides null (keeps everything). A user
    of an app who never signed in here is unknown: the global default.
    """
    for key in ("ada", "grace", "alan"):
        assert dev_sign_in(app.test_client(), key).status_code == 302
    svc = app.extensions["chatkit_bff"]
    svc.policies.replace_defaults(validate_overrides({"retention_days": 90}), actor=TEST_ACTOR)
    svc.policies.replace_app_defaults(
        "support", validate_overrides({"retention_days": 14}), actor=TEST_ACTOR
    )
    override_policy(svc.policies, identity("alan").user_id, {"retention_days": 7})
    override_policy(svc.policies, identity("ada").user_id, {"retention_days": None})
    stranger = upstream_user(
        Identity("u_x", "https://elsewhere.example", "nobody", "Nobody"), chat_app(app, "sales")
    )
    ages: list[tuple[str, int | None, tuple[int, ...]]] = [
        (identity("grace").user_id, 90, (1, 89, 91, 400)),
        (_upstream(app, "grace", "support"), 14, (2, 13, 15, 40)),
        (_upstream(app, "grace", "sales"), 60, (15, 59, 61)),
        (identity("alan").user_id, 7, (6, 8)),
        (_upstream(app, "alan", "support"), 7, (6, 8, 13)),
        (_upstream(app, "alan", "sales"), 7, (6, 30)),
        (identity("ada").user_id, None, (3000,)),
        (_upstream(app, "ada", "support"), None, (500,)),
        (_upstream(app, "ada", "sales"), None, (200,)),
        (stranger, 90, (61, 89, 95)),
    ]
    now = time.time()
    threads, expect = [], {"gone": set[str](), "kept": set[str]()}
    for n, (owner, limit, days_old) in enumerate(ages):
        for m, age in enumerate(days_old):
            thread_id = f"cthr_mix{n:02d}{m}{age}"
            threads.append(
                {
                    "id": thread_id,
                    "user": owner,
                    "title": f"Private {n}.{m}",
                    "created_at": int(now - age * DAY),
                    "items": [{"type": "chatkit.user_message", "content": "hello"}],
                }
            )
            gone = limit is not None and age > limit
            expect["gone" if gone else "kept"].add(thread_id)
    emulator.seed(threads)
    return expect


def test_each_thread_follows_its_owners_policy_in_its_app(
    app: Flask, emulator: Emulator, seeded: dict[str, set[str]]
) -> None:
    grace, alan = identity("grace").user_id, identity("alan").user_id
    dry = _run(app, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert f"would delete {len(seeded['gone'])} of 3 user(s); complete" in dry.output
    assert _ids(emulator) == seeded["gone"] | seeded["kept"]

    result = _run(app)
    assert result.exit_code == 0, result.output
    assert _ids(emulator) == seeded["kept"]
    assert f"{grace}: deleted 2 threads" in result.output
    assert f"{grace} in support: deleted 2 threads" in result.output
    assert f"{grace} in sales: deleted 1 thread\n" in result.output
    assert f"{alan}: deleted 1 thread\n" in result.output
    assert f"{alan} in support: deleted 2 threads" in result.output
    assert f"{alan} in sales: deleted 1 thread\n" in result.output
    assert "Private" not in result.output

    entries = app.extensions["chatkit_bff"].audit.page(limit=20).entries
    per_user = {e.target_user_id: e.details for e in entries if e.action == "retention.delete"}
    assert per_user[grace] == {
        "threads_deleted": 5,
        "apps": {"default": 2, "sales": 1, "support": 2},
    }
    assert per_user[alan] == {
        "threads_deleted": 4,
        "apps": {"default": 1, "sales": 1, "support": 2},
    }
    assert len(per_user) == 3  # and the stranger, by upstream id, with no app
    admin = app.test_client()
    assert dev_sign_in(admin, "ada").status_code == 302
    audit_page = admin.get("/admin/audit").get_data(as_text=True)
    assert "5 conversation(s) deleted (default: 2, sales: 1, support: 2)" in audit_page

    again = _run(app)
    assert again.exit_code == 0, again.output
    assert "deleted 0 of 0 user(s); complete" in again.output
    assert _ids(emulator) == seeded["kept"]


def test_an_admin_change_to_an_apps_retention_applies_at_the_next_run(
    app: Flask, emulator: Emulator, seeded: dict[str, set[str]]
) -> None:
    admin = signed_in(app.test_client(), "ada")
    changed = admin.put("/admin/api/apps/sales/defaults", {"retention_days": 10})
    assert changed.status_code == 200, changed.get_data(as_text=True)
    assert changed.get_json()["sources"]["retention_days"] == "app"
    entry = admin.get("/admin/api/audit?limit=1").get_json()["data"][0]
    assert entry["action"] == "app_defaults.update"
    assert entry["after"] == {"retention_days": 10}

    assert _run(app).exit_code == 0
    # Grace's Sales threads of 15 and 59 days now go too (the 61-day one went before);
    # Alan's and Ada's overrides still decide theirs.
    grace_sales = {"cthr_mix02015", "cthr_mix02159"}
    assert grace_sales <= seeded["kept"]
    assert _ids(emulator) == seeded["kept"] - grace_sales


def _forget_mappings(client: redis.Redis) -> None:
    for pattern in ("bff:app-user:*", "bff:{*}:app-users"):
        for key in [*client.scan_iter(match=pattern)]:
            client.delete(key)


def test_a_sign_in_from_before_the_mapping_writes_it_when_it_uses_an_app(
    app: Flask, client: FlaskClient, emulator: Emulator, redis_client: redis.Redis
) -> None:
    assert dev_sign_in(client, "grace").status_code == 302
    grace = identity("grace").user_id
    mapped = app.extensions["chatkit_bff"].app_users
    assert mapped.forget_user(grace) == 2  # as for a sign-in from before there was a mapping
    support, sales = _upstream(app, "grace", "support"), _upstream(app, "grace", "sales")
    assert redis_client.get(keys.app_user(support)) is None

    assert client.get("/apps/support/").status_code == 200
    assert mapped.owner(sales) is None
    api = ApiCaller(client)
    minted = api.post("/api/apps/sales/chatkit/session", {"current_client_secret": None})
    assert minted.status_code == 200
    assert mapped.owner(support) == AppUser(grace, "support")
    assert mapped.owner(sales) == AppUser(grace, "sales")
    assert mapped.upstream_ids(grace) == {"default": grace, "support": support, "sales": sales}


def test_an_app_thread_whose_owner_is_not_written_down_follows_the_global_default(
    app: Flask, emulator: Emulator, redis_client: redis.Redis
) -> None:
    assert dev_sign_in(app.test_client(), "grace").status_code == 302
    svc = app.extensions["chatkit_bff"]
    svc.policies.replace_defaults(validate_overrides({"retention_days": 90}), actor=TEST_ACTOR)
    svc.policies.replace_app_defaults(
        "support", validate_overrides({"retention_days": 14}), actor=TEST_ACTOR
    )
    _forget_mappings(redis_client)
    owner = _upstream(app, "grace", "support")
    now = time.time()
    young = emulator.seed_thread(owner, created_at=int(now - 30 * DAY))
    emulator.seed_thread(owner, created_at=int(now - 91 * DAY))
    assert _run(app).exit_code == 0
    assert _ids(emulator) == {young["id"]}  # 30 days: past Support's 14, within the global 90


def test_admins_set_an_apps_retention_on_its_page_and_its_pages_say_when_threads_go(
    app: Flask, emulator: Emulator
) -> None:
    admin = signed_in(app.test_client(), "ada")
    client = admin.client
    page = admin.get("/admin/apps/support").get_data(as_text=True)
    assert 'name="retention_days"' in page
    saved = client.post(
        "/admin/apps/support", data={"retention_days": "21", "csrf_token": admin.token}
    )
    assert saved.status_code == 302
    entry = admin.get("/admin/api/audit?limit=1").get_json()["data"][0]
    assert (entry["action"], entry["after"]) == ("app_defaults.update", {"retention_days": 21})
    refused = client.post(
        "/admin/apps/support", data={"retention_days": "3651", "csrf_token": admin.token}
    )
    assert refused.status_code == 400

    grace = app.test_client()
    assert dev_sign_in(grace, "grace").status_code == 302
    thread = emulator.seed_thread(_upstream(app, "grace", "support"), title="Parcel")
    for path in ("/apps/support/", f"/apps/support/threads/{thread['id']}"):
        assert "Deleted after 21 days" in grace.get(path).get_data(as_text=True), path
    emulator.seed_thread(identity("grace").user_id, title="Billing")
    assert "Deleted after" not in grace.get("/").get_data(as_text=True)
