"""Typed reading of decoded JSON, raising the hosted API's 400 errors with dotted ``param``."""

from __future__ import annotations

from collections.abc import Mapping

from .errors import ApiError, invalid_request


def join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def as_object(value: object, path: str) -> dict[str, object]:
    if not isinstance(value, dict):
        raise invalid_type(value, path or None, "an object")
    return value


def reject_unknown(fields: Mapping[str, object], path: str, known: tuple[str, ...]) -> None:
    for key in fields:
        if key not in known:
            name = join(path, key)
            raise invalid_request(
                f"Unknown parameter: '{name}'.", param=name, code="unknown_parameter"
            )


def required(fields: Mapping[str, object], key: str, path: str) -> object:
    if key not in fields:
        name = join(path, key)
        raise invalid_request(
            f"Missing required parameter: '{name}'.",
            param=name,
            code="missing_required_parameter",
        )
    return fields[key]


def as_string(
    value: object, path: str, *, min_length: int = 0, max_length: int | None = None
) -> str:
    if not isinstance(value, str):
        raise invalid_type(value, path, "a string")
    if len(value) < min_length:
        raise invalid_request(
            f"Invalid '{path}': string too short. Expected a string with minimum length "
            f"{min_length}, but got a string with length {len(value)} instead.",
            param=path,
            code="string_below_min_length",
        )
    if max_length is not None and len(value) > max_length:
        raise invalid_request(
            f"Invalid '{path}': string too long. Expected a string with maximum length "
            f"{max_length}, but got a string with length {len(value)} instead.",
            param=path,
            code="string_above_max_length",
        )
    return value


def boolean_or(fields: Mapping[str, object], key: str, path: str, default: bool) -> bool:
    if key not in fields:
        return default
    value = fields[key]
    if not isinstance(value, bool):
        raise invalid_type(value, join(path, key), "a boolean")
    return value


def integer_or(
    fields: Mapping[str, object],
    key: str,
    path: str,
    default: int,
    minimum: int | None = None,
    maximum: int | None = None,
) -> int:
    if key not in fields:
        return default
    return as_integer(fields[key], join(path, key), minimum=minimum, maximum=maximum)


def as_integer(
    value: object, path: str, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    # bool is an int subclass in Python but not an integer in JSON
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid_type(value, path, "an integer")
    if minimum is not None and value < minimum:
        raise invalid_request(
            f"Invalid '{path}': integer below minimum value. Expected a value >= {minimum}, "
            f"but got {value} instead.",
            param=path,
            code="integer_below_min_value",
        )
    if maximum is not None and value > maximum:
        raise invalid_request(
            f"Invalid '{path}': integer above maximum value. Expected a value <= {maximum}, "
            f"but got {value} instead.",
            param=path,
            code="integer_above_max_value",
        )
    return value


def invalid_value(value: str, path: str, supported: tuple[str, ...]) -> ApiError:
    choices = ", ".join(f"'{choice}'" for choice in supported)
    return invalid_request(
        f"Invalid value for '{path}': '{value}'. Supported values are: {choices}.",
        param=path,
        code="invalid_value",
    )


def invalid_type(value: object, path: str | None, expected: str) -> ApiError:
    where = f"'{path}'" if path else "the request body"
    return invalid_request(
        f"Invalid type for {where}: expected {expected}, but got {json_type(value)} instead.",
        param=path,
        code="invalid_type",
    )


def json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a decimal"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"
