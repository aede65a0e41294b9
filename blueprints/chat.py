"""Chat pages (server-rendered)."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from ._current_user import login_required

bp = Blueprint("chat", __name__)


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    return render_template("chat/index.html")
