"""The thread JSON API: only the signed-in user's threads, upstream shapes, clear 400s."""

from __future__ import annotations

from typing import Any

import pytest
import redis
from flask.testing import FlaskClient

from chatkit_bff import redis_keys
from testing.emulator import Emulator
from testing.items import mixed_items
from tests.history.conftest import (
    ONE_ROUND_TRIP_SECONDS,
    SeedThreads,
    slow_thread_calls,
    timed,
)
from tests.support.flows import ApiCaller, dev_sign_in

PAGE_KEYS = {"object", "data", "first_id", "last_id", "has_more"}


@pytest.fixture
def api(client: FlaskClient) -> ApiCaller:
    dev_sign_in(client, "grace")
    return ApiCaller(client)


def ids(page: dict[str, Any]) -> list[str]:
    return [entry["id"] for entry in page["data"]]


def test_lists_only_the_users_threads_in_the_upstream_page_shape(
    api: ApiCaller, seed_threads: SeedThreads, grace_id: str, alan_id: str
) -> None:
    mine = seed_threads(grace_id, 5)
    seed_threads(alan_id, 3, prefix="Alan")

    response = api.get("/api/threads?limit=3")

    assert response.status_code == 200
    page = response.get_json()
    assert set(page) == PAGE_KEYS
    assert page["object"] == "list"
    assert ids(page) == [t["id"] for t in reversed(mine)][:3]
    assert page["first_id"] == page["data"][0]["id"]
    assert page["last_id"] == page["data"][-1]["id"]
    assert page["has_more"] is True
    assert {t["user"] for t in page["data"]} == {grace_id}
    assert response.headers["Cache-Control"] == "no-store"

    rest = api.get(f"/api/threads?limit=3&after={page['last_id']}").get_json()
    assert ids(rest) == [t["id"] for t in reversed(mine)][3:]
    assert rest["has_more"] is False


def test_the_user_is_always_sent_upstream(
    api: ApiCaller, emulator: Emulator, grace_id: str
) -> None:
    emulator.clear_requests()
    api.get("/api/threads?order=asc&limit=5")
    listed = [r for r in emulator.requests() if r["path"] == "/v1/chatkit/threads"]
    assert len(listed) == 1
    assert listed[0]["query"]["user"] == grace_id
    assert listed[0]["query"]["order"] == "asc"


def test_thread_and_items_of_ones_own_thread(
    api: ApiCaller, seed_threads: SeedThreads, grace_id: str
) -> None:
    [thread] = seed_threads(grace_id, 1, items=6)

    got = api.get(f"/api/threads/{thread['id']}").get_json()
    assert got == thread

    first = api.get(f"/api/threads/{thread['id']}/items?order=asc&limit=4").get_json()
    assert set(first) == PAGE_KEYS
    assert [i["content"][0]["text"] for i in first["data"]] == [
        "Question 0",
        "Answer **1**",
        "Question 2",
        "Answer **3**",
    ]
    assert first["has_more"] is True
    second = api.get(
        f"/api/threads/{thread['id']}/items?order=asc&limit=4&after={first['last_id']}"
    ).get_json()
    assert len(second["data"]) == 2
    assert second["has_more"] is False


def test_another_users_thread_is_exactly_like_a_missing_one(
    api: ApiCaller, seed_threads: SeedThreads, alan_id: str, emulator: Emulator
) -> None:
    [theirs] = seed_threads(alan_id, 1)
    missing = "cthr_doesnotexist000000"

    for path in ("", "/items"):
        other = api.get(f"/api/threads/{theirs['id']}{path}")
        absent = api.get(f"/api/threads/{missing}{path}")
        assert other.status_code == absent.status_code == 404
        assert other.get_json() == absent.get_json()
        assert "error" in other.get_json()
        # A second look (now with the owner remembered) answers the same.
        assert api.get(f"/api/threads/{theirs['id']}{path}").get_json() == absent.get_json()

    deleted = api.delete(f"/api/threads/{theirs['id']}")
    assert deleted.status_code == 404
    assert deleted.get_json() == api.delete(f"/api/threads/{missing}").get_json()
    assert not [r for r in emulator.requests() if r["method"] == "DELETE"]
    upstream = api.client.application.extensions["chatkit_bff"].chatkit
    assert upstream.retrieve_thread(theirs["id"])["user"] == alan_id


