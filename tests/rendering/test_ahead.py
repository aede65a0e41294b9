"""Pages rendered while the next one is fetched come out as if rendered at once, in order."""

from __future__ import annotations

import threading

from chatkit_bff.rendering import RenderAhead, render_items
from tests.rendering import factories as f


def _items(start: int, count: int) -> list[dict[str, object]]:
    return [
        f.user_message(f"Message {n}", item_id=f"cthi_{n}") for n in range(start, start + count)
    ]


def test_pages_given_in_order_or_walking_back_join_in_reading_order() -> None:
    everything = _items(0, 250)
    with RenderAhead() as forward:
        for start in (0, 100, 200):
            forward.add(everything[start : start + 100])
        assert forward.html() == render_items(everything)
    with RenderAhead() as backward:
        for start in (150, 50, 0):  # a walk back from a `before` cursor: the latest page first
            backward.add(everything[start : start + (100 if start else 50)], earlier=True)
        assert backward.html() == render_items(everything)


def test_the_helper_thread_ends_with_the_block() -> None:
    with RenderAhead() as ahead:
        ahead.add(_items(0, 3))
        ahead.html()
    assert not [t for t in threading.enumerate() if t.name.startswith("render-ahead")]
