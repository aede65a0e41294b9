"""Every policy bound, at its edge (accepted) and one past it (400 naming the field)."""

from __future__ import annotations

import json
from typing import Any

import pytest
import redis

from chatkit_bff import redis_keys
from tests.admin.conftest import policy_url
from tests.support.flows import ApiCaller

pytestmark = pytest.mark.all_topologies

INT_MAX = 2**31 - 1

# (document, the field the error names); each pair below is one edge.
AT_THE_EDGE: list[dict[str, Any]] = [
    {"session_seconds": 1},
    {"session_seconds": 600},
    {"max_requests_per_1_minute": 1},
    {"max_requests_per_1_minute": INT_MAX},
    {"mint_requests_per_minute": 1},
    {"mint_requests_per_minute": 100_000},
    {"file_upload": {"max_files": 1}},
    {"file_upload": {"max_files": INT_MAX}},
    {"file_upload": {"max_file_size": 1}},
    {"file_upload": {"max_file_size": 512}},
    {"file_upload": {"enabled": True}},
    {"history": {"enabled": False}},
    {"history": {"recent_threads": 1}},
    {"history": {"recent_threads": INT_MAX}},
    {"history": {"recent_threads": None}},
    {"automatic_thread_titling": False},
    {"state_variables": {"k" * 64: "v"}},
    {"state_variables": {"n": 1, "f": 1.5, "b": True, "s": ""}},
    {"state_variables": {f"v{i}": i for i in range(63)}},  # + `plan` from claims = 64
    {},
]

PAST_THE_EDGE: list[tuple[dict[str, Any], str, str]] = [
    ({"session_seconds": 0}, "session_seconds", "at least 1"),
    ({"session_seconds": 601}, "session_seconds", "at most 600"),
    ({"max_requests_per_1_minute": 0}, "max_requests_per_1_minute", "at least 1"),
    ({"max_requests_per_1_minute": INT_MAX + 1}, "max_requests_per_1_minute", "at most"),
    ({"mint_requests_per_minute": 0}, "mint_requests_per_minute", "at least 1"),
    ({"mint_requests_per_minute": 100_001}, "mint_requests_per_minute", "at most 100000"),
    ({"file_upload": {"max_files": 0}}, "file_upload.max_files", "at least 1"),
    ({"file_upload": {"max_files": INT_MAX + 1}}, "file_upload.max_files", "at most"),
    ({"file_upload": {"max_file_size": 0}}, "file_upload.max_file_size", "at least 1"),
    ({"file_upload": {"max_file_size": 513}}, "file_upload.max_file_size", "at most 512"),
    ({"file_upload": {"enabled": "yes"}}, "file_upload.enabled", "true or false"),
    ({"file_upload": {"enabled": 1}}, "file_upload.enabled", "true or false"),
    ({"file_upload": {"colour": 1}}, "file_upload.colour", "not a policy field"),
    ({"file_upload": True}, "file_upload", "object"),
    ({"history": {"enabled": None}}, "history.enabled", "true or false"),
    ({"history": {"recent_threads": 0}}, "history.recent_threads", "at least 1"),
    ({"history": {"recent_threads": INT_MAX + 1}}, "history.recent_threads", "at most"),
    ({"history": {"recent_threads": "5"}}, "history.recent_threads", "whole number"),
    ({"automatic_thread_titling": "true"}, "automatic_thread_titling", "true or false"),
    ({"session_seconds": 1.5}, "session_seconds", "whole number"),
    ({"session_seconds": "60"}, "session_seconds", "whole number"),
    ({"session_seconds": True}, "session_seconds", "whole number"),
    ({"session_seconds": None}, "session_seconds", "whole number"),
    ({"state_variables": {"k" * 65: "v"}}, "state_variables." + "k" * 65, "1 to 64 characters"),
    ({"state_variables": {"": "v"}}, "state_variables.", "1 to 64 characters"),
    ({"state_variables": {"plan": None}}, "state_variables.plan", "string, number"),
    ({"state_variables": {"plan": {"a": 1}}}, "state_variables.plan", "string, number"),
    ({"state_variables": {"plan": ["a"]}}, "state_variables.plan", "string, number"),
    ({"state_variables": {"f": float("inf")}}, "state_variables.f", "finite"),
    ({"state_variables": ["plan"]}, "state_variables", "object"),
    ({"state_variables": {f"v{i}": i for i in range(65)}}, "state_variables", "at most 64"),
    ({"state_variables": {f"v{i}": i for i in range(64)}}, "state_variables", "sign-in claims"),
    ({"colour": "blue"}, "colour", "not a policy field"),
]

