"""Admins edit each app's defaults (audited); a user's effective policy is shown per app."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from testing.emulator import Emulator
from tests.apps.conftest import SALES_WORKFLOW, SUPPORT_WORKFLOW
from tests.conftest import WORKFLOW_ID
from tests.support.flows import signed_in

pytestmark = pytest.mark.all_topologies


def lifetimes(emulator: Emulator) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for r in emulator.requests():
        if r["method"] == "POST" and r["path"] == "/v1/chatkit/sessions":
            body: dict[str, Any] = r["json"]
            found.setdefault(body["workflow"]["id"], []).append(body["expires_after"]["seconds"])
    return found


def test_an_admin_change_to_one_apps_defaults_reaches_only_that_app(
    app: Flask, emulator: Emulator
) -> None:
    admin = signed_in(app.test_client(), "ada")
    grace = signed_in(app.test_client(), "grace")
    for path in ("/api/chatkit/session", "/api/apps/support/chatkit/session"):
        assert grace.post(path, {"current_client_secret": None}).status_code == 200
        assert grace.post(path.replace("support", "sales"), {"current_client_secret": None})

    before = admin.get("/admin/api/apps/sales/defaults").get_json()
    assert before["from_file"] is True
    assert before["defaults"] == {}
    changed = admin.put("/admin/api/apps/sales/defaults", {"session_seconds": 120})
    assert changed.status_code == 200, changed.get_data(as_text=True)
    assert changed.get_json()["sources"]["session_seconds"] == "app"
    assert changed.get_json()["from_file"] is False

    emulator.clear_requests()
    for path in (
        "/api/chatkit/session",
        "/api/apps/support/chatkit/session",
        "/api/apps/sales/chatkit/session",
    ):
        assert grace.post(path, {"current_client_secret": None}).status_code == 200
    # Every cached secret was dropped, and each app minted under its own defaults.
    expected = {WORKFLOW_ID: [600], SUPPORT_WORKFLOW: [300], SALES_WORKFLOW: [120]}
    assert lifetimes(emulator) == expected

    entry = admin.get("/admin/api/audit?limit=1").get_json()["data"][0]
    assert entry["action"] == "app_defaults.update"
    assert entry["details"] == {"app": "sales"}
    assert entry["after"] == {"session_seconds": 120}

    reset = admin.delete("/admin/api/apps/sales/defaults")
    assert reset.status_code == 200
    assert reset.get_json()["from_file"] is True
    assert admin.get("/admin/api/audit?limit=1").get_json()["data"][0]["action"] == (
        "app_defaults.reset"
    )


def test_bad_app_defaults_are_refused_with_the_field_named(app: Flask) -> None:
    admin = signed_in(app.test_client(), "ada")
    refused = admin.put("/admin/api/apps/support/defaults", {"session_seconds": 6000})
    assert refused.status_code == 400
    assert "session_seconds" in refused.get_json()["error"]["fields"]
    assert admin.get("/admin/api/apps/nope/defaults").status_code == 404
    grace = signed_in(app.test_client(), "grace")
    assert grace.get("/admin/api/apps/support/defaults").status_code == 403


def test_the_users_overrides_win_over_the_apps_defaults(app: Flask, emulator: Emulator) -> None:
    admin = signed_in(app.test_client(), "ada")
    grace = signed_in(app.test_client(), "grace")
    me = grace.get("/api/me").get_json()["user_id"]
    assert admin.put(f"/admin/api/users/{me}/policy", {"session_seconds": 60}).status_code == 200
    policy = admin.get(f"/admin/api/users/{me}/policy?app=support").get_json()
    assert policy["app"] == "support"
    assert policy["effective"]["session_seconds"] == 60
    assert policy["sources"]["session_seconds"] == "override"
    assert grace.post("/api/apps/support/chatkit/session", {"current_client_secret": None})
    assert lifetimes(emulator) == {SUPPORT_WORKFLOW: [60]}


def test_the_admin_user_page_shows_the_effective_policy_in_every_app(app: Flask) -> None:
    grace = signed_in(app.test_client(), "grace")
    me = grace.get("/api/me").get_json()["user_id"]
    admin = signed_in(app.test_client(), "ada")
    html = admin.get(f"/admin/users/{me}").get_data(as_text=True)
    for title in ("Chat", "Support", "Sales"):
        assert f"Effective policy in {title}" in html
    support = html.split('data-app="support"')[1].split("</section>")[0]
    assert "300 seconds" in support or ">300<" in support
    assert "app default" in support
    page = admin.get("/admin/apps/support")
    assert page.status_code == 200
    assert "the apps file" in page.get_data(as_text=True)
    saved = admin.client.post(
        "/admin/apps/support", data={"csrf_token": admin.token, "session_seconds": "200"}
    )
    assert saved.status_code == 302
    assert admin.get("/admin/api/apps/support/defaults").get_json()["defaults"] == {
        "session_seconds": 200
    }


def test_each_app_counts_its_own_mints(app: Flask, client: FlaskClient) -> None:
    admin = signed_in(app.test_client(), "ada")
    admin.put("/admin/api/apps/support/defaults", {"mint_requests_per_minute": 1})
    grace = signed_in(client, "grace")
    first = grace.post("/api/apps/support/chatkit/session", {"current_client_secret": None})
    secret = first.get_json()["client_secret"]
    refused = grace.post("/api/apps/support/chatkit/session", {"current_client_secret": secret})
    assert refused.status_code == 429
    assert grace.post("/api/chatkit/session", {"current_client_secret": None}).status_code == 200
