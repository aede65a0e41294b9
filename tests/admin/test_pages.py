"""The admin pages over the test client: forms, inline errors, confirmations, flashes."""

from __future__ import annotations

import re

from flask import Flask

from testing.emulator import Emulator
from tests.admin.conftest import policy_url, user_id
from tests.support.flows import ApiCaller, creates, signed_in

# A <script> without src (JSON data blocks are fine): the CSP would block it.
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>")


def _user_page(who: str) -> str:
    return f"/admin/users/{user_id(who)}"


def _form(admin: ApiCaller, **fields: str) -> dict[str, str]:
    return {"csrf_token": admin.token, **{k.replace("__", "."): v for k, v in fields.items()}}


def _error_for(html: str, field_id: str) -> str:
    match = re.search(rf'<p class="field-error" id="{field_id}-error">([^<]*)</p>', html)
    assert match, f"no inline error for {field_id}"
    return match.group(1)


def test_dashboard_shows_the_figures(
    admin: ApiCaller, grace: ApiCaller, emulator: Emulator
) -> None:
    grace.new_secret()
    html = admin.get("/admin").get_data(as_text=True)
    assert re.search(r'data-testid="figure-users">2<', html)
    assert re.search(r'data-testid="figure-cached">1<', html)
    assert re.search(r'data-testid="figure-mints">1<', html)


def test_users_page_searches(admin: ApiCaller, grace: ApiCaller, alan: ApiCaller) -> None:
    html = admin.get("/admin/users?q=hop").get_data(as_text=True)
    assert "Grace Hopper" in html
    assert "Alan Turing" not in html
    assert "No users match" in admin.get("/admin/users?q=zzz").get_data(as_text=True)


