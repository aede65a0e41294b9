"""The admin JSON API under /admin/api (admins only; CSRF header on every change)."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from chatkit_bff.admin.actions import app_defaults_json, defaults_json, user_policy_json
from chatkit_bff.errors import InvalidRequest
from chatkit_bff.query_params import parse_limit

from ._context import admins_only, current_actor, json_body, services

bp = Blueprint("admin_api", __name__, url_prefix="/admin/api")
bp.before_request(admins_only)

MAX_QUERY_LENGTH = 200  # as documented; a name or email prefix is far shorter

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


def _limit(args: MultiDict[str, str], default: int, maximum: int) -> int:
    return parse_limit(args.get("limit"), maximum=maximum, default=default)


def _apply_now() -> bool:
    raw = request.args.get("apply_now", "").strip().lower()
    if raw not in _TRUE | _FALSE:
        raise InvalidRequest(
            "apply_now must be true or false.", fields={"apply_now": "must be true or false"}
        )
    return raw in _TRUE


@bp.get("/users")
def users() -> ResponseReturnValue:
    query = request.args.get("q", "")
    if len(query) > MAX_QUERY_LENGTH:
        raise InvalidRequest(
            f"q must be at most {MAX_QUERY_LENGTH} characters.",
            fields={"q": f"must be at most {MAX_QUERY_LENGTH} characters"},
        )
    page = services().directory.page(
        query,
        request.args.get("cursor") or None,
        _limit(request.args, default=20, maximum=100),
    )
    return jsonify(
        {
            "object": "list",
            "data": [user.to_json() for user in page.users],
            "next_cursor": page.next_cursor,
            "has_more": page.next_cursor is not None,
        }
    )


@bp.get("/users/<user_id>/policy")
def user_policy(user_id: str) -> ResponseReturnValue:
    app = request.args.get("app") or None
    return jsonify(user_policy_json(user_id, services().admin.user_policy(user_id, app), app))


@bp.put("/users/<user_id>/policy")
def replace_user_policy(user_id: str) -> ResponseReturnValue:
    apply_now = _apply_now()
    policy = services().admin.set_user_policy(
        current_actor(), user_id, json_body(), apply_now=apply_now
    )
    return jsonify(user_policy_json(user_id, policy))


@bp.delete("/users/<user_id>/policy")
def reset_user_policy(user_id: str) -> ResponseReturnValue:
    apply_now = _apply_now()
    policy = services().admin.reset_user_policy(current_actor(), user_id, apply_now=apply_now)
    return jsonify(user_policy_json(user_id, policy))


@bp.post("/users/<user_id>/revoke")
def revoke(user_id: str) -> ResponseReturnValue:
    return jsonify(services().admin.revoke(current_actor(), user_id).to_json())


@bp.post("/users/<user_id>/erase")
def erase(user_id: str) -> ResponseReturnValue:
    return jsonify(services().erasure.erase(current_actor(), user_id).to_json())


@bp.get("/defaults")
def defaults() -> ResponseReturnValue:
    return jsonify(defaults_json(services().admin.defaults()))


@bp.put("/defaults")
def replace_defaults() -> ResponseReturnValue:
    return jsonify(defaults_json(services().admin.set_defaults(current_actor(), json_body())))


@bp.get("/apps")
def apps() -> ResponseReturnValue:
    return jsonify(
        {
            "object": "list",
            "data": [
                {
                    "slug": app.slug,
                    "title": app.title,
                    "workflow": {"id": app.workflow_id, "version": app.workflow_version},
                    "embed_origins": list(app.embed_origins),
                }
                for app in services().settings.apps
            ],
        }
    )


@bp.get("/apps/<slug>/defaults")
def app_defaults(slug: str) -> ResponseReturnValue:
    admin = services().admin
    return jsonify(app_defaults_json(admin.chat_app(slug), admin.app_defaults(slug)))


@bp.put("/apps/<slug>/defaults")
def replace_app_defaults(slug: str) -> ResponseReturnValue:
    admin = services().admin
    layers = admin.set_app_defaults(current_actor(), slug, json_body())
    return jsonify(app_defaults_json(admin.chat_app(slug), layers))


@bp.delete("/apps/<slug>/defaults")
def reset_app_defaults(slug: str) -> ResponseReturnValue:
    admin = services().admin
    layers = admin.reset_app_defaults(current_actor(), slug)
    return jsonify(app_defaults_json(admin.chat_app(slug), layers))


@bp.get("/audit")
def audit() -> ResponseReturnValue:
    page = services().audit.page(
        before=request.args.get("before") or None,
        limit=_limit(request.args, default=50, maximum=100),
    )
    return jsonify(
        {
            "object": "list",
            "data": [entry.to_json() for entry in page.entries],
            "next_before": page.next_before,
            "has_more": page.next_before is not None,
        }
    )
