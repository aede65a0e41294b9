"""The signed-in user's account pages: their sign-ins ("my sessions") and deleting everything."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, session, url_for
from flask.typing import ResponseReturnValue

from chatkit_bff.auth.my_sign_ins import end_my_other_sign_ins, end_my_sign_in, my_sign_ins
from chatkit_bff.auth.reauthentication import is_recent, reauthentication_url

from ._context import current_user_threads, login_required, require_identity, services
from ._signin import SESSION_AUTH_TIME, current_handle, sign_out

bp = Blueprint("account", __name__, url_prefix="/account")

DELETE_ALL_PATH = "/account/conversations/delete-all"


@bp.get("/sessions")
@login_required
def sessions() -> ResponseReturnValue:
    svc = services()
    views = my_sign_ins(svc.sign_ins, require_identity().user_id, current_handle())
    return render_template("account/sessions.html", sign_ins=views)


@bp.post("/sessions/<handle>/end")
@login_required
def end_sign_in(handle: str) -> ResponseReturnValue:
    svc = services()
    if handle == current_handle():
        sign_out()
        return redirect(url_for("auth.signed_out"))
    end_my_sign_in(svc.sign_ins, svc.broker, require_identity().user_id, handle)
    flash("That device is signed out.")
    return redirect(url_for("account.sessions"))


@bp.post("/sessions/end-others")
@login_required
def end_other_sign_ins() -> ResponseReturnValue:
    svc = services()
    ended = end_my_other_sign_ins(
        svc.sign_ins, svc.broker, require_identity().user_id, current_handle()
    )
    flash(f"Signed out everywhere else ({ended} {'device' if ended == 1 else 'devices'}).")
    return redirect(url_for("account.sessions"))


def recently_authenticated() -> bool:
    return is_recent(session.get(SESSION_AUTH_TIME), services().settings.reauth_max_age_seconds)


@bp.get("/conversations/delete-all")
@login_required
def confirm_delete_all() -> ResponseReturnValue:
    if not recently_authenticated():
        return redirect(reauthentication_url(DELETE_ALL_PATH))
    return render_template("account/delete_all.html")


@bp.post("/conversations/delete-all")
@login_required
def delete_all() -> ResponseReturnValue:
    if not recently_authenticated():
        return redirect(reauthentication_url(DELETE_ALL_PATH))
    deleted = current_user_threads().delete_all()
    flash(f"Deleted {deleted} {'conversation' if deleted == 1 else 'conversations'}.")
    return redirect("/")
