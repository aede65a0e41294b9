"""Sign-in and sign-out."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request
from flask.typing import ResponseReturnValue

from chatkit_bff.dev_seed import seed_demo_conversations
from chatkit_bff.dev_users import DEMO_USERS, demo_user
from chatkit_bff.redirects import safe_next

from ._current_user import current_identity, services
from ._signin import sign_in, sign_out

bp = Blueprint("auth", __name__)


@bp.get("/login")
def login() -> ResponseReturnValue:
    next_url = safe_next(request.args.get("next"))
    if current_identity() is not None:
        return redirect(next_url)
    settings = services().settings
    if settings.dev_login:
        return render_template("auth/dev_login.html", users=DEMO_USERS, next_url=next_url)
    abort(404)


@bp.post("/login/dev")
def dev_login() -> ResponseReturnValue:
    svc = services()
    if not svc.settings.dev_login:
        abort(404)
    user = demo_user(request.form.get("user", ""))
    if user is None:
        abort(400, "Pick one of the demo users.")
    identity = user.identity()
    sign_in(identity)
    if svc.settings.uses_emulator:
        seed_demo_conversations(
            svc.chatkit, svc.settings.chatkit_api_base, identity.user_id, user.name
        )
    return redirect(safe_next(request.form.get("next")))


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    sign_out()
    return redirect("/login")
