"""Admin console: pages under /admin and the JSON API under /admin/api."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")
