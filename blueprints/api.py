"""The JSON API for the browser and for product teams (same origin, session cookie, CSRF header)."""

from __future__ import annotations

from flask import Blueprint, g, jsonify, request, session
from flask.typing import ResponseReturnValue

from chatkit_bff.auth.my_sign_ins import end_my_sign_in, my_sign_ins
from chatkit_bff.auth.reauthentication import is_recent, reauthentication_url
from chatkit_bff.chat_sessions.broker import MintRequest
from chatkit_bff.errors import InvalidRequest
from chatkit_bff.threads.params import check_thread_id, parse_page_query
from extensions import limiter

from ._apps import app_route, current_chat_app
from ._context import (
    current_identity,
    current_user_threads,
    json_body,
    require_identity,
    services,
    session_expires_in,
)
from ._read_limits import history_limit
from ._signin import SESSION_AUTH_TIME, current_handle, sign_out

bp = Blueprint("api", __name__, url_prefix="/api")

MAX_SECRET_LENGTH = 4096
#: Where a stale sign-in is sent back to after re-authenticating for the delete-all call.
DELETE_ALL_PAGE = "/account/conversations/delete-all"


def _mint_request() -> MintRequest:
    """The user's policy and cached secret, read once per request (the limiter needs the policy)."""
    if "mint_request" not in g:
        g.mint_request = services().broker.prepare(require_identity(), current_chat_app())
    prepared: MintRequest = g.mint_request
    return prepared


def _mint_limit() -> str:
    return f"{_mint_request().policy.mint_requests_per_minute}/minute"


def _user_key() -> str:
    """Each app counts its own mints (the default app keeps today's counter)."""
    app = current_chat_app()
    suffix = "" if app.is_default else f":app:{app.slug}"
    return "user:" + require_identity().user_id + suffix


@app_route(bp, "/chatkit/session", methods=["POST"])
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
    # Threads of this chat session will belong to the app's upstream user: say whose it is
    # first (once per process and user: no Redis call after that).
    services().app_users.record(require_identity(), current_chat_app())
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


@bp.get("/me/sessions")
def my_sessions() -> ResponseReturnValue:
    views = my_sign_ins(services().sign_ins, require_identity().user_id, current_handle())
    return jsonify({"object": "list", "data": [view.to_json() for view in views]})


@bp.delete("/me/sessions/<sign_in_id>")
def end_my_session(sign_in_id: str) -> ResponseReturnValue:
    svc = services()
    if sign_in_id == current_handle():
        sign_out()
    else:
        end_my_sign_in(svc.sign_ins, svc.broker, require_identity().user_id, sign_in_id)
    return jsonify({"id": sign_in_id, "object": "sign_in.deleted", "deleted": True})


@bp.post("/me/conversations/delete-all")
def delete_all_my_conversations() -> ResponseReturnValue:
    settings = services().settings
    if not is_recent(session.get(SESSION_AUTH_TIME), settings.reauth_max_age_seconds):
        response = jsonify(
            {
                "error": {
                    "message": "Sign in again to delete all your conversations.",
                    "code": "reauthentication_required",
                    "reauth_url": reauthentication_url(DELETE_ALL_PAGE),
                }
            }
        )
        response.status_code = 401
        response.headers["Cache-Control"] = "no-store"
        return response
    deleted = current_user_threads().delete_all()
    return jsonify({"object": "chatkit.thread.deleted_all", "deleted": deleted})


# --- thread history: only the signed-in user's own threads ------------------------------


@app_route(bp, "/threads", methods=["GET"])
@history_limit
def list_threads() -> ResponseReturnValue:
    return jsonify(current_user_threads().list_threads(parse_page_query(request.args)))


@app_route(bp, "/threads/<thread_id>", methods=["GET"])
@history_limit
def retrieve_thread(thread_id: str) -> ResponseReturnValue:
    return jsonify(current_user_threads().get(check_thread_id(thread_id)))


@app_route(bp, "/threads/<thread_id>/items", methods=["GET"])
@history_limit
def list_thread_items(thread_id: str) -> ResponseReturnValue:
    check_thread_id(thread_id)
    query = parse_page_query(request.args)
    return jsonify(current_user_threads().items(thread_id, query))


@app_route(bp, "/threads/<thread_id>", methods=["DELETE"])
def delete_thread(thread_id: str) -> ResponseReturnValue:
    return jsonify(current_user_threads().delete(check_thread_id(thread_id)))
