"""Per-user policy: built-in < admin defaults < the app's defaults < per-user overrides."""

from __future__ import annotations

import copy
import hashlib
import json
import math
import re
import unicodedata
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, Literal, NewType

from chatkit_bff.errors import InvalidRequest

StateValue = str | int | float | bool
#: A partial policy (admin defaults or a user's overrides) that passed `validate_overrides`.
PartialPolicy = NewType("PartialPolicy", dict[str, Any])
PolicySource = Literal["built-in", "default", "app", "override"]

BUILT_IN: dict[str, Any] = {
    "max_requests_per_1_minute": 10,
    "session_seconds": 600,
    "file_upload": {"enabled": False, "max_files": 10, "max_file_size": 512},
    "history": {"enabled": True, "recent_threads": None},
    "automatic_thread_titling": True,
    "state_variables": {},
    "mint_requests_per_minute": 30,
    "retention_days": None,
    "history_requests_per_minute": 120,
    "exports_per_hour": 30,
}

MAX_STATE_VARIABLES = 64
MAX_STATE_KEY_LENGTH = 64
# What the upstream can take for a state variable: names of these characters, strings of at most
# this many characters without control characters, numbers a JSON reader holds exactly.
STATE_NAME_PATTERN = re.compile(r"[A-Za-z0-9_.-]{1,64}")
MAX_STATE_STRING_LENGTH = 512
MAX_STATE_NUMBER = 2**53
_INT_CEILING = 2**31 - 1
MAX_RETENTION_DAYS = 3650
_NESTED = ("file_upload", "history", "state_variables")


@dataclass(frozen=True)
class IntRule:
    minimum: int
    maximum: int = _INT_CEILING
    nullable: bool = False


_RULES: dict[str, IntRule | type[bool]] = {
    "max_requests_per_1_minute": IntRule(1),
    "session_seconds": IntRule(1, 600),
    "file_upload.enabled": bool,
    "file_upload.max_files": IntRule(1),
    "file_upload.max_file_size": IntRule(1, 512),
    "history.enabled": bool,
    "history.recent_threads": IntRule(1, nullable=True),
    "automatic_thread_titling": bool,
    "mint_requests_per_minute": IntRule(1, 100_000),
    "retention_days": IntRule(1, MAX_RETENTION_DAYS, nullable=True),
    "history_requests_per_minute": IntRule(1, 100_000),
    "exports_per_hour": IntRule(1, 100_000),
}


@dataclass(frozen=True)
class FileUpload:
    enabled: bool
    max_files: int
    max_file_size: int


@dataclass(frozen=True)
class History:
    enabled: bool
    recent_threads: int | None


@dataclass(frozen=True)
class Policy:
    """The effective policy of one user."""

    max_requests_per_1_minute: int
    session_seconds: int
    file_upload: FileUpload
    history: History
    automatic_thread_titling: bool
    state_variables: Mapping[str, StateValue]
    mint_requests_per_minute: int
    # Conversations older than this many days are deleted by `retention run`; None keeps them.
    retention_days: int | None = None
    # This app's own per-user limits on heavy reads (history pages and API, exports).
    history_requests_per_minute: int = BUILT_IN["history_requests_per_minute"]
    exports_per_hour: int = BUILT_IN["exports_per_hour"]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Policy:
        return cls(
            max_requests_per_1_minute=data["max_requests_per_1_minute"],
            session_seconds=data["session_seconds"],
            file_upload=FileUpload(**data["file_upload"]),
            history=History(**data["history"]),
            automatic_thread_titling=data["automatic_thread_titling"],
            state_variables=dict(data["state_variables"]),
            mint_requests_per_minute=data["mint_requests_per_minute"],
            retention_days=data["retention_days"],
            history_requests_per_minute=data["history_requests_per_minute"],
            exports_per_hour=data["exports_per_hour"],
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "max_requests_per_1_minute": self.max_requests_per_1_minute,
            "session_seconds": self.session_seconds,
            "file_upload": {
                "enabled": self.file_upload.enabled,
                "max_files": self.file_upload.max_files,
                "max_file_size": self.file_upload.max_file_size,
            },
            "history": {
                "enabled": self.history.enabled,
                "recent_threads": self.history.recent_threads,
            },
            "automatic_thread_titling": self.automatic_thread_titling,
            "state_variables": dict(self.state_variables),
            "mint_requests_per_minute": self.mint_requests_per_minute,
            "retention_days": self.retention_days,
            "history_requests_per_minute": self.history_requests_per_minute,
            "exports_per_hour": self.exports_per_hour,
        }


