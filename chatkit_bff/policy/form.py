"""The policy edit form: text fields to a partial policy and back; blank means inherit."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from chatkit_bff.errors import BffError, InvalidRequest
from chatkit_bff.json_input import parse_json
from chatkit_bff.policy.model import (
    MAX_RETENTION_DAYS,
    MAX_STATE_VARIABLES,
    flatten,
    validate_overrides,
)

FieldKind = Literal["int", "toggle", "int_or_unlimited", "json_object"]
UNLIMITED = "unlimited"


@dataclass(frozen=True)
class FormField:
    path: str  # dotted policy path, also the form field's name
    label: str
    kind: FieldKind
    hint: str


FIELDS: tuple[FormField, ...] = (
    FormField(
        "session_seconds", "Session lifetime (seconds)", "int", "1 to 600: how long a secret lives"
    ),
    FormField(
        "max_requests_per_1_minute",
        "Chat requests per minute",
        "int",
        "At least 1: the upstream rate limit of each session",
    ),
    FormField(
        "mint_requests_per_minute",
        "New sessions per minute",
        "int",
        "1 to 100000: this server's limit on session requests per user",
    ),
    FormField(
        "history_requests_per_minute",
        "History reads per minute",
        "int",
        "1 to 100000: conversation lists and transcripts per user; a long transcript page "
        "counts once per 100 items",
    ),
    FormField(
        "exports_per_hour",
        "Exports per hour",
        "int",
        "1 to 100000: conversation downloads per user",
    ),
    FormField("file_upload.enabled", "File uploads", "toggle", "Allow attachments"),
    FormField("file_upload.max_files", "Files per message", "int", "At least 1"),
    FormField("file_upload.max_file_size", "Largest file (MB)", "int", "1 to 512"),
    FormField("history.enabled", "Conversation history", "toggle", "Show past threads"),
    FormField(
        "history.recent_threads",
        "Recent threads shown",
        "int_or_unlimited",
        f"At least 1, or “{UNLIMITED}”",
    ),
    FormField(
        "automatic_thread_titling", "Automatic thread titles", "toggle", "Name threads for users"
    ),
    FormField(
        "retention_days",
        "Keep conversations (days)",
        "int_or_unlimited",
        f"1 to {MAX_RETENTION_DAYS}, or “{UNLIMITED}”: older ones are deleted by the retention job",
    ),
    FormField(
        "state_variables",
        "Workflow state variables",
        "json_object",
        f'A JSON object, e.g. {{"plan": "pro"}}: at most {MAX_STATE_VARIABLES} names '
        "of up to 64 letters, digits, _ . or -; values are strings of up to 512 characters, "
        "numbers or true/false",
    ),
)


def _parse(field: FormField, raw: str) -> tuple[Any, str | None]:
    """The value for one non-blank field, or an error message."""
    if field.kind == "toggle":
        if raw in ("true", "false"):
            return raw == "true", None
        return None, "choose on, off or inherit"
    if field.kind == "json_object":
        try:
            value = parse_json(raw, what="The value")
        except BffError as exc:
            return None, exc.message
        if not isinstance(value, dict):
            return None, 'must be a JSON object, e.g. {"plan": "pro"}'
        return value, None
    if field.kind == "int_or_unlimited" and raw.casefold() == UNLIMITED:
        return None, None
    try:
        return int(raw, 10), None
    except ValueError:
        extra = f" or “{UNLIMITED}”" if field.kind == "int_or_unlimited" else ""
        return None, f"must be a whole number{extra}"


def parse_policy_form(form: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """A partial policy from the submitted fields, and the fields that could not be read.

    When some cannot be read, the bounds problems of the others are reported with them (the
    policy is validated once: here when nothing will be saved, else where it is saved).
    """
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field in FIELDS:
        raw = (form.get(field.path) or "").strip()
        if not raw:
            continue
        value, problem = _parse(field, raw)
        if problem:
            errors[field.path] = problem
            continue
        head, _, tail = field.path.partition(".")
        if tail:
            values.setdefault(head, {})[tail] = value
        else:
            values[head] = value
    if errors:
        try:
            validate_overrides(values)
        except InvalidRequest as exc:
            errors = {**exc.fields, **errors}
    return values, errors


def form_values(layer: Mapping[str, Any]) -> dict[str, str]:
    """What the form shows for a stored layer: text per field, blank where it inherits."""
    flat = flatten({k: v for k, v in layer.items() if k != "state_variables"})
    shown: dict[str, str] = {}
    for field in FIELDS:
        if field.kind == "json_object":
            if field.path in layer:
                shown[field.path] = json.dumps(layer[field.path], indent=2, ensure_ascii=False)
            continue
        if field.path not in flat:
            continue
        value = flat[field.path]
        if isinstance(value, bool):
            shown[field.path] = "true" if value else "false"
        elif value is None:
            shown[field.path] = UNLIMITED
        else:
            shown[field.path] = str(value)
    return shown


def describe(value: Any) -> str:
    """A policy value as people read it."""
    if isinstance(value, bool):
        return "on" if value else "off"
    if value is None:
        return UNLIMITED
    if isinstance(value, Mapping):
        return json.dumps(value, ensure_ascii=False) if value else "none"
    return str(value)


def errors_for(errors: Mapping[str, str], path: str) -> list[str]:
    """Messages for one form field, including its nested paths (`state_variables.<name>`)."""
    found = [errors[path]] if path in errors else []
    found += [
        f"{name.removeprefix(path + '.')}: {message}"
        for name, message in sorted(errors.items())
        if name.startswith(path + ".")
    ]
    return found


def unplaced_errors(errors: Mapping[str, str]) -> dict[str, str]:
    """Errors no form field shows (unknown fields sent by hand)."""
    paths = {f.path for f in FIELDS}
    return {
        name: message
        for name, message in errors.items()
        if name not in paths and not name.startswith("state_variables.")
    }
