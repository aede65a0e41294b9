"""Server-side rendering of ChatKit thread items as safe HTML."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chatkit_bff.rendering.items import (
    annotation_sources,
    datetime_human,
    datetime_iso,
    item_dom_id,
    item_kind,
    mappings,
    pretty_json,
    safe_http_url,
    safe_image_url,
)
from chatkit_bff.rendering.markdown import render_markdown
from chatkit_bff.rendering.widgets import render_widget, render_widget_value

if TYPE_CHECKING:
    from flask import Flask

__all__ = [
    "annotation_sources",
    "item_kind",
    "pretty_json",
    "register_rendering",
    "render_markdown",
    "render_widget",
    "safe_http_url",
    "safe_image_url",
]


def register_rendering(app: Flask) -> None:
    """Make the item helpers available to templates (used by templates/chat/_items.html)."""
    app.jinja_env.filters.update(
        markdown=render_markdown,
        widget=render_widget_value,
        pretty_json=pretty_json,
        datetime_iso=datetime_iso,
        datetime_human=datetime_human,
        item_dom_id=item_dom_id,
        item_kind=item_kind,
        mappings=mappings,
    )
    app.jinja_env.globals.update(
        safe_http_url=safe_http_url,
        safe_image_url=safe_image_url,
        annotation_sources=annotation_sources,
        item_kind=item_kind,
    )
