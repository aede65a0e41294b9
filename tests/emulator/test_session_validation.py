"""Every documented bound of the create-session body, at and just past its edge."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from .conftest import Emulator

VALID: dict[str, Any] = {"user": "u", "workflow": {"id": "wf_1"}}


def with_field(path: str, value: Any) -> dict[str, Any]:
    """A valid body with ``value`` set at dotted ``path``."""
    body = copy.deepcopy(VALID)
    *parents, leaf = path.split(".")
    target = body
    for name in parents:
        target = target.setdefault(name, {})
    target[leaf] = value
    return body


def without_field(path: str) -> dict[str, Any]:
    body = copy.deepcopy(VALID)
    *parents, leaf = path.split(".")
    target = body
    for name in parents:
        target = target[name]
    del target[leaf]
    return body


def post(emulator: Emulator, body: Any) -> Any:
    return emulator.api("POST", "/chatkit/sessions", json=body)


def assert_rejected(emulator: Emulator, body: Any, param: str, code: str) -> None:
    response = post(emulator, body)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert (error["param"], error["code"]) == (param, code), error
    assert param in error["message"]


def assert_accepted(emulator: Emulator, body: Any) -> dict[str, Any]:
    response = post(emulator, body)
    assert response.status_code == 200, response.text
    session: dict[str, Any] = response.json()
    return session


INTEGER_BOUNDS = [
    # path, lowest valid, highest valid or None
    ("chatkit_configuration.file_upload.max_file_size", 1, 512),
    ("chatkit_configuration.file_upload.max_files", 1, None),
    ("chatkit_configuration.history.recent_threads", 1, None),
    ("expires_after.seconds", 1, 600),
    ("rate_limits.max_requests_per_1_minute", 1, None),
]


def body_for(path: str, value: Any) -> dict[str, Any]:
    if path.startswith("expires_after."):
        return with_field("expires_after", {"anchor": "created_at", "seconds": value})
    return with_field(path, value)


@pytest.mark.parametrize(("path", "lowest", "highest"), INTEGER_BOUNDS)
def test_integer_bounds(emulator: Emulator, path: str, lowest: int, highest: int | None) -> None:
    assert_accepted(emulator, body_for(path, lowest))
    assert_rejected(emulator, body_for(path, lowest - 1), path, "integer_below_min_value")
    if highest is None:
        assert_accepted(emulator, body_for(path, 10_000))
    else:
        assert_accepted(emulator, body_for(path, highest))
        assert_rejected(emulator, body_for(path, highest + 1), path, "integer_above_max_value")


@pytest.mark.parametrize(("path", "_lowest", "_highest"), INTEGER_BOUNDS)
@pytest.mark.parametrize("wrong", ["5", 5.5, True, [5], {"n": 5}])
def test_integers_must_be_integers(
    emulator: Emulator, path: str, _lowest: int, _highest: int | None, wrong: Any
) -> None:
    assert_rejected(emulator, body_for(path, wrong), path, "invalid_type")


def test_recent_threads_may_be_null(emulator: Emulator) -> None:
    session = assert_accepted(
        emulator, with_field("chatkit_configuration.history.recent_threads", None)
    )
    assert session["chatkit_configuration"]["history"]["recent_threads"] is None


@pytest.mark.parametrize(
    "path",
    [
        "workflow.tracing.enabled",
        "chatkit_configuration.automatic_thread_titling.enabled",
        "chatkit_configuration.file_upload.enabled",
        "chatkit_configuration.history.enabled",
    ],
)
@pytest.mark.parametrize("wrong", [1, 0, "true", None])
def test_booleans_must_be_booleans(emulator: Emulator, path: str, wrong: Any) -> None:
    assert_accepted(emulator, with_field(path, True))
    assert_accepted(emulator, with_field(path, False))
    assert_rejected(emulator, with_field(path, wrong), path, "invalid_type")


def test_user_is_required_and_not_empty(emulator: Emulator) -> None:
    assert_rejected(emulator, without_field("user"), "user", "missing_required_parameter")
    assert_rejected(emulator, with_field("user", ""), "user", "string_below_min_length")
    assert_rejected(emulator, with_field("user", 42), "user", "invalid_type")
    assert_rejected(emulator, with_field("user", None), "user", "invalid_type")
    assert assert_accepted(emulator, with_field("user", "x"))["user"] == "x"


def test_workflow_and_its_id_are_required(emulator: Emulator) -> None:
    assert_rejected(emulator, without_field("workflow"), "workflow", "missing_required_parameter")
    assert_rejected(
        emulator, with_field("workflow", {}), "workflow.id", "missing_required_parameter"
    )
    assert_rejected(emulator, with_field("workflow", "wf_1"), "workflow", "invalid_type")
    assert_rejected(emulator, with_field("workflow.id", 7), "workflow.id", "invalid_type")
    assert_rejected(emulator, with_field("workflow.version", 7), "workflow.version", "invalid_type")


def test_state_variables_hold_at_most_64_keys(emulator: Emulator) -> None:
    at_edge = {f"k{n}": n for n in range(64)}
    session = assert_accepted(emulator, with_field("workflow.state_variables", at_edge))
    assert session["workflow"]["state_variables"] == at_edge
    past_edge = {f"k{n}": n for n in range(65)}
    assert_rejected(
        emulator,
        with_field("workflow.state_variables", past_edge),
        "workflow.state_variables",
        "object_above_max_properties",
    )


def test_state_variable_keys_are_at_most_64_characters(emulator: Emulator) -> None:
    assert_accepted(emulator, with_field("workflow.state_variables", {"k" * 64: "v"}))
    assert_rejected(
        emulator,
        with_field("workflow.state_variables", {"k" * 65: "v"}),
        "workflow.state_variables",
        "string_above_max_length",
    )


def test_state_variable_values_are_primitives(emulator: Emulator) -> None:
    primitives = {"s": "text", "i": 3, "f": 2.5, "b": True}
    session = assert_accepted(emulator, with_field("workflow.state_variables", primitives))
    assert session["workflow"]["state_variables"] == primitives
    for wrong in (None, [1], {"nested": 1}):
        assert_rejected(
            emulator,
            with_field("workflow.state_variables", {"plan": wrong}),
            "workflow.state_variables.plan",
            "invalid_type",
        )
    assert_rejected(
        emulator,
        with_field("workflow.state_variables", ["a"]),
        "workflow.state_variables",
        "invalid_type",
    )


def test_expires_after_needs_anchor_and_seconds(emulator: Emulator) -> None:
    assert_rejected(
        emulator,
        with_field("expires_after", {"seconds": 60}),
        "expires_after.anchor",
        "missing_required_parameter",
    )
    assert_rejected(
        emulator,
        with_field("expires_after", {"anchor": "created_at"}),
        "expires_after.seconds",
        "missing_required_parameter",
    )
    assert_rejected(
        emulator,
        with_field("expires_after", {"anchor": "now", "seconds": 60}),
        "expires_after.anchor",
        "invalid_value",
    )
    assert_rejected(emulator, with_field("expires_after", 60), "expires_after", "invalid_type")


@pytest.mark.parametrize(
    ("path", "param"),
    [
        ("surprise", "surprise"),
        ("expires_at", "expires_at"),
        ("workflow.name", "workflow.name"),
        ("workflow.tracing.level", "workflow.tracing.level"),
        ("chatkit_configuration.theme", "chatkit_configuration.theme"),
        (
            "chatkit_configuration.file_upload.max_total",
            "chatkit_configuration.file_upload.max_total",
        ),
        ("rate_limits.per_hour", "rate_limits.per_hour"),
    ],
)
def test_unknown_fields_are_rejected(emulator: Emulator, path: str, param: str) -> None:
    assert_rejected(emulator, with_field(path, 1), param, "unknown_parameter")


@pytest.mark.parametrize(
    "path",
    [
        "chatkit_configuration",
        "chatkit_configuration.automatic_thread_titling",
        "chatkit_configuration.file_upload",
        "chatkit_configuration.history",
        "workflow.tracing",
        "rate_limits",
    ],
)
def test_nested_objects_must_be_objects(emulator: Emulator, path: str) -> None:
    assert_rejected(emulator, with_field(path, True), path, "invalid_type")


def test_nothing_is_created_by_a_rejected_body(emulator: Emulator) -> None:
    post(emulator, with_field("rate_limits.max_requests_per_1_minute", 0))
    assert emulator.control("GET", "/sessions")["sessions"] == []
