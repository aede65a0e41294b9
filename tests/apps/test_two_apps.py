"""Two chat apps for one user: separate history, secrets and policies; today's URLs unchanged."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from flask import Flask
from flask.testing import FlaskClient

from chatkit_bff.apps import upstream_user
from testing.emulator import Emulator
from tests.apps.conftest import SALES_WORKFLOW, SUPPORT_WORKFLOW, chat_app, identity
from tests.conftest import WORKFLOW_ID
from tests.support.flows import ApiCaller, creates, signed_in

pytestmark = pytest.mark.all_topologies


def test_each_app_mints_its_own_secret_for_its_own_upstream_user(
    app: Flask, client: FlaskClient, emulator: Emulator
) -> None:
    api = signed_in(client)
    default = api.post("/api/chatkit/session", {"current_client_secret": None})
    support = api.post("/api/apps/support/chatkit/session", {"current_client_secret": None})
    sales = api.post("/api/apps/sales/chatkit/session", {"current_client_secret": None})
    assert {default.status_code, support.status_code, sales.status_code} == {200}
    secrets = {r.get_json()["client_secret"] for r in (default, support, sales)}
    assert len(secrets) == 3

    # Served from each app's own cache entry: no new upstream session.
    again = api.post("/api/apps/support/chatkit/session", {"current_client_secret": None})
    assert again.get_json()["client_secret"] == support.get_json()["client_secret"]

    bodies = creates(emulator)
    assert len(bodies) == 3
    grace = identity("grace")
    by_workflow = {body["workflow"]["id"]: body for body in bodies}
    assert by_workflow[WORKFLOW_ID]["user"] == grace.user_id  # today's id for the default app
    assert by_workflow[SUPPORT_WORKFLOW]["user"] == upstream_user(grace, chat_app(app, "support"))
    assert by_workflow[SUPPORT_WORKFLOW]["workflow"]["version"] == "3"
    assert by_workflow[SALES_WORKFLOW]["user"] == upstream_user(grace, chat_app(app, "sales"))
    assert len({body["user"] for body in bodies}) == 3


def test_app_defaults_from_the_file_reach_only_that_app(
    client: FlaskClient, emulator: Emulator
) -> None:
    api = signed_in(client)
    api.post("/api/chatkit/session", {"current_client_secret": None})
    api.post("/api/apps/support/chatkit/session", {"current_client_secret": None})
    api.post("/api/apps/sales/chatkit/session", {"current_client_secret": None})
    lifetimes = {b["workflow"]["id"]: b["expires_after"]["seconds"] for b in creates(emulator)}
    assert lifetimes == {WORKFLOW_ID: 600, SUPPORT_WORKFLOW: 300, SALES_WORKFLOW: 600}


def test_history_does_not_mix_across_apps(
    app: Flask, client: FlaskClient, emulator: Emulator
) -> None:
    grace = identity("grace")
    mine_default = emulator.seed_thread(grace.user_id, title="Billing question")
    mine_support = emulator.seed_thread(
        upstream_user(grace, chat_app(app, "support")), title="Where is my parcel"
    )
    api = signed_in(client)

    def titles(path: str) -> list[str]:
        response = api.get(path)
        assert response.status_code == 200, response.get_data(as_text=True)
        return [thread["title"] for thread in response.get_json()["data"]]

    assert titles("/api/threads") == ["Billing question"]
    assert titles("/api/apps/support/threads") == ["Where is my parcel"]
    assert titles("/api/apps/sales/threads") == []

    # A thread of one app is "not found" under another, exactly like a missing one.
    for path in (
        f"/api/apps/support/threads/{mine_default['id']}",
        f"/api/apps/support/threads/{mine_default['id']}/items",
        f"/api/threads/{mine_support['id']}",
        f"/api/apps/sales/threads/{mine_support['id']}",
    ):
        response = api.get(path)
        assert response.status_code == 404, path
        assert response.get_json()["error"]["code"] == "not_found"
    assert api.delete(f"/api/apps/sales/threads/{mine_support['id']}").status_code == 404
    assert client.get(f"/apps/sales/threads/{mine_support['id']}").status_code == 404
    assert client.get(f"/apps/support/threads/{mine_default['id']}/export").status_code == 404

    # The owning app reads, exports and deletes it.
    assert api.get(f"/api/apps/support/threads/{mine_support['id']}").status_code == 200
    page = client.get(f"/apps/support/threads/{mine_support['id']}")
    assert page.status_code == 200
    assert "Where is my parcel" in page.get_data(as_text=True)
    export = client.get(f"/apps/support/threads/{mine_support['id']}/export?format=json")
    assert export.status_code == 200
    assert api.delete(f"/api/apps/support/threads/{mine_support['id']}").status_code == 200
    assert titles("/api/apps/support/threads") == []
    assert titles("/api/threads") == ["Billing question"]


def test_app_pages_keep_their_links_and_data_inside_the_app(
    client: FlaskClient, emulator: Emulator, app: Flask
) -> None:
    grace = identity("grace")
    thread = emulator.seed_thread(
        upstream_user(grace, chat_app(app, "support")), title="Where is my parcel"
    )
    signed_in(client)
    html = client.get("/apps/support/").get_data(as_text=True)
    assert f'href="/apps/support/threads/{thread["id"]}"' in html
    assert '"sessionUrl": "/api/apps/support/chatkit/session"' in html
    assert '"threadUrl": "/apps/support/threads/"' in html
    assert '"greeting": "How can we help?"' in html
    assert ">Support</a>" in html  # the header names the app

    deleted = client.post(
        f"/apps/support/threads/{thread['id']}/delete",
        data={"csrf_token": ApiCaller(client).token},
    )
    assert deleted.status_code == 302
    assert deleted.headers["Location"] == "/apps/support/"

    today = client.get("/").get_data(as_text=True)
    assert '"sessionUrl": "/api/chatkit/session"' in today
    assert "How can we help?" not in today


def test_an_existing_thread_of_today_stays_visible_at_todays_urls(
    client: FlaskClient, emulator: Emulator
) -> None:
    grace = identity("grace")
    thread = emulator.seed_thread(grace.user_id, title="From before the apps file")
    signed_in(client)
    assert "From before the apps file" in client.get("/").get_data(as_text=True)
    assert client.get(f"/threads/{thread['id']}").status_code == 200
    # The default app's app-scoped URLs are the same pages.
    moved = client.get("/apps/default/")
    assert moved.status_code in (301, 302, 308)
    assert moved.headers["Location"].endswith("/")


def test_an_unknown_app_is_a_404_page_or_json(client: FlaskClient) -> None:
    api = signed_in(client)
    page = client.get("/apps/nope/")
    assert page.status_code == 404
    assert page.mimetype == "text/html"
    for response in (
        api.get("/api/apps/nope/threads"),
        api.post("/api/apps/nope/chatkit/session", {"current_client_secret": None}),
    ):
        assert response.status_code == 404
        assert response.get_json()["error"]["code"] == "not_found"
    assert client.get("/apps/nope/embed").status_code == 404


def test_an_apps_page_exports_every_thread_of_that_app_only(
    app: Flask, client: FlaskClient, emulator: Emulator
) -> None:
    grace = identity("grace")
    emulator.seed_thread(grace.user_id, title="Billing question")
    support = emulator.seed_thread(
        upstream_user(grace, chat_app(app, "support")), title="Where is my parcel"
    )
    signed_in(client)
    html = client.get("/apps/support/").get_data(as_text=True)
    assert 'href="/apps/support/account/export"' in html
    response = client.get("/apps/support/account/export")
    assert response.status_code == 200
    index = json.loads(zipfile.ZipFile(io.BytesIO(response.get_data())).read("index.json"))
    assert [entry["id"] for entry in index["threads"]] == [support["id"]]
    today = zipfile.ZipFile(io.BytesIO(client.get("/account/export").get_data()))
    assert [e["title"] for e in json.loads(today.read("index.json"))["threads"]] == [
        "Billing question"
    ]
    assert client.get("/apps/nope/account/export").status_code == 404


def test_delete_all_my_conversations_deletes_them_in_every_app_and_nobody_elses(
    app: Flask, client: FlaskClient, emulator: Emulator
) -> None:
    grace, alan = identity("grace"), identity("alan")
    emulator.seed_thread(grace.user_id, title="Billing question")
    for slug in ("support", "sales"):
        emulator.seed_thread(upstream_user(grace, chat_app(app, slug)), title=f"Grace in {slug}")
    emulator.seed_thread(upstream_user(alan, chat_app(app, "support")), title="Alan in support")
    api = signed_in(client)  # a demo sign-in has just authenticated

    answer = api.post("/api/me/conversations/delete-all")

    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.get_json() == {"object": "chatkit.thread.deleted_all", "deleted": 3}
    for path in ("/api/threads", "/api/apps/support/threads", "/api/apps/sales/threads"):
        assert api.get(path).get_json()["data"] == [], path
    alans = signed_in(app.test_client(), "alan").get("/api/apps/support/threads")
    assert [thread["title"] for thread in alans.get_json()["data"]] == ["Alan in support"]
