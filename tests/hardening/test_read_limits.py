"""Heavy reads are limited per user (admin-tunable, audited), and one export holds a bounded
number of items."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from app import create_app
from testing.emulator import Emulator
from tests.admin.conftest import policy_url, user_id
from tests.history.conftest import message_items
from tests.support.flows import ApiCaller, signed_in


def _seed(emulator: Emulator, who: str, items: int) -> str:
    thread = emulator.seed_thread(user_id(who), title="Long one", items=message_items(items, 1))
    return str(thread["id"])


def test_history_reads_stop_at_the_users_limit_with_a_429(
    admin: ApiCaller, grace: ApiCaller
) -> None:
    assert admin.put(policy_url("grace"), {"history_requests_per_minute": 3}).status_code == 200
    for _ in range(3):
        assert grace.get("/api/threads").status_code == 200
    refused = grace.get("/api/threads")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert "3 per 1 minute" in refused.get_json()["error"]["message"]
    # The page shares the budget; another user's budget is untouched.
    assert grace.client.get("/").status_code == 429
    assert admin.get("/api/threads").status_code == 200


def test_a_long_transcript_page_costs_one_unit_per_100_items(
    admin: ApiCaller, grace: ApiCaller, emulator: Emulator
) -> None:
    thread_id = _seed(emulator, "grace", 3)
    assert admin.put(policy_url("grace"), {"history_requests_per_minute": 12}).status_code == 200
    assert grace.get(f"/threads/{thread_id}?limit=1000").status_code == 200  # 10 units
    assert grace.get("/api/threads").status_code == 200  # 11
    assert grace.get(f"/api/threads/{thread_id}").status_code == 200  # 12
    assert grace.get(f"/api/threads/{thread_id}/items").status_code == 429


def test_exports_stop_at_the_users_hourly_limit(
    admin: ApiCaller, grace: ApiCaller, emulator: Emulator
) -> None:
    thread_id = _seed(emulator, "grace", 2)
    assert admin.put(policy_url("grace"), {"exports_per_hour": 2}).status_code == 200
    for fmt in ("md", "json"):
        assert grace.get(f"/threads/{thread_id}/export?format={fmt}").status_code == 200
    refused = grace.get(f"/threads/{thread_id}/export")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1


def test_limit_changes_are_audited_and_in_the_admin_form(
    admin: ApiCaller, grace: ApiCaller
) -> None:
    change = {"history_requests_per_minute": 50, "exports_per_hour": 5}
    assert admin.put(policy_url("grace"), change).status_code == 200
    entry = admin.get("/admin/api/audit").get_json()["data"][0]
    assert {c["field"]: c["after"] for c in entry["changes"]} == change
    page = admin.get(f"/admin/users/{user_id('grace')}").get_data(as_text=True)
    assert 'name="history_requests_per_minute"' in page
    assert 'name="exports_per_hour"' in page
    form = admin.client.post(
        f"/admin/users/{user_id('grace')}/policy",
        data={"exports_per_hour": "0", "csrf_token": admin.token},
    )
    assert form.status_code == 400
    assert "at least 1" in form.get_data(as_text=True)


@pytest.fixture
def capped_app(app_config: dict[str, Any]) -> Any:
    application = create_app({**app_config, "EXPORT_MAX_ITEMS": "5"})
    yield application
    application.extensions["chatkit_bff"].close()


def test_an_export_past_the_item_cap_is_refused_with_a_clear_message(
    capped_app: Flask, emulator: Emulator
) -> None:
    grace = signed_in(capped_app.test_client(), "grace")
    fits, too_long = _seed(emulator, "grace", 5), _seed(emulator, "grace", 6)
    assert grace.get(f"/threads/{fits}/export?format=json").status_code == 200
    emulator.clear_requests()
    refused = grace.get(f"/threads/{too_long}/export")
    assert refused.status_code == 422
    assert "more than 5 items" in refused.get_data(as_text=True)
    item_calls = [r for r in emulator.requests() if r["path"].endswith("/items")]
    assert [r["query"].get("limit") for r in item_calls] == ["6"]  # read one past the cap, no more
