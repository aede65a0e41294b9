"""One error handler: JSON for /api and /admin/api, an HTML page everywhere else."""

from __future__ import annotations

import logging
import math
import time
from typing import Any

from flask import Flask, Response, current_app, jsonify, render_template, request, session
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from chatkit_bff.errors import (
    BffError,
    RateLimited,
    UpstreamFailed,
    UpstreamUnavailable,
)
from chatkit_bff.observability import metrics
from chatkit_bff.redis_connection import OUTAGE_ERRORS
from chatkit_bff.redis_failures import redis_failure_reason
from chatkit_bff.upstream import (
    CircuitOpenError,
    RateLimitError,
    UpstreamConnectionError,
    UpstreamError,
    UpstreamSaturatedError,
    UpstreamTimeout,
)

from ._context import is_api_request
from ._extensions import limiter
from ._sign_in_store import store_answers, store_unavailable

log = logging.getLogger(__name__)

_TITLES = {
    400: "That request was not valid",
    401: "Please sign in",
    403: "You do not have access to this page",
    404: "Not found",
    405: "Method not allowed",
    413: "That request is too large",
    422: "That is more than one request may hold",
    429: "Too many requests",
    500: "Something went wrong",
    502: "The chat service answered with an error",
    503: "The service is unavailable right now",
}


def wants_json() -> bool:
    """JSON for the API paths, and for any caller that asks for JSON first."""
    return is_api_request() or request.accept_mimetypes.best == "application/json"


def from_upstream(exc: UpstreamError) -> BffError:
    """Translate a ChatKit failure into what our caller can act on."""
    if isinstance(exc, RateLimitError):
        retry = int(exc.retry_after) + 1 if exc.retry_after else 5
        return UpstreamUnavailable(
            f"The chat service is busy; try again in {retry} seconds.", retry_after=retry
        )
    if isinstance(exc, CircuitOpenError | UpstreamSaturatedError):
        retry = math.ceil(exc.retry_after or 1)
        return UpstreamUnavailable(
            f"The chat service is not answering right now; try again in {retry} seconds.",
            retry_after=retry,
        )
    if isinstance(exc, UpstreamTimeout | UpstreamConnectionError):
        return UpstreamUnavailable("The chat service did not answer in time; try again shortly.")
    if exc.status in (401, 403):
        return UpstreamFailed("The chat service refused this server's credentials.")
    if exc.status is not None and exc.status >= 500:
        return UpstreamFailed("The chat service failed; try again shortly.")
    return UpstreamFailed(f"The chat service rejected the request: {exc.message}")


def error_response(
    status: int,
    message: str,
    *,
    code: str,
    fields: dict[str, str] | None = None,
    retry_after: int | None = None,
) -> Response:
    if wants_json():
        error: dict[str, Any] = {"message": message, "code": code}
        if fields:
            error["fields"] = fields
        if retry_after is not None:
            error["retry_after"] = retry_after
        response = jsonify({"error": error})
    else:
        html = render_template(
            "errors/error.html",
            status=status,
            title=_TITLES.get(status, "Something went wrong"),
            message=message,
            fields=fields or {},
        )
        response = Response(html, mimetype="text/html")
    response.status_code = status
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


def _bff_error(exc: BffError) -> Response:
    return error_response(
        exc.status, exc.message, code=exc.code, fields=exc.fields, retry_after=exc.retry_after
    )


def _upstream_error(exc: UpstreamError) -> Response:
    log.warning("upstream call failed: %s", exc)
    return _bff_error(from_upstream(exc))


def _redis_error(exc: Exception) -> Response:
    metrics.REDIS_ERRORS.inc()
    log.error("redis unavailable: %s", redis_failure_reason(exc))
    return _bff_error(store_unavailable())


def _rate_limited(exc: RateLimitExceeded) -> Response:
    """A flask-limiter refusal, answered as our own."""
    window = exc.limit.limit
    breached = limiter.current_limit
    wait = breached.reset_at - time.time() if breached else window.get_expiry()
    return _over_limit(RateLimited.waiting(str(window), wait, int(window.get_expiry())))


def _over_limit(exc: RateLimited) -> Response:
    metrics.RATE_LIMITED.labels(metrics.limit_name(request.endpoint)).inc()
    return _bff_error(exc)


def _csrf_error(exc: CSRFError) -> Response:
    if current_app.config["WTF_CSRF_FIELD_NAME"] not in session and not store_answers():
        # The form's session could not be written: say so, not "reload the page".
        metrics.REDIS_ERRORS.inc()
        return _bff_error(store_unavailable())
    return error_response(
        400,
        f"The request was refused: {exc.description} Reload the page and try again.",
        code="csrf_failed",
    )


def _http_error(exc: HTTPException) -> Response:
    status = exc.code or 500
    message = exc.description or _TITLES.get(status, "Error")
    response = error_response(status, message, code=exc.name.lower().replace(" ", "_"))
    for name, value in exc.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value  # e.g. 405's Allow, which RFC 9110 requires
    return response


def _internal_error(exc: InternalServerError) -> Response:
    original = exc.original_exception
    if isinstance(original, OUTAGE_ERRORS):
        return _redis_error(original)
    if isinstance(original, UpstreamError):
        return _upstream_error(original)
    if original is not None:
        log.error("unhandled error on %s %s", request.method, request.path, exc_info=original)
    return error_response(500, "Something went wrong on our side.", code="internal_error")


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(BffError, _bff_error)
    app.register_error_handler(UpstreamError, _upstream_error)
    for outage in OUTAGE_ERRORS:
        app.register_error_handler(outage, _redis_error)
    app.register_error_handler(RateLimitExceeded, _rate_limited)
    app.register_error_handler(RateLimited, _over_limit)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(InternalServerError, _internal_error)
    app.register_error_handler(HTTPException, _http_error)
