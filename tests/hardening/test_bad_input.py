"""Hostile or unlucky input gets a clear 4xx with a message, never a 500, and nothing is stored."""

from __future__ import annotations

import io
from typing import Any

import pytest
import redis
from flask.testing import FlaskClient

from chatkit_bff import redis_keys as keys
from tests.admin.conftest import policy_url, user_id
from tests.support.flows import ApiCaller

DEEP_ARRAY = b"[" * 30000 + b"]" * 30000
DEEP_OBJECT = b'{"a":' * 10000 + b"1" + b"}" * 10000
LONE_SURROGATE = b'{"state_variables": {"a": "\\ud800"}}'
INVALID_UTF8 = b'{"state_variables": {"a": "\xff\xfe"}}'


def _send_raw(caller: ApiCaller, method: str, path: str, body: bytes) -> Any:
    return caller.client.open(
        path,
        method=method,
        data=body,
        content_type="application/json",
        headers={"X-CSRFToken": caller.token},
    )


def _assert_clear_400(response: Any, *words: str) -> None:
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    message = response.get_json()["error"]["message"]
    for word in words:
        assert word in message


@pytest.mark.parametrize("body", [DEEP_ARRAY, DEEP_OBJECT], ids=["array", "object"])
def test_deeply_nested_json_is_a_400_on_the_session_endpoint(
    grace: ApiCaller, body: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    response = _send_raw(grace, "POST", "/api/chatkit/session", body)
    _assert_clear_400(response, "nested")
    assert "Traceback" not in caplog.text


@pytest.mark.parametrize("body", [DEEP_ARRAY, DEEP_OBJECT], ids=["array", "object"])
@pytest.mark.parametrize("method_path", [("PUT", "defaults"), ("PUT", "user")])
def test_deeply_nested_json_is_a_400_on_the_admin_api(
    admin: ApiCaller, grace: ApiCaller, body: bytes, method_path: tuple[str, str]
) -> None:
    method, target = method_path
    path = "/admin/api/defaults" if target == "defaults" else policy_url("grace")
    _assert_clear_400(_send_raw(admin, method, path, body), "nested")


def test_nested_state_variables_in_the_admin_form_is_a_400_page(
    admin: ApiCaller, grace: ApiCaller
) -> None:
    for path in (f"/admin/users/{user_id('grace')}/policy", "/admin/defaults"):
        response = admin.client.post(
            path,
            data={"state_variables": "[" * 5000 + "]" * 5000, "csrf_token": admin.token},
        )
        assert response.status_code == 400
        assert "nested more than 32 levels" in response.get_data(as_text=True)


def test_invalid_utf8_is_a_400(admin: ApiCaller, grace: ApiCaller) -> None:
    _assert_clear_400(_send_raw(admin, "PUT", policy_url("grace"), INVALID_UTF8), "UTF-8")
    _assert_clear_400(_send_raw(grace, "POST", "/api/chatkit/session", b'"\xc3('), "UTF-8")


def test_a_lone_surrogate_is_refused_and_admin_pages_keep_working(
    admin: ApiCaller, grace: ApiCaller, redis_client: redis.Redis
) -> None:
    for path in (policy_url("grace"), "/admin/api/defaults"):
        _assert_clear_400(_send_raw(admin, "PUT", path, LONE_SURROGATE), "surrogate")
    form = admin.client.post(
        f"/admin/users/{user_id('grace')}/policy",
        data={"state_variables": '{"a": "\\udfff"}', "csrf_token": admin.token},
    )
    assert form.status_code == 400
    assert redis_client.get(keys.policy_overrides(user_id("grace"))) is None
    for page in ("/admin", f"/admin/users/{user_id('grace')}", "/admin/audit"):
        assert admin.get(page).status_code == 200


def test_an_oversized_body_is_a_413_with_a_message(grace: ApiCaller) -> None:
    body = b'{"current_client_secret": "' + b"x" * 70_000 + b'"}'
    response = _send_raw(grace, "POST", "/api/chatkit/session", body)
    assert response.status_code == 413


def _send_chunked(caller: ApiCaller, path: str, body: bytes, content_type: str) -> Any:
    """A body sent without Content-Length, as `Transfer-Encoding: chunked` arrives in WSGI."""
    return caller.client.open(
        path,
        method="POST",
        input_stream=io.BytesIO(body),
        content_type=content_type,
        headers={"X-CSRFToken": caller.token, "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )


def test_a_chunked_body_is_read_and_an_oversized_one_is_a_413_not_bad_json(
    grace: ApiCaller,
) -> None:
    small = _send_chunked(grace, "/api/chatkit/session", b'{"current_client_secret": null}',
                          "application/json")  # fmt: skip
    assert small.status_code == 200
    big = b'{"current_client_secret": "' + b"x" * 70_000 + b'"}'
    response = _send_chunked(grace, "/api/chatkit/session", big, "application/json")
    assert response.status_code == 413
    assert response.get_json()["error"]["message"] == "The body is larger than 64 KiB."


def test_an_oversized_chunked_form_is_a_413_and_saves_none_of_it(
    admin: ApiCaller, grace: ApiCaller
) -> None:
    # The fields past the limit would be cut off, and what came before saved without them.
    form = f"csrf_token={admin.token}&state_variables=" + "%20" * 30_000 + "&session_seconds=300"
    path = f"/admin/users/{user_id('grace')}/policy"
    response = _send_chunked(admin, path, form.encode(), "application/x-www-form-urlencoded")
    assert response.status_code == 413
    assert response.mimetype == "text/html"
    policy = admin.get(policy_url("grace"))
    assert policy.status_code == 200
    assert policy.get_json()["effective"]["session_seconds"] != 300
    assert policy.get_json()["sources"]["session_seconds"] != "override"


BAD_AUDIT_CURSORS = [
    "0-0",
    "1-1\n",
    "99999999999999999999-99999999999999999999",
    "18446744073709551616-0",
    "1-18446744073709551616",
    "１-1",  # noqa: RUF001
    "-1-1",
    "1",
]


@pytest.mark.parametrize("cursor", BAD_AUDIT_CURSORS)
def test_bad_audit_cursors_are_a_400(admin: ApiCaller, cursor: str) -> None:
    api = admin.client.get("/admin/api/audit", query_string={"before": cursor})
    assert api.status_code == 400, api.get_data(as_text=True)[:200]
    assert api.get_json()["error"]["fields"] == {"before": "must be an audit entry id"}
    page = admin.client.get("/admin/audit", query_string={"before": cursor})
    assert page.status_code == 400


def test_the_largest_audit_cursor_is_accepted(admin: ApiCaller) -> None:
    top = "18446744073709551615-18446744073709551615"
    assert admin.client.get("/admin/api/audit", query_string={"before": top}).status_code == 200


@pytest.mark.parametrize("path", ["/admin/api/users", "/admin/api/audit"])
@pytest.mark.parametrize("limit", ["²", "١٠", "1\n", " 5", "+5", "0x10", "1e2"])  # noqa: RUF001
def test_a_limit_that_is_not_ascii_digits_is_a_400(admin: ApiCaller, path: str, limit: str) -> None:
    response = admin.client.get(path, query_string={"limit": limit})
    assert response.status_code == 400
    assert "limit" in response.get_json()["error"]["fields"]


POLICIES_THE_UPSTREAM_REFUSES: list[tuple[dict[str, Any], str]] = [
    ({"state_variables": {"plan": "x" * 60_000}}, "state_variables.plan"),
    ({"state_variables": {"plan": "x" * 513}}, "state_variables.plan"),
    ({"state_variables": {"score": 1e300}}, "state_variables.score"),
    ({"state_variables": {"score": 2**53 + 1}}, "state_variables.score"),
    ({"state_variables": {"score": -(2**53) - 1}}, "state_variables.score"),
    ({"state_variables": {"a\u0000b": "v"}}, "state_variables"),
    ({"state_variables": {"with space": "v"}}, "state_variables"),
    ({"state_variables": {"ünï": "v"}}, "state_variables"),
    ({"state_variables": {"plan": "line\nbreak"}}, "state_variables.plan"),
    ({"state_variables": {"plan": "nul\u0000"}}, "state_variables.plan"),
]


@pytest.mark.parametrize(("document", "field"), POLICIES_THE_UPSTREAM_REFUSES)
def test_values_the_upstream_would_refuse_are_a_400(
    admin: ApiCaller, grace: ApiCaller, document: dict[str, Any], field: str
) -> None:
    for path in (policy_url("grace"), "/admin/api/defaults"):
        response = admin.put(path, document)
        assert response.status_code == 400, response.get_data(as_text=True)[:300]
        fields = response.get_json()["error"]["fields"]
        assert any(name.startswith(field) for name in fields), fields


def test_values_at_the_upstream_edges_are_accepted(admin: ApiCaller, grace: ApiCaller) -> None:
    document = {
        "state_variables": {
            "A-z_0.9": "x" * 512,
            "big": 2**53,
            "small": -(2**53),
            "ratio": 0.5,
            "text": "tab\tis fine? no: only printable",
        }
    }
    document["state_variables"]["text"] = "émoji 🙂 and accents"
    response = admin.put(policy_url("grace"), document)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]


def test_signed_out_bad_json_is_still_a_401(client: FlaskClient) -> None:
    response = client.post("/api/chatkit/session", data=DEEP_ARRAY, content_type="application/json")
    assert response.status_code in (400, 401)


def test_claims_with_lone_surrogates_become_storable_text() -> None:
    from chatkit_bff.identity import identity_from_claims

    identity = identity_from_claims(
        {"iss": "https://op.example", "sub": "s\ud800", "name": "Ada \udfff", "groups": ["\ud800"]},
        admin_groups=(),
        admin_emails=(),
    )
    for text in (identity.name, identity.subject, *identity.groups, identity.user_id):
        text.encode("utf-8")  # would raise on a lone surrogate
    assert identity.name.startswith("Ada ")
