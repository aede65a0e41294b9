"""Rendered items are reused only for identical content, and the memo stays bounded."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from markupsafe import Markup

from chatkit_bff.rendering.cache import RenderedItems


class CountingRenderer:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, item: Mapping[str, Any]) -> Markup:
        self.calls += 1
        return Markup("<p>{}</p>").format(item.get("text"))


def test_identical_items_render_once_and_any_change_renders_again() -> None:
    render = CountingRenderer()
    cache = RenderedItems(render)
    item = {"id": "cthi_1", "text": "<b>hi</b>", "status": "in_progress"}

    assert cache(item) == Markup("<p>&lt;b&gt;hi&lt;/b&gt;</p>")
    assert cache(dict(item)) == cache(item)
    assert render.calls == 1

    assert cache(item | {"status": "completed"}) == cache(item)
    assert render.calls == 2
    assert cache(item | {"id": "cthi_2"}) is not None
    assert render.calls == 3


def test_the_memo_forgets_the_least_recently_used_beyond_its_size() -> None:
    render = CountingRenderer()
    cache = RenderedItems(render, max_entries=2)
    a, b, c = ({"id": name} for name in ("a", "b", "c"))
    cache(a)
    cache(b)
    cache(a)  # a is now the most recent
    cache(c)  # b goes
    assert len(cache) == 2
    cache(a)
    assert render.calls == 3
    cache(b)
    assert render.calls == 4


def test_only_escaped_markup_is_kept() -> None:
    cache = RenderedItems(lambda item: "<p>raw</p>")  # type: ignore[arg-type,return-value]
    with pytest.raises(TypeError):
        cache({"id": "x"})
