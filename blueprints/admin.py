"""Admin console: the pages under /admin (admins only; the JSON twin is `admin_api`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue

from chatkit_bff.errors import InvalidRequest
from chatkit_bff.policy.form import (
    FIELDS,
    describe,
    errors_for,
    form_values,
    parse_policy_form,
    unplaced_errors,
)
from chatkit_bff.policy.model import BUILT_IN, flatten, merge_layers
from chatkit_bff.policy.store import PolicyLayers, StoredLayer

from ._context import admins_only, current_actor, require_identity, services

bp = Blueprint("admin", __name__, url_prefix="/admin")
bp.before_request(admins_only)

SOURCE_LABELS = {
    "built-in": "built-in",
    "default": "global default",
    "app": "app default",
    "override": "override",
}
ACTION_LABELS = {
    "policy.update": "Changed limits",
    "policy.reset": "Reset to defaults",
    "defaults.update": "Changed defaults",
    "app_defaults.update": "Changed app defaults",
    "app_defaults.reset": "Reset app defaults to the apps file",
    "sessions.revoke": "Revoked sessions",
    "retention.delete": "Deleted old conversations",
    "retention.run": "Retention run",
    "user.erase": "Erased user",
}


def _utc(timestamp: float | None) -> str:
    if not timestamp:
        return "—"
    moment = dt.datetime.fromtimestamp(timestamp, tz=dt.UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def _iso(timestamp: float | None) -> str:
    if not timestamp:
        return ""
    return dt.datetime.fromtimestamp(timestamp, tz=dt.UTC).isoformat(timespec="seconds")


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {
        "utc": _utc,
        "iso": _iso,
        "describe": describe,
        "errors_for": errors_for,
        "policy_fields": FIELDS,
        "source_labels": SOURCE_LABELS,
        "action_labels": ACTION_LABELS,
        "flatten": flatten,
        "claim_variables": services().settings.state_variable_claims,
    }


@bp.get("")
def dashboard() -> ResponseReturnValue:
    svc = services()
    return render_template(
        "admin/dashboard.html",
        figures=svc.admin.figures(),
        recent=svc.audit.page(limit=5).entries,
    )


@bp.get("/users")
def users() -> ResponseReturnValue:
    query = request.args.get("q", "")
    cursor = request.args.get("cursor") or None
    page = services().directory.page(query, cursor, limit=25)
    return render_template("admin/users.html", page=page, query=query, first_page=cursor is None)


def _policy_page(
    template: str,
    layers: PolicyLayers,
    edited: StoredLayer,
    inherited: Mapping[str, Any],
    *,
    shown: dict[str, str] | None,
    errors: dict[str, str] | None,
    status: int,
    **context: Any,
) -> ResponseReturnValue:
    """A page with the form for one policy layer (`edited`) and the effective policy."""
    errors = errors or {}
    return (
        render_template(
            template,
            effective=layers.effective.to_dict(),
            sources=layers.sources,
            inherited=inherited,
            shown=shown if shown is not None else form_values(edited.values),
            errors=errors,
            other_errors=unplaced_errors(errors),
            stamp=edited,
            **context,
        ),
        status,
    )


def _save_policy_form(save: Callable[[dict[str, Any]], object]) -> dict[str, str]:
    """Parse the posted policy form and `save` its values; the field errors if refused."""
    values, errors = parse_policy_form(request.form)
    if not errors:
        try:
            save(values)
        except InvalidRequest as exc:
            errors = exc.fields
    return errors


def _render_user(
    user_id: str,
    *,
    shown: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    overview = services().admin.overview(user_id)
    policy = overview.policy
    return _policy_page(
        "admin/user.html",
        policy,
        policy.overrides,
        policy.inherited,
        shown=shown,
        errors=errors,
        status=status,
        overview=overview,
        user=overview.user,
    )


@bp.get("/users/<user_id>")
def user(user_id: str) -> ResponseReturnValue:
    return _render_user(user_id)


@bp.post("/users/<user_id>/policy")
def save_user_policy(user_id: str) -> ResponseReturnValue:
    apply_now = request.form.get("action") == "apply"
    errors = _save_policy_form(
        lambda values: services().admin.set_user_policy(
            current_actor(), user_id, values, apply_now=apply_now
        )
    )
    if errors:
        return _render_user(user_id, shown=dict(request.form.items()), errors=errors, status=400)
    flash(
        "Saved and applied: the user's chat sessions were ended; the next one uses the new limits."
        if apply_now
        else "Saved: the user's next chat session uses the new limits."
    )
    return redirect(url_for("admin.user", user_id=user_id))


@bp.post("/users/<user_id>/policy/reset")
def reset_user_policy(user_id: str) -> ResponseReturnValue:
    services().admin.reset_user_policy(current_actor(), user_id)
    flash("Overrides removed: this user now follows the global defaults.")
    return redirect(url_for("admin.user", user_id=user_id))


@bp.get("/users/<user_id>/revoke")
def confirm_revoke(user_id: str) -> ResponseReturnValue:
    return render_template("admin/revoke.html", user=services().admin.user(user_id))


@bp.post("/users/<user_id>/revoke")
def revoke(user_id: str) -> ResponseReturnValue:
    revoked = services().admin.revoke(current_actor(), user_id)
    if user_id == require_identity().user_id:
        session.clear()  # the admin revoked themself: do not write the ended session back
        return redirect(url_for("auth.login"))
    flash(
        f"Ended {revoked.sign_ins_ended} sign-in(s); "
        f"{revoked.chat_sessions_cancelled} chat session(s) cancelled."
    )
    return redirect(url_for("admin.user", user_id=user_id))


@bp.get("/users/<user_id>/erase")
def confirm_erase(user_id: str) -> ResponseReturnValue:
    return render_template("admin/erase.html", user=services().admin.user(user_id))


@bp.post("/users/<user_id>/erase")
def erase(user_id: str) -> ResponseReturnValue:
    name = services().admin.user(user_id).name
    erased = services().erasure.erase(current_actor(), user_id)
    if user_id == require_identity().user_id:
        session.clear()  # the admin erased themself: nothing of the sign-in may be written back
        return redirect("/login")
    flash(
        f"{name} was erased: {erased.threads_deleted} conversation(s) deleted, "
        f"{erased.sign_ins_ended} sign-in(s) ended, "
        f"{erased.chat_sessions_cancelled} chat session(s) cancelled."
    )
    return redirect(url_for("admin.users"))


def _render_defaults(
    *, shown: dict[str, str] | None = None, errors: dict[str, str] | None = None, status: int = 200
) -> ResponseReturnValue:
    defaults = services().admin.defaults()
    return _policy_page(
        "admin/defaults.html",
        defaults,
        defaults.defaults,
        BUILT_IN,
        shown=shown,
        errors=errors,
        status=status,
    )


@bp.get("/defaults")
def defaults() -> ResponseReturnValue:
    return _render_defaults()


@bp.post("/defaults")
def save_defaults() -> ResponseReturnValue:
    errors = _save_policy_form(
        lambda values: services().admin.set_defaults(current_actor(), values)
    )
    if errors:
        return _render_defaults(shown=dict(request.form.items()), errors=errors, status=400)
    flash("Defaults saved: every user's next chat session uses them, unless overridden.")
    return redirect(url_for("admin.defaults"))


@bp.get("/apps")
def apps() -> ResponseReturnValue:
    return render_template("admin/apps.html", apps=list(services().settings.apps))


def _render_app(
    slug: str,
    *,
    shown: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    admin = services().admin
    layers = admin.app_defaults(slug)
    return _policy_page(
        "admin/app.html",
        layers,
        layers.app,
        merge_layers(layers.defaults.values),
        shown=shown,
        errors=errors,
        status=status,
        chat_app=admin.chat_app(slug),
        from_file=layers.app.updated_at is None,
    )


@bp.get("/apps/<slug>")
def chat_app(slug: str) -> ResponseReturnValue:
    return _render_app(slug)


@bp.post("/apps/<slug>")
def save_app_defaults(slug: str) -> ResponseReturnValue:
    services().admin.chat_app(slug)
    errors = _save_policy_form(
        lambda values: services().admin.set_app_defaults(current_actor(), slug, values)
    )
    if errors:
        return _render_app(slug, shown=dict(request.form.items()), errors=errors, status=400)
    flash("App defaults saved: every user's next chat session in this app uses them.")
    return redirect(url_for("admin.chat_app", slug=slug))


@bp.post("/apps/<slug>/reset")
def reset_app_defaults(slug: str) -> ResponseReturnValue:
    services().admin.reset_app_defaults(current_actor(), slug)
    flash("App defaults are the apps file's values again.")
    return redirect(url_for("admin.chat_app", slug=slug))


@bp.get("/audit")
def audit() -> ResponseReturnValue:
    before = request.args.get("before") or None
    page = services().audit.page(before=before, limit=50)
    return render_template("admin/audit.html", page=page, first_page=before is None)
