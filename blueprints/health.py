"""Liveness and readiness probes."""

from __future__ import annotations

import redis
from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from chatkit_bff.observability import metrics

from ._context import services

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """The process is alive; says nothing about its dependencies."""
    return jsonify({"status": "ok"})


def _redis_state() -> str:
    try:
        services().redis.ping()
    except redis.exceptions.AuthenticationError:
        return "authentication_failed"
    except redis.exceptions.TimeoutError:
        return "timeout"
    except redis.exceptions.ConnectionError:
        return "unreachable"
    except redis.exceptions.RedisError:
        return "error"
    return "ok"


@bp.get("/readyz")
def readyz() -> ResponseReturnValue:
    """Ready to serve: configuration loaded (or the app would not run) and Redis answering.

    The answer names each dependency's state and the ones that failed; never a URL or secret.
    """
    checks = {"settings": "ok", "redis": _redis_state()}
    failed = sorted(name for name, state in checks.items() if state != "ok")
    if failed:
        metrics.REDIS_ERRORS.inc()
        return jsonify({"status": "unavailable", "failed": failed, **checks}), 503
    return jsonify({"status": "ready", "failed": [], **checks})
