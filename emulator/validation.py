"""Validation of request bodies and queries with the bounds of the hosted API.

Every violation raises :class:`ApiError` (400 ``invalid_request_error``) whose ``param`` names
the offending field in dotted form, e.g. ``chatkit_configuration.file_upload.max_file_size``.
The first violation found wins, walking fields in the documented order.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from .errors import invalid_request, not_found
from .fields import (
    as_integer,
    as_object,
    as_string,
    boolean_or,
    integer_or,
    invalid_type,
    invalid_value,
    reject_unknown,
    required,
)
from .models import (
    ChatKitWorkflow,
    ChatSessionChatKitConfiguration,
    StateVariableValue,
)

DEFAULT_EXPIRES_AFTER_SECONDS = 600
MAX_EXPIRES_AFTER_SECONDS = 600
DEFAULT_MAX_REQUESTS_PER_1_MINUTE = 10
DEFAULT_MAX_FILE_SIZE_MB = 512
DEFAULT_MAX_FILES = 10
MAX_STATE_VARIABLES = 64
MAX_STATE_VARIABLE_KEY_LENGTH = 64
MAX_USER_FILTER_LENGTH = 512
DEFAULT_LIST_LIMIT = 20
MAX_LIST_LIMIT = 100


@dataclass(frozen=True)
class CreateSessionRequest:
    """A valid create-session body with every default resolved."""

    user: str
    workflow: ChatKitWorkflow
    chatkit_configuration: ChatSessionChatKitConfiguration
    expires_after_seconds: int
    max_requests_per_1_minute: int


@dataclass(frozen=True)
class ListQuery:
    limit: int
    order: Literal["asc", "desc"]
    after: str | None
    before: str | None
    user: str | None


def parse_json_body(raw: bytes) -> object:
    """The decoded JSON body; an empty body counts as ``{}``."""
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise invalid_request(
            "We could not parse the JSON body of your request. The API expects a JSON payload, "
            "but what was sent was not valid JSON.",
            param=None,
            code=None,
        ) from None


def validate_create_session(body: object) -> CreateSessionRequest:
    root = as_object(body, "")
    reject_unknown(
        root, "", ("user", "workflow", "chatkit_configuration", "expires_after", "rate_limits")
    )
    user = as_string(required(root, "user", ""), "user", min_length=1)
    workflow = _workflow(required(root, "workflow", ""))
    configuration = _chatkit_configuration(root.get("chatkit_configuration", {}))
    expires_after = (
        _expires_after(root["expires_after"])
        if "expires_after" in root
        else DEFAULT_EXPIRES_AFTER_SECONDS
    )
    max_requests = _rate_limits(root.get("rate_limits", {}))
    if not workflow["id"].startswith("wf_"):
        raise not_found(f"Workflow with id '{workflow['id']}' not found.")
    return CreateSessionRequest(user, workflow, configuration, expires_after, max_requests)


def validate_list_query(args: Mapping[str, str], *, accepts_user: bool) -> ListQuery:
    limit = DEFAULT_LIST_LIMIT
    if "limit" in args:
        limit = _query_integer(args["limit"], "limit", 0, MAX_LIST_LIMIT)
    order = args.get("order", "desc")
    if order not in ("asc", "desc"):
        raise invalid_value(order, "order", ("asc", "desc"))
    user = None
    if accepts_user and "user" in args:
        user = as_string(args["user"], "user", min_length=1, max_length=MAX_USER_FILTER_LENGTH)
    return ListQuery(
        limit=limit,
        order="asc" if order == "asc" else "desc",
        after=args.get("after") or None,
        before=args.get("before") or None,
        user=user,
    )


def _workflow(value: object) -> ChatKitWorkflow:
    fields = as_object(value, "workflow")
    reject_unknown(fields, "workflow", ("id", "version", "state_variables", "tracing"))
    workflow_id = as_string(required(fields, "id", "workflow"), "workflow.id")
    version = as_string(fields["version"], "workflow.version") if "version" in fields else None
    state_variables = (
        _state_variables(fields["state_variables"]) if "state_variables" in fields else None
    )
    tracing = as_object(fields.get("tracing", {}), "workflow.tracing")
    reject_unknown(tracing, "workflow.tracing", ("enabled",))
    return {
        "id": workflow_id,
        "version": version,
        "state_variables": state_variables or None,
        "tracing": {"enabled": boolean_or(tracing, "enabled", "workflow.tracing", True)},
    }


def _state_variables(value: object) -> dict[str, StateVariableValue]:
    path = "workflow.state_variables"
    variables = as_object(value, path)
    if len(variables) > MAX_STATE_VARIABLES:
        raise invalid_request(
            f"Invalid '{path}': too many properties. Expected an object with at most "
            f"{MAX_STATE_VARIABLES} properties, but got an object with {len(variables)} "
            "properties instead.",
            param=path,
            code="object_above_max_properties",
        )
    result: dict[str, StateVariableValue] = {}
    for key, item in variables.items():
        if len(key) > MAX_STATE_VARIABLE_KEY_LENGTH:
            raise invalid_request(
                f"Invalid '{path}': key too long. Expected keys with maximum length "
                f"{MAX_STATE_VARIABLE_KEY_LENGTH}, but got a key with length {len(key)} instead.",
                param=path,
                code="string_above_max_length",
            )
        if not isinstance(item, str | int | float | bool):
            raise invalid_type(item, f"{path}.{key}", "a string, number or boolean")
        result[key] = item
    return result


def _chatkit_configuration(value: object) -> ChatSessionChatKitConfiguration:
    path = "chatkit_configuration"
    fields = as_object(value, path)
    reject_unknown(fields, path, ("automatic_thread_titling", "file_upload", "history"))

    titling_path = f"{path}.automatic_thread_titling"
    titling = as_object(fields.get("automatic_thread_titling", {}), titling_path)
    reject_unknown(titling, titling_path, ("enabled",))

    upload_path = f"{path}.file_upload"
    upload = as_object(fields.get("file_upload", {}), upload_path)
    reject_unknown(upload, upload_path, ("enabled", "max_file_size", "max_files"))

    history_path = f"{path}.history"
    history = as_object(fields.get("history", {}), history_path)
    reject_unknown(history, history_path, ("enabled", "recent_threads"))
    recent_threads = history.get("recent_threads")
    return {
        "automatic_thread_titling": {
            "enabled": boolean_or(titling, "enabled", titling_path, True),
        },
        "file_upload": {
            "enabled": boolean_or(upload, "enabled", upload_path, False),
            "max_file_size": integer_or(
                upload, "max_file_size", upload_path, DEFAULT_MAX_FILE_SIZE_MB, 1, 512
            ),
            "max_files": integer_or(upload, "max_files", upload_path, DEFAULT_MAX_FILES, 1),
        },
        "history": {
            "enabled": boolean_or(history, "enabled", history_path, True),
            "recent_threads": None
            if recent_threads is None
            else as_integer(recent_threads, f"{history_path}.recent_threads", minimum=1),
        },
    }


def _expires_after(value: object) -> int:
    path = "expires_after"
    fields = as_object(value, path)
    reject_unknown(fields, path, ("anchor", "seconds"))
    anchor = as_string(required(fields, "anchor", path), f"{path}.anchor")
    if anchor != "created_at":
        raise invalid_value(anchor, f"{path}.anchor", ("created_at",))
    return as_integer(
        required(fields, "seconds", path),
        f"{path}.seconds",
        minimum=1,
        maximum=MAX_EXPIRES_AFTER_SECONDS,
    )


def _rate_limits(value: object) -> int:
    path = "rate_limits"
    fields = as_object(value, path)
    reject_unknown(fields, path, ("max_requests_per_1_minute",))
    return integer_or(
        fields, "max_requests_per_1_minute", path, DEFAULT_MAX_REQUESTS_PER_1_MINUTE, 1
    )


def _query_integer(raw: str, name: str, minimum: int, maximum: int) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise invalid_request(
            f"Invalid type for '{name}': expected an integer, but got '{raw}' instead.",
            param=name,
            code="invalid_type",
        ) from None
    return as_integer(value, name, minimum=minimum, maximum=maximum)
