"""The JSON API for the browser and for product teams (same origin, session cookie, CSRF header)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Flask, jsonify, request, session
from flask.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue
from redis.client import Pipeline

from chatkit_bff.auth.my_sign_ins import end_my_sign_in, my_sign_ins
from chatkit_bff.auth.reauthentication import is_recent, reauthentication_url
from chatkit_bff.chat_sessions.broker import MintReads, MintRequest
from chatkit_bff.chat_sessions.mint_limit import QueuedHit
from chatkit_bff.errors import InvalidRequest
from chatkit_bff.threads.params import check_thread_id, parse_page_query

from ._apps import app_route, chat_app_in, current_chat_app
from ._context import (
    current_user_threads,
    delete_all_my_threads,
    json_body,
    require_identity,
    services,
    session_expires_in,
)
from ._extensions import limiter
from ._read_limits import history_limit
from ._sign_in_store import RedisSignInInterface, ride_along_results
from ._signin import SESSION_AUTH_TIME, current_handle, sign_out

bp = Blueprint("api", __name__, url_prefix="/api")

MAX_SECRET_LENGTH = 4096
MINT_ENDPOINT = "api.create_chatkit_session"
#: Where a stale sign-in is sent back to after re-authenticating for the delete-all call.
DELETE_ALL_PAGE = "/account/conversations/delete-all"


@dataclass(frozen=True)
class _MintRideAlong:
    """What a mint queues with the sign-in's read: the call's count, then the broker's reads."""

    hit: QueuedHit | None
    reads: MintReads


def _queue_mint_reads(
    pipe: Pipeline, user_id: str, sign_in_key: str, view_args: dict[str, Any]
) -> object | None:
    chat_app = chat_app_in(view_args)
    if chat_app is None:
        return None
    svc = services()
    hit = (
        svc.mint_limit.queue_hit(pipe, user_id, chat_app.slug, sign_in_key)
        if limiter.enabled
        else None
    )
    return _MintRideAlong(hit, svc.broker.queue_reads(pipe, user_id, chat_app))


@bp.record_once
def _read_mint_with_sign_in(state: BlueprintSetupState) -> None:
    """A cached secret costs one Redis round trip: the call is counted, and the policy and
    secret read, with the sign-in."""
    interface = state.app.session_interface if isinstance(state.app, Flask) else None
    if isinstance(interface, RedisSignInInterface):
        interface.ride_along(MINT_ENDPOINT, ["POST"], _queue_mint_reads)


def _mint_request() -> tuple[MintRequest, tuple[QueuedHit, object] | None]:
    """The user's policy and cached secret, and the call's count, read with the sign-in when
    they could be."""
    identity, chat_app = require_identity(), current_chat_app()
    broker = services().broker
    ridden = ride_along_results()
    if ridden is not None:
        queued, results = ridden
        if isinstance(queued, _MintRideAlong) and queued.reads.made_for(identity, chat_app):
            if queued.hit is None:
                return broker.finish(queued.reads, results, identity), None
            prepared = broker.finish(queued.reads, results[1:], identity)
            return prepared, (queued.hit, results[0])
    return broker.prepare(identity, chat_app), None


def _check_mint_limit(prepared: MintRequest, counted: tuple[QueuedHit, object] | None) -> None:
    if not limiter.enabled:
        return
    # Each app counts its own calls.
    per_minute = prepared.policy.mint_requests_per_minute
    user_id, app_slug = prepared.identity.user_id, prepared.app.slug
    services().mint_limit.check(user_id, app_slug, per_minute, counted)


@limiter.request_filter
def _counted_in_view() -> bool:
    """flask-limiter skips the mint endpoint: its view counts the call (`_check_mint_limit`)."""
    return request.endpoint == MINT_ENDPOINT


@app_route(bp, "/chatkit/session", methods=["POST"])
def create_chatkit_session() -> ResponseReturnValue:
    prepared, counted = _mint_request()
    _check_mint_limit(prepared, counted)
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
    services().app_users.record(prepared.identity, prepared.app)
    secret = services().broker.client_secret(prepared, current)
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
    deleted = delete_all_my_threads()
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
