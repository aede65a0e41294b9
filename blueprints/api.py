"""The JSON API for the browser and for product teams (same origin, session cookie, CSRF header)."""

from __future__ import annotations

from flask import Blueprint, g, jsonify, request
from flask.typing import ResponseReturnValue

from chatkit_bff.chat_sessions.broker import MintRequest
from chatkit_bff.errors import InvalidRequest
from chatkit_bff.threads.params import check_thread_id, parse_page_query
from extensions import limiter

from ._context import (
    current_identity,
    current_user_threads,
    json_body,
    require_identity,
    services,
    session_expires_in,
)
from ._read_limits import history_limit

bp = Blueprint("api", __name__, url_prefix="/api")

MAX_SECRET_LENGTH = 4096


def _mint_request() -> MintRequest:
    """The user's policy and cached secret, read once per request (the limiter needs the policy)."""
    if "mint_request" not in g:
        g.mint_request = services().broker.prepare(require_identity())
    prepared: MintRequest = g.mint_request
    return prepared


def _mint_limit() -> str:
    return f"{_mint_request().policy.mint_requests_per_minute}/minute"


def _user_key() -> str:
    return "user:" + require_identity().user_id


@bp.post("/chatkit/session")
@limiter.limit(
    _mint_limit,
    key_func=_user_key,
    exempt_when=lambda: current_identity() is None,
)
def create_chatkit_session() -> ResponseReturnValue:
    body = json_body()
    current = body.get("current_client_secret")
    if current is not None and (not isinstance(current, str) or len(current) > MAX_SECRET_LENGTH):
        raise InvalidRequest(
            "current_client_secret must be a string or null.",
            fields={"current_client_secret": "must be a string or null"},
        )
    unknown = set(body) - {"current_client_secret"}
    if unknown:
        raise InvalidRequest(f"Unknown field: {sorted(unknown)[0]}.")
    # The cache is keyed by the signed-in user: naming someone else's secret (or a stale one)
    # is the same as a first call; naming the user's own current secret asks for a new one.
    secret = services().broker.client_secret(_mint_request(), current)
    return jsonify({"client_secret": secret.client_secret, "expires_at": secret.expires_at})


@bp.get("/me")
def me() -> ResponseReturnValue:
    identity = require_identity()
    return jsonify(
        {
            "user_id": identity.user_id,
            "name": identity.name,
            "email": identity.email,
            "is_admin": identity.is_admin,
            "session_expires_in": session_expires_in(),
        }
    )


# --- thread history: only the signed-in user's own threads ------------------------------


@bp.get("/threads")
@history_limit
def list_threads() -> ResponseReturnValue:
    return jsonify(current_user_threads().list_threads(parse_page_query(request.args)))


@bp.get("/threads/<thread_id>")
@history_limit
def retrieve_thread(thread_id: str) -> ResponseReturnValue:
    return jsonify(current_user_threads().get(check_thread_id(thread_id)))


@bp.get("/threads/<thread_id>/items")
@history_limit
def list_thread_items(thread_id: str) -> ResponseReturnValue:
    check_thread_id(thread_id)
    query = parse_page_query(request.args)
    return jsonify(current_user_threads().items(thread_id, query))


@bp.delete("/threads/<thread_id>")
def delete_thread(thread_id: str) -> ResponseReturnValue:
    return jsonify(current_user_threads().delete(check_thread_id(thread_id)))
