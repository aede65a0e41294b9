from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest
from flask import Flask

from blueprints import TEMPLATE_FOLDER
from chatkit_bff.rendering import register_rendering

RenderItems = Callable[..., str]


@pytest.fixture(scope="module")
def rendering_app() -> Iterator[Flask]:
    app = Flask(__name__, template_folder=TEMPLATE_FOLDER)
    register_rendering(app)
    with app.app_context():
        yield app


@pytest.fixture(scope="module")
def render_items(rendering_app: Flask) -> RenderItems:
    """Render items with the transcript macros, as the transcript page does."""
    template = rendering_app.jinja_env.from_string(
        '{% from "chat/_items.html" import render_items %}{{ render_items(items) }}'
    )

    def render(*items: Mapping[str, Any]) -> str:
        return template.render(items=list(items))

    return render
