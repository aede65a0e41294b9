"""Server-side rendering of ChatKit thread items as safe HTML."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chatkit_bff.rendering.ahead import RenderAhead
from chatkit_bff.rendering.items import (
    annotation_sources,
    datetime_human,
    datetime_iso,
    item_kind,
    pretty_json,
    safe_http_url,
    safe_image_url,
)
from chatkit_bff.rendering.markdown import render_markdown
from chatkit_bff.rendering.transcript import render_items
from chatkit_bff.rendering.widgets import render_widget

if TYPE_CHECKING:
    from flask import Flask

__all__ = [
    "RenderAhead",
    "annotation_sources",
    "item_kind",
    "pretty_json",
    "register_rendering",
    "render_items",
    "render_markdown",
    "render_widget",
    "safe_http_url",
    "safe_image_url",
]


def register_rendering(app: Flask) -> None:
    """The timestamp filters the page templates use (items are rendered by `render_items`)."""
    app.jinja_env.filters.update(datetime_iso=datetime_iso, datetime_human=datetime_human)
