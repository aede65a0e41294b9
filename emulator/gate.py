"""What happens to every emulated-API call around its route: faults, auth, beta header, log."""

from __future__ import annotations

import json
import time

from flask import Flask, Response, g, request

from .errors import ApiError
from .recording import redacted_headers
from .state import emulator_state

API_PREFIX = "/v1"
BETA_HEADER_VALUE = "chatkit_beta=v1"


def is_api_call() -> bool:
    return request.path == API_PREFIX or request.path.startswith(API_PREFIX + "/")


def install_gate(app: Flask) -> None:
    app.before_request(_before_api_call)
    app.after_request(_record_api_call)


def error_response(error: ApiError, retry_after: int | None = None) -> Response:
    response = Response(json.dumps(error.body()), status=error.status, mimetype="application/json")
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


def _before_api_call() -> Response | None:
    if not is_api_call():
        return None
    state = emulator_state()
    g.request_log_era = state.requests.era
    decision = state.faults.decide(request.method, request.path)
    if decision.delay_ms:
        time.sleep(decision.delay_ms / 1000)
    if decision.error is not None:
        return error_response(decision.error, decision.retry_after)
    _check_api_key(state.config.api_key)
    _check_beta_header()
    return None


def _check_api_key(expected: str) -> None:
    authorization = request.headers.get("Authorization", "")
    if not authorization:
        raise ApiError(
            401,
            "You didn't provide an API key. You need to provide your API key in an "
            "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
            code="invalid_api_key",
        )
    scheme, _, key = authorization.partition(" ")
    if scheme.lower() != "bearer" or key.strip() != expected:
        raise ApiError(
            401,
            f"Incorrect API key provided: {_masked(key.strip())}.",
            code="invalid_api_key",
        )


def _check_beta_header() -> None:
    if request.headers.get("OpenAI-Beta", "").strip() != BETA_HEADER_VALUE:
        raise ApiError(
            400,
            "You must provide the 'OpenAI-Beta' header with the value "
            f"'{BETA_HEADER_VALUE}' to access the ChatKit API.",
            code="invalid_beta",
        )


def _masked(key: str) -> str:
    return key[:3] + "*" * max(0, len(key) - 7) + key[-4:] if len(key) > 8 else "*" * len(key)


def _record_api_call(response: Response) -> Response:
    if is_api_call():
        emulator_state().requests.record(
            {
                "method": request.method,
                "path": request.path,
                "query": request.args.to_dict(),
                "json": _json_or_none(request.get_data()),
                "status": response.status_code,
                "headers": redacted_headers(request.headers.items()),
            },
            era=g.get("request_log_era"),
        )
    return response


def _json_or_none(raw: bytes) -> object:
    try:
        return json.loads(raw) if raw.strip() else None
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
