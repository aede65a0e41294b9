from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pytest

from chatkit_bff.rendering import render_items as render_thread_items

RenderItems = Callable[..., str]


@pytest.fixture(scope="module")
def render_items() -> RenderItems:
    """Render items as the transcript page does."""

    def render(*items: Mapping[str, Any]) -> str:
        return str(render_thread_items(list(items)))

    return render
