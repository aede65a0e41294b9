"""The admin JSON API under /admin/api (admins only; CSRF header on every change)."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from chatkit_bff.admin.actions import defaults_json, user_policy_json
from chatkit_bff.errors import InvalidRequest

from ._context import admins_only, current_actor, json_body, services

bp = Blueprint("admin_api", __name__, url_prefix="/admin/api")
bp.before_request(admins_only)

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


def _limit(args: MultiDict[str, str], default: int, maximum: int) -> int:
    raw = args.get("limit", "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= maximum:
        raise InvalidRequest(
            f"limit must be a whole number from 1 to {maximum}.",
            fields={"limit": f"must be 1 to {maximum}"},
        )
    return int(raw)


def _apply_now() -> bool:
    raw = request.args.get("apply_now", "").strip().lower()
    if raw not in _TRUE | _FALSE:
        raise InvalidRequest(
            "apply_now must be true or false.", fields={"apply_now": "must be true or false"}
        )
    return raw in _TRUE


@bp.get("/users")
def users() -> ResponseReturnValue:
    page = services().directory.page(
        request.args.get("q", ""),
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
    return jsonify(user_policy_json(user_id, services().admin.user_policy(user_id)))


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


@bp.get("/defaults")
def defaults() -> ResponseReturnValue:
    return jsonify(defaults_json(services().admin.defaults()))


@bp.put("/defaults")
def replace_defaults() -> ResponseReturnValue:
    return jsonify(defaults_json(services().admin.set_defaults(current_actor(), json_body())))


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
