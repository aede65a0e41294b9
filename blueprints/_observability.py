"""Per-request observability glue: duration metrics, the access log line, the user's log hash."""

from __future__ import annotations

import logging
import time

from flask import Flask, Response, g, request

from chatkit_bff.observability import metrics
from chatkit_bff.observability.request_ids import (
    STARTED_KEY,
    bind_user,
    current_request_id,
)

from ._context import current_identity

access_log = logging.getLogger("chatkit_bff.access")

_LOGOUT_OUTCOMES = {200: "ended", 400: "rejected", 503: "unavailable"}


def _printable(text: str) -> str:
    """Control characters shown escaped, so one request is one log line."""
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)


def _bind_user() -> None:
    identity = current_identity()
    if identity is not None:
        bind_user(identity.user_id)


def _finish(response: Response) -> Response:
    started = request.environ.get(STARTED_KEY)
    seconds = time.perf_counter() - started if isinstance(started, float) else 0.0
    rule = request.url_rule.rule if request.url_rule is not None else "unmatched"
    status = response.status_code
    metrics.HTTP_REQUEST_DURATION.labels(rule, request.method, str(status)).observe(seconds)
    if request.endpoint == "auth.backchannel_logout":
        outcome = _LOGOUT_OUTCOMES.get(status, "error")
        metrics.BACKCHANNEL_LOGOUTS.labels(outcome=outcome).inc()
    elif request.endpoint == "auth.frontchannel_logout":
        outcome = _LOGOUT_OUTCOMES.get(status, "error")
        metrics.FRONTCHANNEL_LOGOUTS.labels(outcome=outcome).inc()
    identity = g.get("identity")
    if identity is not None:
        bind_user(identity.user_id)  # a sign-in during this request
    duration_ms = round(seconds * 1000, 1)
    path = _printable(request.path)  # never the query string: it can hold codes and ids
    access_log.info(
        "%s %s %d %.1f ms",
        request.method,
        path,
        status,
        duration_ms,
        extra={
            "method": request.method,
            "route": rule,
            "path": path,
            "status": status,
            "duration_ms": duration_ms,
        },
    )
    return response


def register_observability(app: Flask) -> None:
    """Call after `register_current_user` (the user hash needs the session's identity)."""
    app.before_request(_bind_user)
    app.after_request(_finish)
    app.jinja_env.globals.update(request_id=current_request_id)