TARGETS = {"user overrides": policy_url("grace"), "global defaults": "/admin/api/defaults"}


def _put(admin: ApiCaller, url: str, document: Any) -> Any:
    # json.dumps writes inf as `Infinity`: not JSON, but Python's parser (the server's) takes it.
    return admin.client.put(
        url,
        data=json.dumps(document),
        content_type="application/json",
        headers={"X-CSRFToken": admin.token},
    )


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("document", AT_THE_EDGE, ids=lambda d: str(d)[:60])
def test_values_at_the_edge_are_accepted(
    admin: ApiCaller, grace: ApiCaller, target: str, document: dict[str, Any]
) -> None:
    response = _put(admin, TARGETS[target], document)
    assert response.status_code == 200, response.json
    stored = response.json["overrides" if target == "user overrides" else "defaults"]
    assert stored == document


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize(("document", "field", "message"), PAST_THE_EDGE, ids=lambda v: str(v)[:60])
def test_values_past_the_edge_are_refused_with_a_field_message(
    admin: ApiCaller,
    grace: ApiCaller,
    redis_client: redis.Redis,
    target: str,
    document: dict[str, Any],
    field: str,
    message: str,
) -> None:
    response = _put(admin, TARGETS[target], document)
    assert response.status_code == 400
    error = response.json["error"]
    assert error["message"]
    assert message in error["fields"][field]
    assert redis_client.xlen(redis_keys.AUDIT_STREAM) == 0  # nothing changed, nothing audited
    assert admin.get(policy_url("grace")).json["overrides"] == {}
    assert admin.get("/admin/api/defaults").json["defaults"] == {}


@pytest.mark.parametrize("body", ["[1, 2]", '"text"', "null", "{not json"])
def test_a_body_that_is_not_an_object_is_refused(
    admin: ApiCaller, grace: ApiCaller, body: str
) -> None:
    for url in TARGETS.values():
        response = admin.client.put(
            url, data=body, content_type="application/json", headers={"X-CSRFToken": admin.token}
        )
        assert response.status_code == 400
        assert response.json["error"]["message"]


def test_overrides_and_defaults_together_stay_within_64_state_variables(
    admin: ApiCaller, grace: ApiCaller
) -> None:
    defaults = {f"d{i}": i for i in range(32)}
    assert admin.put("/admin/api/defaults", {"state_variables": defaults}).status_code == 200
    # 32 defaults + 31 own + `plan` from sign-in claims = 64: accepted.
    own = {f"o{i}": i for i in range(31)}
    assert admin.put(policy_url("grace"), {"state_variables": own}).status_code == 200
    # Reusing a default's name adds nothing.
    reused = {**own, "d0": "x"}
    assert admin.put(policy_url("grace"), {"state_variables": reused}).status_code == 200
    # One more new name is 65.
    refused = admin.put(policy_url("grace"), {"state_variables": {**own, "o31": 1}})
    assert refused.status_code == 400
    assert "65 state variables" in refused.json["error"]["fields"]["state_variables"]
    # The defaults cannot grow past what a user with their own variables can carry either.
    grown = admin.put("/admin/api/defaults", {"state_variables": {**defaults, "d32": 1}})
    assert grown.status_code == 400
    assert "1 user(s)" in grown.json["error"]["fields"]["state_variables"]
    assert admin.get(policy_url("grace")).json["effective"]["state_variables"] == {
        **defaults,
        **reused,
    }