def test_delete_needs_the_csrf_header_and_removes_the_thread(
    api: ApiCaller, seed_threads: SeedThreads, grace_id: str, redis_client: redis.Redis
) -> None:
    [thread] = seed_threads(grace_id, 1)
    api.get(f"/api/threads/{thread['id']}")
    assert redis_client.get(redis_keys.thread_owner(thread["id"])) == grace_id.encode()

    refused = api.client.delete(f"/api/threads/{thread['id']}")
    assert refused.status_code == 400
    assert refused.get_json()["error"]["code"] == "csrf_failed"

    response = api.delete(f"/api/threads/{thread['id']}")
    assert response.status_code == 200
    assert response.get_json() == {
        "id": thread["id"],
        "object": "chatkit.thread.deleted",
        "deleted": True,
    }
    assert redis_client.get(redis_keys.thread_owner(thread["id"])) is None
    assert api.get(f"/api/threads/{thread['id']}").status_code == 404
    assert api.delete(f"/api/threads/{thread['id']}").status_code == 404


def test_ownership_is_remembered_for_a_few_minutes(
    api: ApiCaller,
    seed_threads: SeedThreads,
    grace_id: str,
    emulator: Emulator,
    redis_client: redis.Redis,
) -> None:
    [thread] = seed_threads(grace_id, 1)
    api.get(f"/api/threads/{thread['id']}/items")
    ttl = redis_client.ttl(redis_keys.thread_owner(thread["id"]))
    assert 0 < ttl <= 300

    emulator.clear_requests()
    api.get(f"/api/threads/{thread['id']}/items")
    assert [r["path"] for r in emulator.requests()] == [f"/v1/chatkit/threads/{thread['id']}/items"]


def test_items_of_a_thread_not_yet_seen_wait_for_one_upstream_round_trip(
    api: ApiCaller, emulator: Emulator, grace_id: str, alan_id: str
) -> None:
    [mine, theirs] = emulator.seed(
        [
            {"user": grace_id, "title": "Mine", "items": mixed_items(12)},
            {"user": alan_id, "title": "Theirs", "items": mixed_items(5)},
        ]
    )
    slow_thread_calls(emulator, mine["id"])  # the owner check (the thread) and the items
    response, elapsed = timed(lambda: api.get(f"/api/threads/{mine['id']}/items"))
    assert response.status_code == 200
    assert len(response.get_json()["data"]) == 12
    assert elapsed < ONE_ROUND_TRIP_SECONDS, f"{elapsed:.2f} s: read one after the other"

    # Another user's items were read beside the owner check, and are not shown.
    refused = api.get(f"/api/threads/{theirs['id']}/items")
    assert refused.status_code == 404
    assert "Question" not in refused.get_data(as_text=True)


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=ten", "limit"),
        ("limit=-1", "limit"),
        ("order=newest", "order"),
        ("after=../../etc", "after"),
        ("before=cthr_x%20y", "before"),
    ],
)
def test_bad_paging_parameters_are_400s_naming_the_parameter(
    api: ApiCaller, seed_threads: SeedThreads, grace_id: str, query: str, param: str
) -> None:
    [thread] = seed_threads(grace_id, 1)
    for path in ("/api/threads", f"/api/threads/{thread['id']}/items"):
        response = api.get(f"{path}?{query}")
        assert response.status_code == 400, path
        error = response.get_json()["error"]
        assert param in error["fields"]
        assert f"'{param}'" in error["message"]


def test_a_cursor_the_upstream_does_not_know_is_a_400_naming_it(
    api: ApiCaller, seed_threads: SeedThreads, grace_id: str
) -> None:
    [thread] = seed_threads(grace_id, 1)
    response = api.get(f"/api/threads/{thread['id']}/items?after=cthi_unknown")
    assert response.status_code == 400
    assert "after" in response.get_json()["error"]["fields"]


@pytest.mark.parametrize("bad_id", ["thread_1", "cthr_", "cthr_a.b", "cthr_" + "a" * 200])
def test_a_malformed_thread_id_is_a_400_naming_thread_id(api: ApiCaller, bad_id: str) -> None:
    for response in (api.get(f"/api/threads/{bad_id}"), api.delete(f"/api/threads/{bad_id}")):
        assert response.status_code == 400
        assert "thread_id" in response.get_json()["error"]["fields"]


def test_signed_out_calls_are_401(client: FlaskClient) -> None:
    for path in ("/api/threads", "/api/threads/cthr_abc", "/api/threads/cthr_abc/items"):
        assert client.get(path).status_code == 401
    assert client.delete("/api/threads/cthr_abc").status_code == 401
