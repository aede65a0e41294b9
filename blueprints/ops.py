"""Operations endpoints: Prometheus metrics behind a bearer token."""

from __future__ import annotations

import hmac

from flask import Blueprint, Response, abort, request
from flask.typing import ResponseReturnValue

from chatkit_bff.observability.metrics import exposition

from ._context import services

bp = Blueprint("ops", __name__, cli_group=None)


def _bearer_token() -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


@bp.get("/metrics")
def metrics() -> ResponseReturnValue:
    """Prometheus exposition; without METRICS_TOKEN, or without the right one, it is not here."""
    expected = services().settings.metrics_token
    if not expected or not hmac.compare_digest(_bearer_token().encode(), expected.encode()):
        abort(404)
    body, content_type = exposition()
    return Response(body, content_type=content_type)