def _check_value(path: str, value: Any, errors: dict[str, str]) -> None:
    rule = _RULES[path]
    if rule is bool:
        if not isinstance(value, bool):
            errors[path] = "must be true or false"
        return
    assert isinstance(rule, IntRule)
    if value is None and rule.nullable:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        errors[path] = "must be a whole number" + (" or null" if rule.nullable else "")
    elif value < rule.minimum:
        errors[path] = f"must be at least {rule.minimum}"
    elif value > rule.maximum:
        errors[path] = f"must be at most {rule.maximum}"


def has_control_characters(text: str) -> bool:
    return any(unicodedata.category(char) in ("Cc", "Cs") for char in text)


def _state_value_problem(item: Any) -> str | None:
    if isinstance(item, bool):
        return None
    if isinstance(item, str):
        if len(item) > MAX_STATE_STRING_LENGTH:
            return f"must be at most {MAX_STATE_STRING_LENGTH} characters"
        if has_control_characters(item):
            return "must not hold control characters (line breaks, tabs, NUL)"
        return None
    if isinstance(item, float) and not math.isfinite(item):
        return "must be a finite number"
    if isinstance(item, int | float):
        if abs(item) > MAX_STATE_NUMBER:
            return f"must be between -2^53 and 2^53 ({MAX_STATE_NUMBER})"
        return None
    return "must be a string, number or true/false"


def _field_name(key: str) -> str:
    """A name safe to echo back as an error field: printable, short."""
    shown = "".join(char if char.isprintable() else "?" for char in key[:80])
    return shown.encode("utf-8", "replace").decode("utf-8")


def check_state_variables(
    value: Any, errors: dict[str, str], path: str = "state_variables"
) -> None:
    """Upstream bounds: at most 64 names of `[A-Za-z0-9_.-]{1,64}`; values strings (at most 512
    characters, no control characters), finite numbers within ±2^53, or true/false."""
    if not isinstance(value, dict):
        errors[path] = "must be an object of names to values"
        return
    if len(value) > MAX_STATE_VARIABLES:
        errors[path] = f"must have at most {MAX_STATE_VARIABLES} variables"
    for key, item in value.items():
        if not STATE_NAME_PATTERN.fullmatch(key):
            errors[f"{path}.{_field_name(key)}"] = (
                f"names must be 1 to {MAX_STATE_KEY_LENGTH} characters: "
                "letters A-Z, digits, _ . or -"
            )
            continue
        problem = _state_value_problem(item)
        if problem:
            errors[f"{path}.{key}"] = problem


def _whole_numbers(document: dict[str, Any]) -> dict[str, Any]:
    """JSON has one number type: 30.0 is the whole number 30 (as JSON Schema's integer says)."""

    def whole(path: str, value: Any) -> Any:
        rule = _RULES.get(path)
        if isinstance(rule, IntRule) and isinstance(value, float) and value.is_integer():
            return int(value)
        return value

    normalized: dict[str, Any] = {}
    for key, value in document.items():
        if key in ("file_upload", "history") and isinstance(value, dict):
            normalized[key] = {k: whole(f"{key}.{k}", v) for k, v in value.items()}
        else:
            normalized[key] = whole(key, value)
    return normalized


