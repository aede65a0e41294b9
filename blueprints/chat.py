"""Chat pages (server-rendered): thread list, transcript, delete and export."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue

from chatkit_bff.errors import InvalidRequest
from chatkit_bff.policy.model import Policy
from chatkit_bff.rendering.ahead import RenderAhead
from chatkit_bff.retention.schedule import DeletionNote, deletion_note
from chatkit_bff.threads.archive import ThreadArchive, archive_filename
from chatkit_bff.threads.export import (
    EXPORT_FORMATS,
    export_filename,
    thread_title,
    transcript_json,
    transcript_markdown,
)
from chatkit_bff.threads.pages import (
    THREADS_PER_PAGE,
    TRANSCRIPT_MAX_PAGE_SIZE,
    TRANSCRIPT_PAGE_SIZE,
    chatkit_page_data,
    thread_listing,
)
from chatkit_bff.threads.paging import page_links
from chatkit_bff.threads.params import check_thread_id, parse_page_query
from chatkit_bff.upstream import UpstreamError

from ._apps import app_route, current_chat_app
from ._context import current_policy, current_user_threads, login_required, services
from ._errors import from_upstream
from ._read_limits import export_limit, history_limit

bp = Blueprint("chat", __name__)

_CURSORS = ("after", "before")


@bp.app_template_global()
def deletion_note_for(created_at: float, retention_days: int | None) -> DeletionNote | None:
    """When the retention policy deletes a thread, as the list and the transcript say it."""
    return deletion_note(created_at, retention_days, datetime.now(UTC))


def _uses_emulator() -> bool:
    return services().settings.uses_emulator


def _cursor_args() -> dict[str, str]:
    return {name: request.args[name] for name in _CURSORS if name in request.args}


def _is_stale_cursor(error: InvalidRequest) -> bool:
    """The upstream no longer knows the cursor (deleted meanwhile): not the reader's fault."""
    return any(name in error.fields for name in _CURSORS)


def _chatkit_data(policy: Policy, initial_thread: str | None) -> dict[str, Any]:
    """The web component's page data, with this chat app's URLs and start screen."""
    return chatkit_page_data(
        policy,
        initial_thread,
        session_url=url_for("api.create_chatkit_session"),
        start_url=url_for("chat.index"),
        thread_url=url_for("chat.index") + "threads/",
        start_screen=current_chat_app().start_screen(),
        uses_emulator=_uses_emulator(),
    )


@app_route(bp, "/", methods=["GET"])
@login_required
@history_limit
def index() -> ResponseReturnValue:
    policy = current_policy()
    query = parse_page_query(_cursor_args(), default_limit=THREADS_PER_PAGE, default_order="desc")
    history_error = None
    try:
        listing = thread_listing(current_user_threads(), policy, query)
    except InvalidRequest as error:
        if not _is_stale_cursor(error):
            raise
        flash("That page of conversations is gone; here are the newest ones.")
        return redirect(url_for("chat.index"))
    except UpstreamError as error:
        # The live chat reaches ChatKit on its own and may still work: keep the page and say
        # why the list is missing, instead of an error page.
        listing, history_error = None, from_upstream(error).message
    html = render_template(
        "chat/index.html",
        listing=listing,
        history_error=history_error,
        chatkit=_chatkit_data(policy, None),
    )
    return html


@app_route(bp, "/threads/<thread_id>", methods=["GET"])
@login_required
@history_limit
def transcript(thread_id: str) -> ResponseReturnValue:
    check_thread_id(thread_id)
    args = _cursor_args()
    if "limit" in request.args:
        args["limit"] = request.args["limit"]
    query = parse_page_query(
        args,
        max_limit=TRANSCRIPT_MAX_PAGE_SIZE,
        default_limit=TRANSCRIPT_PAGE_SIZE,
        default_order="asc",
    )
    try:
        with RenderAhead() as ahead:  # each page rendered while the next one is fetched
            thread, page = current_user_threads().transcript(thread_id, query, ahead.add)
            items_html = ahead.html()
    except InvalidRequest as error:
        if not _is_stale_cursor(error):
            raise
        flash("That part of the conversation is gone; here is its beginning.")
        return redirect(url_for("chat.transcript", thread_id=thread_id))
    # Keep a custom page size in the Earlier/Later links.
    limit = query.limit if query.limit != TRANSCRIPT_PAGE_SIZE else None
    html = render_template(
        "chat/thread.html",
        thread=thread,
        title=thread_title(thread),
        items=page["data"],
        items_html=items_html,
        links=page_links(page, query),
        limit=limit,
        chatkit=_chatkit_data(current_policy(), thread_id),
        retention_days=current_policy().retention_days,
    )
    return html


@app_route(bp, "/threads/<thread_id>/delete", methods=["GET"])
@login_required
def confirm_delete(thread_id: str) -> ResponseReturnValue:
    thread = current_user_threads().get(check_thread_id(thread_id))
    return render_template("chat/delete.html", thread=thread, title=thread_title(thread))


@app_route(bp, "/threads/<thread_id>/delete", methods=["POST"])
@login_required
def delete(thread_id: str) -> ResponseReturnValue:
    current_user_threads().delete(check_thread_id(thread_id))
    flash("The conversation was deleted.")
    return redirect(url_for("chat.index"))


@app_route(bp, "/threads/<thread_id>/export", methods=["GET"])
@login_required
@export_limit
def export(thread_id: str) -> ResponseReturnValue:
    check_thread_id(thread_id)
    fmt = request.args.get("format", "md")
    if fmt not in EXPORT_FORMATS:
        raise InvalidRequest(
            "Invalid 'format': choose md or json.", fields={"format": "must be md or json"}
        )
    cap = current_app.config["SETTINGS"].export_max_items
    thread, items = current_user_threads().everything(thread_id, max_items=cap)
    now = datetime.now(UTC)
    body = (
        transcript_markdown(thread, items, now)
        if fmt == "md"
        else transcript_json(thread, items, now)
    )
    response = Response(body, mimetype=EXPORT_FORMATS[fmt].split(";")[0])
    response.headers["Content-Type"] = EXPORT_FORMATS[fmt]
    filename = export_filename(thread, fmt)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@app_route(bp, "/account/export", methods=["GET"])
@login_required
@export_limit
def export_everything() -> ResponseReturnValue:
    """Every thread of the user in this chat app in one ZIP, streamed while it is built."""
    now = datetime.now(UTC)
    threads_url = url_for("chat.index") + "threads/"
    archive = ThreadArchive(
        current_user_threads(),
        now,
        max_items=current_app.config["SETTINGS"].export_max_items,
        thread_path=lambda thread_id: threads_url + thread_id,
    )
    response = Response(archive.chunks(), mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{archive_filename(now)}"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Accel-Buffering"] = "no"  # let a proxy pass chunks on as they come
    return response
