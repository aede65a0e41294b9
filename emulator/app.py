"""The emulator's Flask application factory."""

from __future__ import annotations

import json
from pathlib import Path

from flask import Flask, Response, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import HTTPException

from .api_routes import api
from .config import EmulatorConfig
from .control_routes import control
from .errors import ApiError, error_type_for
from .gate import error_response, install_gate
from .state import EmulatorState


def create_app(config: EmulatorConfig | None = None) -> Flask:
    """A fresh emulator with its own state; ``config`` defaults to the environment's."""
    config = config if config is not None else EmulatorConfig.from_env()
    app = Flask(__name__)
    if isinstance(app.json, DefaultJSONProvider):
        app.json.sort_keys = False  # keep the field order of the upstream examples
    state = EmulatorState.create(config)
    state.install(app)
    install_gate(app)
    app.register_blueprint(api)
    app.register_blueprint(control)
    app.register_error_handler(ApiError, _api_error)
    app.register_error_handler(HTTPException, _http_error)
    if config.seed_file:
        load_seed_file(state, config.seed_file)
    return app


def load_seed_file(state: EmulatorState, path: str) -> None:
    """Add the threads of a JSON seed file (``{"threads": [...]}``); errors stop startup."""
    body = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(body, dict) or not isinstance(body.get("threads", []), list):
        raise ValueError(f"seed file {path} must hold an object with a 'threads' array")
    try:
        state.store.seed_threads(body.get("threads", []))
    except ApiError as error:
        raise ValueError(f"seed file {path}: {error.message} ({error.param})") from None


def _api_error(error: ApiError) -> Response:
    return error_response(error)


def _http_error(error: HTTPException) -> Response:
    status = error.code or 500
    if status == 404:
        message = f"Invalid URL ({request.method} {request.path})"
    elif status == 405:
        message = f"Method {request.method} is not allowed on {request.path}"
    else:
        message = error.description or error.name
    return error_response(ApiError(status, message, error_type=error_type_for(status)))
