"""Read what a person sees on the chat pages: thread links, pager links, items, notices."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any


@dataclass
class ThreadLink:
    thread_id: str
    href: str
    text: str = ""
    current: bool = False


@dataclass
class Page:
    threads: list[ThreadLink] = field(default_factory=list)
    pager: dict[str, str] = field(default_factory=dict)  # rel -> href
    item_classes: list[str] = field(default_factory=list)
    chatkit_data: dict[str, Any] | None = None
    text: str = ""


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self._link: ThreadLink | None = None
        self._depth = 0
        self._in_data_block = False
        self._data_block: list[str] = []
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {k: v or "" for k, v in attrs}
        classes = attributes.get("class", "").split()
        if tag == "a" and "data-thread-id" in attributes:
            self._link = ThreadLink(
                attributes["data-thread-id"],
                attributes["href"],
                current=attributes.get("aria-current") == "page",
            )
        elif tag == "a" and attributes.get("rel") in ("prev", "next"):
            self.page.pager[attributes["rel"]] = attributes["href"]
        elif tag == "article" and "item" in classes:
            self.page.item_classes.extend(c for c in classes if c.startswith("item--"))
        elif tag == "script" and attributes.get("id") == "chatkit-options":
            self._in_data_block = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._link is not None:
            self._link.text = " ".join(self._link.text.split())
            self.page.threads.append(self._link)
            self._link = None
        elif tag == "script" and self._in_data_block:
            self._in_data_block = False
            self.page.chatkit_data = json.loads("".join(self._data_block))

    def handle_data(self, data: str) -> None:
        if self._in_data_block:
            self._data_block.append(data)
            return
        if self._link is not None:
            self._link.text += data
        self._text.append(data)


def read_page(html: str) -> Page:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    reader.page.text = " ".join("".join(reader._text).split())
    return reader.page
