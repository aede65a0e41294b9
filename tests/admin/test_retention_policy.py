"""`retention_days`: set globally and per user, within 1..3650 or null, audited, in the form."""

from __future__ import annotations

from tests.admin.conftest import policy_url, user_id
from tests.support.flows import ApiCaller


def test_bounds_are_checked(admin: ApiCaller, grace: ApiCaller) -> None:
    for bad in (0, 3651, "30", 1.5):
        response = admin.put("/admin/api/defaults", {"retention_days": bad})
        assert response.status_code == 400
        assert "retention_days" in response.json["error"]["fields"]
    assert admin.put("/admin/api/defaults", {"retention_days": 3650}).status_code == 200


def test_a_user_override_wins_over_the_default_and_null_keeps_forever(
    admin: ApiCaller, grace: ApiCaller
) -> None:
    admin.put("/admin/api/defaults", {"retention_days": 90})
    assert admin.get(policy_url("grace")).json["effective"]["retention_days"] == 90
    body = admin.put(policy_url("grace"), {"retention_days": None}).json
    assert body["effective"]["retention_days"] is None
    assert body["sources"]["retention_days"] == "override"
    entry = admin.get("/admin/api/audit?limit=1").json["data"][0]
    assert entry["action"] == "policy.update"
    assert entry["changes"] == [{"field": "retention_days", "after": None}]


def test_the_form_sets_it(admin: ApiCaller, grace: ApiCaller) -> None:
    page = admin.get(f"/admin/users/{user_id('grace')}").get_data(as_text=True)
    assert 'name="retention_days"' in page
    form = {"csrf_token": admin.token, "retention_days": "45", "action": "save"}
    saved = admin.client.post(f"/admin/users/{user_id('grace')}/policy", data=form)
    assert saved.status_code == 302
    assert admin.get(policy_url("grace")).json["overrides"] == {"retention_days": 45}
    form["retention_days"] = "0"
    refused = admin.client.post(f"/admin/users/{user_id('grace')}/policy", data=form)
    assert refused.status_code == 400
    assert "must be at least 1" in refused.get_data(as_text=True)
