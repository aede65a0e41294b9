"""The server-rendered chat pages, driven with the test client (no JavaScript needed)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from testing.emulator import Emulator
from testing.items import KINDS, mixed_items
from tests.history.conftest import (
    ONE_ROUND_TRIP_SECONDS,
    SeedThreads,
    slow_thread_calls,
    timed,
)
from tests.history.page_reader import read_page
from tests.support.flows import csrf_token, dev_sign_in

SetPolicy = Callable[[str, dict[str, Any]], None]


@pytest.fixture
def grace(client: FlaskClient) -> FlaskClient:
    dev_sign_in(client, "grace")
    return client


def long_thread(emulator: Emulator, user_id: str, count: int) -> dict[str, Any]:
    [thread] = emulator.seed([{"user": user_id, "title": "Long one", "items": mixed_items(count)}])
    return thread


def without_reference(response: Any) -> str:
    """The page without its request id (every answer has its own)."""
    return response.get_data(as_text=True).replace(response.headers["X-Request-ID"], "")


def upstream_calls(emulator: Emulator) -> list[str]:
    return [f"{r['method']} {r['path']}" for r in emulator.requests()]


# --- the thread list -----------------------------------------------------------------------


def test_lists_only_the_users_threads_newest_first_with_older_and_newer_links(
    grace: FlaskClient, seed_threads: SeedThreads, grace_id: str, alan_id: str
) -> None:
    seed_threads(grace_id, 45)
    seed_threads(alan_id, 3, prefix="Alan's secret")

    first = read_page(grace.get("/").get_data(as_text=True))
    assert [t.text.split(" ")[1] for t in first.threads] == [f"{n:02d}" for n in range(44, 24, -1)]
    assert "prev" not in first.pager
    assert "Alan" not in first.text

    second = read_page(grace.get(first.pager["next"]).get_data(as_text=True))
    assert [t.text[:8] for t in second.threads] == [f"Topic {n:02d}" for n in range(24, 4, -1)]

    last = read_page(grace.get(second.pager["next"]).get_data(as_text=True))
    assert [t.text[:8] for t in last.threads] == [f"Topic {n:02d}" for n in range(4, -1, -1)]
    assert "next" not in last.pager

    back = read_page(grace.get(last.pager["prev"]).get_data(as_text=True))
    assert [t.thread_id for t in back.threads] == [t.thread_id for t in second.threads]
    newest = read_page(grace.get(back.pager["prev"]).get_data(as_text=True))
    assert [t.thread_id for t in newest.threads] == [t.thread_id for t in first.threads]
    assert "prev" not in newest.pager


def test_untitled_locked_and_closed_threads_say_so(
    grace: FlaskClient, emulator: Emulator, grace_id: str
) -> None:
    emulator.seed_demo(grace_id, "Grace Hopper")
    page = read_page(grace.get("/").get_data(as_text=True))
    texts = " | ".join(t.text for t in page.threads)
    assert "Untitled conversation" in texts
    assert "Locked: A support agent took over this conversation." in texts
    assert "Closed" in texts


def test_history_off_shows_a_note_and_no_list(
    grace: FlaskClient,
    seed_threads: SeedThreads,
    grace_id: str,
    set_policy: SetPolicy,
    emulator: Emulator,
) -> None:
    seed_threads(grace_id, 3)
    set_policy(grace_id, {"history": {"enabled": False}})
    emulator.clear_requests()

    page = read_page(grace.get("/").get_data(as_text=True))

    assert page.threads == []
    assert "Conversation history is turned off" in page.text
    assert upstream_calls(emulator) == []
    assert page.chatkit_data is not None
    assert page.chatkit_data["options"]["history"] == {"enabled": False}


def test_recent_threads_limits_the_list_across_pages(
    grace: FlaskClient, seed_threads: SeedThreads, grace_id: str, set_policy: SetPolicy
) -> None:
    seed_threads(grace_id, 45)
    set_policy(grace_id, {"history": {"recent_threads": 25}})

    first = read_page(grace.get("/").get_data(as_text=True))
    assert len(first.threads) == 20
    assert "at most your 25 most recent conversations" in first.text
    second = read_page(grace.get(first.pager["next"]).get_data(as_text=True))
    assert [t.text[:8] for t in second.threads] == [f"Topic {n:02d}" for n in range(24, 19, -1)]
    assert "next" not in second.pager

    set_policy(grace_id, {"history": {"recent_threads": 3}})
    few = read_page(grace.get("/").get_data(as_text=True))
    assert [t.text[:8] for t in few.threads] == ["Topic 44", "Topic 43", "Topic 42"]
    assert few.pager == {}


def test_the_component_options_follow_the_users_policy(
    grace: FlaskClient, grace_id: str, set_policy: SetPolicy
) -> None:
    set_policy(grace_id, {"file_upload": {"enabled": True, "max_files": 3, "max_file_size": 2}})
    data = read_page(grace.get("/").get_data(as_text=True)).chatkit_data
    assert data is not None
    assert data["initialThread"] is None
    assert data["options"]["composer"]["attachments"] == {
        "enabled": True,
        "maxCount": 3,
        "maxSize": 2 * 1024 * 1024,
    }


def test_a_stale_cursor_leads_back_to_the_newest_threads(
    grace: FlaskClient, seed_threads: SeedThreads, grace_id: str
) -> None:
    seed_threads(grace_id, 2)
    response = grace.get("/?after=cthr_deleted_meanwhile")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    page = read_page(grace.get("/").get_data(as_text=True))
    assert "That page of conversations is gone" in page.text
    assert len(page.threads) == 2


def test_pages_need_sign_in(client: FlaskClient) -> None:
    for path in ("/", "/threads/cthr_abc", "/threads/cthr_abc/export?format=md"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")


# --- the transcript ------------------------------------------------------------------------


def test_transcript_shows_every_item_type_title_and_status(
    grace: FlaskClient, emulator: Emulator, grace_id: str
) -> None:
    threads = emulator.seed_demo(grace_id, "Grace Hopper")
    kinds: set[str] = set()
    for thread in threads:
        html = grace.get(f"/threads/{thread['id']}").get_data(as_text=True)
        page = read_page(html)
        kinds.update(page.item_classes)
        assert page.chatkit_data is not None
        assert page.chatkit_data["initialThread"] == thread["id"]
        if thread["status"]["type"] == "locked":
            assert "Locked: A support agent took over this conversation." in page.text
            assert "This conversation is locked, so it takes no new messages." in page.text
        if thread["title"] is None:
            assert "Untitled conversation" in page.text
    assert kinds == {"item--" + kind.removeprefix("chatkit.") for kind in KINDS}


def test_a_long_transcript_pages_oldest_first_with_earlier_and_later_links(
    grace: FlaskClient, emulator: Emulator, grace_id: str
) -> None:
    thread = long_thread(emulator, grace_id, 250)
    url = f"/threads/{thread['id']}"

    first = read_page(grace.get(url).get_data(as_text=True))
    assert len(first.item_classes) == 100
    assert "Question number 0: what next?" in first.text
    assert "prev" not in first.pager
    second = read_page(grace.get(first.pager["next"]).get_data(as_text=True))
    assert len(second.item_classes) == 100
    assert "Question number 102: what next?" in second.text
    third = read_page(grace.get(second.pager["next"]).get_data(as_text=True))
    assert len(third.item_classes) == 50
    assert "next" not in third.pager
    again = read_page(grace.get(third.pager["prev"]).get_data(as_text=True))
    assert again.text == second.text

    everything = read_page(grace.get(f"{url}?limit=1000").get_data(as_text=True))
    assert len(everything.item_classes) == 250
    assert grace.get(f"{url}?limit=1001").status_code == 400


def test_a_long_page_before_a_cursor_reads_oldest_first(
    grace: FlaskClient, emulator: Emulator, grace_id: str
) -> None:
    """A page of 150 before a cursor is two upstream pages, fetched latest first."""
    thread = long_thread(emulator, grace_id, 250)
    first = read_page(grace.get(f"/threads/{thread['id']}?limit=150").get_data(as_text=True))
    assert len(first.item_classes) == 150
    rest = read_page(grace.get(first.pager["next"]).get_data(as_text=True))
    assert len(rest.item_classes) == 100
    assert "Question number 150: what next?" in rest.text

    back = read_page(grace.get(rest.pager["prev"]).get_data(as_text=True))
    assert back.text == first.text


def test_a_transcript_view_costs_at_most_two_upstream_calls(
    grace: FlaskClient, emulator: Emulator, grace_id: str
) -> None:
    thread = long_thread(emulator, grace_id, 150)
    grace.get("/")  # the list warms the ownership memo
    emulator.clear_requests()

    page = read_page(grace.get(f"/threads/{thread['id']}").get_data(as_text=True))
    assert len(page.item_classes) == 100
    assert sorted(upstream_calls(emulator)) == [
        f"GET /v1/chatkit/threads/{thread['id']}",
        f"GET /v1/chatkit/threads/{thread['id']}/items",
    ]

    emulator.clear_requests()
    grace.get(page.pager["next"])
    assert len(upstream_calls(emulator)) == 2


def test_a_transcript_page_waits_for_one_upstream_round_trip_not_two(
    grace: FlaskClient, emulator: Emulator, grace_id: str
) -> None:
    thread = long_thread(emulator, grace_id, 30)
    slow_thread_calls(emulator, thread["id"])
    response, elapsed = timed(lambda: grace.get(f"/threads/{thread['id']}"))
    assert response.status_code == 200
    assert len(read_page(response.get_data(as_text=True)).item_classes) == 30
    assert elapsed < ONE_ROUND_TRIP_SECONDS, f"{elapsed:.2f} s: read one after the other"


# --- someone else's thread -----------------------------------------------------------------


def without_csrf_token(page: str) -> str:
    """The page without its CSRF tokens (meta, forms): they carry the second they were made in."""
    page = re.sub(r'name="csrf-token" content="[^"]*"', 'name="csrf-token" content=""', page)
    return re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token" value=""', page)


def test_another_users_thread_is_not_found_on_every_page_and_survives(
    grace: FlaskClient, seed_threads: SeedThreads, alan_id: str, emulator: Emulator
) -> None:
    [theirs] = seed_threads(alan_id, 1, prefix="Alan's secret")
    token = csrf_token(grace, "/")
    missing = "cthr_missing0000"

    for thread_id in (theirs["id"], missing):
        for path in ("", "/delete", "/export?format=md", "/export?format=json"):
            response = grace.get(f"/threads/{thread_id}{path}")
            assert response.status_code == 404, path
            assert "Alan" not in response.get_data(as_text=True)
        response = grace.post(f"/threads/{thread_id}/delete", data={"csrf_token": token})
        assert response.status_code == 404

    mine = without_csrf_token(without_reference(grace.get(f"/threads/{missing}")))
    theirs_page = without_csrf_token(without_reference(grace.get(f"/threads/{theirs['id']}")))
    # Equal but for the thread id and each answer's own request reference.
    assert theirs_page == mine.replace(missing, theirs["id"])
    assert not [r for r in emulator.requests() if r["method"] == "DELETE"]
    assert emulator.api("GET", f"/chatkit/threads/{theirs['id']}").status_code == 200


def test_another_users_long_thread_is_not_found_after_a_single_page_of_items(
    grace: FlaskClient, emulator: Emulator, alan_id: str
) -> None:
    theirs = long_thread(emulator, alan_id, 250)
    for path in ("?limit=1000", "/export?format=json"):
        emulator.clear_requests()
        response = grace.get(f"/threads/{theirs['id']}{path}")
        assert response.status_code == 404, path
        assert "Question number" not in response.get_data(as_text=True)
        # The first page is read while the owner is checked; no more once it is known.
        item_calls = [c for c in upstream_calls(emulator) if c.endswith("/items")]
        assert len(item_calls) <= 1, path


# --- delete ----------------------------------------------------------------------------------


def test_delete_asks_first_then_removes_the_thread(
    grace: FlaskClient, seed_threads: SeedThreads, grace_id: str, emulator: Emulator
) -> None:
    [keep, doomed] = seed_threads(grace_id, 2)

    confirm = grace.get(f"/threads/{doomed['id']}/delete")
    assert confirm.status_code == 200
    text = read_page(confirm.get_data(as_text=True)).text
    assert "Delete this conversation?" in text
    assert doomed["title"] in text
    assert not [r for r in emulator.requests() if r["method"] == "DELETE"]

    refused = grace.post(f"/threads/{doomed['id']}/delete")
    assert refused.status_code == 400
    assert not [r for r in emulator.requests() if r["method"] == "DELETE"]

    token = csrf_token(grace, f"/threads/{doomed['id']}/delete")
    done = grace.post(f"/threads/{doomed['id']}/delete", data={"csrf_token": token})
    assert done.status_code == 302
    assert done.headers["Location"] == "/"
    page = read_page(grace.get("/").get_data(as_text=True))
    assert "The conversation was deleted." in page.text
    assert [t.thread_id for t in page.threads] == [keep["id"]]
    assert grace.get(f"/threads/{doomed['id']}").status_code == 404


# --- export ----------------------------------------------------------------------------------


def test_markdown_export_is_a_readable_download_of_every_item(
    grace: FlaskClient, emulator: Emulator, grace_id: str
) -> None:
    threads = emulator.seed_demo(grace_id, "Grace Hopper")
    lisbon = next(t for t in threads if t["title"] == "Weekend in Lisbon")

    response = grace.get(f"/threads/{lisbon['id']}/export?format=md")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/markdown; charset=utf-8"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="conversation-weekend-in-lisbon-')
    assert disposition.endswith('.md"')
    text = response.get_data(as_text=True)
    assert text.startswith("# Weekend in Lisbon\n")
    for expected in (
        "**You**",
        "Plan a relaxed weekend in Lisbon for two.",
        "**Tool call: get_weather**",
        '"city": "Lisbon"',
        "**Assistant (widget)**",
        "- Lisbon, 3 days",
        "Sources:\n1. https://www.visitlisboa.com",
        "Status: running.",
    ):
        assert expected in text


def test_json_export_holds_the_thread_and_all_items_across_pages(
    grace: FlaskClient, emulator: Emulator, grace_id: str
) -> None:
    thread = long_thread(emulator, grace_id, 230)
    emulator.clear_requests()

    response = grace.get(f"/threads/{thread['id']}/export?format=json")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["Content-Disposition"].endswith('.json"')
    document = response.get_json()
    assert document["thread"]["id"] == thread["id"]
    assert len(document["items"]) == 230
    assert [i["created_at"] for i in document["items"]] == sorted(
        i["created_at"] for i in document["items"]
    )
    item_calls = [c for c in upstream_calls(emulator) if c.endswith("/items")]
    assert len(item_calls) == 3


def test_an_unknown_export_format_is_a_400(
    grace: FlaskClient, seed_threads: SeedThreads, grace_id: str
) -> None:
    [thread] = seed_threads(grace_id, 1)
    response = grace.get(f"/threads/{thread['id']}/export?format=pdf")
    assert response.status_code == 400
    assert "format" in response.get_data(as_text=True)