def test_an_invalid_value_is_shown_next_to_its_field_and_nothing_is_saved(
    admin: ApiCaller, grace: ApiCaller
) -> None:
    response = admin.client.post(
        f"{_user_page('grace')}/policy",
        data=_form(
            admin,
            session_seconds="601",
            file_upload__max_files="two",
            history__recent_threads="unlimited",
            state_variables='{"tier": {"nested": 1}}',
            action="save",
        ),
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Nothing was saved" in html
    assert _error_for(html, "f-session_seconds") == "must be at most 600"
    assert _error_for(html, "f-file_upload-max_files") == "must be a whole number"
    assert "tier: must be a string, number or true/false" in _error_for(html, "f-state_variables")
    assert 'value="601"' in html  # what the admin typed is kept
    assert admin.get(policy_url("grace")).json["overrides"] == {}
    assert admin.get("/admin/api/audit").json["data"] == []


def test_saving_the_form_stores_overrides_and_blank_fields_inherit(
    admin: ApiCaller, grace: ApiCaller, emulator: Emulator
) -> None:
    response = admin.client.post(
        f"{_user_page('grace')}/policy",
        data=_form(
            admin,
            session_seconds="300",
            max_requests_per_1_minute="",
            file_upload__enabled="true",
            history__enabled="",
            history__recent_threads="unlimited",
            state_variables='{"tier": "gold"}',
            action="save",
        ),
    )
    assert response.status_code == 302
    page = admin.get(_user_page("grace")).get_data(as_text=True)
    assert "Saved: the user&#39;s next chat session uses the new limits." in page
    assert admin.get(policy_url("grace")).json["overrides"] == {
        "session_seconds": 300,
        "file_upload": {"enabled": True},
        "history": {"recent_threads": None},
        "state_variables": {"tier": "gold"},
    }
    assert "Last changed by Ada Lovelace" in page
    grace.new_secret()
    assert creates(emulator)[-1]["expires_after"]["seconds"] == 300


def test_save_and_apply_now_cancels_the_running_session(
    admin: ApiCaller, grace: ApiCaller, emulator: Emulator
) -> None:
    grace.new_secret()
    admin.client.post(
        f"{_user_page('grace')}/policy",
        data=_form(admin, session_seconds="200", action="apply"),
    )
    assert [s["status"] for s in emulator.sessions()] == ["cancelled"]
    (entry,) = admin.get("/admin/api/audit").json["data"]
    assert entry["details"] == {"apply_now": True}


def test_reset_to_defaults(admin: ApiCaller, grace: ApiCaller) -> None:
    admin.put(policy_url("grace"), {"session_seconds": 5})
    response = admin.client.post(f"{_user_page('grace')}/policy/reset", data=_form(admin))
    assert response.status_code == 302
    assert admin.get(policy_url("grace")).json["overrides"] == {}


def test_revoke_asks_first_then_signs_the_user_out(admin: ApiCaller, grace: ApiCaller) -> None:
    confirm = admin.get(f"{_user_page('grace')}/revoke").get_data(as_text=True)
    assert "Revoke Grace Hopper" in confirm
    assert grace.get("/api/me").status_code == 200  # asking changes nothing
    done = admin.client.post(f"{_user_page('grace')}/revoke", data=_form(admin))
    assert done.status_code == 302
    assert grace.get("/api/me").status_code == 401
    page = admin.get(_user_page("grace")).get_data(as_text=True)
    assert "Ended 1 sign-in(s)" in page


def test_an_admin_who_revokes_themself_is_signed_out(admin: ApiCaller) -> None:
    done = admin.client.post(f"{_user_page('ada')}/revoke", data=_form(admin))
    assert done.headers["Location"] == "/login"
    assert admin.get("/api/me").status_code == 401


def test_forms_without_the_csrf_token_are_refused(admin: ApiCaller, grace: ApiCaller) -> None:
    response = admin.client.post(
        f"{_user_page('grace')}/policy", data={"session_seconds": "5", "action": "save"}
    )
    assert response.status_code == 400
    assert admin.get(policy_url("grace")).json["overrides"] == {}


def test_defaults_page_saves_and_shows_errors(admin: ApiCaller) -> None:
    bad = admin.client.post("/admin/defaults", data=_form(admin, file_upload__max_file_size="513"))
    assert bad.status_code == 400
    assert _error_for(bad.get_data(as_text=True), "f-file_upload-max_file_size") == (
        "must be at most 512"
    )
    good = admin.client.post("/admin/defaults", data=_form(admin, file_upload__max_file_size="64"))
    assert good.status_code == 302
    assert admin.get("/admin/api/defaults").json["defaults"] == {
        "file_upload": {"max_file_size": 64}
    }


def test_user_page_shows_sources_cached_session_and_mints(
    app: Flask, admin: ApiCaller, grace: ApiCaller
) -> None:
    admin.put("/admin/api/defaults", {"max_requests_per_1_minute": 20})
    admin.put(policy_url("grace"), {"session_seconds": 300})
    grace.new_secret()
    html = admin.get(_user_page("grace")).get_data(as_text=True)
    assert re.search(r'data-path="session_seconds">300<', html)
    assert re.search(r'data-path="max_requests_per_1_minute">20<', html)
    assert "source--override" in html
    assert "source--default" in html
    assert "Cached session <code>cksess_" in html
    assert html.count("<code>cksess_") == 2  # the cached one and the recent-mints row
    assert "ek_" not in html  # never the secret itself


def test_audit_page_lists_changes(admin: ApiCaller, grace: ApiCaller) -> None:
    admin.put(policy_url("grace"), {"session_seconds": 300})
    admin.put(policy_url("grace"), {"session_seconds": 200})
    html = admin.get("/admin/audit").get_data(as_text=True)
    assert '<span class="before">300</span> → <span class="after">200</span>' in html
    assert '<span class="before">inherited</span> → <span class="after">300</span>' in html
    assert html.count("Grace Hopper</a>") == 2


def test_pages_need_no_inline_script_or_style(admin: ApiCaller, grace: ApiCaller) -> None:
    for path in ("/admin", "/admin/users", _user_page("grace"), "/admin/defaults", "/admin/audit"):
        html = admin.get(path).get_data(as_text=True)
        assert not INLINE_SCRIPT.search(html), path
        assert "style=" not in html, path
        assert "<style" not in html, path
        assert " onclick=" not in html, path


def test_an_unknown_user_page_is_a_404(app: Flask) -> None:
    admin = signed_in(app.test_client(), "ada")
    assert admin.get("/admin/users/u_nobody").status_code == 404