def validate_overrides(document: Any) -> PartialPolicy:
    """Check a partial policy (admin defaults or a user's overrides); per-field messages."""
    if not isinstance(document, dict):
        raise InvalidRequest("The policy must be a JSON object.")
    document = _whole_numbers(document)
    errors: dict[str, str] = {}
    for key, value in document.items():
        if key == "state_variables":
            check_state_variables(value, errors)
        elif key in ("file_upload", "history"):
            if not isinstance(value, dict):
                errors[key] = "must be an object"
                continue
            for sub_key, sub_value in value.items():
                path = f"{key}.{sub_key}"
                if path in _RULES:
                    _check_value(path, sub_value, errors)
                else:
                    errors[path] = "is not a policy field"
        elif key in _RULES:
            _check_value(key, document[key], errors)
        else:
            errors[str(key)[:80]] = "is not a policy field"
    if errors:
        raise InvalidRequest("Some policy values are out of bounds.", fields=errors)
    return PartialPolicy(copy.deepcopy(document))


def merged_state_variable_count(*layers: Mapping[str, Any], reserved: Collection[str] = ()) -> int:
    """How many state variables a session would carry: the layers' names plus reserved names."""
    names = set(reserved)
    for layer in layers:
        variables = layer.get("state_variables")
        if isinstance(variables, Mapping):
            names.update(variables)
    return len(names)


def check_merged_state_variables(
    defaults: Mapping[str, Any],
    overrides: Mapping[str, Any],
    reserved: Collection[str] = (),
) -> str | None:
    """A field message when defaults + overrides (+ claim-mapped names) exceed the upstream cap."""
    count = merged_state_variable_count(defaults, overrides, reserved=reserved)
    if count <= MAX_STATE_VARIABLES:
        return None
    claims = f" and {len(reserved)} from sign-in claims" if reserved else ""
    return (
        f"would give {count} state variables together with the global defaults{claims}; "
        f"at most {MAX_STATE_VARIABLES}"
    )


def merge_layers(*layers: Mapping[str, Any]) -> dict[str, Any]:
    """Later layers win; nested objects merge key by key."""
    # Every policy value is a scalar or a flat object of scalars, so one level of copying is a
    # full copy (this runs on every session request; deepcopy was a measurable share of it).
    merged = {k: dict(v) if isinstance(v, dict) else v for k, v in BUILT_IN.items()}
    for layer in layers:
        for key, value in layer.items():
            if key in _NESTED and isinstance(value, Mapping):
                merged[key] = {**merged[key], **value}
            else:
                merged[key] = copy.deepcopy(value)
    return merged


def effective_policy(
    defaults: Mapping[str, Any],
    overrides: Mapping[str, Any],
    app_defaults: Mapping[str, Any] | None = None,
) -> Policy:
    return Policy.from_dict(merge_layers(defaults, app_defaults or {}, overrides))


def value_sources(
    defaults: Mapping[str, Any],
    overrides: Mapping[str, Any],
    app_defaults: Mapping[str, Any] | None = None,
) -> dict[str, PolicySource]:
    """Where each effective value comes from, by dotted path."""
    sources: dict[str, PolicySource] = {}
    app_layer = app_defaults or {}
    merged = merge_layers(defaults, app_layer, overrides)
    for key, value in merged.items():
        paths = [f"{key}.{sub}" for sub in value] if key in _NESTED else [key]
        for path in paths:
            head, _, tail = path.partition(".")
            layers: list[tuple[PolicySource, Mapping[str, Any]]] = [
                ("override", overrides),
                ("app", app_layer),
                ("default", defaults),
            ]
            sources[path] = "built-in"
            for name, layer in layers:
                scope = layer.get(head) if tail else layer
                if isinstance(scope, Mapping) and (tail or head) in scope:
                    sources[path] = name
                    break
    return sources


def fingerprint(document: Mapping[str, Any]) -> str:
    """Short, stable digest of a JSON-able document (key order does not matter)."""
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


def client_options(policy: Policy) -> dict[str, Any]:
    """The web component's options that must agree with the session's chatkit_configuration."""
    return {
        "history": {"enabled": policy.history.enabled},
        "composer": {
            "attachments": {
                "enabled": policy.file_upload.enabled,
                "maxCount": policy.file_upload.max_files,
                "maxSize": policy.file_upload.max_file_size * 1024 * 1024,
            }
        },
    }


def flatten(document: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """{"history": {"enabled": true}} -> {"history.enabled": true}."""
    flat: dict[str, Any] = {}
    for key, value in document.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, path + "."))
        else:
            flat[path] = value
    return flat
