"""Embedding a chat app on a product's own site: the framed chat page and `/embed.js`.

The frame (`/apps/<slug>/embed`) may be framed by the app's `embed_origins`; signed out it
offers sign-in in a top-level popup (providers refuse to be framed), and the popup's last page
(`…/embed/signed-in`) tells the frame over a same-origin BroadcastChannel: the popup's
`Cross-Origin-Opener-Policy: same-origin` cuts its link to the opener.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import (
    Blueprint,
    Response,
    current_app,
    g,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask.typing import ResponseReturnValue

from chatkit_bff.csp import embed_security_headers
from chatkit_bff.threads.pages import THREADS_PER_PAGE, chatkit_page_data, thread_listing
from chatkit_bff.threads.params import check_thread_id, parse_page_query
from chatkit_bff.upstream import UpstreamError

from ._apps import apps_route, current_chat_app
from ._context import current_identity, current_policy, current_user_threads, login_required
from ._errors import from_upstream

bp = Blueprint("embed", __name__)

#: The BroadcastChannel (on this origin) on which the sign-in popup tells the frames.
SIGN_IN_CHANNEL = "chatkit-bff:sign-in"
#: `/embed.js` may be cached by browsers and CDNs for this long (it names no user).
SCRIPT_MAX_AGE = 3600


def _parent_origin() -> str | None:
    """The embedding page's origin, when the app allows it: the only target of our messages."""
    claimed = request.args.get("origin", "")
    return claimed if claimed in current_chat_app().embed_origins else None


@apps_route(bp, "/embed", methods=["GET"])
@apps_route(bp, "/embed/threads/<thread_id>", methods=["GET"], endpoint="frame_thread")
def frame(thread_id: str | None = None) -> ResponseReturnValue:
    app = current_chat_app()
    # Set first, so that an error page in the frame (a thread not yours) is framed the same way.
    g.security_headers = embed_security_headers(current_app.config["SETTINGS"], app.embed_origins)
    parent = _parent_origin()
    keep = {"origin": parent} if parent else {}
    embed = {
        "app": app.slug,
        "parentOrigin": parent,
        "signedIn": current_identity() is not None,
        "channel": SIGN_IN_CHANNEL,
        "meUrl": url_for("api.me"),
        "signInUrl": url_for("auth.login") + "?" + urlencode({"next": url_for("embed.signed_in")}),
    }
    context: dict[str, Any] = {"embed": embed, "chat_app": app, "keep": keep}
    if current_identity() is not None:
        threads = current_user_threads()
        if thread_id is not None:
            threads.check_owner(check_thread_id(thread_id))
        policy = current_policy()
        cursors = {k: request.args[k] for k in ("after", "before") if k in request.args}
        query = parse_page_query(cursors, default_limit=THREADS_PER_PAGE, default_order="desc")
        try:
            context["listing"] = thread_listing(threads, policy, query)
        except UpstreamError as error:
            context["listing"], context["history_error"] = None, from_upstream(error).message
        context["chatkit"] = chatkit_page_data(
            policy,
            thread_id,
            session_url=url_for("api.create_chatkit_session"),
            start_url=url_for("embed.frame"),
            thread_url=url_for("embed.frame") + "/threads/",
            start_screen=app.start_screen(),
        )
        # The frame's URL follows the open thread and keeps the parent's origin on reload.
        context["chatkit"]["urlQuery"] = "?" + urlencode(keep) if keep else ""
    return Response(render_template("embed/frame.html", **context), mimetype="text/html")


@apps_route(bp, "/embed/signed-in", methods=["GET"])
@login_required
def signed_in() -> ResponseReturnValue:
    """The popup's last page: tells the app's frames, then closes itself."""
    return render_template(
        "embed/signed_in.html", embed={"channel": SIGN_IN_CHANNEL}, chat_app=current_chat_app()
    )


@bp.get("/embed.js")
def script() -> ResponseReturnValue:
    """The host page's script: static, cacheable, loadable from any site (CORP cross-origin)."""
    response = send_from_directory(current_app.static_folder or "static", "embed.js")
    response.headers["Cache-Control"] = f"public, max-age={SCRIPT_MAX_AGE}"
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    response.headers["Content-Type"] = "text/javascript; charset=utf-8"
    return response
