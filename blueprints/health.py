"""Liveness and readiness probes."""

from __future__ import annotations

import redis
from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from ._context import services

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """The process is alive; says nothing about its dependencies."""
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz() -> ResponseReturnValue:
    """Ready to serve: configuration loaded and Redis answering."""
    try:
        services().redis.ping()
    except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError):
        return jsonify({"status": "unavailable", "redis": "unreachable"}), 503
    return jsonify({"status": "ready", "redis": "ok"})
