"""Rendered transcript items, remembered by content so that repeat views skip the templates."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

from markupsafe import Markup

DEFAULT_MAX_ENTRIES = 8192


def content_key(item: Mapping[str, Any]) -> bytes:
    """A digest of everything in the item.

    Items are JSON from the upstream (str, numbers, bools, None, lists, dicts), whose repr is
    unambiguous and about twice as fast to build as a JSON dump. The id and thread id are part
    of it, so no two items share an entry; HTML depends on nothing but the item.
    """
    return hashlib.blake2b(repr(item).encode(), digest_size=16).digest()


class RenderedItems:
    """A bounded, thread-safe LRU of item HTML in front of the item template macro."""

    def __init__(
        self,
        render: Callable[[Mapping[str, Any]], Markup],
        max_entries: int = DEFAULT_MAX_ENTRIES,
    ) -> None:
        self._render = render
        self._max_entries = max_entries
        self._entries: OrderedDict[bytes, Markup] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def __call__(self, item: Mapping[str, Any]) -> Markup:
        key = content_key(item)
        with self._lock:
            html = self._entries.get(key)
            if html is not None:
                self._entries.move_to_end(key)
                return html
        # Rendered outside the lock: two threads may render the same item once each.
        html = self._render(item)
        if not isinstance(html, Markup):  # only escaped template output may be reused as-is
            raise TypeError("the item renderer must return Markup")
        with self._lock:
            self._entries[key] = html
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)
        return html
